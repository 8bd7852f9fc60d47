//! Plan → why: why a node sits in its service (its flags, the decisions naming it, its strongest
//! ties), and why a service has its label (rationale, costs, members, neighbours).

mod text;

use std::collections::{BTreeMap, HashMap};

use analyzer::CallGraph;
use serde::Serialize;

use crate::diff::ServiceRef;
use crate::plan::{Label, Plan, Service, ServiceCount, SharedCode};

pub use text::{node_text, service_text};

/// Calls listed each way, and neighbours listed, before the rest are only counted.
pub const MAX_TIES: usize = 10;

/// Why a node sits where it does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeExplanation {
    /// Node id.
    pub node: String,
    /// Its service.
    pub service: ServiceRef,
    /// Its service's label.
    pub label: Label,
    /// Trigger kind when it is an entry point.
    pub entry_point: Option<String>,
    /// Keeps in-memory state between calls.
    pub stateful: bool,
    /// Shared utility code, with its callers, when it is.
    pub shared_code: Option<SharedCode>,
    /// Has no call at all (placed by module proximity).
    pub isolated: bool,
    /// No entry point reaches it.
    pub unreachable: bool,
    /// Decisions of the plan's `decisions` section that name it (compact JSON each).
    pub decisions: Vec<String>,
    /// Its calls, when the call graph is at hand.
    pub ties: Option<Ties>,
}

/// A node's calls, weighed by service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ties {
    /// Call weight (in and out) to members of its own service.
    pub inside: f64,
    /// Call weight towards each other service, heaviest first.
    pub towards: Vec<ServiceWeight>,
    /// Heaviest calls it receives, heaviest first.
    pub calls_in: Vec<Tie>,
    /// Heaviest calls it makes, heaviest first.
    pub calls_out: Vec<Tie>,
    /// Calls in, all of them.
    pub total_in: usize,
    /// Calls out, all of them.
    pub total_out: usize,
}

/// Call weight between a node and one service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceWeight {
    /// The service.
    pub service: ServiceRef,
    /// Summed weight of the calls both ways.
    pub weight: f64,
}

/// One call of a node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tie {
    /// The node at the other end.
    pub node: String,
    /// Its service, when it is in the plan.
    pub service: Option<ServiceRef>,
    /// Call weight.
    pub weight: f64,
    /// A message or event rather than a blocking call.
    #[serde(rename = "async")]
    pub is_async: bool,
}

/// Why a service has its label, and what it is made of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceExplanation {
    /// The service as the plan holds it (rationale, costs, confidence, members…).
    pub service: Service,
    /// Services it calls or is called by, by call weight both ways, heaviest first.
    pub neighbours: Vec<Neighbour>,
    /// Decisions of the plan's `decisions` section that name it (compact JSON each).
    pub decisions: Vec<String>,
    /// How the plan's number of services was reached.
    pub service_count: Option<ServiceCount>,
}

/// Another service and the calls between the two.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Neighbour {
    /// The other service.
    pub service: ServiceRef,
    /// Call weight (sync + async) from the explained service to it.
    pub outgoing_weight: f64,
    /// Call weight from it to the explained service.
    pub incoming_weight: f64,
    /// Estimated calls per day, both ways.
    pub calls_per_day: f64,
}

fn service_ref(s: &Service) -> ServiceRef {
    ServiceRef {
        id: s.id.clone(),
        name: s.name.clone(),
    }
}

/// The service of a node id, if the plan places it.
pub fn service_of<'a>(plan: &'a Plan, node: &str) -> Option<&'a Service> {
    plan.clusters
        .iter()
        .find(|s| s.members.iter().any(|m| m == node))
}

/// A service by id, else by exact name, else by name ignoring case.
pub fn find_service<'a>(plan: &'a Plan, query: &str) -> Option<&'a Service> {
    let s = &plan.clusters;
    s.iter()
        .find(|s| s.id == query)
        .or_else(|| s.iter().find(|s| s.name == query))
        .or_else(|| s.iter().find(|s| s.name.eq_ignore_ascii_case(query)))
}

/// Explains a node of the plan; `None` when the plan does not place it. `graph` (the call graph
/// the plan was made from) gives its ties; `decisions` is the plan's `decisions` section, if any.
///
/// # Complexity
/// O(V + E log E) with a graph, O(V) without.
pub fn explain_node(
    plan: &Plan,
    node: &str,
    graph: Option<&CallGraph>,
    decisions: Option<&serde_json::Value>,
) -> Option<NodeExplanation> {
    let service = service_of(plan, node)?;
    let ties = graph.and_then(|g| ties(plan, g, node, service));
    Some(NodeExplanation {
        node: node.to_string(),
        service: service_ref(service),
        label: service.label,
        entry_point: service
            .entry_points
            .iter()
            .find(|e| e.id == node)
            .map(|e| e.trigger.clone()),
        stateful: service.stateful_members.iter().any(|m| m == node),
        shared_code: plan.shared_code.iter().find(|s| s.id == node).cloned(),
        isolated: plan.isolated.iter().any(|m| m == node),
        unreachable: plan.unreachable.iter().any(|m| m == node),
        decisions: decisions.map_or_else(Vec::new, |d| naming(d, &[node], true)),
        ties,
    })
}

fn ties(plan: &Plan, graph: &CallGraph, node: &str, own: &Service) -> Option<Ties> {
    let at = graph.position(node)?;
    let mut place: HashMap<&str, &Service> = HashMap::new();
    for s in &plan.clusters {
        for m in &s.members {
            place.insert(m.as_str(), s);
        }
    }
    let (mut calls_in, mut calls_out) = (Vec::new(), Vec::new());
    let mut inside = 0.0;
    let mut towards: BTreeMap<&str, (f64, &Service)> = BTreeMap::new();
    for (f, t, call) in graph.edges() {
        if f == t || (f != at && t != at) {
            continue;
        }
        let other = &graph.node(if f == at { t } else { f }).id;
        let service = place.get(other.as_str()).copied();
        match service {
            Some(s) if s.id == own.id => inside += call.weight,
            Some(s) => towards.entry(s.id.as_str()).or_insert((0.0, s)).0 += call.weight,
            None => {}
        }
        let tie = Tie {
            node: other.clone(),
            service: service.map(service_ref),
            weight: call.weight,
            is_async: call.is_async,
        };
        if f == at {
            calls_out.push(tie)
        } else {
            calls_in.push(tie)
        }
    }
    let heaviest = |a: &Tie, b: &Tie| {
        b.weight
            .total_cmp(&a.weight)
            .then_with(|| a.node.cmp(&b.node))
    };
    calls_in.sort_by(heaviest);
    calls_out.sort_by(heaviest);
    let (total_in, total_out) = (calls_in.len(), calls_out.len());
    calls_in.truncate(MAX_TIES);
    calls_out.truncate(MAX_TIES);
    let mut towards: Vec<ServiceWeight> = towards
        .into_values()
        .map(|(weight, s)| ServiceWeight {
            service: service_ref(s),
            weight,
        })
        .collect();
    towards.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then_with(|| a.service.cmp(&b.service))
    });
    Some(Ties {
        inside,
        towards,
        calls_in,
        calls_out,
        total_in,
        total_out,
    })
}

/// Explains a service (by id or name); `None` when the plan has no such service.
///
/// # Complexity
/// O(C) for C cross-service call pairs.
pub fn explain_service(
    plan: &Plan,
    query: &str,
    decisions: Option<&serde_json::Value>,
) -> Option<ServiceExplanation> {
    let service = find_service(plan, query)?;
    let mut by: BTreeMap<&str, Neighbour> = BTreeMap::new();
    for c in &plan.cross_calls {
        let (other, outgoing) = match (c.from == service.id, c.to == service.id) {
            (true, false) => (&c.to, true),
            (false, true) => (&c.from, false),
            _ => continue,
        };
        let Some(s) = plan.clusters.iter().find(|s| &s.id == other) else {
            continue;
        };
        let n = by.entry(s.id.as_str()).or_insert_with(|| Neighbour {
            service: service_ref(s),
            outgoing_weight: 0.0,
            incoming_weight: 0.0,
            calls_per_day: 0.0,
        });
        let weight = c.sync_weight + c.async_weight;
        if outgoing {
            n.outgoing_weight += weight
        } else {
            n.incoming_weight += weight
        }
        n.calls_per_day += c.calls_per_day;
    }
    let mut neighbours: Vec<Neighbour> = by.into_values().collect();
    let total = |n: &Neighbour| n.outgoing_weight + n.incoming_weight;
    neighbours.sort_by(|a, b| {
        total(b)
            .total_cmp(&total(a))
            .then_with(|| a.service.cmp(&b.service))
    });
    Some(ServiceExplanation {
        service: service.clone(),
        neighbours,
        decisions: decisions.map_or_else(Vec::new, |d| {
            naming(d, &[service.id.as_str(), service.name.as_str()], false)
        }),
        service_count: plan.service_count.clone(),
    })
}

/// The entries of a `decisions` section (whatever its shape: arrays of objects, possibly under
/// keys) that name one of `names` in a string — or, when `patterns`, hold a glob matching one.
fn naming(decisions: &serde_json::Value, names: &[&str], patterns: bool) -> Vec<String> {
    let mut out = Vec::new();
    collect(decisions, names, patterns, &mut out);
    out
}

fn collect(v: &serde_json::Value, names: &[&str], patterns: bool, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Array(items) => {
            for item in items {
                match item {
                    serde_json::Value::Object(_) if mentions(item, names, patterns) => {
                        out.push(serde_json::to_string(item).unwrap_or_default());
                    }
                    _ => collect(item, names, patterns, out),
                }
            }
        }
        serde_json::Value::Object(map) => {
            for item in map.values() {
                collect(item, names, patterns, out);
            }
        }
        _ => {}
    }
}

fn mentions(v: &serde_json::Value, names: &[&str], patterns: bool) -> bool {
    match v {
        serde_json::Value::String(s) => names
            .iter()
            .any(|n| s == n || (patterns && s.contains(['*', '?']) && glob(s, n))),
        serde_json::Value::Array(items) => items.iter().any(|i| mentions(i, names, patterns)),
        serde_json::Value::Object(map) => map.values().any(|i| mentions(i, names, patterns)),
        _ => false,
    }
}

/// Glob match where `*` and `**` match any run of characters and `?` one character.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests;
