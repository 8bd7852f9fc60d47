//! The Leiden algorithm (Traag, Waltman & van Eck 2019) maximising modularity with a resolution
//! γ on a [`Csr`] graph: fast local moving, deterministic (greedy) refinement, aggregation.

use std::borrow::Cow;
use std::collections::VecDeque;

use rayon::prelude::*;

use super::coupling::{Csr, PIECE_EDGES, Rows, node_pieces};

mod ahead;
mod batched;

/// Upper bound on full Leiden iterations (each restarts from the previous partition).
const MAX_ITERATIONS: usize = 2;
/// Iterations stop once one improves modularity by less than this share of its value: later
/// passes move a handful of nodes for a gain far below what distinguishes two decompositions.
const MIN_RELATIVE_GAIN: f64 = 1e-3;
/// Graphs with at least this many nodes are large: their levels are moved in parallel batches,
/// and the clustering starts its final run from the probe's communities.
pub(super) const LARGE: usize = batched::MIN_NODES;
/// Relative improvement a move must bring (guards against float noise and endless moves).
const EPS: f64 = 1e-12;
/// A pass that starts from a partition ends after its first local moving if that moved fewer
/// than this share of the nodes: the partition has settled, and refining and aggregating it
/// again would rebuild the levels it came from (at a million nodes, a second of a 2 s pass).
const SETTLED_SHARE: f64 = 1e-2;

/// A label (node, community) inside the algorithm. A level has fewer nodes than `u32` counts, as
/// [`Csr`]'s targets do; 32-bit labels take half the memory of `usize` ones, and local moving,
/// refinement and aggregation read labels at scattered places (a node's neighbours'): at a million
/// nodes with ids unrelated to the communities, local moving's decisions took 0.82 s against
/// 0.90 s and its moves 0.34 s against 0.40 s (docs/benchmarks.md).
pub(super) trait Label: Copy + Send + Sync {
    /// The label as an index.
    fn at(self) -> usize;
    /// The label of index `i`.
    fn of(i: usize) -> Self;
}

impl Label for u32 {
    fn at(self) -> usize {
        self as usize
    }
    fn of(i: usize) -> u32 {
        debug_assert!(u32::try_from(i).is_ok());
        i as u32
    }
}

impl Label for usize {
    fn at(self) -> usize {
        self
    }
    fn of(i: usize) -> usize {
        i
    }
}

/// `n` labels 0..n.
fn identity(n: usize) -> Vec<u32> {
    (0..n).map(u32::of).collect()
}

/// Labels as indices.
fn widen(labels: &[u32]) -> Vec<usize> {
    labels.iter().map(|&l| l.at()).collect()
}

/// Partitions `g` into communities, numbered 0.. in order of their first member.
///
/// Iterates Leiden passes from the previous result (at most [`MAX_ITERATIONS`]) until the
/// partition is stable or a pass gains less than [`MIN_RELATIVE_GAIN`] of the modularity, or
/// (on a large graph) the pass's first local moving settled before its cap ([`another_pass`]).
/// Deterministic for a given `rng` state.
///
/// # Complexity
/// O(I · L · (V + E)) for I iterations of L aggregation levels; in practice near-linear.
pub(super) fn leiden(g: &Csr, gamma: f64, rng: &mut fastrand::Rng) -> Vec<usize> {
    leiden_from(g, gamma, rng, None)
}

/// Leiden runs whose agreement weighs the final run's graph ([`consensus`]).
pub(super) const CONSENSUS_RUNS: usize = 8;
/// Graphs with fewer units than this get the final run on the [`consensus`] graph; larger ones
/// (whose runs cost seconds each, and whose communities a seed moves little) do not.
pub(super) const CONSENSUS_MAX_NODES: usize = 20_000;

/// The consensus graph of [`CONSENSUS_RUNS`] Leiden runs of `g` (Lancichinetti & Fortunato,
/// "Consensus clustering in complex networks", 2012): every edge keeps its weight times the
/// share of the runs that put its two ends in one community. A run's partition depends on its
/// seed's node order, and on a small graph two seeds can split a capability differently; the
/// edges that every run keeps inside a community keep their full weight, the ones the runs
/// disagree on weaken, and the final run on this graph follows what most runs agree on. The
/// runs' seeds follow from `seed`; each run is deterministic whatever the thread count, and so
/// is the graph.
///
/// # Complexity
/// O(R · Leiden) for R = [`CONSENSUS_RUNS`] runs (in parallel), plus O(R · E) to weigh the edges.
pub(super) fn consensus(g: &Csr, gamma: f64, seed: u64) -> Csr {
    let runs: Vec<Vec<usize>> = (0..CONSENSUS_RUNS as u64)
        .into_par_iter()
        .map(|i| {
            let mut rng = fastrand::Rng::with_seed(seed.wrapping_add(1 + i));
            leiden(g, gamma, &mut rng)
        })
        .collect();
    // An edge no run keeps inside a community weighs nothing and is left out: local moving
    // and aggregation read a weight of 0 as "no tie".
    let mut out = Csr {
        offsets: Vec::with_capacity(g.n() + 1),
        targets: Vec::with_capacity(g.arcs()),
        weights: Vec::with_capacity(g.arcs()),
        self_w: g.self_w.clone(),
        extra: None,
    };
    out.offsets.push(0);
    for v in 0..g.n() {
        for (u, w) in g.neighbors(v) {
            let together = runs.iter().filter(|run| run[u] == run[v]).count();
            if together > 0 {
                out.targets.push(u as u32);
                out.weights
                    .push(w * together as f64 / CONSENSUS_RUNS as f64);
            }
        }
        out.offsets.push(out.targets.len());
    }
    out
}

/// A first reading of `g`, for the clustering's probe: [`leiden`], except that a [`LARGE`] graph
/// gets only its first local moving from singletons (small, dense communities). The probe only
/// weighs module ties and, on a large graph, starts the final run, whose own passes refine and
/// aggregate from it. A whole probe pass made the same cluster phase at a million nodes (its
/// time went to the probe instead of the final run), from a coarser start, with a lower
/// planted-module recovery (NMI 0.916 against 0.932; docs/benchmarks.md).
///
/// # Complexity
/// As [`leiden`]; one local moving on a large graph.
pub(super) fn probe(g: &Csr, gamma: f64, rng: &mut fastrand::Rng) -> Vec<usize> {
    if g.n() < LARGE {
        return iterate(g, gamma, rng, None).0;
    }
    let strength = g.strengths();
    let two_m: f64 = strength.iter().sum();
    let mut part = identity(g.n());
    if two_m > 0.0 && !two_m.is_nan() {
        // Not decided ahead: this one moving is the probe's whole result and the final run's
        // start, with no later level to repair older decisions. Decided ahead, the layers
        // shape's probe was less settled at its cap, the final run's first level moved 19,473
        // nodes instead of 7,294 (past the share at which a warm start counts as settled), and
        // its second pass merged planted modules (NMI 0.997 -> 0.890; docs/benchmarks.md).
        move_nodes(g, &strength, &mut part, gamma, two_m, rng, false);
    }
    renumber(&mut part);
    widen(&part)
}

/// [`leiden`] from an `initial` partition (any labels, one per node) instead of singletons: a
/// warm start, so that a small change to the graph gives a small change to the partition.
///
/// # Complexity
/// As [`leiden`].
pub(super) fn leiden_from(
    g: &Csr,
    gamma: f64,
    rng: &mut fastrand::Rng,
    initial: Option<&[usize]>,
) -> Vec<usize> {
    iterate(g, gamma, rng, initial).0
}

/// Leiden passes from `initial` (singletons when `None`), at most [`MAX_ITERATIONS`] of them;
/// returns the partition and the passes run.
fn iterate(
    g: &Csr,
    gamma: f64,
    rng: &mut fastrand::Rng,
    initial: Option<&[usize]>,
) -> (Vec<usize>, usize) {
    let passes = MAX_ITERATIONS;
    let mut run = 0;
    let n = g.n();
    let strength = g.strengths();
    let two_m: f64 = strength.iter().sum();
    let mut part: Vec<u32> = match initial {
        Some(start) if start.len() == n => {
            let mut dense: rustc_hash::FxHashMap<usize, u32> = Default::default();
            start
                .iter()
                .map(|&l| {
                    let next = u32::of(dense.len());
                    *dense.entry(l).or_insert(next)
                })
                .collect()
        }
        _ => identity(n),
    };
    if n == 0 || two_m.is_nan() || two_m <= 0.0 {
        return (widen(&part), run);
    }
    let mut q = if initial.is_some() {
        modularity(g, &part, gamma)
    } else {
        singletons_modularity(g, &strength, two_m, gamma)
    };
    for done in 0..passes {
        // The last pass's modularity is only compared with the one before, which every move it
        // makes raises: a settled pass (a local moving of the whole graph) need not measure it.
        let last = done + 1 == passes;
        let (next, next_q, settled) = pass(g, &strength, gamma, two_m, &part, rng, last);
        run += 1;
        if next == part || next_q <= q {
            break;
        }
        let small = next_q - q < MIN_RELATIVE_GAIN * q.abs();
        part = next;
        q = next_q;
        if small || !another_pass(n, settled) {
            break;
        }
    }
    (widen(&part), run)
}

/// Whether a graph of `n` nodes gets another pass after one whose first local moving `settled`
/// (ran out of nodes to move rather than into its cap of visits). On a large graph a settled
/// first level leaves the next pass only stragglers: on the hubs shape 2,400 of a million nodes,
/// for 0.2–0.3 s and no change of modularity at four decimals. A capped one is another matter
/// (cold starts of LFR-like graphs: Q 0.69 after the second pass against 0.64 after the first).
/// Small graphs always get theirs: it costs little there.
fn another_pass(n: usize, settled: bool) -> bool {
    n < LARGE || !settled
}

/// Modularity with resolution γ of `part` on `g` (0 for a graph without weight).
///
/// The weight inside communities is summed over fixed pieces of rows in parallel, the pieces'
/// sums added in order: the same value whatever the thread count.
///
/// # Complexity
/// O(V + E) work.
pub(super) fn modularity<L: Label>(g: &Csr, part: &[L], gamma: f64) -> f64 {
    let strength = g.strengths();
    let two_m: f64 = strength.iter().sum();
    if two_m.is_nan() || two_m <= 0.0 {
        return 0.0;
    }
    let inner: f64 = node_pieces(&g.offsets, g.n(), PIECE_EDGES)
        .into_par_iter()
        .map(|piece| {
            piece
                .map(|v| {
                    let c = part[v].at();
                    let within: f64 = g
                        .neighbors(v)
                        .filter(|&(u, _)| part[u].at() == c)
                        .map(|(_, w)| w)
                        .sum();
                    within + 2.0 * g.self_w[v]
                })
                .sum::<f64>()
        })
        .collect::<Vec<f64>>()
        .iter()
        .sum();
    let k = part.iter().map(|c| c.at() + 1).max().unwrap_or(0);
    let mut tot = vec![0.0; k];
    for (v, &c) in part.iter().enumerate() {
        tot[c.at()] += strength[v];
    }
    inner / two_m - gamma * tot.iter().map(|t| (t / two_m).powi(2)).sum::<f64>()
}

/// Modularity with resolution γ of the partition of `g` (node strengths `strength`, summing to
/// `two_m` > 0) into singletons: O(V), where [`modularity`] of any partition reads every edge.
fn singletons_modularity(g: &Csr, strength: &[f64], two_m: f64, gamma: f64) -> f64 {
    (0..g.n())
        .map(|v| 2.0 * g.self_w[v] / two_m - gamma * (strength[v] / two_m).powi(2))
        .sum()
}

/// One Leiden pass from `initial`: move, refine, aggregate, until every community is one node;
/// or only the first local moving, when `initial` is a partition that it barely changes
/// ([`SETTLED_SHARE`]). `strength` holds the strengths of `g`'s nodes. Returns the partition,
/// its modularity, measured on the last level (aggregation keeps modularity, and that graph is
/// small); a settled pass's on the whole graph, unless `unmeasured` (then +∞: each of its moves
/// raised the modularity); and whether the first local moving stopped because no node was left
/// to move, not at its cap of visits.
fn pass(
    g: &Csr,
    strength: &[f64],
    gamma: f64,
    two_m: f64,
    initial: &[u32],
    rng: &mut fastrand::Rng,
    unmeasured: bool,
) -> (Vec<u32>, f64, bool) {
    let mut level: Option<Csr> = None;
    let mut membership = identity(g.n());
    let mut part = initial.to_vec();
    let singletons = part.iter().enumerate().all(|(v, &c)| v == c.at());
    let mut first_settled = false;
    let mut steps = crate::steps::Steps::start();
    loop {
        let graph = level.as_ref().unwrap_or(g);
        let strength: Cow<[f64]> = match &level {
            None => Cow::Borrowed(strength),
            Some(level) => Cow::Owned(level.strengths()),
        };
        let before = (level.is_none() && !singletons).then(|| part.clone());
        // A pass's first level from singletons decides ahead (`batched::move_nodes`): nearly
        // every node moves there, and the levels after it repair what older decisions leave.
        let ahead = level.is_none() && singletons;
        let settled = move_nodes(graph, &strength, &mut part, gamma, two_m, rng, ahead);
        if level.is_none() {
            first_settled = settled;
        }
        if let Some(before) = before {
            let moved = before.iter().zip(&part).filter(|(a, b)| a != b).count();
            if (moved as f64) < SETTLED_SHARE * graph.n() as f64 {
                renumber(&mut part);
                let q = if unmeasured {
                    f64::INFINITY
                } else {
                    modularity(g, &part, gamma)
                };
                steps.mark(|| format!("  leiden: settled: {moved} of {} nodes moved", g.n()));
                return (part, q, first_settled);
            }
        }
        let k = renumber(&mut part);
        steps.mark(|| format!("  leiden: move {} nodes, {} arcs", graph.n(), graph.arcs()));
        if k == graph.n() {
            break;
        }
        let mut refined = refine(graph, &strength, &part, gamma, two_m, rng);
        let r = renumber_by_community(&mut refined, &part, k);
        steps.mark(|| format!("  leiden: refine {k} communities into {r}"));
        if r == graph.n() {
            break;
        }
        let aggregated = aggregate(graph, &refined, r);
        steps.mark(|| "  leiden: aggregate".into());
        let mut next = vec![0u32; r];
        for (v, &c) in refined.iter().enumerate() {
            next[c.at()] = part[v];
        }
        for m in &mut membership {
            *m = refined[m.at()];
        }
        part = next;
        level = Some(aggregated);
    }
    let q = modularity(level.as_ref().unwrap_or(g), &part, gamma);
    let mut out: Vec<u32> = membership.iter().map(|&m| part[m.at()]).collect();
    renumber(&mut out);
    (out, q, first_settled)
}

/// Renumbers labels to 0..k in order of first appearance; returns k.
pub(super) fn renumber<L: Label>(labels: &mut [L]) -> usize {
    let n = labels.len();
    renumber_in(labels, 0..n)
}

/// Renumbers `refined`, a refinement of `part` (labels below `k`), to 0..r community by
/// community, each community's sub-communities in order of their first member; returns r.
/// The next level's nodes then sit together by community, as its local moving, refinement and
/// aggregation read them, whatever order the graph's ids had.
///
/// # Complexity
/// O(V + k).
fn renumber_by_community(refined: &mut [u32], part: &[u32], k: usize) -> usize {
    let (_, members) = group_by_label(part, k, 0..part.len());
    renumber_in(refined, members.iter().map(|&v| v.at()))
}

/// Renumbers `labels` (each below `labels.len()`) to 0..k in the order they first appear as the
/// nodes come in `order` (every node once); returns k.
///
/// # Complexity
/// O(V).
fn renumber_in<L: Label>(labels: &mut [L], order: impl IntoIterator<Item = usize>) -> usize {
    let mut map = vec![usize::MAX; labels.len()];
    let mut k = 0;
    for v in order {
        let l = labels[v].at();
        if map[l] == usize::MAX {
            map[l] = k;
            k += 1;
        }
    }
    for l in labels.iter_mut() {
        *l = L::of(map[l.at()]);
    }
    k
}

/// What local moving tracks of the communities of a partition.
struct Communities {
    /// Total strength of each community.
    tot: Vec<f64>,
    /// Members of each community.
    size: Vec<usize>,
    /// The empty communities (labels with no member), highest first.
    empty: Vec<usize>,
}

impl Communities {
    /// The communities of `part` (labels below `part.len()`).
    fn of(strength: &[f64], part: &[u32]) -> Communities {
        let n = part.len();
        let mut tot = vec![0.0; n];
        let mut size = vec![0usize; n];
        for (v, &c) in part.iter().enumerate() {
            tot[c.at()] += strength[v];
            size[c.at()] += 1;
        }
        let empty = (0..n).rev().filter(|&c| size[c] == 0).collect();
        Communities { tot, size, empty }
    }
}

/// Nodes visited per block of the visit order.
const BLOCK: usize = 64;

/// The order nodes are first visited in: blocks of [`BLOCK`] consecutive nodes, the blocks
/// shuffled. Nodes sit in id order, so neighbours in a block tend to share modules and memory
/// pages; shuffling the blocks keeps the order from favouring one end of the graph.
fn visit_order(n: usize, rng: &mut fastrand::Rng) -> Vec<usize> {
    let mut blocks: Vec<usize> = (0..n.div_ceil(BLOCK)).collect();
    rng.shuffle(&mut blocks);
    blocks
        .into_iter()
        .flat_map(|b| b * BLOCK..((b + 1) * BLOCK).min(n))
        .collect()
}

/// Fast local moving: visits nodes from a queue (in [`visit_order`]), moving each to the community
/// of best modularity gain; neighbours outside the new community are queued again. Large or dense
/// levels ([`batched::worth_batching`]) are moved in parallel batches, up to a cap of visits,
/// each decided `ahead` or not. Returns whether the queue ran dry (always, one node at a time).
fn move_nodes(
    g: &Csr,
    strength: &[f64],
    part: &mut [u32],
    gamma: f64,
    two_m: f64,
    rng: &mut fastrand::Rng,
    ahead: bool,
) -> bool {
    let n = g.n();
    let order = visit_order(n, rng);
    if batched::worth_batching(n, g.arcs()) {
        return batched::move_nodes(g, strength, part, gamma, two_m, order, ahead).settled;
    }
    let Communities {
        mut tot,
        mut size,
        mut empty,
    } = Communities::of(strength, part);
    let mut queue: VecDeque<usize> = order.into();
    let mut queued = vec![true; n];
    // Weight from v to each community; every weight is positive, so 0 means "not touched yet".
    let mut to = vec![0.0; n];
    let mut touched: Vec<usize> = Vec::new();
    while let Some(v) = queue.pop_front() {
        queued[v] = false;
        let cur = part[v].at();
        let kv = strength[v];
        for (u, w) in g.neighbors(v) {
            let c = part[u].at();
            if to[c] == 0.0 {
                touched.push(c);
            }
            to[c] += w;
        }
        tot[cur] -= kv;
        size[cur] -= 1;
        let scale = gamma * kv / two_m;
        let mut best = cur;
        let mut best_gain = to[cur] - scale * tot[cur];
        for &c in &touched {
            let gain = to[c] - scale * tot[c];
            if gain > best_gain + EPS * kv {
                best = c;
                best_gain = gain;
            }
        }
        let stay_loses = best_gain < -EPS * kv && size[cur] > 0;
        if stay_loses && let Some(e) = empty.pop() {
            // Alone is better than staying: an empty community (cur keeps other members).
            best = e;
        } else if size[cur] == 0 && best != cur {
            empty.push(cur);
        }
        tot[best] += kv;
        size[best] += 1;
        part[v] = u32::of(best);
        if best != cur {
            for (u, _) in g.neighbors(v) {
                if !queued[u] && part[u].at() != best {
                    queued[u] = true;
                    queue.push_back(u);
                }
            }
        }
        for &c in &touched {
            to[c] = 0.0;
        }
        touched.clear();
    }
    true
}

/// Refinement: inside each community, singletons that are well connected merge greedily into the
/// well-connected sub-community of best non-negative gain, nodes taken in [`visit_order`].
/// Returns the refined labels (each the id of a node of its sub-community).
///
/// A node only ever joins a sub-community of its own community, so the communities are refined
/// independently, in parallel, each in the visit order restricted to its members: the result
/// is the one a single sweep over the whole order gives, whatever the thread count.
///
/// # Complexity
/// O(V + E) work.
fn refine(
    g: &Csr,
    strength: &[f64],
    part: &[u32],
    gamma: f64,
    two_m: f64,
    rng: &mut fastrand::Rng,
) -> Vec<u32> {
    let n = g.n();
    let k = part.iter().map(|c| c.at() + 1).max().unwrap_or(0);
    let mut tot = vec![0.0; k];
    for v in 0..n {
        tot[part[v].at()] += strength[v];
    }
    // Members of each community in visit order, and each node's place among them.
    let (start, members) = group_by_label(part, k, visit_order(n, rng));
    let mut local = vec![0u32; n];
    for range in start.windows(2) {
        for (i, &v) in members[range[0]..range[1]].iter().enumerate() {
            local[v as usize] = i as u32;
        }
    }
    let community = Community {
        g,
        strength,
        part,
        local: &local,
        scale: gamma / two_m,
    };
    let refined_in_order: Vec<u32> = (0..k)
        .into_par_iter()
        .flat_map_iter(|c| community.refine(&members[start[c]..start[c + 1]], tot[c]))
        .collect();
    let mut refined = vec![0u32; n];
    for (&v, &r) in members.iter().zip(&refined_in_order) {
        refined[v.at()] = r;
    }
    refined
}

/// The nodes grouped by their label (below `k`), each group in the order `nodes` lists them
/// (every node once): group `c` is `members[start[c]..start[c + 1]]`.
///
/// # Complexity
/// O(V + k).
fn group_by_label<L: Label>(
    labels: &[L],
    k: usize,
    nodes: impl IntoIterator<Item = usize>,
) -> (Vec<usize>, Vec<u32>) {
    let mut start = vec![0usize; k + 1];
    for &c in labels {
        start[c.at() + 1] += 1;
    }
    for c in 0..k {
        start[c + 1] += start[c];
    }
    let mut fill = start.clone();
    let mut members = vec![0u32; labels.len()];
    for v in nodes {
        let c = labels[v].at();
        members[fill[c]] = u32::of(v);
        fill[c] += 1;
    }
    (start, members)
}

/// What refining one community reads.
struct Community<'a> {
    g: &'a Csr,
    strength: &'a [f64],
    part: &'a [u32],
    /// Each node's position among its community's members.
    local: &'a [u32],
    /// γ / 2m.
    scale: f64,
}

impl Community<'_> {
    /// Refines the community whose `members` (in visit order) have total strength `tot`;
    /// returns each member's sub-community, as the id of one of its nodes.
    ///
    /// # Complexity
    /// O(m + Σ degrees) for m members.
    fn refine(&self, members: &[u32], tot: f64) -> Vec<u32> {
        let m = members.len();
        if m < 2 {
            return members.to_vec();
        }
        let c = self.part[members[0] as usize];
        let scale = self.scale;
        // Sub-communities are numbered by the position of the member they started from.
        let mut refined: Vec<usize> = (0..m).collect();
        let mut r_tot: Vec<f64> = members.iter().map(|&v| self.strength[v as usize]).collect();
        let mut r_size = vec![1usize; m];
        // External weight of each sub-community towards the rest of the community.
        let mut ext: Vec<f64> = (0..m)
            .map(|j| {
                ahead::ahead(self.g, members, j, self.part);
                self.g
                    .neighbors(members[j] as usize)
                    .filter(|&(u, _)| self.part[u] == c)
                    .map(|(_, w)| w)
                    .sum()
            })
            .collect();
        // Weight from v to each sub-community (positive weights: 0 means untouched).
        let mut to = vec![0.0; m];
        let mut touched: Vec<usize> = Vec::new();
        for (own, &v) in members.iter().enumerate() {
            ahead::ahead(self.g, members, own, self.local);
            if r_size[own] != 1 || refined[own] != own {
                continue;
            }
            let kv = self.strength[v as usize];
            if ext[own] < scale * kv * (tot - kv) {
                continue;
            }
            for (u, w) in self.g.neighbors(v as usize) {
                if self.part[u] == c {
                    let t = refined[self.local[u] as usize];
                    if to[t] == 0.0 {
                        touched.push(t);
                    }
                    to[t] += w;
                }
            }
            let mut best = own;
            let mut best_gain = 0.0;
            for &t in &touched {
                if t == own || ext[t] < scale * r_tot[t] * (tot - r_tot[t]) {
                    continue;
                }
                let gain = to[t] - scale * kv * r_tot[t];
                if gain > best_gain + EPS * kv {
                    best = t;
                    best_gain = gain;
                }
            }
            if best != own {
                ext[best] += ext[own] - 2.0 * to[best];
                r_tot[best] += kv;
                r_size[best] += 1;
                r_tot[own] = 0.0;
                r_size[own] = 0;
                refined[own] = best;
            }
            for &t in &touched {
                to[t] = 0.0;
            }
            touched.clear();
        }
        refined.iter().map(|&r| members[r]).collect()
    }
}

/// Collapses each of the `r` refined communities into one node; inner weight goes to `self_w`.
///
/// Each aggregate node's row is built on its own (its members' rows merged through a dense
/// accumulator, then sorted), the rows in parallel chunks: no edge list, no global sort, and
/// the same graph whatever the thread count.
///
/// # Complexity
/// O(V + E + Σ d' log d') for d' the aggregate degrees; O(r) scratch per chunk.
pub(super) fn aggregate<L: Label>(g: &Csr, refined: &[L], r: usize) -> Csr {
    // Members of each aggregate node, in id order.
    let (start, members) = group_by_label(refined, r, 0..g.n());
    // Pieces of aggregate nodes with about the same number of arcs to merge.
    let mut arcs = vec![0usize; r + 1];
    for a in 0..r {
        let degrees: usize = members[start[a]..start[a + 1]]
            .iter()
            .map(|&v| g.offsets[v as usize + 1] - g.offsets[v as usize])
            .sum();
        arcs[a + 1] = arcs[a] + degrees;
    }
    let rows: Vec<Rows> = node_pieces(&arcs, r, PIECE_EDGES)
        .into_par_iter()
        .map(|piece| {
            let mut rows = Rows::default();
            let mut to = vec![0.0; r];
            let mut touched: Vec<u32> = Vec::new();
            for a in piece {
                let mut inner = 0.0;
                for j in start[a]..start[a + 1] {
                    ahead::ahead(g, &members, j, refined);
                    let v = members[j] as usize;
                    inner += g.self_w[v];
                    for (u, w) in g.neighbors(v) {
                        let b = refined[u].at();
                        if b == a {
                            // Each inner edge is seen from both ends.
                            inner += 0.5 * w;
                        } else {
                            if to[b] == 0.0 {
                                touched.push(b as u32);
                            }
                            to[b] += w;
                        }
                    }
                }
                touched.sort_unstable();
                for &b in &touched {
                    rows.targets.push(b);
                    rows.weights.push(to[b as usize]);
                    to[b as usize] = 0.0;
                }
                rows.ends.push(rows.targets.len());
                rows.self_w.push(inner);
                touched.clear();
            }
            rows
        })
        .collect();
    let self_w = rows
        .iter()
        .flat_map(|piece| &piece.self_w)
        .copied()
        .collect();
    Csr::concat(rows, self_w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cliques(count: usize, size: usize, bridge: f64) -> Csr {
        let mut edges = Vec::new();
        for c in 0..count {
            let base = (c * size) as u32;
            for i in 0..size as u32 {
                for j in i + 1..size as u32 {
                    edges.push((base + i, base + j, 1.0));
                }
            }
            let next = (((c + 1) % count) * size) as u32;
            edges.push((base, next + 1, bridge));
        }
        Csr::from_edges(count * size, &edges, vec![])
    }

    #[test]
    fn ring_of_cliques_is_found() {
        let g = cliques(8, 6, 1.0);
        let part = leiden(&g, 1.0, &mut fastrand::Rng::with_seed(7));
        for c in 0..8 {
            let block = &part[c * 6..(c + 1) * 6];
            assert!(block.iter().all(|&l| l == block[0]), "{part:?}");
        }
        assert_eq!(part.iter().max(), Some(&7));
        assert!(modularity(&g, &part, 1.0) > 0.7);
    }

    #[test]
    fn a_large_graph_gets_a_second_pass_only_when_its_first_level_was_capped() {
        let passes = |g: &Csr| iterate(g, 1.0, &mut fastrand::Rng::with_seed(5), None).1;
        // Cliques settle in a few visits a node: the second pass is left out.
        let g = cliques(LARGE / 5 + 1, 5, 1.0);
        assert!(g.n() >= LARGE);
        assert_eq!(passes(&g), 1);
        // So on a small graph, unless its first pass is enough on its own.
        assert_eq!(passes(&cliques(8, 6, 1.0)), 2);
        // A first level that ran into its cap of visits (only a batched one can) gets its
        // second pass.
        assert!(another_pass(LARGE, false));
        assert!(!another_pass(LARGE, true));
        assert!(another_pass(LARGE - 1, true));
    }

    #[test]
    fn higher_resolution_gives_more_communities() {
        let g = cliques(4, 5, 1.0);
        let low = leiden(&g, 0.05, &mut fastrand::Rng::with_seed(1));
        let high = leiden(&g, 50.0, &mut fastrand::Rng::with_seed(1));
        assert!(low.iter().max() < high.iter().max());
    }

    #[test]
    fn a_warm_start_from_the_answer_stays_there() {
        let g = cliques(6, 5, 1.0);
        let cold = leiden(&g, 1.0, &mut fastrand::Rng::with_seed(7));
        let shifted: Vec<usize> = cold.iter().map(|&c| c + 100).collect();
        let warm = leiden_from(&g, 1.0, &mut fastrand::Rng::with_seed(99), Some(&shifted));
        assert_eq!(warm, cold);
    }

    #[test]
    fn consensus_keeps_agreed_edges_and_weakens_the_rest_whatever_the_thread_count() {
        let g = cliques(8, 6, 1.0);
        let one = in_pool(1, || consensus(&g, 1.0, 42));
        assert_eq!(one, in_pool(2, || consensus(&g, 1.0, 42)));
        // Every run finds the cliques: their edges keep their weight, the bridges between them
        // (never inside one community) are left out.
        for v in 0..g.n() {
            let kept: Vec<(usize, f64)> = g.neighbors(v).filter(|&(u, _)| u / 6 == v / 6).collect();
            assert_eq!(one.neighbors(v).collect::<Vec<_>>(), kept, "row {v}");
        }
    }

    fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(f)
    }

    #[test]
    fn aggregation_sums_weights_like_an_edge_list_whatever_the_thread_count() {
        let g = cliques(40, 7, 0.5);
        // Refined communities: pairs of neighbouring ids, some spanning two cliques.
        let refined: Vec<usize> = (0..g.n()).map(|v| v / 2).collect();
        let r = g.n().div_ceil(2);
        let one = in_pool(1, || aggregate(&g, &refined, r));
        assert_eq!(one, in_pool(3, || aggregate(&g, &refined, r)));
        // The same graph built from an edge list by Csr::from_edges.
        let mut self_w = vec![0.0; r];
        let mut edges = Vec::new();
        for v in 0..g.n() {
            for (u, w) in g.neighbors(v).filter(|&(u, _)| u > v) {
                let (a, b) = (refined[v], refined[u]);
                if a == b {
                    self_w[a] += w;
                } else {
                    edges.push((a as u32, b as u32, w));
                }
            }
        }
        let expected = Csr::from_edges(r, &edges, self_w);
        assert_eq!(one.offsets, expected.offsets);
        assert_eq!(one.targets, expected.targets);
        for (a, b) in one.weights.iter().zip(&expected.weights) {
            assert!((a - b).abs() < 1e-9);
        }
        for (a, b) in one.self_w.iter().zip(&expected.self_w) {
            assert!((a - b).abs() < 1e-9);
        }
    }

    #[test]
    fn refinement_stays_inside_communities_whatever_the_thread_count() {
        let g = cliques(30, 6, 1.0);
        let strength = g.strengths();
        let two_m: f64 = strength.iter().sum();
        // Communities of two cliques each: refinement should split them back apart.
        let part: Vec<u32> = (0..g.n()).map(|v| u32::of(v / 12)).collect();
        let run = |threads| {
            in_pool(threads, || {
                let mut rng = fastrand::Rng::with_seed(5);
                refine(&g, &strength, &part, 1.0, two_m, &mut rng)
            })
        };
        let one = run(1);
        assert_eq!(one, run(4));
        for v in 0..g.n() {
            assert_eq!(
                part[one[v].at()],
                part[v],
                "sub-community outside its community"
            );
        }
        // Each clique is found again as one sub-community.
        for v in 0..g.n() {
            assert_eq!(one[v], one[v - v % 6], "clique of {v} split");
        }
        assert_eq!(renumber(&mut one.clone()), 30);
    }

    #[test]
    fn sub_communities_are_numbered_community_by_community() {
        // Nodes 0..6 in communities [1, 0, 1, 0, 2, 1]; sub-communities as node ids.
        let part = [1u32, 0, 1, 0, 2, 1];
        let mut refined = [5u32, 1, 2, 3, 4, 5];
        let r = renumber_by_community(&mut refined, &part, 3);
        assert_eq!(r, 5);
        // Community 0 (nodes 1, 3) first, then 1 (nodes 0, 2, 5: sub-communities 5 and 2), then 2.
        assert_eq!(refined, [2, 0, 3, 1, 4, 2]);
    }

    #[test]
    fn empty_and_weightless_graphs() {
        let g = Csr::from_edges(0, &[], vec![]);
        assert!(leiden(&g, 1.0, &mut fastrand::Rng::with_seed(1)).is_empty());
        let g = Csr::from_edges(3, &[], vec![]);
        assert_eq!(
            leiden(&g, 1.0, &mut fastrand::Rng::with_seed(1)),
            vec![0, 1, 2]
        );
    }
}
