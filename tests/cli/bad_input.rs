//! Bad input: every case exits 2 with a message naming what, where and how to fix, and leaves no
//! output file behind.

use std::fs;

use crate::{cleave, fixture, text};

/// Plans `json` and returns (exit code, stderr), checking nothing was written.
fn plan_text(json: &str, extra: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("input.json");
    fs::write(&input, json).expect("write input");
    let out = dir.path().join("out");
    let mut args = vec![
        "plan",
        input.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
    ];
    args.extend_from_slice(extra);
    let result = cleave(&args);
    let (_, stderr) = text(&result);
    assert!(
        !out.join("plan.json").exists(),
        "output written despite the error"
    );
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    (result.status.code().unwrap_or(-1), stderr)
}

fn expect_error(json: &str, needles: &[&str]) {
    let (code, stderr) = plan_text(json, &[]);
    assert_eq!(code, 2, "exit code for {json}: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "`{n}` missing from: {stderr}");
    }
}

#[test]
fn malformed_json_names_line_and_column() {
    expect_error(
        "{\"nodes\": [\n  {\"id\": \"a\",}\n]}",
        &["line 2", "column"],
    );
}

#[test]
fn truncated_json_is_an_error() {
    expect_error("{\"nodes\": [{\"id\": \"a\"}", &["EOF", "line 1"]);
}

#[test]
fn wrong_types_name_the_json_path() {
    expect_error(
        r#"{"nodes": [{"id": "a"}, {"id": 5}]}"#,
        &["nodes[1].id", "string"],
    );
    expect_error(
        r#"{"nodes": [{"id": "a", "stateful": "yes"}]}"#,
        &["nodes[0].stateful"],
    );
    expect_error(r#"{"nodes": {"id": "a"}}"#, &["nodes", "sequence"]);
}

#[test]
fn missing_required_fields_are_named() {
    expect_error(
        r#"{"nodes": [{"module": "m"}]}"#,
        &["missing field `id`", "nodes[0]"],
    );
    expect_error(
        r#"{"nodes": [{"id": "a"}], "edges": [{"to": "a"}]}"#,
        &["missing field `from`", "edges[0]"],
    );
    expect_error(
        r#"{"nodes": [{"id": "a"}], "edges": [{"from": "a"}]}"#,
        &["missing field `to`"],
    );
    expect_error(r#"{"edges": []}"#, &["missing field `nodes`"]);
}

#[test]
fn duplicate_ids_are_rejected() {
    expect_error(
        r#"{"nodes": [{"id": "a"}, {"id": "b"}, {"id": "a"}]}"#,
        &["duplicate node id `a`", "nodes[2]", "nodes[0]"],
    );
}

#[test]
fn unknown_edge_target_suggests_the_closest_id() {
    expect_error(
        r#"{"nodes": [{"id": "shop::orders::place_order"}, {"id": "shop::cart::total"}],
            "edges": [{"from": "shop::orders::place_order", "to": "shop::cart::totl"}]}"#,
        &[
            "edges[0].to",
            "`shop::cart::totl`",
            "did you mean `shop::cart::total`",
        ],
    );
}

#[test]
fn negative_numbers_are_rejected() {
    expect_error(
        r#"{"nodes": [{"id": "a"}], "edges": [{"from": "a", "to": "a", "weight": -1}]}"#,
        &["edges[0].weight", "from 0 to 1e12"],
    );
    expect_error(
        r#"{"nodes": [{"id": "a", "invocations_per_day": -5}]}"#,
        &["nodes[0].invocations_per_day"],
    );
    expect_error(
        r#"{"nodes": [{"id": "a", "duration_ms": {"p95": -1}}]}"#,
        &["nodes[0].duration_ms.p95"],
    );
    expect_error(
        r#"{"nodes": [{"id": "a", "memory_mb": 1e999}]}"#,
        &["line 1"],
    );
}

#[test]
fn non_finite_numbers_are_rejected() {
    expect_error(
        r#"{"nodes": [{"id": "a", "memory_mb": NaN}]}"#,
        &["line 1", "column"],
    );
}

#[test]
fn an_empty_graph_is_rejected() {
    expect_error(r#"{"nodes": [], "edges": []}"#, &["no nodes"]);
}

#[test]
fn a_missing_file_or_a_directory_is_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nope.json");
    let out = dir.path().join("out");
    for input in [
        missing.to_str().expect("path"),
        dir.path().to_str().expect("path"),
    ] {
        let result = cleave(&["plan", input, "--out", out.to_str().expect("path")]);
        let (_, stderr) = text(&result);
        assert_eq!(result.status.code(), Some(2), "{stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
    }
}

#[test]
fn zero_services_is_rejected() {
    let (code, stderr) = plan_text(r#"{"nodes": [{"id": "a"}]}"#, &["--services", "0"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--services"), "{stderr}");
}

#[test]
fn bad_config_files_are_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            "[clustering]\nresolutoin = 2.0\n",
            "unknown field `resolutoin`",
        ),
        (
            "[prices]\nfunction_per_gb_second = -1.0\n",
            "prices.function_per_gb_second",
        ),
        ("[limits\n", "invalid config"),
        ("[clustering]\nresolution = \"high\"\n", "invalid type"),
    ];
    for (i, (toml, needle)) in cases.iter().enumerate() {
        let config = dir.path().join(format!("c{i}.toml"));
        fs::write(&config, toml).expect("write config");
        let (code, stderr) = plan_text(
            r#"{"nodes": [{"id": "a"}]}"#,
            &["--config", config.to_str().expect("path")],
        );
        assert_eq!(code, 2, "{toml}: {stderr}");
        assert!(stderr.contains(needle), "`{needle}` missing from: {stderr}");
        assert!(
            stderr.contains(&format!("c{i}.toml")),
            "config path missing: {stderr}"
        );
    }
}

#[test]
fn a_config_changes_prices_and_thresholds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("cleave.toml");
    // Functions 1000× dearer: nothing should stay a function.
    fs::write(
        &config,
        "[prices]\nfunction_per_gb_second = 0.0166667\nfunction_per_million_requests = 200.0\n",
    )
    .expect("write");
    let (_d, plan) = crate::plan_ok(
        &fixture("tiny-shop.json"),
        &["--config", config.to_str().expect("path")],
    );
    for c in plan["clusters"].as_array().expect("clusters") {
        assert_eq!(c["label"], "microservice", "{}", c["name"]);
    }
}
