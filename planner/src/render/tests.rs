//! Rendering: snapshots of the outputs for a small plan, escaping, and the size caps.

use analyzer::{Call, CallGraph, Node, load_json};

use crate::{Config, plan, render};

pub(crate) fn small_plan() -> crate::Plan {
    let graph = load_json(
        r#"{"nodes": [
            {"id": "a::in", "module": "a", "entry": "http", "invocations_per_day": 5000000, "duration_ms": {"p50": 20}},
            {"id": "a::x", "module": "a", "stateful": true}, {"id": "a::y", "module": "a"},
            {"id": "b::on_event", "module": "b", "entry": "event", "invocations_per_day": 300, "duration_ms": {"p50": 800}},
            {"id": "b::p", "module": "b"}, {"id": "b::q", "module": "b"}],
          "edges": [{"from": "a::in", "to": "a::x", "weight": 3}, {"from": "a::x", "to": "a::y", "weight": 3},
                    {"from": "a::in", "to": "a::y", "weight": 3}, {"from": "a::in", "to": "b::on_event", "async": true},
                    {"from": "b::on_event", "to": "b::p", "weight": 3}, {"from": "b::p", "to": "b::q", "weight": 3},
                    {"from": "b::on_event", "to": "b::q", "weight": 3}]}"#,
    )
    .expect("valid");
    plan(&graph, &Config::default()).expect("plans")
}

#[test]
fn summary_snapshot() {
    insta::assert_snapshot!(render::summary(&small_plan()));
}

#[test]
fn dot_snapshot() {
    insta::assert_snapshot!(render::dot(&small_plan()));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(render::markdown(&small_plan()));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(render::json(&small_plan()));
}

#[test]
fn huge_plans_draw_a_bounded_diagram() {
    // 3000 nodes in 600 services: the diagram keeps 150 services, one node for the rest, and at
    // most 400 links.
    let nodes: Vec<Node> = (0..3000)
        .map(|i| Node {
            id: format!("m{}::f{i}", i / 5),
            module: Some(format!("m{}", i / 5)),
            ..Node::default()
        })
        .collect();
    let mut edges = Vec::new();
    for i in 0..3000usize {
        let call = Call::new(1.0, false);
        edges.push((i, (i / 5) * 5 + (i + 1) % 5, call));
        edges.push((i, (i * 7919 + 13) % 3000, call));
    }
    let graph = CallGraph::from_parts(nodes, edges);
    let mut config = Config::default();
    config.clustering.services = Some(600);
    let p = plan(&graph, &config).expect("plans");
    assert_eq!(p.clusters.len(), 600);
    let dot = render::dot(&p);
    let parsed = graphviz_rust::parse(&dot).expect("parses");
    let text = format!("{parsed:?}");
    assert!(dot.contains("smaller services"), "rest node");
    let service_nodes = dot
        .lines()
        .filter(|l| l.trim_start().starts_with("\"s"))
        .filter(|l| !l.contains("->"))
        .count();
    assert!(
        service_nodes <= super::dot::MAX_DRAWN_SERVICES,
        "{service_nodes} service nodes"
    );
    let links = dot.matches("->").count();
    assert!(links <= super::dot::MAX_DRAWN_LINKS + 2, "{links} links");
    assert!(!text.is_empty());
}

#[test]
fn dot_escapes_quotes_and_backslashes() {
    assert_eq!(super::dot::escape(r#"a"b\c"#), r#"a\"b\\c"#);
    assert_eq!(super::dot::escape("line\nbreak"), "line break");
    assert_eq!(
        super::dot::escape("nul\0bel\u{7}"),
        "nul\u{fffd}bel\u{fffd}"
    );
    let long_a = format!("{}a", "x".repeat(20_000));
    let long_b = format!("{}b", "x".repeat(20_000));
    let (a, b) = (super::dot::escape(&long_a), super::dot::escape(&long_b));
    assert!(a.chars().count() < super::dot::MAX_DOT_TEXT + 20, "clipped");
    assert_ne!(a, b, "clipped ids stay distinct");
}

#[test]
fn markdown_escapes_markup() {
    assert_eq!(super::markdown::esc("a|b*c_<d>"), r"a\|b\*c\_&lt;d&gt;");
}

/// Cells of one Markdown table row: split at pipes not escaped with a backslash.
fn cells(row: &str) -> usize {
    let mut count: usize = 0;
    let mut escaped = false;
    for c in row.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => count += 1,
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    count.saturating_sub(1)
}

/// Ids and names from an earlier plan.json are input: no markup they hold survives into plan.md,
/// and every table row has as many cells as its header.
#[test]
fn markdown_tables_hold_their_shape_and_input_is_escaped() {
    let mut p = small_plan();
    assert!(
        !p.cross_calls.is_empty(),
        "the small plan has calls between services"
    );
    let hostile = "<img src=x onerror=alert(1)>|`x`";
    let old_id = p.clusters[0].id.clone();
    p.clusters[0].id = hostile.to_string();
    p.clusters[0].name = format!("name {hostile}");
    for c in &mut p.cross_calls {
        if c.from == old_id {
            c.from = hostile.to_string();
        }
        if c.to == old_id {
            c.to = hostile.to_string();
        }
    }
    let md = render::markdown(&p);
    assert!(!md.contains("<img"), "{md}");
    let mut header = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        match header {
            None => header = Some(cells(line)),
            Some(n) => assert_eq!(cells(line), n, "row {line:?} under a {n}-cell header"),
        }
    }
}

#[test]
fn a_link_made_of_shares_of_calls_shows_its_weight() {
    // A Rust call dispatched to one of four impls weighs 0.25 on each edge: a link made of such
    // shares reads its weight, not `weight 0`.
    let v = super::dot::Volume {
        sync_weight: 0.25,
        async_weight: 0.0,
        per_day: 0.0,
    };
    assert_eq!(super::dot::link_label(&v, false), "weight 0.25");
    let v = super::dot::Volume {
        sync_weight: 1234.4,
        ..v
    };
    assert_eq!(super::dot::link_label(&v, false), "weight 1,234");
    assert_eq!(super::weight(0.0), "0");
    assert_eq!(super::weight(0.999), "1");
}
