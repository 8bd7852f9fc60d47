//! Inputs → call graph: reads a monolith's call graph (today from the language-agnostic JSON format)
//! into a [`CallGraph`] backed by petgraph. The analyzer knows nothing of services or clusters.

mod error;
mod graph;
mod json;

pub use error::Error;
pub use graph::{Call, CallGraph, Durations, Node};
pub use json::{load_json, to_json};
