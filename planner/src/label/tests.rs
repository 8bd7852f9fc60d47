//! Labelling cases: a small graph in, the label, costs and reasons out.

use analyzer::load_json;

use super::{fmt_ms, fmt_num, price};
use crate::{Config, Label, plan};

#[test]
fn prices_match_the_worked_break_even_of_domain_md() {
    // 0.25 vCPU + 0.5 GB always on ≈ $9/month; a 512 MB, 100 ms function ≈ $1.03 per million
    // calls; they meet near 8.7M calls a month.
    let cost = price(1_000_000.0, 100.0, 512.0, 0.0, &Config::default());
    assert!(
        (cost.microservice_monthly_usd - 9.01).abs() < 0.01,
        "{cost:?}"
    );
    assert!(
        (cost.function_monthly_usd - 1.033).abs() < 0.001,
        "{cost:?}"
    );
    let be = cost.break_even_invocations_per_month;
    assert!((8.6e6..8.8e6).contains(&be), "{be}");
}

#[test]
fn busy_work_needs_more_containers() {
    // 100 requests in flight on average at 50 % target utilisation: 200 containers.
    let cost = price(1e9, 100.0, 512.0, 100.0, &Config::default());
    assert!(
        (cost.microservice_monthly_usd - 200.0 * 9.010_025).abs() < 0.5,
        "{cost:?}"
    );
}

#[test]
fn the_free_tier_is_applied_only_when_asked() {
    let mut config = Config::default();
    config.prices.apply_free_tier = true;
    let cost = price(900_000.0, 100.0, 512.0, 0.0, &config);
    assert_eq!(cost.function_monthly_usd, 0.0);
}

/// One-service graph: a single node with these JSON fields, planned alone.
fn single(fields: &str) -> crate::Service {
    let text = format!(r#"{{"nodes": [{{"id": "svc::x", "module": "svc" {fields}}}]}}"#);
    let graph = load_json(&text).expect("valid");
    let p = plan(&graph, &Config::default()).expect("plans");
    p.clusters.into_iter().next().expect("one service")
}

#[test]
fn labels_decide_by_limits_state_cost_and_trigger() {
    // (fields, expected label, a phrase the rationale must contain)
    let cases: &[(&str, Label, &str)] = &[
        (
            r#", "entry": "schedule", "invocations_per_day": 1, "duration_ms": {"p50": 1200000}"#,
            Label::Microservice,
            "at most 900 s",
        ),
        (
            r#", "entry": "event", "invocations_per_day": 100, "memory_mb": 20000"#,
            Label::Microservice,
            "at most 10,240 MB",
        ),
        (
            r#", "entry": "http", "stateful": true, "invocations_per_day": 10"#,
            Label::Microservice,
            "in-memory state",
        ),
        (
            r#", "entry": "event", "invocations_per_day": 2000, "duration_ms": {"p50": 3000}, "memory_mb": 1536"#,
            Label::Function,
            "event-driven",
        ),
        (
            r#", "entry": "http", "invocations_per_day": 20000000, "duration_ms": {"p50": 30}"#,
            Label::Microservice,
            "request-driven",
        ),
        (
            r#", "entry": "http", "invocations_per_day": 500, "duration_ms": {"p50": 50}"#,
            Label::Function,
            "as a function $",
        ),
        (
            r#", "entry": "queue", "invocations_per_day": 50000, "duration_ms": {"p50": 120000}"#,
            Label::Microservice,
            "long-running",
        ),
    ];
    for (fields, label, phrase) in cases {
        let s = single(fields);
        assert_eq!(s.label, *label, "{fields}: {:#?}", s.rationale);
        let text = format!(
            "{} {:?} {:?}",
            s.rationale.summary, s.rationale.reasons, s.rationale.hard_limits
        );
        assert!(text.contains(phrase), "{fields}: `{phrase}` not in {text}");
    }
}

#[test]
fn confidence_says_whether_figures_were_measured() {
    let measured =
        single(r#", "entry": "event", "invocations_per_day": 100, "duration_ms": {"p50": 20}"#);
    assert_eq!(measured.confidence.basis, "measured");
    assert_eq!(measured.rationale.signals.invocations_source, "measured");
    let partial = single(r#", "entry": "event", "invocations_per_day": 100"#);
    assert_eq!(partial.confidence.basis, "partial");
    let guess = single(r#", "entry": "event""#);
    assert_eq!(guess.confidence.basis, "static");
    assert!(guess.confidence.score < measured.confidence.score);
}

#[test]
fn rates_flow_from_entry_points_to_callees() {
    // The entry runs 1000 times a day and calls b, which lives in another service through a queue.
    let text = r#"{"nodes": [
        {"id": "a::in", "module": "a", "entry": "http", "invocations_per_day": 1000},
        {"id": "a::x", "module": "a"}, {"id": "a::y", "module": "a"},
        {"id": "b::work", "module": "b"}, {"id": "b::p", "module": "b"}, {"id": "b::q", "module": "b"}],
      "edges": [{"from": "a::in", "to": "a::x", "weight": 3}, {"from": "a::x", "to": "a::y", "weight": 3},
                {"from": "a::in", "to": "a::y", "weight": 3},
                {"from": "a::in", "to": "b::work", "async": true},
                {"from": "b::work", "to": "b::p", "weight": 3}, {"from": "b::p", "to": "b::q", "weight": 3},
                {"from": "b::work", "to": "b::q", "weight": 3}]}"#;
    let graph = load_json(text).expect("valid");
    let mut config = Config::default();
    config.clustering.services = Some(2);
    let p = plan(&graph, &config).expect("plans");
    let b = p
        .clusters
        .iter()
        .find(|s| s.members.contains(&"b::work".to_string()))
        .expect("b");
    assert_eq!(b.members.len(), 3, "{:?}", p.clusters);
    let per_month = b.rationale.signals.invocations_per_month;
    assert!(
        (per_month - 1000.0 * 365.0 / 12.0).abs() < 1.0,
        "{per_month}"
    );
    assert_eq!(b.rationale.signals.async_inbound_share, 1.0);
    assert_eq!(
        b.label,
        Label::Function,
        "async, sporadic: {:#?}",
        b.rationale
    );
}

#[test]
fn numbers_read_well_in_sentences() {
    assert_eq!(fmt_num(1234567.0), "1,234,567");
    assert_eq!(fmt_num(0.5), "0.5");
    assert_eq!(fmt_num(12.25), "12.25");
    assert_eq!(fmt_num(f64::INFINITY), "∞");
    assert_eq!(fmt_ms(1_500_000.0), "25 min");
    assert_eq!(fmt_ms(2500.0), "2.5 s");
    assert_eq!(fmt_ms(40.0), "40 ms");
}

#[test]
fn static_duration_hints_raise_the_guess_but_stay_static() {
    let plain = single(r#", "entry": "queue""#);
    let slow = single(r#", "entry": "queue", "hints": ["io-loop"]"#);
    assert!(slow.rationale.signals.duration_ms > plain.rationale.signals.duration_ms);
    assert_eq!(slow.confidence.basis, "static");
    assert_eq!(slow.rationale.signals.duration_source, "assumed");
}

#[test]
fn a_very_long_call_chain_does_not_overflow_the_stack() {
    // 200,000 nodes called one after the other: rates flow down the whole chain.
    let n = 200_000;
    let nodes: Vec<analyzer::Node> = (0..n)
        .map(|i| analyzer::Node {
            id: format!("m{}::f{i:06}", i / 1000),
            module: Some(format!("m{}", i / 1000)),
            entry: (i == 0).then(|| "event".to_string()),
            ..analyzer::Node::default()
        })
        .collect();
    let edges = (1..n)
        .map(|i| (i - 1, i, analyzer::Call::new(1.0, false)))
        .collect();
    let graph = analyzer::CallGraph::from_parts(nodes, edges);
    let (rates, _) = super::node_rates(&graph, &Config::default());
    assert!(
        rates
            .iter()
            .all(|&r| r == Config::default().labelling.default_event_per_day)
    );
}
