//! The JSON call-graph reader: any bytes give a graph or an error; a graph plans.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(graph) = analyzer::load_json(text) {
        if graph.node_count() <= 2_000 {
            let _ = planner::plan(&graph, &planner::Config::default());
        }
    }
});
