//! The service diagram as a C4-PlantUML container view: one system boundary holding the
//! services (containers tagged `microservice` or `function`, with their cost), the rest node and
//! the library node, data stores as `ContainerDb` (shared ones tagged and red), relationships
//! labelled with calls per day (async ones dashed). Uses the C4 library that ships inside
//! PlantUML (`!include <C4/C4_Container>`); it needs a PlantUML with tag support (2021 or
//! later). Every text is written with PlantUML's `<U+XXXX>` code for its punctuation, so no name
//! can close a string, call a preprocessor function (`%date()`) or read as Creole markup.

use std::fmt::Write;

use super::{Scene, plain, scene, service_line, store_lines, technology};
use crate::plan::{Label, Plan};
use crate::render::DiagramOptions;

/// Longest name in a box, in characters.
const NAME_CHARS: usize = 40;

/// The plan's service diagram as a C4-PlantUML container view, as `options` say (always nodes
/// and links).
///
/// # Complexity
/// As [`crate::render::dot`], with output capped as the DOT diagram's.
pub fn plantuml(plan: &Plan, options: &DiagramOptions) -> String {
    view(&scene(plan, options))
}

fn view(s: &Scene) -> String {
    crate::render::written(|out| {
        out.push_str("@startuml\n!include <C4/C4_Container>\n\n");
        writeln!(out, "title {}", text(&s.headline))?;
        for note in &s.left_out {
            writeln!(out, "' {note}")?;
        }
        if !s.left_out.is_empty() {
            let notes: Vec<String> = s.left_out.iter().map(|n| text(n)).collect();
            writeln!(out, "caption {}", notes.join("\\n"))?;
        }
        out.push_str(concat!(
            "LAYOUT_TOP_DOWN()\n",
            "AddElementTag(\"microservice\", $bgColor=\"#cfe2ff\", $fontColor=\"#000000\", $borderColor=\"#3d6fb6\", $shape=RoundedBoxShape(), $legendText=\"microservice\")\n",
            "AddElementTag(\"function\", $bgColor=\"#ffe0b3\", $fontColor=\"#000000\", $borderColor=\"#c77d1a\", $shape=EightSidedShape(), $legendText=\"function (FaaS)\")\n",
            "AddElementTag(\"rest\", $bgColor=\"#f5f5f5\", $fontColor=\"#000000\", $borderColor=\"#999999\", $legendText=\"services not drawn one by one\")\n",
            "AddElementTag(\"library\", $bgColor=\"#eeeeee\", $fontColor=\"#000000\", $borderColor=\"#888888\", $borderStyle=DashedLine(), $legendText=\"shared code, shipped as a library\")\n",
            "AddElementTag(\"store\", $bgColor=\"#eef3e8\", $fontColor=\"#000000\", $borderColor=\"#6b8e4e\", $legendText=\"data store\")\n",
            "AddElementTag(\"shared\", $bgColor=\"#f8d0d0\", $fontColor=\"#000000\", $borderColor=\"#c0392b\", $borderThickness=\"2\", $legendText=\"data store shared by several services\")\n",
            "AddRelTag(\"async\", $lineStyle=DashedLine(), $legendText=\"async messages\")\n",
            "AddRelTag(\"uses\", $textColor=\"#6b8e4e\", $lineColor=\"#6b8e4e\", $lineStyle=DottedLine(), $legendText=\"uses its data store\")\n",
            "AddRelTag(\"shareduse\", $textColor=\"#c0392b\", $lineColor=\"#c0392b\", $legendText=\"uses a shared data store\")\n",
            "AddRelTag(\"library\", $textColor=\"#888888\", $lineColor=\"#aaaaaa\", $lineStyle=DottedLine(), $legendText=\"calls shared code in process\")\n",
            "\nSystem_Boundary(plan, \"the monolith, split\") {\n",
        ));
        for (id, service) in &s.services {
            let tag = match service.label {
                Label::Microservice => "microservice",
                Label::Function => "function",
            };
            writeln!(
                out,
                "  Container({id}, \"{}\", \"{}\", \"{}\", $tags=\"{tag}\")",
                text(&plain(&service.name, NAME_CHARS)),
                text(technology(service)),
                text(&service_line(service)),
            )?;
        }
        if let Some((id, lines)) = &s.rest {
            writeln!(
                out,
                "  Container({id}, \"{}\", \"services\", \"{}\", $tags=\"rest\")",
                text(&lines[0]),
                joined(&lines[1..])
            )?;
        }
        if let Some(library) = &s.library {
            writeln!(
                out,
                "  Container({}, \"{}\", \"library\", \"{}\", $tags=\"library\")",
                library.id,
                text(&library.lines[0]),
                joined(&library.lines[1..])
            )?;
        }
        for store in &s.stores {
            let lines = store_lines(store.store);
            let tag = if store.store.shared {
                "shared"
            } else {
                "store"
            };
            writeln!(
                out,
                "  ContainerDb({}, \"{}\", \"{}\", \"{}\", $tags=\"{tag}\")",
                store.id,
                text(&plain(&lines[0], NAME_CHARS)),
                text(&plain(&store.store.kind, NAME_CHARS)),
                joined(&lines[1..])
            )?;
        }
        out.push_str("}\n\n");
        for link in &s.links {
            let tags = if link.asynchronous {
                ", $tags=\"async\""
            } else {
                ""
            };
            writeln!(
                out,
                "Rel({}, {}, \"{}\"{tags})",
                link.from,
                link.to,
                text(&link.label)
            )?;
        }
        for store in &s.stores {
            let tag = if store.store.shared {
                "shareduse"
            } else {
                "uses"
            };
            for user in &store.users {
                writeln!(out, "Rel({user}, {}, \"\", $tags=\"{tag}\")", store.id)?;
            }
        }
        if let Some(library) = &s.library {
            for user in &library.users {
                writeln!(out, "Rel({user}, {}, \"\", $tags=\"library\")", library.id)?;
            }
        }
        out.push_str("\nSHOW_LEGEND()\n@enduml\n");
        Ok(())
    })
}

/// Lines escaped and joined with PlantUML's line break.
fn joined(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| text(l))
        .collect::<Vec<_>>()
        .join("\\n")
}

/// Escapes text for a double-quoted PlantUML string: letters, digits, spaces and `.,:()` stay;
/// every other ASCII punctuation mark becomes its `<U+XXXX>` code, so no name ends the string,
/// reaches the preprocessor (`%`, `$`, `!`) or reads as Creole (`**`, `//`, `<b>`, `[[`).
pub(crate) fn text(s: &str) -> String {
    super::encode(
        s,
        |c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | ',' | ':' | '(' | ')'),
        |c| format!("<U+{c:04X}>"),
    )
}
