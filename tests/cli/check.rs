//! `cleave check` on the real binary: the drift gate's thresholds on both sides, JSON, no files.

use crate::diff::{abc_graph, plan_graph, s, write};
use crate::{cleave, text};

#[test]
fn an_unchanged_input_passes() {
    let (dir, plan) = plan_graph(&abc_graph(false));
    let input = dir.path().join("graph.json");
    let before: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    let out = cleave(&["check", s(&plan), s(&input)]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "no drift beyond thresholds\n");
    let after: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert_eq!(before.len(), after.len(), "check wrote a file");
}

#[test]
fn drift_beyond_the_defaults_fails_with_a_report() {
    let (dir, plan) = plan_graph(&abc_graph(false));
    let input = write(dir.path(), "now.json", &abc_graph(true));
    let out = cleave(&["check", s(&plan), s(&input)]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.starts_with("drift beyond thresholds:\n"), "{stdout}");
    assert!(
        stdout.contains("1 of 12 nodes moved to another service (8.3 %, more than --max-moved 5)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2 new service-to-service call pairs"),
        "{stdout}"
    );
    assert!(stdout.contains("--allow-label-changes"), "{stdout}");
    assert!(stdout.contains("c::n3"), "the diff follows: {stdout}");
    assert!(
        stderr.contains("drifted from the reviewed plan"),
        "{stderr}"
    );
}

#[test]
fn thresholds_hold_on_both_sides() {
    let (dir, plan) = plan_graph(&abc_graph(false));
    let input = write(dir.path(), "now.json", &abc_graph(true));
    let run = |extra: &[&str]| {
        let mut args = vec!["check", s(&plan), s(&input)];
        args.extend_from_slice(extra);
        cleave(&args)
    };
    let lenient = [
        "--max-moved",
        "8.4",
        "--max-new-cross-calls",
        "2",
        "--allow-label-changes",
    ];
    let out = run(&lenient);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.starts_with("no drift beyond thresholds\n\n1 node moved"),
        "{stdout}"
    );
    // One notch stricter on each threshold in turn fails.
    for (i, stricter) in ["8.3", "1", ""].iter().enumerate() {
        let mut args: Vec<&str> = lenient.to_vec();
        match i {
            0 => args[1] = stricter,
            1 => args[3] = stricter,
            _ => {
                args.pop();
            }
        }
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {:?}", text(&out));
    }
}

#[test]
fn json_holds_the_verdict_and_the_diff() {
    let (dir, plan) = plan_graph(&abc_graph(false));
    let input = write(dir.path(), "now.json", &abc_graph(true));
    let out = cleave(&["check", s(&plan), s(&input), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["verdict"], "fail");
    assert_eq!(v["failures"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["moved_percent"], 8.33);
    assert_eq!(v["diff"]["moved"][0]["node"], "c::n3");
    let same = cleave(&[
        "check",
        s(&plan),
        s(&dir.path().join("graph.json")),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&same.stdout).expect("JSON on stdout");
    assert_eq!(
        (same.status.code(), v["verdict"].as_str()),
        (Some(0), Some("pass"))
    );
}

#[test]
fn added_nodes_do_not_count_as_moved() {
    let (dir, plan) = plan_graph(&abc_graph(false));
    let grown = abc_graph(false).replacen(
        r#""nodes": ["#,
        r#""nodes": [{"id": "a::helper", "module": "a"}, "#,
        1,
    );
    let grown = grown.replacen(
        r#""edges": ["#,
        r#""edges": [{"from": "a::n1", "to": "a::helper"}, "#,
        1,
    );
    let input = write(dir.path(), "grown.json", &grown);
    let out = cleave(&["check", s(&plan), s(&input), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["diff"]["counts"]["added"], 1, "{v}");
    assert_eq!(v["diff"]["counts"]["moved"], 0);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn bad_plans_inputs_and_thresholds_exit_2() {
    let (dir, plan) = plan_graph(&abc_graph(false));
    let input = dir.path().join("graph.json");
    let cases: [Vec<&str>; 3] = [
        vec!["check", s(&input), s(&input)],
        vec!["check", s(&plan), "/nonexistent/graph.json"],
        vec!["check", s(&plan), s(&input), "--max-moved", "-1"],
    ];
    for args in cases {
        let out = cleave(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {:?}", text(&out));
    }
}

/// Issue 13: a graph large enough for the large-graph path (probe warm start, batched moving)
/// re-planned into the same `--out` gave another plan (168 nodes moved at 50k). Re-plans of an
/// unchanged input are now byte-identical, and `check` passes.
#[test]
fn a_large_unchanged_graph_replans_to_the_same_bytes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = dir.path().join("g.json");
    let made = std::process::Command::new(env!("CARGO_BIN_EXE_cleave-gen"))
        .args(["--nodes", "52000", "--seed", "3", "--out", s(&graph)])
        .output()
        .expect("cleave-gen runs");
    assert!(made.status.success(), "{}", text(&made).1);
    let out = dir.path().join("out");
    let plan_json = out.join("plan.json");
    let first = cleave(&["plan", s(&graph), "--out", s(&out)]);
    assert!(first.status.success(), "{}", text(&first).1);
    let before = std::fs::read(&plan_json).expect("plan.json");
    let again = cleave(&["plan", s(&graph), "--out", s(&out)]);
    assert!(again.status.success(), "{}", text(&again).1);
    assert!(
        before == std::fs::read(&plan_json).expect("plan.json"),
        "the re-plan changed plan.json"
    );
    let check = cleave(&["check", s(&plan_json), s(&graph)]);
    assert!(check.status.success(), "{}", text(&check).0);
}
