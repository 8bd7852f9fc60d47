//! Stable identity between runs: the warm start from an earlier plan's membership, and the
//! matching of new services to earlier ones (Jaccard ≥ 0.5, best first) that keeps their ids
//! and names; new services get fresh ids and names.

use std::collections::{BTreeSet, HashMap};

use analyzer::CallGraph;

use crate::plan::Plan;

/// Member overlap (Jaccard) from which a service is the same as an earlier one.
pub(crate) const SAME_SERVICE: f64 = 0.5;

/// Node position → index of the earlier plan's service holding it (`None`: new node).
///
/// # Complexity
/// O(M + V) for M earlier members.
pub(crate) fn warm_start(graph: &CallGraph, previous: &Plan) -> Vec<Option<usize>> {
    let mut out = vec![None; graph.node_count()];
    for (s, service) in previous.clusters.iter().enumerate() {
        for id in &service.members {
            if let Some(p) = graph.position(id) {
                out[p] = Some(s);
            }
        }
    }
    out
}

/// Ids and names of the services `members` (node positions, listed largest first).
///
/// `fixed[c]` is a name a decision gives service `c`. Without `previous`, ids are `s1`, `s2`, …
/// in order and names are `auto`. With it, a service whose members overlap an earlier service's
/// by Jaccard ≥ [`SAME_SERVICE`] (pairs taken best first, ties by position) keeps that service's
/// id and name; the others get ids after the highest earlier one, in order, and their `auto`
/// name. Decision names win; every name is made unique with `-2`, `-3`, … suffixes.
///
/// # Complexity
/// O(V + P log P) for P overlapping pairs.
pub(crate) fn identify(
    graph: &CallGraph,
    members: &[Vec<usize>],
    previous: Option<&Plan>,
    auto: Vec<String>,
    fixed: &[Option<String>],
) -> (Vec<String>, Vec<String>) {
    let k = members.len();
    let matched = previous.map_or_else(|| vec![None; k], |p| match_services(graph, members, p));
    let mut next = previous
        .into_iter()
        .flat_map(|p| &p.clusters)
        .filter_map(|s| number(&s.id))
        .max()
        .unwrap_or(0);
    let ids: Vec<String> = (0..k)
        .map(|c| match (previous, matched[c]) {
            (Some(p), Some(j)) => p.clusters[j].id.clone(),
            (Some(_), None) => {
                next += 1;
                format!("s{next}")
            }
            (None, _) => format!("s{}", c + 1),
        })
        .collect();
    let reserved: BTreeSet<&str> = fixed.iter().flatten().map(String::as_str).collect();
    let mut names: Vec<Option<String>> = (0..k)
        .map(
            |c| match (&fixed.get(c).cloned().flatten(), previous, matched[c]) {
                (Some(name), _, _) => Some(name.clone()),
                (None, Some(p), Some(j)) if !reserved.contains(p.clusters[j].name.as_str()) => {
                    Some(p.clusters[j].name.clone())
                }
                _ => None,
            },
        )
        .collect();
    let mut used: BTreeSet<String> = names.iter().flatten().cloned().collect();
    for (slot, name) in names.iter_mut().zip(auto) {
        if slot.is_none() {
            let mut unique = name.clone();
            let mut i = 2;
            while used.contains(&unique) {
                unique = format!("{name}-{i}");
                i += 1;
            }
            used.insert(unique.clone());
            *slot = Some(unique);
        }
    }
    (ids, names.into_iter().flatten().collect())
}

/// The earlier service each new one continues, if any.
fn match_services(
    graph: &CallGraph,
    members: &[Vec<usize>],
    previous: &Plan,
) -> Vec<Option<usize>> {
    let before: HashMap<&str, usize> = previous
        .clusters
        .iter()
        .enumerate()
        .flat_map(|(j, s)| s.members.iter().map(move |m| (m.as_str(), j)))
        .collect();
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (c, list) in members.iter().enumerate() {
        let mut overlap: HashMap<usize, usize> = HashMap::new();
        for &p in list {
            if let Some(&j) = before.get(graph.node(p).id.as_str()) {
                *overlap.entry(j).or_default() += 1;
            }
        }
        for (j, inter) in overlap {
            let union = list.len() + previous.clusters[j].members.len() - inter;
            let jaccard = inter as f64 / union.max(1) as f64;
            if jaccard >= SAME_SERVICE {
                pairs.push((jaccard, c, j));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut out = vec![None; members.len()];
    let mut taken = vec![false; previous.clusters.len()];
    for (_, c, j) in pairs {
        if out[c].is_none() && !taken[j] {
            out[c] = Some(j);
            taken[j] = true;
        }
    }
    out
}

/// The number of an `s<N>` id.
fn number(id: &str) -> Option<usize> {
    id.strip_prefix('s')?.parse().ok()
}
