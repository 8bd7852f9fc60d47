//! `cleave plan --html` in a real headless browser: Debian's chromium loads plan.html with the
//! `#selftest` fragment, the page sorts, filters and searches itself and writes what it saw into
//! `<pre id="selftest">`, and the test reads the dumped DOM and the console log.
//!
//! Chromium is required when `CI` is set (.ci/run installs it); elsewhere the test says it skips.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{plan_ok, repo_file};

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
    browse(browser, url, profile, &["--dump-dom"])
}

/// Runs headless chromium on `url` with `extra` arguments and returns (stdout, stderr log).
fn browse(browser: &str, url: &str, profile: &Path, extra: &[&str]) -> (String, String) {
    let dir = format!("--user-data-dir={}", profile.display());
    let out_file = tempfile::NamedTempFile::new().expect("stdout file");
    let log_file = tempfile::NamedTempFile::new().expect("stderr file");
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
        ])
        .args(extra)
        .arg(url)
        // Files, not pipes: a page's DOM is bigger than a pipe's buffer, and chromium would block
        // writing it while this waits for it to exit.
        .stdout(Stdio::from(out_file.reopen().expect("stdout file")))
        .stderr(Stdio::from(log_file.reopen().expect("stderr file")))
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
    let read = |f: &tempfile::NamedTempFile| {
        String::from_utf8_lossy(&std::fs::read(f.path()).expect("chromium output")).into_owned()
    };
    (read(&out_file), read(&log_file))
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
    let (dir, plan) = plan_ok(&repo_file("examples/shop.json"), &["--html", "--quiet"]);
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

    // The calls table sorts by calls a day.
    let mut per_day: Vec<f64> = plan["cross_calls"]
        .as_array()
        .expect("cross_calls")
        .iter()
        .map(|c| c["calls_per_day"].as_f64().expect("calls/day"))
        .collect();
    assert!(
        !per_day.is_empty(),
        "the example has calls between services"
    );
    per_day.sort_by(|a, b| b.total_cmp(a));
    let listed: Vec<f64> = line(&report, "calls table descending")
        .split(',')
        .map(|v| v.parse().expect("a number"))
        .collect();
    assert_eq!(listed, per_day, "{report}");
    // The diagram zooms with its button and the wheel, pans by dragging, and a click on a service
    // node (not a drag) opens that service's details.
    assert_eq!(line(&report, "zoom in"), "larger", "{report}");
    assert_eq!(line(&report, "wheel out"), "smaller", "{report}");
    assert_eq!(line(&report, "drag"), "moved 40", "{report}");
    let click = line(&report, "node click");
    let (node, result) = click.split_once(" -> ").expect("node -> selected");
    assert!(clusters.iter().any(|c| c["id"] == node), "{report}");
    assert_eq!(result, format!("{node} shown"), "{report}");
    // A service link in the table selects it; its members are listed and can be filtered.
    let first = &clusters[0];
    let id = first["id"].as_str().expect("id");
    assert_eq!(
        line(&report, "link select"),
        format!("{id} -> {id}"),
        "{report}"
    );
    let size = first["size"].as_u64().expect("size");
    assert_eq!(
        line(&report, "members listed"),
        size.min(500).to_string(),
        "{report}"
    );
    let member = first["members"][0].as_str().expect("a member");
    assert!(
        line(&report, &format!("member filter {member}")).starts_with("0 1 of "),
        "{report}"
    );

    // A screenshot of the page as a reviewer opens it: drawn, and nothing on the console.
    let shot = dir.path().join("plan.png");
    let fresh = tempfile::tempdir().expect("profile dir");
    let (_, log) = browse(
        browser,
        &format!("file://{}", page.display()),
        fresh.path(),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1400,1000",
        ],
    );
    for l in log.lines() {
        assert!(
            !l.contains(":CONSOLE") && !l.contains("Uncaught"),
            "console output: {l}"
        );
    }
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );

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
