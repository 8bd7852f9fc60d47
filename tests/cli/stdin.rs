//! `-` for standard input wherever a file is read: the call graph of `plan`/`check`, the plans of
//! `render`, `explain`, `diff`, `compare`; bounded by the input limit, named `<stdin>` in errors.

use crate::diff::{abc_graph, plan_graph, s};
use crate::{cleave, cleave_stdin, text};

fn read(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).expect("readable")
}

#[test]
fn plan_reads_the_call_graph_from_stdin() {
    let (dir, from_file) = plan_graph(&abc_graph(false));
    let out = dir.path().join("piped");
    let result = cleave_stdin(
        &["plan", "-", "--out", s(&out), "--format", "json"],
        abc_graph(false).as_bytes(),
        &[],
    );
    let (stdout, stderr) = text(&result);
    assert!(result.status.success(), "{stderr}");
    assert!(serde_json::from_str::<serde_json::Value>(&stdout).is_ok());
    let parse = |bytes: &[u8]| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_slice(bytes).expect("plan.json");
        let source = v.as_object_mut().expect("object").remove("source");
        if let Some(source) = source {
            assert!(source.get("input").is_none(), "no path recorded: {source}");
        }
        v
    };
    let piped = parse(&read(&out.join("plan.json")));
    let mut filed: serde_json::Value = serde_json::from_slice(&read(&from_file)).expect("JSON");
    filed.as_object_mut().expect("object").remove("source");
    assert_eq!(piped, filed);
}

#[test]
fn bad_or_oversized_stdin_is_bad_input_named_stdin() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let result = cleave_stdin(&["plan", "-", "--out", s(&out)], b"{\"nodes\": [", &[]);
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("<stdin>"), "{stderr}");
    assert!(!out.exists(), "nothing written");

    // Three MB piped against a limit of one: refused after reading one MB and a byte.
    let big = vec![b' '; 3 << 20];
    let result = cleave_stdin(
        &["plan", "-", "--out", s(&out)],
        &big,
        &[("CLEAVE_MAX_INPUT_MB", "1")],
    );
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("<stdin> is larger than the input limit of 1 MB"),
        "{stderr}"
    );
}

#[test]
fn plan_commands_read_a_plan_from_stdin_once() {
    let (dir, plan) = plan_graph(&abc_graph(false));
    let input = dir.path().join("graph.json");
    let plan_bytes = read(&plan);
    let piped = |args: &[&str]| cleave_stdin(args, &plan_bytes, &[]);
    for args in [
        vec!["diff", "-", s(&plan)],
        vec!["diff", s(&plan), "-"],
        vec!["compare", "-", s(&plan)],
        vec!["check", "-", s(&input)],
        vec!["explain", "-", "s1"],
    ] {
        let from_stdin = piped(&args);
        let named: Vec<&str> = args
            .iter()
            .map(|a| if *a == "-" { s(&plan) } else { a })
            .collect();
        let from_file = cleave(&named);
        assert!(
            from_stdin.status.success(),
            "{args:?}: {:?}",
            text(&from_stdin)
        );
        assert_eq!(text(&from_stdin).0, text(&from_file).0, "{args:?}");
    }
    let twice = piped(&["diff", "-", "-"]);
    let (_, stderr) = text(&twice);
    assert_eq!(twice.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("given twice"), "{stderr}");

    let not_a_plan = cleave_stdin(&["diff", "-", s(&plan)], b"[]", &[]);
    let (_, stderr) = text(&not_a_plan);
    assert_eq!(not_a_plan.status.code(), Some(2));
    assert!(
        stderr.contains("<stdin> is not a cleave plan.json"),
        "{stderr}"
    );
}

#[test]
fn a_plan_from_stdin_needs_input_to_find_its_graph() {
    let (dir, plan) = plan_graph(&abc_graph(false));
    let input = dir.path().join("graph.json");
    let plan_bytes = read(&plan);
    // explain still explains, and says how to see the calls.
    let out = cleave_stdin(&["explain", "-", "a::n0"], &plan_bytes, &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("read from standard input") && stdout.contains("--input"),
        "{stdout}"
    );
    let out = cleave_stdin(
        &["explain", "-", "a::n0", "--input", s(&input)],
        &plan_bytes,
        &[],
    );
    assert!(
        text(&out).0.contains("ties (call weight"),
        "{:?}",
        text(&out)
    );
    // render --service cannot draw without the graph.
    let out = cleave_stdin(
        &["render", "-", "--service", "s1", "-f", "dot", "-o", "-"],
        &plan_bytes,
        &[],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("standard input") && stderr.contains("--input"),
        "{stderr}"
    );
    let out = cleave_stdin(
        &[
            "render",
            "-",
            "--service",
            "s1",
            "--input",
            s(&input),
            "-f",
            "dot",
            "-o",
            "-",
        ],
        &plan_bytes,
        &[],
    );
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(text(&out).0.starts_with("digraph"), "{:?}", text(&out));
    // The whole diagram needs nothing but the plan.
    let out = cleave_stdin(&["render", "-", "-f", "dot", "-o", "-"], &plan_bytes, &[]);
    assert!(out.status.success(), "{:?}", text(&out));
}
