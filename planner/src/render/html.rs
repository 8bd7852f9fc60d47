//! `plan.html`: one self-contained page (inline CSS and vanilla JS, no network) with the diagram,
//! a sortable, filterable table of services, search by node name, the metrics, cost and notes.
//! Every name from the input is HTML-escaped; the members JSON cannot break out of its script.

use std::fmt::Write;

use serde_json::json;

use super::{plural, thousands};
use crate::plan::{Label, Plan};

/// Most node names embedded for the search box; a bigger plan says how many were left out.
pub const MAX_SEARCH_NODES: usize = 200_000;

/// The plan as one HTML page. `svg` is the diagram as Graphviz drew it; without it the page says
/// how to install Graphviz and shows the DOT source. Pure and deterministic.
///
/// # Complexity
/// O(K + N) for K services and N members (the search index holds at most
/// [`MAX_SEARCH_NODES`] names).
pub fn html(plan: &Plan, svg: Option<&str>) -> String {
    crate::render::written(|h| {
        h.reserve(64 * 1024);
        let ms = plan
            .clusters
            .iter()
            .filter(|s| s.label == Label::Microservice)
            .count();
        let title = format!(
            "cleave plan: {} ({}, {})",
            plural(plan.clusters.len(), "service"),
            plural(ms, "microservice"),
            plural(plan.clusters.len() - ms, "function")
        );
        write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n",
            esc(&title),
            esc(&title)
        )?;
        writeln!(
            h,
            "<p>{} nodes, {} calls, {} modules, {} entry points. Monthly cost of this plan: \
             <strong>${:.2}</strong> (all microservices ${:.2}; all functions ${:.2}).</p>",
            thousands(plan.input.nodes as f64),
            thousands(plan.input.edges as f64),
            thousands(plan.input.modules as f64),
            thousands(plan.input.entry_points as f64),
            plan.cost.plan_monthly_usd,
            plan.cost.all_microservices_monthly_usd,
            plan.cost.all_functions_monthly_usd
        )?;
        h.push_str(
            "<nav><a href=\"#diagram\">Diagram</a> <a href=\"#services\">Services</a> \
             <a href=\"#search\">Search</a> <a href=\"#calls\">Calls</a> \
             <a href=\"#stores\">Data stores</a> <a href=\"#shared\">Shared code</a> \
             <a href=\"#metrics\">Metrics</a> <a href=\"#notes\">Notes</a></nav>\n</header>\n<main>\n",
        );
        diagram(h, plan, svg)?;
        detail_panel(h);
        services(h, plan)?;
        search(h, plan)?;
        calls(h, plan)?;
        stores(h, plan)?;
        shared(h, plan)?;
        metrics(h, plan)?;
        notes(h, plan)?;
        h.push_str("<pre id=\"selftest\" hidden></pre>\n</main>\n");
        write!(
            h,
            "<script type=\"application/json\" id=\"members\">{}</script>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n",
            members_json(plan)
        )?;
        Ok(())
    })
}

fn diagram(h: &mut String, plan: &Plan, svg: Option<&str>) -> std::fmt::Result {
    h.push_str("<section id=\"diagram\">\n<h2>Diagram</h2>\n");
    match svg.and_then(|s| s.find("<svg").map(|at| &s[at..])) {
        Some(svg) => {
            h.push_str(
                "<div class=\"controls\"><button type=\"button\" id=\"zoom-in\" title=\"Zoom in (+)\">+</button>\
                 <button type=\"button\" id=\"zoom-out\" title=\"Zoom out (-)\">&minus;</button>\
                 <button type=\"button\" id=\"zoom-fit\" title=\"Whole diagram (0)\">fit</button>\
                 <button type=\"button\" id=\"zoom-actual\" title=\"Actual size (1)\">1:1</button>\
                 <span class=\"hint\">Drag to pan, wheel or +/&minus; to zoom; click a service to see its members.</span>\
                 <span id=\"zoom-level\"></span></div>\n\
                 <div class=\"viewport\" id=\"viewport\" tabindex=\"0\" aria-label=\"Service diagram: drag to pan, wheel to zoom\">\
                 <div id=\"canvas\">\n",
            );
            h.push_str(svg.trim_end());
            h.push_str("\n</div></div>\n");
        }
        None => {
            writeln!(
                h,
                "<p class=\"note\">Graphviz's <code>dot</code> was not available when this page was \
                 written, so the diagram is not drawn. Install Graphviz (<code>apt-get install \
                 graphviz</code>, <code>brew install graphviz</code>) and plan again, or render \
                 the DOT source below with <code>dot -Tsvg</code>.</p>\n<pre class=\"dot\">{}</pre>",
                esc(&super::dot(plan))
            )?;
        }
    }
    h.push_str("</section>\n");
    Ok(())
}

fn services(h: &mut String, plan: &Plan) -> std::fmt::Result {
    h.push_str(
        "<section id=\"services\">\n<h2>Services</h2>\n<div class=\"controls\">\
         <input type=\"search\" id=\"filter\" placeholder=\"Filter services…\" aria-label=\"Filter services\">\
         <select id=\"label-filter\" aria-label=\"Label\"><option value=\"\">all labels</option>\
         <option value=\"microservice\">microservice</option><option value=\"function\">function</option>\
         </select> <span id=\"shown\"></span></div>\n<table id=\"services-table\">\n<thead><tr>",
    );
    let heads = [
        ("id", "text"),
        ("name", "text"),
        ("label", "text"),
        ("members", "num"),
        ("function $/month", "num"),
        ("microservice $/month", "num"),
        ("confidence", "num"),
        ("rationale", "text"),
    ];
    for (name, kind) in heads {
        write!(
            h,
            "<th data-type=\"{kind}\" data-key=\"{}\" tabindex=\"0\">{name}</th>",
            name.split(' ').next().unwrap_or(name)
        )?;
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (i, s) in plan.clusters.iter().enumerate() {
        writeln!(
            h,
            "<tr id=\"svc-{id}\" data-i=\"{i}\" data-label=\"{label}\"><td>{id}</td>\
             <td><a href=\"#svc-{id}\" class=\"svc\" data-service=\"{id}\">{name}</a></td>\
             <td class=\"{label}\">{label}</td><td class=\"n\" data-v=\"{size}\">{size}</td>\
             <td class=\"n\" data-v=\"{f}\">{f:.2}</td><td class=\"n\" data-v=\"{m}\">{m:.2}</td>\
             <td class=\"n\" data-v=\"{score}\">{score:.2} {basis}</td><td>{why}</td></tr>",
            id = esc(&s.id),
            name = esc(&s.name),
            label = s.label.as_str(),
            size = s.size,
            f = s.cost.function_monthly_usd,
            m = s.cost.microservice_monthly_usd,
            score = s.confidence.score,
            basis = s.confidence.basis,
            why = esc(&s.rationale.summary),
        )?;
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
    Ok(())
}

/// Most rows of each list table (calls, shared code, unreachable nodes); plan.json has them all.
pub const MAX_TABLE_ROWS: usize = 500;

/// The panel that shows the selected service: filled by the script from the JSON block.
fn detail_panel(h: &mut String) {
    h.push_str(
        "<section id=\"service-detail\" hidden>\n<h2 id=\"detail-title\"></h2>\n\
         <p id=\"detail-summary\"></p>\n<ul id=\"detail-reasons\"></ul>\n\
         <p id=\"detail-facts\"></p>\n<p id=\"detail-calls\"></p>\n\
         <div class=\"controls\"><input type=\"search\" id=\"member-filter\" \
         placeholder=\"Filter members…\" aria-label=\"Filter members\"> <span id=\"member-count\"></span></div>\n\
         <ol id=\"detail-members\"></ol>\n</section>\n",
    );
}

/// A note under a capped table: how many rows are not shown.
fn capped(h: &mut String, total: usize, what: &str) -> std::fmt::Result {
    if total > MAX_TABLE_ROWS {
        writeln!(
            h,
            "<p class=\"note\">The first {} of {} {what} are listed; plan.json has them all.</p>",
            thousands(MAX_TABLE_ROWS as f64),
            thousands(total as f64)
        )?;
    }
    Ok(())
}

/// Service names by id.
fn names(plan: &Plan) -> std::collections::HashMap<&str, &str> {
    plan.clusters
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect()
}

/// A service named by id, as a link to its details: `s3 orders`.
fn service_link(names: &std::collections::HashMap<&str, &str>, id: &str) -> String {
    format!(
        "<a href=\"#svc-{id}\" class=\"svc\" data-service=\"{id}\">{id} {name}</a>",
        id = esc(id),
        name = esc(names.get(id).copied().unwrap_or(""))
    )
}

/// Calls between services, and calls into shared code, as sortable tables.
fn calls(h: &mut String, plan: &Plan) -> std::fmt::Result {
    h.push_str("<section id=\"calls\">\n<h2>Calls between services</h2>\n");
    if plan.cross_calls.is_empty() {
        h.push_str("<p>None: no service calls another.</p>\n");
    } else {
        h.push_str(
            "<table class=\"sortable\" id=\"calls-table\">\n<thead><tr><th data-type=\"text\">from</th>\
             <th data-type=\"text\">to</th><th data-type=\"num\">calls/day</th>\
             <th data-type=\"num\">sync weight</th><th data-type=\"num\">async weight</th>\
             <th data-type=\"num\">links</th></tr></thead>\n<tbody>\n",
        );
        let names = names(plan);
        let link = |id: &str| service_link(&names, id);
        for (i, c) in plan.cross_calls.iter().take(MAX_TABLE_ROWS).enumerate() {
            writeln!(
                h,
                "<tr data-i=\"{i}\"><td>{}</td><td>{}</td><td class=\"n\" data-v=\"{}\">{}</td>\
                 <td class=\"n\" data-v=\"{}\">{}</td><td class=\"n\" data-v=\"{}\">{}</td>\
                 <td class=\"n\" data-v=\"{}\">{}</td></tr>",
                link(&c.from),
                link(&c.to),
                c.calls_per_day,
                thousands(c.calls_per_day),
                c.sync_weight,
                thousands(c.sync_weight),
                c.async_weight,
                thousands(c.async_weight),
                c.edges,
                c.edges
            )?;
        }
        h.push_str("</tbody>\n</table>\n");
        capped(h, plan.cross_calls.len(), "pairs")?;
    }
    h.push_str(
        "<h3>Calls into shared code</h3>\n<p>Shared code ships as a library in every service that \
         uses it, so these calls stay in process: they are not traffic between services.</p>\n",
    );
    if plan.library_calls.is_empty() {
        h.push_str("<p>None.</p>\n");
    } else {
        h.push_str(
            "<table class=\"sortable\" id=\"library-table\">\n<thead><tr><th data-type=\"text\">service</th>\
             <th data-type=\"num\">calls/day</th><th data-type=\"num\">shared functions called</th>\
             <th data-type=\"num\">links</th></tr></thead>\n<tbody>\n",
        );
        let names = names(plan);
        for (i, c) in plan.library_calls.iter().take(MAX_TABLE_ROWS).enumerate() {
            writeln!(
                h,
                "<tr data-i=\"{i}\"><td>{}</td><td class=\"n\" data-v=\"{}\">{}</td>\
                 <td class=\"n\" data-v=\"{}\">{}</td><td class=\"n\" data-v=\"{}\">{}</td></tr>",
                service_link(&names, &c.service),
                c.calls_per_day,
                thousands(c.calls_per_day),
                c.shared_nodes,
                c.shared_nodes,
                c.edges,
                c.edges
            )?;
        }
        h.push_str("</tbody>\n</table>\n");
        capped(h, plan.library_calls.len(), "services")?;
    }
    h.push_str("</section>\n");
    Ok(())
}

/// The data stores with their users, shared ones first and flagged.
fn stores(h: &mut String, plan: &Plan) -> std::fmt::Result {
    h.push_str("<section id=\"stores\">\n<h2>Data stores</h2>\n");
    if plan.data_stores.is_empty() {
        h.push_str("<p>None: the call graph names no resources.</p>\n</section>\n");
        return Ok(());
    }
    let shared = plan.data_stores.iter().filter(|d| d.shared).count();
    if shared > 0 {
        writeln!(
            h,
            "<p class=\"note\">{} used by several services: each couples its users (each service \
             should own its data).</p>",
            if shared == 1 {
                "1 store is".to_string()
            } else {
                format!("{shared} stores are")
            }
        )?;
    }
    h.push_str(
        "<table class=\"sortable\" id=\"stores-table\">\n<thead><tr><th data-type=\"text\">store</th>\
         <th data-type=\"text\">kind</th><th data-type=\"num\">services</th><th data-type=\"text\">used by</th>\
         </tr></thead>\n<tbody>\n",
    );
    let mut order: Vec<&crate::plan::DataStore> = plan.data_stores.iter().collect();
    order.sort_by_key(|d| std::cmp::Reverse(d.services.len()));
    let names = names(plan);
    for (i, d) in order.iter().take(MAX_TABLE_ROWS).enumerate() {
        let users: Vec<String> = d
            .services
            .iter()
            .map(|id| service_link(&names, id))
            .collect();
        writeln!(
            h,
            "<tr data-i=\"{i}\"{}><td><code>{}</code>{}</td><td>{}</td><td class=\"n\" data-v=\"{n}\">{n}</td><td>{}</td></tr>",
            if d.shared { " class=\"shared\"" } else { "" },
            esc(&d.name),
            if d.shared {
                " <strong>shared</strong>"
            } else {
                ""
            },
            esc(&d.kind),
            users.join(", "),
            n = d.services.len()
        )?;
    }
    h.push_str("</tbody>\n</table>\n");
    capped(h, plan.data_stores.len(), "stores")?;
    h.push_str("</section>\n");
    Ok(())
}

/// Shared code, unreachable and isolated nodes.
fn shared(h: &mut String, plan: &Plan) -> std::fmt::Result {
    h.push_str("<section id=\"shared\">\n<h2>Shared code</h2>\n");
    if plan.shared_code.is_empty() {
        h.push_str("<p>None.</p>\n");
    } else {
        h.push_str(
            "<table class=\"sortable\" id=\"shared-table\">\n<thead><tr><th data-type=\"text\">node</th>\
             <th data-type=\"text\">placed in</th><th data-type=\"num\">callers</th>\
             <th data-type=\"num\">caller modules</th><th data-type=\"num\">caller services</th></tr></thead>\n<tbody>\n",
        );
        let names = names(plan);
        for (i, c) in plan.shared_code.iter().take(MAX_TABLE_ROWS).enumerate() {
            writeln!(
                h,
                "<tr data-i=\"{i}\"><td><code>{}</code></td><td>{}</td><td class=\"n\" data-v=\"{a}\">{a}</td>\
                 <td class=\"n\" data-v=\"{b}\">{b}</td><td class=\"n\" data-v=\"{c}\">{c}</td></tr>",
                esc(&c.id),
                service_link(&names, &c.service),
                a = c.callers,
                b = c.caller_modules,
                c = c.caller_services
            )?;
        }
        h.push_str("</tbody>\n</table>\n");
        capped(h, plan.shared_code.len(), "shared nodes")?;
    }
    for (id, title, list, what) in [
        (
            "unreachable",
            "Unreachable",
            &plan.unreachable,
            "No entry point reaches these nodes: dead code, or entry points the input does not declare.",
        ),
        (
            "isolated",
            "Isolated",
            &plan.isolated,
            "These nodes have no call at all; they were placed by module proximity.",
        ),
    ] {
        writeln!(
            h,
            "<h3 id=\"{id}\">{title} ({})</h3>",
            thousands(list.len() as f64)
        )?;
        if list.is_empty() {
            h.push_str("<p>None.</p>\n");
            continue;
        }
        writeln!(h, "<p>{what}</p>\n<ul class=\"nodes\">")?;
        for n in list.iter().take(MAX_TABLE_ROWS) {
            writeln!(h, "<li><code>{}</code></li>", esc(n))?;
        }
        h.push_str("</ul>\n");
        capped(h, list.len(), "nodes")?;
    }
    h.push_str("</section>\n");
    Ok(())
}

fn search(h: &mut String, plan: &Plan) -> std::fmt::Result {
    h.push_str(
        "<section id=\"search\">\n<h2>Search nodes</h2>\n<div class=\"controls\">\
         <input type=\"search\" id=\"node-search\" placeholder=\"Node name…\" aria-label=\"Search nodes\">\
         <span id=\"found\"></span></div>\n<ul id=\"search-results\"></ul>\n",
    );
    let total: usize = plan.clusters.iter().map(|s| s.members.len()).sum();
    if total > MAX_SEARCH_NODES {
        writeln!(
            h,
            "<p class=\"note\">Search covers the first {} of {} nodes (plan.json has them all).</p>",
            thousands(MAX_SEARCH_NODES as f64),
            thousands(total as f64)
        )?;
    }
    h.push_str("</section>\n");
    Ok(())
}

fn metrics(h: &mut String, plan: &Plan) -> std::fmt::Result {
    let m = &plan.metrics;
    h.push_str("<section id=\"metrics\">\n<h2>Metrics</h2>\n<table class=\"metrics\">\n");
    h.push_str("<tr><th>metric</th><th>value</th><th>better</th><th>what it measures</th></tr>\n");
    let rows = [
        (
            "Services",
            format!("{}", m.services),
            "—",
            "how many services the plan proposes",
        ),
        (
            "Modularity Q",
            format!("{:.4}", m.modularity),
            "higher",
            "how much more call weight stays inside services than a random split of the same graph would keep (0 random, above 0.3 clear structure)",
        ),
        (
            "Structural modularity SM",
            format!("{:.4}", m.structural_modularity),
            "higher",
            "calls inside each service relative to its size, minus calls between each pair of services relative to theirs",
        ),
        (
            "Inter-call percentage ICP",
            format!("{:.4}", m.inter_call_percentage),
            "lower",
            "the share of all call weight that crosses a service boundary (a network hop once split)",
        ),
        (
            "Interface number IFN",
            format!("{:.2}", m.interface_number),
            "lower",
            "members called from another service, per service: the size of the APIs the services must publish",
        ),
        (
            "Non-extreme distribution NED",
            format!("{:.4}", m.non_extreme_distribution),
            "lower",
            "the share of members in services that are not of a workable size (5 to 20 members): too small or too big",
        ),
    ];
    for (name, value, better, what) in rows {
        writeln!(
            h,
            "<tr><td>{name}</td><td class=\"n\">{value}</td><td>{better}</td><td>{what}</td></tr>"
        )?;
    }
    h.push_str("</table>\n<table class=\"metrics\">\n<tr><th>monthly cost</th><th>USD</th></tr>\n");
    for (name, v) in [
        ("this plan", plan.cost.plan_monthly_usd),
        ("all microservices", plan.cost.all_microservices_monthly_usd),
        (
            "all functions (ignoring hard limits)",
            plan.cost.all_functions_monthly_usd,
        ),
    ] {
        writeln!(h, "<tr><td>{name}</td><td class=\"n\">{v:.2}</td></tr>")?;
    }
    h.push_str("</table>\n");
    writeln!(
        h,
        "<p>Shared code: {}. Unreachable from any entry point: {}. Isolated: {}.</p>",
        plural(plan.shared_code.len(), "node"),
        plural(plan.unreachable.len(), "node"),
        plural(plan.isolated.len(), "node")
    )?;
    if let Some(t) = &plan.traces {
        writeln!(
            h,
            "<p>Traces: {} spans in {} from {}; {} of {} operations matched a node.</p>",
            thousands(t.spans as f64),
            plural(t.traces, "trace"),
            plural(t.files, "file"),
            t.matched_operations,
            t.operations
        )?;
    }
    h.push_str("</section>\n");
    Ok(())
}

fn notes(h: &mut String, plan: &Plan) -> std::fmt::Result {
    h.push_str("<section id=\"notes\">\n<h2>Notes</h2>\n");
    if plan.notes.is_empty() {
        h.push_str("<p>None.</p>\n");
    } else {
        h.push_str("<ul>\n");
        for n in &plan.notes {
            writeln!(h, "<li>{}</li>", esc(n))?;
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
    Ok(())
}

/// The search index: `[{id, name, label, members: [...]}, …]` in plan order, safe inside a
/// `<script>` element (`<`, `>` and `&` written as JSON `\u` escapes).
fn members_json(plan: &Plan) -> String {
    let mut budget = MAX_SEARCH_NODES;
    let services: Vec<serde_json::Value> = plan
        .clusters
        .iter()
        .map(|s| {
            let take = s.members.len().min(budget);
            budget -= take;
            json!({
                "id": s.id, "name": s.name, "label": s.label.as_str(), "size": s.size,
                "summary": s.rationale.summary, "reasons": s.rationale.reasons,
                "limits": s.rationale.hard_limits,
                "weighing": super::weighing(&s.rationale.factors)
                    .map(|w| format!("weighing: {w}")),
                "entries": s.entry_points.iter().map(|e| format!("{} ({})", e.id, e.trigger)).collect::<Vec<_>>(),
                "resources": s.resources, "cost": s.cost.chosen_monthly_usd,
                "confidence": format!("{} {:.2}", s.confidence.basis, s.confidence.score),
                "members": &s.members[..take],
            })
        })
        .collect();
    script_safe(&serde_json::Value::Array(services).to_string())
}

/// JSON text that cannot end or comment its `<script>` element.
pub(crate) fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's style: system fonts, a readable table, nothing fetched.
const STYLE: &str = r##"body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
  margin: 0; color: #1f2328; background: #fff; }
header { padding: 16px 24px 8px; border-bottom: 1px solid #d0d7de; background: #f6f8fa; }
header h1 { font-size: 20px; margin: 0 0 4px; }
nav a { margin-right: 14px; color: #0969da; text-decoration: none; }
main { padding: 8px 24px 32px; max-width: 1600px; }
h2 { font-size: 17px; margin: 24px 0 8px; border-bottom: 1px solid #eaeef2; padding-bottom: 4px; }
.viewport { position: relative; overflow: hidden; height: 72vh; border: 1px solid #d0d7de; border-radius: 6px;
  background: #fff; cursor: grab; touch-action: none; }
.viewport:focus { outline: 2px solid #0969da55; }
.viewport.dragging { cursor: grabbing; }
#canvas { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
#canvas svg { display: block; }
#diagram g.node.service { cursor: pointer; }
#diagram g.node.selected polygon, #diagram g.node.selected path { stroke: #cf222e; stroke-width: 3px; }
button { font: inherit; padding: 2px 10px; border: 1px solid #d0d7de; border-radius: 6px; background: #f6f8fa; cursor: pointer; }
.hint, #zoom-level, #member-count, #shown, #found { color: #57606a; }
#service-detail { border: 1px solid #d0d7de; border-radius: 6px; padding: 4px 16px 12px; margin-top: 16px; background: #fbfcfd; }
#service-detail h2 { border: 0; }
#detail-members { columns: 2 360px; font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; }
tr.shared td { background: #fde8e8; }
ul.nodes { columns: 2 360px; font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.controls { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; }
input[type=search], select { font: inherit; padding: 4px 8px; border: 1px solid #d0d7de; border-radius: 6px; }
input[type=search] { width: 280px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
thead th { position: sticky; top: 0; background: #f6f8fa; cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort=ascending]::after { content: " \25B2"; }
th[aria-sort=descending]::after { content: " \25BC"; }
th[data-type=num] { text-align: right; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.microservice { color: #0550ae; } td.function { color: #953800; }
tbody tr:hover { background: #f6f8fa; }
tr:target, tr.selected { background: #fff8c5; }
table.metrics { width: auto; display: inline-table; margin-right: 32px; vertical-align: top; }
#search-results { padding-left: 20px; } #search-results code { background: #f6f8fa; padding: 0 4px; }
.note { background: #fff8c5; border: 1px solid #d4a72c66; padding: 8px 12px; border-radius: 6px; }
pre { background: #f6f8fa; padding: 8px; overflow: auto; max-height: 50vh; }
"##;

/// The page's behaviour: sorting and filtering tables, searching nodes, panning and zooming the
/// diagram, showing a service's details when it is clicked (in the diagram or a table), and the
/// `#selftest` mode that exercises all of it and writes what it saw into `<pre id=selftest>`.
const SCRIPT: &str = r##"(function () {
  "use strict";
  var services = JSON.parse(document.getElementById("members").textContent);
  var byId = {};
  services.forEach(function (s) { byId[s.id] = s; });

  // Sorting: a click on a header of any sortable table (numbers by data-v), again to reverse.
  function value(row, col, numeric) {
    var cell = row.cells[col];
    var v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
    return numeric ? parseFloat(v) : v;
  }
  function sortable(table) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    function sortBy(col) {
      var th = heads[col];
      var numeric = th.getAttribute("data-type") === "num";
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = value(a, col, numeric), y = value(b, col, numeric);
        var c = numeric ? x - y : String(x).localeCompare(String(y), "en", { numeric: true });
        return c * dir || a.getAttribute("data-i") - b.getAttribute("data-i");
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    heads.forEach(function (th, col) {
      th.tabIndex = 0;
      th.addEventListener("click", function () { sortBy(col); });
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sortBy(col); } });
    });
    return { rows: rows, heads: heads };
  }
  var table = sortable(document.getElementById("services-table"));
  var rows = table.rows, heads = table.heads;
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), sortable);

  var filter = document.getElementById("filter");
  var labelFilter = document.getElementById("label-filter");
  var shown = document.getElementById("shown");
  function applyFilter() {
    var q = filter.value.trim().toLowerCase(), label = labelFilter.value, n = 0;
    rows.forEach(function (r) {
      var ok = (!label || r.getAttribute("data-label") === label) &&
        (!q || r.textContent.toLowerCase().indexOf(q) >= 0);
      r.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = "showing " + n + " of " + rows.length;
  }
  filter.addEventListener("input", applyFilter);
  labelFilter.addEventListener("change", applyFilter);
  applyFilter();

  // The selected service: its details, its row marked, its node outlined.
  var panel = document.getElementById("service-detail");
  var memberFilter = document.getElementById("member-filter");
  var memberList = document.getElementById("detail-members");
  var memberCount = document.getElementById("member-count");
  var selected = null;
  var MAX_MEMBERS_SHOWN = 500;
  function text(id, value) { document.getElementById(id).textContent = value; }
  function listMembers() {
    if (!selected) { return; }
    var q = memberFilter.value.trim().toLowerCase(), n = 0, shownNow = 0;
    memberList.textContent = "";
    selected.members.forEach(function (m) {
      if (q && m.toLowerCase().indexOf(q) < 0) { return; }
      n += 1;
      if (shownNow < MAX_MEMBERS_SHOWN) {
        var li = document.createElement("li");
        li.textContent = m;
        memberList.appendChild(li);
        shownNow += 1;
      }
    });
    var more = selected.size > selected.members.length ? " (the page holds " + selected.members.length +
      " of " + selected.size + "; plan.json has all)" : "";
    memberCount.textContent = n + " of " + selected.members.length + " members" +
      (n > shownNow ? ", first " + shownNow + " listed" : "") + more;
  }
  function callsOf(id) {
    var out = 0, inn = 0;
    Array.prototype.forEach.call(document.querySelectorAll("#calls-table tbody tr"), function (r) {
      var a = r.cells[0].querySelector("a"), b = r.cells[1].querySelector("a");
      if (a && a.getAttribute("data-service") === id) { out += 1; }
      if (b && b.getAttribute("data-service") === id) { inn += 1; }
    });
    return "Calls " + out + " service" + (out === 1 ? "" : "s") + " and is called by " + inn +
      " (see Calls between services).";
  }
  function select(id, scroll) {
    var s = byId[id];
    if (!s) { return false; }
    selected = s;
    panel.hidden = false;
    rows.forEach(function (r) { r.classList.toggle("selected", r.id === "svc-" + id); });
    text("detail-title", s.id + " " + s.name + ": " + s.label);
    text("detail-summary", s.summary);
    var reasons = document.getElementById("detail-reasons");
    reasons.textContent = "";
    s.limits.concat(s.reasons, s.weighing ? [s.weighing] : []).forEach(function (r) {
      var li = document.createElement("li"); li.textContent = r; reasons.appendChild(li);
    });
    text("detail-facts", "$" + s.cost.toFixed(2) + "/month · confidence " + s.confidence +
      " · entry points: " + (s.entries.length ? s.entries.join(", ") : "none") +
      " · data stores: " + (s.resources.length ? s.resources.join(", ") : "none"));
    text("detail-calls", callsOf(id));
    memberFilter.value = "";
    listMembers();
    Array.prototype.forEach.call(document.querySelectorAll("#diagram g.node"), function (g) {
      g.classList.toggle("selected", g.getAttribute("data-service") === id);
    });
    if (scroll && panel.scrollIntoView) { panel.scrollIntoView({ block: "nearest" }); }
    return true;
  }
  function show(id) {
    if (history.replaceState) { history.replaceState(null, "", "#svc-" + id); }
    select(id, true);
  }
  memberFilter.addEventListener("input", listMembers);
  function fromHash() {
    var h = decodeURIComponent(location.hash.slice(1));
    if (h.indexOf("svc-") === 0) { select(h.slice(4), true); }
  }
  window.addEventListener("hashchange", fromHash);
  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a.svc") : null;
    if (a) {
      e.preventDefault();
      filter.value = ""; labelFilter.value = ""; applyFilter();
      show(a.getAttribute("data-service"));
    }
  });

  // The diagram: pan by dragging, zoom with the wheel (around the pointer), the buttons or keys;
  // a click on a service (not a drag) selects it.
  var viewport = document.getElementById("viewport");
  var canvas = document.getElementById("canvas");
  var view = { x: 0, y: 0, k: 1 };
  var svg = canvas ? canvas.querySelector("svg") : null;
  var natural = { w: 1, h: 1 };
  function apply() {
    canvas.style.transform = "translate(" + view.x + "px," + view.y + "px) scale(" + view.k + ")";
    text("zoom-level", Math.round(view.k * 100) + "%");
  }
  function zoomAt(factor, cx, cy) {
    var k = Math.min(8, Math.max(0.02, view.k * factor));
    view.x = cx - (cx - view.x) * (k / view.k);
    view.y = cy - (cy - view.y) * (k / view.k);
    view.k = k;
    apply();
  }
  function fitView() {
    var w = viewport.clientWidth, h = viewport.clientHeight;
    view.k = Math.min(1, w / natural.w, h / natural.h);
    view.x = (w - natural.w * view.k) / 2;
    view.y = Math.max(0, (h - natural.h * view.k) / 2);
    apply();
  }
  if (svg) {
    natural.w = svg.width.baseVal.value || svg.getBoundingClientRect().width || 1;
    natural.h = svg.height.baseVal.value || svg.getBoundingClientRect().height || 1;
    Array.prototype.forEach.call(svg.querySelectorAll("g.node"), function (g) {
      var t = g.querySelector("title");
      var id = t ? t.textContent : "";
      if (byId[id]) {
        g.setAttribute("data-service", id);
        g.classList.add("service");
      }
    });
    fitView();
    var drag = null;
    viewport.addEventListener("pointerdown", function (e) {
      drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
      viewport.classList.add("dragging");
    });
    window.addEventListener("pointermove", function (e) {
      if (!drag) { return; }
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; }
      view.x = drag.vx + dx; view.y = drag.vy + dy; apply();
    });
    window.addEventListener("pointerup", function (e) {
      if (!drag) { return; }
      var moved = drag.moved;
      drag = null;
      viewport.classList.remove("dragging");
      if (moved) { return; }
      var g = e.target.closest ? e.target.closest("g.node.service") : null;
      if (g) { show(g.getAttribute("data-service")); }
    });
    viewport.addEventListener("wheel", function (e) {
      e.preventDefault();
      var r = viewport.getBoundingClientRect();
      zoomAt(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    function centre(factor) { zoomAt(factor, viewport.clientWidth / 2, viewport.clientHeight / 2); }
    document.getElementById("zoom-in").addEventListener("click", function () { centre(1.25); });
    document.getElementById("zoom-out").addEventListener("click", function () { centre(0.8); });
    document.getElementById("zoom-fit").addEventListener("click", fitView);
    document.getElementById("zoom-actual").addEventListener("click", function () {
      view.k = 1; view.x = 0; view.y = 0; apply();
    });
    viewport.addEventListener("keydown", function (e) {
      if (e.key === "+" || e.key === "=") { centre(1.25); }
      else if (e.key === "-") { centre(0.8); }
      else if (e.key === "0") { fitView(); }
      else if (e.key === "1") { view.k = 1; view.x = 0; view.y = 0; apply(); }
    });
  }

  var search = document.getElementById("node-search");
  var results = document.getElementById("search-results");
  var found = document.getElementById("found");
  function runSearch() {
    var q = search.value.trim().toLowerCase(), hits = [], total = 0;
    results.textContent = "";
    if (q) {
      services.forEach(function (s) {
        s.members.forEach(function (m) {
          if (m.toLowerCase().indexOf(q) >= 0) {
            total += 1;
            if (hits.length < 50) { hits.push([m, s]); }
          }
        });
      });
    }
    hits.forEach(function (hit) {
      var li = document.createElement("li"), code = document.createElement("code");
      var a = document.createElement("a");
      code.textContent = hit[0];
      a.href = "#svc-" + hit[1].id;
      a.className = "svc";
      a.setAttribute("data-service", hit[1].id);
      a.textContent = hit[1].id + " " + hit[1].name + " (" + hit[1].label + ")";
      li.appendChild(code); li.appendChild(document.createTextNode(" \u2192 ")); li.appendChild(a);
      results.appendChild(li);
    });
    found.textContent = q ? total + " found" + (total > hits.length ? ", first 50 listed" : "") : "";
  }
  search.addEventListener("input", runSearch);

  function visibleColumn(col) {
    return rows.filter(function (r) { return !r.hidden; })
      .map(function (r) { return r.cells[col].getAttribute("data-v") || r.cells[col].textContent; });
  }
  function fire(target, type, x, y) {
    target.dispatchEvent(new PointerEvent(type, { bubbles: true, clientX: x, clientY: y, pointerId: 1 }));
  }
  function selftest(query) {
    var out = [], members = heads.map(function (h) { return h.getAttribute("data-key"); }).indexOf("members");
    out.push("table: " + (rows.length ? "present " + rows.length + " rows" : "missing"));
    out.push("diagram svg: " + (svg ? "present" : "missing"));
    heads[members].click();
    out.push("sort members ascending: " + visibleColumn(members).join(","));
    heads[members].click();
    out.push("sort members descending: " + visibleColumn(members).join(","));
    heads[0].click();
    out.push("sort id ascending: " + visibleColumn(0).join(","));
    labelFilter.value = "function"; labelFilter.dispatchEvent(new Event("change"));
    out.push("filter label function: " + visibleColumn(0).join(","));
    labelFilter.value = ""; filter.value = "~no such service~";
    filter.dispatchEvent(new Event("input"));
    out.push("filter text nothing: " + visibleColumn(0).length + " rows");
    filter.value = ""; filter.dispatchEvent(new Event("input"));
    search.value = query; search.dispatchEvent(new Event("input"));
    out.push("search " + query + ": " + Array.prototype.map.call(results.querySelectorAll("li"), function (li) {
      return li.querySelector("code").textContent + " -> " + li.querySelector("a").getAttribute("data-service");
    }).join("; "));
    // The calls table sorts by calls/day.
    var calls = document.querySelector("#calls-table");
    if (calls) {
      calls.tHead.rows[0].cells[2].click(); calls.tHead.rows[0].cells[2].click();
      out.push("calls table descending: " + Array.prototype.map.call(calls.tBodies[0].rows, function (r) {
        return r.cells[2].getAttribute("data-v");
      }).join(","));
    }
    if (svg) {
      // Zoom with the button, then with the wheel, then pan by a drag: the transform follows.
      var k0 = view.k;
      document.getElementById("zoom-in").click();
      out.push("zoom in: " + (view.k > k0 ? "larger" : "unchanged"));
      var r = viewport.getBoundingClientRect();
      viewport.dispatchEvent(new WheelEvent("wheel", { deltaY: 100, clientX: r.left + 10, clientY: r.top + 10, bubbles: true, cancelable: true }));
      out.push("wheel out: " + (view.k < k0 * 1.25 ? "smaller" : "unchanged"));
      var x0 = view.x;
      fire(viewport, "pointerdown", r.left + 50, r.top + 50);
      fire(window, "pointermove", r.left + 90, r.top + 60);
      fire(window, "pointerup", r.left + 90, r.top + 60);
      out.push("drag: " + (Math.round(view.x - x0) === 40 ? "moved 40" : "moved " + (view.x - x0)));
      document.getElementById("zoom-fit").click();
      // A click (no drag) on the first service node selects it.
      var node = svg.querySelector("g.node.service");
      if (node) {
        var b = node.getBoundingClientRect(), cx = b.left + b.width / 2, cy = b.top + b.height / 2;
        var hit = document.elementFromPoint(cx, cy);
        fire(hit || node, "pointerdown", cx, cy);
        fire(hit || node, "pointerup", cx, cy);
        out.push("node click: " + node.getAttribute("data-service") + " -> " +
          (selected ? selected.id : "nothing") + (panel.hidden ? " hidden" : " shown"));
      } else {
        out.push("node click: no service node");
      }
    }
    // A service link in a table selects its service; the member filter narrows its list.
    var link = document.querySelector("#services-table a.svc");
    link.click();
    out.push("link select: " + link.getAttribute("data-service") + " -> " + (selected ? selected.id : "nothing"));
    out.push("members listed: " + memberList.children.length);
    var first = selected && selected.members.length ? selected.members[0] : "";
    memberFilter.value = first; memberFilter.dispatchEvent(new Event("input"));
    out.push("member filter " + first + ": " + Array.prototype.map.call(memberList.children, function (li) {
      return li.textContent; }).indexOf(first) + " " + memberCount.textContent);
    var pre = document.getElementById("selftest");
    pre.textContent = out.join("\n") + "\nselftest: done\n";
    pre.hidden = false;
  }
  var hash = decodeURIComponent(location.hash.slice(1));
  if (hash === "selftest" || hash.indexOf("selftest=") === 0) {
    var last = services.length ? services[services.length - 1].members : [];
    selftest(hash.indexOf("=") > 0 ? hash.slice(hash.indexOf("=") + 1) : (last[last.length - 1] || ""));
  } else {
    fromHash();
  }
})();
"##;

#[cfg(test)]
mod tests {
    use analyzer::load_json;

    use super::*;
    use crate::{Config, plan};

    const HOSTILE: &str = "</script><script>alert(1)</script><img src=x onerror=alert(2)>&\"'";

    fn hostile_plan() -> Plan {
        let graph = load_json(
            r#"{"nodes": [{"id": "a::in", "module": "a", "entry": "http"},
              {"id": "a::</script><b>", "module": "a"}, {"id": "a::x&amp;\"'", "module": "a"}],
              "edges": [{"from": "a::in", "to": "a::</script><b>"}, {"from": "a::in", "to": "a::x&amp;\"'"}]}"#,
        )
        .expect("valid");
        let mut p = plan(&graph, &Config::default()).expect("plans");
        p.clusters[0].name = HOSTILE.to_string();
        p.clusters[0].rationale.summary = HOSTILE.to_string();
        p.notes.push(HOSTILE.to_string());
        p
    }

    #[test]
    fn escapes_text_and_attributes() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn members_json_cannot_leave_its_script() {
        let text = script_safe(r#"["</script><!--", "a&b"]"#);
        assert!(
            !text.contains('<') && !text.contains('>') && !text.contains('&'),
            "{text}"
        );
        let back: Vec<String> = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back, ["</script><!--", "a&b"]);
    }

    #[test]
    fn hostile_names_stay_text() {
        let page = html(&hostile_plan(), None);
        assert_eq!(
            page.matches("<script").count(),
            2,
            "only the page's own scripts"
        );
        assert_eq!(page.matches("</script>").count(), 2);
        assert!(!page.contains("<img"), "no injected element");
        assert!(!page.contains("<b>"), "node names are escaped");
        assert!(
            page.contains("&lt;/script&gt;&lt;script&gt;alert(1)"),
            "name shown as text"
        );
        let json_start = page.find("id=\"members\">").expect("members block") + 13;
        let json_end = json_start + page[json_start..].find("</script>").expect("end");
        let services: serde_json::Value =
            serde_json::from_str(&page[json_start..json_end]).expect("members JSON");
        assert_eq!(services[0]["name"], HOSTILE);
        assert!(services[0]["members"].to_string().contains("</script><b>"));
    }

    #[test]
    fn without_svg_shows_the_dot_source_and_how_to_install() {
        let p = hostile_plan();
        let page = html(&p, None);
        assert!(page.contains("apt-get install") && page.contains("brew install"));
        assert!(
            page.contains("<pre class=\"dot\">digraph plan"),
            "DOT source shown"
        );
        assert_eq!(page, html(&p, None), "deterministic");
    }

    #[test]
    fn inlines_the_svg_without_its_prolog() {
        let svg = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<!-- Title -->\n<svg width=\"8pt\"><g/></svg>\n";
        let page = html(&hostile_plan(), Some(svg));
        assert!(page.contains("<svg width=\"8pt\"><g/></svg>"));
        assert!(!page.contains("<?xml") && !page.contains("<!DOCTYPE svg"));
        assert!(page.contains("id=\"services-table\"") && page.contains("id=\"node-search\""));
    }
}
