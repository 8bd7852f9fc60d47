//! Planner settings: clustering knobs, FaaS limits, labelling thresholds and the price table.
//! Defaults are the published prices and limits of DOMAIN.md; a `--config` TOML file overrides any of them.

use serde::{Deserialize, Serialize};

use crate::decisions::{ExcludeDecision, GroupDecision, ServiceDecision};

/// Largest value of any numeric setting: beyond any real price, rate or duration, and small
/// enough that the costs computed from it stay finite.
const MAX_SETTING: f64 = 1e12;
/// Shortest trace window, in seconds: a rate needs a window to be measured over.
pub const MIN_WINDOW_S: f64 = 1e-3;

/// The `cleave.toml` that `cleave init` writes: every setting of [`Config`] commented out with its
/// default and a one-line meaning, and an example of the decisions, commented out too. Parsed as
/// is it gives [`Config::default`]; a unit test keeps it in step with the defaults.
pub const CONFIG_TEMPLATE: &str = include_str!("config/cleave.toml");

/// Every setting of the planner. Each section and field is optional in TOML; unknown keys are errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// How nodes are grouped into services.
    pub clustering: ClusterConfig,
    /// Hard limits of the FaaS platform.
    pub limits: Limits,
    /// Thresholds and fallbacks of the labelling.
    pub labelling: Labelling,
    /// The price table (us-east-1 published prices by default).
    pub prices: Prices,
    /// How runtime traces are read and mapped onto the call graph.
    pub traces: TraceConfig,
    /// `[[service]]` decisions: named services with pinned nodes (docs/decisions.md).
    pub service: Vec<ServiceDecision>,
    /// `[[together]]` decisions: matches kept in one service.
    pub together: Vec<GroupDecision>,
    /// `[[apart]]` decisions: each pattern's matches kept apart from the others'.
    pub apart: Vec<GroupDecision>,
    /// `[exclude]`: nodes dropped before planning.
    pub exclude: ExcludeDecision,
}

/// Trace import settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct TraceConfig {
    /// The time the exports cover, in seconds, when they are samples (`--traces-window` wins).
    pub window_s: Option<f64>,
    /// Rules mapping operations to nodes or modules, tried in order before the automatic matching.
    pub map: Vec<analyzer::MapRule>,
}

/// Clustering knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterConfig {
    /// Exact number of services wanted (`--services`); `None` chooses automatically.
    pub services: Option<usize>,
    /// Modularity resolution γ: higher gives more, smaller services.
    pub resolution: f64,
    /// Seed of the randomised node orders: the same seed gives the same plan.
    pub seed: u64,
    /// Strength of the tie between nodes of the same `module`, relative to a node's mean call strength.
    pub module_affinity: f64,
    /// Strength of the tie between nodes sharing a `resources` entry, relative to a node's mean call strength.
    pub resource_affinity: f64,
    /// Strength of the tie between nodes whose ids share a rare domain term (vocabulary), relative
    /// to a node's mean call strength (docs/quality.md).
    pub vocabulary_affinity: f64,
    /// Strength of the tie between nodes reached from the same entry points (use cases: the
    /// connected nodes nobody calls), relative to a node's mean call strength (docs/quality.md).
    pub use_case_affinity: f64,
    /// Strength of the tie between nodes of files that change together in the repository's
    /// history (`--history`), relative to a node's mean call strength (docs/quality.md).
    pub history_affinity: f64,
    /// Factor applied to async (message/event) edges: they couple less than blocking calls.
    pub async_factor: f64,
    /// Automatic mode: services smaller than this fold into their strongest neighbour.
    pub min_service_size: usize,
    /// Automatic mode: merge the clusters lying mostly inside one cohesive top-level package (a
    /// feature, not a layer) into one service.
    pub feature_merge: bool,
    /// Merge the clusters whose classes are named for the same business concepts (after the
    /// feature merge, in both modes; docs/quality.md).
    pub concept_merge: bool,
    /// A node called from at least this many distinct modules is shared (utility) code.
    pub shared_min_caller_modules: usize,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            services: None,
            resolution: 1.0,
            seed: 42,
            module_affinity: 1.0,
            resource_affinity: 1.0,
            vocabulary_affinity: 1.0,
            use_case_affinity: 0.6,
            history_affinity: 1.0,
            async_factor: 0.3,
            min_service_size: 3,
            feature_merge: true,
            concept_merge: true,
            shared_min_caller_modules: 4,
        }
    }
}

/// Hard limits of the FaaS platform (AWS Lambda by default): breaking one forces `microservice`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Longest allowed invocation, in seconds.
    pub max_duration_s: f64,
    /// Most memory a function may have, in MB.
    pub max_memory_mb: f64,
    /// Default concurrent executions per region.
    pub max_concurrency: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_duration_s: 900.0,
            max_memory_mb: 10_240.0,
            max_concurrency: 1_000.0,
        }
    }
}

/// Thresholds and the fallbacks used when runtime figures are missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Labelling {
    /// Memory assumed when no member states one, in MB.
    pub default_memory_mb: f64,
    /// Duration assumed when no member states one, in ms.
    pub default_duration_ms: f64,
    /// Invocations per day assumed for an HTTP (or other request/response) entry point without figures.
    pub default_http_per_day: f64,
    /// Invocations per day assumed for an event or queue consumer without figures.
    pub default_event_per_day: f64,
    /// Invocations per day assumed for a scheduled job without figures.
    pub default_schedule_per_day: f64,
    /// Invocations per day assumed for a `cli` entry point (a `main`: it runs when the process starts).
    pub default_cli_per_day: f64,
    /// A typical invocation longer than this (seconds) is "long-running": it leans toward `microservice`.
    pub long_running_s: f64,
    /// Busy fraction of one container above which always-on is preferred (DOMAIN.md: about half).
    pub busy_fraction: f64,
    /// Cost ratio (microservice ÷ function) needed before a request-driven service becomes a function.
    pub function_cost_margin: f64,
}

impl Default for Labelling {
    fn default() -> Self {
        Labelling {
            default_memory_mb: 512.0,
            default_duration_ms: 100.0,
            default_http_per_day: 100_000.0,
            default_event_per_day: 10_000.0,
            default_schedule_per_day: 24.0,
            default_cli_per_day: 1.0,
            long_running_s: 60.0,
            busy_fraction: 0.5,
            function_cost_margin: 1.5,
        }
    }
}

/// Published prices (DOMAIN.md, us-east-1) and the container sizing used to price a microservice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Prices {
    /// FaaS price per million requests, USD.
    pub function_per_million_requests: f64,
    /// FaaS compute price per GB-second, USD.
    pub function_per_gb_second: f64,
    /// Subtract the monthly free tier (account-wide, so off by default).
    pub apply_free_tier: bool,
    /// Free requests a month.
    pub free_requests: f64,
    /// Free GB-seconds a month.
    pub free_gb_seconds: f64,
    /// Container price per vCPU-hour, USD.
    pub container_per_vcpu_hour: f64,
    /// Container price per GB-hour, USD.
    pub container_per_gb_hour: f64,
    /// vCPUs of one container.
    pub container_vcpu: f64,
    /// Smallest container memory, in GB.
    pub container_min_memory_gb: f64,
    /// Containers always running, at least (availability).
    pub min_containers: f64,
    /// Hours in a month.
    pub hours_per_month: f64,
}

impl Default for Prices {
    fn default() -> Self {
        Prices {
            function_per_million_requests: 0.20,
            function_per_gb_second: 0.000_016_666_7,
            apply_free_tier: false,
            free_requests: 1_000_000.0,
            free_gb_seconds: 400_000.0,
            container_per_vcpu_hour: 0.040_48,
            container_per_gb_hour: 0.004_445,
            container_vcpu: 0.25,
            container_min_memory_gb: 0.5,
            min_containers: 1.0,
            hours_per_month: 730.0,
        }
    }
}

/// Reads a TOML config file's text: every setting optional, unknown keys and bad values rejected.
pub fn parse_config(text: &str) -> Result<Config, crate::Error> {
    let config: Config = toml::from_str(text).map_err(|e| crate::Error::Config(e.to_string()))?;
    config.validate()?;
    Ok(config)
}

impl Config {
    /// Checks every value is usable (finite, in range) and every decision well-formed (names,
    /// globs), naming the first that is not. Whether decisions fit the graph is checked when planning.
    pub fn validate(&self) -> Result<(), crate::Error> {
        crate::decisions::validate(self)?;
        let c = &self.clustering;
        if c.services == Some(0) {
            return Err(crate::Error::ZeroServices);
        }
        let positive = [
            ("clustering.resolution", c.resolution),
            ("limits.max_duration_s", self.limits.max_duration_s),
            ("limits.max_memory_mb", self.limits.max_memory_mb),
            ("limits.max_concurrency", self.limits.max_concurrency),
            (
                "labelling.default_memory_mb",
                self.labelling.default_memory_mb,
            ),
            (
                "labelling.default_duration_ms",
                self.labelling.default_duration_ms,
            ),
            ("labelling.busy_fraction", self.labelling.busy_fraction),
            (
                "labelling.function_cost_margin",
                self.labelling.function_cost_margin,
            ),
            ("labelling.long_running_s", self.labelling.long_running_s),
            ("prices.container_vcpu", self.prices.container_vcpu),
            ("prices.hours_per_month", self.prices.hours_per_month),
        ];
        for (key, value) in positive {
            if !(value.is_finite() && value > 0.0 && value <= MAX_SETTING) {
                return Err(crate::Error::Setting {
                    key: key.to_string(),
                    value: analyzer::readable_number(value),
                    reason: "it must be a finite number > 0 and ≤ 1e12".to_string(),
                });
            }
        }
        if let Some(w) = self.traces.window_s
            && !(w.is_finite() && (MIN_WINDOW_S..=MAX_SETTING).contains(&w))
        {
            return Err(crate::Error::Setting {
                key: "traces.window_s".to_string(),
                value: analyzer::readable_number(w),
                reason: "it must be a number of seconds from 0.001 to 1e12".to_string(),
            });
        }
        let non_negative = [
            ("clustering.module_affinity", c.module_affinity),
            ("clustering.resource_affinity", c.resource_affinity),
            ("clustering.vocabulary_affinity", c.vocabulary_affinity),
            ("clustering.use_case_affinity", c.use_case_affinity),
            ("clustering.history_affinity", c.history_affinity),
            ("clustering.async_factor", c.async_factor),
            (
                "labelling.default_http_per_day",
                self.labelling.default_http_per_day,
            ),
            (
                "labelling.default_event_per_day",
                self.labelling.default_event_per_day,
            ),
            (
                "labelling.default_schedule_per_day",
                self.labelling.default_schedule_per_day,
            ),
            (
                "labelling.default_cli_per_day",
                self.labelling.default_cli_per_day,
            ),
            (
                "prices.function_per_million_requests",
                self.prices.function_per_million_requests,
            ),
            (
                "prices.function_per_gb_second",
                self.prices.function_per_gb_second,
            ),
            ("prices.free_requests", self.prices.free_requests),
            ("prices.free_gb_seconds", self.prices.free_gb_seconds),
            (
                "prices.container_per_vcpu_hour",
                self.prices.container_per_vcpu_hour,
            ),
            (
                "prices.container_per_gb_hour",
                self.prices.container_per_gb_hour,
            ),
            (
                "prices.container_min_memory_gb",
                self.prices.container_min_memory_gb,
            ),
            ("prices.min_containers", self.prices.min_containers),
        ];
        for (key, value) in non_negative {
            if !(value.is_finite() && (0.0..=MAX_SETTING).contains(&value)) {
                return Err(crate::Error::Setting {
                    key: key.to_string(),
                    value: analyzer::readable_number(value),
                    reason: "it must be a finite number from 0 to 1e12".to_string(),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
