//! SCIP code index → call graph, for any language an indexer covers (Java, Kotlin, Scala,
//! TypeScript, JavaScript, Python, C#, Ruby, Go, C/C++, Rust).
//!
//! The index is read with the `scip` crate's protobuf types one top-level field at a time
//! ([`framing`]): each document is decoded, summarised ([`document::summarize`]) and dropped, so
//! memory follows the summaries, not the index; a document larger than [`MAX_DOCUMENT_BYTES`]
//! is skipped with a diagnostic. [`build::build_graph`] then turns the summaries into nodes,
//! edges and signals.
//!
//! # Decisions
//! - A node is a function or method *defined* in the index (its `SymbolInformation.kind`, or
//!   when unspecified, a descriptor ending in `().`). Its id is the symbol's descriptor path
//!   without scheme and package, joined with `.` (`com.shop.orders.OrderService.place`; a
//!   TypeScript file namespace `orders.ts` reads `orders`); its module, the enclosing type or
//!   namespace. Overloads (`place(+1).`) share one node; so does a symbol defined twice in one
//!   document (TypeScript overload signatures, a Python property's getter and setter). A symbol
//!   defined again in another document is merged into the first, with a warning.
//! - An edge is a reference to a defined function inside a definition's `enclosing_range`,
//!   weighted by the number of occurrences (a function passed as a value counts, as in the Rust
//!   analysis). Where the indexer gives no enclosing range, a definition reaches up to the next
//!   function or type definition of the document, and its edges have confidence
//!   [`ESTIMATED_CONFIDENCE`].
//! - A method that implements another (`is_implementation`) is called from it: an edge from the
//!   interface or base method to each implementation, confidence `1 / implementations`.
//! - References to other packages are not nodes; they are counted, and give the signals:
//!   routes, listeners and schedules (decorators, annotations, registrations) and databases
//!   (`db:<entity>` for project types extending an ORM base, else `db:<library>`).

mod build;
mod document;
mod framing;
mod symbols;

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::{CallGraph, Diagnostic, Error};
use symbols::Parsed;

/// The largest document (encoded) read; a larger one is skipped with a diagnostic. Decoded, a
/// document takes about twenty times its encoded size; real ones are far below this.
pub const MAX_DOCUMENT_BYTES: usize = 64 << 20;

/// The largest symbol string interned; a longer one is ignored (counted as skipped).
pub const MAX_SYMBOL_BYTES: usize = 4096;

/// The confidence of an edge found in a range the indexer did not give (up to the next
/// definition): it may belong to module-level code instead.
pub const ESTIMATED_CONFIDENCE: f64 = 0.75;

/// Counts describing a SCIP analysis, for the summary `cleave analyze` prints.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScipStats {
    /// The indexer that wrote the index and its version (`scip-python 0.6.6`), when recorded.
    pub indexer: String,
    /// Documents read.
    pub documents: usize,
    /// Documents skipped: too large or not decodable (each has a diagnostic).
    pub skipped_documents: usize,
    /// Documents per language (declared, else guessed from the file extension).
    pub languages: BTreeMap<String, usize>,
    /// Function and method definitions (nodes, before overloads merge).
    pub definitions: usize,
    /// Definitions whose range was estimated up to the next definition (the indexer gave no
    /// enclosing range).
    pub estimated_ranges: usize,
    /// References to functions defined in the index, inside a definition: edges.
    pub resolved_references: usize,
    /// References to functions of other packages (libraries, the standard library): not nodes.
    pub external_references: usize,
    /// References to functions of the project that the index does not define.
    pub unresolved_references: usize,
    /// References to functions outside every definition (module-level code): not edges.
    pub outside_references: usize,
    /// Occurrences skipped: a malformed range, or a symbol over [`MAX_SYMBOL_BYTES`].
    pub skipped_occurrences: usize,
    /// Symbols defined in more than one document (merged into the first; each has a diagnostic).
    pub duplicate_symbols: usize,
    /// Entry points found, per trigger (`http`, `queue`, `schedule`, `cli`).
    pub entry_points: BTreeMap<String, usize>,
    /// Nodes with a data resource (`db:…`).
    pub data_access: usize,
}

/// The result of reading a SCIP index.
#[derive(Debug, Clone)]
pub struct ScipAnalysis {
    /// The call graph (ids `com.shop.orders.OrderService.place`).
    pub graph: CallGraph,
    /// Problems that did not stop the analysis (a skipped document, a duplicate symbol), sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// Counts.
    pub stats: ScipStats,
}

/// Whether `bytes` look like a SCIP index: a protobuf message whose top-level fields are all
/// `Index` fields (metadata, documents, external symbols) and tile the input exactly. A JSON
/// call graph, a text file or a truncated index does not.
///
/// # Complexity
/// O(number of top-level fields): lengths are skipped, not read.
pub fn is_scip(bytes: &[u8]) -> bool {
    framing::fields(bytes).is_ok_and(|fields| {
        !fields.is_empty() && fields.iter().all(|f| (1..=3).contains(&f.number))
    })
}

/// Reads a SCIP index (the bytes of an `index.scip`) into a call graph.
///
/// Fails when the bytes are not a SCIP index (not protobuf, truncated, another message) or when
/// the index defines no function; a document too large or not decodable is skipped with a
/// diagnostic. Deterministic: the same bytes give the same graph, diagnostics and stats.
///
/// # Complexity
/// O(n log n) in the occurrences of the largest document plus O(references) hash lookups;
/// memory holds one decoded document at a time and the summaries.
pub fn analyze_scip(bytes: &[u8]) -> Result<ScipAnalysis, Error> {
    let fields = framing::fields(bytes)?;
    let mut symbols = Symbols::default();
    let mut stats = ScipStats::default();
    let mut diagnostics = Vec::new();
    let mut summaries = Vec::new();
    for (ordinal, field) in fields.iter().enumerate() {
        let body = &bytes[field.start..field.end];
        match field.number {
            1 => {
                let meta = framing::decode::<scip::types::Metadata>(body, field.start, "metadata")?;
                if let Some(tool) = meta.tool_info.as_ref() {
                    stats.indexer = format!("{} {}", tool.name, tool.version).trim().to_string();
                }
            }
            2 => {
                if body.len() > MAX_DOCUMENT_BYTES {
                    stats.skipped_documents += 1;
                    diagnostics.push(diagnostic(
                        &format!("<document at byte {}>", field.start),
                        format!(
                            "document of {:.1} MB skipped: over the {} MB a document may take (split the file, or index it separately)",
                            body.len() as f64 / 1e6,
                            MAX_DOCUMENT_BYTES >> 20
                        ),
                    ));
                    continue;
                }
                match framing::decode::<scip::types::Document>(body, field.start, "document") {
                    Ok(doc) => {
                        let summary = document::summarize(&doc, &mut symbols);
                        stats.documents += 1;
                        *stats.languages.entry(summary.language.clone()).or_default() += 1;
                        summaries.push(summary);
                    }
                    Err(e) => {
                        stats.skipped_documents += 1;
                        diagnostics.push(diagnostic(
                            &format!("<document {} at byte {}>", ordinal, field.start),
                            format!("document skipped: {e}"),
                        ));
                    }
                }
            }
            // External symbols carry hover documentation of other packages: nothing to plan.
            _ => {}
        }
    }
    stats.skipped_occurrences += symbols.too_long;
    let graph = build::build_graph(&summaries, &symbols, &mut stats, &mut diagnostics)?;
    diagnostics.sort();
    diagnostics.dedup();
    Ok(ScipAnalysis {
        graph,
        diagnostics,
        stats,
    })
}

fn diagnostic(file: &str, message: String) -> Diagnostic {
    Diagnostic {
        file: file.to_string(),
        line: 0,
        column: 0,
        message,
    }
}

/// The symbols met, interned: each string once, parsed once, classified once.
#[derive(Debug, Default)]
pub(crate) struct Symbols {
    ids: FxHashMap<String, u32>,
    parsed: Vec<Option<Parsed>>,
    /// Outside-library trigger of each symbol (route, listener, schedule).
    triggers: Vec<Option<&'static str>>,
    /// Database library of each symbol.
    databases: Vec<Option<&'static str>>,
    /// Triggers shown by decorators in symbols' documentation.
    pub(crate) documented: FxHashMap<u32, &'static str>,
    /// Symbols ignored for their length.
    too_long: usize,
}

impl Symbols {
    /// The number of a global symbol, interning it; `None` for a local, empty or overlong one.
    pub(crate) fn intern(&mut self, symbol: &str) -> Option<u32> {
        if let Some(&i) = self.ids.get(symbol) {
            return Some(i);
        }
        if symbol.len() > MAX_SYMBOL_BYTES {
            self.too_long += 1;
            return None;
        }
        let parsed = symbols::parse(symbol)?;
        let i = u32::try_from(self.parsed.len()).ok()?;
        self.triggers.push(symbols::trigger(&parsed));
        self.databases.push(symbols::database(&parsed));
        self.parsed.push(Some(parsed));
        self.ids.insert(symbol.to_string(), i);
        Some(i)
    }

    /// The parsed form of symbol `i`.
    pub(crate) fn parsed(&self, i: u32) -> Option<&Parsed> {
        self.parsed.get(i as usize).and_then(Option::as_ref)
    }

    /// The trigger an outside symbol marks (a route decorator or registration).
    pub(crate) fn trigger(&self, i: u32) -> Option<&'static str> {
        self.triggers.get(i as usize).copied().flatten()
    }

    /// The database library of symbol `i`.
    pub(crate) fn database(&self, i: u32) -> Option<&'static str> {
        self.databases.get(i as usize).copied().flatten()
    }
}
