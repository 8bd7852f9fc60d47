//! The plan: plain data, serialised as `plan.json` (schema in docs/plan-format.md).

mod validate;
pub use validate::{PlanError, validate_plan};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version of the `plan.json` schema. Bumped on any incompatible change.
pub const PLAN_SCHEMA_VERSION: u32 = 1;

/// The file name of plan.json's schema, written beside it and named by its `$schema` key.
pub const PLAN_SCHEMA_FILE: &str = "plan.schema.json";

/// A proposed hybrid decomposition of a monolith.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Plan {
    /// Where the JSON Schema of this file is, for editors and validators: `plan.schema.json`,
    /// which `cleave plan` writes beside plan.json.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Version of this schema ([`PLAN_SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// What was planned.
    pub input: InputSummary,
    /// Number of services asked for with `--services`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_services: Option<usize>,
    /// How the number of services was reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_count: Option<ServiceCount>,
    /// The proposed services, largest first.
    pub clusters: Vec<Service>,
    /// Calls between services, aggregated, heaviest first. Calls into or out of shared code are
    /// not among them: shared code ships as a library in every service that uses it, so those
    /// calls stay in process ([`Plan::library_calls`]).
    pub cross_calls: Vec<CrossCall>,
    /// Calls from each service's own code into shared code, per service, heaviest first.
    #[serde(default)]
    pub library_calls: Vec<LibraryCall>,
    /// Every data store the members use (`nodes[].resources`) with the services that use it; a
    /// store used by several services is flagged as shared, and named in the notes.
    #[serde(default)]
    pub data_stores: Vec<DataStore>,
    /// High fan-in utility code that must not glue services together.
    pub shared_code: Vec<SharedCode>,
    /// Nodes no entry point reaches (dead code or undeclared entry points).
    pub unreachable: Vec<String>,
    /// Nodes with no call at all, placed by module proximity.
    pub isolated: Vec<String>,
    /// Quality metrics of the decomposition.
    pub metrics: Metrics,
    /// Monthly cost of the plan, and of the two all-or-nothing alternatives.
    pub cost: PlanCost,
    /// Things a reviewer should know (requests that could not be met exactly, assumptions).
    pub notes: Vec<String>,
    /// What the runtime traces covered, when traces were given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traces: Option<TraceCoverage>,
    /// Where the plan came from, so that `check`, `explain` and `render --service` can re-read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<PlanSource>,
    /// The decisions of `cleave.toml` and how they applied, when there were any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decisions: Option<DecisionsReport>,
}

/// How the decisions file applied (docs/decisions.md).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct DecisionsReport {
    /// Every decision, in file order by kind: services, together, apart, exclude.
    pub decisions: Vec<AppliedDecision>,
    /// Nodes dropped by `[exclude]` before planning.
    pub excluded_nodes: usize,
    /// Patterns that matched no node (a typo?), each as ``<decision>: <field> `<pattern>` ``.
    pub unmatched: Vec<String>,
}

/// One decision and what it matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AppliedDecision {
    /// What the decision asks.
    pub kind: DecisionKind,
    /// The service's name (`service` decisions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Id of the service it became (`service` decisions that matched a node).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The forced label, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
    /// Its patterns with their match counts.
    pub patterns: Vec<PatternMatch>,
    /// Distinct nodes the decision matched.
    pub nodes: usize,
    /// Ids of the nodes it matched, sorted: pinned to the service, kept together, on a side of an
    /// `[[apart]]`, or dropped by `[exclude]`. `cleave explain` reads them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub node_ids: Vec<String>,
}

/// The kind of a decision.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum DecisionKind {
    /// `[[service]]`: a named service with pinned nodes.
    Service,
    /// `[[together]]`: keep the matches in one service.
    Together,
    /// `[[apart]]`: keep each pattern's matches apart from the other patterns'.
    Apart,
    /// `[exclude]`: drop the matches from the plan.
    Exclude,
}

impl DecisionKind {
    /// The lowercase name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Service => "service",
            DecisionKind::Together => "together",
            DecisionKind::Apart => "apart",
            DecisionKind::Exclude => "exclude",
        }
    }
}

/// Whether a pattern matches node ids or node modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PatternField {
    /// Globs over node ids.
    Nodes,
    /// Globs over node modules.
    Modules,
}

impl PatternField {
    /// The key it is written under in `cleave.toml` (`nodes` or `modules`).
    pub fn as_str(self) -> &'static str {
        match self {
            PatternField::Nodes => "nodes",
            PatternField::Modules => "modules",
        }
    }
}

/// One pattern and how many nodes it matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PatternMatch {
    /// `nodes` or `modules`.
    pub field: PatternField,
    /// The glob as written.
    pub pattern: String,
    /// Nodes it matched (for `exclude`, in the input; otherwise among the nodes left).
    pub matched: usize,
}

/// The files a plan was made from (absolute paths).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct PlanSource {
    /// The call graph file or Rust workspace directory, if any (paths relative to the plan's
    /// folder when `cleave plan` writes them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Trace exports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traces: Vec<String>,
    /// The config and decisions file, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// The repository history read with `--history`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<HistorySource>,
}

/// Where the co-change history came from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct HistorySource {
    /// The folder whose history was read (its files' paths are relative to it).
    pub repository: String,
    /// The commit the history ends at.
    pub head: String,
    /// Commits read.
    pub commits: usize,
}

/// How runtime traces mapped onto the call graph (the analyzer's record, kept in the plan).
pub use analyzer::{TraceCoverage, UnmatchedOperation};

/// Size and provenance of the input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InputSummary {
    /// Number of nodes.
    pub nodes: usize,
    /// Number of (merged) edges.
    pub edges: usize,
    /// Number of distinct modules.
    pub modules: usize,
    /// Number of entry points.
    pub entry_points: usize,
    /// Nodes carrying measured runtime figures (invocations or durations).
    pub measured_nodes: usize,
}

/// `microservice` or `function`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// A long-running, independently deployed service.
    Microservice,
    /// A stateless, event-triggered handler billed per call.
    Function,
}

impl Label {
    /// The lowercase name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Microservice => "microservice",
            Label::Function => "function",
        }
    }
}

/// One proposed service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Service {
    /// Stable short id (`s1`, `s2`, … largest first).
    pub id: String,
    /// Human name derived from its modules and entry points (unique within the plan).
    pub name: String,
    /// The proposed deployment target.
    pub label: Label,
    /// Member node ids, sorted.
    pub members: Vec<String>,
    /// Number of members.
    pub size: usize,
    /// Modules of the members, most represented first, with member counts.
    pub modules: Vec<ModuleShare>,
    /// Entry points among the members.
    pub entry_points: Vec<EntryPoint>,
    /// External data the members use (the service owns it), sorted.
    pub resources: Vec<String>,
    /// Members keeping in-memory state between calls.
    pub stateful_members: Vec<String>,
    /// Members that are shared utility code (high fan-in from many modules).
    pub shared_members: Vec<String>,
    /// Why this label.
    pub rationale: Rationale,
    /// Monthly cost both ways.
    pub cost: Cost,
    /// How far the label can be trusted.
    pub confidence: Confidence,
    /// Cohesion and coupling.
    pub metrics: ServiceMetrics,
}

/// A module's share of a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModuleShare {
    /// Module name (`(none)` when members carry no module).
    pub module: String,
    /// Members of the service in that module.
    pub members: usize,
}

/// An entry point and its trigger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EntryPoint {
    /// Node id.
    pub id: String,
    /// Trigger kind (`http`, `event`, `queue`, `schedule`, …).
    pub trigger: String,
}

/// The signals and thresholds that decided a label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Rationale {
    /// One sentence a reviewer reads first.
    pub summary: String,
    /// Every consideration, in the order it was weighed.
    pub reasons: Vec<String>,
    /// Hard FaaS limits broken (each forces `microservice`).
    pub hard_limits: Vec<String>,
    /// The factors weighed when no hard limit decides, each with the label it leans to and how far.
    #[serde(default)]
    pub factors: Vec<Factor>,
    /// The figures the decision used.
    pub signals: Signals,
}

/// One factor of a label decision: the label it leans to and by how much. The decision multiplies
/// the weights leaning `function` and divides by those leaning `microservice`; above 1 it is a
/// function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Factor {
    /// What the factor is.
    pub factor: FactorKind,
    /// The label it leans to.
    pub leans: Label,
    /// How far, as a multiplier (1 leans nowhere; the cost factor is the ratio of the two costs).
    pub weight: f64,
}

/// The kinds of [`Factor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FactorKind {
    /// The monthly cost both ways: leans to the cheaper, by the ratio of the two.
    Cost,
    /// Event-driven work that is sporadic or bursty: cold starts are tolerable.
    SporadicEvents,
    /// Request-driven work: a function must be `function_cost_margin`× cheaper.
    RequestDriven,
    /// Called synchronously by other services: cold starts add to their latency.
    SynchronousCallers,
    /// Holds connection pools or clients that always-on keeps warm.
    ConnectionPools,
    /// A batch looping over I/O with no measured duration: it may pass the platform's limit.
    UnmeasuredBatch,
    /// Long-running work, over `long_running_s` typical.
    LongRunning,
    /// Its longest run is past half the platform's duration limit: too little headroom.
    NearTheLimit,
}

impl FactorKind {
    /// The kebab-case name used in plan.json.
    pub fn as_str(self) -> &'static str {
        match self {
            FactorKind::Cost => "cost",
            FactorKind::SporadicEvents => "sporadic-events",
            FactorKind::RequestDriven => "request-driven",
            FactorKind::SynchronousCallers => "synchronous-callers",
            FactorKind::ConnectionPools => "connection-pools",
            FactorKind::UnmeasuredBatch => "unmeasured-batch",
            FactorKind::LongRunning => "long-running",
            FactorKind::NearTheLimit => "near-the-limit",
        }
    }
}

/// Where a figure comes from: measured when at least 90 % of its weight is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Source {
    /// Runtime figures (the input's `invocations_per_day`, `duration_ms`, `memory_mb`, traces).
    #[serde(rename = "measured")]
    Measured,
    /// Some of its weight is measured, the rest assumed.
    #[serde(rename = "partly measured")]
    PartlyMeasured,
    /// The configured defaults and static hints.
    #[serde(rename = "assumed")]
    Assumed,
}

impl Source {
    /// The name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Measured => "measured",
            Source::PartlyMeasured => "partly measured",
            Source::Assumed => "assumed",
        }
    }
}

/// The figures behind a label; `*_source` says `measured` or `assumed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Signals {
    /// Invocations of the service per month (calls arriving from outside it).
    pub invocations_per_month: f64,
    /// Where the invocation figure comes from.
    pub invocations_source: Source,
    /// Typical duration of one invocation, ms.
    pub duration_ms: f64,
    /// Longest duration of one invocation, ms.
    pub max_duration_ms: f64,
    /// Where the duration figures come from.
    pub duration_source: Source,
    /// Memory of one instance, MB.
    pub memory_mb: f64,
    /// Where the memory figure comes from.
    pub memory_source: Source,
    /// Any member keeps in-memory state.
    pub stateful: bool,
    /// Triggers of its entry points, sorted and unique.
    pub triggers: Vec<String>,
    /// Share of the calls arriving from other services that are async (0–1).
    pub async_inbound_share: f64,
    /// Fraction of one container the work keeps busy.
    pub busy_fraction: f64,
}

/// Monthly cost both ways, in USD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Cost {
    /// As a function (requests + GB-seconds).
    pub function_monthly_usd: f64,
    /// As a microservice (always-on containers).
    pub microservice_monthly_usd: f64,
    /// Invocations per month at which both cost the same.
    pub break_even_invocations_per_month: f64,
    /// The cost of the chosen label.
    pub chosen_monthly_usd: f64,
}

/// Whether the label rests on measured figures or on static guesses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Confidence {
    /// `measured` (runtime figures), `partial` (some) or `static` (guesses only).
    pub basis: Evidence,
    /// 0–1: how much the evidence and the margin of the decision support the label.
    pub score: f64,
}

/// What a label rests on. Each ranks above the one before whatever the margin: a confidence score
/// of a `static` label never exceeds that of a `partial` one, nor `partial` that of `measured`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Evidence {
    /// Static guesses only: the configured defaults and hints from the code.
    Static,
    /// Rate or duration measured, not both.
    Partial,
    /// Rate and duration measured.
    Measured,
}

impl Evidence {
    /// The lowercase name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Static => "static",
            Evidence::Partial => "partial",
            Evidence::Measured => "measured",
        }
    }
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Per-service structure metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceMetrics {
    /// Share of the call weight touching the service that stays inside it (0–1, higher is better).
    pub cohesion: f64,
    /// Call weight inside the service.
    pub internal_weight: f64,
    /// Call weight leaving the service.
    pub outgoing_weight: f64,
    /// Call weight arriving from other services.
    pub incoming_weight: f64,
    /// Number of other services it calls or is called by.
    pub coupled_services: usize,
    /// Members called from other services (its interface).
    pub interface_members: usize,
}

/// Calls from one service to another, aggregated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CrossCall {
    /// Calling service id.
    pub from: String,
    /// Called service id.
    pub to: String,
    /// Summed weight of blocking calls.
    pub sync_weight: f64,
    /// Summed weight of async calls.
    pub async_weight: f64,
    /// Number of node-level edges aggregated.
    pub edges: usize,
    /// Estimated calls per day (each caller invocation makes one call per edge; measured where the
    /// callers' rates are).
    pub calls_per_day: f64,
}

/// Calls from one service's own code into shared code (which ships as a library in it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LibraryCall {
    /// The calling service's id.
    pub service: String,
    /// Summed weight of blocking calls.
    pub sync_weight: f64,
    /// Summed weight of async calls.
    pub async_weight: f64,
    /// Number of node-level edges aggregated.
    pub edges: usize,
    /// Distinct shared nodes called.
    pub shared_nodes: usize,
    /// Estimated calls per day, as for [`CrossCall::calls_per_day`].
    pub calls_per_day: f64,
}

/// A data store (a resource of the call graph: `db:orders`, `cache:sessions`, `queue:events`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DataStore {
    /// The resource as the input names it.
    pub name: String,
    /// Its kind: the text before the first `:` (`db`, `cache`, `bucket`, `queue`, `mem`), or
    /// `store` when there is none.
    pub kind: String,
    /// Ids of the services whose members use it, in plan order.
    pub services: Vec<String>,
    /// Used by more than one service: the services are coupled through it ("each service owns
    /// its data").
    pub shared: bool,
}

/// A shared utility node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SharedCode {
    /// Node id.
    pub id: String,
    /// Service it was placed in.
    pub service: String,
    /// Distinct callers.
    pub callers: usize,
    /// Distinct modules of its callers.
    pub caller_modules: usize,
    /// Distinct services calling it.
    pub caller_services: usize,
}

/// Quality metrics of a decomposition (definitions in DOMAIN.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Metrics {
    /// Number of services K.
    pub services: usize,
    /// Newman modularity Q of the call graph (undirected, weighted), higher is better.
    pub modularity: f64,
    /// Structural Modularity SM, higher is better.
    pub structural_modularity: f64,
    /// Inter-Call Percentage ICP (0–1), lower is better.
    pub inter_call_percentage: f64,
    /// Interface Number IFN, lower is better.
    pub interface_number: f64,
    /// Non-Extreme Distribution NED (0–1), lower is better.
    pub non_extreme_distribution: f64,
}

/// How the number of services was reached (docs/quality.md, "Feature packages").
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct ServiceCount {
    /// The number asked for with `--services`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested: Option<usize>,
    /// Clusters Leiden found among the nodes with calls.
    pub found: usize,
    /// Small clusters folded into their best neighbour (automatic mode).
    pub folded: usize,
    /// Clusters merged into the cohesive feature package most of their members share.
    pub merged_by_feature: usize,
    /// Clusters merged into another whose classes are named for the same business concepts.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub merged_by_concept: usize,
    /// Automatic mode: clusters merged into a neighbour while that raised modularity.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub merged_by_gain: usize,
    /// Automatic mode: clusters under a fifth of the mean service size folded into a neighbour.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub folded_fragments: usize,
    /// Told a number: the services the automatic mode finds, which were merged whole down to
    /// it or split up to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automatic: Option<usize>,
    /// Told fewer than the automatic services: the dependencies between the services of the
    /// grouping of highest modularity, and of the plan's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<Dependencies>,
    /// The services of the plan.
    pub services: usize,
    /// The choice in a sentence.
    pub reason: String,
}

/// Dependencies between services: ordered pairs of services with a call from the first to the
/// second. Told fewer services than the automatic plan's, the plan keeps, among the groupings
/// as modular as the most modular within 1 %, one with fewer of them (docs/quality.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Dependencies {
    /// Of the grouping of highest modularity.
    pub most_modular: usize,
    /// Of the plan's grouping.
    pub plan: usize,
}

/// Whether a count is zero (a step that did nothing is left out of plan.json).
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Monthly cost of the whole plan, USD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanCost {
    /// With the proposed labels.
    pub plan_monthly_usd: f64,
    /// Were every service a microservice.
    pub all_microservices_monthly_usd: f64,
    /// Were every service a function (ignoring hard limits).
    pub all_functions_monthly_usd: f64,
}

/// The JSON Schema of `plan.json` (docs/plan.schema.json is this, pretty-printed).
pub fn plan_schema() -> String {
    let schema = schemars::schema_for!(Plan);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
