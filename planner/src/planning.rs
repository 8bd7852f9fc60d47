//! `plan()`: the whole pipeline from a call graph to a [`Plan`] — cluster, label, measure, name.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use analyzer::CallGraph;

use crate::Error;
use crate::cluster::cluster_with;
use crate::config::Config;
use crate::decisions::{self, DecisionError};
use crate::identity::{identify, warm_start};
use crate::label::{ServiceFacts, label_service, node_rates};
use crate::metrics::{decomposition_metrics, service_metrics};
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
    /// Labelling, costs, metrics and naming.
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
    let mut clustering = cluster_with(graph, &config.clustering, &constraints);
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
    widen_shared(graph, &mut clustering);
    let clustered = Instant::now();
    let k = clustering.count;
    let assignment = &clustering.assignment;
    let n = graph.node_count();

    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (p, &c) in assignment.iter().enumerate() {
        members[c].push(p);
    }
    let mut inbound: Vec<Vec<(usize, analyzer::Call)>> = vec![Vec::new(); n];
    for (f, t, call) in graph.edges() {
        if f != t {
            inbound[t].push((f, call));
        }
    }
    let rates = node_rates(graph, config);
    // Shared code ships as a library and composition roots are wiring: neither is an invocation
    // of the service it sits in.
    let library: Vec<bool> = clustering
        .shared
        .iter()
        .zip(&clustering.roots)
        .map(|(&s, &r)| s || r)
        .collect();
    let structure = service_metrics(graph, assignment, k);
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
    let (ids, names) = identify(
        graph,
        &members,
        previous,
        service_names(graph, &members),
        &fixed,
    );

    let mut clusters = Vec::with_capacity(k);
    for (c, list) in members.iter().enumerate() {
        let mut decision = label_service(
            graph,
            &ServiceFacts {
                members: list,
                assignment,
                index: c,
                shared: &library,
            },
            &rates,
            &inbound,
            config,
        );
        if let Some(d) = named[c]
            && let Some(label) = config.service[d].label
        {
            decisions::force_label(&names[c], label, &mut decision)?;
        }
        let mut modules: BTreeMap<&str, usize> = BTreeMap::new();
        let mut resources: BTreeSet<&str> = BTreeSet::new();
        let mut entry_points = Vec::new();
        for &m in list {
            let node = graph.node(m);
            *modules
                .entry(node.module.as_deref().unwrap_or("(none)"))
                .or_default() += 1;
            resources.extend(node.resources.iter().map(String::as_str));
            if let Some(trigger) = &node.entry {
                entry_points.push(EntryPoint {
                    id: node.id.clone(),
                    trigger: trigger.clone(),
                });
            }
        }
        let mut modules: Vec<ModuleShare> = modules
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
        let mut metrics = structure[c].clone();
        metrics.cohesion = round(metrics.cohesion, 4);
        clusters.push(Service {
            id: ids[c].clone(),
            name: names[c].clone(),
            label: decision.label,
            members: list.iter().map(|&m| graph.node(m).id.clone()).collect(),
            size: list.len(),
            modules,
            entry_points,
            resources: resources.into_iter().map(str::to_string).collect(),
            stateful_members: ids_where(graph, list, |p| graph.node(p).stateful),
            shared_members: ids_where(graph, list, |p| clustering.shared[p]),
            rationale: round_rationale(decision.rationale),
            cost: round_cost(decision.cost),
            confidence: Confidence {
                score: round(decision.confidence.score, 2),
                ..decision.confidence
            },
            metrics,
        });
    }

    let metrics = decomposition_metrics(graph, assignment, k);
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
    let (unreachable, reach_note) = unreachable(graph, &clustering.isolated);
    let mut notes = clustering.notes.clone();
    notes.extend(reach_note);
    let mut report = report;
    if let Some(r) = &mut report {
        decisions::finish(r, &named, &ids, &mut notes);
    }
    let input = InputSummary {
        nodes: n,
        edges: graph.edge_count(),
        modules: graph
            .nodes()
            .filter_map(|x| x.module.as_deref())
            .collect::<BTreeSet<_>>()
            .len(),
        entry_points: graph.nodes().filter(|x| x.entry.is_some()).count(),
        measured_nodes: graph
            .nodes()
            .filter(|x| x.invocations_per_day.is_some() || x.duration_ms.is_some())
            .count(),
    };
    if input.measured_nodes == 0 {
        notes.push(
            "no node carries runtime figures: every label rests on static guesses (see each service's confidence)"
                .to_string(),
        );
    }
    let plan = Plan {
        schema_version: PLAN_SCHEMA_VERSION,
        input,
        requested_services: config.clustering.services,
        cross_calls: cross_calls(graph, assignment, &clusters, &rates.0),
        shared_code: shared_code(graph, assignment, &clustering.shared, &clusters),
        unreachable,
        isolated: ids_where(graph, &(0..n).collect::<Vec<_>>(), |p| {
            clustering.isolated[p]
        }),
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
    };
    let timings = Timings {
        cluster: clustered - started,
        label: clustered.elapsed(),
    };
    Ok((plan, timings))
}

/// Services a node is called from, its own excepted, at which it counts as shared code.
const SHARED_CALLER_SERVICES: usize = 3;

/// After clustering, a node called from [`SHARED_CALLER_SERVICES`] other services or more (and not
/// an entry point) is utility code too, whatever its fan-in relative to the graph: it ships as a
/// library, and its calls are not invocations of the service it was placed in.
fn widen_shared(graph: &CallGraph, clustering: &mut crate::Clustering) {
    let mut callers: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); graph.node_count()];
    for (f, t, _) in graph.edges() {
        let (cf, ct) = (clustering.assignment[f], clustering.assignment[t]);
        if cf != ct {
            callers[t].insert(cf);
        }
    }
    for (p, services) in callers.iter().enumerate() {
        if services.len() >= SHARED_CALLER_SERVICES && graph.node(p).entry.is_none() {
            clustering.shared[p] = true;
        }
    }
}

fn ids_where(graph: &CallGraph, list: &[usize], keep: impl Fn(usize) -> bool) -> Vec<String> {
    list.iter()
        .filter(|&&p| keep(p))
        .map(|&p| graph.node(p).id.clone())
        .collect()
}

/// Calls between services, aggregated per ordered pair, heaviest first.
fn cross_calls(
    graph: &CallGraph,
    assignment: &[usize],
    services: &[Service],
    rates: &[f64],
) -> Vec<CrossCall> {
    let mut pairs: BTreeMap<(usize, usize), (f64, f64, usize, f64)> = BTreeMap::new();
    for (f, t, call) in graph.edges() {
        let (cf, ct) = (assignment[f], assignment[t]);
        if cf != ct {
            let e = pairs.entry((cf, ct)).or_default();
            if call.is_async {
                e.1 += call.weight;
            } else {
                e.0 += call.weight;
            }
            e.2 += 1;
            e.3 += rates[f];
        }
    }
    let mut out: Vec<CrossCall> = pairs
        .into_iter()
        .map(
            |((cf, ct), (sync_weight, async_weight, edges, per_day))| CrossCall {
                from: services[cf].id.clone(),
                to: services[ct].id.clone(),
                sync_weight: round(sync_weight, 4),
                async_weight: round(async_weight, 4),
                edges,
                calls_per_day: per_day.round(),
            },
        )
        .collect();
    out.sort_by(|a, b| {
        (b.sync_weight + b.async_weight)
            .total_cmp(&(a.sync_weight + a.async_weight))
            .then_with(|| natural_id(&a.from).cmp(&natural_id(&b.from)))
            .then_with(|| natural_id(&a.to).cmp(&natural_id(&b.to)))
    });
    out
}

fn natural_id(id: &str) -> usize {
    id.trim_start_matches('s').parse().unwrap_or(usize::MAX)
}

fn shared_code(
    graph: &CallGraph,
    assignment: &[usize],
    shared: &[bool],
    services: &[Service],
) -> Vec<SharedCode> {
    let mut callers: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); graph.node_count()];
    for (f, t, _) in graph.edges() {
        if f != t && shared[t] {
            callers[t].insert(f);
        }
    }
    let mut out: Vec<SharedCode> = (0..graph.node_count())
        .filter(|&p| shared[p])
        .map(|p| SharedCode {
            id: graph.node(p).id.clone(),
            service: services[assignment[p]].id.clone(),
            callers: callers[p].len(),
            caller_modules: callers[p]
                .iter()
                .map(|&c| graph.node(c).module.as_deref())
                .collect::<BTreeSet<_>>()
                .len(),
            caller_services: callers[p]
                .iter()
                .map(|&c| assignment[c])
                .collect::<BTreeSet<_>>()
                .len(),
        })
        .collect();
    out.sort_by(|a, b| b.callers.cmp(&a.callers).then_with(|| a.id.cmp(&b.id)));
    out
}

/// Nodes no entry point reaches (isolated nodes are listed apart). Without declared entry points,
/// reachability starts from the nodes nobody calls, and a note says so.
fn unreachable(graph: &CallGraph, isolated: &[bool]) -> (Vec<String>, Option<String>) {
    let n = graph.node_count();
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut has_caller = vec![false; n];
    for (f, t, _) in graph.edges() {
        if f != t {
            out_edges[f].push(t);
            has_caller[t] = true;
        }
    }
    let entries: Vec<usize> = (0..n).filter(|&p| graph.node(p).entry.is_some()).collect();
    let (starts, note) = if entries.is_empty() {
        (
            (0..n).filter(|&p| !has_caller[p] && !isolated[p]).collect(),
            Some(
                "no entry points declared: reachability is measured from the nodes nobody calls"
                    .to_string(),
            ),
        )
    } else {
        (entries, None)
    };
    let mut seen = vec![false; n];
    let mut stack = starts;
    for &s in &stack {
        seen[s] = true;
    }
    while let Some(v) = stack.pop() {
        for &t in &out_edges[v] {
            if !seen[t] {
                seen[t] = true;
                stack.push(t);
            }
        }
    }
    let list = (0..n)
        .filter(|&p| !seen[p] && !isolated[p])
        .map(|p| graph.node(p).id.clone())
        .collect();
    (list, note)
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
