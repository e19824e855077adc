//! Columns lined up on the terminal: widths counted as a terminal shows them (a Chinese
//! character takes two columns, as in a spreadsheet), two spaces between columns, nothing after
//! the last.

use crate::export::writer::display_width;

/// The rows as lines, each column as wide as its widest cell.
pub fn lines(rows: &[Vec<String>]) -> Vec<String> {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (at, cell) in row.iter().enumerate() {
            let width = display_width(cell);
            match widths.get_mut(at) {
                Some(widest) => *widest = (*widest).max(width),
                None => widths.push(width),
            }
        }
    }
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (at, cell) in row.iter().enumerate() {
                if at > 0 {
                    line.push_str("  ");
                }
                line.push_str(cell);
                let widest = widths.get(at).copied().unwrap_or(0);
                let pad = widest.saturating_sub(display_width(cell));
                line.extend(std::iter::repeat_n(' ', pad));
            }
            line.trim_end().to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn columns_line_up_as_the_terminal_shows_them() {
        let got = lines(&[
            row(&[
                "acceptance",
                "15个工作日",
                "+15个工作日",
                "收到线索后决定是否立案",
            ]),
            row(&["service", "7日", "不可延长", ""]),
            row(&["zhang", "张三"]),
        ]);
        assert_eq!(
            got,
            [
                "acceptance  15个工作日  +15个工作日  收到线索后决定是否立案",
                "service     7日         不可延长",
                "zhang       张三",
            ]
        );
        assert!(lines(&[]).is_empty());
    }
}
