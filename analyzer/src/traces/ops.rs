//! Spans → operations and calls: the figures' types, and the analysis of one trace's spans
//! (fragments merged, client/server pairs and duplicates sorted out, every span's calling
//! operation found); client and producer spans are the calling side of an edge, not operations of
//! their own. [`summarize`] runs them over whole exports through [`TraceAggregate`].

use std::collections::BTreeSet;

use rustc_hash::FxHashMap;

use super::aggregate::{TraceAggregate, is_exit};
use super::{Span, SpanKind, Traces};

/// Parent chains longer than this are treated as cycles (corrupt exports).
const MAX_DEPTH: usize = 10_000;

/// One operation (service + span name) with its measured figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Service that runs it.
    pub service: String,
    /// Span name.
    pub name: String,
    /// Spans seen.
    pub count: u64,
    /// Invocations per day, scaled from the window (None when no span carries a timestamp).
    pub per_day: Option<f64>,
    /// Median duration, ms.
    pub p50_ms: Option<f64>,
    /// 95th percentile duration, ms.
    pub p95_ms: Option<f64>,
    /// Longest duration, ms.
    pub max_ms: Option<f64>,
    /// Trigger when spans of it start traces (`http`, `queue`, `event`).
    pub entry: Option<String>,
    /// `code.namespace` attribute, if any span carried it.
    pub code_namespace: Option<String>,
    /// `code.function` attribute, if any span carried it.
    pub code_function: Option<String>,
    /// Data stores and brokers it calls without a traced counterpart (`db:app_db`, `queue:kafka`).
    pub resources: BTreeSet<String>,
}

impl Operation {
    /// `service::name`: the node id of this operation when traces alone make the graph.
    pub fn key(&self) -> String {
        format!("{}::{}", self.service, self.name)
    }
}

/// Calls from one operation to another, counted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceCall {
    /// Calling operation (index in `operations`).
    pub from: usize,
    /// Called operation.
    pub to: usize,
    /// Calls seen.
    pub count: u64,
    /// Through a message or a follows-from relation.
    pub is_async: bool,
}

/// Operations and calls derived from one or more exports.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceSummary {
    /// Operations sorted by (service, name).
    pub operations: Vec<Operation>,
    /// Calls sorted by (from, to, async).
    pub calls: Vec<TraceCall>,
    /// Spans read.
    pub spans: usize,
    /// Distinct traces.
    pub traces: usize,
    /// The window the rates were scaled from, seconds (summed over files).
    pub window_s: f64,
    /// Problems met, each with a count.
    pub warnings: Vec<String>,
}

/// Derives operations and calls from trace exports, each with its own window. `window_s`
/// overrides the observed time window of every export (for sampled exports).
///
/// # Complexity
/// O(S log S) for S spans.
pub fn summarize(files: &[Traces], window_s: Option<f64>) -> TraceSummary {
    let mut agg = TraceAggregate::new(window_s);
    for file in files {
        for span in &file.spans {
            agg.add_span(span.clone());
        }
        agg.note(&file.warnings);
        agg.end_export();
    }
    agg.finish()
}

/// How the spans of one trace hang together.
pub(super) struct TraceShape {
    /// Later copies of a span id, left out.
    pub dropped: Vec<bool>,
    /// Spans something hangs under.
    pub has_child: Vec<bool>,
    /// Each span's calling operation and whether the way up crossed a message.
    pub callers: Vec<Option<(usize, bool)>>,
    /// Problems found, counted: each as a singular phrase, the noun first (`span whose …`).
    pub warnings: Vec<(&'static str, usize)>,
    parents: Vec<Option<usize>>,
    exits: Vec<bool>,
}

impl TraceShape {
    /// Indexes the spans of one trace (fragments merged) and finds every span's parent and
    /// calling operation.
    ///
    /// # Complexity
    /// O(n) hash operations for n spans.
    pub(super) fn of(spans: &[Span]) -> TraceShape {
        let mut warnings: Vec<(&'static str, usize)> = Vec::new();
        let mut count = |what: &'static str, n: usize| {
            if n > 0 {
                warnings.push((what, n));
            }
        };
        // Index spans; the server halves of client/server pairs sharing an id are indexed apart.
        let mut by_id: FxHashMap<&str, usize> = FxHashMap::default();
        let mut shared_by_id: FxHashMap<&str, usize> = FxHashMap::default();
        let mut server_half = vec![false; spans.len()];
        let mut dropped = vec![false; spans.len()];
        let mut duplicates = 0;
        for (i, s) in spans.iter().enumerate() {
            let key = s.span_id.as_str();
            if s.shared && s.kind == SpanKind::Server {
                server_half[i] = true;
                if shared_by_id.insert(key, i).is_some() {
                    duplicates += 1;
                    dropped[i] = true;
                }
                continue;
            }
            match by_id.get(key).copied() {
                None => {
                    by_id.insert(key, i);
                }
                // An older exporter's client/server pair without the `shared` flag.
                Some(first)
                    if spans[first].kind == SpanKind::Client
                        && s.kind == SpanKind::Server
                        && !shared_by_id.contains_key(key) =>
                {
                    server_half[i] = true;
                    shared_by_id.insert(key, i);
                }
                Some(_) => {
                    duplicates += 1;
                    dropped[i] = true;
                }
            }
        }
        count(
            "span with a duplicate id (later copies dropped)",
            duplicates,
        );
        let parent_of = |i: usize| -> Option<usize> {
            let s = &spans[i];
            if server_half[i]
                && let Some(&c) = by_id.get(s.span_id.as_str())
            {
                return Some(c);
            }
            let key = s.parent_id.as_deref()?;
            // A parent id shared by a client/server pair: children on the server's side hang
            // under the server half.
            let server = shared_by_id.get(key).copied();
            match server {
                Some(h) if spans[h].service == s.service => Some(h),
                _ => by_id.get(key).copied().or(server),
            }
        };
        let parents: Vec<Option<usize>> = (0..spans.len()).map(parent_of).collect();
        let exits: Vec<bool> = spans.iter().map(|s| is_exit(s.kind)).collect();
        let is_op = |i: usize| !exits[i] || parents[i].is_none();
        let mut has_child = vec![false; spans.len()];
        let mut orphans = 0;
        for i in 0..spans.len() {
            if dropped[i] {
                continue;
            }
            if let Some(p) = parents[i] {
                has_child[p] = true;
            } else if spans[i].parent_id.is_some() {
                orphans += 1;
            }
        }
        count("span whose parent is missing (treated as roots)", orphans);
        // The operation each span is called from, found once for all spans (a long chain of
        // client spans would otherwise be walked again from each of its members).
        let (callers, looped) = callers(spans, &dropped, &|i| parents[i], &is_op);
        count(
            "span whose parents form a cycle or a chain too deep (callers unknown)",
            looped,
        );
        TraceShape {
            dropped,
            has_child,
            callers,
            warnings,
            parents,
            exits,
        }
    }

    /// The span `i` hangs under.
    pub(super) fn parent(&self, i: usize) -> Option<usize> {
        self.parents[i]
    }

    /// Whether span `i` is an operation (not the calling side of a call, unless it starts one).
    pub(super) fn is_op(&self, i: usize) -> bool {
        !self.exits[i] || self.parents[i].is_none()
    }
}

/// Zipkin reporters may send one span in fragments (same trace, id and service: late annotations,
/// a separately reported end). Fragments merge into one span: earliest start, longest duration,
/// the first stated kind and name, all tags. Each keeps the arrival number of its first fragment.
pub(super) fn merge_fragments(spans: Vec<(u64, Span)>) -> Vec<(u64, Span)> {
    let mut out: Vec<(u64, Span)> = Vec::with_capacity(spans.len());
    let mut seen: FxHashMap<(String, String), usize> = FxHashMap::default();
    for (seq, s) in spans {
        let key = (s.span_id.clone(), s.service.clone());
        match seen.get(&key) {
            Some(&at) => {
                let m = &mut out[at].1;
                if m.kind == SpanKind::Internal {
                    m.kind = s.kind;
                }
                m.shared |= s.shared;
                m.start_us = match (m.start_us, s.start_us) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                m.duration_us = match (m.duration_us, s.duration_us) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
                if m.parent_id.is_none() {
                    m.parent_id = s.parent_id;
                }
                if m.remote_service.is_none() {
                    m.remote_service = s.remote_service;
                }
                for (k, v) in s.attributes {
                    m.attributes.entry(k).or_insert(v);
                }
            }
            None => {
                seen.insert(key, out.len());
                out.push((seq, s));
            }
        }
    }
    out
}

/// For every span, the nearest ancestor that is an operation, and whether the way up crossed a
/// message (a consumer span, a producer span, or a follows-from reference); `None` for a root, a
/// dropped span, or a chain that loops (a span its own parent included) or runs deeper than
/// [`MAX_DEPTH`]; with the number of spans whose chain did.
///
/// Each span's answer is its parent's (when the parent is not an operation) with one more step,
/// so the chains are walked once: every span is resolved when first met and remembered.
///
/// # Complexity
/// O(n) parent lookups for n spans.
fn callers(
    spans: &[Span],
    dropped: &[bool],
    parent: &dyn Fn(usize) -> Option<usize>,
    is_op: &impl Fn(usize) -> bool,
) -> (Vec<Option<(usize, bool)>>, usize) {
    let n = spans.len();
    let mut looped = 0;
    let mut out: Vec<Option<(usize, bool)>> = vec![None; n];
    let mut done = vec![false; n];
    let mut on_path = vec![false; n];
    let mut path: Vec<usize> = Vec::new();
    // Whether the step from `child` up to `p` crosses a message.
    let step = |child: usize, p: usize| {
        let c = &spans[child];
        c.kind == SpanKind::Consumer || c.follows_from || spans[p].kind == SpanKind::Producer
    };
    for start in 0..n {
        if done[start] || dropped[start] {
            continue;
        }
        path.clear();
        let mut current = start;
        // What the last span on the path resolves to.
        let tail = loop {
            if done[current] {
                // `current` is the parent of the last span on the path, and not an operation.
                let last = *path.last().expect("the start span is never done yet");
                break out[current].map(|(q, a)| (q, a || step(last, current)));
            }
            if on_path[current] || path.len() >= MAX_DEPTH {
                looped += path.len();
                break None;
            }
            on_path[current] = true;
            path.push(current);
            match parent(current) {
                None => break None,
                Some(p) if p == current => {
                    looped += path.len();
                    break None;
                }
                Some(p) if is_op(p) => break Some((p, step(current, p))),
                Some(p) => current = p,
            }
        };
        // Unwind: the last span gets `tail`; each earlier one its parent's answer plus its step.
        let mut above = tail;
        for (k, &span) in path.iter().enumerate().rev() {
            let answer = if k + 1 == path.len() {
                above
            } else {
                above.map(|(q, a)| (q, a || step(span, path[k + 1])))
            };
            out[span] = answer;
            done[span] = true;
            on_path[span] = false;
            above = answer;
        }
    }
    (out, looped)
}

pub(super) fn resource_of(s: &Span) -> Option<String> {
    let a = &s.attributes;
    let remote = s.remote_service.clone();
    let is_db = a.keys().any(|k| k.starts_with("db.") || k == "sql.query");
    let is_msg = s.kind == SpanKind::Producer
        || a.keys().any(|k| {
            k.starts_with("messaging.") || k.starts_with("kafka.") || k.starts_with("rabbit.")
        });
    if is_db {
        let name = a
            .get("db.name")
            .cloned()
            .or(remote)
            .unwrap_or_else(|| "db".to_string());
        Some(format!("db:{name}"))
    } else if is_msg {
        let name = a
            .get("messaging.destination.name")
            .or_else(|| a.get("messaging.destination"))
            .or_else(|| a.get("kafka.topic"))
            .or_else(|| a.get("rabbit.queue"))
            .cloned()
            .filter(|x| !x.is_empty())
            .or(remote)
            .unwrap_or_else(|| "broker".to_string());
        Some(format!("queue:{name}"))
    } else {
        None
    }
}

pub(super) fn entry_of(s: &Span) -> String {
    match s.kind {
        SpanKind::Consumer => "queue".to_string(),
        SpanKind::Producer => "event".to_string(),
        SpanKind::Server | SpanKind::Client => {
            if s.attributes.contains_key("rpc.system") {
                "grpc".to_string()
            } else {
                "http".to_string()
            }
        }
        SpanKind::Internal => "event".to_string(),
    }
}
