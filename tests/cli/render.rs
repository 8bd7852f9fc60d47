//! `cleave render`: every format, the detail diagram of one service, unknown services, bad plans,
//! hostile names, and a machine without Graphviz (the DOT is still written, exit 1).

use std::fs;
use std::path::Path;

use crate::{cleave, cleave_env, fixture, plan_ok, service_of, text};

/// Whether Graphviz's `dot` can run here; CI must have it.
fn have_dot() -> bool {
    let ok = std::process::Command::new("dot").arg("-V").output().is_ok();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install graphviz (.ci/run does)"
        );
        eprintln!("graphviz not installed: skipping a rendering test");
    }
    ok
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn renders_the_service_diagram_in_every_format() {
    let (dir, _) = plan_ok(&fixture("tiny-shop.json"), &["--quiet"]);
    let plan = dir.path().join("out/plan.json");
    let result = cleave(&["render", s(&plan), "--format", "dot"]);
    assert!(result.status.success(), "{}", text(&result).1);
    let dot =
        fs::read_to_string(dir.path().join("out/plan.dot")).expect("plan.dot beside the plan");
    graphviz_rust::parse(&dot).expect("DOT parses");
    if !have_dot() {
        return;
    }
    let svg = dir.path().join("diagram.svg");
    let result = cleave(&["render", s(&plan), "--format", "svg", "-o", s(&svg)]);
    let (stdout, stderr) = text(&result);
    assert!(result.status.success(), "{stderr}");
    assert!(stdout.contains("diagram.svg"), "{stdout}");
    let svg_text = fs::read_to_string(&svg).expect("svg written");
    assert!(svg_text.contains("<svg") && svg_text.contains("microservice"));
    let png = dir.path().join("diagram.png");
    let result = cleave(&["render", s(&plan), "--format", "png", "-o", s(&png)]);
    assert!(result.status.success(), "{}", text(&result).1);
    let bytes = fs::read(&png).expect("png written");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG file");
    // The output's extension decides the format when --format is not given.
    let by_name = dir.path().join("by-name.png");
    let result = cleave(&["render", s(&plan), "-o", s(&by_name)]);
    assert!(result.status.success(), "{}", text(&result).1);
    assert!(fs::read(&by_name).expect("png").starts_with(b"\x89PNG"));
    // The default format is SVG, written beside the plan.
    let result = cleave(&["render", s(&plan)]);
    assert!(result.status.success(), "{}", text(&result).1);
    assert!(dir.path().join("out/plan.svg").is_file());
}

#[test]
fn draws_one_service_in_detail() {
    let (dir, plan_json) = plan_ok(&fixture("tiny-shop.json"), &["--quiet"]);
    let plan = dir.path().join("out/plan.json");
    let id = service_of(&plan_json, "shop::images::on_upload")["id"]
        .as_str()
        .expect("service id")
        .to_string();
    let out = dir.path().join("images.dot");
    // The call graph comes from the input the plan records.
    let result = cleave(&[
        "render",
        s(&plan),
        "--service",
        &id,
        "-f",
        "dot",
        "-o",
        s(&out),
    ]);
    assert!(result.status.success(), "{}", text(&result).1);
    let dot = fs::read_to_string(&out).expect("detail written");
    graphviz_rust::parse(&dot).expect("detail DOT parses");
    assert!(dot.contains("shop::images::resize"), "members drawn: {dot}");
    assert!(dot.contains("entry: event"), "entry point marked: {dot}");
    // By name, with the graph given explicitly.
    let name = plan_json["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .find(|c| c["id"] == id.as_str())
        .and_then(|c| c["name"].as_str())
        .expect("name")
        .to_string();
    let input = fixture("tiny-shop.json");
    let by_name = dir.path().join("by-name.dot");
    let result = cleave(&[
        "render",
        s(&plan),
        "--service",
        &name,
        "--input",
        s(&input),
        "-f",
        "dot",
        "-o",
        s(&by_name),
    ]);
    assert!(result.status.success(), "{}", text(&result).1);
    assert_eq!(fs::read_to_string(&by_name).expect("written"), dot);
    if have_dot() {
        let result = cleave(&["render", s(&plan), "--service", &id]);
        let (stdout, stderr) = text(&result);
        assert!(result.status.success(), "{stderr}");
        assert!(stdout.contains(".svg"), "{stdout}");
    }
}

#[test]
fn unknown_service_suggests_the_closest_names() {
    let (dir, plan_json) = plan_ok(&fixture("tiny-shop.json"), &["--quiet"]);
    let plan = dir.path().join("out/plan.json");
    let name = plan_json["clusters"][0]["name"].as_str().expect("name");
    let typo = format!("{name}x");
    let result = cleave(&["render", s(&plan), "--service", &typo, "-f", "dot"]);
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("closest") && stderr.contains(name),
        "{stderr}"
    );
}

#[test]
fn a_bad_plan_file_is_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("plan.json");
    fs::write(&bad, "{\"not\": \"a plan\"}").expect("write");
    let result = cleave(&["render", s(&bad), "-f", "dot"]);
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not a cleave plan.json"), "{stderr}");
    assert!(!dir.path().join("plan.dot").exists(), "nothing written");
    let missing = cleave(&["render", s(&dir.path().join("nope.json"))]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn without_graphviz_the_dot_is_written_and_install_is_explained() {
    let (dir, _) = plan_ok(&fixture("tiny-shop.json"), &["--quiet"]);
    let plan = dir.path().join("out/plan.json");
    let empty = tempfile::tempdir().expect("empty PATH dir");
    let svg = dir.path().join("drawn/diagram.svg");
    fs::create_dir_all(svg.parent().expect("parent")).expect("dir");
    let result = cleave_env(
        &["render", s(&plan), "-o", s(&svg)],
        &[("PATH", s(empty.path()))],
    );
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("`dot` program was not found"), "{stderr}");
    assert!(
        stderr.contains("apt-get install graphviz") && stderr.contains("brew install graphviz")
    );
    assert!(!svg.exists(), "no SVG without Graphviz");
    let dot = fs::read_to_string(dir.path().join("drawn/diagram.dot")).expect("DOT still written");
    graphviz_rust::parse(&dot).expect("parses");
    assert!(
        stderr.contains("diagram.dot"),
        "says where the DOT is: {stderr}"
    );
}

#[test]
fn hostile_names_cannot_break_the_drawings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("hostile.json");
    let long = format!("a::{}", "n".repeat(20_000));
    let names = [
        r#"a::<script>alert(1)</script>"#,
        r#"a::\"quoted\" \\ back"#,
        r#"a::{ x -> y } ]; <b>&amp;"#,
        r#"a::nul\u0000bel\u0007esc\u001b[31m"#,
        long.as_str(),
    ];
    let nodes: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let entry = if i == 0 { r#", "entry": "http""# } else { "" };
            format!(r#"{{"id": "{n}", "module": "a"{entry}}}"#)
        })
        .collect();
    let json = format!(
        r#"{{"nodes": [{}], "edges": [{{"from": "{}", "to": "{}"}}, {{"from": "{}", "to": "{}"}}, {{"from": "{}", "to": "{}"}}, {{"from": "{}", "to": "{}"}}]}}"#,
        nodes.join(","),
        names[0],
        names[1],
        names[0],
        names[2],
        names[0],
        names[3],
        names[0],
        names[4]
    );
    fs::write(&input, json).expect("write input");
    let (out, plan_json) = plan_ok(&input, &["--quiet"]);
    let plan = out.path().join("out/plan.json");
    let id = plan_json["clusters"][0]["id"].as_str().expect("id");
    let detail = out.path().join("detail.dot");
    let result = cleave(&[
        "render",
        s(&plan),
        "--service",
        id,
        "-f",
        "dot",
        "-o",
        s(&detail),
    ]);
    assert!(result.status.success(), "{}", text(&result).1);
    let dot = fs::read_to_string(&detail).expect("detail");
    graphviz_rust::parse(&dot).expect("hostile detail DOT parses");
    if !have_dot() {
        return;
    }
    let svg = out.path().join("detail.svg");
    let result = cleave(&["render", s(&plan), "--service", id, "-o", s(&svg)]);
    assert!(result.status.success(), "{}", text(&result).1);
    let svg_text = fs::read_to_string(&svg).expect("svg");
    assert!(
        !svg_text.contains("<script") && !svg_text.contains("<b>"),
        "dot escapes text"
    );
    assert!(
        svg_text.contains("&lt;script&gt;"),
        "the name is drawn as text"
    );
    // Control characters make XML ill-formed: none reaches the SVG, whole plan or detail.
    let whole = out.path().join("plan.svg");
    let result = cleave(&["render", s(&plan), "-o", s(&whole)]);
    assert!(result.status.success(), "{}", text(&result).1);
    for file in [&svg, &whole] {
        let svg_text = fs::read_to_string(file).expect("svg");
        assert!(
            !svg_text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')),
            "{} holds a control character",
            file.display()
        );
    }
}

/// `-o` with an extension that is not an image format cleave writes is refused, not filled with
/// SVG.
#[test]
fn an_unknown_image_extension_is_bad_input() {
    let (dir, _) = plan_ok(&fixture("tiny-shop.json"), &["--quiet"]);
    let plan = dir.path().join("out/plan.json");
    let jpg = dir.path().join("diagram.jpg");
    let result = cleave(&["render", s(&plan), "-o", s(&jpg)]);
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(".svg, .png, .dot, .mmd, .dsl or .puml"),
        "{stderr}"
    );
    assert!(!jpg.exists(), "nothing written");
}

/// `-o -` writes to standard output, for `analyze` and `render`, and creates no file named `-`.
#[test]
fn a_dash_output_is_standard_output() {
    let (dir, _) = plan_ok(&fixture("tiny-shop.json"), &["--quiet"]);
    let plan = dir.path().join("out/plan.json");
    let result = std::process::Command::new(env!("CARGO_BIN_EXE_cleave"))
        .current_dir(dir.path())
        .args(["render", s(&plan), "-f", "dot", "-o", "-"])
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&result);
    assert!(result.status.success(), "{stderr}");
    graphviz_rust::parse(&stdout).expect("DOT on stdout");
    let shop = crate::repo_file("examples/rust-shop");
    let result = std::process::Command::new(env!("CARGO_BIN_EXE_cleave"))
        .current_dir(dir.path())
        .args(["analyze", s(&shop), "-o", "-", "--quiet"])
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&result);
    assert!(result.status.success(), "{stderr}");
    analyzer::load_json(&stdout).expect("the graph on stdout loads");
    assert!(!dir.path().join("-").exists(), "no file named -");
    if have_dot() {
        let result = std::process::Command::new(env!("CARGO_BIN_EXE_cleave"))
            .current_dir(dir.path())
            .args(["render", s(&plan), "-o", "-"])
            .output()
            .expect("runs");
        assert!(result.status.success());
        assert!(String::from_utf8_lossy(&result.stdout).contains("<svg"));
    }
}
