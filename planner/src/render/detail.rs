//! The detail diagram of one service, built as a graphviz-rust syntax tree and printed as DOT: its
//! members (the most connected ones when there are many), the calls among them, and its calls in
//! and out aggregated per neighbouring service. Capped so that Graphviz lays it out in seconds.

use std::collections::{BTreeMap, HashMap, HashSet};

use analyzer::CallGraph;
use graphviz_rust::dot_structures::{
    Edge, EdgeTy, Graph, GraphAttributes, Id, Node, NodeId, Stmt, Subgraph, Vertex,
};
use graphviz_rust::printer::{DotPrinter, PrinterContext};

use super::dot::{attr, lines_attr, node_id as quoted};
use super::{clip, plural, weight as weight_label};
use crate::plan::{Label, Plan, Service};

/// Most members drawn one by one (by weighted degree); the rest share one node.
pub const MAX_DETAIL_MEMBERS: usize = 150;
/// Most neighbouring services drawn one by one (by call weight); the rest share one node.
pub const MAX_DETAIL_NEIGHBOURS: usize = 40;
/// Most edges drawn (heaviest first); lighter ones are counted in the title.
pub const MAX_DETAIL_EDGES: usize = 500;

/// Node id of the members not drawn one by one.
const OTHER_MEMBERS: &str = "other members";
/// Node id of the neighbouring services not drawn one by one.
const OTHER_SERVICES: &str = "other services";
/// Node id of callers or callees that no service of the plan holds (plan and graph differ).
const UNPLANNED: &str = "not in the plan";

/// A drawn edge: caller, callee, async.
type Link = (End, End, bool);
/// Summed weight and number of node-level calls of a drawn edge.
type Volume = (f64, usize);

/// An endpoint of a drawn edge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum End {
    /// A member drawn one by one (node position in the graph).
    Member(usize),
    /// The members not drawn one by one.
    OtherMembers,
    /// A neighbouring service (index into `plan.clusters`).
    Service(usize),
    /// The neighbouring services not drawn one by one.
    OtherServices,
    /// A node that no service holds.
    Unplanned,
}

/// The detail diagram of `service` in the DOT language: its members as nodes (entry points,
/// stateful and shared members marked), the calls among them, and calls in and out aggregated
/// per neighbouring service (edge labels carry the summed weight, async calls are dashed). Members
/// missing from `graph` are skipped and counted in the title.
///
/// # Complexity
/// O(V + E log E) for the graph's V nodes and E edges (one pass over the edges, then a sort of
/// the aggregated ones). The output has at most 151 member nodes, 42 other nodes and 500 edges.
pub fn detail(plan: &Plan, graph: &CallGraph, service: &Service) -> String {
    let owner: HashMap<&str, usize> = plan
        .clusters
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.members.iter().map(move |m| (m.as_str(), i)))
        .collect();
    let this = plan.clusters.iter().position(|s| s.id == service.id);
    let members: Vec<usize> = service
        .members
        .iter()
        .filter_map(|m| graph.position(m))
        .collect();
    let missing = service.members.len() - members.len();
    let mut degree: HashMap<usize, f64> = members.iter().map(|&m| (m, 0.0)).collect();
    for (from, to, call) in graph.edges() {
        for end in [from, to] {
            if let Some(d) = degree.get_mut(&end) {
                *d += call.weight;
            }
        }
    }
    let mut ranked = members.clone();
    ranked.sort_by(|a, b| degree[b].total_cmp(&degree[a]).then(a.cmp(b)));
    let drawn: HashSet<usize> = ranked.iter().take(MAX_DETAIL_MEMBERS).copied().collect();
    let hidden = members.len() - drawn.len();

    // Other services by the call weight they exchange with this one; the heaviest drawn.
    let foreign = |pos: usize| -> Option<usize> { owner.get(graph.node(pos).id.as_str()).copied() };
    let mut exchange: BTreeMap<usize, f64> = BTreeMap::new();
    for (from, to, call) in graph.edges() {
        let (inside, outside) = (degree.contains_key(&from), degree.contains_key(&to));
        if inside == outside {
            continue;
        }
        let other = if inside { to } else { from };
        if let Some(s) = foreign(other).filter(|&s| Some(s) != this) {
            *exchange.entry(s).or_default() += call.weight;
        }
    }
    let mut neighbours: Vec<(usize, f64)> = exchange.into_iter().collect();
    neighbours.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let shown: HashSet<usize> = neighbours
        .iter()
        .take(MAX_DETAIL_NEIGHBOURS)
        .map(|&(s, _)| s)
        .collect();

    // Edges aggregated per (endpoint, endpoint, async): (weight, node-level calls).
    let end_of = |pos: usize| -> End {
        if degree.contains_key(&pos) {
            if drawn.contains(&pos) {
                End::Member(pos)
            } else {
                End::OtherMembers
            }
        } else {
            match foreign(pos) {
                Some(s) if shown.contains(&s) => End::Service(s),
                Some(_) => End::OtherServices,
                None => End::Unplanned,
            }
        }
    };
    let mut links: BTreeMap<Link, Volume> = BTreeMap::new();
    for (from, to, call) in graph.edges() {
        if !degree.contains_key(&from) && !degree.contains_key(&to) {
            continue;
        }
        let key = (end_of(from), end_of(to), call.is_async);
        let e = links.entry(key).or_default();
        e.0 += call.weight;
        e.1 += 1;
    }
    let mut links: Vec<(Link, Volume)> = links.into_iter().collect();
    links.sort_by(|a, b| b.1.0.total_cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
    let omitted = links.len().saturating_sub(MAX_DETAIL_EDGES);
    links.truncate(MAX_DETAIL_EDGES);

    let mut title = vec![format!(
        "{} ({} · {} · {})",
        clip(&service.name, 60),
        service.id,
        service.label.as_str(),
        plural(service.members.len(), "member")
    )];
    if hidden > 0 {
        title.push(format!(
            "the {} most connected members drawn; {hidden} not drawn",
            drawn.len()
        ));
    }
    if neighbours.len() > shown.len() {
        title.push(format!(
            "{} lighter neighbouring services drawn as one node",
            neighbours.len() - shown.len()
        ));
    }
    if omitted > 0 {
        title.push(format!("{omitted} lighter links not drawn"));
    }
    if missing > 0 {
        title.push(format!("{missing} members missing from the call graph"));
    }
    let mut stmts = vec![
        Stmt::GAttribute(GraphAttributes::Graph(vec![
            lines_attr("label", &title),
            attr("rankdir", "LR"),
            attr("labelloc", "t"),
            attr("fontname", "Helvetica"),
            attr("fontsize", "14"),
            attr("outputorder", "edgesfirst"),
        ])),
        Stmt::GAttribute(GraphAttributes::Node(vec![
            attr("fontname", "Helvetica"),
            attr("fontsize", "10"),
            attr("shape", "box"),
            attr("style", "rounded"),
        ])),
        Stmt::GAttribute(GraphAttributes::Edge(vec![
            attr("fontname", "Helvetica"),
            attr("fontsize", "9"),
            attr("color", "#555555"),
        ])),
    ];
    let mut inner = vec![
        Stmt::Attribute(attr("label", &clip(&service.name, 60))),
        Stmt::Attribute(attr("style", "rounded,filled")),
        Stmt::Attribute(attr("fillcolor", "#f7f9fc")),
    ];
    let mut drawn_sorted: Vec<usize> = drawn.iter().copied().collect();
    drawn_sorted.sort_unstable();
    for pos in drawn_sorted {
        inner.push(Stmt::Node(member_node(plan, graph, service, pos)));
    }
    if hidden > 0 {
        let label = format!("{hidden} other members");
        inner.push(Stmt::Node(Node::new(
            end_id(&End::OtherMembers, plan, graph),
            vec![attr("label", &label), attr("shape", "folder")],
        )));
    }
    stmts.push(Stmt::Subgraph(Subgraph {
        id: Id::Plain("cluster_service".to_string()),
        stmts: inner,
    }));
    for &(s, weight) in neighbours.iter().take(MAX_DETAIL_NEIGHBOURS) {
        let other = &plan.clusters[s];
        let lines = vec![
            clip(&other.name, 40),
            format!("{} · {}", other.id, other.label.as_str()),
            format!("weight {} exchanged", weight_label(weight)),
        ];
        let (shape, fill) = match other.label {
            Label::Microservice => ("box", "#cfe2ff"),
            Label::Function => ("hexagon", "#ffe0b3"),
        };
        stmts.push(Stmt::Node(Node::new(
            end_id(&End::Service(s), plan, graph),
            vec![
                lines_attr("label", &lines),
                attr("shape", shape),
                attr("style", "filled,rounded"),
                attr("fillcolor", fill),
            ],
        )));
    }
    let rest = neighbours.len() - shown.len();
    if rest > 0 {
        stmts.push(Stmt::Node(Node::new(
            end_id(&End::OtherServices, plan, graph),
            vec![
                attr("label", &format!("{rest} other services")),
                attr("shape", "folder"),
            ],
        )));
    }
    if links
        .iter()
        .any(|((a, b, _), _)| *a == End::Unplanned || *b == End::Unplanned)
    {
        stmts.push(Stmt::Node(Node::new(
            end_id(&End::Unplanned, plan, graph),
            vec![attr("label", UNPLANNED), attr("shape", "plain")],
        )));
    }
    for ((from, to, is_async), (weight, calls)) in &links {
        let mut label = format!("weight {}", weight_label(*weight));
        if *calls > 1 {
            label.push_str(&format!(" ({calls} calls)"));
        }
        let mut attributes = vec![attr("label", &label)];
        if *is_async {
            attributes.push(attr("style", "dashed"));
        }
        stmts.push(Stmt::Edge(Edge {
            ty: EdgeTy::Pair(
                Vertex::N(end_id(from, plan, graph)),
                Vertex::N(end_id(to, plan, graph)),
            ),
            attributes,
        }));
    }
    let diagram = Graph::DiGraph {
        id: Id::Plain("service".to_string()),
        strict: false,
        stmts,
    };
    let mut text = diagram.print(&mut PrinterContext::default());
    text.push('\n');
    text
}

/// A member's node: its id, and marks for entry points, state and shared code.
fn member_node(plan: &Plan, graph: &CallGraph, service: &Service, pos: usize) -> Node {
    let node = graph.node(pos);
    let mut lines = vec![clip(&node.id, 60)];
    let mut marks = Vec::new();
    if let Some(trigger) = &node.entry {
        marks.push(format!("entry: {trigger}"));
    }
    if node.stateful {
        marks.push("stateful".to_string());
    }
    let shared = service.shared_members.contains(&node.id);
    if shared {
        marks.push("shared".to_string());
    }
    if !marks.is_empty() {
        lines.push(marks.join(" · "));
    }
    let mut attributes = vec![lines_attr("label", &lines), attr("tooltip", &node.id)];
    let fill = if node.entry.is_some() {
        Some("#d1e7dd")
    } else if node.stateful {
        Some("#f8d7da")
    } else {
        None
    };
    match (fill, shared) {
        (_, true) => {
            attributes.push(attr("shape", "note"));
            attributes.push(attr("style", "filled,dashed"));
            attributes.push(attr("fillcolor", fill.unwrap_or("#eeeeee")));
        }
        (Some(fill), false) => {
            attributes.push(attr("style", "filled,rounded"));
            attributes.push(attr("fillcolor", fill));
        }
        (None, false) => {}
    }
    if node.entry.is_some() {
        attributes.push(attr("penwidth", "2"));
    }
    Node::new(end_id(&End::Member(pos), plan, graph), attributes)
}

/// The DOT node id of an endpoint (prefixed so members and services never collide).
fn end_id(end: &End, plan: &Plan, graph: &CallGraph) -> NodeId {
    match end {
        End::Member(pos) => quoted(&format!("n:{}", graph.node(*pos).id)),
        End::OtherMembers => quoted(&format!("m:{OTHER_MEMBERS}")),
        End::Service(s) => quoted(&format!("s:{}", plan.clusters[*s].id)),
        End::OtherServices => quoted(&format!("s:{OTHER_SERVICES}")),
        End::Unplanned => quoted(&format!("u:{UNPLANNED}")),
    }
}

#[cfg(test)]
mod tests {
    use analyzer::{Call, CallGraph, Node, load_json};

    use super::*;
    use crate::{Config, plan};

    fn parses(dot: &str) {
        graphviz_rust::parse(dot).unwrap_or_else(|e| panic!("DOT does not parse: {e}\n{dot}"));
    }

    #[test]
    fn draws_members_marks_and_neighbours() {
        let graph = load_json(
            r#"{"nodes": [
              {"id": "a::in", "module": "a", "entry": "http"}, {"id": "a::x\"<b>", "module": "a", "stateful": true},
              {"id": "a::y\\", "module": "a"}, {"id": "b::on", "module": "b", "entry": "event"},
              {"id": "b::p", "module": "b"}, {"id": "b::q", "module": "b"}],
              "edges": [{"from": "a::in", "to": "a::x\"<b>", "weight": 3}, {"from": "a::x\"<b>", "to": "a::y\\", "weight": 3},
                        {"from": "a::in", "to": "a::y\\", "weight": 3}, {"from": "a::in", "to": "b::on", "async": true},
                        {"from": "b::on", "to": "b::p", "weight": 3}, {"from": "b::p", "to": "b::q", "weight": 3},
                        {"from": "b::on", "to": "b::q", "weight": 3}]}"#,
        )
        .expect("valid");
        let mut config = Config::default();
        config.clustering.services = Some(2);
        let p = plan(&graph, &config).expect("plans");
        let a = p
            .clusters
            .iter()
            .find(|s| s.members.iter().any(|m| m == "a::in"))
            .expect("a service");
        let dot = detail(&p, &graph, a);
        parses(&dot);
        assert!(dot.contains(r#""n:a::x\"<b>""#), "escaped member id: {dot}");
        assert!(dot.contains("entry: http"), "{dot}");
        assert!(dot.contains("stateful"), "{dot}");
        let b = p.clusters.iter().find(|s| s.id != a.id).expect("b service");
        let edge = dot
            .lines()
            .find(|l| l.contains("->") && l.contains(&format!("s:{}", b.id)))
            .expect("an edge to the neighbouring service");
        assert!(edge.contains("dashed"), "async call is dashed: {edge}");
        assert_eq!(dot, detail(&p, &graph, a), "deterministic");
    }

    #[test]
    fn big_services_are_capped() {
        // 600 nodes in one module, 30 in each of 20 small ones: the big service is capped.
        let mut nodes = Vec::new();
        for i in 0..600 {
            nodes.push(Node {
                id: format!("big::f{i:04}"),
                module: Some("big".to_string()),
                ..Node::default()
            });
        }
        for m in 0..60 {
            for i in 0..10 {
                nodes.push(Node {
                    id: format!("m{m:02}::g{i}"),
                    module: Some(format!("m{m:02}")),
                    ..Node::default()
                });
            }
        }
        let mut edges = Vec::new();
        for i in 0..600usize {
            edges.push((i, (i * 7 + 1) % 600, Call::new(1.0 + (i % 5) as f64, false)));
            edges.push((i, (i * 13 + 5) % 600, Call::new(1.0, false)));
            edges.push((i, 600 + (i % 600), Call::new(1.0, i % 3 == 0)));
        }
        for j in 600..1200usize {
            edges.push((
                j,
                600 + ((j - 600) / 10) * 10 + (j + 1) % 10,
                Call::new(4.0, false),
            ));
        }
        let graph = CallGraph::from_parts(nodes, edges);
        // This test needs one big service from the calls alone: the words of the generated ids
        // (vocabulary ties) would reshape it.
        let mut config = Config::default();
        config.clustering.vocabulary_affinity = 0.0;
        let p = plan(&graph, &config).expect("plans");
        let big = &p.clusters[0];
        assert!(big.size > MAX_DETAIL_MEMBERS, "size {}", big.size);
        let dot = detail(&p, &graph, big);
        parses(&dot);
        let members = dot
            .lines()
            .filter(|l| l.trim_start().starts_with("\"n:") && !l.contains("->"))
            .count();
        assert!(members <= MAX_DETAIL_MEMBERS, "{members} member nodes");
        assert!(dot.contains("not drawn"), "says how many are hidden");
        assert!(dot.contains("other members"), "rest node");
        let services = dot
            .lines()
            .filter(|l| l.trim_start().starts_with("\"s:") && !l.contains("->"))
            .count();
        assert!(
            services <= MAX_DETAIL_NEIGHBOURS + 1,
            "{services} service nodes"
        );
        assert!(dot.matches("->").count() <= MAX_DETAIL_EDGES);
    }
}
