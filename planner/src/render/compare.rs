//! A [`Comparison`] as readable text: the score, the counts, then the correspondence tables.

use std::fmt::Write;

use crate::compare::Comparison;
use crate::diff::shown;
use crate::render::{Align, plural, table};

/// Plan services listed per reference service before the rest are only counted.
const MAX_HOLDERS: usize = 5;

/// The comparison as text: the MoJoFM line, the counts, one table of plan services with their
/// closest reference service, one of reference services with the plan services holding their
/// entities, and the reference entities no plan node matches. Names have control characters
/// escaped so that a row stays on one line.
pub fn compare_text(c: &Comparison) -> String {
    crate::render::written(|out| {
        if c.compared == 0 {
            out.push_str(
                "MoJoFM not computed: no plan node matches a reference entity (an entity matches a node id equal to it, or ending with `.`, `::`, `/`, `#` or `$` and the entity)\n",
            );
        } else {
            writeln!(
                out,
                "MoJoFM {:.1} (moves and joins needed: {} of {})",
                c.mojofm,
                c.moves_and_joins,
                plural(c.compared, "entity"),
            )?;
            writeln!(
                out,
                "reverse MoJoFM {:.1} (the reference scored against the plan)",
                c.reverse_mojofm
            )?;
        }
        writeln!(
            out,
            "plan: {}, {} ({} not in the reference)",
            plural(c.plan_services, "service"),
            plural(c.plan_nodes, "node"),
            c.unscored_plan_nodes,
        )?;
        writeln!(
            out,
            "reference ({}): {}, {} ({} matched by no plan node)",
            c.reference_format.describe(),
            plural(c.reference_services, "service"),
            plural(c.reference_entities, "entity"),
            c.unmatched_reference.count,
        )?;

        if c.compared > 0 {
            out.push('\n');
            let rows = c
                .correspondence
                .plan
                .iter()
                .map(|p| {
                    vec![
                        format!("{} {}", shown(&p.id), shown(&p.name)),
                        p.compared.to_string(),
                        p.reference.as_deref().map_or("—".to_string(), shown),
                        p.overlap.to_string(),
                    ]
                })
                .collect();
            out.push_str(&table(
                "",
                &[
                    ("plan service", Align::Left),
                    ("compared", Align::Right),
                    ("closest reference service", Align::Left),
                    ("shared", Align::Right),
                ],
                rows,
            ));

            out.push('\n');
            let rows = c
                .correspondence
                .reference
                .iter()
                .map(|r| {
                    let mut holders: Vec<String> = r
                        .plan
                        .iter()
                        .take(MAX_HOLDERS)
                        .map(|h| format!("{} {} ({})", shown(&h.id), shown(&h.name), h.overlap))
                        .collect();
                    if r.plan.len() > MAX_HOLDERS {
                        holders.push(format!("… and {} more", r.plan.len() - MAX_HOLDERS));
                    }
                    if holders.is_empty() {
                        holders.push("—".to_string());
                    }
                    vec![
                        shown(&r.name),
                        r.entities.to_string(),
                        r.compared.to_string(),
                        holders.join(", "),
                    ]
                })
                .collect();
            out.push_str(&table(
                "",
                &[
                    ("reference service", Align::Left),
                    ("entities", Align::Right),
                    ("compared", Align::Right),
                    ("plan services (shared entities)", Align::Left),
                ],
                rows,
            ));
        }

        let unmatched = &c.unmatched_reference;
        if unmatched.count > 0 {
            writeln!(
                out,
                "\nreference entities no plan node matches ({})",
                unmatched.count
            )?;
            for entity in &unmatched.first {
                writeln!(out, "  {}", shown(entity))?;
            }
            if unmatched.count > unmatched.first.len() {
                writeln!(
                    out,
                    "  … and {} more",
                    unmatched.count - unmatched.first.len()
                )?;
            }
        }
        Ok(())
    })
}
