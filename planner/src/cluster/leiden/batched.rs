//! Fast local moving in batches, for large levels: the best move of each node of a batch is
//! chosen in parallel against a frozen state (the partition before the batch, or before the
//! batch ahead of it: see below), then the moves are applied in queue order. The decisions
//! depend only on that state, never on the thread count or timing, so the result is the same on
//! 1 thread or 64.
//!
//! A decision can be stale by the time it is applied (a neighbour moved in the batch before, or
//! earlier in the same batch), so each is checked against the current state before it is
//! applied, and dropped unless it still gains: every applied move raises modularity, so moving
//! ends (two nodes can never swap places forever). Only the nodes that want to move are
//! checked, one neighbour scan each; the decisions, a scan and a sort for every visit, are the
//! parallel part. The moves are applied on one thread while the others decide the next batch
//! against the state before those moves (a copy, brought up to date from the log of the moves
//! once they are applied), so that applying, a fifth of the time at a million nodes, no longer
//! leaves the other threads idle. Which batch is decided early, and against which state, depends
//! only on the queue, never on timing, so the result is the same. The caller asks for this
//! only where nearly every node moves (a pass's first level from singletons); elsewhere the
//! other threads read where the next batch's rows start while the moves are applied, so that
//! its decisions find them in the cache the threads share.

use std::collections::VecDeque;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;

use rayon::prelude::*;

use super::{Csr, EPS, Label};

/// A batch holds this share of a level's nodes (1 / `BATCH_SHARE`), so that the share of
/// decisions that go stale does not grow with the level; each batch costs a round trip through
/// the thread pool (the workers woken for the decisions), which batches of a fixed 1,024 nodes
/// paid about 2,500 times a level at a million nodes: the
/// decisions took 5-10 % longer on a quiet machine and about twice as long on a loaded one, for
/// the same visits and modularity (docs/benchmarks.md).
const BATCH_SHARE: usize = 64;
/// The smallest batch (levels under 64 × this many nodes).
const MIN_BATCH: usize = 1024;
/// Visits a thread decides in a row, each fetching the next one's neighbours' labels while it
/// decides its own.
const RUN: usize = 64;
/// Rows the warming thread reads between two looks at whether the moves are applied.
const WARM_RUN: usize = 256;
/// Levels with fewer nodes are moved one node at a time (batches would be a large share of them),
/// unless they are dense (see [`worth_batching`]).
pub(super) const MIN_NODES: usize = 50_000;
/// A level of fewer than [`MIN_NODES`] nodes but this many arcs or more is batched all the same:
/// its work is in its rows, not its node count (the hubs shape's third level: 9k nodes, 3.6M
/// arcs, 0.2 s moved on one thread).
const DENSE_ARCS: usize = 1 << 20;
/// The fewest nodes a dense level needs to be batched: four batches of [`MIN_BATCH`], so that a
/// batch stays a small share of the level and few decisions go stale.
const DENSE_MIN_NODES: usize = 4 * MIN_BATCH;

/// Whether a level of `n` nodes and `arcs` arcs is moved in batches: a large one, or a dense one.
pub(super) fn worth_batching(n: usize, arcs: usize) -> bool {
    n >= MIN_NODES || (n >= DENSE_MIN_NODES && arcs >= DENSE_ARCS)
}
/// Local moving of a level stops after this many visits a node on average, queue or not (like
/// Louvain's cap on sweeps): on large levels the last visits move few nodes for little gain, and
/// the next level and the next pass carry on. At a million nodes the probe's first level took
/// 7 visits a node; capped at 3 its plan keeps its modularity to 4 decimals (docs/benchmarks.md).
const MAX_VISITS_PER_NODE: usize = 3;

/// Where a node goes.
#[derive(Clone, Copy)]
enum Decision {
    /// Stays in its community.
    Stay,
    /// Joins this community.
    Join(usize),
    /// Leaves for an empty community of its own (staying loses modularity).
    Alone,
}

/// What a decision works in, kept between decisions.
#[derive(Default)]
struct Scratch {
    /// Each neighbour's community (high 32 bits) and its place in `weights` (low 32 bits: a row
    /// holds fewer arcs than the graph has calls, fewer than `u32::MAX`).
    keys: Vec<u64>,
    /// The weights of the node's arcs, in row order.
    weights: Vec<f64>,
    /// Each neighbouring community with the weight to it, in increasing order.
    candidates: Vec<(usize, f64)>,
}

/// The state every decision of a batch reads.
struct Frozen<'a> {
    g: &'a Csr,
    strength: &'a [f64],
    part: &'a [u32],
    tot: &'a [f64],
    gamma: f64,
    two_m: f64,
}

impl Frozen<'_> {
    /// The decisions of the nodes of `run`, in order. A decision waits mostly on its
    /// neighbours' labels, scattered loads from memory; before deciding a node, the processor is
    /// asked for the next node's neighbours' labels and the rows of the nodes after it
    /// ([`super::ahead::ahead`]), so that their loads overlap this decision's work instead of
    /// stalling the next one.
    fn decide_run(&self, run: &[usize], scratch: &mut Scratch) -> Vec<Decision> {
        let g = self.g;
        let mut out = Vec::with_capacity(run.len());
        for (i, &v) in run.iter().enumerate() {
            super::ahead::ahead(g, run, i, self.part);
            out.push(self.decide(v, scratch));
        }
        out
    }

    /// The best move of `v`: the community of best modularity gain, ties to the lowest label.
    /// `scratch` holds the neighbours' weights and, for each, its community and its place in
    /// those weights packed in one word (community high), between calls: sorting words moves
    /// half the bytes of sorting (community, weight) pairs.
    fn decide(&self, v: usize, scratch: &mut Scratch) -> Decision {
        let cur = self.part[v].at();
        let kv = self.strength[v];
        let scale = self.gamma * kv / self.two_m;
        let tot = |c: usize| {
            if c == cur {
                self.tot[c] - kv
            } else {
                self.tot[c]
            }
        };
        let Scratch {
            keys,
            weights,
            candidates,
        } = scratch;
        keys.clear();
        weights.clear();
        for (i, (u, w)) in self.g.neighbors(v).enumerate() {
            keys.push(u64::from(self.part[u]) << 32 | i as u64);
            weights.push(w);
        }
        keys.sort_unstable();
        // The weight to each neighbouring community (summed in row order), the communities in
        // increasing order.
        candidates.clear();
        candidates.extend(keys.chunk_by(|&a, &b| a >> 32 == b >> 32).map(|run| {
            let to: f64 = run
                .iter()
                .map(|&key| weights[(key & u64::from(u32::MAX)) as usize])
                .sum();
            ((run[0] >> 32) as usize, to)
        }));
        let to_cur = candidates
            .iter()
            .find(|&&(c, _)| c == cur)
            .map_or(0.0, |&(_, to)| to);
        let stay_gain = to_cur - scale * tot(cur);
        let mut best = cur;
        let mut best_gain = stay_gain;
        for &(c, to) in candidates.iter() {
            if c == cur {
                continue;
            }
            let gain = to - scale * tot(c);
            if gain > best_gain + EPS * kv {
                best = c;
                best_gain = gain;
            }
        }
        if best != cur {
            Decision::Join(best)
        } else if best_gain < -EPS * kv {
            Decision::Alone
        } else {
            Decision::Stay
        }
    }
}

/// Whether moving `v` (strength `kv`) from its community to `to` (`None`: an empty community)
/// still gains modularity in the current state; `scale` is γ / 2m. The same scan lists in
/// `outside` (emptied first) the neighbours that are not `queued` and not in `to`: those to
/// queue if the move is made.
///
/// # Complexity
/// O(d) for d neighbours.
#[allow(clippy::too_many_arguments)]
fn still_gains(
    g: &Csr,
    part: &[u32],
    tot: &[f64],
    queued: &[bool],
    v: usize,
    kv: f64,
    to: Option<usize>,
    scale: f64,
    outside: &mut Vec<usize>,
) -> bool {
    let cur = part[v].at();
    let (mut w_cur, mut w_to) = (0.0, 0.0);
    outside.clear();
    for (u, w) in g.neighbors(v) {
        let c = part[u].at();
        if c == cur {
            w_cur += w;
        } else if Some(c) == to {
            w_to += w;
        }
        if Some(c) != to && !queued[u] {
            outside.push(u);
        }
    }
    let stay = w_cur - scale * kv * (tot[cur] - kv);
    let go = match to {
        Some(c) if c != cur => w_to - scale * kv * tot[c],
        Some(_) => return false,
        None => 0.0,
    };
    go > stay + EPS * kv
}

/// The batch size of a level of `n` nodes: a [`BATCH_SHARE`]th of them, at least [`MIN_BATCH`].
fn batch_size(n: usize) -> usize {
    (n / BATCH_SHARE).max(MIN_BATCH)
}

/// Fast local moving of a large level in batches (see the module documentation): visits nodes
/// from a queue in `order`, moving each to the community of best modularity gain; neighbours
/// left outside a node's new community are queued again.
///
/// Stops after [`MAX_VISITS_PER_NODE`] visits a node (in whole batches), or once the queue is
/// empty. With `ahead`, each batch after the first is decided while the one before is applied,
/// against the state before it (see the module documentation): faster where most nodes move and
/// applying takes long, at the price of decisions a batch older, hence more visits and a
/// partition less settled at the cap.
///
/// # Complexity
/// O(Σ visits · d log d) work, spread over the rayon threads except the moves themselves.
pub(super) fn move_nodes(
    g: &Csr,
    strength: &[f64],
    part: &mut [u32],
    gamma: f64,
    two_m: f64,
    order: Vec<usize>,
    ahead: bool,
) -> Moved {
    let n = g.n();
    // Empty communities may be listed twice or refilled later: checked when taken.
    let super::Communities { tot, size, empty } = super::Communities::of(strength, part);
    let mut state = Moving {
        part,
        tot,
        size,
        empty,
        queue: order.into(),
        queued: vec![true; n],
        outside: Vec::new(),
    };
    let size = batch_size(n);
    let cap = MAX_VISITS_PER_NODE * n;
    // Deciding ahead, what the early decisions read: the state as it was before the batch being
    // applied, brought up to date from the log of its moves once they are applied. (A batch
    // decided in turn reads the state itself, which nothing changes meanwhile.)
    let mut seen: Option<(Vec<u32>, Vec<f64>)> =
        ahead.then(|| (state.part.to_vec(), state.tot.clone()));
    let mut log: Vec<(usize, usize, usize)> = Vec::new();
    let decide = |batch: &[usize], part: &[u32], tot: &[f64]| -> Vec<Decision> {
        let frozen = Frozen {
            g,
            strength,
            part,
            tot,
            gamma,
            two_m,
        };
        batch
            .par_chunks(RUN)
            .map_init(Scratch::default, |scratch, run| {
                frozen.decide_run(run, scratch)
            })
            .flatten_iter()
            .collect()
    };
    let mut visits = 0usize;
    let (mut t_decide, mut t_apply, mut moved) = (0.0f64, 0.0f64, 0usize);
    let mut batch: Vec<usize> = Vec::with_capacity(size);
    let mut decisions: Vec<Decision> = Vec::new();
    let mut decided = false;
    loop {
        if !decided {
            if state.queue.is_empty() || visits >= cap {
                break;
            }
            take(&mut state.queue, size, &mut batch, &mut visits);
            let t0 = std::time::Instant::now();
            decisions = decide(&batch, &*state.part, &state.tot);
            t_decide += t0.elapsed().as_secs_f64();
        }
        // The next batch is decided while this one's moves are applied, against the state
        // before them, when asked to and the queue holds a whole batch already (applying only
        // appends to it).
        let early = seen.is_some() && state.queue.len() >= size && visits < cap;
        let mut next: Vec<usize> = Vec::new();
        // Not deciding ahead, the other thread reads where the rows of the queue's front start
        // until the moves are applied, so that the next decisions find them in the cache the
        // threads share (sorted there, off the serial path; not at all on one thread).
        let warming = !early && rayon::current_num_threads() > 1;
        if early {
            take(&mut state.queue, size, &mut next, &mut visits);
        } else if warming {
            next.extend(state.queue.iter().take(size));
        }
        let t0 = std::time::Instant::now();
        let applied = AtomicBool::new(false);
        let apply = || {
            log.clear();
            // Only the nodes that want to move read their rows here: the loads started ahead
            // follow them alone.
            let movers: Vec<usize> = batch
                .iter()
                .zip(&decisions)
                .filter(|(_, d)| !matches!(d, Decision::Stay))
                .map(|(&v, _)| v)
                .collect();
            let mut mover = 0;
            for (&v, &decision) in batch.iter().zip(&decisions) {
                state.queued[v] = false;
                if !matches!(decision, Decision::Stay) {
                    super::ahead::ahead(g, &movers, mover, &*state.part);
                    mover += 1;
                }
                let cur = state.part[v].at();
                if state.apply(g, strength, v, decision, gamma / two_m) {
                    log.push((v, cur, state.part[v].at()));
                }
            }
            applied.store(true, Relaxed);
        };
        let next_decisions = rayon::join(apply, || {
            if let (true, Some((part, tot))) = (early, &seen) {
                decide(&next, part, tot)
            } else {
                if warming {
                    next.sort_unstable();
                    warm_rows(g, &next, &applied);
                }
                next.clear();
                Vec::new()
            }
        })
        .1;
        // The moves applied, in the order they were made (the totals come out the same).
        if let Some((part, tot)) = &mut seen {
            for &(v, from, to) in &log {
                part[v] = u32::of(to);
                tot[from] -= strength[v];
                tot[to] += strength[v];
            }
        }
        moved += log.len();
        t_apply += t0.elapsed().as_secs_f64();
        batch = next;
        decisions = next_decisions;
        decided = early;
    }
    // The decisions' copy, brought up to date from every batch's log, is the state itself.
    debug_assert!(
        seen.as_ref().is_none_or(|(part, tot)| {
            *part == *state.part
                && tot
                    .iter()
                    .zip(&state.tot)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
        }),
        "the decisions' copy of the state drifted from it"
    );
    crate::steps::note(|| {
        format!(
            "  batched moving: {visits} visits, {moved} moves, decisions {t_decide:.3} s, applying {t_apply:.3} s"
        )
    });
    Moved {
        visits,
        settled: state.queue.is_empty(),
    }
}

/// Moves the next `size` nodes (or fewer, when the queue holds fewer) from `queue` into `batch`,
/// sorted (neighbouring rows sit together in memory), and counts them in `visits`.
fn take(queue: &mut VecDeque<usize>, size: usize, batch: &mut Vec<usize>, visits: &mut usize) {
    batch.clear();
    batch.extend(queue.drain(..size.min(queue.len())));
    *visits += batch.len();
    batch.sort_unstable();
}

/// Reads where the rows of `nodes` start (in order), a [`WARM_RUN`] of rows at a time, until
/// `stop` is set: the rows are then in the cache the threads share. Nothing else is read, and
/// nothing is written.
fn warm_rows(g: &Csr, nodes: &[usize], stop: &AtomicBool) {
    let mut sum = 0u32;
    for run in nodes.chunks(WARM_RUN) {
        if stop.load(Relaxed) {
            break;
        }
        for &v in run {
            let (targets, weights) = g.row(v);
            sum ^= targets.first().copied().unwrap_or(0);
            sum ^= weights.first().map_or(0, |w| w.to_bits() as u32);
        }
    }
    std::hint::black_box(sum);
}

/// What a batched local moving did.
pub(super) struct Moved {
    /// Nodes visited (a node once per time it was taken from the queue).
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
    pub(super) visits: usize,
    /// Whether the queue ran dry: no node left that might still gain by moving (otherwise the
    /// moving stopped at its cap of visits).
    pub(super) settled: bool,
}

/// The partition being moved, between batches.
struct Moving<'p> {
    /// Node → community.
    part: &'p mut [u32],
    /// Total strength of each community.
    tot: Vec<f64>,
    /// Members of each community.
    size: Vec<usize>,
    /// Communities that were emptied (some may have been refilled since).
    empty: Vec<usize>,
    /// Nodes waiting for a visit, in order.
    queue: VecDeque<usize>,
    /// Whether a node is in the queue.
    queued: Vec<bool>,
    /// The neighbours of the node being moved to queue if it moves.
    outside: Vec<usize>,
}

impl Moving<'_> {
    /// Applies the `decision` taken for node `v` against the frozen state, if it still gains
    /// now that earlier moves of the batch are applied (`scale` = γ / 2m); queues the neighbours
    /// left outside the node's new community. Returns whether `v` moved.
    ///
    /// # Complexity
    /// O(d) for a node of degree d.
    fn apply(
        &mut self,
        g: &Csr,
        strength: &[f64],
        v: usize,
        decision: Decision,
        scale: f64,
    ) -> bool {
        let cur = self.part[v].at();
        let kv = strength[v];
        let (part, tot, queued) = (&*self.part, &self.tot, &self.queued);
        let outside = &mut self.outside;
        let to = match decision {
            Decision::Stay => return false,
            Decision::Join(c) => {
                if !still_gains(g, part, tot, queued, v, kv, Some(c), scale, outside) {
                    return false;
                }
                c
            }
            Decision::Alone if self.size[cur] > 1 => {
                if !still_gains(g, part, tot, queued, v, kv, None, scale, outside) {
                    return false;
                }
                loop {
                    match self.empty.pop() {
                        Some(e) if self.size[e] == 0 && e != cur => break e,
                        Some(_) => {}
                        None => break cur,
                    }
                }
            }
            Decision::Alone => return false,
        };
        if to == cur {
            return false;
        }
        self.tot[cur] -= kv;
        self.size[cur] -= 1;
        if self.size[cur] == 0 {
            self.empty.push(cur);
        }
        self.tot[to] += kv;
        self.size[to] += 1;
        self.part[v] = u32::of(to);
        // Neighbours left outside the node's new community are looked at again (an empty
        // community has none of them).
        for &u in &self.outside {
            self.queued[u] = true;
            self.queue.push_back(u);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ring of `count` cliques of `size` nodes, the nodes of each clique spread over the ids.
    fn ring(count: usize, size: usize) -> Csr {
        let id = |c: usize, i: usize| (i * count + c) as u32;
        let mut edges = Vec::new();
        for c in 0..count {
            for i in 0..size {
                for j in i + 1..size {
                    edges.push((id(c, i), id(c, j), 1.0));
                }
            }
            edges.push((id(c, 0), id((c + 1) % count, 1), 1.0));
        }
        Csr::from_edges(count * size, &edges, vec![])
    }

    /// Batched moving of `g` from singletons on `threads` threads, deciding `ahead` or not.
    fn run(g: &Csr, threads: usize, ahead: bool) -> Vec<u32> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let strength = g.strengths();
        let two_m: f64 = strength.iter().sum();
        let mut part = super::super::identity(g.n());
        let order = super::super::visit_order(g.n(), &mut fastrand::Rng::with_seed(3));
        let moved = pool.install(|| move_nodes(g, &strength, &mut part, 1.0, two_m, order, ahead));
        assert!(moved.settled, "cliques settle before the cap of visits");
        part
    }

    #[test]
    fn moving_stops_after_a_few_visits_a_node() {
        // A long path with weights rising along it: nodes keep following their heavier neighbour,
        // so moving goes on (about 2,000 visits a node without the cap).
        let n = 20_000;
        let edges: Vec<(u32, u32, f64)> = (0..n as u32 - 1)
            .map(|i| (i, i + 1, 1.0 + f64::from(i) * 1e-3))
            .collect();
        let g = Csr::from_edges(n, &edges, vec![]);
        let strength = g.strengths();
        let two_m: f64 = strength.iter().sum();
        let mut part = super::super::identity(n);
        let order = super::super::visit_order(n, &mut fastrand::Rng::with_seed(1));
        let moved = move_nodes(&g, &strength, &mut part, 1.0, two_m, order, true);
        assert!(!moved.settled, "stopped by the cap, not by an empty queue");
        let visits = moved.visits;
        assert!(
            visits > n,
            "{visits} visits: the path should need more than a sweep"
        );
        assert!(
            visits < MAX_VISITS_PER_NODE * n + batch_size(n),
            "{visits} visits for {n} nodes"
        );
    }

    #[test]
    fn dense_levels_are_batched_and_sparse_small_ones_are_not() {
        assert!(worth_batching(MIN_NODES, 0));
        assert!(!worth_batching(MIN_NODES - 1, DENSE_ARCS - 1));
        assert!(worth_batching(DENSE_MIN_NODES, DENSE_ARCS));
        assert!(!worth_batching(DENSE_MIN_NODES - 1, 10 * DENSE_ARCS));
    }

    #[test]
    fn batches_grow_with_the_level_and_keep_the_result_thread_independent() {
        assert_eq!(batch_size(10_000), MIN_BATCH);
        let g = ring(20_000, 5);
        let size = batch_size(g.n());
        assert!(size > MIN_BATCH && size * BATCH_SHARE <= g.n(), "{size}");
        for ahead in [true, false] {
            let one = run(&g, 1, ahead);
            assert_eq!(one, run(&g, 2, ahead), "ahead: {ahead}");
            let q = super::super::modularity(&g, &one, 1.0);
            assert!(q > 0.8, "modularity {q}, ahead: {ahead}");
        }
    }

    #[test]
    fn batches_find_the_cliques_whatever_the_thread_count() {
        // More nodes than one batch, so decisions go stale and must be checked; deciding ahead,
        // the second batch's are taken against the state before the first batch's moves.
        let g = ring(600, 5);
        for ahead in [true, false] {
            let one = run(&g, 1, ahead);
            assert_eq!(one, run(&g, 4, ahead), "ahead: {ahead}");
            let q = super::super::modularity(&g, &one, 1.0);
            assert!(q > 0.8, "modularity {q}, ahead: {ahead}");
            let c = 600;
            let whole = (0..c)
                .filter(|&k| (1..5).all(|i| one[i * c + k] == one[k]))
                .count();
            assert!(
                whole * 10 >= c * 9,
                "{whole} of {c} cliques kept whole, ahead: {ahead}"
            );
        }
    }
}
