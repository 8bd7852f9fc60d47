//! `plan.md`: the report a reviewer reads — the services with their labels and reasons, members
//! (capped), costs, metrics, shared and unreachable code. Every name from the input is escaped.

use std::fmt::Write;

use super::{compact, plural, thousands};
use crate::plan::{Label, Plan, Service};

/// Members listed per service before the list is cut.
pub const MAX_MEMBERS_LISTED: usize = 25;
/// Entries listed in the long lists (calls, shared code, unreachable code).
pub const MAX_LISTED: usize = 40;

/// The plan as a Markdown report.
///
/// # Complexity
/// O(K + listed items).
pub fn markdown(plan: &Plan) -> String {
    crate::render::written(|md| {
        let ms = plan
            .clusters
            .iter()
            .filter(|s| s.label == Label::Microservice)
            .count();
        let fs = plan.clusters.len() - ms;
        writeln!(md, "# cleave plan\n")?;
        writeln!(
            md,
            "{} nodes and {} calls → **{}**: {}, {}.{}\n",
            thousands(plan.input.nodes as f64),
            thousands(plan.input.edges as f64),
            plural(plan.clusters.len(), "service"),
            plural(ms, "microservice"),
            plural(fs, "function"),
            plan.requested_services
                .map(|n| format!(" ({n} requested.)"))
                .unwrap_or_default()
        )?;
        writeln!(
            md,
            "Monthly cost of this plan: **${:.2}** (all microservices: ${:.2}; all functions, ignoring hard limits: ${:.2}).\n",
            plan.cost.plan_monthly_usd,
            plan.cost.all_microservices_monthly_usd,
            plan.cost.all_functions_monthly_usd
        )?;
        if !plan.notes.is_empty() {
            writeln!(md, "## Notes\n")?;
            for n in &plan.notes {
                writeln!(md, "- {}", esc(n))?;
            }
            md.push('\n');
        }

        diagram_section(md, plan)?;
        if let Some(t) = &plan.traces {
            traces_section(md, t)?;
        }
        let m = &plan.metrics;
        writeln!(md, "## Metrics\n")?;
        writeln!(md, "| metric | value | better |\n|---|---:|---|")?;
        writeln!(md, "| Modularity Q | {:.4} | higher |", m.modularity)?;
        writeln!(
            md,
            "| Structural Modularity SM | {:.4} | higher |",
            m.structural_modularity
        )?;
        writeln!(
            md,
            "| Inter-Call Percentage ICP | {:.2}% | lower |",
            m.inter_call_percentage * 100.0
        )?;
        writeln!(
            md,
            "| Interface Number IFN | {:.2} | lower |",
            m.interface_number
        )?;
        writeln!(
            md,
            "| Non-Extreme Distribution NED | {:.4} | lower |\n",
            m.non_extreme_distribution
        )?;

        writeln!(md, "## Services\n")?;
        writeln!(
            md,
            "| id | name | label | members | confidence | function $/month | microservice $/month | why |\n|---|---|---|---:|---|---:|---:|---|"
        )?;
        for s in &plan.clusters {
            writeln!(
                md,
                "| {} | {} | {} | {} | {} ({:.2}) | {:.2} | {:.2} | {} |",
                esc(&s.id),
                esc(&s.name),
                s.label.as_str(),
                s.size,
                s.confidence.basis,
                s.confidence.score,
                s.cost.function_monthly_usd,
                s.cost.microservice_monthly_usd,
                esc(&s.rationale.summary)
            )?;
        }
        md.push('\n');
        for s in &plan.clusters {
            service_section(md, s)?;
        }

        if !plan.cross_calls.is_empty() {
            writeln!(md, "## Calls between services\n")?;
            writeln!(
                md,
                "| from | to | calls/day | sync weight | async weight | links |\n|---|---|---:|---:|---:|---:|"
            )?;
            let name = |id: &str| {
                plan.clusters
                    .iter()
                    .find(|s| s.id == id)
                    .map(|s| format!("{} {}", esc(&s.id), esc(&s.name)))
                    .unwrap_or_else(|| esc(id))
            };
            for c in plan.cross_calls.iter().take(MAX_LISTED) {
                writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} |",
                    name(&c.from),
                    name(&c.to),
                    compact(c.calls_per_day),
                    thousands(c.sync_weight),
                    thousands(c.async_weight),
                    c.edges
                )?;
            }
            more(md, plan.cross_calls.len(), MAX_LISTED)?;
            md.push('\n');
        }
        if !plan.shared_code.is_empty() {
            writeln!(
                md,
                "## Shared code\n\nHigh fan-in utility code, kept from gluing services together. Consider a shared library (or duplicating it) rather than a service of its own.\n"
            )?;
            writeln!(
                md,
                "| node | placed in | callers | caller modules | caller services |\n|---|---|---:|---:|---:|"
            )?;
            for c in plan.shared_code.iter().take(MAX_LISTED) {
                writeln!(
                    md,
                    "| {} | {} | {} | {} | {} |",
                    code(&c.id),
                    esc(&c.service),
                    c.callers,
                    c.caller_modules,
                    c.caller_services
                )?;
            }
            more(md, plan.shared_code.len(), MAX_LISTED)?;
            md.push('\n');
        }
        list_section(
            md,
            "Unreachable code",
            "No entry point reaches these nodes: dead code, or entry points the input does not declare.",
            &plan.unreachable,
        )?;
        list_section(
            md,
            "Isolated nodes",
            "These nodes have no calls at all; each was placed with its closest module.",
            &plan.isolated,
        )
    })
}

/// Links drawn in plan.md's diagram of a plan of [`super::MATRIX_FROM`] services or more: a
/// Markdown viewer shows the picture at page width, where hundreds of links are a tangle.
pub const MAX_EMBEDDED_LINKS: usize = 60;

/// The service diagram as a Mermaid flowchart, which GitHub and GitLab draw in place (in a pull
/// request too); past [`super::MATRIX_FROM`] services only the [`MAX_EMBEDDED_LINKS`] heaviest
/// links.
fn diagram_section(md: &mut String, plan: &Plan) -> std::fmt::Result {
    if plan.clusters.is_empty() {
        return Ok(());
    }
    let big = plan.clusters.len() >= super::MATRIX_FROM;
    let (flowchart, drawn, all) =
        super::export::mermaid_embedded(plan, big.then_some(MAX_EMBEDDED_LINKS));
    writeln!(
        md,
        "## Diagram
"
    )?;
    let mut intro = String::from(
        "Services and their calls per day; data stores as cylinders, shared ones in red; shared code as one library node.",
    );
    if drawn < all {
        write!(
            intro,
            " Only the {drawn} heaviest of {all} links between services are drawn here; `cleave render plan.json --format mermaid` draws up to {}.",
            super::MAX_DRAWN_LINKS
        )?;
    }
    writeln!(
        md,
        "{intro}

```mermaid
{flowchart}```
"
    )?;
    Ok(())
}

/// `1 span`, `12,345 spans`: a count with thousands separators and its noun.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", thousands(n as f64))
    }
}

fn traces_section(md: &mut String, t: &crate::plan::TraceCoverage) -> std::fmt::Result {
    writeln!(md, "## Runtime traces\n")?;
    writeln!(
        md,
        "{} in {} from {}, rates scaled from a window of {}. {} of {} mapped to nodes; {} unmatched. {} no trace data (their figures stay static guesses). {} added.\n",
        counted(t.spans, "span"),
        counted(t.traces, "trace"),
        plural(t.files, "file"),
        crate::render::fmt_ms(t.window_s * 1000.0),
        t.matched_operations,
        plural(t.operations, "operation"),
        t.unmatched_operations,
        if t.nodes_without_traces == 1 {
            "1 node has".to_string()
        } else {
            format!("{} nodes have", thousands(t.nodes_without_traces as f64))
        },
        plural(t.measured_edges, "measured call edge")
    )?;
    if !t.top_unmatched.is_empty() {
        let list: Vec<String> = t
            .top_unmatched
            .iter()
            .map(|u| format!("{} ({})", code(&u.operation), u.spans))
            .collect();
        writeln!(md, "Busiest unmatched operations: {}\n", list.join(", "))?;
    }
    for w in &t.warnings {
        writeln!(md, "- warning: {}", esc(w))?;
    }
    if !t.warnings.is_empty() {
        md.push('\n');
    }
    Ok(())
}

fn service_section(md: &mut String, s: &Service) -> std::fmt::Result {
    writeln!(
        md,
        "### {} · {} — {}\n",
        esc(&s.id),
        esc(&s.name),
        s.label.as_str()
    )?;
    writeln!(md, "{}\n", esc(&s.rationale.summary))?;
    for h in &s.rationale.hard_limits {
        writeln!(md, "- **hard limit**: {}", esc(h))?;
    }
    for r in &s.rationale.reasons {
        writeln!(md, "- {}", esc(r))?;
    }
    if let Some(w) = super::weighing(&s.rationale.factors) {
        writeln!(md, "- weighing: {}", esc(&w))?;
    }
    writeln!(
        md,
        "- confidence: {} ({:.2}); cohesion {:.2}, coupled to {}, {}",
        s.confidence.basis,
        s.confidence.score,
        s.metrics.cohesion,
        plural(s.metrics.coupled_services, "service"),
        plural(s.metrics.interface_members, "interface member")
    )?;
    if !s.entry_points.is_empty() {
        let list: Vec<String> = s
            .entry_points
            .iter()
            .take(MAX_MEMBERS_LISTED)
            .map(|e| format!("{} ({})", code(&e.id), esc(&e.trigger)))
            .collect();
        writeln!(md, "- entry points: {}", list.join(", "))?;
    }
    if !s.resources.is_empty() {
        let list: Vec<String> = s
            .resources
            .iter()
            .take(MAX_MEMBERS_LISTED)
            .map(|r| code(r))
            .collect();
        writeln!(md, "- owns data: {}", list.join(", "))?;
    }
    let modules: Vec<String> = s
        .modules
        .iter()
        .take(8)
        .map(|m| format!("{} ({})", code(&m.module), m.members))
        .collect();
    writeln!(md, "- modules: {}", modules.join(", "))?;
    writeln!(md, "\nMembers ({}):\n", s.size)?;
    for m in s.members.iter().take(MAX_MEMBERS_LISTED) {
        let mut tags = Vec::new();
        if s.stateful_members.contains(m) {
            tags.push("stateful");
        }
        if s.shared_members.contains(m) {
            tags.push("shared");
        }
        if tags.is_empty() {
            writeln!(md, "- {}", code(m))?;
        } else {
            writeln!(md, "- {} *({})*", code(m), tags.join(", "))?;
        }
    }
    more(md, s.members.len(), MAX_MEMBERS_LISTED)?;
    md.push('\n');
    Ok(())
}

fn list_section(md: &mut String, title: &str, intro: &str, items: &[String]) -> std::fmt::Result {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(md, "## {title}\n\n{intro}\n")?;
    for i in items.iter().take(MAX_LISTED) {
        writeln!(md, "- {}", code(i))?;
    }
    more(md, items.len(), MAX_LISTED)?;
    md.push('\n');
    Ok(())
}

fn more(md: &mut String, total: usize, shown: usize) -> std::fmt::Result {
    if total > shown {
        writeln!(md, "- … and {} more (see plan.json)", total - shown)?;
    }
    Ok(())
}

/// Escapes text for Markdown (and the HTML it may be turned into).
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' | '{' | '}' => {
                out.push('\\');
                out.push(ch);
            }
            c => out.push(c),
        }
    }
    out
}

/// A node id as inline code, safe whatever characters it holds.
fn code(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    // A code span cannot escape backticks: fence it with more backticks than it contains, and
    // since HTML is not interpreted inside a span, only `|` (table cells) needs escaping.
    let longest = clean.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if clean.starts_with('`') || clean.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", clean.replace('|', "\\|"))
}
