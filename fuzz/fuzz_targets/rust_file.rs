//! The Rust analysis of one file: any bytes as `src/lib.rs` give an analysis (perhaps with
//! diagnostics) or an error, never a panic or a stack overflow.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("src")).expect("src");
    std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"f\"\n").expect("toml");
    std::fs::write(dir.path().join("src/lib.rs"), data).expect("source");
    let _ = analyzer::analyze_rust(dir.path(), &|_, _| {});
});
