//! `--traces`: measured figures merged into a call graph, traces alone as input, bad exports.

use std::fs;
use std::path::PathBuf;

use crate::{cleave, cleave_env, fixture, plan_ok, text};

/// A real trace export copied into tests/fixtures/traces (sources and licenses in its SOURCES.md).
fn real(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/traces")
        .join(path)
}

const GRAPH: &str = r#"{"nodes": [
    {"id": "shop::orders::place_order", "module": "shop::orders", "entry": "http"},
    {"id": "shop::orders::save", "module": "shop::orders"},
    {"id": "shop::mail::send", "module": "shop::mail"},
    {"id": "shop::mail::render", "module": "shop::mail"}],
  "edges": [{"from": "shop::orders::place_order", "to": "shop::orders::save"},
            {"from": "shop::mail::send", "to": "shop::mail::render"}]}"#;

/// A Jaeger export, saved with a misleading extension: formats are recognised by content.
const JAEGER: &str = r#"{"data": [{"traceID": "t1", "processes": {"p1": {"serviceName": "shop"}},
  "spans": [
    {"traceID": "t1", "spanID": "a", "operationName": "place_order", "references": [], "startTime": 0, "duration": 80000, "processID": "p1",
     "tags": [{"key": "span.kind", "value": "server"}]},
    {"traceID": "t1", "spanID": "b", "operationName": "send", "references": [{"refType": "FOLLOWS_FROM", "spanID": "a"}], "startTime": 90000, "duration": 3000000, "processID": "p1", "tags": []},
    {"traceID": "t1", "spanID": "c", "operationName": "GET /health", "references": [], "startTime": 100000, "duration": 1000, "processID": "p1",
     "tags": [{"key": "span.kind", "value": "server"}]}
  ]}]}"#;

#[test]
fn traces_put_measured_figures_on_the_graph() {
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = dir.path().join("graph.json");
    let traces = dir.path().join("export.txt");
    fs::write(&graph, GRAPH).expect("write");
    fs::write(&traces, JAEGER).expect("write");
    let (_d, plan) = plan_ok(
        &graph,
        &[
            "--traces",
            traces.to_str().expect("path"),
            "--traces-window",
            "1h",
            "--services",
            "2",
        ],
    );
    let t = &plan["traces"];
    assert_eq!(t["files"], 1);
    assert_eq!(t["operations"], 3);
    assert_eq!(t["matched_operations"], 2);
    assert_eq!(t["unmatched_operations"], 1);
    assert_eq!(t["top_unmatched"][0]["operation"], "shop::GET /health");
    assert_eq!(t["nodes_without_traces"], 2);
    let mail = plan["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .find(|c| c["members"].to_string().contains("shop::mail::send"))
        .expect("mail service");
    // One send an hour, 3 s each, reached through a follows-from reference: a measured, async edge.
    assert_eq!(
        mail["rationale"]["signals"]["invocations_source"],
        "measured"
    );
    assert_eq!(mail["rationale"]["signals"]["duration_ms"], 3000.0);
    assert_eq!(mail["rationale"]["signals"]["async_inbound_share"], 1.0);
}

#[test]
fn traces_alone_are_a_valid_input() {
    let a = real("zipkin/smartthings-mobile-web-install.json");
    let b = real("zipkin/smartthings-oauth-authorization.json");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let result = cleave(&[
        "plan",
        "--traces",
        a.to_str().expect("path"),
        "--traces",
        b.to_str().expect("path"),
        "--traces-window",
        "1d",
        "--out",
        out.to_str().expect("path"),
    ]);
    let (stdout, stderr) = text(&result);
    assert!(result.status.success(), "{stderr}");
    assert!(stdout.contains("traces: 1216 spans"), "{stdout}");
    let plan: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("plan.json")).expect("plan"))
            .expect("JSON");
    assert!(
        plan["input"]["nodes"].as_u64() > Some(30),
        "{}",
        plan["input"]
    );
    assert_eq!(plan["traces"]["unmatched_operations"], 0);
    assert_eq!(plan["traces"]["window_s"], 2.0 * 86_400.0);
    let md = fs::read_to_string(out.join("plan.md")).expect("md");
    assert!(md.contains("## Runtime traces"), "{md}");
}

#[test]
fn every_shared_export_reads() {
    for f in [
        "zipkin/messaging.json",
        "zipkin/messaging-kafka.json",
        "zipkin/simple-db-p6.json",
        "zipkin/skew.json",
        "zipkin/yelp.json",
        "otlp/trace.json",
    ] {
        let (_d, plan) = plan_ok(
            &fixture("tiny-shop.json"),
            &["--traces", real(f).to_str().expect("path")],
        );
        assert!(plan["traces"]["spans"].as_u64() > Some(0), "{f}");
    }
}

#[test]
fn bad_trace_input_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = fixture("tiny-shop.json");
    let truncated = dir.path().join("cut.json");
    fs::write(&truncated, r#"[{"traceId": "t", "id": "1", "name": "x""#).expect("write");
    let unknown = dir.path().join("odd.json");
    fs::write(&unknown, r#"{"hello": "world"}"#).expect("write");
    let out = dir.path().join("out");
    let cases: [(Vec<&str>, &str); 5] = [
        (
            vec!["--traces", truncated.to_str().expect("path")],
            "cut.json",
        ),
        (
            vec!["--traces", unknown.to_str().expect("path")],
            "unrecognised trace export",
        ),
        (
            vec!["--traces", "/nonexistent/t.json"],
            "cannot read /nonexistent/t.json",
        ),
        (
            vec![
                "--traces",
                unknown.to_str().expect("path"),
                "--traces-window",
                "soon",
            ],
            "--traces-window `soon`",
        ),
        (vec!["--traces-window", "1h"], "--traces"),
    ];
    for (extra, needle) in cases {
        let mut args = vec![
            "plan",
            graph.to_str().expect("path"),
            "--out",
            out.to_str().expect("path"),
        ];
        args.extend(extra.iter().copied());
        let result = cleave(&args);
        let (_, stderr) = text(&result);
        assert_eq!(result.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(needle), "`{needle}` missing from {stderr}");
        assert!(!out.join("plan.json").exists());
    }
}

#[test]
fn plan_needs_a_graph_or_traces() {
    let result = cleave(&["plan", "--out", "/tmp/never"]);
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("INPUT"), "{stderr}");
}

/// A Zipkin export's spans as `n` Zipkin lists.
fn zipkin_pieces(path: &std::path::Path, n: usize) -> Vec<String> {
    let spans: Vec<serde_json::Value> =
        serde_json::from_str(&fs::read_to_string(path).expect("fixture")).expect("a Zipkin list");
    spans
        .chunks(spans.len().div_ceil(n))
        .map(|c| serde_json::to_string(c).expect("json"))
        .collect()
}

fn gzip(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(text.as_bytes()).expect("compress");
    e.finish().expect("compress")
}

/// plan.json of `cleave plan --traces <path>`, less its `source` (which names the path).
fn traces_plan(path: &std::path::Path) -> String {
    let out = tempfile::tempdir().expect("temp dir");
    let p = path.to_str().expect("utf-8");
    let result = cleave(&[
        "plan",
        "--traces",
        p,
        "--traces-window",
        "1h",
        "--out",
        out.path().to_str().expect("utf-8"),
        "--quiet",
    ]);
    let (_, stderr) = text(&result);
    assert!(result.status.success(), "{p}: {stderr}");
    let text = fs::read_to_string(out.path().join("plan.json")).expect("plan.json");
    let mut plan: serde_json::Value = serde_json::from_str(&text).expect("json");
    plan.as_object_mut().expect("an object").remove("source");
    serde_json::to_string_pretty(&plan).expect("json")
}

#[test]
fn a_directory_json_lines_and_gzip_plan_like_the_single_file() {
    let single = real("zipkin/smartthings-mobile-web-install.json");
    let expected = traces_plan(&single);
    let pieces = zipkin_pieces(&single, 6);
    let dir = tempfile::tempdir().expect("temp dir");
    // A directory of pieces: some compressed (one without a telling name), one in a subfolder,
    // hidden files left out.
    let parts = dir.path().join("parts");
    fs::create_dir_all(parts.join("later")).expect("mkdir");
    for (i, piece) in pieces.iter().enumerate() {
        match i {
            0 | 3 => fs::write(parts.join(format!("part-{i}.json.gz")), gzip(piece)),
            1 => fs::write(parts.join(format!("part-{i}.bin")), gzip(piece)),
            5 => fs::write(parts.join("later").join(format!("part-{i}.json")), piece),
            _ => fs::write(parts.join(format!("part-{i}.json")), piece),
        }
        .expect("write");
    }
    fs::write(parts.join(".DS_Store"), "not an export").expect("write");
    let lines = dir.path().join("export.jsonl");
    fs::write(&lines, pieces.join("\n") + "\n").expect("write");
    let packed = dir.path().join("export.jsonl.gz");
    fs::write(&packed, gzip(&(pieces.join("\n") + "\n"))).expect("write");
    for input in [&parts, &lines, &packed] {
        let got = traces_plan(input);
        if got != expected {
            let at = got
                .lines()
                .zip(expected.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            let show = |t: &str| {
                t.lines()
                    .skip(at.saturating_sub(3))
                    .take(8)
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            panic!(
                "{}: differs at line {at}:\n{}\n--- expected ---\n{}",
                input.display(),
                show(&got),
                show(&expected)
            );
        }
    }
}

#[test]
fn broken_compressed_and_empty_inputs_are_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cut = dir.path().join("cut.json.gz");
    let packed = gzip(&fs::read_to_string(real("zipkin/yelp.json")).expect("fixture"));
    fs::write(&cut, &packed[..packed.len() / 2]).expect("write");
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).expect("mkdir");
    let mixed = dir.path().join("mixed");
    fs::create_dir(&mixed).expect("mkdir");
    fs::copy(real("zipkin/yelp.json"), mixed.join("a.json")).expect("copy");
    fs::write(
        mixed.join("README.md"),
        "Traces of the shop, taken on Monday.\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    for (input, needle) in [
        (&cut, "cut.json.gz"),
        (&empty, "holds no trace export"),
        (&mixed, "README.md"),
    ] {
        let result = cleave(&[
            "plan",
            "--traces",
            input.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ]);
        let (_, stderr) = text(&result);
        assert_eq!(result.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(needle), "`{needle}` missing from {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn collector_metrics_are_a_valid_input() {
    let (_d, plan) = plan_ok(
        &fixture("tiny-shop.json"),
        &[
            "--traces",
            real("prometheus/collector.prom").to_str().expect("path"),
            "--traces-window",
            "1d",
        ],
    );
    assert_eq!(plan["traces"]["operations"], 5);
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let result = cleave(&[
        "plan",
        "--traces",
        real("prometheus/tempo-matrix.json").to_str().expect("path"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let (_, stderr) = text(&result);
    assert!(result.status.success(), "{stderr}");
    let plan: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("plan.json")).expect("plan"))
            .expect("json");
    assert_eq!(
        plan["traces"]["window_s"], 86_400.0,
        "from the matrix's timestamps"
    );
    assert_eq!(plan["traces"]["measured_edges"], 1);
}

#[test]
fn traces_spread_beyond_the_open_span_limit_are_warned_not_fatal() {
    // 40 traces: every root first, then every child.
    let span = |t: usize, id: &str, parent: Option<&str>| {
        let parent = parent.map_or(String::new(), |p| format!(r#""parentId": "{p}","#));
        format!(
            r#"{{"traceId": "t{t}", "id": "{id}", {parent} "name": "op-{id}", "kind": "SERVER", "localEndpoint": {{"serviceName": "web"}}, "timestamp": {}, "duration": 10}}"#,
            t * 100_000_000 + 1
        )
    };
    let spans: Vec<String> = (0..40)
        .map(|t| span(t, "a", None))
        .chain((0..40).map(|t| span(t, "b", Some("a"))))
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let export = dir.path().join("spread.json");
    fs::write(&export, format!("[{}]", spans.join(","))).expect("write");
    let out = dir.path().join("out");
    let args = [
        "plan",
        "--traces",
        export.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ];
    let result = cleave_env(&args, &[("CLEAVE_MAX_OPEN_SPANS", "10")]);
    let (_, stderr) = text(&result);
    assert!(result.status.success(), "{stderr}");
    assert!(stderr.contains("analysed early"), "{stderr}");
    assert!(stderr.contains("CLEAVE_MAX_OPEN_SPANS"), "{stderr}");
    let result = cleave(&args);
    let (_, stderr) = text(&result);
    assert!(result.status.success(), "{stderr}");
    assert!(!stderr.contains("analysed early"), "{stderr}");
}
