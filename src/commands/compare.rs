//! `cleave compare PLAN.json REFERENCE`: a plan scored against a target decomposition (MoJoFM, the
//! moves and joins needed, corresponding services), as text or JSON.

use anyhow::Result;

use crate::cli::CompareArgs;
use crate::commands::diff::{pretty, read_plan};
use crate::input::{BadInput, read_text};

/// Runs `cleave compare`: exit 0 whatever the score; exit 2 when a file is unreadable, the
/// reference is not a decomposition, or no plan node matches a reference entity.
pub fn run(args: &CompareArgs) -> Result<()> {
    let plan = read_plan(&args.plan)?;
    let text = read_text(&args.reference)?;
    let reference = planner::parse_reference(&text).map_err(|e| {
        anyhow::Error::new(BadInput(format!(
            "{}: {e}",
            crate::input::name(&args.reference)
        )))
    })?;
    let comparison = planner::compare(&plan, &reference);
    if comparison.compared == 0 {
        let mut examples = Vec::new();
        if let Some(m) = plan.clusters.iter().flat_map(|s| s.members.first()).next() {
            examples.push(format!("plan node `{m}`"));
        }
        if let Some(e) = reference.assignment.keys().next() {
            examples.push(format!("reference entity `{e}`"));
        }
        let examples = if examples.is_empty() {
            String::new()
        } else {
            format!(" (e.g. {})", examples.join(", "))
        };
        return Err(anyhow::Error::new(BadInput(format!(
            "nothing to compare: no node of {} matches an entity of {}{examples}: an entity matches a node id equal to it or ending with `.`, `::`, `/`, `#` or `$` and the entity",
            crate::input::name(&args.plan),
            crate::input::name(&args.reference),
        ))));
    }
    if args.format.json() {
        print!("{}", pretty(&serde_json::to_value(&comparison)?));
    } else {
        print!(
            "{}",
            crate::terminal::text(&planner::compare_text(&comparison))
        );
    }
    Ok(())
}
