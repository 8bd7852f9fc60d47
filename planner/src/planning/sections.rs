//! The plan's sections, each from the clustered graph: a service's entry, shared code and its
//! callers, calls between services and into shared code, data stores, lists of nodes; and the
//! rounding that keeps plan files readable and stable.

use std::collections::{BTreeMap, BTreeSet};

use analyzer::CallGraph;
use rayon::prelude::*;

use crate::Clustering;
use crate::calls::Calls;
use crate::label::Decision;
use crate::modules::Modules;
use crate::plan::*;

/// What a service is besides its members: id, name, label and metrics.
pub(super) struct ServiceHead {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) decision: Decision,
    pub(super) metrics: ServiceMetrics,
}

/// The plan's entry for the service of members `list`: modules, resources, entry points, and the
/// decision rounded for the plan file.
///
/// # Complexity
/// O(M log M) for M members.
pub(super) fn service(
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
pub(super) fn widen_shared(
    graph: &CallGraph,
    calls: &Calls<'_>,
    clustering: &Clustering,
) -> Vec<bool> {
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
pub(super) fn cross_calls(
    graph: &CallGraph,
    assignment: &[usize],
    ids: &[String],
    rates: &[f64],
    shared: &[bool],
) -> (Vec<CrossCall>, Vec<LibraryCall>) {
    let tally = tally_calls(graph, assignment, ids.len(), rates, shared);
    let library = library_calls(tally.library, tally.library_nodes, ids);
    (service_calls(&tally.leaving, ids, rates), library)
}

/// A call's sums: (sync weight, async weight, edges, calls per day).
type Sums = (f64, f64, usize, f64);

/// The calls of a graph by where they go: to another service, into shared code, or neither.
struct Tally {
    /// The calls leaving each service for another service's own code as (called service, caller,
    /// weight, async), in edge order. Positions and service numbers fit: the graph's indices
    /// are u32.
    leaving: Vec<Vec<(u32, u32, f64, bool)>>,
    /// Per service, the sums of its calls into shared code.
    library: Vec<Sums>,
    /// (calling service, shared node) of every call into shared code.
    library_nodes: Vec<(u32, u32)>,
}

/// Sorts every call by where it goes, in edge order ([`Tally`]).
///
/// # Complexity
/// O(V + E).
fn tally_calls(
    graph: &CallGraph,
    assignment: &[usize],
    k: usize,
    rates: &[f64],
    shared: &[bool],
) -> Tally {
    let mut leaving: Vec<Vec<(u32, u32, f64, bool)>> = vec![Vec::new(); k];
    let mut library = vec![(0.0f64, 0.0f64, 0usize, 0.0f64); k];
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
            (false, false) if cf != ct => {
                leaving[cf].push((ct as u32, f as u32, call.weight, call.is_async))
            }
            _ => {}
        }
    }
    Tally {
        leaving,
        library,
        library_nodes,
    }
}

/// The calls of each service's own code into shared code, from their `sums` and the (service,
/// shared node) pair of every call: most calls a day first, then heaviest, then by id.
///
/// # Complexity
/// O(K log K + C log C) for C calls into shared code.
fn library_calls(
    sums: Vec<Sums>,
    mut library_nodes: Vec<(u32, u32)>,
    ids: &[String],
) -> Vec<LibraryCall> {
    library_nodes.sort_unstable();
    library_nodes.dedup();
    let mut distinct = vec![0usize; ids.len()];
    for &(c, _) in &library_nodes {
        distinct[c as usize] += 1;
    }
    let mut into_library: Vec<LibraryCall> = sums
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
    into_library
}

/// The calls between services from the calls `leaving` each one ([`Tally`]), summed per ordered
/// pair in edge order, heaviest first (ties by the services' id numbers).
///
/// # Complexity
/// O(L + P log P) for L calls leaving services and P pairs.
fn service_calls(
    leaving: &[Vec<(u32, u32, f64, bool)>],
    ids: &[String],
    rates: &[f64],
) -> Vec<CrossCall> {
    let k = ids.len();
    let natural: Vec<usize> = ids.iter().map(|id| natural_id(id)).collect();
    // Per calling service, sums per called service.
    let mut sums: Vec<Sums> = vec![(0.0f64, 0.0f64, 0usize, 0.0f64); k];
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
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// Most shared data stores named one by one in the plan's notes.
const MAX_SHARED_STORE_NOTES: usize = 10;

/// The data stores the services use (their `resources`), in name order, and a note for each one
/// that several services use.
///
/// # Complexity
/// O(R log R) for R (service, resource) pairs.
pub(super) fn data_stores(clusters: &[Service]) -> (Vec<DataStore>, Vec<String>) {
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
pub(super) struct SharedCallers {
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
pub(super) fn shared_callers(
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
pub(super) fn shared_code(
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
pub(super) struct NodeLists {
    /// Nodes no entry point reaches (isolated nodes are listed apart).
    pub(super) unreachable: Vec<String>,
    /// Says that reachability starts from the nodes nobody calls, when no entry point is declared.
    pub(super) note: Option<String>,
    /// Nodes with no call at all.
    pub(super) isolated: Vec<String>,
    /// Declared entry points.
    pub(super) entry_points: usize,
    /// Nodes with runtime figures.
    pub(super) measured_nodes: usize,
}

/// The lists and counts of nodes, given which nodes are `reached` ([`flow`]) and `isolated`.
///
/// # Complexity
/// O(V).
pub(super) fn node_lists(graph: &CallGraph, reached: &[bool], isolated: &[bool]) -> NodeLists {
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
