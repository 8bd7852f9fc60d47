//! The SQL scanner, reached as the analyzer reaches it: the bytes are the SQL text of a
//! `sqlx::query` call in a one-file crate.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else {
        return;
    };
    let source = format!(
        "pub fn run(pool: &sqlx::PgPool) {{ sqlx::query(r####\"{}\"####); }}\n",
        sql.replace("\"####", "")
    );
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("src")).expect("src");
    std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"f\"\n").expect("toml");
    std::fs::write(dir.path().join("src/lib.rs"), source).expect("source");
    let _ = analyzer::analyze_rust(dir.path(), &|_, _| {});
});
