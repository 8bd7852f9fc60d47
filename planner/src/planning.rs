//! `plan()`: the whole pipeline from a call graph to a [`Plan`], as phases run in order, each a
//! function returning what it found as a named struct:
//!
//! 1. [`constrain`]: the decisions applied (excluded nodes dropped, pins, together/apart), the
//!    earlier plan's membership as a warm start, the history's co-change ties;
//! 2. [`cluster_phase`]: nodes grouped into services ([`cluster_with`]);
//! 3. [`index_graph`]: the calls per node and the module numbers, built once;
//! 4. [`gather_facts`]: traffic (rates, reachability), structure (metrics, suggested names) and
//!    shared code, side by side;
//! 5. [`identify_services`]: ids and names, kept from the earlier plan where membership persists;
//! 6. [`build_sections`]: every service labelled, the calls between services, shared code and
//!    the lists of nodes (`sections`), side by side;
//! 7. [`assemble`]: the plan, with its costs, data stores and notes.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use analyzer::CallGraph;
use rayon::prelude::*;

use crate::Error;
use crate::calls::Calls;
use crate::cluster::{Clustering, cluster_with};
use crate::config::Config;
use crate::decisions::{self, Applied, DecisionError};
use crate::history::{FileTie, History, file_ties};
use crate::identity::{identify, warm_start};
use crate::label::{Flow, GraphFacts, ServiceFacts, flow, label_service, reachable_hints};
use crate::metrics::measure;
use crate::modules::Modules;
use crate::naming::{Lineage, service_names};
use crate::plan::*;

mod sections;

pub(crate) use sections::round;
use sections::{
    NodeLists, ServiceHead, SharedCallers, cross_calls, data_stores, node_lists, service,
    shared_callers, shared_code, widen_shared,
};

/// Plans the decomposition of `graph`: services, labels with costs and reasons, metrics.
///
/// Deterministic: the same graph and config give the same plan, whatever the thread count.
///
/// # Complexity
/// Dominated by clustering, O((V + E) log V) in practice.
pub fn plan(graph: &CallGraph, config: &Config) -> Result<Plan, Error> {
    plan_with(graph, config, None).map(|(plan, _)| plan)
}

/// Wall time of the planner's phases.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Clustering (coupling graph, Leiden, service count).
    pub cluster: Duration,
    /// Everything after clustering: shared code widened, labelling, costs, metrics and naming.
    pub label: Duration,
}

/// [`plan`] under the decisions of `config` (docs/decisions.md), starting from an earlier plan's
/// membership and keeping the ids and names of its services where their membership mostly
/// persists (Jaccard ≥ 0.5), and timing the phases.
///
/// A decision that cannot be honoured is an error saying why.
pub fn plan_with(
    graph: &CallGraph,
    config: &Config,
    previous: Option<&Plan>,
) -> Result<(Plan, Timings), Error> {
    plan_with_history(graph, config, previous, None)
}

/// [`plan_with`] with the repository's history: nodes of files that change together are tied
/// ([`History`], `clustering.history_affinity`), and a note says how many pairs tied nodes.
pub fn plan_with_history(
    graph: &CallGraph,
    config: &Config,
    previous: Option<&Plan>,
    history: Option<&History>,
) -> Result<(Plan, Timings), Error> {
    if graph.node_count() == 0 {
        return Err(Error::EmptyGraph);
    }
    config.validate()?;
    let started = Instant::now();
    let Applied {
        graph: planned,
        constraints,
        pinned,
        report,
        ..
    } = constrain(graph, config, previous, history)?;
    let graph: &CallGraph = &planned;
    let clustering = cluster_phase(graph, config, &constraints, history)?;
    let clustered = Instant::now();
    let plan = plan_clustered(graph, config, previous, &clustering, &pinned, report)?;
    let timings = Timings {
        cluster: clustered - started,
        label: clustered.elapsed(),
    };
    Ok((plan, timings))
}

/// Phase 1: the decisions of `config` applied to `graph` (excluded nodes dropped, pinned nodes,
/// must-link and cannot-link constraints), plus the earlier plan's membership as a warm start
/// and the co-change ties of the history. A decision that cannot be honoured is an error.
///
/// # Complexity
/// O(V + E) plus the decisions' pattern matching and the history's ties.
fn constrain<'g>(
    graph: &'g CallGraph,
    config: &Config,
    previous: Option<&Plan>,
    history: Option<&History>,
) -> Result<Applied<'g>, Error> {
    let mut applied = decisions::apply(graph, config)?;
    decisions::check_count(&applied, config.clustering.services)?;
    if let Some(p) = previous {
        applied.constraints.warm = warm_start(&applied.graph, p);
    }
    if let Some(h) = history {
        applied.constraints.cochange = file_ties(&applied.graph, h);
    }
    Ok(applied)
}

/// Phase 2: the nodes grouped into services under the constraints ([`cluster_with`]), with a
/// note on what the history contributed; an error when named services and `[[apart]]` groups
/// leave more services than `--services` asks for.
///
/// # Complexity
/// That of [`cluster_with`].
fn cluster_phase(
    graph: &CallGraph,
    config: &Config,
    constraints: &crate::cluster::Constraints,
    history: Option<&History>,
) -> Result<Clustering, Error> {
    let mut clustering = cluster_with(graph, &config.clustering, constraints);
    if let Some(h) = history {
        clustering
            .notes
            .push(history_note(h, &constraints.cochange, config));
    }
    if let Some(wanted) = config.clustering.services
        && clustering.count > wanted.min(graph.node_count())
    {
        return Err(DecisionError::TooFewServices {
            wanted,
            needed: clustering.count,
            why: "named services and [[apart]] groups could not be merged into fewer without putting two of them together".to_string(),
        }
        .into());
    }
    Ok(clustering)
}

/// Phases 3 to 7, everything after clustering: the graph indexed, facts gathered, services
/// identified, the plan's sections built and assembled.
///
/// Independent work runs side by side (within [`gather_facts`] and [`build_sections`]), each
/// piece computing exactly what it would alone, so the plan does not depend on the thread count.
///
/// # Complexity
/// O(V + E) expected, plus sorts of per-service and per-node lists: O((V + E) log V) at most.
fn plan_clustered(
    graph: &CallGraph,
    config: &Config,
    previous: Option<&Plan>,
    clustering: &Clustering,
    pinned: &[Option<usize>],
    report: Option<DecisionsReport>,
) -> Result<Plan, Error> {
    let index = index_graph(graph);
    let members = members_of(clustering);
    let Facts {
        traffic,
        structure,
        shared,
    } = gather_facts(graph, &index, config, clustering, &members);
    // Told a number, each service is named for the largest automatic service it holds, unless
    // that one was split.
    let lineage = clustering.automatic.as_deref().and_then(|automatic| {
        Lineage::new(graph, &index.modules, automatic, &clustering.assignment)
    });
    let names = match &lineage {
        Some(m) => m.rename(structure.names),
        None => structure.names,
    };
    let identity = identify_services(graph, config, previous, clustering, pinned, &members, names);
    let sections = build_sections(
        graph,
        &Inputs {
            index: &index,
            config,
            clustering,
            members: &members,
            traffic: &traffic,
            service_metrics: &structure.services,
            identity: &identity,
        },
        shared,
    )?;
    Ok(assemble(
        graph,
        config,
        clustering,
        &index.modules,
        structure.metrics,
        identity,
        sections,
        report,
        lineage.as_ref(),
    ))
}

/// Runs three independent phases side by side and returns their results in order. Each
/// computes what it would alone, so the results do not depend on the thread count.
fn join3<A: Send, B: Send, C: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
    c: impl FnOnce() -> C + Send,
) -> (A, B, C) {
    let (a, (b, c)) = rayon::join(a, || rayon::join(b, c));
    (a, b, c)
}

/// Phase 3's result: the graph indexed once for the phases after clustering.
struct Index<'g> {
    /// The calls made and received per node ([`Calls`]).
    calls: Calls<'g>,
    /// Every node's module path, numbered ([`Modules`]).
    modules: Modules<'g>,
}

/// Phase 3: the calls per node and the module numbers, built side by side.
///
/// # Complexity
/// O(V + E) for the calls, O(V log V) for the modules.
fn index_graph(graph: &CallGraph) -> Index<'_> {
    let (calls, modules) = rayon::join(|| Calls::new(graph), || Modules::new(graph));
    Index { calls, modules }
}

/// The member positions of every service of `clustering`, each list in position order.
///
/// # Complexity
/// O(V + K).
fn members_of(clustering: &Clustering) -> Vec<Vec<usize>> {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); clustering.count];
    for (p, &c) in clustering.assignment.iter().enumerate() {
        members[c].push(p);
    }
    members
}

/// Phase 4's result: what the clustered graph tells about traffic, structure and shared code.
struct Facts {
    /// How often nodes run and how slowly.
    traffic: Traffic,
    /// Modularity and its kin, per service and for the whole, and the names members suggest.
    structure: Structure,
    /// Shared code after clustering.
    shared: Shared,
}

/// How often every node runs and how slowly.
struct Traffic {
    /// Invocations per day of every node, whether measured, whether reached ([`flow`]).
    flow: Flow,
    /// The slowest duration hint each node reaches inside its service ([`reachable_hints`]);
    /// `None` when no hint is slower than the default duration.
    reach: Option<Vec<f64>>,
}

/// The decomposition's structure.
struct Structure {
    /// The plan's metrics, not yet rounded.
    metrics: Metrics,
    /// Cohesion and coupling of every service.
    services: Vec<ServiceMetrics>,
    /// A name for every service from its members' modules ([`service_names`]).
    names: Vec<String>,
}

/// Shared code after clustering.
struct Shared {
    /// Node is shared code: the clustering's, widened to nodes called from several services
    /// ([`widen_shared`]).
    nodes: Vec<bool>,
    /// Who calls each shared node, most called first.
    callers: Vec<SharedCallers>,
    /// Node ships as a library rather than counting as its service's own: shared code and
    /// composition roots (wiring, not invocations).
    library: Vec<bool>,
}

/// Phase 4: traffic, structure and shared code, side by side.
///
/// # Complexity
/// O(V + E) expected for each part; naming and shared callers add sorts of their lists.
fn gather_facts(
    graph: &CallGraph,
    index: &Index<'_>,
    config: &Config,
    clustering: &Clustering,
    members: &[Vec<usize>],
) -> Facts {
    let assignment = &clustering.assignment;
    let (traffic, structure, (nodes, callers)) = join3(
        || Traffic {
            flow: flow(graph, &index.calls, config),
            reach: reachable_hints(graph, &index.calls, assignment, &config.labelling),
        },
        || {
            let (metrics, services) = measure(graph, assignment, clustering.count);
            Structure {
                metrics,
                services,
                names: service_names(graph, &index.modules, members),
            }
        },
        || {
            let shared = widen_shared(graph, &index.calls, clustering);
            let callers = shared_callers(graph, &index.calls, &index.modules, assignment, &shared);
            (shared, callers)
        },
    );
    let library = nodes
        .iter()
        .zip(&clustering.roots)
        .map(|(&s, &r)| s || r)
        .collect();
    Facts {
        traffic,
        structure,
        shared: Shared {
            nodes,
            callers,
            library,
        },
    }
}

/// Phase 5's result: who every service is.
struct Identity {
    /// The `[[service]]` decision each service answers to, if any.
    named: Vec<Option<usize>>,
    /// Service ids (`s1`, …), kept from the earlier plan where membership persists.
    ids: Vec<String>,
    /// Service names: a decision's, else the earlier plan's, else the suggested one.
    names: Vec<String>,
}

/// Phase 5: ids and names of the services; a service holding a node pinned by a `[[service]]`
/// decision takes that decision's name.
///
/// # Complexity
/// That of [`identify`]: O(V + K log K) expected.
fn identify_services(
    graph: &CallGraph,
    config: &Config,
    previous: Option<&Plan>,
    clustering: &Clustering,
    pinned: &[Option<usize>],
    members: &[Vec<usize>],
    suggested: Vec<String>,
) -> Identity {
    let mut named: Vec<Option<usize>> = vec![None; clustering.count];
    for (p, pin) in pinned.iter().enumerate() {
        if let Some(d) = *pin {
            named[clustering.assignment[p]] = Some(d);
        }
    }
    let fixed: Vec<Option<String>> = named
        .iter()
        .map(|d| d.map(|d| config.service[d].name.clone()))
        .collect();
    let (ids, names) = identify(graph, members, previous, suggested, &fixed);
    Identity { named, ids, names }
}

/// What phase 6 reads from the phases before it.
struct Inputs<'a> {
    index: &'a Index<'a>,
    config: &'a Config,
    clustering: &'a Clustering,
    members: &'a [Vec<usize>],
    traffic: &'a Traffic,
    service_metrics: &'a [ServiceMetrics],
    identity: &'a Identity,
}

/// Phase 6's result: the plan's sections.
struct Sections {
    /// Every service, labelled, in cluster order.
    services: Vec<Service>,
    /// Calls between services, heaviest first.
    cross_calls: Vec<CrossCall>,
    /// Calls of each service's own code into shared code.
    library_calls: Vec<LibraryCall>,
    /// Shared code, most called first.
    shared_code: Vec<SharedCode>,
    /// Unreachable and isolated nodes, and counts of nodes.
    lists: NodeLists,
}

/// Phase 6: every service labelled, beside the calls between services, beside shared code and
/// the lists of nodes. The first service that cannot be labelled as decided is the error.
///
/// # Complexity
/// O(V + E) expected, plus the sorts of the lists.
fn build_sections(graph: &CallGraph, i: &Inputs<'_>, shared: Shared) -> Result<Sections, Error> {
    let assignment = &i.clustering.assignment;
    let Shared {
        nodes,
        callers,
        library,
    } = shared;
    let (services, (cross_calls, library_calls), (shared_code, lists)) = join3(
        || label_services(graph, i, &nodes, &library),
        || {
            cross_calls(
                graph,
                assignment,
                &i.identity.ids,
                &i.traffic.flow.rate,
                &nodes,
            )
        },
        || {
            (
                shared_code(graph, callers, assignment, &i.identity.ids),
                node_lists(graph, &i.traffic.flow.reached, &i.clustering.isolated),
            )
        },
    );
    Ok(Sections {
        services: services?,
        cross_calls,
        library_calls,
        shared_code,
        lists,
    })
}

/// Every service labelled ([`label_service`], or as a `[[service]]` decision forces) and
/// written out as the plan's entry, in parallel, collected in order.
///
/// # Complexity
/// O(V + E) expected over all services.
fn label_services(
    graph: &CallGraph,
    i: &Inputs<'_>,
    shared: &[bool],
    library: &[bool],
) -> Result<Vec<Service>, Error> {
    let whole = GraphFacts {
        calls: &i.index.calls,
        flow: &i.traffic.flow,
        reach: i.traffic.reach.as_deref(),
    };
    let (ids, names) = (&i.identity.ids, &i.identity.names);
    i.members
        .par_iter()
        .enumerate()
        .map(|(c, list)| {
            let facts = ServiceFacts {
                members: list,
                assignment: &i.clustering.assignment,
                index: c,
                shared: library,
            };
            let mut decision = label_service(graph, &facts, &whole, i.config);
            if let Some(d) = i.identity.named[c]
                && let Some(label) = i.config.service[d].label
            {
                decisions::force_label(&names[c], label, &mut decision)?;
            }
            let mut metrics = i.service_metrics[c].clone();
            metrics.cohesion = round(metrics.cohesion, 4);
            let head = ServiceHead {
                id: ids[c].clone(),
                name: names[c].clone(),
                decision,
                metrics,
            };
            Ok(service(graph, &i.index.modules, list, head, shared))
        })
        .collect()
}

/// Phase 7: the plan, from the sections, with its costs, data stores, notes in order (the
/// clustering's, reachability's, shared stores', the decisions', unmeasured input) and the
/// decisions' report completed with the services' ids.
///
/// # Complexity
/// O(K + R log R) for R (service, resource) pairs.
#[allow(clippy::too_many_arguments)]
fn assemble(
    graph: &CallGraph,
    config: &Config,
    clustering: &Clustering,
    modules: &Modules<'_>,
    metrics: Metrics,
    identity: Identity,
    sections: Sections,
    mut report: Option<DecisionsReport>,
    lineage: Option<&Lineage>,
) -> Plan {
    let Sections {
        services: clusters,
        cross_calls,
        library_calls,
        shared_code,
        lists,
    } = sections;
    let (data_stores, store_notes) = data_stores(&clusters);
    let mut notes = clustering.notes.clone();
    notes.extend(lineage.and_then(|m| m.note(&identity.ids, &identity.names)));
    notes.extend(lists.note);
    notes.extend(store_notes);
    if let Some(r) = &mut report {
        decisions::finish(r, &identity.named, &identity.ids, &mut notes);
    }
    let input = InputSummary {
        nodes: graph.node_count(),
        edges: graph.edge_count(),
        modules: modules.names.len(),
        entry_points: lists.entry_points,
        measured_nodes: lists.measured_nodes,
    };
    if input.measured_nodes == 0 {
        notes.push(
            "no node carries runtime figures: every label rests on static guesses (see each service's confidence)"
                .to_string(),
        );
    }
    Plan {
        schema: Some(PLAN_SCHEMA_FILE.to_string()),
        schema_version: PLAN_SCHEMA_VERSION,
        input,
        requested_services: config.clustering.services,
        service_count: Some(clustering.count_reason.clone()),
        cross_calls,
        library_calls,
        data_stores,
        shared_code,
        unreachable: lists.unreachable,
        isolated: lists.isolated,
        metrics: rounded_metrics(metrics),
        cost: plan_cost(&clusters),
        clusters,
        notes,
        traces: None,
        source: None,
        decisions: report,
    }
}

/// The plan's metrics, rounded to 4 decimals.
fn rounded_metrics(metrics: Metrics) -> Metrics {
    Metrics {
        services: metrics.services,
        modularity: round(metrics.modularity, 4),
        structural_modularity: round(metrics.structural_modularity, 4),
        inter_call_percentage: round(metrics.inter_call_percentage, 4),
        interface_number: round(metrics.interface_number, 4),
        non_extreme_distribution: round(metrics.non_extreme_distribution, 4),
    }
}

/// The monthly cost of the plan as labelled, and of all services as microservices or as
/// functions, summed in service order and rounded to cents.
fn plan_cost(clusters: &[Service]) -> PlanCost {
    let sum = |cost: fn(&Service) -> f64| round(clusters.iter().map(cost).sum(), 2);
    PlanCost {
        plan_monthly_usd: sum(|s| s.cost.chosen_monthly_usd),
        all_microservices_monthly_usd: sum(|s| s.cost.microservice_monthly_usd),
        all_functions_monthly_usd: sum(|s| s.cost.function_monthly_usd),
    }
}

/// What the history contributed, for the plan's notes.
fn history_note(history: &History, ties: &[FileTie], config: &Config) -> String {
    let nodes: BTreeSet<usize> = ties
        .iter()
        .flat_map(|(a, b, _)| a.iter().chain(b))
        .copied()
        .collect();
    let off = if config.clustering.history_affinity > 0.0 {
        ""
    } else {
        " (unused: clustering.history_affinity = 0)"
    };
    format!(
        "history: {} of {} commits read ({} touching over {} files skipped) give {} co-changing file pairs; {} of them tie {} nodes{off}",
        history.commits - history.skipped_commits,
        history.commits,
        history.skipped_commits,
        crate::history::MAX_COMMIT_FILES,
        history.pairs.len(),
        ties.len(),
        nodes.len(),
    )
}
