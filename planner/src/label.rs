//! Labelling: for each service, the signals (rate, duration, memory, state, triggers), the monthly
//! cost both ways, and the decision `microservice` or `function` with its reasons and confidence.

use analyzer::{CallGraph, Hint};

use crate::calls::Calls;
use crate::config::Config;
use crate::plan::{Confidence, Cost, Label, Rationale, Signals};

/// How far event-driven work that is sporadic or bursty leans towards a function: nobody waits
/// on it, so a cold start costs nothing but a little delay.
const EVENT_LEAN: f64 = 2.0;
/// How far holding connection pools or clients leans towards always-on.
const POOL_LEAN: f64 = 1.5;
/// How far long-running work leans towards always-on.
const LONG_RUNNING_LEAN: f64 = 2.0;
/// Below about one invocation a minute on average, work is sporadic.
const SPORADIC_PER_MONTH: f64 = 43_200.0;

/// Days in an average month.
const DAYS_PER_MONTH: f64 = 365.0 / 12.0;
const SECONDS_PER_DAY: f64 = 86_400.0;

/// How calls flow from the entry points through the graph.
pub(crate) struct Flow {
    /// Estimated invocations per day of every node.
    pub rate: Vec<f64>,
    /// Whether a node's estimate is measured (its own `invocations_per_day`).
    pub measured: Vec<bool>,
    /// Whether calls reach the node from an entry point (without any, from a node nobody calls).
    pub reached: Vec<bool>,
}

/// Estimated invocations per day of every node, whether the estimate is measured, and whether
/// the node is reached at all.
///
/// A node's own `invocations_per_day` wins; otherwise an entry point gets the default of its
/// trigger; otherwise a node is called once per invocation of each caller (summed over callers,
/// through the condensation of the call graph so cycles count once; a guessed call counts in
/// proportion to its confidence). When the graph declares no
/// entry point at all, nodes nobody calls stand in for request entry points.
///
/// Reachability rides on the same walk of the components, callers first: a component is reached
/// when one of its members is a start or is called from a reached component.
///
/// # Complexity
/// O(V + E).
pub(crate) fn flow(graph: &CallGraph, calls: &Calls<'_>, config: &Config) -> Flow {
    let n = graph.node_count();
    let any_entry = graph.nodes().any(|node| node.entry.is_some());
    let mut rate = vec![0.0; n];
    let mut measured = vec![false; n];
    let mut fixed = vec![false; n];
    let mut reached = vec![false; n];
    for (i, node) in graph.nodes().enumerate() {
        let uncalled = !calls.has_callers(i);
        reached[i] = if any_entry {
            node.entry.is_some()
        } else {
            uncalled
        };
        if let Some(r) = node.invocations_per_day {
            rate[i] = r;
            measured[i] = true;
            fixed[i] = true;
        } else if let Some(trigger) = &node.entry {
            rate[i] = default_rate(trigger, config);
            fixed[i] = true;
        } else if !any_entry && uncalled {
            rate[i] = config.labelling.default_http_per_day;
            fixed[i] = true;
        }
    }
    // Components come callees first (the order of petgraph's kosaraju_scc, so that every sum
    // below adds its terms in the same order as before): walk them backwards, callers first.
    let components = calls.components(|_, _| true);
    let mut component_of = vec![0u32; n];
    for (c, members) in components.iter().enumerate() {
        for &m in members {
            component_of[m as usize] = c as u32;
        }
    }
    let mut inflow = vec![0.0; n];
    for members in components.iter().rev() {
        let mut component_reached = false;
        for &m in members {
            let i = m as usize;
            if !fixed[i] {
                rate[i] = inflow[i];
            }
            component_reached |= reached[i];
        }
        for &m in members {
            let i = m as usize;
            reached[i] = component_reached;
            // A guessed call (a name match) passes on rate in proportion to its confidence.
            for (t, call) in calls.callees(i) {
                if component_of[t] != component_of[i] {
                    inflow[t] += rate[i] * call.confidence;
                    reached[t] |= component_reached;
                }
            }
        }
    }
    Flow {
        rate,
        measured,
        reached,
    }
}

/// For every node, the slowest static hint among the nodes of its own service it reaches through
/// calls inside the service (itself included): a guess of how long one invocation of it runs.
/// `None` when no node has a hint slower than the default (every guess is then the default).
///
/// The reached set of a node is its own component's plus those of the components it calls, so
/// one pass over the components of the calls inside services, callees first, gives every guess.
///
/// # Complexity
/// O(V + E).
pub(crate) fn reachable_hints(
    graph: &CallGraph,
    calls: &Calls<'_>,
    assignment: &[usize],
    l: &crate::config::Labelling,
) -> Option<Vec<f64>> {
    let own: Vec<f64> = graph
        .nodes()
        .map(|node| hinted_duration(&node.hints, l))
        .collect();
    if !own.iter().any(|&d| d > l.default_duration_ms) {
        return None;
    }
    let inside = |f: usize, t: usize| assignment[f] == assignment[t];
    let mut best = own.clone();
    let mut done = vec![false; own.len()];
    for members in calls.components(inside).iter() {
        let mut slowest = f64::NEG_INFINITY;
        for &m in members {
            let m = m as usize;
            slowest = slowest.max(own[m]);
            for &t in calls.callee_nodes(m) {
                let t = t as usize;
                // Callees in other components (components come callees first) are done.
                if done[t] && inside(m, t) {
                    slowest = slowest.max(best[t]);
                }
            }
        }
        for &m in members {
            best[m as usize] = slowest;
            done[m as usize] = true;
        }
    }
    Some(best)
}

/// A guessed typical duration from static hints: blocking work and sleeps make a node slower than
/// the default; a loop around I/O slower still. Low confidence by construction.
fn hinted_duration(hints: &[String], l: &crate::config::Labelling) -> f64 {
    let factor = hints
        .iter()
        .map(|h| match Hint::parse(h) {
            // Weak signals, so modest factors: a loop around I/O usually runs a few round trips,
            // a sleep often sits on a retry path.
            Some(Hint::CpuHeavy) => 10.0,
            Some(Hint::IoLoop) => 5.0,
            Some(Hint::Sleep | Hint::BlockingIo | Hint::BlockingNetwork) => 3.0,
            _ => 1.0,
        })
        .fold(1.0, f64::max);
    l.default_duration_ms * factor
}

fn default_rate(trigger: &str, config: &Config) -> f64 {
    let l = &config.labelling;
    match analyzer::Trigger::parse(trigger) {
        analyzer::Trigger::Schedule => l.default_schedule_per_day,
        analyzer::Trigger::Cli => l.default_cli_per_day,
        t if t.is_event() => l.default_event_per_day,
        _ => l.default_http_per_day,
    }
}

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
    let (rate, measured) = (&whole.flow.rate, &whole.flow.measured);
    let calls = whole.calls;
    let l = &config.labelling;
    let inside = |p: usize| facts.assignment[p] == facts.index;

    // Invocations of the service: calls into its boundary from outside, plus its entry points.
    let mut per_day = 0.0;
    let mut measured_per_day = 0.0;
    let mut weighted_duration = 0.0;
    let mut duration_weight = 0.0;
    let mut measured_duration_weight = 0.0;
    let mut async_in = 0.0;
    let mut all_in = 0.0;
    let mut triggers: Vec<String> = Vec::new();
    let mut boundary = 0usize;
    // Without measurements, an invocation of a boundary member runs its callees too: its static
    // guess is the slowest hint among the members it reaches inside the service.
    let any_hint = facts
        .members
        .iter()
        .any(|&m| hinted_duration(&graph.node(m).hints, l) > l.default_duration_ms);
    let reach_guess = |m: usize| match whole.reach {
        Some(reach) if any_hint => reach[m],
        _ => l.default_duration_ms,
    };
    // A loop over I/O that ends (an endless worker loop handles one message per turn instead).
    let unbounded_batch = facts.members.iter().any(|&m| {
        let hints = &graph.node(m).hints;
        graph.node(m).duration_ms.is_none()
            && hints.iter().any(|h| Hint::parse(h) == Some(Hint::IoLoop))
            && !hints
                .iter()
                .any(|h| Hint::parse(h) == Some(Hint::WorkerLoop))
    });
    for &m in facts.members {
        let node = graph.node(m);
        if facts.shared[m] {
            // Shared utility code ships as a library inside each caller: calls to it are not
            // invocations of this service.
            continue;
        }
        let mut called_from_outside = false;
        // What the calls from outside bring, summed in call order from the neutral element of
        // `f64` sums (-0.0, as `Iterator::sum`).
        let mut inflow = -0.0;
        // What all calls bring, from inside the service too.
        let mut all_inflow = -0.0;
        for (u, call) in calls.callers(m) {
            let brought = rate[u] * call.confidence;
            all_inflow += brought;
            if inside(u) {
                continue;
            }
            called_from_outside = true;
            all_in += call.weight;
            if call.is_async {
                async_in += call.weight;
            }
            inflow += brought;
        }
        let is_entry = node.entry.is_some();
        if !is_entry && !called_from_outside {
            continue;
        }
        boundary += 1;
        if let Some(t) = &node.entry {
            triggers.push(t.clone());
        }
        // A measured member that is not an entry point is invoked from outside only for the
        // outside callers' share of its calls; the rest are calls inside the service.
        let r = if is_entry {
            rate[m]
        } else if measured[m] {
            if all_inflow > 0.0 {
                rate[m] * (inflow / all_inflow).clamp(0.0, 1.0)
            } else {
                rate[m]
            }
        } else {
            inflow
        };
        if measured[m] {
            measured_per_day += r;
        }
        per_day += r;
        let typical = node.duration_ms.and_then(|d| d.typical());
        if typical.is_some() {
            measured_duration_weight += r.max(1e-9);
        }
        weighted_duration += typical.unwrap_or_else(|| reach_guess(m)) * r.max(1e-9);
        duration_weight += r.max(1e-9);
    }
    if boundary == 0 {
        // Nothing calls it: a root of the graph or dead code. Its members' own figures stand.
        for &m in facts.members {
            if !calls.has_callers(m) {
                per_day += rate[m];
                if measured[m] {
                    measured_per_day += rate[m];
                }
            }
        }
    }
    triggers.sort();
    triggers.dedup();

    let duration_ms = if duration_weight > 0.0 {
        weighted_duration / duration_weight
    } else {
        facts
            .members
            .iter()
            .map(|&m| reach_guess(m))
            .fold(l.default_duration_ms, f64::max)
    };
    let known_max = facts
        .members
        .iter()
        .filter_map(|&m| graph.node(m).duration_ms.and_then(|d| d.longest()))
        .fold(None, |acc: Option<f64>, d| {
            Some(acc.map_or(d, |a| a.max(d)))
        });
    let max_duration_ms = known_max.unwrap_or(duration_ms).max(duration_ms);
    let known_memory = facts
        .members
        .iter()
        .filter_map(|&m| graph.node(m).memory_mb)
        .fold(None, |acc: Option<f64>, d| {
            Some(acc.map_or(d, |a| a.max(d)))
        });
    let memory_mb = known_memory.unwrap_or(l.default_memory_mb);
    let stateful: Vec<&str> = facts
        .members
        .iter()
        .filter(|&&m| graph.node(m).stateful)
        .map(|&m| graph.node(m).id.as_str())
        .collect();

    let rate_basis = Basis::of(measured_per_day, per_day);
    let duration_basis = Basis::of(measured_duration_weight, duration_weight);
    let per_month = per_day * DAYS_PER_MONTH;
    let concurrency = per_day / SECONDS_PER_DAY * duration_ms / 1000.0;
    let cost = price(per_month, duration_ms, memory_mb, concurrency, config);

    let signals = Signals {
        invocations_per_month: per_month,
        invocations_source: rate_basis.name(),
        duration_ms,
        max_duration_ms,
        duration_source: duration_basis.name(),
        memory_mb,
        memory_source: if known_memory.is_some() {
            Basis::Measured
        } else {
            Basis::Assumed
        }
        .name(),
        stateful: !stateful.is_empty(),
        triggers: triggers.clone(),
        async_inbound_share: if all_in > 0.0 { async_in / all_in } else { 0.0 },
        busy_fraction: concurrency,
    };

    // Hard limits first: any one forces a microservice.
    let lim = &config.limits;
    let mut hard = Vec::new();
    if max_duration_ms > lim.max_duration_s * 1000.0 {
        hard.push(format!(
            "runs up to {} but a function may run at most {} s",
            fmt_ms(max_duration_ms),
            fmt_num(lim.max_duration_s)
        ));
    }
    if memory_mb > lim.max_memory_mb {
        hard.push(format!(
            "needs {} MB but a function may have at most {} MB",
            fmt_num(memory_mb),
            fmt_num(lim.max_memory_mb)
        ));
    }
    if !stateful.is_empty() {
        hard.push(format!(
            "keeps in-memory state between calls ({}); a function keeps none",
            list_short(&stateful, 3)
        ));
    }
    if concurrency > lim.max_concurrency {
        hard.push(format!(
            "needs about {} concurrent executions, over the platform's {}",
            fmt_num(concurrency.round()),
            fmt_num(lim.max_concurrency)
        ));
    }

    let mut reasons = Vec::new();
    reasons.push(format!(
        "about {} invocations a month ({}), {} typical, {} at most ({}), {} MB ({})",
        fmt_num(per_month.round()),
        signals.invocations_source,
        fmt_ms(duration_ms),
        fmt_ms(max_duration_ms),
        signals.duration_source,
        fmt_num(memory_mb),
        signals.memory_source
    ));
    reasons.push(format!(
        "as a function ${:.2}/month, as a microservice ${:.2}/month; they break even at {} invocations a month",
        cost.function_monthly_usd,
        cost.microservice_monthly_usd,
        fmt_num(cost.break_even_invocations_per_month.round())
    ));

    // Soft score: > 0 leans function. Starts from the cost ratio, then the kind of work.
    let ratio = (cost.microservice_monthly_usd.max(1e-6)) / (cost.function_monthly_usd.max(1e-6));
    let mut score = ratio.ln();
    // Requests and events as the analyzer defines them (an unknown trigger is a request).
    let event_driven = !triggers.is_empty()
        && triggers
            .iter()
            .all(|t| analyzer::Trigger::parse(t).is_event())
        || (triggers.is_empty() && all_in > 0.0 && async_in / all_in >= 0.5);
    let request_driven = triggers
        .iter()
        .any(|t| !analyzer::Trigger::parse(t).is_event());
    // Events favour functions when they are sporadic or bursty; a steady stream keeps an
    // always-on consumer busy, and then only the cost decides (DOMAIN.md).
    let steady = concurrency > l.busy_fraction;
    let in_flight = if concurrency < 0.01 {
        "under 0.01".to_string()
    } else {
        fmt_num((concurrency * 100.0).round() / 100.0)
    };
    if event_driven && !steady {
        score += EVENT_LEAN.ln();
        reasons.push(format!(
            "event-driven and sporadic (triggered by events, queues or schedules; about {in_flight} in flight on average): cold starts are tolerable, leans function ×{}",
            fmt_num(EVENT_LEAN)
        ));
    } else if event_driven {
        reasons.push(format!(
            "event-driven but steady (about {in_flight} in flight on average, over {}): a steady stream keeps an always-on consumer busy, so no lean either way: the cost decides",
            fmt_num(l.busy_fraction)
        ));
    } else if request_driven {
        score -= l.function_cost_margin.max(1.0).ln();
        reasons.push(format!(
            "request-driven ({}): a function must be {}× cheaper to be worth its cold starts",
            triggers.join(", "),
            fmt_num(l.function_cost_margin)
        ));
    } else if all_in > 0.0 {
        score -= l.function_cost_margin.max(1.0).ln();
        reasons.push(
            "called synchronously by other services: a function would add cold starts to their latency"
                .to_string(),
        );
    }
    let pools: Vec<&str> = facts
        .members
        .iter()
        .filter(|&&m| {
            graph
                .node(m)
                .hints
                .iter()
                .any(|h| Hint::parse(h) == Some(Hint::HoldsConnections))
        })
        .map(|&m| graph.node(m).id.as_str())
        .collect();
    if !pools.is_empty() {
        score -= POOL_LEAN.ln();
        reasons.push(format!(
            "holds connection pools or clients ({}): always-on keeps them warm, a function reconnects on every cold start; leans microservice ×{}",
            list_short(&pools, 2),
            fmt_num(POOL_LEAN)
        ));
    }
    let measured_max = known_max.is_some();
    if event_driven && unbounded_batch && !measured_max {
        // A scheduled or queued batch looping over I/O: its duration grows with the data, and
        // nothing measured shows it stays under the platform limit.
        score -= 1e4f64.ln();
        reasons.push(format!(
            "a batch looping over I/O with no measured duration: it grows with the data and may pass the {} s limit; measure it (--traces) before making it a function",
            fmt_num(lim.max_duration_s)
        ));
    }
    if duration_ms > l.long_running_s * 1000.0 {
        score -= LONG_RUNNING_LEAN.ln();
        reasons.push(format!(
            "long-running: {} typical, over the {} s threshold; leans microservice ×{}",
            fmt_ms(duration_ms),
            fmt_num(l.long_running_s),
            fmt_num(LONG_RUNNING_LEAN)
        ));
    }
    if steady && !event_driven {
        reasons.push(format!(
            "about {} requests in flight on average: steady load favours always-on containers",
            fmt_num((concurrency * 100.0).round() / 100.0)
        ));
    }

    let label = if !hard.is_empty() || score <= 0.0 {
        Label::Microservice
    } else {
        Label::Function
    };
    let all_shared = facts.members.iter().all(|&m| facts.shared[m]);
    if all_shared {
        reasons.insert(
            0,
            "all members are shared utility code: best shipped as a library inside each caller"
                .to_string(),
        );
    }
    // A figure the input never gave is said to be assumed, wherever it is stated.
    let assumed = if rate_basis == Basis::Assumed {
        " (assumed: no runtime figures)"
    } else {
        ""
    };
    let summary = if let Some(first) = hard.first() {
        format!("microservice: it {first}")
    } else if per_month <= 0.0 {
        format!(
            "{}: no traffic reaches it (no entry point leads here and nothing was measured), so there is nothing to decide from; {}",
            label.as_str(),
            if label == Label::Function {
                "a function costs nothing while idle"
            } else {
                "kept always-on by the rules above"
            }
        )
    } else if label == Label::Function {
        format!(
            "function: {} at about {} invocations a month{assumed} costs ${:.2} as a function against ${:.2} always-on",
            if event_driven {
                "event-driven work"
            } else if per_month < SPORADIC_PER_MONTH {
                "sporadic work"
            } else {
                "light work"
            },
            fmt_num(per_month.round()),
            cost.function_monthly_usd,
            cost.microservice_monthly_usd
        )
    } else {
        format!(
            "microservice: {} at about {} invocations a month is better always-on (${:.2} against ${:.2} as a function)",
            if request_driven {
                "request-driven work"
            } else {
                "steady work"
            },
            fmt_num(per_month.round()),
            cost.microservice_monthly_usd,
            cost.function_monthly_usd
        )
        .replacen(" is better always-on", &format!("{assumed} is better always-on"), 1)
    };

    let basis = match (rate_basis, duration_basis) {
        (Basis::Measured, Basis::Measured) => "measured",
        (Basis::Assumed, Basis::Assumed) => "static",
        _ => "partial",
    };
    let mut conf: f64 = match basis {
        "measured" => 0.9,
        "partial" => 0.65,
        _ => 0.4,
    };
    if !hard.is_empty() {
        conf = conf.max(0.85);
    } else if score.abs() < 0.3 {
        conf -= 0.15;
    } else if score.abs() > 2.0 {
        conf += 0.05;
    }
    if per_month <= 0.0 && hard.is_empty() {
        // Nothing reaches it: the label is a default, not a decision.
        conf = conf.min(0.3);
    }
    let chosen = match label {
        Label::Function => cost.function_monthly_usd,
        Label::Microservice => cost.microservice_monthly_usd,
    };
    let summary = if all_shared {
        format!("shared library rather than a service; if deployed alone, {summary}")
    } else {
        summary
    };
    Decision {
        label,
        rationale: Rationale {
            summary,
            reasons,
            hard_limits: hard,
            signals,
        },
        cost: Cost {
            chosen_monthly_usd: chosen,
            ..cost
        },
        confidence: Confidence {
            basis: basis.to_string(),
            score: conf.clamp(0.05, 0.99),
        },
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

/// Whether a figure rests on measurements: measured when at least 90 % of its weight does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Basis {
    Measured,
    Partial,
    Assumed,
}

impl Basis {
    fn of(measured: f64, total: f64) -> Basis {
        if total <= 0.0 || measured <= 0.0 {
            Basis::Assumed
        } else if measured >= 0.9 * total {
            Basis::Measured
        } else {
            Basis::Partial
        }
    }

    fn name(self) -> String {
        match self {
            Basis::Measured => "measured",
            Basis::Partial => "partly measured",
            Basis::Assumed => "assumed",
        }
        .to_string()
    }
}

/// A number for a sentence: thousands separated, at most 2 decimals.
pub(crate) fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "∞".to_string();
    }
    let rounded = (v * 100.0).round() / 100.0;
    let int = rounded.trunc().abs() as u64;
    let frac = (rounded.abs() - int as f64 * 1.0).abs();
    let digits = int.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if rounded < 0.0 { "-" } else { "" };
    if frac >= 0.005 {
        let f = format!("{frac:.2}");
        format!(
            "{sign}{grouped}{}",
            f.trim_start_matches('0').trim_end_matches('0')
        )
    } else {
        format!("{sign}{grouped}")
    }
}

/// A duration for a sentence.
pub(crate) fn fmt_ms(ms: f64) -> String {
    if ms >= 60_000.0 {
        format!("{} min", fmt_num(ms / 60_000.0))
    } else if ms >= 1000.0 {
        format!("{} s", fmt_num(ms / 1000.0))
    } else {
        format!("{} ms", fmt_num(ms))
    }
}

fn list_short(items: &[&str], cap: usize) -> String {
    if items.len() <= cap {
        items.join(", ")
    } else {
        format!("{} and {} more", items[..cap].join(", "), items.len() - cap)
    }
}

#[cfg(test)]
mod tests;
