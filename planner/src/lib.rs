//! Call graph → plan: clusters a monolith's call graph into candidate services, labels each one
//! `microservice` or `function` with its cost and reasons, measures the decomposition, and renders
//! the plan as JSON, Graphviz DOT and Markdown. The planner does no I/O.

mod calls;
mod cluster;
mod compare;
mod config;
mod decisions;
mod diff;
mod drift;
mod error;
mod explain;
mod history;
mod identity;
mod label;
mod metrics;
mod modules;
mod mojo;
mod naming;
mod plan;
mod planning;
pub mod render;
use analyzer::steps;

pub use cluster::{Clustering, cluster};
pub use compare::{
    Comparison, Correspondence, MAX_UNMATCHED, PlanCorrespondence, Reference,
    ReferenceCorrespondence, ReferenceError, ReferenceFormat, ServiceOverlap, UnmatchedReference,
    compare, compare_text, parse_reference,
};
pub use config::{
    CONFIG_TEMPLATE, ClusterConfig, Config, Labelling, Limits, MIN_WINDOW_S, Prices, TraceConfig,
    parse_config,
};
pub use decisions::{DecisionError, ExcludeDecision, GroupDecision, ServiceDecision};
pub use diff::{
    CostDeltas, Delta, DiffCounts, MatchedBy, Merge, MovedNode, PlacedNode, PlanDiff, Relabel,
    Rename, ServiceBrief, ServiceCost, ServiceLink, ServicePair, ServiceRef, Split, diff,
    diff_text,
};
pub use drift::{Drift, DriftThresholds, drift, moved_percent};
pub use error::Error;
pub use explain::*;
pub use history::{CoChange, History, MAX_COMMIT_FILES, MIN_DEGREE, MIN_SHARED};
pub use metrics::decomposition_metrics;
pub use mojo::{mojo_distance, mojofm};
pub use plan::*;
pub use planning::{Timings, plan, plan_with, plan_with_history};
