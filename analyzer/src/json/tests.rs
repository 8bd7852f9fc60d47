//! Data-driven tests of the JSON format: input text in, the loaded graph (as JSON) or the error
//! message out.

use crate::{load_json, to_json};

/// Each case: input, expected error message.
const ERRORS: &[(&str, &str)] = &[
    (
        "{\"nodes\": [\n  {\"id\": \"a\",}\n]}",
        "trailing comma at line 2, column 14 (at `nodes[0]`)",
    ),
    (
        r#"{"nodes": [{"id": "a"}, {"id": 5}]}"#,
        "invalid type: integer `5`, expected a string at line 1, column 32 (at `nodes[1].id`)",
    ),
    (
        r#"{"nodes": [{"module": "m"}]}"#,
        "missing field `id` at line 1, column 26 (at `nodes[0]`)",
    ),
    (
        r#"{"nodes": [{"id": "a"}], "edges": [{"to": "a"}]}"#,
        "missing field `from` at line 1, column 46 (at `edges[0]`)",
    ),
    (
        r#"{"nodes": [{"id": "a"}, {"id": "a"}]}"#,
        "duplicate node id `a` at nodes[1] (first defined at nodes[0]): node ids must be unique",
    ),
    (
        r#"{"nodes": [{"id": "orders::place"}], "edges": [{"from": "orders::place", "to": "orders::plac"}]}"#,
        "edges[0].to names unknown node `orders::plac`: did you mean `orders::place`? Add the node to `nodes` or fix the id",
    ),
    (
        r#"{"nodes": [{"id": "a"}], "edges": [{"from": "zzz", "to": "a"}]}"#,
        "edges[0].from names unknown node `zzz`: add the node to `nodes` or fix the id",
    ),
    (
        r#"{"nodes": [{"id": "a", "memory_mb": -1}]}"#,
        "nodes[0].memory_mb is -1: it must be a finite number from 0 to 1e12",
    ),
    (
        r#"{"nodes": [{"id": "a", "duration_ms": {"max": -0.5}}]}"#,
        "nodes[0].duration_ms.max is -0.5: it must be a finite number from 0 to 1e12",
    ),
    (
        r#"{"nodes": []}"#,
        "the call graph has no nodes: add at least one entry to `nodes`",
    ),
    (
        r#"{"nodes": [{"id": "a"}]} trailing"#,
        "trailing characters at line 1, column 26",
    ),
    ("", "EOF while parsing a value at line 1, column 0"),
    (
        r#"{"nodes": [{"id": "a"}], "edges": [{"from": "a", "to": "a", "confidence": 0}]}"#,
        "edges[0].confidence is 0: a confidence must be in (0, 1]; leave it out for a certain call",
    ),
];

#[test]
fn bad_inputs_give_precise_errors() {
    let mut wrong = Vec::new();
    for (input, expected) in ERRORS {
        match load_json(input) {
            Ok(_) => wrong.push(format!("accepted bad input: {input}")),
            Err(e) if e.to_string() != *expected => wrong.push(format!(
                "for {input}\n  got:      {e}\n  expected: {expected}"
            )),
            Err(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn loads_sorts_merges_and_writes_back() {
    let input = r#"{
        "version": 1, "producer": "ignored",
        "nodes": [
            {"id": "b", "module": "m", "resources": ["db:y", "db:x", "db:y"], "extra": 1},
            {"id": "a", "entry": "http", "invocations_per_day": 10, "duration_ms": {"p50": 5}},
            {"id": "c", "stateful": true, "memory_mb": 256}
        ],
        "edges": [
            {"from": "a", "to": "b"},
            {"from": "a", "to": "b", "weight": 2.5},
            {"from": "a", "to": "b", "async": true},
            {"from": "c", "to": "c"},
            {"from": "b", "to": "c", "weight": 0}
        ]
    }"#;
    let graph = load_json(input).expect("valid");
    insta::assert_snapshot!(to_json(&graph), @r#"
    {
      "version": 1,
      "nodes": [
        {
          "id": "a",
          "entry": "http",
          "invocations_per_day": 10.0,
          "duration_ms": {
            "p50": 5.0
          }
        },
        {
          "id": "b",
          "module": "m",
          "resources": [
            "db:x",
            "db:y"
          ]
        },
        {
          "id": "c",
          "stateful": true,
          "memory_mb": 256.0
        }
      ],
      "edges": [
        {
          "from": "a",
          "to": "b",
          "weight": 3.5
        },
        {
          "from": "a",
          "to": "b",
          "weight": 1.0,
          "async": true
        },
        {
          "from": "b",
          "to": "c",
          "weight": 0.0
        },
        {
          "from": "c",
          "to": "c",
          "weight": 1.0
        }
      ]
    }
    "#);
    // The written form reads back to the same graph.
    let again = load_json(&to_json(&graph)).expect("round trip");
    assert_eq!(to_json(&again), to_json(&graph));
    assert_eq!(graph.position("b"), Some(1));
    assert_eq!(graph.position("zz"), None);
}

#[test]
fn node_order_in_the_file_does_not_matter() {
    let one = r#"{"nodes": [{"id": "x"}, {"id": "y"}], "edges": [{"from": "y", "to": "x"}]}"#;
    let two = r#"{"nodes": [{"id": "y"}, {"id": "x"}], "edges": [{"from": "y", "to": "x"}]}"#;
    let a = load_json(one).expect("valid");
    let b = load_json(two).expect("valid");
    assert_eq!(to_json(&a), to_json(&b));
}

#[test]
fn static_hints_locations_and_confidence_round_trip() {
    let input = r#"{"nodes": [{"id": "a", "hints": ["sleep"], "location": "src/a.rs:3"}, {"id": "b"}],
        "edges": [{"from": "a", "to": "b", "confidence": 0.5}, {"from": "a", "to": "b", "confidence": 0.25}]}"#;
    let graph = load_json(input).expect("valid");
    assert_eq!(graph.node(0).hints, ["sleep"]);
    assert_eq!(graph.node(0).location.as_deref(), Some("src/a.rs:3"));
    let (_, _, call) = graph.edges().next().expect("one merged edge");
    assert_eq!((call.weight, call.confidence), (2.0, 0.5));
    let again = load_json(&to_json(&graph)).expect("round trip");
    assert_eq!(to_json(&again), to_json(&graph));
}
