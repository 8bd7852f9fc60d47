//! Reading inputs: a JSON call graph file, a SCIP code index (recognised by its content), or a
//! Rust crate or workspace directory analyzed with a progress bar; the analyses print a summary
//! of what could not be parsed or resolved on stderr.

use std::fs;
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

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

/// Bad input (exit code 2) with this message.
pub fn bad_input(message: String) -> anyhow::Error {
    anyhow::Error::new(BadInput(message))
}

/// Wraps a library error as bad input.
pub fn bad<E: std::error::Error>(e: E) -> anyhow::Error {
    anyhow::Error::new(BadInput(e.to_string()))
}

/// Largest input file read, in MB, unless `CLEAVE_MAX_INPUT_MB` says otherwise.
pub const DEFAULT_MAX_INPUT_MB: u64 = 4096;

/// The input size limit in bytes: `CLEAVE_MAX_INPUT_MB` (whole MB) or the default.
pub fn max_input_bytes() -> u64 {
    std::env::var("CLEAVE_MAX_INPUT_MB")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(DEFAULT_MAX_INPUT_MB)
        .saturating_mul(1 << 20)
}

/// Whether a path the user gave means standard input (`-`).
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// A path as messages name it: `<stdin>` for `-`.
pub fn name(path: &Path) -> String {
    if is_stdin(path) {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// Whether standard input was read already: it can be read once only.
static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// Reads a text file the user named (or a plan names), or standard input for `-`. Only regular
/// files are read — a device such as /dev/zero, a FIFO or a socket is refused before it is
/// opened, so nothing hangs or grows without bound — and at most the input size limit of bytes,
/// standard input included. A missing, unreadable, oversized or non-UTF-8 input is bad input
/// naming it (`<stdin>` for `-`); so is a second `-` in one command.
pub fn read_text(path: &Path) -> Result<String> {
    let mut bytes = read_bytes(path)?;
    // A UTF-8 byte-order mark (some Windows tools write one) is not part of the text.
    if bytes.starts_with(b"\xef\xbb\xbf") {
        bytes.drain(..3);
    }
    text_of(path, bytes)
}

/// The bytes as UTF-8 text, or bad input naming `path`.
fn text_of(path: &Path, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        anyhow::Error::new(BadInput(format!(
            "{} is not UTF-8 text (invalid byte at offset {}): give UTF-8 text",
            name(path),
            e.utf8_error().valid_up_to()
        )))
    })
}

/// Reads a file the user named, or standard input for `-`, as bytes, with the checks of
/// [`read_text`] (regular files only, at most the input size limit).
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let limit = max_input_bytes();
    let bytes = if is_stdin(path) {
        read_stdin(limit)?
    } else {
        read_file(path, limit)?
    };
    if bytes.len() as u64 > limit {
        return Err(too_big(path, limit));
    }
    Ok(bytes)
}

/// The input at `path` is over the size limit.
fn too_big(path: &Path, limit: u64) -> anyhow::Error {
    bad_input(format!(
        "{} is larger than the input limit of {} MB: set CLEAVE_MAX_INPUT_MB to raise it",
        name(path),
        limit >> 20
    ))
}

/// Standard input, at most `limit + 1` bytes (one past the limit tells it was over).
fn read_stdin(limit: u64) -> Result<Vec<u8>> {
    if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
        return Err(bad_input(
            "`-` (standard input) is given twice, and it can be read only once: save all but one of these inputs to files".to_string(),
        ));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("note: reading standard input from the terminal (end it with Ctrl-D)");
    }
    let mut bytes = Vec::new();
    stdin
        .lock()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(bad)
        .context("cannot read <stdin>")?;
    Ok(bytes)
}

/// A regular file, at most `limit + 1` bytes; anything else is refused before it is opened.
fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let meta = fs::metadata(path)
        .map_err(bad)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        return Err(anyhow::Error::new(BadInput(format!(
            "{} is a directory: give the path of a file",
            path.display()
        ))));
    }
    if !meta.is_file() {
        return Err(anyhow::Error::new(BadInput(format!(
            "{} is not a regular file (a device, FIFO or socket): give the path of a file",
            path.display()
        ))));
    }
    if meta.len() > limit {
        return Err(too_big(path, limit));
    }
    let file = fs::File::open(path)
        .map_err(bad)
        .with_context(|| format!("cannot read {}", path.display()))?;
    // A file may grow while it is read, or report no size (/proc): read one byte past the limit.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(bad)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(bytes)
}

/// The call graph of `path`: a directory is analyzed as Rust source; a file is a SCIP index
/// when its content is one (or its name ends in `.scip`), else a JSON call graph.
pub fn load_graph(path: &Path, quiet: bool) -> Result<analyzer::CallGraph> {
    if path.is_dir() {
        return Ok(analyze_dir(path, quiet)?.graph);
    }
    let mut bytes = read_bytes(path)?;
    if is_scip_input(path, &bytes) {
        return Ok(analyze_scip_bytes(path, &bytes, quiet)?.graph);
    }
    if bytes.starts_with(b"\xef\xbb\xbf") {
        bytes.drain(..3);
    }
    let text = text_of(path, bytes)?;
    // Handing the text over lets the loader free it before building the graph.
    analyzer::load_json_owned(text)
        .map_err(bad)
        .with_context(|| format!("in {}", name(path)))
}

/// Whether an input is read as a SCIP index: by its content, or by its `.scip` name (so a
/// damaged index is reported as one, not as bad JSON).
fn is_scip_input(path: &Path, bytes: &[u8]) -> bool {
    analyzer::is_scip(bytes)
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("scip"))
}

/// Reads a SCIP index file (or standard input), printing diagnostics and a summary on stderr
/// unless `quiet`. A file that is not a SCIP index is bad input saying what to give.
pub fn analyze_scip(path: &Path, quiet: bool) -> Result<analyzer::ScipAnalysis> {
    let bytes = read_bytes(path)?;
    if !is_scip_input(path, &bytes) {
        return Err(bad_input(format!(
            "{} is neither a directory nor a SCIP index: give a Rust crate or workspace directory, or an index written by a SCIP indexer (docs/scip.md)",
            name(path)
        )));
    }
    analyze_scip_bytes(path, &bytes, quiet)
}

fn analyze_scip_bytes(path: &Path, bytes: &[u8], quiet: bool) -> Result<analyzer::ScipAnalysis> {
    let analysis = analyzer::analyze_scip(bytes)
        .map_err(bad)
        .with_context(|| format!("in {}", name(path)))?;
    if !quiet {
        print_diagnostics(&analysis.diagnostics);
        eprintln!("{}", crate::terminal::text(&scip_summary(&analysis.stats)));
    }
    Ok(analysis)
}

/// One paragraph on what a SCIP index held and what could not be resolved.
fn scip_summary(s: &analyzer::ScipStats) -> String {
    let plural = planner::render::plural;
    let languages: Vec<String> = s
        .languages
        .iter()
        .map(|(language, n)| format!("{language} {n}"))
        .collect();
    let mut text = format!(
        "analyzed SCIP index{}: {} ({}), {}; {} skipped\nreferences: {} resolved{}, {} to outside packages, {} unresolved, {} outside any function",
        if s.indexer.is_empty() {
            String::new()
        } else {
            format!(" by {}", s.indexer)
        },
        plural(s.documents, "document"),
        if languages.is_empty() {
            "no language".to_string()
        } else {
            languages.join(", ")
        },
        plural(s.definitions, "definition"),
        plural(s.skipped_documents, "document"),
        s.resolved_references,
        if s.estimated_ranges > 0 {
            format!(
                " ({} without enclosing ranges: lower confidence)",
                plural(s.estimated_ranges, "definition")
            )
        } else {
            String::new()
        },
        s.external_references,
        s.unresolved_references,
        s.outside_references,
    );
    let entries: Vec<String> = s
        .entry_points
        .iter()
        .map(|(kind, count)| format!("{count} {kind}"))
        .collect();
    text.push_str(&format!(
        "\nentry points: {}; data access in {}",
        if entries.is_empty() {
            "none found".to_string()
        } else {
            entries.join(", ")
        },
        plural(s.data_access, "function")
    ));
    text
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
        print_diagnostics(&analysis.diagnostics);
        eprintln!("{}", crate::terminal::text(&summary(&analysis.stats)));
    }
    Ok(analysis)
}

/// Prints the first diagnostics on stderr, and how many more there are.
fn print_diagnostics(diagnostics: &[analyzer::Diagnostic]) {
    for d in diagnostics.iter().take(MAX_DIAGNOSTICS_SHOWN) {
        eprintln!(
            "warning: {}:{}:{}: {}",
            crate::terminal::text(&d.file),
            d.line,
            d.column,
            crate::terminal::text(&d.message)
        );
    }
    if diagnostics.len() > MAX_DIAGNOSTICS_SHOWN {
        eprintln!(
            "warning: … and {} more diagnostics (all are in the JSON written by `cleave analyze`)",
            diagnostics.len() - MAX_DIAGNOSTICS_SHOWN
        );
    }
}

/// One paragraph on what was analyzed and what could not be resolved.
fn summary(s: &analyzer::RustStats) -> String {
    let plural = planner::render::plural;
    let mut text = format!(
        "analyzed {}, {} ({:.1} MB), {}; {} skipped (unparseable)\ncalls: {} resolved, {} matched by name only (lower confidence), {} to outside crates, {} unresolved",
        plural(s.crates, "crate"),
        plural(s.files, "file"),
        s.bytes as f64 / 1e6,
        plural(s.functions, "function"),
        plural(s.skipped_files, "file"),
        s.resolved_calls,
        s.name_matched_calls,
        s.external_calls,
        s.unresolved_calls
    );
    if s.callback_edges > 0 {
        text.push_str(&format!(
            "; {} to framework callbacks (lower confidence)",
            s.callback_edges
        ));
    }
    let entries: Vec<String> = s
        .entry_points
        .iter()
        .map(|(kind, count)| format!("{count} {kind}"))
        .collect();
    text.push_str(&format!(
        "\nentry points: {}",
        if entries.is_empty() {
            "none found".to_string()
        } else {
            entries.join(", ")
        }
    ));
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
