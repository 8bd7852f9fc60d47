//! The decision over a service's signals, in plain steps: hard limits → factors (each a weight
//! leaning one way) → label → confidence. Nothing here writes English: the reasons are typed, and
//! `render::rationale` words them.

use super::gather::ServiceSignals;
use crate::config::Config;
use crate::plan::{Confidence, Cost, Evidence, Factor, FactorKind, Label, Source};

/// How far event-driven work that is sporadic or bursty leans towards a function: nobody waits
/// on it, so a cold start costs nothing but a little delay.
pub(crate) const EVENT_LEAN: f64 = 2.0;
/// How far holding connection pools or clients leans towards always-on.
pub(crate) const POOL_LEAN: f64 = 1.5;
/// How far long-running work leans towards always-on.
pub(crate) const LONG_RUNNING_LEAN: f64 = 2.0;
/// Past this share of the platform's duration limit, a run leaves too little headroom for a
/// function: functions suit work that is "short, never near the platform limit" (DOMAIN.md).
pub(crate) const NEAR_LIMIT_SHARE: f64 = 0.5;
/// How far a longest run past [`NEAR_LIMIT_SHARE`] of the limit leans towards always-on: more
/// than the event lean and the long-running lean together, less than a hard limit.
pub(crate) const NEAR_LIMIT_LEAN: f64 = 4.0;
/// Costs below a cent a month count as a cent in the cost factor: the plan states money to the
/// cent, and a ratio to nothing would be infinite.
const CENT: f64 = 0.01;
/// How far a batch looping over I/O with no measured duration leans towards always-on: in effect
/// a veto until it is measured.
pub(crate) const UNMEASURED_BATCH_LEAN: f64 = 1e4;

/// A FaaS limit the service breaks: any one forces `microservice`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum HardLimit {
    /// It runs longer than a function may.
    Duration { max_ms: f64, limit_s: f64 },
    /// It needs more memory than a function may have.
    Memory { mb: f64, limit_mb: f64 },
    /// It keeps in-memory state between calls (members), or uses in-process state (`mem:`
    /// resources) that lives in one process's memory.
    State {
        members: Vec<String>,
        resources: Vec<String>,
    },
    /// It needs more concurrent executions than the platform allows.
    Concurrency { needed: f64, limit: f64 },
}

/// One consideration of the decision, in the order it is weighed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reason {
    /// The figures the decision rests on.
    Figures,
    /// The monthly cost both ways and the break-even rate.
    Cost,
    /// Event-driven and sporadic: cold starts are tolerable.
    SporadicEvents { in_flight: f64 },
    /// Event-driven but steady: no lean either way.
    SteadyEvents { in_flight: f64, busy_fraction: f64 },
    /// Request-driven: a function must be cheaper by the margin.
    RequestDriven { triggers: Vec<String>, margin: f64 },
    /// Called synchronously by other services.
    SynchronousCallers,
    /// Holds connection pools or clients.
    ConnectionPools { members: Vec<String> },
    /// A batch looping over I/O with no measured duration.
    UnmeasuredBatch { limit_s: f64 },
    /// Long-running work.
    LongRunning { typical_ms: f64, threshold_s: f64 },
    /// The longest run is past half the duration limit.
    NearTheLimit { max_ms: f64, limit_s: f64 },
    /// Steady request load.
    SteadyLoad { in_flight: f64 },
}

/// A reason and, when it leans one way, its factor.
pub(crate) struct Weighed {
    pub reason: Reason,
    pub factor: Option<Factor>,
}

/// What kind of work the service does, for the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Work {
    /// Every trigger is an event, or most calls arrive async.
    EventDriven,
    /// An entry point is a request (HTTP, CLI, gRPC, websocket, or unknown).
    RequestDriven,
    /// Neither: called by other services, or not at all.
    Other,
}

/// The hard limits the signals break.
pub(crate) fn hard_limits(s: &ServiceSignals, config: &Config) -> Vec<HardLimit> {
    let lim = &config.limits;
    let mut hard = Vec::new();
    if s.max_duration_ms > lim.max_duration_s * 1000.0 {
        hard.push(HardLimit::Duration {
            max_ms: s.max_duration_ms,
            limit_s: lim.max_duration_s,
        });
    }
    if s.memory_mb > lim.max_memory_mb {
        hard.push(HardLimit::Memory {
            mb: s.memory_mb,
            limit_mb: lim.max_memory_mb,
        });
    }
    if !s.stateful.is_empty() || !s.in_process.is_empty() {
        hard.push(HardLimit::State {
            members: s.stateful.clone(),
            resources: s.in_process.clone(),
        });
    }
    let concurrency = s.concurrency();
    if concurrency > lim.max_concurrency {
        hard.push(HardLimit::Concurrency {
            needed: concurrency,
            limit: lim.max_concurrency,
        });
    }
    hard
}

/// The kind of work: requests and events as the analyzer defines them (an unknown trigger is a
/// request); without triggers, event-driven when most inbound calls are async.
pub(crate) fn work(s: &ServiceSignals) -> Work {
    let event = |t: &String| analyzer::Trigger::parse(t).is_event();
    if !s.triggers.is_empty() && s.triggers.iter().all(event)
        || (s.triggers.is_empty() && s.inbound_weight > 0.0 && s.async_share() >= 0.5)
    {
        Work::EventDriven
    } else if s.triggers.iter().any(|t| !event(t)) {
        Work::RequestDriven
    } else {
        Work::Other
    }
}

fn lean(factor: FactorKind, leans: Label, weight: f64) -> Option<Factor> {
    Some(Factor {
        factor,
        leans,
        weight,
    })
}

/// Every consideration with its factor, in the order weighed: the figures, the cost, the kind of
/// work, then what the code holds and how long it runs.
pub(crate) fn weigh(s: &ServiceSignals, cost: &Cost, config: &Config) -> Vec<Weighed> {
    let mut out = vec![
        Weighed {
            reason: Reason::Figures,
            factor: None,
        },
        Weighed {
            reason: Reason::Cost,
            factor: Some(cost_factor(cost)),
        },
    ];
    out.extend(kind_of_work(s, config));
    out.extend(holds_and_runs(s, config));
    if s.concurrency() > config.labelling.busy_fraction && work(s) != Work::EventDriven {
        out.push(Weighed {
            reason: Reason::SteadyLoad {
                in_flight: s.concurrency(),
            },
            factor: None,
        });
    }
    out
}

/// How the kind of work leans. Events favour functions when they are sporadic or bursty; a
/// steady stream keeps an always-on consumer busy, and then only the cost decides (DOMAIN.md).
/// Requests and synchronous callers need a function cheaper by the margin to be worth its cold
/// starts.
fn kind_of_work(s: &ServiceSignals, config: &Config) -> Option<Weighed> {
    let l = &config.labelling;
    let in_flight = s.concurrency();
    let steady = in_flight > l.busy_fraction;
    let margin = l.function_cost_margin.max(1.0);
    let (reason, factor) = match work(s) {
        Work::EventDriven if !steady => (
            Reason::SporadicEvents { in_flight },
            lean(FactorKind::SporadicEvents, Label::Function, EVENT_LEAN),
        ),
        Work::EventDriven => (
            Reason::SteadyEvents {
                in_flight,
                busy_fraction: l.busy_fraction,
            },
            None,
        ),
        Work::RequestDriven => (
            Reason::RequestDriven {
                triggers: s.triggers.clone(),
                margin: l.function_cost_margin,
            },
            lean(FactorKind::RequestDriven, Label::Microservice, margin),
        ),
        Work::Other if s.inbound_weight > 0.0 => (
            Reason::SynchronousCallers,
            lean(FactorKind::SynchronousCallers, Label::Microservice, margin),
        ),
        Work::Other => return None,
    };
    Some(Weighed { reason, factor })
}

/// What the code holds (connection pools) and how long it runs (an unmeasured batch, long runs,
/// runs near the limit): each leans microservice.
fn holds_and_runs(s: &ServiceSignals, config: &Config) -> Vec<Weighed> {
    let mut out = Vec::new();
    let mut push = |reason, factor| out.push(Weighed { reason, factor });
    if !s.pools.is_empty() {
        push(
            Reason::ConnectionPools {
                members: s.pools.clone(),
            },
            lean(FactorKind::ConnectionPools, Label::Microservice, POOL_LEAN),
        );
    }
    let limit_s = config.limits.max_duration_s;
    if work(s) == Work::EventDriven && s.unbounded_batch && !s.max_measured {
        // A scheduled or queued batch looping over I/O: its duration grows with the data, and
        // nothing measured shows it stays under the platform limit.
        push(
            Reason::UnmeasuredBatch { limit_s },
            lean(
                FactorKind::UnmeasuredBatch,
                Label::Microservice,
                UNMEASURED_BATCH_LEAN,
            ),
        );
    }
    let threshold_s = config.labelling.long_running_s;
    if s.duration_ms > threshold_s * 1000.0 {
        push(
            Reason::LongRunning {
                typical_ms: s.duration_ms,
                threshold_s,
            },
            lean(
                FactorKind::LongRunning,
                Label::Microservice,
                LONG_RUNNING_LEAN,
            ),
        );
    }
    let limit_ms = limit_s * 1000.0;
    if s.max_duration_ms > NEAR_LIMIT_SHARE * limit_ms && s.max_duration_ms <= limit_ms {
        push(
            Reason::NearTheLimit {
                max_ms: s.max_duration_ms,
                limit_s,
            },
            lean(
                FactorKind::NearTheLimit,
                Label::Microservice,
                NEAR_LIMIT_LEAN,
            ),
        );
    }
    out
}

/// The cost factor: leans to the cheaper label by the ratio of the two costs.
fn cost_factor(cost: &Cost) -> Factor {
    let (service, function) = (
        cost.microservice_monthly_usd.max(CENT),
        cost.function_monthly_usd.max(CENT),
    );
    let (leans, weight) = if service > function {
        (Label::Function, service / function)
    } else {
        (Label::Microservice, function / service)
    };
    Factor {
        factor: FactorKind::Cost,
        leans,
        weight,
    }
}

/// The score of the factors: the sum of the log-weights, positive leaning `function`.
pub(crate) fn score(factors: &[Factor]) -> f64 {
    factors
        .iter()
        .map(|f| match f.leans {
            Label::Function => f.weight.ln(),
            Label::Microservice => -f.weight.ln(),
        })
        .sum()
}

/// The label: `microservice` when a hard limit is broken or the factors do not lean `function`.
pub(crate) fn decide(hard: &[HardLimit], score: f64) -> Label {
    if !hard.is_empty() || score <= 0.0 {
        Label::Microservice
    } else {
        Label::Function
    }
}

/// What the label rests on: both rate and duration measured, neither, or one.
pub(crate) fn evidence(s: &ServiceSignals) -> Evidence {
    match (s.rate_source, s.duration_source) {
        (Source::Measured, Source::Measured) => Evidence::Measured,
        (Source::Assumed, Source::Assumed) => Evidence::Static,
        _ => Evidence::Partial,
    }
}

/// The confidence of a label. Each kind of evidence has its own band, so a better-founded label
/// always ranks above a worse-founded one; within its band a label sits low when the factors
/// nearly balance, high when they lean far or a hard limit decides. A service no traffic reaches
/// has a default, not a decision.
pub(crate) fn confidence(evidence: Evidence, hard: bool, score: f64, per_month: f64) -> Confidence {
    // (close call, usual, clear, hard limit)
    let (close, usual, clear, limit) = match evidence {
        Evidence::Static => (0.3, 0.4, 0.45, 0.55),
        Evidence::Partial => (0.55, 0.65, 0.7, 0.8),
        Evidence::Measured => (0.8, 0.9, 0.95, 0.95),
    };
    let mut c: f64 = if hard {
        limit
    } else if score.abs() < 0.3 {
        close
    } else if score.abs() > 2.0 {
        clear
    } else {
        usual
    };
    if per_month <= 0.0 && !hard {
        c = c.min(0.3);
    }
    Confidence {
        basis: evidence,
        score: c,
    }
}
