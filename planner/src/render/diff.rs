//! A [`PlanDiff`] as readable text: counts first, then one section per kind of change.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::diff::{Delta, PlanDiff, ServiceLink, ServiceRef};
use crate::render::{Align, plural, table, thousands};

/// Items listed per section before the rest are only counted.
pub const MAX_ITEMS: usize = 20;
/// Nodes listed under one `from → to` move before the rest are only counted.
pub const MAX_NODES_PER_MOVE: usize = 8;

/// Names from the input as they may be printed on a terminal: control characters (a newline in
/// a node id) are escaped so that one item stays on one line.
pub fn shown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn service(s: &ServiceRef) -> String {
    format!("{} {}", shown(&s.id), shown(&s.name))
}

fn more(out: &mut String, indent: &str, total: usize, shown_count: usize) -> std::fmt::Result {
    if total > shown_count {
        writeln!(out, "{indent}… and {} more", total - shown_count)?;
    }
    Ok(())
}

fn signed(v: f64, decimals: usize) -> String {
    let text = format!("{v:+.decimals$}");
    if text
        .trim_start_matches(['+', '-'])
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        format!("{:.decimals$}", 0.0)
    } else {
        text
    }
}

/// The one-line summary of the counts, e.g. `3 nodes moved (4.2 % of 71) · 1 added · …`.
pub fn counts_line(d: &PlanDiff) -> String {
    let c = &d.counts;
    let percent = if c.common_nodes == 0 {
        0.0
    } else {
        100.0 * c.moved as f64 / c.common_nodes as f64
    };
    format!(
        "{} moved ({percent:.1} % of {}) · {} added · {} removed · services: {} born, {} gone, {} merged, {} split, {} relabelled, {} renamed · cross-service call pairs: {} new, {} removed",
        plural(c.moved, "node"),
        c.common_nodes,
        c.added,
        c.removed,
        c.born,
        c.gone,
        c.merged,
        c.split,
        c.relabelled,
        c.renamed,
        c.new_cross_calls,
        c.removed_cross_calls,
    )
}

fn links(out: &mut String, title: &str, list: &[ServiceLink]) -> std::fmt::Result {
    if list.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{title} ({})", list.len())?;
    let rows = list
        .iter()
        .take(MAX_ITEMS)
        .map(|l| {
            vec![
                service(&l.from),
                service(&l.to),
                l.edges.to_string(),
                thousands(l.calls_per_day),
            ]
        })
        .collect();
    out.push_str(&table(
        "  ",
        &[
            ("from", Align::Left),
            ("to", Align::Left),
            ("edges", Align::Right),
            ("calls/day", Align::Right),
        ],
        rows,
    ));
    more(out, "  ", list.len(), MAX_ITEMS)?;
    Ok(())
}

/// Rows of `old`, `new` and the change, `decimals` after the point (none when both sides are
/// whole, except for money).
fn delta_rows(list: &[&Delta], decimals: usize) -> Vec<Vec<String>> {
    list.iter()
        .map(|d| {
            let whole = d.old.fract() == 0.0 && d.new.fract() == 0.0 && decimals > 0;
            let decimals = if whole && !d.name.contains("usd") {
                0
            } else {
                decimals
            };
            vec![
                d.name.clone(),
                format!("{:.decimals$}", d.old),
                format!("{:.decimals$}", d.new),
                signed(d.delta, decimals),
            ]
        })
        .collect()
}

/// The header of a table of changes whose first column holds `what`.
fn delta_header(what: &str) -> [(&str, Align); 4] {
    [
        (what, Align::Left),
        ("old", Align::Right),
        ("new", Align::Right),
        ("change", Align::Right),
    ]
}

/// Renders the diff: `no differences` when it is empty, else the counts line and a section per
/// kind of change (empty sections left out, long lists cut with a count of the rest).
pub fn diff_text(d: &PlanDiff) -> String {
    if d.is_empty() {
        return "no differences\n".to_string();
    }
    crate::render::written(|out| {
        out.push_str(&counts_line(d));
        out.push('\n');
        if !d.moved.is_empty() {
            let mut groups: BTreeMap<(&ServiceRef, &ServiceRef), Vec<&str>> = BTreeMap::new();
            for m in &d.moved {
                groups.entry((&m.from, &m.to)).or_default().push(&m.node);
            }
            let mut groups: Vec<_> = groups.into_iter().collect();
            groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
            writeln!(out, "\nmoved ({})", d.moved.len())?;
            for ((from, to), nodes) in groups.iter().take(MAX_ITEMS) {
                writeln!(
                    out,
                    "  {} → {}: {}",
                    service(from),
                    service(to),
                    plural(nodes.len(), "node")
                )?;
                for n in nodes.iter().take(MAX_NODES_PER_MOVE) {
                    writeln!(out, "    {}", shown(n))?;
                }
                more(out, "    ", nodes.len(), MAX_NODES_PER_MOVE)?;
            }
            more(out, "  ", groups.len(), MAX_ITEMS)?;
        }
        for (title, list) in [("added", &d.added), ("removed", &d.removed)] {
            if list.is_empty() {
                continue;
            }
            writeln!(out, "\n{title} ({})", list.len())?;
            for p in list.iter().take(MAX_ITEMS) {
                writeln!(out, "  {}  in {}", shown(&p.node), service(&p.service))?;
            }
            more(out, "  ", list.len(), MAX_ITEMS)?;
        }
        for (title, list) in [("services born", &d.born), ("services gone", &d.gone)] {
            if list.is_empty() {
                continue;
            }
            writeln!(out, "\n{title} ({})", list.len())?;
            for s in list.iter().take(MAX_ITEMS) {
                writeln!(
                    out,
                    "  {} {}  ({}, {})",
                    shown(&s.id),
                    shown(&s.name),
                    s.label.as_str(),
                    plural(s.size, "member")
                )?;
            }
            more(out, "  ", list.len(), MAX_ITEMS)?;
        }
        if !d.merged.is_empty() {
            writeln!(out, "\nmerged ({})", d.merged.len())?;
            for m in d.merged.iter().take(MAX_ITEMS) {
                let from: Vec<String> = m.from.iter().map(service).collect();
                writeln!(out, "  {} → {}", from.join(" + "), service(&m.into))?;
            }
            more(out, "  ", d.merged.len(), MAX_ITEMS)?;
        }
        if !d.split.is_empty() {
            writeln!(out, "\nsplit ({})", d.split.len())?;
            for s in d.split.iter().take(MAX_ITEMS) {
                let into: Vec<String> = s.into.iter().map(service).collect();
                writeln!(out, "  {} → {}", service(&s.from), into.join(" + "))?;
            }
            more(out, "  ", d.split.len(), MAX_ITEMS)?;
        }
        if !d.relabelled.is_empty() {
            writeln!(out, "\nrelabelled ({})", d.relabelled.len())?;
            for r in d.relabelled.iter().take(MAX_ITEMS) {
                writeln!(
                    out,
                    "  {}: {} → {}\n    {}",
                    service(&r.new),
                    r.from.as_str(),
                    r.to.as_str(),
                    shown(&r.summary)
                )?;
            }
            more(out, "  ", d.relabelled.len(), MAX_ITEMS)?;
        }
        if !d.renamed.is_empty() {
            writeln!(out, "\nrenamed ({})", d.renamed.len())?;
            for r in d.renamed.iter().take(MAX_ITEMS) {
                writeln!(out, "  {} → {}", service(&r.old), service(&r.new))?;
            }
            more(out, "  ", d.renamed.len(), MAX_ITEMS)?;
        }
        links(out, "new cross-service calls", &d.new_cross_calls)?;
        links(out, "removed cross-service calls", &d.removed_cross_calls)?;
        let metrics: Vec<&Delta> = d.metrics.iter().filter(|m| m.changed()).collect();
        if !metrics.is_empty() {
            writeln!(out, "\nmetrics")?;
            out.push_str(&table(
                "  ",
                &delta_header("metric"),
                delta_rows(&metrics, 4),
            ));
        }
        let mut cost: Vec<&Delta> = d.cost.plan.iter().filter(|m| m.changed()).collect();
        if cost.is_empty() && !d.cost.services.is_empty() {
            cost = d.cost.plan.iter().take(1).collect();
        }
        if !cost.is_empty() || !d.cost.services.is_empty() {
            let side = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| format!("{v:.2}"));
            let mut rows = delta_rows(&cost, 2);
            rows.extend(d.cost.services.iter().take(MAX_ITEMS).map(|s| {
                vec![
                    service(&s.service),
                    side(s.old),
                    side(s.new),
                    signed(s.delta, 2),
                ]
            }));
            writeln!(out, "\ncost ($/month)")?;
            out.push_str(&table("  ", &delta_header("plan or service"), rows));
            more(out, "  ", d.cost.services.len(), MAX_ITEMS)?;
        }
        Ok(())
    })
}
