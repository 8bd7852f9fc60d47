//! Spans as they arrive → per-operation figures. Spans wait in their open trace (parent links,
//! client/server pairs and fragments are all within one trace); a trace is analysed when its export
//! ends, or earlier when too many spans are open at once (the least recently touched trace first).
//! What stays for the whole run is per operation (counts, a duration sketch), per call edge, a
//! start-time sketch per export and the set of trace ids seen.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::{FxHashMap, FxHashSet};
use std::hash::{Hash, Hasher};
use std::io::Read;

use super::ops::{self, Operation, TraceCall, TraceSummary};
use super::prometheus::{self, Series};
use super::sketch::{DurationSketch, WindowSketch};
use super::stream::{self, Sink};
use super::{Span, SpanKind, TraceFormat};
use crate::Error;

const SECONDS_PER_DAY: f64 = 86_400.0;
/// Shortest observed window rates are scaled from: a few milliseconds of spans say nothing about
/// a daily rate (a `--traces-window` is needed then).
const MIN_RATE_WINDOW_S: f64 = 60.0;
/// Spans held in open traces at most, by default: past it the least recently touched trace is
/// analysed as it stands.
pub const DEFAULT_OPEN_SPANS: usize = 1 << 17;

/// Per-operation running figures.
#[derive(Default)]
struct Acc {
    count: u64,
    per_day: f64,
    timed: bool,
    durations: DurationSketch,
    /// p50/p95 given by span metrics (used when no span carried a duration).
    given: Option<(Option<f64>, Option<f64>)>,
    /// The earliest span (by arrival) starting a trace: its entry kind.
    entry: Option<(u64, String)>,
    /// The earliest span with `code.namespace`: it and its `code.function`.
    namespace: Option<(u64, String, Option<String>)>,
    /// The latest span's `code.function` (kept when no span names a namespace).
    function: Option<(u64, Option<String>)>,
    resources: BTreeSet<String>,
}

/// A trace whose spans are still arriving.
struct OpenTrace {
    id: String,
    spans: Vec<(u64, Span)>,
    touched: u64,
}

/// The state of the export being read.
#[derive(Default)]
struct Export {
    open: FxHashMap<String, usize>,
    slots: Vec<Option<OpenTrace>>,
    free: Vec<usize>,
    lru: BTreeMap<u64, usize>,
    open_spans: usize,
    closed_early: FxHashSet<u128>,
    early: usize,
    skipped: usize,
    window: WindowSketch,
    /// Spans of each operation (by index) in this export.
    counts: FxHashMap<usize, u64>,
    series: Vec<Series>,
    any_spans: bool,
}

/// Reads trace exports as streams and aggregates their spans per operation; memory grows with
/// the operations, the call edges and the open traces, not with the input.
///
/// Each export has its own time window (rates of several exports add up, as for exports of
/// different services); the pieces of one export — the files of a directory, the lines of a
/// JSON Lines file — are one stream whose traces may span pieces.
///
/// ```
/// let mut traces = analyzer::TraceAggregate::new(Some(3600.0));
/// let zipkin = r#"[{"traceId": "t", "id": "a", "name": "get /", "kind": "SERVER",
///                   "localEndpoint": {"serviceName": "web"}, "timestamp": 1, "duration": 5000}]"#;
/// traces.read(zipkin.as_bytes(), u64::MAX).unwrap();
/// traces.end_export();
/// let summary = traces.finish();
/// assert_eq!(summary.operations[0].key(), "web::get /");
/// assert_eq!(summary.operations[0].per_day, Some(24.0));
/// ```
pub struct TraceAggregate {
    window_s: Option<f64>,
    max_open_spans: usize,
    ops_by_name: FxHashMap<String, FxHashMap<String, usize>>,
    keys: Vec<(String, String)>,
    accs: Vec<Acc>,
    calls: FxHashMap<(usize, usize, bool), u64>,
    warnings: BTreeMap<&'static str, usize>,
    extra: Vec<String>,
    spans: usize,
    traces: FxHashSet<u128>,
    window_total: f64,
    seq: u64,
    export: Export,
}

impl TraceAggregate {
    /// An empty aggregate; `window_s` overrides the observed window of every export (for sampled
    /// exports, or Prometheus metrics without timestamps).
    pub fn new(window_s: Option<f64>) -> Self {
        Self::with_open_spans(window_s, DEFAULT_OPEN_SPANS)
    }

    /// As [`TraceAggregate::new`], holding at most `max_open_spans` spans in open traces.
    pub fn with_open_spans(window_s: Option<f64>, max_open_spans: usize) -> Self {
        Self {
            window_s,
            max_open_spans: max_open_spans.max(1),
            ops_by_name: FxHashMap::default(),
            keys: Vec::new(),
            accs: Vec::new(),
            calls: FxHashMap::default(),
            warnings: BTreeMap::new(),
            extra: Vec::new(),
            spans: 0,
            traces: FxHashSet::default(),
            window_total: 0.0,
            seq: 0,
            export: Export::default(),
        }
    }

    /// Reads one input of the current export (a file's bytes, gzip-compressed or not; one or
    /// several JSON values, or a Prometheus exposition), reading at most `limit` bytes after
    /// decompression. Returns the formats met.
    ///
    /// On error the spans read before it stay in the aggregate: a caller stops the run. JSON is
    /// parsed on a second thread, a little ahead (an OTLP document a resource at a time, JSON
    /// Lines a line at a time).
    ///
    /// # Complexity
    /// O(bytes + spans · log open traces).
    pub fn read<R: Read + Send>(
        &mut self,
        input: R,
        limit: u64,
    ) -> Result<Vec<TraceFormat>, Error> {
        let mut sink = AggSink {
            agg: self,
            formats: Vec::new(),
        };
        stream::read_input(input, limit, &mut sink)?;
        let mut formats = sink.formats;
        formats.dedup();
        Ok(formats)
    }

    /// Adds warnings about the current export found by whoever read it.
    pub fn note(&mut self, warnings: &[String]) {
        self.extra.extend(warnings.iter().cloned());
    }

    /// Adds one span to the current export.
    pub fn add_span(&mut self, span: Span) {
        self.spans += 1;
        self.export.any_spans = true;
        self.seq += 1;
        let seq = self.seq;
        let id_hash = trace_hash(&span.trace_id);
        let new_trace = self.traces.insert(id_hash);
        let e = &mut self.export;
        let slot = match e.open.get(&span.trace_id) {
            Some(&slot) => slot,
            None => {
                if !new_trace && e.closed_early.remove(&id_hash) {
                    e.early += 1;
                }
                let trace = OpenTrace {
                    id: span.trace_id.clone(),
                    spans: Vec::new(),
                    touched: seq,
                };
                let slot = match e.free.pop() {
                    Some(s) => {
                        e.slots[s] = Some(trace);
                        s
                    }
                    None => {
                        e.slots.push(Some(trace));
                        e.slots.len() - 1
                    }
                };
                e.open.insert(span.trace_id.clone(), slot);
                slot
            }
        };
        if let Some(trace) = e.slots[slot].as_mut() {
            e.lru.remove(&trace.touched);
            trace.touched = seq;
            e.lru.insert(seq, slot);
            trace.spans.push((seq, span));
            e.open_spans += 1;
        }
        while self.export.open_spans > self.max_open_spans {
            let Some((_, slot)) = self.export.lru.pop_first() else {
                break;
            };
            if let Some(trace) = self.close(slot) {
                self.export.closed_early.insert(trace_hash(&trace.id));
                self.analyse(trace.spans);
            }
        }
    }

    fn close(&mut self, slot: usize) -> Option<OpenTrace> {
        let e = &mut self.export;
        let trace = e.slots[slot].take()?;
        e.open.remove(&trace.id);
        e.free.push(slot);
        e.open_spans -= trace.spans.len();
        Some(trace)
    }

    /// Ends the current export: its open traces are analysed, its window measured and its rates
    /// scaled; the next spans start a new export.
    pub fn end_export(&mut self) {
        let slots: Vec<usize> = self.export.lru.values().copied().collect();
        for slot in slots {
            if let Some(trace) = self.close(slot) {
                self.analyse(trace.spans);
            }
        }
        let e = std::mem::take(&mut self.export);
        if e.early > 0 {
            self.extra.push(format!(
                "{} went on after being analysed early (more than {} open at once): their later spans were read as traces of their own; raise CLEAVE_MAX_OPEN_SPANS if the export's traces are spread that far",
                crate::plural(e.early, "trace"),
                crate::plural(self.max_open_spans, "span")
            ));
        }
        if e.skipped > 0 {
            self.extra.push(format!(
                "{} skipped: missing trace id, span id or name",
                crate::plural(e.skipped, "span")
            ));
        }
        if e.any_spans {
            self.scale(&e);
        }
        if !e.series.is_empty() {
            self.add_metrics(&e.series);
        }
    }

    /// Scales the export's span counts to rates per day.
    fn scale(&mut self, e: &Export) {
        let (observed, outliers) = e.window.window();
        if outliers > 0 {
            *self
                .warnings
                .entry("span with a timestamp far outside the others (left out of the window)")
                .or_default() += outliers;
        }
        let window = match self.window_s {
            Some(w) => Some(w),
            None => match observed {
                None => {
                    self.extra.push(
                        "no span carries a timestamp: invocation rates are unknown".to_string(),
                    );
                    None
                }
                Some(observed) if observed < MIN_RATE_WINDOW_S => {
                    self.extra.push(format!(
                        "the export covers only {observed:.3} s, too short to measure rates (they are left unknown): give --traces-window for a sampled export"
                    ));
                    None
                }
                Some(observed) => {
                    if observed < 3600.0 {
                        self.extra.push(format!(
                            "the export covers only {observed:.0} s: rates scaled from it are unreliable; give --traces-window for a sampled export"
                        ));
                    }
                    Some(observed)
                }
            },
        };
        let Some(w) = window else {
            return;
        };
        self.window_total += w;
        let mut counts: Vec<(usize, u64)> = e.counts.iter().map(|(&k, &n)| (k, n)).collect();
        counts.sort_unstable();
        for (op, n) in counts {
            let acc = &mut self.accs[op];
            // One addition per span, as the rates were always summed: the same bits.
            for _ in 0..n {
                acc.per_day += SECONDS_PER_DAY / w;
            }
            acc.timed = true;
        }
    }

    /// Operations and calls from the span and service-graph metrics of one export.
    fn add_metrics(&mut self, series: &[Series]) {
        let m = prometheus::measure(series);
        self.extra.extend(m.warnings);
        let window = self.window_s.or(m.window_s);
        match window {
            Some(w) => self.window_total += w,
            None => self.extra.push(
                "the metrics cover no known time range: rates are unknown; give --traces-window (the range of the query, or the time the collector has been counting)".to_string(),
            ),
        }
        self.seq += 1;
        let seq = self.seq;
        let ids: Vec<usize> = m
            .ops
            .iter()
            .map(|op| self.op_id(&op.service, &op.name))
            .collect();
        for (op, &id) in m.ops.iter().zip(&ids) {
            let acc = &mut self.accs[id];
            acc.count += op.calls;
            if let Some(w) = window {
                acc.per_day += op.calls as f64 * SECONDS_PER_DAY / w;
                acc.timed = true;
            }
            if op.p50_ms.is_some() {
                acc.given = Some((op.p50_ms, op.p95_ms));
            }
            if acc.entry.is_none()
                && let Some(entry) = &op.entry
            {
                acc.entry = Some((seq, entry.clone()));
            }
            acc.resources.extend(op.resources.iter().cloned());
        }
        for &(from, to, n, is_async) in &m.calls {
            *self
                .calls
                .entry((ids[from], ids[to], is_async))
                .or_default() += n;
        }
    }

    fn op_id(&mut self, service: &str, name: &str) -> usize {
        if let Some(&id) = self.ops_by_name.get(service).and_then(|m| m.get(name)) {
            return id;
        }
        let id = self.keys.len();
        self.keys.push((service.to_string(), name.to_string()));
        self.accs.push(Acc::default());
        self.ops_by_name
            .entry(service.to_string())
            .or_default()
            .insert(name.to_string(), id);
        id
    }

    /// The operations and calls of every export read; ends the current export first.
    ///
    /// # Complexity
    /// O(O log O + C log C) for O operations and C call edges.
    pub fn finish(mut self) -> TraceSummary {
        self.end_export();
        let mut order: Vec<usize> = (0..self.keys.len()).collect();
        order.sort_by(|&a, &b| self.keys[a].cmp(&self.keys[b]));
        let mut position = vec![0; order.len()];
        let mut operations = Vec::with_capacity(order.len());
        for (p, &id) in order.iter().enumerate() {
            position[id] = p;
            let acc = &mut self.accs[id];
            let (mut p50, mut p95, max) = acc.durations.figures();
            if acc.durations.is_empty()
                && let Some((a, b)) = acc.given
            {
                (p50, p95) = (a, b);
            }
            let (code_namespace, code_function) = match acc.namespace.take() {
                Some((_, ns, f)) => (Some(ns), f),
                None => (None, acc.function.take().and_then(|f| f.1)),
            };
            let (service, name) = self.keys[id].clone();
            operations.push(Operation {
                service,
                name,
                count: acc.count,
                per_day: acc.timed.then_some(acc.per_day),
                p50_ms: p50,
                p95_ms: p95,
                max_ms: max,
                entry: acc.entry.take().map(|e| e.1),
                code_namespace,
                code_function,
                resources: std::mem::take(&mut acc.resources),
            });
        }
        let mut calls: Vec<TraceCall> = self
            .calls
            .iter()
            .map(|(&(f, t, is_async), &count)| TraceCall {
                from: position[f],
                to: position[t],
                count,
                is_async,
            })
            .collect();
        calls.sort_by_key(|c| (c.from, c.to, c.is_async));
        let mut warnings: Vec<String> = self
            .warnings
            .iter()
            .map(|(what, n)| counted(*n, what))
            .collect();
        self.extra.sort();
        self.extra.dedup();
        warnings.extend(self.extra);
        TraceSummary {
            operations,
            calls,
            spans: self.spans,
            traces: self.traces.len(),
            window_s: self.window_total,
            warnings,
        }
    }

    /// Derives the figures of one trace's spans (in arrival order, with their arrival numbers).
    fn analyse(&mut self, spans: Vec<(u64, Span)>) {
        let (seqs, spans): (Vec<u64>, Vec<Span>) = ops::merge_fragments(spans).into_iter().unzip();
        for s in &spans {
            if let Some(t) = s.start_us {
                self.export.window.add(t, s.duration_us);
            }
        }
        let t = ops::TraceShape::of(&spans);
        for (what, n) in &t.warnings {
            *self.warnings.entry(what).or_default() += n;
        }
        for i in 0..spans.len() {
            if t.dropped[i] {
                continue;
            }
            let s = &spans[i];
            if let (Some(p), Some(start)) = (t.parent(i), s.start_us)
                && spans[p].start_us.is_some_and(|pt| start < pt)
            {
                *self
                    .warnings
                    .entry("span starting before the parent span (clock skew)")
                    .or_default() += 1;
            }
            if !t.is_op(i) {
                // A call out of the service with nothing traced on the other side: a data store
                // or a broker.
                if !t.has_child[i]
                    && let (Some((caller, _)), Some(resource)) = (t.callers[i], ops::resource_of(s))
                {
                    let id = self.op_id(&spans[caller].service, &spans[caller].name);
                    self.accs[id].resources.insert(resource);
                }
                continue;
            }
            let id = self.op_id(&s.service, &s.name);
            *self.export.counts.entry(id).or_default() += 1;
            let seq = seqs[i];
            let acc = &mut self.accs[id];
            acc.count += 1;
            match s.duration_us {
                Some(d) if d >= 0.0 && d.is_finite() => acc.durations.add(d / 1000.0),
                Some(_) => {
                    *self
                        .warnings
                        .entry("span with a negative duration (duration ignored)")
                        .or_default() += 1
                }
                None => *self.warnings.entry("span without a duration").or_default() += 1,
            }
            if let Some(ns) = s.attributes.get("code.namespace")
                && acc.namespace.as_ref().is_none_or(|n| seq < n.0)
            {
                acc.namespace = Some((seq, ns.clone(), s.attributes.get("code.function").cloned()));
            }
            if acc.function.as_ref().is_none_or(|f| seq > f.0) {
                acc.function = Some((seq, s.attributes.get("code.function").cloned()));
            }
            match t.callers[i] {
                Some((caller, is_async)) => {
                    let from = self.op_id(&spans[caller].service, &spans[caller].name);
                    *self.calls.entry((from, id, is_async)).or_default() += 1;
                }
                None => {
                    let acc = &mut self.accs[id];
                    if acc.entry.as_ref().is_none_or(|e| seq < e.0) {
                        acc.entry = Some((seq, ops::entry_of(s)));
                    }
                }
            }
        }
    }
}

/// Hands what the stream reader finds to the aggregate.
struct AggSink<'a> {
    agg: &'a mut TraceAggregate,
    formats: Vec<TraceFormat>,
}

impl Sink for AggSink<'_> {
    fn span(&mut self, span: Span) {
        self.agg.add_span(span);
    }
    fn skipped(&mut self, n: usize) {
        self.agg.export.skipped += n;
    }
    fn series(&mut self, series: Series) {
        self.agg.export.series.push(series);
    }
    fn format(&mut self, format: TraceFormat) {
        self.formats.push(format);
    }
}

/// A trace id as 128 bits: its value when it is 32 lowercase hex digits (OTLP, Zipkin 128-bit),
/// else two independent hashes of its text.
fn trace_hash(id: &str) -> u128 {
    if id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && let Ok(v) = u128::from_str_radix(id, 16)
    {
        return v;
    }
    let half = |salt: u8| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        salt.hash(&mut h);
        id.hash(&mut h);
        h.finish() as u128
    };
    (half(1) << 64) | half(2)
}

/// Whether a span kind is the calling side of a call.
pub(super) fn is_exit(kind: SpanKind) -> bool {
    matches!(kind, SpanKind::Client | SpanKind::Producer)
}

/// A counted warning: `what` is a singular phrase whose first word is the noun (`span without a
/// duration`), which is put in the plural unless `n` is one (`3 spans without a duration`).
fn counted(n: usize, what: &str) -> String {
    match what.split_once(' ') {
        Some((noun, rest)) => format!("{} {rest}", crate::plural(n, noun)),
        None => crate::plural(n, what),
    }
}
