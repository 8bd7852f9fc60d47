//! The service-level diagram of the hybrid, built as a graphviz-rust syntax tree and printed as
//! DOT. One node per service (never per function: Graphviz cannot lay out thousands of nodes),
//! calls between services aggregated with their volume, async calls dashed, shared code marked,
//! and a legend.

use std::collections::{BTreeMap, BTreeSet};

use graphviz_rust::dot_structures::{
    Attribute, Edge, EdgeTy, Graph, GraphAttributes, Id, Node, NodeId, Stmt, Subgraph, Vertex,
};
use graphviz_rust::printer::{DotPrinter, PrinterContext};

use super::{clip, compact, plural, thousands};
use crate::plan::{Label, Plan, Service};

/// Most inter-service links drawn; lighter ones are counted in the title instead.
pub const MAX_DRAWN_LINKS: usize = 400;
/// Most services drawn one by one; the smaller rest share one node (the plan lists them all).
pub const MAX_DRAWN_SERVICES: usize = 150;
/// Node id of the node standing for the services not drawn one by one.
const REST: &str = "rest";

/// Sync weight, async weight and estimated calls per day of one drawn link.
type Volume = (f64, f64, f64);

/// The plan's diagram in the DOT language.
///
/// # Complexity
/// O((K + L) log(K + L)) for K services and L links; the output has at most 151 service nodes and
/// 400 links, so Graphviz lays it out in seconds whatever the input size.
pub fn dot(plan: &Plan) -> String {
    let microservices = plan
        .clusters
        .iter()
        .filter(|s| s.label == Label::Microservice)
        .count();
    let functions = plan.clusters.len() - microservices;
    // Services beyond the cap (the smallest: clusters are sorted by size) fold into one node, and
    // their links with it.
    let drawn = plan.clusters.len().min(MAX_DRAWN_SERVICES);
    let hidden = &plan.clusters[drawn..];
    let hidden_ids: BTreeSet<&str> = hidden.iter().map(|s| s.id.as_str()).collect();
    let endpoint = |id: &str| -> String {
        if hidden_ids.contains(id) {
            REST.to_string()
        } else {
            id.to_string()
        }
    };
    let mut links: BTreeMap<(String, String), Volume> = BTreeMap::new();
    for c in &plan.cross_calls {
        let key = (endpoint(&c.from), endpoint(&c.to));
        if key.0 == key.1 {
            continue;
        }
        let e = links.entry(key).or_default();
        e.0 += c.sync_weight;
        e.1 += c.async_weight;
        e.2 += c.calls_per_day;
    }
    let mut links: Vec<((String, String), Volume)> = links.into_iter().collect();
    links.sort_by(|a, b| {
        (b.1.0 + b.1.1)
            .total_cmp(&(a.1.0 + a.1.1))
            .then_with(|| a.0.cmp(&b.0))
    });
    let omitted = links.len().saturating_sub(MAX_DRAWN_LINKS);
    let mut title = vec![format!(
        "cleave plan: {} ({}, {}) from {} nodes",
        plural(plan.clusters.len(), "service"),
        plural(microservices, "microservice"),
        plural(functions, "function"),
        thousands(plan.input.nodes as f64)
    )];
    if !hidden.is_empty() {
        title.push(format!(
            "the {} smallest services are drawn as one node",
            hidden.len()
        ));
    }
    if omitted > 0 {
        title.push(format!(
            "{omitted} lighter links between services not drawn"
        ));
    }
    let mut stmts = vec![
        Stmt::GAttribute(GraphAttributes::Graph(vec![
            lines_attr("label", &title),
            attr("rankdir", "LR"),
            attr("labelloc", "t"),
            attr("fontname", "Helvetica"),
            attr("fontsize", "14"),
            attr("nodesep", "0.35"),
            attr("ranksep", "0.9"),
            attr("outputorder", "edgesfirst"),
        ])),
        Stmt::GAttribute(GraphAttributes::Node(vec![
            attr("fontname", "Helvetica"),
            attr("fontsize", "11"),
        ])),
        Stmt::GAttribute(GraphAttributes::Edge(vec![
            attr("fontname", "Helvetica"),
            attr("fontsize", "9"),
            attr("color", "#555555"),
            attr("fontcolor", "#333333"),
        ])),
    ];
    for s in &plan.clusters[..drawn] {
        stmts.push(Stmt::Node(Node::new(node_id(&s.id), service_attrs(s))));
    }
    if !hidden.is_empty() {
        let members: usize = hidden.iter().map(|s| s.size).sum();
        let functions = hidden.iter().filter(|s| s.label == Label::Function).count();
        let lines = vec![
            format!("{} smaller services", hidden.len()),
            format!(
                "{} microservices · {} functions",
                hidden.len() - functions,
                functions
            ),
            format!("{members} members (see plan.md)"),
        ];
        stmts.push(Stmt::Node(Node::new(
            node_id(REST),
            vec![
                lines_attr("label", &lines),
                attr("shape", "folder"),
                attr("style", "filled"),
                attr("fillcolor", "#f5f5f5"),
            ],
        )));
    }
    let max_weight = links
        .iter()
        .map(|(_, (s, a, _))| s + a)
        .fold(0.0f64, f64::max);
    for ((from, to), (sync_weight, async_weight, per_day)) in links.iter().take(MAX_DRAWN_LINKS) {
        let total: f64 = sync_weight + async_weight;
        let mut label = if *async_weight > 0.0 && *sync_weight > 0.0 {
            format!(
                "weight {} sync + {} async",
                thousands(*sync_weight),
                thousands(*async_weight)
            )
        } else {
            format!("weight {}", thousands(total))
        };
        if *per_day >= 1.0 {
            label = format!("≈{}/day · {label}", compact(*per_day));
        }
        let width = 1.0 + 3.0 * ((1.0 + total).ln() / (1.0 + max_weight).ln().max(1e-9));
        let mut attributes = vec![
            attr("label", &label),
            attr("penwidth", &format!("{width:.2}")),
        ];
        if *sync_weight == 0.0 {
            attributes.push(attr("style", "dashed"));
        }
        stmts.push(Stmt::Edge(Edge {
            ty: EdgeTy::Pair(Vertex::N(node_id(from)), Vertex::N(node_id(to))),
            attributes,
        }));
    }
    stmts.push(Stmt::Subgraph(legend()));
    let graph = Graph::DiGraph {
        id: Id::Plain("plan".to_string()),
        strict: false,
        stmts,
    };
    let mut text = graph.print(&mut PrinterContext::default());
    text.push('\n');
    text
}

fn service_attrs(s: &Service) -> Vec<Attribute> {
    let shared_only = !s.shared_members.is_empty() && s.shared_members.len() * 2 >= s.size;
    let mut lines = vec![
        clip(&s.name, 40),
        format!("{} · {} · {} members", s.id, s.label.as_str(), s.size),
        format!(
            "${:.2}/month · {}",
            s.cost.chosen_monthly_usd, s.confidence.basis
        ),
    ];
    if shared_only {
        lines.push("shared code".to_string());
    } else if !s.shared_members.is_empty() {
        lines.push(format!(
            "+{} shared utility members",
            s.shared_members.len()
        ));
    }
    let (shape, fill, style) = match (s.label, shared_only) {
        (_, true) => ("note", "#eeeeee", "filled,dashed"),
        (Label::Microservice, false) => ("box", "#cfe2ff", "filled,rounded"),
        (Label::Function, false) => ("hexagon", "#ffe0b3", "filled"),
    };
    vec![
        lines_attr("label", &lines),
        attr("shape", shape),
        attr("style", style),
        attr("fillcolor", fill),
        attr("tooltip", &format!("{}: {}", s.name, s.rationale.summary)),
    ]
}

fn legend() -> Subgraph {
    let item = |id: &str, label: &str, shape: &str, style: &str, fill: &str| {
        Stmt::Node(Node::new(
            node_id(id),
            vec![
                attr("label", label),
                attr("shape", shape),
                attr("style", style),
                attr("fillcolor", fill),
            ],
        ))
    };
    let plain = |id: &str| {
        Stmt::Node(Node::new(
            node_id(id),
            vec![
                attr("label", ""),
                attr("shape", "point"),
                attr("width", "0.05"),
            ],
        ))
    };
    let link = |from: &str, to: &str, label: &str, style: &str| {
        Stmt::Edge(Edge {
            ty: EdgeTy::Pair(Vertex::N(node_id(from)), Vertex::N(node_id(to))),
            attributes: vec![attr("label", label), attr("style", style)],
        })
    };
    Subgraph {
        id: Id::Plain("cluster_legend".to_string()),
        stmts: vec![
            Stmt::Attribute(attr("label", "Legend")),
            Stmt::Attribute(attr("fontname", "Helvetica")),
            Stmt::Attribute(attr("style", "dashed")),
            item(
                "legend_microservice",
                "microservice",
                "box",
                "filled,rounded",
                "#cfe2ff",
            ),
            item(
                "legend_function",
                "function",
                "hexagon",
                "filled",
                "#ffe0b3",
            ),
            item(
                "legend_shared",
                "shared code",
                "note",
                "filled,dashed",
                "#eeeeee",
            ),
            plain("legend_a"),
            plain("legend_b"),
            plain("legend_c"),
            plain("legend_d"),
            link("legend_a", "legend_b", "blocking calls", "solid"),
            link("legend_c", "legend_d", "async messages", "dashed"),
        ],
    }
}

/// A node id, quoted and escaped (any name is safe).
pub(super) fn node_id(id: &str) -> NodeId {
    NodeId(Id::Escaped(format!("\"{}\"", escape(id))), None)
}

/// An attribute with a quoted, escaped value.
pub(super) fn attr(key: &str, value: &str) -> Attribute {
    Attribute(
        Id::Plain(key.to_string()),
        Id::Escaped(format!("\"{}\"", escape(value))),
    )
}

/// A multi-line attribute: each line escaped, joined with DOT's centred line break.
pub(super) fn lines_attr(key: &str, lines: &[String]) -> Attribute {
    let joined = lines
        .iter()
        .map(|l| escape(l))
        .collect::<Vec<_>>()
        .join("\\n");
    Attribute(
        Id::Plain(key.to_string()),
        Id::Escaped(format!("\"{joined}\"")),
    )
}

/// Longest text written into a DOT id or label, in characters: Graphviz fails on strings over
/// 16,384, and no reader wants a longer label. Longer text keeps its head, then `…` and a short
/// hash of the whole, so that clipped ids stay distinct.
pub(crate) const MAX_DOT_TEXT: usize = 1_000;

/// Escapes a string for a double-quoted DOT id: backslashes and quotes escaped; line breaks,
/// tabs and every other control character (which make `dot` fail, or its SVG ill-formed XML)
/// and the non-characters U+FFFE/U+FFFF become spaces or U+FFFD; clipped to [`MAX_DOT_TEXT`].
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(4 * MAX_DOT_TEXT));
    let clipped = s.chars().count() > MAX_DOT_TEXT;
    for ch in s.chars().take(MAX_DOT_TEXT) {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    if clipped {
        // FNV-1a of the whole text: distinct texts with one head stay distinct.
        let hash = s.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        out.push_str(&format!("…#{hash:016x}"));
    }
    out
}
