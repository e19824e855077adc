//! The one register writer every export goes through: a title and a subtitle (what, whose, which
//! period or filters, when), a styled header, the key columns and header frozen, an autofilter,
//! columns as wide as their Chinese text (capped and wrapped beyond), dates as dates, identifiers
//! as text without Excel's green triangles, a totals row whose formula carries its result (phone
//! previewers show the stored value), print setup and document properties. Rows are streamed
//! into a constant-memory worksheet, so a register of any size writes in flat memory.

use chrono::NaiveDate;
use rust_xlsxwriter::{
    Color, DocProperties, Format, FormatAlign, FormatBorder, Formula, IgnoreError, Workbook,
    Worksheet, XlsxError,
};
use unicode_width::UnicodeWidthStr;

use crate::error::AppError;

/// What a column holds, which decides its cell type and format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text, on one line.
    Text,
    /// Long text, wrapped beyond the width cap.
    Wrap,
    /// Digits that are not a quantity (application numbers, credit codes): text, no warnings.
    Identifier,
    Date,
    Integer,
    /// A fraction shown as a percentage with one decimal (0.213 → 21.3%).
    Percent,
    /// Yuan with their fen (罚款 2,400.00).
    Money,
}

/// One column: its header and kind. Its width is measured from the values written.
#[derive(Clone, Debug)]
pub struct Column {
    pub header: String,
    pub kind: Kind,
}

impl Column {
    pub fn new(header: impl Into<String>, kind: Kind) -> Column {
        Column {
            header: header.into(),
            kind,
        }
    }

    /// Excel's width for the column: the widest of its header and `widest` value (in display
    /// columns), with a little room, capped (long text wraps instead).
    fn excel_width(&self, widest: usize) -> f64 {
        let widest = widest.max(display_width(&self.header));
        let cap = if self.kind == Kind::Wrap { 40 } else { WIDEST };
        let floor = match self.kind {
            Kind::Date => 11,
            Kind::Integer | Kind::Percent => 6,
            Kind::Money => 12,
            _ => 8,
        };
        (widest.clamp(floor, cap) + 2) as f64
    }
}

/// The widest a column is made, in display columns (long text beyond wraps or is cut off).
const WIDEST: usize = 60;

/// A value to write.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Date(NaiveDate),
    Integer(i64),
    Number(f64),
}

impl From<Option<String>> for Value {
    fn from(text: Option<String>) -> Value {
        text.map_or(Value::Empty, Value::Text)
    }
}

impl From<Option<NaiveDate>> for Value {
    fn from(day: Option<NaiveDate>) -> Value {
        day.map_or(Value::Empty, Value::Date)
    }
}

impl Value {
    /// A text cell; a missing or empty text leaves the cell empty.
    pub fn text(text: Option<&str>) -> Value {
        match text {
            Some(text) if !text.is_empty() => Value::Text(text.to_owned()),
            _ => Value::Empty,
        }
    }

    /// A count cell; a count never given leaves the cell empty (not 0).
    pub fn count(count: Option<i64>) -> Value {
        count.map_or(Value::Empty, Value::Integer)
    }

    /// The row's number, counted from 1.
    pub fn number(number: usize) -> Value {
        Value::Integer(i64::try_from(number).unwrap_or(i64::MAX))
    }

    /// A list in one cell, joined with `separator`; an empty list leaves the cell empty.
    pub fn joined<S: AsRef<str>>(items: impl IntoIterator<Item = S>, separator: &str) -> Value {
        let mut text = String::new();
        for (index, item) in items.into_iter().enumerate() {
            if index > 0 {
                text.push_str(separator);
            }
            text.push_str(item.as_ref());
        }
        Value::text(Some(&text))
    }

    /// How wide the value shows, in display columns.
    fn width(&self) -> usize {
        match self {
            Value::Empty => 0,
            Value::Text(text) => display_width(text),
            Value::Date(_) => 10,
            Value::Integer(n) => n.to_string().len(),
            Value::Number(_) => 7,
        }
    }
}

/// How wide a text shows: East Asian wide and full-width characters take two columns.
pub fn display_width(text: &str) -> usize {
    text.lines().map(UnicodeWidthStr::width).max().unwrap_or(0)
}

/// The words around the table, in the reader's language.
#[derive(Clone, Debug)]
pub struct Titles {
    /// The register and whose it is: "专利台账（秭归县）".
    pub title: String,
    /// The period or filters, and when it was exported.
    pub subtitle: String,
    /// The sheet's tab.
    pub sheet: String,
    /// The totals row's label: "合计".
    pub totals: String,
    /// The page footer, with `&P` and `&N` for the page and the page count.
    pub footer: String,
    /// The document's company (the county) and subject (the register).
    pub company: String,
    pub subject: String,
}

/// Where the header sits: after the title and subtitle rows.
const HEADER_ROW: u32 = 2;

struct Formats {
    title: Format,
    subtitle: Format,
    header: Format,
    text: Format,
    wrap: Format,
    identifier: Format,
    date: Format,
    integer: Format,
    percent: Format,
    money: Format,
    totals: Format,
}

impl Formats {
    fn new() -> Formats {
        let border = |f: Format| f.set_border(FormatBorder::Thin);
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center),
            subtitle: Format::new().set_font_color(Color::RGB(0x595959)),
            header: border(
                Format::new()
                    .set_bold()
                    .set_background_color(Color::RGB(0xDDEBF7))
                    .set_align(FormatAlign::Center)
                    .set_align(FormatAlign::VerticalCenter)
                    .set_text_wrap(),
            ),
            text: border(Format::new()),
            wrap: border(Format::new().set_text_wrap()),
            identifier: border(Format::new().set_num_format("@")),
            date: border(Format::new().set_num_format("yyyy-mm-dd")),
            integer: border(Format::new().set_num_format("0")),
            percent: border(Format::new().set_num_format("0.0%")),
            money: border(Format::new().set_num_format("#,##0.00")),
            totals: border(
                Format::new()
                    .set_bold()
                    .set_background_color(Color::RGB(0xF2F2F2)),
            ),
        }
    }

    fn of(&self, kind: Kind) -> &Format {
        match kind {
            Kind::Text => &self.text,
            Kind::Wrap => &self.wrap,
            Kind::Identifier => &self.identifier,
            Kind::Date => &self.date,
            Kind::Integer => &self.integer,
            Kind::Percent => &self.percent,
            Kind::Money => &self.money,
        }
    }
}

fn xlsx_error(error: XlsxError) -> AppError {
    AppError::Internal(format!("writing the workbook: {error}"))
}

/// A register being written, row after row.
/// A figure of the totals row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Total {
    /// How many rows hold a value in the column.
    Count(usize),
    /// The sum of the column.
    Sum(usize),
}

/// Rows on their way to the writer, measured where they are made: the writer's thread is the
/// export's slowest, so it only writes.
#[derive(Debug, Default)]
pub struct Chunk {
    rows: Vec<Vec<Value>>,
    /// The widest value of each column among the rows.
    widest: Vec<usize>,
}

impl Chunk {
    pub fn with_capacity(rows: usize) -> Chunk {
        Chunk {
            rows: Vec::with_capacity(rows),
            widest: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Value>) {
        widen(&mut self.widest, &row);
        self.rows.push(row);
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Widens `widest` to hold each of `values`, column by column.
fn widen(widest: &mut Vec<usize>, values: &[Value]) {
    if widest.len() < values.len() {
        widest.resize(values.len(), 0);
    }
    for (widest, value) in widest.iter_mut().zip(values) {
        // A text shows no wider than its UTF-8 bytes, and no column is wider than the widest
        // cap: most texts need no measuring.
        if let Value::Text(text) = value
            && (text.len() <= *widest || *widest >= WIDEST)
        {
            continue;
        }
        *widest = (*widest).max(value.width());
    }
}

pub struct RegisterWriter {
    workbook: Workbook,
    formats: Formats,
    columns: Vec<Column>,
    titles: Titles,
    /// The next row to write.
    row: u32,
    /// How many rows hold a value in each column (the totals' computed results).
    filled: Vec<u64>,
    /// The widest value of each column so far, in display columns.
    widest: Vec<usize>,
    /// The sum of each column's whole numbers (the totals' computed results).
    sums: Vec<i64>,
}

impl RegisterWriter {
    /// Starts a register: its titles, widths and header. `frozen` columns (the key) stay in view.
    pub fn new(
        titles: Titles,
        columns: Vec<Column>,
        frozen: u16,
        created: chrono::DateTime<chrono::Utc>,
    ) -> Result<RegisterWriter, AppError> {
        let mut workbook = Workbook::new();
        let properties = DocProperties::new()
            .set_title(&titles.title)
            .set_subject(&titles.subject)
            .set_author("ipdesk")
            .set_company(&titles.company)
            .set_creation_datetime(&created);
        workbook.set_properties(&properties);
        let formats = Formats::new();
        let sheet = workbook
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_error)?;
        start_sheet(sheet, &titles, &columns, &formats, frozen)?;
        let filled = vec![0; columns.len()];
        let widest = vec![0; columns.len()];
        let sums = vec![0; columns.len()];
        Ok(RegisterWriter {
            workbook,
            formats,
            columns,
            titles,
            row: HEADER_ROW + 1,
            filled,
            widest,
            sums,
        })
    }

    fn sheet(&mut self) -> Result<&mut Worksheet, AppError> {
        self.workbook.worksheet_from_index(0).map_err(xlsx_error)
    }

    /// Writes the next row; `values` follow the columns.
    pub fn row(&mut self, values: Vec<Value>) -> Result<(), AppError> {
        widen(&mut self.widest, &values);
        self.write(values)
    }

    /// Writes a chunk of rows, measured already.
    pub fn chunk(&mut self, chunk: Chunk) -> Result<(), AppError> {
        for (widest, measured) in self.widest.iter_mut().zip(&chunk.widest) {
            *widest = (*widest).max(*measured);
        }
        for values in chunk.rows {
            self.write(values)?;
        }
        Ok(())
    }

    /// Writes a row, its texts handed over (the writer keeps them without copying).
    fn write(&mut self, values: Vec<Value>) -> Result<(), AppError> {
        let row = self.row;
        let sheet = self.workbook.worksheet_from_index(0).map_err(xlsx_error)?;
        for (index, (value, column)) in values.into_iter().zip(&self.columns).enumerate() {
            let col = u16::try_from(index).unwrap_or(u16::MAX);
            let format = self.formats.of(column.kind);
            if let (Value::Integer(n), Some(sum)) = (&value, self.sums.get_mut(index)) {
                *sum += n;
            }
            let written = match value {
                Value::Empty => sheet.write_blank(row, col, format).map(|_| false),
                Value::Text(text) => sheet
                    .write_string_with_format(row, col, text, format)
                    .map(|_| true),
                Value::Date(day) => sheet
                    .write_date_with_format(row, col, day, format)
                    .map(|_| true),
                Value::Integer(n) => sheet
                    .write_number_with_format(row, col, n as f64, format)
                    .map(|_| true),
                Value::Number(n) => sheet
                    .write_number_with_format(row, col, n, format)
                    .map(|_| true),
            }
            .map_err(xlsx_error)?;
            if written && let Some(count) = self.filled.get_mut(index) {
                *count += 1;
            }
        }
        self.row += 1;
        Ok(())
    }

    /// How many data rows have been written.
    pub fn rows(&self) -> u32 {
        self.row - HEADER_ROW - 1
    }

    /// Ends the register: the totals row (each of `totals` a formula with its result stored,
    /// since phone previewers show the stored value), the autofilter, and the identifier
    /// columns' warnings silenced. Returns the workbook, to save or to add sheets to.
    pub fn finish(mut self, totals: &[Total]) -> Result<Workbook, AppError> {
        let first = HEADER_ROW + 1;
        let last_data = self.row.saturating_sub(1).max(first);
        let totals_row = self.row;
        let width = u16::try_from(self.columns.len().saturating_sub(1)).unwrap_or(0);
        let label = self.titles.totals.clone();
        let identifiers: Vec<u16> = (0u16..)
            .zip(&self.columns)
            .filter(|(_, c)| c.kind == Kind::Identifier)
            .map(|(i, _)| i)
            .collect();
        let formulas: Vec<(u16, Formula)> = totals
            .iter()
            .map(|total| {
                let (function, column, result) = match *total {
                    Total::Count(c) => {
                        ("COUNTA", c, self.filled.get(c).copied().unwrap_or(0) as i64)
                    }
                    Total::Sum(c) => ("SUM", c, self.sums.get(c).copied().unwrap_or(0)),
                };
                let letter =
                    crate::import::workbook::column_letter(u32::try_from(column).unwrap_or(0));
                let formula = Formula::new(format!(
                    "={function}({letter}{}:{letter}{})",
                    first + 1,
                    last_data + 1
                ))
                .set_result(result.to_string());
                (u16::try_from(column).unwrap_or(0), formula)
            })
            .collect();
        let format = self.formats.totals.clone();
        let widths: Vec<f64> = self
            .columns
            .iter()
            .zip(&self.widest)
            .map(|(column, widest)| column.excel_width(*widest))
            .collect();
        let sheet = self.sheet()?;
        // rust_xlsxwriter writes the column widths when it saves, also in constant-memory mode
        // (only the cells stream to its temporary file), so widths measured while the rows
        // streamed are in time; the exports test checks them in the file.
        for (col, width) in (0u16..).zip(widths) {
            sheet.set_column_width(col, width).map_err(xlsx_error)?;
        }
        for col in 0..=width {
            sheet
                .write_blank(totals_row, col, &format)
                .map_err(xlsx_error)?;
        }
        sheet
            .write_string_with_format(totals_row, 0, &label, &format)
            .map_err(xlsx_error)?;
        for (column, formula) in formulas {
            sheet
                .write_formula_with_format(totals_row, column, formula, &format)
                .map_err(xlsx_error)?;
        }
        sheet
            .autofilter(HEADER_ROW, 0, last_data, width)
            .map_err(xlsx_error)?;
        for col in identifiers {
            sheet
                .ignore_error_range(first, col, last_data, col, IgnoreError::NumberStoredAsText)
                .map_err(xlsx_error)?;
        }
        Ok(self.workbook)
    }
}

fn start_sheet(
    sheet: &mut Worksheet,
    titles: &Titles,
    columns: &[Column],
    formats: &Formats,
    frozen: u16,
) -> Result<(), AppError> {
    let last = u16::try_from(columns.len().saturating_sub(1)).unwrap_or(0);
    sheet
        .set_name(sheet_name(&titles.sheet))
        .map_err(xlsx_error)?;
    sheet.set_row_height(0, 24).map_err(xlsx_error)?;
    if last > 0 {
        sheet
            .merge_range(0, 0, 0, last, &titles.title, &formats.title)
            .map_err(xlsx_error)?;
        sheet
            .merge_range(1, 0, 1, last, &titles.subtitle, &formats.subtitle)
            .map_err(xlsx_error)?;
    } else {
        sheet
            .write_string_with_format(0, 0, &titles.title, &formats.title)
            .map_err(xlsx_error)?;
        sheet
            .write_string_with_format(1, 0, &titles.subtitle, &formats.subtitle)
            .map_err(xlsx_error)?;
    }
    for (col, column) in (0u16..).zip(columns) {
        sheet
            .write_string_with_format(HEADER_ROW, col, &column.header, &formats.header)
            .map_err(xlsx_error)?;
    }
    sheet
        .set_freeze_panes(HEADER_ROW + 1, frozen)
        .map_err(xlsx_error)?;
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet
        .set_repeat_rows(HEADER_ROW, HEADER_ROW)
        .map_err(xlsx_error)?;
    sheet.set_footer(&titles.footer);
    Ok(())
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    if cleaned.is_empty() {
        "Sheet1".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_texts_and_lists_leave_the_cell_empty() {
        let text = |s: &str| Value::Text(s.to_owned());
        let cases: [(&[&str], Value); 5] = [
            (&[], Value::Empty),
            (&[""], Value::Empty),
            (&["吴艳"], text("吴艳")),
            (&["吴艳", "王伟"], text("吴艳、王伟")),
            // An empty part keeps its place, as the importer reads the cell back.
            (&["", "王伟"], text("、王伟")),
        ];
        for (items, expected) in cases {
            assert_eq!(Value::joined(items, "、"), expected, "{items:?}");
        }
        assert_eq!(Value::text(None), Value::Empty);
        assert_eq!(Value::text(Some("")), Value::Empty);
        assert_eq!(Value::text(Some("秭归")), text("秭归"));
        assert_eq!(Value::count(None), Value::Empty);
        assert_eq!(Value::count(Some(0)), Value::Integer(0));
    }

    #[test]
    fn chinese_counts_double() {
        let cases = [
            ("", 0),
            ("ABC", 3),
            ("茶叶", 4),
            ("ZL茶叶", 6),
            ("（全角）", 8),
            ("第一行\n长一些的第二行", 14),
        ];
        for (text, width) in cases {
            assert_eq!(display_width(text), width, "{text}");
        }
    }

    #[test]
    fn widths_fit_chinese_and_are_capped() {
        assert_eq!(Column::new("名称", Kind::Text).excel_width(30), 32.0);
        assert_eq!(Column::new("名称", Kind::Wrap).excel_width(300), 42.0);
        assert_eq!(Column::new("申请日", Kind::Date).excel_width(0), 13.0);
        // The header is never cut.
        assert_eq!(
            Column::new("统一社会信用代码", Kind::Identifier).excel_width(18),
            20.0
        );
    }

    /// The sheet's XML of a small register written through the writer.
    fn written(rows: &[Vec<Value>]) -> String {
        use std::io::Read;
        let titles = Titles {
            title: "专利台账（秭归县）".into(),
            subtitle: "全部记录".into(),
            sheet: "专利台账".into(),
            totals: "合计".into(),
            footer: "&CPage &P of &N".into(),
            company: "秭归县".into(),
            subject: "专利台账".into(),
        };
        let columns = vec![
            Column::new("序号", Kind::Integer),
            Column::new("申请号", Kind::Identifier),
            Column::new("名称", Kind::Wrap),
            Column::new("申请日", Kind::Date),
        ];
        let mut writer =
            RegisterWriter::new(titles, columns, 2, chrono::Utc::now()).expect("a writer");
        for row in rows {
            writer.row(row.clone()).expect("a row");
        }
        assert_eq!(writer.rows() as usize, rows.len());
        let bytes = writer
            .finish(&[Total::Count(1)])
            .expect("finished")
            .save_to_buffer()
            .expect("saved");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .expect("the sheet")
            .read_to_string(&mut xml)
            .expect("text");
        xml
    }

    #[test]
    fn widths_are_measured_from_the_rows_written_and_totals_carry_their_result() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 15);
        let xml = written(&[
            vec![
                Value::Integer(1),
                Value::Text("202610000001.8".into()),
                Value::Text("一种脐橙保鲜装置".into()),
                day.into(),
            ],
            vec![
                Value::Integer(2),
                Value::Text("202620000002.X".into()),
                Value::Text("茶".repeat(30)),
                Value::Empty,
            ],
        ]);
        // 序号 6 (floor), 申请号 14 + 2, 名称 60 capped to 40 + 2, 申请日 11 (floor) + 2.
        for (col, width) in [(1, 8), (2, 16), (3, 42), (4, 13)] {
            let expected = format!(r#"<col min="{col}" max="{col}" width="{width}."#);
            assert!(xml.contains(&expected), "{expected} in {xml}");
        }
        // Two application numbers counted; the result stored beside the formula.
        assert!(xml.contains("<f>COUNTA(B4:B5)</f><v>2</v>"), "{xml}");
    }

    #[test]
    fn sheet_names_are_made_acceptable() {
        assert_eq!(sheet_name("专利台账"), "专利台账");
        assert_eq!(sheet_name("a/b:c"), "abc");
        assert_eq!(sheet_name("[]"), "Sheet1");
        assert_eq!(sheet_name(&"长".repeat(40)).chars().count(), 31);
    }
}
