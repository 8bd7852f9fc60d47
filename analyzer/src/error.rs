//! The analyzer's error type: every variant says what is wrong, where, and how to fix it.

/// Why an input could not be read into a call graph.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Not JSON, or JSON of the wrong shape (a missing field, a wrong type).
    #[error("{message} at line {line}, column {column}{}", at_path(path))]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// JSON path of the offending value (`nodes[3].id`), when known.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Two nodes share an id.
    #[error(
        "duplicate node id `{id}` at nodes[{second}] (first defined at nodes[{first}]): node ids must be unique"
    )]
    DuplicateId {
        /// The repeated id.
        id: String,
        /// Index of its first definition.
        first: usize,
        /// Index of the repetition.
        second: usize,
    },
    /// An edge names a node that does not exist.
    #[error(
        "edges[{edge}].{field} names unknown node `{}`{}",
        clipped(id),
        suggest(suggestion)
    )]
    UnknownNode {
        /// Index of the edge.
        edge: usize,
        /// `from` or `to`.
        field: &'static str,
        /// The unknown id.
        id: String,
        /// The closest existing id, if one is close.
        suggestion: Option<String>,
    },
    /// A number that must be finite, non-negative and at most [`crate::MAX_FIGURE`] is not.
    #[error("{path} is {}: it must be a finite number from 0 to 1e12", readable_number(*.value))]
    Negative {
        /// JSON path of the value.
        path: String,
        /// The value as read.
        value: f64,
    },
    /// An edge confidence outside (0, 1].
    #[error("{path} is {value}: a confidence must be in (0, 1]; leave it out for a certain call")]
    Confidence {
        /// JSON path of the value.
        path: String,
        /// The value as read.
        value: f64,
    },
    /// A path given for analysis holds no Rust source.
    #[error(
        "no Rust source under {path}: give a crate or workspace directory (with a Cargo.toml) or a JSON call graph file"
    )]
    NoRustSource {
        /// The path given.
        path: String,
    },
    /// A file or directory could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The path.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// A trace export of a shape none of the readers knows.
    #[error("{message}")]
    TraceFormat {
        /// What was expected.
        message: String,
    },
    /// A trace input could not be read to its end (too large, corrupt compression, an I/O error).
    #[error("{message} (after {offset} bytes)")]
    TraceRead {
        /// Bytes read (after decompression) when it stopped.
        offset: u64,
        /// What is wrong.
        message: String,
    },
    /// A trace mapping rule (config `[[traces.map]]`) is malformed or names an unknown node.
    #[error("[[traces.map]] rule {} (counting from 1): {message}", .rule + 1)]
    Mapping {
        /// Index of the rule (0-based).
        rule: usize,
        /// What is wrong.
        message: String,
    },
    /// A SCIP index that cannot be read: not protobuf, truncated, or damaged.
    #[error("{message}")]
    Scip {
        /// Byte offset of the problem in the index.
        offset: u64,
        /// What is wrong, where, and how to fix it.
        message: String,
    },
    /// A SCIP index that defines no function or method.
    #[error(
        "the SCIP index ({documents} documents) defines no function or method: index the project's source with the indexer of its language (docs/scip.md), from the project's root"
    )]
    ScipEmpty {
        /// Documents read.
        documents: usize,
    },
    /// The graph has no node.
    #[error("the call graph has no nodes: add at least one entry to `nodes`")]
    EmptyGraph,
}

fn at_path(path: &str) -> String {
    if path.is_empty() || path == "." {
        String::new()
    } else {
        format!(" (at `{path}`)")
    }
}

fn suggest(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(": did you mean `{s}`? Add the node to `nodes` or fix the id"),
        None => ": add the node to `nodes` or fix the id".to_string(),
    }
}

/// A count and its noun, the noun in the plural unless the count is one: `1 crate`, `2 crates`,
/// `0 entities` (a consonant and `y` become `ies`). Every count a message prints goes through it.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        return format!("1 {noun}");
    }
    // A consonant before a final y: `entity` → `entities` (but `day` → `days`).
    let consonant_y = noun.strip_suffix('y').filter(|stem| {
        stem.chars()
            .last()
            .is_some_and(|c| c.is_alphabetic() && !"aeiou".contains(c))
    });
    match consonant_y {
        Some(stem) => format!("{n} {stem}ies"),
        None => format!("{n} {noun}s"),
    }
}

/// A number as a person reads it: plain when moderate, in scientific notation when huge or tiny.
pub fn readable_number(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// A name as quoted in a message: at most 200 characters, with the full length when cut.
fn clipped(name: &str) -> String {
    const SHOWN: usize = 200;
    match name.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}… ({} characters)", &name[..cut], name.chars().count()),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn plural_reads_right_for_one_and_many() {
        assert_eq!(plural(1, "crate"), "1 crate");
        assert_eq!(plural(0, "crate"), "0 crates");
        assert_eq!(plural(2, "entity"), "2 entities");
        assert_eq!(plural(1, "entity"), "1 entity");
        assert_eq!(plural(3, "day"), "3 days");
        assert_eq!(plural(4, "entry point"), "4 entry points");
    }
}
