//! The service diagram as a Mermaid flowchart, top to bottom: microservices as rounded boxes,
//! functions as hexagons, data stores as cylinders (shared ones red), shared code as one library
//! node, links labelled with calls per day (dashed when async) and as wide as their traffic.
//! Every label is a quoted string whose punctuation is written as Mermaid entity codes
//! (`#quot;`, `#35;`), so no name can close a string, start markup or end the statement.

use std::fmt::Write;

use super::{Scene, plain, scene, service_line, store_lines};
use crate::plan::{Label, Plan};
use crate::render::DiagramOptions;

/// Longest name in a node, in characters.
const NAME_CHARS: usize = 40;

/// The plan's service diagram as a Mermaid flowchart, as `options` say (the view is always
/// nodes and links; `options.view` is not read).
///
/// # Complexity
/// As [`crate::render::dot`]: O((K + L + R) log(K + L + R)), with output capped as the DOT
/// diagram's.
pub fn mermaid(plan: &Plan, options: &DiagramOptions) -> String {
    flowchart(&scene(plan, options), true)
}

/// The flowchart embedded in plan.md: no title block (the report has its heading), the same
/// picture otherwise, with `top` links at most. Also the links drawn, and the links there are.
pub(crate) fn mermaid_embedded(plan: &Plan, top: Option<usize>) -> (String, usize, usize) {
    let options = DiagramOptions {
        top_edges: top,
        ..DiagramOptions::default()
    };
    let s = scene(plan, &options);
    (flowchart(&s, false), s.links.len(), s.links_found)
}

fn flowchart(s: &Scene, title: bool) -> String {
    crate::render::written(|out| {
        if title {
            // The headline holds only numbers and fixed words: safe inside a YAML double-quoted
            // string.
            writeln!(out, "---\ntitle: \"{}\"\n---", s.headline)?;
        }
        out.push_str("flowchart TB\n");
        if !title {
            writeln!(out, "  %% {}", s.headline)?;
        }
        for note in &s.left_out {
            writeln!(out, "  %% {note}")?;
        }
        out.push_str(concat!(
            "  classDef microservice fill:#cfe2ff,stroke:#3d6fb6,color:#000000\n",
            "  classDef function fill:#ffe0b3,stroke:#c77d1a,color:#000000\n",
            "  classDef rest fill:#f5f5f5,stroke:#999999,color:#000000\n",
            "  classDef library fill:#eeeeee,stroke:#888888,stroke-dasharray:4 3,color:#000000\n",
            "  classDef store fill:#eef3e8,stroke:#6b8e4e,color:#000000\n",
            "  classDef sharedStore fill:#f8d0d0,stroke:#c0392b,stroke-width:2px,color:#000000\n",
        ));
        for (id, service) in &s.services {
            let label = lines(&[plain(&service.name, NAME_CHARS), service_line(service)]);
            let _ = match service.label {
                Label::Microservice => writeln!(out, "  {id}(\"{label}\"):::microservice"),
                Label::Function => writeln!(out, "  {id}{{{{\"{label}\"}}}}:::function"),
            };
        }
        if let Some((id, rest)) = &s.rest {
            writeln!(out, "  {id}[[\"{}\"]]:::rest", lines(rest))?;
        }
        if let Some(library) = &s.library {
            writeln!(
                out,
                "  {}[/\"{}\"/]:::library",
                library.id,
                lines(&library.lines)
            )?;
        }
        for store in &s.stores {
            let class = if store.store.shared {
                "sharedStore"
            } else {
                "store"
            };
            writeln!(
                out,
                "  {}[(\"{}\")]:::{class}",
                store.id,
                lines(&store_lines(store.store))
            )?;
        }
        // Link styles go by the link's position in the file: count them as they are written.
        let mut index = 0usize;
        let mut styles: Vec<String> = Vec::new();
        for link in &s.links {
            let arrow = if link.asynchronous { "-.->" } else { "-->" };
            writeln!(
                out,
                "  {} {arrow}|\"{}\"| {}",
                link.from,
                text(&link.label),
                link.to
            )?;
            let width = 1.0 + 4.0 * link.strength;
            styles.push(format!(
                "  linkStyle {index} stroke-width:{width:.1}px,stroke:#555555"
            ));
            index += 1;
        }
        let mut shared_links = Vec::new();
        let mut private_links = Vec::new();
        for store in &s.stores {
            for user in &store.users {
                if store.store.shared {
                    writeln!(out, "  {user} --- {}", store.id)?;
                    shared_links.push(index.to_string());
                } else {
                    writeln!(out, "  {user} -.- {}", store.id)?;
                    private_links.push(index.to_string());
                }
                index += 1;
            }
        }
        let mut library_links = Vec::new();
        if let Some(library) = &s.library {
            for user in &library.users {
                writeln!(out, "  {user} -.- {}", library.id)?;
                library_links.push(index.to_string());
                index += 1;
            }
        }
        for style in styles {
            out.push_str(&style);
            out.push('\n');
        }
        for (indexes, style) in [
            (shared_links, "stroke:#c0392b,stroke-width:2px"),
            (private_links, "stroke:#6b8e4e"),
            (library_links, "stroke:#aaaaaa"),
        ] {
            if !indexes.is_empty() {
                writeln!(out, "  linkStyle {} {style}", indexes.join(","))?;
            }
        }
        Ok(())
    })
}

/// Label lines, each escaped, joined with Mermaid's line break.
fn lines(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| text(l))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// Escapes text for a double-quoted Mermaid label: letters, digits, spaces and harmless
/// punctuation stay; a double quote becomes `#quot;` and every other ASCII punctuation mark its
/// numeric entity (`#` is `#35;`, `<` is `#60;`), so nothing reads as markup, Markdown, a
/// comment (`%%`), math (`$$`) or the end of the string or statement.
pub(crate) fn text(s: &str) -> String {
    super::encode(
        s,
        |c| {
            c.is_ascii_alphanumeric()
                || matches!(c, ' ' | '.' | ',' | ':' | '-' | '/' | '_' | '(' | ')')
        },
        |c| {
            if c == u32::from('"') {
                "#quot;".to_string()
            } else {
                format!("#{c};")
            }
        },
    )
}
