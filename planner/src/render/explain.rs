//! Explanations as readable text.

use std::fmt::Write;

use crate::diff::{ServiceRef, shown};
use crate::explain::{MAX_TIES, NodeExplanation, ServiceExplanation, Tie};
use crate::render::{Align, plural, table, thousands};

/// Members listed before the rest are only counted.
pub const MAX_MEMBERS: usize = 25;

fn service(s: &ServiceRef) -> String {
    format!("{} {}", shown(&s.id), shown(&s.name))
}

/// Ties as a table indented by `indent`: weight, node, its service.
fn tie_table(indent: &str, ties: &[Tie]) -> String {
    let rows = ties
        .iter()
        .map(|t| {
            vec![
                format!("{:.1}", t.weight),
                format!(
                    "{}{}",
                    shown(&t.node),
                    if t.is_async { " [async]" } else { "" }
                ),
                t.service
                    .as_ref()
                    .map_or_else(|| "not in the plan".to_string(), service),
            ]
        })
        .collect();
    table(
        indent,
        &[
            ("weight", Align::Right),
            ("node", Align::Left),
            ("service", Align::Left),
        ],
        rows,
    )
}

/// A node's explanation. `graph_hint` is printed when the ties are unknown (say how to get them).
pub fn node_text(e: &NodeExplanation, graph_hint: Option<&str>) -> String {
    crate::render::written(|out| {
        writeln!(
            out,
            "{}\n  sits in {} ({})",
            shown(&e.node),
            service(&e.service),
            e.label.as_str()
        )?;
        let mut facts = Vec::new();
        if let Some(trigger) = &e.entry_point {
            facts.push(format!("entry point ({})", shown(trigger)));
        }
        if e.stateful {
            facts.push("stateful: keeps in-memory state between calls".to_string());
        }
        if let Some(s) = &e.shared_code {
            facts.push(format!(
                "shared code: {} from {} and {}; it ships as a library, so its calls do not glue services together",
                plural(s.callers, "caller"),
                plural(s.caller_modules, "module"),
                plural(s.caller_services, "service")
            ));
        }
        if e.isolated {
            facts.push(
                "isolated: it makes and receives no call, so it was placed by module proximity"
                    .to_string(),
            );
        }
        if e.unreachable {
            facts.push(
                "unreachable: no entry point reaches it (dead code, or an undeclared entry point)"
                    .to_string(),
            );
        }
        if !e.in_process_state.is_empty() {
            facts.push(format!(
                "uses in-process state ({}): one process holds that memory, so all its users stay in one service",
                shown(&e.in_process_state.join(", "))
            ));
        }
        for f in facts {
            writeln!(out, "  {f}")?;
        }
        if !e.decisions.is_empty() {
            writeln!(out, "\ndecisions naming it")?;
            for d in &e.decisions {
                writeln!(out, "  {}: {}", d.title, shown(&d.patterns.join(", ")))?;
            }
        }
        let Some(t) = &e.ties else {
            if let Some(hint) = graph_hint {
                writeln!(out, "\nties: unknown — {}", shown(hint))?;
            }
            return Ok(());
        };
        writeln!(out, "\nties (call weight both ways)")?;
        let rows = std::iter::once(vec![
            format!("{:.1}", t.inside),
            format!("inside {}", service(&e.service)),
        ])
        .chain(t.towards.iter().take(MAX_TIES).map(|w| {
            vec![
                format!("{:.1}", w.weight),
                format!("towards {}", service(&w.service)),
            ]
        }))
        .collect();
        out.push_str(&table(
            "  ",
            &[("weight", Align::Right), ("where", Align::Left)],
            rows,
        ));
        if let Some(top) = t.towards.first() {
            if top.weight > t.inside {
                writeln!(
                    out,
                    "  it calls and is called more by {} than by its own service: module and resource affinity, shared-code damping or a decision keep it where it is",
                    service(&top.service)
                )?;
            } else {
                writeln!(out, "  most of its call weight stays inside its service")?;
            }
        } else if t.total_in + t.total_out > 0 {
            writeln!(out, "  all its calls stay inside its service")?;
        }
        for (title, list, total) in [
            ("calls in", &t.calls_in, t.total_in),
            ("calls out", &t.calls_out, t.total_out),
        ] {
            if total == 0 {
                continue;
            }
            writeln!(out, "  {title} ({total}, heaviest first)")?;
            out.push_str(&tie_table("    ", list));
            if total > list.len() {
                writeln!(out, "    … and {} more", total - list.len())?;
            }
        }
        Ok(())
    })
}

/// A service's explanation.
pub fn service_text(e: &ServiceExplanation) -> String {
    let s = &e.service;
    let r = &s.rationale;
    let g = &r.signals;
    crate::render::written(|out| {
        writeln!(
            out,
            "{} {}: {} ({})",
            shown(&s.id),
            shown(&s.name),
            s.label.as_str(),
            plural(s.size, "member")
        )?;
        writeln!(out, "  {}", shown(&r.summary))?;
        if let Some(c) = &e.service_count {
            writeln!(out, "  service count: {}", shown(&c.reason))?;
        }
        writeln!(out, "\nreasons")?;
        for reason in &r.reasons {
            writeln!(out, "  - {}", shown(reason))?;
        }
        if let Some(w) = crate::render::weighing(&r.factors) {
            writeln!(out, "  weighing: {w}")?;
        }
        if !r.hard_limits.is_empty() {
            writeln!(out, "\nhard limits broken (each forces microservice)")?;
            for l in &r.hard_limits {
                writeln!(out, "  - {}", shown(l))?;
            }
        }
        writeln!(out, "\nsignals")?;
        writeln!(
            out,
            "  invocations/month  {} ({})",
            thousands(g.invocations_per_month),
            g.invocations_source
        )?;
        writeln!(
            out,
            "  duration           {:.0} ms typical, {:.0} ms longest ({})",
            g.duration_ms, g.max_duration_ms, g.duration_source
        )?;
        writeln!(
            out,
            "  memory             {:.0} MB ({})",
            g.memory_mb, g.memory_source
        )?;
        writeln!(
            out,
            "  stateful           {}",
            if g.stateful { "yes" } else { "no" }
        )?;
        if !g.triggers.is_empty() {
            writeln!(
                out,
                "  triggers           {}",
                shown(&g.triggers.join(", "))
            )?;
        }
        writeln!(
            out,
            "  async inbound      {:.0} %",
            g.async_inbound_share * 100.0
        )?;
        writeln!(out, "  busy fraction      {:.3}", g.busy_fraction)?;
        let c = &s.cost;
        writeln!(out, "\ncost ($/month)")?;
        writeln!(out, "  as a function      {:.2}", c.function_monthly_usd)?;
        writeln!(
            out,
            "  as a microservice  {:.2}",
            c.microservice_monthly_usd
        )?;
        writeln!(
            out,
            "  break-even         {} invocations/month",
            thousands(c.break_even_invocations_per_month)
        )?;
        writeln!(
            out,
            "  confidence         {} {:.2}",
            s.confidence.basis, s.confidence.score
        )?;
        if !e.decisions.is_empty() {
            writeln!(out, "\ndecisions naming it")?;
            for d in &e.decisions {
                writeln!(out, "  {}: {}", d.title, shown(&d.patterns.join(", ")))?;
            }
        }
        writeln!(out, "\nmembers ({})", s.members.len())?;
        for m in s.members.iter().take(MAX_MEMBERS) {
            writeln!(out, "  {}", shown(m))?;
        }
        if s.members.len() > MAX_MEMBERS {
            writeln!(out, "  … and {} more", s.members.len() - MAX_MEMBERS)?;
        }
        if !s.entry_points.is_empty() {
            writeln!(out, "\nentry points")?;
            for p in &s.entry_points {
                writeln!(out, "  {} ({})", shown(&p.id), shown(&p.trigger))?;
            }
        }
        if !s.resources.is_empty() {
            writeln!(out, "\nresources\n  {}", shown(&s.resources.join(", ")))?;
        }
        if !e.neighbours.is_empty() {
            writeln!(out, "\nneighbours")?;
            let rows = e
                .neighbours
                .iter()
                .take(MAX_TIES)
                .map(|n| {
                    vec![
                        service(&n.service),
                        format!("{:.1}", n.outgoing_weight),
                        format!("{:.1}", n.incoming_weight),
                        thousands(n.calls_per_day),
                    ]
                })
                .collect();
            out.push_str(&table(
                "  ",
                &[
                    ("service", Align::Left),
                    ("weight out", Align::Right),
                    ("weight in", Align::Right),
                    ("calls/day", Align::Right),
                ],
                rows,
            ));
            if e.neighbours.len() > MAX_TIES {
                writeln!(out, "  … and {} more", e.neighbours.len() - MAX_TIES)?;
            }
        }
        Ok(())
    })
}
