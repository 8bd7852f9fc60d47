//! Data-driven tests of the Rust analyzer: each fixture under `analyzer/tests/rust/` is a small
//! workspace written as `//- path` sections (rust-analyzer style); it is written to a temporary
//! directory, analyzed, rendered as text (nodes, edges, diagnostics, counts) and compared to its
//! snapshot under `snapshots/`.

use std::fmt::Write as _;
use std::path::Path;

use super::{RustAnalysis, analyze_rust, analyze_with_threads};
use crate::Error;

/// Splits a fixture into `(path, contents)` files.
fn split_fixture(text: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("//- ") {
            files.push((path.trim().to_string(), String::new()));
        } else if let Some((_, body)) = files.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    files
}

/// Writes files into a fresh temporary directory.
fn write_tree(files: &[(String, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, body) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, body).expect("write");
    }
    dir
}

fn no_progress(_: u64, _: u64) {}

/// Renders an analysis as compact text: one line per node, edge and diagnostic, then the counts.
fn render(a: &RustAnalysis) -> String {
    let g = &a.graph;
    let mut out = String::new();
    for n in g.nodes() {
        let mut line = format!("node {}", n.id);
        let parent = n.id.rsplit_once("::").map(|(p, _)| p);
        if let Some(m) = n.module.as_deref().filter(|m| Some(*m) != parent) {
            let _ = write!(line, " module={m}");
        }
        if let Some(e) = &n.entry {
            let _ = write!(line, " entry={e}");
        }
        if n.stateful {
            line.push_str(" stateful");
        }
        if !n.resources.is_empty() {
            let _ = write!(line, " resources={}", n.resources.join(","));
        }
        if !n.hints.is_empty() {
            let _ = write!(line, " hints={}", n.hints.join(","));
        }
        if let Some(l) = &n.location {
            let _ = write!(line, " @{l}");
        }
        let _ = writeln!(out, "{line}");
    }
    for (f, t, c) in g.edges() {
        let kind = if c.is_async { "async" } else { "sync" };
        let _ = writeln!(
            out,
            "edge {} -> {} ({}, {:.2}, {kind})",
            g.node(f).id,
            g.node(t).id,
            c.weight,
            c.confidence
        );
    }
    for d in &a.diagnostics {
        let _ = writeln!(out, "diag {}:{}:{} {}", d.file, d.line, d.column, d.message);
    }
    let s = &a.stats;
    let _ = writeln!(
        out,
        "stats crates={} files={} skipped={} functions={} resolved={} name_matched={} external={} unresolved={}",
        s.crates,
        s.files,
        s.skipped_files,
        s.functions,
        s.resolved_calls,
        s.name_matched_calls,
        s.external_calls,
        s.unresolved_calls
    );
    if s.callback_edges > 0 {
        let _ = writeln!(out, "callbacks {}", s.callback_edges);
    }
    if !s.top_unresolved.is_empty() {
        let top: Vec<String> = s
            .top_unresolved
            .iter()
            .map(|(n, c)| format!("{n}×{c}"))
            .collect();
        let _ = writeln!(out, "top_unresolved {}", top.join(" "));
    }
    out
}

fn fixture(name: &str) -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/rust")
        .join(format!("{name}.txt"));
    split_fixture(&std::fs::read_to_string(&path).expect("fixture"))
}

/// Analyzes a fixture; a first section `//- @root DIR` names the directory to analyze (so that
/// names derived from the directory do not depend on the temporary directory's name).
fn analyze_fixture(name: &str) -> String {
    let files = fixture(name);
    let sub = files
        .iter()
        .find_map(|(p, _)| p.strip_prefix("@root ").map(str::to_string));
    let dir = write_tree(
        &files
            .into_iter()
            .filter(|(p, _)| !p.starts_with('@'))
            .collect::<Vec<_>>(),
    );
    let root = dir.path().join(sub.unwrap_or_default());
    render(&analyze_rust(&root, &no_progress).expect("analysis"))
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), analyze_fixture(stringify!($name)));
        }
    )*};
}

cases!(
    imports,
    reexports,
    associated,
    receivers,
    trait_fanout,
    name_match,
    macro_calls,
    cross_crate,
    module_layout,
    nested_and_closures,
    signals,
    parse_error,
    loose_files,
    collisions,
    workers,
    hidden_items,
    receiver_generics,
    crate_visibility,
    signal_precision,
    test_code,
    values,
    callbacks,
    extractors,
    statics,
    tuples,
    request_services,
    extension_traits,
    impl_bounds,
    serde_fns,
);

/// A file nesting thousands of levels deep neither crashes nor stops the analysis.
#[test]
fn hostile_nesting() {
    let depth = 5000;
    let parens = format!(
        "pub fn deep() -> i32 {{ {}1{} }}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let blocks = format!(
        "pub fn blocks() {{ {} helper(); {} }}\npub fn helper() {{}}\n",
        "{".repeat(depth),
        "}".repeat(depth)
    );
    let calls = format!(
        "pub fn calls() {{ {}0{}; }}\npub fn f(x: i32) -> i32 {{ x }}\n",
        "f(".repeat(depth),
        ")".repeat(depth)
    );
    let mods = format!(
        "{}pub fn m() {{}}{}\npub type T = {}u8{};\n",
        "mod a { ".repeat(depth),
        " }".repeat(depth),
        "Box<".repeat(depth),
        ">".repeat(depth)
    );
    // A field typed by the struct's parameter through thousands of wrappers.
    let fields = format!(
        "pub struct W<S> {{ pub f: {}S{} }}\npub fn read<S>(w: W<S>) {{ w.f.go(); }}\n",
        "Box<".repeat(depth),
        ">".repeat(depth)
    );
    // A tuple type, pattern and expression thousands of levels deep.
    let tuples = format!(
        "pub fn tup(x: {open}u8{close}) {{ let {open}a{close} = x; a.go(); let t = {open}1{close}; }}\n",
        open = "(".repeat(depth),
        close = ",)".repeat(depth)
    );
    // A path nested far deeper still inside a string, where the file's nesting check does not
    // look: a serde attribute's function path is read only when plain.
    let serde = format!(
        "#[derive(serde::Deserialize)]\npub struct S {{ #[serde(default = \"{}u8{}\")] pub n: u8 }}\npub fn plain() -> u8 {{ 0 }}\n",
        "a<".repeat(200 * depth),
        ">".repeat(200 * depth)
    );
    let files = vec![
        (
            "Cargo.toml".to_string(),
            "[package]\nname = \"hostile\"\n".to_string(),
        ),
        (
            "src/lib.rs".to_string(),
            "mod parens;\nmod blocks;\nmod calls;\nmod mods;\nmod fields;\nmod tuples;\nmod serde_paths;\npub fn ok() { parens::deep(); }\n"
                .to_string(),
        ),
        ("src/serde_paths.rs".to_string(), serde),
        ("src/tuples.rs".to_string(), tuples),
        ("src/mods.rs".to_string(), mods),
        ("src/fields.rs".to_string(), fields),
        ("src/parens.rs".to_string(), parens),
        ("src/blocks.rs".to_string(), blocks),
        ("src/calls.rs".to_string(), calls),
    ];
    let dir = write_tree(&files);
    let a = analyze_rust(dir.path(), &no_progress).expect("analysis");
    let ids: Vec<&str> = a.graph.nodes().map(|n| n.id.as_str()).collect();
    assert!(ids.contains(&"hostile::ok"), "{ids:?}");
    assert!(ids.contains(&"hostile::fields::read"), "{ids:?}");
    assert!(ids.contains(&"hostile::tuples::tup"), "{ids:?}");
    assert!(ids.contains(&"hostile::serde_paths::plain"), "{ids:?}");
    assert!(a.graph.position("hostile::ok").is_some());
    let edge_to_deep = a.graph.edges().any(|(f, t, _)| {
        a.graph.node(f).id == "hostile::ok" && a.graph.node(t).id == "hostile::parens::deep"
    });
    assert!(edge_to_deep);
    // Either parsed and cut at the depth limit (a diagnostic), or skipped by syn (a diagnostic).
    let deep: Vec<&str> = a
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("deeper than"))
        .map(|d| d.file.as_str())
        .collect();
    assert_eq!(
        deep,
        [
            "src/blocks.rs",
            "src/calls.rs",
            "src/mods.rs",
            "src/parens.rs",
            "src/tuples.rs"
        ],
        "{:?}",
        a.diagnostics
    );
}

/// Issue 13: 100,000 nested parentheses, closures or prefix operators, or `Vec<…>` 50,000 deep,
/// overflowed the analysis threads' stacks and aborted the whole run. Such a file is skipped with
/// a diagnostic naming where it nests too deep; the rest of the crate is analyzed.
#[test]
fn nesting_beyond_the_cap_skips_the_file_and_the_analysis_goes_on() {
    let n = 100_000;
    let files = vec![
        (
            "Cargo.toml".to_string(),
            "[package]\nname = \"deep\"\n".to_string(),
        ),
        (
            "src/lib.rs".to_string(),
            "mod parens;\nmod closures;\nmod generics;\nmod unary;\npub fn ok() {}\n".to_string(),
        ),
        (
            "src/parens.rs".to_string(),
            format!(
                "pub fn f() -> i32 {{ {}1{} }}\n",
                "(".repeat(n),
                ")".repeat(n)
            ),
        ),
        (
            "src/closures.rs".to_string(),
            format!("pub fn g() {{ let _ = {}0; }}\n", "|x: i32| ".repeat(n)),
        ),
        (
            "src/generics.rs".to_string(),
            format!(
                "pub type T = {}u8{};\n",
                "Vec<".repeat(n / 2),
                ">".repeat(n / 2)
            ),
        ),
        (
            "src/unary.rs".to_string(),
            format!("pub fn h() -> i32 {{ {}1 }}\n", "-".repeat(2 * n)),
        ),
    ];
    let dir = write_tree(&files);
    let a = analyze_rust(dir.path(), &no_progress).expect("analysis");
    let ids: Vec<&str> = a.graph.nodes().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["deep::ok"]);
    let skipped: Vec<(&str, usize)> = a
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("nests over 10000 levels deep"))
        .map(|d| (d.file.as_str(), d.line))
        .collect();
    assert_eq!(
        skipped,
        [
            ("src/closures.rs", 1),
            ("src/generics.rs", 1),
            ("src/parens.rs", 1),
            ("src/unary.rs", 1)
        ],
        "{:?}",
        a.diagnostics
    );
}

/// Issue 13: a crate root loading itself twice through `#[path]` doubled the modules at every
/// level (3.4 GB in 60 s, then an abort). A module whose file already encloses it is not
/// followed, with a diagnostic.
#[test]
fn a_path_fan_out_bomb_is_bounded() {
    let files = vec![
        (
            "Cargo.toml".to_string(),
            "[package]\nname = \"bomb\"\n".to_string(),
        ),
        (
            "src/lib.rs".to_string(),
            "#[path = \"lib.rs\"] mod a;\n#[path = \"lib.rs\"] mod b;\npub fn f() {}\n".to_string(),
        ),
    ];
    let dir = write_tree(&files);
    let a = analyze_rust(dir.path(), &no_progress).expect("analysis");
    let ids: Vec<&str> = a.graph.nodes().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["bomb::f"]);
    let loops: Vec<&str> = a
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("a `#[path]` loop"))
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(loops.len(), 2, "{loops:?}");
}

/// The same tree gives the same result on every run and with 1 or 2 threads.
#[test]
fn deterministic_across_runs_and_threads() {
    let mut files = fixture("receivers");
    files.extend(
        fixture("trait_fanout")
            .into_iter()
            .filter(|(p, _)| p != "Cargo.toml")
            .map(|(p, b)| (format!("more/{p}"), b)),
    );
    let dir = write_tree(&fixture("cross_crate"));
    let one = render(&analyze_with_threads(dir.path(), &no_progress, 1).expect("analysis"));
    let two = render(&analyze_with_threads(dir.path(), &no_progress, 2).expect("analysis"));
    let again = render(&analyze_with_threads(dir.path(), &no_progress, 2).expect("analysis"));
    assert_eq!(one, two);
    assert_eq!(two, again);
    let dir = write_tree(&files);
    let one = render(&analyze_with_threads(dir.path(), &no_progress, 1).expect("analysis"));
    let two = render(&analyze_with_threads(dir.path(), &no_progress, 2).expect("analysis"));
    assert_eq!(one, two);
}

#[test]
fn no_rust_source_is_an_error() {
    let dir = write_tree(&[("README.md".to_string(), "nothing\n".to_string())]);
    let err = analyze_rust(dir.path(), &no_progress).expect_err("no source");
    assert!(matches!(err, Error::NoRustSource { .. }), "{err:?}");
    let virtual_only = write_tree(&[(
        "Cargo.toml".to_string(),
        "[workspace]\nmembers = []\n".to_string(),
    )]);
    let err = analyze_rust(virtual_only.path(), &no_progress).expect_err("no package");
    assert!(matches!(err, Error::NoRustSource { .. }), "{err:?}");
}

#[test]
fn unreadable_root_is_an_io_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let err = analyze_rust(&dir.path().join("missing"), &no_progress).expect_err("missing root");
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
}

/// A manifest that does not parse is reported with its file and the TOML error: as a diagnostic
/// when other crates remain, as the error when it was the only one.
#[test]
fn broken_manifests_are_reported() {
    let files = vec![
        (
            "Cargo.toml".to_string(),
            "[workspace]\nmembers = [\"good\", \"bad\"]\n".to_string(),
        ),
        (
            "good/Cargo.toml".to_string(),
            "[package]\nname = \"good\"\n".to_string(),
        ),
        (
            "good/src/lib.rs".to_string(),
            "pub fn ok() {}\n".to_string(),
        ),
        (
            "bad/Cargo.toml".to_string(),
            "[package\nname = \"bad\"\n".to_string(),
        ),
        (
            "bad/src/lib.rs".to_string(),
            "pub fn lost() {}\n".to_string(),
        ),
    ];
    let dir = write_tree(&files);
    let a = analyze_rust(dir.path(), &no_progress).expect("the good crate is analyzed");
    assert_eq!(a.stats.crates, 1);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.file == "bad/Cargo.toml")
        .expect("a diagnostic for the broken manifest");
    assert!(d.message.contains("invalid TOML"), "{d:?}");
    let alone = write_tree(&[
        ("Cargo.toml".to_string(), "[package\n".to_string()),
        ("src/lib.rs".to_string(), "pub fn f() {}\n".to_string()),
    ]);
    let err = analyze_rust(alone.path(), &no_progress).expect_err("nothing left");
    let text = err.to_string();
    assert!(
        text.contains("Cargo.toml") && text.contains("invalid TOML"),
        "{text}"
    );
}

/// A module whose file is a FIFO is not a file: the module is reported missing, without
/// waiting for a writer, and the rest is analyzed.
#[test]
fn a_module_file_that_is_a_fifo_is_skipped_at_once() {
    let dir = write_tree(&[
        (
            "Cargo.toml".to_string(),
            "[package]\nname = \"pipe\"\n".to_string(),
        ),
        (
            "src/lib.rs".to_string(),
            "mod feed;\npub fn ok() {}\n".to_string(),
        ),
    ]);
    let made = std::process::Command::new("mkfifo")
        .arg(dir.path().join("src/feed.rs"))
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("no mkfifo here: skipped");
        return;
    }
    let root = dir.path().to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(analyze_rust(&root, &no_progress).map(|a| {
            let skipped = a
                .diagnostics
                .iter()
                .any(|d| d.file == "src/lib.rs" && d.message.contains("module `feed` has no file"));
            (a.graph.position("pipe::ok").is_some(), skipped)
        }));
    });
    let got = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the analysis waited on the FIFO");
    assert!(matches!(got, Ok((true, true))), "{got:?}");
}

/// A generated file over the size cap is skipped with a diagnostic; the rest is analyzed.
#[test]
fn oversized_generated_files_are_skipped() {
    let big = "pub const T: [u8; 4] = [1, 2, 3, 4];\n"
        .repeat((super::modules::MAX_FILE_BYTES / 30) as usize);
    let files = vec![
        (
            "Cargo.toml".to_string(),
            "[package]\nname = \"gen\"\n".to_string(),
        ),
        (
            "src/lib.rs".to_string(),
            "mod tables;\npub fn ok() {}\n".to_string(),
        ),
        ("src/tables.rs".to_string(), big),
    ];
    let dir = write_tree(&files);
    // A Latin-1 file next to it: skipped, with the offset of its first bad byte.
    std::fs::write(dir.path().join("src/legacy.rs"), b"pub fn caf\xe9() {}\n").expect("write");
    std::fs::write(
        dir.path().join("src/lib.rs"),
        "mod tables;\nmod legacy;\npub fn ok() {}\n",
    )
    .expect("write");
    let a = analyze_rust(dir.path(), &no_progress).expect("analysis");
    assert!(a.graph.position("gen::ok").is_some());
    assert_eq!(a.stats.skipped_files, 2);
    let latin = a
        .diagnostics
        .iter()
        .find(|d| d.file == "src/legacy.rs")
        .expect("a diagnostic");
    assert!(latin.message.contains("offset 10"), "{latin:?}");
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.file == "src/tables.rs")
        .expect("a diagnostic");
    assert!(d.message.contains("generated code"), "{d:?}");
}

/// Progress counts one call per file parsed, against a total of the files queued for parsing —
/// never the test, example, bench or unreachable files the folder also holds — and ends full.
#[test]
fn progress_counts_only_the_files_it_parses_and_ends_full() {
    let files: Vec<(String, String)> = [
        (
            "Cargo.toml",
            "[package]\nname = \"bar\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        (
            "src/lib.rs",
            "mod a;\nmod missing;\npub fn f() { a::g(); }\n",
        ),
        ("src/a.rs", "mod b;\npub fn g() {}\n"),
        ("src/a/b.rs", "pub fn h() {}\n"),
        // Never reached from the crate root: not to be counted.
        ("src/orphan.rs", "pub fn lost() {}\n"),
        ("tests/it.rs", "#[test]\nfn t() {}\n"),
        ("examples/demo.rs", "fn main() {}\n"),
        ("benches/b.rs", "fn main() {}\n"),
    ]
    .iter()
    .map(|(p, b)| (p.to_string(), b.to_string()))
    .collect();
    let dir = write_tree(&files);
    let calls = std::sync::Mutex::new(Vec::new());
    let record = |done: u64, total: u64| calls.lock().expect("lock").push((done, total));
    let a = analyze_rust(dir.path(), &record).expect("analysis");
    let calls = calls.into_inner().expect("lock");
    let parsed = (a.stats.files + a.stats.skipped_files) as u64;
    assert_eq!(parsed, 3, "lib.rs, a.rs, b.rs: {:?}", a.stats);
    assert!(
        calls.iter().all(|&(d, t)| d <= t && t <= parsed),
        "{calls:?}"
    );
    assert_eq!(calls.last(), Some(&(parsed, parsed)), "{calls:?}");
}
