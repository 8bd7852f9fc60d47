//! `cleave check`.

use anyhow::Result;

use crate::cli::CheckArgs;

/// Runs `cleave check`.
pub fn run(args: &CheckArgs) -> Result<()> {
    let _ = args;
    anyhow::bail!("cleave check is not implemented yet")
}
