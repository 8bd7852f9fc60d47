//! `cleave analyze PATH -o graph.json`: the call graph of a Rust workspace, in the JSON format.

use anyhow::{Context, Result};

use crate::cli::AnalyzeArgs;
use crate::{input, output, traces};

/// Runs `cleave analyze`.
pub fn run(args: &AnalyzeArgs) -> Result<()> {
    if args.format.json() && output::is_stdout(&args.output) {
        return Err(input::bad_input(
            "--format json prints the analysis summary on standard output, where -o - already writes the call graph: write the graph to a file (-o graph.json), or leave --format out".to_string(),
        ));
    }
    let mut analysis = input::analyze_dir(&args.path, args.quiet)?;
    if !args.traces.traces.is_empty() {
        let window = args
            .traces
            .window
            .as_deref()
            .map(traces::parse_window)
            .transpose()?;
        // Mapping rules come from cleave.toml beside the analyzed directory, when there is one.
        let rules = match crate::commands::plan::find_config(None, Some(&args.path)) {
            Some(path) => {
                planner::parse_config(&crate::input::read_text(&path)?)
                    .map_err(crate::input::bad)
                    .with_context(|| format!("in config {}", path.display()))?
                    .traces
                    .map
            }
            None => Vec::new(),
        };
        let (graph, coverage) =
            traces::apply(Some(analysis.graph), &args.traces.traces, window, &rules)?;
        if !args.quiet {
            traces::warn(&coverage);
        }
        analysis.graph = graph;
    }
    let json = analyzer::analysis_to_json(&analysis);
    if output::is_stdout(&args.output) {
        return output::to_stdout(json.as_bytes());
    }
    output::write_file(&args.output, &json)?;
    if args.format.json() {
        let summary = serde_json::json!({
            "output": args.output.display().to_string(),
            "nodes": analysis.graph.node_count(),
            "edges": analysis.graph.edge_count(),
            "stats": analysis.stats,
            "diagnostics": analysis.diagnostics.len(),
        });
        print!("{}", crate::commands::diff::pretty(&summary));
    } else if !args.quiet {
        println!(
            "wrote {} ({}, {})",
            args.output.display(),
            planner::render::plural(analysis.graph.node_count(), "node"),
            planner::render::plural(analysis.graph.edge_count(), "edge")
        );
    }
    Ok(())
}
