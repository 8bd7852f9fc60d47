//! The service diagram as a Structurizr DSL workspace: one software system whose containers are
//! the services (tagged `Microservice` or `Function`, technology `microservice` or
//! `function (FaaS)`, the cost in the description), the rest node, the library node and the data
//! stores (tagged `Database`, drawn as cylinders; shared ones also `Shared`, in red), with
//! relationships labelled with calls per day, and a container view laid out top to bottom.
//! Strings cannot hold a double quote or a line break in the DSL: names keep their text with
//! those characters replaced (see [`text`]).

use std::collections::BTreeSet;
use std::fmt::Write;

use super::{Scene, plain, scene, store_lines, technology};
use crate::plan::{Label, Plan};
use crate::render::DiagramOptions;

/// Longest name of a container, in characters.
const NAME_CHARS: usize = 60;

/// The plan's service diagram as a Structurizr DSL workspace, as `options` say (always nodes
/// and links).
///
/// # Complexity
/// As [`crate::render::dot`], with output capped as the DOT diagram's.
pub fn structurizr(plan: &Plan, options: &DiagramOptions) -> String {
    workspace(&scene(plan, options))
}

fn workspace(s: &Scene) -> String {
    crate::render::written(|out| {
        writeln!(
            out,
            "workspace \"cleave plan\" \"{}\" {{\n",
            text(&s.headline)
        )?;
        for note in &s.left_out {
            writeln!(out, "    // {}", plain(note, 400))?;
        }
        out.push_str("    model {\n");
        writeln!(
            out,
            "        plan = softwareSystem \"The monolith, split\" \"{}\" {{",
            text(&s.headline)
        )?;
        // Container names must be distinct within their system: a repeated one gets its id.
        let mut names = BTreeSet::new();
        let mut name = |wanted: &str, id: &str| -> String {
            let clean = plain(wanted, NAME_CHARS).replace('/', "\u{2215}");
            if names.insert(clean.to_lowercase()) {
                text(&clean)
            } else {
                let unique = format!("{clean} ({id})");
                names.insert(unique.to_lowercase());
                text(&unique)
            }
        };
        for (id, service) in &s.services {
            let tag = match service.label {
                Label::Microservice => "Microservice",
                Label::Function => "Function",
            };
            let description = format!(
                "{} · ${:.2}/month · {}",
                service.id, service.cost.chosen_monthly_usd, service.rationale.summary
            );
            writeln!(
                out,
                "            {id} = container \"{}\" \"{}\" \"{}\" \"{tag}\"",
                name(&service.name, id),
                text(&plain(&description, 400)),
                technology(service)
            )?;
        }
        if let Some((id, lines)) = &s.rest {
            writeln!(
                out,
                "            {id} = container \"{}\" \"{}\" \"services\" \"Rest\"",
                name(&lines[0], id),
                text(&lines[1..].join(" · "))
            )?;
        }
        if let Some(library) = &s.library {
            writeln!(
                out,
                "            {} = container \"{}\" \"{}\" \"library\" \"Library\"",
                library.id,
                name(&library.lines[0], library.id),
                text(&library.lines[1..].join(" · "))
            )?;
        }
        for store in &s.stores {
            let lines = store_lines(store.store);
            let tags = if store.store.shared {
                "Database,Shared"
            } else {
                "Database"
            };
            writeln!(
                out,
                "            {} = container \"{}\" \"{}\" \"{}\" \"{tags}\"",
                store.id,
                name(&lines[0], &store.id),
                text(&lines[1..].join(" · ")),
                text(&plain(&store.store.kind, NAME_CHARS))
            )?;
        }
        out.push_str("        }\n\n");
        for link in &s.links {
            let (technology, tags) = if link.asynchronous {
                ("async messages", "Async")
            } else {
                ("blocking calls", "Sync")
            };
            writeln!(
                out,
                "        {} -> {} \"{}\" \"{technology}\" \"{tags}\"",
                link.from,
                link.to,
                text(&link.label)
            )?;
        }
        for store in &s.stores {
            let tags = if store.store.shared {
                "Data,Shared"
            } else {
                "Data"
            };
            for user in &store.users {
                writeln!(
                    out,
                    "        {user} -> {} \"reads and writes\" \"\" \"{tags}\"",
                    store.id
                )?;
            }
        }
        if let Some(library) = &s.library {
            for user in &library.users {
                writeln!(
                    out,
                    "        {user} -> {} \"calls in process\" \"\" \"Library\"",
                    library.id
                )?;
            }
        }
        out.push_str("    }\n\n    views {\n");
        out.push_str("        container plan \"services\" {\n            include *\n");
        if !s.left_out.is_empty() {
            writeln!(
                out,
                "            description \"{}\"",
                text(&s.left_out.join("; "))
            )?;
        }
        out.push_str("            autolayout tb\n        }\n\n");
        out.push_str(concat!(
            "        styles {\n",
            "            element \"Container\" {\n                color #000000\n            }\n",
            "            element \"Microservice\" {\n                background #cfe2ff\n                stroke #3d6fb6\n                shape RoundedBox\n            }\n",
            "            element \"Function\" {\n                background #ffe0b3\n                stroke #c77d1a\n                shape Hexagon\n            }\n",
            "            element \"Rest\" {\n                background #f5f5f5\n                shape Folder\n            }\n",
            "            element \"Library\" {\n                background #eeeeee\n                border dashed\n                shape Component\n            }\n",
            "            element \"Database\" {\n                background #eef3e8\n                stroke #6b8e4e\n                shape Cylinder\n            }\n",
            "            element \"Shared\" {\n                background #f8d0d0\n                stroke #c0392b\n                strokeWidth 4\n            }\n",
            "            relationship \"Async\" {\n                dashed true\n            }\n",
            "            relationship \"Sync\" {\n                dashed false\n            }\n",
            "            relationship \"Shared\" {\n                color #c0392b\n            }\n",
            "            relationship \"Library\" {\n                color #aaaaaa\n            }\n",
            "        }\n",
            "    }\n",
            "}\n",
        ));
        Ok(())
    })
}

/// Escapes text for a double-quoted DSL string: a double quote becomes `'`, a backslash `∖`
/// (it could escape the closing quote), and `${` becomes `$ {` (the DSL substitutes
/// `${NAME}`); line breaks and control characters are gone already ([`plain`]).
pub(crate) fn text(s: &str) -> String {
    plain(s, super::super::dot::MAX_DOT_TEXT)
        .replace('"', "'")
        .replace('\\', "\u{2216}")
        .replace("${", "$ {")
}
