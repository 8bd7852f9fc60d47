//! `cleave completions` and `cleave man` on the real binary: scripts for every shell, roff pages.

use crate::{cleave, text};

/// The subcommands a user can type, as `cleave --help` lists them.
fn subcommands() -> Vec<String> {
    let out = cleave(&["--help"]);
    let (stdout, _) = text(&out);
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn the_bash_script_completes_every_subcommand() {
    let names = subcommands();
    assert!(names.len() >= 9, "{names:?}");
    let out = cleave(&["completions", "bash"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("complete -F _cleave"), "{stdout}");
    for name in &names {
        assert!(
            stdout.contains(name.as_str()),
            "{name} missing from the script"
        );
    }
    assert!(stdout.contains("--format"), "options are completed too");
}

#[test]
fn every_shell_gets_a_script_and_an_unknown_shell_is_refused() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = cleave(&["completions", shell]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{shell}: {stderr}");
        assert!(stdout.contains("cleave"), "{shell}: {stdout}");
    }
    let out = cleave(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("possible values"), "{:?}", text(&out));
}

#[test]
fn man_writes_one_roff_page_per_subcommand() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out_dir = dir.path().join("man");
    let out = cleave(&["man", "-o", out_dir.to_str().expect("utf-8")]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("man pages"), "{stdout}");
    let mut expected: Vec<String> = subcommands()
        .iter()
        .map(|name| format!("cleave-{name}.1"))
        .collect();
    expected.push("cleave.1".to_string());
    expected.sort();
    let mut written: Vec<String> = std::fs::read_dir(&out_dir)
        .expect("man dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, expected);
    for name in &written {
        let page = std::fs::read_to_string(out_dir.join(name)).expect("page");
        let title = name.trim_end_matches(".1");
        assert!(page.contains(&format!(".TH {title} 1")), "{name}: {page}");
        assert!(page.contains(".SH NAME"), "{name}");
    }
    // Where man is installed, each page must render without a complaint.
    let man_ok = std::process::Command::new("man").arg("--version").output();
    if man_ok.is_ok_and(|o| o.status.success()) {
        for name in &written {
            let shown = std::process::Command::new("man")
                .arg("-l")
                .arg(out_dir.join(name))
                .env("MANWIDTH", "80")
                .output()
                .expect("man runs");
            let err = String::from_utf8_lossy(&shown.stderr);
            assert!(
                shown.status.success() && err.trim().is_empty(),
                "{name}: {err}"
            );
            assert!(String::from_utf8_lossy(&shown.stdout).contains("NAME"));
        }
    }
}

#[test]
fn man_without_a_folder_prints_the_main_page() {
    let out = cleave(&["man"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains(".TH cleave 1"), "{stdout}");
    for name in subcommands() {
        assert!(
            stdout.contains(&format!("cleave\\-{name}")),
            "{name} listed"
        );
    }
}
