//! Runtime traces → measured figures: streams Zipkin v2, OpenTelemetry OTLP/JSON and Jaeger JSON
//! exports (recognised by content; JSON Lines, gzip) and the Prometheus series of the collector's
//! servicegraph/spanmetrics connectors, derives per-operation invocation rates, durations and
//! parent → child call edges, and merges them into a call graph or builds one from them alone.

/// Implements the visitor methods of every scalar JSON value as "not this", returning `$value`
/// (used by the streaming readers).
macro_rules! scalars_are {
    ($value:expr) => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

mod aggregate;
mod formats;
mod merge;
mod ops;
mod otlp;
mod prometheus;
mod sketch;
mod stream;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use aggregate::{DEFAULT_OPEN_SPANS, TraceAggregate};
pub use merge::{
    MapRule, TraceCoverage, UnmatchedOperation, check_map_rules, graph_from_traces, merge_traces,
};
pub use ops::{Operation, TraceCall, TraceSummary, summarize};
pub use stream::MAX_UNIT_BYTES;

use crate::Error;

/// The role of a span in its RPC or message exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanKind {
    /// Handles an incoming request.
    Server,
    /// Makes an outgoing request.
    Client,
    /// Sends a message.
    Producer,
    /// Receives a message.
    Consumer,
    /// Internal work, or not stated.
    Internal,
}

/// One span, normalised from any of the three formats.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// Trace id.
    pub trace_id: String,
    /// Span id (unique within its trace, except Zipkin's shared client/server pairs).
    pub span_id: String,
    /// Parent span id.
    pub parent_id: Option<String>,
    /// The parent relation is "follows from" (Jaeger): the child runs asynchronously.
    pub follows_from: bool,
    /// Service that recorded the span.
    pub service: String,
    /// Operation name.
    pub name: String,
    /// Kind.
    pub kind: SpanKind,
    /// Start, microseconds since the epoch.
    pub start_us: Option<f64>,
    /// Duration, microseconds (negative values are kept here and rejected later with a warning).
    pub duration_us: Option<f64>,
    /// Remote service named by a client/producer span (a database, a broker).
    pub remote_service: Option<String>,
    /// Zipkin: the server half of a client/server pair sharing one span id.
    pub shared: bool,
    /// The tags/attributes the analysis reads, as strings, sorted by key: `code.*`, `rpc.system`,
    /// `db.*`, `sql.query`, `messaging.*`, `kafka.*`, `rabbit.*`, `span.kind`; those read only for
    /// their presence keep an empty value (an open trace holds its spans, and a `db.statement`
    /// may be long).
    pub attributes: BTreeMap<String, String>,
}

/// Which export format a file was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TraceFormat {
    /// Zipkin v2 JSON: a list of spans, or a list of traces.
    Zipkin,
    /// OpenTelemetry OTLP/JSON: `resourceSpans`.
    Otlp,
    /// Jaeger JSON (UI/API export): `data[].spans[]`.
    Jaeger,
    /// Prometheus series of the servicegraph/spanmetrics connectors (text exposition or a
    /// query-API result).
    Prometheus,
}

/// The spans of one export file and what was wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Traces {
    /// The format recognised.
    pub format: TraceFormat,
    /// Usable spans.
    pub spans: Vec<Span>,
    /// Problems that did not stop the reading, each with a count.
    pub warnings: Vec<String>,
}

/// Reads one trace export held in memory, recognising its format by content (not by file name).
///
/// Malformed or truncated JSON and unrecognised shapes are errors; spans missing their ids,
/// service or name are skipped and counted in `warnings`. Prometheus metrics are not spans: read
/// them with [`TraceAggregate::read`].
pub fn parse_traces(text: &str) -> Result<Traces, Error> {
    #[derive(Default)]
    struct Collect {
        spans: Vec<Span>,
        skipped: usize,
        format: Option<TraceFormat>,
        metrics: bool,
    }
    impl stream::Sink for Collect {
        fn span(&mut self, span: Span) {
            self.spans.push(span);
        }
        fn skipped(&mut self, n: usize) {
            self.skipped += n;
        }
        fn series(&mut self, _: prometheus::Series) {
            self.metrics = true;
        }
        fn format(&mut self, format: TraceFormat) {
            self.format.get_or_insert(format);
        }
    }
    let mut sink = Collect::default();
    stream::read_input(text.as_bytes(), u64::MAX, &mut sink)?;
    let format = match sink.format {
        Some(TraceFormat::Prometheus) | None => {
            return Err(Error::TraceFormat {
                message: "Prometheus metrics hold no spans: read them with TraceAggregate::read"
                    .to_string(),
            });
        }
        Some(f) => f,
    };
    let mut warnings = Vec::new();
    if sink.skipped > 0 {
        warnings.push(format!(
            "{} skipped: missing trace id, span id or name",
            crate::plural(sink.skipped, "span")
        ));
    }
    Ok(Traces {
        format,
        spans: sink.spans,
        warnings,
    })
}
