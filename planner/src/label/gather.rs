//! The signals of one service: how often it is invoked (calls across its boundary and its entry
//! points), how long an invocation runs, its memory, its state, its triggers and pools.

use analyzer::{CallGraph, Hint};

use super::flow::hinted_duration;
use super::{GraphFacts, ServiceFacts};
use crate::config::Labelling;
use crate::plan::Source;

/// Days in an average month.
pub(super) const DAYS_PER_MONTH: f64 = 365.0 / 12.0;
const SECONDS_PER_DAY: f64 = 86_400.0;

/// The figures of one service, as the labeller weighs them.
pub(crate) struct ServiceSignals {
    /// Invocations per day: calls arriving from other services plus its entry points' own.
    pub per_day: f64,
    /// Where `per_day` comes from.
    pub rate_source: Source,
    /// Typical duration of one invocation, ms (weighted by the invocations of each boundary member).
    pub duration_ms: f64,
    /// Longest duration of one invocation, ms.
    pub max_duration_ms: f64,
    /// Whether a member's longest duration was measured.
    pub max_measured: bool,
    /// Where the durations come from.
    pub duration_source: Source,
    /// Memory of one instance, MB.
    pub memory_mb: f64,
    /// Where the memory comes from.
    pub memory_source: Source,
    /// Members keeping in-memory state between calls (ids, in member order).
    pub stateful: Vec<String>,
    /// In-process state (`mem:` resources) the members use, sorted and unique.
    pub in_process: Vec<String>,
    /// Triggers of its entry points, sorted and unique.
    pub triggers: Vec<String>,
    /// Call weight arriving from other services, and the async part of it.
    pub inbound_weight: f64,
    /// The async part of `inbound_weight`.
    pub async_inbound_weight: f64,
    /// Members holding connection pools or clients (ids, in member order).
    pub pools: Vec<String>,
    /// A member loops over I/O without end in sight (not a worker loop) and nothing measured it.
    pub unbounded_batch: bool,
    /// Every member is shared utility code.
    pub all_shared: bool,
}

impl ServiceSignals {
    /// Invocations per month.
    pub fn per_month(&self) -> f64 {
        self.per_day * DAYS_PER_MONTH
    }

    /// Executions in flight on average (Little's law: rate × duration).
    pub fn concurrency(&self) -> f64 {
        self.per_day / SECONDS_PER_DAY * self.duration_ms / 1000.0
    }

    /// Share of the inbound call weight that is async (0 without inbound calls).
    pub fn async_share(&self) -> f64 {
        if self.inbound_weight > 0.0 {
            self.async_inbound_weight / self.inbound_weight
        } else {
            0.0
        }
    }
}

/// What crosses a service's boundary: invocations and the durations they bring.
#[derive(Default)]
struct Boundary {
    members: usize,
    per_day: f64,
    measured_per_day: f64,
    weighted_duration: f64,
    duration_weight: f64,
    measured_duration_weight: f64,
    inbound_weight: f64,
    async_inbound_weight: f64,
    triggers: Vec<String>,
}

/// The signals of one service.
///
/// # Complexity
/// O(members + calls into them).
pub(super) fn gather(
    graph: &CallGraph,
    facts: &ServiceFacts<'_>,
    whole: &GraphFacts<'_>,
    l: &Labelling,
) -> ServiceSignals {
    let guess = static_guess(graph, facts, whole, l);
    let mut b = boundary(graph, facts, whole, &guess);
    if b.members == 0 {
        // Nothing calls it: a root of the graph or dead code. Its members' own figures stand.
        for &m in facts.members {
            if !whole.calls.has_callers(m) {
                b.per_day += whole.flow.rate[m];
                if whole.flow.measured[m] {
                    b.measured_per_day += whole.flow.rate[m];
                }
            }
        }
    }
    b.triggers.sort();
    b.triggers.dedup();
    let duration_ms = if b.duration_weight > 0.0 {
        b.weighted_duration / b.duration_weight
    } else {
        facts
            .members
            .iter()
            .map(|&m| guess.at(m))
            .fold(l.default_duration_ms, f64::max)
    };
    let largest = |f: &dyn Fn(&analyzer::Node) -> Option<f64>| {
        facts
            .members
            .iter()
            .filter_map(|&m| f(graph.node(m)))
            .fold(None, |acc: Option<f64>, d| {
                Some(acc.map_or(d, |a| a.max(d)))
            })
    };
    let known_max = largest(&|n| n.duration_ms.and_then(|d| d.longest()));
    let known_memory = largest(&|n| n.memory_mb);
    let members = |keep: &dyn Fn(&analyzer::Node) -> bool| -> Vec<String> {
        facts
            .members
            .iter()
            .map(|&m| graph.node(m))
            .filter(|n| keep(n))
            .map(|n| n.id.clone())
            .collect()
    };
    ServiceSignals {
        per_day: b.per_day,
        rate_source: source(b.measured_per_day, b.per_day),
        duration_ms,
        max_duration_ms: known_max.unwrap_or(duration_ms).max(duration_ms),
        max_measured: known_max.is_some(),
        duration_source: source(b.measured_duration_weight, b.duration_weight),
        memory_mb: known_memory.unwrap_or(l.default_memory_mb),
        memory_source: if known_memory.is_some() {
            Source::Measured
        } else {
            Source::Assumed
        },
        stateful: members(&|n| n.stateful),
        in_process: in_process(graph, facts.members),
        triggers: b.triggers,
        inbound_weight: b.inbound_weight,
        async_inbound_weight: b.async_inbound_weight,
        pools: members(&|n| has_hint(n, Hint::HoldsConnections)),
        // A loop over I/O that ends (an endless worker loop handles one message per turn instead).
        unbounded_batch: facts.members.iter().map(|&m| graph.node(m)).any(|n| {
            n.duration_ms.is_none() && has_hint(n, Hint::IoLoop) && !has_hint(n, Hint::WorkerLoop)
        }),
        all_shared: facts.members.iter().all(|&m| facts.shared[m]),
    }
}

/// The in-process state (`mem:` resources) `members` use, sorted and unique.
fn in_process(graph: &CallGraph, members: &[usize]) -> Vec<String> {
    let mut out: Vec<String> = members
        .iter()
        .flat_map(|&m| &graph.node(m).resources)
        .filter(|r| r.starts_with("mem:"))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

fn has_hint(node: &analyzer::Node, hint: Hint) -> bool {
    node.hints.iter().any(|h| Hint::parse(h) == Some(hint))
}

/// Whether a figure rests on measurements: measured when at least 90 % of its weight does.
fn source(measured: f64, total: f64) -> Source {
    if total <= 0.0 || measured <= 0.0 {
        Source::Assumed
    } else if measured >= 0.9 * total {
        Source::Measured
    } else {
        Source::PartlyMeasured
    }
}

/// The static guess of a member's duration: without measurements, an invocation of a boundary
/// member runs its callees too, so the guess is the slowest hint among the members it reaches
/// inside the service.
struct StaticGuess<'a> {
    reach: Option<&'a [f64]>,
    default_ms: f64,
}

impl StaticGuess<'_> {
    fn at(&self, m: usize) -> f64 {
        self.reach.map_or(self.default_ms, |r| r[m])
    }
}

fn static_guess<'a>(
    graph: &CallGraph,
    facts: &ServiceFacts<'_>,
    whole: &GraphFacts<'a>,
    l: &Labelling,
) -> StaticGuess<'a> {
    let any_hint = facts
        .members
        .iter()
        .any(|&m| hinted_duration(&graph.node(m).hints, l) > l.default_duration_ms);
    StaticGuess {
        reach: whole.reach.filter(|_| any_hint),
        default_ms: l.default_duration_ms,
    }
}

/// Invocations of the service: calls into its boundary from outside, plus its entry points.
fn boundary(
    graph: &CallGraph,
    facts: &ServiceFacts<'_>,
    whole: &GraphFacts<'_>,
    guess: &StaticGuess<'_>,
) -> Boundary {
    let (rate, measured) = (&whole.flow.rate, &whole.flow.measured);
    let inside = |p: usize| facts.assignment[p] == facts.index;
    let mut b = Boundary::default();
    for &m in facts.members {
        if facts.shared[m] {
            // Shared utility code ships as a library inside each caller: calls to it are not
            // invocations of this service.
            continue;
        }
        let node = graph.node(m);
        let mut called_from_outside = false;
        // What the calls from outside bring, and what all calls bring (from inside too), summed
        // in call order from the neutral element of `f64` sums (-0.0, as `Iterator::sum`).
        let (mut inflow, mut all_inflow) = (-0.0, -0.0);
        for (u, call) in whole.calls.callers(m) {
            let brought = rate[u] * call.confidence;
            all_inflow += brought;
            if inside(u) {
                continue;
            }
            called_from_outside = true;
            b.inbound_weight += call.weight;
            if call.is_async {
                b.async_inbound_weight += call.weight;
            }
            inflow += brought;
        }
        if node.entry.is_none() && !called_from_outside {
            continue;
        }
        b.members += 1;
        if let Some(t) = &node.entry {
            b.triggers.push(t.clone());
        }
        // A measured member that is not an entry point is invoked from outside only for the
        // outside callers' share of its calls; the rest are calls inside the service.
        let r = if node.entry.is_some() {
            rate[m]
        } else if measured[m] && all_inflow > 0.0 {
            rate[m] * (inflow / all_inflow).clamp(0.0, 1.0)
        } else if measured[m] {
            rate[m]
        } else {
            inflow
        };
        if measured[m] {
            b.measured_per_day += r;
        }
        b.per_day += r;
        let typical = node.duration_ms.and_then(|d| d.typical());
        if typical.is_some() {
            b.measured_duration_weight += r.max(1e-9);
        }
        b.weighted_duration += typical.unwrap_or_else(|| guess.at(m)) * r.max(1e-9);
        b.duration_weight += r.max(1e-9);
    }
    b
}
