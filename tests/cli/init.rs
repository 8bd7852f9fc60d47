//! `cleave init` on the real binary: a commented cleave.toml that changes nothing until edited.

use crate::{cleave, fixture, plan_ok, text};

#[test]
fn init_writes_a_config_that_plans_as_the_defaults_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("new");
    let out = cleave(&["init", folder.to_str().expect("utf-8")]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.starts_with("wrote "), "{stdout}");
    let config = folder.join("cleave.toml");
    let written = std::fs::read_to_string(&config).expect("cleave.toml written");
    assert_eq!(
        planner::parse_config(&written).expect("the planner reads it"),
        planner::Config::default()
    );
    for knob in ["resolution = 1.0", "max_duration_s = 900.0", "[[service]]"] {
        assert!(written.contains(knob), "{knob} shown");
    }

    let input = fixture("tiny-shop.json");
    let (_a, plain) = plan_ok(&input, &[]);
    let (_b, configured) = plan_ok(&input, &["--config", config.to_str().expect("utf-8")]);
    let without_source = |mut plan: serde_json::Value| {
        plan.as_object_mut().expect("object").remove("source");
        plan
    };
    assert_eq!(without_source(configured), without_source(plain));
}

#[test]
fn init_refuses_to_overwrite_unless_forced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_str().expect("utf-8");
    let config = dir.path().join("cleave.toml");
    std::fs::write(&config, "[clustering]\nseed = 7\n").expect("write");
    let out = cleave(&["init", path]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cleave.toml already exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&config).expect("kept"),
        "[clustering]\nseed = 7\n"
    );
    let out = cleave(&["init", path, "--force"]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(
        std::fs::read_to_string(&config)
            .expect("replaced")
            .contains("# seed = 42")
    );
    let file = cleave(&["init", config.to_str().expect("utf-8")]);
    assert_eq!(file.status.code(), Some(2));
    assert!(text(&file).1.contains("is a file, not a folder"));
}
