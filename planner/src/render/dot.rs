//! The service-level diagram of the hybrid, built as a graphviz-rust syntax tree and printed as
//! DOT. One node per service (never per function: Graphviz cannot lay out thousands of nodes),
//! laid out top to bottom: calls between services aggregated, drawn as wide as their traffic
//! (measured calls per day, or static call weight when nothing is measured), async calls dashed;
//! shared code as one library node, never as service-to-service traffic; data stores as
//! cylinders beside their owner, a store used by several services in red. Past
//! [`MATRIX_FROM`] services a node-link picture cannot be read, and the diagram is a dependency
//! structure matrix instead.

use std::collections::{BTreeMap, BTreeSet};

use graphviz_rust::dot_structures::{
    Attribute, Edge, EdgeTy, Graph, GraphAttributes, Id, Node, NodeId, Stmt, Subgraph, Vertex,
};
use graphviz_rust::printer::{DotPrinter, PrinterContext};

use super::{clip, compact, plural, thousands, weight};
use crate::plan::{Label, Plan, Service};

/// Most inter-service links drawn; lighter ones are counted in the title instead.
pub const MAX_DRAWN_LINKS: usize = 400;
/// Most services drawn one by one; the smaller rest share one node (the plan lists them all).
pub const MAX_DRAWN_SERVICES: usize = 150;
/// Most data stores drawn; stores several services use come first, and the title counts the rest.
pub const MAX_DRAWN_STORES: usize = 60;
/// Services from which [`View::Auto`] draws the dependency structure matrix instead of nodes
/// and links: past about 40 boxes and their links, a node-link picture is a tangle.
pub const MATRIX_FROM: usize = 41;
/// Links a node-link picture keeps per service unless `--top-edges` says otherwise.
pub const LINKS_PER_SERVICE: usize = 3;
/// Links a node-link picture keeps at least, however few its services.
const MIN_DRAWN_LINKS: usize = 40;
/// Services past which the library node's links are not drawn (its label counts its users).
pub(crate) const MAX_LIBRARY_LINKS: usize = 12;
/// Node id of the node standing for the services not drawn one by one.
pub(crate) const REST: &str = "rest";
/// Node id of the shared code.
const LIBRARY: &str = "library";

/// Which picture to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// Nodes and links up to [`MATRIX_FROM`] services, the matrix from there on.
    #[default]
    Auto,
    /// Nodes and links, whatever the size.
    Graph,
    /// The dependency structure matrix: a row per service, a column per service, each cell the
    /// calls the row's service makes to the column's.
    Matrix,
}

/// What the service diagram shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiagramOptions {
    /// Picture kind.
    pub view: View,
    /// Links lighter than this are hidden (calls per day where the plan measured traffic, call
    /// weight otherwise); the title says how many.
    pub min_calls: f64,
    /// Only the heaviest N links are drawn; the title says how many were hidden.
    pub top_edges: Option<usize>,
}

/// One drawn link: sync weight, async weight, estimated calls per day.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Volume {
    pub sync_weight: f64,
    pub async_weight: f64,
    pub per_day: f64,
}

impl Volume {
    /// What the link is drawn and ranked by.
    pub(crate) fn traffic(&self, measured: bool) -> f64 {
        if measured {
            self.per_day
        } else {
            self.sync_weight + self.async_weight
        }
    }
}

/// The plan's diagram in the DOT language, with the default options.
///
/// # Complexity
/// O((K + L + R) log(K + L + R)) for K services, L links and R data stores used; the output is
/// capped ([`MAX_DRAWN_SERVICES`], [`MAX_DRAWN_LINKS`], [`MAX_DRAWN_STORES`]), so Graphviz lays
/// it out in seconds whatever the input size.
pub fn dot(plan: &Plan) -> String {
    dot_with(plan, &DiagramOptions::default())
}

/// The plan's diagram in the DOT language, as `options` say.
///
/// # Complexity
/// As [`dot`]; the matrix has at most ([`MAX_DRAWN_SERVICES`] + 1)² cells.
pub fn dot_with(plan: &Plan, options: &DiagramOptions) -> String {
    let drawn = plan.clusters.len().min(MAX_DRAWN_SERVICES);
    let matrix = match options.view {
        View::Auto => plan.clusters.len() >= MATRIX_FROM,
        View::Graph => false,
        View::Matrix => true,
    };
    // Calls per day are estimated from invocation rates; they mean traffic only where some node
    // was measured.
    let measured = plan.input.measured_nodes > 0;
    let found = service_links(plan, drawn, options, measured);
    let mut title = caption(plan, drawn, &found, options, matrix);
    let mut links = found.links;
    if !matrix {
        links.truncate(found.cap);
    }
    let mut stmts = vec![
        Stmt::GAttribute(GraphAttributes::Graph(vec![
            lines_attr("label", &title),
            attr("rankdir", "TB"),
            attr("labelloc", "t"),
            attr("fontname", "Helvetica"),
            attr("fontsize", "14"),
            attr("nodesep", "0.4"),
            attr("ranksep", "0.7"),
            attr("outputorder", "edgesfirst"),
        ])),
        Stmt::GAttribute(GraphAttributes::Node(vec![
            attr("fontname", "Helvetica"),
            attr("fontsize", "11"),
        ])),
        Stmt::GAttribute(GraphAttributes::Edge(vec![
            attr("fontname", "Helvetica"),
            attr("fontsize", "10"),
            attr("color", "#555555"),
            attr("fontcolor", "#222222"),
        ])),
    ];
    if matrix {
        title.push(format!(
            "dependency structure matrix: each row's service calls each column's ({}); darker is heavier",
            if measured {
                "calls/day; · where no measured traffic reaches the call"
            } else {
                "static call weight"
            }
        ));
        stmts[0] = Stmt::GAttribute(GraphAttributes::Graph(vec![
            lines_attr("label", &title),
            attr("labelloc", "t"),
            attr("fontname", "Helvetica"),
            attr("fontsize", "14"),
        ]));
        stmts.push(Stmt::Node(Node::new(
            node_id("matrix"),
            vec![
                Attribute(
                    Id::Plain("label".to_string()),
                    Id::Html(matrix_table(plan, drawn, &links, measured)),
                ),
                attr("shape", "plain"),
            ],
        )));
    } else {
        graph_view(plan, drawn, &links, measured, &mut stmts, &mut title);
        // The title may have grown (stores not drawn): set it again, last setting wins.
        stmts.push(Stmt::GAttribute(GraphAttributes::Graph(vec![lines_attr(
            "label", &title,
        )])));
        stmts.push(Stmt::Subgraph(legend(measured)));
    }
    let graph = Graph::DiGraph {
        id: Id::Plain("plan".to_string()),
        strict: false,
        stmts,
    };
    let mut text = graph.print(&mut PrinterContext::default());
    text.push('\n');
    text
}

/// The first title line: the plan in numbers.
pub(crate) fn headline(plan: &Plan) -> String {
    let microservices = plan
        .clusters
        .iter()
        .filter(|s| s.label == Label::Microservice)
        .count();
    format!(
        "cleave plan: {} ({}, {}) from {} nodes",
        plural(plan.clusters.len(), "service"),
        plural(microservices, "microservice"),
        plural(plan.clusters.len() - microservices, "function"),
        thousands(plan.input.nodes as f64)
    )
}

/// The links between services, aggregated: services past the drawn ones fold into [`REST`],
/// links within one node dropped, heaviest first, those under `--min-calls` left out.
pub(crate) struct Links {
    /// The links kept, heaviest first; the node-link picture draws the first `cap`.
    pub links: Vec<((String, String), Volume)>,
    /// Links left out for `--min-calls`.
    pub below_min: usize,
    /// Most links drawn: `--top-edges`, at most [`MAX_DRAWN_LINKS`].
    pub cap: usize,
    /// Links kept past `cap`.
    pub over_cap: usize,
}

/// The plan's links between the first `drawn` services (and the rest node), as `options` say.
pub(crate) fn service_links(
    plan: &Plan,
    drawn: usize,
    options: &DiagramOptions,
    measured: bool,
) -> Links {
    // Services beyond the cap (the smallest: clusters are sorted by size) fold into one node, and
    // their links with it.
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
        e.sync_weight += c.sync_weight;
        e.async_weight += c.async_weight;
        e.per_day += c.calls_per_day;
    }
    let mut links: Vec<((String, String), Volume)> = links.into_iter().collect();
    // Heaviest first; where traffic ties (links no measured call reaches), by call weight.
    links.sort_by(|a, b| {
        b.1.traffic(measured)
            .total_cmp(&a.1.traffic(measured))
            .then_with(|| b.1.traffic(false).total_cmp(&a.1.traffic(false)))
            .then_with(|| a.0.cmp(&b.0))
    });
    let all_links = links.len();
    links.retain(|(_, v)| v.traffic(measured) >= options.min_calls);
    let below_min = all_links - links.len();
    // Unless told, a node-link picture keeps about three links a service: more cannot be followed
    // (the matrix shows them all).
    let readable = (LINKS_PER_SERVICE * (drawn + usize::from(drawn < plan.clusters.len())))
        .max(MIN_DRAWN_LINKS);
    let cap = options.top_edges.unwrap_or(readable).min(MAX_DRAWN_LINKS);
    let over_cap = links.len().saturating_sub(cap);
    Links {
        links,
        below_min,
        cap,
        over_cap,
    }
}

/// The diagram's title lines: the plan in numbers, then what is not drawn and why.
pub(crate) fn caption(
    plan: &Plan,
    drawn: usize,
    links: &Links,
    options: &DiagramOptions,
    matrix: bool,
) -> Vec<String> {
    let hidden = &plan.clusters[drawn..];
    let measured = plan.input.measured_nodes > 0;
    let (below_min, over_cap) = (links.below_min, links.over_cap);
    let mut title = vec![headline(plan)];
    if !hidden.is_empty() {
        title.push(format!(
            "the {} smallest services are drawn as one node",
            hidden.len()
        ));
    }
    if below_min > 0 {
        let unit = if measured { "calls/day" } else { "call weight" };
        title.push(format!(
            "{} under {} {unit} hidden (--min-calls)",
            plural(below_min, "link"),
            compact(options.min_calls)
        ));
    }
    if over_cap > 0 && !matrix {
        let how = if options.top_edges.is_some_and(|n| n < MAX_DRAWN_LINKS) {
            " (--top-edges)"
        } else {
            " (--top-edges N draws more, --view matrix all)"
        };
        title.push(format!(
            "{} lighter {} between services not drawn{how}",
            over_cap,
            if over_cap == 1 { "link" } else { "links" }
        ));
    }
    if !plan.library_calls.is_empty() {
        title.push(
            "calls into shared code stay in process (it ships as a library): not drawn as traffic"
                .to_string(),
        );
    }
    title
}

/// Services, the rest node, links, data stores and the library node of the node-link picture.
fn graph_view(
    plan: &Plan,
    drawn: usize,
    links: &[((String, String), Volume)],
    measured: bool,
    stmts: &mut Vec<Stmt>,
    title: &mut Vec<String>,
) {
    let hidden = &plan.clusters[drawn..];
    for s in &plan.clusters[..drawn] {
        stmts.push(Stmt::Node(Node::new(node_id(&s.id), service_attrs(s))));
    }
    if !hidden.is_empty() {
        let lines = rest_lines(hidden);
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
    let max = links
        .iter()
        .map(|(_, v)| v.traffic(measured))
        .fold(0.0f64, f64::max);
    for ((from, to), v) in links {
        let traffic = v.traffic(measured);
        let label = link_label(v, measured);
        let width = 0.8 + 4.2 * ((1.0 + traffic).ln() / (1.0 + max).ln().max(1e-9));
        let mut attributes = vec![
            attr("label", &label),
            attr("penwidth", &format!("{width:.2}")),
            attr("arrowsize", "0.7"),
            attr(
                "tooltip",
                &format!(
                    "{from} → {to}: ≈{} calls/day, weight {} sync + {} async",
                    thousands(v.per_day),
                    weight(v.sync_weight),
                    weight(v.async_weight)
                ),
            ),
        ];
        if v.sync_weight == 0.0 {
            attributes.push(attr("style", "dashed"));
        }
        stmts.push(edge(from, to, attributes));
    }
    stores(plan, drawn, stmts, title);
    library(plan, drawn, stmts);
}

/// The label lines of the node standing for the services not drawn one by one.
pub(crate) fn rest_lines(hidden: &[Service]) -> Vec<String> {
    let members: usize = hidden.iter().map(|s| s.size).sum();
    let functions = hidden.iter().filter(|s| s.label == Label::Function).count();
    vec![
        format!("{} smaller services", hidden.len()),
        format!(
            "{} · {}",
            plural(hidden.len() - functions, "microservice"),
            plural(functions, "function")
        ),
        format!("{members} members (see plan.md)"),
    ]
}

/// The label lines of the shared code's library node.
pub(crate) fn library_lines(plan: &Plan) -> Vec<String> {
    let users = plan.library_calls.len();
    let per_day: f64 = plan.library_calls.iter().map(|c| c.calls_per_day).sum();
    let mut lines = vec![
        "shared code (a library)".to_string(),
        format!(
            "{} · used by {}",
            plural(plan.shared_code.len(), "function"),
            plural(users, "service")
        ),
    ];
    if per_day >= 1.0 && plan.input.measured_nodes > 0 {
        lines.push(format!("≈{}/day in process", compact(per_day)));
    }
    lines
}

/// A link's label: its calls per day, or its static weight when nothing is measured; `async`
/// when no call on it blocks.
pub(crate) fn link_label(v: &Volume, measured: bool) -> String {
    let traffic = v.traffic(measured);
    let mut label = if measured {
        format!("{}/day", compact(traffic))
    } else {
        format!("weight {}", weight(traffic))
    };
    if v.sync_weight == 0.0 {
        label.push_str(" async");
    }
    label
}

/// The data stores the drawn services use: shared ones first (red, linked to every user), then
/// private ones (beside their owner), at most [`MAX_DRAWN_STORES`].
fn stores(plan: &Plan, drawn: usize, stmts: &mut Vec<Stmt>, title: &mut Vec<String>) {
    let (order, left_out) = drawn_stores(plan, drawn);
    for (i, (store, users)) in order.into_iter().enumerate() {
        let id = format!("store{i}");
        let (label, fill, line) = if store.shared {
            (
                vec![
                    clip(&store.name, 32),
                    format!("shared by {} services", store.services.len()),
                ],
                "#f8d0d0",
                "#c0392b",
            )
        } else {
            (vec![clip(&store.name, 32)], "#eef3e8", "#6b8e4e")
        };
        stmts.push(Stmt::Node(Node::new(
            node_id(&id),
            vec![
                lines_attr("label", &label),
                attr("shape", "cylinder"),
                attr("style", "filled"),
                attr("fillcolor", fill),
                attr("color", line),
                attr("fontsize", "9"),
                attr("margin", "0.05,0.02"),
                attr("height", "0.4"),
                attr("tooltip", &store.name),
            ],
        )));
        for user in users {
            let mut attributes = vec![
                attr("arrowhead", "none"),
                attr("color", line),
                attr("weight", "4"),
            ];
            if store.shared {
                attributes.push(attr("penwidth", "1.6"));
            } else {
                attributes.push(attr("style", "dotted"));
            }
            stmts.push(edge(&user, &id, attributes));
        }
    }
    if left_out > 0 {
        title.push(stores_left_out(left_out));
    }
}

/// The data stores drawn, at most [`MAX_DRAWN_STORES`]: shared first (most users first), then
/// private; each with its users among the first `drawn` services ([`REST`] for the others).
/// Also the number of stores left out.
pub(crate) fn drawn_stores(
    plan: &Plan,
    drawn: usize,
) -> (Vec<(&crate::plan::DataStore, Vec<String>)>, usize) {
    let on_drawn: BTreeSet<&str> = plan.clusters[..drawn]
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    let endpoint = |id: &str| -> String {
        if on_drawn.contains(id) {
            id.to_string()
        } else {
            REST.to_string()
        }
    };
    let mut order: Vec<&crate::plan::DataStore> = plan.data_stores.iter().collect();
    // Shared first (most users first), then private; name order within.
    order.sort_by_key(|s| std::cmp::Reverse(s.services.len()));
    let left_out = order.len().saturating_sub(MAX_DRAWN_STORES);
    let drawn_stores = order
        .into_iter()
        .take(MAX_DRAWN_STORES)
        .map(|store| {
            let mut users: Vec<String> = store.services.iter().map(|s| endpoint(s)).collect();
            users.dedup();
            (store, users)
        })
        .collect();
    (drawn_stores, left_out)
}

/// The title line for the data stores not drawn.
pub(crate) fn stores_left_out(left_out: usize) -> String {
    format!(
        "{} not drawn (see data_stores in plan.json)",
        plural(left_out, "private data store")
    )
}

/// The shared code as one library node, linked (dotted, unlabelled) to the services that call it
/// while they are few.
fn library(plan: &Plan, drawn: usize, stmts: &mut Vec<Stmt>) {
    if plan.shared_code.is_empty() {
        return;
    }
    let users = plan.library_calls.len();
    let lines = library_lines(plan);
    stmts.push(Stmt::Node(Node::new(
        node_id(LIBRARY),
        vec![
            lines_attr("label", &lines),
            attr("shape", "note"),
            attr("style", "filled,dashed"),
            attr("fillcolor", "#eeeeee"),
            attr(
                "tooltip",
                "Utility code called from several services: it ships as a library in each, so its calls are not traffic between services",
            ),
        ],
    )));
    if users > MAX_LIBRARY_LINKS {
        return;
    }
    for f in library_users(plan, drawn) {
        stmts.push(edge(
            f,
            LIBRARY,
            vec![
                attr("style", "dotted"),
                attr("color", "#aaaaaa"),
                attr("arrowsize", "0.5"),
                attr("weight", "0"),
            ],
        ));
    }
}

/// The services calling shared code, among the first `drawn` ([`REST`] for the others), each once.
pub(crate) fn library_users(plan: &Plan, drawn: usize) -> Vec<&str> {
    let drawn_ids: BTreeSet<&str> = plan.clusters[..drawn]
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    let mut from: Vec<&str> = plan
        .library_calls
        .iter()
        .map(|c| {
            if drawn_ids.contains(c.service.as_str()) {
                c.service.as_str()
            } else {
                REST
            }
        })
        .collect();
    from.sort_unstable();
    from.dedup();
    from
}

fn edge(from: &str, to: &str, attributes: Vec<Attribute>) -> Stmt {
    Stmt::Edge(Edge {
        ty: EdgeTy::Pair(Vertex::N(node_id(from)), Vertex::N(node_id(to))),
        attributes,
    })
}

/// The dependency structure matrix as a Graphviz HTML-like table: a row and a column per drawn
/// service (and the rest), each cell the traffic the row's service sends the column's, shaded
/// by its share of the heaviest.
fn matrix_table(
    plan: &Plan,
    drawn: usize,
    links: &[((String, String), Volume)],
    measured: bool,
) -> String {
    let mut ids: Vec<&str> = plan.clusters[..drawn]
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    if drawn < plan.clusters.len() {
        ids.push(REST);
    }
    let position: BTreeMap<&str, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let mut cells: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for ((from, to), v) in links {
        if let (Some(&r), Some(&c)) = (position.get(from.as_str()), position.get(to.as_str())) {
            *cells.entry((r, c)).or_default() += v.traffic(measured);
        }
    }
    let max = cells.values().copied().fold(0.0f64, f64::max);
    let mut t =
        String::from("<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"3\">");
    t.push_str("<tr><td></td>");
    for id in &ids {
        t.push_str(&format!("<td><b>{}</b></td>", xml(id)));
    }
    t.push_str("</tr>");
    for r in 0..ids.len() {
        let (name, fill) = match plan.clusters.get(r).filter(|_| r < drawn) {
            Some(s) if s.label == Label::Function => {
                (format!("{} {}", s.id, clip(&s.name, 28)), "#ffe0b3")
            }
            Some(s) => (format!("{} {}", s.id, clip(&s.name, 28)), "#cfe2ff"),
            None => (
                format!("{} smaller services", plan.clusters.len() - drawn),
                "#f5f5f5",
            ),
        };
        // Row heads link to the service (the HTML report shows its details; elsewhere the link
        // goes nowhere).
        let href = if r < drawn {
            format!(" href=\"#svc-{}\" title=\"{}\"", xml(ids[r]), xml(&name))
        } else {
            String::new()
        };
        t.push_str(&format!(
            "<tr><td align=\"left\" bgcolor=\"{fill}\"{href}>{}</td>",
            xml(&name)
        ));
        for c in 0..ids.len() {
            if r == c {
                t.push_str("<td bgcolor=\"#999999\"> </td>");
                continue;
            }
            match cells.get(&(r, c)) {
                Some(&v) if v < 0.5 => {
                    t.push_str("<td bgcolor=\"#f4f8fb\"><font point-size=\"9\">·</font></td>")
                }
                Some(&v) => {
                    let share = ((1.0 + v).ln() / (1.0 + max).ln().max(1e-9)).clamp(0.0, 1.0);
                    // From a pale blue (#deebf7) to a deep one (#08519c); white text on the
                    // darker half.
                    let mix = |pale: f64, deep: f64| (pale + (deep - pale) * share).round() as u8;
                    let text = if share > 0.55 { "#ffffff" } else { "#000000" };
                    t.push_str(&format!(
                        "<td bgcolor=\"#{:02x}{:02x}{:02x}\"><font color=\"{text}\" point-size=\"9\">{}</font></td>",
                        mix(222.0, 8.0),
                        mix(235.0, 81.0),
                        mix(247.0, 156.0),
                        compact(v)
                    ));
                }
                None => t.push_str("<td> </td>"),
            }
        }
        t.push_str("</tr>");
    }
    t.push_str("</table>>");
    t
}

/// Escapes text for a Graphviz HTML-like label (XML character data).
fn xml(s: &str) -> String {
    escape(s)
        .replace("\\\"", "\"")
        .replace("\\\\", "\\")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn service_attrs(s: &Service) -> Vec<Attribute> {
    let shared_only = !s.shared_members.is_empty() && s.shared_members.len() * 2 >= s.size;
    let mut lines = vec![
        clip(&s.name, 40),
        format!(
            "{} · {} · {}",
            s.id,
            s.label.as_str(),
            plural(s.size, "member")
        ),
        format!(
            "${:.2}/month · {}",
            s.cost.chosen_monthly_usd, s.confidence.basis
        ),
    ];
    if shared_only {
        lines.push("mostly shared code".to_string());
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

fn legend(measured: bool) -> Subgraph {
    let item = |id: &str, label: &str, shape: &str, style: &str, fill: &str| {
        Stmt::Node(Node::new(
            node_id(id),
            vec![
                attr("label", label),
                attr("shape", shape),
                attr("style", style),
                attr("fillcolor", fill),
                attr("fontsize", "9"),
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
    let width = if measured {
        "width: calls/day"
    } else {
        "width: static call weight"
    };
    Subgraph {
        id: Id::Plain("cluster_legend".to_string()),
        stmts: vec![
            Stmt::Attribute(attr("label", "Legend")),
            Stmt::Attribute(attr("fontname", "Helvetica")),
            Stmt::Attribute(attr("fontsize", "10")),
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
            item(
                "legend_store",
                "data store",
                "cylinder",
                "filled",
                "#eef3e8",
            ),
            item(
                "legend_shared_store",
                "shared store",
                "cylinder",
                "filled",
                "#f8d0d0",
            ),
            plain("legend_a"),
            plain("legend_b"),
            plain("legend_c"),
            plain("legend_d"),
            link(
                "legend_a",
                "legend_b",
                &format!("blocking calls ({width})"),
                "solid",
            ),
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
