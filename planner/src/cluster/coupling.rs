//! The coupling graph: an undirected weighted graph in CSR arrays, built from the calls and the
//! module/resource affinity hints.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicU32, AtomicU64};

use rustc_hash::{FxHashMap, FxHashSet};

use analyzer::CallGraph;
use rayon::prelude::*;

use crate::ClusterConfig;
use crate::history::FileTie;

/// Coupling factor of any call edge touching shared (utility) code.
pub(super) const SHARED_COUPLING: f64 = 0.1;
/// Groups up to this size are tied as a clique; larger ones by random cycles.
const CLIQUE_MAX: usize = 16;
/// The walks from the entry points scan at most this many times the graph's nodes and calls
/// (otherwise the use cases tie nothing).
const USE_CASE_BUDGET: usize = 2;
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
///
/// `extra` lays a second graph of the same nodes over the rows (the module ties, see
/// [`with_module_ties`]): a node's neighbours are its row's arcs, then its row's in `extra`, a
/// target in both listed twice. Merging the two into one set of rows writes every arc again
/// (25M at a million nodes), for rows that only the first level reads: every aggregated level
/// is one graph.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Csr {
    pub offsets: Vec<usize>,
    pub targets: Vec<u32>,
    pub weights: Vec<f64>,
    pub self_w: Vec<f64>,
    pub extra: Option<Box<Csr>>,
}

impl Csr {
    /// Builds the graph from `(u, v, w)` triples (u ≠ v), summing duplicates in either direction.
    ///
    /// A stable counting sort puts each node's arcs in its row, in the order of `edges`; each row
    /// is then sorted by target with a stable sort, which leaves its duplicates adjacent and in
    /// the order of `edges`, and they are summed. The counting sort runs in parallel pieces:
    /// every piece counts its arcs per node, the counts give each piece its own slots in every
    /// row (pieces in order), and the pieces fill their slots. The slots do not depend on the
    /// number of pieces, so neither does the graph.
    ///
    /// # Complexity
    /// O(V · P + E log d) work for P pieces and rows of up to d arcs; memory O(V · P + E).
    pub fn from_edges(n: usize, edges: &[(u32, u32, f64)], self_w: Vec<f64>) -> Csr {
        Csr::from_edges_in(n, edges, self_w, PIECE_EDGES)
    }

    /// [`Csr::from_edges`] in pieces of `piece_edges` edges (twice that many arcs for the
    /// pieces of the second sort), at most [`MAX_PIECES`] of them.
    fn from_edges_in(
        n: usize,
        edges: &[(u32, u32, f64)],
        self_w: Vec<f64>,
        piece_edges: usize,
    ) -> Csr {
        let self_w = if self_w.len() == n {
            self_w
        } else {
            vec![0.0; n]
        };
        let by_node = arcs_by_node(n, edges, piece_edges);
        Csr::concat(summed_rows(n, by_node, piece_edges), self_w)
    }

    /// The coupling graph of `graph`'s calls, each coupling `calls[e]` (edge order; 0 for none)
    /// between the compact indices of its ends (`index`, increasing with the position, over
    /// `k` nodes; the callee's is `callees[e]`, read in order rather than looked up at a
    /// scattered place), plus the `ties` (u ≠ v): the graph [`Csr::from_edges`] makes of the calls'
    /// `(a, b, c)` in edge order followed by the ties, to the last bit.
    ///
    /// The calls need no sort: a node's calls made come by callee and its calls received by
    /// caller, so each row is the merge of the two, weights summed in edge order; the ties (few,
    /// or none) are sorted into rows as [`Csr::from_edges`] sorts edges, and each tie's weight
    /// is added after the calls' of its pair, as it comes after them in that order.
    ///
    /// # Complexity
    /// O(V + E + A log A) for A tie arcs; the rows in parallel.
    pub(super) fn from_calls(
        graph: &CallGraph,
        index: &[Option<u32>],
        k: usize,
        calls: &[f64],
        callees: &[u32],
        recv: &Received,
        ties: &[(u32, u32, f64)],
    ) -> Csr {
        let n = graph.node_count();
        let tied = (!ties.is_empty()).then(|| arcs_by_node(k, ties, PIECE_EDGES));
        // Pieces of positions with about the same number of calls and ties.
        let mut bound = Vec::with_capacity(n + 1);
        bound.push(0);
        let mut arcs = 0;
        for (i, &a) in index.iter().enumerate() {
            arcs += graph.out_edges(i).len() + graph.in_edges(i).len();
            if let (Some(tied), Some(a)) = (&tied, a) {
                arcs += tied.offsets[a as usize + 1] - tied.offsets[a as usize];
            }
            bound.push(arcs);
        }
        let rows: Vec<Rows> = node_pieces(&bound, n, PIECE_EDGES)
            .into_par_iter()
            .map(|range| {
                let arcs = bound[range.end] - bound[range.start];
                let mut rows = Rows {
                    ends: Vec::with_capacity(range.len()),
                    targets: Vec::with_capacity(arcs),
                    weights: Vec::with_capacity(arcs),
                    self_w: Vec::new(),
                };
                // The couplings of the calls made and received: (other end, coupling).
                let mut made: Vec<(u32, f64)> = Vec::new();
                let mut got: Vec<(u32, f64)> = Vec::new();
                let mut row_ties: Vec<(u32, f64)> = Vec::new();
                for i in range {
                    let Some(a) = index[i] else { continue };
                    let start = rows.targets.len();
                    made.clear();
                    let out = graph.out_edges(i);
                    made.extend(
                        callees[out.clone()]
                            .iter()
                            .zip(&calls[out])
                            .filter(|&(_, &c)| c > 0.0)
                            .map(|(&b, &c)| (b, c)),
                    );
                    got.clear();
                    let arcs = recv.start[a as usize]..recv.start[a as usize + 1];
                    got.extend(
                        recv.from[arcs.clone()]
                            .iter()
                            .zip(&recv.coupling[arcs])
                            .filter(|&(_, &c)| c > 0.0)
                            .map(|(&a, &c)| (a, c)),
                    );
                    // Both by partner; for one partner, the calls of the node that comes first
                    // in edge order (the lower position, hence the lower index) come first.
                    merge_sorted(&mut rows, start, &made, &got, |s, t| {
                        t < s || (t == s && t < a)
                    });
                    if let Some(tied) = &tied {
                        let arcs = tied.offsets[a as usize]..tied.offsets[a as usize + 1];
                        row_ties.clear();
                        row_ties.extend(
                            tied.other[arcs.clone()]
                                .iter()
                                .zip(&tied.weight[arcs])
                                .map(|(&t, &w)| (t, f64::from_bits(w))),
                        );
                        row_ties.sort_by_key(|&(t, _)| t);
                        // The calls made are merged already: their buffer serves as scratch.
                        add_in_order(&mut rows, start, &row_ties, &mut made);
                    }
                    rows.ends.push(rows.targets.len());
                }
                rows
            })
            .collect();
        Csr::concat(rows, vec![0.0; k])
    }

    /// A graph from consecutive pieces of rows (each piece's `self_w` left empty) and `self_w`.
    /// The pieces are copied into place in parallel (a serial copy of every arc was a tenth of
    /// building a graph).
    pub(super) fn concat(rows: Vec<Rows>, self_w: Vec<f64>) -> Csr {
        let mut offsets = Vec::with_capacity(self_w.len() + 1);
        offsets.push(0);
        let mut arcs = 0;
        for piece in &rows {
            offsets.extend(piece.ends.iter().map(|&e| arcs + e));
            arcs += piece.targets.len();
        }
        let mut targets = vec![0u32; arcs];
        let mut weights = vec![0.0f64; arcs];
        let mut places: Vec<(&mut [u32], &mut [f64])> = Vec::with_capacity(rows.len());
        let (mut t_rest, mut w_rest) = (targets.as_mut_slice(), weights.as_mut_slice());
        for piece in &rows {
            let (t, t_next) = t_rest.split_at_mut(piece.targets.len());
            let (w, w_next) = w_rest.split_at_mut(piece.weights.len());
            places.push((t, w));
            (t_rest, w_rest) = (t_next, w_next);
        }
        places
            .into_par_iter()
            .zip(rows.par_iter())
            .for_each(|((t, w), piece)| {
                t.copy_from_slice(&piece.targets);
                w.copy_from_slice(&piece.weights);
            });
        Csr {
            offsets,
            targets,
            weights,
            self_w,
            extra: None,
        }
    }

    /// Number of nodes.
    pub fn n(&self) -> usize {
        self.self_w.len()
    }

    /// The graph whose every edge weighs its weight in `a` plus its weight in `b` (graphs of one
    /// node count): rows merged in parallel pieces, each the same whatever the thread count.
    ///
    /// # Complexity
    /// O(V + E) work.
    pub fn merge(a: &Csr, b: &Csr) -> Csr {
        let n = a.n();
        let self_w: Vec<f64> = a.self_w.iter().zip(&b.self_w).map(|(x, y)| x + y).collect();
        let rows: Vec<Rows> = node_pieces(&a.offsets, n, PIECE_EDGES)
            .into_par_iter()
            .map(|range| {
                let mut rows = Rows::default();
                for v in range {
                    let (mut x, mut y) = (a.neighbors(v).peekable(), b.neighbors(v).peekable());
                    loop {
                        let next = match (x.peek(), y.peek()) {
                            (Some(&(s, w)), Some(&(t, u))) if s == t => {
                                x.next();
                                y.next();
                                Some((s, w + u))
                            }
                            (Some(&(s, _)), Some(&(t, _))) if t < s => y.next(),
                            (Some(_), _) => x.next(),
                            (None, Some(_)) => y.next(),
                            (None, None) => None,
                        };
                        let Some(next) = next else { break };
                        rows.targets.push(next.0 as u32);
                        rows.weights.push(next.1);
                    }
                    rows.ends.push(rows.targets.len());
                }
                rows
            })
            .collect();
        Csr::concat(rows, self_w)
    }

    /// Number of arcs (each edge counts in both its rows), those of `extra` included.
    pub fn arcs(&self) -> usize {
        self.targets.len() + self.extra.as_ref().map_or(0, |e| e.targets.len())
    }

    /// The targets and weights of `v`'s own row (not `extra`'s).
    pub(super) fn row(&self, v: usize) -> (&[u32], &[f64]) {
        let range = self.offsets[v]..self.offsets[v + 1];
        (&self.targets[range.clone()], &self.weights[range])
    }

    /// Neighbours of `v` with the edge weights: its row's, then its row's in `extra`.
    pub fn neighbors(&self, v: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let (targets, weights) = self.row(v);
        let (more, more_w) = self.extra.as_ref().map_or((&[][..], &[][..]), |e| e.row(v));
        targets
            .iter()
            .zip(weights)
            .chain(more.iter().zip(more_w))
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

/// Arcs in bucket order: `offsets[b]..offsets[b + 1]` are the arcs of bucket `b`, each with its
/// other end (`other`) and its weight's bits.
struct Arcs {
    offsets: Vec<usize>,
    other: Vec<u32>,
    weight: Vec<u64>,
}

/// The counting sort of [`Csr::from_edges`]: every edge as two arcs, v into node u's bucket and
/// u into node v's, in the order of `edges`, filled by parallel pieces.
///
/// # Complexity
/// O(V · P + E) for P pieces.
fn arcs_by_node(n: usize, edges: &[(u32, u32, f64)], piece_edges: usize) -> Arcs {
    let pieces = edge_pieces(edges.len(), piece_edges);
    let starts = bucket_starts(n, &pieces, |range, count| {
        for &(u, v, _) in &edges[range] {
            count[v as usize] += 1;
            count[u as usize] += 1;
        }
    });
    let offsets = starts.offsets;
    let arcs = offsets[n];
    let source = atomic_u32s(arcs);
    let weight = atomic_u64s(arcs);
    pieces
        .into_par_iter()
        .zip(starts.slots)
        .for_each(|(range, mut slot)| {
            for &(u, v, w) in &edges[range] {
                for (a, b) in [(u, v), (v, u)] {
                    let at = &mut slot[b as usize];
                    source[*at].store(a, Relaxed);
                    weight[*at].store(w.to_bits(), Relaxed);
                    *at += 1;
                }
            }
        });
    Arcs {
        offsets,
        other: plain_u32s(source),
        weight: plain_u64s(weight),
    }
}

/// The rows of the graph from each node's arcs (`by_node`, in the order of the edges): each row
/// sorted by target with a stable sort, so that duplicates stay in the order of the edges, and
/// its duplicates (now adjacent) summed, row by row in parallel pieces. The sort is local to a
/// row: a second counting sort of every arc would scatter them over the whole graph.
///
/// # Complexity
/// O(V + Σ d log d) for rows of d arcs.
fn summed_rows(n: usize, by_node: Arcs, piece_edges: usize) -> Vec<Rows> {
    let Arcs {
        offsets,
        other,
        weight,
    } = by_node;
    node_pieces(&offsets, n, piece_edges)
        .into_par_iter()
        .map(|range| {
            let mut rows = Rows::default();
            let mut row: Vec<(u32, u64)> = Vec::new();
            for v in range {
                let arcs = offsets[v]..offsets[v + 1];
                row.clear();
                row.extend(
                    other[arcs.clone()]
                        .iter()
                        .copied()
                        .zip(weight[arcs].iter().copied()),
                );
                row.sort_by_key(|&(t, _)| t);
                let start = rows.targets.len();
                for &(t, w) in &row {
                    let w = f64::from_bits(w);
                    rows.push_summed(start, t, w);
                }
                rows.ends.push(rows.targets.len());
            }
            rows
        })
        .collect()
}

/// The couplings of the calls each node receives, node by node, in edge order (the order of
/// [`CallGraph::in_edges`]), laid out by one pass over the calls, so that the rows read them in
/// order rather than each call's coupling where it sits among the calls.
pub(super) struct Received {
    /// The calls connected node `a` (compact index) receives are at `start[a]..start[a + 1]`.
    start: Vec<usize>,
    /// Each call's caller (compact index; `u32::MAX` for an isolated one).
    from: Vec<u32>,
    /// Each call's coupling (0 for none).
    coupling: Vec<f64>,
}

impl Received {
    /// The calls of `graph` by callee, with their couplings `calls` (edge order), callees'
    /// compact indices `callees` (edge order) and callers' compact indices (`index`, over `k`
    /// nodes). A stable counting sort whose slots come from the graph's index of received calls;
    /// in parallel, each thread filling the rows of a range of callees from one pass over all the
    /// calls, so the result does not depend on the threads. The pass reads the calls by caller
    /// (each caller's index once) and their callees and couplings in order: 12 bytes a call.
    ///
    /// # Complexity
    /// O(V + T · E) work for T threads (at most [`MAX_PIECES`]), O(V + E) per thread.
    fn of(
        graph: &CallGraph,
        index: &[Option<u32>],
        k: usize,
        calls: &[f64],
        callees: &[u32],
    ) -> Received {
        let n = graph.node_count();
        let mut start = Vec::with_capacity(k + 1);
        start.push(0);
        for i in (0..n).filter(|&i| index[i].is_some()) {
            start.push(start[start.len() - 1] + graph.in_edges(i).len());
        }
        debug_assert_eq!(start.len(), k + 1);
        let total = start[k];
        let mut from = vec![u32::MAX; total];
        let mut coupling = vec![0.0; total];
        // Ranges of callees with about the same number of calls, one per thread.
        let parts = rayon::current_num_threads().clamp(1, MAX_PIECES);
        let mut bounds: Vec<usize> = (0..parts)
            .map(|p| start.partition_point(|&s| s < total * p / parts).min(k))
            .collect();
        bounds.push(k);
        let mut pieces = Vec::with_capacity(parts);
        let (mut from_left, mut coupling_left) = (from.as_mut_slice(), coupling.as_mut_slice());
        for w in bounds.windows(2) {
            let len = start[w[1]] - start[w[0]];
            let (f, f_rest) = std::mem::take(&mut from_left).split_at_mut(len);
            let (c, c_rest) = std::mem::take(&mut coupling_left).split_at_mut(len);
            (from_left, coupling_left) = (f_rest, c_rest);
            pieces.push((w[0] as u32..w[1] as u32, f, c));
        }
        pieces.into_par_iter().for_each(|(range, from, coupling)| {
            let base = start[range.start as usize];
            let mut fill: Vec<usize> = start[range.start as usize..range.end as usize]
                .iter()
                .map(|&s| s - base)
                .collect();
            for (i, caller) in index.iter().enumerate() {
                let caller = caller.unwrap_or(u32::MAX);
                let out = graph.out_edges(i);
                for (&b, &c) in callees[out.clone()].iter().zip(&calls[out]) {
                    if !range.contains(&b) {
                        continue;
                    }
                    let slot = &mut fill[(b - range.start) as usize];
                    if c > 0.0 {
                        from[*slot] = caller;
                        coupling[*slot] = c;
                    }
                    *slot += 1;
                }
            }
        });
        Received {
            start,
            from,
            coupling,
        }
    }
}

/// Adds `arcs` (sorted by target) to the row of `rows` that starts at `start` (sorted by
/// target, each target once): an arc to a target in the row adds its weight to the row's, after
/// it; the others are inserted in their place, summed in order with the arcs to the same target.
/// `row` is scratch space.
fn add_in_order(rows: &mut Rows, start: usize, arcs: &[(u32, f64)], row: &mut Vec<(u32, f64)>) {
    if arcs.is_empty() {
        return;
    }
    row.clear();
    row.extend(
        rows.targets[start..]
            .iter()
            .copied()
            .zip(rows.weights[start..].iter().copied()),
    );
    rows.targets.truncate(start);
    rows.weights.truncate(start);
    merge_sorted(rows, start, row, arcs, |s, t| t < s);
}

/// Appends to the row of `rows` that starts at `start` the arcs of `x` and `y` (each sorted by
/// target) merged by target, `y`'s next arc first where `y_first(x's target, y's target)`, arcs
/// to one target summed in that order.
fn merge_sorted(
    rows: &mut Rows,
    start: usize,
    x: &[(u32, f64)],
    y: &[(u32, f64)],
    y_first: impl Fn(u32, u32) -> bool,
) {
    let (mut x, mut y) = (x.iter().peekable(), y.iter().peekable());
    loop {
        let next = match (x.peek(), y.peek()) {
            (Some(&&(s, _)), Some(&&(t, _))) if y_first(s, t) => y.next(),
            (Some(_), _) => x.next(),
            (None, Some(_)) => y.next(),
            (None, None) => None,
        };
        let Some(&(t, w)) = next else { break };
        rows.push_summed(start, t, w);
    }
}

/// Consecutive rows of a graph, built by one piece of work.
#[derive(Default)]
pub(super) struct Rows {
    /// End of each row in `targets`, relative to the piece.
    pub ends: Vec<usize>,
    pub targets: Vec<u32>,
    pub weights: Vec<f64>,
    /// Inner weight of each row's node, where the builder has it.
    pub self_w: Vec<f64>,
}

impl Rows {
    /// Appends an arc to `t` to the row that starts at `start`, whose arcs come by target: its
    /// weight added to the row's last arc when that goes to `t` too.
    fn push_summed(&mut self, start: usize, t: u32, w: f64) {
        match self.targets.last() {
            Some(&last) if last == t && self.targets.len() > start => {
                *self.weights.last_mut().expect("a weight per target") += w;
            }
            _ => {
                self.targets.push(t);
                self.weights.push(w);
            }
        }
    }
}

/// Edges per piece of parallel work over a graph's edges or rows (few enough pieces to keep a
/// counting sort's per-piece counts small).
pub(super) const PIECE_EDGES: usize = 1 << 20;
/// Upper bound on the pieces of one sort: each holds a count per node.
const MAX_PIECES: usize = 16;

/// Ranges of edge indices, one per piece.
fn edge_pieces(len: usize, per: usize) -> Vec<std::ops::Range<usize>> {
    let count = len.div_ceil(per.max(1)).clamp(1, MAX_PIECES);
    let size = len.div_ceil(count).max(1);
    (0..count)
        .map(|p| (p * size).min(len)..((p + 1) * size).min(len))
        .collect()
}

/// Ranges of nodes with about the same number of arcs (per `offsets`), one per piece.
pub(super) fn node_pieces(offsets: &[usize], n: usize, per: usize) -> Vec<std::ops::Range<usize>> {
    let arcs = offsets[n];
    let count = arcs.div_ceil(2 * per.max(1)).clamp(1, MAX_PIECES);
    let mut bounds = vec![0];
    for p in 1..count {
        let goal = arcs * p / count;
        let at = offsets.partition_point(|&o| o < goal).min(n);
        bounds.push(at.max(*bounds.last().unwrap_or(&0)));
    }
    bounds.push(n);
    bounds.windows(2).map(|w| w[0]..w[1]).collect()
}

/// Where each piece's arcs go in each bucket of a counting sort.
struct Starts {
    /// Start of each bucket, and the total at the end (n + 1 entries).
    offsets: Vec<usize>,
    /// Per piece: its first slot in each bucket.
    slots: Vec<Vec<usize>>,
}

/// Counts each piece's arcs per bucket with `count` (in parallel), then turns the counts into
/// slots: a bucket's slots go to the pieces in order, each piece's in the order it counted.
fn bucket_starts<F>(n: usize, pieces: &[std::ops::Range<usize>], count: F) -> Starts
where
    F: Fn(std::ops::Range<usize>, &mut [usize]) + Sync,
{
    let mut slots: Vec<Vec<usize>> = pieces
        .par_iter()
        .map(|range| {
            let mut c = vec![0usize; n];
            count(range.clone(), &mut c);
            c
        })
        .collect();
    let mut offsets = vec![0usize; n + 1];
    for b in 0..n {
        let mut at = offsets[b];
        for piece in &mut slots {
            let c = piece[b];
            piece[b] = at;
            at += c;
        }
        offsets[b + 1] = at;
    }
    Starts { offsets, slots }
}

fn atomic_u32s(len: usize) -> Vec<AtomicU32> {
    (0..len).map(|_| AtomicU32::new(0)).collect()
}

fn atomic_u64s(len: usize) -> Vec<AtomicU64> {
    (0..len).map(|_| AtomicU64::new(0)).collect()
}

fn plain_u32s(v: Vec<AtomicU32>) -> Vec<u32> {
    v.into_iter().map(AtomicU32::into_inner).collect()
}

fn plain_u64s(v: Vec<AtomicU64>) -> Vec<u64> {
    v.into_iter().map(AtomicU64::into_inner).collect()
}

/// Coupling of one call: `1 + ln(w)` for w ≥ 1 (dampens measured counts), `w` below.
pub(super) fn dampen(weight: f64) -> f64 {
    if weight == 1.0 {
        // Most calls: 1 + ln 1, without the logarithm.
        1.0
    } else if weight >= 1.0 {
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
/// (The clustering builds the graph without module ties once, [`base`], and adds them to it
/// with [`with_module_ties`]; this is both in one.)
///
/// # Complexity
/// O(V + E log d + A) where A = Σ over groups of m·log m affinity edges.
#[cfg(test)]
pub(super) fn build(
    graph: &CallGraph,
    index: &[Option<u32>],
    k: usize,
    shared: &[bool],
    cfg: &ClusterConfig,
    probe: Option<&[usize]>,
    cochange: &[FileTie],
) -> Csr {
    let (base, calls) = base(graph, index, k, shared, cfg, cochange);
    match probe {
        Some(probe) => with_module_ties(base, &calls, cfg, probe),
        None => base,
    }
}

/// What the module ties need to know of the calls: each node's call strength, their total and
/// mean, and the declared modules with the call weight inside each.
pub(super) struct CallFacts {
    strength: Vec<f64>,
    total: f64,
    mean_strength: f64,
    /// Members (compact indices) of each declared module, in key order.
    modules: Vec<Vec<u32>>,
    /// Call weight between members of each module.
    inner: Vec<f64>,
}

/// The coupling graph without module ties (dampened calls, shared code shrunk, resource,
/// vocabulary and history ties), and the facts about the calls that module ties need.
///
/// # Complexity
/// As [`build`].
pub(super) fn base(
    graph: &CallGraph,
    index: &[Option<u32>],
    k: usize,
    shared: &[bool],
    cfg: &ClusterConfig,
    cochange: &[FileTie],
) -> (Csr, CallFacts) {
    let mut steps = crate::steps::Steps::start();
    // The terms of the ids need nothing of the calls: read alongside them (both have serial
    // passes that leave a thread idle otherwise).
    let ((calls, callees, received, strength, total, groups), terms) = rayon::join(
        || {
            let (calls, callees) = call_couplings(graph, index, k, shared, cfg);
            let received = Received::of(graph, index, k, &calls, &callees);
            let (strength, total) = call_strengths(graph, index, k, &calls, &received);
            let groups = groups(graph, index, k, cfg, &calls);
            (calls, callees, received, strength, total, groups)
        },
        || {
            if cfg.vocabulary_affinity > 0.0 {
                vocabulary_groups(graph, index, k, shared)
            } else {
                Vec::new()
            }
        },
    );
    let active = strength.iter().filter(|&&s| s > 0.0).count();
    let mean_strength = if active > 0 {
        2.0 * total / active as f64
    } else {
        1.0
    };
    steps.mark(|| "  coupling: calls, module and resource groups, vocabulary".into());
    // The ties besides the calls, in the order they are summed after the calls.
    let mut edges: Vec<(u32, u32, f64)> = Vec::new();
    resource_ties(
        &groups.resources,
        k,
        cfg.resource_affinity * mean_strength,
        &mut edges,
    );
    steps.mark(|| "  coupling: resource ties".into());
    // Vocabulary affinity: nodes whose ids share a rare domain term, weighted like resources.
    for (members, info) in terms {
        add_group(
            &members,
            cfg.vocabulary_affinity * mean_strength * info,
            &mut edges,
        );
    }
    steps.mark(|| "  coupling: vocabulary ties".into());
    // Use cases: nodes reached from the same entry points belong together (Mono2Micro, CARGO).
    // Graphs at scale (Leiden's batched size) have none: the walks would cost more than the ties
    // are worth there, and their entry points reach too much to tell use cases apart.
    if cfg.use_case_affinity > 0.0 && k < super::leiden::LARGE {
        let cases = use_case_groups(graph, index, k, shared);
        let count = cases.len();
        for (members, info) in cases {
            add_group(
                &members,
                cfg.use_case_affinity * mean_strength * info,
                &mut edges,
            );
        }
        steps.mark(|| format!("  coupling: {count} use cases"));
    }
    // Evolutionary coupling: nodes of files that change together in the repository's history.
    if cfg.history_affinity > 0.0 {
        let unit = cfg.history_affinity * mean_strength;
        edges.extend(
            history_ties(cochange, index, shared)
                .into_iter()
                .map(|(a, b, w)| (a, b, unit * w)),
        );
    }
    steps.mark(|| "  coupling: history ties".into());
    let csr = Csr::from_calls(graph, index, k, &calls, &callees, &received, &edges);
    drop(callees);
    steps.mark(|| format!("  coupling: CSR of the calls and {} ties", edges.len()));
    let facts = CallFacts {
        strength,
        total,
        mean_strength,
        modules: groups.modules,
        inner: groups.inner,
    };
    (csr, facts)
}

/// The coupling of every call, in edge order: dampened, times its confidence, scaled down when
/// async or when it touches shared code; 0 for a self-call, a call of no weight, or a call of an
/// isolated node (not in `index`), which couple nothing. And each call's callee as a compact
/// index (`u32::MAX` for an isolated one), looked up here once.
///
/// # Complexity
/// O(E), in parallel.
fn call_couplings(
    graph: &CallGraph,
    index: &[Option<u32>],
    k: usize,
    shared: &[bool],
    cfg: &ClusterConfig,
) -> (Vec<f64>, Vec<u32>) {
    // Each position's compact index with its shared flag in the top bit (`u32::MAX` for an
    // isolated node), so that a call reads what it needs of its callee in one 4-byte load: on
    // graphs whose ids do not follow the calls that load misses the cache, and this pass took
    // 0.21 s instead of 0.15 s at 8.6M calls with two (docs/benchmarks.md). The flag is left out
    // (read from `shared`) for 2^31 connected nodes or more.
    let flag: u32 = if k < 1 << 31 { 1 << 31 } else { 0 };
    let look: Vec<u32> = index
        .par_iter()
        .zip(shared.par_iter())
        .map(|(i, &s)| i.map_or(u32::MAX, |i| if s { i | flag } else { i }))
        .collect();
    // An indexed unzip writes every call in its place at once.
    let (mut calls, mut callees) = (Vec::new(), Vec::new());
    graph
        .par_edges()
        .map(|(f, t, call)| {
            let (caller, callee) = (look[f], look[t]);
            if callee == u32::MAX {
                return (0.0, u32::MAX);
            }
            let b = callee & !flag;
            if caller == u32::MAX {
                return (0.0, b);
            }
            let a = caller & !flag;
            // A guessed call (a static analyzer's name match) couples in proportion to its
            // confidence.
            let mut c = dampen(call.weight) * call.confidence;
            if call.is_async {
                c *= cfg.async_factor;
            }
            let shared_end = if flag != 0 {
                (caller | callee) & flag != 0
            } else {
                shared[f] || shared[t]
            };
            if shared_end {
                c *= SHARED_COUPLING;
            }
            if a != b && c > 0.0 && c.is_finite() {
                (c, b)
            } else {
                (0.0, b)
            }
        })
        .unzip_into_vecs(&mut calls, &mut callees);
    (calls, callees)
}

/// Each connected node's call strength (the couplings `calls` of the calls it makes and
/// receives, the latter also laid out in `received`; compact indices) and their total, each
/// summed in edge order.
///
/// # Complexity
/// O(V + E), the strengths in parallel.
fn call_strengths(
    graph: &CallGraph,
    index: &[Option<u32>],
    k: usize,
    calls: &[f64],
    received: &Received,
) -> (Vec<f64>, f64) {
    // Connected nodes are numbered in position order: the sums come by compact index.
    let nodes = (0..graph.node_count()).into_par_iter();
    let strength: Vec<f64> = nodes
        .filter_map(|i| {
            let a = index[i]? as usize;
            let out = graph.out_edges(i);
            // The calls received from callers before the node, its own, then the rest.
            let split = graph
                .in_edges(i)
                .partition_point(|&e| (e as usize) < out.start);
            let got = &received.coupling[received.start[a]..received.start[a + 1]];
            let (before, after) = got.split_at(split);
            let sum = before
                .iter()
                .chain(&calls[out])
                .chain(after)
                .filter(|&&c| c > 0.0)
                .fold(0.0, |sum, &c| sum + c);
            Some(sum)
        })
        .collect();
    debug_assert_eq!(strength.len(), k);
    let total = calls
        .iter()
        .filter(|&&c| c > 0.0)
        .fold(0.0, |sum, &c| sum + c);
    (strength, total)
}

/// The groups that tie their members: declared modules (with module affinity on) and resources.
struct NodeGroups {
    /// Members (compact indices) of each declared module, in key order.
    modules: Vec<Vec<u32>>,
    /// Call weight between members of each module.
    inner: Vec<f64>,
    /// Members of each resource, in key order.
    resources: Vec<Vec<u32>>,
}

/// The declared modules and the resources of the connected nodes, and the call weight inside
/// each module (from the couplings `calls` of the graph's calls).
///
/// # Complexity
/// O(V log V + E + R) for R (node, resource) pairs.
fn groups(
    graph: &CallGraph,
    index: &[Option<u32>],
    k: usize,
    cfg: &ClusterConfig,
    calls: &[f64],
) -> NodeGroups {
    let mut modules: Groups = Groups::default();
    let mut resources: Groups = Groups::default();
    let module_ties = cfg.module_affinity > 0.0;
    for (pos, node) in graph.nodes().enumerate() {
        let Some(i) = index[pos] else { continue };
        // Without a declared module, the id's namespace stands in for it; a bare id has
        // neither and ties to nothing.
        if module_ties && let Some(module) = super::shared::declared_module(node) {
            modules.add(module, i);
        }
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
    // Module by module, in parallel: a module's members come in position order and the calls
    // by caller, so each sum runs over the module's inner calls in edge order.
    let mut position = vec![0usize; k];
    for (pos, &i) in index.iter().enumerate() {
        if let Some(i) = i {
            position[i as usize] = pos;
        }
    }
    let inner: Vec<f64> = modules
        .par_iter()
        .enumerate()
        .map(|(g, members)| {
            members
                .iter()
                .flat_map(|&a| graph.out_edges(position[a as usize]))
                .filter(|&e| {
                    let (_, t, _) = graph.edge(e);
                    calls[e] > 0.0 && index[t].is_some_and(|b| module_of[b as usize] == g as u32)
                })
                .fold(0.0, |sum, e| sum + calls[e])
        })
        .collect();
    NodeGroups {
        modules,
        inner,
        resources,
    }
}

/// Resource affinity: the members of each resource tied with weight `unit` (the resource
/// affinity times the mean call strength), weighted down by how widespread the resource is
/// among the `k` nodes; resources too widespread to inform tie nothing.
///
/// # Complexity
/// O(A) for A tie arcs.
fn resource_ties(resources: &[Vec<u32>], k: usize, unit: f64, edges: &mut Vec<(u32, u32, f64)>) {
    // Room for every tie at once: growing a vector of this size copies it and faults in new pages.
    let ties: usize = resources.iter().map(|m| group_arcs(m.len())).sum();
    edges.reserve_exact(ties);
    for members in resources {
        let info = information(members.len(), k);
        if info >= RESOURCE_MIN_INFO {
            add_group(members, unit * info, edges);
        }
    }
}

/// `base` with module ties added, each module tied in proportion to its cohesion: how much
/// more its members call each other, or fall in the same `probe` cluster, than chance. The
/// ties are built as a graph of their own and laid over `base` (its `extra`).
///
/// # Complexity
/// O(V + A log A) for A tie arcs.
pub(super) fn with_module_ties(
    base: Csr,
    calls: &CallFacts,
    cfg: &ClusterConfig,
    probe: &[usize],
) -> Csr {
    let mut steps = crate::steps::Steps::start();
    let ties: usize = calls.modules.iter().map(|m| group_arcs(m.len())).sum();
    let mut edges: Vec<(u32, u32, f64)> = Vec::with_capacity(ties);
    let chance = Agreement::base(probe);
    for (g, members) in calls.modules.iter().enumerate() {
        let sum: f64 = members.iter().map(|&i| calls.strength[i as usize]).sum();
        let cohesion = excess(
            cohesion_fraction(calls.inner[g], sum),
            sum / (2.0 * calls.total),
        );
        let together = excess(Agreement::of(members, probe), chance);
        let bind = (cohesion.max(together) * COHESION_GAIN).clamp(COHESION_FLOOR, 1.0);
        add_group(
            members,
            cfg.module_affinity * calls.mean_strength * bind,
            &mut edges,
        );
    }
    let n = base.n();
    let ties = Csr::from_edges(n, &edges, vec![0.0; n]);
    let extra = match &base.extra {
        Some(laid) => Csr::merge(laid, &ties),
        None => ties,
    };
    let laid = Csr {
        extra: Some(Box::new(extra)),
        ..base
    };
    steps.mark(|| format!("  coupling: module ties ({} edges), laid over", edges.len()));
    laid
}

/// The ties between the nodes of co-changing files (compact indices; shared code left out): each
/// node of the larger file is tied to one node of the smaller in turn, so that cutting the pair
/// apart costs the smaller file's size times the degree. Normalised so that a tied node's history
/// ties weigh 1 on average, as its terms do.
///
/// # Complexity
/// O(Σ over pairs of the larger file's nodes).
fn history_ties(
    cochange: &[FileTie],
    index: &[Option<u32>],
    shared: &[bool],
) -> Vec<(u32, u32, f64)> {
    let compact = |nodes: &[usize]| -> Vec<u32> {
        nodes
            .iter()
            .filter(|&&p| !shared[p])
            .filter_map(|&p| index[p])
            .collect()
    };
    let mut ties = Vec::new();
    let mut tied: FxHashSet<u32> = FxHashSet::default();
    let mut total = 0.0;
    for (a, b, degree) in cochange {
        let (a, b) = (compact(a), compact(b));
        let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        if small.is_empty() {
            continue;
        }
        let w = degree * small.len() as f64 / large.len() as f64;
        for (i, &l) in large.iter().enumerate() {
            let s = small[i % small.len()];
            if s != l {
                ties.push((l, s, w));
                tied.insert(l);
                tied.insert(s);
                total += 2.0 * w;
            }
        }
    }
    if total > 0.0 {
        let scale = tied.len() as f64 / total;
        for t in &mut ties {
            t.2 *= scale;
        }
    }
    ties
}

/// Information of a group of `size` among `k` nodes, `ln(k/size) / ln(k)` (idf normalised to
/// [0, 1]): 1 for a single node, 0 for a group holding every node.
fn information(size: usize, k: usize) -> f64 {
    if k > 1 {
        (k as f64 / size as f64).ln() / (k as f64).ln()
    } else {
        0.0
    }
}

/// The groups of nodes sharing a domain term ([`super::vocabulary`]), in term order, each with
/// its [`information`], normalised so that a node's terms weigh 1 on average; terms below
/// [`RESOURCE_MIN_INFO`] and terms of one node are left out. Shared code carries no term.
///
/// # Complexity
/// O(L log L) for L term occurrences over the connected nodes.
fn vocabulary_groups(
    graph: &CallGraph,
    index: &[Option<u32>],
    k: usize,
    shared: &[bool],
) -> Vec<(Vec<u32>, f64)> {
    use super::vocabulary::terms;
    // An id is its namespace and its name; a namespace's terms are found once for all its nodes.
    let mut namespaces: FxHashMap<&str, u32> = FxHashMap::default();
    let ids: Vec<(u32, u32, &str)> = graph
        .nodes()
        .enumerate()
        .filter_map(|(pos, node)| {
            let i = index[pos]?;
            if shared[pos] {
                return None;
            }
            let id = node.id.as_str();
            let (space, name) = id
                .rfind(|c: char| !c.is_alphanumeric() && c != '_')
                .map_or(("", id), |cut| (&id[..cut], &id[cut..]));
            let next = namespaces.len() as u32;
            Some((i, *namespaces.entry(space).or_insert(next), name))
        })
        .collect();
    let mut spaces: Vec<(&str, u32)> = namespaces.into_iter().collect();
    spaces.sort_unstable_by_key(|&(_, s)| s);
    let space_terms: Vec<Vec<String>> = spaces.par_iter().map(|&(sp, _)| terms(sp)).collect();
    let name_terms: Vec<Vec<String>> = ids.par_iter().map(|&(_, _, name)| terms(name)).collect();
    let mut by_term = Groups::default();
    let mut carriers = 0usize;
    let mut mine: Vec<&str> = Vec::new();
    for (&(i, space, _), names) in ids.iter().zip(&name_terms) {
        mine.clear();
        mine.extend(
            space_terms[space as usize]
                .iter()
                .chain(names)
                .map(String::as_str),
        );
        mine.sort_unstable();
        mine.dedup();
        carriers += usize::from(!mine.is_empty());
        for &t in &mine {
            by_term.add(t, i);
        }
    }
    let mut groups: Vec<(Vec<u32>, f64)> = by_term
        .in_key_order()
        .into_iter()
        .filter(|members| members.len() >= 2)
        .map(|members| {
            let info = information(members.len(), k);
            (members, info)
        })
        .filter(|&(_, info)| info >= RESOURCE_MIN_INFO)
        .collect();
    // A node's informative terms weigh 1 together on average.
    weigh_one_per_carrier(&mut groups, carriers);
    groups
}

/// Scales the weights of `groups` (members, information) so that the `carriers` (the nodes
/// holding any group) carry a weight of 1 each on average: a signal's ties then weigh what one
/// mean call strength does, whatever the number and size of its groups.
fn weigh_one_per_carrier(groups: &mut [(Vec<u32>, f64)], carriers: usize) {
    let weight: f64 = groups.iter().map(|(m, info)| m.len() as f64 * info).sum();
    if weight > 0.0 {
        let scale = carriers.max(1) as f64 / weight;
        for g in groups.iter_mut() {
            g.1 *= scale;
        }
    }
}

/// The use cases (Mono2Micro, Kalia et al. 2021; CARGO, Nitin et al. 2022): for each entry
/// point, a connected node nobody else calls, the nodes it reaches through calls, shared code
/// neither entered nor tied, each with its [`information`], normalised so that a node's use
/// cases weigh 1 on average. Declared `entry` kinds are not used: a handler called by another
/// node is not where a use case starts. Left out altogether (no group) when the walks would
/// scan more than [`USE_CASE_BUDGET`] times the graph's size: entry points that together reach
/// every node many times over do not tell use cases apart.
///
/// # Complexity
/// O(V + E) (the budget), plus O(R log R) to sort the R reached nodes.
fn use_case_groups(
    graph: &CallGraph,
    index: &[Option<u32>],
    k: usize,
    shared: &[bool],
) -> Vec<(Vec<u32>, f64)> {
    let n = graph.node_count();
    let usable = |p: usize| index[p].is_some() && !shared[p];
    let entries: Vec<usize> = (0..n)
        .filter(|&p| {
            usable(p)
                && graph.callers(p).all(|(c, _)| c == p)
                && graph.callees(p).any(|(c, _)| c != p)
        })
        .collect();
    let budget = USE_CASE_BUDGET * (n + graph.edge_count());
    let mut spent = 0usize;
    let mut seen = vec![u32::MAX; n];
    let mut stack = Vec::new();
    let mut groups: Vec<(Vec<u32>, f64)> = Vec::new();
    for (e, &root) in entries.iter().enumerate() {
        let mark = e as u32;
        let mut members = Vec::new();
        seen[root] = mark;
        stack.push(root);
        while let Some(v) = stack.pop() {
            members.push(index[v].expect("usable"));
            for (c, _) in graph.callees(v) {
                spent += 1;
                if seen[c] != mark && usable(c) {
                    seen[c] = mark;
                    stack.push(c);
                }
            }
            if spent > budget {
                return Vec::new();
            }
        }
        members.sort_unstable();
        if members.len() >= 2 {
            let info = information(members.len(), k);
            if info >= RESOURCE_MIN_INFO {
                groups.push((members, info));
            }
        }
    }
    let carriers: FxHashSet<u32> = groups.iter().flat_map(|(m, _)| m.iter().copied()).collect();
    weigh_one_per_carrier(&mut groups, carriers.len());
    groups
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

    /// A graph of bare nodes `0..n` and calls of weight 1 between them.
    fn calls(n: usize, calls: &[(usize, usize)]) -> CallGraph {
        let nodes = (0..n)
            .map(|i| analyzer::Node {
                id: format!("n{i}"),
                ..analyzer::Node::default()
            })
            .collect();
        let edges = calls
            .iter()
            .map(|&(f, t)| (f, t, analyzer::Call::new(1.0, false)))
            .collect();
        CallGraph::from_parts(nodes, edges)
    }

    #[test]
    fn use_cases_are_what_each_uncalled_node_reaches_without_shared_code() {
        // Entry points 0 and 4 reach their own chains; both call 8, shared code (not entered,
        // not tied); 9 is reached by both through 3 and 7.
        let g = calls(
            10,
            &[
                (0, 1),
                (1, 2),
                (2, 3),
                (4, 5),
                (5, 6),
                (6, 7),
                (3, 9),
                (7, 9),
                (0, 8),
                (4, 8),
            ],
        );
        let index: Vec<Option<u32>> = (0..10).map(|i| Some(i as u32)).collect();
        let mut shared = vec![false; 10];
        shared[8] = true;
        let cases = use_case_groups(&g, &index, 10, &shared);
        let members: Vec<&[u32]> = cases.iter().map(|(m, _)| m.as_slice()).collect();
        assert_eq!(members, [&[0, 1, 2, 3, 9][..], &[4, 5, 6, 7, 9][..]]);
        // A node's use cases weigh 1 on average.
        let weight: f64 = cases.iter().map(|(m, w)| m.len() as f64 * w).sum();
        assert!((weight - 9.0).abs() < 1e-9);
        // Entry points that together reach far more than the graph's size tie nothing.
        let mut fan: Vec<(usize, usize)> = Vec::new();
        for a in 0..40 {
            for b in 20..40 {
                if a != b {
                    fan.push((a, b));
                }
            }
        }
        let g = calls(40, &fan);
        let index: Vec<Option<u32>> = (0..40).map(|i| Some(i as u32)).collect();
        assert!(use_case_groups(&g, &index, 40, &[false; 40]).is_empty());
    }

    #[test]
    fn merging_two_graphs_adds_their_weights_edge_by_edge() {
        let a = [(0, 1, 1.0), (2, 0, 0.5), (3, 2, 2.0)];
        let b = [(1, 0, 4.0), (3, 1, 1.0), (2, 3, 0.25)];
        let merged = Csr::merge(
            &Csr::from_edges(5, &a, vec![]),
            &Csr::from_edges(5, &b, vec![]),
        );
        let whole = Csr::from_edges(5, &[a, b].concat(), vec![]);
        assert_eq!(merged, whole);
        assert_eq!(
            merged.neighbors(0).collect::<Vec<_>>(),
            vec![(1, 5.0), (2, 0.5)]
        );
        assert_eq!(merged.neighbors(4).count(), 0);
    }

    /// A graph laid over another reads as their merge: the same neighbours with the same summed
    /// weights, strengths and arc count (a target in both rows listed twice), and laying more
    /// ties over it merges them with the ones laid before.
    #[test]
    fn ties_laid_over_a_graph_read_as_the_merged_graph() {
        let a = [(0, 1, 1.0), (2, 0, 0.5), (3, 2, 2.0)];
        let b = [(1, 0, 4.0), (3, 1, 1.0), (2, 3, 0.25)];
        let c = [(4, 0, 3.0)];
        let laid = Csr {
            extra: Some(Box::new(Csr::from_edges(5, &b, vec![]))),
            ..Csr::from_edges(5, &a, vec![])
        };
        let whole = Csr::from_edges(5, &[a, b].concat(), vec![]);
        let summed = |g: &Csr, v: usize| {
            let mut by: std::collections::BTreeMap<usize, f64> = Default::default();
            for (u, w) in g.neighbors(v) {
                *by.entry(u).or_default() += w;
            }
            by.into_iter().collect::<Vec<_>>()
        };
        for v in 0..5 {
            assert_eq!(summed(&laid, v), summed(&whole, v), "row {v}");
        }
        assert_eq!(
            laid.neighbors(0).collect::<Vec<_>>(),
            [(1, 1.0), (2, 0.5), (1, 4.0)]
        );
        assert_eq!(laid.strengths(), whole.strengths());
        assert_eq!(laid.arcs(), 2 * (a.len() + b.len()));
        let again = Csr {
            extra: Some(Box::new(Csr::merge(
                laid.extra.as_deref().expect("laid"),
                &Csr::from_edges(5, &c, vec![]),
            ))),
            ..laid.clone()
        };
        let all = Csr::from_edges(5, &[&a[..], &b, &c].concat(), vec![]);
        for v in 0..5 {
            assert_eq!(summed(&again, v), summed(&all, v), "row {v}");
        }
    }

    /// The rows read off the calls are, to the last bit, those of the edge list they stand for:
    /// the calls' couplings in edge order, then the ties; with repeated calls both ways, sync
    /// and async, self-calls, calls of no coupling and isolated nodes.
    #[test]
    fn csr_from_the_calls_is_the_csr_of_their_edges() {
        let mut rng = fastrand::Rng::with_seed(5);
        let n = 60usize;
        let nodes = (0..n)
            .map(|i| analyzer::Node {
                id: format!("n{i:03}"),
                ..analyzer::Node::default()
            })
            .collect();
        let edges = (0..3000)
            .map(|_| {
                let f = rng.usize(0..n);
                let t = if rng.u8(..) < 10 { f } else { rng.usize(0..n) };
                let weight = f64::from(rng.u32(0..50)) / 3.0;
                (f, t, analyzer::Call::new(weight, rng.bool()))
            })
            .collect();
        let graph = CallGraph::from_parts(nodes, edges);
        // Every seventh node isolated; the others numbered in order.
        let mut k = 0;
        let index: Vec<Option<u32>> = (0..n)
            .map(|i| {
                (i % 7 != 3).then(|| {
                    k += 1;
                    k as u32 - 1
                })
            })
            .collect();
        let calls: Vec<f64> = graph
            .edges()
            .map(|(f, t, call)| match (index[f], index[t]) {
                // Magnitudes far apart, so that the order of the sums shows in their bits.
                (Some(a), Some(b)) if a != b && call.weight > 0.0 => {
                    dampen(call.weight) * 10f64.powi(rng.i32(-9..9)) / (1.0 + f64::from(a % 3))
                }
                _ => 0.0,
            })
            .collect();
        let call_edges: Vec<(u32, u32, f64)> = graph
            .edges()
            .zip(&calls)
            .filter(|&(_, &c)| c > 0.0)
            .map(|((f, t, _), &c)| (index[f].unwrap_or(0), index[t].unwrap_or(0), c))
            .collect();
        let callees: Vec<u32> = graph
            .edges()
            .map(|(_, t, _)| index[t].unwrap_or(u32::MAX))
            .collect();
        for tie_count in [0, 3000] {
            let ties: Vec<(u32, u32, f64)> = (0..tie_count)
                .map(|_| {
                    let u = rng.u32(0..k as u32);
                    let v = (u + rng.u32(1..k as u32)) % k as u32;
                    (u, v, rng.f64() * 10f64.powi(rng.i32(-9..9)))
                })
                .collect();
            let expected = Csr::from_edges(k, &[call_edges.clone(), ties.clone()].concat(), vec![]);
            for threads in [1, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .expect("pool");
                let got = pool.install(|| {
                    let received = Received::of(&graph, &index, k, &calls, &callees);
                    Csr::from_calls(&graph, &index, k, &calls, &callees, &received, &ties)
                });
                assert!(got == expected, "{tie_count} ties, {threads} threads");
            }
        }
        let received = Received::of(&graph, &index, k, &calls, &callees);
        let (strength, total) = call_strengths(&graph, &index, k, &calls, &received);
        let (mut by_edges, mut sum) = (vec![0.0; k], 0.0);
        for &(a, b, w) in &call_edges {
            by_edges[a as usize] += w;
            by_edges[b as usize] += w;
            sum += w;
        }
        assert!(strength == by_edges && total == sum);
    }

    #[test]
    fn csr_merges_both_directions_and_sorts() {
        let g = Csr::from_edges(3, &[(0, 1, 1.0), (1, 0, 2.0), (2, 0, 0.5)], vec![]);
        assert_eq!(g.neighbors(0).collect::<Vec<_>>(), vec![(1, 3.0), (2, 0.5)]);
        assert_eq!(g.strength(1), 3.0);
        assert_eq!(g.strengths().iter().sum::<f64>(), 7.0);
    }

    #[test]
    fn csr_is_the_same_whatever_the_pieces_and_threads() {
        let mut rng = fastrand::Rng::with_seed(11);
        let n = 300;
        let edges: Vec<(u32, u32, f64)> = (0..5000)
            .map(|_| {
                let u = rng.u32(0..n);
                let v = (u + rng.u32(1..n)) % n;
                (u, v, f64::from(rng.u32(1..10)) / 7.0)
            })
            .collect();
        let whole = Csr::from_edges_in(n as usize, &edges, vec![], 1 << 20);
        for (per, threads) in [(1, 1), (400, 2), (1000, 3), (2500, 1)] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let g = pool.install(|| Csr::from_edges_in(n as usize, &edges, vec![], per));
            assert_eq!(g, whole, "{per} edges a piece, {threads} threads");
        }
        // Against a plain map of the summed weights, in edge order.
        let mut sums: std::collections::BTreeMap<(u32, u32), f64> = Default::default();
        for &(u, v, w) in &edges {
            *sums.entry((u, v)).or_default() += w;
            *sums.entry((v, u)).or_default() += w;
        }
        let arcs: Vec<(u32, u32, f64)> = (0..n as usize)
            .flat_map(|v| {
                whole
                    .neighbors(v)
                    .map(move |(t, w)| (v as u32, t as u32, w))
            })
            .collect();
        assert_eq!(arcs.len(), sums.len());
        for ((u, t, w), ((a, b), s)) in arcs.into_iter().zip(sums) {
            assert_eq!((u, t), (a, b));
            assert!((w - s).abs() < 1e-9);
        }
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
