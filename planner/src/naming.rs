//! Service names a reviewer can read: from the dominant module, or from the service's hub member
//! when modules are layers spread over several services. Names are unique, lowercase kebab-case.

use std::collections::{BTreeMap, HashMap, HashSet};

use analyzer::CallGraph;

/// One name per service (`members[c]` are the positions of service `c`'s members).
///
/// # Complexity
/// O(V + E).
pub(crate) fn service_names(graph: &CallGraph, members: &[Vec<usize>]) -> Vec<String> {
    let k = members.len();
    let mut assignment = vec![0usize; graph.node_count()];
    for (c, list) in members.iter().enumerate() {
        for &m in list {
            assignment[m] = c;
        }
    }
    // Weighted degree inside the own service: the hub is the most connected member.
    let mut inner = vec![0.0f64; graph.node_count()];
    for (f, t, call) in graph.edges() {
        if f != t && assignment[f] == assignment[t] {
            inner[f] += call.weight;
            inner[t] += call.weight;
        }
    }
    // Module paths and all their ancestors; a prefix shared by most of the graph (the crate or
    // company root) names nothing in particular.
    let total_nodes = graph.node_count();
    let mut graph_counts: HashMap<&str, usize> = HashMap::new();
    for node in graph.nodes() {
        if let Some(m) = node.module.as_deref() {
            for p in prefixes(m) {
                *graph_counts.entry(p).or_default() += 1;
            }
        }
    }
    let distinctive = |p: &str| graph_counts.get(p).copied().unwrap_or(0) * 2 <= total_nodes;
    let chosen: Vec<Option<&str>> = members
        .iter()
        .map(|list| {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for &m in list {
                if let Some(module) = graph.node(m).module.as_deref() {
                    for p in prefixes(module) {
                        *counts.entry(p).or_default() += 1;
                    }
                }
            }
            // A distinctive prefix covering most members (≥ 60 %) and mostly theirs (the service
            // holds at least half of it): the widest such, then the deepest.
            counts
                .iter()
                .filter(|&(p, &c)| {
                    distinctive(p)
                        && c * 5 >= list.len() * 3
                        && c * 2 >= graph_counts.get(p).copied().unwrap_or(0)
                })
                .max_by_key(|&(p, &c)| (c, depth(p), std::cmp::Reverse(*p)))
                .map(|(p, _)| *p)
        })
        .collect();
    let mut used_by: HashMap<&str, usize> = HashMap::new();
    for p in chosen.iter().flatten() {
        *used_by.entry(p).or_default() += 1;
    }
    let words = distinctive_words(graph, members);
    let mut names = Vec::with_capacity(k);
    for (c, list) in members.iter().enumerate() {
        let hub = list.iter().copied().max_by(|&a, &b| {
            let ea = graph.node(a).entry.is_some();
            let eb = graph.node(b).entry.is_some();
            inner[a]
                .total_cmp(&inner[b])
                .then(ea.cmp(&eb))
                .then_with(|| graph.node(b).id.cmp(&graph.node(a).id))
        });
        let hub_name = hub.map(|h| kebab(last_segment(&graph.node(h).id)));
        // A module that is this service's alone names it; otherwise (layers shared by several
        // services) the word its members' names have in common and others lack does.
        let name = match chosen[c] {
            Some(p) if used_by[p] == 1 => kebab(last_segment(p)),
            _ => match (&words[c], hub_name) {
                (Some(w), _) => w.clone(),
                (None, Some(h)) => h,
                (None, None) => String::new(),
            },
        };
        names.push(if name.is_empty() {
            "service".to_string()
        } else {
            name
        });
    }
    // Unique: later duplicates get -2, -3, … in service order.
    let mut used: HashSet<String> = HashSet::new();
    for name in &mut names {
        if !used.insert(name.clone()) {
            let mut i = 2;
            while !used.insert(format!("{name}-{i}")) {
                i += 1;
            }
            *name = format!("{name}-{i}");
        }
    }
    names
}

/// Words too generic to name a service.
const STOP_WORDS: [&str; 16] = [
    "get", "set", "new", "impl", "the", "and", "for", "with", "from", "into", "default", "test",
    "handle", "handler", "util", "utils",
];

/// Per service, the word of its members' names and modules (split on `_` and case changes) with the best
/// tf·idf: frequent among its members, rare among other services. `None` when no word occurs in
/// two members (one for a single-member service).
fn distinctive_words(graph: &CallGraph, members: &[Vec<usize>]) -> Vec<Option<String>> {
    let k = members.len() as f64;
    let per_service: Vec<BTreeMap<String, usize>> = members
        .iter()
        .map(|list| {
            let mut tf: BTreeMap<String, usize> = BTreeMap::new();
            for &m in list {
                let node = graph.node(m);
                let module = node.module.as_deref().map(last_segment).unwrap_or("");
                let mut seen: Vec<String> =
                    words(last_segment(&node.id)).chain(words(module)).collect();
                seen.sort();
                seen.dedup();
                for w in seen {
                    *tf.entry(w).or_default() += 1;
                }
            }
            tf
        })
        .collect();
    let mut df: HashMap<&str, usize> = HashMap::new();
    for tf in &per_service {
        for w in tf.keys() {
            *df.entry(w.as_str()).or_default() += 1;
        }
    }
    per_service
        .iter()
        .zip(members)
        .map(|(tf, list)| {
            let need = if list.len() == 1 { 1 } else { 2 };
            tf.iter()
                .filter(|&(_, &n)| n >= need)
                .map(|(w, &n)| (n as f64 * (1.0 + k / df[w.as_str()] as f64).ln(), w))
                .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
                .map(|(_, w)| w.clone())
        })
        .collect()
}

/// Lowercase words of an identifier: `AccountActionBean` → account, action, bean;
/// `place_order` → place, order. Words under three letters and stop words are dropped.
fn words(ident: &str) -> impl Iterator<Item = String> + '_ {
    kebab(ident)
        .split('-')
        .filter(|w| {
            w.len() >= 3 && !STOP_WORDS.contains(w) && !w.chars().all(|c| c.is_ascii_digit())
        })
        .map(str::to_string)
        .collect::<Vec<_>>()
        .into_iter()
}

/// A module path and its ancestors: `a::b::c` → `a`, `a::b`, `a::b::c` (also for `.` and `/`).
fn prefixes(module: &str) -> impl Iterator<Item = &str> {
    module
        .match_indices([':', '.', '/'])
        .map(move |(i, _)| &module[..i])
        .filter(|p| !p.is_empty() && !p.ends_with(':'))
        .chain(std::iter::once(module))
}

/// Nesting depth of a module path.
fn depth(p: &str) -> usize {
    p.matches([':', '.', '/']).count()
}

/// The last segment of a path-like id (`a::b::c`, `a.b.C`, `a/b/c`, `A#m`).
pub(crate) fn last_segment(id: &str) -> &str {
    let trimmed = id.trim_end_matches([':', '.', '/', '#']);
    trimmed
        .rsplit([':', '.', '/', '#', '\\'])
        .find(|s| !s.is_empty())
        .unwrap_or(trimmed)
}

/// `OrderService` → `order-service`, `place_order` → `place-order`; anything else becomes `-`.
pub(crate) fn kebab(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() {
            if ch.is_ascii_uppercase() && prev_lower && !out.ends_with('-') {
                out.push('-');
            }
            prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
            out.push(ch.to_ascii_lowercase());
        } else {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            prev_lower = false;
        }
    }
    out.trim_matches('-').to_string()
}
