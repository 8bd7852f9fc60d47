//! `cleave diff` on the real binary: text and JSON, equal and changed plans, bad plans. Also the
//! small graphs the `check` and `explain` tests plan.

use std::path::{Path, PathBuf};

use crate::{cleave, fixture, plan_ok, text};

/// A call graph of modules `a`, `b`, `c` (four nodes each, tightly knit, `n0` an http entry point)
/// with weak links between them; `moved` rewires `c::n3` into module `a` with heavy calls to it.
pub fn abc_graph(moved: bool) -> String {
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for m in ["a", "b", "c"] {
        for i in 0..4 {
            let module = if moved && m == "c" && i == 3 { "a" } else { m };
            let entry = if i == 0 { r#", "entry": "http""# } else { "" };
            nodes.push(format!(
                r#"{{"id": "{m}::n{i}", "module": "{module}"{entry}}}"#
            ));
            edges.push(format!(
                r#"{{"from": "{m}::n{i}", "to": "{m}::n{}", "weight": 5}}"#,
                (i + 1) % 4
            ));
            edges.push(format!(
                r#"{{"from": "{m}::n0", "to": "{m}::n{i}", "weight": 5}}"#
            ));
        }
    }
    edges.push(r#"{"from": "a::n0", "to": "b::n0"}"#.to_string());
    edges.push(r#"{"from": "b::n1", "to": "c::n0"}"#.to_string());
    if moved {
        for (f, t) in [("a::n0", "c::n3"), ("c::n3", "a::n1"), ("a::n2", "c::n3")] {
            edges.push(format!(r#"{{"from": "{f}", "to": "{t}", "weight": 60}}"#));
        }
    }
    format!(
        r#"{{"nodes": [{}], "edges": [{}]}}"#,
        nodes.join(", "),
        edges.join(", ")
    )
}

/// Writes `content` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write fixture");
    path
}

/// Plans `graph` (JSON text) written into a fresh directory; returns the directory and plan.json.
pub fn plan_graph(graph: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "graph.json", graph);
    let out = dir.path().join("out");
    let result = cleave(&["plan", s(&input), "--out", s(&out), "-q", "--fresh"]);
    assert!(result.status.success(), "{:?}", text(&result));
    (dir, out.join("plan.json"))
}

/// A path as `&str`.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn equal_plans_print_no_differences() {
    let (dir, _) = plan_ok(&fixture("tiny-shop.json"), &[]);
    let plan = dir.path().join("out/plan.json");
    let out = cleave(&["diff", s(&plan), s(&plan)]);
    assert!(out.status.success());
    assert_eq!(text(&out).0, "no differences\n");
    let json = cleave(&["diff", s(&plan), s(&plan), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(v["counts"]["moved"], 0);
    let (_, planned) = plan_ok(&fixture("tiny-shop.json"), &[]);
    assert_eq!(
        v["matched"].as_array().map(Vec::len),
        planned["clusters"].as_array().map(Vec::len)
    );
}

#[test]
fn a_moved_node_shows_in_text_and_json() {
    let (_a, old) = plan_graph(&abc_graph(false));
    let (_b, new) = plan_graph(&abc_graph(true));
    let out = cleave(&["diff", s(&old), s(&new)]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.starts_with("1 node moved (8.3 % of 12)"), "{stdout}");
    assert!(
        stdout.contains("s3 c → s1 a: 1 node\n    c::n3\n"),
        "{stdout}"
    );
    assert!(stdout.contains("relabelled (1)") && stdout.contains("new cross-service calls (2)"));
    let json = cleave(&["diff", s(&old), s(&new), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(v["moved"][0]["node"], "c::n3");
    assert_eq!(v["moved"][0]["from"]["id"], "s3");
    assert_eq!(v["relabelled"][0]["to"], "microservice");
    assert_eq!(v["counts"]["new_cross_calls"], 2);
}

#[test]
fn a_file_that_is_not_a_plan_is_bad_input_naming_it() {
    let (dir, plan) = plan_graph(&abc_graph(false));
    let graph = dir.path().join("graph.json");
    for (bad, name) in [
        (&graph, "graph.json"),
        (&dir.path().join("missing.json"), "missing.json"),
    ] {
        let out = cleave(&["diff", s(bad), s(&plan)]);
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out).1.contains(name), "{:?}", text(&out));
        assert!(out.stdout.is_empty());
    }
    let junk = write(dir.path(), "junk.json", "{not json");
    let out = cleave(&["diff", s(&plan), s(&junk), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("junk.json is not a cleave plan.json"));
}
