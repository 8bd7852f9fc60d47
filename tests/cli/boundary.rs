//! Every command at its boundary: the exit code, stdout, stderr and the files it writes, on small
//! fixtures, snapshotted whole (insta) so that any change to what a user sees shows up in review.
//! Temporary and repository paths are replaced by `[TMP]` and `[REPO]`.

use std::fmt::Write;
use std::fs;
use std::path::Path;

use crate::{cleave_stdin, fixture, repo_file};

/// A scratch folder the commands write into, and the paths to filter from what they print.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// What a user sees when running `cleave ARGS`: its exit code, stdout, stderr, then each of
    /// `files` (relative to the scratch folder) it wrote.
    fn run(&self, args: &[&str], files: &[&str]) -> String {
        let out = cleave_stdin(args, b"", &[("NO_COLOR", "1")]);
        let mut shown = String::new();
        let shown_args: Vec<String> = args.iter().map(|a| self.filter(a)).collect();
        writeln!(shown, "$ cleave {}", shown_args.join(" ")).ok();
        writeln!(shown, "exit: {}", out.status.code().unwrap_or(-1)).ok();
        for (title, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            writeln!(shown, "--- {title}").ok();
            shown.push_str(&self.filter(&String::from_utf8_lossy(bytes)));
        }
        for f in files {
            writeln!(shown, "--- file {f}").ok();
            let text = fs::read_to_string(self.dir.path().join(f))
                .unwrap_or_else(|e| format!("(not written: {e})\n"));
            shown.push_str(&self.filter(&text));
        }
        shown
    }

    fn filter(&self, text: &str) -> String {
        let repo = repo_file("").display().to_string();
        let repo = repo.trim_end_matches('/');
        text.replace(&self.dir.path().display().to_string(), "[TMP]")
            .replace(repo, "[REPO]")
    }
}

/// The tiny shop, copied into the scratch folder so that the paths a plan records are the same
/// wherever the repository and the temporary folder are.
fn shop(s: &Scratch) -> String {
    let path = s.path("tiny-shop.json");
    if !Path::new(&path).exists() {
        fs::copy(fixture("tiny-shop.json"), &path).expect("copy the fixture");
    }
    path
}

#[test]
fn plan_writes_its_files_and_prints_the_summary() {
    let s = Scratch::new();
    let out = s.path("out");
    let said = s.run(
        &["plan", &shop(&s), "--out", &out],
        &["out/plan.json", "out/plan.md", "out/plan.dot"],
    );
    insta::assert_snapshot!(said);
    // The schema written beside the plan is the documented one.
    assert_eq!(
        fs::read_to_string(s.path("out/plan.schema.json")).expect("schema written"),
        fs::read_to_string(repo_file("docs/plan.schema.json")).expect("documented schema")
    );
    insta::assert_snapshot!(
        "plan_json_summary",
        s.run(
            &[
                "plan",
                &shop(&s),
                "--out",
                &out,
                "--format",
                "json",
                "--fresh"
            ],
            &[]
        )
    );
}

#[test]
fn plan_of_a_missing_input_exits_2_and_writes_nothing() {
    let s = Scratch::new();
    let missing = s.path("no-such.json");
    let said = s.run(&["plan", &missing, "--out", &s.path("out")], &[]);
    insta::assert_snapshot!(said);
    assert!(!Path::new(&s.path("out")).exists());
}

#[test]
fn analyze_writes_the_call_graph_of_a_rust_workspace() {
    let s = Scratch::new();
    let crate_dir = repo_file("examples/rust-shop").display().to_string();
    let said = s.run(
        &["analyze", &crate_dir, "-o", &s.path("graph.json")],
        &["graph.json"],
    );
    insta::assert_snapshot!(said);
}

#[test]
fn a_broken_call_graph_exits_2_naming_the_place() {
    let s = Scratch::new();
    let broken = s.path("broken.json");
    fs::write(&broken, "{\"nodes\": [{\"id\": \"a\"},]}").expect("write");
    insta::assert_snapshot!(s.run(&["plan", &broken, "--out", &s.path("out")], &[]));
    assert!(!Path::new(&s.path("out")).exists());
}

/// Two plans of the tiny shop: automatic, and forced to three services.
fn two_plans(s: &Scratch) -> (String, String) {
    let (a, b) = (s.path("a"), s.path("b"));
    let ok = |args: &[&str]| {
        let out = crate::cleave(args);
        assert!(out.status.success(), "{:?}", crate::text(&out));
    };
    ok(&["plan", &shop(s), "--out", &a, "-q"]);
    ok(&["plan", &shop(s), "--out", &b, "--services", "3", "-q"]);
    (format!("{a}/plan.json"), format!("{b}/plan.json"))
}

#[test]
fn diff_and_check_say_what_changed() {
    let s = Scratch::new();
    let (a, b) = two_plans(&s);
    insta::assert_snapshot!("diff", s.run(&["diff", &a, &b], &[]));
    insta::assert_snapshot!("check_unchanged", s.run(&["check", &a, &shop(&s)], &[]));
    // The code changed: the reports module is gone and a refund handler calls the images code.
    let mut changed: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(shop(&s)).expect("fixture")).expect("json");
    let reports =
        |v: &serde_json::Value| v.as_str().is_some_and(|s| s.starts_with("shop::reports"));
    let nodes = changed["nodes"].as_array_mut().expect("nodes");
    nodes.retain(|n| !reports(&n["id"]));
    nodes.push(serde_json::json!({"id": "shop::orders::refund", "module": "shop::orders", "entry": "http"}));
    let edges = changed["edges"].as_array_mut().expect("edges");
    edges.retain(|e| !reports(&e["from"]) && !reports(&e["to"]));
    edges.push(serde_json::json!({"from": "shop::orders::refund", "to": "shop::images::resize"}));
    let changed_path = s.path("changed.json");
    fs::write(&changed_path, changed.to_string()).expect("write");
    insta::assert_snapshot!("check_drifted", s.run(&["check", &a, &changed_path], &[]));
}

#[test]
fn explain_a_node_a_service_and_an_unknown_name() {
    let s = Scratch::new();
    let (a, _) = two_plans(&s);
    insta::assert_snapshot!(
        "explain_node",
        s.run(&["explain", &a, "shop::orders::place_order"], &[])
    );
    insta::assert_snapshot!("explain_service", s.run(&["explain", &a, "cart"], &[]));
    insta::assert_snapshot!(
        "explain_unknown",
        s.run(&["explain", &a, "shop::orders::place"], &[])
    );
}

#[test]
fn render_exports_and_compare() {
    let s = Scratch::new();
    let (a, b) = two_plans(&s);
    insta::assert_snapshot!(
        "render_mermaid",
        s.run(&["render", &a, "--format", "mermaid", "-o", "-"], &[])
    );
    insta::assert_snapshot!(
        "render_dot_file",
        s.run(
            &["render", &a, "-o", &s.path("diagram.dot")],
            &["diagram.dot"]
        )
    );
    insta::assert_snapshot!("compare_plans", s.run(&["compare", &a, &b], &[]));
}

#[test]
fn init_writes_a_commented_config_once() {
    let s = Scratch::new();
    let dir = s.dir.path().display().to_string();
    insta::assert_snapshot!("init", s.run(&["init", &dir], &["cleave.toml"]));
    insta::assert_snapshot!("init_again", s.run(&["init", &dir], &[]));
}
