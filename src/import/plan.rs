//! What a dry run concludes: each data row's status with its errors and warnings, and the counts.
//! Classification follows IMPORT.md: out of jurisdiction, else invalid, else a duplicate of an
//! earlier accepted row, else new, updated or unchanged.

use serde::{Deserialize, Serialize};

use super::mapping::{MappedColumn, Mapping};
use super::workbook::{Cell, Row};
use crate::error::AppError;
use crate::i18n::{Lang, Msg};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    New,
    Updated,
    Unchanged,
    DuplicateInFile,
    OutOfJurisdiction,
    Invalid,
}

impl RowStatus {
    pub const ALL: [RowStatus; 6] = [
        RowStatus::New,
        RowStatus::Updated,
        RowStatus::Unchanged,
        RowStatus::DuplicateInFile,
        RowStatus::OutOfJurisdiction,
        RowStatus::Invalid,
    ];

    /// One character per row in the stored status string.
    pub fn code(self) -> char {
        match self {
            RowStatus::New => 'n',
            RowStatus::Updated => 'u',
            RowStatus::Unchanged => '=',
            RowStatus::DuplicateInFile => 'd',
            RowStatus::OutOfJurisdiction => 'o',
            RowStatus::Invalid => 'x',
        }
    }

    pub fn from_code(code: char) -> Option<RowStatus> {
        RowStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::New => "new",
            RowStatus::Updated => "updated",
            RowStatus::Unchanged => "unchanged",
            RowStatus::DuplicateInFile => "duplicate_in_file",
            RowStatus::OutOfJurisdiction => "out_of_jurisdiction",
            RowStatus::Invalid => "invalid",
        }
    }

    /// The rows a preview is filtered by, as its `status` names them: none for every row, and a
    /// status that is none refused (it showed every row as if they were of the status asked).
    pub fn read_filter(raw: Option<&str>) -> Result<Option<RowStatus>, AppError> {
        let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        RowStatus::parse(raw).map(Some).ok_or_else(|| {
            let msg = Msg::new("import.show.unknown_status")
                .arg("status", raw)
                .choices_arg("choices", RowStatus::ALL.map(RowStatus::as_str));
            crate::error::field_error("status", msg)
        })
    }

    pub fn parse(raw: &str) -> Option<RowStatus> {
        RowStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// An error or a warning about one cell (or a whole row, when `column` is empty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The Excel row number (1-based).
    pub row: u32,
    pub column: String,
    pub header: String,
    pub field: String,
    pub value: String,
    pub msg: Msg,
}

/// What a stored problem is: an error, a warning, or a change an updated row makes. Ordered by
/// how much a cell's mark must say: an error's mark wins over a warning's, a warning's over a
/// change's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProblemKind {
    Change,
    Warning,
    Error,
}

/// A problem as the CLI and the API print it.
#[derive(Clone, Debug, Serialize)]
pub struct ProblemJson {
    pub row: u32,
    pub column: String,
    pub header: String,
    pub field: String,
    pub value: String,
    pub message: String,
}

impl Problem {
    pub fn render(&self, lang: Lang) -> ProblemJson {
        ProblemJson {
            row: self.row,
            column: self.column.clone(),
            header: self.header.clone(),
            field: self.field.clone(),
            value: self.value.clone(),
            message: self.msg.render(lang),
        }
    }
}

/// One data row's conclusion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedRow {
    pub row: u32,
    pub status: RowStatus,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    /// On an updated row, each cell whose value replaces what the register holds, with the value
    /// it replaces in its message: what "updated" will do, told before it is done.
    #[serde(default)]
    pub changes: Vec<Problem>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub rows_read: u64,
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub duplicates_in_file: u64,
    pub out_of_jurisdiction: u64,
    pub invalid: u64,
}

impl Counts {
    /// "600 rows: 400 new, 0 updated, …" — every count, in the reader's language.
    pub fn line(&self, lang: crate::i18n::Lang) -> String {
        crate::i18n::Msg::new("import.cli.counts")
            .count("read", self.rows_read)
            .count("new", self.new)
            .count("updated", self.updated)
            .count("unchanged", self.unchanged)
            .count("duplicates", self.duplicates_in_file)
            .count("out", self.out_of_jurisdiction)
            .count("invalid", self.invalid)
            .render(lang)
    }

    pub fn of(rows: &[PlannedRow]) -> Counts {
        let mut counts = Counts {
            rows_read: rows.len() as u64,
            ..Counts::default()
        };
        for row in rows {
            *match row.status {
                RowStatus::New => &mut counts.new,
                RowStatus::Updated => &mut counts.updated,
                RowStatus::Unchanged => &mut counts.unchanged,
                RowStatus::DuplicateInFile => &mut counts.duplicates_in_file,
                RowStatus::OutOfJurisdiction => &mut counts.out_of_jurisdiction,
                RowStatus::Invalid => &mut counts.invalid,
            } += 1;
        }
        counts
    }
}

/// A record's fields as a person reads them, by field name: what an update's changes are told
/// from. A value that is a locale key (a type, a status, yes or no) is written `@key`.
pub type FieldTexts = Vec<(&'static str, Option<String>)>;

/// Several names as one text, the way a roster's cell lists them; none when there are none.
pub fn joined<'n>(names: impl Iterator<Item = &'n str>) -> Option<String> {
    let names: Vec<&str> = names.collect();
    (!names.is_empty()).then(|| names.join("；"))
}

/// A data row seen through the mapping: the cell of each field, and problems collected as it is read.
pub struct RowReader<'a> {
    pub row: &'a Row,
    pub mapping: &'a Mapping,
    /// The workbook's date system: date cells are read as their days in it, wherever they are.
    pub is_1904: bool,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    pub changes: Vec<Problem>,
    /// The columns read as dates so far: a bare serial number in one (a Chinese built-in date
    /// format reaches us as a plain number) is named by its day in a problem, as Excel shows it.
    dated: Vec<u32>,
}

impl<'a> RowReader<'a> {
    pub fn new(row: &'a Row, mapping: &'a Mapping, is_1904: bool) -> RowReader<'a> {
        RowReader {
            row,
            mapping,
            is_1904,
            errors: Vec::new(),
            warnings: Vec::new(),
            changes: Vec::new(),
            dated: Vec::new(),
        }
    }

    /// The Excel row number.
    pub fn number(&self) -> u32 {
        self.row.index + 1
    }

    /// The field's column and cell, when the column is mapped and the cell not empty.
    pub fn cell(&self, field: &str) -> Option<(&'a MappedColumn, &'a Cell)> {
        let column = self.mapping.column_of(field)?;
        let cell = self.row.get(column.column)?;
        // Only a text can be blank; a number or a date never is.
        let blank = match cell {
            Cell::Text(text) | Cell::IsoDate(text) | Cell::Error(text) => {
                crate::text::is_blank(text)
            }
            Cell::Number(_) | Cell::Date(_) | Cell::Bool(_) => false,
        };
        (!blank).then_some((column, cell))
    }

    fn problem(&self, field: &str, value: String, msg: Msg) -> Problem {
        let column = self.mapping.column_of(field);
        Problem {
            row: self.number(),
            column: column.map(|c| c.letter.clone()).unwrap_or_default(),
            header: column.map(|c| c.header.clone()).unwrap_or_default(),
            field: field.to_owned(),
            value,
            msg,
        }
    }

    pub fn error(&mut self, field: &str, value: impl Into<String>, msg: Msg) {
        let problem = self.problem(field, value.into(), msg);
        self.errors.push(problem);
    }

    pub fn warn(&mut self, field: &str, value: impl Into<String>, msg: Msg) {
        let problem = self.problem(field, value.into(), msg);
        self.warnings.push(problem);
    }

    /// Tells that the field's cell replaces `stored`, the register's value as a person reads it
    /// (none: the register had it blank). A field without a cell in the row replaces nothing: a
    /// blank cell never erases a stored value.
    pub fn replaces(&mut self, field: &str, stored: Option<String>) {
        if self.cell(field).is_none() {
            return;
        }
        let msg = match stored {
            Some(stored) => Msg::new("import.row.replaces").arg("stored", stored),
            None => Msg::new("import.row.fills_blank"),
        };
        let problem = self.problem(field, self.shown(field), msg);
        self.changes.push(problem);
    }

    /// Tells each field whose text differs between `before` and `after` (the same fields in the
    /// same order, as a person reads them; an empty text is none) with the value it replaces.
    pub fn tell_changes(&mut self, before: FieldTexts, after: FieldTexts) {
        for ((field, was), (_, now)) in before.into_iter().zip(after) {
            let was = was.filter(|text| !text.is_empty());
            if was != now.filter(|text| !text.is_empty()) {
                self.replaces(field, was);
            }
        }
    }

    /// The id of the township a township column names; one the county does not have is only
    /// warned of (the row is kept, without a township from that column).
    pub fn known_township(&mut self, name: &str, jurisdiction: &Jurisdiction) -> Option<i64> {
        let id = jurisdiction.township_named(name);
        if id.is_none() {
            self.warn(
                "township",
                name,
                Msg::new("import.patents.unknown_township").arg("name", name),
            );
        }
        id
    }

    /// A text field's cleaned value; an error cell is an error.
    pub fn text(&mut self, field: &str) -> Option<String> {
        let (_, cell) = self.cell(field)?;
        match super::values::cell_text(cell, self.is_1904) {
            Ok(text) => (!text.is_empty()).then_some(text),
            Err(msg) => {
                self.error(field, cell.shown(self.is_1904), msg);
                None
            }
        }
    }

    /// A text field's lines (a cell of several entries, one a line), each cleaned; empty lines
    /// dropped.
    pub fn lines(&mut self, field: &str) -> Vec<String> {
        let Some((_, cell)) = self.cell(field) else {
            return Vec::new();
        };
        if let Err(msg) = super::values::cell_text(cell, self.is_1904) {
            self.error(field, cell.shown(self.is_1904), msg);
            return Vec::new();
        }
        cell.display()
            .lines()
            .map(crate::text::clean)
            .filter(|line| !line.is_empty())
            .collect()
    }

    /// The field's cell as the spreadsheet shows it (a date cell, or a number in a column read as
    /// dates, as its day rather than its serial), to name it in a problem; empty when the cell is.
    pub fn shown(&self, field: &str) -> String {
        let Some((column, cell)) = self.cell(field) else {
            return String::new();
        };
        let as_date = self
            .dated
            .contains(&column.column)
            .then_some(super::spec::FieldType::Date);
        super::values::typed_text(cell, as_date, self.is_1904).0
    }

    /// A text field's value without reporting (for the jurisdiction check, which runs first).
    pub fn peek(&self, field: &str) -> Option<String> {
        let (_, cell) = self.cell(field)?;
        super::values::cell_text(cell, self.is_1904)
            .ok()
            .filter(|t| !t.is_empty())
    }

    /// A date field.
    pub fn date(&mut self, field: &str) -> Option<chrono::NaiveDate> {
        let (column, cell) = self.cell(field)?;
        self.dated.push(column.column);
        match super::values::date(cell, self.is_1904) {
            Ok(day) => day,
            Err(msg) => {
                self.error(field, cell.shown(self.is_1904), msg);
                None
            }
        }
    }

    pub fn done(self, status: RowStatus) -> PlannedRow {
        PlannedRow {
            row: self.row.index + 1,
            status,
            errors: self.errors,
            warnings: self.warnings,
            changes: self.changes,
        }
    }
}

/// The county and townships rows are judged against.
#[derive(Clone, Debug, Default)]
pub struct Jurisdiction {
    /// The county's name and every other spelling (always including the name without 县/市/区).
    pub names: Vec<String>,
    pub townships: Vec<(i64, String)>,
}

impl Jurisdiction {
    pub fn new(
        county: Option<&str>,
        aliases: &[String],
        townships: Vec<(i64, String)>,
    ) -> Jurisdiction {
        let mut names: Vec<String> = Vec::new();
        if let Some(county) = county.filter(|c| !c.is_empty()) {
            names.push(county.to_owned());
            for suffix in ["县", "市", "区", "自治县", "旗"] {
                if let Some(stem) = county
                    .strip_suffix(suffix)
                    .filter(|s| s.chars().count() >= 2)
                {
                    names.push(stem.to_owned());
                }
            }
        }
        names.extend(aliases.iter().cloned());
        names.retain(|n| !n.is_empty());
        Jurisdiction { names, townships }
    }

    /// IMPORT.md's rule: a county cell decides; else an address decides; else the row is in.
    /// With no county configured every row is in.
    pub fn includes(&self, county: Option<&str>, address: Option<&str>) -> bool {
        if self.names.is_empty() {
            return true;
        }
        if let Some(county) = county {
            return self.names.iter().any(|n| county.contains(n.as_str()));
        }
        if let Some(address) = address {
            return self.names.iter().any(|n| address.contains(n.as_str()))
                || self
                    .townships
                    .iter()
                    .any(|(_, t)| address.contains(t.as_str()));
        }
        true
    }

    /// The township an address names (the longest name it contains).
    pub fn township_in(&self, address: &str) -> Option<i64> {
        self.townships
            .iter()
            .filter(|(_, name)| address.contains(name.as_str()))
            .max_by_key(|(_, name)| name.chars().count())
            .map(|(id, _)| *id)
    }

    /// The name of the township numbered `id`.
    pub fn township_name(&self, id: i64) -> Option<&str> {
        self.townships
            .iter()
            .find(|(t, _)| *t == id)
            .map(|(_, name)| name.as_str())
    }

    /// The township a cell names.
    pub fn township_named(&self, name: &str) -> Option<i64> {
        let wanted = crate::text::clean(name);
        self.townships
            .iter()
            .find(|(_, t)| *t == wanted)
            .map(|(id, _)| *id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jurisdiction_rules() {
        let j = Jurisdiction::new(
            Some("秭归县"),
            &["归州".to_owned()],
            vec![(1, "茅坪镇".into()), (2, "屈原镇".into())],
        );
        assert!(j.includes(Some("秭归县"), None));
        assert!(j.includes(Some("湖北省宜昌市秭归"), Some("宜都市")));
        assert!(
            !j.includes(Some("夷陵区"), Some("秭归县茅坪镇")),
            "a county cell decides"
        );
        assert!(j.includes(None, Some("茅坪镇九里工业园")));
        assert!(j.includes(None, Some("归州老街")));
        assert!(!j.includes(None, Some("宜昌市西陵区")));
        assert!(j.includes(None, None));
        assert_eq!(j.township_in("湖北省秭归县屈原镇12号"), Some(2));
        assert_eq!(j.township_named(" 茅坪镇 "), Some(1));
        let open = Jurisdiction::new(None, &[], Vec::new());
        assert!(open.includes(Some("任何地方"), None));
        let long = Jurisdiction::new(Some("长阳土家族自治县"), &[], Vec::new());
        assert!(long.names.contains(&"长阳土家族".to_owned()));
    }

    /// A mapping of columns A, B, C… to `fields`, each headed by its field's name.
    fn mapped(fields: &[&str]) -> Mapping {
        use crate::import::mapping::Source;
        let columns = (0u8..).zip(fields).map(|(n, field)| MappedColumn {
            column: u32::from(n),
            letter: char::from(b'A' + n).to_string(),
            header: (*field).to_owned(),
            field: Some((*field).to_owned()),
            source: Source::Alias,
        });
        Mapping {
            columns: columns.collect(),
        }
    }

    #[test]
    fn an_update_tells_the_cells_that_change_what_the_register_holds() {
        let mapping = mapped(&["title", "agency", "notes"]);
        let row = Row {
            index: 4,
            cells: vec![
                (0, Cell::Text("新名称".into())),
                (1, Cell::Text("某代理所".into())),
                (2, Cell::Text("  ".into())),
            ],
        };
        let text = |t: &str| Some(t.to_owned());
        // (field, before, after, what is told: the message's key, or none)
        let cases = [
            (
                "title",
                text("旧名称"),
                text("新名称"),
                Some("import.row.replaces"),
            ),
            ("title", text("新名称"), text("新名称"), None),
            (
                "agency",
                None,
                text("某代理所"),
                Some("import.row.fills_blank"),
            ),
            (
                "agency",
                text(""),
                text("某代理所"),
                Some("import.row.fills_blank"),
            ),
            // A blank cell erases nothing, and a field without a column is not told.
            ("notes", text("旧备注"), None, None),
            ("address", text("旧地址"), text("新地址"), None),
        ];
        for (field, before, after, told) in cases {
            let mut reader = RowReader::new(&row, &mapping, false);
            reader.tell_changes(vec![(field, before.clone())], vec![(field, after)]);
            let keys: Vec<&str> = reader.changes.iter().map(|c| c.msg.key.as_str()).collect();
            assert_eq!(
                keys,
                told.into_iter().collect::<Vec<_>>(),
                "{field} {before:?}"
            );
            if let Some(change) = reader.changes.first() {
                let letter = mapping.column_of(field).map(|c| c.letter.clone());
                assert_eq!((change.row, Some(change.column.clone())), (5, letter));
            }
        }
    }

    #[test]
    fn a_problem_names_a_cell_as_the_spreadsheet_shows_it() {
        let mapping = mapped(&["granted_on", "count", "title"]);
        // (cell, read as a date first, as named in a problem)
        let cases = [
            (Cell::Number(46238.0), true, "2026-08-04"),
            (Cell::Number(46238.0), false, "46238"),
            (Cell::Date(46238.0), false, "2026-08-04"),
            (Cell::Text(" 一种装置 ".into()), false, " 一种装置 "),
        ];
        for (cell, dated, shown) in cases {
            let field = if dated { "granted_on" } else { "count" };
            let at = mapping.column_of(field).map_or(0, |c| c.column);
            let row = Row {
                index: 1,
                cells: vec![(at, cell.clone())],
            };
            let mut reader = RowReader::new(&row, &mapping, false);
            if dated {
                reader.date(field);
            }
            assert_eq!(reader.shown(field), shown, "{cell:?}");
        }
    }

    #[test]
    fn status_codes_round_trip() {
        for status in RowStatus::ALL {
            assert_eq!(RowStatus::from_code(status.code()), Some(status));
            assert_eq!(RowStatus::parse(status.as_str()), Some(status));
        }
    }
}
