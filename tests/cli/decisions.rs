//! `cleave plan` with a decisions file (`cleave.toml` beside the input, or `--config`): named and
//! pinned services, together/apart, exclude, forced labels, typos listed, errors, stable ids.

use std::fs;
use std::path::PathBuf;

use crate::{cleave, fixture, plan_ok, service_of, text};

/// A temporary directory holding a copy of tiny-shop.json and, beside it, `cleave.toml`.
fn shop_with(toml: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("shop.json");
    fs::copy(fixture("tiny-shop.json"), &input).expect("copy fixture");
    fs::write(dir.path().join("cleave.toml"), toml).expect("write cleave.toml");
    (dir, input)
}

const DECISIONS: &str = r#"
[[service]]
name = "checkout"
nodes = ["shop::orders::*", "shop::cart::total"]
label = "microservice"

[[together]]
nodes = ["shop::reports::*", "shop::orders::get_order"]

[[apart]]
nodes = ["shop::images::*", "shop::orders::place_order"]

[exclude]
nodes = ["shop::legacy::*", "shop::no_such_module::*"]
"#;

#[test]
fn the_decisions_beside_the_input_shape_the_plan_and_are_recorded() {
    let (_dir, input) = shop_with(DECISIONS);
    let (_out, plan) = plan_ok(&input, &[]);
    let checkout = service_of(&plan, "shop::orders::place_order");
    assert_eq!(checkout["name"], "checkout");
    assert_eq!(checkout["label"], "microservice");
    assert_eq!(service_of(&plan, "shop::cart::total")["id"], checkout["id"]);
    assert_eq!(
        service_of(&plan, "shop::reports::nightly")["id"],
        checkout["id"],
        "together with get_order, which is pinned to checkout"
    );
    assert_ne!(
        service_of(&plan, "shop::images::resize")["id"],
        checkout["id"]
    );
    let planned = plan["clusters"].to_string();
    assert!(
        !planned.contains("\"shop::legacy::unused_export\""),
        "excluded node still planned"
    );
    let d = &plan["decisions"];
    // Each decision records the nodes it matched: `explain` reads them.
    let exclude = d["decisions"]
        .as_array()
        .expect("decisions")
        .last()
        .expect("exclude");
    assert_eq!(exclude["kind"], "exclude");
    assert_eq!(exclude["node_ids"][0], "shop::legacy::unused_export");
    assert_eq!(d["decisions"][0]["nodes"], 6);
    assert_eq!(
        d["decisions"][0]["node_ids"].as_array().map(Vec::len),
        Some(6)
    );
    assert_eq!(d["excluded_nodes"], 1);
    assert_eq!(d["decisions"][0]["kind"], "service");
    assert_eq!(d["decisions"][0]["service"], checkout["id"]);
    assert_eq!(d["decisions"][0]["patterns"][0]["matched"], 5);
    let unmatched = d["unmatched"].as_array().expect("unmatched");
    assert_eq!(unmatched.len(), 1, "{unmatched:?}");
    assert!(
        unmatched[0]
            .as_str()
            .expect("text")
            .contains("shop::no_such_module::*")
    );
    let notes = plan["notes"].to_string();
    assert!(notes.contains("match no node"), "{notes}");
}

#[test]
fn hostile_names_survive_every_output() {
    let name = r#"<script>alert("x")</script> & 'q' | `tick` \ é"#;
    let toml = format!("[[service]]\nname = '''{name}'''\nmodules = [\"shop::images\"]\n");
    let (_dir, input) = shop_with(&toml);
    let (out, plan) = plan_ok(&input, &[]);
    assert_eq!(service_of(&plan, "shop::images::resize")["name"], name);
    let dot = fs::read_to_string(out.path().join("out/plan.dot")).expect("plan.dot");
    graphviz_rust::parse(&dot).expect("DOT with a hostile service name parses");
    let md = fs::read_to_string(out.path().join("out/plan.md")).expect("plan.md");
    assert!(!md.contains("<script>"), "raw HTML in Markdown");
}

#[test]
fn a_decision_that_matches_nothing_is_listed_not_fatal() {
    let (_dir, input) = shop_with("[[service]]\nname = \"ghost\"\nnodes = [\"shop::ordres::*\"]\n");
    let out = tempfile::tempdir().expect("temp dir");
    let dir = out.path().join("out");
    let run = cleave(&[
        "plan",
        &input.display().to_string(),
        "--out",
        &dir.display().to_string(),
    ]);
    let (_, stderr) = text(&run);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "warning: decision matched no node: [[service]] `ghost`: nodes `shop::ordres::*`"
        ),
        "{stderr}"
    );
    let (_out, plan) = plan_ok(&input, &[]);
    assert_eq!(
        plan["decisions"]["unmatched"][0],
        "[[service]] `ghost`: nodes `shop::ordres::*`"
    );
    assert_eq!(plan["decisions"]["decisions"][0]["nodes"], 0);
    assert!(
        plan["clusters"]
            .as_array()
            .expect("clusters")
            .iter()
            .all(|c| c["name"] != "ghost")
    );
}

#[test]
fn decisions_that_cannot_be_honoured_exit_2_without_output() {
    let cases = [
        (
            "[[service]]\nname = \"cart\"\nmodules = [\"shop::cart\"]\nlabel = \"function\"\n",
            "keeps in-memory state",
        ),
        (
            "[[service]]\nname = \"a\"\nnodes = [\"shop::orders::*\"]\n[[service]]\nname = \"b\"\nnodes = [\"shop::orders::save\"]\n",
            "pinned to both",
        ),
        (
            "[[apart]]\nnodes = [\"shop::*\", \"shop::cart::*\"]\n",
            "must not share nodes",
        ),
        ("[[servce]]\nname = \"a\"\n", "unknown field"),
        ("[[together]]\nnodes = [\"shop::{a\"]\n", "not a valid glob"),
    ];
    for (toml, needle) in cases {
        let (dir, input) = shop_with(toml);
        let out = dir.path().join("out");
        let result = cleave(&[
            "plan",
            input.to_str().expect("path"),
            "--out",
            out.to_str().expect("path"),
        ]);
        let (_, stderr) = text(&result);
        assert_eq!(result.status.code(), Some(2), "{toml}\n{stderr}");
        assert!(stderr.contains(needle), "{toml}\n→ {stderr}");
        assert!(!out.join("plan.json").exists(), "no output on error");
    }
}

#[test]
fn too_few_services_for_the_named_ones_is_an_error_naming_them() {
    let toml = "[[service]]\nname = \"a\"\nmodules = [\"shop::orders\"]\n[[service]]\nname = \"b\"\nmodules = [\"shop::cart\"]\n\
                [[service]]\nname = \"c\"\nmodules = [\"shop::images\"]\n";
    let (dir, input) = shop_with(toml);
    let config = dir.path().join("cleave.toml");
    let out = dir.path().join("out");
    let result = cleave(&[
        "plan",
        input.to_str().expect("path"),
        "--config",
        config.to_str().expect("path"),
        "--services",
        "2",
        "--out",
        out.to_str().expect("path"),
    ]);
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("3 named services"), "{stderr}");
    let (_out, plan) = plan_ok(&input, &["--services", "3"]);
    assert_eq!(plan["clusters"].as_array().expect("clusters").len(), 3);
}

#[test]
fn replanning_into_the_same_directory_keeps_ids_and_names() {
    let (dir, input) = shop_with("");
    let out = dir.path().join("out");
    let args = [
        "plan",
        input.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
    ];
    assert!(cleave(&args).status.success());
    let first = fs::read_to_string(out.join("plan.json")).expect("plan.json");
    assert!(cleave(&args).status.success());
    let second = fs::read_to_string(out.join("plan.json")).expect("plan.json");
    assert_eq!(first, second);
}

#[test]
fn explain_names_the_decisions_that_matched_whatever_their_patterns() {
    // Brace alternatives and module patterns: `explain` reads the nodes each decision matched
    // from the plan instead of matching patterns again.
    let toml = r#"
[[service]]
name = "media"
nodes = ["shop::images::{resize,thumbnail}"]

[[together]]
modules = ["shop::reports"]

[exclude]
nodes = ["shop::legacy::*"]
"#;
    let (dir, input) = shop_with(toml);
    let (out, _) = plan_ok(&input, &[]);
    let plan = out.path().join("out").join("plan.json");
    let plan = plan.to_str().expect("utf-8 path");
    let said = cleave(&["explain", plan, "shop::images::thumbnail"]);
    let (stdout, stderr) = text(&said);
    assert!(said.status.success(), "{stderr}");
    assert!(
        stdout.contains("[[service]] `media`: nodes = `shop::images::{resize,thumbnail}`"),
        "{stdout}"
    );
    let said = cleave(&[
        "explain",
        plan,
        "shop::reports::aggregate",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&said.stdout).expect("json");
    assert_eq!(v["kind"], "node");
    assert_eq!(v["decisions"][0]["title"], "[[together]] #1");
    assert_eq!(
        v["decisions"][0]["patterns"][0],
        "modules = `shop::reports`"
    );
    let said = cleave(&["explain", plan, "shop::legacy::unused_export"]);
    let (_, stderr) = text(&said);
    assert_eq!(said.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("[exclude] dropped it before planning (nodes = `shop::legacy::*`)"),
        "{stderr}"
    );
    drop(dir);
}
