//! The `cleave init` template against the defaults it documents.

use super::{CONFIG_TEMPLATE, Config, parse_config};

/// The template with every setting and decision line uncommented (`# key = …` → `key = …`);
/// prose (`## …`) stays a comment.
fn uncommented() -> String {
    CONFIG_TEMPLATE
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest) => rest,
            None if line == "#" => "",
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_template_as_written_is_the_default_config() {
    assert_eq!(
        parse_config(CONFIG_TEMPLATE).expect("parses"),
        Config::default()
    );
}

#[test]
fn every_value_the_template_shows_is_the_default() {
    let mut config = parse_config(&uncommented()).expect("uncommented, it parses and validates");
    // The optional settings and the decisions are shown as examples, not defaults.
    assert_eq!(config.clustering.services, Some(6));
    assert_eq!(config.service.len(), 1);
    assert_eq!(config.together.len(), 1);
    assert_eq!(config.traces.map.len(), 1);
    assert_eq!(config.exclude.nodes.len(), 1);
    config.clustering.services = None;
    config.traces = Default::default();
    config.service.clear();
    config.together.clear();
    config.exclude = Default::default();
    assert_eq!(config, Config::default());
}

#[test]
fn the_template_shows_every_setting() {
    let shown: toml::Table = toml::from_str(&uncommented()).expect("TOML");
    let defaults = toml::Table::try_from(Config::default()).expect("serializes");
    for (section, table) in &defaults {
        let Some(table) = table.as_table() else {
            continue;
        };
        for key in table.keys() {
            assert!(
                shown.get(section).and_then(|s| s.get(key)).is_some(),
                "cleave init's template lacks {section}.{key}"
            );
        }
    }
}
