//! Plan → plan: what changed between two plans (moved nodes, services born, gone, merged, split,
//! relabelled or renamed, new cross-service calls, metric and cost deltas).

mod matching;

use serde::Serialize;

use crate::plan::{Label, Plan, Service};

pub use crate::render::diff_text;
pub(crate) use crate::render::shown;

/// The difference between an earlier and a later plan. Every list is sorted by id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanDiff {
    /// How much changed, in numbers.
    pub counts: DiffCounts,
    /// Services of both plans taken to be the same service.
    pub matched: Vec<ServicePair>,
    /// Nodes of both plans whose service is not the counterpart of their old service.
    pub moved: Vec<MovedNode>,
    /// Nodes only in the later plan, with their service.
    pub added: Vec<PlacedNode>,
    /// Nodes only in the earlier plan, with their old service.
    pub removed: Vec<PlacedNode>,
    /// Later services with no counterpart that are not the product of a split.
    pub born: Vec<ServiceBrief>,
    /// Earlier services with no counterpart that did not merge into another.
    pub gone: Vec<ServiceBrief>,
    /// Several earlier services whose members now mostly sit in one later service.
    pub merged: Vec<Merge>,
    /// One earlier service that most of several later services come from.
    pub split: Vec<Split>,
    /// Matched services whose label changed.
    pub relabelled: Vec<Relabel>,
    /// Matched services whose id or name changed.
    pub renamed: Vec<Rename>,
    /// Service-to-service call pairs of the later plan that had no counterpart before.
    pub new_cross_calls: Vec<ServiceLink>,
    /// Call pairs of the earlier plan with no counterpart now (old ids).
    pub removed_cross_calls: Vec<ServiceLink>,
    /// Input sizes and quality metrics, each old → new (all of them, changed or not).
    pub metrics: Vec<Delta>,
    /// Monthly cost deltas.
    pub cost: CostDeltas,
}

/// The sizes of a [`PlanDiff`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DiffCounts {
    /// Nodes in the earlier plan.
    pub old_nodes: usize,
    /// Nodes in the later plan.
    pub new_nodes: usize,
    /// Nodes in both (the ones that can move).
    pub common_nodes: usize,
    /// Moved nodes.
    pub moved: usize,
    /// Added nodes.
    pub added: usize,
    /// Removed nodes.
    pub removed: usize,
    /// Services born.
    pub born: usize,
    /// Services gone.
    pub gone: usize,
    /// Merges.
    pub merged: usize,
    /// Splits.
    pub split: usize,
    /// Label changes.
    pub relabelled: usize,
    /// Renames.
    pub renamed: usize,
    /// New cross-service call pairs.
    pub new_cross_calls: usize,
    /// Removed cross-service call pairs.
    pub removed_cross_calls: usize,
}

/// A service named by id and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ServiceRef {
    /// Service id (`s3`).
    pub id: String,
    /// Service name.
    pub name: String,
}

/// A service with its label and size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceBrief {
    /// Service id.
    pub id: String,
    /// Service name.
    pub name: String,
    /// Its label.
    pub label: Label,
    /// Number of members.
    pub size: usize,
}

/// How two services were paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchedBy {
    /// Same id, and most of the smaller one's members in common.
    Id,
    /// The later service holds most of the earlier one's surviving members.
    Overlap,
}

/// An earlier and a later service taken to be the same.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServicePair {
    /// The earlier service.
    pub old: ServiceRef,
    /// The later service.
    pub new: ServiceRef,
    /// How they were paired.
    pub by: MatchedBy,
    /// Members in common.
    pub shared_members: usize,
}

/// A node that changed service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MovedNode {
    /// Node id.
    pub node: String,
    /// Its earlier service.
    pub from: ServiceRef,
    /// Its later service.
    pub to: ServiceRef,
}

/// A node and the service it sits in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlacedNode {
    /// Node id.
    pub node: String,
    /// Its service.
    pub service: ServiceRef,
}

/// Earlier services merged into one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Merge {
    /// The earlier services (at least two).
    pub from: Vec<ServiceRef>,
    /// The later service holding most of each.
    pub into: ServiceRef,
}

/// An earlier service split into several.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Split {
    /// The earlier service.
    pub from: ServiceRef,
    /// The later services (at least two) most of whose members come from it.
    pub into: Vec<ServiceRef>,
}

/// A label change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Relabel {
    /// The earlier service.
    pub old: ServiceRef,
    /// The later service.
    pub new: ServiceRef,
    /// The earlier label.
    pub from: Label,
    /// The later label.
    pub to: Label,
    /// The later rationale's summary.
    pub summary: String,
}

/// An id or name change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rename {
    /// The earlier service.
    pub old: ServiceRef,
    /// The later service.
    pub new: ServiceRef,
}

/// Calls from one service to another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceLink {
    /// Calling service.
    pub from: ServiceRef,
    /// Called service.
    pub to: ServiceRef,
    /// Node-level edges aggregated.
    pub edges: usize,
    /// Estimated calls per day.
    pub calls_per_day: f64,
}

/// A figure before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delta {
    /// What it is, as its path in plan.json (`metrics.modularity`).
    pub name: String,
    /// Earlier value.
    pub old: f64,
    /// Later value.
    pub new: f64,
    /// `new - old`.
    pub delta: f64,
}

impl Delta {
    fn new(name: &str, old: f64, new: f64) -> Delta {
        Delta {
            name: name.to_string(),
            old,
            new,
            delta: new - old,
        }
    }

    /// Whether the values differ beyond float noise.
    pub fn changed(&self) -> bool {
        differs(self.old, self.new)
    }
}

/// Monthly cost deltas, USD.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostDeltas {
    /// The plan's totals (`cost.*`), changed or not.
    pub plan: Vec<Delta>,
    /// Services whose chosen cost changed; a service without counterpart has `None` on one side.
    /// The deltas add up to the change of `cost.plan_monthly_usd`.
    pub services: Vec<ServiceCost>,
}

/// One service's chosen monthly cost before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceCost {
    /// The later service, or the earlier one when it has no counterpart.
    pub service: ServiceRef,
    /// Earlier cost, when the service existed.
    pub old: Option<f64>,
    /// Later cost, when the service exists.
    pub new: Option<f64>,
    /// Later minus earlier (a missing side counts as 0).
    pub delta: f64,
}

impl PlanDiff {
    /// True when nothing this diff tracks changed.
    pub fn is_empty(&self) -> bool {
        let c = &self.counts;
        c.moved + c.added + c.removed + c.born + c.gone + c.merged + c.split == 0
            && c.relabelled + c.renamed + c.new_cross_calls + c.removed_cross_calls == 0
            && !self.metrics.iter().any(Delta::changed)
            && !self.cost.plan.iter().any(Delta::changed)
            && self.cost.services.is_empty()
    }
}

fn differs(a: f64, b: f64) -> bool {
    (a - b).abs() > 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn service_ref(s: &Service) -> ServiceRef {
    ServiceRef {
        id: s.id.clone(),
        name: s.name.clone(),
    }
}

fn brief(s: &Service) -> ServiceBrief {
    ServiceBrief {
        id: s.id.clone(),
        name: s.name.clone(),
        label: s.label,
        size: s.size,
    }
}

/// Compares an earlier plan with a later one.
///
/// Services are paired by id where they share most of the smaller one's members, then greedily by
/// largest member overlap where the later service holds most of the earlier one's surviving
/// members. A node moved when its later service is not the counterpart of its earlier one.
///
/// # Complexity
/// O((V + K²) log(V + K²)) for V nodes and K services.
pub fn diff(old: &Plan, new: &Plan) -> PlanDiff {
    matching::diff(old, new)
}

#[cfg(test)]
mod tests;
