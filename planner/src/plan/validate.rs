//! Checks a plan read back from plan.json: a hand-edited or corrupt plan must not pass silently
//! into `diff`, `check`, `render`, `explain`, `compare` or a warm start.

use std::collections::{HashMap, HashSet};

use super::{PLAN_SCHEMA_VERSION, Plan};

/// What is wrong with a plan.json's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// A schema version this cleave does not read.
    #[error(
        "schema_version {found} is not supported (this cleave reads {PLAN_SCHEMA_VERSION}): re-plan with this version of cleave"
    )]
    Version {
        /// The version written.
        found: u32,
    },
    /// Something inconsistent, at a JSON path.
    #[error("{path}: {what}: re-plan, or restore the plan.json that `cleave plan` wrote")]
    Inconsistent {
        /// Where (`clusters[3].size`).
        path: String,
        /// What is wrong.
        what: String,
    },
}

/// Checks the schema version and the plan's invariants: service ids unique and non-empty, every
/// member in exactly one service, sizes matching members, stateful and shared members among the
/// members, calls between services naming existing services, the service count in the metrics.
///
/// # Complexity
/// O(V + S + C) for V members, S services and C cross-service call pairs (hash sets).
pub fn validate_plan(plan: &Plan) -> Result<(), PlanError> {
    if plan.schema_version != PLAN_SCHEMA_VERSION {
        return Err(PlanError::Version {
            found: plan.schema_version,
        });
    }
    let bad = |path: String, what: String| Err(PlanError::Inconsistent { path, what });
    let mut ids: HashSet<&str> = HashSet::new();
    let mut home: HashMap<&str, usize> = HashMap::new();
    for (i, s) in plan.clusters.iter().enumerate() {
        if s.id.is_empty() {
            return bad(format!("clusters[{i}].id"), "empty service id".into());
        }
        if !ids.insert(&s.id) {
            return bad(
                format!("clusters[{i}].id"),
                format!("service id {:?} appears twice", s.id),
            );
        }
        if s.size != s.members.len() {
            return bad(
                format!("clusters[{i}].size"),
                format!("size {} but {} members", s.size, s.members.len()),
            );
        }
        for m in &s.members {
            if let Some(j) = home.insert(m, i) {
                return bad(
                    format!("clusters[{i}].members"),
                    format!("node {m:?} is also a member of clusters[{j}]"),
                );
            }
        }
        let members: HashSet<&str> = s.members.iter().map(String::as_str).collect();
        for (field, list) in [
            ("stateful_members", &s.stateful_members),
            ("shared_members", &s.shared_members),
        ] {
            if let Some(m) = list.iter().find(|m| !members.contains(m.as_str())) {
                return bad(
                    format!("clusters[{i}].{field}"),
                    format!("{m:?} is not a member of the service"),
                );
            }
        }
    }
    for (i, c) in plan.cross_calls.iter().enumerate() {
        for (end, id) in [("from", &c.from), ("to", &c.to)] {
            if !ids.contains(id.as_str()) {
                return bad(
                    format!("cross_calls[{i}].{end}"),
                    format!("no service has id {id:?}"),
                );
            }
        }
    }
    for (i, c) in plan.library_calls.iter().enumerate() {
        if !ids.contains(c.service.as_str()) {
            return bad(
                format!("library_calls[{i}].service"),
                format!("no service has id {:?}", c.service),
            );
        }
    }
    for (i, store) in plan.data_stores.iter().enumerate() {
        if let Some(id) = store.services.iter().find(|id| !ids.contains(id.as_str())) {
            return bad(
                format!("data_stores[{i}].services"),
                format!("no service has id {id:?}"),
            );
        }
    }
    if plan.metrics.services != plan.clusters.len() {
        return bad(
            "metrics.services".into(),
            format!(
                "{} but the plan lists {} services",
                plan.metrics.services,
                plan.clusters.len()
            ),
        );
    }
    Ok(())
}
