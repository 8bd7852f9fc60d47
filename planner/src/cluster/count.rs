//! Reaching a service count: folding tiny clusters (automatic mode), merging by best modularity
//! gain and splitting by sub-Leiden (exact mode). All choices are deterministic.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use super::constrain::{Tags, compatible};
use super::coupling::Csr;
use super::leiden::{aggregate, leiden, renumber};

/// Starting resolution when splitting a cluster (below this nothing useful splits).
const MIN_SPLIT_RESOLUTION: f64 = 0.5;
/// Resolution doublings tried before a split falls back to peeling off one node.
const SPLIT_ROUNDS: usize = 64;

/// Clusters as a weighted quotient graph of `g`.
struct Quotient {
    adj: Vec<BTreeMap<usize, f64>>,
    tot: Vec<f64>,
    size: Vec<usize>,
    labels: Vec<usize>,
    parent: Vec<usize>,
    two_m: f64,
    /// Cannot-link tags of each cluster (empty when nothing is tagged).
    tags: Vec<Tags>,
}

/// The size of each cluster of `labels` (0.. up to the largest label): the call-graph nodes its
/// members stand for, `sizes[v]` for member `v` (empty: one each).
fn cluster_sizes(labels: &[usize], sizes: &[usize]) -> Vec<usize> {
    let k = labels.iter().max().map_or(0, |&c| c + 1);
    let mut size = vec![0usize; k];
    for (v, &a) in labels.iter().enumerate() {
        size[a] += sizes.get(v).copied().unwrap_or(1);
    }
    size
}

impl Quotient {
    /// The quotient of `g` by `labels`; `tags` holds each node's cannot-link tags (or is empty),
    /// `size` the size of each cluster ([`cluster_sizes`]).
    fn new(g: &Csr, labels: &[usize], tags: &[Tags], size: Vec<usize>) -> Quotient {
        let k = size.len();
        let mut q = Quotient {
            adj: vec![BTreeMap::new(); k],
            tot: vec![0.0; k],
            size,
            labels: labels.to_vec(),
            parent: (0..k).collect(),
            two_m: 0.0,
            tags: if tags.is_empty() {
                Vec::new()
            } else {
                vec![Tags::new(); k]
            },
        };
        for (v, t) in tags.iter().enumerate() {
            q.tags[labels[v]].extend(t.iter().map(|(&a, &b)| (a, b)));
        }
        for (v, &a) in labels.iter().enumerate() {
            let s = g.strength(v);
            q.tot[a] += s;
            q.two_m += s;
        }
        // Cross-cluster weights, each pair's summed in arc order, from the aggregate graph.
        let quotient = aggregate(g, labels, k);
        for (a, adj) in q.adj.iter_mut().enumerate() {
            *adj = quotient.neighbors(a).collect();
        }
        q
    }

    /// Modularity gain of merging `a` and `b` joined by weight `w`.
    fn gain(&self, a: usize, b: usize, w: f64, gamma: f64) -> f64 {
        if self.two_m > 0.0 {
            w - gamma * self.tot[a] * self.tot[b] / self.two_m
        } else {
            0.0
        }
    }

    /// Merges cluster `from` into `into`.
    fn merge(&mut self, from: usize, into: usize) {
        let links = std::mem::take(&mut self.adj[from]);
        for (e, w) in links {
            self.adj[e].remove(&from);
            if e != into {
                *self.adj[into].entry(e).or_insert(0.0) += w;
                *self.adj[e].entry(into).or_insert(0.0) += w;
            }
        }
        self.adj[into].remove(&from);
        self.tot[into] += self.tot[from];
        self.size[into] += self.size[from];
        self.tot[from] = 0.0;
        self.size[from] = 0;
        self.parent[from] = into;
        if !self.tags.is_empty() {
            let moved = std::mem::take(&mut self.tags[from]);
            self.tags[into].extend(moved);
        }
    }

    /// Whether clusters `a` and `b` may merge (no cannot-link tag between them).
    fn may_merge(&self, a: usize, b: usize) -> bool {
        self.tags.is_empty() || compatible(&self.tags[a], &self.tags[b])
    }

    /// Final label of every node, following the merges.
    fn resolve(mut self) -> Vec<usize> {
        for c in 0..self.parent.len() {
            let mut root = c;
            while self.parent[root] != root {
                root = self.parent[root];
            }
            let mut x = c;
            while self.parent[x] != root {
                let next = self.parent[x];
                self.parent[x] = root;
                x = next;
            }
        }
        let parent = self.parent;
        self.labels.iter().map(|&l| parent[l]).collect()
    }

    fn alive(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.size.len()).filter(|&c| self.size[c] > 0)
    }
}

/// Automatic mode: folds clusters smaller than `min_size` (smallest first) into the neighbour
/// of best modularity gain (then strongest tie, larger, lower index), until none is left.
/// Clusters flagged in `keep` stay; clusters with no tie at all are left and reported in the
/// returned flags (indexed by the returned labels) for namespace placement. A cluster never folds
/// into one whose cannot-link `tags` (per node, or empty) clash with its own. Sizes count
/// call-graph nodes: `sizes` gives how many each node of `g` stands for (a must-link unit stands
/// for all its members; empty: one each).
///
/// # Complexity
/// O((K + F·d) log K + F·V) for K clusters, F folds and d quotient degree.
pub(super) fn fold_small(
    g: &Csr,
    labels: &[usize],
    min_size: usize,
    keep: &[bool],
    gamma: f64,
    tags: &[Tags],
    sizes: &[usize],
) -> (Vec<usize>, Vec<bool>) {
    // Without a small cluster to fold, nothing merges: the quotient graph (a pass over every
    // arc) is not built.
    let size = cluster_sizes(labels, sizes);
    let small =
        (0..size.len()).any(|c| size[c] > 0 && size[c] < min_size && keep.get(c) != Some(&true));
    if !small {
        let mut out = labels.to_vec();
        let k = renumber(&mut out);
        return (out, vec![false; k]);
    }
    let mut q = Quotient::new(g, labels, tags, size);
    let mut heap: BinaryHeap<Reverse<(usize, usize)>> =
        q.alive().map(|c| Reverse((q.size[c], c))).collect();
    let mut lonely = vec![false; q.size.len()];
    while let Some(Reverse((size, c))) = heap.pop() {
        if size != q.size[c] || size >= min_size || keep.get(c) == Some(&true) {
            continue;
        }
        let mut best: Option<(f64, f64, usize, usize)> = None;
        for (&d, &w) in &q.adj[c] {
            if w.is_nan() || w <= 0.0 || !q.may_merge(c, d) {
                continue;
            }
            let cand = (q.gain(c, d, w, gamma), w, q.size[d], d);
            let wins = match best {
                None => true,
                Some(b) => {
                    (cand.0, cand.1, cand.2, Reverse(cand.3)) > (b.0, b.1, b.2, Reverse(b.3))
                }
            };
            if wins {
                best = Some(cand);
            }
        }
        match best {
            Some((_, _, _, d)) => {
                q.merge(c, d);
                if q.size[d] < min_size {
                    heap.push(Reverse((q.size[d], d)));
                }
            }
            None => lonely[c] = true,
        }
    }
    let mut out = q.resolve();
    let mut flags = vec![false; out.len()];
    for (v, &l) in out.iter().enumerate() {
        flags[v] = lonely[l];
    }
    let k = renumber(&mut out);
    let mut lonely_out = vec![false; k];
    for (v, &l) in out.iter().enumerate() {
        lonely_out[l] = flags[v];
    }
    (out, lonely_out)
}

/// Merges clusters pairwise by best modularity gain until at most `target` remain, never two
/// whose cannot-link `tags` (per node, or empty) clash: then more than `target` may remain.
/// Returns renumbered labels.
///
/// A cluster tied to another it may join merges only along its ties, as in Clauset, Newman &
/// Moore's greedy agglomeration (2004): the gain's chance term `tot_a·tot_b/2m` would otherwise
/// prefer an unrelated light cluster to a heavier one it is tied to, and glue two capabilities
/// that share nothing. A cluster tied to nothing it may join merges with the lightest it may
/// join, competing by gain with the tied pairs.
///
/// # Complexity
/// O(M · (K + E_q)) for M merges, K clusters and E_q quotient edges (O(M · K²) at worst when
/// tags forbid most pairs).
pub(super) fn merge_to(
    g: &Csr,
    labels: &[usize],
    target: usize,
    gamma: f64,
    tags: &[Tags],
) -> Vec<usize> {
    let mut q = Quotient::new(g, labels, tags, cluster_sizes(labels, &[]));
    let mut count = q.alive().count();
    while count > target.max(1) {
        let mut best: Option<(f64, usize, usize)> = None;
        let mut consider = |gain: f64, a: usize, b: usize| {
            if best.is_none_or(|(g0, a0, b0)| gain > g0 || (gain == g0 && (a, b) < (a0, b0))) {
                best = Some((gain, a, b));
            }
        };
        for a in q.alive() {
            for (&b, &w) in q.adj[a].range(a + 1..) {
                if q.may_merge(a, b) {
                    consider(q.gain(a, b, w, gamma), a, b);
                }
            }
        }
        // A cluster tied to nothing it may join merges with the lightest it may join; a tied
        // cluster only along its ties.
        let mut light: Vec<usize> = q.alive().collect();
        light.sort_by(|&x, &y| q.tot[x].total_cmp(&q.tot[y]).then(x.cmp(&y)));
        for &x in &light {
            let tied = q.adj[x].iter().any(|(&y, &w)| w > 0.0 && q.may_merge(x, y));
            if tied {
                continue;
            }
            if let Some(&y) = light.iter().find(|&&y| y != x && q.may_merge(x, y)) {
                consider(q.gain(x, y, 0.0, gamma), x.min(y), x.max(y));
            }
        }
        let Some((_, a, b)) = best else { break };
        q.merge(b, a);
        count -= 1;
    }
    let mut out = q.resolve();
    renumber(&mut out);
    out
}

/// Merges the tied clusters of `labels` whose merge raises modularity (at resolution `gamma`),
/// best gain first, until none does: Clauset, Newman & Moore's greedy agglomeration (2004),
/// stopped where it stops improving. Clusters marked in `held` (by label) never merge. After the
/// merges by words and the classes moved to their concept's cluster, two clusters can be more
/// tied than chance expects, which Leiden's own partition never leaves.
///
/// # Complexity
/// O(M · (K + E_K)) for M merges over K clusters joined by E_K quotient edges.
pub(super) fn merge_gaining(g: &Csr, labels: &[usize], gamma: f64, held: &[bool]) -> Vec<usize> {
    let mut q = Quotient::new(g, labels, &[], cluster_sizes(labels, &[]));
    let free = |c: usize| !held.get(c).copied().unwrap_or(false);
    loop {
        let mut best: Option<(f64, usize, usize)> = None;
        for a in q.alive().filter(|&a| free(a)) {
            for (&b, &w) in q.adj[a].range(a + 1..) {
                let gain = q.gain(a, b, w, gamma);
                if w > 0.0
                    && gain > 0.0
                    && free(b)
                    && best
                        .is_none_or(|(g0, a0, b0)| gain > g0 || (gain == g0 && (a, b) < (a0, b0)))
                {
                    best = Some((gain, a, b));
                }
            }
        }
        let Some((_, a, b)) = best else { break };
        q.merge(b, a);
    }
    let mut out = q.resolve();
    renumber(&mut out);
    out
}

/// A cluster's best two-way split and its modularity gain on the whole graph.
struct Split {
    gain: f64,
    a: Vec<usize>,
    b: Vec<usize>,
}

/// Splits clusters until there are `target` (or every cluster is a single node), each time the
/// cluster whose best two-way split gains most. Returns renumbered labels.
///
/// # Complexity
/// O(S · (V + E) · R) for S splits and R resolution rounds per sub-Leiden.
pub(super) fn split_to(
    g: &Csr,
    labels: &[usize],
    target: usize,
    gamma: f64,
    rng: &mut fastrand::Rng,
) -> Vec<usize> {
    let k = labels.iter().max().map_or(0, |&c| c + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (v, &c) in labels.iter().enumerate() {
        members[c].push(v);
    }
    let strength = g.strengths();
    let two_m: f64 = strength.iter().sum();
    let mut cache: Vec<Option<Split>> = Vec::new();
    while members.len() < target {
        cache.resize_with(members.len(), || None);
        for c in 0..members.len() {
            if cache[c].is_none() && members[c].len() >= 2 {
                cache[c] = Some(best_split(g, &members[c], &strength, two_m, gamma, rng));
            }
        }
        let pick = (0..members.len())
            .filter_map(|c| cache[c].as_ref().map(|s| (c, s.gain)))
            .reduce(|x, y| if y.1 > x.1 { y } else { x });
        let Some((c, _)) = pick else { break };
        let Some(split) = cache[c].take() else { break };
        members[c] = split.a;
        members.push(split.b);
    }
    let mut out = vec![0usize; labels.len()];
    for (c, list) in members.iter().enumerate() {
        for &v in list {
            out[v] = c;
        }
    }
    renumber(&mut out);
    out
}

/// Best two-way split of `members` (≥ 2 nodes): Leiden on the induced subgraph with a rising
/// resolution until it splits, pieces merged down to two by modularity gain.
fn best_split(
    g: &Csr,
    members: &[usize],
    strength: &[f64],
    two_m: f64,
    gamma: f64,
    rng: &mut fastrand::Rng,
) -> Split {
    let local: HashMap<usize, u32> = members
        .iter()
        .enumerate()
        .map(|(i, &v)| (v, i as u32))
        .collect();
    let mut edges = Vec::new();
    for (i, &v) in members.iter().enumerate() {
        for (u, w) in g.neighbors(v) {
            if let Some(&j) = local.get(&u).filter(|&&j| (i as u32) < j) {
                edges.push((i as u32, j, w));
            }
        }
    }
    let sub = Csr::from_edges(members.len(), &edges, vec![0.0; members.len()]);
    let mut resolution = gamma.max(MIN_SPLIT_RESOLUTION);
    let mut parts = vec![0usize; members.len()];
    for _ in 0..SPLIT_ROUNDS {
        parts = leiden(&sub, resolution, rng);
        if parts.iter().any(|&p| p > 0) {
            break;
        }
        resolution *= 2.0;
    }
    let len = parts.len();
    if len > 0 && parts.iter().all(|&p| p == 0) {
        parts[len - 1] = 1;
    }
    let parts = merge_to(&sub, &parts, 2, resolution, &[]);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let (mut sa, mut sb) = (0.0, 0.0);
    for (i, &v) in members.iter().enumerate() {
        if parts[i] == 0 {
            a.push(v);
            sa += strength[v];
        } else {
            b.push(v);
            sb += strength[v];
        }
    }
    let cut: f64 = edges
        .iter()
        .filter(|&&(i, j, _)| parts[i as usize] != parts[j as usize])
        .map(|&(_, _, w)| w)
        .sum();
    let gain = if two_m > 0.0 {
        gamma * sa * sb / two_m - cut
    } else {
        0.0
    };
    Split { gain, a, b }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two triangles joined by one edge, plus a pendant pair with no tie to anything.
    fn sample() -> Csr {
        let e = [
            (0, 1, 1.0),
            (1, 2, 1.0),
            (0, 2, 1.0),
            (3, 4, 1.0),
            (4, 5, 1.0),
        ];
        let mut edges = e.to_vec();
        edges.extend([(3, 5, 1.0), (2, 3, 1.0), (6, 7, 1.0)]);
        Csr::from_edges(8, &edges, vec![])
    }

    #[test]
    fn merges_while_modularity_gains_and_holds_what_is_held() {
        let g = sample();
        // Each triangle split in two: merging the halves raises modularity, merging the
        // triangles would not; the untied pair stays.
        let labels = [0, 0, 1, 2, 2, 3, 4, 4];
        assert_eq!(
            merge_gaining(&g, &labels, 1.0, &[]),
            vec![0, 0, 0, 1, 1, 1, 2, 2]
        );
        // A held half stays apart.
        assert_eq!(
            merge_gaining(&g, &labels, 1.0, &[false, true]),
            vec![0, 0, 1, 2, 2, 2, 3, 3]
        );
    }

    #[test]
    fn fold_moves_tiny_clusters_and_reports_lonely_ones() {
        let g = sample();
        let labels = [0, 0, 0, 1, 1, 2, 3, 3];
        let (out, lonely) = fold_small(&g, &labels, 3, &[], 1.0, &[], &[]);
        assert_eq!(out, vec![0, 0, 0, 1, 1, 1, 2, 2]);
        assert_eq!(lonely, vec![false, false, true]);
        let (kept, lonely) =
            fold_small(&g, &labels, 3, &[false, false, false, true], 1.0, &[], &[]);
        assert_eq!(kept, out);
        assert_eq!(lonely, vec![false; 3]);
        // No cluster under the minimum: nothing folds, the labels are only renumbered.
        let (same, lonely) = fold_small(&g, &[5, 5, 5, 2, 2, 2, 7, 7], 2, &[], 1.0, &[], &[]);
        assert_eq!(same, vec![0, 0, 0, 1, 1, 1, 2, 2]);
        assert_eq!(lonely, vec![false; 3]);
    }

    #[test]
    fn a_tied_cluster_merges_along_its_tie_not_into_a_lighter_stranger() {
        // A heavy clique (0..5), and a pair (5, 6) and a pendant pair (7, 8) each tied by one
        // light edge to the clique and not to each other: the gain prefers merging the two
        // light strangers, the tie wins.
        let mut edges = Vec::new();
        for a in 0..5u32 {
            for b in a + 1..5 {
                edges.push((a, b, 1.0));
            }
        }
        edges.extend([(5, 6, 3.0), (6, 1, 0.1), (7, 8, 1.0), (8, 0, 0.2)]);
        let g = Csr::from_edges(9, &edges, vec![]);
        let labels = [0, 0, 0, 0, 0, 1, 1, 2, 2];
        assert_eq!(
            merge_to(&g, &labels, 2, 1.0, &[]),
            vec![0, 0, 0, 0, 0, 1, 1, 0, 0]
        );
        // Without its tie, the pendant pair is a stranger to both and joins the lightest.
        let g = Csr::from_edges(9, &edges[..edges.len() - 1], vec![]);
        assert_eq!(
            merge_to(&g, &labels, 2, 1.0, &[]),
            vec![0, 0, 0, 0, 0, 1, 1, 1, 1]
        );
    }

    #[test]
    fn merge_and_split_reach_the_target() {
        let g = sample();
        let singletons: Vec<usize> = (0..8).collect();
        assert_eq!(
            merge_to(&g, &singletons, 3, 1.0, &[]),
            vec![0, 0, 0, 1, 1, 1, 2, 2]
        );
        let one = vec![0; 8];
        for target in 1..=8 {
            let out = split_to(&g, &one, target, 1.0, &mut fastrand::Rng::with_seed(3));
            assert_eq!(out.iter().max(), Some(&(target - 1)), "target {target}");
        }
    }
}
