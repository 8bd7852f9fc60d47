//! CLI tests: the real `cleave` binary on fixtures — files, stdout, stderr and exit codes.

mod analyze;
mod bad_input;
mod boundary;
mod check;
mod compare;
mod completions;
mod decisions;
mod diagram;
mod diff;
mod explain;
mod export;
mod format;
mod generator;
mod history;
mod hostile;
mod html;
mod init;
mod plan;
mod progress;
mod render;
mod scip;
mod stdin;
mod tables;
mod traces;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the binary with `args` and extra environment variables.
pub fn cleave_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cleave"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the cleave binary runs")
}

/// Runs the binary with `args`, `stdin` fed to its standard input (from another thread, so a
/// child that stops reading early does not block the test), and extra environment variables.
pub fn cleave_stdin(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cleave"));
    cmd.args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the cleave binary runs");
    let mut pipe = child.stdin.take().expect("piped stdin");
    let bytes = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The child may stop reading (at the size limit) and close the pipe: not an error here.
        let _ = std::io::Write::write_all(&mut pipe, &bytes);
    });
    let out = child.wait_with_output().expect("the cleave binary ends");
    writer.join().expect("writer thread");
    out
}

/// Runs the binary with `args`.
pub fn cleave(args: &[&str]) -> Output {
    cleave_env(args, &[])
}

/// The service (as JSON) holding `node` in a plan.json.
pub fn service_of<'a>(plan: &'a serde_json::Value, node: &str) -> &'a serde_json::Value {
    plan["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .find(|c| {
            c["members"]
                .as_array()
                .expect("members")
                .iter()
                .any(|m| m == node)
        })
        .expect("node placed")
}

/// A fixture under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A file of the repository.
pub fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// stdout and stderr as text.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Plans `input` into a fresh directory and returns it with the parsed plan.json.
pub fn plan_ok(input: &Path, extra: &[&str]) -> (tempfile::TempDir, serde_json::Value) {
    let (dir, plan, _) = plan_ok_said(input, extra);
    (dir, plan)
}

/// [`plan_ok`], and what the run printed on standard error.
pub fn plan_ok_said(
    input: &Path,
    extra: &[&str],
) -> (tempfile::TempDir, serde_json::Value, String) {
    let (dir, plan, _, stderr) = plan_ok_env(input, extra, &[]);
    (dir, plan, stderr)
}

/// [`plan_ok`] with extra environment variables, and what the run printed on standard output
/// and standard error.
pub fn plan_ok_env(
    input: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (tempfile::TempDir, serde_json::Value, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let mut args = vec![
        "plan",
        input.to_str().expect("utf-8 path"),
        "--out",
        out.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    let result = cleave_env(&args, env);
    let (stdout, stderr) = text(&result);
    assert!(result.status.success(), "cleave failed: {stderr}\n{stdout}");
    let json = std::fs::read_to_string(out.join("plan.json")).expect("plan.json written");
    let plan = serde_json::from_str(&json).expect("plan.json is JSON");
    (dir, plan, stdout, stderr)
}

/// A plain text table as the tool prints it: a header, a line of dashes marking each column's
/// span, and rows. Each cell is the row's text within its column's span, untrimmed.
pub struct TextTable {
    /// The header cells, trimmed.
    pub header: Vec<String>,
    /// The rows, one cell per column, padded to the column's width.
    pub rows: Vec<Vec<String>>,
}

/// Parses `lines` (header, dashes, rows) as a [`TextTable`], failing the test when a line has
/// trailing whitespace or text between two columns or beyond the last.
pub fn text_table(lines: &[&str]) -> TextTable {
    let [header, dashes, rows @ ..] = lines else {
        panic!("a table needs a header and an underline: {lines:?}");
    };
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in dashes.chars().chain([' ']).enumerate() {
        match (c, start) {
            ('-', None) => start = Some(i),
            (' ', Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            ('-' | ' ', _) => {}
            _ => panic!("the underline holds only dashes and spaces: {dashes:?}"),
        }
    }
    let cells = |line: &str| -> Vec<String> {
        assert_eq!(line, line.trim_end(), "trailing whitespace: {line:?}");
        let chars: Vec<char> = line.chars().collect();
        let width = spans.last().map_or(0, |s| s.1);
        assert!(
            chars.len() <= width,
            "text beyond the last column: {line:?}"
        );
        let mut at = 0;
        spans
            .iter()
            .map(|&(s, e)| {
                let gap: String = chars.iter().take(s).skip(at).collect();
                assert!(gap.trim().is_empty(), "text between columns: {line:?}");
                at = e;
                (s..e)
                    .map(|i| chars.get(i).copied().unwrap_or(' '))
                    .collect()
            })
            .collect()
    };
    TextTable {
        header: cells(header).iter().map(|c| c.trim().to_string()).collect(),
        rows: rows.iter().map(|r| cells(r)).collect(),
    }
}
