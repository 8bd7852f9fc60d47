//! `--history`: files that change together in the git history tie their functions.

use std::path::Path;
use std::process::Command;

use crate::{cleave, text};

/// Runs git in `dir` with a fixed identity and no user or system config.
fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=cleave",
            "-c",
            "user.email=cleave@example.com",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

const VERBS: [&str; 4] = ["open", "fold", "mix", "seal"];
const FILES: [(&str, &str); 4] = [
    ("a", "alpha"),
    ("b", "bravo"),
    ("c", "charlie"),
    ("d", "delta"),
];

/// A repository holding a call graph of four files (four functions each, all calling each
/// other), alpha calling bravo and charlie calling delta; its history changes alpha with charlie
/// and bravo with delta, four times each.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let id = |word: &str, verb: &str| format!("app::{word}::{verb}_{word}");
    for (file, word) in FILES {
        for (line, verb) in VERBS.iter().enumerate() {
            nodes.push(serde_json::json!({
                "id": id(word, verb),
                "location": format!("src/{file}.rs:{}", line + 1),
            }));
            for later in &VERBS[line + 1..] {
                edges.push(serde_json::json!({"from": id(word, verb), "to": id(word, later)}));
            }
        }
    }
    for (from, to) in [("alpha", "bravo"), ("charlie", "delta")] {
        edges
            .push(serde_json::json!({"from": id(from, "open"), "to": id(to, "seal"), "weight": 3}));
    }
    let graph = serde_json::json!({"nodes": nodes, "edges": edges});
    std::fs::create_dir(root.join("src")).expect("src");
    std::fs::write(root.join("graph.json"), graph.to_string()).expect("graph");
    for (file, _) in FILES {
        std::fs::write(root.join(format!("src/{file}.rs")), "0\n").expect("source");
    }
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "start"]);
    for round in 0..4 {
        for pair in [["a", "c"], ["b", "d"]] {
            for file in pair {
                let path = root.join(format!("src/{file}.rs"));
                let mut body = std::fs::read_to_string(&path).expect("source");
                body.push_str(&format!("{round}\n"));
                std::fs::write(&path, body).expect("source");
            }
            git(root, &["commit", "-qam", "change together"]);
        }
    }
    dir
}

/// Plans `graph.json` of the repository with `extra` into `out`; returns plan.json's text.
fn plan(repo: &Path, out: &Path, extra: &[&str]) -> String {
    let input = repo.join("graph.json");
    let mut args = vec![
        "plan",
        input.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
        "--fresh",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let result = cleave(&args);
    assert!(result.status.success(), "{:?}", text(&result));
    std::fs::read_to_string(out.join("plan.json")).expect("plan.json")
}

/// The words (files) of each service, services in plan order.
fn services(plan: &str) -> Vec<Vec<String>> {
    let plan: serde_json::Value = serde_json::from_str(plan).expect("json");
    plan["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .map(|c| {
            let mut words: Vec<String> = c["members"]
                .as_array()
                .expect("members")
                .iter()
                .map(|m| {
                    m.as_str()
                        .expect("id")
                        .split("::")
                        .nth(1)
                        .expect("word")
                        .to_string()
                })
                .collect();
            words.dedup();
            words
        })
        .collect()
}

#[test]
fn co_changing_files_end_in_one_service() {
    let repo = repository();
    let out = tempfile::tempdir().expect("temp dir");
    let calls_only = plan(repo.path(), &out.path().join("calls"), &["--services", "2"]);
    assert_eq!(
        services(&calls_only),
        [vec!["alpha", "bravo"], vec!["charlie", "delta"]]
    );
    let with_history = plan(
        repo.path(),
        &out.path().join("history"),
        &["--services", "2", "--history"],
    );
    assert_eq!(
        services(&with_history),
        [vec!["alpha", "charlie"], vec!["bravo", "delta"]]
    );
    let parsed: serde_json::Value = serde_json::from_str(&with_history).expect("json");
    let source = &parsed["source"]["history"];
    assert_eq!(source["commits"], 9);
    assert_eq!(source["head"].as_str().expect("head").len(), 40);
    assert!(
        source["repository"]
            .as_str()
            .expect("repository")
            .starts_with(".."),
        "recorded relative to the plan: {source}"
    );
    let note = parsed["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|n| n.as_str())
        .find(|n| n.starts_with("history:"))
        .expect("a history note");
    assert!(note.contains("2 co-changing file pairs"), "{note}");
    assert!(note.contains("tie 16 nodes"), "{note}");
    // The same history gives the same bytes, and an unchanged input passes `check`.
    let again = plan(
        repo.path(),
        &out.path().join("again"),
        &["--services", "2", "--history"],
    );
    assert_eq!(with_history, again);
    let input = repo.path().join("graph.json");
    let plan_file = out.path().join("history/plan.json");
    let checked = cleave(&[
        "check",
        plan_file.to_str().expect("utf-8"),
        input.to_str().expect("utf-8"),
        "--history",
    ]);
    assert!(checked.status.success(), "{:?}", text(&checked));
}

#[test]
fn a_bounded_history_reads_the_last_commits_only() {
    let repo = repository();
    let out = tempfile::tempdir().expect("temp dir");
    // The last commit alone pairs nothing (one shared commit is chance).
    let plan = plan(repo.path(), out.path(), &["--history=1"]);
    let parsed: serde_json::Value = serde_json::from_str(&plan).expect("json");
    assert_eq!(parsed["source"]["history"]["commits"], 1);
    let notes = parsed["notes"].to_string();
    assert!(notes.contains("give 0 co-changing file pairs"), "{notes}");
}

#[test]
fn history_outside_a_repository_or_out_of_range_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = dir.path().join("graph.json");
    std::fs::write(
        &graph,
        r#"{"nodes": [{"id": "a"}, {"id": "b"}], "edges": [{"from": "a", "to": "b"}]}"#,
    )
    .expect("graph");
    let out = dir.path().join("out");
    let base = [
        "plan",
        graph.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ];
    let cases: [(&[&str], &str); 3] = [
        (&["--history"], "cannot read the git history"),
        (&["--history=0"], "read from 1 to 100000 commits"),
        (
            &["--history", "--history-repo", "/nonexistent/repo"],
            "cannot read the git history of /nonexistent/repo",
        ),
    ];
    for (extra, expected) in cases {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        let result = cleave(&args);
        let (_, stderr) = text(&result);
        assert_eq!(result.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
        assert!(!out.join("plan.json").exists(), "nothing written");
    }
}
