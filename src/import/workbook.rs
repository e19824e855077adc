//! A workbook as the importer sees it: sheets of sparse rows of typed cells, with absolute
//! (Excel) row and column numbers, the merged regions, and which date system the file uses. This
//! is what the reading child process hands back to the server.

use serde::{Deserialize, Serialize};

/// A sheet as a parser outside calamine gives it: its name, merged regions and cells in document
/// order (row, column, value), all 0-based.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParsedSheet {
    pub name: String,
    pub merges: Vec<Merge>,
    pub cells: Vec<(u32, u32, Cell)>,
}

/// The spreadsheet formats ipdesk reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
    /// Excel 2003's XML spreadsheet (SpreadsheetML).
    Xml2003,
    /// A web page's tables saved under an .xls name.
    Html,
    /// Comma- or tab-separated text: CSV, Excel's "Unicode text".
    Csv,
}

/// One non-empty cell's value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
pub enum Cell {
    #[serde(rename = "s")]
    Text(String),
    #[serde(rename = "n")]
    Number(f64),
    #[serde(rename = "b")]
    Bool(bool),
    /// A cell formatted as a date: its serial number in the workbook's date system.
    #[serde(rename = "d")]
    Date(f64),
    /// A date written in ISO 8601 (ODS files).
    #[serde(rename = "i")]
    IsoDate(String),
    /// `#N/A`, `#REF!` …
    #[serde(rename = "e")]
    Error(String),
}

impl Cell {
    /// The value as a person would type it.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(text) | Cell::IsoDate(text) | Cell::Error(text) => text.clone(),
            Cell::Number(n) | Cell::Date(n) => number_text(*n),
            Cell::Bool(b) => b.to_string(),
        }
    }

    /// The cell as the spreadsheet shows it to a person: a date cell as its date, not its serial.
    pub fn shown(&self, is_1904: bool) -> String {
        match self {
            Cell::Date(serial) => super::values::date_from_serial(*serial, is_1904).map_or_else(
                || number_text(*serial),
                |d| d.format("%Y-%m-%d").to_string(),
            ),
            other => other.display(),
        }
    }
}

/// A number as text without a spurious `.0`: 2025200554330, not 2025200554330.0.
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        n.to_string()
    }
}

/// One row that has at least one cell: its 0-based absolute index and its cells by 0-based column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub index: u32,
    pub cells: Vec<(u32, Cell)>,
}

impl Row {
    pub fn get(&self, column: u32) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, cell)| cell)
    }

    /// The first cell's text, whichever column it sits in (a totals row's 合计 often sits in 序号).
    pub fn first_text(&self) -> Option<String> {
        self.cells
            .iter()
            .map(|(_, cell)| cell.display())
            .find(|text| !crate::text::clean(text).is_empty())
    }

    pub fn is_blank(&self) -> bool {
        self.cells
            .iter()
            .all(|(_, cell)| crate::text::clean(&cell.display()).is_empty())
    }
}

/// Excel's last row and column (0-based, as calamine counts): a sheet read by ipdesk itself (a
/// text file, a web page, Excel 2003 XML) or a merged region is cut there.
pub const LAST_ROW: u32 = 1_048_575;
pub const LAST_COLUMN: u32 = 16_383;
/// More merged regions than this (in a file, or an .xlsb's sheet) are not a roster; the rest are
/// left out.
pub const MAX_MERGES: usize = 600_000;

/// A merged region, inclusive, 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merge {
    pub first_row: u32,
    pub first_column: u32,
    pub last_row: u32,
    pub last_column: u32,
}

impl Merge {
    /// The region over these rows and columns (first, last).
    pub fn over(rows: (u32, u32), columns: (u32, u32)) -> Merge {
        Merge {
            first_row: rows.0,
            first_column: columns.0,
            last_row: rows.1,
            last_column: columns.1,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Row>,
    pub merges: Vec<Merge>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Workbook {
    pub format: Format,
    /// Dates count from 1904 (old Mac Excel) rather than 1900.
    pub is_1904: bool,
    pub sheets: Vec<Sheet>,
}

/// Excel's column letters for a 0-based column: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(column: u32) -> String {
    let mut n = column + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// The 0-based column of Excel's column letters (`A` → 0, `AA` → 26), the inverse of
/// [`column_letter`]; `None` for anything but one to three letters within XFD.
pub fn column_index(letters: &str) -> Option<u32> {
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut n = 0u32;
    for letter in letters.bytes() {
        if !letter.is_ascii_alphabetic() {
            return None;
        }
        n = n * 26 + u32::from(letter.to_ascii_uppercase() - b'A') + 1;
    }
    (n <= MAX_COLUMNS).then(|| n - 1)
}

/// A cell reference's 0-based row and column: `B3` → (2, 1).
pub fn cell_position(reference: &str) -> Option<(u32, u32)> {
    let digits = reference.find(|c: char| c.is_ascii_digit())?;
    let (letters, number) = reference.split_at(digits);
    let row: u32 = number.parse().ok()?;
    if !(1..=MAX_ROWS).contains(&row) {
        return None;
    }
    Some((row - 1, column_index(letters)?))
}

/// A sheet's size in Excel (since 2007).
const MAX_ROWS: u32 = 1_048_576;
const MAX_COLUMNS: u32 = 16_384;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_shown_as_the_spreadsheet_shows_them() {
        let cases = [
            (Cell::Date(45963.0), false, "2025-11-02"),
            (Cell::Date(44501.0), true, "2025-11-02"),
            (Cell::Number(45963.0), false, "45963"),
            (Cell::Number(2.5), false, "2.5"),
            (Cell::Text("2025年11月2日".into()), false, "2025年11月2日"),
            (Cell::Bool(true), false, "true"),
        ];
        for (cell, is_1904, shown) in cases {
            assert_eq!(cell.shown(is_1904), shown, "{cell:?}");
        }
    }

    #[test]
    fn column_letters() {
        let cases = [
            (0, "A"),
            (1, "B"),
            (25, "Z"),
            (26, "AA"),
            (27, "AB"),
            (701, "ZZ"),
            (702, "AAA"),
            (16383, "XFD"),
        ];
        for (column, letters) in cases {
            assert_eq!(column_letter(column), letters);
        }
    }

    #[test]
    fn cell_references_read_as_excel_writes_them() {
        let cases = [
            ("A1", Some((0, 0))),
            ("B3", Some((2, 1))),
            ("ab12", Some((11, 27))),
            ("XFD1048576", Some((1_048_575, 16_383))),
            ("XFE1", None),
            ("A0", None),
            ("A1048577", None),
            ("1", None),
            ("A", None),
            ("AAAA1", None),
            ("A1B", None),
            ("", None),
            ("甲1", None),
        ];
        for (reference, position) in cases {
            assert_eq!(cell_position(reference), position, "{reference}");
        }
    }

    proptest::proptest! {
        #[test]
        fn column_letters_read_back(column in 0u32..16_384) {
            proptest::prop_assert_eq!(column_index(&column_letter(column)), Some(column));
        }
    }

    #[test]
    fn numbers_read_as_people_type_them() {
        assert_eq!(number_text(2025200554330.0), "2025200554330");
        assert_eq!(number_text(201710601862.3), "201710601862.3");
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(Cell::Number(7.0).display(), "7");
    }
}
