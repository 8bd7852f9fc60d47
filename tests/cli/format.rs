//! `--format text|json` on every command that prints a result, and `--json` as its old spelling.

use crate::diff::{abc_graph, plan_graph, s, write};
use crate::{cleave, fixture, repo_file, text};

/// Runs `args`, expects success, and parses standard output as JSON.
fn json_of(args: &[&str]) -> serde_json::Value {
    let out = cleave(args);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
}

#[test]
fn plan_prints_its_summary_as_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let input = fixture("tiny-shop.json");
    let v = json_of(&["plan", s(&input), "--out", s(&out), "--format", "json"]);
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).expect("written"))
            .expect("plan.json");
    let services = v["services"].as_array().expect("services");
    let clusters = plan["clusters"].as_array().expect("clusters");
    assert_eq!(services.len(), clusters.len());
    for (service, cluster) in services.iter().zip(clusters) {
        for key in ["id", "name", "label"] {
            assert_eq!(service[key], cluster[key], "{key}");
        }
        assert_eq!(service["members"], cluster["size"]);
        assert_eq!(service["cost"], cluster["cost"]);
    }
    assert_eq!(
        v["totals"]["services"].as_u64(),
        Some(clusters.len() as u64)
    );
    assert_eq!(
        v["totals"]["cost"]["plan_monthly_usd"],
        plan["cost"]["plan_monthly_usd"]
    );
    let files: Vec<&str> = v["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f.as_str().expect("path"))
        .collect();
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(files.iter().all(|f| std::path::Path::new(f).is_file()));
    // plan.json names its schema, written beside it: the documented one.
    assert_eq!(plan["$schema"], "plan.schema.json");
    let schema = files
        .iter()
        .find(|f| f.ends_with("plan.schema.json"))
        .expect("the schema is written");
    assert_eq!(
        std::fs::read_to_string(schema).expect("schema"),
        std::fs::read_to_string(repo_file("docs/plan.schema.json")).expect("documented schema")
    );
}

#[test]
fn analyze_prints_its_summary_as_json_but_not_over_the_graph() {
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = dir.path().join("g.json");
    let shop = repo_file("examples/rust-shop");
    let v = json_of(&["analyze", s(&shop), "-o", s(&graph), "--format", "json"]);
    let written =
        analyzer::load_json(&std::fs::read_to_string(&graph).expect("written")).expect("loads");
    assert_eq!(v["nodes"].as_u64(), Some(written.node_count() as u64));
    assert_eq!(v["edges"].as_u64(), Some(written.edge_count() as u64));
    assert!(v["stats"]["files"].as_u64() > Some(5), "{v}");
    let refused = cleave(&["analyze", s(&shop), "-o", "-", "--format", "json"]);
    let (stdout, stderr) = text(&refused);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(stdout.is_empty(), "nothing written to stdout: {stdout}");
    assert!(
        stderr.contains("-o - already writes the call graph"),
        "{stderr}"
    );
}

#[test]
fn every_result_command_takes_format_json_and_the_old_json_flag() {
    let (dir, plan) = plan_graph(&abc_graph(false));
    let input = dir.path().join("graph.json");
    let now = write(dir.path(), "now.json", &abc_graph(true));
    let commands: [Vec<&str>; 4] = [
        vec!["diff", s(&plan), s(&plan)],
        vec!["compare", s(&plan), s(&plan)],
        vec!["check", s(&plan), s(&input)],
        vec!["explain", s(&plan), "a::n0"],
    ];
    for args in &commands {
        let mut new = args.clone();
        new.extend(["--format", "json"]);
        let mut old = args.clone();
        old.push("--json");
        assert_eq!(json_of(&new), json_of(&old), "{args:?}");
        let mut plain = args.clone();
        plain.extend(["--format", "text"]);
        let out = cleave(&plain);
        assert!(out.status.success(), "{args:?}: {:?}", text(&out));
        assert!(serde_json::from_slice::<serde_json::Value>(&out.stdout).is_err());
        let mut both = args.clone();
        both.extend(["--json", "--format", "text"]);
        let out = cleave(&both);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out).1.contains("cannot be used with"), "{args:?}");
    }
    // A failing check still prints its JSON verdict.
    let out = cleave(&["check", s(&plan), s(&now), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["verdict"], "fail");
}
