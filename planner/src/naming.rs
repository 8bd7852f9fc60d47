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
    let dominant: Vec<Option<(&str, usize)>> = members
        .iter()
        .map(|list| {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for &m in list {
                if let Some(module) = graph.node(m).module.as_deref() {
                    *counts.entry(module).or_default() += 1;
                }
            }
            counts
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        })
        .collect();
    let mut dominated: HashMap<&str, usize> = HashMap::new();
    for (module, _) in dominant.iter().flatten() {
        *dominated.entry(module).or_default() += 1;
    }
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
        let name = match dominant[c] {
            Some((module, count)) if count * 2 >= list.len() && dominated[module] == 1 => {
                kebab(last_segment(module))
            }
            Some((module, count)) if count * 2 >= list.len() => {
                let base = kebab(last_segment(module));
                match hub_name {
                    Some(h) if h != base => format!("{base}-{h}"),
                    _ => base,
                }
            }
            _ => hub_name.unwrap_or_default(),
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
