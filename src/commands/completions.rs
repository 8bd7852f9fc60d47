//! `cleave completions SHELL` and `cleave man`: the shell completion script and the man pages,
//! generated from the same clap definition the arguments are parsed with, so they never drift.

use std::io::Write;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::output;

/// Runs `cleave completions`: the script on standard output.
pub fn run(args: &CompletionsArgs) -> Result<()> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "cleave", &mut script);
    output::to_stdout(&script)
}

/// The man pages: `cleave.1` first, then `cleave-SUBCOMMAND.1` for each visible subcommand, as
/// (file name, roff text).
fn pages() -> Result<Vec<(String, String)>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Building names each subcommand `cleave-SUBCOMMAND`, as its page's title and file.
    cmd.build();
    let mut pages = Vec::new();
    for page in std::iter::once(&cmd).chain(cmd.get_subcommands().filter(|s| !s.is_hide_set())) {
        let man = clap_mangen::Man::new(page.clone());
        let mut roff = Vec::new();
        man.render(&mut roff)
            .context("cannot render the man page")?;
        pages.push((man.get_filename(), String::from_utf8(roff)?));
    }
    Ok(pages)
}

/// Runs `cleave man`: every page into `--out`, or the main page on standard output.
pub fn man(args: &ManArgs) -> Result<()> {
    let pages = pages()?;
    let Some(dir) = &args.out else {
        let (_, main) = &pages[0];
        return output::to_stdout(main.as_bytes());
    };
    let files: Vec<(&str, String)> = pages
        .iter()
        .map(|(name, roff)| (name.as_str(), roff.clone()))
        .collect();
    output::write_all(dir, &files)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "wrote {} man pages to {} (read one with `man -l {}`)",
        files.len(),
        dir.display(),
        dir.join("cleave.1").display()
    )
    .context("cannot write to standard output")
}
