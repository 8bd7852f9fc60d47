//! Clustering: groups the call graph's nodes into candidate services. Pipeline: shared-code
//! detection → coupling graph (calls + module, resource and vocabulary affinities) → Leiden →
//! service count (fold and feature-package merge, or exact merge/split after the feature merge)
//! → placement of isolated nodes by namespace proximity.

mod constrain;
mod count;
mod coupling;
mod features;
mod leiden;
mod namespace;
mod shared;
#[cfg(test)]
mod tests;
mod vocabulary;

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use analyzer::CallGraph;
use rayon::prelude::*;

use crate::ClusterConfig;

pub(crate) use constrain::{Constraints, Tags, compatible};
pub(crate) use shared::module_key;

/// Result of clustering: every node in exactly one cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// Node position → cluster in `0..count`; clusters are numbered by decreasing size, ties by
    /// smallest member position.
    pub assignment: Vec<usize>,
    /// Number of clusters.
    pub count: usize,
    /// Node is high fan-in utility code (flagged, kept from gluing services together).
    pub shared: Vec<bool>,
    /// Node has no call edge at all (self-loops aside); placed by module/namespace proximity.
    pub isolated: Vec<bool>,
    /// Node is a composition root: a `cli` entry point wiring many modules (a `main`).
    pub roots: Vec<bool>,
    /// What a reviewer should know about the clustering (requests that could not be met, …).
    pub notes: Vec<String>,
    /// How the number of clusters was reached.
    pub count_reason: crate::ServiceCount,
}

/// Clusters the call graph into services.
///
/// Shared utility code is detected and its calls shrunk; calls (dampened, async scaled down)
/// and module/resource affinities form an undirected coupling graph; Leiden maximises its
/// modularity at resolution `cfg.resolution`. With `cfg.services = Some(N)` clusters are then
/// merged (best modularity gain) or split (sub-Leiden) to exactly N, capped at the node count;
/// otherwise clusters below `cfg.min_service_size` fold into their best neighbour, except small
/// event-triggered clusters tied to the rest only asynchronously (candidate functions).
/// Isolated nodes join the cluster sharing the longest namespace prefix. Deterministic for a
/// given seed, whatever the thread count. Never panics.
///
/// # Complexity
/// O((V + E) log V) expected for the coupling graph and Leiden; exact counts add
/// O(M · (K + E_K)) for M merges over K clusters, or sub-Leiden runs for splits.
pub fn cluster(graph: &CallGraph, cfg: &ClusterConfig) -> Clustering {
    cluster_with(graph, cfg, &Constraints::default())
}

/// [`cluster`] under constraints: each must-link group is contracted into one unit before Leiden
/// (and clustered even without a call edge); a cluster holding units whose cannot-link tags clash
/// is split; merges and folds never join clashing clusters, so with `cfg.services` more clusters
/// than asked may remain (the caller reports it). With an earlier plan (`cons.warm`) the graph is
/// clustered cold and, unless that moves nothing, warm (Leiden starts from the earlier
/// membership); the run moving fewer nodes wins unless it is more than [`STABLE_TOLERANCE`] less
/// modular, and without decisions the earlier partition itself is kept while it is as modular.
/// With no constraint, exactly [`cluster`].
///
/// # Complexity
/// As [`cluster`], plus O(V + E log E) for the splits.
pub(crate) fn cluster_with(
    graph: &CallGraph,
    cfg: &ClusterConfig,
    cons: &Constraints,
) -> Clustering {
    if cons.warm.is_empty() {
        return cluster_once(graph, cfg, cons);
    }
    // A re-plan: the cold plan is what this input gives on its own; the warm one starts from the
    // earlier plan. The one that moves fewer nodes wins unless it is clearly less modular, so
    // an unchanged input re-plans to exactly the same partition (the cold plan moves nothing),
    // and a small change moves little.
    let cold_cons = Constraints {
        warm: Vec::new(),
        ..cons.clone()
    };
    let cold = cluster_once(graph, cfg, &cold_cons);
    let (cold_moved, _) = matching(&cold.assignment, cold.count, &cons.warm);
    if cold_moved == 0 {
        return cold;
    }
    let warm = cluster_once(graph, cfg, cons);
    let (warm_moved, matched) = matching(&warm.assignment, warm.count, &cons.warm);
    let q = |assignment: &[usize], count: usize| {
        crate::metrics::decomposition_metrics(graph, assignment, count).modularity
    };
    let (q_cold, q_warm) = (
        q(&cold.assignment, cold.count),
        q(&warm.assignment, warm.count),
    );
    let near = |a: f64, b: f64| a >= b - STABLE_TOLERANCE * b.abs();
    let warm_wins = if warm_moved <= cold_moved {
        near(q_warm, q_cold)
    } else {
        !near(q_cold, q_warm)
    };
    let (q_best, best_moved) = if warm_wins {
        (q_warm, warm_moved)
    } else {
        (q_cold, cold_moved)
    };
    // The earlier partition itself, new nodes where the warm run put them, when no decision
    // constrains the partition: kept while it stays as modular as the better run.
    let free = cons.group.iter().all(Option::is_none) && cons.tags.is_empty();
    if free && best_moved > 0 {
        let offset = cons.warm.iter().flatten().max().map_or(0, |&m| m + 1);
        let mut kept: Vec<usize> = cons
            .warm
            .iter()
            .zip(&warm.assignment)
            .map(|(e, &c)| e.or(matched[c]).unwrap_or(offset + c))
            .collect();
        let count = relabel(&mut kept);
        if cfg.services.is_none_or(|want| want == count) && near(q(&kept, count), q_best) {
            let mut count_reason = warm.count_reason.clone();
            count_reason.services = count;
            count_reason.reason = format!(
                "kept the earlier plan's partition, as modular as a new clustering (within {} %); {count} services",
                STABLE_TOLERANCE * 100.0
            );
            return Clustering {
                assignment: kept,
                count,
                count_reason,
                ..warm
            };
        }
    }
    if warm_wins { warm } else { cold }
}

/// A re-plan keeps the partition that moves fewer nodes while its modularity stays within this
/// share of the other's.
const STABLE_TOLERANCE: f64 = 0.01;

/// Nodes of `assignment` (clusters `0..count`) that left their earlier service, and the earlier
/// service each cluster is matched to: clusters and earlier services are matched one to one,
/// largest overlap first (ties by lower indices); a node outside its cluster's match moved.
/// Nodes new to the plan do not count.
///
/// # Complexity
/// O(V + P log P) for P (cluster, service) pairs that share a node.
fn matching(
    assignment: &[usize],
    count: usize,
    earlier: &[Option<usize>],
) -> (usize, Vec<Option<usize>>) {
    let mut overlap: rustc_hash::FxHashMap<(usize, usize), usize> = Default::default();
    let mut known = 0;
    for (&c, e) in assignment.iter().zip(earlier) {
        if let Some(e) = e {
            *overlap.entry((c, *e)).or_default() += 1;
            known += 1;
        }
    }
    let mut pairs: Vec<((usize, usize), usize)> = overlap.into_iter().collect();
    pairs.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut matched: Vec<Option<usize>> = vec![None; count];
    let mut taken: rustc_hash::FxHashSet<usize> = Default::default();
    let mut kept = 0;
    for ((c, e), n) in pairs {
        if matched[c].is_none() && !taken.contains(&e) {
            matched[c] = Some(e);
            taken.insert(e);
            kept += n;
        }
    }
    (known - kept, matched)
}

/// One clustering run: [`cluster_with`] without the choice between a cold and a warm start.
fn cluster_once(graph: &CallGraph, cfg: &ClusterConfig, cons: &Constraints) -> Clustering {
    let n = graph.node_count();
    let mut steps = crate::steps::Steps::start();
    let mut notes = Vec::new();
    let isolated = isolated_nodes(graph);
    let shared = shared::detect(graph, cfg.shared_min_caller_modules);
    steps.mark(|| "cluster: isolated nodes, shared code".into());
    // Shared code (high fan-in) and composition roots (high fan-out) both couple weakly.
    let roots = shared::composition_roots(graph, cfg.shared_min_caller_modules);
    steps.mark(|| "cluster: composition roots".into());
    let weak: Vec<bool> = shared.iter().zip(&roots).map(|(&s, &r)| s || r).collect();
    let root_count = roots.iter().filter(|&&r| r).count();
    if root_count > 0 {
        notes.push(format!(
            "{root_count} composition roots (high fan-out wiring such as a main) kept from gluing services together"
        ));
    }
    let mut index = vec![None; n];
    let mut connected = Vec::new();
    for i in (0..n).filter(|&i| !isolated[i] || cons.grouped(i)) {
        index[i] = Some(connected.len() as u32);
        connected.push(i);
    }
    let k = connected.len();
    let mut rng = fastrand::Rng::with_seed(cfg.seed);
    // The probe weighs module ties (and starts a large graph's final run): without module
    // affinity, or without modules (bare ids), there are no ties, and the final run starts from
    // singletons.
    let modules = connected
        .iter()
        .any(|&i| shared::declared_module(graph.node(i)).is_some());
    // The graph without module ties is built once: the probe's, and the final one's base.
    let (base, calls) = coupling::base(graph, &index, k, &weak, cfg, &cons.cochange);
    steps.mark(|| {
        format!(
            "cluster: coupling graph without module ties ({} arcs)",
            base.arcs()
        )
    });
    let probe = (cfg.module_affinity > 0.0 && modules).then(|| {
        let probe = leiden::probe(&base, cfg.resolution, &mut rng);
        steps.mark(|| "cluster: probe Leiden".into());
        probe
    });
    let coupling = match &probe {
        Some(probe) => coupling::with_module_ties(&base, &calls, cfg, probe),
        None => base,
    };
    drop(calls);
    steps.mark(|| format!("cluster: coupling graph ({} arcs)", coupling.arcs()));
    let units = constrain::units(cons, &connected);
    let contracted;
    let coupling = if units.identity() {
        &coupling
    } else {
        contracted = leiden::aggregate(&coupling, &units.of, units.count);
        &contracted
    };
    // On a large graph the final run starts from the probe's communities (a warm start that
    // refinement can still undo): local moving from singletons over a million nodes costs a
    // third of the plan, and on planted partitions the result is as good (docs/benchmarks.md).
    // Small graphs start from singletons, which matches expert decompositions better.
    let start = constrain::initial(cons, &connected, &units);
    let start = start.as_deref().or_else(|| {
        probe
            .as_deref()
            .filter(|_| units.identity() && k >= leiden::LARGE)
    });
    let mut labels = leiden::leiden_from(coupling, cfg.resolution, &mut rng, start);
    steps.mark(|| "cluster: final Leiden".into());
    if steps.on() {
        let mut a: Vec<usize> = (0..n).map(|i| n + i).collect();
        for (&i, &u) in connected.iter().zip(&units.of) {
            a[i] = labels[u];
        }
        let k = relabel(&mut a);
        let q = crate::metrics::decomposition_metrics(graph, &a, k).modularity;
        crate::steps::note(|| format!("Leiden's {k} clusters: Q {q:.4} on the call graph"));
        steps.mark(|| "cluster: (measuring that modularity)".into());
    }
    let tags = &units.tags;
    let split = constrain::separate(coupling, &mut labels, tags);
    if split > 0 {
        notes.push(format!(
            "split {split} clusters to keep named services and [[apart]] groups apart"
        ));
    }
    let mut reason = crate::ServiceCount {
        requested: cfg.services,
        found: labels.iter().max().map_or(0, |&c| c + 1),
        ..Default::default()
    };
    // Node-level cluster of each connected node.
    let expand = |labels: &[usize]| -> Vec<usize> { units.of.iter().map(|&u| labels[u]).collect() };
    let target = cfg.services.map(|want| {
        if want > n {
            notes.push(format!(
                "asked for {want} services but the graph has {n} nodes: made {n}"
            ));
        } else if want == 0 && n > 0 {
            notes.push("asked for 0 services: made 1".to_string());
        }
        want.clamp(n.min(1), n)
    });
    let mut assignment = vec![0usize; n];
    let isolated_list: Vec<usize> = (0..n).filter(|&i| index[i].is_none()).collect();
    let ku = units.count;
    let nodes: Vec<&analyzer::Node> = graph.nodes().collect();
    match target {
        _ if k == 0 => {
            let groups = namespace::group(&nodes, &isolated_list, target);
            for (&i, &g) in isolated_list.iter().zip(&groups) {
                assignment[i] = g;
            }
        }
        Some(t) if t > ku => {
            for (&i, &u) in connected.iter().zip(&units.of) {
                assignment[i] = u;
            }
            let groups = namespace::group(&nodes, &isolated_list, Some(t - ku));
            for (&i, &g) in isolated_list.iter().zip(&groups) {
                assignment[i] = ku + g;
            }
        }
        Some(t) => {
            let mut found = labels.iter().max().map_or(0, |&c| c + 1);
            let mut labels = labels;
            if found > t && cfg.feature_merge && tags.is_empty() {
                // Parts of one feature merge first, while at least `t` clusters remain.
                let mut trial = vec![0usize; n];
                for (&i, &c) in connected.iter().zip(&expand(&labels)) {
                    trial[i] = c;
                }
                merge_features(graph, &nodes, &mut trial, &connected, &[], &weak, &[]);
                let mut merged = vec![usize::MAX; ku];
                for (&i, &u) in connected.iter().zip(&units.of) {
                    if merged[u] == usize::MAX {
                        merged[u] = trial[i];
                    }
                }
                let count = leiden::renumber(&mut merged);
                if count >= t {
                    reason.merged_by_feature = found - count;
                    labels = merged;
                    found = count;
                }
            }
            let labels = if found > t {
                count::merge_to(coupling, &labels, t, cfg.resolution, tags)
            } else {
                count::split_to(coupling, &labels, t, cfg.resolution, &mut rng)
            };
            for (&i, &c) in connected.iter().zip(&expand(&labels)) {
                assignment[i] = c;
            }
            place(&nodes, &mut assignment, &connected, &isolated_list);
        }
        None => {
            let min = cfg.min_service_size;
            let keep = candidate_functions(graph, &index, &expand(&labels), &weak, min);
            let kept = keep.iter().filter(|&&x| x).count();
            if kept > 0 {
                notes.push(format!(
                    "kept {kept} small event-triggered clusters apart: candidate functions"
                ));
            }
            let frozen: Vec<bool> = expand(&labels)
                .iter()
                .map(|&l| keep.get(l) == Some(&true))
                .collect();
            steps.mark(|| "cluster: candidate functions".into());
            let (folded, lonely) = count::fold_small(
                coupling,
                &labels,
                min,
                &keep,
                cfg.resolution,
                tags,
                &units.sizes(),
            );
            steps.mark(|| "cluster: fold small clusters".into());
            reason.folded = reason.found.saturating_sub(lonely.len());
            let labels = folded;
            for (&i, &c) in connected.iter().zip(&expand(&labels)) {
                assignment[i] = c;
            }
            if lonely.iter().any(|&l| !l) {
                let (anchored, loose): (Vec<usize>, Vec<usize>) =
                    connected.iter().partition(|&&i| !lonely[assignment[i]]);
                let mut cluster_tags =
                    tags_by_cluster(tags, &units.of, &connected, &assignment, lonely.len());
                place_groups(
                    &nodes,
                    &mut assignment,
                    &anchored,
                    &loose,
                    &mut cluster_tags,
                );
            }
            steps.mark(|| "cluster: place lonely clusters".into());
            if cfg.feature_merge {
                let cluster_tags = tags_by_cluster(tags, &units.of, &connected, &assignment, n);
                let merged = merge_features(
                    graph,
                    &nodes,
                    &mut assignment,
                    &connected,
                    &frozen,
                    &weak,
                    &cluster_tags,
                );
                reason.merged_by_feature = merged;
                if merged > 0 {
                    notes.push(format!(
                        "merged {merged} clusters into the feature package (a cohesive top-level namespace) most of their members share: parts of one capability"
                    ));
                }
            }
            steps.mark(|| "cluster: feature merge".into());
            place(&nodes, &mut assignment, &connected, &isolated_list);
        }
    }
    steps.mark(|| "cluster: place isolated nodes".into());
    if !isolated_list.is_empty() && k > 0 {
        notes.push(format!(
            "{} nodes have no call edge: placed by namespace proximity",
            isolated_list.len()
        ));
    }
    let count = relabel(&mut assignment);
    if steps.on() {
        let q = crate::metrics::decomposition_metrics(graph, &assignment, count).modularity;
        crate::steps::note(|| format!("final {count} clusters: Q {q:.4} on the call graph"));
    }
    reason.services = count;
    reason.reason = count_sentence(&reason, cfg.resolution);
    Clustering {
        assignment,
        count,
        shared,
        isolated,
        roots,
        notes,
        count_reason: reason,
    }
}

/// The service count's reason in a sentence.
fn count_sentence(r: &crate::ServiceCount, resolution: f64) -> String {
    let mut out = match r.requested {
        Some(want) => format!("{want} services were asked for; Leiden found {}", r.found),
        None => format!(
            "automatic: Leiden found {} clusters of the call graph at resolution {resolution}",
            r.found
        ),
    };
    if r.folded > 0 {
        out.push_str(&format!(
            ", {} too small to stand alone folded into their best neighbour",
            r.folded
        ));
    }
    if r.merged_by_feature > 0 {
        out.push_str(&format!(
            ", {} merged into the cohesive top-level package (feature) most of their members share",
            r.merged_by_feature
        ));
    }
    if r.requested.is_some() {
        out.push_str(", then merged by modularity gain or split to the number asked");
    }
    out.push_str(&format!("; {} services", r.services));
    out
}

/// Merges the clusters (of the `connected` nodes' `assignment`) that lie mostly inside one
/// cohesive feature package ([`features`]) into one, unless they hold a candidate function
/// (`frozen`, by connected order; empty: none) or their cannot-link tags (`cluster_tags`, per
/// cluster; empty: none) clash. Returns the number of clusters merged away.
///
/// # Complexity
/// O(V + E + K log K) for K clusters.
fn merge_features(
    graph: &CallGraph,
    nodes: &[&analyzer::Node],
    assignment: &mut [usize],
    connected: &[usize],
    frozen: &[bool],
    weak: &[bool],
    cluster_tags: &[Tags],
) -> usize {
    let (feature, count) = features::features(nodes);
    if count < 2 {
        return 0;
    }
    let cohesive = features::cohesive(graph, &feature, count, weak);
    let k = connected
        .iter()
        .map(|&i| assignment[i] + 1)
        .max()
        .unwrap_or(0);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    let mut held = vec![false; k];
    for (j, &i) in connected.iter().enumerate() {
        members[assignment[i]].push(i);
        held[assignment[i]] |= frozen.get(j) == Some(&true);
    }
    let dominant = features::dominant(&members, &feature, &cohesive);
    let mut into: Vec<usize> = (0..k).collect();
    let mut first: Vec<Option<usize>> = vec![None; count];
    let mut merged = 0;
    let mut tags: Vec<Tags> = cluster_tags.to_vec();
    tags.resize(k, Tags::new());
    for c in (0..k).filter(|&c| !members[c].is_empty() && !held[c]) {
        let Some(f) = dominant[c] else { continue };
        match first[f] {
            Some(d) if constrain::compatible(&tags[d], &tags[c]) => {
                into[c] = d;
                let moved = std::mem::take(&mut tags[c]);
                tags[d].extend(moved);
                merged += 1;
            }
            Some(_) => {}
            None => first[f] = Some(c),
        }
    }
    for &i in connected {
        assignment[i] = into[assignment[i]];
    }
    merged
}

/// The cannot-link tags of each of `k` clusters of `assignment`, from the tags of the units
/// (`unit_of`, by connected order) of its `connected` members; all empty without tags.
fn tags_by_cluster(
    tags: &[Tags],
    unit_of: &[usize],
    connected: &[usize],
    assignment: &[usize],
    k: usize,
) -> Vec<Tags> {
    let mut out = vec![Tags::new(); k];
    if !tags.is_empty() {
        for (&i, &u) in connected.iter().zip(unit_of) {
            out[assignment[i]].extend(tags[u].iter().map(|(&a, &b)| (a, b)));
        }
    }
    out
}

/// Nodes with no call edge other than self-loops.
fn isolated_nodes(graph: &CallGraph) -> Vec<bool> {
    let linked: Vec<AtomicBool> = (0..graph.node_count())
        .map(|_| AtomicBool::new(false))
        .collect();
    graph.par_edges().for_each(|(f, t, _)| {
        if f != t {
            linked[f].store(true, Relaxed);
            linked[t].store(true, Relaxed);
        }
    });
    linked.into_iter().map(|l| !l.into_inner()).collect()
}

/// Leiden clusters smaller than `min` that hold an event/queue/schedule entry point and have no
/// blocking call to another cluster (shared code aside): legitimate serverless functions.
fn candidate_functions(
    graph: &CallGraph,
    index: &[Option<u32>],
    labels: &[usize],
    shared: &[bool],
    min: usize,
) -> Vec<bool> {
    let k = labels.iter().max().map_or(0, |&c| c + 1);
    let mut size = vec![0usize; k];
    let mut event = vec![false; k];
    for (pos, node) in graph.nodes().enumerate() {
        let Some(i) = index[pos] else { continue };
        let c = labels[i as usize];
        size[c] += 1;
        // A tiny cluster holding only request entry points is folded like any other.
        if let Some(trigger) = &node.entry {
            event[c] |= analyzer::Trigger::parse(trigger).is_event();
        }
    }
    let blocking = graph
        .par_edges()
        .fold(
            || vec![false; k],
            |mut blocking, (f, t, call)| {
                if !(call.is_async || shared[f] || shared[t])
                    && let (Some(a), Some(b)) = (index[f], index[t])
                {
                    let (ca, cb) = (labels[a as usize], labels[b as usize]);
                    if ca != cb {
                        blocking[ca] = true;
                        blocking[cb] = true;
                    }
                }
                blocking
            },
        )
        .reduce(
            || vec![false; k],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x |= y);
                a
            },
        );
    (0..k)
        .map(|c| size[c] < min && event[c] && !blocking[c])
        .collect()
}

/// Moves each node of `movers` to the cluster of `anchors` sharing the longest namespace
/// prefix with it (ties: larger cluster, then lower index).
fn place(nodes: &[&analyzer::Node], assignment: &mut [usize], anchors: &[usize], movers: &[usize]) {
    let Some(index) = prefix_index(nodes, assignment, anchors, movers) else {
        return;
    };
    for &i in movers {
        if let Some((_, c)) = index.place(&namespace::path(nodes[i])) {
            assignment[i] = c;
        }
    }
}

/// Like [`place`], but the movers' current clusters move whole, to the cluster best placed for
/// any of their members — unless their cannot-link tags (per cluster) clash, then they stay.
fn place_groups(
    nodes: &[&analyzer::Node],
    assignment: &mut [usize],
    anchors: &[usize],
    movers: &[usize],
    tags: &mut [Tags],
) {
    let Some(index) = prefix_index(nodes, assignment, anchors, movers) else {
        return;
    };
    let mut best: std::collections::BTreeMap<usize, (usize, usize, usize)> = Default::default();
    for &i in movers {
        if let Some((len, c)) = index.place(&namespace::path(nodes[i])) {
            let cand = (len, index.size(c), usize::MAX - c);
            let slot = best.entry(assignment[i]).or_insert(cand);
            *slot = (*slot).max(cand);
        }
    }
    let mut moves = std::collections::BTreeMap::new();
    for (&from, &(_, _, c)) in &best {
        let to = usize::MAX - c;
        let (a, b) = (tags.get(from), tags.get(to));
        if a.zip(b).is_none_or(|(a, b)| constrain::compatible(a, b)) {
            if let Some(moved) = tags.get_mut(from).map(std::mem::take) {
                tags[to].extend(moved);
            }
            moves.insert(from, to);
        }
    }
    for &i in movers {
        if let Some(&c) = moves.get(&assignment[i]) {
            assignment[i] = c;
        }
    }
}

/// Prefix index of the anchors' clusters, for placing `movers`; `None` when there are no
/// anchors or no movers.
fn prefix_index(
    nodes: &[&analyzer::Node],
    assignment: &[usize],
    anchors: &[usize],
    movers: &[usize],
) -> Option<namespace::PrefixIndex> {
    if movers.is_empty() {
        return None;
    }
    let wanted = namespace::PrefixIndex::keys(movers.iter().map(|&i| namespace::path(nodes[i])));
    let k = anchors.iter().map(|&i| assignment[i] + 1).max()?;
    let mut sizes = vec![0usize; k];
    for &i in anchors {
        sizes[assignment[i]] += 1;
    }
    let members = anchors
        .iter()
        .map(|&i| (namespace::path(nodes[i]), assignment[i]));
    Some(namespace::PrefixIndex::new(members, sizes, Some(&wanted)))
}

/// Renumbers clusters by decreasing size, ties by smallest member position; returns the count.
fn relabel(assignment: &mut [usize]) -> usize {
    let k = assignment.iter().max().map_or(0, |&c| c + 1);
    let mut size = vec![0usize; k];
    let mut first = vec![usize::MAX; k];
    for (i, &c) in assignment.iter().enumerate() {
        size[c] += 1;
        first[c] = first[c].min(i);
    }
    let mut order: Vec<usize> = (0..k).filter(|&c| size[c] > 0).collect();
    order.sort_by_key(|&c| (std::cmp::Reverse(size[c]), first[c]));
    let mut map = vec![0usize; k];
    for (new, &old) in order.iter().enumerate() {
        map[old] = new;
    }
    for c in assignment.iter_mut() {
        *c = map[*c];
    }
    order.len()
}
