//! Throughput of the Rust analysis against bare syn parsing, on a large real tree of Rust source.
//!
//! Run with `cargo bench -p analyzer --bench parse`. The tree is `$CLEAVE_BENCH_DIR` when set,
//! otherwise the sources cargo has downloaded (`$CARGO_HOME/registry/src`, falling back to
//! `~/.cargo/registry/src`). At most `$CLEAVE_BENCH_MAX_MB` MB of `.rs` files are used (default
//! 150): when the tree holds more, whole packages are copied, in path order and as long as they
//! fit under the cap, into a temporary directory, so that both measures see the same tree.
//!
//! Two measures, with the same rayon thread count (all cores unless `RAYON_NUM_THREADS` says
//! otherwise), interleaved so that machine noise affects both alike, each repeated
//! `$CLEAVE_BENCH_RUNS` times (default 3) and reported by its median:
//! - bare parse: read each file the analysis parses and `syn::parse_file` it, in parallel;
//! - whole analysis: `analyzer::analyze_rust` over the same root.
//!
//! `analyze_rust` follows the module tree of each package's library and binaries from its
//! `Cargo.toml` and names the files it parsed (`RustAnalysis::files`, a file once per parse): an
//! untimed first analysis names them, and the bare parse reads exactly those, so both measures see
//! the same bytes. `CLEAVE_BENCH_BARE=src` parses the `.rs` files under each package's `src/`
//! instead (the set used before 2026-12-04, when the analysis did not name its files), and
//! `CLEAVE_BENCH_BARE=all` every `.rs` file of the tree. Each throughput is computed from its own
//! files and bytes. The result is a Markdown table on stdout.
//!
//! On Linux each run's process CPU time (all threads, user and system) is measured too, and the
//! medians are reported with their ratio: on a machine other work shares, wall times swing with
//! the load while CPU times barely move, so before/after comparisons there read the CPU ratio.
//! The wall-time ratio is the target's measure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

/// The allocator the `cleave` binary uses, so that both measures allocate as the product does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Default cap on the `.rs` bytes used, in MB.
const DEFAULT_MAX_MB: u64 = 150;
/// Default number of timed runs of each measure.
const DEFAULT_RUNS: usize = 3;
const MB: f64 = 1_000_000.0;

fn main() {
    // As the `cleave` binary does (src/main.rs), so that both measures run as the product runs.
    #[cfg(target_os = "linux")]
    let _refused = rustix::thread::disable_transparent_huge_pages(true);
    // `cargo bench` passes `--bench` (and any filter); this binary has nothing to filter.
    let Some(dir) = bench_dir() else {
        eprintln!(
            "no Rust tree to measure: set CLEAVE_BENCH_DIR, or run `cargo fetch` so that \
             ~/.cargo/registry/src holds sources"
        );
        return;
    };
    let max_bytes = env_number("CLEAVE_BENCH_MAX_MB", DEFAULT_MAX_MB).saturating_mul(1_000_000);
    let runs = usize::try_from(env_number("CLEAVE_BENCH_RUNS", DEFAULT_RUNS as u64))
        .unwrap_or(DEFAULT_RUNS)
        .max(1);

    let all = rust_files(&dir);
    let all_bytes: u64 = all.iter().map(|(_, len)| len).sum();
    // Keeps the temporary copy alive for the whole measure.
    let (_copy, root) = if all_bytes > max_bytes {
        match capped_copy(&dir, &all, max_bytes) {
            Ok((tmp, root)) => (Some(tmp), root),
            Err(e) => {
                eprintln!("cannot copy the capped tree to a temporary directory: {e}");
                return;
            }
        }
    } else {
        (None, dir.clone())
    };
    // Untimed warm-up: brings every file into the page cache so that neither measure pays for
    // the disk alone, and names the files the analysis reads.
    let analysed = match analyzer::analyze_rust(&root, &|_, _| {}) {
        Ok(a) => a.files,
        Err(e) => {
            eprintln!("the analysis cannot read {}: {e}", root.display());
            return;
        }
    };
    let bare_set = BareSet::from_env();
    let files: Vec<PathBuf> = match bare_set {
        BareSet::Same => analysed.iter().map(|rel| root.join(rel)).collect(),
        BareSet::Src | BareSet::All => rust_files(&root)
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| bare_set == BareSet::All || in_package_src(&root, p))
            .collect(),
    };
    let threads = rayon::current_num_threads();
    eprintln!(
        "tree: {} ({} .rs files for the bare parse, {:.1} MB{}); {threads} rayon threads; {runs} runs each",
        dir.display(),
        files.len(),
        bytes_of(&files) as f64 / MB,
        if all_bytes > max_bytes {
            format!(", capped from {:.1} MB", all_bytes as f64 / MB)
        } else {
            String::new()
        },
    );
    let warm = bare_parse(&files);
    eprintln!(
        "warm-up: {} files read, {} not parsed by syn",
        warm.files, warm.failures
    );

    let mut bare_times = Vec::with_capacity(runs);
    let mut whole_times = Vec::with_capacity(runs);
    let mut bare_cpu = Vec::with_capacity(runs);
    let mut whole_cpu = Vec::with_capacity(runs);
    let mut bare = warm;
    let mut whole: Result<analyzer::RustStats, String> = Err(String::from("not run"));
    for run in 1..=runs {
        let (start, cpu) = (Instant::now(), cpu_time());
        bare = bare_parse(&files);
        let t = start.elapsed();
        bare_cpu.extend(cpu.zip(cpu_time()).map(|(a, b)| b.saturating_sub(a)));
        bare_times.push(t);
        eprintln!("run {run}: bare parse {:.3} s", t.as_secs_f64());

        if whole.is_ok() || run == 1 {
            let (start, cpu) = (Instant::now(), cpu_time());
            let result = analyzer::analyze_rust(&root, &|_, _| {});
            let t = start.elapsed();
            let cpu = cpu.zip(cpu_time()).map(|(a, b)| b.saturating_sub(a));
            match result {
                Ok(analysis) => {
                    eprintln!("run {run}: whole analysis {:.3} s", t.as_secs_f64());
                    whole_times.push(t);
                    whole_cpu.extend(cpu);
                    whole = Ok(analysis.stats);
                }
                Err(e) => {
                    eprintln!("whole analysis failed: {e}; reporting bare parse only");
                    whole = Err(e.to_string());
                }
            }
        }
    }

    let bare_time = median(&mut bare_times);
    let bare_label = match bare_set {
        BareSet::Same => "bare parse, the files the analysis parses (read + `syn::parse_file`)",
        BareSet::Src => "bare parse, packages' `src/` (read + `syn::parse_file`)",
        BareSet::All => "bare parse, every `.rs` file (read + `syn::parse_file`)",
    };
    report(
        &dir,
        threads,
        runs,
        (bare_label, &bare, bare_time),
        &whole,
        &mut whole_times,
    );
    if !bare_cpu.is_empty() && whole.is_ok() && !whole_cpu.is_empty() {
        let (bare_cpu, whole_cpu) = (median(&mut bare_cpu), median(&mut whole_cpu));
        println!(
            "\nCPU time (all threads, median): bare parse {:.3} s, whole analysis {:.3} s; \
             bare parse / whole analysis: {:.1} %.",
            bare_cpu.as_secs_f64(),
            whole_cpu.as_secs_f64(),
            100.0 * bare_cpu.as_secs_f64() / whole_cpu.as_secs_f64(),
        );
    }
}

/// The CPU time this process has used so far, all threads, user and system (Linux only).
fn cpu_time() -> Option<Duration> {
    #[cfg(target_os = "linux")]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
        Some(Duration::new(
            u64::try_from(t.tv_sec).ok()?,
            u32::try_from(t.tv_nsec).ok()?,
        ))
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// Which files the bare parse reads (`CLEAVE_BENCH_BARE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BareSet {
    /// The files the analysis parsed, each as many times (the default): the same bytes.
    Same,
    /// `src`: the `.rs` files under each package's `src/` (the figures before 2026-12-04).
    Src,
    /// `all`: every `.rs` file of the tree.
    All,
}

impl BareSet {
    fn from_env() -> BareSet {
        match std::env::var("CLEAVE_BENCH_BARE").as_deref() {
            Ok("src") => BareSet::Src,
            Ok("all") => BareSet::All,
            _ => BareSet::Same,
        }
    }
}

/// What a bare parse of the files saw.
#[derive(Debug, Clone, Copy, Default)]
struct Bare {
    /// Files read.
    files: usize,
    /// Bytes read.
    bytes: u64,
    /// Files that could not be read as UTF-8 or that syn could not parse.
    failures: usize,
}

/// Reads and parses every file in parallel; a failure is counted, never fatal.
fn bare_parse(files: &[PathBuf]) -> Bare {
    files
        .par_iter()
        .map(|path| match std::fs::read(path) {
            Err(_) => Bare {
                files: 1,
                bytes: 0,
                failures: 1,
            },
            Ok(raw) => {
                let bytes = raw.len() as u64;
                let parsed = String::from_utf8(raw)
                    .ok()
                    .and_then(|text| syn::parse_file(&text).ok());
                // As the analysis does after each file: the lexer's per-thread source map
                // (a copy of each file lexed) does not grow with the tree.
                proc_macro2::extra::invalidate_current_thread_spans();
                Bare {
                    files: 1,
                    bytes,
                    failures: usize::from(parsed.is_none()),
                }
            }
        })
        .reduce(Bare::default, |a, b| Bare {
            files: a.files + b.files,
            bytes: a.bytes + b.bytes,
            failures: a.failures + b.failures,
        })
}

fn report(
    dir: &Path,
    threads: usize,
    runs: usize,
    (bare_label, bare, bare_time): (&str, &Bare, Duration),
    whole: &Result<analyzer::RustStats, String>,
    whole_times: &mut [Duration],
) {
    let bare_mbs = bare.bytes as f64 / MB / bare_time.as_secs_f64();
    println!(
        "Tree `{}`, {threads} rayon threads, median of {} runs.\n",
        dir.display(),
        runs
    );
    println!("| measure | files | MB | not parsed | median time | MB/s | files/s |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {bare_label} | {} | {:.1} | {} | {:.2} s | {:.1} | {:.0} |",
        bare.files,
        bare.bytes as f64 / MB,
        bare.failures,
        bare_time.as_secs_f64(),
        bare_mbs,
        bare.files as f64 / bare_time.as_secs_f64(),
    );
    match whole {
        Ok(stats) if !whole_times.is_empty() => {
            let t = median(whole_times);
            let whole_mbs = stats.bytes as f64 / MB / t.as_secs_f64();
            let files = stats.files + stats.skipped_files;
            println!(
                "| whole analysis (`analyze_rust`) | {} | {:.1} | {} | {:.2} s | {:.1} | {:.0} |",
                files,
                stats.bytes as f64 / MB,
                stats.skipped_files,
                t.as_secs_f64(),
                whole_mbs,
                files as f64 / t.as_secs_f64(),
            );
            println!(
                "\nWhole analysis / bare parse (MB/s): **{:.0} %** (target ≥ 80 %).",
                100.0 * whole_mbs / bare_mbs
            );
            println!(
                "\nAnalysis: {} crates, {} functions; call sites: {} resolved, {} name-matched, \
                 {} external, {} unresolved.",
                stats.crates,
                stats.functions,
                stats.resolved_calls,
                stats.name_matched_calls,
                stats.external_calls,
                stats.unresolved_calls,
            );
        }
        Ok(_) => println!("| whole analysis (`analyze_rust`) | | | | not run | | |"),
        Err(e) => println!("| whole analysis (`analyze_rust`) | | | | pending: {e} | | |"),
    }
}

/// The tree to measure: `$CLEAVE_BENCH_DIR`, else cargo's downloaded sources.
fn bench_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CLEAVE_BENCH_DIR") {
        return Some(PathBuf::from(dir));
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))?;
    let mut candidates = vec![cargo_home.join("registry/src")];
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join(".cargo/registry/src"));
    }
    candidates.into_iter().find(|dir| dir.is_dir())
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Every `.rs` file under `root` with its length, in path order, walked as developers' tools do
/// (`.gitignore` respected, hidden files and `target/` skipped).
fn rust_files(root: &Path) -> Vec<(PathBuf, u64)> {
    let mut files: Vec<(PathBuf, u64)> = ignore::WalkBuilder::new(root)
        .filter_entry(|entry| entry.file_name() != "target")
        .build()
        .filter_map(Result::ok)
        .filter(|entry| {
            entry.file_type().is_some_and(|t| t.is_file())
                && entry.path().extension().is_some_and(|ext| ext == "rs")
        })
        .filter_map(|entry| {
            let len = entry.metadata().ok()?.len();
            Some((entry.into_path(), len))
        })
        .collect();
    files.sort();
    files
}

/// Whether `file` lies under the `src/` directory of its package (the nearest directory above it,
/// within `root`, that holds a `Cargo.toml`): where library and binary targets live.
fn in_package_src(root: &Path, file: &Path) -> bool {
    file.ancestors()
        .skip(1)
        .take_while(|a| a.starts_with(root))
        .find(|a| a.join("Cargo.toml").is_file())
        .and_then(|package| file.strip_prefix(package).ok())
        .is_some_and(|relative| relative.starts_with("src"))
}

fn bytes_of(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// Copies whole packages (the `.rs` files under the nearest directory with a `Cargo.toml`, and
/// the `Cargo.toml` files above them) into a temporary directory, in path order, until
/// `max_bytes` of `.rs` source is reached. Returns the directory and the root to analyze.
fn capped_copy(
    dir: &Path,
    files: &[(PathBuf, u64)],
    max_bytes: u64,
) -> std::io::Result<(tempfile::TempDir, PathBuf)> {
    let mut packages: BTreeMap<PathBuf, Vec<&(PathBuf, u64)>> = BTreeMap::new();
    for file in files {
        let package = file
            .0
            .ancestors()
            .skip(1)
            .take_while(|a| a.starts_with(dir))
            .find(|a| a.join("Cargo.toml").is_file())
            .unwrap_or(dir);
        packages
            .entry(package.to_path_buf())
            .or_default()
            .push(file);
    }
    let tmp = tempfile::tempdir()?;
    let root = tmp.path().join("tree");
    let mut total = 0;
    for (package, files) in packages {
        let size: u64 = files.iter().map(|(_, len)| len).sum();
        if total > 0 && total + size > max_bytes {
            continue;
        }
        total += size;
        for manifest in package
            .ancestors()
            .take_while(|a| a.starts_with(dir))
            .map(|a| a.join("Cargo.toml"))
            .filter(|m| m.is_file())
        {
            copy_under(dir, &manifest, &root)?;
        }
        for (file, _) in files {
            copy_under(dir, file, &root)?;
        }
    }
    Ok((tmp, root))
}

fn copy_under(dir: &Path, file: &Path, root: &Path) -> std::io::Result<()> {
    let relative = file.strip_prefix(dir).unwrap_or(file);
    let target = root.join(relative);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(file, target).map(|_| ())
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}
