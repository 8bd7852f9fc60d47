//! Phase progress on standard error: drawn on a terminal only, never into a pipe or a log.

use std::process::Command;

use crate::diff::s;
use crate::generator::generate;
use crate::{cleave_env, text};

/// A graph large enough for a debug build to plan for a moment.
fn medium_graph(dir: &std::path::Path) -> std::path::PathBuf {
    let made = generate(dir, "g.json", &["--nodes", "3000", "--seed", "3"]);
    assert!(made.status.success(), "{:?}", text(&made));
    dir.join("g.json")
}

#[test]
fn no_spinner_or_escape_code_reaches_a_pipe() {
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = medium_graph(dir.path());
    let out = dir.path().join("out");
    // No delay at all: were the spinner drawn into a pipe, this run would show it.
    let run = cleave_env(
        &["plan", s(&graph), "--out", s(&out)],
        &[("CLEAVE_PROGRESS_DELAY_MS", "0")],
    );
    let (stdout, stderr) = text(&run);
    assert!(run.status.success(), "{stderr}");
    for stream in [&stdout, &stderr] {
        assert!(!stream.contains('\u{1b}'), "escape code: {stream:?}");
        assert!(!stream.contains("planning:"), "{stream}");
    }
}

#[test]
fn a_terminal_sees_the_phases_when_script_can_give_one() {
    // `script` (util-linux) runs the command on a pseudo-terminal; without it there is no
    // terminal to test on.
    let has_script = Command::new("script").arg("--version").output();
    if !has_script.is_ok_and(|o| o.status.success()) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = medium_graph(dir.path());
    let out = dir.path().join("out");
    let log = dir.path().join("typescript");
    let command = format!(
        "'{}' plan '{}' --out '{}'",
        env!("CARGO_BIN_EXE_cleave"),
        s(&graph),
        s(&out)
    );
    let run = Command::new("script")
        .args(["-qec", &command, s(&log)])
        .env("CLEAVE_PROGRESS_DELAY_MS", "0")
        .output()
        .expect("script runs");
    assert!(run.status.success(), "{:?}", text(&run));
    let seen = String::from_utf8_lossy(&std::fs::read(&log).expect("typescript")).into_owned();
    assert!(seen.contains("planning: "), "{seen}");
    assert!(out.join("plan.json").is_file());
}
