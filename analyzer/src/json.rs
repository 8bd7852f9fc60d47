//! The language-agnostic JSON call-graph format (docs/callgraph-format.md): reading with precise
//! errors, and writing it back.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::{Call, CallGraph, Diagnostic, Durations, Error, Node, RustAnalysis, ScipAnalysis};

mod fast;
mod ids;
mod scan;

/// The file as written: unknown fields are ignored for forward compatibility. Strings borrow
/// from the input where they hold no escape, so edge endpoints cost no allocation.
#[derive(Deserialize)]
struct RawGraph<'a> {
    #[serde(default)]
    #[allow(
        dead_code,
        reason = "accepted and ignored: every version so far reads the same"
    )]
    version: Option<serde::de::IgnoredAny>,
    #[serde(borrow)]
    nodes: Vec<RawNode<'a>>,
    #[serde(default, borrow)]
    edges: Vec<RawEdge<'a>>,
}

#[derive(Deserialize)]
struct RawNode<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(default, borrow)]
    module: Option<Cow<'a, str>>,
    #[serde(default)]
    entry: Option<String>,
    #[serde(default)]
    stateful: Option<bool>,
    #[serde(default)]
    resources: Option<Vec<String>>,
    #[serde(default)]
    invocations_per_day: Option<f64>,
    #[serde(default)]
    duration_ms: Option<Durations>,
    #[serde(default)]
    memory_mb: Option<f64>,
    #[serde(default)]
    hints: Option<Vec<String>>,
    #[serde(default)]
    location: Option<String>,
}

#[derive(Deserialize)]
struct RawEdge<'a> {
    #[serde(borrow)]
    from: Cow<'a, str>,
    #[serde(borrow)]
    to: Cow<'a, str>,
    #[serde(default)]
    weight: Option<f64>,
    #[serde(default, rename = "async")]
    is_async: Option<bool>,
    #[serde(default)]
    confidence: Option<f64>,
}

/// Reads a call graph from the JSON format.
///
/// Errors name the offending place: line and column for malformed JSON and wrong shapes (with the
/// JSON path), the index of a duplicate node or of an edge to an unknown node (with the closest
/// existing id), the path of a negative number. Duplicate edges and self-loops are legal: duplicate
/// `(from, to, async)` edges merge, their weights summed.
///
/// Valid input takes a fast path: the arrays parsed in pieces on all cores, straight
/// into owned nodes and edges resolved to node positions as they are read. Anything wrong sends
/// the text down the checked path, which parses again tracking the JSON path and checks everything
/// in file order, so that the message names the first problem.
///
/// # Complexity
/// O(n + V log V + E log d) time for n bytes (d the largest out-degree), O(V + E) memory besides
/// the text.
pub fn load_json(text: &str) -> Result<CallGraph, Error> {
    match fast::parse(text) {
        Some(parts) => Ok(parts.into_graph(&mut crate::steps::Steps::start())),
        None => load_checked(text),
    }
}

/// [`load_json`] on text it takes over: once a valid file is read, the text is freed before the
/// graph is built, which lowers the peak memory of a large load by the size of the file.
///
/// # Complexity
/// As [`load_json`].
pub fn load_json_owned(text: String) -> Result<CallGraph, Error> {
    let mut steps = crate::steps::Steps::start();
    match fast::parse(&text) {
        Some(parts) => {
            steps.mark(|| "load: JSON parsed".into());
            drop(text);
            Ok(parts.into_graph(&mut steps))
        }
        None => load_checked(&text),
    }
}

/// The checked path: every problem of the input found in file order and named precisely.
fn load_checked(text: &str) -> Result<CallGraph, Error> {
    let (nodes, edges) = checked_parts(text)?;
    Ok(CallGraph::from_parts(nodes, edges))
}

/// The nodes, and the edges as `(from, to, call)` with positions, in file order.
type GraphParts = (Vec<Node>, Vec<(usize, usize, Call)>);

/// The input read by the checked path.
fn checked_parts(text: &str) -> Result<GraphParts, Error> {
    let raw = parse_with_path(text)?;
    if raw.nodes.is_empty() {
        return Err(Error::EmptyGraph);
    }

    let mut positions: HashMap<&str, u32> = HashMap::with_capacity(raw.nodes.len());
    for (i, n) in raw.nodes.iter().enumerate() {
        if let Some(first) = positions.insert(&n.id, i as u32) {
            return Err(Error::DuplicateId {
                id: n.id.to_string(),
                first: first as usize,
                second: i,
            });
        }
        check_number(n.invocations_per_day, || {
            format!("nodes[{i}].invocations_per_day")
        })?;
        check_number(n.memory_mb, || format!("nodes[{i}].memory_mb"))?;
        if let Some(d) = &n.duration_ms {
            check_number(d.p50, || format!("nodes[{i}].duration_ms.p50"))?;
            check_number(d.p95, || format!("nodes[{i}].duration_ms.p95"))?;
            check_number(d.max, || format!("nodes[{i}].duration_ms.max"))?;
        }
    }

    let mut edges = Vec::with_capacity(raw.edges.len());
    // Producers usually write a node's calls together: the previous caller is looked up once.
    let mut last_from: Option<(&str, usize)> = None;
    for (i, e) in raw.edges.iter().enumerate() {
        let from = match last_from {
            Some((id, p)) if id == e.from => p,
            _ => lookup(&positions, &raw.nodes, i, "from", &e.from)?,
        };
        last_from = Some((&e.from, from));
        let to = lookup(&positions, &raw.nodes, i, "to", &e.to)?;
        check_number(e.weight, || format!("edges[{i}].weight"))?;
        if let Some(c) = e.confidence
            && !(c > 0.0 && c <= 1.0)
        {
            return Err(Error::Confidence {
                path: format!("edges[{i}].confidence"),
                value: c,
            });
        }
        edges.push((
            from,
            to,
            Call {
                weight: e.weight.unwrap_or(1.0),
                is_async: e.is_async.unwrap_or(false),
                confidence: e.confidence.unwrap_or(1.0),
            },
        ));
    }
    drop(positions);
    drop(raw.edges);

    let nodes = raw.nodes.into_iter().map(RawNode::into_node).collect();
    Ok((nodes, edges))
}

impl RawNode<'_> {
    /// The node as the graph keeps it (owned strings, defaults filled in).
    fn into_node(self) -> Node {
        Node {
            id: self.id.into_owned(),
            module: self.module.map(Cow::into_owned),
            entry: self.entry,
            stateful: self.stateful.unwrap_or(false),
            resources: self.resources.unwrap_or_default(),
            invocations_per_day: self.invocations_per_day,
            duration_ms: self.duration_ms,
            memory_mb: self.memory_mb,
            hints: self.hints.unwrap_or_default(),
            location: self.location,
        }
    }

    /// Its numbers are finite and ≥ 0.
    fn numbers_valid(&self) -> bool {
        let d = self.duration_ms.unwrap_or_default();
        [
            self.invocations_per_day,
            self.memory_mb,
            d.p50,
            d.p95,
            d.max,
        ]
        .iter()
        .all(|v| v.is_none_or(in_range))
    }
}

/// Parses again, tracking the JSON path, to name the place of a parse error. Used only once the
/// fast parse has failed, so the happy path pays nothing for the path tracking.
fn parse_with_path(text: &str) -> Result<RawGraph<'_>, Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let raw: RawGraph<'_> = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        // serde_path_to_error writes `?` for a segment it could not name: drop those.
        let path = e
            .path()
            .to_string()
            .trim_end_matches(".?")
            .trim_end_matches('?')
            .to_string();
        let inner = e.into_inner();
        Error::Json {
            line: inner.line(),
            column: inner.column(),
            path,
            message: strip_position(&inner.to_string()),
        }
    })?;
    de.end().map_err(|e| Error::Json {
        line: e.line(),
        column: e.column(),
        path: String::new(),
        message: strip_position(&e.to_string()),
    })?;
    Ok(raw)
}

fn lookup(
    positions: &HashMap<&str, u32>,
    nodes: &[RawNode<'_>],
    edge: usize,
    field: &'static str,
    id: &str,
) -> Result<usize, Error> {
    positions
        .get(id)
        .map(|&p| p as usize)
        .ok_or_else(|| Error::UnknownNode {
            edge,
            field,
            id: id.to_string(),
            suggestion: closest(id, nodes.iter().map(|n| n.id.as_ref())),
        })
}

/// Longest name compared for a "did you mean" suggestion: Jaro-Winkler costs O(|a|·|b|), and a
/// 100,000-character id compared with every node took half a minute before its error.
pub const MAX_SIMILAR_LEN: usize = 256;

/// Jaro-Winkler similarity (0–1) of two names, 0 when either is longer than
/// [`MAX_SIMILAR_LEN`] bytes (no suggestion is worth that work).
pub fn similarity(a: &str, b: &str) -> f64 {
    if a.len() > MAX_SIMILAR_LEN || b.len() > MAX_SIMILAR_LEN {
        return 0.0;
    }
    strsim::jaro_winkler(a, b)
}

/// The existing id most similar to `id`, if it is similar enough to be a likely typo.
fn closest<'a>(id: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    if id.len() > MAX_SIMILAR_LEN {
        return None;
    }
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = similarity(id, c);
        if best.is_none_or(|(s, b)| score > s || (score == s && c < b)) {
            best = Some((score, c));
        }
    }
    best.filter(|(s, _)| *s >= 0.8).map(|(_, c)| c.to_string())
}

/// Largest figure (rate, duration, memory, call weight) read: beyond any real system, and small
/// enough that the costs and sums computed from it stay finite.
pub const MAX_FIGURE: f64 = 1e12;

/// Whether a figure is finite, ≥ 0 and ≤ [`MAX_FIGURE`].
pub(crate) fn in_range(v: f64) -> bool {
    v.is_finite() && (0.0..=MAX_FIGURE).contains(&v)
}

fn check_number(value: Option<f64>, path: impl FnOnce() -> String) -> Result<(), Error> {
    match value {
        Some(v) if !in_range(v) => Err(Error::Negative {
            path: path(),
            value: v,
        }),
        _ => Ok(()),
    }
}

/// serde_json appends " at line L column C" to its messages; the error carries them separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

#[derive(Serialize)]
struct OutGraph<'a> {
    version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<OutAnalysis<'a>>,
    nodes: Vec<&'a Node>,
    edges: Vec<OutEdge<'a>>,
}

/// How a graph was extracted: ignored when read back (unknown fields are), kept for the reader.
#[derive(Serialize)]
struct OutAnalysis<'a> {
    stats: serde_json::Value,
    diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct OutEdge<'a> {
    from: &'a str,
    to: &'a str,
    weight: f64,
    #[serde(rename = "async", skip_serializing_if = "std::ops::Not::not")]
    is_async: bool,
    #[serde(skip_serializing_if = "is_one")]
    confidence: f64,
}

fn is_one(v: &f64) -> bool {
    *v == 1.0
}

/// Writes a call graph in the JSON format (pretty-printed, nodes and edges in id order), so that
/// `load_json(&to_json(g))` gives back the same graph.
pub fn to_json(graph: &CallGraph) -> String {
    write_json(graph, None)
}

/// Writes the call graph of a Rust analysis, with its statistics and diagnostics under a top-level
/// `analysis` key (which readers ignore): `load_json` of it gives back the same graph.
pub fn analysis_to_json(analysis: &RustAnalysis) -> String {
    write_json(
        &analysis.graph,
        Some(OutAnalysis {
            stats: serde_json::to_value(&analysis.stats).unwrap_or_default(),
            diagnostics: &analysis.diagnostics,
        }),
    )
}

/// The JSON call graph of a SCIP analysis, with its stats and diagnostics under `analysis`
/// (ignored when read back), as `cleave analyze index.scip` writes it.
pub fn scip_analysis_to_json(analysis: &ScipAnalysis) -> String {
    write_json(
        &analysis.graph,
        Some(OutAnalysis {
            stats: serde_json::to_value(&analysis.stats).unwrap_or_default(),
            diagnostics: &analysis.diagnostics,
        }),
    )
}

fn write_json(graph: &CallGraph, analysis: Option<OutAnalysis<'_>>) -> String {
    let out = OutGraph {
        version: 1,
        analysis,
        nodes: graph.nodes().collect(),
        edges: graph
            .edges()
            .map(|(f, t, c)| OutEdge {
                from: &graph.node(f).id,
                to: &graph.node(t).id,
                weight: c.weight,
                is_async: c.is_async,
                confidence: c.confidence,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&out).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;
