//! Explanation cases: a small plan in, the ties, neighbours and decisions out.

use analyzer::load_json;

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
    let e = explain_node(&p, "a::in", Some(&g)).expect("placed");
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
    let bare = explain_node(&p, "a::x", None).expect("placed");
    assert!(bare.stateful && bare.ties.is_none());
    assert!(node_text(&bare, Some("pass --input")).contains("ties: unknown — pass --input"));
    assert!(explain_node(&p, "nope", Some(&g)).is_none());
}

#[test]
fn a_service_lists_its_neighbours() {
    let p = plan(&graph(), &Config::default()).expect("plans");
    let id = p.clusters[0].id.clone();
    let e = explain_service(&p, &id).expect("found");
    assert_eq!(e.neighbours.len(), 1);
    let by_name = explain_service(&p, &p.clusters[0].name.to_uppercase()).expect("by name");
    assert_eq!(by_name.service.id, id);
    let text = service_text(&e);
    assert!(
        text.contains("neighbours") && text.contains("reasons"),
        "{text}"
    );
}

#[test]
fn decisions_are_read_from_what_planning_recorded() {
    // Brace alternatives and module patterns are matched by the planner's own glob set: the
    // explanation reads which nodes each decision matched instead of matching again.
    let g = graph();
    let config = crate::parse_config(
        r#"
        [[service]]
        name = "payments"
        nodes = ["a::{x,y}"]
        [[apart]]
        modules = ["b"]
        nodes = ["a::in"]
        "#,
    )
    .expect("valid decisions");
    let p = plan(&g, &config).expect("plans");
    let e = explain_node(&p, "a::x", None).expect("placed");
    let titles: Vec<&str> = e.decisions.iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles, ["[[service]] `payments`"]);
    assert_eq!(e.decisions[0].patterns, ["nodes = `a::{x,y}`"]);
    let e = explain_node(&p, "b::q", None).expect("placed");
    let titles: Vec<&str> = e.decisions.iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles, ["[[apart]] #1"]);
    assert!(
        explain_node(&p, "a::in", None)
            .expect("placed")
            .decisions
            .len()
            == 1
    );
    let payments = p
        .clusters
        .iter()
        .find(|s| s.name == "payments")
        .expect("named");
    let e = explain_service(&p, &payments.id).expect("found");
    assert_eq!(e.decisions.len(), 2, "{:?}", e.decisions);
    assert!(
        node_text(&explain_node(&p, "a::x", None).expect("placed"), None)
            .contains("[[service]] `payments`: nodes = `a::{x,y}`")
    );
}

#[test]
fn users_of_in_process_state_stay_together_and_say_why() {
    let g = load_json(
        r#"{"nodes": [
            {"id": "chat::connect", "module": "chat", "entry": "websocket", "stateful": true, "resources": ["mem:rooms"]},
            {"id": "chat::join", "module": "chat", "resources": ["mem:rooms"]},
            {"id": "admin::list_rooms", "module": "admin", "entry": "http", "resources": ["mem:rooms"], "invocations_per_day": 20},
            {"id": "admin::audit", "module": "admin"}],
          "edges": [{"from": "chat::connect", "to": "chat::join", "weight": 3},
                    {"from": "admin::list_rooms", "to": "admin::audit"}]}"#,
    )
    .expect("valid");
    let p = plan(&g, &Config::default()).expect("plans");
    let e = explain_node(&p, "admin::list_rooms", Some(&g)).expect("placed");
    assert_eq!(e.in_process_state, ["mem:rooms"]);
    assert_eq!(
        e.service.name,
        explain_node(&p, "chat::join", Some(&g))
            .expect("placed")
            .service
            .name
    );
    assert!(node_text(&e, None).contains("uses in-process state (mem:rooms)"));
}
