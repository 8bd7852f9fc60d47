//! A label's rationale in words: the summary, each reason and hard limit, written from the typed
//! verdict of `label` (which writes no English itself).

use crate::label::{HardLimit, Reason, Verdict, Work};
use crate::plan::{Factor, FactorKind, Label, Rationale, Signals, Source};

/// Below about one invocation a minute on average, work is sporadic.
const SPORADIC_PER_MONTH: f64 = 43_200.0;

/// The rationale of a verdict: summary, reasons, hard limits, factors and signals.
pub(crate) fn rationale(v: &Verdict) -> Rationale {
    let mut reasons: Vec<String> = v.reasons.iter().map(|r| reason(r, v)).collect();
    if v.signals.all_shared {
        reasons.insert(
            0,
            "all members are shared utility code: best shipped as a library inside each caller"
                .to_string(),
        );
    }
    let s = &v.signals;
    Rationale {
        summary: summary(v),
        reasons,
        hard_limits: v.hard.iter().map(hard_limit).collect(),
        // The decision used the exact weights; the plan states them to 4 decimals.
        factors: v
            .factors
            .iter()
            .map(|f| Factor {
                weight: (f.weight * 1e4).round() / 1e4,
                ..f.clone()
            })
            .collect(),
        signals: Signals {
            invocations_per_month: s.per_month(),
            invocations_source: s.rate_source,
            duration_ms: s.duration_ms,
            max_duration_ms: s.max_duration_ms,
            duration_source: s.duration_source,
            memory_mb: s.memory_mb,
            memory_source: s.memory_source,
            stateful: !s.stateful.is_empty() || !s.in_process.is_empty(),
            triggers: s.triggers.clone(),
            async_inbound_share: s.async_share(),
            busy_fraction: s.concurrency(),
        },
    }
}

/// One hard limit, as the clause after "it".
pub(crate) fn hard_limit(h: &HardLimit) -> String {
    match h {
        HardLimit::Duration { max_ms, limit_s } => format!(
            "runs up to {} but a function may run at most {} s",
            fmt_ms(*max_ms),
            fmt_num(*limit_s)
        ),
        HardLimit::Memory { mb, limit_mb } => format!(
            "needs {} MB but a function may have at most {} MB",
            fmt_num(*mb),
            fmt_num(*limit_mb)
        ),
        HardLimit::State { members, resources } if resources.is_empty() => format!(
            "keeps in-memory state between calls ({}); a function keeps none",
            list_short(members, 3)
        ),
        HardLimit::State { members, resources } if members.is_empty() => format!(
            "uses in-process state ({}) that lives in one process's memory; a function keeps none and cannot reach another process's",
            list_short(resources, 3)
        ),
        HardLimit::State { members, resources } => format!(
            "keeps in-memory state between calls ({}; in-process state {}); a function keeps none",
            list_short(members, 3),
            list_short(resources, 3)
        ),
        HardLimit::Concurrency { needed, limit } => format!(
            "needs about {} concurrent executions, over the platform's {}",
            fmt_num(needed.round()),
            fmt_num(*limit)
        ),
    }
}

/// How far a factor leans, as ` leans function ×2`.
fn leans(factor: Option<&Factor>) -> String {
    factor.map_or_else(String::new, |f| {
        format!("leans {} ×{}", f.leans.as_str(), fmt_num(f.weight))
    })
}

/// Executions in flight on average, for "… in flight on average".
fn in_flight(c: f64) -> String {
    if c < 0.01 {
        "under 0.01".to_string()
    } else {
        format!("about {}", fmt_num((c * 100.0).round() / 100.0))
    }
}

/// One reason in words.
fn reason(r: &Reason, v: &Verdict) -> String {
    let s = &v.signals;
    let factor = |kind| v.factors.iter().find(|f| f.factor == kind);
    use FactorKind as K;
    match r {
        Reason::Figures => format!(
            "about {} invocations a month ({}), {} typical, {} at most ({}), {} MB ({})",
            fmt_num(s.per_month().round()),
            s.rate_source,
            fmt_ms(s.duration_ms),
            fmt_ms(s.max_duration_ms),
            s.duration_source,
            fmt_num(s.memory_mb),
            s.memory_source
        ),
        Reason::Cost => format!(
            "as a function ${:.2}/month, as a microservice ${:.2}/month; they break even at {} invocations a month",
            v.cost.function_monthly_usd,
            v.cost.microservice_monthly_usd,
            fmt_num(v.cost.break_even_invocations_per_month.round())
        ),
        Reason::SporadicEvents { in_flight: c } => format!(
            "event-driven and sporadic (triggered by events, queues or schedules; {} in flight on average): cold starts are tolerable, {}",
            in_flight(*c),
            leans(factor(K::SporadicEvents))
        ),
        Reason::SteadyEvents {
            in_flight: c,
            busy_fraction,
        } => format!(
            "event-driven but steady ({} in flight on average, over {}): a steady stream keeps an always-on consumer busy, so no lean either way: the cost decides",
            in_flight(*c),
            fmt_num(*busy_fraction)
        ),
        Reason::RequestDriven { triggers, margin } => format!(
            "request-driven ({}): a function must be {}× cheaper to be worth its cold starts",
            triggers.join(", "),
            fmt_num(*margin)
        ),
        Reason::SynchronousCallers => {
            "called synchronously by other services: a function would add cold starts to their latency"
                .to_string()
        }
        Reason::ConnectionPools { members } => format!(
            "holds connection pools or clients ({}): always-on keeps them warm, a function reconnects on every cold start; {}",
            list_short(members, 2),
            leans(factor(K::ConnectionPools))
        ),
        Reason::UnmeasuredBatch { limit_s } => format!(
            "a batch looping over I/O with no measured duration: it grows with the data and may pass the {} s limit; measure it (--traces) before making it a function",
            fmt_num(*limit_s)
        ),
        Reason::LongRunning {
            typical_ms,
            threshold_s,
        } => format!(
            "long-running: {} typical, over the {} s threshold; {}",
            fmt_ms(*typical_ms),
            fmt_num(*threshold_s),
            leans(factor(K::LongRunning))
        ),
        Reason::NearTheLimit { max_ms, limit_s } => format!(
            "runs up to {}, past half the platform's {} s limit: too little headroom for a function as the data grows; {}",
            fmt_ms(*max_ms),
            fmt_num(*limit_s),
            leans(factor(K::NearTheLimit))
        ),
        Reason::SteadyLoad { in_flight: c } => format!(
            "about {} requests in flight on average: steady load favours always-on containers",
            fmt_num((c * 100.0).round() / 100.0)
        ),
    }
}

/// The sentence a reviewer reads first: the hard limit that decides, or that nothing reaches the
/// service, or the cost when it agrees with the label, else the factor that outweighs the cost.
fn summary(v: &Verdict) -> String {
    let per_month = v.signals.per_month();
    let cost = &v.cost;
    // A figure the input never gave is said to be assumed, wherever it is stated.
    let assumed = if v.signals.rate_source == Source::Assumed {
        " (assumed: no runtime figures)"
    } else {
        ""
    };
    let costs = format!(
        "${:.2} as a function against ${:.2} always-on",
        cost.function_monthly_usd, cost.microservice_monthly_usd
    );
    let cost_leans = v
        .factors
        .iter()
        .find(|f| f.factor == FactorKind::Cost)
        .map(|f| f.leans);
    // The heaviest factor leaning to the label, when the cost leans the other way.
    let decisive = v
        .factors
        .iter()
        .filter(|f| f.leans == v.label && cost_leans != Some(v.label))
        .max_by(|a, b| a.weight.total_cmp(&b.weight));
    let summary = if let Some(first) = v.hard.first() {
        format!("microservice: it {}", hard_limit(first))
    } else if per_month <= 0.0 {
        format!(
            "{}: no traffic reaches it (no entry point leads here and nothing was measured), so there is nothing to decide from; {}",
            v.label.as_str(),
            if v.label == Label::Function {
                "a function costs nothing while idle"
            } else {
                "kept always-on by the rules above"
            }
        )
    } else if let Some(f) = decisive {
        format!(
            "{}: {}, which outweighs the cost: {costs} at about {} invocations a month{assumed}",
            v.label.as_str(),
            outweighs(f, v),
            fmt_num(per_month.round()),
        )
    } else if v.label == Label::Function {
        format!(
            "function: {} at about {} invocations a month{assumed} costs {costs}",
            if v.work == Work::EventDriven {
                "event-driven work"
            } else if per_month < SPORADIC_PER_MONTH {
                "sporadic work"
            } else {
                "light work"
            },
            fmt_num(per_month.round()),
        )
    } else {
        format!(
            "microservice: {} at about {} invocations a month{assumed} is better always-on (${:.2} against ${:.2} as a function)",
            match v.work {
                Work::RequestDriven => "request-driven work",
                Work::EventDriven => "a steady event stream",
                Work::Other => "steady work",
            },
            fmt_num(per_month.round()),
            cost.microservice_monthly_usd,
            cost.function_monthly_usd
        )
    };
    if v.signals.all_shared {
        format!("shared library rather than a service; if deployed alone, {summary}")
    } else {
        summary
    }
}

/// The clause of a factor that outweighs the cost, for the summary.
fn outweighs(f: &Factor, v: &Verdict) -> String {
    let s = &v.signals;
    let limit = |r: &Reason| match r {
        Reason::UnmeasuredBatch { limit_s } | Reason::NearTheLimit { limit_s, .. } => *limit_s,
        _ => 0.0,
    };
    let limit_s = v.reasons.iter().map(limit).fold(0.0, f64::max);
    match f.factor {
        FactorKind::Cost => "the cost".to_string(),
        FactorKind::SporadicEvents => {
            "event-driven and sporadic work tolerates cold starts".to_string()
        }
        FactorKind::RequestDriven => format!(
            "request-driven work needs a function {}× cheaper to be worth its cold starts",
            fmt_num(f.weight)
        ),
        FactorKind::SynchronousCallers => format!(
            "other services call it synchronously, so a function must be {}× cheaper to be worth the cold starts it adds to their latency",
            fmt_num(f.weight)
        ),
        FactorKind::ConnectionPools => {
            "it holds connection pools or clients that always-on keeps warm".to_string()
        }
        FactorKind::UnmeasuredBatch => format!(
            "a batch looping over I/O with no measured duration may pass the {} s limit (measure it with --traces)",
            fmt_num(limit_s)
        ),
        FactorKind::LongRunning => format!("long-running work ({} typical)", fmt_ms(s.duration_ms)),
        FactorKind::NearTheLimit => format!(
            "it runs up to {}, too close to the {} s limit",
            fmt_ms(s.max_duration_ms),
            fmt_num(limit_s)
        ),
    }
}

/// The factors of a label in one line, and where they lean together: `cost leans function ×2.87
/// · request-driven leans microservice ×1.5 → together ×1.91 towards function`. `None` without
/// factors (a plan from before they were recorded).
pub(crate) fn weighing(factors: &[Factor]) -> Option<String> {
    if factors.is_empty() {
        return None;
    }
    let parts: Vec<String> = factors
        .iter()
        .map(|f| {
            format!(
                "{} leans {} ×{}",
                f.factor.as_str(),
                f.leans.as_str(),
                fmt_num(f.weight)
            )
        })
        .collect();
    let score: f64 = factors
        .iter()
        .map(|f| match f.leans {
            Label::Function => f.weight.ln(),
            Label::Microservice => -f.weight.ln(),
        })
        .sum();
    let (towards, by) = if score > 0.0 {
        (Label::Function, score.exp())
    } else {
        (Label::Microservice, (-score).exp())
    };
    Some(format!(
        "{} → together ×{} towards {}",
        parts.join(" · "),
        fmt_num(by),
        towards.as_str()
    ))
}

/// The reason a forced label adds, first among the reasons.
pub(crate) fn forced_reason(label: Label, service: &str) -> String {
    format!(
        "label `{}` forced by the decisions file ([[service]] `{service}`)",
        label.as_str()
    )
}

/// The summary of a label forced against the analysis.
pub(crate) fn forced_summary(label: Label, analysis: &str) -> String {
    format!(
        "{} (forced by a decision; the analysis alone says {analysis})",
        label.as_str()
    )
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

/// The first `cap` items, then how many more.
pub(crate) fn list_short(items: &[String], cap: usize) -> String {
    if items.len() <= cap {
        items.join(", ")
    } else {
        format!("{} and {} more", items[..cap].join(", "), items.len() - cap)
    }
}
