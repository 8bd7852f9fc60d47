//! The `cleave` binary: parses arguments, calls the analyzer and the planner, writes the files,
//! prints the summary, and maps errors to exit codes (2 for bad input, 1 for anything else).

mod cli;
mod output;

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use cli::{Cli, Command, PlanArgs};

/// An error caused by the user's input (exit code 2); carries the message of the original error.
#[derive(Debug)]
struct BadInput(String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Plan(args) => plan(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("error: {}", chain.join(": "));
            if e.chain().any(|c| c.is::<BadInput>()) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn bad<E: std::error::Error>(e: E) -> anyhow::Error {
    anyhow::Error::new(BadInput(e.to_string()))
}

fn read_input(path: &Path) -> Result<String> {
    if path.is_dir() {
        return Err(anyhow::Error::new(BadInput(format!(
            "{} is a directory: give the path of a JSON call graph file",
            path.display()
        ))));
    }
    fs::read_to_string(path)
        .map_err(bad)
        .with_context(|| format!("cannot read {}", path.display()))
}

fn plan(args: &PlanArgs) -> Result<()> {
    let mut config = match &args.config {
        Some(path) => planner::parse_config(&read_input(path)?)
            .map_err(bad)
            .with_context(|| format!("in config {}", path.display()))?,
        None => planner::Config::default(),
    };
    if args.services.is_some() {
        config.clustering.services = args.services;
    }
    config.validate().map_err(bad)?;
    let text = read_input(&args.input)?;
    let graph = analyzer::load_json(&text)
        .map_err(bad)
        .with_context(|| format!("in {}", args.input.display()))?;
    let plan = planner::plan(&graph, &config)
        .map_err(bad)
        .with_context(|| format!("cannot plan {}", args.input.display()))?;
    let files = [
        ("plan.json", planner::render::json(&plan)),
        ("plan.dot", planner::render::dot(&plan)),
        ("plan.md", planner::render::markdown(&plan)),
    ];
    output::write_all(&args.out, &files)?;
    if !args.quiet {
        print!("{}", planner::render::summary(&plan));
        println!(
            "wrote {}",
            files
                .map(|(name, _)| args.out.join(name).display().to_string())
                .join(", ")
        );
    }
    Ok(())
}
