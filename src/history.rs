//! `--history`: the files each recent commit changed, read with the `git` command, for the
//! planner's evolutionary coupling ([`planner::History`]).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Result;

use crate::cli::HistoryArgs;
use crate::input::bad_input;

/// Most commits `--history=N` may read.
pub const MAX_COMMITS: usize = 100_000;
/// Most bytes of `git log` output read: beyond it the history is refused, not truncated.
const MAX_LOG_BYTES: u64 = 256 << 20;

/// The history read, and where from (recorded in the plan's source).
pub struct Loaded {
    pub history: planner::History,
    pub source: planner::HistorySource,
}

/// The folder whose history is read: `--history-repo`, else the Rust input folder itself, else
/// the top of the repository holding the input file. Paths in the history are relative to it.
fn folder(input: Option<&Path>, args: &HistoryArgs) -> Result<PathBuf> {
    if let Some(repo) = &args.history_repo {
        return Ok(repo.clone());
    }
    match input {
        Some(p) if p.is_dir() => Ok(p.to_path_buf()),
        Some(p) => {
            let parent = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let top = git(parent, &["rev-parse", "--show-toplevel"], 1 << 16)?;
            Ok(PathBuf::from(String::from_utf8_lossy(&top).trim()))
        }
        None => Err(bad_input(
            "--history needs an input in a git repository, or --history-repo DIR".to_string(),
        )),
    }
}

/// Runs `git -C dir ARGS` and returns its output, at most `limit` bytes; a failure (git missing,
/// not a repository, output over the limit) is bad input saying how to fix it.
fn git(dir: &Path, args: &[&str], limit: u64) -> Result<Vec<u8>> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            bad_input(format!(
                "--history runs the git command, which could not be started ({e}): install git or leave --history out"
            ))
        })?;
    let mut out = Vec::new();
    let stdout = child.stdout.take().expect("piped stdout");
    let read = stdout.take(limit + 1).read_to_end(&mut out);
    if read.is_err() || out.len() as u64 > limit {
        let _ = child.kill();
        let _ = child.wait();
        return Err(bad_input(format!(
            "the history of {} is larger than {} MB of `git log` output: read fewer commits with --history=N",
            dir.display(),
            limit >> 20
        )));
    }
    let mut err = Vec::new();
    if let Some(stderr) = child.stderr.take() {
        let _ = stderr.take(1 << 16).read_to_end(&mut err);
    }
    let status = child.wait().map_err(|e| bad_input(e.to_string()))?;
    if !status.success() {
        let why = String::from_utf8_lossy(&err);
        return Err(bad_input(format!(
            "cannot read the git history of {}: {} (--history needs an input inside a git repository, or --history-repo DIR)",
            dir.display(),
            why.trim()
        )));
    }
    Ok(out)
}

/// Reads the last `--history=N` commits (merges left out) of the folder's repository: the files
/// each changed, relative to the folder, renames followed as their new name.
pub fn read(input: Option<&Path>, args: &HistoryArgs) -> Result<Option<Loaded>> {
    let Some(commits) = args.history else {
        return Ok(None);
    };
    if !(1..=MAX_COMMITS).contains(&commits) {
        return Err(bad_input(format!(
            "--history={commits}: read from 1 to {MAX_COMMITS} commits"
        )));
    }
    let dir = folder(input, args)?;
    let head = git(&dir, &["rev-parse", "HEAD"], 1 << 16)?;
    let n = commits.to_string();
    let log = git(
        &dir,
        &[
            "log",
            "-n",
            &n,
            "--no-merges",
            "--relative",
            "--name-only",
            "--format=%x1e",
            "-z",
        ],
        MAX_LOG_BYTES,
    )?;
    let text = String::from_utf8_lossy(&log);
    let changes: Vec<Vec<&str>> = text
        .split('\u{1e}')
        .skip(1)
        .map(|commit| {
            commit
                .split('\0')
                .map(|f| f.trim_matches('\n'))
                .filter(|f| !f.is_empty())
                .collect()
        })
        .collect();
    let history = planner::History::from_commits(&changes);
    Ok(Some(Loaded {
        source: planner::HistorySource {
            repository: dir.display().to_string(),
            head: String::from_utf8_lossy(&head).trim().to_string(),
            commits: history.commits,
        },
        history,
    }))
}
