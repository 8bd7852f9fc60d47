//! Inputs → call graph: reads a monolith's call graph from the language-agnostic JSON format,
//! from Rust source (syn) or from a SCIP code index of any language into a [`CallGraph`] backed
//! by petgraph. The analyzer knows nothing of services or clusters.

mod error;
mod graph;
mod hint;
mod json;
mod rust;
mod scip;
pub mod steps;
mod traces;
mod trigger;

pub use error::{Error, plural, readable_number};
pub use graph::{Call, CallGraph, Durations, Neighbors, Node};
pub use hint::Hint;
pub use json::{
    MAX_FIGURE, MAX_SIMILAR_LEN, analysis_to_json, load_json, load_json_owned,
    scip_analysis_to_json, similarity, to_json,
};
pub use rust::{Diagnostic, RustAnalysis, RustStats, analyze_rust};
pub use scip::{
    ESTIMATED_CONFIDENCE, MAX_DOCUMENT_BYTES, MAX_SYMBOL_BYTES, ScipAnalysis, ScipStats,
    analyze_scip, is_scip,
};
pub use traces::{
    DEFAULT_OPEN_SPANS, MAX_UNIT_BYTES, MapRule, Operation, Span, SpanKind, TraceAggregate,
    TraceCall, TraceCoverage, TraceFormat, TraceSummary, Traces, UnmatchedOperation,
    check_map_rules, graph_from_traces, merge_traces, parse_traces, summarize,
};
pub use trigger::{Trigger, TriggerKind};
