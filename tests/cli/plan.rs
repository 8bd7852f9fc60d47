//! `cleave plan` on valid inputs: the files, their invariants, determinism, `--services`.

use std::collections::BTreeSet;
use std::fs;

use crate::{cleave, cleave_env, fixture, plan_ok, repo_file, service_of, text};

fn all_members(plan: &serde_json::Value) -> Vec<String> {
    plan["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .flat_map(|c| c["members"].as_array().expect("members").iter())
        .map(|m| m.as_str().expect("member id").to_string())
        .collect()
}

#[test]
fn plans_the_tiny_shop_into_all_three_files() {
    let input = fixture("tiny-shop.json");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("plan");
    let result = cleave(&[
        "plan",
        input.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
    ]);
    let (stdout, stderr) = text(&result);
    assert!(result.status.success(), "{stderr}");
    assert!(
        stdout.contains("services ("),
        "summary line missing: {stdout}"
    );
    assert!(stdout.contains("microservice"), "{stdout}");
    for name in ["plan.json", "plan.dot", "plan.md"] {
        assert!(out.join(name).is_file(), "{name} missing");
        // Readable by others like any file the user writes, not the temporary file's 0600.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(out.join(name))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o044, 0o044, "{name} has mode {mode:o}");
        }
    }
    let leftovers: Vec<_> = fs::read_dir(&out)
        .expect("out dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
    let md = fs::read_to_string(out.join("plan.md")).expect("plan.md");
    assert!(
        md.contains("## Metrics") && md.contains("## Services"),
        "{md}"
    );
}

#[test]
fn every_node_sits_in_exactly_one_service() {
    let (_dir, plan) = plan_ok(&fixture("tiny-shop.json"), &[]);
    let members = all_members(&plan);
    let unique: BTreeSet<&String> = members.iter().collect();
    assert_eq!(members.len(), unique.len(), "a node is in two services");
    assert_eq!(members.len(), 17);
}

#[test]
fn labels_follow_limits_state_and_cost() {
    let (_dir, plan) = plan_ok(&fixture("tiny-shop.json"), &[]);
    // A 25-minute nightly job breaks the 900 s limit.
    let reports = service_of(&plan, "shop::reports::nightly");
    assert_eq!(reports["label"], "microservice");
    assert!(
        reports["rationale"]["hard_limits"][0]
            .as_str()
            .expect("limit")
            .contains("900")
    );
    // The cart keeps sessions in memory.
    assert_eq!(
        service_of(&plan, "shop::cart::add_item")["label"],
        "microservice"
    );
    // Sporadic, short, event-driven image work is a function.
    let images = service_of(&plan, "shop::images::on_upload");
    assert_eq!(images["label"], "function", "{images}");
    assert_eq!(images["confidence"]["basis"], "measured");
    assert!(
        images["cost"]["function_monthly_usd"].as_f64()
            < images["cost"]["microservice_monthly_usd"].as_f64()
    );
}

#[test]
fn flags_shared_unreachable_and_isolated_code() {
    let (_dir, plan) = plan_ok(&fixture("tiny-shop.json"), &[]);
    let unreachable: Vec<&str> = plan["unreachable"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        unreachable.contains(&"shop::legacy::unused_export"),
        "{unreachable:?}"
    );
    let isolated: Vec<&str> = plan["isolated"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(isolated, ["shop::orders::order_id_accessor"]);
    // The isolated accessor lives with the rest of its module.
    assert_eq!(
        service_of(&plan, "shop::orders::order_id_accessor")["id"],
        service_of(&plan, "shop::orders::place_order")["id"]
    );
    let shared: Vec<&str> = plan["shared_code"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v["id"].as_str())
        .collect();
    assert_eq!(shared, ["shop::util::log"]);
}

#[test]
fn services_flag_gives_exactly_that_many_services() {
    for n in 1..=8 {
        let (_dir, plan) = plan_ok(&fixture("tiny-shop.json"), &["--services", &n.to_string()]);
        assert_eq!(
            plan["clusters"].as_array().expect("clusters").len(),
            n,
            "--services {n}"
        );
        assert_eq!(plan["requested_services"], n);
        assert_eq!(all_members(&plan).len(), 17);
    }
}

#[test]
fn services_beyond_the_node_count_are_capped_with_a_note() {
    let (_dir, plan) = plan_ok(&fixture("tiny-shop.json"), &["--services", "40"]);
    assert_eq!(plan["clusters"].as_array().expect("clusters").len(), 17);
    assert!(
        plan["notes"].to_string().contains("40"),
        "{}",
        plan["notes"]
    );
}

#[test]
fn output_is_byte_identical_across_runs_and_thread_counts() {
    let input = fixture("tiny-shop.json");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut outputs = Vec::new();
    for (i, threads) in ["1", "2", "2", "4"].iter().enumerate() {
        let out = dir.path().join(format!("run{i}"));
        let result = cleave_env(
            &[
                "plan",
                input.to_str().expect("path"),
                "--out",
                out.to_str().expect("path"),
            ],
            &[("RAYON_NUM_THREADS", threads)],
        );
        assert!(result.status.success());
        let files: Vec<Vec<u8>> = ["plan.json", "plan.dot", "plan.md"]
            .iter()
            .map(|f| fs::read(out.join(f)).expect("file"))
            .collect();
        outputs.push((files, result.stdout));
    }
    for o in &outputs[1..] {
        assert!(o.0 == outputs[0].0, "files differ between runs");
    }
}

#[test]
fn the_dot_diagram_parses_and_marks_labels() {
    let (dir, _plan) = plan_ok(&fixture("tiny-shop.json"), &[]);
    let dot = fs::read_to_string(dir.path().join("out/plan.dot")).expect("plan.dot");
    graphviz_rust::parse(&dot).expect("plan.dot parses as DOT");
    assert!(dot.contains("hexagon"), "functions are hexagons");
    assert!(dot.contains("cluster_legend"), "legend");
    assert!(dot.contains("dashed"), "async calls dashed");
}

#[test]
fn self_loops_duplicate_edges_and_unknown_fields_are_fine() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("g.json");
    fs::write(
        &input,
        r#"{"version": 7, "generator": "x", "nodes": [{"id": "a", "colour": "red"}, {"id": "b"}],
            "edges": [{"from": "a", "to": "a"}, {"from": "a", "to": "b", "weight": 2},
                      {"from": "a", "to": "b", "weight": 3, "note": "dup"}]}"#,
    )
    .expect("write");
    let (_d, plan) = plan_ok(&input, &[]);
    assert_eq!(plan["input"]["edges"], 2, "duplicates merged");
    assert_eq!(all_members(&plan).len(), 2);
}

#[test]
fn hostile_names_are_escaped_in_every_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("g.json");
    let evil = r#"evil\"quote\\back<script>alert(1)</script>|pipe`tick\nnew"#;
    fs::write(
        &input,
        format!(
            r#"{{"nodes": [{{"id": "{evil}", "module": "{evil}", "entry": "ht\"tp"}}, {{"id": "b", "module": "{evil}"}}],
                "edges": [{{"from": "{evil}", "to": "b"}}]}}"#
        ),
    )
    .expect("write");
    let (out, _plan) = plan_ok(&input, &[]);
    let dot = fs::read_to_string(out.path().join("out/plan.dot")).expect("dot");
    graphviz_rust::parse(&dot).expect("DOT with hostile names parses");
    let md = fs::read_to_string(out.path().join("out/plan.md")).expect("md");
    // Rendered as HTML (as a Markdown viewer would), no tag from the input survives.
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(&md));
    assert!(!html.contains("<script>"), "raw HTML in the report: {html}");
    assert!(
        html.contains("&lt;script&gt;"),
        "the name is shown escaped: {html}"
    );
}

#[test]
fn the_example_plans_into_the_hybrid_its_structure_calls_for() {
    let (_dir, plan) = plan_ok(&repo_file("examples/shop.json"), &[]);
    let labels: BTreeSet<&str> = plan["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .filter_map(|c| c["label"].as_str())
        .collect();
    assert!(
        labels.contains("function") && labels.contains("microservice"),
        "{labels:?}"
    );
    let k = plan["clusters"].as_array().expect("clusters").len();
    assert!((4..=20).contains(&k), "{k} services is not reviewable");
}

#[test]
fn graphviz_renders_the_diagram() {
    let have_dot = std::process::Command::new("dot").arg("-V").output().is_ok();
    if !have_dot {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install graphviz (.ci/run does)"
        );
        eprintln!("graphviz not installed: skipping the rendering check");
        return;
    }
    let (dir, _plan) = plan_ok(&repo_file("examples/shop.json"), &[]);
    let dot = dir.path().join("out/plan.dot");
    let svg = dir.path().join("plan.svg");
    let result = std::process::Command::new("dot")
        .args([
            "-Tsvg",
            dot.to_str().expect("path"),
            "-o",
            svg.to_str().expect("path"),
        ])
        .output()
        .expect("dot runs");
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let text = fs::read_to_string(&svg).expect("svg");
    assert!(
        text.contains("<svg") && text.contains("catalog"),
        "diagram drawn"
    );
}

#[test]
fn the_readme_quick_start_plans_both_examples() {
    // `cargo run --release -- ARGS` reaches this binary only if the package names it the one to
    // run: the workspace also builds `cleave-gen`.
    let manifest = fs::read_to_string(repo_file("Cargo.toml")).expect("Cargo.toml");
    assert!(
        manifest
            .lines()
            .any(|line| line.trim() == "default-run = \"cleave\""),
        "`cargo run` would not know which binary to run"
    );
    let readme = fs::read_to_string(repo_file("README.md")).expect("README.md");
    let runs: Vec<Vec<&str>> = readme
        .lines()
        .filter_map(|line| line.strip_prefix("cargo run --release -- "))
        .map(|rest| rest.split_whitespace().collect())
        .collect();
    assert!(runs.len() >= 2, "quick start commands: {runs:?}");
    for args in runs {
        // The same arguments (inputs relative to the repository, where tests run), the output
        // directory moved to a temporary place.
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().to_str().expect("path");
        let args: Vec<&str> = args
            .iter()
            .enumerate()
            .map(|(i, &a)| {
                if i > 0 && args[i - 1] == "--out" {
                    out
                } else {
                    a
                }
            })
            .collect();
        let result = cleave(&args);
        let (_, stderr) = text(&result);
        assert!(result.status.success(), "{args:?}: {stderr}");
        for file in ["plan.json", "plan.md", "plan.dot"] {
            assert!(dir.path().join(file).exists(), "{args:?} wrote no {file}");
        }
    }
}

/// The files of one `--out` come from one run: concurrent runs take turns, temporaries a killed
/// run left behind are removed, and `--out` naming a file is bad input.
#[test]
fn the_output_set_is_consistent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("out");
    let stale = out.join(".plan.json.Ab12Cd");
    let unrelated = out.join(".plan.json.notours");
    std::fs::write(&stale, "half a plan").expect("stale");
    std::fs::write(&unrelated, "kept").expect("unrelated");
    let inputs = [
        crate::fixture("tiny-shop.json"),
        crate::repo_file("examples/shop.json"),
    ];
    for _ in 0..3 {
        let children: Vec<std::process::Child> = inputs
            .iter()
            .map(|input| {
                std::process::Command::new(env!("CARGO_BIN_EXE_cleave"))
                    .args(["plan", input.to_str().expect("utf-8"), "--fresh", "--quiet"])
                    .arg("--out")
                    .arg(&out)
                    .spawn()
                    .expect("runs")
            })
            .collect();
        for mut child in children {
            assert!(child.wait().expect("waits").success());
        }
        let plan: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).expect("json"))
                .expect("a whole plan.json");
        let md = std::fs::read_to_string(out.join("plan.md")).expect("md");
        let dot = std::fs::read_to_string(out.join("plan.dot")).expect("dot");
        let ids: Vec<&str> = plan["clusters"]
            .as_array()
            .expect("clusters")
            .iter()
            .map(|c| c["id"].as_str().expect("id"))
            .collect();
        let members: usize = plan["clusters"]
            .as_array()
            .expect("clusters")
            .iter()
            .map(|c| c["members"].as_array().expect("members").len())
            .sum();
        assert!(
            md.contains(&format!("{members} nodes")) || md.contains(&format!("{members} node")),
            "plan.md is from the run that wrote plan.json ({members} nodes)"
        );
        for id in ids {
            assert!(dot.contains(id) && md.contains(id), "{id} in every file");
        }
    }
    assert!(!stale.exists(), "a stale temporary of ours is removed");
    assert!(unrelated.exists(), "other files are left alone");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").expect("file");
    let result = crate::cleave(&[
        "plan",
        crate::fixture("tiny-shop.json").to_str().expect("utf-8"),
        "--out",
        file.to_str().expect("utf-8"),
    ]);
    let (_, stderr) = crate::text(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is a file, not a directory"), "{stderr}");
}

/// Re-planning into a folder that holds a plan says it keeps that plan's ids; `--fresh` does not.
#[test]
fn a_warm_start_is_announced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let input = crate::fixture("tiny-shop.json");
    let run_on = |input: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            "plan",
            input.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ];
        args.extend_from_slice(extra);
        let result = crate::cleave(&args);
        assert!(result.status.success());
        crate::text(&result).1
    };
    let run = |extra: &[&str]| run_on(&input, extra);
    assert!(!run(&[]).contains("keeping the service ids"), "first run");
    let again = run(&[]);
    assert!(again.contains("keeping the service ids"), "second run");
    assert!(!again.contains("was planned from"), "same input: {again}");
    assert!(
        !run(&["--fresh"]).contains("keeping the service ids"),
        "--fresh"
    );
    // A plan of another input in --out is named, with the way out.
    let other = crate::repo_file("examples/shop.json");
    let said = run_on(&other, &[]);
    assert!(
        said.contains("was planned from")
            && said.contains("tiny-shop.json")
            && said.contains("--fresh"),
        "{said}"
    );
}

/// A cleave.toml beside the input is used and announced; `-c` and `--quiet` say nothing.
#[test]
fn a_config_beside_the_input_is_announced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("graph.json");
    std::fs::copy(crate::fixture("tiny-shop.json"), &input).expect("copy");
    std::fs::write(
        dir.path().join("cleave.toml"),
        "[clustering]\nservices = 2\n",
    )
    .expect("config");
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "").expect("config");
    let run = |extra: &[&str]| {
        let (_out, plan, stderr) = crate::plan_ok_said(&input, extra);
        (stderr, plan["clusters"].as_array().map(Vec::len))
    };
    let (stderr, count) = run(&[]);
    assert!(stderr.contains("using the config"), "{stderr}");
    assert!(stderr.contains("cleave.toml"), "{stderr}");
    assert_eq!(count, Some(2), "the config beside the input was not used");
    let (stderr, _) = run(&["-c", other.to_str().expect("utf-8")]);
    assert!(!stderr.contains("using the config"), "-c: {stderr}");
    let (stderr, _) = run(&["--quiet"]);
    assert!(!stderr.contains("using the config"), "--quiet: {stderr}");
}
