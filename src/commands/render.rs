//! `cleave render`: a plan's service diagram, or one service's detail, as SVG, PNG or DOT through
//! Graphviz. Without Graphviz the DOT is still written and the command says how to install it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cli::{DiagramView, RenderArgs, RenderFormat};
use crate::commands::diff::read_plan;
use crate::graphviz::{self, DotError, INSTALL_HINT, Image};
use crate::input::BadInput;
use crate::output;

/// Closest service names offered when a `--service` matches none.
const SUGGESTIONS: usize = 3;

/// The service diagram's options from the command line; a negative or non-finite
/// `--min-calls` is bad input.
fn diagram_options(args: &RenderArgs) -> Result<planner::render::DiagramOptions> {
    if !args.min_calls.is_finite() || args.min_calls < 0.0 {
        return Err(crate::input::bad_input(format!(
            "--min-calls {}: give a number of calls per day of 0 or more",
            args.min_calls
        )));
    }
    Ok(planner::render::DiagramOptions {
        view: match args.view {
            DiagramView::Auto => planner::render::View::Auto,
            DiagramView::Graph => planner::render::View::Graph,
            DiagramView::Matrix => planner::render::View::Matrix,
        },
        min_calls: args.min_calls,
        top_edges: args.top_edges,
    })
}

/// Runs `cleave render`.
pub fn run(args: &RenderArgs) -> Result<()> {
    let plan = read_plan(&args.plan)?;
    let (dot, stem) = match &args.service {
        None => (
            planner::render::dot_with(&plan, &diagram_options(args)?),
            "plan".to_string(),
        ),
        Some(query) => {
            let service = find_service(&plan, query)?;
            let input = graph_path(&plan, &args.plan, args.input.as_deref())?;
            let graph = crate::input::load_graph(&input, true).with_context(|| {
                format!("cannot read the call graph {}", crate::input::name(&input))
            })?;
            if service.size > planner::render::MAX_DETAIL_MEMBERS {
                eprintln!(
                    "note: {} has {}; the {} most connected are drawn, {} are not",
                    service.name,
                    planner::render::plural(service.size, "member"),
                    planner::render::MAX_DETAIL_MEMBERS,
                    service.size - planner::render::MAX_DETAIL_MEMBERS
                );
            }
            let dot = planner::render::detail(&plan, &graph, service);
            (dot, file_stem(&service.name, &service.id))
        }
    };
    let same = |a: &Path, b: &Path| {
        std::fs::canonicalize(a)
            .ok()
            .zip(std::fs::canonicalize(b).ok())
            .is_some_and(|(a, b)| a == b)
    };
    if let Some(out) = &args.output
        && same(out, &args.plan)
    {
        return Err(crate::input::bad_input(format!(
            "-o {} is the plan being drawn: name another file",
            out.display()
        )));
    }
    // A file name ending in .svg, .png or .dot decides the format (`-o diagram.png` means PNG);
    // another extension would get bytes of a format it does not name.
    let format = match args.output.as_ref().and_then(|o| o.extension()) {
        None => args.format,
        Some(e) => match e.to_string_lossy().to_lowercase().as_str() {
            "svg" => RenderFormat::Svg,
            "png" => RenderFormat::Png,
            "dot" | "gv" => RenderFormat::Dot,
            "mmd" | "mermaid" => RenderFormat::Mermaid,
            "dsl" => RenderFormat::Structurizr,
            "puml" | "plantuml" => RenderFormat::Plantuml,
            other => {
                return Err(crate::input::bad_input(format!(
                    "-o {}: cannot write .{} files; name the file .svg, .png, .dot, .mmd, .dsl or .puml",
                    crate::terminal::text(
                        &args
                            .output
                            .as_ref()
                            .map(|o| o.display().to_string())
                            .unwrap_or_default()
                    ),
                    crate::terminal::text(other)
                )));
            }
        },
    };
    let extension = match format {
        RenderFormat::Svg => "svg",
        RenderFormat::Png => "png",
        RenderFormat::Dot => "dot",
        RenderFormat::Mermaid => "mmd",
        RenderFormat::Structurizr => "dsl",
        RenderFormat::Plantuml => "puml",
    };
    let target = args.output.clone().unwrap_or_else(|| {
        let dir = args.plan.parent().unwrap_or(Path::new(""));
        dir.join(format!("{stem}.{extension}"))
    });

    let stdout = output::is_stdout(&target);
    let image = match format {
        RenderFormat::Svg => Image::Svg,
        RenderFormat::Png => Image::Png,
        // Text formats: written as they are.
        text_format => {
            let text = match text_format {
                RenderFormat::Dot => dot,
                _ => export(&plan, text_format, args)?,
            };
            if stdout {
                return output::to_stdout(text.as_bytes());
            }
            output::write_file(&target, &text)?;
            println!("wrote {}", target.display());
            return Ok(());
        }
    };
    match graphviz::draw(&dot, image) {
        Ok(bytes) if stdout => output::to_stdout(&bytes),
        Ok(bytes) => {
            match image {
                Image::Svg => output::write_file(&target, &String::from_utf8_lossy(&bytes))?,
                Image::Png => crate::output::write_bytes(&target, &bytes)?,
            }
            println!("wrote {}", target.display());
            Ok(())
        }
        Err(e) if stdout => {
            let advice = match e {
                DotError::Missing => format!("; {INSTALL_HINT}, or write the DOT with -f dot"),
                DotError::Failed(_) => String::new(),
            };
            Err(anyhow::anyhow!("cannot draw the diagram: {e}{advice}"))
        }
        Err(e) => {
            let dot_path = target.with_extension("dot");
            output::write_file(&dot_path, &dot)?;
            let advice = match e {
                DotError::Missing => format!("; {INSTALL_HINT} and run again"),
                DotError::Failed(_) => String::new(),
            };
            Err(anyhow::anyhow!(
                "cannot draw {}: {e}{advice}. The DOT source is in {} (draw it later with `dot -T{extension} {} -o {}`)",
                target.display(),
                dot_path.display(),
                dot_path.display(),
                target.display()
            ))
        }
    }
}

/// The architecture-as-code export of the service diagram: Mermaid, Structurizr DSL or
/// C4-PlantUML. They draw the node-link picture only, never one service's detail or the matrix.
fn export(plan: &planner::Plan, format: RenderFormat, args: &RenderArgs) -> Result<String> {
    if args.service.is_some() {
        return Err(crate::input::bad_input(
            "--service draws one service's detail as SVG, PNG or DOT only; leave out --service for the service diagram as Mermaid, Structurizr or PlantUML".to_string(),
        ));
    }
    if args.view == DiagramView::Matrix {
        return Err(crate::input::bad_input(
            "--view matrix is drawn as SVG, PNG or DOT only; Mermaid, Structurizr and PlantUML get the services and links".to_string(),
        ));
    }
    let options = diagram_options(args)?;
    Ok(match format {
        RenderFormat::Mermaid => planner::render::mermaid(plan, &options),
        RenderFormat::Structurizr => planner::render::structurizr(plan, &options),
        _ => planner::render::plantuml(plan, &options),
    })
}

/// The service named by `query`: its id, its name, or its name in any case.
fn find_service<'p>(plan: &'p planner::Plan, query: &str) -> Result<&'p planner::Service> {
    let lower = query.to_lowercase();
    let found = plan
        .clusters
        .iter()
        .find(|s| s.id == query || s.name == query)
        .or_else(|| {
            plan.clusters
                .iter()
                .find(|s| s.name.to_lowercase() == lower)
        });
    if let Some(s) = found {
        return Ok(s);
    }
    let mut scored: Vec<(f64, &planner::Service)> = plan
        .clusters
        .iter()
        .map(|s| {
            let score = analyzer::similarity(&lower, &s.name.to_lowercase())
                .max(analyzer::similarity(&lower, &s.id.to_lowercase()));
            (score, s)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    let closest: Vec<String> = scored
        .iter()
        .take(SUGGESTIONS)
        .map(|(_, s)| format!("{} ({})", s.name, s.id))
        .collect();
    let hint = if closest.is_empty() {
        "the plan has no services".to_string()
    } else {
        format!("closest: {}", closest.join(", "))
    };
    Err(anyhow::Error::new(BadInput(format!(
        "no service named {query:?} in the plan; {hint}"
    ))))
}

/// The call graph behind the plan: `--input`, else the input the plan records.
fn graph_path(plan: &planner::Plan, plan_file: &Path, given: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    if crate::input::is_stdin(plan_file) {
        return Err(crate::input::bad_input(
            "the plan was read from standard input, so the input it records cannot be located: give the call graph it was made from with --input".to_string(),
        ));
    }
    let recorded = plan.source.as_ref().and_then(|s| s.input.as_ref());
    match recorded.map(|p| (p, crate::commands::plan::recorded_path(plan_file, p))) {
        Some((_, at)) if at.exists() => Ok(at),
        Some((p, at)) => Err(anyhow::Error::new(BadInput(format!(
            "the plan's input {p} ({}) no longer exists: give the call graph with --input",
            at.display()
        )))),
        None => Err(anyhow::Error::new(BadInput(
            "the plan records no input: give the call graph it was made from with --input"
                .to_string(),
        ))),
    }
}

/// A file name for a service: its name with anything but letters, digits, `-`, `_` and `.`
/// replaced, or its id when nothing is left.
fn file_stem(name: &str, id: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches(|c| c == '-' || c == '.').to_string();
    if cleaned.is_empty() {
        id.to_string()
    } else {
        cleaned.chars().take(80).collect()
    }
}
