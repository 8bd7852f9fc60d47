//! The coupling graph: an undirected weighted graph in CSR arrays, built from the calls and the
//! module/resource affinity hints.

use rustc_hash::FxHashMap;

use analyzer::CallGraph;
use rayon::prelude::*;

use crate::ClusterConfig;

/// Coupling factor of any call edge touching shared (utility) code.
pub(super) const SHARED_COUPLING: f64 = 0.1;
/// Groups up to this size are tied as a clique; larger ones by random cycles.
const CLIQUE_MAX: usize = 16;
/// Random Hamiltonian cycles tying a large group: their union is an expander with high
/// probability, so cutting the group anywhere costs a share of its ties close to a clique's,
/// with 2 × this many arcs a member instead of m − 1.
const GROUP_CYCLES: usize = 3;
/// Floor of a module's cohesion: even a pure layer binds a little.
const COHESION_FLOOR: f64 = 0.1;
/// A module whose excess internal call fraction reaches `1 / COHESION_GAIN` binds fully.
const COHESION_GAIN: f64 = 1.0;
/// A resource whose information `ln(n/u) / ln(n)` is below this ties nothing (it is everywhere).
const RESOURCE_MIN_INFO: f64 = 0.05;

/// Undirected weighted graph in compressed sparse row form; each edge is stored in both rows.
///
/// `self_w[v]` is the weight inside an aggregated node (each inner edge once); it counts twice
/// in the node's strength, as a self-loop does in modularity.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Csr {
    pub offsets: Vec<usize>,
    pub targets: Vec<u32>,
    pub weights: Vec<f64>,
    pub self_w: Vec<f64>,
}

impl Csr {
    /// Builds the graph from `(u, v, w)` triples (u ≠ v), summing duplicates in either direction.
    ///
    /// Two stable counting-sort passes (arcs by target, then by source) leave every row sorted by
    /// target with its duplicates adjacent, in the order of `edges`; they are then summed in place.
    ///
    /// # Complexity
    /// O(V + E) time; memory O(V + E).
    pub fn from_edges(n: usize, edges: &[(u32, u32, f64)], self_w: Vec<f64>) -> Csr {
        let mut offsets = vec![0usize; n + 1];
        for &(u, v, _) in edges {
            offsets[u as usize + 1] += 1;
            offsets[v as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        // The graph is symmetric: a node's arcs in equal its arcs out, so one set of offsets
        // serves both passes. First pass: arcs bucketed by target.
        let arcs = offsets[n];
        let mut fill = offsets.clone();
        let mut source = vec![0u32; arcs];
        let mut weight = vec![0f64; arcs];
        for &(u, v, w) in edges {
            for (a, b) in [(u, v), (v, u)] {
                let slot = &mut fill[b as usize];
                source[*slot] = a;
                weight[*slot] = w;
                *slot += 1;
            }
        }
        // Second pass: targets in increasing order, each arc into its source's row.
        fill.copy_from_slice(&offsets);
        let mut targets = vec![0u32; arcs];
        let mut weights = vec![0f64; arcs];
        for t in 0..n {
            for i in offsets[t]..offsets[t + 1] {
                let slot = &mut fill[source[i] as usize];
                targets[*slot] = t as u32;
                weights[*slot] = weight[i];
                *slot += 1;
            }
        }
        drop((source, weight, fill));
        // Merge duplicates (adjacent now), compacting in place.
        let mut out = 0usize;
        let mut start = 0usize;
        for v in 0..n {
            let end = offsets[v + 1];
            offsets[v] = out;
            for i in start..end {
                let (t, w) = (targets[i], weights[i]);
                if out > offsets[v] && targets[out - 1] == t {
                    weights[out - 1] += w;
                } else {
                    targets[out] = t;
                    weights[out] = w;
                    out += 1;
                }
            }
            start = end;
        }
        offsets[n] = out;
        targets.truncate(out);
        weights.truncate(out);
        targets.shrink_to_fit();
        weights.shrink_to_fit();
        let self_w = if self_w.len() == n {
            self_w
        } else {
            vec![0.0; n]
        };
        Csr {
            offsets,
            targets,
            weights,
            self_w,
        }
    }

    /// Number of nodes.
    pub fn n(&self) -> usize {
        self.self_w.len()
    }

    /// Neighbours of `v` with the edge weights.
    pub fn neighbors(&self, v: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let range = self.offsets[v]..self.offsets[v + 1];
        self.targets[range.clone()]
            .iter()
            .zip(&self.weights[range])
            .map(|(&t, &w)| (t as usize, w))
    }

    /// Weighted degree of `v`, inner weight counted twice.
    pub fn strength(&self, v: usize) -> f64 {
        self.neighbors(v).map(|(_, w)| w).sum::<f64>() + 2.0 * self.self_w[v]
    }

    /// All strengths (computed in parallel, each node's the same way).
    pub fn strengths(&self) -> Vec<f64> {
        (0..self.n())
            .into_par_iter()
            .map(|v| self.strength(v))
            .collect()
    }
}

/// Coupling of one call: `1 + ln(w)` for w ≥ 1 (dampens measured counts), `w` below.
pub(super) fn dampen(weight: f64) -> f64 {
    if weight >= 1.0 {
        1.0 + weight.ln()
    } else if weight > 0.0 {
        weight
    } else {
        0.0
    }
}

/// Builds the coupling graph over the nodes that have a compact index in `index`
/// (position → index, `None` for isolated nodes): dampened calls, shared code shrunk,
/// then module and resource affinities scaled to the mean call strength.
///
/// Module ties need a reading of the call structure, `probe` (a clustering of the same nodes
/// without module ties): without it no module tie is made. A module binds by its cohesion:
/// how much more its members call each other, or fall in the same probe cluster, than chance.
///
/// # Complexity
/// O(V + E log d + A) where A = Σ over groups of m·log m affinity edges.
pub(super) fn build(
    graph: &CallGraph,
    index: &[Option<u32>],
    k: usize,
    shared: &[bool],
    cfg: &ClusterConfig,
    probe: Option<&[usize]>,
) -> Csr {
    let mut edges: Vec<(u32, u32, f64)> = Vec::with_capacity(graph.edge_count());
    for (f, t, call) in graph.edges() {
        let (Some(a), Some(b)) = (index[f], index[t]) else {
            continue;
        };
        if a == b {
            continue;
        }
        // A guessed call (a static analyzer's name match) couples in proportion to its confidence.
        let mut c = dampen(call.weight) * call.confidence;
        if call.is_async {
            c *= cfg.async_factor;
        }
        if shared[f] || shared[t] {
            c *= SHARED_COUPLING;
        }
        if c > 0.0 && c.is_finite() {
            edges.push((a, b, c));
        }
    }
    let mut strength = vec![0.0; k];
    let mut total = 0.0;
    for &(a, b, w) in &edges {
        strength[a as usize] += w;
        strength[b as usize] += w;
        total += w;
    }
    let active = strength.iter().filter(|&&s| s > 0.0).count();
    let mean_strength = if active > 0 {
        2.0 * total / active as f64
    } else {
        1.0
    };

    // Module affinity, scaled by each module's cohesion.
    let mut modules: Groups = Groups::default();
    let mut resources: Groups = Groups::default();
    for (pos, node) in graph.nodes().enumerate() {
        let Some(i) = index[pos] else { continue };
        // Without a declared module, the id's namespace stands in for it.
        modules.add(super::shared::module_key(node), i);
        for r in &node.resources {
            resources.add(r, i);
        }
    }
    let (modules, resources) = (modules.in_key_order(), resources.in_key_order());
    let mut module_of = vec![u32::MAX; k];
    for (g, members) in modules.iter().enumerate() {
        for &i in members {
            module_of[i as usize] = g as u32;
        }
    }
    let mut inner = vec![0.0; modules.len()];
    for &(a, b, w) in &edges {
        let g = module_of[a as usize];
        if g != u32::MAX && g == module_of[b as usize] {
            inner[g as usize] += w;
        }
    }
    // Room for every tie at once: growing a vector of this size copies it and faults in new pages.
    let ties: usize = modules
        .iter()
        .filter(|_| probe.is_some())
        .chain(&resources)
        .map(|members| group_arcs(members.len()))
        .sum();
    edges.reserve_exact(ties);
    if let Some(probe) = probe {
        let base = Agreement::base(probe);
        for (g, members) in modules.iter().enumerate() {
            let sum: f64 = members.iter().map(|&i| strength[i as usize]).sum();
            let calls = excess(cohesion_fraction(inner[g], sum), sum / (2.0 * total));
            let together = excess(Agreement::of(members, probe), base);
            let bind = (calls.max(together) * COHESION_GAIN).clamp(COHESION_FLOOR, 1.0);
            add_group(
                members,
                cfg.module_affinity * mean_strength * bind,
                &mut edges,
            );
        }
    }
    // Resource affinity, weighted down by how widespread the resource is.
    let n = k as f64;
    for members in &resources {
        let info = if k > 1 {
            (n / members.len() as f64).ln() / n.ln()
        } else {
            0.0
        };
        if info >= RESOURCE_MIN_INFO {
            add_group(
                members,
                cfg.resource_affinity * mean_strength * info,
                &mut edges,
            );
        }
    }
    Csr::from_edges(k, &edges, vec![0.0; k])
}

/// Members (compact indices) grouped by a string key, in insertion order within a group.
#[derive(Default)]
struct Groups<'a> {
    of: FxHashMap<&'a str, Vec<u32>>,
}

impl<'a> Groups<'a> {
    fn add(&mut self, key: &'a str, member: u32) {
        self.of.entry(key).or_default().push(member);
    }

    /// The groups in key order (deterministic, whatever the hash map's order).
    ///
    /// # Complexity
    /// O(G log G) for G groups.
    fn in_key_order(self) -> Vec<Vec<u32>> {
        let mut groups: Vec<(&str, Vec<u32>)> = self.of.into_iter().collect();
        groups.sort_unstable_by_key(|&(key, _)| key);
        groups.into_iter().map(|(_, members)| members).collect()
    }
}

/// Share of a module's call weight that stays inside it (0 without calls).
fn cohesion_fraction(inner: f64, sum: f64) -> f64 {
    if sum > 0.0 {
        (2.0 * inner / sum).min(1.0)
    } else {
        0.0
    }
}

/// How far `observed` exceeds the chance level `expected`, normalised to [0, 1]
/// (0 when chance already explains everything; NaN-free).
fn excess(observed: f64, expected: f64) -> f64 {
    if expected.is_finite() && expected < 1.0 && observed > expected {
        ((observed - expected) / (1.0 - expected)).min(1.0)
    } else {
        0.0
    }
}

/// Pair agreement with a probe clustering: the share of member pairs in the same cluster.
struct Agreement;

impl Agreement {
    /// Share of a group's member pairs that the probe puts together (0 below two members).
    fn of(members: &[u32], probe: &[usize]) -> f64 {
        let mut labels: Vec<usize> = members.iter().map(|&i| probe[i as usize]).collect();
        labels.sort_unstable();
        Self::pairs(&labels)
    }

    /// The same share for two nodes drawn at random: the chance level.
    fn base(probe: &[usize]) -> f64 {
        let mut labels = probe.to_vec();
        labels.sort_unstable();
        Self::pairs(&labels)
    }

    /// Share of pairs with equal labels in a sorted label list.
    fn pairs(sorted: &[usize]) -> f64 {
        let m = sorted.len() as f64;
        if m < 2.0 {
            return 0.0;
        }
        let together: f64 = sorted
            .chunk_by(|a, b| a == b)
            .map(|run| (run.len() * (run.len() - 1)) as f64)
            .sum();
        together / (m * (m - 1.0))
    }
}

/// Number of arcs [`add_group`] adds for a group of `m` members (at most).
fn group_arcs(m: usize) -> usize {
    match m {
        0 | 1 => 0,
        m if m <= CLIQUE_MAX => m * (m - 1) / 2,
        m => m * GROUP_CYCLES,
    }
}

/// Ties a group so that each member's total tie weight is `total`: a clique for small groups,
/// otherwise [`GROUP_CYCLES`] random Hamiltonian cycles through its members (O(m) arcs), drawn
/// from a seed that depends only on the group, so the ties are deterministic.
fn add_group(members: &[u32], total: f64, edges: &mut Vec<(u32, u32, f64)>) {
    let m = members.len();
    if m < 2 || total.is_nan() || total <= 0.0 || total.is_infinite() {
        return;
    }
    if m <= CLIQUE_MAX {
        let w = total / (m - 1) as f64;
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                edges.push((a, b, w));
            }
        }
        return;
    }
    let w = total / (2 * GROUP_CYCLES) as f64;
    // The members in their own order (neighbours in id order, at distance 1 and 2: local
    // triangles that local moving can grow from), then random cycles (the expansion).
    for d in [1, 2] {
        for (i, &a) in members.iter().enumerate() {
            edges.push((a, members[(i + d) % m], w));
        }
    }
    let mut rng = fastrand::Rng::with_seed(((m as u64) << 32) ^ u64::from(members[0]));
    let mut order = members.to_vec();
    for _ in 2..GROUP_CYCLES {
        rng.shuffle(&mut order);
        for (i, &a) in order.iter().enumerate() {
            edges.push((a, order[(i + 1) % m], w));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_merges_both_directions_and_sorts() {
        let g = Csr::from_edges(3, &[(0, 1, 1.0), (1, 0, 2.0), (2, 0, 0.5)], vec![]);
        assert_eq!(g.neighbors(0).collect::<Vec<_>>(), vec![(1, 3.0), (2, 0.5)]);
        assert_eq!(g.strength(1), 3.0);
        assert_eq!(g.strengths().iter().sum::<f64>(), 7.0);
    }

    #[test]
    fn groups_give_each_member_the_same_total() {
        for m in [2usize, 5, 16, 17, 40, 100] {
            let members: Vec<u32> = (0..m as u32).collect();
            let mut edges = Vec::new();
            add_group(&members, 3.0, &mut edges);
            let g = Csr::from_edges(m, &edges, vec![]);
            for v in 0..m {
                assert!((g.strength(v) - 3.0).abs() < 1e-9, "m={m} v={v}");
            }
            assert!(edges.len() <= m * 8, "sparse for m={m}");
            assert_eq!(edges.len(), group_arcs(m));
        }
    }

    #[test]
    fn cohesion_measures_beyond_chance() {
        assert_eq!(excess(cohesion_fraction(0.0, 10.0), 0.05), 0.0);
        assert_eq!(excess(cohesion_fraction(5.0, 10.0), 0.0), 1.0);
        assert_eq!(excess(0.5, 1.0), 0.0);
        let probe = [0, 0, 1, 1, 2, 2];
        assert_eq!(Agreement::of(&[0, 1], &probe), 1.0);
        assert_eq!(Agreement::of(&[0, 2, 4], &probe), 0.0);
        assert!((Agreement::base(&probe) - 0.2).abs() < 1e-12);
        assert!(dampen(1.0) == 1.0 && dampen(0.5) == 0.5 && dampen(-1.0) == 0.0);
    }
}
