//! The short table printed on stdout after planning.

use std::fmt::Write;

use super::{Align, clip, plural, table};
use crate::plan::{Label, Plan};

/// Services shown before the table is cut (the files hold them all).
pub const MAX_ROWS: usize = 30;

/// A table of the services (the first [`MAX_ROWS`]) and a closing line with the metrics and the
/// cost.
pub fn summary(plan: &Plan) -> String {
    let rows = plan
        .clusters
        .iter()
        .take(MAX_ROWS)
        .map(|s| {
            vec![
                s.id.clone(),
                clip(&printable(&s.name), 32),
                s.label.as_str().to_string(),
                s.size.to_string(),
                format!("{} {:.2}", s.confidence.basis, s.confidence.score),
                format!("{:.2}", s.cost.function_monthly_usd),
                format!("{:.2}", s.cost.microservice_monthly_usd),
            ]
        })
        .collect();
    let head = table(
        "",
        &[
            ("id", Align::Left),
            ("service", Align::Left),
            ("label", Align::Left),
            ("members", Align::Right),
            ("confidence", Align::Left),
            ("$/mo fn", Align::Right),
            ("$/mo svc", Align::Right),
        ],
        rows,
    );
    crate::render::written(|out| {
        out.push_str(&head);
        if plan.clusters.len() > MAX_ROWS {
            writeln!(
                out,
                "… and {}",
                plural(plan.clusters.len() - MAX_ROWS, "more service")
            )?;
        }
        let ms = plan
            .clusters
            .iter()
            .filter(|s| s.label == Label::Microservice)
            .count();
        writeln!(
            out,
            "{} ({}, {}) · Q {:.3} · ICP {:.1}% · {} shared · {} unreachable · ${:.2}/month",
            plural(plan.clusters.len(), "service"),
            plural(ms, "microservice"),
            plural(plan.clusters.len() - ms, "function"),
            plan.metrics.modularity,
            plan.metrics.inter_call_percentage * 100.0,
            plan.shared_code.len(),
            plan.unreachable.len(),
            plan.cost.plan_monthly_usd
        )?;
        if let Some(t) = &plan.traces {
            writeln!(
                out,
                "traces: {}, {} of {} matched, {} without trace data",
                plural(t.spans, "span"),
                t.matched_operations,
                plural(t.operations, "operation"),
                plural(t.nodes_without_traces, "node")
            )?;
        }
        Ok(())
    })
}

/// Control characters from the input must not reach the terminal.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
