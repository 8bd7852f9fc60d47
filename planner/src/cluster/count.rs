//! Reaching a service count: folding tiny clusters (automatic mode), merging by best modularity
//! gain and splitting by sub-Leiden (exact mode). All choices are deterministic.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use super::STABLE_TOLERANCE;
use super::constrain::{Tags, compatible};
use super::coupling::Csr;
use super::leiden::{aggregate, leiden, renumber};

/// Starting resolution when splitting a cluster (below this nothing useful splits).
const MIN_SPLIT_RESOLUTION: f64 = 0.5;
/// Resolution doublings tried before a split falls back to peeling off one node.
const SPLIT_ROUNDS: usize = 64;

/// Clusters as a weighted quotient graph of `g`.
#[derive(Clone)]
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

/// Which neighbour a small cluster folds into ([`fold_small`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum FoldBy {
    /// Best modularity gain, then strongest tie: a small cluster of Leiden's partition.
    Gain,
    /// Strongest tie, then best gain: a fragment, which is no community of its own, goes with
    /// the code it is most tied to; the gain's chance term would send it to a smaller neighbour
    /// however much more it calls a large one (the resolution limit of modularity, Fortunato &
    /// Barthélemy 2007).
    Tie,
}

/// Which clusters fold, and where ([`fold_small`]).
#[derive(Clone, Copy, Debug)]
pub(super) struct Small {
    /// Clusters of fewer nodes than this fold.
    pub below: usize,
    /// Into which neighbour.
    pub by: FoldBy,
}

/// Automatic mode: folds clusters smaller than `small.below` (smallest first) into the neighbour
/// chosen by gain or tie (`small.by`; then larger, lower index), until none is left.
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
    small: Small,
    keep: &[bool],
    gamma: f64,
    tags: &[Tags],
    sizes: &[usize],
) -> (Vec<usize>, Vec<bool>) {
    let Small {
        below: min_size,
        by,
    } = small;
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
            let gain = q.gain(c, d, w, gamma);
            let cand = match by {
                FoldBy::Gain => (gain, w, q.size[d], d),
                FoldBy::Tie => (w, gain, q.size[d], d),
            };
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
    merge_greedy(
        Quotient::new(g, labels, tags, cluster_sizes(labels, &[])),
        target,
        gamma,
    )
}

/// [`merge_to`] on the quotient graph `q` of the clusters: the merges, then every node's final
/// label, renumbered.
fn merge_greedy(mut q: Quotient, target: usize, gamma: f64) -> Vec<usize> {
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

/// Most input clusters [`merge_to_refined`] refines: each pass weighs every cluster against
/// every group at each of its steps, O(P²·K). Beyond, the greedy merge stands.
const REFINE_PIECES: usize = 256;

/// Passes of [`refine_groups`], at most (each raises modularity, so the bound is only a guard).
const REFINE_PASSES: usize = 32;

/// [`merge_to`], then the merged groups refined by Kernighan–Lin passes over the input
/// clusters ([`refine_groups`]), so that the count stays and modularity rises. The greedy
/// agglomeration fixes each merge for good, and its first merges can rule out the partition of
/// highest modularity; Newman ("Modularity and community structure in networks", PNAS 2006)
/// refines a division the same way, moving vertices one at a time, each once a pass, and keeping
/// the best state the pass went through. Here the vertices are the input clusters, and a state
/// counts only when the clusters of each group are tied together (a service of parts that
/// never call each other is no service). Then, among the groupings as modular within
/// [`EQUAL_MODULARITY`], single moves lessen the dependencies between the groups
/// ([`lessen_dependencies`]; `arcs` are the calls between input clusters, caller first). With
/// cannot-link `tags`, or more than [`REFINE_PIECES`] input clusters, the greedy result stands.
///
/// # Complexity
/// [`merge_to`]'s, plus O(R · P · (P·K + E_q)) for R passes over P input clusters, K groups
/// and E_q quotient edges (each step checks the ties of the two groups it changes), plus
/// O(D · P · (K·a + P + E_q)) for D dependencies lessened, a arcs per input cluster.
pub(super) fn merge_to_refined(
    g: &Csr,
    labels: &[usize],
    target: usize,
    gamma: f64,
    tags: &[Tags],
    arcs: &[(usize, usize)],
) -> Refined {
    let size = cluster_sizes(labels, &[]);
    if !tags.is_empty() || size.len() > REFINE_PIECES {
        return Refined {
            labels: merge_to(g, labels, target, gamma, tags),
            dependencies: None,
        };
    }
    // One quotient graph: the greedy merges consume a copy, the passes read it.
    let q = Quotient::new(g, labels, &[], size);
    let merged = merge_greedy(q.clone(), target, gamma);
    let k = merged.iter().max().map_or(0, |&c| c + 1);
    let mut group = vec![usize::MAX; q.size.len()];
    for (&l, &m) in labels.iter().zip(&merged) {
        group[l] = m;
    }
    let dependencies = refine_groups(&q, &mut group, k, gamma, arcs);
    let mut out: Vec<usize> = labels.iter().map(|&l| group[l]).collect();
    renumber(&mut out);
    Refined {
        labels: out,
        dependencies,
    }
}

/// [`merge_to_refined`]'s result.
pub(super) struct Refined {
    /// Input label → group, renumbered.
    pub labels: Vec<usize>,
    /// The dependencies between the groups (ordered pairs with a call) of the grouping of
    /// highest modularity, and of the one kept, when [`lessen_dependencies`] ran.
    pub dependencies: Option<(usize, usize)>,
}

/// Share of a grouping's modularity within which another counts as equally modular: the
/// tolerance within which a re-plan calls two partitions as modular ([`STABLE_TOLERANCE`]).
/// Modularity has many near-optimal partitions of different structure (Good, de Montjoye &
/// Clauset, "Performance of modularity maximization in practical contexts", 2010), so a
/// difference this small is no reason to prefer one.
const EQUAL_MODULARITY: f64 = STABLE_TOLERANCE;

/// The groups of [`refine_groups`]: which input clusters each holds, their weights and totals.
struct Groups<'a> {
    q: &'a Quotient,
    /// Input cluster → group (`usize::MAX` for a label no node holds).
    group: &'a mut [usize],
    /// `to[p][g]`: the weight between input cluster `p` and the clusters of group `g` (its own
    /// group: the others in it).
    to: Vec<Vec<f64>>,
    /// Each group's total strength.
    tot: Vec<f64>,
    /// Each group's number of input clusters.
    count: Vec<usize>,
    /// Whether each group is [tied together](Groups::tied_together).
    tied: Vec<bool>,
    /// The groups that are not.
    untied: usize,
}

impl Groups<'_> {
    /// The modularity gain, times `two_m / 2`, of moving input cluster `p` to group `b`, where
    /// `chance` is the resolution over `two_m`.
    fn gain(&self, p: usize, b: usize, chance: f64) -> f64 {
        let (a, t) = (self.group[p], self.q.tot[p]);
        (self.to[p][b] - self.to[p][a]) - chance * t * (self.tot[b] - self.tot[a] + t)
    }

    /// Moves input cluster `p` to group `b`.
    fn shift(&mut self, p: usize, b: usize) {
        let a = self.group[p];
        for (&r, &w) in &self.q.adj[p] {
            self.to[r][a] -= w;
            self.to[r][b] += w;
        }
        self.tot[a] -= self.q.tot[p];
        self.tot[b] += self.q.tot[p];
        self.count[a] -= 1;
        self.count[b] += 1;
        self.group[p] = b;
        self.retie(a);
        self.retie(b);
    }

    /// Updates whether group `g` is tied together.
    fn retie(&mut self, g: usize) {
        let now = self.tied_together(g);
        if now != self.tied[g] {
            self.tied[g] = now;
            if now {
                self.untied -= 1;
            } else {
                self.untied += 1;
            }
        }
    }

    /// Whether the input clusters of group `g` that have ties are tied together (a cluster tied
    /// to nothing goes anywhere).
    fn tied_together(&self, g: usize) -> bool {
        let q = self.q;
        let tied = |p: usize| self.group[p] == g && q.adj[p].values().any(|&w| w > 0.0);
        let members: Vec<usize> = (0..self.group.len()).filter(|&p| tied(p)).collect();
        let Some(&first) = members.first() else {
            return true;
        };
        let mut seen = vec![false; self.group.len()];
        seen[first] = true;
        let (mut stack, mut reached) = (vec![first], 1);
        while let Some(p) = stack.pop() {
            for (&r, &w) in &q.adj[p] {
                if w > 0.0 && !seen[r] && self.group[r] == g {
                    seen[r] = true;
                    reached += 1;
                    stack.push(r);
                }
            }
        }
        reached == members.len()
    }
}

/// Kernighan–Lin passes over the input clusters of `q` among the `k` groups of `group`: each
/// step moves the unmoved cluster whose move gains most modularity at resolution `gamma` (or
/// loses least) without emptying its group; the pass then returns to the best state it went
/// through whose groups are all [tied together](Groups::tied_together). Passes repeat while one
/// gains. Ties go to the first cluster and group in number order.
fn refine_groups(
    q: &Quotient,
    group: &mut [usize],
    k: usize,
    gamma: f64,
    arcs: &[(usize, usize)],
) -> Option<(usize, usize)> {
    let pieces: Vec<usize> = (0..group.len()).filter(|&p| group[p] < k).collect();
    if q.two_m <= 0.0 || k < 2 || pieces.len() <= k {
        return None;
    }
    let mut groups = Groups {
        q,
        to: vec![vec![0.0; k]; group.len()],
        tot: vec![0.0; k],
        count: vec![0; k],
        tied: vec![true; k],
        untied: 0,
        group,
    };
    for &p in &pieces {
        let a = groups.group[p];
        groups.tot[a] += q.tot[p];
        groups.count[a] += 1;
        for (&r, &w) in &q.adj[p] {
            if groups.group[r] < k {
                groups.to[p][groups.group[r]] += w;
            }
        }
    }
    for g in 0..k {
        groups.retie(g);
    }
    let chance = gamma / q.two_m;
    // Float noise must not count as a gain (passes could cycle).
    let least = 1e-12 * q.two_m;
    for _ in 0..REFINE_PASSES {
        let mut moved = vec![false; groups.group.len()];
        let mut steps: Vec<(usize, usize)> = Vec::new();
        let (mut sum, mut best, mut best_len) = (0.0, least, 0);
        loop {
            let mut pick: Option<(f64, usize, usize)> = None;
            for &p in pieces.iter().filter(|&&p| !moved[p]) {
                let a = groups.group[p];
                if groups.count[a] < 2 {
                    continue;
                }
                for b in (0..k).filter(|&b| b != a) {
                    let gain = groups.gain(p, b, chance);
                    if pick.is_none_or(|(g0, _, _)| gain > g0) {
                        pick = Some((gain, p, b));
                    }
                }
            }
            let Some((gain, p, b)) = pick else { break };
            let a = groups.group[p];
            groups.shift(p, b);
            moved[p] = true;
            steps.push((p, a));
            sum += gain;
            if sum > best && groups.untied == 0 {
                best = sum;
                best_len = steps.len();
            }
        }
        while steps.len() > best_len {
            let Some((p, a)) = steps.pop() else { break };
            groups.shift(p, a);
        }
        if best_len == 0 {
            break;
        }
    }
    Some(lessen_dependencies(&mut groups, &pieces, k, gamma, arcs))
}

/// The modularity (at resolution `gamma`) of the grouping `groups` holds over `pieces`.
fn modularity(groups: &Groups<'_>, pieces: &[usize], gamma: f64) -> f64 {
    let q = groups.q;
    // Weight inside the input clusters (twice), then between clusters of one group (twice).
    let between: f64 = q.adj.iter().flat_map(|a| a.values()).sum();
    let inside: f64 = pieces.iter().map(|&p| groups.to[p][groups.group[p]]).sum();
    let spread: f64 = groups.tot.iter().map(|t| t * t).sum();
    (q.two_m - between + inside) / q.two_m - gamma * spread / (q.two_m * q.two_m)
}

/// Among the groupings as modular as the one `groups` holds (within [`EQUAL_MODULARITY`] of
/// it), single moves of input clusters that lessen the dependencies between groups, the ordered
/// pairs of groups with a call from one to the other (`arcs`, caller first, between input
/// clusters), most lessened first, then best modularity; every group stays tied together and
/// none empties. An architect weighs a boundary by what depends on what across it: a part that
/// every service calls, joined to one of them, makes all the others depend on that one, and
/// joined to a service they all call already, adds nothing. Returns the dependencies before
/// and after.
///
/// # Complexity
/// O(D · P · (K·a + P + E_q)) for D dependencies lessened over P input clusters, K groups, a
/// arcs per input cluster and E_q quotient edges.
fn lessen_dependencies(
    groups: &mut Groups<'_>,
    pieces: &[usize],
    k: usize,
    gamma: f64,
    arcs: &[(usize, usize)],
) -> (usize, usize) {
    let n = groups.group.len();
    let (mut out, mut inn) = (vec![Vec::new(); n], vec![Vec::new(); n]);
    for &(f, t) in arcs {
        if f != t && f < n && t < n && groups.group[f] < k && groups.group[t] < k {
            out[f].push(t);
            inn[t].push(f);
        }
    }
    for list in out.iter_mut().chain(inn.iter_mut()) {
        list.sort_unstable();
        list.dedup();
    }
    // between[a][b]: arcs from group a's clusters to group b's.
    let mut between = vec![vec![0usize; k]; k];
    for &p in pieces {
        for &r in &out[p] {
            let (a, b) = (groups.group[p], groups.group[r]);
            if a != b {
                between[a][b] += 1;
            }
        }
    }
    let count = |between: &[Vec<usize>]| between.iter().flatten().filter(|&&c| c > 0).count();
    let before = count(&between);
    let two_m = groups.q.two_m;
    let mut q_now = modularity(groups, pieces, gamma);
    let floor = q_now - EQUAL_MODULARITY * q_now.abs();
    let chance = gamma / two_m;
    // A cluster's arcs by the group at their other end: (group, arcs), in group order.
    let mut tally = vec![0usize; k];
    let mut by_group = |ends: &[usize], group: &[usize]| -> Vec<(usize, usize)> {
        let mut seen: Vec<usize> = Vec::new();
        for &r in ends {
            let c = group[r];
            if tally[c] == 0 {
                seen.push(c);
            }
            tally[c] += 1;
        }
        seen.sort_unstable();
        seen.into_iter()
            .map(|c| (c, std::mem::take(&mut tally[c])))
            .collect()
    };
    // How many pairs of groups a count change turns from some arcs to none, less the reverse.
    let turned =
        |old: usize, new: usize| i64::from(old > 0 && new == 0) - i64::from(old == 0 && new > 0);
    loop {
        let mut options: Vec<(i64, f64, usize, usize)> = Vec::new();
        for &p in pieces {
            let a = groups.group[p];
            if groups.count[a] < 2 {
                continue;
            }
            let outs = by_group(&out[p], groups.group);
            let ins = by_group(&inn[p], groups.group);
            let arcs_with = |list: &[(usize, usize)], c: usize| {
                list.binary_search_by_key(&c, |&(g, _)| g)
                    .map_or(0, |i| list[i].1)
            };
            for b in (0..k).filter(|&b| b != a) {
                // Moving p from a to b: its arcs to group c leave (a, c) for (b, c), its arcs
                // from c leave (c, a) for (c, b); (a, b) and (b, a) change both ways.
                let mut lessened = 0i64;
                for &(c, m) in outs.iter().filter(|&&(c, _)| c != a && c != b) {
                    lessened += turned(between[a][c], between[a][c] - m)
                        + turned(between[b][c], between[b][c] + m);
                }
                for &(c, m) in ins.iter().filter(|&&(c, _)| c != a && c != b) {
                    lessened += turned(between[c][a], between[c][a] - m)
                        + turned(between[c][b], between[c][b] + m);
                }
                let ab = between[a][b] + arcs_with(&ins, a) - arcs_with(&outs, b);
                let ba = between[b][a] + arcs_with(&outs, a) - arcs_with(&ins, b);
                lessened += turned(between[a][b], ab) + turned(between[b][a], ba);
                if lessened <= 0 {
                    continue;
                }
                let gain = groups.gain(p, b, chance);
                if q_now + 2.0 * gain / two_m >= floor {
                    options.push((lessened, gain, p, b));
                }
            }
        }
        // Most lessened, then best gain, then the first cluster and group.
        options.sort_by(|x, y| {
            y.0.cmp(&x.0)
                .then(y.1.total_cmp(&x.1))
                .then((x.2, x.3).cmp(&(y.2, y.3)))
        });
        let mut moved = None;
        for (_, gain, p, b) in options {
            let a = groups.group[p];
            groups.shift(p, b);
            if groups.untied == 0 {
                moved = Some((p, a, b));
                q_now += 2.0 * gain / two_m;
                break;
            }
            groups.shift(p, a);
        }
        let Some((p, a, b)) = moved else { break };
        // Its arcs to group c leave (a, c) for (b, c), its arcs from c leave (c, a) for (c, b).
        for (ends, outgoing) in [(&out[p], true), (&inn[p], false)] {
            for &r in ends {
                let c = groups.group[r];
                let pair = |x: usize| if outgoing { (x, c) } else { (c, x) };
                if c != a {
                    let (i, j) = pair(a);
                    between[i][j] -= 1;
                }
                if c != b {
                    let (i, j) = pair(b);
                    between[i][j] += 1;
                }
            }
        }
    }
    (before, count(&between))
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

    /// Clusters under `below` nodes fold by modularity gain.
    fn gain(below: usize) -> Small {
        Small {
            below,
            by: FoldBy::Gain,
        }
    }

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
        let (out, lonely) = fold_small(&g, &labels, gain(3), &[], 1.0, &[], &[]);
        assert_eq!(out, vec![0, 0, 0, 1, 1, 1, 2, 2]);
        assert_eq!(lonely, vec![false, false, true]);
        let (kept, lonely) = fold_small(
            &g,
            &labels,
            gain(3),
            &[false, false, false, true],
            1.0,
            &[],
            &[],
        );
        assert_eq!(kept, out);
        assert_eq!(lonely, vec![false; 3]);
        // No cluster under the minimum: nothing folds, the labels are only renumbered.
        let (same, lonely) = fold_small(&g, &[5, 5, 5, 2, 2, 2, 7, 7], gain(2), &[], 1.0, &[], &[]);
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

    #[test]
    fn a_fragment_folds_by_gain_or_by_tie() {
        // A clique of ten, a triangle, and a fragment tied 3 to the clique and 2 to the triangle.
        let mut edges: Vec<(u32, u32, f64)> = Vec::new();
        for a in 0..10 {
            for b in a + 1..10 {
                edges.push((a, b, 1.0));
            }
        }
        edges.extend([
            (10, 11, 1.0),
            (11, 12, 1.0),
            (10, 12, 1.0),
            (13, 0, 3.0),
            (13, 10, 2.0),
        ]);
        let g = Csr::from_edges(14, &edges, vec![]);
        let mut labels = vec![0; 10];
        labels.extend([1, 1, 1, 2]);
        // By gain, the chance term of the clique's weight sends it to the triangle; by tie, it
        // goes with the clique it calls most.
        let (by_gain, _) = fold_small(&g, &labels, gain(2), &[], 1.0, &[], &[]);
        assert_eq!(by_gain[13], by_gain[10]);
        let (by_tie, _) = fold_small(
            &g,
            &labels,
            Small {
                below: 2,
                by: FoldBy::Tie,
            },
            &[],
            1.0,
            &[],
            &[],
        );
        assert_eq!(by_tie[13], by_tie[0]);
    }

    /// The six services of JPetStore's automatic plan as nodes (tests/fixtures/real): order,
    /// account, catalog, cart, item, line-item, each with its inner calls.
    fn pet_store_services() -> Csr {
        let edges = [
            (3, 4, 3.0),
            (2, 4, 4.0),
            (3, 5, 2.0),
            (4, 5, 2.0),
            (0, 5, 8.0),
            (0, 1, 15.0),
            (0, 3, 9.0),
            (0, 4, 4.0),
            (1, 3, 1.0),
            (1, 2, 3.0),
            (2, 3, 3.0),
        ];
        Csr::from_edges(6, &edges, vec![148.0, 106.0, 85.0, 71.0, 26.0, 24.0])
    }

    #[test]
    fn refinement_undoes_what_the_first_greedy_merges_ruled_out() {
        let g = pet_store_services();
        let services: Vec<usize> = (0..6).collect();
        // Greedy: cart, item and line-item first, then account with catalog.
        let greedy = merge_to(&g, &services, 3, 1.0, &[]);
        assert_eq!(greedy, vec![0, 1, 1, 2, 2, 2]);
        // Refined: line-item to order, catalog to cart and item; account alone, as the experts
        // draw it. The pass goes through a state of lower modularity to get there.
        let refined = merge_to_refined(&g, &services, 3, 1.0, &[], &[]).labels;
        assert_eq!(refined, vec![0, 1, 2, 2, 2, 0]);
        let q = |labels: &[usize]| {
            let mut q = Quotient::new(&g, labels, &[], cluster_sizes(labels, &[]));
            let (k, two_m) = (q.size.len(), q.two_m);
            let inner: f64 = (0..k)
                .map(|c| {
                    let members: Vec<usize> = (0..6).filter(|&v| labels[v] == c).collect();
                    members.iter().map(|&v| 2.0 * g.self_w[v]).sum::<f64>()
                        + members
                            .iter()
                            .flat_map(|&v| g.neighbors(v).filter(|&(u, _)| labels[u] == c))
                            .map(|(_, w)| w)
                            .sum::<f64>()
                })
                .sum();
            let chance: f64 = q.tot.iter_mut().map(|t| *t * *t).sum::<f64>() / two_m;
            (inner - chance) / two_m
        };
        assert!(
            q(&refined) > q(&greedy) + 1e-3,
            "{} vs {}",
            q(&refined),
            q(&greedy)
        );
    }

    /// PartsUnlimited's nine automatic services (order, quote, shipment, catalog, dealer,
    /// factory, properties, the MongoDB retry layer, delivery addresses): calls between them at
    /// `1 + ln w` each, calls inside, and which calls which (tests/fixtures/real).
    fn parts_services() -> (Csr, Vec<(usize, usize)>) {
        let edges = [
            (0, 1, 6.0),
            (0, 2, 10.0),
            (0, 5, 13.0),
            (0, 6, 8.0),
            (0, 7, 1.0),
            (1, 2, 1.0),
            (1, 4, 12.0),
            (1, 5, 10.0),
            (1, 6, 3.0),
            (1, 7, 1.0),
            (2, 5, 12.0),
            (2, 6, 4.0),
            (2, 7, 1.0),
            (2, 8, 5.0),
            (3, 5, 10.0),
            (3, 7, 1.0),
            (4, 5, 10.0),
            (4, 7, 1.0),
            (5, 6, 5.0),
            (5, 7, 1.0),
        ];
        let inner = vec![181.5, 189.0, 142.4, 95.5, 79.7, 60.0, 35.0, 66.2, 24.0];
        let arcs = vec![
            (0, 1),
            (0, 5),
            (0, 6),
            (0, 7),
            (1, 4),
            (1, 5),
            (1, 6),
            (1, 7),
            (2, 0),
            (2, 1),
            (2, 5),
            (2, 6),
            (2, 7),
            (2, 8),
            (3, 5),
            (3, 7),
            (4, 5),
            (4, 7),
            (5, 0),
            (5, 1),
            (5, 2),
            (5, 3),
            (5, 4),
            (5, 6),
            (6, 5),
            (7, 5),
        ];
        (Csr::from_edges(9, &edges, inner), arcs)
    }

    #[test]
    fn among_equally_modular_groupings_fewer_dependencies_win() {
        let (g, arcs) = parts_services();
        let services: Vec<usize> = (0..9).collect();
        // By modularity alone the retry layer, which every repository calls once, joins the
        // dealers by a hair: every other service then depends on the dealers' service.
        let modular = merge_to_refined(&g, &services, 6, 1.0, &[], &[]);
        assert_eq!(modular.labels[7], modular.labels[4]);
        // Within 1 % of that modularity it joins the factory and configuration code, which
        // every service calls already: 17 dependencies between services become 14.
        let kept = merge_to_refined(&g, &services, 6, 1.0, &[], &arcs);
        assert_eq!(kept.labels[7], kept.labels[5]);
        assert_eq!(kept.labels[6], kept.labels[5]);
        assert_eq!(kept.dependencies, Some((17, 14)));
        assert_eq!(kept.labels.iter().max(), Some(&5));
    }

    #[test]
    fn refinement_keeps_each_group_tied_together() {
        // Two small cores tied hard, each with a large satellite tied to it alone. The grouping
        // of highest modularity puts the cores together and the two satellites, which never call
        // each other, in the other group: no service. One satellite joins the cores instead.
        let edges = [(0, 1, 30.0), (0, 2, 1.0), (1, 3, 1.0)];
        let g = Csr::from_edges(4, &edges, vec![5.0, 5.0, 20.0, 20.0]);
        let refined = merge_to_refined(&g, &[0, 1, 2, 3], 2, 1.0, &[], &[]).labels;
        assert_eq!(refined, vec![0, 0, 0, 1]);
        // A part tied to nothing goes anywhere: with no satellite tied, they group.
        let g = Csr::from_edges(4, &edges[..1], vec![5.0, 5.0, 20.0, 20.0]);
        assert_eq!(
            merge_to_refined(&g, &[0, 1, 2, 3], 2, 1.0, &[], &[]).labels,
            vec![0, 0, 1, 1]
        );
    }
}
