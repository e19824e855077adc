//! Rosters saved as text: CSV as Excel and WPS write it ("CSV (逗号分隔)" in GBK, "CSV UTF-8"),
//! Excel's tab-separated "Unicode text", and other systems' comma- or tab-separated exports. The
//! file is one sheet and every cell is text, as a web page's are: the importer reads numbers and
//! dates from text as from any cell. Unlike Excel opening the file, nothing is made a number on
//! the way, so a long application number keeps its digits.

use std::convert::Infallible;

use memchr::{memchr, memchr3};

use super::wire::MAX_TEXT_BYTES;
// Fields past the last column are left out, as Excel leaves them out when it opens the file.
use super::workbook::LAST_COLUMN;

/// The one sheet of a text file, named as Excel names it in a new workbook.
pub const SHEET: &str = "Sheet1";
/// The separators tried, in the order a tie is settled (Excel's "Unicode text" uses tabs).
const SEPARATORS: [u8; 4] = [b'\t', b',', b';', b'|'];
/// How many lines the separator is judged on.
const JUDGED_LINES: usize = 20;

/// A text file's table: its text after any `sep=` line, and the separator of its fields. Rows
/// are counted as Excel shows them: a blank line is a blank row, and a quoted field may hold line
/// breaks and still be one cell.
pub struct Table<'a> {
    text: &'a str,
    separator: u8,
}

impl<'a> Table<'a> {
    /// The table of a decoded text file. Excel writes and honours a first line `sep=;` naming the
    /// separator; that line is no row, as in Excel.
    pub fn new(text: &'a str) -> Self {
        let text = text.trim_start_matches('\u{feff}');
        let first_line = text.lines().next().unwrap_or_default();
        if let Some(named) = first_line.strip_prefix("sep=")
            && let [separator] = named.trim_end_matches('\r').as_bytes()
        {
            let rest = text.split_once('\n').map_or("", |(_, rest)| rest);
            return Table {
                text: rest,
                separator: *separator,
            };
        }
        Table {
            text,
            separator: separator(text),
        }
    }

    /// How many rows the file holds.
    pub fn rows(&self) -> u32 {
        match self.cells(|_, _, _| Ok::<bool, Infallible>(true)) {
            Ok(rows) => rows,
            Err(never) => match never {},
        }
    }

    /// Hands each cell that holds something to `each` (row and column, 0-based, and the value as
    /// Excel shows it), in order, until `each` says to stop (`Ok(false)`) or fails; returns how
    /// many rows were read. Memory stays that of one field whatever the file holds.
    pub fn cells<E>(
        &self,
        mut each: impl FnMut(u32, u32, &str) -> Result<bool, E>,
    ) -> Result<u32, E> {
        let mut field = String::new();
        let (mut row, mut column, mut at) = (0u32, 0u32, 0usize);
        while at < self.text.len() {
            let (next, row_ends) = self.read_field(at, &mut field);
            if column <= LAST_COLUMN
                && !field.trim().is_empty()
                && !each(row, column, shown(&field))?
            {
                break;
            }
            at = next;
            if row_ends {
                (row, column) = (row.saturating_add(1), 0);
            } else {
                column = column.saturating_add(1);
            }
        }
        Ok(row.saturating_add(u32::from(column > 0)))
    }

    /// Reads the field starting at `start` into `out`, as Excel reads it: a quote opens quoting
    /// only at the field's start, `""` inside is a quote, and what follows the closing quote up to
    /// the separator is kept; an unclosed quote runs to the end of the file. Returns where the
    /// next field starts and whether this one ends its row (`\r\n`, `\n` or `\r`).
    fn read_field(&self, start: usize, out: &mut String) -> (usize, bool) {
        let (text, bytes) = (self.text, self.text.as_bytes());
        out.clear();
        let mut at = start;
        if bytes.get(at) == Some(&b'"') {
            at += 1;
            loop {
                let Some(quote) = memchr(b'"', &bytes[at..]).map(|offset| at + offset) else {
                    push_capped(out, &text[at..]);
                    return (text.len(), true);
                };
                push_capped(out, &text[at..quote]);
                at = quote + 1;
                if bytes.get(at) != Some(&b'"') {
                    break;
                }
                push_capped(out, "\"");
                at += 1;
            }
        }
        let end =
            memchr3(self.separator, b'\n', b'\r', &bytes[at..]).map_or(text.len(), |o| at + o);
        push_capped(out, &text[at..end]);
        match bytes.get(end) {
            None => (end, true),
            Some(&byte) if byte == self.separator => (end + 1, false),
            Some(b'\r') if bytes.get(end + 1) == Some(&b'\n') => (end + 2, true),
            Some(_) => (end + 1, true),
        }
    }
}

/// Appends `piece` while the field stays within the longest text a cell can hold (the stream
/// would cut it there anyway), at a character boundary.
fn push_capped(out: &mut String, piece: &str) {
    let room = (MAX_TEXT_BYTES as usize).saturating_sub(out.len());
    let mut end = piece.len().min(room);
    while !piece.is_char_boundary(end) {
        end -= 1;
    }
    out.push_str(&piece[..end]);
}

/// A field as Excel shows it. Systems write `="0123"` so that Excel keeps a number's digits as
/// text; Excel shows the text, and so does the importer.
fn shown(field: &str) -> &str {
    field
        .strip_prefix("=\"")
        .and_then(|rest| rest.strip_suffix('"'))
        .filter(|inner| !inner.contains('"'))
        .unwrap_or(field)
}

/// The separator that occurs most often outside quotes in the first lines (a tab on a tie); a
/// comma when none does, as in a file of one column.
fn separator(text: &str) -> u8 {
    let mut counts = [0usize; SEPARATORS.len()];
    let mut quoted = false;
    let mut lines = 0;
    for byte in text.bytes() {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => {
                lines += 1;
                if lines == JUDGED_LINES {
                    break;
                }
            }
            _ if !quoted => {
                if let Some(at) = SEPARATORS.iter().position(|s| *s == byte) {
                    counts[at] += 1;
                }
            }
            _ => {}
        }
    }
    let most = counts.iter().copied().max().unwrap_or(0);
    if most == 0 {
        return b',';
    }
    counts
        .iter()
        .position(|count| *count == most)
        .map_or(b',', |at| SEPARATORS[at])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell as read: (row, column, value).
    type Placed = (u32, u32, String);

    /// Every non-empty cell of a text file.
    fn table(text: &str) -> Vec<Placed> {
        let mut cells = Vec::new();
        let read = Table::new(text).cells(|row, column, value| {
            cells.push((row, column, value.to_owned()));
            Ok::<bool, Infallible>(true)
        });
        assert_eq!(read, Ok(Table::new(text).rows()));
        cells
    }

    fn cell(row: u32, column: u32, value: &str) -> Placed {
        (row, column, value.to_owned())
    }

    #[test]
    fn the_separator_is_the_one_the_file_uses() {
        let cases: [(&str, u8); 8] = [
            ("申请号,名称\n1,2\n", b','),
            ("申请号\t名称\n1\t2\n", b'\t'),
            ("申请号;名称\n1;2\n", b';'),
            ("申请号|名称\n1|2\n", b'|'),
            // Commas inside quotes are the title's, not separators.
            ("\"茶杯,茶壶,茶盘\"\t某公司\n\"甲,乙\"\t丙\n", b'\t'),
            ("只有一列\n第二行\n", b','),
            ("sep=;\n申请号,名称;申请人\n", b';'),
            ("sep=\t\r\n申请号,名称\t申请人\r\n", b'\t'),
        ];
        for (text, expected) in cases {
            assert_eq!(Table::new(text).separator, expected, "{text}");
        }
    }

    #[test]
    fn cells_are_read_as_excel_shows_them() {
        let text = "\u{feff}申请号,专利名称,申请人\r\n\
                    =\"201710601862.3\",\"茶杯,带盖\",\"某公司\"\"一厂\"\"\"\r\n\
                    ,,\r\n\
                    202320001234.5,\"第一行\n第二行\",  \r\n";
        assert_eq!(
            table(text),
            vec![
                cell(0, 0, "申请号"),
                cell(0, 1, "专利名称"),
                cell(0, 2, "申请人"),
                cell(1, 0, "201710601862.3"),
                cell(1, 1, "茶杯,带盖"),
                cell(1, 2, "某公司\"一厂\""),
                cell(3, 0, "202320001234.5"),
                cell(3, 1, "第一行\n第二行"),
            ]
        );
        assert_eq!(Table::new(text).rows(), 4);
    }

    #[test]
    fn a_sep_line_is_no_row() {
        assert_eq!(
            table("sep=;\n申请号;名称\n"),
            vec![cell(0, 0, "申请号"), cell(0, 1, "名称")]
        );
    }

    #[test]
    fn only_a_whole_quoted_formula_is_unwrapped() {
        let cases = [
            ("=\"0123\"", "0123"),
            ("=\"a\"\"b\"", "=\"a\"\"b\""),
            ("=SUM(A1:A3)", "=SUM(A1:A3)"),
            ("\"0123\"", "\"0123\""),
        ];
        for (field, expected) in cases {
            assert_eq!(shown(field), expected, "{field}");
        }
    }

    #[test]
    fn rows_are_numbered_as_excel_numbers_them() {
        let cases: [(&str, Vec<Placed>, u32); 7] = [
            // A blank line is a blank row.
            ("a\n\nb\n", vec![cell(0, 0, "a"), cell(2, 0, "b")], 3),
            ("a\r\n\r\nb", vec![cell(0, 0, "a"), cell(2, 0, "b")], 3),
            // Old Mac line ends.
            ("a\rb\r", vec![cell(0, 0, "a"), cell(1, 0, "b")], 2),
            // A last row without its line break, or ending in a separator.
            ("a,b", vec![cell(0, 0, "a"), cell(0, 1, "b")], 1),
            ("a,", vec![cell(0, 0, "a")], 1),
            // What follows a closing quote is kept; a quote inside a field is a quote.
            (
                "\"ab\"c,d\"e",
                vec![cell(0, 0, "abc"), cell(0, 1, "d\"e")],
                1,
            ),
            // An unclosed quote runs to the end of the file, as in Excel.
            ("\"ab\nc,d\n", vec![cell(0, 0, "ab\nc,d\n")], 1),
        ];
        for (text, expected, rows) in cases {
            assert_eq!(table(text), expected, "{text:?}");
            assert_eq!(Table::new(text).rows(), rows, "{text:?}");
        }
    }

    #[test]
    fn reading_stops_when_told() {
        let mut seen = Vec::new();
        let stopped = Table::new("a,b\nc,d\n").cells(|row, column, _| {
            seen.push((row, column));
            Ok::<bool, Infallible>(row == 0)
        });
        assert_eq!(seen, [(0, 0), (0, 1), (1, 0)]);
        assert!(stopped.is_ok());
        let failed = Table::new("a,b\nc,d\n").cells(|row, _, _| match row {
            0 => Ok(true),
            _ => Err("no more"),
        });
        assert_eq!(failed, Err("no more"));
    }

    #[test]
    fn fields_past_excels_last_column_are_left_out_and_long_ones_cut() {
        let wide = vec!["x"; LAST_COLUMN as usize + 10].join(",");
        let read = table(&wide);
        assert_eq!(read.len(), LAST_COLUMN as usize + 1);
        assert_eq!(read.last(), Some(&cell(0, LAST_COLUMN, "x")));
        let long = format!("\"{}\"", "茶".repeat(100_000));
        let read = table(&long);
        assert_eq!(read[0].2.len(), MAX_TEXT_BYTES as usize - 2);
    }
}
