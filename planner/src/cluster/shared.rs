//! Shared utility code: nodes called from many distinct modules with a fan-in well above the
//! typical one (logging, configuration, helpers). They must not glue services together.

use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;

use analyzer::{CallGraph, Node};
use rayon::prelude::*;

/// A shared node's fan-in is at least this multiple of the mean fan-in (over called nodes).
pub(super) const SHARED_FANIN_RATIO: f64 = 3.0;

/// The module a node belongs to for fan-in counting: its `module`, else the namespace of its
/// id (the id up to its last `::`, `.` or `/`), else the id itself.
pub(crate) fn module_key(node: &Node) -> &str {
    declared_module(node).unwrap_or(&node.id)
}

/// The module a node declares: its `module`, else the namespace of its id (the id up to its
/// last `::`, `.` or `/`); `None` for a bare id, which names no module.
pub(crate) fn declared_module(node: &Node) -> Option<&str> {
    if let Some(m) = &node.module {
        return Some(m);
    }
    let id = node.id.as_str();
    id.rfind(['.', '/', ':'])
        .map(|cut| id[..cut].trim_end_matches(':'))
}

/// Flags shared nodes: not an entry point, fan-in (distinct callers) ≥ `min_modules` and
/// ≥ [`SHARED_FANIN_RATIO`] × the mean fan-in, called from ≥ `min_modules` modules other than
/// its own, counting only callers that declare a module ([`declared_module`]).
///
/// # Complexity
/// O(V + E log E) time, O(V + E) memory.
pub(super) fn detect(graph: &CallGraph, min_modules: usize) -> Vec<bool> {
    let n = graph.node_count();
    // A caller with a bare id declares no module: it is no evidence of spread (a graph of bare
    // ids has no shared code by this test; the plan's services flag it afterwards), and where no
    // node declares one, the passes over the calls are skipped.
    let (module, _) = crate::modules::number(graph.nodes().map(declared_module));
    let none = crate::modules::Modules::NONE;
    if min_modules > 0 && module.iter().all(|&m| m == none) {
        return vec![false; n];
    }
    // Distinct callers: a call repeating the one before (same caller and callee, the other
    // mode) is not counted again. Counted in parallel; sums of whole numbers in any order.
    let counts: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
    graph.par_edges().enumerate().for_each(|(e, (f, t, _))| {
        let repeat = e > 0 && {
            let (pf, pt, _) = graph.edge(e - 1);
            (pf, pt) == (f, t)
        };
        if f != t && !repeat {
            counts[t].fetch_add(1, Relaxed);
        }
    });
    let fan_in: Vec<usize> = counts.into_iter().map(AtomicUsize::into_inner).collect();
    let called = fan_in.iter().filter(|&&d| d > 0).count();
    if called == 0 {
        return vec![false; n];
    }
    let mean = fan_in.iter().sum::<usize>() as f64 / called as f64;
    let threshold = ((SHARED_FANIN_RATIO * mean).ceil() as usize).max(min_modules);
    let candidate: Vec<bool> = (0..n)
        .map(|i| fan_in[i] >= threshold && graph.node(i).entry.is_none())
        .collect();
    // (callee, caller's module) pairs packed in a u64, so that the distinct ones sort as numbers.
    let mut callers: Vec<u64> = graph
        .par_edges()
        .filter(|&(f, t, _)| f != t && candidate[t] && module[f] != none && module[f] != module[t])
        .map(|(f, t, _)| ((t as u64) << 32) | u64::from(module[f]))
        .collect();
    callers.par_sort_unstable();
    callers.dedup();
    let mut modules = vec![0usize; n];
    for pair in callers {
        modules[(pair >> 32) as usize] += 1;
    }
    (0..n)
        .map(|i| candidate[i] && modules[i] >= min_modules)
        .collect()
}

/// Flags composition roots: `cli` entry points (a `main`, run once at start-up) that call into many
/// modules with a fan-out well above the typical one. They wire the application together; like
/// shared code, their calls must not glue the services they wire. Orchestrators that run on every
/// request (an `OrderService.placeOrder`) are not wiring and are left alone. Same thresholds as
/// [`detect`], mirrored.
///
/// # Complexity
/// O(V + E log E) time, O(V + E) memory.
pub(super) fn composition_roots(graph: &CallGraph, min_modules: usize) -> Vec<bool> {
    let n = graph.node_count();
    // Without a `cli` entry point there is no candidate, and without a declared module no
    // evidence: the passes over the calls are skipped.
    let cli = graph
        .nodes()
        .any(|node| node.entry.as_deref() == Some("cli"));
    if !cli || (min_modules > 0 && graph.nodes().all(|node| declared_module(node).is_none())) {
        return vec![false; n];
    }
    let mut fan_out = vec![0usize; n];
    let mut last: Option<(usize, usize)> = None;
    for (f, t, _) in graph.edges() {
        if f != t && last != Some((f, t)) {
            fan_out[f] += 1;
        }
        last = Some((f, t));
    }
    let calling = fan_out.iter().filter(|&&d| d > 0).count();
    if calling == 0 {
        return vec![false; n];
    }
    let mean = fan_out.iter().sum::<usize>() as f64 / calling as f64;
    let threshold = ((SHARED_FANIN_RATIO * mean).ceil() as usize).max(min_modules);
    // Only `cli` entry points can be roots: the others' callees are never looked at.
    let candidate: Vec<bool> = (0..n)
        .map(|i| fan_out[i] >= threshold && graph.node(i).entry.as_deref() == Some("cli"))
        .collect();
    let mut callees: Vec<(usize, &str)> = graph
        .edges()
        .filter(|&(f, t, _)| f != t && candidate[f])
        .filter_map(|(f, t, _)| Some((f, declared_module(graph.node(t))?)))
        .filter(|&(f, m)| Some(m) != declared_module(graph.node(f)))
        .collect();
    callees.sort_unstable();
    callees.dedup();
    let mut modules = vec![0usize; n];
    for (f, _) in callees {
        modules[f] += 1;
    }
    (0..n)
        .map(|i| candidate[i] && modules[i] >= min_modules)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use analyzer::Call;

    fn node(id: &str, module: Option<&str>) -> Node {
        Node {
            id: id.into(),
            module: module.map(Into::into),
            ..Node::default()
        }
    }

    #[test]
    fn module_key_falls_back_to_namespace() {
        assert_eq!(module_key(&node("a::b::c", None)), "a::b");
        assert_eq!(module_key(&node("com.x.Y", None)), "com.x");
        assert_eq!(module_key(&node("plain", None)), "plain");
        assert_eq!(declared_module(&node("plain", None)), None);
        assert_eq!(declared_module(&node("a::b::c", None)), Some("a::b"));
        assert_eq!(module_key(&node("a.b", Some("m"))), "m");
    }

    /// `app.main` (a `cli` entry) calling into 6 modules of 3 functions each.
    fn main_wiring_parts() -> (Vec<Node>, Vec<(usize, usize, Call)>) {
        let mut nodes = vec![Node {
            entry: Some("cli".into()),
            ..node("app.main", Some("app"))
        }];
        let mut edges = Vec::new();
        for m in 0..6 {
            for i in 0..3 {
                nodes.push(node(&format!("m{m}.f{i}"), Some(&format!("m{m}"))));
                let me = nodes.len() - 1;
                if i == 0 {
                    edges.push((0, me, Call::new(1.0, false)));
                } else {
                    edges.push((me - 1, me, Call::new(1.0, false)));
                }
            }
        }
        (nodes, edges)
    }

    #[test]
    fn main_wiring_every_module_is_a_composition_root() {
        let (nodes, edges) = main_wiring_parts();
        let graph = CallGraph::from_parts(nodes, edges);
        let roots = composition_roots(&graph, 4);
        let main = graph.position("app.main");
        for (i, &flag) in roots.iter().enumerate() {
            assert_eq!(flag, Some(i) == main, "{}", graph.node(i).id);
        }
    }

    #[test]
    fn logger_called_from_every_module_is_shared() {
        let graph = logger_graph(true);
        let shared = detect(&graph, 4);
        let log = graph.position("util.log");
        for (i, &flag) in shared.iter().enumerate() {
            assert_eq!(flag, Some(i) == log, "{}", graph.node(i).id);
        }
    }

    #[test]
    fn callers_without_modules_are_no_evidence_of_sharing() {
        // The same calls between bare ids: a high fan-in alone is not spread over modules.
        let graph = logger_graph(false);
        assert!(detect(&graph, 4).iter().all(|&s| !s));
        // Unless no module is asked for: the fan-in rule alone flags the logger.
        let log = graph.position("utillog");
        let shared = detect(&graph, 0);
        for (i, &flag) in shared.iter().enumerate() {
            assert_eq!(flag, Some(i) == log, "{}", graph.node(i).id);
        }
    }

    #[test]
    fn wiring_bare_ids_or_without_a_cli_entry_is_no_composition_root() {
        let (mut nodes, edges) = main_wiring_parts();
        let bare: Vec<Node> = nodes
            .iter()
            .map(|n| Node {
                id: n.id.replace('.', ""),
                module: None,
                ..n.clone()
            })
            .collect();
        let graph = CallGraph::from_parts(bare, edges.clone());
        assert!(composition_roots(&graph, 4).iter().all(|&r| !r));
        nodes[0].entry = Some("http".into());
        let graph = CallGraph::from_parts(nodes, edges);
        assert!(composition_roots(&graph, 4).iter().all(|&r| !r));
    }

    /// A logger called by 18 functions of 6 modules (bare ids `logger`, `m0f1`… without them).
    fn logger_graph(modules: bool) -> CallGraph {
        let named = |id: String, module: String| {
            if modules {
                node(&id, Some(&module))
            } else {
                node(&id.replace('.', ""), None)
            }
        };
        let mut nodes = vec![named("util.log".into(), "util".into())];
        let mut edges = Vec::new();
        let call = Call::new(1.0, false);
        for m in 0..6 {
            for i in 0..3 {
                nodes.push(named(format!("m{m}.f{i}"), format!("m{m}")));
                let me = nodes.len() - 1;
                edges.push((me, 0, call));
                if i > 0 {
                    edges.push((me, me - 1, call));
                }
            }
        }
        CallGraph::from_parts(nodes, edges)
    }
}
