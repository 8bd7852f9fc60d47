//! `cleave explain` on the real binary: nodes with their ties, services with their rationale,
//! unknown queries with suggestions, hostile names, a plan whose input is gone.

use crate::diff::{abc_graph, plan_graph, s, write};
use crate::{cleave, fixture, plan_ok, text};

#[test]
fn a_node_with_its_ties_from_the_recorded_input() {
    let (_dir, plan) = plan_graph(&abc_graph(false));
    let out = cleave(&["explain", s(&plan), "a::n0"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.starts_with("a::n0\n  sits in s1 a ("), "{stdout}");
    assert!(stdout.contains("entry point (http)"), "{stdout}");
    assert!(
        stdout.contains("inside s1 a") && stdout.contains("towards s2 b"),
        "{stdout}"
    );
    assert!(stdout.contains("calls out (4, heaviest first)"), "{stdout}");
    let json = cleave(&["explain", s(&plan), "a::n0", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(v["kind"], "node");
    assert_eq!(v["service"]["id"], "s1");
    assert_eq!(v["ties"]["inside"], 25.0);
    assert_eq!(v["ties"]["towards"][0]["weight"], 1.0);
}

#[test]
fn a_service_with_its_rationale_and_neighbours() {
    let (dir, _) = plan_ok(&fixture("tiny-shop.json"), &[]);
    let plan = dir.path().join("out/plan.json");
    let json = cleave(&["explain", s(&plan), "s1", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(v["kind"], "service");
    let name = v["service"]["name"].as_str().expect("name").to_string();
    let by_name = cleave(&["explain", s(&plan), &name.to_uppercase()]);
    let (stdout, stderr) = text(&by_name);
    assert!(by_name.status.success(), "{stderr}");
    for part in [
        "reasons",
        "signals",
        "cost ($/month)",
        "break-even",
        "confidence",
        "members (",
    ] {
        assert!(stdout.contains(part), "{part} missing: {stdout}");
    }
}

#[test]
fn unknown_queries_exit_2_with_the_closest_names() {
    let (dir, _) = plan_ok(&fixture("tiny-shop.json"), &[]);
    let plan = dir.path().join("out/plan.json");
    let out = cleave(&["explain", s(&plan), "place_ordr"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out).1;
    assert!(
        stderr.contains("no node or service `place_ordr`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `shop::orders::place_order`"),
        "{stderr}"
    );
    let out = cleave(&["explain", s(&plan), "zzzzzzzzzzzz"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("give a node id or a service name"));
}

#[test]
fn without_its_input_a_node_is_explained_from_the_plan_alone() {
    let (dir, plan) = plan_graph(&abc_graph(false));
    std::fs::remove_file(dir.path().join("graph.json")).expect("remove input");
    let out = cleave(&["explain", s(&plan), "b::n1"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("sits in s2 b"), "{stdout}");
    assert!(
        stdout.contains("ties: unknown") && stdout.contains("pass --input"),
        "{stdout}"
    );
    let copy = write(dir.path(), "copy.json", &abc_graph(false));
    let out = cleave(&["explain", s(&plan), "b::n1", "--input", s(&copy)]);
    assert!(text(&out).0.contains("calls out"), "{:?}", text(&out));
    let out = cleave(&["explain", s(&plan), "b::n1", "--input", "/nonexistent.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn hostile_names_are_escaped_in_text_and_kept_in_json() {
    let evil = "x::\\\"quoted\\\"\\n<script>alert(1)</script>";
    let graph = format!(
        r#"{{"nodes": [{{"id": "x::main", "module": "x", "entry": "http"}}, {{"id": "{evil}", "module": "x"}}],
            "edges": [{{"from": "x::main", "to": "{evil}"}}]}}"#
    );
    let (_dir, plan) = plan_graph(&graph);
    let id = "x::\"quoted\"\n<script>alert(1)</script>";
    let out = cleave(&["explain", s(&plan), id]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("x::\"quoted\"\\n<script>alert(1)</script>\n"),
        "{stdout}"
    );
    let out = cleave(&["explain", s(&plan), "x::main"]);
    assert!(
        text(&out).0.contains("\"quoted\"\\n<script>"),
        "{:?}",
        text(&out)
    );
    let json = cleave(&["explain", s(&plan), id, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(v["node"], id);
    let diff = cleave(&["diff", s(&plan), s(&plan)]);
    assert!(diff.status.success());
    let near = cleave(&["explain", s(&plan), "<script>"]);
    assert_eq!(near.status.code(), Some(2));
    assert!(text(&near).1.contains("\\n<script>"), "{:?}", text(&near));
}

/// Issue 11: the chosen service count and why are in the plan and in `explain`. On 7ep-demo,
/// Leiden's clusters inside one feature package (library, mathematics, …) merge.
#[test]
fn the_service_count_and_its_reason_are_in_the_plan_and_explain() {
    let (dir, plan) = plan_ok(&fixture("real/7ep-demo/callgraph.json"), &[]);
    let count = &plan["service_count"];
    let services = plan["clusters"].as_array().expect("clusters").len();
    assert_eq!(count["services"], services);
    assert!(count["merged_by_feature"].as_u64() > Some(0), "{count}");
    assert!(
        count["found"].as_u64() > count["services"].as_u64(),
        "{count}"
    );
    let path = dir.path().join("out/plan.json");
    let out = cleave(&["explain", s(&path), "s1"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let reason = count["reason"].as_str().expect("reason");
    assert!(
        stdout.contains(&format!("service count: {reason}")),
        "{stdout}"
    );
}

/// Issues 13 and 15: plan.json records its input relative to itself, so a plan committed beside
/// its input works in another checkout (here: the folder moved) for `explain` and `render`.
#[test]
fn a_moved_checkout_still_finds_the_recorded_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = dir.path().join("first");
    std::fs::create_dir_all(&first).expect("dir");
    std::fs::copy(fixture("tiny-shop.json"), first.join("graph.json")).expect("copy");
    let out = first.join("plan-out");
    let made = cleave(&[
        "plan",
        s(&first.join("graph.json")),
        "--out",
        s(&out),
        "--quiet",
    ]);
    assert!(made.status.success(), "{}", text(&made).1);
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).expect("plan.json"))
            .expect("JSON");
    assert_eq!(plan["source"]["input"], "../graph.json");
    let moved = dir.path().join("second");
    std::fs::rename(&first, &moved).expect("move");
    let plan_json = moved.join("plan-out/plan.json");
    let node = plan["clusters"][0]["members"][0].as_str().expect("member");
    let out = cleave(&["explain", s(&plan_json), node]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(!stdout.contains("cannot be read"), "{stdout}");
    let drawn = dir.path().join("s1.dot");
    let render = cleave(&[
        "render",
        s(&plan_json),
        "--service",
        "s1",
        "-f",
        "dot",
        "-o",
        s(&drawn),
    ]);
    assert!(render.status.success(), "{}", text(&render).1);
    assert!(drawn.exists());
}
