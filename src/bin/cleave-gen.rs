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

/// Share of nodes that are entry points.
const ENTRY_SHARE: f64 = 0.01;
/// Share of calls that are async (events, messages).
const ASYNC_SHARE: f64 = 0.02;
/// Share of a module's nodes touching its resources.
const RESOURCE_SHARE: f64 = 0.1;
/// Calls each node of a dense core makes to other core nodes (at most the core's size − 1).
const CORE_DEGREE: usize = 100;
/// Mixed into the seed for the permutation of `--shuffle-ids`.
const SHUFFLE_SEED: u64 = 0x05ee_d1d5;

/// A graph shape: a preset of the flags below, so that benchmarks cannot be tuned to one shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Shape {
    /// LFR-like: degrees with Pareto tail 1.5 capped at 20× the mean, community sizes 20 to
    /// n/20 (at most 5,000), one module per planted community, weighted calls.
    Lfr,
    /// Heavy-tailed hubs, ids only: degree weights capped at √n (hubs with thousands of callers,
    /// as utility code has), community sizes 20–2,000, no modules or resources, unweighted.
    Hubs,
    /// LFR, but 30 % of the nodes declare the module of another, random community.
    NoisyModules,
    /// LFR, but modules are 4 technical layers cutting across every community (a node's layer
    /// is its position in its community modulo 4), as `dao`/`service`/`web` packages are.
    Layers,
    /// Very uneven community sizes: from 10 to 50,000 nodes (at most n/4), exponent 1.1.
    Uneven,
    /// LFR plus a dense core: 2,000 nodes (at most n/10) that call each other 100 times each
    /// and receive 10 % of all other calls, as a shared domain model or framework does.
    DenseCore,
}

/// How nodes declare their `module`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Modules {
    /// One module per planted community.
    Planted,
    /// No module field, ids without a path, no resources.
    None,
    /// Each node declares a random other community's module with this probability.
    Noisy(f64),
    /// This many layers, each crossing every community.
    Layers(usize),
}

fn parse_modules(s: &str) -> Result<Modules, String> {
    let bad = || format!("`{s}`: expected planted, none, noisy:P (0 ≤ P ≤ 1) or layers:K (K ≥ 1)");
    match s.split_once(':') {
        None if s == "planted" => Ok(Modules::Planted),
        None if s == "none" => Ok(Modules::None),
        Some(("noisy", p)) => match p.parse::<f64>() {
            Ok(p) if (0.0..=1.0).contains(&p) => Ok(Modules::Noisy(p)),
            _ => Err(bad()),
        },
        Some(("layers", k)) => match k.parse::<usize>() {
            Ok(k) if k >= 1 => Ok(Modules::Layers(k)),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

/// The cap on a node's degree weight.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cap {
    /// This many times the smallest weight.
    Times(f64),
    /// √n times the smallest weight.
    Sqrt,
}

fn parse_cap(s: &str) -> Result<Cap, String> {
    if s == "sqrt" {
        return Ok(Cap::Sqrt);
    }
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 1.0 => Ok(Cap::Times(x)),
        _ => Err(format!("`{s}`: expected a number ≥ 1 or `sqrt`")),
    }
}

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "cleave-gen",
    about = "Writes an LFR-like synthetic monolith call graph (JSON) with planted modules",
    long_about = "Writes an LFR-like synthetic monolith call graph (JSON) with planted modules.\n\n\
        --shape picks a preset; the flags after it override its parts."
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
    /// The shape preset.
    #[arg(long, value_enum, default_value_t = Shape::Lfr)]
    shape: Shape,
    /// Tail exponent α of the Pareto degree weights (P(W > w) ∝ w^−α; LFR's τ1 = α + 1).
    #[arg(long)]
    pareto: Option<f64>,
    /// Cap on a degree weight, in multiples of the smallest: a number ≥ 1, or `sqrt` for √n.
    #[arg(long, value_parser = parse_cap)]
    degree_cap: Option<Cap>,
    /// Modules: `planted`, `none`, `noisy:P` or `layers:K`.
    #[arg(long, value_parser = parse_modules)]
    modules: Option<Modules>,
    /// Smallest planted community.
    #[arg(long)]
    min_community: Option<usize>,
    /// Largest planted community (default: nodes / 20, between 50 and 5000).
    #[arg(long)]
    max_community: Option<usize>,
    /// Exponent of the community size power law (LFR's τ2).
    #[arg(long)]
    size_exponent: Option<f64>,
    /// Nodes in a dense core (a planted community of its own).
    #[arg(long)]
    core: Option<usize>,
    /// Share of the other nodes' calls that go into the dense core.
    #[arg(long)]
    core_share: Option<f64>,
    /// Every call has weight 1.
    #[arg(long)]
    unweighted: bool,
    /// Number the nodes' ids in a random order (a permutation drawn from the seed) instead of
    /// community by community: the same graph, relabelled, so that neighbouring ids are no
    /// longer neighbours in the graph (as in a real code base, whose ids sort by name).
    #[arg(long)]
    shuffle_ids: bool,
    /// The call graph to write.
    #[arg(short, long)]
    out: PathBuf,
    /// Where to write the planted partition, `{"node id": community}`.
    #[arg(long)]
    truth: Option<PathBuf>,
}

/// The parameters of one graph: the shape preset with the flags' overrides applied.
#[derive(Debug, Clone)]
struct Params {
    nodes: usize,
    edges_per_node: f64,
    mixing: f64,
    pareto: f64,
    /// Largest degree weight, in multiples of the smallest.
    degree_cap: f64,
    modules: Modules,
    min_community: usize,
    max_community: usize,
    size_exponent: f64,
    core: usize,
    core_share: f64,
    weighted: bool,
    shuffle_ids: bool,
    /// The generator's seed (the id permutation's comes from it).
    seed: u64,
}

impl Params {
    fn new(a: &Args) -> Result<Params> {
        let n = a.nodes;
        if n == 0 {
            bail!("--nodes must be at least 1");
        }
        if !(0.0..=1.0).contains(&a.mixing) {
            bail!("--mixing must be between 0 and 1");
        }
        if !(a.edges_per_node.is_finite() && a.edges_per_node >= 0.0) {
            bail!("--edges-per-node must be a finite number ≥ 0");
        }
        let lfr_max = (n / 20).clamp(50, 5000);
        let mut p = Params {
            nodes: n,
            edges_per_node: a.edges_per_node,
            mixing: a.mixing,
            pareto: 1.5,
            degree_cap: (20.0 * a.edges_per_node).max(2.0),
            modules: Modules::Planted,
            min_community: 20,
            max_community: lfr_max,
            size_exponent: 1.5,
            core: 0,
            core_share: 0.0,
            weighted: true,
            shuffle_ids: a.shuffle_ids,
            seed: a.seed,
        };
        match a.shape {
            Shape::Lfr => {}
            Shape::Hubs => {
                p.degree_cap = (n as f64).sqrt().max(2.0);
                p.modules = Modules::None;
                p.max_community = 2000;
                p.weighted = false;
            }
            Shape::NoisyModules => p.modules = Modules::Noisy(0.3),
            Shape::Layers => p.modules = Modules::Layers(4),
            Shape::Uneven => {
                p.min_community = 10;
                p.max_community = (n / 4).clamp(10, 50_000);
                p.size_exponent = 1.1;
            }
            Shape::DenseCore => {
                p.core = (n / 10).min(2000);
                p.core_share = 0.1;
            }
        }
        p.pareto = a.pareto.unwrap_or(p.pareto);
        p.degree_cap = match a.degree_cap {
            Some(Cap::Times(x)) => x,
            Some(Cap::Sqrt) => (n as f64).sqrt().max(2.0),
            None => p.degree_cap,
        };
        p.modules = a.modules.unwrap_or(p.modules);
        p.min_community = a.min_community.unwrap_or(p.min_community);
        p.max_community = a.max_community.unwrap_or(p.max_community);
        p.size_exponent = a.size_exponent.unwrap_or(p.size_exponent);
        p.core = a.core.unwrap_or(p.core);
        p.core_share = a.core_share.unwrap_or(p.core_share);
        p.weighted &= !a.unweighted;
        if !(p.pareto.is_finite() && p.pareto > 0.0) {
            bail!("--pareto must be a number > 0");
        }
        if !(p.size_exponent.is_finite() && p.size_exponent > 1.0) {
            bail!("--size-exponent must be a number > 1");
        }
        if p.min_community == 0 {
            bail!("--min-community must be at least 1");
        }
        p.max_community = p.max_community.max(p.min_community);
        if p.core > n {
            bail!("--core must be at most --nodes");
        }
        if !(0.0..=1.0).contains(&p.core_share) {
            bail!("--core-share must be between 0 and 1");
        }
        if p.core_share > 0.0 && p.core < 2 {
            bail!("--core-share needs a --core of at least 2 nodes");
        }
        Ok(p)
    }
}

/// A draw from a power law with exponent `tau` on `[min, max]` (inverse transform sampling).
fn power_law(rng: &mut fastrand::Rng, tau: f64, min: f64, max: f64) -> f64 {
    let e = 1.0 - tau;
    let (a, b) = (min.powf(e), max.powf(e));
    (a + (b - a) * rng.f64()).powf(1.0 / e)
}

/// The planted graph before it is written: nodes are grouped by community.
struct Planted {
    /// `start[c]..start[c + 1]` are the nodes of community `c`; with a core, community 0.
    start: Vec<usize>,
    /// Node → community.
    community: Vec<u32>,
    /// Node → the module it declares (`u32::MAX`: none).
    module: Vec<u32>,
    /// Node → prefix sums of the degree weights (sampling a callee by binary search).
    cumulative: Vec<f64>,
    /// Node → expected out-degree.
    weight: Vec<f64>,
    /// Node → the number in its id.
    number: Vec<u32>,
}

/// Draws community sizes, degree weights and declared modules.
fn plant(p: &Params, rng: &mut fastrand::Rng) -> Planted {
    let n = p.nodes;
    let mut start = vec![0usize];
    let mut placed = 0usize;
    if p.core > 0 {
        placed = p.core;
        start.push(placed);
    }
    while placed < n {
        let size = power_law(
            rng,
            p.size_exponent,
            p.min_community as f64,
            p.max_community as f64,
        ) as usize;
        placed = (placed + size.max(1)).min(n);
        start.push(placed);
    }
    let mut community = vec![0u32; n];
    for c in 0..start.len() - 1 {
        community[start[c]..start[c + 1]].fill(c as u32);
    }
    let mut weight: Vec<f64> = (0..n)
        .map(|_| power_law(rng, p.pareto + 1.0, 1.0, p.degree_cap))
        .collect();
    let mean = weight.iter().sum::<f64>() / n as f64;
    let scale = p.edges_per_node / mean;
    let mut cumulative = Vec::with_capacity(n);
    let mut sum = 0.0;
    for w in &mut weight {
        *w *= scale;
        sum += *w;
        cumulative.push(sum);
    }
    let communities = (start.len() - 1) as u32;
    let module = (0..n)
        .map(|v| match p.modules {
            Modules::Planted => community[v],
            Modules::None => u32::MAX,
            Modules::Noisy(share) => {
                if communities > 1 && rng.f64() < share {
                    let other = rng.u32(0..communities - 1);
                    other + u32::from(other >= community[v])
                } else {
                    community[v]
                }
            }
            Modules::Layers(k) => ((v - start[community[v] as usize]) % k) as u32,
        })
        .collect();
    // Drawn from a generator of its own, so that shuffling changes the ids and nothing else.
    let mut number: Vec<u32> = (0..n as u32).collect();
    if p.shuffle_ids {
        fastrand::Rng::with_seed(p.seed ^ SHUFFLE_SEED).shuffle(&mut number);
    }
    Planted {
        start,
        community,
        module,
        cumulative,
        weight,
        number,
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

/// Writes node `v`'s id.
fn write_id(w: &mut impl Write, planted: &Planted, p: &Params, v: usize) -> std::io::Result<()> {
    let number = planted.number[v];
    match p.modules {
        Modules::None => write!(w, "f{number:07}"),
        Modules::Layers(_) => write!(w, "layer{}::fn{number:05}", planted.module[v]),
        Modules::Planted | Modules::Noisy(_) => {
            write!(w, "pkg{:03}::fn{number:05}", planted.module[v])
        }
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

/// Writes one call from `v` to `u`.
fn write_edge(
    w: &mut impl Write,
    planted: &Planted,
    p: &Params,
    rng: &mut fastrand::Rng,
    (v, u): (usize, usize),
    edges: &mut usize,
) -> std::io::Result<()> {
    if *edges > 0 {
        writeln!(w, ",")?;
    }
    *edges += 1;
    write!(w, "{{\"from\":\"")?;
    write_id(w, planted, p, v)?;
    write!(w, "\",\"to\":\"")?;
    write_id(w, planted, p, u)?;
    write!(w, "\"")?;
    if p.weighted {
        let weight = match rng.u32(0..10) {
            0..6 => 1,
            6..8 => 2,
            8 => 3,
            _ => rng.u32(4..10),
        };
        if weight != 1 {
            write!(w, ",\"weight\":{weight}")?;
        }
    }
    if rng.f64() < ASYNC_SHARE {
        write!(w, ",\"async\":true")?;
    }
    write!(w, "}}")
}

fn write_graph(
    out: &Path,
    p: &Params,
    planted: &Planted,
    rng: &mut fastrand::Rng,
) -> Result<(usize, usize)> {
    let mut w = create(out)?;
    let n = p.nodes;
    writeln!(w, "{{\"version\":1,\"nodes\":[")?;
    let mut entries = 0usize;
    for v in 0..n {
        write!(w, "{{\"id\":\"")?;
        write_id(&mut w, planted, p, v)?;
        write!(w, "\"")?;
        match p.modules {
            Modules::None => {}
            Modules::Layers(_) => write!(w, ",\"module\":\"layer{}\"", planted.module[v])?,
            Modules::Planted | Modules::Noisy(_) => {
                write!(w, ",\"module\":\"pkg{:03}\"", planted.module[v])?
            }
        }
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
        if p.modules != Modules::None && rng.f64() < RESOURCE_SHARE {
            // Each planted community owns a database; some also use a cache shared by a
            // neighbouring community.
            let c = planted.community[v];
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
        for _ in 0..round(rng, planted.weight[v]) {
            let into_core = p.core_share > 0.0 && v >= p.core && rng.f64() < p.core_share;
            let u = if into_core {
                Some(rng.usize(0..p.core))
            } else {
                planted.callee(rng, v, p.mixing)
            };
            if let Some(u) = u {
                write_edge(&mut w, planted, p, rng, (v, u), &mut edges)?;
            }
        }
        if v < p.core {
            for _ in 0..CORE_DEGREE.min(p.core - 1) {
                let u = rng.usize(0..p.core);
                if u != v {
                    write_edge(&mut w, planted, p, rng, (v, u), &mut edges)?;
                }
            }
        }
    }
    writeln!(w, "\n]}}")?;
    finish(w, out)?;
    Ok((edges, entries))
}

fn write_truth(path: &Path, p: &Params, planted: &Planted) -> Result<()> {
    let mut w = create(path)?;
    writeln!(w, "{{")?;
    let n = planted.community.len();
    for (v, &c) in planted.community.iter().enumerate() {
        let sep = if v + 1 < n { "," } else { "" };
        write!(w, "\"")?;
        write_id(&mut w, planted, p, v)?;
        writeln!(w, "\":{c}{sep}")?;
    }
    writeln!(w, "}}")?;
    finish(w, path)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let params = Params::new(&args)?;
    let mut rng = fastrand::Rng::with_seed(args.seed);
    let planted = plant(&params, &mut rng);
    let (edges, entries) = write_graph(&args.out, &params, &planted, &mut rng)?;
    if let Some(path) = &args.truth {
        write_truth(path, &params, &planted)?;
    }
    eprintln!(
        "cleave-gen: {}, {}, {}, {} → {}",
        analyzer::plural(args.nodes, "node"),
        analyzer::plural(edges, "edge"),
        analyzer::plural(planted.start.len() - 1, "planted module"),
        analyzer::plural(entries, "entry point"),
        args.out.display()
    );
    Ok(())
}
