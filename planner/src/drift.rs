//! Drift: whether a re-plan has moved away from a reviewed plan beyond a gate's thresholds — the
//! rules of `cleave check`, as typed findings the binary prints and turns into an exit code.

use std::fmt;

use serde::Serialize;

use crate::diff::DiffCounts;
use crate::render::plural;

/// How much drift from a reviewed plan a gate accepts (serialized as `cleave check --format
/// json` reports it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DriftThresholds {
    /// Most nodes allowed to move to another service, in percent of the nodes in both plans.
    pub max_moved_percent: f64,
    /// Most new service-to-service call pairs allowed.
    pub max_new_cross_calls: usize,
    /// Whether a service may change its label.
    pub allow_label_changes: bool,
}

impl DriftThresholds {
    /// The gate's defaults: 5 % of the nodes may move, no new call pair, no label change.
    pub const DEFAULT: DriftThresholds = DriftThresholds {
        max_moved_percent: 5.0,
        max_new_cross_calls: 0,
        allow_label_changes: false,
    };
}

impl Default for DriftThresholds {
    fn default() -> DriftThresholds {
        DriftThresholds::DEFAULT
    }
}

/// One threshold a re-plan crossed. Its `Display` is the sentence a reviewer reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Drift {
    /// More nodes moved to another service than allowed.
    Moved {
        /// Nodes that moved.
        moved: usize,
        /// Nodes in both plans (the ones that can move).
        common_nodes: usize,
        /// `moved` in percent of `common_nodes`.
        percent: f64,
        /// The threshold crossed, in percent.
        max_percent: f64,
    },
    /// More new service-to-service call pairs than allowed.
    NewCrossCalls {
        /// New call pairs.
        pairs: usize,
        /// The threshold crossed.
        max: usize,
    },
    /// Services changed their label, and label changes are not allowed.
    Relabelled {
        /// Services whose label changed.
        services: usize,
    },
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Drift::Moved {
                moved,
                common_nodes,
                percent,
                max_percent,
            } => write!(
                f,
                "{moved} of {} moved to another service ({percent:.1} %, more than --max-moved {max_percent})",
                plural(common_nodes, "node"),
            ),
            Drift::NewCrossCalls { pairs, max } => write!(
                f,
                "{} (more than --max-new-cross-calls {max})",
                plural(pairs, "new service-to-service call pair"),
            ),
            Drift::Relabelled { services: 1 } => write!(
                f,
                "1 service changed its label (pass --allow-label-changes to accept)"
            ),
            Drift::Relabelled { services } => write!(
                f,
                "{services} services changed label (pass --allow-label-changes to accept)"
            ),
        }
    }
}

/// Moved nodes in percent of the nodes present in both plans (added nodes cannot move); 0 when
/// the plans share no node.
pub fn moved_percent(counts: &DiffCounts) -> f64 {
    if counts.common_nodes == 0 {
        0.0
    } else {
        100.0 * counts.moved as f64 / counts.common_nodes as f64
    }
}

/// The thresholds a re-plan crossed, given the counts of its [`diff`](crate::diff) from the
/// reviewed plan: moved nodes, then new call pairs, then label changes. Empty when it stays
/// within all of them.
///
/// # Complexity
/// O(1).
pub fn drift(counts: &DiffCounts, thresholds: &DriftThresholds) -> Vec<Drift> {
    let mut out = Vec::new();
    let percent = moved_percent(counts);
    if percent > thresholds.max_moved_percent {
        out.push(Drift::Moved {
            moved: counts.moved,
            common_nodes: counts.common_nodes,
            percent,
            max_percent: thresholds.max_moved_percent,
        });
    }
    if counts.new_cross_calls > thresholds.max_new_cross_calls {
        out.push(Drift::NewCrossCalls {
            pairs: counts.new_cross_calls,
            max: thresholds.max_new_cross_calls,
        });
    }
    if counts.relabelled > 0 && !thresholds.allow_label_changes {
        out.push(Drift::Relabelled {
            services: counts.relabelled,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The findings for these counts under these thresholds, one sentence a line.
    fn findings(counts: DiffCounts, thresholds: DriftThresholds) -> String {
        drift(&counts, &thresholds)
            .iter()
            .map(|d| format!("{d}\n"))
            .collect()
    }

    fn counts(
        common_nodes: usize,
        moved: usize,
        new_cross_calls: usize,
        relabelled: usize,
    ) -> DiffCounts {
        DiffCounts {
            common_nodes,
            moved,
            new_cross_calls,
            relabelled,
            ..DiffCounts::default()
        }
    }

    #[test]
    fn an_unchanged_plan_crosses_nothing() {
        assert_eq!(findings(counts(140, 0, 0, 0), DriftThresholds::DEFAULT), "");
    }

    #[test]
    fn every_threshold_crossed_is_one_sentence_in_order() {
        assert_eq!(
            findings(counts(140, 12, 25, 2), DriftThresholds::DEFAULT),
            "12 of 140 nodes moved to another service (8.6 %, more than --max-moved 5)\n\
             25 new service-to-service call pairs (more than --max-new-cross-calls 0)\n\
             2 services changed label (pass --allow-label-changes to accept)\n"
        );
        assert_eq!(
            findings(counts(1, 1, 1, 1), DriftThresholds::DEFAULT),
            "1 of 1 node moved to another service (100.0 %, more than --max-moved 5)\n\
             1 new service-to-service call pair (more than --max-new-cross-calls 0)\n\
             1 service changed its label (pass --allow-label-changes to accept)\n"
        );
    }

    #[test]
    fn thresholds_are_limits_that_may_be_reached() {
        let lenient = DriftThresholds {
            max_moved_percent: 8.4,
            max_new_cross_calls: 2,
            allow_label_changes: true,
        };
        // 1 of 12 is 8.33 %: within 8.4, beyond 8.3.
        assert_eq!(findings(counts(12, 1, 2, 3), lenient), "");
        let strict = DriftThresholds {
            max_moved_percent: 8.3,
            max_new_cross_calls: 1,
            ..lenient
        };
        assert_eq!(
            findings(counts(12, 1, 2, 3), strict),
            "1 of 12 nodes moved to another service (8.3 %, more than --max-moved 8.3)\n\
             2 new service-to-service call pairs (more than --max-new-cross-calls 1)\n"
        );
    }

    #[test]
    fn added_nodes_cannot_move() {
        // Plans sharing no node: nothing can have moved, whatever else changed.
        assert_eq!(moved_percent(&counts(0, 0, 0, 0)), 0.0);
        assert_eq!(
            findings(
                DiffCounts {
                    added: 10,
                    ..counts(0, 0, 0, 0)
                },
                DriftThresholds::DEFAULT
            ),
            ""
        );
    }
}
