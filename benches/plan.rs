//! Planning benchmark (a `harness = false` bench binary, never a timed test): wall time of each
//! phase of `cleave plan` (load, cluster, label, render, write) and peak memory on synthetic
//! monoliths of 10k, 100k and 1M nodes written by `cleave-gen`, and the recovery of the planted
//! modules (NMI) at 100k nodes.
//!
//! Each size runs in a child process (this binary again, `CLEAVE_BENCH_CHILD` set) so that its
//! peak memory (`VmHWM` of /proc/self/status) is its own. Settings, all optional:
//! `CLEAVE_BENCH_SIZES` (comma-separated node counts, default `10000,100000,1000000`),
//! `CLEAVE_BENCH_EDGES` (calls per node, default 5), `CLEAVE_BENCH_MIXING` (μ, default 0.3),
//! `CLEAVE_BENCH_NMI` (the size whose planted modules are compared, default 100000),
//! `CLEAVE_BENCH_DIR` (where graphs are written and kept, default a temporary directory).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The generator built with this bench.
const GENERATOR: &str = env!("CARGO_BIN_EXE_cleave-gen");

/// One size's figures, as the child prints them (`key=value` per line).
type Figures = HashMap<String, String>;

/// Peak resident memory of this process in MB (`VmHWM`), 0 when /proc is unavailable.
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Normalised mutual information of two labelings, `2 I(X;Y) / (H(X) + H(Y))` (the arithmetic
/// normalisation, scikit-learn's default); 1 when both put everything in one group.
///
/// # Complexity
/// O(N) expected (a hash map of the contingency table).
fn nmi(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len() as f64;
    let mut joint: HashMap<(usize, usize), f64> = HashMap::new();
    let mut pa: HashMap<usize, f64> = HashMap::new();
    let mut pb: HashMap<usize, f64> = HashMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *joint.entry((x, y)).or_default() += 1.0;
        *pa.entry(x).or_default() += 1.0;
        *pb.entry(y).or_default() += 1.0;
    }
    let entropy =
        |p: &HashMap<usize, f64>| -> f64 { p.values().map(|&c| -(c / n) * (c / n).ln()).sum() };
    let (ha, hb) = (entropy(&pa), entropy(&pb));
    if ha + hb == 0.0 {
        return 1.0;
    }
    let mutual: f64 = joint
        .iter()
        .map(|(&(x, y), &c)| (c / n) * ((c * n) / (pa[&x] * pb[&y])).ln())
        .sum();
    2.0 * mutual / (ha + hb)
}

/// The planted community of each node, in the graph's (id) order.
fn truth_of(graph: &analyzer::CallGraph, path: &Path) -> Vec<usize> {
    let text = std::fs::read_to_string(path).expect("read the planted partition");
    let truth: HashMap<String, usize> = serde_json::from_str(&text).expect("a planted partition");
    graph
        .nodes()
        .map(|n| *truth.get(&n.id).expect("every node has a planted module"))
        .collect()
}

/// The child: plans one graph, printing `key=value` lines.
fn child(graph_path: &Path) {
    let t = Instant::now();
    let text = std::fs::read_to_string(graph_path).expect("read the graph");
    let graph = analyzer::load_json(&text).expect("a valid graph");
    drop(text);
    let load = t.elapsed().as_secs_f64();
    let config = planner::Config::default();
    let (plan, timings) = planner::plan_with(&graph, &config, None).expect("a plan");
    let t = Instant::now();
    let files = [
        ("plan.json", planner::render::json(&plan)),
        ("plan.dot", planner::render::dot(&plan)),
        ("plan.md", planner::render::markdown(&plan)),
    ];
    let render = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let out = tempfile::tempdir().expect("a temporary directory");
    for (name, body) in &files {
        std::fs::write(out.path().join(name), body).expect("write a plan file");
    }
    let write = t.elapsed().as_secs_f64();
    let mut lines = vec![
        format!("nodes={}", graph.node_count()),
        format!("edges={}", graph.edge_count()),
        format!("load={load:.3}"),
        format!("cluster={:.3}", timings.cluster.as_secs_f64()),
        format!("label={:.3}", timings.label.as_secs_f64()),
        format!("render={render:.3}"),
        format!("write={write:.3}"),
        format!("services={}", plan.clusters.len()),
        format!("modularity={:.4}", plan.metrics.modularity),
        format!("peak_mb={:.0}", peak_mb()),
    ];
    let truth_path = graph_path.with_extension("truth.json");
    if std::env::var_os("CLEAVE_BENCH_WITH_NMI").is_some() && truth_path.is_file() {
        let truth = truth_of(&graph, &truth_path);
        let planted = truth.iter().max().map_or(0, |&c| c + 1);
        let mut position: HashMap<&str, usize> = HashMap::new();
        for (s, service) in plan.clusters.iter().enumerate() {
            for m in &service.members {
                position.insert(m.as_str(), s);
            }
        }
        let found: Vec<usize> = graph.nodes().map(|n| position[n.id.as_str()]).collect();
        lines.push(format!("planted={planted}"));
        lines.push(format!("nmi={:.4}", nmi(&truth, &found)));
        // The same clustering without the module hint: calls (and resources) alone.
        let mut calls_only = config.clustering.clone();
        calls_only.module_affinity = 0.0;
        let t = Instant::now();
        let blind = planner::cluster(&graph, &calls_only);
        lines.push(format!("blind_cluster={:.3}", t.elapsed().as_secs_f64()));
        lines.push(format!("blind_services={}", blind.count));
        lines.push(format!("blind_nmi={:.4}", nmi(&truth, &blind.assignment)));
    }
    println!("{}", lines.join("\n"));
}

/// Writes the graph of `nodes` nodes (and its planted partition) unless it is already there.
fn generate(dir: &Path, nodes: usize, edges: f64, mixing: f64) -> PathBuf {
    let path = dir.join(format!("bench-{nodes}-{edges}-{mixing}.json"));
    let truth = path.with_extension("truth.json");
    if !path.is_file() || !truth.is_file() {
        let status = Command::new(GENERATOR)
            .args(["--nodes", &nodes.to_string()])
            .args(["--edges-per-node", &edges.to_string()])
            .args(["--mixing", &mixing.to_string()])
            .args(["--seed", "1"])
            .arg("-o")
            .arg(&path)
            .arg("--truth")
            .arg(&truth)
            .status()
            .expect("run cleave-gen");
        assert!(status.success(), "cleave-gen failed");
    }
    path
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if let Some(path) = std::env::var_os("CLEAVE_BENCH_CHILD") {
        child(Path::new(&path));
        return;
    }
    let sizes: Vec<usize> = std::env::var("CLEAVE_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,100000,1000000".to_string())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let edges: f64 = env_or("CLEAVE_BENCH_EDGES", 5.0);
    let mixing: f64 = env_or("CLEAVE_BENCH_MIXING", 0.3);
    let nmi_size: usize = env_or("CLEAVE_BENCH_NMI", 100_000);
    let temp = tempfile::tempdir().expect("a temporary directory");
    let dir = std::env::var_os("CLEAVE_BENCH_DIR")
        .map_or_else(|| temp.path().to_path_buf(), PathBuf::from);
    std::fs::create_dir_all(&dir).expect("the bench directory");
    let me = std::env::current_exe().expect("this bench's path");
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "all cores".to_string());
    println!(
        "Planning benchmark: {edges} calls per node, μ = {mixing}, seed 1, rayon threads: {threads}\n"
    );
    println!(
        "| nodes | edges (merged) | load s | cluster s | label s | render s | write s | total s | peak MB | services | Q |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut quality = Vec::new();
    for &nodes in &sizes {
        let path = generate(&dir, nodes, edges, mixing);
        let mut cmd = Command::new(&me);
        cmd.env("CLEAVE_BENCH_CHILD", &path);
        if nodes == nmi_size {
            cmd.env("CLEAVE_BENCH_WITH_NMI", "1");
        }
        let output = cmd.output().expect("run the bench child");
        assert!(
            output.status.success(),
            "the child for {nodes} nodes failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let f: Figures = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let get = |k: &str| f.get(k).cloned().unwrap_or_default();
        let secs = |k: &str| get(k).parse::<f64>().unwrap_or(0.0);
        let total: f64 = ["load", "cluster", "label", "render", "write"]
            .iter()
            .map(|k| secs(k))
            .sum();
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {total:.2} | {} | {} | {} |",
            get("nodes"),
            get("edges"),
            get("load"),
            get("cluster"),
            get("label"),
            get("render"),
            get("write"),
            get("peak_mb"),
            get("services"),
            get("modularity"),
        );
        if f.contains_key("nmi") {
            quality.push(f);
        }
    }
    for f in quality {
        let get = |k: &str| f.get(k).cloned().unwrap_or_default();
        println!(
            "\nPlanted-module recovery at {} nodes ({} planted modules):\n",
            get("nodes"),
            get("planted")
        );
        println!("| clustering | services | NMI |\n|---|---:|---:|");
        println!(
            "| default (module hint on) | {} | {} |",
            get("services"),
            get("nmi")
        );
        println!(
            "| calls and resources only (`module_affinity = 0`, {} s) | {} | {} |",
            get("blind_cluster"),
            get("blind_services"),
            get("blind_nmi")
        );
    }
}
