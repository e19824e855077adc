//! The error report: a workbook of the original rows with their values written as a person would
//! type them (dates as yyyy-mm-dd text, the original value in a note when it differed), a status
//! and a message column, bad cells filled red (errors) or yellow (warnings) with a note saying
//! why, the cells an updated row changes filled blue with the value they replace, and a summary
//! sheet. It can be fixed in Excel and imported again as it is.

use std::collections::BTreeMap;

use rust_xlsxwriter::{Color, Format, Note, Workbook as XlsxWorkbook, Worksheet};

use super::layout::{self, TableAt};
use super::mapping::Mapping;
use super::plan::{Counts, Problem, ProblemKind, RowStatus};
use super::reader::ChildReader;
use super::service::{self, Policy, StoredProblems};
use super::spec::{Register, spec};
use super::values;
use super::workbook::{Cell, Workbook, column_letter};
use crate::entities::import_batch;
use crate::error::AppError;
use crate::i18n::{Lang, Msg, t};

const RED: u32 = 0xF8CBAD;
const YELLOW: u32 = 0xFFE699;
const BLUE: u32 = 0xDDEBF7;

/// The error report of a stored batch (its upload read again) with the file name to give it:
/// the uploaded file's, marked as the report.
pub async fn for_batch(
    db: &sea_orm::DatabaseConnection,
    reader: &ChildReader,
    id: i64,
    lang: Lang,
) -> Result<(String, Vec<u8>), AppError> {
    let batch = service::batch(db, id).await?;
    let request = service::stored_request(db, &batch, Policy::ValidRows).await?;
    let workbook = reader.read(&request.bytes).await?;
    let bytes = build(&batch, &workbook, lang)?;
    let stem = batch
        .file_name
        .rsplit_once('.')
        .map_or(batch.file_name.as_str(), |(stem, _)| stem);
    let name = format!("{stem}-{}.xlsx", t(lang, "import.report.file_suffix"));
    Ok((name, bytes))
}

fn xlsx_error(error: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(error.to_string())
}

/// Builds the report of a stored batch from its workbook (read again) and its stored problems.
pub fn build(
    batch: &import_batch::Model,
    workbook: &Workbook,
    lang: Lang,
) -> Result<Vec<u8>, AppError> {
    let register = Register::parse(&batch.register).unwrap_or(Register::DEFAULT);
    let mapping: Mapping = serde_json::from_str(&batch.mapping).unwrap_or_default();
    let problems = StoredProblems::read(&batch.problems);
    let (sheet_index, sheet) = service::stored_sheet(batch, workbook)?;
    let at = service::stored_table_at(batch, sheet, sheet_index);
    let status_by_row: BTreeMap<u32, RowStatus> =
        service::stored_statuses(batch, &problems).collect();
    let (by_cell, by_row) = problems_by_cell_and_row(&problems);

    let mut book = XlsxWorkbook::new();
    let header_format = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xD9E1F2));
    let red = Format::new().set_background_color(Color::RGB(RED));
    let yellow = Format::new().set_background_color(Color::RGB(YELLOW));
    let blue = Format::new().set_background_color(Color::RGB(BLUE));
    let text_format = Format::new().set_num_format("@");
    let data = book.add_worksheet();
    data.set_name(sheet.name.chars().take(31).collect::<String>())
        .map_err(xlsx_error)?;
    write_rows(
        data,
        &ReportRows {
            sheet_rows: sheet,
            at,
            mapping: &mapping,
            register,
            is_1904: workbook.is_1904,
            status_by_row: &status_by_row,
            by_cell: &by_cell,
            by_row: &by_row,
            lang,
        },
        &Formats {
            header: &header_format,
            red: &red,
            yellow: &yellow,
            blue: &blue,
            text: &text_format,
        },
    )?;
    let summary = book.add_worksheet();
    write_summary(summary, batch, &sheet.name, lang, &header_format)?;
    book.save_to_buffer().map_err(xlsx_error)
}

/// A batch's problems (each with its kind) by cell and by row; errors, warnings, then changes,
/// as stored.
type ByCell<'p> = BTreeMap<(u32, String), Vec<(ProblemKind, &'p Problem)>>;
type ByRow<'p> = BTreeMap<u32, Vec<(ProblemKind, &'p Problem)>>;

fn problems_by_cell_and_row(problems: &StoredProblems) -> (ByCell<'_>, ByRow<'_>) {
    let mut by_cell = ByCell::new();
    let mut by_row = ByRow::new();
    for (kind, problem) in problems.all() {
        by_cell
            .entry((problem.row, problem.column.clone()))
            .or_default()
            .push((kind, problem));
        by_row.entry(problem.row).or_default().push((kind, problem));
    }
    (by_cell, by_row)
}

/// The summary sheet: the file, the batch, the counts, and how to fix and import the report.
fn write_summary(
    summary: &mut Worksheet,
    batch: &import_batch::Model,
    sheet_name: &str,
    lang: Lang,
    header_format: &Format,
) -> Result<(), AppError> {
    summary
        .set_name(t(lang, "import.report.summary_sheet"))
        .map_err(xlsx_error)?;
    let counts: Counts = serde_json::from_str(&batch.counts).unwrap_or_default();
    let count = |key: &str, value: u64| (t(lang, key), value.to_string());
    let lines = [
        (t(lang, "import.report.file"), batch.file_name.clone()),
        (t(lang, "import.report.batch"), batch.id.to_string()),
        (t(lang, "import.report.sheet"), sheet_name.to_owned()),
        count("import.report.rows_read", counts.rows_read),
        count("import.status.new", counts.new),
        count("import.status.updated", counts.updated),
        count("import.status.unchanged", counts.unchanged),
        count("import.status.duplicate_in_file", counts.duplicates_in_file),
        count(
            "import.status.out_of_jurisdiction",
            counts.out_of_jurisdiction,
        ),
        count("import.status.invalid", counts.invalid),
        (
            t(lang, "import.report.how_to"),
            t(lang, "import.report.how_to_text"),
        ),
    ];
    for (row, (label, value)) in (0u32..).zip(lines) {
        summary
            .write_string_with_format(row, 0, label, header_format)
            .map_err(xlsx_error)?;
        summary.write_string(row, 1, value).map_err(xlsx_error)?;
    }
    summary.set_column_width(0, 24).map_err(xlsx_error)?;
    summary.set_column_width(1, 60).map_err(xlsx_error)?;
    Ok(())
}

struct ReportRows<'a> {
    sheet_rows: &'a super::workbook::Sheet,
    at: TableAt,
    mapping: &'a Mapping,
    register: Register,
    is_1904: bool,
    status_by_row: &'a BTreeMap<u32, RowStatus>,
    by_cell: &'a ByCell<'a>,
    by_row: &'a ByRow<'a>,
    lang: Lang,
}

struct Formats<'a> {
    header: &'a Format,
    red: &'a Format,
    yellow: &'a Format,
    blue: &'a Format,
    text: &'a Format,
}

fn write_rows(
    sheet: &mut Worksheet,
    rows: &ReportRows<'_>,
    formats: &Formats<'_>,
) -> Result<(), AppError> {
    let columns = &rows.mapping.columns;
    let last = columns.iter().map(|c| c.column).max().unwrap_or(0);
    let status_column = u16::try_from(last + 1).unwrap_or(u16::MAX - 1);
    write_header(sheet, rows, formats, status_column)?;
    // Cells merged down are written into each row, as the import read them: the report is
    // imported again as it is, without the merged regions.
    let mapped = rows.mapping.mapped_columns();
    let data = layout::filled_data_rows(rows.sheet_rows, rows.at, &mapped);
    for (out_row, row) in (1u32..).zip(data) {
        let excel_row = row.index + 1;
        for (column, cell) in &row.cells {
            write_cell(sheet, rows, formats, (out_row, excel_row), *column, cell)?;
        }
        write_status_and_message(sheet, rows, (out_row, excel_row), status_column)?;
    }
    Ok(())
}

/// The header as it was (joined for two-row headers), then status and message.
fn write_header(
    sheet: &mut Worksheet,
    rows: &ReportRows<'_>,
    formats: &Formats<'_>,
    status_column: u16,
) -> Result<(), AppError> {
    for column in &rows.mapping.columns {
        let c = u16::try_from(column.column).unwrap_or(0);
        sheet
            .write_string_with_format(0, c, &column.header, formats.header)
            .map_err(xlsx_error)?;
        sheet.set_column_width(c, 16).map_err(xlsx_error)?;
    }
    for (column, key) in [
        (status_column, "import.report.status"),
        (status_column + 1, "import.report.message"),
    ] {
        sheet
            .write_string_with_format(0, column, t(rows.lang, key), formats.header)
            .map_err(xlsx_error)?;
    }
    sheet
        .set_column_width(status_column + 1, 60)
        .map_err(xlsx_error)?;
    sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    Ok(())
}

/// A cell as a person would type it, filled red or yellow when it has a problem (blue when an
/// update changes it), with a note saying why (and the number a date was written from, when the file held a bare one).
fn write_cell(
    sheet: &mut Worksheet,
    rows: &ReportRows<'_>,
    formats: &Formats<'_>,
    (out_row, excel_row): (u32, u32),
    column: u32,
    cell: &Cell,
) -> Result<(), AppError> {
    let c = u16::try_from(column).unwrap_or(0);
    let field = spec(rows.register).field_type_of(&rows.mapping.columns, column);
    let (text, serial) = values::typed_text(cell, field, rows.is_1904);
    let problems = rows.by_cell.get(&(excel_row, column_letter(column)));
    let kind = problems.and_then(|list| list.iter().map(|(kind, _)| *kind).max());
    let format = match kind {
        Some(ProblemKind::Error) => formats.red,
        Some(ProblemKind::Warning) => formats.yellow,
        Some(ProblemKind::Change) => formats.blue,
        None => formats.text,
    };
    sheet
        .write_string_with_format(out_row, c, &text, format)
        .map_err(xlsx_error)?;
    let mut notes: Vec<String> = problems
        .into_iter()
        .flatten()
        .map(|(_, p)| p.msg.render(rows.lang))
        .collect();
    if serial {
        notes.push(
            Msg::new("import.report.original")
                .arg("value", cell.display())
                .render(rows.lang),
        );
    }
    if !notes.is_empty() {
        let note = Note::new(notes.join("\n")).set_author("ipdesk");
        sheet.insert_note(out_row, c, &note).map_err(xlsx_error)?;
    }
    Ok(())
}

/// The row's status, and its problems in one message ("header：message", joined).
fn write_status_and_message(
    sheet: &mut Worksheet,
    rows: &ReportRows<'_>,
    (out_row, excel_row): (u32, u32),
    status_column: u16,
) -> Result<(), AppError> {
    let lang = rows.lang;
    let status = rows
        .status_by_row
        .get(&excel_row)
        .copied()
        .unwrap_or(RowStatus::Invalid);
    sheet
        .write_string(
            out_row,
            status_column,
            t(lang, &format!("import.status.{}", status.as_str())),
        )
        .map_err(xlsx_error)?;
    if let Some(list) = rows.by_row.get(&excel_row) {
        let label = t(lang, "export.label_separator");
        let message = list
            .iter()
            .map(|(_, p)| {
                if p.header.is_empty() {
                    p.msg.render(lang)
                } else {
                    format!("{}{label}{}", p.header, p.msg.render(lang))
                }
            })
            .collect::<Vec<_>>()
            .join(&t(lang, "export.part_separator"));
        sheet
            .write_string(out_row, status_column + 1, message)
            .map_err(xlsx_error)?;
    }
    Ok(())
}
