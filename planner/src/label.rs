//! Labelling: for each service, the signals (rate, duration, memory, state, triggers), the monthly
//! cost both ways, and the decision `microservice` or `function` with its reasons and confidence.
//!
//! The steps, each a plain function over plain data: [`flow`] (invocations of every node, once
//! for the graph) → [`gather`] (the signals of one service) → [`price`] → [`decide::hard_limits`]
//! → [`decide::weigh`] (typed reasons, each leaning factor with its weight) → [`decide::decide`]
//! → [`decide::confidence`]. The English of the rationale is written from the typed reasons by
//! `render::rationale`.

mod decide;
mod flow;
mod gather;

pub(crate) use decide::{HardLimit, Reason, Work};
pub(crate) use flow::{Flow, flow, reachable_hints};
pub(crate) use gather::ServiceSignals;

use analyzer::CallGraph;

use crate::calls::Calls;
use crate::config::Config;
use crate::plan::{Confidence, Cost, Factor, Label, Rationale};

/// Everything the labeller needs about one service.
pub(crate) struct ServiceFacts<'a> {
    /// Member positions.
    pub members: &'a [usize],
    /// Node position → service index.
    pub assignment: &'a [usize],
    /// This service's index.
    pub index: usize,
    /// Node position → shared utility code.
    pub shared: &'a [bool],
}

/// What the labeller needs about the whole graph, computed once for all services.
pub(crate) struct GraphFacts<'a> {
    /// The calls, by caller and by callee.
    pub calls: &'a Calls<'a>,
    /// Invocations per day of every node, and whether measured ([`flow`]).
    pub flow: &'a Flow,
    /// The slowest hint each node reaches in its service ([`reachable_hints`]).
    pub reach: Option<&'a [f64]>,
}

/// The label of one service with its rationale, cost and confidence.
pub(crate) struct Decision {
    pub label: Label,
    pub rationale: Rationale,
    pub cost: Cost,
    pub confidence: Confidence,
}

/// Everything decided about one service, typed: what `render::rationale` words.
pub(crate) struct Verdict {
    /// The label.
    pub label: Label,
    /// The signals it was decided from.
    pub signals: ServiceSignals,
    /// Hard limits broken.
    pub hard: Vec<HardLimit>,
    /// The reasons, in the order weighed, with their factors.
    pub reasons: Vec<Reason>,
    /// The factors that lean one way.
    pub factors: Vec<Factor>,
    /// The kind of work.
    pub work: Work,
    /// Monthly costs both ways (`chosen_monthly_usd` set).
    pub cost: Cost,
    /// The confidence.
    pub confidence: Confidence,
}

/// Decides the label of one service.
///
/// # Complexity
/// O(members + calls into them) given `whole`.
pub(crate) fn label_service(
    graph: &CallGraph,
    facts: &ServiceFacts<'_>,
    whole: &GraphFacts<'_>,
    config: &Config,
) -> Decision {
    let verdict = verdict(graph, facts, whole, config);
    Decision {
        label: verdict.label,
        rationale: crate::render::rationale(&verdict),
        cost: verdict.cost.clone(),
        confidence: verdict.confidence.clone(),
    }
}

/// The typed decision for one service: signals → hard limits → factors → label → confidence.
pub(crate) fn verdict(
    graph: &CallGraph,
    facts: &ServiceFacts<'_>,
    whole: &GraphFacts<'_>,
    config: &Config,
) -> Verdict {
    let signals = gather::gather(graph, facts, whole, &config.labelling);
    let per_month = signals.per_month();
    let mut cost = price(
        per_month,
        signals.duration_ms,
        signals.memory_mb,
        signals.concurrency(),
        config,
    );
    let hard = decide::hard_limits(&signals, config);
    let (reasons, factors): (Vec<Reason>, Vec<Option<Factor>>) =
        decide::weigh(&signals, &cost, config)
            .into_iter()
            .map(|w| (w.reason, w.factor))
            .unzip();
    let factors: Vec<Factor> = factors.into_iter().flatten().collect();
    let score = decide::score(&factors);
    let label = decide::decide(&hard, score);
    let confidence = decide::confidence(
        decide::evidence(&signals),
        !hard.is_empty(),
        score,
        per_month,
    );
    cost.chosen_monthly_usd = match label {
        Label::Function => cost.function_monthly_usd,
        Label::Microservice => cost.microservice_monthly_usd,
    };
    Verdict {
        label,
        work: decide::work(&signals),
        signals,
        hard,
        reasons,
        factors,
        cost,
        confidence,
    }
}

/// Monthly cost both ways and the break-even rate.
pub(crate) fn price(
    per_month: f64,
    duration_ms: f64,
    memory_mb: f64,
    concurrency: f64,
    config: &Config,
) -> Cost {
    let p = &config.prices;
    let gb = memory_mb.max(128.0) / 1024.0;
    let per_call = p.function_per_million_requests / 1e6
        + duration_ms / 1000.0 * gb * p.function_per_gb_second;
    let (requests, gb_seconds) = if p.apply_free_tier {
        (
            (per_month - p.free_requests).max(0.0),
            (per_month * duration_ms / 1000.0 * gb - p.free_gb_seconds).max(0.0),
        )
    } else {
        (per_month, per_month * duration_ms / 1000.0 * gb)
    };
    let function =
        requests * p.function_per_million_requests / 1e6 + gb_seconds * p.function_per_gb_second;
    let container_gb = (memory_mb / 1024.0 * 2.0).ceil() / 2.0;
    let container_gb = container_gb.max(p.container_min_memory_gb);
    let hourly =
        p.container_vcpu * p.container_per_vcpu_hour + container_gb * p.container_per_gb_hour;
    let containers = (concurrency / config.labelling.busy_fraction.max(0.01))
        .ceil()
        .max(p.min_containers);
    let microservice = containers * hourly * p.hours_per_month;
    let floor = p.min_containers.max(1.0) * hourly * p.hours_per_month;
    Cost {
        function_monthly_usd: function,
        microservice_monthly_usd: microservice,
        break_even_invocations_per_month: if per_call > 0.0 {
            floor / per_call
        } else {
            f64::INFINITY
        },
        chosen_monthly_usd: 0.0,
    }
}

#[cfg(test)]
mod tests;
