//! Labelling cases: a small graph in, the label, costs and reasons out.

use analyzer::load_json;

use super::price;
use crate::render::{fmt_ms, fmt_num};
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
        // A steady stream (5,000 messages a second, 50 ms, 512 MB): always-on is cheaper, and
        // being an event no longer leans it towards a function (DOMAIN.md: sporadic or bursty).
        (
            r#", "entry": "queue", "invocations_per_day": 432000000, "duration_ms": {"p50": 50}, "memory_mb": 512"#,
            Label::Microservice,
            "event-driven but steady",
        ),
        // The same consumer at 300 messages a day leans function, and says by how much.
        (
            r#", "entry": "queue", "invocations_per_day": 300, "duration_ms": {"p50": 50}, "memory_mb": 512"#,
            Label::Function,
            "leans function ×2",
        ),
        // gRPC is a request, as the analyzer's one definition says.
        (
            r#", "entry": "grpc", "invocations_per_day": 20000000, "duration_ms": {"p50": 30}"#,
            Label::Microservice,
            "request-driven (grpc)",
        ),
        // About one request in ten seconds is not sporadic; a few hundred a day is.
        (
            r#", "entry": "http", "invocations_per_day": 8640, "duration_ms": {"p50": 50}"#,
            Label::Function,
            "function: light work",
        ),
        (
            r#", "entry": "http", "invocations_per_day": 300, "duration_ms": {"p50": 50}"#,
            Label::Function,
            "function: sporadic work",
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
fn assumed_figures_and_no_traffic_are_said() {
    let assumed = single(r#", "entry": "http""#);
    assert!(
        assumed
            .rationale
            .summary
            .contains("(assumed: no runtime figures)"),
        "{}",
        assumed.rationale.summary
    );
    let measured = single(r#", "entry": "http", "invocations_per_day": 300"#);
    assert!(!measured.rationale.summary.contains("assumed"));
    let idle = single(r#", "entry": "event", "invocations_per_day": 0"#);
    assert!(
        idle.rationale.summary.contains("nothing to decide from"),
        "{}",
        idle.rationale.summary
    );
    assert!(idle.confidence.score <= 0.3, "{:?}", idle.confidence);
}

#[test]
fn confidence_says_whether_figures_were_measured() {
    let measured =
        single(r#", "entry": "event", "invocations_per_day": 100, "duration_ms": {"p50": 20}"#);
    assert_eq!(measured.confidence.basis, plan::Evidence::Measured);
    assert_eq!(
        measured.rationale.signals.invocations_source,
        plan::Source::Measured
    );
    let partial = single(r#", "entry": "event", "invocations_per_day": 100"#);
    assert_eq!(partial.confidence.basis, plan::Evidence::Partial);
    let guess = single(r#", "entry": "event""#);
    assert_eq!(guess.confidence.basis, plan::Evidence::Static);
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
    assert_eq!(slow.confidence.basis, plan::Evidence::Static);
    assert_eq!(
        slow.rationale.signals.duration_source,
        plan::Source::Assumed
    );
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
    let rates = super::flow(
        &graph,
        &crate::calls::Calls::new(&graph),
        &Config::default(),
    )
    .rate;
    assert!(
        rates
            .iter()
            .all(|&r| r == Config::default().labelling.default_event_per_day)
    );
}

/// A random graph of `n` nodes: some entry points (or none), measured rates, hints, cycles,
/// self-calls, calls made both ways, guessed calls; and a random assignment to 3 services.
fn random_graph(
    rng: &mut fastrand::Rng,
    n: usize,
    entries: bool,
) -> (analyzer::CallGraph, Vec<usize>) {
    let hints = ["sleep", "io-loop", "cpu-heavy", "blocking-io"];
    let nodes: Vec<analyzer::Node> = (0..n)
        .map(|i| analyzer::Node {
            id: format!("n{i:03}"),
            entry: (entries && rng.u8(..) < 40).then(|| "event".to_string()),
            invocations_per_day: (rng.u8(..) < 30).then(|| rng.f64() * 1e4),
            hints: if rng.u8(..) < 50 {
                vec![hints[rng.usize(..hints.len())].to_string()]
            } else {
                Vec::new()
            },
            ..analyzer::Node::default()
        })
        .collect();
    let edges = (0..rng.usize(0..=4 * n))
        .map(|_| {
            let mut call = analyzer::Call::new(1.0 + rng.f64(), rng.bool());
            call.confidence = if rng.bool() {
                1.0
            } else {
                0.1 + 0.9 * rng.f64()
            };
            (rng.usize(0..n), rng.usize(0..n), call)
        })
        .collect();
    let assignment = (0..n).map(|_| rng.usize(0..3)).collect();
    (analyzer::CallGraph::from_parts(nodes, edges), assignment)
}

#[test]
fn rates_are_those_of_the_condensation_to_the_last_bit() {
    // The rates as first written, over petgraph's kosaraju_scc: the walk over `Calls` must add
    // the same terms in the same order.
    fn reference(graph: &analyzer::CallGraph, config: &Config) -> Vec<f64> {
        use petgraph::algo::kosaraju_scc;
        let n = graph.node_count();
        let mut has_caller = vec![false; n];
        for (f, t, _) in graph.edges() {
            if f != t {
                has_caller[t] = true;
            }
        }
        let any_entry = graph.nodes().any(|node| node.entry.is_some());
        let mut rate = vec![0.0; n];
        let mut fixed = vec![false; n];
        for (i, node) in graph.nodes().enumerate() {
            if let Some(r) = node.invocations_per_day {
                rate[i] = r;
                fixed[i] = true;
            } else if let Some(trigger) = &node.entry {
                rate[i] = super::flow::default_rate(trigger, config);
                fixed[i] = true;
            } else if !any_entry && !has_caller[i] {
                rate[i] = config.labelling.default_http_per_day;
                fixed[i] = true;
            }
        }
        let mut components = kosaraju_scc(&graph);
        components.reverse();
        let mut component_of = vec![0usize; n];
        for (c, members) in components.iter().enumerate() {
            for m in members {
                component_of[m.index()] = c;
            }
        }
        let mut outgoing: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
        for (f, t, call) in graph.edges() {
            if f != t {
                outgoing[f].push((t, call.confidence));
            }
        }
        let mut inflow = vec![0.0; n];
        for members in &components {
            for m in members {
                if !fixed[m.index()] {
                    rate[m.index()] = inflow[m.index()];
                }
            }
            for m in members {
                let i = m.index();
                for &(t, confidence) in &outgoing[i] {
                    if component_of[t] != component_of[i] {
                        inflow[t] += rate[i] * confidence;
                    }
                }
            }
        }
        rate
    }
    let config = Config::default();
    let mut rng = fastrand::Rng::with_seed(11);
    for round in 0..300 {
        let (graph, _) = random_graph(&mut rng, 1 + round % 30, round % 3 != 0);
        let calls = crate::calls::Calls::new(&graph);
        let ours = super::flow(&graph, &calls, &config).rate;
        let theirs = reference(&graph, &config);
        assert!(
            ours.iter()
                .zip(&theirs)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "round {round}: {ours:?} against {theirs:?}"
        );
    }
}

#[test]
fn reach_and_hint_guesses_match_plain_searches() {
    let config = Config::default();
    let l = &config.labelling;
    let mut rng = fastrand::Rng::with_seed(5);
    for round in 0..300 {
        let (graph, assignment) = random_graph(&mut rng, 1 + round % 30, round % 3 != 0);
        let n = graph.node_count();
        let calls = crate::calls::Calls::new(&graph);
        // Reached: a search from the entry points (without any, from the nodes nobody calls).
        let any_entry = graph.nodes().any(|node| node.entry.is_some());
        let mut seen: Vec<bool> = (0..n)
            .map(|p| {
                if any_entry {
                    graph.node(p).entry.is_some()
                } else {
                    !calls.has_callers(p)
                }
            })
            .collect();
        let mut stack: Vec<usize> = (0..n).filter(|&p| seen[p]).collect();
        while let Some(v) = stack.pop() {
            for &t in calls.callee_nodes(v) {
                if !std::mem::replace(&mut seen[t as usize], true) {
                    stack.push(t as usize);
                }
            }
        }
        assert_eq!(
            super::flow(&graph, &calls, &config).reached,
            seen,
            "round {round}"
        );
        // Hint guesses: the slowest hint a search inside the node's service finds.
        let own: Vec<f64> = graph
            .nodes()
            .map(|node| super::flow::hinted_duration(&node.hints, l))
            .collect();
        let guesses = super::reachable_hints(&graph, &calls, &assignment, l);
        if !own.iter().any(|&d| d > l.default_duration_ms) {
            assert!(guesses.is_none());
            continue;
        }
        let guesses = guesses.expect("some node has a hint");
        for start in 0..n {
            let mut seen = vec![false; n];
            seen[start] = true;
            let (mut stack, mut best) = (vec![start], own[start]);
            while let Some(v) = stack.pop() {
                for &t in calls.callee_nodes(v) {
                    let t = t as usize;
                    if assignment[t] == assignment[v] && !std::mem::replace(&mut seen[t], true) {
                        best = best.max(own[t]);
                        stack.push(t);
                    }
                }
            }
            assert_eq!(guesses[start], best, "round {round}, node {start}");
        }
    }
}

#[test]
fn a_measured_member_counts_only_its_calls_from_outside() {
    // b::work is measured at 2,000 calls a day: half from a::in (another service), half from
    // b::in inside its own service. Service b is invoked 1,000 times a day through b::in and
    // 1,000 through b::work from outside: 2,000, not 3,000.
    let graph = load_json(
        r#"{"nodes": [
            {"id": "a::in", "module": "a", "entry": "http", "invocations_per_day": 1000},
            {"id": "a::x", "module": "a"},
            {"id": "b::in", "module": "b", "entry": "event", "invocations_per_day": 1000},
            {"id": "b::work", "module": "b", "invocations_per_day": 2000}],
          "edges": [{"from": "a::in", "to": "a::x", "weight": 5},
                    {"from": "a::in", "to": "b::work"},
                    {"from": "b::in", "to": "b::work", "weight": 5}]}"#,
    )
    .expect("valid");
    let mut config = Config::default();
    config.clustering.services = Some(2);
    let p = plan(&graph, &config).expect("plans");
    let b = p
        .clusters
        .iter()
        .find(|s| s.members.iter().any(|m| m == "b::work"))
        .expect("b's service");
    assert_eq!(b.members, ["b::in", "b::work"], "{:#?}", p.clusters);
    let per_day = b.rationale.signals.invocations_per_month / (365.0 / 12.0);
    assert!((per_day - 2000.0).abs() < 1.0, "{per_day} a day");
}
