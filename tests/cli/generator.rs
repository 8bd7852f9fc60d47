//! `cleave-gen`, the synthetic monolith generator of the benchmarks: deterministic for a seed, a
//! valid call graph with its planted modules, bad arguments refused without a file.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::{plan_ok, text};

fn generate(dir: &Path, name: &str, args: &[&str]) -> Output {
    let out = dir.join(name);
    Command::new(env!("CARGO_BIN_EXE_cleave-gen"))
        .args(args)
        .arg("--out")
        .arg(&out)
        .arg("--truth")
        .arg(dir.join(format!("{name}.truth")))
        .output()
        .expect("cleave-gen runs")
}

#[test]
fn the_same_seed_writes_the_same_graph_and_another_seed_another() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, seed) in [("a.json", "7"), ("b.json", "7"), ("c.json", "8")] {
        let run = generate(dir.path(), name, &["--nodes", "2000", "--seed", seed]);
        assert!(run.status.success(), "{}", text(&run).1);
    }
    let read = |n: &str| fs::read(dir.path().join(n)).expect("written");
    assert_eq!(read("a.json"), read("b.json"));
    assert_ne!(read("a.json"), read("c.json"));
}

#[test]
fn the_graph_carries_its_planted_modules_and_the_planner_recovers_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = generate(
        dir.path(),
        "g.json",
        &[
            "--nodes",
            "3000",
            "--edges-per-node",
            "6",
            "--mixing",
            "0.2",
        ],
    );
    assert!(run.status.success(), "{}", text(&run).1);
    let graph: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("g.json")).expect("graph")).expect("JSON");
    let truth: BTreeMap<String, usize> =
        serde_json::from_slice(&fs::read(dir.path().join("g.json.truth")).expect("truth"))
            .expect("truth JSON");
    let nodes = graph["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 3000);
    assert_eq!(truth.len(), 3000);
    for node in nodes {
        let id = node["id"].as_str().expect("id");
        let module = node["module"].as_str().expect("module");
        assert_eq!(module, format!("pkg{:03}", truth[id]), "{id}");
    }
    let edges = graph["edges"].as_array().expect("edges").len();
    assert!(
        (12_000..=24_000).contains(&edges),
        "{edges} edges for 3000 nodes at 6 a node"
    );
    assert!(
        nodes.iter().any(|n| n.get("entry").is_some()),
        "no entry points"
    );

    // Purity: the share of nodes whose service's most common planted module is their own.
    let (_out, plan) = plan_ok(&dir.path().join("g.json"), &[]);
    let mut agreeing = 0usize;
    for cluster in plan["clusters"].as_array().expect("clusters") {
        let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
        for m in cluster["members"].as_array().expect("members") {
            *counts.entry(truth[m.as_str().expect("id")]).or_default() += 1;
        }
        agreeing += counts.values().max().copied().unwrap_or(0);
    }
    assert!(agreeing * 10 >= 3000 * 8, "purity {agreeing}/3000");
}

#[test]
fn bad_arguments_are_refused_and_write_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        &["--nodes", "0"][..],
        &["--nodes", "100", "--mixing", "1.5"],
        &["--nodes", "100", "--edges-per-node", "-1"],
    ] {
        let run = generate(dir.path(), "bad.json", args);
        assert!(!run.status.success(), "{args:?} accepted");
        assert!(!text(&run).1.is_empty(), "{args:?}: no message");
        assert!(
            !dir.path().join("bad.json").exists(),
            "{args:?}: file written"
        );
    }
}
