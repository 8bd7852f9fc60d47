//! `cleave diff OLD.json NEW.json`: what changed between two plans, as text or JSON.

use std::path::Path;

use anyhow::Result;

use crate::cli::DiffArgs;
use crate::input::{BadInput, read_text};

/// Reads a plan.json the user named; anything that is not a valid plan is bad input naming the
/// file.
pub fn read_plan(path: &Path) -> Result<planner::Plan> {
    parse_plan(path, &read_text(path)?)
}

/// Parses and checks ([`planner::validate_plan`]) the text of the plan.json at `path`.
pub fn parse_plan(path: &Path, text: &str) -> Result<planner::Plan> {
    let plan: planner::Plan = serde_json::from_str(text).map_err(|e| {
        anyhow::Error::new(BadInput(format!(
            "{} is not a cleave plan.json ({e}): give a plan.json written by `cleave plan`",
            crate::input::name(path)
        )))
    })?;
    planner::validate_plan(&plan).map_err(|e| {
        anyhow::Error::new(BadInput(format!(
            "{} is not a valid plan.json: {e}",
            crate::input::name(path)
        )))
    })?;
    Ok(plan)
}

/// Pretty JSON with a final newline.
pub fn pretty(value: &serde_json::Value) -> String {
    let mut text = crate::terminal::json(&serde_json::to_string_pretty(value).unwrap_or_default())
        .into_owned();
    text.push('\n');
    text
}

/// Runs `cleave diff`: exit 0 whether or not the plans differ.
pub fn run(args: &DiffArgs) -> Result<()> {
    let old = read_plan(&args.old)?;
    let new = read_plan(&args.new)?;
    let diff = planner::diff(&old, &new);
    if args.format.json() {
        print!("{}", pretty(&serde_json::to_value(&diff)?));
    } else {
        print!("{}", crate::terminal::text(&planner::diff_text(&diff)));
    }
    Ok(())
}
