//! `cleave check PLAN.json INPUT`: re-plan the input and fail (exit 1) when it drifted from the
//! reviewed plan beyond the thresholds (the rules are `planner::drift`) — a gate for CI. Writes
//! no file.

use anyhow::{Context, Result};

use crate::cli::CheckArgs;
use crate::commands::diff::{pretty, read_plan};
use crate::commands::plan::prepare;
use crate::input::{BadInput, bad};

/// What `cleave check --format json` prints: the verdict, the drift found, and the diff itself.
#[derive(serde::Serialize)]
struct CheckReport<'a> {
    /// `pass` or `fail`.
    verdict: &'static str,
    /// Each threshold passed, as a sentence.
    failures: &'a [String],
    /// Nodes moved, in percent of the nodes (2 decimals).
    moved_percent: f64,
    thresholds: &'a planner::DriftThresholds,
    diff: &'a planner::PlanDiff,
}

/// Runs `cleave check`: exit 0 within the thresholds, 1 beyond them, 2 on bad input.
pub fn run(args: &CheckArgs) -> Result<()> {
    if !(args.max_moved.is_finite() && args.max_moved >= 0.0) {
        return Err(anyhow::Error::new(BadInput(format!(
            "--max-moved {} must be a percentage of at least 0",
            args.max_moved
        ))));
    }
    let reviewed = read_plan(&args.plan)?;
    let phases = crate::progress::Phases::start(false);
    let prepared = prepare(
        Some(&args.input),
        args.config.as_deref(),
        &args.traces,
        &args.history,
        reviewed.requested_services,
        args.format.json(),
        &phases,
    )?;
    phases.phase("cluster and label");
    let (mut now, _) = planner::plan_with_history(
        &prepared.graph,
        &prepared.config,
        Some(&reviewed),
        prepared.history.as_ref(),
    )
    .map_err(bad)
    .with_context(|| format!("cannot plan {}", crate::input::name(&args.input)))?;
    drop(phases);
    now.traces = prepared.coverage;
    now.source = Some(prepared.source);
    let diff = planner::diff(&reviewed, &now);
    let thresholds = planner::DriftThresholds {
        max_moved_percent: args.max_moved,
        max_new_cross_calls: args.max_new_cross_calls,
        allow_label_changes: args.allow_label_changes,
    };
    let failed: Vec<String> = planner::drift(&diff.counts, &thresholds)
        .iter()
        .map(ToString::to_string)
        .collect();
    if args.format.json() {
        let report = CheckReport {
            verdict: if failed.is_empty() { "pass" } else { "fail" },
            failures: &failed,
            moved_percent: (planner::moved_percent(&diff.counts) * 100.0).round() / 100.0,
            thresholds: &thresholds,
            diff: &diff,
        };
        print!("{}", pretty(&serde_json::to_value(report)?));
    } else {
        if failed.is_empty() {
            println!("no drift beyond thresholds");
        } else {
            println!("drift beyond thresholds:");
            for f in &failed {
                println!("  - {}", crate::terminal::text(f));
            }
        }
        if !diff.is_empty() {
            println!();
            print!("{}", crate::terminal::text(&planner::diff_text(&diff)));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "{} drifted from the reviewed plan {}: {}",
            crate::input::name(&args.input),
            crate::input::name(&args.plan),
            failed.join("; ")
        )
    }
}
