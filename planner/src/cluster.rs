//! Clustering: groups the call graph's nodes into candidate services. One run is a list of
//! phases ([`cluster_once`]): weak code (shared code, composition roots, isolated nodes) →
//! couple (coupling graph: calls + module, resource, vocabulary, use-case and co-change
//! affinities) → partition (Leiden under the decisions' constraints) → fit the count (`fit`:
//! exact merge/split, or folding and the feature-package merge) → place isolated nodes by
//! namespace proximity (`place`). A re-plan chooses between a cold run, a warm run and the
//! earlier partition ([`cluster_with`]).

mod concepts;
mod constrain;
mod count;
mod coupling;
mod features;
mod fit;
mod leiden;
mod namespace;
mod place;
mod shared;
#[cfg(test)]
mod tests;
mod vocabulary;

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use analyzer::CallGraph;
use rayon::prelude::*;

use crate::ClusterConfig;
use coupling::Csr;
use fit::{IsolatedNodes, fit_count};
use place::place;

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
    /// Told a number the automatic plan's services were merged into: node position → its
    /// service in the automatic plan (`usize::MAX` for a node it does not place).
    pub automatic: Option<Vec<usize>>,
}

/// Clusters the call graph into services.
///
/// Shared utility code is detected and its calls shrunk; calls (dampened, async scaled down)
/// and module/resource affinities form an undirected coupling graph; Leiden maximises its
/// modularity at resolution `cfg.resolution`. With `cfg.services = Some(N)` clusters are then
/// merged (best modularity gain, a tied cluster only along its ties) or split (sub-Leiden) to
/// exactly N, capped at the node count; otherwise clusters below `cfg.min_service_size` fold
/// into their best neighbour, except small event-triggered clusters tied to the rest only
/// asynchronously (candidate functions). Isolated nodes join the cluster sharing the longest
/// namespace prefix, or, sharing only the application's root, the one closest in words (class
/// by class). Deterministic for a given seed, whatever the thread count. Never panics.
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
                automatic: None,
                ..warm
            };
        }
    }
    if warm_wins { warm } else { cold }
}

/// A re-plan keeps the partition that moves fewer nodes while its modularity stays within this
/// share of the other's.
pub(super) const STABLE_TOLERANCE: f64 = 0.01;

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
///
/// The phases, in order: [`weak_code`] (shared code, composition roots, isolated nodes),
/// [`couple`] (the coupling graph over the clustering units), [`partition`] (Leiden under the
/// constraints), [`fit_count`] (the number of services: exact, or folded and merged by feature),
/// [`place_isolated`] (nodes without calls), [`finish`] (clusters numbered by size, the count's
/// reason).
fn cluster_once(graph: &CallGraph, cfg: &ClusterConfig, cons: &Constraints) -> Clustering {
    let mut run = Run {
        graph,
        nodes: graph.nodes().collect(),
        cfg,
        cons,
        rng: fastrand::Rng::with_seed(cfg.seed),
        steps: crate::steps::Steps::start(),
        notes: Vec::new(),
    };
    let weak = weak_code(&mut run);
    let connected = Connected::new(graph, &weak.isolated, cons);
    let coupled = couple(&mut run, &weak, &connected);
    let labels = partition(&mut run, &coupled, &connected);
    let mut fitted = fit_count(&mut run, &coupled, &connected, &weak, labels);
    place_isolated(
        &mut run,
        &connected,
        &mut fitted.assignment,
        fitted.isolated,
    );
    finish(
        run,
        weak,
        fitted.assignment,
        fitted.reason,
        fitted.automatic,
    )
}

/// What every phase of one clustering run reads, and what it records as it goes.
struct Run<'a> {
    graph: &'a CallGraph,
    /// The graph's nodes by position.
    nodes: Vec<&'a analyzer::Node>,
    cfg: &'a ClusterConfig,
    cons: &'a Constraints,
    /// The run's seeded randomness, drawn by the phases in order.
    rng: fastrand::Rng,
    /// Step timings (`CLEAVE_STEP_TIMES`).
    steps: crate::steps::Steps,
    /// What a reviewer should know, in the order it was found.
    notes: Vec<String>,
}

/// Nodes that should couple weakly, and nodes with no call at all.
struct WeakCode {
    /// Node has no call edge other than self-loops.
    isolated: Vec<bool>,
    /// Node is high fan-in utility code ([`shared::detect`]).
    shared: Vec<bool>,
    /// Node is a composition root: high fan-out wiring such as a `main`.
    roots: Vec<bool>,
    /// Node is shared code or a composition root: both couple weakly.
    weak: Vec<bool>,
}

/// Phase 0: isolated nodes, shared code and composition roots.
///
/// # Complexity
/// O(V + E).
fn weak_code(run: &mut Run<'_>) -> WeakCode {
    let (graph, cfg) = (run.graph, run.cfg);
    let isolated = isolated_nodes(graph);
    let shared = shared::detect(graph, cfg.shared_min_caller_modules);
    run.steps
        .mark(|| "cluster: isolated nodes, shared code".into());
    // Shared code (high fan-in) and composition roots (high fan-out) both couple weakly.
    let roots = shared::composition_roots(graph, cfg.shared_min_caller_modules);
    run.steps.mark(|| "cluster: composition roots".into());
    let weak: Vec<bool> = shared.iter().zip(&roots).map(|(&s, &r)| s || r).collect();
    let root_count = roots.iter().filter(|&&r| r).count();
    if root_count > 0 {
        run.notes.push(format!(
            "{root_count} composition roots (high fan-out wiring such as a main) kept from gluing services together"
        ));
    }
    WeakCode {
        isolated,
        shared,
        roots,
        weak,
    }
}

/// The nodes that are clustered (those with a call, and those a must-link group holds) and the
/// ones that are placed afterwards.
struct Connected {
    /// Node position → its number among the connected nodes; `None` for an isolated node.
    index: Vec<Option<u32>>,
    /// The connected nodes' positions, in order.
    nodes: Vec<usize>,
    /// The other nodes' positions, in order: isolated and in no must-link group.
    isolated: Vec<usize>,
}

impl Connected {
    /// The nodes of `graph` that are clustered: not `isolated`, or grouped by `cons`.
    fn new(graph: &CallGraph, isolated: &[bool], cons: &Constraints) -> Connected {
        let n = graph.node_count();
        let mut index = vec![None; n];
        let mut nodes = Vec::new();
        for i in (0..n).filter(|&i| !isolated[i] || cons.grouped(i)) {
            index[i] = Some(nodes.len() as u32);
            nodes.push(i);
        }
        let isolated = (0..n).filter(|&i| index[i].is_none()).collect();
        Connected {
            index,
            nodes,
            isolated,
        }
    }
}

/// Phase 1's result: what Leiden runs on.
struct Coupled {
    /// The coupling graph over the units: calls, affinities and ties, undirected and weighted.
    coupling: Csr,
    /// The probe's communities of the connected nodes, when a probe ran.
    probe: Option<Vec<usize>>,
    /// The clustering units: connected nodes, each must-link group contracted into one.
    units: constrain::Units,
}

/// Phase 1: the coupling graph. Calls (dampened, shared code shrunk, async scaled) and resource,
/// vocabulary and co-change ties first; with module affinity and declared modules, a probe
/// Leiden run on it weighs each module's tie by how much its members cluster together
/// (docs/ARCHITECTURE.md); then must-link groups are contracted into units.
///
/// # Complexity
/// O((V + E) log V) expected, the probe included.
fn couple(run: &mut Run<'_>, weak: &WeakCode, connected: &Connected) -> Coupled {
    let (graph, cfg, cons) = (run.graph, run.cfg, run.cons);
    let k = connected.nodes.len();
    // The probe weighs module ties (and starts a large graph's final run): without module
    // affinity, or without modules (bare ids), there are no ties, and the final run starts from
    // singletons.
    let modules = connected
        .nodes
        .iter()
        .any(|&i| shared::declared_module(graph.node(i)).is_some());
    // The graph without module ties is built once: the probe's, and the final one's base.
    let (base, calls) = coupling::base(graph, &connected.index, k, &weak.weak, cfg, &cons.cochange);
    run.steps.mark(|| {
        format!(
            "cluster: coupling graph without module ties ({} arcs)",
            base.arcs()
        )
    });
    let probe = (cfg.module_affinity > 0.0 && modules).then(|| {
        let probe = leiden::probe(&base, cfg.resolution, &mut run.rng);
        run.steps.mark(|| "cluster: probe Leiden".into());
        probe
    });
    let coupling = match &probe {
        Some(probe) => coupling::with_module_ties(base, &calls, cfg, probe),
        None => base,
    };
    drop(calls);
    run.steps
        .mark(|| format!("cluster: coupling graph ({} arcs)", coupling.arcs()));
    let units = constrain::units(cons, &connected.nodes);
    let coupling = if units.identity() {
        coupling
    } else {
        leiden::aggregate(&coupling, &units.of, units.count)
    };
    Coupled {
        coupling,
        probe,
        units,
    }
}

/// Phase 2: Leiden's communities of the units, then clusters holding units whose cannot-link
/// tags clash split apart. On a graph under [`leiden::CONSENSUS_MAX_NODES`] units the final run
/// partitions the consensus of [`leiden::CONSENSUS_RUNS`] runs ([`leiden::consensus`]), so that
/// the plan does not hinge on one seed. On a large graph the run starts from the probe's
/// communities (a warm start that refinement can still undo): local moving from singletons over
/// a million nodes costs a third of the plan, and on planted partitions the result is as good
/// (docs/benchmarks.md). Small graphs start from singletons, which matches expert
/// decompositions better. An earlier plan's membership, when given, is the start instead.
///
/// # Complexity
/// O((V + E) log V) expected for Leiden (times [`leiden::CONSENSUS_RUNS`] + 1 on a graph under
/// [`leiden::CONSENSUS_MAX_NODES`] units); O(V + E log E) for the splits.
fn partition(run: &mut Run<'_>, coupled: &Coupled, connected: &Connected) -> Vec<usize> {
    let units = &coupled.units;
    let start = constrain::initial(run.cons, &connected.nodes, units);
    let start = start.as_deref().or_else(|| {
        coupled
            .probe
            .as_deref()
            .filter(|_| units.identity() && connected.nodes.len() >= leiden::LARGE)
    });
    let resolution = run.cfg.resolution;
    // Small graphs: the final run reads the consensus of several seeds' partitions, so that the
    // plan does not hinge on one seed's node order.
    let consensus = (coupled.coupling.n() < leiden::CONSENSUS_MAX_NODES).then(|| {
        let c = leiden::consensus(&coupled.coupling, resolution, run.cfg.seed);
        run.steps
            .mark(|| "cluster: consensus of Leiden runs".into());
        c
    });
    let graph = consensus.as_ref().unwrap_or(&coupled.coupling);
    let mut labels = leiden::leiden_from(graph, resolution, &mut run.rng, start);
    run.steps.mark(|| "cluster: final Leiden".into());
    if run.steps.on() {
        let n = run.graph.node_count();
        let mut a: Vec<usize> = (0..n).map(|i| n + i).collect();
        for (&i, &u) in connected.nodes.iter().zip(&units.of) {
            a[i] = labels[u];
        }
        let k = relabel(&mut a);
        let q = crate::metrics::decomposition_metrics(run.graph, &a, k).modularity;
        crate::steps::note(|| format!("Leiden's {k} clusters: Q {q:.4} on the call graph"));
        run.steps
            .mark(|| "cluster: (measuring that modularity)".into());
    }
    let split = constrain::separate(&coupled.coupling, &mut labels, &units.tags);
    if split > 0 {
        run.notes.push(format!(
            "split {split} clusters to keep named services and [[apart]] groups apart"
        ));
    }
    labels
}

/// Phase 4: the isolated nodes placed, as [`fit_count`] decided: into the cluster sharing the
/// longest namespace prefix (or, sharing only the application's root, the one closest in
/// words), or into clusters of their own by namespace.
///
/// # Complexity
/// O((V + I) · d) for I isolated nodes and namespace depth d; when some share only the root,
/// plus O(Σ |id| log |id|) over the nodes to read their words.
fn place_isolated(
    run: &mut Run<'_>,
    connected: &Connected,
    assignment: &mut [usize],
    how: IsolatedNodes,
) {
    match how {
        IsolatedNodes::Join => place(
            &run.nodes,
            assignment,
            &connected.nodes,
            &connected.isolated,
        ),
        IsolatedNodes::Group { groups, first } => {
            let grouped = namespace::group(&run.nodes, &connected.isolated, groups);
            for (&i, &g) in connected.isolated.iter().zip(&grouped) {
                assignment[i] = first + g;
            }
        }
    }
    run.steps.mark(|| "cluster: place isolated nodes".into());
    if !connected.isolated.is_empty() && !connected.nodes.is_empty() {
        run.notes.push(format!(
            "{} nodes have no call edge: placed by namespace proximity",
            connected.isolated.len()
        ));
    }
}

/// Phase 5: the clusters numbered by decreasing size, and the clustering with the count's
/// reason in a sentence.
///
/// # Complexity
/// O(V + K log K).
fn finish(
    run: Run<'_>,
    weak: WeakCode,
    mut assignment: Vec<usize>,
    mut reason: crate::ServiceCount,
    automatic: Option<Vec<usize>>,
) -> Clustering {
    let count = relabel(&mut assignment);
    if run.steps.on() {
        let q = crate::metrics::decomposition_metrics(run.graph, &assignment, count).modularity;
        crate::steps::note(|| format!("final {count} clusters: Q {q:.4} on the call graph"));
    }
    reason.services = count;
    reason.reason = count_sentence(&reason, run.cfg.resolution);
    Clustering {
        assignment,
        count,
        shared: weak.shared,
        isolated: weak.isolated,
        roots: weak.roots,
        notes: run.notes,
        count_reason: reason,
        automatic,
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
    let steps: [(usize, &str); 5] = [
        (
            r.folded,
            "too small to stand alone folded into their best neighbour",
        ),
        (
            r.merged_by_feature,
            "merged into the cohesive top-level package (feature) most of their members share",
        ),
        (
            r.merged_by_concept,
            "merged into a cluster whose classes are named for the same business concepts",
        ),
        (
            r.merged_by_gain,
            "merged into a neighbour while that raised modularity",
        ),
        (
            r.folded_fragments,
            "under a fifth of the mean service size folded into the neighbour each is most tied to",
        ),
    ];
    for (n, what) in steps {
        if n > 0 {
            out.push_str(&format!(", {n} {what}"));
        }
    }
    match (r.requested, r.automatic) {
        (Some(want), Some(found)) if found > want => {
            out.push_str(&format!(
                ", then the automatic plan's {found} services merged whole into the {want} asked: the grouping of highest modularity on the calls whose services are tied by calls"
            ));
            if let Some(d) = r.dependencies.filter(|d| d.plan < d.most_modular) {
                out.push_str(&format!(
                    ", then among the groupings as modular within {} %, one with fewer dependencies between services ({} instead of {})",
                    STABLE_TOLERANCE * 100.0,
                    d.plan,
                    d.most_modular
                ));
            }
        }
        (Some(want), Some(found)) if found < want => out.push_str(&format!(
            ", then the automatic plan's {found} services split into the {want} asked: each time the service whose best two-way cut gains most modularity"
        )),
        (Some(_), Some(_)) => {
            out.push_str(", as many as the automatic plan's services");
        }
        (Some(_), None) => {
            // Asked for more than the units of code with calls (or there are none).
            out.push_str(", each unit of code with calls a service of its own and the code without calls grouped by namespace to make up the number");
        }
        (None, _) => {}
    }
    out.push_str(&format!("; {} services", r.services));
    out
}

/// Nodes with no call edge other than self-loops.
fn isolated_nodes(graph: &CallGraph) -> Vec<bool> {
    let linked: Vec<AtomicBool> = (0..graph.node_count())
        .map(|_| AtomicBool::new(false))
        .collect();
    graph.par_edges().for_each(|(f, t, _)| {
        // Read before writing: a node with many calls is marked once, not written (and its
        // cache line taken from the other threads) at every call.
        if f != t {
            for end in [f, t] {
                if !linked[end].load(Relaxed) {
                    linked[end].store(true, Relaxed);
                }
            }
        }
    });
    linked.into_iter().map(|l| !l.into_inner()).collect()
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
