//! `cleave plan --html` in a real headless browser: Debian's chromium loads plan.html with the
//! `#selftest` fragment, the page sorts, filters and searches itself and writes what it saw into
//! `<pre id="selftest">`, and the test reads the dumped DOM and the console log.
//!
//! Chromium is required when `CI` is set (.ci/run installs it); elsewhere the test says it skips.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{fixture, plan_ok};

/// Longest wait for chromium before the test fails (it normally takes a second or two).
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

/// The chromium binary, or `None` (after checking that this is not CI) to skip.
fn chromium() -> Option<&'static str> {
    for name in ["chromium", "chromium-browser"] {
        if Command::new(name).arg("--version").output().is_ok() {
            return Some(name);
        }
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "chromium is required in CI for the HTML report test: install Debian's `chromium` \
         package (.ci/run does when it is missing)"
    );
    eprintln!("chromium not installed: skipping the headless browser test of plan.html");
    None
}

/// Runs headless chromium on `url` and returns (dumped DOM, stderr log).
fn dump_dom(browser: &str, url: &str, profile: &Path) -> (String, String) {
    let dir = format!("--user-data-dir={}", profile.display());
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            dir.as_str(),
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
            url,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    while child.try_wait().expect("chromium status").is_none() {
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            panic!("chromium did not finish within {BROWSER_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().expect("chromium output");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The value after `key: ` on the self-test's line starting with `key`.
fn line<'a>(report: &'a str, key: &str) -> &'a str {
    report
        .lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(": ")))
        .unwrap_or_else(|| panic!("no `{key}` line in the self-test report:\n{report}"))
}

#[test]
fn the_html_report_works_in_a_headless_browser() {
    let Some(browser) = chromium() else {
        return;
    };
    let (dir, plan) = plan_ok(&fixture("tiny-shop.json"), &["--html", "--quiet"]);
    let page = dir.path().join("out/plan.html");
    let html = std::fs::read_to_string(&page).expect("plan.html written");
    assert!(
        !html.contains("<link") && !html.contains(" src="),
        "nothing fetched"
    );
    let profile = tempfile::tempdir().expect("profile dir");
    let url = format!("file://{}#selftest", page.display());
    let (dom, log) = dump_dom(browser, &url, profile.path());

    // The page logs nothing, so any console line from it (chromium logs console.error, uncaught
    // exceptions and CSP refusals all as `INFO:CONSOLE`) is a failure.
    for l in log.lines() {
        assert!(
            !l.contains(":CONSOLE") && !l.contains("Uncaught"),
            "console output from the page: {l}\n{log}"
        );
    }
    assert!(dom.contains("id=\"services-table\""), "table missing");
    assert!(
        dom.contains("<svg"),
        "diagram missing (is graphviz installed?)"
    );
    let start = dom.find("<pre id=\"selftest\">").expect("self-test ran") + 19;
    let end = start + dom[start..].find("</pre>").expect("end of report");
    let report = dom[start..end]
        .replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&amp;", "&");
    assert!(report.contains("selftest: done"), "{report}");
    assert!(line(&report, "table").starts_with("present"), "{report}");
    assert_eq!(line(&report, "diagram svg"), "present", "{report}");

    let clusters = plan["clusters"].as_array().expect("clusters");
    let mut sizes: Vec<u64> = clusters
        .iter()
        .map(|c| c["size"].as_u64().expect("size"))
        .collect();
    sizes.sort_unstable();
    let join = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
    assert_eq!(
        line(&report, "sort members ascending"),
        join(&sizes),
        "{report}"
    );
    sizes.reverse();
    assert_eq!(
        line(&report, "sort members descending"),
        join(&sizes),
        "{report}"
    );
    let mut ids: Vec<&str> = clusters
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    ids.sort_by_key(|id| {
        id.trim_start_matches('s')
            .parse::<u64>()
            .unwrap_or(u64::MAX)
    });
    assert_eq!(
        line(&report, "sort id ascending"),
        ids.join(","),
        "{report}"
    );
    let functions: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| {
            clusters
                .iter()
                .any(|c| c["id"] == *id && c["label"] == "function")
        })
        .collect();
    assert_eq!(
        line(&report, "filter label function"),
        functions.join(","),
        "{report}"
    );
    assert_eq!(line(&report, "filter text nothing"), "0 rows", "{report}");

    // The default search is the last member of the last service; it must be found in its service.
    let last = clusters.last().expect("a service");
    let node = last["members"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m.as_str());
    let node = node.expect("a member");
    let found = line(&report, &format!("search {node}"));
    let expected = format!("{node} -> {}", last["id"].as_str().expect("id"));
    assert!(
        found.split("; ").any(|hit| hit == expected),
        "{expected} not in: {found}"
    );
}
