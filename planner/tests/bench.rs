//! Decomposition quality on reconstructions of public benchmark monoliths
//! (tests/fixtures/bench): MoJoFM against the expert decomposition, automatic, with the expert's
//! number of services, and without the `module` hints. Run with `--nocapture` to see the table
//! (docs/quality.md).

use std::collections::BTreeMap;
use std::path::PathBuf;

use analyzer::{CallGraph, Node};
use planner::{Config, mojofm, plan};

const FIXTURES: [&str; 5] = [
    "jpetstore",
    "acmeair",
    "daytrader",
    "petclinic",
    "ecommerce-methods",
];

/// Scores of one fixture against its expert decomposition.
struct Score {
    auto: f64,
    services: usize,
    exact: f64,
    expert_services: usize,
    /// Automatic, with the `module` hints removed (the ids' namespaces stand in).
    bare: f64,
}

fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/bench")
}

/// Each node's service index in the plan of `graph`, and the number of services.
fn labels(graph: &CallGraph, config: &Config) -> (Vec<usize>, usize) {
    let p = plan(graph, config).expect("plans");
    let index: BTreeMap<&str, usize> = p
        .clusters
        .iter()
        .enumerate()
        .flat_map(|(c, s)| s.members.iter().map(move |m| (m.as_str(), c)))
        .collect();
    let out = graph.nodes().map(|n| index[n.id.as_str()]).collect();
    (out, p.clusters.len())
}

fn score(name: &str) -> Score {
    let dir = bench_dir();
    let graph_text = std::fs::read_to_string(dir.join(format!("{name}.json"))).expect("fixture");
    let graph = analyzer::load_json(&graph_text).expect("fixture loads");
    let expert_text =
        std::fs::read_to_string(dir.join(format!("{name}.expert.json"))).expect("expert file");
    let expert: serde_json::Value = serde_json::from_str(&expert_text).expect("expert JSON");
    let services = expert["services"].as_object().expect("services");
    let mut truth = vec![usize::MAX; graph.node_count()];
    for (s, (_, members)) in services.iter().enumerate() {
        for m in members.as_array().expect("members") {
            let id = m.as_str().expect("id");
            let p = graph
                .position(id)
                .unwrap_or_else(|| panic!("{name}: unknown expert node {id}"));
            truth[p] = s;
        }
    }
    assert!(
        truth.iter().all(|&t| t != usize::MAX),
        "{name}: expert misses nodes"
    );
    let (auto, k_auto) = labels(&graph, &Config::default());
    let mut fixed = Config::default();
    fixed.clustering.services = Some(services.len());
    let (exact, k_exact) = labels(&graph, &fixed);
    assert_eq!(k_exact, services.len(), "{name}: --services not honoured");
    let bare_nodes = graph
        .nodes()
        .map(|node| Node {
            module: None,
            ..node.clone()
        })
        .collect();
    let bare_graph = CallGraph::from_parts(bare_nodes, graph.edges().collect());
    let (bare, _) = labels(&bare_graph, &Config::default());
    Score {
        auto: mojofm(&auto, &truth),
        services: k_auto,
        exact: mojofm(&exact, &truth),
        expert_services: services.len(),
        bare: mojofm(&bare, &truth),
    }
}

#[test]
fn mojofm_against_expert_decompositions() {
    println!(
        "| fixture | MoJoFM auto | services auto | MoJoFM at expert count | expert services | MoJoFM auto, no module hints |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let (mut sum_auto, mut sum_exact, mut sum_bare) = (0.0, 0.0, 0.0);
    for name in FIXTURES {
        let s = score(name);
        println!(
            "| {name} | {:.1} | {} | {:.1} | {} | {:.1} |",
            s.auto, s.services, s.exact, s.expert_services, s.bare
        );
        sum_auto += s.auto;
        sum_exact += s.exact;
        sum_bare += s.bare;
    }
    let n = FIXTURES.len() as f64;
    println!(
        "| mean | {:.1} | | {:.1} | | {:.1} |",
        sum_auto / n,
        sum_exact / n,
        sum_bare / n
    );
    // Floors well above the trivial baselines (one service per module: mean 47.4; all in one: 20.4).
    assert!(
        sum_auto / n >= 65.0,
        "automatic MoJoFM fell to {:.1}",
        sum_auto / n
    );
    assert!(
        sum_exact / n >= 62.0,
        "exact-count MoJoFM fell to {:.1}",
        sum_exact / n
    );
    assert!(
        sum_bare / n >= 50.0,
        "MoJoFM without module hints fell to {:.1}",
        sum_bare / n
    );
}
