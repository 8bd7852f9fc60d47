//! The scanner against serde_json: whatever it reads, serde_json reads to the same values and
//! ends at the same place; whatever serde_json rejects, it gives up on.

use super::{edge, node};
use crate::json::{RawEdge, RawNode};

/// Elements of every kind the scanner must read, or give up on.
const EDGES: &[&str] = &[
    r#"{"from":"a","to":"b"}"#,
    r#"{ "from" : "a" ,	"to":"b"
       }"#,
    r#"{"to":"b","from":"a","weight":0}"#,
    r#"{"from":"a","to":"b","weight":7,"async":true,"confidence":1}"#,
    r#"{"from":"a","to":"b","async":false}"#,
    r#"{"from":"é::x","to":"😀"}"#,
    r#"{"from":"a","to":"b","weight":123456789012345}"#,
    r#"{"from":"a","to":"b","weight":1234567890123456}"#,
    r#"{"from":"a","to":"b","weight":12345678901234567890123}"#,
    r#"{"from":"a","to":"b","weight":012}"#,
    r#"{"from":"a","to":"b","weight":00}"#,
    r#"{"from":"a","to":"b","weight":2.5}"#,
    r#"{"from":"a","to":"b","weight":2e3}"#,
    r#"{"from":"a","to":"b","weight":2E-1}"#,
    r#"{"from":"a","to":"b","weight":-1}"#,
    r#"{"from":"a","to":"b","weight":-0}"#,
    r#"{"from":"a","to":"b","weight":null}"#,
    r#"{"from":"a","to":"b","weight":"1"}"#,
    r#"{"from":"a","to":"b","weight":12x}"#,
    r#"{"from":"a","to":"b","async":truex}"#,
    r#"{"from":"a","to":"b","async":tru}"#,
    r#"{"from":"a","to":"b","async":1}"#,
    r#"{"from":"a","from":"b","to":"c"}"#,
    r#"{"from":"a","to":"b","to":"c"}"#,
    r#"{"from":"a","to":"b","extra":1}"#,
    r#"{"from":"a","to":"b",}"#,
    r#"{"from":"a","to":"b""#,
    r#"{"from":"a" "to":"b"}"#,
    r#"{"from":"a","to":"b"]"#,
    r#"{"from":"a\"b","to":"b"}"#,
    r#"{"from":"a\u0062","to":"b"}"#,
    r#"{"fr\u006fm":"a","to":"b"}"#,
    "{\"from\":\"a\tb\",\"to\":\"b\"}",
    "{\"from\":\"a\u{1}b\",\"to\":\"b\"}",
    r#"{"from":"a"}"#,
    r#"{}"#,
    r#"{ }"#,
    r#"[]"#,
    r#""a""#,
    r#"{"from":"a","to":"b"} , {"from":"c","to":"d"}"#,
];

/// Nodes likewise.
const NODES: &[&str] = &[
    r#"{"id":"a"}"#,
    r#"{"id":"a","module":"m"}"#,
    r#"{ "module" : "m" , "id" : "a" }"#,
    r#"{"id":"a","module":null}"#,
    r#"{"id":"a","module":"m","resources":["db"]}"#,
    r#"{"id":"a","id":"b"}"#,
    r#"{"module":"m"}"#,
    r#"{"id":5}"#,
    r#"{"id":"a\\b"}"#,
    r#"{"id":"a","stateful":true}"#,
];

/// The edge as serde_json reads it, with where it ends.
fn serde_edge(text: &str) -> Option<(RawEdge<'_>, usize)> {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<RawEdge<'_>>();
    let edge = values.next()?.ok()?;
    Some((edge, values.byte_offset()))
}

/// The node as serde_json reads it, with where it ends.
fn serde_node(text: &str) -> Option<(RawNode<'_>, usize)> {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<RawNode<'_>>();
    let node = values.next()?.ok()?;
    Some((node, values.byte_offset()))
}

/// An edge's fields, to compare.
fn fields(edge: &RawEdge<'_>) -> String {
    format!(
        "{:?} {:?} {:?} {:?} {:?}",
        edge.from, edge.to, edge.weight, edge.is_async, edge.confidence
    )
}

#[test]
fn edges_read_as_serde_reads_them() {
    let mut read = Vec::new();
    for (i, text) in EDGES.iter().enumerate() {
        if let Some((scanned, end)) = edge(text, 0) {
            read.push(i);
            let (parsed, parsed_end) =
                serde_edge(text).expect("serde reads what the scanner reads");
            assert_eq!(fields(&scanned), fields(&parsed), "on {text}");
            assert_eq!(end, parsed_end, "on {text}");
        }
    }
    assert_eq!(read, [0, 1, 2, 3, 4, 5, 6, 39], "the plain edges are read");
}

#[test]
fn nodes_read_as_serde_reads_them() {
    let mut read = Vec::new();
    for (i, text) in NODES.iter().enumerate() {
        if let Some((scanned, end)) = node(text, 0) {
            read.push(i);
            let (parsed, parsed_end) =
                serde_node(text).expect("serde reads what the scanner reads");
            assert_eq!(scanned.into_node(), parsed.into_node(), "on {text}");
            assert_eq!(end, parsed_end, "on {text}");
        }
    }
    assert_eq!(read, [0, 1, 2], "the plain nodes are read");
}
