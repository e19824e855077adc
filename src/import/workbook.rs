//! A workbook as the importer sees it: sheets of sparse rows of typed cells, with absolute
//! (Excel) row and column numbers, the merged regions, and which date system the file uses. This
//! is what the reading child process hands back to the server.

use serde::{Deserialize, Serialize};

/// The spreadsheet formats ipdesk reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
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

/// A merged region, inclusive, 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merge {
    pub first_row: u32,
    pub first_column: u32,
    pub last_row: u32,
    pub last_column: u32,
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
    fn numbers_read_as_people_type_them() {
        assert_eq!(number_text(2025200554330.0), "2025200554330");
        assert_eq!(number_text(201710601862.3), "201710601862.3");
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(Cell::Number(7.0).display(), "7");
    }
}
