//! `cleave explain`.

use anyhow::Result;

use crate::cli::ExplainArgs;

/// Runs `cleave explain`.
pub fn run(args: &ExplainArgs) -> Result<()> {
    let _ = args;
    anyhow::bail!("cleave explain is not implemented yet")
}
