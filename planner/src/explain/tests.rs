//! Explanation cases: a small plan in, the ties, neighbours and decisions out.

use analyzer::load_json;

use super::glob;
use crate::{Config, explain_node, explain_service, node_text, plan, service_text};

fn graph() -> analyzer::CallGraph {
    load_json(
        r#"{"nodes": [
            {"id": "a::in", "module": "a", "entry": "http"}, {"id": "a::x", "module": "a", "stateful": true},
            {"id": "a::y", "module": "a"}, {"id": "b::on", "module": "b", "entry": "event"},
            {"id": "b::p", "module": "b"}, {"id": "b::q", "module": "b"}],
          "edges": [{"from": "a::in", "to": "a::x", "weight": 3}, {"from": "a::x", "to": "a::y", "weight": 3},
                    {"from": "a::in", "to": "a::y", "weight": 3}, {"from": "a::in", "to": "b::on", "async": true},
                    {"from": "b::on", "to": "b::p", "weight": 3}, {"from": "b::p", "to": "b::q", "weight": 3},
                    {"from": "b::on", "to": "b::q", "weight": 3}]}"#,
    )
    .expect("valid")
}

#[test]
fn a_node_weighs_its_ties_by_service() {
    let g = graph();
    let p = plan(&g, &Config::default()).expect("plans");
    let e = explain_node(&p, "a::in", Some(&g), None).expect("placed");
    let ties = e.ties.as_ref().expect("graph given");
    assert_eq!(ties.inside, 6.0);
    assert_eq!(ties.towards.len(), 1);
    assert_eq!(ties.towards[0].weight, 1.0);
    assert!(
        ties.calls_out
            .iter()
            .any(|t| t.node == "b::on" && t.is_async)
    );
    assert_eq!(e.entry_point.as_deref(), Some("http"));
    insta::assert_snapshot!(node_text(&e, None));
    let bare = explain_node(&p, "a::x", None, None).expect("placed");
    assert!(bare.stateful && bare.ties.is_none());
    assert!(node_text(&bare, Some("pass --input")).contains("ties: unknown — pass --input"));
    assert!(explain_node(&p, "nope", Some(&g), None).is_none());
}

#[test]
fn a_service_lists_its_neighbours() {
    let p = plan(&graph(), &Config::default()).expect("plans");
    let id = p.clusters[0].id.clone();
    let e = explain_service(&p, &id, None).expect("found");
    assert_eq!(e.neighbours.len(), 1);
    let by_name = explain_service(&p, &p.clusters[0].name.to_uppercase(), None).expect("by name");
    assert_eq!(by_name.service.id, id);
    let text = service_text(&e);
    assert!(
        text.contains("neighbours") && text.contains("reasons"),
        "{text}"
    );
}

#[test]
fn decisions_are_found_whatever_their_shape() {
    let g = graph();
    let p = plan(&g, &Config::default()).expect("plans");
    let decisions = serde_json::json!({
        "applied": [
            {"kind": "pin", "service": "payments", "patterns": ["a::*"]},
            {"kind": "apart", "nodes": ["b::p", "b::q"]}
        ],
        "unmatched": [{"kind": "exclude", "patterns": ["tests::**"]}]
    });
    let e = explain_node(&p, "a::x", None, Some(&decisions)).expect("placed");
    assert_eq!(e.decisions.len(), 1);
    assert!(e.decisions[0].contains("payments"));
    let e = explain_node(&p, "b::q", None, Some(&decisions)).expect("placed");
    assert_eq!(e.decisions.len(), 1);
    assert!(e.decisions[0].contains("apart"));
}

#[test]
fn globs_match_runs_and_single_characters() {
    assert!(glob("a::*", "a::x"));
    assert!(glob("**::save", "shop::orders::save"));
    assert!(glob("a::?", "a::x"));
    assert!(!glob("a::?", "a::xy"));
    assert!(!glob("b::*", "a::x"));
}
