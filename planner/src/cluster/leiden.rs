//! The Leiden algorithm (Traag, Waltman & van Eck 2019) maximising modularity with a resolution
//! γ on a [`Csr`] graph: fast local moving, deterministic (greedy) refinement, aggregation.

use std::collections::VecDeque;

use super::coupling::Csr;

mod batched;

/// Upper bound on full Leiden iterations (each restarts from the previous partition).
const MAX_ITERATIONS: usize = 2;
/// Iterations stop once one improves modularity by less than this share of its value: later
/// passes move a handful of nodes for a gain far below what distinguishes two decompositions.
const MIN_RELATIVE_GAIN: f64 = 1e-3;
/// Relative improvement a move must bring (guards against float noise and endless moves).
const EPS: f64 = 1e-12;

/// Partitions `g` into communities, numbered 0.. in order of their first member.
///
/// Iterates Leiden passes from the previous result (at most [`MAX_ITERATIONS`]) until the
/// partition is stable or a pass gains less than [`MIN_RELATIVE_GAIN`] of the modularity.
/// Deterministic for a given `rng` state.
///
/// # Complexity
/// O(I · L · (V + E)) for I iterations of L aggregation levels; in practice near-linear.
pub(super) fn leiden(g: &Csr, gamma: f64, rng: &mut fastrand::Rng) -> Vec<usize> {
    leiden_from(g, gamma, rng, None)
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
    let n = g.n();
    let two_m: f64 = g.strengths().iter().sum();
    let mut part: Vec<usize> = match initial {
        Some(start) if start.len() == n => {
            let mut dense: std::collections::HashMap<usize, usize> = Default::default();
            start
                .iter()
                .map(|&l| {
                    let next = dense.len();
                    *dense.entry(l).or_insert(next)
                })
                .collect()
        }
        _ => (0..n).collect(),
    };
    if n == 0 || two_m.is_nan() || two_m <= 0.0 {
        return part;
    }
    let mut q = modularity(g, &part, gamma);
    for _ in 0..MAX_ITERATIONS {
        let next = pass(g, gamma, two_m, &part, rng);
        let next_q = modularity(g, &next, gamma);
        if next == part || next_q <= q {
            break;
        }
        let small = next_q - q < MIN_RELATIVE_GAIN * q.abs();
        part = next;
        q = next_q;
        if small {
            break;
        }
    }
    part
}

/// Modularity with resolution γ of `part` on `g` (0 for a graph without weight).
pub(super) fn modularity(g: &Csr, part: &[usize], gamma: f64) -> f64 {
    let two_m: f64 = g.strengths().iter().sum();
    if two_m.is_nan() || two_m <= 0.0 {
        return 0.0;
    }
    let k = part.iter().max().map_or(0, |&c| c + 1);
    let mut inner = vec![0.0; k];
    let mut tot = vec![0.0; k];
    for v in 0..g.n() {
        tot[part[v]] += g.strength(v);
        inner[part[v]] += 2.0 * g.self_w[v];
        for (u, w) in g.neighbors(v) {
            if part[u] == part[v] {
                inner[part[v]] += w;
            }
        }
    }
    (0..k)
        .map(|c| inner[c] / two_m - gamma * (tot[c] / two_m).powi(2))
        .sum()
}

/// One Leiden pass from `initial`: move, refine, aggregate, until every community is one node.
fn pass(g: &Csr, gamma: f64, two_m: f64, initial: &[usize], rng: &mut fastrand::Rng) -> Vec<usize> {
    let mut level: Option<Csr> = None;
    let mut membership: Vec<usize> = (0..g.n()).collect();
    let mut part = initial.to_vec();
    loop {
        let graph = level.as_ref().unwrap_or(g);
        let strength = graph.strengths();
        move_nodes(graph, &strength, &mut part, gamma, two_m, rng);
        let k = renumber(&mut part);
        if k == graph.n() {
            break;
        }
        let mut refined = refine(graph, &strength, &part, gamma, two_m, rng);
        let r = renumber(&mut refined);
        if r == graph.n() {
            break;
        }
        let aggregated = aggregate(graph, &refined, r);
        let mut next = vec![0usize; r];
        for (v, &c) in refined.iter().enumerate() {
            next[c] = part[v];
        }
        for m in &mut membership {
            *m = refined[*m];
        }
        part = next;
        level = Some(aggregated);
    }
    let mut out: Vec<usize> = membership.iter().map(|&m| part[m]).collect();
    renumber(&mut out);
    out
}

/// Renumbers labels to 0..k in order of first appearance; returns k.
pub(super) fn renumber(labels: &mut [usize]) -> usize {
    let mut map = vec![usize::MAX; labels.len()];
    let mut k = 0;
    for l in labels.iter_mut() {
        if map[*l] == usize::MAX {
            map[*l] = k;
            k += 1;
        }
        *l = map[*l];
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
    fn of(strength: &[f64], part: &[usize]) -> Communities {
        let n = part.len();
        let mut tot = vec![0.0; n];
        let mut size = vec![0usize; n];
        for (v, &c) in part.iter().enumerate() {
            tot[c] += strength[v];
            size[c] += 1;
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
/// of best modularity gain; neighbours outside the new community are queued again. Levels of
/// [`batched::MIN_NODES`] nodes or more are moved in parallel batches.
fn move_nodes(
    g: &Csr,
    strength: &[f64],
    part: &mut [usize],
    gamma: f64,
    two_m: f64,
    rng: &mut fastrand::Rng,
) {
    let n = g.n();
    let order = visit_order(n, rng);
    if n >= batched::MIN_NODES {
        batched::move_nodes(g, strength, part, gamma, two_m, order);
        return;
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
        let cur = part[v];
        let kv = strength[v];
        for (u, w) in g.neighbors(v) {
            let c = part[u];
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
        part[v] = best;
        if best != cur {
            for (u, _) in g.neighbors(v) {
                if !queued[u] && part[u] != best {
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
}

/// Refinement: inside each community, singletons that are well connected merge greedily into the
/// well-connected sub-community of best non-negative gain. Returns the refined labels.
fn refine(
    g: &Csr,
    strength: &[f64],
    part: &[usize],
    gamma: f64,
    two_m: f64,
    rng: &mut fastrand::Rng,
) -> Vec<usize> {
    let n = g.n();
    let mut tot = vec![0.0; n];
    for v in 0..n {
        tot[part[v]] += strength[v];
    }
    let mut refined: Vec<usize> = (0..n).collect();
    let mut r_tot = strength.to_vec();
    let mut r_size = vec![1usize; n];
    // External weight of each refined community towards the rest of its community.
    let mut ext: Vec<f64> = (0..n)
        .map(|v| {
            g.neighbors(v)
                .filter(|&(u, _)| part[u] == part[v])
                .map(|(_, w)| w)
                .sum()
        })
        .collect();
    let order = visit_order(n, rng);
    // Weight from v to each refined community (positive weights: 0 means untouched).
    let mut to = vec![0.0; n];
    let mut touched: Vec<usize> = Vec::new();
    for v in order {
        let own = refined[v];
        if r_size[own] != 1 {
            continue;
        }
        let c = part[v];
        let kv = strength[v];
        let scale = gamma / two_m;
        if ext[own] < scale * kv * (tot[c] - kv) {
            continue;
        }
        for (u, w) in g.neighbors(v) {
            if part[u] == c {
                let t = refined[u];
                if to[t] == 0.0 {
                    touched.push(t);
                }
                to[t] += w;
            }
        }
        let mut best = own;
        let mut best_gain = 0.0;
        for &t in &touched {
            if t == own || ext[t] < scale * r_tot[t] * (tot[c] - r_tot[t]) {
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
            refined[v] = best;
        }
        for &t in &touched {
            to[t] = 0.0;
        }
        touched.clear();
    }
    refined
}

/// Collapses each of the `r` refined communities into one node; inner weight goes to `self_w`.
pub(super) fn aggregate(g: &Csr, refined: &[usize], r: usize) -> Csr {
    let mut self_w = vec![0.0; r];
    let mut edges: Vec<(u32, u32, f64)> = Vec::new();
    for v in 0..g.n() {
        let a = refined[v];
        self_w[a] += g.self_w[v];
        for (u, w) in g.neighbors(v) {
            if u <= v {
                continue;
            }
            let b = refined[u];
            if a == b {
                self_w[a] += w;
            } else {
                edges.push((a as u32, b as u32, w));
            }
        }
    }
    Csr::from_edges(r, &edges, self_w)
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
