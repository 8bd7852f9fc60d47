//! Plan → why: why a node sits in its service (its flags, the decisions naming it, its strongest
//! ties), and why a service has its label (rationale, costs, members, neighbours).

use std::collections::{BTreeMap, HashMap};

use analyzer::CallGraph;
use serde::Serialize;

use crate::diff::ServiceRef;
use crate::plan::{AppliedDecision, DecisionKind, Label, Plan, Service, ServiceCount, SharedCode};

pub use crate::render::{node_text, service_text};

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
    /// Decisions of the plan's `decisions` section that matched it.
    pub decisions: Vec<DecisionRef>,
    /// In-process state (`mem:` resources) it uses, when the call graph is at hand: its users are
    /// kept in one service, as one process holds that memory.
    pub in_process_state: Vec<String>,
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
    /// Decisions of the plan's `decisions` section that made it or matched its members.
    pub decisions: Vec<DecisionRef>,
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
/// the plan was made from) gives its ties and the state it uses.
///
/// # Complexity
/// O(V + E log E) with a graph, O(V) without.
pub fn explain_node(plan: &Plan, node: &str, graph: Option<&CallGraph>) -> Option<NodeExplanation> {
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
        decisions: naming(plan, &[node.to_string()], None),
        in_process_state: graph
            .and_then(|g| g.position(node).map(|p| g.node(p)))
            .map_or_else(Vec::new, |n| {
                let mut mem: Vec<String> = n
                    .resources
                    .iter()
                    .filter(|r| r.starts_with("mem:"))
                    .cloned()
                    .collect();
                mem.sort();
                mem.dedup();
                mem
            }),
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
pub fn explain_service(plan: &Plan, query: &str) -> Option<ServiceExplanation> {
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
        decisions: naming(plan, &service.members, Some(service.id.as_str())),
        service_count: plan.service_count.clone(),
    })
}

/// A decision of the plan's `decisions` section, as an explanation names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionRef {
    /// The decision as `cleave.toml` writes it: `[[service]] `payments``, `[[together]] #2`, …
    pub title: String,
    /// What the decision asks.
    pub kind: DecisionKind,
    /// Its patterns, as written.
    pub patterns: Vec<String>,
}

/// The plan's decisions that matched one of `nodes` (sorted ids), or made service `id`, in
/// the order of the decisions file. Reads what planning recorded (`node_ids`, `service`).
///
/// # Complexity
/// O(D · N log M) for D decisions, N nodes asked and M ids per decision.
fn naming(plan: &Plan, nodes: &[String], id: Option<&str>) -> Vec<DecisionRef> {
    let Some(report) = &plan.decisions else {
        return Vec::new();
    };
    let mut seen: BTreeMap<DecisionKind, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for d in &report.decisions {
        let nth = seen.entry(d.kind).or_default();
        *nth += 1;
        let made = id.is_some() && d.service.as_deref() == id;
        let matched = || nodes.iter().any(|n| d.node_ids.binary_search(n).is_ok());
        if !made && !matched() {
            continue;
        }
        let title = match (d.kind, &d.name) {
            (DecisionKind::Service, Some(name)) => crate::decisions::service_title(name),
            (DecisionKind::Exclude, _) => "[exclude]".to_string(),
            (kind, _) => format!("[[{}]] #{nth}", kind.as_str()),
        };
        out.push(decision_ref(d, title));
    }
    out
}

fn decision_ref(d: &AppliedDecision, title: String) -> DecisionRef {
    DecisionRef {
        title,
        kind: d.kind,
        patterns: d
            .patterns
            .iter()
            .map(|p| format!("{} = `{}`", p.field.as_str(), p.pattern))
            .collect(),
    }
}

/// The `[exclude]` decision that dropped node `id` before planning, if one did.
pub fn excluded_by(plan: &Plan, id: &str) -> Option<DecisionRef> {
    let report = plan.decisions.as_ref()?;
    let d = report.decisions.iter().find(|d| {
        d.kind == DecisionKind::Exclude
            && d.node_ids.binary_search_by(|n| n.as_str().cmp(id)).is_ok()
    })?;
    Some(decision_ref(d, "[exclude]".to_string()))
}

#[cfg(test)]
mod tests;
