//! Reading trace exports (files, directories of them; streamed) and merging them into the call graph (or making the graph from them).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::input::{BadInput, bad, bad_input, max_input_bytes};

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

/// Reads every export and derives operations and calls, streaming each file.
///
/// Each path is one export: a file, or a directory whose regular files (found recursively,
/// hidden ones left out, in path order) are the pieces of one export, read as one stream. The
/// same content given twice (the same file, or files with the same bytes) is read once, with a
/// warning: counting its spans twice would double every rate.
pub fn summarize(paths: &[PathBuf], window_s: Option<f64>) -> Result<analyzer::TraceSummary> {
    let exports: Vec<Vec<PathBuf>> = paths.iter().map(|p| files_of(p)).collect::<Result<_>>()?;
    let keep = first_copies(&exports)?;
    let limit = max_input_bytes();
    let mut agg = analyzer::TraceAggregate::with_open_spans(window_s, max_open_spans());
    for (files, keep) in exports.iter().zip(keep) {
        for (path, keep) in files.iter().zip(keep) {
            if let Some(first) = keep {
                eprintln!(
                    "warning: traces: {} holds the same spans as {}: read once",
                    crate::terminal::text(&path.display().to_string()),
                    crate::terminal::text(&first.display().to_string())
                );
                continue;
            }
            let file = fs::File::open(path)
                .map_err(bad)
                .with_context(|| format!("cannot read {}", path.display()))?;
            agg.read(file, limit).map_err(bad).with_context(|| {
                format!(
                    "in trace export {} (Zipkin, OTLP or Jaeger JSON, JSON Lines of them, gzip-compressed or not, or Prometheus metrics)",
                    path.display()
                )
            })?;
        }
        agg.end_export();
    }
    Ok(agg.finish())
}

/// Spans held in open traces at most: `CLEAVE_MAX_OPEN_SPANS`, or the analyzer's default.
fn max_open_spans() -> usize {
    std::env::var("CLEAVE_MAX_OPEN_SPANS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(analyzer::DEFAULT_OPEN_SPANS)
}

/// The files of one `--traces` path: the file itself, or a directory's regular files,
/// recursively, hidden ones (`.name`) left out, sorted by path. Devices, FIFOs and sockets are
/// refused so that nothing hangs.
fn files_of(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = fs::metadata(path)
        .map_err(bad)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    if !meta.is_dir() {
        return Err(bad_input(format!(
            "{} is not a regular file (a device, FIFO or socket): give a trace export or a directory of them",
            path.display()
        )));
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = fs::read_dir(&dir)
            .map_err(bad)
            .with_context(|| format!("cannot read {}", dir.display()))?;
        for entry in entries {
            let entry = entry
                .map_err(bad)
                .with_context(|| format!("cannot read {}", dir.display()))?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let p = entry.path();
            // Symbolic links to directories are not followed (a link to an ancestor loops).
            let kind = entry
                .file_type()
                .map_err(bad)
                .with_context(|| format!("cannot read {}", p.display()))?;
            if kind.is_dir() {
                stack.push(p);
            } else if fs::metadata(&p).is_ok_and(|m| m.is_file()) {
                out.push(p);
            }
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(bad_input(format!(
            "{} holds no trace export: give a directory of export files",
            path.display()
        )));
    }
    Ok(out)
}

/// For every file, `None` when it is read, or the earlier file with the same bytes. Only files
/// of equal size are compared, by a hash of their bytes read in chunks.
fn first_copies(exports: &[Vec<PathBuf>]) -> Result<Vec<Vec<Option<PathBuf>>>> {
    use std::hash::Hasher;
    let all: Vec<&PathBuf> = exports.iter().flatten().collect();
    let sizes: Vec<u64> = all
        .iter()
        .map(|p| fs::metadata(p).map(|m| m.len()).unwrap_or(u64::MAX))
        .collect();
    let mut by_size: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    for &s in &sizes {
        *by_size.entry(s).or_default() += 1;
    }
    let digest = |p: &Path| -> Result<u64> {
        let mut file = fs::File::open(p)
            .map_err(bad)
            .with_context(|| format!("cannot read {}", p.display()))?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = std::io::Read::read(&mut file, &mut buf)
                .map_err(bad)
                .with_context(|| format!("cannot read {}", p.display()))?;
            if n == 0 {
                break;
            }
            h.write(&buf[..n]);
        }
        Ok(h.finish())
    };
    let mut seen: Vec<(u64, u64, &PathBuf)> = Vec::new();
    let mut flat = Vec::with_capacity(all.len());
    for (p, &size) in all.iter().zip(&sizes) {
        if by_size[&size] < 2 {
            flat.push(None);
            continue;
        }
        let d = digest(p)?;
        match seen.iter().find(|(s, h, _)| *s == size && *h == d) {
            Some((_, _, first)) => flat.push(Some((*first).clone())),
            None => {
                seen.push((size, d, p));
                flat.push(None);
            }
        }
    }
    let mut flat = flat.into_iter();
    Ok(exports
        .iter()
        .map(|files| flat.by_ref().take(files.len()).collect())
        .collect())
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
    Ok((
        graph,
        planner::TraceCoverage {
            files: files.len(),
            ..report
        },
    ))
}

/// Prints the trace warnings on stderr.
pub fn warn(coverage: &planner::TraceCoverage) {
    for w in &coverage.warnings {
        eprintln!("warning: traces: {}", crate::terminal::text(w));
    }
    if coverage.unmatched_operations > 0 {
        eprintln!(
            "warning: traces: {} of {} matched no node (see the plan's traces section)",
            coverage.unmatched_operations,
            planner::render::plural(coverage.operations, "operation")
        );
    }
}
