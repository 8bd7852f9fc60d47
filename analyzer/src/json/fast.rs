//! The fast path of [`load_json`](super::load_json): a valid file read on all cores into owned
//! parts, or `None` at the first problem of any kind (the checked path then finds and names it).
//!
//! The top-level object is walked by hand, each value of it parsed by serde_json where it
//! starts. The `nodes` and `edges` arrays, nearly all of the text, are cut into pieces of about
//! [`PIECE`] bytes, parsed in parallel an element at a time ([`scan`] for the plain ones,
//! serde_json for the others), each edge resolved to node positions as it is read.
//!
//! A piece starts where an element seems to start (a `{` after `}` and `,`, where a node, or an
//! edge, parses): a guess, which is checked. Each piece must end by reaching, after an element
//! and a comma, exactly the start of the next piece, or by closing the array. Then the text is
//! the array's elements glued by commas, each parsed as the JSON value starting there; JSON
//! being unambiguous, that is the parse a sequential reader makes, whatever the guesses. When a
//! piece fails, the rest of the array is parsed again as one piece from its start (which the
//! piece before reached: an element's start).
//!
//! Parsing an element on its own rather than two levels deep inside the document changes
//! nothing: serde_json's nesting limit is only reached through typed values (ignored values do
//! not count), and no field of a node or an edge nests more than two levels.
//!
//! What outlives the parse (the outputs of the pieces, then the graph's strings) is allocated
//! by the calling thread; the threads that parse allocate only what they free. The allocator
//! keeps each thread's memory around whatever of it is still in use: strings of the graph made
//! on other threads would hold on to much of the memory those threads parsed with.

use std::borrow::Cow;

use rayon::prelude::*;
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::ids::{IdIndex, IdRun, Lookups, SortedIds};
use super::scan;
use super::{RawEdge, RawNode};
use crate::graph::Link;
use crate::{Call, CallGraph, Durations, Node};

/// Bytes of array text per piece: large enough that the per-piece work is noise, small enough
/// that the pieces balance over the threads.
const PIECE: usize = 1 << 20;

/// A valid file read into owned parts: nothing borrows the text any more.
pub(super) struct Parts {
    /// The ids in id order.
    ids: SortedIds,
    /// The rest of the nodes, in file order, in runs.
    nodes: Vec<NodeRun>,
    /// The edges as positions in id order, in runs whose concatenation is the file order.
    links: Vec<Vec<Link>>,
}

impl Parts {
    /// The graph: nodes sorted, edges merged and sorted.
    ///
    /// Every string the graph keeps is allocated here, by the calling thread, rather than by
    /// the threads that read the file among their short-lived buffers: the allocator then gives
    /// those buffers back once they are freed, instead of keeping the memory around the strings
    /// that outlive them.
    ///
    /// # Complexity
    /// O(V log r + E log d), r the runs of nodes, d the largest out-degree.
    pub(super) fn into_graph(self, steps: &mut crate::steps::Steps) -> CallGraph {
        let Parts {
            ids,
            nodes: runs,
            links,
        } = self;
        let starts: Vec<usize> = runs
            .iter()
            .scan(0, |start, run| {
                let this = *start;
                *start += run.nodes.len();
                Some(this)
            })
            .collect();
        let node = |pos: usize| {
            let at = ids.file_position(pos);
            let index = starts.partition_point(|&start| start <= at) - 1;
            runs[index].node(at - starts[index], ids.id(pos))
        };
        CallGraph::from_sorted_parts(ids.len(), node, links, steps)
    }
}

/// Reads a valid file into parts; `None` when anything is wrong with it.
///
/// # Complexity
/// O(n + V log V) for n bytes, in parallel over pieces of the arrays.
pub(super) fn parse(text: &str) -> Option<Parts> {
    parse_in_pieces(text, PIECE)
}

/// [`parse`] with pieces of about `piece` bytes.
fn parse_in_pieces(text: &str, piece: usize) -> Option<Parts> {
    let mut nodes: Option<(Vec<NodeRun>, IdIndex)> = None;
    let mut links = None;
    // An `edges` array written before the nodes is parsed once they are known.
    let mut early_edges = None;
    let mut version = false;
    let mut at = skip_ws(text, 0);
    expect(text, at, b'{')?;
    at = skip_ws(text, at + 1);
    if byte(text, at)? == b'}' {
        at += 1;
    } else {
        loop {
            expect(text, at, b'"')?;
            let (key, end) = value_at::<Cow<'_, str>>(text, at)?;
            at = skip_ws(text, end);
            expect(text, at, b':')?;
            at = skip_ws(text, at + 1);
            at = match key.as_ref() {
                "version" if !version => {
                    version = true;
                    value_at::<IgnoredAny>(text, at)?.1
                }
                "nodes" if nodes.is_none() => {
                    let (list, index, end) = parse_nodes(text, at, piece)?;
                    nodes = Some((list, index));
                    end
                }
                "edges" if links.is_none() && early_edges.is_none() => match &nodes {
                    Some((_, index)) => {
                        let (list, end) = parse_edges(text, at, index, piece)?;
                        links = Some(list);
                        end
                    }
                    None => {
                        early_edges = Some(at);
                        value_at::<IgnoredAny>(text, at)?.1
                    }
                },
                "version" | "nodes" | "edges" => return None,
                _ => value_at::<IgnoredAny>(text, at)?.1,
            };
            at = skip_ws(text, at);
            match byte(text, at)? {
                b',' => at = skip_ws(text, at + 1),
                b'}' => {
                    at += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    if skip_ws(text, at) != text.len() {
        return None;
    }
    let (nodes, index) = nodes?;
    let links = match (links, early_edges) {
        (Some(links), _) => links,
        (None, Some(at)) => parse_edges(text, at, &index, piece)?.0,
        (None, None) => Vec::new(),
    };
    Some(Parts {
        ids: index.into_sorted(),
        nodes,
        links,
    })
}

/// The `nodes` array at `at`: the nodes but for their ids in file order (in runs), their ids,
/// and where the array ends; `None` also when it is empty.
fn parse_nodes(text: &str, at: usize, piece: usize) -> Option<(Vec<NodeRun>, IdIndex, usize)> {
    // The `edges` key most likely follows the array: no piece starts after it.
    let guess_end = memchr::memmem::find(text.as_bytes().get(at..)?, b"\"edges\"")
        .map_or(text.len(), |i| at + i);
    let is_node = |at| node_at(text, at).is_some();
    let new = |bytes| (NodeRun::with_capacity(bytes), IdRun::with_capacity(bytes));
    let parse = |(run, ids): &mut (NodeRun, IdRun), first, stop| {
        elements(text, first, stop, |at| {
            let (raw, end) = node_at(text, at)?;
            if !raw.numbers_valid() {
                return None;
            }
            ids.push(&raw.id);
            run.push(raw)?;
            Some(end)
        })
    };
    let (pieces, end) = parse_array(text, at, guess_end, piece, is_node, new, parse)?;
    let (nodes, ids): (Vec<_>, Vec<_>) = pieces.into_iter().unzip();
    let index = IdIndex::new(ids)?;
    Some((nodes, index, end))
}

/// Nodes as read, but for their ids (the id index keeps those), their strings back to back:
/// most nodes have just an id and a module, so a node takes a tenth of a [`Node`]'s size until
/// the graph is built, and the threads that read the nodes allocate nothing that lasts.
struct NodeRun {
    /// The strings of the nodes, back to back.
    text: String,
    /// Where the strings of lists (resources, hints) are in `text`.
    items: Vec<Span>,
    /// The nodes, in file order.
    nodes: Vec<CompactNode>,
    /// What the nodes with more than an id and a module have besides.
    rest: Vec<RestNode>,
}

/// Where a string is in [`NodeRun::text`], or a list in [`NodeRun::items`]: `start..end`.
type Span = (u32, u32);

/// A node without its id.
struct CompactNode {
    /// Its module.
    module: Option<Span>,
    /// Where the rest of it is in [`NodeRun::rest`], when it has more.
    rest: Option<u32>,
}

/// The fields of a node besides its id and module, as [`Node`] has them, strings as spans.
struct RestNode {
    entry: Option<Span>,
    stateful: bool,
    resources: Span,
    invocations_per_day: Option<f64>,
    duration_ms: Option<Durations>,
    memory_mb: Option<f64>,
    hints: Span,
    location: Option<Span>,
}

impl NodeRun {
    /// No nodes yet, with room for those of a piece of `bytes` bytes.
    fn with_capacity(bytes: usize) -> NodeRun {
        NodeRun {
            text: String::with_capacity(bytes / MODULE_PART),
            items: Vec::with_capacity(bytes / REST_BYTES + 1),
            nodes: Vec::with_capacity(bytes / NODE_BYTES),
            rest: Vec::with_capacity(bytes / REST_BYTES + 1),
        }
    }

    /// Appends a node, but for its id; `None` when the run outgrows `u32` offsets.
    fn push(&mut self, raw: RawNode<'_>) -> Option<()> {
        let module = self.optional(raw.module.as_deref())?;
        let node = RawNode {
            id: Cow::Borrowed(""),
            module: None,
            ..raw
        }
        .into_node();
        let rest = if node == Node::default() {
            None
        } else {
            let rest = RestNode {
                entry: self.optional(node.entry.as_deref())?,
                stateful: node.stateful,
                resources: self.list(&node.resources)?,
                invocations_per_day: node.invocations_per_day,
                duration_ms: node.duration_ms,
                memory_mb: node.memory_mb,
                hints: self.list(&node.hints)?,
                location: self.optional(node.location.as_deref())?,
            };
            self.rest.push(rest);
            Some(u32::try_from(self.rest.len() - 1).ok()?)
        };
        self.nodes.push(CompactNode { module, rest });
        Some(())
    }

    /// Appends a string to `text`.
    fn string(&mut self, s: &str) -> Option<Span> {
        let start = u32::try_from(self.text.len()).ok()?;
        self.text.push_str(s);
        Some((start, u32::try_from(self.text.len()).ok()?))
    }

    /// Appends a string if there is one (`None` only when `text` outgrows `u32` offsets).
    fn optional(&mut self, s: Option<&str>) -> Option<Option<Span>> {
        match s {
            Some(s) => Some(Some(self.string(s)?)),
            None => Some(None),
        }
    }

    /// Appends a list of strings to `items`.
    fn list(&mut self, list: &[String]) -> Option<Span> {
        let start = u32::try_from(self.items.len()).ok()?;
        for s in list {
            let span = self.string(s)?;
            self.items.push(span);
        }
        Some((start, u32::try_from(self.items.len()).ok()?))
    }

    /// The node at `at`, with this id; its strings are allocated here.
    fn node(&self, at: usize, id: &str) -> Node {
        let string = |(start, end): Span| self.text[start as usize..end as usize].to_string();
        let list = |(start, end): Span| -> Vec<String> {
            self.items[start as usize..end as usize]
                .iter()
                .map(|&span| string(span))
                .collect()
        };
        let compact = &self.nodes[at];
        let node = Node {
            id: id.to_string(),
            module: compact.module.map(string),
            ..Node::default()
        };
        match compact.rest {
            None => node,
            Some(rest) => {
                let rest = &self.rest[rest as usize];
                Node {
                    entry: rest.entry.map(string),
                    stateful: rest.stateful,
                    resources: list(rest.resources),
                    invocations_per_day: rest.invocations_per_day,
                    duration_ms: rest.duration_ms,
                    memory_mb: rest.memory_mb,
                    hints: list(rest.hints),
                    location: rest.location.map(string),
                    ..node
                }
            }
        }
    }
}

/// Bytes a node usually takes at least in a file: the outputs of a piece are sized for that
/// many nodes (what is reserved and not used is never touched; what is missing is added).
const NODE_BYTES: usize = 40;

/// Bytes an edge usually takes at least in a file, likewise.
const EDGE_BYTES: usize = 40;

/// The strings of nodes but their ids usually take at most this fraction of the bytes (1/8).
const MODULE_PART: usize = 8;

/// Bytes per node with more than an id and a module, usually at least.
const REST_BYTES: usize = 400;

/// Edges resolved together by [`Resolver::resolve`]: enough for the cache misses of their
/// lookups to overlap, few enough to stay in cache.
const BATCH: usize = 64;

/// The `edges` array at `at`, resolved against `index`: runs of links in file order, and where
/// the array ends.
fn parse_edges(
    text: &str,
    at: usize,
    index: &IdIndex,
    piece: usize,
) -> Option<(Vec<Vec<Link>>, usize)> {
    let is_edge = |at| edge_at(text, at).is_some();
    let new = |bytes| Vec::with_capacity(bytes / EDGE_BYTES);
    let parse = |links: &mut Vec<Link>, first, stop| {
        let mut batch = Resolver::default();
        let end = elements(text, first, stop, |at| {
            let (edge, end) = edge_at(text, at)?;
            batch.edges.push(edge);
            if batch.edges.len() == BATCH {
                batch.resolve(index, links)?;
            }
            Some(end)
        })?;
        batch.resolve(index, links)?;
        Some(end)
    };
    parse_array(text, at, text.len(), piece, is_edge, new, parse)
}

/// Edges read but not yet resolved, and the buffers resolving them takes.
#[derive(Default)]
struct Resolver<'a> {
    /// The edges, in file order.
    edges: Vec<RawEdge<'a>>,
    /// The last caller resolved: producers usually write a node's calls together, so a caller
    /// is looked up once for all of them.
    last: Option<(Cow<'a, str>, u32)>,
    /// Positions of the ids looked up.
    found: Vec<Option<u32>>,
    /// The last lookups, and buffers.
    lookups: Lookups,
}

impl<'a> Resolver<'a> {
    /// Resolves the edges to node positions and calls, appended to `links`; `None` when one
    /// names an unknown node or carries an invalid number.
    fn resolve(&mut self, index: &IdIndex, links: &mut Vec<Link>) -> Option<()> {
        // Callers that differ from the previous edge's, and every callee.
        let mut ids = Vec::with_capacity(2 * self.edges.len());
        let mut caller = self.last.as_ref().map(|(id, _)| id.as_ref());
        for edge in &self.edges {
            if caller != Some(edge.from.as_ref()) {
                ids.push(edge.from.as_ref());
                caller = Some(edge.from.as_ref());
            }
            ids.push(edge.to.as_ref());
        }
        self.found.clear();
        index.positions(&ids, &mut self.lookups, &mut self.found);
        drop(ids);
        let mut found = self.found.iter().copied();
        for edge in self.edges.drain(..) {
            let from = match &self.last {
                Some((id, p)) if *id == edge.from => *p,
                _ => found.next()??,
            };
            let to = found.next()??;
            let weight = edge.weight.unwrap_or(1.0);
            let confidence = edge.confidence.unwrap_or(1.0);
            if !(super::in_range(weight) && confidence > 0.0 && confidence <= 1.0) {
                return None;
            }
            self.last = Some((edge.from, from));
            links.push(Link {
                from,
                to,
                call: Call {
                    weight,
                    is_async: edge.is_async.unwrap_or(false),
                    confidence,
                },
            });
        }
        Some(())
    }
}

/// How a piece of an array ended.
enum End {
    /// At the start of the next piece.
    Boundary,
    /// At the array's `]`; the array ends before this position.
    Close(usize),
}

/// Parses the array whose `[` is at `open` in pieces, in parallel: `parse_piece(out, first,
/// stop)` parses into `out` the elements from the one at `first`, up to the one at `stop`
/// (excluded) or to the end of the array when `stop` is `None`. Pieces start at guessed element
/// starts before `guess_end` where `plausible` (an element parses there). Returns the outputs of
/// the pieces up to the array's end, in order, and the position after the array.
///
/// The outputs are made by `new(bytes)` (sized for a piece of that many bytes) on the calling
/// thread: what the pieces keep is then allocated where the rest of the graph is, and the
/// threads that parse allocate only what they free.
///
/// # Complexity
/// That of the pieces, plus O(n / piece) to place them; the rest of the array again from a
/// piece that fails.
fn parse_array<T: Send>(
    text: &str,
    open: usize,
    guess_end: usize,
    piece: usize,
    plausible: impl Fn(usize) -> bool,
    new: impl Fn(usize) -> T,
    parse_piece: impl Fn(&mut T, usize, Option<usize>) -> Option<End> + Sync,
) -> Option<(Vec<T>, usize)> {
    expect(text, open, b'[')?;
    let first = skip_ws(text, open + 1);
    if byte(text, first)? == b']' {
        return Some((Vec::new(), first + 1));
    }
    let bytes = |start: usize, stop: Option<usize>| {
        let end = stop.unwrap_or(guess_end).max(start);
        (end - start).min(MAX_SIZED)
    };
    let starts = piece_starts(text.as_bytes(), first, guess_end, piece, plausible);
    let stops = starts.iter().skip(1).map(|&s| Some(s)).chain([None]);
    let pieces: Vec<(usize, Option<usize>, T)> = starts
        .iter()
        .zip(stops)
        .map(|(&start, stop)| (start, stop, new(bytes(start, stop))))
        .collect();
    let results: Vec<Option<(T, End)>> = pieces
        .into_par_iter()
        .map(|(start, stop, mut out)| Some((parse_piece(&mut out, start, stop)?, out)))
        .map(|parsed| parsed.map(|(end, out)| (out, end)))
        .collect();
    let mut parsed = Vec::with_capacity(results.len());
    let mut resume = first;
    for (result, start) in results.into_iter().zip(starts) {
        match result {
            Some((value, End::Boundary)) => parsed.push(value),
            Some((value, End::Close(end))) => {
                parsed.push(value);
                return Some((parsed, end));
            }
            None => {
                resume = start;
                break;
            }
        }
    }
    // A wrong guess or invalid input. The piece before the first that failed reached its start
    // exactly, an element's start then: the rest of the array, read as one piece, tells which.
    let mut out = new(bytes(resume, None));
    match parse_piece(&mut out, resume, None)? {
        End::Close(end) => {
            parsed.push(out);
            Some((parsed, end))
        }
        End::Boundary => None,
    }
}

/// Most bytes of text the outputs of a piece are sized for: beyond, they grow.
const MAX_SIZED: usize = 1 << 26;

/// Where the pieces start: `first`, then every `piece` bytes or so the next place before
/// `guess_end` where an element of an array of objects seems to start and is `plausible`.
fn piece_starts(
    bytes: &[u8],
    first: usize,
    guess_end: usize,
    piece: usize,
    plausible: impl Fn(usize) -> bool,
) -> Vec<usize> {
    let mut starts = vec![first];
    let mut from = first.saturating_add(piece.max(1));
    let mut tries = 0;
    while let Some(start) = next_element_start(bytes, from, guess_end) {
        if plausible(start) {
            starts.push(start);
            from = start.saturating_add(piece.max(1));
            tries = 0;
        } else if tries < MAX_TRIES {
            from = start;
            tries += 1;
        } else {
            // Elements full of nested arrays of objects: the rest is one piece.
            break;
        }
    }
    starts
}

/// Candidates tried in a row for the start of a piece.
const MAX_TRIES: usize = 16;

/// The first `{` after a `,` in `from..end` that follows `}` and the `,` with only whitespace
/// between them.
fn next_element_start(bytes: &[u8], mut from: usize, end: usize) -> Option<usize> {
    while from < end {
        let comma = from + memchr::memchr(b',', bytes.get(from..end)?)?;
        let before = bytes[..comma].iter().rposition(|&b| !is_ws(b));
        let after = comma + 1 + bytes.get(comma + 1..)?.iter().position(|&b| !is_ws(b))?;
        if before.is_some_and(|b| bytes[b] == b'}') && bytes[after] == b'{' {
            return Some(after);
        }
        from = comma + 1;
    }
    None
}

/// Calls `element` on the elements of an array from the one at `first` on (`element` parses
/// the element at a position and returns the position after it), until the one at `stop` or,
/// when `stop` is `None`, the end of the array. `None` when an element fails or the text
/// between elements is not what it must be.
fn elements(
    text: &str,
    first: usize,
    stop: Option<usize>,
    mut element: impl FnMut(usize) -> Option<usize>,
) -> Option<End> {
    let mut at = first;
    loop {
        let after = skip_ws(text, element(at)?);
        match byte(text, after)? {
            b',' => {
                at = skip_ws(text, after + 1);
                match stop {
                    Some(stop) if at == stop => return Some(End::Boundary),
                    Some(stop) if at > stop => return None,
                    _ => {}
                }
            }
            b']' => return Some(End::Close(after + 1)),
            _ => return None,
        }
    }
}

/// The node starting at `at` and the position after it: by [`scan`] when it is plain, as
/// nearly all are, else by serde_json.
fn node_at(text: &str, at: usize) -> Option<(RawNode<'_>, usize)> {
    scan::node(text, at).or_else(|| value_at(text, at))
}

/// The edge starting at `at` and the position after it, as [`node_at`] reads nodes.
fn edge_at(text: &str, at: usize) -> Option<(RawEdge<'_>, usize)> {
    scan::edge(text, at).or_else(|| value_at(text, at))
}

/// The JSON value starting at `at` (no whitespace before it) and the position after it.
fn value_at<'a, T: Deserialize<'a>>(text: &'a str, at: usize) -> Option<(T, usize)> {
    let mut values = serde_json::Deserializer::from_str(text.get(at..)?).into_iter::<T>();
    let value = values.next()?.ok()?;
    Some((value, at + values.byte_offset()))
}

/// The byte at `at`, if any.
fn byte(text: &str, at: usize) -> Option<u8> {
    text.as_bytes().get(at).copied()
}

/// `Some` when the byte at `at` is `b`.
fn expect(text: &str, at: usize, b: u8) -> Option<()> {
    (byte(text, at)? == b).then_some(())
}

/// JSON whitespace, as serde_json skips it.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

/// The first position from `at` on that is not whitespace (or the end).
fn skip_ws(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = at;
    while bytes.get(at).is_some_and(|&b| is_ws(b)) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests;
