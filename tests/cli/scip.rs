//! SCIP code indexes through the real binary: `cleave analyze index.scip` and
//! `cleave plan index.scip`, recognised by content, and bad indexes refused with exit code 2.

use std::fs;

use crate::{cleave, plan_ok, repo_file, service_of, text};

fn fixture(name: &str) -> String {
    repo_file(&format!("tests/fixtures/scip/{name}"))
        .to_str()
        .expect("path")
        .to_string()
}

#[test]
fn analyze_writes_the_graph_and_prints_the_summary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("graph.json");
    let result = cleave(&[
        "analyze",
        &fixture("python-shop.scip"),
        "-o",
        out.to_str().expect("path"),
    ]);
    let (stdout, stderr) = text(&result);
    assert!(result.status.success(), "{stderr}");
    assert!(stdout.contains("20 nodes, 24 edges"), "{stdout}");
    assert!(
        stderr.contains(
            "analyzed SCIP index by scip-python 0.6.6: 6 documents (python 6), 20 definitions"
        ) && stderr.contains("references: 24 resolved")
            && stderr.contains("entry points: 5 http"),
        "{stderr}"
    );
    let graph = analyzer::load_json(&fs::read_to_string(&out).expect("graph")).expect("loads");
    let direct = analyzer::analyze_scip(&fs::read(fixture("python-shop.scip")).expect("index"))
        .expect("reads");
    assert_eq!(graph.node_count(), direct.graph.node_count());
    assert_eq!(graph.edge_count(), direct.graph.edge_count());
}

#[test]
fn analyze_prints_the_summary_as_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("graph.json");
    let result = cleave(&[
        "analyze",
        &fixture("ts-shop.scip"),
        "-o",
        out.to_str().expect("path"),
        "--format",
        "json",
        "--quiet",
    ]);
    let (stdout, stderr) = text(&result);
    assert!(result.status.success(), "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).expect("JSON summary");
    assert_eq!(summary["nodes"], 21);
    assert_eq!(summary["edges"], 19);
    assert_eq!(summary["stats"]["documents"], 6);
    assert_eq!(summary["stats"]["languages"]["typescript"], 6);
    assert_eq!(summary["stats"]["entry_points"]["http"], 5);
    assert_eq!(summary["stats"]["indexer"], "scip-typescript 0.4.0");
}

#[test]
fn plan_reads_an_index_by_its_content_whatever_its_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let renamed = dir.path().join("index.bin");
    fs::copy(fixture("ts-shop.scip"), &renamed).expect("copy");
    let plans: Vec<String> = ["a", "b"]
        .iter()
        .map(|name| {
            let out = dir.path().join(name);
            let result = cleave(&[
                "plan",
                renamed.to_str().expect("path"),
                "--out",
                out.to_str().expect("path"),
            ]);
            let (_, stderr) = text(&result);
            assert!(result.status.success(), "{stderr}");
            fs::read_to_string(out.join("plan.json")).expect("plan.json")
        })
        .collect();
    assert_eq!(
        plans[0], plans[1],
        "the same index plans byte for byte the same"
    );
    let plan: serde_json::Value = serde_json::from_str(&plans[0]).expect("plan");
    let clusters = plan["clusters"].as_array().expect("clusters");
    assert!(clusters.len() >= 2, "{clusters:?}");
    let placed: usize = clusters
        .iter()
        .map(|c| c["members"].as_array().expect("members").len())
        .sum();
    assert_eq!(placed, 21, "every function in one service");
    // Checkout and payments are not catalog.
    assert_ne!(
        service_of(&plan, "src.orders.OrderService.place")["id"],
        service_of(&plan, "src.catalog.findProduct")["id"]
    );
}

#[test]
fn a_truncated_index_is_bad_input_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bytes = fs::read(fixture("python-shop.scip")).expect("index");
    let cut = dir.path().join("index.scip");
    fs::write(&cut, &bytes[..bytes.len() - 1000]).expect("write");
    let out = dir.path().join("plan");
    let result = cleave(&[
        "plan",
        cut.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
    ]);
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("truncated SCIP index") && stderr.contains("index the project again"),
        "{stderr}"
    );
    assert!(!out.join("plan.json").exists());
}

#[test]
fn a_file_that_is_no_index_is_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = dir.path().join("index.scip");
    fs::write(&fake, "{\"nodes\": []}").expect("write");
    let result = cleave(&["plan", fake.to_str().expect("path"), "--out", "unused"]);
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("SCIP index"), "{stderr}");
    let notes = dir.path().join("notes.txt");
    fs::write(&notes, "hello").expect("write");
    let out = dir.path().join("g.json");
    let result = cleave(&[
        "analyze",
        notes.to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
    ]);
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("neither a directory nor a SCIP index"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn traces_map_span_names_onto_scip_ids() {
    // Span names are routes, not SCIP ids: `[[traces.map]]` rules join them (docs/scip.md).
    let dir = tempfile::tempdir().expect("temp dir");
    let mut spans = Vec::new();
    for (i, (name, count, micros)) in [("POST /orders", 40, 120_000), ("GET /products", 300, 8_000)]
        .into_iter()
        .enumerate()
    {
        for n in 0..count {
            let id = format!("{:016x}", (i + 1) * 100_000 + n);
            spans.push(serde_json::json!({
                "traceId": id, "id": id, "kind": "SERVER", "name": name,
                "timestamp": 1_700_000_000_000_000u64 + n as u64 * 10_000_000,
                "duration": micros, "localEndpoint": {"serviceName": "shop"}
            }));
        }
    }
    let traces = dir.path().join("zipkin.json");
    fs::write(&traces, serde_json::Value::Array(spans).to_string()).expect("write traces");
    let config = dir.path().join("cleave.toml");
    fs::write(
        &config,
        r#"
[[traces.map]]
span = "POST /orders"
node = "shop.web.create_order"

[[traces.map]]
span = "GET /products"
node = "shop.web.products"
"#,
    )
    .expect("write config");
    let (_out, plan) = plan_ok(
        &repo_file("tests/fixtures/scip/python-shop.scip"),
        &[
            "--traces",
            traces.to_str().expect("path"),
            "--config",
            config.to_str().expect("path"),
            "-q",
        ],
    );
    assert_eq!(
        plan["traces"]["matched_operations"], 2,
        "{}",
        plan["traces"]
    );
    assert_eq!(plan["traces"]["unmatched_operations"], 0);
    for node in ["shop.web.create_order", "shop.web.products"] {
        let source = &service_of(&plan, node)["rationale"]["signals"]["invocations_source"];
        assert_ne!(source, "assumed", "{node}: {source}");
    }
}
