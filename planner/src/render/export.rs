//! Architecture as code: the service diagram as a Mermaid flowchart, a Structurizr DSL workspace
//! and a C4-PlantUML container view. All three draw what the DOT diagram draws, under its caps
//! (services, links, stores; shared code as one library node), from one [`Scene`]: the drawn
//! things with ids that are safe in every one of the three languages. Each language module only
//! prints the scene, escaping every text that comes from the input.

mod mermaid;
mod plantuml;
mod structurizr;

use std::collections::BTreeSet;

pub use mermaid::mermaid;
pub(crate) use mermaid::mermaid_embedded;
pub use plantuml::plantuml;
pub use structurizr::structurizr;

use super::dot::{
    DiagramOptions, MAX_DRAWN_SERVICES, MAX_LIBRARY_LINKS, REST, caption, drawn_stores,
    library_lines, library_users, link_label, rest_lines, service_links, stores_left_out,
};
use crate::plan::{DataStore, Label, Plan, Service};

/// Id of the node standing for the services not drawn one by one.
const REST_ID: &str = "rest";
/// Id of the shared code's library node.
const LIBRARY_ID: &str = "library";

/// What an export draws: the node-link picture of the DOT diagram, whatever the plan's size.
pub(crate) struct Scene<'p> {
    /// The plan in numbers.
    pub headline: String,
    /// What is not drawn, and why (one sentence each).
    pub left_out: Vec<String>,
    /// The services drawn one by one, with their ids in the export.
    pub services: Vec<(String, &'p Service)>,
    /// The node for the services past [`MAX_DRAWN_SERVICES`]: its id and label lines.
    pub rest: Option<(&'static str, Vec<String>)>,
    /// Links between services, heaviest first.
    pub links: Vec<Link>,
    /// Links between services before the cap (after `--min-calls`).
    pub links_found: usize,
    /// Data stores with their id and their users' ids.
    pub stores: Vec<Store<'p>>,
    /// The shared code's library node.
    pub library: Option<Library>,
}

/// One drawn link between two services (or the rest node).
pub(crate) struct Link {
    pub from: String,
    pub to: String,
    /// Calls per day (`3.4M/day`), or `weight N` when nothing is measured; `async` appended
    /// when no call on it blocks.
    pub label: String,
    /// No call on it blocks.
    pub asynchronous: bool,
    /// Its traffic's share of the heaviest link's, on a log scale: 0 to 1.
    pub strength: f64,
}

/// One drawn data store.
pub(crate) struct Store<'p> {
    pub id: String,
    pub store: &'p DataStore,
    /// Ids of the drawn services (or the rest node) that use it, each once.
    pub users: Vec<String>,
}

/// The shared code, drawn as one node.
pub(crate) struct Library {
    pub id: &'static str,
    pub lines: Vec<String>,
    /// Ids of the services calling it; empty when they are too many to link.
    pub users: Vec<String>,
}

/// The scene of the plan's node-link diagram, as `options` say (the view is always the graph).
///
/// # Complexity
/// O((K + L + R) log(K + L + R)) for K services, L links and R data stores, as the DOT diagram.
pub(crate) fn scene<'p>(plan: &'p Plan, options: &DiagramOptions) -> Scene<'p> {
    let drawn = plan.clusters.len().min(MAX_DRAWN_SERVICES);
    let measured = plan.input.measured_nodes > 0;
    let found = service_links(plan, drawn, options, measured);
    let mut title = caption(plan, drawn, &found, options, false);
    let headline = title.remove(0);
    let mut left_out = title;

    let ids = service_ids(&plan.clusters[..drawn]);
    let id_of = |plan_id: &str| -> String {
        if plan_id == REST {
            REST_ID.to_string()
        } else {
            ids.iter()
                .find(|(_, s)| s.id == plan_id)
                .map(|(id, _)| id.clone())
                .unwrap_or_else(|| REST_ID.to_string())
        }
    };
    let hidden = &plan.clusters[drawn..];
    let rest = (!hidden.is_empty()).then(|| (REST_ID, rest_lines(hidden)));

    let kept = &found.links[..found.links.len().min(found.cap)];
    let max = kept
        .iter()
        .map(|(_, v)| v.traffic(measured))
        .fold(0.0f64, f64::max);
    let links = kept
        .iter()
        .map(|((from, to), v)| Link {
            from: id_of(from),
            to: id_of(to),
            label: link_label(v, measured),
            asynchronous: v.sync_weight == 0.0,
            strength: ((1.0 + v.traffic(measured)).ln() / (1.0 + max).ln().max(1e-9))
                .clamp(0.0, 1.0),
        })
        .collect();

    let (order, stores_out) = drawn_stores(plan, drawn);
    let stores = order
        .into_iter()
        .enumerate()
        .map(|(i, (store, users))| Store {
            id: format!("db{i}"),
            store,
            users: unique(users.iter().map(|u| id_of(u))),
        })
        .collect();
    if stores_out > 0 {
        left_out.push(stores_left_out(stores_out));
    }

    let library = (!plan.shared_code.is_empty()).then(|| Library {
        id: LIBRARY_ID,
        lines: library_lines(plan),
        users: if plan.library_calls.len() > MAX_LIBRARY_LINKS {
            Vec::new()
        } else {
            unique(library_users(plan, drawn).into_iter().map(&id_of))
        },
    });
    Scene {
        headline,
        left_out,
        services: ids,
        rest,
        links,
        links_found: found.links.len(),
        stores,
        library,
    }
}

/// Export ids for the drawn services: the plan's own id where it is the planner's `s<number>`
/// (and not taken yet), else `x<position>`. Either way an ASCII letter and digits, which every
/// one of the three languages takes as an identifier, and never one of the scene's other ids
/// (`rest`, `library`, `db<n>`) or a keyword.
fn service_ids(services: &[Service]) -> Vec<(String, &Service)> {
    let mut taken = BTreeSet::new();
    services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let planner_made = s.id.len() <= 12
                && s.id.strip_prefix('s').is_some_and(|n| {
                    !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0')
                });
            let id = if planner_made && taken.insert(s.id.clone()) {
                s.id.clone()
            } else {
                format!("x{}", i + 1)
            };
            (id, s)
        })
        .collect()
}

/// Each id once, in first-seen order.
fn unique(ids: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    ids.filter(|id| seen.insert(id.clone())).collect()
}

/// The kind of a service in words: what the exports write as its technology.
pub(crate) fn technology(service: &Service) -> &'static str {
    match service.label {
        Label::Microservice => "microservice",
        Label::Function => "function (FaaS)",
    }
}

/// A service's second label line: its plan id, kind and monthly cost.
pub(crate) fn service_line(service: &Service) -> String {
    format!(
        "{} · {} · ${:.2}/month",
        service.id,
        service.label.as_str(),
        service.cost.chosen_monthly_usd
    )
}

/// A data store's label lines: its name, and how many services share it.
pub(crate) fn store_lines(store: &DataStore) -> Vec<String> {
    let mut lines = vec![store.name.clone()];
    if store.shared {
        lines.push(format!("shared by {} services", store.services.len()));
    }
    lines
}

/// Text made safe to print: line breaks and tabs become spaces, other control characters and
/// the non-characters U+FFFE/U+FFFF become U+FFFD, and the whole is clipped to `max` characters.
pub(crate) fn plain(s: &str, max: usize) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}') => '\u{fffd}',
            c => c,
        })
        .collect();
    super::clip(&cleaned, max)
}

/// Text written with `code` for each ASCII character that `keep` refuses: the escaping of the
/// Mermaid and PlantUML exports, which spell punctuation as character codes. Non-ASCII text
/// stays; [`plain`] has removed control characters and clipped it.
pub(crate) fn encode(s: &str, keep: fn(char) -> bool, code: fn(u32) -> String) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in plain(s, super::dot::MAX_DOT_TEXT).chars() {
        if keep(ch) || !ch.is_ascii() {
            out.push(ch);
        } else {
            out.push_str(&code(u32::from(ch)));
        }
    }
    out
}

#[cfg(test)]
mod tests;
