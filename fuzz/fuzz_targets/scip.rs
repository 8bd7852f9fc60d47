//! A SCIP index: any bytes are recognised or not, and read into a graph or refused with an
//! error, never a panic, a stack overflow or unbounded memory.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = analyzer::is_scip(data);
    let _ = analyzer::analyze_scip(data);
});
