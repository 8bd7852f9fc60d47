//! `cleave analyze PATH -o graph.json`: the call graph of a Rust workspace or a SCIP code index,
//! in the JSON format.

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
    let mut analysis = if args.path.is_dir() {
        Analysis::Rust(input::analyze_dir(&args.path, args.quiet)?)
    } else {
        Analysis::Scip(input::analyze_scip(&args.path, args.quiet)?)
    };
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
        let graph = std::mem::take(analysis.graph_mut());
        let (graph, coverage) = traces::apply(Some(graph), &args.traces.traces, window, &rules)?;
        if !args.quiet {
            traces::warn(&coverage);
        }
        *analysis.graph_mut() = graph;
    }
    let json = analysis.to_json();
    if output::is_stdout(&args.output) {
        return output::to_stdout(json.as_bytes());
    }
    output::write_file(&args.output, &json)?;
    if args.format.json() {
        let summary = serde_json::json!({
            "output": args.output.display().to_string(),
            "nodes": analysis.graph().node_count(),
            "edges": analysis.graph().edge_count(),
            "stats": analysis.stats(),
            "diagnostics": analysis.diagnostics(),
        });
        print!("{}", crate::commands::diff::pretty(&summary));
    } else if !args.quiet {
        println!(
            "wrote {} ({}, {})",
            args.output.display(),
            planner::render::plural(analysis.graph().node_count(), "node"),
            planner::render::plural(analysis.graph().edge_count(), "edge")
        );
    }
    Ok(())
}

/// What was analyzed: Rust source or a SCIP index, each with its own stats.
enum Analysis {
    Rust(analyzer::RustAnalysis),
    Scip(analyzer::ScipAnalysis),
}

impl Analysis {
    fn graph(&self) -> &analyzer::CallGraph {
        match self {
            Analysis::Rust(a) => &a.graph,
            Analysis::Scip(a) => &a.graph,
        }
    }

    fn graph_mut(&mut self) -> &mut analyzer::CallGraph {
        match self {
            Analysis::Rust(a) => &mut a.graph,
            Analysis::Scip(a) => &mut a.graph,
        }
    }

    fn to_json(&self) -> String {
        match self {
            Analysis::Rust(a) => analyzer::analysis_to_json(a),
            Analysis::Scip(a) => analyzer::scip_analysis_to_json(a),
        }
    }

    fn stats(&self) -> serde_json::Value {
        match self {
            Analysis::Rust(a) => serde_json::json!(a.stats),
            Analysis::Scip(a) => serde_json::json!(a.stats),
        }
    }

    fn diagnostics(&self) -> usize {
        match self {
            Analysis::Rust(a) => a.diagnostics.len(),
            Analysis::Scip(a) => a.diagnostics.len(),
        }
    }
}
