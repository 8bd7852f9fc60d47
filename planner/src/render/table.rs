//! Plain text tables for the terminal: the summary after planning and the tables of `diff`,
//! `compare` and `explain`, all laid out by comfy-table in one style.
//!
//! The style is plain ASCII — each column underlined with dashes as wide as it, columns two spaces
//! apart, no borders — so a table reads the same in a terminal, piped to a file and in a CI log.
//! comfy-table is built without its `tty` feature and content arrangement is disabled: the
//! layout never depends on the terminal's width, so equal rows give byte-identical tables.

use crate::diff::shown;
use comfy_table::{
    CellAlignment, ContentArrangement, ContentLineStyle, LineStyle, Table, TableStyle,
};

/// How a column's cells sit in it: text to the left, numbers to the right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Text: names, ids, labels.
    Left,
    /// Numbers, so that their digits line up.
    Right,
}

/// Where two columns meet. comfy-table joins columns with one character and one space is too
/// little between names holding spaces (`s1 a s2 b`), so it joins them with this stand-in, which
/// no cell holds (cells have their control characters escaped), widened afterwards to [`GAP`].
const JOIN: char = '\u{1f}';
/// The space between two columns, on every line.
const GAP: &str = "  ";

/// No border and no vertical line: [`JOIN`] where columns meet and, under the header, a run of
/// dashes as wide as each column.
const PLAIN: TableStyle = TableStyle::new()
    .header_lines(ContentLineStyle::none().junction(JOIN))
    .content_lines(ContentLineStyle::none().junction(JOIN))
    .header_separator(LineStyle::none().fill('-').junction(JOIN));

/// `header` and `rows` as a plain table, one line per row (each ending in a newline, none with
/// trailing whitespace), every line starting with `indent`.
///
/// A row shorter than the header is padded with empty cells; one longer is cut to it. Control
/// characters in a cell are escaped, so a row always stays on one line.
///
/// # Complexity
/// O(c) for c characters in all cells.
pub fn table(indent: &str, header: &[(&str, Align)], rows: Vec<Vec<String>>) -> String {
    let width = header.len();
    let cells = |row: Vec<String>| -> Vec<String> {
        let mut row: Vec<String> = row.iter().take(width).map(|c| shown(c)).collect();
        row.resize(width, String::new());
        row
    };
    let mut t = Table::new();
    t.load_style(PLAIN)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(
            header
                .iter()
                .map(|(h, _)| h.to_string())
                .collect::<Vec<_>>(),
        );
    for row in rows {
        t.add_row(cells(row));
    }
    for (column, (_, align)) in t.column_iter_mut().zip(header) {
        column.set_padding((0, 0));
        if *align == Align::Right {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut out = String::new();
    for line in t.lines() {
        out.push_str(indent);
        out.push_str(line.replace(JOIN, GAP).trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Align, table};

    fn cells(row: &[&str]) -> Vec<String> {
        row.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn columns_two_spaces_apart_numbers_right() {
        let t = table(
            "",
            &[
                ("id", Align::Left),
                ("service", Align::Left),
                ("members", Align::Right),
            ],
            vec![cells(&["s1", "orders", "3"]), cells(&["s12", "a", "1024"])],
        );
        assert_eq!(
            t,
            "id   service  members\n\
             ---  -------  -------\n\
             s1   orders         3\n\
             s12  a           1024\n"
        );
    }

    #[test]
    fn indent_short_rows_and_control_characters() {
        let t = table(
            "  ",
            &[("name", Align::Left), ("note", Align::Left)],
            vec![cells(&["a\nb"]), cells(&["c", "d", "dropped"])],
        );
        assert_eq!(t, "  name  note\n  ----  ----\n  a\\nb\n  c     d\n");
    }

    #[test]
    fn no_rows_is_the_header_alone() {
        let t = table("", &[("x", Align::Right)], Vec::new());
        assert_eq!(t, "x\n-\n");
    }
}
