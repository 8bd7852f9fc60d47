//! The label table: one clear-cut case per rule of the domain brief, DOMAIN.md ("what decides
//! microservice vs function"), each a small call graph planned through the public API. The label
//! is asserted; the decision (summary, hard limits, factors with their weights, reasons,
//! confidence) is snapshotted, so any change to how a label is reached shows up in review.

use std::fmt::Write;

use planner::{Config, Label, Plan};

/// One case: the rule it checks, the graph, the node whose service is judged, the label expected.
struct Case {
    name: &'static str,
    rule: &'static str,
    graph: &'static str,
    subject: &'static str,
    label: Label,
}

const CASES: &[Case] = &[
    Case {
        name: "runs_past_the_duration_limit",
        rule: "anything that breaks a hard limit (15 minutes) cannot be a function",
        graph: r#"{"nodes": [
            {"id": "etl::run", "module": "etl", "entry": "schedule", "invocations_per_day": 1,
             "duration_ms": {"p50": 1200000, "max": 1500000}},
            {"id": "etl::load", "module": "etl"}],
          "edges": [{"from": "etl::run", "to": "etl::load"}]}"#,
        subject: "etl::run",
        label: Label::Microservice,
    },
    Case {
        name: "needs_more_memory_than_a_function_may_have",
        rule: "memory beyond 10,240 MB cannot be a function",
        graph: r#"{"nodes": [
            {"id": "render::on_job", "module": "render", "entry": "queue", "invocations_per_day": 50,
             "duration_ms": {"p50": 20000}, "memory_mb": 16384}],
          "edges": []}"#,
        subject: "render::on_job",
        label: Label::Microservice,
    },
    Case {
        name: "keeps_in_memory_state",
        rule: "stateful across requests (sessions, carts, in-memory caches) is a microservice",
        graph: r#"{"nodes": [
            {"id": "cart::add", "module": "cart", "entry": "http", "invocations_per_day": 200,
             "duration_ms": {"p50": 30}},
            {"id": "cart::session", "module": "cart", "stateful": true}],
          "edges": [{"from": "cart::add", "to": "cart::session"}]}"#,
        subject: "cart::add",
        label: Label::Microservice,
    },
    Case {
        name: "shares_in_process_state_with_another_module",
        rule: "functions that share in-memory state belong in the same service; a function cannot read another process's memory",
        graph: r#"{"nodes": [
            {"id": "chat::connect", "module": "chat", "entry": "websocket", "stateful": true, "resources": ["mem:rooms"]},
            {"id": "chat::join", "module": "chat", "resources": ["mem:rooms"]},
            {"id": "chat::broadcast", "module": "chat", "stateful": true, "resources": ["mem:rooms"]},
            {"id": "admin::list_rooms", "module": "admin", "entry": "http", "resources": ["mem:rooms"],
             "invocations_per_day": 20, "duration_ms": {"p50": 15}},
            {"id": "admin::close_room", "module": "admin", "entry": "http", "resources": ["mem:rooms"],
             "invocations_per_day": 5, "duration_ms": {"p50": 15}},
            {"id": "admin::audit", "module": "admin"}],
          "edges": [{"from": "chat::connect", "to": "chat::join", "weight": 3},
                    {"from": "chat::connect", "to": "chat::broadcast", "weight": 3},
                    {"from": "admin::list_rooms", "to": "admin::audit"},
                    {"from": "admin::close_room", "to": "admin::audit"}]}"#,
        subject: "admin::list_rooms",
        label: Label::Microservice,
    },
    Case {
        name: "needs_more_concurrency_than_the_platform_allows",
        rule: "over 1,000 concurrent executions cannot be a function",
        graph: r#"{"nodes": [
            {"id": "api::search", "module": "api", "entry": "http", "invocations_per_day": 100000000,
             "duration_ms": {"p50": 2000}}],
          "edges": []}"#,
        subject: "api::search",
        label: Label::Microservice,
    },
    Case {
        name: "high_steady_request_traffic",
        rule: "under high, steady traffic an always-on instance is cheaper than paying per call",
        graph: r#"{"nodes": [
            {"id": "catalog::get", "module": "catalog", "entry": "http", "invocations_per_day": 50000000,
             "duration_ms": {"p50": 40}}],
          "edges": []}"#,
        subject: "catalog::get",
        label: Label::Microservice,
    },
    Case {
        name: "low_traffic_search_api",
        rule: "low or unpredictable volume: pay-per-use beats an idle server (a simple search API with low traffic)",
        graph: r#"{"nodes": [
            {"id": "search::query", "module": "search", "entry": "http", "invocations_per_day": 1000,
             "duration_ms": {"p50": 80}}],
          "edges": []}"#,
        subject: "search::query",
        label: Label::Function,
    },
    Case {
        name: "sporadic_upload_event",
        rule: "event-driven and sporadic: resize an uploaded image",
        graph: r#"{"nodes": [
            {"id": "images::on_upload", "module": "images", "entry": "upload", "invocations_per_day": 200,
             "duration_ms": {"p50": 2000}, "memory_mb": 1024},
            {"id": "images::resize", "module": "images"}],
          "edges": [{"from": "images::on_upload", "to": "images::resize"}]}"#,
        subject: "images::on_upload",
        label: Label::Function,
    },
    Case {
        name: "steady_high_volume_queue_stream",
        rule: "event-driven favours functions when sporadic or bursty, not as a steady stream: then the cost decides",
        graph: r#"{"nodes": [
            {"id": "ledger::on_message", "module": "ledger", "entry": "queue", "invocations_per_day": 432000000,
             "duration_ms": {"p50": 50}, "memory_mb": 512}],
          "edges": []}"#,
        subject: "ledger::on_message",
        label: Label::Microservice,
    },
    Case {
        name: "scheduled_aggregation_of_a_few_seconds",
        rule: "a scheduled aggregation that runs for a few seconds is a function",
        graph: r#"{"nodes": [
            {"id": "stats::hourly", "module": "stats", "entry": "schedule", "invocations_per_day": 24,
             "duration_ms": {"p50": 5000, "max": 9000}},
            {"id": "stats::sum", "module": "stats"}],
          "edges": [{"from": "stats::hourly", "to": "stats::sum"}]}"#,
        subject: "stats::hourly",
        label: Label::Function,
    },
    Case {
        name: "busy_more_than_half_the_time",
        rule: "a component busy more than about half the time is cheaper as a service",
        graph: r#"{"nodes": [
            {"id": "quotes::price", "module": "quotes", "entry": "http", "invocations_per_day": 2000000,
             "duration_ms": {"p50": 100}, "memory_mb": 512}],
          "edges": []}"#,
        subject: "quotes::price",
        label: Label::Microservice,
    },
    Case {
        name: "unmeasured_batch_looping_over_io",
        rule: "short, never near the platform limit: a batch whose duration grows with the data must be measured first",
        graph: r#"{"nodes": [
            {"id": "export::nightly", "module": "export", "entry": "schedule", "hints": ["io-loop"]},
            {"id": "export::write", "module": "export"}],
          "edges": [{"from": "export::nightly", "to": "export::write"}]}"#,
        subject: "export::nightly",
        label: Label::Microservice,
    },
    Case {
        name: "long_running_work",
        rule: "long-running work suits a microservice",
        graph: r#"{"nodes": [
            {"id": "video::transcode", "module": "video", "entry": "queue", "invocations_per_day": 30,
             "duration_ms": {"p50": 300000, "max": 600000}, "memory_mb": 2048}],
          "edges": []}"#,
        subject: "video::transcode",
        label: Label::Microservice,
    },
    Case {
        name: "holds_connection_pools",
        rule: "long-lived connections suit always-on containers",
        graph: r#"{"nodes": [
            {"id": "billing::charge", "module": "billing", "entry": "http", "invocations_per_day": 2000000,
             "duration_ms": {"p50": 10}, "hints": ["holds-connections"]}],
          "edges": []}"#,
        subject: "billing::charge",
        label: Label::Microservice,
    },
    Case {
        name: "static_signals_only",
        rule: "a label decided from static signals alone is a guess and must say so",
        graph: r#"{"nodes": [
            {"id": "notify::send", "module": "notify", "entry": "event"},
            {"id": "notify::render", "module": "notify"}],
          "edges": [{"from": "notify::send", "to": "notify::render"}]}"#,
        subject: "notify::send",
        label: Label::Function,
    },
    Case {
        name: "no_traffic_reaches_it",
        rule: "every label must say why: with no traffic there is nothing to decide from",
        graph: r#"{"nodes": [
            {"id": "shop::checkout", "module": "shop", "entry": "http", "invocations_per_day": 1000},
            {"id": "shop::pay", "module": "shop"},
            {"id": "legacy::export", "module": "legacy"},
            {"id": "legacy::format", "module": "legacy"}],
          "edges": [{"from": "shop::checkout", "to": "shop::pay"},
                    {"from": "legacy::export", "to": "legacy::format"}]}"#,
        subject: "legacy::export",
        label: Label::Function,
    },
];

/// The service of `node` in `plan`.
fn service<'p>(plan: &'p Plan, node: &str) -> &'p planner::Service {
    plan.clusters
        .iter()
        .find(|s| s.members.iter().any(|m| m == node))
        .unwrap_or_else(|| panic!("{node} is not planned"))
}

/// The decision of a service as a reviewer reads it.
fn decision(case: &Case, s: &planner::Service) -> String {
    let r = &s.rationale;
    let mut out = String::new();
    writeln!(out, "rule: {}", case.rule).ok();
    writeln!(out, "label: {}", s.label.as_str()).ok();
    writeln!(out, "members: {}", s.members.join(", ")).ok();
    writeln!(out, "summary: {}", r.summary).ok();
    for h in &r.hard_limits {
        writeln!(out, "hard limit: {h}").ok();
    }
    for f in &r.factors {
        let factor = f.factor.as_str();
        writeln!(
            out,
            "factor: {factor} leans {} ×{}",
            f.leans.as_str(),
            f.weight
        )
        .ok();
    }
    for reason in &r.reasons {
        writeln!(out, "reason: {reason}").ok();
    }
    let c = &s.confidence;
    writeln!(out, "confidence: {} {:.2}", c.basis, c.score).ok();
    out
}

#[test]
fn each_rule_of_the_domain_brief_labels_its_case() {
    let mut wrong = Vec::new();
    for case in CASES {
        let graph = analyzer::load_json(case.graph).expect("valid call graph");
        let plan = planner::plan(&graph, &Config::default()).expect("plans");
        let s = service(&plan, case.subject);
        if s.label != case.label {
            wrong.push(format!(
                "{}: {} instead of {} ({})",
                case.name,
                s.label.as_str(),
                case.label.as_str(),
                s.rationale.summary
            ));
        }
        insta::assert_snapshot!(case.name, decision(case, s));
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn better_evidence_always_ranks_higher() {
    // A static label decided by a hard limit must not rank above a measured close call.
    let stateful_guess = r#"{"nodes": [
        {"id": "a::in", "module": "a", "entry": "http", "stateful": true}], "edges": []}"#;
    let measured_close = r#"{"nodes": [
        {"id": "b::in", "module": "b", "entry": "http", "invocations_per_day": 280000,
         "duration_ms": {"p50": 100}}], "edges": []}"#;
    let score = |g: &str, node: &str| {
        let graph = analyzer::load_json(g).expect("valid");
        let plan = planner::plan(&graph, &Config::default()).expect("plans");
        let s = service(&plan, node);
        (s.confidence.basis, s.confidence.score)
    };
    let (basis_a, a) = score(stateful_guess, "a::in");
    let (basis_b, b) = score(measured_close, "b::in");
    assert_eq!(basis_a, planner::Evidence::Static);
    assert_eq!(basis_b, planner::Evidence::Measured);
    assert!(a < b, "static {a} ranks above measured {b}");
}
