//! Phase 3 of a clustering run: fitting the number of services — exactly the number asked for,
//! or automatically: small clusters folded, candidate functions kept apart, the clusters of one
//! feature package merged.

use std::collections::BTreeSet;

use analyzer::CallGraph;
use rayon::prelude::*;

use super::coupling::Csr;
use super::place::{place, place_groups};
use super::{
    Connected, Coupled, Run, Tags, WeakCode, concepts, constrain, count, coupling, features, leiden,
};

/// A cluster under the mean service size divided by this is a fragment (automatic mode).
const FRAGMENT_SHARE: usize = 5;

/// How the isolated nodes are placed once the count is fitted.
pub(super) enum IsolatedNodes {
    /// Into the clusters of the connected nodes, by namespace proximity ([`place`](super::place::place)).
    Join,
    /// Into clusters of their own, grouped by namespace: `groups` of them (`None`: as the
    /// namespaces fall), numbered from `first`.
    Group {
        /// How many groups (`None`: as the namespaces fall).
        groups: Option<usize>,
        /// The first group's cluster number.
        first: usize,
    },
}

/// Phase 3's result.
pub(super) struct Fitted {
    /// Node position → cluster, for the connected nodes (isolated ones are placed next).
    pub(super) assignment: Vec<usize>,
    /// How the isolated nodes are to be placed.
    pub(super) isolated: IsolatedNodes,
    /// How the count was reached, so far.
    pub(super) reason: crate::ServiceCount,
    /// Told a number the automatic plan's services were merged into: node position → its
    /// automatic service, the isolated nodes placed as the automatic plan places them.
    pub(super) automatic: Option<Vec<usize>>,
}

/// Phase 3: the number of services. With `services = N` (capped at the node count): every unit
/// its own cluster and the isolated nodes grouped when N exceeds the units, else exactly N
/// ([`exact_count`]); without, small clusters folded and feature packages merged
/// ([`automatic_count`]).
///
/// # Complexity
/// As [`exact_count`] or [`automatic_count`].
pub(super) fn fit_count(
    run: &mut Run<'_>,
    coupled: &Coupled,
    connected: &Connected,
    weak: &WeakCode,
    labels: Vec<usize>,
) -> Fitted {
    let n = run.graph.node_count();
    let mut reason = crate::ServiceCount {
        requested: run.cfg.services,
        found: labels.iter().max().map_or(0, |&c| c + 1),
        ..Default::default()
    };
    let target = run.cfg.services.map(|want| {
        if want > n {
            run.notes.push(format!(
                "asked for {want} services but the graph has {n} nodes: made {n}"
            ));
        } else if want == 0 && n > 0 {
            run.notes.push("asked for 0 services: made 1".to_string());
        }
        want.clamp(n.min(1), n)
    });
    let mut assignment = vec![0usize; n];
    let mut automatic = None;
    let units = &coupled.units;
    let isolated = match target {
        _ if connected.nodes.is_empty() => IsolatedNodes::Group {
            groups: target,
            first: 0,
        },
        Some(t) if t > units.count => {
            for (&i, &u) in connected.nodes.iter().zip(&units.of) {
                assignment[i] = u;
            }
            IsolatedNodes::Group {
                groups: Some(t - units.count),
                first: units.count,
            }
        }
        Some(t) => {
            let (labels, services) =
                exact_count(run, coupled, connected, weak, &labels, t, &mut reason);
            assign(&mut assignment, connected, units, &labels);
            // The isolated nodes where the automatic plan puts them.
            let mut of = vec![usize::MAX; n];
            assign(&mut of, connected, units, &services);
            place(&run.nodes, &mut of, &connected.nodes, &connected.isolated);
            automatic = Some(of);
            IsolatedNodes::Join
        }
        None => {
            automatic_count(
                run,
                coupled,
                connected,
                weak,
                &labels,
                &mut reason,
                &mut assignment,
            );
            IsolatedNodes::Join
        }
    };
    Fitted {
        assignment,
        isolated,
        reason,
        automatic,
    }
}

/// Each unit's cluster in the connected nodes' `assignment` (a unit's members share one).
fn unit_labels(
    connected: &Connected,
    units: &constrain::Units,
    assignment: &[usize],
) -> Vec<usize> {
    let mut labels = vec![usize::MAX; units.count];
    for (&i, &u) in connected.nodes.iter().zip(&units.of) {
        if labels[u] == usize::MAX {
            labels[u] = assignment[i];
        }
    }
    labels
}

/// Sets the cluster of every connected node from its unit's `labels`.
fn assign(
    assignment: &mut [usize],
    connected: &Connected,
    units: &constrain::Units,
    labels: &[usize],
) {
    for (&i, &u) in connected.nodes.iter().zip(&units.of) {
        assignment[i] = labels[u];
    }
}

/// Exactly `t` clusters of the units, and the automatic plan's services they come from (unit →
/// service). The automatic mode ([`automatic_count`]) draws its services first: its boundaries
/// are the tool's best evidence, and a plan told a number a reviewer can set beside the
/// automatic one. When it finds at least `t`, its services merge whole into `t` groups: the
/// grouping of highest modularity on the calls ([`calls_between_units`]) whose groups are tied
/// by calls, greedy merges refined by Kernighan–Lin passes ([`count::merge_to_refined`]). When
/// it finds fewer, its services split, each time the one whose best two-way cut (a sub-Leiden
/// run on the coupling) gains most modularity ([`count::split_to`]).
///
/// # Complexity
/// [`automatic_count`]'s, plus [`count::merge_to_refined`]'s or the sub-Leiden runs of the
/// splits.
fn exact_count(
    run: &mut Run<'_>,
    coupled: &Coupled,
    connected: &Connected,
    weak: &WeakCode,
    labels: &[usize],
    t: usize,
    reason: &mut crate::ServiceCount,
) -> (Vec<usize>, Vec<usize>) {
    let (cfg, units) = (run.cfg, &coupled.units);
    let mut automatic = crate::ServiceCount {
        found: reason.found,
        ..Default::default()
    };
    let mut trial = vec![0usize; run.graph.node_count()];
    automatic_count(
        run,
        coupled,
        connected,
        weak,
        labels,
        &mut automatic,
        &mut trial,
    );
    let mut services = unit_labels(connected, units, &trial);
    let count = leiden::renumber(&mut services);
    // The count's sentence says how they were merged or split (`count_sentence`).
    *reason = crate::ServiceCount {
        requested: reason.requested,
        automatic: Some(count),
        ..automatic
    };
    let fitted = if count >= t {
        let calls = calls_between_units(run.graph, connected, units);
        let arcs = arcs_between(run.graph, connected, units, &services);
        let refined =
            count::merge_to_refined(&calls, &services, t, cfg.resolution, &units.tags, &arcs);
        reason.dependencies = refined
            .dependencies
            .map(|(most_modular, plan)| crate::Dependencies { most_modular, plan });
        refined.labels
    } else {
        count::split_to(
            &coupled.coupling,
            &services,
            t,
            cfg.resolution,
            &mut run.rng,
        )
    };
    (fitted, services)
}

/// The ordered pairs of `services` (unit → service) with a call from the first to the second,
/// each once, in order.
///
/// # Complexity
/// O(E log E).
fn arcs_between(
    graph: &CallGraph,
    connected: &Connected,
    units: &constrain::Units,
    services: &[usize],
) -> Vec<(usize, usize)> {
    let of = |p: usize| connected.index[p].map(|i| services[units.of[i as usize]]);
    let mut arcs: Vec<(usize, usize)> = graph
        .edges()
        .filter_map(|(f, t, _)| Some((of(f)?, of(t)?)))
        .filter(|(a, b)| a != b)
        .collect();
    arcs.sort_unstable();
    arcs.dedup();
    arcs
}

/// The call graph over the clustering units, undirected, each call's weight dampened as in the
/// coupling ([`coupling::dampen`]), calls inside a unit its inner weight.
///
/// # Complexity
/// O(V + E log d).
fn calls_between_units(graph: &CallGraph, connected: &Connected, units: &constrain::Units) -> Csr {
    let mut edges = Vec::new();
    let mut inner = vec![0.0; units.count];
    for (f, t, call) in graph.edges() {
        let (Some(a), Some(b)) = (connected.index[f], connected.index[t]) else {
            continue;
        };
        let (a, b) = (units.of[a as usize], units.of[b as usize]);
        let w = coupling::dampen(call.weight);
        if a == b {
            if f != t {
                inner[a] += w;
            }
        } else {
            edges.push((a as u32, b as u32, w));
        }
    }
    Csr::from_edges(units.count, &edges, inner)
}

/// The automatic count: small clusters fold into their best neighbour, except candidate
/// functions ([`candidate_functions`]); clusters left without a neighbour move whole to the
/// cluster of the nearest namespace, unless they share no package below the application's root
/// with any (then nothing says where they belong, and they stay services of their own); then
/// the clusters of one cohesive feature package merge ([`merge_features`]). Sets `assignment`
/// of the connected nodes.
///
/// # Complexity
/// O(V + E + K log K) besides the folds ([`count::fold_small`]).
fn automatic_count(
    run: &mut Run<'_>,
    coupled: &Coupled,
    connected: &Connected,
    weak: &WeakCode,
    labels: &[usize],
    reason: &mut crate::ServiceCount,
    assignment: &mut [usize],
) {
    let (cfg, units) = (run.cfg, &coupled.units);
    let min = cfg.min_service_size;
    let per_node: Vec<usize> = units.of.iter().map(|&u| labels[u]).collect();
    let keep = candidate_functions(run.graph, &connected.index, &per_node, &weak.weak, min);
    let kept = keep.iter().filter(|&&x| x).count();
    if kept > 0 {
        run.notes.push(format!(
            "kept {kept} small event-triggered clusters apart: candidate functions"
        ));
    }
    let frozen: Vec<bool> = per_node
        .iter()
        .map(|&l| keep.get(l) == Some(&true))
        .collect();
    run.steps.mark(|| "cluster: candidate functions".into());
    let (folded, lonely) = count::fold_small(
        &coupled.coupling,
        labels,
        count::Small {
            below: min,
            by: count::FoldBy::Gain,
        },
        &keep,
        cfg.resolution,
        &units.tags,
        &units.sizes(),
    );
    run.steps.mark(|| "cluster: fold small clusters".into());
    reason.folded = reason.found.saturating_sub(lonely.len());
    assign(assignment, connected, units, &folded);
    if lonely.iter().any(|&l| !l) {
        let (anchored, loose): (Vec<usize>, Vec<usize>) = connected
            .nodes
            .iter()
            .partition(|&&i| !lonely[assignment[i]]);
        let mut cluster_tags = tags_by_cluster(
            &units.tags,
            &units.of,
            &connected.nodes,
            assignment,
            lonely.len(),
        );
        let apart = place_groups(&run.nodes, assignment, &anchored, &loose, &mut cluster_tags);
        if apart > 0 {
            run.notes.push(format!(
                "kept {apart} small clusters apart that no call ties to another and that share no package with one (below the application's root)"
            ));
        }
    }
    run.steps.mark(|| "cluster: place lonely clusters".into());
    if cfg.feature_merge {
        let n = run.graph.node_count();
        let cluster_tags = tags_by_cluster(&units.tags, &units.of, &connected.nodes, assignment, n);
        let free = units.identity() && units.tags.is_empty();
        let FeatureMerge { merged, returned } = merge_features(
            run.graph,
            &run.nodes,
            assignment,
            &connected.nodes,
            &weak.weak,
            Held {
                frozen: &frozen,
                cluster_tags: &cluster_tags,
                free,
            },
        );
        reason.merged_by_feature = merged;
        note_returned(&mut run.notes, returned);
        if merged > 0 {
            run.notes.push(format!(
                "merged {merged} clusters into the feature package (a cohesive top-level namespace) most of their members share: parts of one capability"
            ));
        }
    }
    run.steps.mark(|| "cluster: feature merge".into());
    if cfg.concept_merge && units.tags.is_empty() {
        let k = assignment.iter().max().map_or(0, |&c| c + 1);
        let mut held = vec![false; k];
        for (j, &i) in connected.nodes.iter().enumerate() {
            held[assignment[i]] |= frozen.get(j) == Some(&true);
        }
        let step = by_concepts(run, connected, units, assignment, &held);
        reason.merged_by_concept = step.merged;
        note_concepts(&mut run.notes, &step);
        run.steps.mark(|| "cluster: concepts".into());
        // Where classes moved or clusters merged, the partition is no longer Leiden's: two
        // clusters can be tied above chance (they merge while that raises modularity), and what
        // a class left behind can be a fragment. Elsewhere Leiden's folded partition stands.
        if !step.moved.is_empty() || step.merged > 0 {
            tidy(run, coupled, connected, &held, reason, assignment);
        }
        run.steps
            .mark(|| "cluster: merges by modularity gain".into());
    }
}

/// After the concept step (automatic mode): the merges while modularity gains
/// ([`count::merge_gaining`]) and the fold of fragments, clusters under a fifth of the mean
/// service size ([`FRAGMENT_SHARE`]), into the neighbour each is most tied to. `held` marks the
/// candidate functions' clusters.
fn tidy(
    run: &mut Run<'_>,
    coupled: &Coupled,
    connected: &Connected,
    held: &[bool],
    reason: &mut crate::ServiceCount,
    assignment: &mut [usize],
) {
    let (cfg, units) = (run.cfg, &coupled.units);
    let mut labels = unit_labels(connected, units, assignment);
    let mut unit_held = vec![false; units.count];
    for (&i, &u) in connected.nodes.iter().zip(&units.of) {
        unit_held[u] |= held.get(assignment[i]).copied().unwrap_or(false);
    }
    let k = leiden::renumber(&mut labels);
    let mut held_by_label = vec![false; k];
    for (u, &l) in labels.iter().enumerate() {
        held_by_label[l] |= unit_held[u];
    }
    let merged = count::merge_gaining(&coupled.coupling, &labels, cfg.resolution, &held_by_label);
    let gained = k - merged.iter().max().map_or(0, |&c| c + 1);
    reason.merged_by_gain = gained;
    if gained > 0 {
        run.notes.push(format!(
            "merged {gained} clusters into a neighbour they are tied to more than chance expects (modularity gain)"
        ));
    }
    // A cluster under a fifth of the mean service size is a fragment, not a service (a
    // sequence generator, a base class): it folds into the neighbour it is most tied to
    // (`FoldBy::Tie`). Candidate functions stay.
    let k = merged.iter().max().map_or(0, |&c| c + 1);
    let mut keep = vec![false; k];
    for (u, &l) in merged.iter().enumerate() {
        keep[l] |= unit_held[u];
    }
    let fragment = connected.nodes.len() / (FRAGMENT_SHARE * k.max(1));
    let (merged, _) = count::fold_small(
        &coupled.coupling,
        &merged,
        count::Small {
            below: fragment.max(cfg.min_service_size),
            by: count::FoldBy::Tie,
        },
        &keep,
        cfg.resolution,
        &units.tags,
        &units.sizes(),
    );
    reason.folded_fragments = k - merged.iter().max().map_or(0, |&c| c + 1);
    if reason.folded_fragments > 0 {
        run.notes.push(format!(
            "folded {} clusters under a fifth of the mean service size into the neighbour each is most tied to: fragments, not services",
            reason.folded_fragments
        ));
    }
    assign(assignment, connected, units, &merged);
}

/// Classes a note names among those the concept step moved.
const NAMED_MOVES: usize = 8;

/// What [`by_concepts`] did.
#[derive(Default)]
struct ConceptStep {
    /// Classes (modules) moved to the cluster of their concept, in order.
    moved: Vec<String>,
    /// Clusters merged into another of the same concepts.
    merged: usize,
}

/// The concept step ([`concepts`]) on the connected nodes' `assignment`: classes move to the
/// cluster their name's concept belongs to (only when no decision groups nodes: a class moves
/// whole), then clusters of the same concepts merge while more than one remains. `held`
/// clusters (by number) neither give, take nor merge.
fn by_concepts(
    run: &Run<'_>,
    connected: &Connected,
    units: &constrain::Units,
    assignment: &mut [usize],
    held: &[bool],
) -> ConceptStep {
    if concepts::clusters_to_read(assignment, &connected.nodes).is_none() {
        return ConceptStep::default();
    }
    let classes = concepts::Classes::new(&run.nodes, &connected.nodes);
    let moved = if units.identity() {
        concepts::relocate_classes(&classes, assignment, &connected.nodes, held)
    } else {
        Vec::new()
    };
    let merged = concepts::merge_concepts(&classes, assignment, &connected.nodes, held, 1);
    ConceptStep { moved, merged }
}

/// The plan's notes on what [`by_concepts`] did, if anything.
fn note_concepts(notes: &mut Vec<String>, step: &ConceptStep) {
    if !step.moved.is_empty() {
        // The first few by name, so a reviewer can check them (`cleave explain` shows where).
        let shown: Vec<&str> = step
            .moved
            .iter()
            .take(NAMED_MOVES)
            .map(|m| m.rsplit(['.', ':', '/']).next().unwrap_or(m))
            .collect();
        let more = step.moved.len().saturating_sub(NAMED_MOVES);
        let rest = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        notes.push(format!(
            "moved {} classes to the cluster their name's business concept belongs to: {}{rest}",
            step.moved.len(),
            shown.join(", ")
        ));
    }
    if step.merged > 0 {
        notes.push(format!(
            "merged {} clusters into clusters whose classes are named for the same business concepts",
            step.merged
        ));
    }
}

/// The plan's note on the nodes [`merge_features`] returned to their own feature, if any.
fn note_returned(notes: &mut Vec<String>, returned: usize) {
    if returned > 0 {
        notes.push(format!(
            "returned {returned} nodes of a cohesive top-level package to its service from clusters lying mostly in another package"
        ));
    }
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
    // Only a small event-triggered cluster can be one: without any, the calls are not read.
    if !(0..k).any(|c| size[c] < min && event[c]) {
        return vec![false; k];
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

/// What [`merge_features`] did.
#[derive(Default)]
struct FeatureMerge {
    /// Clusters merged away into the feature most of their members share.
    merged: usize,
    /// Nodes of one cohesive feature returned to it from a cluster lying mostly in another.
    returned: usize,
}

/// What holds clusters and nodes in place during [`merge_features`].
struct Held<'a> {
    /// Connected node (by connected order) in a candidate function's cluster (empty: none).
    frozen: &'a [bool],
    /// Cannot-link tags of each cluster (empty: none).
    cluster_tags: &'a [Tags],
    /// No must-link unit and no cannot-link tag: nodes may move one by one.
    free: bool,
}

/// Merges the clusters (of the `connected` nodes' `assignment`) that lie mostly inside one
/// cohesive feature package ([`features`]) into one, unless they hold a candidate function
/// (`held.frozen`) or their cannot-link tags (`held.cluster_tags`) clash.
///
/// A capability takes its own parts, not another's: the members of a cluster lying mostly in
/// feature f that belong to another cohesive feature g (which has a cluster of its own) join
/// g's cluster instead of following the cluster into f, unless the rest of f's cluster calls
/// them. Leiden's clusters straddle two capabilities where a rare shared word or a few calls
/// out tie them, and the package, a capability by its cohesion, is the better evidence for
/// its members; but code that f's code calls is on f's use cases (Mono2Micro's partitioning
/// by the use cases reaching a class), and returning it would put a synchronous call from f
/// into g on them. Only when `held.free`.
///
/// # Complexity
/// O(V + E + K log K) for K clusters (the returning members' callers read once more).
fn merge_features(
    graph: &CallGraph,
    nodes: &[&analyzer::Node],
    assignment: &mut [usize],
    connected: &[usize],
    weak: &[bool],
    held_by: Held<'_>,
) -> FeatureMerge {
    let Held {
        frozen,
        cluster_tags,
        free,
    } = held_by;
    let (feature, count, layer) = features::features(nodes);
    if count < 2 {
        return FeatureMerge::default();
    }
    let mut cohesive = features::cohesive(graph, &feature, count, weak);
    for (c, l) in cohesive.iter_mut().zip(&layer) {
        *c &= !l;
    }
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
    // The members of another cohesive feature (with a cluster of its own) in a cluster lying
    // mostly in one: where they would return to, by node position.
    let mut home: Vec<Option<usize>> = vec![None; assignment.len()];
    if free {
        for &i in connected {
            let c = assignment[i];
            if let (Some(f), Some(g)) = (dominant[c], feature[i])
                && !held[c]
                && g != f
                && cohesive[g]
            {
                home[i] = first[g];
            }
        }
    }
    // A piece (cluster, feature) that the rest of its merged cluster calls is on that
    // cluster's use cases, and stays. Calls from weak code do not count.
    let mut called: BTreeSet<(usize, Option<usize>)> = BTreeSet::new();
    for &t in connected.iter().filter(|&&t| home[t].is_some()) {
        let ct = assignment[t];
        for (f, _) in graph.callers(t) {
            let cf = assignment[f];
            if f != t && !weak[f] && into[cf] == into[ct] && (cf != ct || feature[f] != feature[t])
            {
                called.insert((ct, feature[t]));
            }
        }
    }
    let mut returned = 0;
    for &i in connected {
        let c = assignment[i];
        assignment[i] = match home[i] {
            Some(d) if !called.contains(&(c, feature[i])) => {
                returned += 1;
                d
            }
            _ => into[c],
        };
    }
    FeatureMerge { merged, returned }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Nodes `p.{package}.C{class}.m{i}` with calls inside each package (both cohesive), and
    /// the `extra` calls.
    fn sample(extra: &[(usize, usize)]) -> CallGraph {
        let ids = [
            ("a", 1, 0),
            ("a", 1, 1),
            ("a", 2, 0),
            ("a", 2, 1),
            ("a", 3, 0),
            ("b", 1, 0),
            ("b", 1, 1),
            ("b", 2, 0),
        ];
        let nodes = ids
            .iter()
            .map(|&(p, c, m)| analyzer::Node {
                id: format!("p.{p}.C{c}.m{m}"),
                module: Some(format!("p.{p}.C{c}")),
                ..analyzer::Node::default()
            })
            .collect();
        let call = |f, t| (f, t, analyzer::Call::new(1.0, false));
        let mut edges = vec![
            call(0, 1),
            call(1, 2),
            call(2, 3),
            call(3, 4),
            call(5, 6),
            call(6, 7),
            call(7, 5),
        ];
        edges.extend(extra.iter().map(|&(f, t)| call(f, t)));
        CallGraph::from_parts(nodes, edges)
    }

    /// [`merge_features`] of the 8 nodes of [`sample`] from `start`, all connected, with `weak`
    /// code and nodes free to move or not: (clusters merged, nodes returned, assignment).
    fn merged(
        g: &CallGraph,
        start: &[usize],
        weak: &[bool],
        free: bool,
    ) -> (usize, usize, Vec<usize>) {
        let nodes: Vec<&analyzer::Node> = g.nodes().collect();
        let connected: Vec<usize> = (0..8).collect();
        let mut assignment = start.to_vec();
        let held = Held {
            frozen: &[],
            cluster_tags: &[],
            free,
        };
        let done = merge_features(g, &nodes, &mut assignment, &connected, weak, held);
        (done.merged, done.returned, assignment)
    }

    #[test]
    fn a_feature_takes_its_own_parts_and_returns_another_features_members() {
        let g = sample(&[]);
        // Cluster 0: three of a and b's C2; cluster 1: the rest of b; cluster 2: the rest of a.
        let start = [0, 0, 0, 2, 2, 1, 1, 0];
        assert_eq!(
            merged(&g, &start, &[false; 8], true),
            (1, 1, vec![0, 0, 0, 0, 0, 1, 1, 1])
        );
        // Not free (must-link units or cannot-link tags): b's C2 follows its cluster.
        assert_eq!(
            merged(&g, &start, &[false; 8], false),
            (1, 0, vec![0, 0, 0, 0, 0, 1, 1, 0])
        );
    }

    #[test]
    fn members_that_their_cluster_calls_stay_on_its_use_cases() {
        // a's C1 calls b's C2 (node 7) in their cluster: C2 is on a's use cases.
        let g = sample(&[(1, 7)]);
        let start = [0, 0, 0, 2, 2, 1, 1, 0];
        assert_eq!(
            merged(&g, &start, &[false; 8], true),
            (1, 0, vec![0, 0, 0, 0, 0, 1, 1, 0])
        );
        // A call from weak code (shared, a composition root) does not hold it.
        let mut weak = [false; 8];
        weak[1] = true;
        let (_, returned, assignment) = merged(&g, &start, &weak, true);
        assert_eq!(returned, 1);
        assert_eq!(assignment[7], 1);
    }
}
