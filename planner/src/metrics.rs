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
/// O(V + E + K).
pub fn decomposition_metrics(graph: &CallGraph, assignment: &[usize], k: usize) -> Metrics {
    let n = graph.node_count();
    let mut size = vec![0usize; k];
    for &c in assignment {
        size[c] += 1;
    }
    // Modularity on the undirected weighted graph.
    let mut intra_weight = vec![0.0; k];
    let mut degree = vec![0.0; k];
    let mut total = 0.0;
    let mut inter_weight = 0.0;
    let mut intra_edges = vec![0usize; k];
    // σ per unordered pair of services that call each other: sparse (K can be large), ordered
    // (so float sums do not depend on hash order).
    let mut between: std::collections::BTreeMap<(usize, usize), usize> =
        std::collections::BTreeMap::new();
    let mut called_from_outside = vec![false; n];
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
            *between.entry((cf.min(ct), cf.max(ct))).or_default() += 1;
            called_from_outside[t] = true;
        }
    }
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
        let s: f64 = between
            .iter()
            .map(|(&(i, j), &sigma)| sigma as f64 / (size[i] as f64 * size[j] as f64))
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
    Metrics {
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
    }
}

/// Cohesion and coupling of every service.
///
/// # Complexity
/// O(V + E + K log K).
pub(crate) fn service_metrics(
    graph: &CallGraph,
    assignment: &[usize],
    k: usize,
) -> Vec<ServiceMetrics> {
    let mut out: Vec<ServiceMetrics> = (0..k)
        .map(|_| ServiceMetrics {
            cohesion: 0.0,
            internal_weight: 0.0,
            outgoing_weight: 0.0,
            incoming_weight: 0.0,
            coupled_services: 0,
            interface_members: 0,
        })
        .collect();
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); k];
    let mut interface = vec![false; graph.node_count()];
    for (f, t, call) in graph.edges() {
        let (cf, ct) = (assignment[f], assignment[t]);
        if cf == ct {
            out[cf].internal_weight += call.weight;
        } else {
            out[cf].outgoing_weight += call.weight;
            out[ct].incoming_weight += call.weight;
            neighbours[cf].push(ct);
            neighbours[ct].push(cf);
            interface[t] = true;
        }
    }
    for (p, &is_interface) in interface.iter().enumerate() {
        if is_interface {
            out[assignment[p]].interface_members += 1;
        }
    }
    for (c, m) in out.iter_mut().enumerate() {
        let touching = m.internal_weight + m.outgoing_weight + m.incoming_weight;
        m.cohesion = if touching > 0.0 {
            m.internal_weight / touching
        } else {
            1.0
        };
        let list = &mut neighbours[c];
        list.sort_unstable();
        list.dedup();
        m.coupled_services = list.len();
    }
    out
}

#[cfg(test)]
mod tests;
