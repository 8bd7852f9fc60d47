//! The trace readers (Zipkin v2, OTLP/JSON, Jaeger, JSON Lines of them, gzip, the Prometheus
//! exposition and query results): any bytes give spans or an error; spans summarize into
//! operations and a graph.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut streamed = analyzer::TraceAggregate::with_open_spans(None, 64);
    if streamed.read(data, 1 << 24).is_ok() {
        let summary = streamed.finish();
        let _ = analyzer::graph_from_traces(&summary);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(traces) = analyzer::parse_traces(text) {
        let summary = analyzer::summarize(&[traces], None);
        let _ = analyzer::graph_from_traces(&summary);
    }
});
