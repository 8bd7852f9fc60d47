//! Graph assembly: gives every function its stable id, registers methods on their types and
//! traits, resolves every call site (in parallel, one function per task) and builds the
//! [`CallGraph`] with the signals as node labels.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::{HashMap, HashMapExt};

use rayon::prelude::*;

use super::RustStats;
use super::index::Index;
use super::ir::{CallKind, CallSite, Def, Ns, Owner, Sym};
use super::resolve::{RTy, Res};
use super::targets::{Caller, Outcome, Targets, passthrough};
use crate::{Call, CallGraph, Node};

/// Confidence of a callback edge ([`Targets::callbacks`]): the function hands the value to outside
/// code that calls the method back, when and how often the analysis cannot see.
const CALLBACK_CONFIDENCE: f64 = 0.5;

/// Most nodes using a type whose callbacks are linked from them ([`link_callbacks`]).
const MAX_CALLBACK_USERS: usize = 8;

/// Most candidates a method matched by name alone may fan out to; beyond, it is unresolved.
pub(crate) const MAX_NAME_CANDIDATES: usize = 8;

/// What resolving one function's calls gave.
#[derive(Default)]
struct FnOut {
    edges: Vec<(u32, Call)>,
    stats: RustStats,
    unresolved: Vec<String>,
    stateful: bool,
    routes: Vec<(String, u32)>,
    /// Workspace types with callbacks ([`Targets::callbacks`]) that the function uses, other
    /// than its own impl's type.
    used: Vec<u32>,
}

/// Builds the call graph; fills `stats` (all but the file counts) and returns the graph. The
/// index is freed on the analysis threads while the graph is laid out (that step is mostly
/// serial: the other thread would wait).
///
/// # Complexity
/// O(functions + call sites) resolutions, each a few hash lookups (bounded by the resolver's
/// budget), plus O((V + E) log(V + E)) for the final sort.
pub(crate) fn build_graph(
    index: Index,
    stats: &mut RustStats,
    steps: &mut crate::steps::Steps,
) -> CallGraph {
    let ix = &index;
    let t = Targets::new(ix);
    steps.mark(|| String::from("rust: call targets"));
    let outs: Vec<FnOut> = (0..ix.fns.len())
        .into_par_iter()
        .map(|f| resolve_fn(ix, &t, f))
        .collect();
    steps.mark(|| String::from("rust: resolve calls"));

    // A node is where its first function is.
    let mut nodes: Vec<Node> = t
        .node_ids
        .par_iter()
        .zip(&t.node_module)
        .enumerate()
        .map(|(n, (id, module))| {
            let first = &ix.fns[t.first_fn(n) as usize];
            Node {
                id: id.clone(),
                module: Some(module.clone()),
                location: Some(format!(
                    "{}:{}",
                    ix.files[first.file as usize], first.f.line
                )),
                ..Node::default()
            }
        })
        .collect();
    for (f, info) in ix.fns.iter().enumerate() {
        let n = &mut nodes[t.node_of_fn[f] as usize];
        if n.entry.is_none() {
            n.entry.clone_from(&info.f.entry);
        }
        n.resources.extend(info.f.resources.iter().cloned());
        n.hints.extend(info.f.hints.iter().cloned());
        n.stateful |=
            info.f.uses_state || outs[f].stateful || (info.f.has_self && t.on_stateful_type(f));
        if info.f.has_self && t.on_connection_type(f) {
            n.hints
                .push(crate::Hint::HoldsConnections.name().to_string());
        }
    }
    let mut edges = Vec::with_capacity(outs.iter().map(|o| o.edges.len()).sum());
    let mut unresolved: BTreeMap<&str, usize> = BTreeMap::new();
    for (f, out) in outs.iter().enumerate() {
        let from = t.node_of_fn[f] as usize;
        // Registering a handler with a router is not calling it: the framework calls it later,
        // and the route makes it an entry point instead.
        let registered: BTreeSet<u32> = out.routes.iter().map(|&(_, target)| target).collect();
        edges.extend(
            out.edges
                .iter()
                .filter(|(to, _)| !registered.contains(to))
                .map(|&(to, call)| (from, to as usize, call)),
        );
        stats.resolved_calls += out.stats.resolved_calls;
        stats.name_matched_calls += out.stats.name_matched_calls;
        stats.external_calls += out.stats.external_calls;
        stats.unresolved_calls += out.stats.unresolved_calls;
        for name in &out.unresolved {
            *unresolved.entry(name).or_default() += 1;
        }
        for (kind, target) in &out.routes {
            let n = &mut nodes[*target as usize];
            if n.entry.is_none() {
                n.entry = Some(kind.clone());
            }
        }
    }
    stats.callback_edges = link_callbacks(ix, &t, &outs, &nodes, &mut edges);
    mark_queue_workers(&mut nodes, &edges);
    for n in &mut nodes {
        n.hints.sort();
        n.hints.dedup();
    }
    let mut top: Vec<(String, usize)> = unresolved
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(20);
    stats.top_unresolved = top;
    stats.functions = nodes.len();
    for kind in nodes.iter().filter_map(|n| n.entry.as_ref()) {
        *stats.entry_points.entry(kind.clone()).or_default() += 1;
    }
    steps.mark(|| String::from("rust: nodes and edges"));
    rayon::join(|| drop(t), || outs.into_par_iter().for_each(drop));
    steps.mark(|| String::from("rust: free the call targets"));
    let (graph, ()) = rayon::join(
        || CallGraph::from_parts(nodes, edges),
        || index.drop_in_parallel(),
    );
    steps.mark(|| String::from("rust: graph, the index freed alongside"));
    graph
}

/// Links the callbacks no workspace function surely calls ([`Targets::callbacks`]) from the functions
/// that use their type (its associated functions, methods or variants), when at most
/// [`MAX_CALLBACK_USERS`] nodes do: outside code calls them back with the values these functions
/// hand it. A callback some workspace function calls is reached through that call already; a
/// type used all over the workspace (a compiler's `Ty`) says nothing about who hands it over.
/// An entry point that takes a value of the type as a parameter links them whatever the number
/// of users: the framework that calls it builds the value first, through the type's impls (an
/// extractor: axum's `FromRequestParts`, actix's `FromRequest`, Rocket's request guards).
/// Returns the number of edges added.
///
/// # Complexity
/// O(E + Σ users · callbacks) after a sort of the (type, user) pairs.
fn link_callbacks(
    ix: &Index,
    t: &Targets,
    outs: &[FnOut],
    nodes: &[Node],
    edges: &mut Vec<(usize, usize, Call)>,
) -> usize {
    // Called means called for sure: a call matched by name only (`S::poll_next` on a `S:
    // Stream` matches every workspace stream) is a guess, and leaves the callback to be linked.
    let mut called = vec![false; t.node_ids.len()];
    for &(from, to, ref call) in edges.iter() {
        if from != to && call.confidence >= 1.0 {
            called[to] = true;
        }
    }
    let mut users: Vec<(u32, u32)> = outs
        .iter()
        .enumerate()
        .flat_map(|(f, out)| out.used.iter().map(move |&ty| (ty, t.node_of_fn[f])))
        .collect();
    users.sort_unstable();
    users.dedup();
    let mut links: Vec<(u32, u32)> = users
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|group| group.len() <= MAX_CALLBACK_USERS)
        .flatten()
        .copied()
        .collect();
    // The types entry points take by value, resolved here for the few functions that are
    // entry points rather than for every function.
    for (f, info) in ix.fns.iter().enumerate() {
        let user = t.node_of_fn[f];
        if info.f.takes.is_empty() || nodes[user as usize].entry.is_none() {
            continue;
        }
        for sym in &info.f.takes {
            if let RTy::Type(ty) = ix.eval(sym, info.f.scope, &t.fn_self[f], &[])
                && t.hands_over(f, ty)
            {
                links.push((ty, user));
            }
        }
    }
    links.sort_unstable();
    links.dedup();
    let mut added = 0;
    for group in links.chunk_by(|a, b| a.0 == b.0) {
        let uncalled: Vec<u32> = t.callbacks[group[0].0 as usize]
            .iter()
            .copied()
            .filter(|&m| !called[m as usize])
            .collect();
        for &(_, user) in group {
            for &m in uncalled.iter().filter(|&&m| m != user) {
                added += 1;
                edges.push((
                    user as usize,
                    m as usize,
                    Call {
                        weight: 1.0,
                        is_async: false,
                        confidence: CALLBACK_CONFIDENCE,
                    },
                ));
            }
        }
    }
    added
}

/// Resolves the call sites of function `f` in order, each seeing the result types of the
/// earlier ones.
fn resolve_fn(ix: &Index, t: &Targets, f: usize) -> FnOut {
    let info = &ix.fns[f].f;
    let scope = info.scope;
    let self_ty = &t.fn_self[f];
    let mut out = FnOut::default();
    let mut rets: Vec<RTy> = Vec::with_capacity(info.calls.len());
    let caller = Caller {
        scope,
        krate: ix.scopes[scope as usize].crate_idx,
        args: None,
    };
    // Workspace types whose associated functions, methods or variants the function uses.
    let mut used: Vec<u32> = Vec::new();
    for call in &info.calls {
        let (outcome, ret) = match &call.kind {
            CallKind::Path { segs, qself } => match qself {
                Some(q) => {
                    let qt = ix.eval(q, scope, self_ty, &rets);
                    match (segs.len(), &qt) {
                        (1, _) => t.on_type(&qt, &segs[0], &caller),
                        (_, RTy::Type(_)) => match ix.resolve(scope, segs, Ns::Value, self_ty) {
                            Res::TraitItem(_, m) => t.on_type(&qt, m, &caller),
                            other => t.path_outcome(other, segs),
                        },
                        _ => t.path_outcome(ix.resolve(scope, segs, Ns::Value, self_ty), segs),
                    }
                }
                None => {
                    let res = ix.resolve(scope, segs, Ns::Value, self_ty);
                    if let Res::Assoc(ty, _) = res {
                        used.push(ty);
                    }
                    t.path_outcome(res, segs)
                }
            },
            CallKind::Ref(segs) => match ix.resolve(scope, segs, Ns::Value, self_ty) {
                Res::Def(Def::Fn(g)) => {
                    (Outcome::Exact(vec![t.node_of_fn[g as usize]]), RTy::Unknown)
                }
                Res::Def(Def::Static(true, _)) => {
                    out.stateful = true;
                    (Outcome::Ignore, RTy::Unknown)
                }
                Res::Assoc(ty, m) => {
                    used.push(ty);
                    match t.assoc(ty, m) {
                        v if v.is_empty() => (Outcome::Ignore, RTy::Unknown),
                        v => (Outcome::Exact(v), RTy::Unknown),
                    }
                }
                _ => (Outcome::Ignore, RTy::Unknown),
            },
            CallKind::Method { recv, name, args } => {
                let rt = ix.eval(recv, scope, self_ty, &rets);
                if let RTy::Type(ty) = &rt {
                    used.push(*ty);
                }
                let caller = Caller {
                    args: Some(*args),
                    ..caller
                };
                match t.on_type(&rt, name, &caller) {
                    (Outcome::External, ret) if rt == RTy::External => {
                        match t.extension(name, &caller, outside_name(recv, &info.calls, 0)) {
                            Some(v) => (Outcome::Exact(v), RTy::Unknown),
                            None => (Outcome::External, ret),
                        }
                    }
                    other => other,
                }
            }
        };
        rets.push(ret);
        let conf_edges = |v: &[u32], weight: f64, confidence: f64, out: &mut FnOut| {
            for &to in v {
                out.edges.push((
                    to,
                    Call {
                        weight,
                        is_async: call.is_async,
                        confidence,
                    },
                ));
            }
        };
        match outcome {
            Outcome::Exact(v) => {
                out.stats.resolved_calls += 1;
                // A call dispatched to one of several impls (a trait object, a generic bound)
                // runs one of them each time: each gets its share of the call.
                conf_edges(&v, 1.0 / v.len().max(1) as f64, 1.0, &mut out);
            }
            Outcome::Named(v) => {
                if v.len() > MAX_NAME_CANDIDATES {
                    out.stats.unresolved_calls += 1;
                    if let CallKind::Method { name, .. } = &call.kind {
                        out.unresolved.push(format!(".{name}()"));
                    }
                } else {
                    out.stats.name_matched_calls += 1;
                    let confidence = (1.0 / v.len() as f64).min(0.5);
                    conf_edges(&v, 1.0, confidence, &mut out);
                }
            }
            Outcome::External => out.stats.external_calls += 1,
            Outcome::Unresolved(name) => {
                out.stats.unresolved_calls += 1;
                out.unresolved.push(name);
            }
            Outcome::Ignore => {}
        }
    }
    // Outside code calls back the values it is handed: the types the function uses whose
    // callbacks `link_callbacks` may link from it.
    used.retain(|&ty| t.hands_over(f, ty));
    used.sort_unstable();
    used.dedup();
    out.used = used;
    for (kind, segs) in &info.routes {
        let targets = match ix.resolve(scope, segs, Ns::Value, self_ty) {
            Res::Def(Def::Fn(g)) => vec![t.node_of_fn[g as usize]],
            Res::Assoc(ty, m) => t.assoc(ty, m),
            _ => Vec::new(),
        };
        out.routes
            .extend(targets.into_iter().map(|n| (kind.clone(), n)));
    }
    out
}

/// The node id and module of every function, in function order (an enclosing function first).
///
/// # Complexity
/// O(functions) formatted ids, in parallel; a nested function's id waits for its parent's, in a
/// second, sequential pass over the nested ones alone.
pub(crate) fn fn_ids(ix: &Index, impl_self: &[RTy]) -> Vec<(String, String)> {
    let mut ids: Vec<(String, String)> = ix
        .fns
        .par_iter()
        .map(|info| {
            let f = &info.f;
            let (prefix, module) = match f.owner {
                Owner::Free(s) => {
                    let p = &ix.scopes[s as usize].path;
                    (p.clone(), p.clone())
                }
                // Filled in below, once the parent's id is known.
                Owner::Nested(_) => return (String::new(), String::new()),
                Owner::Impl(i) => match &impl_self[i as usize] {
                    RTy::Type(ty) => {
                        let module = ix.scopes[ix.types[*ty as usize].scope as usize]
                            .path
                            .clone();
                        (ix.type_path(*ty), module)
                    }
                    _ => {
                        let im = &ix.impls[i as usize];
                        let module = ix.scopes[im.scope as usize].path.clone();
                        (format!("{module}::{}", im.self_name), module)
                    }
                },
                Owner::Trait(tr) => {
                    let module = ix.scopes[ix.traits[tr as usize].scope as usize]
                        .path
                        .clone();
                    (ix.trait_path(tr), module)
                }
            };
            (format!("{prefix}::{}", f.name), module)
        })
        .collect();
    // A parent comes before its nested functions, so one pass in order sees every parent done.
    for (i, info) in ix.fns.iter().enumerate() {
        if let Owner::Nested(p) = info.f.owner {
            let (prefix, module) = ids.get(p as usize).cloned().unwrap_or_default();
            ids[i] = (format!("{prefix}::{}", info.f.name), module);
        }
    }
    ids
}

/// Groups function indices by their id: functions sharing an id become one node. Returns the
/// node of each function, and of each node its first function (in function order), id and module.
///
/// # Complexity
/// O(functions) hash lookups of borrowed ids; each id and module moves into its node, uncopied.
pub(crate) fn dedup_nodes(mut ids: Vec<(String, String)>) -> DedupedNodes {
    let mut node_of_fn = Vec::with_capacity(ids.len());
    let mut first_fn: Vec<u32> = Vec::new();
    {
        let mut by_id: HashMap<&str, u32> = HashMap::with_capacity(ids.len());
        for (f, (id, _)) in ids.iter().enumerate() {
            let next = first_fn.len() as u32;
            let n = *by_id.entry(id.as_str()).or_insert(next);
            if n == next {
                first_fn.push(f as u32);
            }
            node_of_fn.push(n);
        }
    }
    let (node_ids, node_module) = first_fn
        .iter()
        .map(|&f| std::mem::take(&mut ids[f as usize]))
        .unzip();
    DedupedNodes {
        node_of_fn,
        first_fn,
        node_ids,
        node_module,
    }
}

/// What [`dedup_nodes`] gives.
pub(crate) struct DedupedNodes {
    /// Node of each function.
    pub node_of_fn: Vec<u32>,
    /// First function of each node.
    pub first_fn: Vec<u32>,
    /// Id of each node.
    pub node_ids: Vec<String>,
    /// Module of each node.
    pub node_module: Vec<String>,
}

/// A background worker (an endless loop around awaits) that pops from a queue, itself or through a
/// function it calls, is a queue consumer: an entry point triggered by messages.
fn mark_queue_workers(nodes: &mut [Node], edges: &[(usize, usize, Call)]) {
    let has = |n: &Node, hint: &str| n.hints.iter().any(|h| h == hint);
    let receives: Vec<bool> = nodes
        .iter()
        .map(|n| has(n, crate::Hint::QueueReceive.name()))
        .collect();
    let mut consumer = vec![false; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        consumer[i] = has(n, crate::Hint::WorkerLoop.name()) && receives[i];
    }
    for &(from, to, _) in edges {
        if has(&nodes[from], crate::Hint::WorkerLoop.name()) && receives[to] {
            consumer[from] = true;
        }
    }
    for (n, is_consumer) in nodes.iter_mut().zip(consumer) {
        if is_consumer && n.entry.is_none() {
            n.entry = Some("queue".to_string());
        }
    }
}

/// The last segment of the outside type a receiver is written with, where the code names it:
/// a parameter or binding typed `Mime` (or `Wrapper<…>`), the result of `Mime::from(…)`, and
/// that of `.clone()`, `.unwrap()` and the like on one of these.
fn outside_name<'a>(recv: &'a Sym, calls: &'a [CallSite], depth: u32) -> Option<&'a str> {
    if depth > 8 {
        return None;
    }
    match recv {
        Sym::Path(segs) | Sym::Applied(segs, _) => segs.last().map(String::as_str),
        Sym::Ret(k) => match &calls.get(*k as usize)?.kind {
            CallKind::Path { segs, qself: None } if segs.len() >= 2 => {
                let ty = segs[segs.len() - 2].as_str();
                ty.starts_with(|c: char| c.is_ascii_uppercase())
                    .then_some(ty)
            }
            CallKind::Method { recv, name, .. } if passthrough(name) => {
                outside_name(recv, calls, depth + 1)
            }
            _ => None,
        },
        _ => None,
    }
}
