//! `cleave analyze` and `cleave plan DIR`: Rust source in, the JSON call graph and plans out.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::{cleave, repo_file, text};

fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (path, contents) in files {
        let full = root.join(path);
        fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        fs::write(full, contents).expect("write");
    }
}

/// Writes `files` into a fresh folder and runs `cleave analyze` on it, writing `g.json` there:
/// the folder, the graph's path and the run.
fn analyze_tree(files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf, Output) {
    let dir = tempfile::tempdir().expect("temp dir");
    write_tree(dir.path(), files);
    let out = dir.path().join("g.json");
    let result = cleave(&[
        "analyze",
        dir.path().to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
    ]);
    (dir, out, result)
}

/// The Cargo.toml of a package `name`.
fn manifest(name: &str) -> (&'static str, String) {
    (
        "Cargo.toml",
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
    )
}

#[test]
fn analyze_writes_a_call_graph_that_loads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("graph.json");
    let shop = repo_file("examples/rust-shop");
    let result = cleave(&[
        "analyze",
        shop.to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
    ]);
    let (stdout, stderr) = text(&result);
    assert!(result.status.success(), "{stderr}");
    assert!(stdout.contains("nodes"), "{stdout}");
    assert!(
        stderr.contains("calls:") && stderr.contains("resolved"),
        "summary on stderr: {stderr}"
    );
    let json = fs::read_to_string(&out).expect("graph.json");
    let graph = analyzer::load_json(&json).expect("the written graph loads");
    assert!(graph.node_count() >= 40, "{} nodes", graph.node_count());
    assert!(graph.edge_count() >= 40, "{} edges", graph.edge_count());
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert!(value["analysis"]["stats"]["files"].as_u64() > Some(5));
    // Labelling signals made it into the graph, and their counts into the summary.
    let entries: Vec<_> = graph.nodes().filter_map(|n| n.entry.as_deref()).collect();
    assert!(entries.contains(&"http"), "{entries:?}");
    let http = entries.iter().filter(|&&e| e == "http").count();
    assert_eq!(
        value["analysis"]["stats"]["entry_points"]["http"].as_u64(),
        Some(http as u64)
    );
    assert!(
        stderr.contains("entry points: ") && stderr.contains(&format!("{http} http")),
        "entry points in the summary: {stderr}"
    );
    assert!(graph.nodes().any(|n| n.stateful), "no stateful node");
    assert!(
        graph
            .nodes()
            .any(|n| n.resources.iter().any(|r| r.starts_with("db:"))),
        "no db resource"
    );
}

#[test]
fn planning_the_source_equals_planning_its_written_graph() {
    let dir = tempfile::tempdir().expect("temp dir");
    let shop = repo_file("examples/rust-shop");
    let graph = dir.path().join("graph.json");
    let from_source = dir.path().join("a");
    let from_json = dir.path().join("b");
    let steps: [Vec<&str>; 3] = [
        vec![
            "analyze",
            shop.to_str().expect("path"),
            "-o",
            graph.to_str().expect("path"),
            "-q",
        ],
        vec![
            "plan",
            shop.to_str().expect("path"),
            "--out",
            from_source.to_str().expect("path"),
            "-q",
        ],
        vec![
            "plan",
            graph.to_str().expect("path"),
            "--out",
            from_json.to_str().expect("path"),
            "-q",
        ],
    ];
    for args in &steps {
        let result = cleave(args);
        assert!(result.status.success(), "{args:?}: {}", text(&result).1);
    }
    for name in ["plan.dot", "plan.md"] {
        let a = fs::read(from_source.join(name)).expect("file");
        let b = fs::read(from_json.join(name)).expect("file");
        assert!(
            a == b,
            "{name} differs between planning the source and its graph"
        );
    }
    // plan.json records where it came from (`source`); everything else is the same.
    let read = |dir: &Path| -> serde_json::Value {
        let text = fs::read_to_string(dir.join("plan.json")).expect("plan");
        let mut v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let source = v.as_object_mut().and_then(|o| o.remove("source"));
        assert!(source.is_some(), "plan.json records its source");
        v
    };
    assert_eq!(
        read(&from_source),
        read(&from_json),
        "plan.json differs beyond its source"
    );
}

#[test]
fn the_rust_example_plans_into_a_hybrid() {
    let (_dir, plan) = crate::plan_ok(&repo_file("examples/rust-shop"), &[]);
    let labels: Vec<&str> = plan["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .filter_map(|c| c["label"].as_str())
        .collect();
    assert!(
        labels.contains(&"function") && labels.contains(&"microservice"),
        "{labels:?}"
    );
}

#[test]
fn unparseable_files_are_diagnostics_not_failures() {
    let (name, toml) = manifest("demo");
    let (_dir, out, result) = analyze_tree(&[
        (name, &toml),
        (
            "src/lib.rs",
            "mod good;\nmod broken;\npub fn run() { good::work(); }\n",
        ),
        (
            "src/good.rs",
            "pub fn work() { helper(); }\nfn helper() {}\n",
        ),
        // Items are read as they are parsed: those before the error, and the module they
        // declare, must go with the rest of the file.
        (
            "src/broken.rs",
            "pub fn early() { good::work(); }\nmod child;\npub fn oops() { let = 1; }\n",
        ),
        ("src/broken/child.rs", "pub fn orphan() {}\n"),
    ]);
    let (_, stderr) = text(&result);
    assert!(result.status.success(), "{stderr}");
    assert!(stderr.contains("warning: src/broken.rs:3:"), "{stderr}");
    assert!(stderr.contains("1 file skipped"), "{stderr}");
    let graph = analyzer::load_json(&fs::read_to_string(&out).expect("written")).expect("loads");
    assert!(
        graph.position("demo::good::work").is_some(),
        "the rest was analyzed"
    );
    for gone in ["demo::broken::early", "demo::broken::child::orphan"] {
        assert!(graph.position(gone).is_none(), "{gone} was read");
    }
}

#[test]
fn a_directory_without_rust_is_bad_input() {
    let (_dir, out, result) = analyze_tree(&[("README.md", "nothing here\n")]);
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no Rust source"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn an_unwritable_output_fails_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("missing-dir/g.json");
    let shop = repo_file("examples/rust-shop");
    let result = cleave(&[
        "analyze",
        shop.to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
        "-q",
    ]);
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("missing-dir"), "{stderr}");
}

#[test]
fn counts_of_one_read_in_the_singular() {
    let (name, toml) = manifest("one");
    let (dir, out, result) = analyze_tree(&[
        (name, &toml),
        ("src/lib.rs", "pub fn run() { work(); }\nfn work() {}\n"),
    ]);
    let (stdout, stderr) = text(&result);
    assert!(result.status.success(), "{stderr}");
    assert!(stderr.contains("analyzed 1 crate, 1 file"), "{stderr}");
    assert!(stdout.contains("(2 nodes, 1 edge)"), "{stdout}");
    let planned = cleave(&[
        "plan",
        out.to_str().expect("path"),
        "--out",
        dir.path().join("plan").to_str().expect("path"),
    ]);
    let (stdout, stderr) = text(&planned);
    assert!(planned.status.success(), "{stderr}");
    assert!(stdout.contains("1 service ("), "{stdout}");
    for wrong in [
        "1 services",
        "1 microservices",
        "1 functions",
        "1 nodes",
        "1 edges",
    ] {
        assert!(!stdout.contains(wrong), "{wrong}: {stdout}");
    }
}
