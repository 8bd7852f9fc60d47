//! Decisions inside the clustering: must-link groups contracted into units before Leiden,
//! cannot-link tags that split a cluster holding incompatible units, and the warm start from an
//! earlier plan's membership.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use super::coupling::Csr;

/// Cannot-link tags of a unit or cluster: key → value. Two clusters are incompatible when they
/// hold one key with different values (two named services; two sides of one `[[apart]]`).
pub(crate) type Tags = BTreeMap<u32, u32>;

/// Constraints on the clustering; the default constrains nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Constraints {
    /// Node position → must-link group: the nodes of a group end in one cluster (empty: none).
    pub group: Vec<Option<usize>>,
    /// Cannot-link tags of each group.
    pub tags: Vec<Tags>,
    /// Node position → service index in an earlier plan, the warm start (empty: cold start).
    pub warm: Vec<Option<usize>>,
    /// Co-changing files' nodes (positions) and their degree of coupling (empty: no history).
    pub cochange: Vec<crate::history::FileTie>,
}

impl Constraints {
    /// Whether node `p` belongs to a group (it is then clustered even without a call edge).
    pub fn grouped(&self, p: usize) -> bool {
        matches!(self.group.get(p), Some(Some(_)))
    }
}

/// Whether two tag sets may share a cluster.
pub(crate) fn compatible(a: &Tags, b: &Tags) -> bool {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .iter()
        .all(|(k, v)| large.get(k).is_none_or(|w| w == v))
}

/// The contraction of the clustered nodes into units (one per group, one per free node).
pub(super) struct Units {
    /// Compact node index → unit.
    pub of: Vec<usize>,
    /// Number of units.
    pub count: usize,
    /// Tags of each unit (empty when no unit has any).
    pub tags: Vec<Tags>,
}

impl Units {
    /// How many nodes each unit holds (empty when every unit is one node).
    pub fn sizes(&self) -> Vec<usize> {
        if self.identity() {
            return Vec::new();
        }
        let mut sizes = vec![0; self.count];
        for &u in &self.of {
            sizes[u] += 1;
        }
        sizes
    }

    /// Whether every unit is a single node, in node order (no contraction needed).
    pub fn identity(&self) -> bool {
        self.count == self.of.len()
    }
}

/// Units of the `connected` nodes (positions), numbered by first member.
///
/// # Complexity
/// O(V + G) for G groups.
pub(super) fn units(cons: &Constraints, connected: &[usize]) -> Units {
    let mut unit_of_group: BTreeMap<usize, usize> = BTreeMap::new();
    let mut of = Vec::with_capacity(connected.len());
    let mut count = 0;
    let mut tags = Vec::new();
    let tagged = cons.tags.iter().any(|t| !t.is_empty());
    for &p in connected {
        let group = cons.group.get(p).copied().flatten();
        let unit = match group.and_then(|g| unit_of_group.get(&g)) {
            Some(&u) => u,
            None => {
                if let Some(g) = group {
                    unit_of_group.insert(g, count);
                }
                if tagged {
                    tags.push(
                        group
                            .and_then(|g| cons.tags.get(g))
                            .cloned()
                            .unwrap_or_default(),
                    );
                }
                count += 1;
                count - 1
            }
        };
        of.push(unit);
    }
    Units { of, count, tags }
}

/// The warm start over units: each unit starts in the earlier service of its first member that
/// had one; units new to the plan start alone. `None` for a cold start.
pub(super) fn initial(
    cons: &Constraints,
    connected: &[usize],
    units: &Units,
) -> Option<Vec<usize>> {
    if cons.warm.is_empty() {
        return None;
    }
    let mut start: Vec<Option<usize>> = vec![None; units.count];
    for (i, &p) in connected.iter().enumerate() {
        let slot = &mut start[units.of[i]];
        if slot.is_none() {
            *slot = cons.warm.get(p).copied().flatten();
        }
    }
    let offset = cons.warm.iter().flatten().max().map_or(0, |&m| m + 1);
    Some(
        start
            .iter()
            .enumerate()
            .map(|(u, s)| s.unwrap_or(offset + u))
            .collect(),
    )
}

/// Splits every cluster of `labels` holding incompatible units: the constrained units (strongest
/// first) each join the compatible part they are most coupled to, or open a new part; every
/// other member then joins the part it is most coupled to (growing greedily, strongest tie
/// first; members with no tie join the first part). Returns how many clusters were split.
///
/// # Complexity
/// O(V + E log E) over the split clusters.
pub(super) fn separate(g: &Csr, labels: &mut [usize], tags: &[Tags]) -> usize {
    if tags.iter().all(Tags::is_empty) {
        return 0;
    }
    let k = labels.iter().max().map_or(0, |&c| c + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (u, &c) in labels.iter().enumerate() {
        members[c].push(u);
    }
    let mut next = k;
    let mut split = 0;
    let mut part = vec![usize::MAX; g.n()];
    for list in &members {
        let mut all = Tags::new();
        let mut clash = false;
        for &u in list {
            clash |= !compatible(&all, &tags[u]);
            all.extend(tags[u].iter().map(|(&a, &b)| (a, b)));
        }
        if !clash {
            continue;
        }
        split += 1;
        let mut parts: Vec<Tags> = Vec::new();
        let mut constrained: Vec<usize> = list
            .iter()
            .copied()
            .filter(|&u| !tags[u].is_empty())
            .collect();
        constrained.sort_by(|&a, &b| g.strength(b).total_cmp(&g.strength(a)).then(a.cmp(&b)));
        for u in constrained {
            let mut tie: BTreeMap<usize, f64> = BTreeMap::new();
            for (v, w) in g.neighbors(u) {
                if part[v] != usize::MAX {
                    *tie.entry(part[v]).or_default() += w;
                }
            }
            let best = (0..parts.len())
                .filter(|&q| compatible(&parts[q], &tags[u]))
                .map(|q| (tie.get(&q).copied().unwrap_or(0.0), q))
                .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
            let q = match best {
                Some((_, q)) => q,
                None => {
                    parts.push(Tags::new());
                    parts.len() - 1
                }
            };
            parts[q].extend(tags[u].iter().map(|(&a, &b)| (a, b)));
            part[u] = q;
        }
        grow(g, list, &mut part);
        for &u in list {
            labels[u] = match part[u] {
                0 => labels[u],
                q => next + q - 1,
            };
            part[u] = usize::MAX;
        }
        next += parts.len() - 1;
    }
    split
}

/// Gives every member of `list` without a part the part it is most coupled to, strongest tie
/// first (a max-heap of ties that only grow); members with no tie go to part 0.
fn grow(g: &Csr, list: &[usize], part: &mut [usize]) {
    let inside: std::collections::HashSet<usize> = list.iter().copied().collect();
    let mut tie: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    let mut heap: BinaryHeap<(Weight, Reverse<usize>, Reverse<usize>)> = BinaryHeap::new();
    let push = |u: usize,
                tie: &mut BTreeMap<(usize, usize), f64>,
                heap: &mut BinaryHeap<_>,
                part: &[usize]| {
        for (v, w) in g.neighbors(u) {
            if inside.contains(&v) && part[v] == usize::MAX {
                let t = tie.entry((v, part[u])).or_default();
                *t += w;
                heap.push((Weight(*t), Reverse(v), Reverse(part[u])));
            }
        }
    };
    for &u in list {
        if part[u] != usize::MAX {
            push(u, &mut tie, &mut heap, part);
        }
    }
    while let Some((_, Reverse(v), Reverse(q))) = heap.pop() {
        if part[v] != usize::MAX {
            continue;
        }
        part[v] = q;
        push(v, &mut tie, &mut heap, part);
    }
    for &u in list {
        if part[u] == usize::MAX {
            part[u] = 0;
        }
    }
}

/// A float ordered by `total_cmp`, for the heap.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Weight(f64);

impl Eq for Weight {}

impl PartialOrd for Weight {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Weight {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(u32, u32)]) -> Tags {
        pairs.iter().copied().collect()
    }

    #[test]
    fn tags_clash_only_on_one_key_with_two_values() {
        assert!(compatible(&tags(&[(0, 1)]), &tags(&[(1, 0)])));
        assert!(compatible(&tags(&[(0, 1)]), &tags(&[(0, 1), (2, 2)])));
        assert!(!compatible(&tags(&[(0, 1)]), &tags(&[(0, 2)])));
        assert!(compatible(&Tags::new(), &tags(&[(0, 2)])));
    }

    #[test]
    fn a_cluster_holding_two_named_units_splits_along_its_weak_tie() {
        // Path 0-1-2-3-4-5 with a weak middle edge; units 0 and 5 are two named services.
        let edges = [
            (0, 1, 3.0),
            (1, 2, 3.0),
            (2, 3, 0.5),
            (3, 4, 3.0),
            (4, 5, 3.0),
        ];
        let g = Csr::from_edges(6, &edges, vec![]);
        let mut t = vec![Tags::new(); 6];
        t[0] = tags(&[(0, 0)]);
        t[5] = tags(&[(0, 1)]);
        let mut labels = vec![0; 6];
        assert_eq!(separate(&g, &mut labels, &t), 1);
        assert_eq!(labels, vec![0, 0, 0, 1, 1, 1]);
        // Compatible tags in one cluster stay.
        let mut labels = vec![0; 6];
        t[5] = tags(&[(1, 0)]);
        assert_eq!(separate(&g, &mut labels, &t), 0);
        assert_eq!(labels, vec![0; 6]);
    }

    #[test]
    fn warm_start_keeps_earlier_services_and_units_stay_whole() {
        let cons = Constraints {
            group: vec![Some(0), None, Some(0), None],
            tags: vec![Tags::new()],
            warm: vec![Some(1), None, Some(0), Some(1)],
            cochange: Vec::new(),
        };
        let u = units(&cons, &[0, 1, 2, 3]);
        assert_eq!((u.of.clone(), u.count), (vec![0, 1, 0, 2], 3));
        assert_eq!(initial(&cons, &[0, 1, 2, 3], &u), Some(vec![1, 3, 1]));
    }
}
