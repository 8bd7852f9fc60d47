//! Decomposition quality on reconstructions of public benchmark monoliths
//! (tests/fixtures/bench): MoJoFM against the expert decomposition, automatic and with the expert's
//! number of services. Run with `--nocapture` to see the table (docs/quality.md).

use std::collections::BTreeMap;
use std::path::PathBuf;

use planner::{Config, mojofm, plan};

const FIXTURES: [&str; 5] = [
    "jpetstore",
    "acmeair",
    "daytrader",
    "petclinic",
    "ecommerce-methods",
];

fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/bench")
}

/// (MoJoFM automatic, services automatic, MoJoFM at the expert's count, expert count).
fn score(name: &str) -> (f64, usize, f64, usize) {
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
    let labels = |config: &Config| -> (Vec<usize>, usize) {
        let p = plan(&graph, config).expect("plans");
        let index: BTreeMap<&str, usize> = p
            .clusters
            .iter()
            .enumerate()
            .flat_map(|(c, s)| s.members.iter().map(move |m| (m.as_str(), c)))
            .collect();
        let out = graph.nodes().map(|n| index[n.id.as_str()]).collect();
        (out, p.clusters.len())
    };
    let (auto, k_auto) = labels(&Config::default());
    let mut fixed = Config::default();
    fixed.clustering.services = Some(services.len());
    let (exact, k_exact) = labels(&fixed);
    assert_eq!(k_exact, services.len(), "{name}: --services not honoured");
    (
        mojofm(&auto, &truth),
        k_auto,
        mojofm(&exact, &truth),
        services.len(),
    )
}

#[test]
fn mojofm_against_expert_decompositions() {
    println!(
        "| fixture | MoJoFM auto | services auto | MoJoFM at expert count | expert services |"
    );
    println!("|---|---:|---:|---:|---:|");
    let mut sum_auto = 0.0;
    let mut sum_exact = 0.0;
    for name in FIXTURES {
        let (auto, k, exact, ke) = score(name);
        println!("| {name} | {auto:.1} | {k} | {exact:.1} | {ke} |");
        sum_auto += auto;
        sum_exact += exact;
    }
    let n = FIXTURES.len() as f64;
    println!("| mean | {:.1} | | {:.1} | |", sum_auto / n, sum_exact / n);
    // Floors well above the trivial baselines (one service per module: mean 47.4; all in one: 20.4).
    assert!(
        sum_auto / n >= 55.0,
        "automatic MoJoFM fell to {:.1}",
        sum_auto / n
    );
    assert!(
        sum_exact / n >= 55.0,
        "exact-count MoJoFM fell to {:.1}",
        sum_exact / n
    );
}
