//! Decisions as code: the `[[service]]`, `[[together]]`, `[[apart]]` and `[exclude]` sections of
//! `cleave.toml` — their types, their static validation, and the errors they can raise.
//! docs/decisions.md documents the format and the semantics.

mod apply;
mod matching;
mod outcome;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::plan::Label;

pub(crate) use apply::{Applied, apply};
pub(crate) use outcome::{check_count, finish, force_label};

/// A named service: the nodes and modules pinned to it, and optionally its label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceDecision {
    /// The service's name in the plan (unique among `[[service]]` entries).
    pub name: String,
    /// Globs over node ids (`*` matches any run of characters, `::` and `.` included).
    pub nodes: Vec<String>,
    /// Globs over node modules.
    pub modules: Vec<String>,
    /// Forces the label; breaking a hard FaaS limit with `function` is an error.
    pub label: Option<Label>,
}

/// A group of patterns: `[[together]]` keeps all their matches in one service, `[[apart]]` puts
/// each pattern's matches in services different from the other patterns'.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct GroupDecision {
    /// Globs over node ids.
    pub nodes: Vec<String>,
    /// Globs over node modules.
    pub modules: Vec<String>,
}

/// `[exclude]`: nodes dropped before planning (tests, generated or vendored code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ExcludeDecision {
    /// Globs over node ids.
    pub nodes: Vec<String>,
    /// Globs over node modules.
    pub modules: Vec<String>,
}

/// Why the decisions cannot be used or honoured. Each message names the decision and the fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecisionError {
    /// A `[[service]]` without a name.
    #[error("[[service]] #{index} has an empty name: give it `name = \"...\"`")]
    EmptyName {
        /// 1-based position among the `[[service]]` entries.
        index: usize,
    },
    /// Two `[[service]]` entries with one name.
    #[error("two [[service]] entries are named `{name}`: merge them or rename one")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },
    /// A decision with no pattern at all, or too few for its kind.
    #[error("{decision} {reason}")]
    Patterns {
        /// Which decision (`[[apart]] #1`).
        decision: String,
        /// What is missing.
        reason: String,
    },
    /// A pattern that is not a valid glob.
    #[error(
        "{decision}: `{pattern}` is not a valid glob ({reason}); escape special characters with `\\`"
    )]
    BadGlob {
        /// Which decision.
        decision: String,
        /// The pattern as written.
        pattern: String,
        /// What the glob parser said.
        reason: String,
    },
    /// One node pinned to two named services.
    #[error(
        "node `{node}` is pinned to both service `{first}` and service `{second}`: narrow one of their patterns"
    )]
    PinnedTwice {
        /// The node id.
        node: String,
        /// One service.
        first: String,
        /// The other.
        second: String,
    },
    /// Must-link and cannot-link decisions that contradict each other.
    #[error("{first} and {second} contradict each other over node `{node}`: {how}")]
    Contradiction {
        /// One decision.
        first: String,
        /// The other.
        second: String,
        /// A node where they meet.
        node: String,
        /// What would fix it.
        how: String,
    },
    /// More services are needed than `--services` allows.
    #[error(
        "cannot make {wanted} services: {why}; ask for at least {needed} (--services) or drop decisions"
    )]
    TooFewServices {
        /// The count asked for.
        wanted: usize,
        /// The smallest count the decisions allow, as far as known.
        needed: usize,
        /// Which decisions need more.
        why: String,
    },
    /// A forced label breaks a hard FaaS limit.
    #[error(
        "service `{service}` cannot be forced to `function`: it {limit}; remove its `label` or move those members to another service"
    )]
    ForcedLabel {
        /// The named service.
        service: String,
        /// The hard limit broken, as the labeller words it.
        limit: String,
    },
    /// Every node of the graph is excluded.
    #[error("[exclude] drops every node of the graph: narrow its patterns")]
    ExcludesAll,
}

/// Carried as [`crate::Error::Config`] (the decisions are part of the config file); the message
/// is the [`DecisionError`]'s.
impl From<DecisionError> for crate::Error {
    fn from(e: DecisionError) -> Self {
        crate::Error::Config(e.to_string())
    }
}

/// Checks what can be checked without the graph: names, pattern counts, globs.
pub(crate) fn validate(config: &crate::Config) -> Result<(), DecisionError> {
    let mut names = std::collections::BTreeSet::new();
    for (i, s) in config.service.iter().enumerate() {
        if s.name.trim().is_empty() {
            return Err(DecisionError::EmptyName { index: i + 1 });
        }
        if !names.insert(s.name.as_str()) {
            return Err(DecisionError::DuplicateName {
                name: s.name.clone(),
            });
        }
        need_patterns(&service_title(&s.name), &s.nodes, &s.modules, 1)?;
    }
    for (i, g) in config.together.iter().enumerate() {
        need_patterns(&format!("[[together]] #{}", i + 1), &g.nodes, &g.modules, 1)?;
    }
    for (i, g) in config.apart.iter().enumerate() {
        need_patterns(&format!("[[apart]] #{}", i + 1), &g.nodes, &g.modules, 2)?;
    }
    let x = &config.exclude;
    for p in x.nodes.iter().chain(&x.modules) {
        matching::glob("[exclude]", p)?;
    }
    Ok(())
}

/// How a named service is referred to in messages.
pub(crate) fn service_title(name: &str) -> String {
    format!("[[service]] `{name}`")
}

fn need_patterns(
    decision: &str,
    nodes: &[String],
    modules: &[String],
    least: usize,
) -> Result<(), DecisionError> {
    let count = nodes.len() + modules.len();
    if count < least {
        let reason = if least == 1 {
            "has no pattern: add `nodes = [...]` or `modules = [...]`".to_string()
        } else {
            format!(
                "needs at least {least} patterns (each pattern's matches are kept apart from the others'); it has {count}"
            )
        };
        return Err(DecisionError::Patterns {
            decision: decision.to_string(),
            reason,
        });
    }
    for p in nodes.iter().chain(modules) {
        matching::glob(decision, p)?;
    }
    Ok(())
}
