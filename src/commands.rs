//! One module per subcommand; each takes its parsed arguments and does the I/O.

pub mod analyze;
pub mod check;
pub mod compare;
pub mod completions;
pub mod diff;
pub mod explain;
pub mod init;
pub mod plan;
pub mod render;
