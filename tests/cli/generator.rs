//! `cleave-gen`, the synthetic monolith generator of the benchmarks: deterministic for a seed, a
//! valid call graph with its planted modules, bad arguments refused without a file.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::{plan_ok, text};

/// Runs cleave-gen with `args`, writing `dir/name` and its planted truth beside it.
pub fn generate(dir: &Path, name: &str, args: &[&str]) -> Output {
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
        &["--nodes", "100", "--shape", "square"],
        &["--nodes", "100", "--modules", "noisy:2"],
        &["--nodes", "100", "--modules", "layers:0"],
        &["--nodes", "100", "--degree-cap", "0.5"],
        &["--nodes", "100", "--pareto", "0"],
        &["--nodes", "100", "--size-exponent", "1"],
        &["--nodes", "100", "--core", "200"],
        &["--nodes", "100", "--core-share", "0.5"],
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

#[test]
fn shuffled_ids_relabel_the_same_graph_out_of_community_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let args = ["--nodes", "3000", "--shape", "hubs", "--seed", "4"];
    for (name, extra) in [
        ("plain.json", None),
        ("shuffled.json", Some("--shuffle-ids")),
    ] {
        let run = generate(dir.path(), name, &[&args[..], extra.as_slice()].concat());
        assert!(run.status.success(), "{}", text(&run).1);
    }
    let (plain_nodes, plain_edges, plain_truth) = read_generated(dir.path(), "plain.json");
    let (nodes, edges, truth) = read_generated(dir.path(), "shuffled.json");
    // Nodes are written in the same order, so the n-th ids name the same node.
    let rename: BTreeMap<&str, &str> = plain_nodes
        .iter()
        .zip(&nodes)
        .map(|((a, _), (b, _))| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        rename
            .values()
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        3000
    );
    assert_eq!(plain_edges.len(), edges.len());
    for ((f, t, w), (f2, t2, w2)) in plain_edges.iter().zip(&edges) {
        assert_eq!(
            (rename[f.as_str()], rename[t.as_str()], w),
            (f2.as_str(), t2.as_str(), w2)
        );
    }
    for (id, c) in &plain_truth {
        assert_eq!(truth[rename[id.as_str()]], *c);
    }
    // In id order the plain graph's communities come in runs; the shuffled one's do not.
    let runs = |truth: &BTreeMap<String, usize>| {
        let by_id: Vec<usize> = truth.values().copied().collect();
        by_id.windows(2).filter(|w| w[0] != w[1]).count()
    };
    assert!(runs(&plain_truth) < 100, "{}", runs(&plain_truth));
    assert!(runs(&truth) > 1000, "{}", runs(&truth));
}

/// Reads a generated graph and its truth: (node ids with their module, calls, truth).
type Generated = (
    Vec<(String, Option<String>)>,
    Vec<(String, String, f64)>,
    BTreeMap<String, usize>,
);

fn read_generated(dir: &Path, name: &str) -> Generated {
    let graph: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join(name)).expect("graph")).expect("JSON");
    let truth: BTreeMap<String, usize> =
        serde_json::from_slice(&fs::read(dir.join(format!("{name}.truth"))).expect("truth"))
            .expect("truth JSON");
    let nodes = graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            let id = n["id"].as_str().expect("id").to_string();
            (id, n["module"].as_str().map(str::to_string))
        })
        .collect();
    let edges = graph["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            (
                e["from"].as_str().expect("from").to_string(),
                e["to"].as_str().expect("to").to_string(),
                e["weight"].as_f64().unwrap_or(1.0),
            )
        })
        .collect();
    (nodes, edges, truth)
}

#[test]
fn each_shape_has_the_structure_it_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let n = 4000;
    let sized = |name: &str, nodes: usize| {
        let file = format!("{name}-{nodes}.json");
        let run = generate(
            dir.path(),
            &file,
            &[
                "--nodes",
                &nodes.to_string(),
                "--shape",
                name,
                "--seed",
                "5",
            ],
        );
        assert!(run.status.success(), "{name}: {}", text(&run).1);
        read_generated(dir.path(), &file)
    };
    let shape = |name: &str| sized(name, n);
    let in_degrees = |edges: &[(String, String, f64)]| {
        let mut d: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, t, _) in edges {
            *d.entry(t.as_str()).or_default() += 1;
        }
        let mut v: Vec<usize> = d.into_values().collect();
        v.sort_unstable();
        v
    };

    // LFR: modules are the planted communities; degree weights at most 20× the mean.
    let (nodes, _, truth) = shape("lfr");
    assert!(
        nodes
            .iter()
            .all(|(id, m)| m.as_deref() == Some(format!("pkg{:03}", truth[id]).as_str()))
    );

    // Hubs: bare ids, no module or resource, unweighted; degree weights capped at √n, not 20×
    // the mean, so on a large graph its hubs outgrow LFR's.
    let big = 90_000;
    let (_, lfr_edges, _) = sized("lfr", big);
    let (nodes, edges, truth) = sized("hubs", big);
    assert!(
        nodes
            .iter()
            .all(|(id, m)| m.is_none() && !id.contains("::"))
    );
    assert!(edges.iter().all(|e| e.2 == 1.0));
    assert_eq!(truth.len(), big);
    let lfr_hub = *in_degrees(&lfr_edges).last().expect("calls");
    let hub = *in_degrees(&edges).last().expect("calls");
    assert!(2 * hub > 3 * lfr_hub, "hub in-degree {hub}, LFR {lfr_hub}");
    let graph = fs::read_to_string(dir.path().join(format!("hubs-{big}.json"))).expect("graph");
    assert!(!graph.contains("resources"));

    // Noisy modules: about 30 % of the nodes declare another community's module.
    let (nodes, _, truth) = shape("noisy-modules");
    let other = nodes
        .iter()
        .filter(|(id, m)| m.as_deref() != Some(format!("pkg{:03}", truth[id]).as_str()))
        .count();
    assert!(
        (n / 5..n * 2 / 5).contains(&other),
        "{other} of {n} disagree"
    );

    // Layers: 4 modules, each spanning many planted communities.
    let (nodes, _, truth) = shape("layers");
    let mut spans: BTreeMap<String, std::collections::BTreeSet<usize>> = BTreeMap::new();
    for (id, m) in &nodes {
        spans
            .entry(m.clone().expect("module"))
            .or_default()
            .insert(truth[id]);
    }
    assert_eq!(spans.len(), 4);
    assert!(spans.values().all(|c| c.len() > 10), "{spans:?}");

    // Uneven: community sizes spread far wider than LFR's.
    let sizes = |truth: &BTreeMap<String, usize>| {
        let mut s: BTreeMap<usize, usize> = BTreeMap::new();
        for &c in truth.values() {
            *s.entry(c).or_default() += 1;
        }
        let v: Vec<usize> = s.into_values().collect();
        (*v.iter().min().expect("one"), *v.iter().max().expect("one"))
    };
    let (_, _, truth) = shape("uneven");
    let (small, large) = sizes(&truth);
    assert!(small < 20 && large >= 500, "sizes {small}..{large}");

    // Dense core: community 0 is the core, its members call each other densely.
    let (_, edges, truth) = shape("dense-core");
    let core: Vec<&String> = truth
        .iter()
        .filter(|&(_, &c)| c == 0)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(core.len(), n / 10);
    let inside = edges
        .iter()
        .filter(|(f, t, _)| truth[f] == 0 && truth[t] == 0)
        .count();
    assert!(inside >= core.len() * 90, "{inside} calls inside the core");
}
