//! Spans → operations and calls: per operation the invocations per day (scaled from the observed
//! window, or from a given one), duration percentiles, and parent → child call counts; client and
//! producer spans are the calling side of an edge, not operations of their own.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Span, SpanKind, Traces};

const SECONDS_PER_DAY: f64 = 86_400.0;
/// Parent chains longer than this are treated as cycles (corrupt exports).
const MAX_DEPTH: usize = 10_000;
/// Shortest observed window rates are scaled from: a few milliseconds of spans say nothing about
/// a daily rate (a `--traces-window` is needed then).
const MIN_RATE_WINDOW_S: f64 = 60.0;
/// Share of spans at each end whose start times may be outliers.
const OUTLIER_SHARE: f64 = 0.01;

/// The time range the spans cover, in seconds, and how many spans were left out of it as
/// outliers; `None` when no span has a timestamp.
///
/// The robust core is the range between the 1st and 99th percentiles of start times; a span
/// starting more than that core's length (at least a minute) beyond it is an outlier. With no
/// outlier the window is the full range of starts and ends, as before.
///
/// # Complexity
/// O(n log n) for n timestamped spans.
fn observed_window(spans: &[Span]) -> (Option<f64>, usize) {
    let mut starts: Vec<f64> = spans
        .iter()
        .filter_map(|s| s.start_us.filter(|t| t.is_finite()))
        .collect();
    if starts.is_empty() {
        return (None, 0);
    }
    starts.sort_unstable_by(f64::total_cmp);
    let n = starts.len();
    let at = |q: f64| starts[((n - 1) as f64 * q).round() as usize];
    let (lo_core, hi_core) = (at(OUTLIER_SHARE), at(1.0 - OUTLIER_SHARE));
    let slack = (hi_core - lo_core).max(60e6);
    let keep = |t: f64| t >= lo_core - slack && t <= hi_core + slack;
    let outliers = starts.iter().filter(|&&t| !keep(t)).count();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for s in spans {
        if let Some(t) = s
            .start_us
            .filter(|&t| t.is_finite() && (outliers == 0 || keep(t)))
        {
            lo = lo.min(t);
            hi = hi.max(t + s.duration_us.unwrap_or(0.0).max(0.0));
        }
    }
    (Some(if hi >= lo { (hi - lo) / 1e6 } else { 0.0 }), outliers)
}

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

/// (service, span name).
type OpKey = (String, String);

#[derive(Default)]
struct Acc {
    count: u64,
    per_day: f64,
    timed: bool,
    durations: Vec<f64>,
    entry: Option<String>,
    namespace: Option<String>,
    function: Option<String>,
    resources: BTreeSet<String>,
}

/// Derives operations and calls from trace exports. `window_s` overrides the observed time window
/// of every file (for sampled exports).
///
/// # Complexity
/// O(S log S) for S spans.
pub fn summarize(files: &[Traces], window_s: Option<f64>) -> TraceSummary {
    let mut ops: BTreeMap<OpKey, Acc> = BTreeMap::new();
    let mut calls: BTreeMap<(OpKey, OpKey, bool), u64> = BTreeMap::new();
    let mut warnings: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut extra = Vec::new();
    let mut spans_total = 0;
    let mut traces = BTreeSet::new();
    let mut window_total = 0.0;
    for file in files {
        extra.extend(file.warnings.iter().cloned());
        spans_total += file.spans.len();
        let spans = &merge_fragments(&file.spans);
        // Index spans; the server halves of client/server pairs sharing an id are indexed apart.
        let mut by_id: HashMap<(&str, &str), usize> = HashMap::new();
        let mut shared_by_id: HashMap<(&str, &str), usize> = HashMap::new();
        let mut server_half = vec![false; spans.len()];
        let mut dropped = vec![false; spans.len()];
        for (i, s) in spans.iter().enumerate() {
            traces.insert(s.trace_id.clone());
            let key = (s.trace_id.as_str(), s.span_id.as_str());
            if s.shared && s.kind == SpanKind::Server {
                server_half[i] = true;
                if shared_by_id.insert(key, i).is_some() {
                    *warnings
                        .entry("duplicate span ids (later copies dropped)")
                        .or_default() += 1;
                    dropped[i] = true;
                }
                continue;
            }
            match by_id.get(&key).copied() {
                None => {
                    by_id.insert(key, i);
                }
                // An older exporter's client/server pair without the `shared` flag.
                Some(first)
                    if spans[first].kind == SpanKind::Client
                        && s.kind == SpanKind::Server
                        && !shared_by_id.contains_key(&key) =>
                {
                    server_half[i] = true;
                    shared_by_id.insert(key, i);
                }
                Some(_) => {
                    *warnings
                        .entry("duplicate span ids (later copies dropped)")
                        .or_default() += 1;
                    dropped[i] = true;
                }
            }
        }
        let parent = |i: usize| -> Option<usize> {
            let s = &spans[i];
            if server_half[i]
                && let Some(&c) = by_id.get(&(s.trace_id.as_str(), s.span_id.as_str()))
            {
                return Some(c);
            }
            let key = (s.trace_id.as_str(), s.parent_id.as_deref()?);
            // A parent id shared by a client/server pair: children on the server's side hang
            // under the server half.
            let server = shared_by_id.get(&key).copied();
            match server {
                Some(h) if spans[h].service == s.service => Some(h),
                _ => by_id.get(&key).copied().or(server),
            }
        };
        let is_exit = |i: usize| matches!(spans[i].kind, SpanKind::Client | SpanKind::Producer);
        let is_op = |i: usize| !is_exit(i) || parent(i).is_none();
        let mut has_child = vec![false; spans.len()];
        for i in 0..spans.len() {
            if dropped[i] {
                continue;
            }
            if let Some(p) = parent(i) {
                has_child[p] = true;
            } else if spans[i].parent_id.is_some() {
                *warnings
                    .entry("spans whose parent is missing (treated as roots)")
                    .or_default() += 1;
            }
        }
        // The operation each span is called from, found once for all spans (a long chain of
        // client spans would otherwise be walked again from each of its members).
        let (callers, looped) = callers(spans, &dropped, &parent, &is_op);
        if looped > 0 {
            *warnings
                .entry("spans whose parents form a cycle or chain too deep (their callers unknown)")
                .or_default() += looped;
        }
        // The file's window: the range of span times, unless a few spans lie far outside the
        // rest (a `"timestamp": 0` among an hour of spans), which are then left out of it.
        let (observed, outliers) = observed_window(spans);
        if outliers > 0 {
            *warnings
                .entry("spans with a timestamp far outside the others (left out of the window)")
                .or_default() += outliers;
        }
        let window = match window_s {
            Some(w) => Some(w),
            None if observed.is_none() => {
                extra.push("no span carries a timestamp: invocation rates are unknown".to_string());
                None
            }
            None => {
                let observed = observed.unwrap_or(0.0);
                if observed < MIN_RATE_WINDOW_S {
                    extra.push(format!(
                        "the export covers only {observed:.3} s, too short to measure rates (they are left unknown): give --traces-window for a sampled export"
                    ));
                    None
                } else {
                    if observed < 3600.0 {
                        extra.push(format!(
                            "the export covers only {observed:.0} s: rates scaled from it are unreliable; give --traces-window for a sampled export"
                        ));
                    }
                    Some(observed)
                }
            }
        };
        if let Some(w) = window {
            window_total += w;
        }
        for i in 0..spans.len() {
            if dropped[i] {
                continue;
            }
            let s = &spans[i];
            if let (Some(p), Some(t)) = (parent(i), s.start_us)
                && spans[p].start_us.is_some_and(|pt| t < pt)
            {
                *warnings
                    .entry("spans starting before their parent (clock skew)")
                    .or_default() += 1;
            }
            if !is_op(i) {
                // A call out of the service with nothing traced on the other side: a data store
                // or a broker.
                if !has_child[i]
                    && let (Some((caller, _)), Some(resource)) = (callers[i], resource_of(s))
                {
                    ops.entry(op_key(&spans[caller]))
                        .or_default()
                        .resources
                        .insert(resource);
                }
                continue;
            }
            let acc = ops.entry(op_key(s)).or_default();
            acc.count += 1;
            if let Some(w) = window {
                acc.per_day += SECONDS_PER_DAY / w;
                acc.timed = true;
            }
            match s.duration_us {
                Some(d) if d >= 0.0 && d.is_finite() => acc.durations.push(d / 1000.0),
                Some(_) => {
                    *warnings
                        .entry("spans with a negative duration (duration ignored)")
                        .or_default() += 1
                }
                None => *warnings.entry("spans without a duration").or_default() += 1,
            }
            if acc.namespace.is_none() {
                acc.namespace = s.attributes.get("code.namespace").cloned();
                acc.function = s.attributes.get("code.function").cloned();
            }
            match callers[i] {
                Some((caller, is_async)) => {
                    *calls
                        .entry((op_key(&spans[caller]), op_key(s), is_async))
                        .or_default() += 1;
                }
                None => {
                    if acc.entry.is_none() {
                        acc.entry = Some(entry_of(s));
                    }
                }
            }
        }
    }
    let mut operations: Vec<Operation> = Vec::with_capacity(ops.len());
    let mut index: BTreeMap<OpKey, usize> = BTreeMap::new();
    for ((service, name), mut acc) in ops {
        acc.durations.sort_by(f64::total_cmp);
        index.insert((service.clone(), name.clone()), operations.len());
        operations.push(Operation {
            per_day: acc.timed.then_some(acc.per_day),
            p50_ms: percentile(&acc.durations, 0.50),
            p95_ms: percentile(&acc.durations, 0.95),
            max_ms: acc.durations.last().copied(),
            service,
            name,
            count: acc.count,
            entry: acc.entry,
            code_namespace: acc.namespace,
            code_function: acc.function,
            resources: acc.resources,
        });
    }
    let calls = calls
        .into_iter()
        .filter_map(|((from, to, is_async), count)| {
            Some(TraceCall {
                from: *index.get(&from)?,
                to: *index.get(&to)?,
                count,
                is_async,
            })
        })
        .collect();
    let mut all_warnings: Vec<String> = warnings
        .into_iter()
        .map(|(what, n)| format!("{n} {what}"))
        .collect();
    extra.sort();
    extra.dedup();
    all_warnings.extend(extra);
    TraceSummary {
        operations,
        calls,
        spans: spans_total,
        traces: traces.len(),
        window_s: window_total,
        warnings: all_warnings,
    }
}

/// Zipkin reporters may send one span in fragments (same trace, id and service: late annotations,
/// a separately reported end). Fragments merge into one span: earliest start, longest duration,
/// the first stated kind and name, all tags.
fn merge_fragments(spans: &[Span]) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    let mut seen: HashMap<(&str, &str, &str), usize> = HashMap::new();
    for s in spans {
        let key = (s.trace_id.as_str(), s.span_id.as_str(), s.service.as_str());
        match seen.get(&key) {
            Some(&at) => {
                let m = &mut out[at];
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
                    m.parent_id = s.parent_id.clone();
                }
                if m.remote_service.is_none() {
                    m.remote_service = s.remote_service.clone();
                }
                for (k, v) in &s.attributes {
                    m.attributes.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            None => {
                seen.insert(key, out.len());
                out.push(s.clone());
            }
        }
    }
    out
}

fn op_key(s: &Span) -> OpKey {
    (s.service.clone(), s.name.clone())
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
    parent: &impl Fn(usize) -> Option<usize>,
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

fn resource_of(s: &Span) -> Option<String> {
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

fn entry_of(s: &Span) -> String {
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

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}
