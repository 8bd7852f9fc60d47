//! The fast path against the checked path, on generated files: for every valid file the same
//! graph whatever the size of the pieces (down to one byte, so that every guessed piece start
//! is tried), and no graph for any file the checked path rejects.
//!
//! The checked path's reading is built into a graph by the builder as it was before the
//! parallel one ([`reference_from_parts`]), so that the builder is checked too: the graphs must
//! agree to the order of every adjacency list.

use std::collections::HashSet;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::parse_in_pieces;
use crate::json::{checked_parts, load_json, load_json_owned};
use crate::{Call, CallGraph, Node};

/// Piece sizes: a guess at every `},{` (1), small pieces, and the whole array as one piece.
const PIECES: &[usize] = &[1, 2, 7, 40, 300, 1 << 40];

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Whitespace, often none.
fn ws(rng: &mut Rng) -> &'static str {
    rng.pick(&["", "", "", " ", "\n", "\t ", "\r\n  "])
}

/// A JSON string, escaped in one of the ways JSON allows.
fn string(rng: &mut Rng, s: &str) -> String {
    let plain = serde_json::to_string(s).expect("a string serializes");
    if !rng.chance(30) {
        return plain;
    }
    // Some letters as \u escapes, `/` as `\/`; escapes already there are kept.
    let mut out = String::new();
    let mut chars = plain.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                let escaped = chars.next().expect("an escape is complete");
                out.push(escaped);
                if escaped == 'u' {
                    out.extend(chars.by_ref().take(4));
                }
            }
            'a'..='z' if rng.chance(30) => out.push_str(&format!("\\u{:04x}", c as u32)),
            '/' => out.push_str("\\/"),
            _ => out.push(c),
        }
    }
    out
}

/// A non-negative number in one of the ways JSON writes it.
fn number(rng: &mut Rng) -> String {
    rng.pick(&[
        "0", "1", "3", "12", "2.5", "0.25", "1e1", "7.0", "0.5E+1", "1500", "1e-2",
    ])
    .to_string()
}

/// A value for a field no reader knows, with text that looks like elements of both arrays.
fn junk(rng: &mut Rng) -> String {
    rng.pick(&[
        r#"[{"id": "ghost"}, {"id": "ghost2"}]"#,
        r#"[{"from": "a", "to": "b"},{"from": "a", "to": "b"}]"#,
        r#"{"nested": [[{}, {}], {"x": "},{\"id\":\"y\"}"}]}"#,
        r#""},{\"from\":\"x\",\"to\":\"y\"},{""#,
        "\"\\\"edges\\\": [],{\"",
        "null",
        "-3.5",
        "true",
        r#"[]"#,
    ])
    .to_string()
}

/// Ids: plain paths, and ids full of characters that matter to JSON.
fn ids(rng: &mut Rng, n: usize) -> Vec<String> {
    let chars = [
        'a', 'b', 'z', ':', '/', '"', '\\', '{', '}', ',', '[', ']', 'é', '😀', '\n', ' ',
    ];
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    while ids.len() < n {
        let id = if rng.chance(60) {
            format!("m{}::f{}", rng.below(4), rng.below(1000))
        } else {
            (0..1 + rng.below(8)).map(|_| rng.pick(&chars)).collect()
        };
        if seen.insert(id.clone()) {
            ids.push(id);
        }
    }
    ids
}

/// An object from its fields, in a random order, with random whitespace.
fn object(rng: &mut Rng, mut fields: Vec<(String, String)>) -> String {
    for i in (1..fields.len()).rev() {
        fields.swap(i, rng.below(i + 1));
    }
    let body: Vec<String> = fields
        .into_iter()
        .map(|(k, v)| format!("{}\"{k}\"{}:{}{v}{}", ws(rng), ws(rng), ws(rng), ws(rng)))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// An array of elements with random whitespace.
fn array(rng: &mut Rng, items: Vec<String>) -> String {
    let body: Vec<String> = items
        .into_iter()
        .map(|item| format!("{}{item}{}", ws(rng), ws(rng)))
        .collect();
    format!("[{}{}]", body.join(","), ws(rng))
}

/// A valid call graph file, of every shape the format allows.
fn valid_file(rng: &mut Rng) -> String {
    let count = 1 + rng.below(40);
    let ids = ids(rng, count);
    let nodes: Vec<String> = ids
        .iter()
        .map(|id| {
            let mut fields = vec![("id".to_string(), string(rng, id))];
            let resources = (0..rng.below(4))
                .map(|_| format!("\"db:{}\"", rng.below(3)))
                .collect();
            let duration = vec![
                ("p50".to_string(), number(rng)),
                ("max".to_string(), number(rng)),
                ("unknown".to_string(), junk(rng)),
            ];
            let optional = [
                ("module", format!("\"m{}\"", rng.below(3))),
                ("entry", "\"http\"".to_string()),
                ("stateful", rng.pick(&["true", "false"]).to_string()),
                ("resources", array(rng, resources)),
                ("invocations_per_day", number(rng)),
                ("duration_ms", object(rng, duration)),
                ("memory_mb", number(rng)),
                ("hints", "[\"sleep\", \"io-loop\"]".to_string()),
                ("location", "\"src/a.rs:3\"".to_string()),
                ("extra", junk(rng)),
            ];
            for (key, value) in optional {
                if rng.chance(25) {
                    fields.push((key.to_string(), value));
                }
            }
            object(rng, fields)
        })
        .collect();

    let mut edges: Vec<(usize, usize, String)> = (0..rng.below(120))
        .map(|_| {
            let (from, to) = (rng.below(ids.len()), rng.below(ids.len()));
            let mut fields = vec![
                ("from".to_string(), string(rng, &ids[from])),
                ("to".to_string(), string(rng, &ids[to])),
            ];
            if rng.chance(40) {
                fields.push(("weight".to_string(), number(rng)));
            }
            if rng.chance(30) {
                fields.push((
                    "async".to_string(),
                    rng.pick(&["true", "false"]).to_string(),
                ));
            }
            if rng.chance(30) {
                let confidence = rng.pick(&["1", "0.5", "0.25", "1e-1", "0.75"]).to_string();
                fields.push(("confidence".to_string(), confidence));
            }
            if rng.chance(10) {
                fields.push(("note".to_string(), junk(rng)));
            }
            (from, to, object(rng, fields))
        })
        .collect();
    // Calls grouped by caller (in file order of callers, or not), or in any order.
    match rng.below(3) {
        0 => edges.sort_by_key(|&(from, _, _)| from),
        1 => {
            let keys: Vec<u64> = (0..ids.len()).map(|_| rng.next()).collect();
            edges.sort_by_key(|&(from, _, _)| keys[from]);
        }
        _ => {}
    }
    let edges = array(rng, edges.into_iter().map(|(_, _, e)| e).collect());

    let mut top = vec![
        ("nodes".to_string(), array(rng, nodes)),
        ("edges".to_string(), edges),
    ];
    if rng.chance(50) {
        top.push(("version".to_string(), "1".to_string()));
    }
    for key in ["producer", "analysis", "more"] {
        if rng.chance(30) {
            top.push((key.to_string(), junk(rng)));
        }
    }
    format!("{}{}{}", ws(rng), object(rng, top), ws(rng))
}

/// A file with one thing wrong (or, rarely, still right).
fn broken_file(rng: &mut Rng) -> String {
    let text = valid_file(rng);
    let chars: Vec<char> = text.chars().collect();
    let at = rng.below(chars.len());
    let mut out: String;
    match rng.below(7) {
        0 => out = chars[..at].iter().collect(),
        1 => {
            out = chars
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != at)
                .map(|(_, c)| c)
                .collect()
        }
        2 => {
            let c = rng.pick(&['{', '}', '[', ']', ',', ':', '"', '\\', '-', 'x', '0', ' ']);
            out = chars[..at].iter().collect();
            out.push(c);
            out.extend(&chars[at..]);
        }
        3 => out = text.replacen("\"to\":", "\"to\": \"nowhere\", \"x\":", 1),
        4 => out = text.replacen("0.5", "-0.5", 1),
        5 => out = text.replacen("]", ",]", 1),
        _ => {
            // A duplicate node: the first node written twice.
            out = text.clone();
            if let Some(start) = text.find("[{")
                && let Some(len) = text[start + 1..].find('}')
            {
                let node = text[start + 1..start + 2 + len].to_string();
                out.insert_str(start + 1, &format!("{node},"));
            }
        }
    }
    out
}

/// The graph as the builder made it before: nodes sorted by id, a stable counting sort of the
/// edges by source, each row sorted stably by (target, async) and merged, edges added one by one.
fn reference_from_parts(
    mut nodes: Vec<Node>,
    edges: Vec<(usize, usize, Call)>,
) -> DiGraph<Node, Call> {
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_unstable_by(|&a, &b| nodes[a].id.cmp(&nodes[b].id));
    let mut new_pos = vec![0usize; nodes.len()];
    for (new, &old) in order.iter().enumerate() {
        new_pos[old] = new;
    }
    let mut taken: Vec<Option<Node>> = nodes.drain(..).map(Some).collect();
    let mut graph = DiGraph::with_capacity(taken.len(), edges.len());
    for &old in &order {
        if let Some(mut node) = taken[old].take() {
            node.resources.sort();
            node.resources.dedup();
            graph.add_node(node);
        }
    }
    let n = graph.node_count();
    let mut start = vec![0usize; n + 1];
    for &(f, _, _) in &edges {
        start[new_pos[f] + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut sorted: Vec<(usize, Call)> = vec![(0, Call::new(0.0, false)); edges.len()];
    for (f, t, c) in edges {
        let f = new_pos[f];
        sorted[fill[f]] = (new_pos[t], c);
        fill[f] += 1;
    }
    for f in 0..n {
        let row = &mut sorted[start[f]..start[f + 1]];
        row.sort_by_key(|&(t, c)| (t, c.is_async));
        let mut last: Option<(usize, Call)> = None;
        for &(t, c) in row.iter() {
            match &mut last {
                Some((lt, lc)) if (*lt, lc.is_async) == (t, c.is_async) => {
                    lc.weight += c.weight;
                    lc.confidence = lc.confidence.max(c.confidence);
                }
                _ => {
                    if let Some((lt, lc)) = last.replace((t, c)) {
                        graph.add_edge(NodeIndex::new(f), NodeIndex::new(lt), lc);
                    }
                }
            }
        }
        if let Some((lt, lc)) = last {
            graph.add_edge(NodeIndex::new(f), NodeIndex::new(lt), lc);
        }
    }
    graph
}

/// Everything about a graph that anyone can see: its nodes (all fields), its edges in order,
/// and the order of every adjacency list.
fn describe(graph: &CallGraph) -> String {
    let nodes: Vec<&Node> = graph.nodes().collect();
    let edges: Vec<(usize, usize, Call)> = graph.edges().collect();
    let mut out = format!("{nodes:?}\n{edges:?}\n");
    for i in 0..graph.node_count() {
        let outgoing: Vec<(usize, Call)> = graph.callees(i).map(|(t, c)| (t, *c)).collect();
        let incoming: Vec<(usize, Call)> = graph.callers(i).map(|(f, c)| (f, *c)).collect();
        out.push_str(&format!("{i} out {outgoing:?} in {incoming:?}\n"));
    }
    out
}

/// [`describe`] of the petgraph graph the builder made before: its adjacency lists are the
/// order [`CallGraph::callees`] and [`CallGraph::callers`] promise.
fn describe_reference(graph: &DiGraph<Node, Call>) -> String {
    let nodes: Vec<&Node> = graph.raw_nodes().iter().map(|n| &n.weight).collect();
    let edges: Vec<(usize, usize, Call)> = graph
        .raw_edges()
        .iter()
        .map(|e| (e.source().index(), e.target().index(), e.weight))
        .collect();
    let mut out = format!("{nodes:?}\n{edges:?}\n");
    for i in graph.node_indices() {
        let outgoing: Vec<(usize, Call)> = graph
            .edges(i)
            .map(|e| (e.target().index(), *e.weight()))
            .collect();
        let incoming: Vec<(usize, Call)> = graph
            .edges_directed(i, Direction::Incoming)
            .map(|e| (e.source().index(), *e.weight()))
            .collect();
        out.push_str(&format!("{} out {outgoing:?} in {incoming:?}\n", i.index()));
    }
    out
}

/// What the checked path makes of a file, built the old way: the graph described, or the error.
fn expected(text: &str) -> Result<String, String> {
    match checked_parts(text) {
        Ok((nodes, edges)) => Ok(describe_reference(&reference_from_parts(nodes, edges))),
        Err(e) => Err(e.to_string()),
    }
}

/// Checks the fast path, with every piece size, and `load_json`, against the checked path.
fn check(text: &str) {
    let expected = expected(text);
    for &piece in PIECES {
        let fast = parse_in_pieces(text, piece)
            .map(|parts| describe(&parts.into_graph(&mut crate::steps::Steps::start())));
        match &expected {
            Ok(graph) => assert_eq!(
                fast.as_ref(),
                Some(graph),
                "fast path with pieces of {piece} bytes differs on\n{text}"
            ),
            Err(e) => assert!(
                fast.is_none(),
                "fast path with pieces of {piece} bytes accepts what the checked path rejects \
                 ({e}):\n{text}"
            ),
        }
    }
    let loaded = load_json(text)
        .map(|g| describe(&g))
        .map_err(|e| e.to_string());
    assert_eq!(loaded, expected, "load_json differs on\n{text}");
    let owned = load_json_owned(text.to_string())
        .map(|g| describe(&g))
        .map_err(|e| e.to_string());
    assert_eq!(owned, expected, "load_json_owned differs on\n{text}");
}

#[test]
fn valid_files_give_the_same_graph_whatever_the_pieces() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..300 {
        let text = valid_file(&mut rng);
        if let Err(e) = expected(&text) {
            panic!("the generator wrote an invalid file ({e}):\n{text}");
        }
        check(&text);
    }
}

#[test]
fn broken_files_are_left_to_the_checked_path() {
    let mut rng = Rng(0x51_7c_c1_b7_27_22_0a_95);
    for _ in 0..600 {
        check(&broken_file(&mut rng));
    }
}

#[test]
fn larger_files_split_into_many_pieces() {
    let mut rng = Rng(42);
    let ids = ids(&mut rng, 3000);
    let nodes: Vec<String> = ids
        .iter()
        .map(|id| format!("{{\"id\": {}, \"module\": \"m\"}}", string(&mut rng, id)))
        .collect();
    let edges: Vec<String> = (0..20_000)
        .map(|i| {
            let (from, to) = (&ids[i / 7 % ids.len()], &ids[rng.below(ids.len())]);
            format!(
                "{{\"from\": {}, \"to\": {}, \"weight\": {}}}",
                string(&mut rng, from),
                string(&mut rng, to),
                rng.below(4)
            )
        })
        .collect();
    let text = format!(
        "{{\"version\": 1, \"nodes\": [\n{}\n], \"edges\": [\n{}\n]}}",
        nodes.join(",\n"),
        edges.join(",\n")
    );
    check(&text);
}
