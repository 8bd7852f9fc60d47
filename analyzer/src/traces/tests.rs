//! Trace import on real exports (tests/fixtures/traces, sources in its SOURCES.md) and on small hand-made exports
//! in each format, with the derived figures checked.

use std::path::PathBuf;

use super::*;
use crate::load_json;

fn real(path: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/traces")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The real OTLP fixture (`otlp/trace.json`) as written, compacted, and its one resource: the
/// compact text inside `{"resourceSpans":[…]}`.
pub(crate) fn otlp_fixture() -> (String, String, String) {
    let pretty = real("otlp/trace.json");
    let compact = serde_json::from_str::<serde_json::Value>(&pretty)
        .expect("json")
        .to_string();
    let resource = compact
        .strip_prefix(r#"{"resourceSpans":["#)
        .and_then(|t| t.strip_suffix("]}"))
        .expect("one resource")
        .to_string();
    (pretty, compact, resource)
}

fn summary_of(texts: &[&str], window: Option<f64>) -> TraceSummary {
    let files: Vec<Traces> = texts
        .iter()
        .map(|t| parse_traces(t).expect("parses"))
        .collect();
    summarize(&files, window)
}

fn op<'a>(s: &'a TraceSummary, key: &str) -> &'a Operation {
    s.operations
        .iter()
        .find(|o| o.key() == key)
        .unwrap_or_else(|| {
            panic!(
                "{key} not among {:?}",
                s.operations.iter().map(Operation::key).collect::<Vec<_>>()
            )
        })
}

fn has_call(s: &TraceSummary, from: &str, to: &str, is_async: bool) -> Option<u64> {
    s.calls
        .iter()
        .find(|c| {
            s.operations[c.from].key() == from
                && s.operations[c.to].key() == to
                && c.is_async == is_async
        })
        .map(|c| c.count)
}

#[test]
fn zipkin_messaging_becomes_an_async_edge() {
    let s = summary_of(&[&real("zipkin/messaging.json")], None);
    assert_eq!(
        parse_traces(&real("zipkin/messaging.json"))
            .expect("zipkin")
            .format,
        TraceFormat::Zipkin
    );
    assert_eq!(
        has_call(&s, "frontend::get /", "backend::next-message", true),
        Some(1)
    );
    assert_eq!(
        has_call(&s, "backend::next-message", "backend::on-message", false),
        Some(1)
    );
    let root = op(&s, "frontend::get /");
    assert_eq!(root.entry.as_deref(), Some("http"));
    assert_eq!(root.p50_ms, Some(2.839));
    assert!(
        s.operations.iter().all(|o| o.name != "publish"),
        "producer spans are edges, not operations"
    );
}

#[test]
fn zipkin_database_calls_become_resources() {
    let s = summary_of(&[&real("zipkin/simple-db-p6.json")], None);
    assert!(
        s.operations
            .iter()
            .any(|o| o.resources.contains("db:app_db")),
        "{:?}",
        s.operations
    );
}

#[test]
fn zipkin_clock_skew_is_reported_not_fatal() {
    let s = summary_of(&[&real("zipkin/skew.json")], None);
    assert!(
        s.warnings.iter().any(|w| w.contains("clock skew")),
        "{:?}",
        s.warnings
    );
    assert!(!s.operations.is_empty());
}

#[test]
fn zipkin_production_traces_summarise() {
    let s = summary_of(
        &[
            &real("zipkin/smartthings-mobile-web-install.json"),
            &real("zipkin/smartthings-oauth-authorization.json"),
            &real("zipkin/yelp.json"),
            &real("zipkin/messaging-kafka.json"),
        ],
        Some(3600.0),
    );
    assert_eq!(s.spans, 1041 + 175 + 16 + 28);
    assert!(s.operations.len() > 30, "{} operations", s.operations.len());
    assert!(!s.calls.is_empty());
    // Four files, each scaled from a one-hour window.
    assert_eq!(s.window_s, 4.0 * 3600.0);
    for o in &s.operations {
        let per_day = o.per_day.expect("timed");
        assert!(
            (per_day - o.count as f64 * 24.0).abs() < 1e-6,
            "{}: {per_day}",
            o.key()
        );
        if let (Some(p50), Some(p95), Some(max)) = (o.p50_ms, o.p95_ms, o.max_ms) {
            assert!(p50 <= p95 && p95 <= max, "{}", o.key());
        }
    }
    let services: std::collections::BTreeSet<&str> =
        s.operations.iter().map(|o| o.service.as_str()).collect();
    assert!(services.len() >= 10, "{services:?}");
}

#[test]
fn otlp_example_reads_with_nanosecond_times() {
    let t = parse_traces(&real("otlp/trace.json")).expect("otlp");
    assert_eq!(t.format, TraceFormat::Otlp);
    let s = summarize(&[t], None);
    let o = op(&s, "my.service::I'm a server span");
    assert_eq!(o.p50_ms, Some(1000.0));
    assert_eq!(o.entry.as_deref(), Some("http"));
    assert!(
        s.warnings.iter().any(|w| w.contains("parent is missing")),
        "{:?}",
        s.warnings
    );
}

const JAEGER: &str = r#"{"data": [{
  "traceID": "t1",
  "spans": [
    {"traceID": "t1", "spanID": "a", "operationName": "GET /orders", "references": [],
     "startTime": 1000000, "duration": 20000, "processID": "p1",
     "tags": [{"key": "span.kind", "type": "string", "value": "server"}]},
    {"traceID": "t1", "spanID": "b", "operationName": "load", "references": [{"refType": "CHILD_OF", "traceID": "t1", "spanID": "a"}],
     "startTime": 1001000, "duration": 5000, "processID": "p1", "tags": []},
    {"traceID": "t1", "spanID": "c", "operationName": "notify", "references": [{"refType": "FOLLOWS_FROM", "traceID": "t1", "spanID": "a"}],
     "startTime": 1030000, "duration": 1000, "processID": "p2", "tags": []},
    {"traceID": "t1", "spanID": "d", "operationName": "load", "references": [{"refType": "CHILD_OF", "traceID": "t1", "spanID": "a"}],
     "startTime": 1008000, "duration": 7000, "processID": "p1", "tags": []}
  ],
  "processes": {"p1": {"serviceName": "orders"}, "p2": {"serviceName": "mailer"}}
}]}"#;

#[test]
fn jaeger_references_and_processes() {
    let t = parse_traces(JAEGER).expect("jaeger");
    assert_eq!(t.format, TraceFormat::Jaeger);
    let s = summarize(&[t], Some(86_400.0));
    assert_eq!(
        has_call(&s, "orders::GET /orders", "orders::load", false),
        Some(2)
    );
    assert_eq!(
        has_call(&s, "orders::GET /orders", "mailer::notify", true),
        Some(1)
    );
    let load = op(&s, "orders::load");
    assert_eq!((load.count, load.per_day), (2, Some(2.0)));
    assert_eq!(
        (load.p50_ms, load.p95_ms, load.max_ms),
        (Some(5.0), Some(7.0), Some(7.0))
    );
}

#[test]
fn zipkin_list_of_traces_with_bad_spans_keeps_the_good_ones() {
    let text = r#"[[
      {"traceId": "t", "id": "1", "name": "root", "kind": "SERVER", "timestamp": 10, "duration": 100, "localEndpoint": {"serviceName": "s"}},
      {"traceId": "t", "id": "2", "parentId": "1", "name": "child", "timestamp": 20, "duration": 5, "localEndpoint": {"serviceName": "s"}},
      {"traceId": "t", "id": "2", "parentId": "1", "name": "copy", "timestamp": 20, "duration": 5, "localEndpoint": {"serviceName": "other"}},
      {"traceId": "t", "id": "5", "parentId": "1", "name": "child", "timestamp": 21, "duration": -5, "localEndpoint": {"serviceName": "s"}},
      {"traceId": "t", "id": "6", "parentId": "1", "name": "child", "timestamp": 22, "localEndpoint": {"serviceName": "s"}},
      {"traceId": "t", "id": "6", "parentId": "1", "name": "child", "duration": 9, "localEndpoint": {"serviceName": "s"}},
      {"traceId": "t", "id": "3", "parentId": "99", "name": "orphan", "timestamp": 30, "duration": 1, "localEndpoint": {"serviceName": "s"}},
      {"id": "4", "name": "no trace"}
    ]]"#;
    let s = summary_of(&[text], None);
    let joined = s.warnings.join("; ");
    for needle in [
        "1 span with a duplicate id",
        "1 span with a negative duration",
        "1 span whose parent is missing",
        "1 span skipped",
    ] {
        assert!(joined.contains(needle), "`{needle}` missing from {joined}");
    }
    // The fragments of span 6 merged into one call with the late duration.
    assert_eq!(has_call(&s, "s::root", "s::child", false), Some(3));
    assert_eq!(op(&s, "s::child").max_ms, Some(0.009));
    assert_eq!(op(&s, "s::orphan").entry.as_deref(), Some("event"));
}

#[test]
fn malformed_and_unknown_exports_are_errors() {
    let truncated = parse_traces(r#"[{"traceId": "t", "id": "1""#).expect_err("truncated");
    assert!(truncated.to_string().contains("line 1"), "{truncated}");
    let unknown = parse_traces(r#"{"spans": []}"#).expect_err("unknown shape");
    assert!(unknown.to_string().contains("Zipkin"), "{unknown}");
}

const OTLP: &str = r#"{"resourceSpans": [{
  "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "shop"}}]},
  "scopeSpans": [{"spans": [
    {"traceId": "AB", "spanId": "01", "name": "POST /orders", "kind": "SPAN_KIND_SERVER",
     "startTimeUnixNano": "1000000000", "endTimeUnixNano": "1040000000",
     "attributes": [{"key": "code.namespace", "value": {"stringValue": "shop::orders"}},
                    {"key": "code.function", "value": {"stringValue": "place_order"}},
                    {"key": "http.status_code", "value": {"intValue": "201"}}]},
    {"traceId": "AB", "spanId": "02", "parentSpanId": "01", "name": "charge", "kind": 3,
     "startTimeUnixNano": "1010000000", "endTimeUnixNano": "1030000000", "attributes": []},
    {"traceId": "AB", "spanId": "03", "parentSpanId": "02", "name": "shop::payments::charge", "kind": 2,
     "startTimeUnixNano": "1011000000", "endTimeUnixNano": "1029000000", "attributes": []},
    {"traceId": "AB", "spanId": "04", "parentSpanId": "01", "name": "mystery", "kind": 1,
     "startTimeUnixNano": "1031000000", "endTimeUnixNano": "1032000000", "attributes": []}
  ]}]
}]}"#;

const STATIC: &str = r#"{"nodes": [
    {"id": "shop::orders::place_order", "module": "shop::orders", "entry": "http"},
    {"id": "shop::payments::charge", "module": "shop::payments"},
    {"id": "shop::orders::validate", "module": "shop::orders"}],
  "edges": [{"from": "shop::orders::place_order", "to": "shop::orders::validate", "weight": 2}]}"#;

#[test]
fn merging_maps_operations_and_reports_the_rest() {
    let graph = load_json(STATIC).expect("graph");
    let summary = summarize(&[parse_traces(OTLP).expect("otlp")], Some(86_400.0));
    let (merged, report) = merge_traces(&graph, &summary, &[]).expect("merges");
    let place = merged.node(merged.position("shop::orders::place_order").expect("node"));
    assert_eq!(place.invocations_per_day, Some(1.0));
    assert_eq!(place.duration_ms.and_then(|d| d.p50), Some(40.0));
    let charge = merged.node(merged.position("shop::payments::charge").expect("node"));
    assert_eq!(charge.duration_ms.and_then(|d| d.max), Some(18.0));
    // The static edge stays; the measured one (through the client span) is added.
    let edges: Vec<(String, String)> = merged
        .edges()
        .map(|(f, t, _)| (merged.node(f).id.clone(), merged.node(t).id.clone()))
        .collect();
    assert!(edges.contains(&(
        "shop::orders::place_order".into(),
        "shop::orders::validate".into()
    )));
    assert!(edges.contains(&(
        "shop::orders::place_order".into(),
        "shop::payments::charge".into()
    )));
    assert_eq!(report.matched_operations, 2);
    assert_eq!(report.unmatched_operations, 1);
    assert_eq!(
        report.top_unmatched,
        vec![crate::UnmatchedOperation {
            operation: "shop::mystery".to_string(),
            spans: 1
        }]
    );
    assert_eq!(report.nodes_without_traces, 1);
}

#[test]
fn mapping_rules_route_operations_and_reject_unknown_nodes() {
    let graph = load_json(STATIC).expect("graph");
    let summary = summarize(&[parse_traces(OTLP).expect("otlp")], Some(86_400.0));
    let rules = [MapRule {
        service: Some("sh*".into()),
        span: Some("myst*".into()),
        node: Some("shop::orders::validate".into()),
        module: None,
    }];
    let (merged, report) = merge_traces(&graph, &summary, &rules).expect("merges");
    assert_eq!(report.unmatched_operations, 0);
    let validate = merged.node(merged.position("shop::orders::validate").expect("node"));
    assert_eq!(validate.invocations_per_day, Some(1.0));
    let bad = [MapRule {
        node: Some("shop::nope".into()),
        ..MapRule::default()
    }];
    let err = merge_traces(&graph, &summary, &bad).expect_err("unknown node");
    assert_eq!(
        err.to_string(),
        "[[traces.map]] rule 1 (counting from 1): node `shop::nope` is not in the call graph"
    );
    let both = [MapRule {
        node: Some("shop::orders::validate".into()),
        module: Some("m".into()),
        ..MapRule::default()
    }];
    assert!(merge_traces(&graph, &summary, &both).is_err());
}

#[test]
fn traces_alone_make_a_graph() {
    let summary = summarize(&[parse_traces(JAEGER).expect("jaeger")], Some(86_400.0));
    let (graph, report) = graph_from_traces(&summary);
    assert_eq!(graph.node_count(), 3);
    assert_eq!(report.matched_operations, 3);
    let root = graph.node(graph.position("orders::GET /orders").expect("node"));
    assert_eq!(root.module.as_deref(), Some("orders"));
    assert_eq!(root.entry.as_deref(), Some("http"));
    assert_eq!(root.invocations_per_day, Some(1.0));
    let async_edges = graph.edges().filter(|(_, _, c)| c.is_async).count();
    assert_eq!(async_edges, 1);
}

/// `service::name` is not injective; the graph made of traces alone still has one node per
/// operation, with distinct ids.
#[test]
fn colliding_operation_keys_get_distinct_ids() {
    let text = r#"[
      {"traceId": "t", "id": "1", "name": "c", "timestamp": 10, "duration": 5, "localEndpoint": {"serviceName": "a::b"}},
      {"traceId": "u", "id": "2", "name": "b::c", "timestamp": 20, "duration": 5, "localEndpoint": {"serviceName": "a"}},
      {"traceId": "v", "id": "3", "name": "c#2", "timestamp": 30, "duration": 5, "localEndpoint": {"serviceName": "a::b"}}
    ]"#;
    let s = summary_of(&[text], Some(3600.0));
    assert_eq!(s.operations.len(), 3);
    let (graph, _) = graph_from_traces(&s);
    let mut ids: Vec<&str> = graph.nodes().map(|n| n.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["a::b::c", "a::b::c#2", "a::b::c#3"]);
}

/// A long chain of client spans under one operation: every leaf is called from that operation
/// (the chain is walked once, not once per leaf).
#[test]
fn deep_client_chains_resolve_to_their_operation() {
    let chain = 3000;
    let leaves = 2000;
    let mut spans = vec![r#"{"traceId": "t", "id": "root", "name": "handle", "kind": "SERVER", "timestamp": 1, "duration": 9, "localEndpoint": {"serviceName": "api"}}"#.to_string()];
    let mut parent = "root".to_string();
    for i in 0..chain {
        let id = format!("c{i}");
        spans.push(format!(
            r#"{{"traceId": "t", "id": "{id}", "parentId": "{parent}", "name": "hop", "kind": "CLIENT", "timestamp": 2, "duration": 1, "localEndpoint": {{"serviceName": "api"}}}}"#
        ));
        parent = id;
    }
    for i in 0..leaves {
        spans.push(format!(
            r#"{{"traceId": "t", "id": "l{i}", "parentId": "{parent}", "name": "work", "kind": "SERVER", "timestamp": 3, "duration": 1, "localEndpoint": {{"serviceName": "worker"}}}}"#
        ));
    }
    let text = format!("[{}]", spans.join(","));
    let s = summary_of(&[&text], Some(3600.0));
    assert_eq!(
        has_call(&s, "api::handle", "worker::work", false),
        Some(leaves as u64)
    );
}

/// One span with a wild timestamp does not stretch the window over decades; an export of a few
/// milliseconds measures no rate.
#[test]
fn outlier_timestamps_and_tiny_windows_do_not_fake_rates() {
    let hour_us: u64 = 3_600_000_000;
    let base: u64 = 1_700_000_000_000_000;
    let mut spans: Vec<String> = (0..3600u64)
        .map(|i| {
            format!(
                r#"{{"traceId": "t{i}", "id": "s{i}", "name": "get", "kind": "SERVER", "timestamp": {}, "duration": 1000, "localEndpoint": {{"serviceName": "api"}}}}"#,
                base + i * hour_us / 3600
            )
        })
        .collect();
    spans.push(r#"{"traceId": "x", "id": "x", "name": "get", "kind": "SERVER", "timestamp": 0, "duration": 1000, "localEndpoint": {"serviceName": "api"}}"#.to_string());
    let text = format!("[{}]", spans.join(","));
    let s = summary_of(&[&text], None);
    assert!(
        (3500.0..3700.0).contains(&s.window_s),
        "window {}",
        s.window_s
    );
    let per_day = op(&s, "api::get").per_day.expect("a rate");
    assert!((80_000.0..90_000.0).contains(&per_day), "{per_day}");
    assert!(
        s.warnings.iter().any(|w| w.contains("far outside")),
        "{:?}",
        s.warnings
    );
    let tiny = r#"[
      {"traceId": "t", "id": "1", "name": "get", "kind": "SERVER", "timestamp": 1000, "duration": 1000, "localEndpoint": {"serviceName": "api"}},
      {"traceId": "u", "id": "2", "name": "get", "kind": "SERVER", "timestamp": 3000, "duration": 1000, "localEndpoint": {"serviceName": "api"}}
    ]"#;
    let s = summary_of(&[tiny], None);
    assert_eq!(op(&s, "api::get").per_day, None, "no rate from 3 ms");
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("too short to measure rates")),
        "{:?}",
        s.warnings
    );
    let s = summary_of(&[tiny], Some(60.0));
    assert!(
        op(&s, "api::get").per_day.is_some(),
        "a given window still scales"
    );
}

/// A span that is its own parent, and two spans parenting each other, are reported.
#[test]
fn parent_cycles_are_warned() {
    let text = r#"[
      {"traceId": "t", "id": "1", "parentId": "1", "name": "self", "kind": "SERVER", "timestamp": 1, "duration": 1, "localEndpoint": {"serviceName": "a"}},
      {"traceId": "t", "id": "2", "parentId": "3", "name": "ping", "kind": "CLIENT", "timestamp": 2, "duration": 1, "localEndpoint": {"serviceName": "a"}},
      {"traceId": "t", "id": "3", "parentId": "2", "name": "pong", "kind": "CLIENT", "timestamp": 3, "duration": 1, "localEndpoint": {"serviceName": "a"}}
    ]"#;
    let s = summary_of(&[text], Some(60.0));
    assert!(
        s.warnings.iter().any(|w| w.contains("form a cycle")),
        "{:?}",
        s.warnings
    );
    assert_eq!(
        has_call(&s, "a::self", "a::self", false),
        None,
        "no self-call"
    );
    let alone = r#"[{"traceId": "t", "id": "1", "parentId": "1", "name": "self", "kind": "SERVER", "timestamp": 1, "duration": 1, "localEndpoint": {"serviceName": "a"}}]"#;
    let s = summary_of(&[alone], Some(60.0));
    assert!(
        s.warnings.iter().any(|w| w.contains("form a cycle")),
        "{:?}",
        s.warnings
    );
}

mod metrics;
mod streaming;
