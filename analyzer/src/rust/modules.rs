//! Builds each crate's module tree while parsing: a crate root is parsed first, and every
//! `mod x;` it declares spawns the parse of the file rustc would load for it (`x.rs`, `x/mod.rs`
//! or the `#[path]` target). Files are parsed in parallel on the caller's rayon pool; a file syn
//! cannot parse becomes a diagnostic and the rest goes on.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Diagnostic;
use super::ir::FileOut;
use super::items::{Extractor, FileCtx};
use super::nesting::Unparsed;
use super::workspace::CrateRoot;

/// Deepest module nesting followed (guards against `#[path]` cycles).
const MAX_MODULE_DEPTH: u32 = 64;
/// Most modules analyzed in one crate, and in all crates together (beyond any real crate; a
/// `#[path]` fan-out without a loop could otherwise grow without bound).
const MAX_CRATE_MODULES: usize = 50_000;
const MAX_MODULES: usize = 500_000;

/// One parsed file.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// Index of its crate in the crate list.
    pub crate_idx: usize,
    /// Its module path.
    pub mod_path: String,
    /// The file, relative to the root.
    pub rel: String,
    /// What it contains.
    pub out: FileOut,
}

/// Every file reached from the crate roots, sorted by crate, module path and file.
#[derive(Debug, Default)]
pub(crate) struct ParseResult {
    /// Parsed files.
    pub files: Vec<Parsed>,
    /// Files that could not be read or parsed, missing module files.
    pub diags: Vec<Diagnostic>,
    /// Files syn could not parse (or read).
    pub skipped: usize,
    /// Bytes read.
    pub bytes: u64,
}

struct Job {
    crate_idx: usize,
    mod_path: String,
    file: PathBuf,
    mod_dir: PathBuf,
    depth: u32,
    /// The files of the enclosing modules, outermost first (a file among them is a loop).
    ancestors: Vec<PathBuf>,
}

struct Shared<'a> {
    root: &'a Path,
    progress: &'a (dyn Fn(u64, u64) + Sync),
    /// Files queued for parsing so far (crate roots, then each `mod` file found): the progress
    /// total, which grows as the module tree is discovered and counts only files to be parsed.
    queued: AtomicU64,
    done: AtomicU64,
    bytes: AtomicU64,
    files: Mutex<Vec<Parsed>>,
    diags: Mutex<Vec<Diagnostic>>,
    skipped: AtomicU64,
    seen: Mutex<HashSet<(usize, String, PathBuf)>>,
    /// Modules loaded per crate and in all.
    loaded: Mutex<Loaded>,
}

/// Counts of the modules loaded, to bound `#[path]` fan-out.
#[derive(Default)]
struct Loaded {
    per_crate: std::collections::HashMap<usize, usize>,
    total: usize,
}

impl Loaded {
    /// Counts one more module in crate `krate`; `Err` says which limit it would break.
    fn admit(&mut self, krate: usize) -> Result<(), String> {
        let of_crate = self.per_crate.entry(krate).or_default();
        if *of_crate >= MAX_CRATE_MODULES {
            return Err(format!("the crate already has {MAX_CRATE_MODULES} modules"));
        }
        if self.total >= MAX_MODULES {
            return Err(format!("the analysis already has {MAX_MODULES} modules"));
        }
        *of_crate += 1;
        self.total += 1;
        Ok(())
    }
}

/// The file's path relative to `root`, with `/` separators.
pub(crate) fn relative(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let rel = if rel.as_os_str().is_empty() {
        file.file_name().map(Path::new).unwrap_or(file)
    } else {
        rel
    };
    rel.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Parses every crate's module tree. Must run inside the analysis' rayon pool.
///
/// # Complexity
/// O(total source size) work, spread over the pool's threads.
pub(crate) fn parse_all(
    root: &Path,
    crates: &[CrateRoot],
    progress: &(dyn Fn(u64, u64) + Sync),
) -> ParseResult {
    let shared = Shared {
        root,
        progress,
        queued: AtomicU64::new(crates.len() as u64),
        done: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        files: Mutex::new(Vec::new()),
        diags: Mutex::new(Vec::new()),
        skipped: AtomicU64::new(0),
        seen: Mutex::new(HashSet::new()),
        loaded: Mutex::new(Loaded::default()),
    };
    rayon::scope(|s| {
        for (crate_idx, c) in crates.iter().enumerate() {
            let mod_dir = c.file.parent().map(Path::to_path_buf).unwrap_or_default();
            let job = Job {
                crate_idx,
                mod_path: c.name.clone(),
                file: c.file.clone(),
                mod_dir,
                depth: 0,
                ancestors: Vec::new(),
            };
            let shared = &shared;
            s.spawn(move |s| run(s, shared, job));
        }
    });
    let mut files = shared.files.into_inner().unwrap_or_else(|e| e.into_inner());
    files.sort_by(|a, b| {
        (a.crate_idx, &a.mod_path, &a.rel).cmp(&(b.crate_idx, &b.mod_path, &b.rel))
    });
    let mut diags = shared.diags.into_inner().unwrap_or_else(|e| e.into_inner());
    diags.sort();
    ParseResult {
        files,
        diags,
        skipped: shared.skipped.into_inner() as usize,
        bytes: shared.bytes.into_inner(),
    }
}

fn push<T>(m: &Mutex<Vec<T>>, v: T) {
    m.lock().unwrap_or_else(|e| e.into_inner()).push(v);
}

/// Largest source file analyzed, in bytes. Hand-written Rust stays far below (the largest files
/// of rustc and of the registry sources are a few hundred KB); a bigger file is generated (bindings,
/// tables), and parsing one of 50 MB took 48 s and 6 GB of memory for nothing a plan needs.
pub(crate) const MAX_FILE_BYTES: u64 = 8 << 20;

/// The file's text, or why it is skipped.
///
/// Only a regular file is opened (opening a FIFO would wait for a writer); at most one byte past
/// the cap is read, so a file that grows after its size was checked is refused as well.
fn read_source(path: &Path) -> Result<String, String> {
    use std::io::Read as _;
    let cannot = |e: std::io::Error| format!("cannot read the file: {e}");
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err("not a regular file: it is skipped".to_string());
    }
    let too_large = |len: u64| {
        format!(
            "the file is {:.1} MB, over the {} MB a hand-written source reaches (generated code?): it is skipped",
            len as f64 / f64::from(1u32 << 20),
            MAX_FILE_BYTES >> 20
        )
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    // The size is at most the cap here, 8 MB: it fits a usize.
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {}): it is skipped",
            e.utf8_error().valid_up_to()
        )
    })
}

fn run<'s>(s: &rayon::Scope<'s>, sh: &'s Shared<'s>, job: Job) {
    let rel = relative(sh.root, &job.file);
    match read_source(&job.file) {
        Err(message) => {
            sh.skipped.fetch_add(1, Ordering::Relaxed);
            push(
                &sh.diags,
                Diagnostic {
                    file: rel,
                    line: 0,
                    column: 0,
                    message,
                },
            );
        }
        Ok(text) => {
            sh.bytes.fetch_add(text.len() as u64, Ordering::Relaxed);
            let file_dir = job.file.parent().unwrap_or(Path::new(""));
            let ctx = FileCtx {
                rel: &rel,
                file_dir,
                mod_dir: job.mod_dir.clone(),
                mod_path: job.mod_path.clone(),
            };
            // Each top-level item is read as soon as it is parsed and dropped before the next
            // (`nesting::parse_items`): what a file that fails to parse gave so far is dropped.
            let mut facts = Extractor::new(&ctx);
            match super::nesting::parse_items(&text, &mut |item| facts.item(&item)) {
                Err(why) => {
                    sh.skipped.fetch_add(1, Ordering::Relaxed);
                    let (line, column, message) = match why {
                        Unparsed::Syntax(e) => {
                            let at = e.span().start();
                            let message =
                                format!("syn cannot parse this file ({e}): it is skipped");
                            (at.line, at.column + 1, message)
                        }
                        Unparsed::TooDeep(line, column, depth) => (
                            line,
                            column,
                            format!(
                                "the file nests over {} levels deep here ({depth} reached): it is skipped",
                                super::nesting::MAX_NESTING
                            ),
                        ),
                    };
                    push(
                        &sh.diags,
                        Diagnostic {
                            file: rel,
                            line,
                            column,
                            message,
                        },
                    );
                }
                Ok(_inner_attributes) => {
                    let out = facts.finish();
                    children(s, sh, &job, &rel, &out);
                    push(
                        &sh.files,
                        Parsed {
                            crate_idx: job.crate_idx,
                            mod_path: job.mod_path,
                            rel,
                            out,
                        },
                    );
                }
            }
        }
    }
    // The file's spans are not used past this point: the lexer's per-thread source map (a copy of
    // every file lexed on this thread, with its line table) starts afresh, so that it does not
    // grow with the tree, nor its 32-bit positions wrap past 4 GB of source on one thread.
    // Nothing of this file's syntax outlives `run`, and `run` calls nothing that could steal
    // another file's job onto this thread midway.
    proc_macro2::extra::invalidate_current_thread_spans();
    let done = sh.done.fetch_add(1, Ordering::Relaxed) + 1;
    (sh.progress)(done, sh.queued.load(Ordering::Relaxed).max(done));
}

/// Spawns the parse of each `mod x;` file of `out`, or records a diagnostic when none exists.
fn children<'s>(s: &rayon::Scope<'s>, sh: &'s Shared<'s>, job: &Job, rel: &str, out: &FileOut) {
    for child in &out.children {
        let note = |message: String| {
            push(
                &sh.diags,
                Diagnostic {
                    file: rel.to_string(),
                    line: child.line,
                    column: 0,
                    message,
                },
            );
        };
        let found = child
            .candidates
            .iter()
            .zip(&child.owns_dir)
            .find(|(p, _)| p.is_file());
        let Some((file, &owns_dir)) = found else {
            let looked: Vec<String> = child
                .candidates
                .iter()
                .map(|p| relative(sh.root, p))
                .collect();
            let name = child.mod_path.rsplit("::").next().unwrap_or_default();
            let message = format!(
                "module `{name}` has no file (looked for {}): create it or remove the `mod` declaration",
                looked.join(" and ")
            );
            note(message);
            continue;
        };
        if job.depth + 1 >= MAX_MODULE_DEPTH {
            let message = format!(
                "module `{}` nests deeper than {MAX_MODULE_DEPTH} levels: not followed",
                child.mod_path
            );
            note(message);
            continue;
        }
        let key = (job.crate_idx, child.mod_path.clone(), file.clone());
        if !sh
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key)
        {
            continue;
        }
        // A file that encloses itself (through `#[path]`) is a loop: following it would double
        // the modules at every level.
        let admitted = if *file == job.file || job.ancestors.contains(file) {
            Err("its file already encloses it (a `#[path]` loop)".to_string())
        } else {
            sh.loaded
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .admit(job.crate_idx)
        };
        if let Err(why) = admitted {
            note(format!("module `{}` not followed: {why}", child.mod_path));
            continue;
        }
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let mod_dir = if owns_dir {
            dir
        } else {
            dir.join(file.file_stem().unwrap_or_default())
        };
        let mut ancestors = job.ancestors.clone();
        ancestors.push(job.file.clone());
        let next = Job {
            crate_idx: job.crate_idx,
            mod_path: child.mod_path.clone(),
            file: file.clone(),
            mod_dir,
            depth: job.depth + 1,
            ancestors,
        };
        // Queued before this file counts as done, so the total never falls below the count.
        sh.queued.fetch_add(1, Ordering::Relaxed);
        s.spawn(move |s| run(s, sh, next));
    }
}
