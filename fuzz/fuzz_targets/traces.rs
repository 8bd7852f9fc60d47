//! The trace readers (Zipkin v2, OTLP/JSON, Jaeger): any bytes give spans or an error; spans
//! summarize into operations and a graph.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(traces) = analyzer::parse_traces(text) {
        let summary = analyzer::summarize(&[traces], None);
        let _ = analyzer::graph_from_traces(&summary);
    }
});
