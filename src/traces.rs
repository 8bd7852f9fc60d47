//! Reading trace exports and merging them into the call graph (or making the graph from them).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::input::{BadInput, bad, read_text};

/// Parses `--traces-window`: a humantime duration (`1h`, `30m`, `1h 30m`) or plain seconds.
pub fn parse_window(text: &str) -> Result<f64> {
    let seconds = match text.trim().parse::<f64>() {
        Ok(s) => s,
        Err(_) => humantime::parse_duration(text.trim())
            .map(|d| d.as_secs_f64())
            .map_err(|e| {
                anyhow::Error::new(BadInput(format!(
                    "--traces-window `{text}` is not a duration ({e}): write e.g. 1h, 30m, 7d or a number of seconds"
                )))
            })?,
    };
    if !(seconds.is_finite() && (planner::MIN_WINDOW_S..=1e12).contains(&seconds)) {
        return Err(anyhow::Error::new(BadInput(format!(
            "--traces-window `{text}` must be from 1 ms to 1e12 seconds"
        ))));
    }
    Ok(seconds)
}

/// Reads every export and derives operations and calls.
///
/// The same export given twice (the same file, or files with the same content) is read once,
/// with a warning: counting its spans twice would double every rate.
pub fn summarize(files: &[PathBuf], window_s: Option<f64>) -> Result<analyzer::TraceSummary> {
    let mut traces = Vec::with_capacity(files.len());
    let mut seen: Vec<(u64, usize, PathBuf)> = Vec::new();
    for path in files {
        let text = read_text(path)?;
        let digest = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            text.hash(&mut h);
            h.finish()
        };
        if let Some((_, _, first)) = seen
            .iter()
            .find(|(d, len, _)| *d == digest && *len == text.len())
        {
            eprintln!(
                "warning: traces: {} holds the same spans as {}: read once",
                crate::terminal::text(&path.display().to_string()),
                crate::terminal::text(&first.display().to_string())
            );
            continue;
        }
        seen.push((digest, text.len(), path.clone()));
        traces.push(parse_one(path, &text)?);
    }
    Ok(analyzer::summarize(&traces, window_s))
}

fn parse_one(path: &Path, text: &str) -> Result<analyzer::Traces> {
    analyzer::parse_traces(text)
        .map_err(bad)
        .with_context(|| format!("in trace export {}", path.display()))
}

/// Merges the traces into `graph`, or makes the graph from them when there is none.
pub fn apply(
    graph: Option<analyzer::CallGraph>,
    files: &[PathBuf],
    window_s: Option<f64>,
    rules: &[analyzer::MapRule],
) -> Result<(analyzer::CallGraph, planner::TraceCoverage)> {
    let summary = summarize(files, window_s)?;
    let (graph, report) = match graph {
        Some(g) => analyzer::merge_traces(&g, &summary, rules)
            .map_err(bad)
            .context("cannot map the traces onto the call graph")?,
        None => {
            if summary.operations.is_empty() {
                return Err(anyhow::Error::new(BadInput(
                    "the trace exports hold no usable span: there is nothing to plan".to_string(),
                )));
            }
            analyzer::graph_from_traces(&summary)
        }
    };
    Ok((graph, coverage(files.len(), report)))
}

/// The plan's view of a trace report.
fn coverage(files: usize, r: analyzer::TraceReport) -> planner::TraceCoverage {
    planner::TraceCoverage {
        files,
        spans: r.spans,
        traces: r.traces,
        operations: r.operations,
        matched_operations: r.matched_operations,
        unmatched_operations: r.unmatched_operations,
        top_unmatched: r
            .top_unmatched
            .into_iter()
            .map(|(operation, spans)| planner::UnmatchedOperation { operation, spans })
            .collect(),
        nodes_without_traces: r.nodes_without_traces,
        measured_edges: r.measured_edges,
        window_s: r.window_s,
        warnings: r.warnings,
    }
}

/// Prints the trace warnings on stderr.
pub fn warn(coverage: &planner::TraceCoverage) {
    for w in &coverage.warnings {
        eprintln!("warning: traces: {}", crate::terminal::text(w));
    }
    if coverage.unmatched_operations > 0 {
        eprintln!(
            "warning: traces: {} of {} operations matched no node (see the plan's traces section)",
            coverage.unmatched_operations, coverage.operations
        );
    }
}
