//! `cleave diff`.

use anyhow::Result;

use crate::cli::DiffArgs;

/// Runs `cleave diff`.
pub fn run(args: &DiffArgs) -> Result<()> {
    let _ = args;
    anyhow::bail!("cleave diff is not implemented yet")
}
