//! The text tables on stdout: columns that line up through the real binary, numbers to the right,
//! the same bytes whatever the terminal.

use crate::{plan_ok_env, repo_file, text_table};

/// `cleave plan` on the example shop with `extra` flags and `env`: standard output, the plan's
/// service count.
fn plan_stdout(extra: &[&str], env: &[(&str, &str)]) -> (String, usize) {
    let (_dir, plan, stdout, _) = plan_ok_env(&repo_file("examples/shop.json"), extra, env);
    (stdout, plan["clusters"].as_array().expect("clusters").len())
}

/// The summary's table: the lines before the closing line with the metrics.
fn summary_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .take_while(|l| !l.contains(" · ") && !l.starts_with('…'))
        .collect()
}

#[test]
fn the_summary_is_a_table_whose_rows_fit_its_columns() {
    let (stdout, services) = plan_stdout(&[], &[]);
    let table = text_table(&summary_lines(&stdout));
    assert_eq!(
        table.header,
        [
            "id",
            "service",
            "label",
            "members",
            "confidence",
            "$/mo fn",
            "$/mo svc"
        ],
        "{stdout}"
    );
    assert_eq!(table.rows.len(), services, "one row a service: {stdout}");
    for row in &table.rows {
        assert_eq!(row.len(), table.header.len());
        for (cell, title) in row.iter().zip(&table.header) {
            assert!(!cell.trim().is_empty(), "empty {title} cell: {stdout}");
            match title.as_str() {
                "members" | "$/mo fn" | "$/mo svc" => {
                    assert!(
                        !cell.ends_with(' '),
                        "{title} is aligned right: {cell:?} in {stdout}"
                    );
                    cell.trim()
                        .parse::<f64>()
                        .unwrap_or_else(|_| panic!("{title} is a number: {cell:?}"));
                }
                _ => assert!(
                    !cell.starts_with(' '),
                    "{title} is aligned left: {cell:?} in {stdout}"
                ),
            }
        }
        assert!(
            ["microservice", "function"].contains(&row[2].trim()),
            "{row:?}"
        );
    }
}

#[test]
fn the_summary_does_not_depend_on_the_terminal() {
    let (wide, _) = plan_stdout(&[], &[("COLUMNS", "300")]);
    let (narrow, _) = plan_stdout(&[], &[("COLUMNS", "20"), ("TERM", "dumb")]);
    // The last line names the temporary output directory, which differs.
    let summary = |s: &str| {
        s.lines()
            .take_while(|l| !l.starts_with("wrote "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(summary(&wide), summary(&narrow));
    let table = summary_lines(&wide).join("\n");
    assert!(
        !table.contains(|c: char| ('\u{2500}'..='\u{257f}').contains(&c)),
        "plain ASCII, no box drawing: {table}"
    );
}

#[test]
fn a_cut_summary_counts_the_services_left_out() {
    for (services, more) in [
        ("31", "… and 1 more service\n"),
        ("33", "… and 3 more services\n"),
    ] {
        let (stdout, count) = plan_stdout(&["--services", services], &[]);
        assert_eq!(count.to_string(), services, "{stdout}");
        let table = text_table(&summary_lines(&stdout));
        assert_eq!(table.rows.len(), 30, "{stdout}");
        assert!(stdout.contains(more), "{more:?} missing: {stdout}");
    }
}

#[test]
fn the_diff_tables_fit_their_columns() {
    use crate::diff::{abc_graph, plan_graph, s};
    let (_a, old) = plan_graph(&abc_graph(false));
    let (_b, new) = plan_graph(&abc_graph(true));
    let out = crate::cleave(&["diff", s(&old), s(&new)]);
    let (stdout, stderr) = crate::text(&out);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    for (title, first, numbers) in [
        ("new cross-service calls (2)", "from", 2..4),
        ("metrics", "metric", 1..4),
        ("cost ($/month)", "plan or service", 1..4),
    ] {
        let at = lines
            .iter()
            .position(|l| *l == title)
            .unwrap_or_else(|| panic!("{title:?} missing: {stdout}"));
        // The section's table: its indented lines up to the blank line ending the section.
        let table: Vec<&str> = lines[at + 1..]
            .iter()
            .take_while(|l| l.starts_with("  ") && !l.starts_with("  …"))
            .map(|l| &l[2..])
            .collect();
        let table = text_table(&table);
        assert_eq!(table.header[0], first, "{stdout}");
        assert!(!table.rows.is_empty(), "{stdout}");
        for row in &table.rows {
            for cell in &row[numbers.clone()] {
                assert!(!cell.ends_with(' '), "numbers aligned right: {row:?}");
            }
        }
    }
}
