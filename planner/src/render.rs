//! Plan → text: `plan.json`, the Graphviz DOT diagram, the Markdown report, the stdout summary
//! and the architecture-as-code exports (Mermaid, Structurizr DSL, C4-PlantUML).
//! Every renderer is a pure function of the plan, so equal plans give byte-identical files.

mod compare;
mod detail;
mod diff;
mod dot;
mod explain;
mod export;
mod html;
mod markdown;
mod rationale;
mod summary;
mod table;

pub use compare::compare_text;
pub use detail::{MAX_DETAIL_EDGES, MAX_DETAIL_MEMBERS, MAX_DETAIL_NEIGHBOURS, detail};
pub(crate) use diff::shown;
pub use diff::{MAX_ITEMS, MAX_NODES_PER_MOVE, diff_text};
pub use dot::{
    DiagramOptions, MATRIX_FROM, MAX_DRAWN_LINKS, MAX_DRAWN_SERVICES, MAX_DRAWN_STORES, View, dot,
    dot_with,
};
pub use explain::{MAX_MEMBERS, node_text, service_text};
pub use export::{mermaid, plantuml, structurizr};
/// Graphviz's runner, re-exported for the binary that turns DOT into SVG or PNG (the planner
/// itself never runs it).
pub use graphviz_rust::{
    cmd::{CommandArg, Format},
    exec_dot,
};
pub use html::{MAX_SEARCH_NODES, html};
pub use markdown::markdown;
pub(crate) use rationale::{fmt_ms, fmt_num, forced_reason, forced_summary, rationale, weighing};
pub use summary::summary;
pub(crate) use table::{Align, table};

use crate::plan::Plan;

/// `plan.json`: the plan pretty-printed, with a final newline.
pub fn json(plan: &Plan) -> String {
    let mut text = serde_json::to_string_pretty(plan).unwrap_or_default();
    text.push('\n');
    text
}

/// The text a writer writes into a new `String`. Writers return `fmt::Result` so that every
/// `write!` reads `write!(…)?`; writing to a `String` never fails, so the text is whole.
pub(crate) fn written(write: impl FnOnce(&mut String) -> std::fmt::Result) -> String {
    let mut out = String::new();
    match write(&mut out) {
        Ok(()) | Err(std::fmt::Error) => out,
    }
}

/// A count with thousands separators (`1234567` → `1,234,567`).
pub(crate) fn thousands(v: f64) -> String {
    fmt_num(v.round())
}

/// A static call weight: a count as [`thousands`] writes it, but a share of a call below 1 (a
/// call dispatched to one of several impls weighs 1/n on each) with two decimals, so that a
/// link made of such shares does not read `weight 0`.
pub(crate) fn weight(v: f64) -> String {
    if v > 0.0 && v < 0.995 {
        format!("{v:.2}")
    } else {
        thousands(v)
    }
}

/// `1 service`, `2 services`: the analyzer's, shared by every crate so all counts read alike.
pub use analyzer::plural;

/// A large count in short form: `950`, `12.3k`, `4.5M`, `1.2G`.
pub(crate) fn compact(v: f64) -> String {
    let (scaled, unit) = if v >= 1e9 {
        (v / 1e9, "G")
    } else if v >= 1e6 {
        (v / 1e6, "M")
    } else if v >= 1e3 {
        (v / 1e3, "k")
    } else {
        return format!("{}", v.round());
    };
    let text = if scaled >= 100.0 {
        format!("{scaled:.0}")
    } else {
        format!("{scaled:.1}")
    };
    format!("{}{unit}", text.trim_end_matches(".0"))
}

/// Cuts `s` to at most `max` characters, marking the cut with `…`.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests;
