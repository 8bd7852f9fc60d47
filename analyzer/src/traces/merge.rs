//! Measured figures onto a call graph: maps trace operations to nodes (mapping rules, exact id,
//! `code.namespace` + `code.function`, a unique function name), sets their rates and durations,
//! adds the measured call edges, and reports what matched and what did not. Without a call graph,
//! the operations themselves become the nodes.

use std::collections::{BTreeMap, HashMap};

use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Serialize};

use super::ops::{Operation, TraceSummary};
use crate::{Call, CallGraph, Durations, Error, Node};

/// A user rule mapping trace operations to the call graph (config `[[traces.map]]`): operations
/// whose service and span name match the glob patterns (`*` matches anything) map to `node`, or to
/// the entry point of `module` whose name the span name mentions.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapRule {
    /// Glob over the service name (any service when absent).
    #[serde(default)]
    pub service: Option<String>,
    /// Glob over the span name (any span when absent).
    #[serde(default)]
    pub span: Option<String>,
    /// The node id the operation maps to.
    #[serde(default)]
    pub node: Option<String>,
    /// A module: the operation maps to its node whose last path segment the span name contains
    /// (or to its only entry point).
    #[serde(default)]
    pub module: Option<String>,
}

/// How runtime traces mapped onto the call graph: the one record of it, in the analyzer's
/// report and the plan's `traces` section alike.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TraceCoverage {
    /// Trace export files read.
    pub files: usize,
    /// Spans read.
    pub spans: usize,
    /// Distinct traces.
    pub traces: usize,
    /// Operations (service + span name) derived.
    pub operations: usize,
    /// Operations mapped to a node.
    pub matched_operations: usize,
    /// Operations that matched no node.
    pub unmatched_operations: usize,
    /// The busiest unmatched operations.
    pub top_unmatched: Vec<UnmatchedOperation>,
    /// Nodes no operation mapped to (their figures stay static guesses).
    pub nodes_without_traces: usize,
    /// Measured call edges added.
    pub measured_edges: usize,
    /// The window rates were scaled from, seconds.
    pub window_s: f64,
    /// Problems with the exports, each with a count.
    pub warnings: Vec<String>,
}

/// An operation of the traces that matched no node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UnmatchedOperation {
    /// `service::span name`.
    pub operation: String,
    /// Spans seen.
    pub spans: u64,
}

struct Rule {
    service: Option<GlobMatcher>,
    span: Option<GlobMatcher>,
    target: Option<usize>,
    module: Option<String>,
}

fn glob(pattern: &str, what: &str, i: usize) -> Result<GlobMatcher, Error> {
    Glob::new(pattern)
        .map(|g| g.compile_matcher())
        .map_err(|e| Error::Mapping {
            rule: i,
            message: format!("invalid {what} pattern `{pattern}`: {e}"),
        })
}

/// Merges measured figures into `graph`: static edges stay, measured edges are added, and the
/// nodes the operations map to get measured invocation rates and durations.
///
/// Errors when a mapping rule is malformed or names a node that does not exist.
///
/// # Complexity
/// O((V + O·R + E) log V) for O operations and R rules.
pub fn merge_traces(
    graph: &CallGraph,
    summary: &TraceSummary,
    rules: &[MapRule],
) -> Result<(CallGraph, TraceCoverage), Error> {
    let compiled = compile(graph, rules)?;
    let ops = &summary.operations;
    let mut by_last: HashMap<&str, Vec<usize>> = HashMap::new();
    for (p, n) in graph.nodes().enumerate() {
        by_last.entry(last_segment(&n.id)).or_default().push(p);
    }
    let target: Vec<Option<usize>> = ops
        .iter()
        .map(|op| map_op(graph, op, &compiled, &by_last))
        .collect();

    let mut nodes: Vec<Node> = graph.nodes().cloned().collect();
    let mut figures: BTreeMap<usize, Vec<&Operation>> = BTreeMap::new();
    for (op, t) in ops.iter().zip(&target) {
        if let Some(t) = t {
            figures.entry(*t).or_default().push(op);
        }
    }
    for (&p, list) in &figures {
        apply(&mut nodes[p], list);
    }
    let mut edges: Vec<(usize, usize, Call)> = graph.edges().collect();
    let mut measured = 0;
    for c in &summary.calls {
        if let (Some(f), Some(t)) = (target[c.from], target[c.to]) {
            edges.push((f, t, Call::new(c.count as f64, c.is_async)));
            measured += 1;
        }
    }
    let report = report(
        summary,
        &target,
        graph.node_count() - figures.len(),
        measured,
    );
    Ok((CallGraph::from_parts(nodes, edges), report))
}

/// A call graph made of the operations alone (`service::name` ids, the service as module): a way
/// to plan a system in any language from its traces.
pub fn graph_from_traces(summary: &TraceSummary) -> (CallGraph, TraceCoverage) {
    let ids = unique_ids(summary.operations.iter().map(Operation::key).collect());
    let nodes: Vec<Node> = summary
        .operations
        .iter()
        .zip(ids)
        .map(|(op, id)| {
            let mut node = Node {
                id,
                module: Some(op.service.clone()),
                ..Node::default()
            };
            apply(&mut node, &[op]);
            node
        })
        .collect();
    let edges = summary
        .calls
        .iter()
        .map(|c| (c.from, c.to, Call::new(c.count as f64, c.is_async)))
        .collect();
    let target: Vec<Option<usize>> = (0..summary.operations.len()).map(Some).collect();
    let report = report(summary, &target, 0, summary.calls.len());
    (CallGraph::from_parts(nodes, edges), report)
}

/// Node ids from operation keys, made unique: `service::name` is not injective (service `a::b`
/// with operation `c`, and service `a` with operation `b::c`), so a key met again gets the first
/// free suffix `#2`, `#3`, … (operations come sorted, so the choice is deterministic).
///
/// # Complexity
/// O(n) hash operations for n keys, plus the suffixes tried.
fn unique_ids(keys: Vec<String>) -> Vec<String> {
    let mut taken: std::collections::HashSet<String> = keys.iter().cloned().collect();
    let mut first: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut ids = Vec::with_capacity(keys.len());
    for key in &keys {
        if first.insert(key.as_str()) {
            ids.push(key.clone());
            continue;
        }
        let id = (2u64..)
            .map(|k| format!("{key}#{k}"))
            .find(|candidate| !taken.contains(candidate))
            .expect("a free suffix");
        taken.insert(id.clone());
        ids.push(id);
    }
    ids
}

/// Checks mapping rules on their own, before any trace is read: each gives exactly one of `node`
/// and `module`, and its patterns are valid globs (whether a `node` exists needs the graph).
pub fn check_map_rules(rules: &[MapRule]) -> Result<(), Error> {
    for (i, r) in rules.iter().enumerate() {
        if r.node.is_some() == r.module.is_some() {
            return Err(Error::Mapping {
                rule: i,
                message: "give exactly one of `node` and `module`".to_string(),
            });
        }
        if let Some(p) = &r.service {
            glob(p, "service", i)?;
        }
        if let Some(p) = &r.span {
            glob(p, "span", i)?;
        }
    }
    Ok(())
}

fn compile(graph: &CallGraph, rules: &[MapRule]) -> Result<Vec<Rule>, Error> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if r.node.is_some() == r.module.is_some() {
                return Err(Error::Mapping {
                    rule: i,
                    message: "give exactly one of `node` and `module`".to_string(),
                });
            }
            let target = match &r.node {
                Some(id) => Some(graph.position(id).ok_or_else(|| Error::Mapping {
                    rule: i,
                    message: format!("node `{id}` is not in the call graph"),
                })?),
                None => None,
            };
            Ok(Rule {
                service: r
                    .service
                    .as_deref()
                    .map(|p| glob(p, "service", i))
                    .transpose()?,
                span: r.span.as_deref().map(|p| glob(p, "span", i)).transpose()?,
                target,
                module: r.module.clone(),
            })
        })
        .collect()
}

fn map_op(
    graph: &CallGraph,
    op: &Operation,
    rules: &[Rule],
    by_last: &HashMap<&str, Vec<usize>>,
) -> Option<usize> {
    for rule in rules {
        let service_ok = rule
            .service
            .as_ref()
            .is_none_or(|g| g.is_match(&op.service));
        let span_ok = rule.span.as_ref().is_none_or(|g| g.is_match(&op.name));
        if !(service_ok && span_ok) {
            continue;
        }
        if let Some(t) = rule.target {
            return Some(t);
        }
        if let Some(module) = &rule.module
            && let Some(t) = in_module(graph, module, &op.name)
        {
            return Some(t);
        }
    }
    if let Some(p) = graph
        .position(&op.name)
        .or_else(|| graph.position(&op.key()))
    {
        return Some(p);
    }
    if let (Some(ns), Some(f)) = (&op.code_namespace, &op.code_function) {
        for id in [format!("{ns}::{f}"), format!("{ns}.{f}")] {
            if let Some(p) = graph.position(&id) {
                return Some(p);
            }
        }
    }
    // A span named like exactly one function (`place_order`, `OrderService.place`).
    let last = last_segment(&op.name);
    match by_last.get(last).map(Vec::as_slice) {
        Some([only]) => Some(*only),
        _ => None,
    }
}

/// The node of `module` the span name mentions (longest match), or its only entry point.
fn in_module(graph: &CallGraph, module: &str, span: &str) -> Option<usize> {
    let span = span.to_ascii_lowercase();
    let members: Vec<usize> = (0..graph.node_count())
        .filter(|&p| graph.node(p).module.as_deref() == Some(module))
        .collect();
    let named = members
        .iter()
        .copied()
        .filter(|&p| span.contains(&last_segment(&graph.node(p).id).to_ascii_lowercase()))
        .max_by_key(|&p| (last_segment(&graph.node(p).id).len(), std::cmp::Reverse(p)));
    named.or_else(|| {
        let entries: Vec<usize> = members
            .into_iter()
            .filter(|&p| graph.node(p).entry.is_some())
            .collect();
        match entries.as_slice() {
            [only] => Some(*only),
            _ => None,
        }
    })
}

/// Measured figures of the operations mapped to one node: rates add up, durations combine.
fn apply(node: &mut Node, ops: &[&Operation]) {
    let rate: Option<f64> = ops.iter().filter_map(|o| o.per_day).reduce(|a, b| a + b);
    if rate.is_some() {
        node.invocations_per_day = rate;
    }
    let weight = |o: &&&Operation| o.count.max(1) as f64;
    let total: f64 = ops
        .iter()
        .filter(|o| o.p50_ms.is_some())
        .map(|o| weight(&o))
        .sum();
    if total > 0.0 {
        let p50 = ops
            .iter()
            .filter_map(|o| o.p50_ms.map(|d| d * weight(&o)))
            .sum::<f64>()
            / total;
        let p95 = ops.iter().filter_map(|o| o.p95_ms).reduce(f64::max);
        let max = ops.iter().filter_map(|o| o.max_ms).reduce(f64::max);
        node.duration_ms = Some(Durations {
            p50: Some(p50),
            p95,
            max,
        });
    }
    if node.entry.is_none() {
        node.entry = ops.iter().find_map(|o| o.entry.clone());
    }
    for op in ops {
        node.resources.extend(op.resources.iter().cloned());
    }
    node.resources.sort();
    node.resources.dedup();
}

/// The busiest unmatched operations a report lists.
const MAX_UNMATCHED_OPERATIONS: usize = 20;

fn report(
    summary: &TraceSummary,
    target: &[Option<usize>],
    nodes_without_traces: usize,
    measured_edges: usize,
) -> TraceCoverage {
    let mut unmatched: Vec<(String, u64)> = summary
        .operations
        .iter()
        .zip(target)
        .filter(|(_, t)| t.is_none())
        .map(|(op, _)| (op.key(), op.count))
        .collect();
    let unmatched_operations = unmatched.len();
    unmatched.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    unmatched.truncate(MAX_UNMATCHED_OPERATIONS);
    TraceCoverage {
        // The reader of the files knows how many there were.
        files: 0,
        spans: summary.spans,
        traces: summary.traces,
        operations: summary.operations.len(),
        matched_operations: summary.operations.len() - unmatched_operations,
        unmatched_operations,
        top_unmatched: unmatched
            .into_iter()
            .map(|(operation, spans)| UnmatchedOperation { operation, spans })
            .collect(),
        nodes_without_traces,
        measured_edges,
        window_s: summary.window_s,
        warnings: summary.warnings.clone(),
    }
}

/// The last segment of a path-like name (`a::b::c`, `a.b.C`, `GET /x/y`).
fn last_segment(id: &str) -> &str {
    id.rsplit([':', '.', '/', ' ', '#'])
        .find(|s| !s.is_empty())
        .unwrap_or(id)
}
