//! Decomposition metrics (DOMAIN.md): modularity Q, Structural Modularity, Inter-Call Percentage,
//! Interface Number, Non-Extreme Distribution, and per-service cohesion and coupling.

use analyzer::CallGraph;

use crate::plan::{Metrics, ServiceMetrics};

/// Smallest and largest service size counted as "non-extreme" by NED.
pub const NED_RANGE: (usize, usize) = (5, 20);

/// Metrics of a decomposition given as `assignment[node] = service` with services `0..k`.
///
/// Modularity is Newman's Q of the undirected weighted call graph (self-loops count once, as in
/// networkx); SM counts distinct edges (unweighted); ICP weighs calls by their weight.
///
/// # Complexity
/// O(V + E + K + P log P) for P pairs of services that call each other.
pub fn decomposition_metrics(graph: &CallGraph, assignment: &[usize], k: usize) -> Metrics {
    measure(graph, assignment, k).0
}

/// [`decomposition_metrics`], and the cohesion and coupling of every service, from one pass over
/// the calls.
///
/// # Complexity
/// O(V + E + K + P log P) for P pairs of services that call each other.
pub(crate) fn measure(
    graph: &CallGraph,
    assignment: &[usize],
    k: usize,
) -> (Metrics, Vec<ServiceMetrics>) {
    let n = graph.node_count();
    let mut size = vec![0usize; k];
    for &c in assignment {
        size[c] += 1;
    }
    // Modularity on the undirected weighted graph.
    let mut intra_weight = vec![0.0; k];
    let mut outgoing_weight = vec![0.0; k];
    let mut incoming_weight = vec![0.0; k];
    let mut degree = vec![0.0; k];
    let mut total = 0.0;
    let mut inter_weight = 0.0;
    let mut intra_edges = vec![0usize; k];
    let mut called_from_outside = vec![false; n];
    // Each call between services as (lower service, higher service).
    let mut crossing: Vec<(u32, u32)> = Vec::new();
    for (f, t, call) in graph.edges() {
        let (cf, ct) = (assignment[f], assignment[t]);
        let w = call.weight;
        total += w;
        degree[cf] += w;
        degree[ct] += w;
        if cf == ct {
            intra_weight[cf] += w;
            if f != t {
                intra_edges[cf] += 1;
            }
        } else {
            inter_weight += w;
            outgoing_weight[cf] += w;
            incoming_weight[ct] += w;
            called_from_outside[t] = true;
            // Service numbers fit: there are fewer services than nodes, whose indices are u32.
            crossing.push((cf.min(ct) as u32, cf.max(ct) as u32));
        }
    }
    let pairs = service_pairs(&crossing, k);
    drop(crossing);
    let modularity = if total > 0.0 {
        (0..k)
            .map(|c| intra_weight[c] / total - (degree[c] / (2.0 * total)).powi(2))
            .sum()
    } else {
        0.0
    };
    let kf = k as f64;
    let cohesion_term: f64 = (0..k)
        .filter(|&c| size[c] > 0)
        .map(|c| intra_edges[c] as f64 / (size[c] as f64).powi(2))
        .sum::<f64>()
        / kf.max(1.0);
    let coupling_term = if k > 1 {
        // Σ_{i≠j} σ_ij / (2 N_i N_j) visits each unordered pair twice: Σ_{i<j} σ_ij / (N_i N_j).
        let s: f64 = pairs
            .iter()
            .map(|&(i, j, sigma)| sigma as f64 / (size[i] as f64 * size[j] as f64))
            .sum();
        s / (kf * (kf - 1.0) / 2.0)
    } else {
        0.0
    };
    let interfaces = called_from_outside.iter().filter(|&&b| b).count();
    let in_range: usize = size
        .iter()
        .filter(|&&s| s >= NED_RANGE.0 && s <= NED_RANGE.1)
        .sum();
    let metrics = Metrics {
        services: k,
        modularity,
        structural_modularity: cohesion_term - coupling_term,
        inter_call_percentage: if total > 0.0 {
            inter_weight / total
        } else {
            0.0
        },
        interface_number: interfaces as f64 / kf.max(1.0),
        non_extreme_distribution: if n > 0 {
            1.0 - in_range as f64 / n as f64
        } else {
            0.0
        },
    };

    // Per service: the same sums, its coupled services and its members called from outside.
    let mut services: Vec<ServiceMetrics> = (0..k)
        .map(|c| {
            let internal = intra_weight[c];
            let touching = internal + outgoing_weight[c] + incoming_weight[c];
            ServiceMetrics {
                cohesion: if touching > 0.0 {
                    internal / touching
                } else {
                    1.0
                },
                internal_weight: internal,
                outgoing_weight: outgoing_weight[c],
                incoming_weight: incoming_weight[c],
                coupled_services: 0,
                interface_members: 0,
            }
        })
        .collect();
    // Each pair of services that call each other, either way, couples both.
    for &(i, j, _) in &pairs {
        services[i].coupled_services += 1;
        services[j].coupled_services += 1;
    }
    for (p, &is_interface) in called_from_outside.iter().enumerate() {
        if is_interface {
            services[assignment[p]].interface_members += 1;
        }
    }
    (metrics, services)
}

/// The unordered pairs of services `(i, j)`, `i < j`, that call each other, with the number of
/// calls between them either way, in increasing order, from the calls between services given as
/// `(lower, higher)`: sparse (K can be large), and ordered so that float sums over them do not
/// depend on hash order.
///
/// # Complexity
/// O(C + K + P log P) for C calls and P pairs.
fn service_pairs(crossing: &[(u32, u32)], k: usize) -> Vec<(usize, usize, usize)> {
    // The higher service of each call, grouped by the lower (a counting sort).
    let mut start = vec![0usize; k + 1];
    for &(i, _) in crossing {
        start[i as usize + 1] += 1;
    }
    for c in 0..k {
        start[c + 1] += start[c];
    }
    let mut fill = start.clone();
    let mut higher = vec![0u32; crossing.len()];
    for &(i, j) in crossing {
        higher[fill[i as usize]] = j;
        fill[i as usize] += 1;
    }
    drop(fill);
    let mut calls = vec![0usize; k];
    let mut partners: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for i in 0..k {
        for &j in &higher[start[i]..start[i + 1]] {
            let j = j as usize;
            if calls[j] == 0 {
                partners.push(j);
            }
            calls[j] += 1;
        }
        partners.sort_unstable();
        for &j in &partners {
            out.push((i, j, std::mem::take(&mut calls[j])));
        }
        partners.clear();
    }
    out
}

#[cfg(test)]
mod tests;
