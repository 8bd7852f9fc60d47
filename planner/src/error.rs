//! The planner's error type.

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The `--config` file is not valid TOML or names an unknown setting.
    #[error("invalid config: {0}")]
    Config(String),
    /// A setting has a value the planner cannot use.
    #[error("invalid setting `{key}` = {value}: {reason}")]
    Setting {
        /// Dotted key (`clustering.resolution`).
        key: String,
        /// The offending value as written.
        value: String,
        /// What would be valid.
        reason: String,
    },
    /// The call graph has no node.
    #[error("the call graph is empty: add at least one node")]
    EmptyGraph,
    /// `--services` asked for zero services.
    #[error("--services must be at least 1 (got 0)")]
    ZeroServices,
}
