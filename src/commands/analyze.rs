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
        let summary = AnalyzeSummary {
            output: args.output.display().to_string(),
            nodes: analysis.graph().node_count(),
            edges: analysis.graph().edge_count(),
            stats: analysis.stats(),
            diagnostics: analysis.diagnostics(),
        };
        print!(
            "{}",
            crate::commands::diff::pretty(&serde_json::to_value(summary)?)
        );
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

/// What `cleave analyze --format json` prints: where the graph went, its size, the analysis's
/// own figures and how many diagnostics it had.
#[derive(serde::Serialize)]
struct AnalyzeSummary<'a> {
    output: String,
    nodes: usize,
    edges: usize,
    stats: Stats<'a>,
    diagnostics: usize,
}

/// The figures of a Rust or a SCIP analysis, each in its own shape.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Stats<'a> {
    Rust(&'a analyzer::RustStats),
    Scip(&'a analyzer::ScipStats),
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

    fn stats(&self) -> Stats<'_> {
        match self {
            Analysis::Rust(a) => Stats::Rust(&a.stats),
            Analysis::Scip(a) => Stats::Scip(&a.stats),
        }
    }

    fn diagnostics(&self) -> usize {
        match self {
            Analysis::Rust(a) => a.diagnostics.len(),
            Analysis::Scip(a) => a.diagnostics.len(),
        }
    }
}
