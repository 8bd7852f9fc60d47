//! Labelling signals read from syntax: entry points, state, data resources and duration hints.
//!
//! Everything here is a syntactic guess: nothing is resolved across files, built or executed.
//! The caller walks every function of a crate once, with the call-site visitor
//! ([`super::calls::BodyVisitor`]), which calls a [`Scanner`]'s hooks as it goes; [`label`] then
//! turns what the scanner gathered and the function's attributes into [`FnSignals`]. The caller
//! asks [`is_stateful_static`], [`stateful_macro_statics`] and [`is_stateful_struct`] about the
//! items it meets, and resolves names (handler paths of [`FnSignals::routes`], statics used by a
//! body) itself.

mod body;
mod checks;
mod exprs;
mod sql;
mod state;
#[cfg(test)]
mod tests;
mod vocab;

pub(crate) use body::Scanner;
pub(crate) use state::{
    holds_connections, is_stateful_static, is_stateful_struct, stateful_macro_statics,
};

use syn::{Attribute, Meta};
#[cfg(test)]
use syn::{Block, Signature};

/// The labelling signals of one function, read from its attributes, signature and body.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FnSignals {
    /// Trigger kind when the function looks like an entry point: `http`, `websocket`, `cli`,
    /// `schedule`, `queue` or `event`.
    pub entry: Option<String>,
    /// External data it reads or writes (`db:orders`, `cache:session`, `bucket:images`, …),
    /// sorted and unique.
    pub resources: Vec<String>,
    /// Static duration hints, sorted and unique: `sleep`, `blocking-io`, `blocking-network`,
    /// `io-loop`, `cpu-heavy`.
    pub hints: Vec<String>,
    /// Handler registrations found in the body, in source order without repeats: the trigger
    /// kind and the path of the handler function as written (the caller resolves it).
    pub routes: Vec<(String, syn::Path)>,
    /// The body visibly touches shared mutable state: a screaming-case static inside `unsafe`,
    /// `X.with(|…|)` thread-local access, locks, atomics, or a stateful static declared inside.
    pub uses_state: bool,
}

/// What the attributes of a function say about it being an entry point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AttrEntry {
    /// A test or benchmark: never an entry point.
    Test,
    /// An entry point of this trigger kind.
    Kind(&'static str),
}

/// Reads the labelling signals of one function with the body walk the analysis uses: `name` is
/// its bare name, `attrs` its outer attributes, `sig` its signature and `body` its block.
#[cfg(test)]
pub(crate) fn scan_fn(name: &str, attrs: &[Attribute], sig: &Signature, body: &Block) -> FnSignals {
    let gens = super::syntax::Gen::new();
    let mut walk = super::calls::BodyVisitor::new(&gens, super::calls::Locals::default());
    walk.scan.params(sig);
    walk.block(body);
    label(name, attrs, std::mem::take(&mut walk.scan))
}

/// The labelling signals of one function: `name` is its bare name, `attrs` its outer attributes,
/// and `scan` what the walk of its signature ([`Scanner::params`]) and body gathered.
pub(crate) fn label(name: &str, attrs: &[Attribute], scan: Scanner) -> FnSignals {
    let facts = scan.finish();

    let attr_entry = attrs
        .iter()
        .filter_map(attr_entry)
        .fold(None, |acc, e| match (acc, e) {
            (Some(AttrEntry::Test), _) | (_, AttrEntry::Test) => Some(AttrEntry::Test),
            (Some(kind), _) => Some(kind),
            (None, kind) => Some(kind),
        });
    let entry = match attr_entry {
        Some(AttrEntry::Test) => None,
        _ if facts.websocket => Some("websocket"),
        Some(AttrEntry::Kind(kind)) => Some(kind),
        None if name == "main" => Some("cli"),
        None if facts.event => Some("event"),
        None if facts.queue => Some("queue"),
        None if facts.schedule => Some("schedule"),
        None => None,
    };
    FnSignals {
        entry: entry.map(str::to_owned),
        resources: facts.resources,
        hints: facts.hints,
        routes: facts.routes,
        uses_state: facts.uses_state,
    }
}

/// HTTP method attributes of actix-web, rocket, ntex and similar frameworks.
const HTTP_ATTRS: &[&str] = &[
    "get", "post", "put", "delete", "patch", "head", "options", "trace", "connect", "route",
];

/// Crates whose attribute macros register HTTP handlers.
const HTTP_ATTR_CRATES: &[&str] = &["actix_web", "rocket", "ntex", "actix_web_codegen"];

/// Attribute names of cron and job schedulers.
const SCHEDULE_ATTRS: &[&str] = &["scheduled", "cron", "schedule", "job", "periodic"];

/// Crates whose `#[…::test]` attributes mark async or parametrised tests.
const TEST_CRATES: &[&str] = &[
    "tokio",
    "async_std",
    "actix_rt",
    "actix_web",
    "sqlx",
    "test_log",
    "futures_test",
    "ntex",
];

/// Classifies one attribute: a test marker, an entry-point marker, or nothing.
fn attr_entry(attr: &Attribute) -> Option<AttrEntry> {
    let path = attr.path();
    let last = path.segments.last()?.ident.to_string();
    let first = path.segments.first()?.ident.to_string();
    let single = path.segments.len() == 1;
    let is_list = matches!(attr.meta, Meta::List(_));
    match last.as_str() {
        "test" | "bench" if single || TEST_CRATES.contains(&first.as_str()) => {
            Some(AttrEntry::Test)
        }
        "rstest" | "test_case" | "wasm_bindgen_test" | "quickcheck" | "proptest" => {
            Some(AttrEntry::Test)
        }
        "cfg" => match &attr.meta {
            Meta::List(list) if list.tokens.to_string() == "test" => Some(AttrEntry::Test),
            _ => None,
        },
        "main" | "launch" => Some(AttrEntry::Kind("cli")),
        "path" if first == "utoipa" => Some(AttrEntry::Kind("http")),
        "event" if single || first == "worker" => {
            let args = match &attr.meta {
                Meta::List(list) => list.tokens.to_string(),
                _ => String::new(),
            };
            Some(AttrEntry::Kind(match args.as_str() {
                "fetch" => "http",
                "scheduled" => "schedule",
                "queue" => "queue",
                _ => "event",
            }))
        }
        m if HTTP_ATTRS.contains(&m)
            && ((single && is_list) || HTTP_ATTR_CRATES.contains(&first.as_str())) =>
        {
            Some(AttrEntry::Kind("http"))
        }
        s if SCHEDULE_ATTRS.contains(&s) => Some(AttrEntry::Kind("schedule")),
        _ => None,
    }
}
