//! `plan()`: the whole pipeline from a call graph to a [`Plan`] — cluster, label, measure, name.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use analyzer::CallGraph;
use rayon::prelude::*;

use crate::Error;
use crate::calls::Calls;
use crate::cluster::cluster_with;
use crate::config::Config;
use crate::decisions::{self, DecisionError};
use crate::history::{FileTie, History, file_ties};
use crate::identity::{identify, warm_start};
use crate::label::{Decision, GraphFacts, ServiceFacts, flow, label_service, reachable_hints};
use crate::metrics::measure;
use crate::modules::Modules;
use crate::naming::service_names;
use crate::plan::*;

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
    let applied = decisions::apply(graph, config)?;
    decisions::check_count(&applied, config.clustering.services)?;
    let decisions::Applied {
        graph: planned,
        mut constraints,
        pinned,
        report,
        ..
    } = applied;
    let graph: &CallGraph = &planned;
    if let Some(p) = previous {
        constraints.warm = warm_start(graph, p);
    }
    if let Some(h) = history {
        constraints.cochange = file_ties(graph, h);
    }
    let mut clustering = cluster_with(graph, &config.clustering, &constraints);
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
    let clustered = Instant::now();
    let plan = plan_clustered(graph, config, previous, &clustering, &pinned, report)?;
    let timings = Timings {
        cluster: clustered - started,
        label: clustered.elapsed(),
    };
    Ok((plan, timings))
}

/// Everything after clustering: shared code widened, rates, labels with costs and reasons,
/// metrics, names and ids, calls between services, shared code, unreachable nodes.
///
/// Independent phases run side by side (the rates and reachability, a sequential walk of the
/// components, beside metrics, naming and shared code; the services beside the calls between
/// them), each computing exactly what it would alone, so the plan does not depend on the thread
/// count.
///
/// # Complexity
/// O(V + E) expected, plus sorts of per-service and per-node lists: O((V + E) log V) at most.
fn plan_clustered(
    graph: &CallGraph,
    config: &Config,
    previous: Option<&Plan>,
    clustering: &crate::Clustering,
    pinned: &[Option<usize>],
    report: Option<DecisionsReport>,
) -> Result<Plan, Error> {
    let k = clustering.count;
    let assignment = &clustering.assignment;
    let n = graph.node_count();
    let (calls, modules) = rayon::join(|| Calls::new(graph), || Modules::new(graph));
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (p, &c) in assignment.iter().enumerate() {
        members[c].push(p);
    }
    let ((flow, reach), ((measured, auto_names), (shared, callers))) = rayon::join(
        || {
            (
                flow(graph, &calls, config),
                reachable_hints(graph, &calls, assignment, &config.labelling),
            )
        },
        || {
            rayon::join(
                || {
                    (
                        measure(graph, assignment, k),
                        service_names(graph, &modules, &members),
                    )
                },
                || {
                    let shared = widen_shared(graph, &calls, clustering);
                    let callers = shared_callers(graph, &calls, &modules, assignment, &shared);
                    (shared, callers)
                },
            )
        },
    );
    let (metrics, structure) = measured;
    // Shared code ships as a library and composition roots are wiring: neither is an invocation
    // of the service it sits in.
    let library: Vec<bool> = shared
        .iter()
        .zip(&clustering.roots)
        .map(|(&s, &r)| s || r)
        .collect();
    let mut named: Vec<Option<usize>> = vec![None; k];
    for (p, pin) in pinned.iter().enumerate() {
        if let Some(d) = *pin {
            named[assignment[p]] = Some(d);
        }
    }
    let fixed: Vec<Option<String>> = named
        .iter()
        .map(|d| d.map(|d| config.service[d].name.clone()))
        .collect();
    let (ids, names) = identify(graph, &members, previous, auto_names, &fixed);

    let whole = GraphFacts {
        calls: &calls,
        flow: &flow,
        reach: reach.as_deref(),
    };
    // The services (independent: built in parallel, collected in order, the first error wins)
    // beside everything else that is left: calls between them, shared code, lists of nodes.
    let (built, (cross, (shared_code, lists))) = rayon::join(
        || {
            members
                .par_iter()
                .enumerate()
                .map(|(c, list)| {
                    let mut decision = label_service(
                        graph,
                        &ServiceFacts {
                            members: list,
                            assignment,
                            index: c,
                            shared: &library,
                        },
                        &whole,
                        config,
                    );
                    if let Some(d) = named[c]
                        && let Some(label) = config.service[d].label
                    {
                        decisions::force_label(&names[c], label, &mut decision)?;
                    }
                    let mut metrics = structure[c].clone();
                    metrics.cohesion = round(metrics.cohesion, 4);
                    Ok(service(
                        graph,
                        &modules,
                        list,
                        ServiceHead {
                            id: ids[c].clone(),
                            name: names[c].clone(),
                            decision,
                            metrics,
                        },
                        &shared,
                    ))
                })
                .collect::<Vec<Result<Service, Error>>>()
        },
        || {
            rayon::join(
                || cross_calls(graph, assignment, &ids, &flow.rate, &shared),
                || {
                    (
                        shared_code(graph, callers, assignment, &ids),
                        node_lists(graph, &flow.reached, &clustering.isolated),
                    )
                },
            )
        },
    );
    let clusters = built.into_iter().collect::<Result<Vec<Service>, Error>>()?;

    let cost = PlanCost {
        plan_monthly_usd: round(clusters.iter().map(|s| s.cost.chosen_monthly_usd).sum(), 2),
        all_microservices_monthly_usd: round(
            clusters
                .iter()
                .map(|s| s.cost.microservice_monthly_usd)
                .sum(),
            2,
        ),
        all_functions_monthly_usd: round(
            clusters.iter().map(|s| s.cost.function_monthly_usd).sum(),
            2,
        ),
    };
    let (cross, library_calls) = cross;
    let (data_stores, store_notes) = data_stores(&clusters);
    let mut notes = clustering.notes.clone();
    notes.extend(lists.note);
    notes.extend(store_notes);
    let mut report = report;
    if let Some(r) = &mut report {
        decisions::finish(r, &named, &ids, &mut notes);
    }
    let input = InputSummary {
        nodes: n,
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
    Ok(Plan {
        schema: Some(PLAN_SCHEMA_FILE.to_string()),
        schema_version: PLAN_SCHEMA_VERSION,
        input,
        requested_services: config.clustering.services,
        service_count: Some(clustering.count_reason.clone()),
        cross_calls: cross,
        library_calls,
        data_stores,
        shared_code,
        unreachable: lists.unreachable,
        isolated: lists.isolated,
        metrics: Metrics {
            services: metrics.services,
            modularity: round(metrics.modularity, 4),
            structural_modularity: round(metrics.structural_modularity, 4),
            inter_call_percentage: round(metrics.inter_call_percentage, 4),
            interface_number: round(metrics.interface_number, 4),
            non_extreme_distribution: round(metrics.non_extreme_distribution, 4),
        },
        clusters,
        cost,
        notes,
        traces: None,
        source: None,
        decisions: report,
    })
}

/// What a service is besides its members: id, name, label and metrics.
struct ServiceHead {
    id: String,
    name: String,
    decision: Decision,
    metrics: ServiceMetrics,
}

/// The plan's entry for the service of members `list`: modules, resources, entry points, and the
/// decision rounded for the plan file.
///
/// # Complexity
/// O(M log M) for M members.
fn service(
    graph: &CallGraph,
    modules: &Modules<'_>,
    list: &[usize],
    head: ServiceHead,
    shared: &[bool],
) -> Service {
    // Members per module path (a missing one reads `(none)`), counted by number first.
    let mut of: Vec<u32> = list.iter().map(|&m| modules.of[m]).collect();
    of.sort_unstable();
    let mut by_path: BTreeMap<&str, usize> = BTreeMap::new();
    for run in of.chunk_by(|a, b| a == b) {
        *by_path
            .entry(modules.name(run[0]).unwrap_or("(none)"))
            .or_default() += run.len();
    }
    let mut resources: BTreeSet<&str> = BTreeSet::new();
    let mut entry_points = Vec::new();
    for &m in list {
        let node = graph.node(m);
        resources.extend(node.resources.iter().map(String::as_str));
        if let Some(trigger) = &node.entry {
            entry_points.push(EntryPoint {
                id: node.id.clone(),
                trigger: trigger.clone(),
            });
        }
    }
    let mut modules: Vec<ModuleShare> = by_path
        .into_iter()
        .map(|(module, members)| ModuleShare {
            module: module.to_string(),
            members,
        })
        .collect();
    modules.sort_by(|a, b| {
        b.members
            .cmp(&a.members)
            .then_with(|| a.module.cmp(&b.module))
    });
    let decision = head.decision;
    Service {
        id: head.id,
        name: head.name,
        label: decision.label,
        members: list.iter().map(|&m| graph.node(m).id.clone()).collect(),
        size: list.len(),
        modules,
        entry_points,
        resources: resources.into_iter().map(str::to_string).collect(),
        stateful_members: ids_where(graph, list, |p| graph.node(p).stateful),
        shared_members: ids_where(graph, list, |p| shared[p]),
        rationale: round_rationale(decision.rationale),
        cost: round_cost(decision.cost),
        confidence: Confidence {
            score: round(decision.confidence.score, 2),
            ..decision.confidence
        },
        metrics: head.metrics,
    }
}

/// Services a node is called from, its own excepted, at which it counts as shared code.
const SHARED_CALLER_SERVICES: usize = 3;

/// The clustering's shared code, widened: after clustering, a node called from
/// [`SHARED_CALLER_SERVICES`] other services or more (and not an entry point) is utility code too,
/// whatever its fan-in relative to the graph: it ships as a library, and its calls are not
/// invocations of the service it was placed in.
///
/// # Complexity
/// O(V + E).
fn widen_shared(graph: &CallGraph, calls: &Calls<'_>, clustering: &crate::Clustering) -> Vec<bool> {
    let assignment = &clustering.assignment;
    let mut shared = clustering.shared.clone();
    // counted[c] == p + 1: service c already counted among the callers of node p.
    let mut counted = vec![0usize; clustering.count];
    for (p, flag) in shared.iter_mut().enumerate() {
        if *flag || graph.node(p).entry.is_some() {
            continue;
        }
        let own = assignment[p];
        let mut services = 0;
        for &f in calls.caller_nodes(p) {
            let c = assignment[f as usize];
            if c != own && counted[c] != p + 1 {
                counted[c] = p + 1;
                services += 1;
                if services >= SHARED_CALLER_SERVICES {
                    *flag = true;
                    break;
                }
            }
        }
    }
    shared
}

fn ids_where(graph: &CallGraph, list: &[usize], keep: impl Fn(usize) -> bool) -> Vec<String> {
    list.iter()
        .filter(|&&p| keep(p))
        .map(|&p| graph.node(p).id.clone())
        .collect()
}

/// Calls between services, aggregated per ordered pair, heaviest first; and the calls of each
/// service's own code into shared code, per service. `ids` are the services'.
///
/// A call into or out of a `shared` node is not service-to-service traffic: shared code ships as
/// a library in every service that uses it. Calls into it are counted per calling service;
/// calls out of it (into a service's own code) are left out of both lists. Each sum adds its
/// calls in edge order.
///
/// # Complexity
/// O(V + E + P log P) for P pairs of services that call each other.
fn cross_calls(
    graph: &CallGraph,
    assignment: &[usize],
    ids: &[String],
    rates: &[f64],
    shared: &[bool],
) -> (Vec<CrossCall>, Vec<LibraryCall>) {
    let k = ids.len();
    // The calls leaving each service as (called service, caller, weight, async), in edge order.
    let mut leaving: Vec<Vec<(u32, u32, f64, bool)>> = vec![Vec::new(); k];
    // Per service, its calls into shared code: (sync weight, async weight, edges, per day).
    let mut library = vec![(0.0f64, 0.0f64, 0usize, 0.0f64); k];
    // (calling service, shared node) of every call into shared code, to count distinct nodes.
    let mut library_nodes: Vec<(u32, u32)> = Vec::new();
    for (f, t, call) in graph.edges() {
        let (cf, ct) = (assignment[f], assignment[t]);
        match (shared[f], shared[t]) {
            (false, true) => {
                let e = &mut library[cf];
                if call.is_async {
                    e.1 += call.weight;
                } else {
                    e.0 += call.weight;
                }
                e.2 += 1;
                e.3 += rates[f];
                library_nodes.push((cf as u32, t as u32));
            }
            // Positions and service numbers fit: the graph's indices are u32.
            (false, false) if cf != ct => {
                leaving[cf].push((ct as u32, f as u32, call.weight, call.is_async))
            }
            _ => {}
        }
    }
    library_nodes.sort_unstable();
    library_nodes.dedup();
    let mut distinct = vec![0usize; k];
    for &(c, _) in &library_nodes {
        distinct[c as usize] += 1;
    }
    let natural: Vec<usize> = ids.iter().map(|id| natural_id(id)).collect();
    let mut into_library: Vec<LibraryCall> = library
        .into_iter()
        .enumerate()
        .filter(|(_, e)| e.2 > 0)
        .map(
            |(c, (sync_weight, async_weight, edges, per_day))| LibraryCall {
                service: ids[c].clone(),
                sync_weight: round(sync_weight, 4),
                async_weight: round(async_weight, 4),
                edges,
                shared_nodes: distinct[c],
                calls_per_day: per_day.round(),
            },
        )
        .collect();
    into_library.sort_by(|a, b| {
        (b.calls_per_day, b.sync_weight + b.async_weight)
            .partial_cmp(&(a.calls_per_day, a.sync_weight + a.async_weight))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| natural_id(&a.service).cmp(&natural_id(&b.service)))
            .then_with(|| a.service.cmp(&b.service))
    });
    // Per calling service, sums per called service: (sync weight, async weight, edges, per day).
    let mut sums = vec![(0.0f64, 0.0f64, 0usize, 0.0f64); k];
    let mut called: Vec<usize> = Vec::new();
    let mut out: Vec<CrossCall> = Vec::new();
    // Per pair, its sort key: total weight, then the id numbers of both services.
    let mut keys: Vec<(f64, usize, usize)> = Vec::new();
    for (cf, list) in leaving.iter().enumerate() {
        for &(ct, f, weight, is_async) in list {
            let ct = ct as usize;
            let e = &mut sums[ct];
            if e.2 == 0 {
                called.push(ct);
            }
            if is_async {
                e.1 += weight;
            } else {
                e.0 += weight;
            }
            e.2 += 1;
            e.3 += rates[f as usize];
        }
        called.sort_unstable();
        for &ct in &called {
            let (sync_weight, async_weight, edges, per_day) =
                std::mem::replace(&mut sums[ct], (0.0, 0.0, 0, 0.0));
            let call = CrossCall {
                from: ids[cf].clone(),
                to: ids[ct].clone(),
                sync_weight: round(sync_weight, 4),
                async_weight: round(async_weight, 4),
                edges,
                calls_per_day: per_day.round(),
            };
            keys.push((
                call.sync_weight + call.async_weight,
                natural[cf],
                natural[ct],
            ));
            out.push(call);
        }
        called.clear();
    }
    // Heaviest first; stable, so pairs tied throughout stay in (from, to) order. Positions are
    // sorted rather than the calls themselves.
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&keys[a], &keys[b]);
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| a.2.cmp(&b.2))
    });
    let mut slots: Vec<Option<CrossCall>> = out.into_iter().map(Some).collect();
    let cross = order.into_iter().filter_map(|i| slots[i].take()).collect();
    (cross, into_library)
}

/// Most shared data stores named one by one in the plan's notes.
const MAX_SHARED_STORE_NOTES: usize = 10;

/// The data stores the services use (their `resources`), in name order, and a note for each one
/// that several services use.
///
/// # Complexity
/// O(R log R) for R (service, resource) pairs.
fn data_stores(clusters: &[Service]) -> (Vec<DataStore>, Vec<String>) {
    let mut by: BTreeMap<&str, Vec<&Service>> = BTreeMap::new();
    for s in clusters {
        for r in &s.resources {
            by.entry(r.as_str()).or_default().push(s);
        }
    }
    let mut notes = Vec::new();
    let shared: Vec<(&str, &Vec<&Service>)> = by
        .iter()
        .filter(|(_, users)| users.len() > 1)
        .map(|(name, users)| (*name, users))
        .collect();
    for (name, users) in shared.iter().take(MAX_SHARED_STORE_NOTES) {
        let named: Vec<String> = users
            .iter()
            .map(|s| format!("{} ({})", s.name, s.id))
            .collect();
        // In-process memory cannot be shared at all: one process holds it.
        let advice = if name.starts_with("mem:") {
            "in-process state cannot be shared between processes; keep its users in one service, or move the state to a store"
        } else {
            "they are coupled through it; give it one owner that the others call, or split it"
        };
        notes.push(format!(
            "shared data store: {name} is used by {} services ({}): {advice}",
            users.len(),
            named.join(", ")
        ));
    }
    if shared.len() > MAX_SHARED_STORE_NOTES {
        notes.push(format!(
            "{} more shared data stores (see data_stores in plan.json)",
            shared.len() - MAX_SHARED_STORE_NOTES
        ));
    }
    let stores = by
        .into_iter()
        .map(|(name, users)| DataStore {
            name: name.to_string(),
            kind: match name.split_once(':') {
                Some((kind, _)) if !kind.is_empty() => kind.to_string(),
                _ => "store".to_string(),
            },
            services: users.iter().map(|s| s.id.clone()).collect(),
            shared: users.len() > 1,
        })
        .collect();
    (stores, notes)
}

fn natural_id(id: &str) -> usize {
    id.trim_start_matches('s').parse().unwrap_or(usize::MAX)
}

/// Who calls one piece of shared code.
struct SharedCallers {
    /// The shared node's position.
    node: usize,
    /// Distinct callers.
    callers: usize,
    /// Distinct modules of the callers (a missing module counts as one).
    modules: usize,
    /// Distinct services of the callers.
    services: usize,
}

/// The callers of every shared node, most called first (ties by node id).
///
/// # Complexity
/// O(V + C log C) for C calls into shared code.
fn shared_callers(
    graph: &CallGraph,
    calls: &Calls<'_>,
    modules: &Modules<'_>,
    assignment: &[usize],
    shared: &[bool],
) -> Vec<SharedCallers> {
    let mut out: Vec<SharedCallers> = (0..graph.node_count())
        .into_par_iter()
        .filter(|&p| shared[p])
        .map_init(
            || (Vec::new(), Vec::new(), Vec::new()),
            |(callers, caller_modules, caller_services), p| {
                callers.clear();
                callers.extend_from_slice(calls.caller_nodes(p));
                callers.sort_unstable();
                callers.dedup();
                caller_modules.clear();
                caller_modules.extend(callers.iter().map(|&c| modules.of[c as usize]));
                caller_modules.sort_unstable();
                caller_modules.dedup();
                caller_services.clear();
                caller_services.extend(callers.iter().map(|&c| assignment[c as usize]));
                caller_services.sort_unstable();
                caller_services.dedup();
                SharedCallers {
                    node: p,
                    callers: callers.len(),
                    modules: caller_modules.len(),
                    services: caller_services.len(),
                }
            },
        )
        .collect();
    // Nodes are in id order (a `CallGraph` invariant), so the stable sort by count alone leaves
    // ties by id, and the sort by (count, id) that follows only checks it in one pass.
    out.sort_by_key(|c| std::cmp::Reverse(c.callers));
    out.sort_by(|a, b| {
        b.callers
            .cmp(&a.callers)
            .then_with(|| graph.node(a.node).id.cmp(&graph.node(b.node).id))
    });
    out
}

/// The plan's shared code, most called first.
fn shared_code(
    graph: &CallGraph,
    callers: Vec<SharedCallers>,
    assignment: &[usize],
    ids: &[String],
) -> Vec<SharedCode> {
    callers
        .into_iter()
        .map(|c| SharedCode {
            id: graph.node(c.node).id.clone(),
            service: ids[assignment[c.node]].clone(),
            callers: c.callers,
            caller_modules: c.modules,
            caller_services: c.services,
        })
        .collect()
}

/// The plan's lists and counts of nodes.
struct NodeLists {
    /// Nodes no entry point reaches (isolated nodes are listed apart).
    unreachable: Vec<String>,
    /// Says that reachability starts from the nodes nobody calls, when no entry point is declared.
    note: Option<String>,
    /// Nodes with no call at all.
    isolated: Vec<String>,
    /// Declared entry points.
    entry_points: usize,
    /// Nodes with runtime figures.
    measured_nodes: usize,
}

/// The lists and counts of nodes, given which nodes are `reached` ([`flow`]) and `isolated`.
///
/// # Complexity
/// O(V).
fn node_lists(graph: &CallGraph, reached: &[bool], isolated: &[bool]) -> NodeLists {
    let ids_where = |keep: &dyn Fn(usize) -> bool| -> Vec<String> {
        graph
            .nodes()
            .enumerate()
            .filter(|&(p, _)| keep(p))
            .map(|(_, node)| node.id.clone())
            .collect()
    };
    let (entry_points, measured_nodes) = graph.nodes().fold((0, 0), |(e, m), node| {
        (
            e + usize::from(node.entry.is_some()),
            m + usize::from(node.invocations_per_day.is_some() || node.duration_ms.is_some()),
        )
    });
    NodeLists {
        unreachable: ids_where(&|p| !reached[p] && !isolated[p]),
        note: (entry_points == 0).then(|| {
            "no entry points declared: reachability is measured from the nodes nobody calls"
                .to_string()
        }),
        isolated: ids_where(&|p| isolated[p]),
        entry_points,
        measured_nodes,
    }
}

/// Rounds to `digits` decimals so that plan files stay readable and stable.
pub(crate) fn round(v: f64, digits: i32) -> f64 {
    if !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(digits);
    let r = (v * scale).round() / scale;
    if r == 0.0 { 0.0 } else { r }
}

fn round_cost(c: Cost) -> Cost {
    Cost {
        function_monthly_usd: round(c.function_monthly_usd, 2),
        microservice_monthly_usd: round(c.microservice_monthly_usd, 2),
        break_even_invocations_per_month: if c.break_even_invocations_per_month.is_finite() {
            c.break_even_invocations_per_month.round()
        } else {
            0.0
        },
        chosen_monthly_usd: round(c.chosen_monthly_usd, 2),
    }
}

fn round_rationale(mut r: Rationale) -> Rationale {
    let s = &mut r.signals;
    s.invocations_per_month = s.invocations_per_month.round();
    s.duration_ms = round(s.duration_ms, 2);
    s.max_duration_ms = round(s.max_duration_ms, 2);
    s.memory_mb = round(s.memory_mb, 2);
    s.async_inbound_share = round(s.async_inbound_share, 4);
    s.busy_fraction = round(s.busy_fraction, 4);
    r
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
