//! What the decisions ask of the plan once the graph is clustered: room for them under
//! `--services N`, the service ids in the report and the reviewer's notes, forced labels.

use super::DecisionError;
use super::apply::Applied;
use crate::plan::{DecisionsReport, Label};

/// Checks `--services N` leaves room for the decisions: every named service and every side of
/// an `[[apart]]` needs a service of its own.
pub(crate) fn check_count(
    applied: &Applied<'_>,
    wanted: Option<usize>,
) -> Result<(), DecisionError> {
    let Some(wanted) = wanted else { return Ok(()) };
    let named = applied.named.len();
    let apart = applied.apart_sides.iter().max_by_key(|(_, s)| *s);
    let (needed, why) = match apart {
        Some((title, sides)) if *sides > named => (
            *sides,
            format!("{title} keeps {sides} groups of nodes in different services"),
        ),
        _ => (
            named,
            format!(
                "{named} named services ({}) are each a service of their own",
                applied.named.join(", ")
            ),
        ),
    };
    if wanted < needed {
        return Err(DecisionError::TooFewServices {
            wanted,
            needed,
            why,
        });
    }
    Ok(())
}

/// Completes the report once services have ids (`named[c]`: the `[[service]]` index service `c`
/// carries), and adds the notes a reviewer must see: excluded nodes, patterns matching nothing.
pub(crate) fn finish(
    report: &mut DecisionsReport,
    named: &[Option<usize>],
    ids: &[String],
    notes: &mut Vec<String>,
) {
    for (c, d) in named.iter().enumerate() {
        if let Some(entry) = d.and_then(|d| report.decisions.get_mut(d)) {
            entry.service = ids.get(c).cloned();
        }
    }
    if report.excluded_nodes > 0 {
        notes.push(format!(
            "[exclude] dropped {} before planning (see decisions)",
            crate::render::plural(report.excluded_nodes, "node")
        ));
    }
    if !report.unmatched.is_empty() {
        notes.push(format!(
            "{} decision patterns match no node — a typo? {} (see decisions.unmatched)",
            report.unmatched.len(),
            report.unmatched.join("; ")
        ));
    }
}

/// Applies a forced label to a service's labelling, or says which hard limit forbids it.
pub(crate) fn force_label(
    name: &str,
    label: Label,
    decision: &mut crate::label::Decision,
) -> Result<(), DecisionError> {
    if label == Label::Function && !decision.rationale.hard_limits.is_empty() {
        return Err(DecisionError::ForcedLabel {
            service: name.to_string(),
            limit: decision.rationale.hard_limits.join("; "),
        });
    }
    let r = &mut decision.rationale;
    r.reasons
        .insert(0, crate::render::forced_reason(label, name));
    if decision.label != label {
        r.summary = crate::render::forced_summary(label, &r.summary);
    }
    decision.label = label;
    decision.cost.chosen_monthly_usd = match label {
        Label::Function => decision.cost.function_monthly_usd,
        Label::Microservice => decision.cost.microservice_monthly_usd,
    };
    Ok(())
}
