//! The short table printed on stdout after planning.

use std::fmt::Write;

use super::{clip, plural};
use crate::plan::{Label, Plan};

/// Services shown before the table is cut (the files hold them all).
pub const MAX_ROWS: usize = 30;

/// A fixed-width table of the services and a closing line with the metrics and the cost.
pub fn summary(plan: &Plan) -> String {
    let mut rows: Vec<[String; 7]> = vec![[
        "id".into(),
        "service".into(),
        "label".into(),
        "members".into(),
        "confidence".into(),
        "$/mo fn".into(),
        "$/mo svc".into(),
    ]];
    for s in plan.clusters.iter().take(MAX_ROWS) {
        rows.push([
            s.id.clone(),
            clip(&printable(&s.name), 32),
            s.label.as_str().to_string(),
            s.size.to_string(),
            format!("{} {:.2}", s.confidence.basis, s.confidence.score),
            format!("{:.2}", s.cost.function_monthly_usd),
            format!("{:.2}", s.cost.microservice_monthly_usd),
        ]);
    }
    let mut widths = [0usize; 7];
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for r in &rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            let pad = widths[i] - cell.chars().count();
            if i >= 3 && i != 4 {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
            line.push_str("  ");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if plan.clusters.len() > MAX_ROWS {
        let _ = writeln!(
            out,
            "… and {} more services",
            plan.clusters.len() - MAX_ROWS
        );
    }
    let ms = plan
        .clusters
        .iter()
        .filter(|s| s.label == Label::Microservice)
        .count();
    let _ = writeln!(
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
    );
    if let Some(t) = &plan.traces {
        let _ = writeln!(
            out,
            "traces: {}, {} of {} matched, {} without trace data",
            plural(t.spans, "span"),
            t.matched_operations,
            plural(t.operations, "operation"),
            plural(t.nodes_without_traces, "node")
        );
    }
    out
}

/// Control characters from the input must not reach the terminal.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
