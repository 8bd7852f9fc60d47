//! The `cleave` binary: parses arguments, calls the analyzer and the planner, writes the files,
//! prints the summary, and maps errors to exit codes (2 for bad input, 1 for anything else).

mod cli;
mod input;
mod output;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use cli::{AnalyzeArgs, Cli, Command, PlanArgs};
use input::{BadInput, bad, read_text};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Plan(args) => plan(&args),
        Command::Analyze(args) => analyze(&args),
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

fn plan(args: &PlanArgs) -> Result<()> {
    let mut config = match &args.config {
        Some(path) => planner::parse_config(&read_text(path)?)
            .map_err(bad)
            .with_context(|| format!("in config {}", path.display()))?,
        None => planner::Config::default(),
    };
    if args.services.is_some() {
        config.clustering.services = args.services;
    }
    config.validate().map_err(bad)?;
    let graph = input::load_graph(&args.input, args.quiet)?;
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
        let written: Vec<String> = files
            .iter()
            .map(|(name, _)| args.out.join(name).display().to_string())
            .collect();
        println!("wrote {}", written.join(", "));
    }
    Ok(())
}

fn analyze(args: &AnalyzeArgs) -> Result<()> {
    let analysis = input::analyze_dir(&args.path, args.quiet)?;
    output::write_file(&args.output, &analyzer::analysis_to_json(&analysis))?;
    if !args.quiet {
        println!(
            "wrote {} ({} nodes, {} edges)",
            args.output.display(),
            analysis.graph.node_count(),
            analysis.graph.edge_count()
        );
    }
    Ok(())
}
