//! Rust source → call graph: walks a crate or workspace (respecting .gitignore, skipping
//! `target/`), builds each crate's module tree from its `mod` declarations, parses every file with
//! syn (in parallel), resolves calls through imports and inferred receiver types, and records the
//! signals the labeller needs (entry points, state, data resources, duration hints). Nothing in
//! the analyzed project is built or executed.
//!
//! The passes, each a plain function over plain data:
//! 1. [`workspace::discover`]: crate roots from `Cargo.toml` files;
//! 2. [`modules::parse_all`]: parse files along the module tree, keeping per file only a compact
//!    summary ([`ir::FileOut`]): definitions, imports, and per function its call sites with the
//!    symbolic types of receivers — the syntax tree is dropped at once;
//! 3. [`index::build_index`]: global symbol tables;
//! 4. [`build::build_graph`]: node ids, call resolution (per function, in parallel), graph.
//!
//! # Decisions
//! - Ids: free fns `crate::module::f`; methods and associated fns `crate::module::Type::m`, under
//!   the module that *defines* the type (impl blocks elsewhere resolve to it); trait default
//!   methods `crate::module::Trait::m`; nested fns `…::outer::inner`. Two trait impls defining
//!   the same method name on one type (`Display::fmt` and `Debug::fmt`) share the node
//!   `Type::fmt`: the planner gains nothing from telling them apart. Impls on outside or generic
//!   types get `impl_module::Name::m` (`shop::util::String::shout`).
//! - Crates: a package's library keeps the package name; its binaries are `<pkg>_bin_<bin>`
//!   unless the package has a single binary and no library (then `<pkg>`). Without any
//!   `Cargo.toml`, `lib.rs`/`main.rs` at the top (else every top-level file) are crate roots
//!   named after the directory.
//! - Test code (`#[cfg(test)]` items, `#[test]`/`#[…::test]`/`#[bench]` fns) is not analyzed.
//! - A path used as a value (`map(parse)`, `get(handler)`) counts as a call site of the
//!   function it names; tuple-struct and variant constructors are not calls.
//! - Receiver types see through `&`, `Box`, `Arc`, `Rc`, `Option`, `Result`, `Mutex`, `RwLock`,
//!   `RefCell`, `Cell`, `Pin`, `Cow`, guards and `Weak`, and through `unwrap`/`lock`/`clone`-like
//!   methods. A result of an outside call has an unknown type (so the name fallback may apply).
//! - Methods on a receiver of unknown type fall back to every workspace method of that name, at
//!   confidence `min(0.5, 1/n)`; common std names (`clone`, `get`, `iter`, …) and names no
//!   workspace method has count as outside calls; more than 8 candidates is unresolved.
//! - Entry points from routes are set only on targets with no entry of their own.
//! - A method taking `self` in any form on a type that holds connections or caches is stateful.

mod build;
mod calls;
mod index;
mod ir;
mod items;
mod lean;
mod macros;
mod modules;
mod nesting;
mod resolve;
mod signals;
mod syntax;
mod targets;
#[cfg(test)]
mod tests;
mod workspace;

use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::{CallGraph, Error};

/// A problem met while analyzing that did not stop the analysis (a file syn cannot parse, a
/// `mod` whose file is missing, …).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    /// File, relative to the analyzed root, with `/` separators.
    pub file: String,
    /// 1-based line (0 when the problem concerns the whole file).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// What went wrong.
    pub message: String,
}

/// Counts describing an analysis, for the report and the benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RustStats {
    /// Crates found (packages with a library or binary target).
    pub crates: usize,
    /// `.rs` files parsed successfully.
    pub files: usize,
    /// Files skipped because syn could not parse them (each has a diagnostic).
    pub skipped_files: usize,
    /// Bytes of source read.
    pub bytes: u64,
    /// Nodes (functions and methods) found.
    pub functions: usize,
    /// Call sites resolved to a workspace function exactly (paths, imports, inferred receivers).
    pub resolved_calls: usize,
    /// Call sites resolved by method name alone (edges with confidence < 1).
    pub name_matched_calls: usize,
    /// Call sites to functions outside the workspace (std, dependencies): not nodes.
    pub external_calls: usize,
    /// Call sites that could not be resolved at all.
    pub unresolved_calls: usize,
    /// Edges from a function to the callbacks of the workspace types it uses: methods of their
    /// impls of outside traits, which the outside code they are handed to calls (confidence 0.5).
    pub callback_edges: usize,
    /// The most frequent unresolved callee names with their counts (at most 20, most frequent first,
    /// ties by name).
    pub top_unresolved: Vec<(String, usize)>,
    /// Entry points found, per trigger kind (`http`, `queue`, `schedule`, `cli`, …).
    pub entry_points: std::collections::BTreeMap<String, usize>,
}

/// The result of analyzing Rust source.
#[derive(Debug, Clone)]
pub struct RustAnalysis {
    /// The call graph (ids `crate::module::Type::method`).
    pub graph: CallGraph,
    /// Problems that did not stop the analysis, sorted by file, line, column.
    pub diagnostics: Vec<Diagnostic>,
    /// Counts.
    pub stats: RustStats,
    /// The files parsed, relative to the root, sorted; a file parsed under several module paths
    /// (one `#[path]` per target, say) is listed once per parse, as `stats.bytes` counts it.
    pub files: Vec<String>,
}

/// Stack of each analysis thread: syn and the visitors recurse once per nesting level, and
/// hostile files nest thousands of levels deep.
pub(crate) const STACK_SIZE: usize = 256 << 20;

/// Analyzes the Rust crate or workspace at `root` (a directory holding a `Cargo.toml`, or any
/// directory under which crates are found).
///
/// `progress(done, total)` is called as files are parsed (from several threads); the binary draws
/// a progress bar with it. Fails only when `root` cannot be read or holds no Rust source at all;
/// files syn cannot parse become diagnostics.
///
/// Deterministic: the same tree gives the same graph, diagnostics and stats, whatever the thread
/// count.
///
/// # Complexity
/// O(source size) parsing and extraction, then O(call sites) resolutions of a few hash lookups
/// each; memory holds per-file summaries, never all syntax trees at once.
pub fn analyze_rust(
    root: &Path,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<RustAnalysis, Error> {
    analyze_with_threads(root, progress, 0)
}

/// [`analyze_rust`] on a pool of `threads` threads (0: rayon's default, `RAYON_NUM_THREADS` or
/// one per core).
pub(crate) fn analyze_with_threads(
    root: &Path,
    progress: &(dyn Fn(u64, u64) + Sync),
    threads: usize,
) -> Result<RustAnalysis, Error> {
    let pool = pool(threads).map_err(|e| Error::Io {
        path: root.display().to_string(),
        message: format!("cannot start threads: {e}"),
    })?;
    pool.install(|| analyze_in_pool(root, progress))
}

/// The analysis threads for `threads` (0: rayon's default count), started once per count and
/// kept: a later analysis in the same process (a re-plan, the benchmarks) reuses their stacks
/// and warm allocator heaps instead of faulting fresh pages in.
fn pool(threads: usize) -> Result<Arc<rayon::ThreadPool>, rayon::ThreadPoolBuildError> {
    static POOLS: Mutex<Vec<(usize, Arc<rayon::ThreadPool>)>> = Mutex::new(Vec::new());
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, pool)) = pools.iter().find(|(n, _)| *n == threads) {
        return Ok(Arc::clone(pool));
    }
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(STACK_SIZE)
            .thread_name(|i| format!("cleave-rust-{i}"))
            .build()?,
    );
    pools.push((threads, Arc::clone(&pool)));
    Ok(pool)
}

fn analyze_in_pool(
    root: &Path,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<RustAnalysis, Error> {
    let mut steps = crate::steps::Steps::start();
    let ws = workspace::discover(root)?;
    steps.mark(|| format!("rust: discover {} crates", ws.crates.len()));
    let parsed = modules::parse_all(root, &ws.crates, progress);
    steps.mark(|| format!("rust: parse and extract {} files", parsed.files.len()));
    let mut stats = RustStats {
        crates: ws.packages,
        files: parsed.files.len(),
        skipped_files: parsed.skipped,
        bytes: parsed.bytes,
        ..RustStats::default()
    };
    let mut files: Vec<String> = parsed.files.iter().map(|p| p.rel.clone()).collect();
    files.sort_unstable();
    let mut diagnostics = parsed.diags;
    diagnostics.extend(ws.diags.iter().cloned());
    for p in &parsed.files {
        diagnostics.extend(p.out.diags.iter().cloned());
    }
    let index = index::build_index(&ws.crates, parsed.files);
    steps.mark(|| String::from("rust: index"));
    let graph = build::build_graph(index, &mut stats, &mut steps);
    diagnostics.sort();
    diagnostics.dedup();
    Ok(RustAnalysis {
        graph,
        diagnostics,
        stats,
        files,
    })
}
