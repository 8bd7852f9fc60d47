//! Reading inputs: a JSON call graph file, or a Rust crate or workspace directory analyzed with
//! a progress bar and a summary of what could not be parsed or resolved on stderr.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

/// Diagnostics printed one by one before the rest are only counted.
const MAX_DIAGNOSTICS_SHOWN: usize = 20;

/// An error caused by the user's input (exit code 2); carries the message of the original error.
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Wraps a library error as bad input.
pub fn bad<E: std::error::Error>(e: E) -> anyhow::Error {
    anyhow::Error::new(BadInput(e.to_string()))
}

/// Reads a text file the user named; a missing or unreadable file is bad input.
pub fn read_text(path: &Path) -> Result<String> {
    if path.is_dir() {
        return Err(anyhow::Error::new(BadInput(format!(
            "{} is a directory: give the path of a file",
            path.display()
        ))));
    }
    fs::read_to_string(path)
        .map_err(bad)
        .with_context(|| format!("cannot read {}", path.display()))
}

/// The call graph of `path`: a directory is analyzed as Rust source, a file read as JSON.
pub fn load_graph(path: &Path, quiet: bool) -> Result<analyzer::CallGraph> {
    if path.is_dir() {
        return Ok(analyze_dir(path, quiet)?.graph);
    }
    let text = read_text(path)?;
    // Handing the text over lets the loader free it before building the graph.
    analyzer::load_json_owned(text)
        .map_err(bad)
        .with_context(|| format!("in {}", path.display()))
}

/// Analyzes a Rust crate or workspace, drawing a progress bar on stderr when it is a terminal
/// (indicatif draws nothing otherwise) and printing diagnostics and a summary unless `quiet`.
pub fn analyze_dir(path: &Path, quiet: bool) -> Result<analyzer::RustAnalysis> {
    if !path.is_dir() {
        return Err(anyhow::Error::new(BadInput(format!(
            "{} is not a directory: give a Rust crate or workspace directory",
            path.display()
        ))));
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} parsing {pos}/{len} files {wide_bar} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let analysis = analyzer::analyze_rust(path, &progress)
        .map_err(bad)
        .with_context(|| format!("cannot analyze {}", path.display()));
    bar.finish_and_clear();
    let analysis = analysis?;
    if !quiet {
        for d in analysis.diagnostics.iter().take(MAX_DIAGNOSTICS_SHOWN) {
            eprintln!("warning: {}:{}:{}: {}", d.file, d.line, d.column, d.message);
        }
        if analysis.diagnostics.len() > MAX_DIAGNOSTICS_SHOWN {
            eprintln!(
                "warning: … and {} more diagnostics (all are in the JSON written by `cleave analyze`)",
                analysis.diagnostics.len() - MAX_DIAGNOSTICS_SHOWN
            );
        }
        eprintln!("{}", summary(&analysis.stats));
    }
    Ok(analysis)
}

/// One paragraph on what was analyzed and what could not be resolved.
fn summary(s: &analyzer::RustStats) -> String {
    let mut text = format!(
        "analyzed {} crates, {} files ({:.1} MB), {} functions; {} files skipped (unparseable)\ncalls: {} resolved, {} matched by name only (lower confidence), {} to outside crates, {} unresolved",
        s.crates,
        s.files,
        s.bytes as f64 / 1e6,
        s.functions,
        s.skipped_files,
        s.resolved_calls,
        s.name_matched_calls,
        s.external_calls,
        s.unresolved_calls
    );
    if !s.top_unresolved.is_empty() {
        let top: Vec<String> = s
            .top_unresolved
            .iter()
            .take(10)
            .map(|(name, count)| format!("{name} ×{count}"))
            .collect();
        text.push_str(&format!("\ntop unresolved: {}", top.join(", ")));
    }
    text
}
