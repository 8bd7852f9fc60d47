//! `cleave-gen`: writes LFR-like synthetic monolith call graphs in the JSON call-graph format
//! (docs/callgraph-format.md), with planted modules, for benchmarks and scale tests.
//!
//! The graph follows Lancichinetti, Fortunato & Radicchi (2008) in spirit: community sizes and
//! node degrees are drawn from power laws, and each call leaves its node's planted community with
//! probability μ (the mixing parameter). Calls pick their callee in proportion to its degree
//! (Chung–Lu style), so hubs are called often, like utility code. Each planted community is a
//! module `pkgNNN`; node ids are `pkgNNN::fnMMMMM`. Some nodes are entry points with runtime
//! figures, a few calls are async, and modules own resources.
//!
//! The output is streamed through a `BufWriter`: 1M nodes and 10M edges take a few seconds and
//! little memory (the graph is never held as a JSON value). Deterministic for a seed.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Parser;

/// Exponent of the degree distribution (LFR's τ1).
const DEGREE_EXPONENT: f64 = 2.5;
/// Exponent of the community size distribution (LFR's τ2).
const SIZE_EXPONENT: f64 = 1.5;
/// Smallest planted community.
const MIN_COMMUNITY: usize = 20;
/// Share of nodes that are entry points.
const ENTRY_SHARE: f64 = 0.01;
/// Share of calls that are async (events, messages).
const ASYNC_SHARE: f64 = 0.02;
/// Share of a module's nodes touching its resources.
const RESOURCE_SHARE: f64 = 0.1;

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "cleave-gen",
    about = "Writes an LFR-like synthetic monolith call graph (JSON) with planted modules"
)]
struct Args {
    /// Number of functions (nodes).
    #[arg(long)]
    nodes: usize,
    /// Mean number of outgoing calls per node.
    #[arg(long, default_value_t = 5.0)]
    edges_per_node: f64,
    /// Mixing parameter μ: share of each node's calls that leave its planted module.
    #[arg(long, default_value_t = 0.3)]
    mixing: f64,
    /// Seed of the generator: the same seed gives the same file.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Largest planted community (default: nodes / 20, between 50 and 5000).
    #[arg(long)]
    max_community: Option<usize>,
    /// The call graph to write.
    #[arg(short, long)]
    out: PathBuf,
    /// Where to write the planted partition, `{"node id": community}`.
    #[arg(long)]
    truth: Option<PathBuf>,
}

/// A draw from a power law with exponent `tau` on `[min, max]` (inverse transform sampling).
fn power_law(rng: &mut fastrand::Rng, tau: f64, min: f64, max: f64) -> f64 {
    let e = 1.0 - tau;
    let (a, b) = (min.powf(e), max.powf(e));
    (a + (b - a) * rng.f64()).powf(1.0 / e)
}

/// The planted graph before it is written: nodes are grouped by community.
struct Planted {
    /// `start[c]..start[c + 1]` are the nodes of community `c`.
    start: Vec<usize>,
    /// Node → community.
    community: Vec<u32>,
    /// Node → prefix sums of the degree weights (sampling a callee by binary search).
    cumulative: Vec<f64>,
    /// Node → expected out-degree.
    weight: Vec<f64>,
}

/// Draws community sizes and degree weights.
fn plant(args: &Args, rng: &mut fastrand::Rng) -> Planted {
    let n = args.nodes;
    let max_c = args
        .max_community
        .unwrap_or((n / 20).clamp(50, 5000))
        .max(MIN_COMMUNITY);
    let mut start = vec![0usize];
    let mut placed = 0usize;
    while placed < n {
        let size = power_law(rng, SIZE_EXPONENT, MIN_COMMUNITY as f64, max_c as f64) as usize;
        placed = (placed + size.max(1)).min(n);
        start.push(placed);
    }
    let mut community = vec![0u32; n];
    for c in 0..start.len() - 1 {
        community[start[c]..start[c + 1]].fill(c as u32);
    }
    let max_degree = (20.0 * args.edges_per_node).max(2.0);
    let mut weight: Vec<f64> = (0..n)
        .map(|_| power_law(rng, DEGREE_EXPONENT, 1.0, max_degree))
        .collect();
    let mean = weight.iter().sum::<f64>() / n as f64;
    let scale = args.edges_per_node / mean;
    let mut cumulative = Vec::with_capacity(n);
    let mut sum = 0.0;
    for w in &mut weight {
        *w *= scale;
        sum += *w;
        cumulative.push(sum);
    }
    Planted {
        start,
        community,
        cumulative,
        weight,
    }
}

impl Planted {
    /// A node of `lo..hi` drawn in proportion to its degree weight.
    fn pick(&self, rng: &mut fastrand::Rng, lo: usize, hi: usize) -> usize {
        let base = if lo == 0 {
            0.0
        } else {
            self.cumulative[lo - 1]
        };
        let x = base + rng.f64() * (self.cumulative[hi - 1] - base);
        let i = self.cumulative[lo..hi].partition_point(|&c| c <= x);
        (lo + i).min(hi - 1)
    }

    /// A callee for `v`: inside its community with probability 1 − μ, else outside it.
    fn callee(&self, rng: &mut fastrand::Rng, v: usize, mixing: f64) -> Option<usize> {
        let c = self.community[v] as usize;
        let (lo, hi) = (self.start[c], self.start[c + 1]);
        let n = self.community.len();
        if rng.f64() >= mixing || hi - lo == n {
            let u = self.pick(rng, lo, hi);
            return (u != v).then_some(u);
        }
        // Outside the community: retry a few times rather than bias the draw.
        (0..8)
            .map(|_| self.pick(rng, 0, n))
            .find(|&u| self.community[u] as usize != c)
    }
}

/// A stochastic rounding of `x`: ⌊x⌋, plus one with probability frac(x).
fn round(rng: &mut fastrand::Rng, x: f64) -> usize {
    let f = x.floor();
    f as usize + usize::from(rng.f64() < x - f)
}

/// A buffered writer into a temporary file beside `path`, so that a failed run never leaves a
/// half-written file under the real name; [`finish`] renames it into place.
fn create(path: &Path) -> Result<BufWriter<tempfile::NamedTempFile>> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".cleave-gen.");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    Ok(BufWriter::with_capacity(1 << 20, tmp))
}

/// Flushes `w` and renames its temporary file to `path`.
fn finish(w: BufWriter<tempfile::NamedTempFile>, path: &Path) -> Result<()> {
    let tmp = w
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn write_graph(args: &Args, planted: &Planted, rng: &mut fastrand::Rng) -> Result<(usize, usize)> {
    let mut w = create(&args.out)?;
    let n = args.nodes;
    writeln!(w, "{{\"version\":1,\"nodes\":[")?;
    let mut entries = 0usize;
    for v in 0..n {
        let c = planted.community[v];
        write!(
            w,
            "{{\"id\":\"pkg{c:03}::fn{v:05}\",\"module\":\"pkg{c:03}\""
        )?;
        if rng.f64() < ENTRY_SHARE {
            entries += 1;
            let trigger = match rng.u32(0..100) {
                0..70 => "http",
                70..85 => "event",
                85..95 => "queue",
                _ => "schedule",
            };
            let per_day = (power_law(rng, 2.0, 10.0, 1e7)).round();
            let p50 = (power_law(rng, 2.0, 5.0, 5000.0) * 10.0).round() / 10.0;
            let p95 = (p50 * (2.0 + 3.0 * rng.f64()) * 10.0).round() / 10.0;
            let max = (p95 * (1.5 + 4.0 * rng.f64()) * 10.0).round() / 10.0;
            write!(
                w,
                ",\"entry\":\"{trigger}\",\"invocations_per_day\":{per_day},\"duration_ms\":{{\"p50\":{p50},\"p95\":{p95},\"max\":{max}}}"
            )?;
        }
        if rng.f64() < RESOURCE_SHARE {
            // Each module owns a database; some also use a cache shared by a neighbour module.
            write!(w, ",\"resources\":[\"db:pkg{c:03}\"")?;
            if rng.u32(0..4) == 0 {
                write!(w, ",\"cache:pkg{:03}\"", c / 2 * 2)?;
            }
            write!(w, "]")?;
        }
        let sep = if v + 1 < n { "," } else { "" };
        writeln!(w, "}}{sep}")?;
    }
    writeln!(w, "],\"edges\":[")?;
    let mut edges = 0usize;
    for v in 0..n {
        let cv = planted.community[v];
        for _ in 0..round(rng, planted.weight[v]) {
            let Some(u) = planted.callee(rng, v, args.mixing) else {
                continue;
            };
            let cu = planted.community[u];
            if edges > 0 {
                writeln!(w, ",")?;
            }
            edges += 1;
            write!(
                w,
                "{{\"from\":\"pkg{cv:03}::fn{v:05}\",\"to\":\"pkg{cu:03}::fn{u:05}\""
            )?;
            let weight = match rng.u32(0..10) {
                0..6 => 1,
                6..8 => 2,
                8 => 3,
                _ => rng.u32(4..10),
            };
            if weight != 1 {
                write!(w, ",\"weight\":{weight}")?;
            }
            if rng.f64() < ASYNC_SHARE {
                write!(w, ",\"async\":true")?;
            }
            write!(w, "}}")?;
        }
    }
    writeln!(w, "\n]}}")?;
    finish(w, &args.out)?;
    Ok((edges, entries))
}

fn write_truth(path: &Path, planted: &Planted) -> Result<()> {
    let mut w = create(path)?;
    writeln!(w, "{{")?;
    let n = planted.community.len();
    for (v, &c) in planted.community.iter().enumerate() {
        let sep = if v + 1 < n { "," } else { "" };
        writeln!(w, "\"pkg{c:03}::fn{v:05}\":{c}{sep}")?;
    }
    writeln!(w, "}}")?;
    finish(w, path)
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.nodes == 0 {
        bail!("--nodes must be at least 1");
    }
    if !(0.0..=1.0).contains(&args.mixing) {
        bail!("--mixing must be between 0 and 1");
    }
    if !(args.edges_per_node.is_finite() && args.edges_per_node >= 0.0) {
        bail!("--edges-per-node must be a finite number ≥ 0");
    }
    let mut rng = fastrand::Rng::with_seed(args.seed);
    let planted = plant(&args, &mut rng);
    let (edges, entries) = write_graph(&args, &planted, &mut rng)?;
    if let Some(path) = &args.truth {
        write_truth(path, &planted)?;
    }
    eprintln!(
        "cleave-gen: {} nodes, {edges} edges, {} planted modules, {entries} entry points → {}",
        args.nodes,
        planted.start.len() - 1,
        args.out.display()
    );
    Ok(())
}
