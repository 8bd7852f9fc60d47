//! `cleave render`.

use anyhow::Result;

use crate::cli::RenderArgs;

/// Runs `cleave render`.
pub fn run(args: &RenderArgs) -> Result<()> {
    let _ = args;
    anyhow::bail!("cleave render is not implemented yet")
}
