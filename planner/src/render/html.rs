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
    let mut h = String::with_capacity(64 * 1024);
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
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    let _ = writeln!(
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
    );
    h.push_str(
        "<nav><a href=\"#diagram\">Diagram</a> <a href=\"#services\">Services</a> \
         <a href=\"#search\">Search</a> <a href=\"#metrics\">Metrics</a> \
         <a href=\"#notes\">Notes</a></nav>\n</header>\n<main>\n",
    );
    diagram(&mut h, plan, svg);
    services(&mut h, plan);
    search(&mut h, plan);
    metrics(&mut h, plan);
    notes(&mut h, plan);
    h.push_str("<pre id=\"selftest\" hidden></pre>\n</main>\n");
    let _ = write!(
        h,
        "<script type=\"application/json\" id=\"members\">{}</script>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        members_json(plan)
    );
    h
}

fn diagram(h: &mut String, plan: &Plan, svg: Option<&str>) {
    h.push_str("<section id=\"diagram\">\n<h2>Diagram</h2>\n");
    match svg.and_then(|s| s.find("<svg").map(|at| &s[at..])) {
        Some(svg) => {
            h.push_str(
                "<label><input type=\"checkbox\" id=\"fit\" checked> fit to width</label>\n\
                 <div class=\"diagram fit\" id=\"diagram-box\">\n",
            );
            h.push_str(svg.trim_end());
            h.push_str("\n</div>\n");
        }
        None => {
            let _ = writeln!(
                h,
                "<p class=\"note\">Graphviz's <code>dot</code> was not available when this page was \
                 written, so the diagram is not drawn. Install Graphviz (<code>apt-get install \
                 graphviz</code>, <code>brew install graphviz</code>) and plan again, or render \
                 the DOT source below with <code>dot -Tsvg</code>.</p>\n<pre class=\"dot\">{}</pre>",
                esc(&super::dot(plan))
            );
        }
    }
    h.push_str("</section>\n");
}

fn services(h: &mut String, plan: &Plan) {
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
        let _ = write!(
            h,
            "<th data-type=\"{kind}\" data-key=\"{}\" tabindex=\"0\">{name}</th>",
            name.split(' ').next().unwrap_or(name)
        );
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (i, s) in plan.clusters.iter().enumerate() {
        let _ = writeln!(
            h,
            "<tr id=\"svc-{id}\" data-i=\"{i}\" data-label=\"{label}\"><td>{id}</td><td>{name}</td>\
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
            basis = esc(&s.confidence.basis),
            why = esc(&s.rationale.summary),
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn search(h: &mut String, plan: &Plan) {
    h.push_str(
        "<section id=\"search\">\n<h2>Search nodes</h2>\n<div class=\"controls\">\
         <input type=\"search\" id=\"node-search\" placeholder=\"Node name…\" aria-label=\"Search nodes\">\
         <span id=\"found\"></span></div>\n<ul id=\"search-results\"></ul>\n",
    );
    let total: usize = plan.clusters.iter().map(|s| s.members.len()).sum();
    if total > MAX_SEARCH_NODES {
        let _ = writeln!(
            h,
            "<p class=\"note\">Search covers the first {} of {} nodes (plan.json has them all).</p>",
            thousands(MAX_SEARCH_NODES as f64),
            thousands(total as f64)
        );
    }
    h.push_str("</section>\n");
}

fn metrics(h: &mut String, plan: &Plan) {
    let m = &plan.metrics;
    h.push_str("<section id=\"metrics\">\n<h2>Metrics</h2>\n<table class=\"metrics\">\n");
    h.push_str("<tr><th>metric</th><th>value</th><th>better</th></tr>\n");
    let rows = [
        ("Services", format!("{}", m.services), "—"),
        ("Modularity Q", format!("{:.4}", m.modularity), "higher"),
        (
            "Structural modularity SM",
            format!("{:.4}", m.structural_modularity),
            "higher",
        ),
        (
            "Inter-call percentage ICP",
            format!("{:.4}", m.inter_call_percentage),
            "lower",
        ),
        (
            "Interface number IFN",
            format!("{:.2}", m.interface_number),
            "lower",
        ),
        (
            "Non-extreme distribution NED",
            format!("{:.4}", m.non_extreme_distribution),
            "lower",
        ),
    ];
    for (name, value, better) in rows {
        let _ = writeln!(
            h,
            "<tr><td>{name}</td><td class=\"n\">{value}</td><td>{better}</td></tr>"
        );
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
        let _ = writeln!(h, "<tr><td>{name}</td><td class=\"n\">{v:.2}</td></tr>");
    }
    h.push_str("</table>\n");
    let _ = writeln!(
        h,
        "<p>Shared code: {}. Unreachable from any entry point: {}. Isolated: {}.</p>",
        plural(plan.shared_code.len(), "node"),
        plural(plan.unreachable.len(), "node"),
        plural(plan.isolated.len(), "node")
    );
    if let Some(t) = &plan.traces {
        let _ = writeln!(
            h,
            "<p>Traces: {} spans in {} from {}; {} of {} operations matched a node.</p>",
            thousands(t.spans as f64),
            plural(t.traces, "trace"),
            plural(t.files, "file"),
            t.matched_operations,
            t.operations
        );
    }
    h.push_str("</section>\n");
}

fn notes(h: &mut String, plan: &Plan) {
    h.push_str("<section id=\"notes\">\n<h2>Notes</h2>\n");
    if plan.notes.is_empty() {
        h.push_str("<p>None.</p>\n");
    } else {
        h.push_str("<ul>\n");
        for n in &plan.notes {
            let _ = writeln!(h, "<li>{}</li>", esc(n));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
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
            json!({"id": s.id, "name": s.name, "label": s.label.as_str(), "members": &s.members[..take]})
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
.diagram { overflow: auto; max-height: 85vh; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px; }
.diagram.fit svg { max-width: 100%; height: auto; }
.controls { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; }
input[type=search], select { font: inherit; padding: 4px 8px; border: 1px solid #d0d7de; border-radius: 6px; }
input[type=search] { width: 280px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
thead th { position: sticky; top: 0; background: #f6f8fa; cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort=ascending]::after { content: " \25B2"; }
th[aria-sort=descending]::after { content: " \25BC"; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.microservice { color: #0550ae; } td.function { color: #953800; }
tbody tr:hover { background: #f6f8fa; }
tr:target { background: #fff8c5; }
table.metrics { width: auto; display: inline-table; margin-right: 32px; vertical-align: top; }
#search-results { padding-left: 20px; } #search-results code { background: #f6f8fa; padding: 0 4px; }
.note { background: #fff8c5; border: 1px solid #d4a72c66; padding: 8px 12px; border-radius: 6px; }
pre { background: #f6f8fa; padding: 8px; overflow: auto; max-height: 50vh; }
"##;

/// The page's behaviour: sorting and filtering the table, searching nodes, fitting the diagram,
/// and the `#selftest` mode that exercises them and writes what it saw into `<pre id=selftest>`.
const SCRIPT: &str = r##"(function () {
  "use strict";
  var table = document.getElementById("services-table");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var filter = document.getElementById("filter");
  var labelFilter = document.getElementById("label-filter");
  var shown = document.getElementById("shown");
  var services = JSON.parse(document.getElementById("members").textContent);

  function value(row, col, numeric) {
    var cell = row.cells[col];
    var v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
    return numeric ? parseFloat(v) : v;
  }
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
  heads.forEach(function (th, col) {
    th.addEventListener("click", function () { sortBy(col); });
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sortBy(col); } });
  });
  filter.addEventListener("input", applyFilter);
  labelFilter.addEventListener("change", applyFilter);
  applyFilter();

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
      a.setAttribute("data-service", hit[1].id);
      a.textContent = hit[1].id + " " + hit[1].name + " (" + hit[1].label + ")";
      a.addEventListener("click", function () {
        filter.value = ""; labelFilter.value = ""; applyFilter();
      });
      li.appendChild(code); li.appendChild(document.createTextNode(" \u2192 ")); li.appendChild(a);
      results.appendChild(li);
    });
    found.textContent = q ? total + " found" + (total > hits.length ? ", first 50 listed" : "") : "";
  }
  search.addEventListener("input", runSearch);

  var fit = document.getElementById("fit");
  if (fit) {
    fit.addEventListener("change", function () {
      document.getElementById("diagram-box").classList.toggle("fit", fit.checked);
    });
  }

  function visibleColumn(col) {
    return rows.filter(function (r) { return !r.hidden; })
      .map(function (r) { return r.cells[col].getAttribute("data-v") || r.cells[col].textContent; });
  }
  function selftest(query) {
    var out = [], members = heads.map(function (h) { return h.getAttribute("data-key"); }).indexOf("members");
    out.push("table: " + (rows.length ? "present " + rows.length + " rows" : "missing"));
    out.push("diagram svg: " + (document.querySelector("#diagram svg") ? "present" : "missing"));
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
    var pre = document.getElementById("selftest");
    pre.textContent = out.join("\n") + "\nselftest: done\n";
    pre.hidden = false;
  }
  var hash = decodeURIComponent(location.hash.slice(1));
  if (hash === "selftest" || hash.indexOf("selftest=") === 0) {
    var last = services.length ? services[services.length - 1].members : [];
    selftest(hash.indexOf("=") > 0 ? hash.slice(hash.indexOf("=") + 1) : (last[last.length - 1] || ""));
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
