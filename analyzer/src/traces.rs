//! Runtime traces → measured figures: reads Zipkin v2, OpenTelemetry OTLP/JSON and Jaeger JSON
//! exports (recognised by content), derives per-operation invocation rates, durations and
//! parent → child call edges, and merges them into a call graph or builds one from them alone.

mod formats;
mod merge;
mod ops;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use merge::{MapRule, TraceReport, check_map_rules, graph_from_traces, merge_traces};
pub use ops::{Operation, TraceCall, TraceSummary, summarize};

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
    /// Tags/attributes as strings, sorted by key.
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

/// Reads one trace export, recognising its format by content (not by file name).
///
/// Malformed or truncated JSON and unrecognised shapes are errors; spans missing their ids,
/// service or name are skipped and counted in `warnings`.
pub fn parse_traces(text: &str) -> Result<Traces, Error> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Json {
        line: e.line(),
        column: e.column(),
        path: String::new(),
        message: formats::strip_position(&e.to_string()),
    })?;
    formats::read(&value)
}
