//! `cleave analyze PATH -o graph.json`: the call graph of a Rust workspace, in the JSON format.

use anyhow::Result;

use crate::cli::AnalyzeArgs;
use crate::{input, output, traces};

/// Runs `cleave analyze`.
pub fn run(args: &AnalyzeArgs) -> Result<()> {
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
