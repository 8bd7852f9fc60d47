//! Hostile inputs (issue 13): devices, FIFOs and oversized files are refused before they are
//! read, and a closed stdout ends the run quietly instead of panicking.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{cleave, cleave_env, fixture, text};

/// Runs the binary, failing the test if it does not finish within `limit` (a hang).
fn run_within(args: &[&str], limit: Duration) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cleave"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the cleave binary runs");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut stderr);
            }
            return (status.code(), stderr);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("cleave {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn devices_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out = out.to_str().expect("path");
    let shop = fixture("tiny-shop.json");
    let shop = shop.to_str().expect("path");
    for args in [
        vec!["plan", "/dev/zero", "--out", out],
        vec!["plan", shop, "--out", out, "--config", "/dev/zero"],
        vec!["plan", shop, "--out", out, "--traces", "/dev/zero"],
        vec!["diff", "/dev/zero", "/dev/zero"],
        vec!["compare", "/dev/zero", "/dev/zero"],
    ] {
        let (code, stderr) = run_within(&args, Duration::from_secs(30));
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("/dev/zero is not a regular file"),
            "{args:?}: {stderr}"
        );
    }
    assert!(!dir.path().join("out").exists(), "an output was written");
}

#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("graph.json");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("no mkfifo here: skipped");
        return;
    }
    let out = dir.path().join("out");
    let args = [
        "plan",
        fifo.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
    ];
    let (code, stderr) = run_within(&args, Duration::from_secs(30));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
}

#[test]
fn an_input_over_the_size_limit_names_the_limit_and_how_to_raise_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let shop = fixture("tiny-shop.json");
    let args = [
        "plan",
        shop.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
    ];
    let over = cleave_env(&args, &[("CLEAVE_MAX_INPUT_MB", "0")]);
    let (_, stderr) = text(&over);
    assert_eq!(over.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("larger than the input limit of 0 MB")
            && stderr.contains("CLEAVE_MAX_INPUT_MB"),
        "{stderr}"
    );
    assert!(!out.exists(), "an output was written");
    let within = cleave_env(&args, &[("CLEAVE_MAX_INPUT_MB", "1")]);
    assert!(within.status.success(), "{}", text(&within).1);
}

#[test]
fn a_closed_stdout_ends_the_run_without_a_panic() {
    // Two plans of a generated graph whose JSON diff (~240 KB) is far larger than a pipe's
    // buffer; a few bytes are read, then the pipe is closed.
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = dir.path().join("g.json");
    let made = Command::new(env!("CARGO_BIN_EXE_cleave-gen"))
        .args(["--nodes", "5000", "--seed", "2", "--out"])
        .arg(&graph)
        .output()
        .expect("cleave-gen runs");
    assert!(made.status.success(), "{}", text(&made).1);
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let cfg = dir.path().join("seed.toml");
    std::fs::write(&cfg, "[clustering]\nseed = 7\nresolution = 3.0\n").expect("config");
    for (out, extra) in [
        (&a, vec![]),
        (&b, vec!["--config", cfg.to_str().expect("path")]),
    ] {
        let mut args = vec![
            "plan",
            graph.to_str().expect("path"),
            "--out",
            out.to_str().expect("path"),
            "--quiet",
        ];
        args.extend(extra);
        let made = cleave(&args);
        assert!(made.status.success(), "{}", text(&made).1);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_cleave"))
        .args(["diff", "--json"])
        .arg(a.join("plan.json"))
        .arg(b.join("plan.json"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("some output");
    // stdout is dropped (closed) here.
    let out = child.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "a panic's exit code");
}
