//! `cleave init [DIR]`: writes a commented cleave.toml to start the decisions and settings from.

use anyhow::{Context, Result};

use crate::cli::InitArgs;
use crate::commands::plan::CONFIG_FILE;
use crate::input::bad_input;
use crate::output;

/// Runs `cleave init`: exit 2 when the file exists (without `--force`) or DIR is not a folder.
pub fn run(args: &InitArgs) -> Result<()> {
    if args.dir.exists() && !args.dir.is_dir() {
        return Err(bad_input(format!(
            "{} is a file, not a folder: name the folder to write {CONFIG_FILE} into",
            args.dir.display()
        )));
    }
    let target = args.dir.join(CONFIG_FILE);
    if target.exists() && !args.force {
        return Err(bad_input(format!(
            "{} already exists: edit it, or pass --force to replace it with the commented defaults",
            target.display()
        )));
    }
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    output::write_file(&target, planner::CONFIG_TEMPLATE)?;
    println!(
        "wrote {} (every setting at its default, commented out; `cleave plan` reads it from beside its input)",
        target.display()
    );
    Ok(())
}
