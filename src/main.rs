//! The `cleave` binary: parses arguments, calls the analyzer and the planner, writes the files,
//! prints the summary, and maps errors to exit codes (2 for bad input, 1 for anything else).

mod cli;
mod input;
mod output;
mod traces;

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
    let window = match &args.traces.window {
        Some(w) => Some(traces::parse_window(w)?),
        None => config.traces.window_s,
    };
    config.validate().map_err(bad)?;
    let graph = match &args.input {
        Some(path) => Some(input::load_graph(path, args.quiet)?),
        None => None,
    };
    let (graph, coverage) = if args.traces.traces.is_empty() {
        (graph.unwrap_or_default(), None)
    } else {
        let (g, c) = traces::apply(graph, &args.traces.traces, window, &config.traces.map)?;
        if !args.quiet {
            traces::warn(&c);
        }
        (g, Some(c))
    };
    let what = args
        .input
        .as_ref()
        .map_or_else(|| "the traces".to_string(), |p| p.display().to_string());
    let mut plan = planner::plan(&graph, &config)
        .map_err(bad)
        .with_context(|| format!("cannot plan {what}"))?;
    plan.traces = coverage;
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
    let mut analysis = input::analyze_dir(&args.path, args.quiet)?;
    if !args.traces.traces.is_empty() {
        let window = args
            .traces
            .window
            .as_deref()
            .map(traces::parse_window)
            .transpose()?;
        let (graph, coverage) =
            traces::apply(Some(analysis.graph), &args.traces.traces, window, &[])?;
        if !args.quiet {
            traces::warn(&coverage);
        }
        analysis.graph = graph;
    }
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
