//! Hostile inputs (issue 13): devices, FIFOs and oversized files are refused before they are
//! read, and a closed stdout ends the run quietly instead of panicking.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{cleave, cleave_env, fixture, text};

/// Runs the binary, failing the test if it does not finish within `limit` (a hang).
fn run_within(args: &[&str], limit: Duration) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cleave"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the cleave binary runs");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut stderr);
            }
            return (status.code(), stderr);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("cleave {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn devices_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out = out.to_str().expect("path");
    let shop = fixture("tiny-shop.json");
    let shop = shop.to_str().expect("path");
    for args in [
        vec!["plan", "/dev/zero", "--out", out],
        vec!["plan", shop, "--out", out, "--config", "/dev/zero"],
        vec!["plan", shop, "--out", out, "--traces", "/dev/zero"],
        vec!["diff", "/dev/zero", "/dev/zero"],
        vec!["compare", "/dev/zero", "/dev/zero"],
    ] {
        let (code, stderr) = run_within(&args, Duration::from_secs(30));
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("/dev/zero is not a regular file"),
            "{args:?}: {stderr}"
        );
    }
    assert!(!dir.path().join("out").exists(), "an output was written");
}

#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("graph.json");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("no mkfifo here: skipped");
        return;
    }
    let out = dir.path().join("out");
    let args = [
        "plan",
        fifo.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
    ];
    let (code, stderr) = run_within(&args, Duration::from_secs(30));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
}

#[test]
fn an_input_over_the_size_limit_names_the_limit_and_how_to_raise_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let shop = fixture("tiny-shop.json");
    let args = [
        "plan",
        shop.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
    ];
    let over = cleave_env(&args, &[("CLEAVE_MAX_INPUT_MB", "0")]);
    let (_, stderr) = text(&over);
    assert_eq!(over.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("larger than the input limit of 0 MB")
            && stderr.contains("CLEAVE_MAX_INPUT_MB"),
        "{stderr}"
    );
    assert!(!out.exists(), "an output was written");
    let within = cleave_env(&args, &[("CLEAVE_MAX_INPUT_MB", "1")]);
    assert!(within.status.success(), "{}", text(&within).1);
}

#[test]
fn a_closed_stdout_ends_the_run_without_a_panic() {
    // Two plans of a generated graph whose JSON diff (~240 KB) is far larger than a pipe's
    // buffer; a few bytes are read, then the pipe is closed.
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = dir.path().join("g.json");
    let made = Command::new(env!("CARGO_BIN_EXE_cleave-gen"))
        .args(["--nodes", "5000", "--seed", "2", "--out"])
        .arg(&graph)
        .output()
        .expect("cleave-gen runs");
    assert!(made.status.success(), "{}", text(&made).1);
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let cfg = dir.path().join("seed.toml");
    std::fs::write(&cfg, "[clustering]\nseed = 7\nresolution = 3.0\n").expect("config");
    for (out, extra) in [
        (&a, vec![]),
        (&b, vec!["--config", cfg.to_str().expect("path")]),
    ] {
        let mut args = vec![
            "plan",
            graph.to_str().expect("path"),
            "--out",
            out.to_str().expect("path"),
            "--quiet",
        ];
        args.extend(extra);
        let made = cleave(&args);
        assert!(made.status.success(), "{}", text(&made).1);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_cleave"))
        .args(["diff", "--json"])
        .arg(a.join("plan.json"))
        .arg(b.join("plan.json"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("some output");
    // stdout is dropped (closed) here.
    let out = child.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "a panic's exit code");
}

/// Issue 13: corrupt plans passed silently. Every command reading a plan.json refuses one whose
/// content breaks the plan's invariants, naming the place.
#[test]
fn corrupt_plans_are_refused_by_every_reader() {
    let dir = tempfile::tempdir().expect("temp dir");
    let shop = fixture("tiny-shop.json");
    let shop = shop.to_str().expect("path");
    let out = dir.path().join("out");
    let made = cleave(&[
        "plan",
        shop,
        "--out",
        out.to_str().expect("path"),
        "--quiet",
    ]);
    assert!(made.status.success(), "{}", text(&made).1);
    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).expect("plan.json"))
            .expect("JSON");
    type Edit = fn(&mut serde_json::Value);
    let cases: [(&str, Edit, &str); 6] = [
        (
            "version",
            |p| p["schema_version"] = 999.into(),
            "schema_version 999 is not supported",
        ),
        (
            "dup id",
            |p| p["clusters"][1]["id"] = p["clusters"][0]["id"].clone(),
            "appears twice",
        ),
        (
            "two homes",
            |p| {
                let m = p["clusters"][0]["members"][0].clone();
                p["clusters"][1]["members"]
                    .as_array_mut()
                    .expect("members")
                    .push(m);
                p["clusters"][1]["size"] =
                    (p["clusters"][1]["size"].as_u64().expect("size") + 1).into();
            },
            "is also a member of clusters[0]",
        ),
        (
            "size",
            |p| p["clusters"][0]["size"] = 9999.into(),
            "clusters[0].size",
        ),
        (
            "stateful",
            |p| p["clusters"][0]["stateful_members"] = serde_json::json!(["nobody::here"]),
            "not a member of the service",
        ),
        (
            "count",
            |p| p["metrics"]["services"] = 77.into(),
            "metrics.services",
        ),
    ];
    for (name, edit, expected) in cases {
        let mut plan = good.clone();
        edit(&mut plan);
        let bad = dir.path().join(format!("{}.json", name.replace(' ', "-")));
        std::fs::write(&bad, serde_json::to_string(&plan).expect("JSON")).expect("write");
        let bad = bad.to_str().expect("path");
        let good_path = out.join("plan.json");
        let good_path = good_path.to_str().expect("path");
        let fresh = dir.path().join("again");
        let fresh = fresh.to_str().expect("path");
        for args in [
            vec!["diff", good_path, bad],
            vec!["render", bad, "-f", "dot", "-o", fresh],
            vec!["check", bad, shop],
            vec!["explain", bad, "s1"],
            vec!["compare", bad, good_path],
            vec!["plan", shop, "--out", fresh, "--previous", bad],
        ] {
            let run = cleave(&args);
            let (_, stderr) = text(&run);
            assert_eq!(run.status.code(), Some(2), "{name} {args:?}: {stderr}");
            assert!(stderr.contains(expected), "{name} {args:?}: {stderr}");
        }
    }
}

/// Issue 13: huge figures planned with exit 0 and wrote nulls (or "Q NaN") into the plan.
/// Figures, call weights and settings are bounded at the input, with the field and the range.
#[test]
fn figures_beyond_the_range_are_refused_at_the_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out = out.to_str().expect("path");
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).expect("write");
        p.to_str().expect("path").to_string()
    };
    let huge = write(
        "huge.json",
        r#"{"nodes":[{"id":"a","entry":"http","duration_ms":{"p50":1e155},"memory_mb":1e155}]}"#,
    );
    let heavy = write(
        "heavy.json",
        r#"{"nodes":[{"id":"a"},{"id":"b"}],"edges":[{"from":"a","to":"b","weight":1.7e308},{"from":"b","to":"a","weight":1.7e308}]}"#,
    );
    let price = write("price.toml", "[prices]\ncontainer_per_vcpu_hour = 1e308\n");
    let shop = fixture("tiny-shop.json");
    let shop = shop.to_str().expect("path");
    let trace = fixture("traces/zipkin/yelp.json");
    let trace = trace.to_str().expect("path");
    for (args, expected) in [
        (
            vec!["plan", &huge, "--out", out],
            "nodes[0].memory_mb is 1e155: it must be a finite number from 0 to 1e12",
        ),
        (
            vec!["plan", &heavy, "--out", out],
            "edges[0].weight is 1.7e308",
        ),
        (
            vec!["plan", shop, "--out", out, "-c", &price],
            "`prices.container_per_vcpu_hour` = 1e308",
        ),
        (
            vec![
                "plan",
                shop,
                "--out",
                out,
                "--traces",
                trace,
                "--traces-window",
                "1e-310",
            ],
            "must be from 1 ms to 1e12 seconds",
        ),
    ] {
        let run = cleave(&args);
        let (_, stderr) = text(&run);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert!(!dir.path().join("out").exists(), "an output was written");
}

/// Issue 13: an edge to an unknown 100,000-character id took 32 s before its error (a
/// Jaro-Winkler comparison with every node). Names longer than 256 bytes get no suggestion, and
/// the message quotes at most 200 characters of them.
#[test]
fn a_huge_unknown_id_fails_at_once_with_a_clipped_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let nodes: Vec<String> = (0..5000)
        .map(|i| format!(r#"{{"id":"m{i}::f{i}"}}"#))
        .collect();
    let graph = format!(
        r#"{{"nodes":[{}],"edges":[{{"from":"m0::f0","to":"{}"}}]}}"#,
        nodes.join(","),
        "x".repeat(100_000)
    );
    let input = dir.path().join("g.json");
    std::fs::write(&input, graph).expect("write");
    let out = dir.path().join("out");
    let args = [
        "plan",
        input.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
    ];
    // Debug builds compared 5,000 nodes with the id in minutes; now it is immediate.
    let (code, stderr) = run_within(&args, Duration::from_secs(20));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("(100000 characters)"), "{stderr}");
    assert!(stderr.len() < 2_000, "{} bytes of message", stderr.len());
}

/// Names from the input never reach the terminal as control sequences: ESC, BEL and a
/// right-to-left override are printed as visible escapes, in text and in JSON.
#[test]
fn control_characters_never_reach_the_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let evil = "evil\u{1b}]0;pwned\u{7}\u{202e}";
    let graph = serde_json::json!({
        "nodes": [
            {"id": format!("{evil}::a"), "module": evil, "entry": "http"},
            {"id": format!("{evil}::b"), "module": evil},
            {"id": format!("{evil}::c"), "module": evil}
        ],
        "edges": [
            {"from": format!("{evil}::a"), "to": format!("{evil}::b")},
            {"from": format!("{evil}::b"), "to": format!("{evil}::c")}
        ]
    });
    let input = dir.path().join("graph.json");
    std::fs::write(&input, graph.to_string()).expect("graph");
    let out = dir.path().join("out");
    let (input, out_s) = (input.to_str().expect("utf-8"), out.to_str().expect("utf-8"));
    let plan_json = out.join("plan.json");
    let node = format!("{evil}::a");
    let runs: Vec<Vec<&str>> = vec![
        vec!["plan", input, "--out", out_s],
        vec!["explain", plan_json.to_str().expect("utf-8"), &node],
        vec![
            "explain",
            plan_json.to_str().expect("utf-8"),
            &node,
            "--json",
        ],
        vec![
            "explain",
            plan_json.to_str().expect("utf-8"),
            "no-such\u{1b}[2J",
        ],
    ];
    for (i, args) in runs.into_iter().enumerate() {
        let result = cleave(&args);
        let (stdout, stderr) = text(&result);
        let want = if i < 3 { Some(0) } else { Some(2) };
        assert_eq!(result.status.code(), want, "{args:?}: {stderr}");
        for stream in [&stdout, &stderr] {
            assert!(
                !stream.contains(['\u{1b}', '\u{7}', '\u{202e}']),
                "{args:?} printed a control character: {stream:?}"
            );
        }
        if args[0] == "explain" {
            assert!(
                stdout.contains("\\u{1b}")
                    || stdout.contains("\\u001b")
                    || stderr.contains("\\u{1b}"),
                "{args:?}: the character is shown escaped: {stdout} {stderr}"
            );
        }
    }
}

/// Smaller traps: a byte-order mark is accepted, the same trace export given twice is read once
/// (with a warning) instead of doubling every rate, and `render -o` onto the plan is refused.
#[test]
fn boms_repeated_exports_and_self_overwrites() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tiny = std::fs::read_to_string(fixture("tiny-shop.json")).expect("fixture");
    let bom = dir.path().join("bom.json");
    std::fs::write(&bom, format!("\u{feff}{tiny}")).expect("write");
    let out = dir.path().join("out");
    let result = cleave(&[
        "plan",
        bom.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
        "--quiet",
    ]);
    assert!(
        result.status.success(),
        "a BOM is accepted: {}",
        text(&result).1
    );

    let export = fixture("traces/zipkin/simple-db-p6.json");
    let copy = dir.path().join("copy.json");
    std::fs::copy(&export, &copy).expect("copy");
    let rate = |extra: &[&str]| -> (f64, String) {
        let out = tempfile::tempdir().expect("out");
        let mut args = vec![
            "plan",
            "--out",
            out.path().to_str().expect("utf-8"),
            "--quiet",
        ];
        args.extend_from_slice(extra);
        let result = cleave(&args);
        let (_, stderr) = text(&result);
        assert!(result.status.success(), "{stderr}");
        let plan: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.path().join("plan.json")).expect("plan"),
        )
        .expect("json");
        (plan["traces"]["spans"].as_f64().expect("spans"), stderr)
    };
    let e = export.to_str().expect("utf-8");
    let (once, _) = rate(&["--traces", e, "--traces-window", "1h"]);
    let (twice, stderr) = rate(&[
        "--traces",
        e,
        "--traces",
        copy.to_str().expect("utf-8"),
        "--traces-window",
        "1h",
    ]);
    assert_eq!(once, twice, "the repeated export is read once");
    assert!(stderr.contains("holds the same spans"), "{stderr}");

    let plan = out.join("plan.json");
    let before = std::fs::read(&plan).expect("plan");
    let result = cleave(&[
        "render",
        plan.to_str().expect("utf-8"),
        "-o",
        plan.to_str().expect("utf-8"),
    ]);
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is the plan being drawn"), "{stderr}");
    assert_eq!(
        std::fs::read(&plan).expect("plan"),
        before,
        "the plan is untouched"
    );
}

/// `[[traces.map]]` rules are errors as docs/traces.md says, with or without `--traces`, naming
/// the config file and the rule counted from 1.
#[test]
fn bad_trace_mapping_rules_fail_without_traces_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("cleave.toml");
    std::fs::write(
        &config,
        "[[traces.map]]\nspan = \"GET *\"\nmodule = \"shop::orders\"\n\n[[traces.map]]\nspan = \"[unclosed\"\nmodule = \"shop\"\n",
    )
    .expect("config");
    let out = dir.path().join("out");
    let result = cleave(&[
        "plan",
        fixture("tiny-shop.json").to_str().expect("utf-8"),
        "--config",
        config.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    for part in ["cleave.toml", "rule 2", "[unclosed"] {
        assert!(stderr.contains(part), "{part} in {stderr}");
    }
}
