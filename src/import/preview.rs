//! One page of a dry run's rows as the preview shows them: the rows of the status asked for, each
//! cell as the officer typed it, marked where the judging found an error or a warning, with the
//! messages in a note. The rows' values are read again from the stored upload (only down to the
//! page's last row); their statuses and problems are the batch's own.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;

use super::mapping::MappedColumn;
use super::plan::{Problem, ProblemKind as Kind, RowStatus};
use super::reader::ChildReader;
use super::service::{self, Policy, StoredProblems};
use super::spec::{Register, spec};
use super::values;
use super::workbook::{Cell, Row, column_letter};
use crate::entities::import_batch;
use crate::error::AppError;
use crate::i18n::{Lang, Msg, t};
use crate::web::pagination::PageRequest;

/// The rows of one preview page, how many rows the status has, and the workbook's sheets.
#[derive(Default)]
pub struct PreviewPage {
    pub rows: Vec<GridRow>,
    pub total: u64,
    pub sheets: Vec<String>,
}

/// One row of the preview grid: its number, status, cells, and the problems of no one column.
#[derive(Serialize)]
pub struct GridRow {
    row: u32,
    status: String,
    cells: Vec<GridCell>,
    messages: Vec<String>,
}

#[derive(Serialize)]
pub struct GridCell {
    text: String,
    /// "error", "warning", "changed" (the value replaces the register's) or "".
    mark: &'static str,
    note: String,
    /// A number in the file: right-aligned, as the spreadsheet shows it.
    number: bool,
}

/// A cell's mark in the grid for the most serious kind of its problems.
fn mark(kind: Kind) -> &'static str {
    match kind {
        Kind::Change => "changed",
        Kind::Warning => "warning",
        Kind::Error => "error",
    }
}

/// A row's problems, each with its kind.
type RowProblems<'p> = Vec<(Kind, &'p Problem)>;

/// The page `request` of the rows with status `filter` (every row without one).
pub async fn page(
    db: &sea_orm::DatabaseConnection,
    reader: &ChildReader,
    batch: &import_batch::Model,
    filter: Option<RowStatus>,
    request: PageRequest,
    lang: Lang,
) -> Result<PreviewPage, AppError> {
    let problems = StoredProblems::read(&batch.problems);
    let chosen = rows_of_status(&problems, batch, filter);
    let page_rows = page_of(&chosen, request);
    let stored = service::stored_request(db, batch, Policy::ValidRows).await?;
    let scope = service::page_scope(batch, page_rows.iter().map(|(row, _)| *row));
    let workbook = reader.read_scoped(&stored.bytes, &scope).await?;
    let (sheet_index, sheet) = service::stored_sheet(batch, &workbook)?;
    let mapping = service::stored_mapping(batch);
    let filled = service::judged_rows(
        batch,
        sheet,
        sheet_index,
        &mapping,
        page_rows.iter().map(|r| r.0),
    );
    let mut on_page = problems_on_page(&problems, page_rows);
    let cells = Cells {
        register: Register::parse(&batch.register).unwrap_or(Register::DEFAULT),
        mapping: &mapping,
        is_1904: workbook.is_1904,
        lang,
    };
    let rows = page_rows
        .iter()
        .map(|(row, status)| {
            let values = row.checked_sub(1).and_then(|index| filled.get(&index));
            let problems = on_page.remove(row).unwrap_or_default();
            cells.row(*row, *status, values, &problems)
        })
        .collect();
    Ok(PreviewPage {
        rows,
        total: chosen.len() as u64,
        sheets: workbook.sheets.iter().map(|s| s.name.clone()).collect(),
    })
}

/// The rows (1-based numbers) whose status is `filter`, with their statuses.
fn rows_of_status(
    problems: &StoredProblems,
    batch: &import_batch::Model,
    filter: Option<RowStatus>,
) -> Vec<(u32, RowStatus)> {
    service::stored_statuses(batch, problems)
        .filter(|(_, s)| filter.is_none_or(|f| f == *s))
        .collect()
}

fn page_of(chosen: &[(u32, RowStatus)], request: PageRequest) -> &[(u32, RowStatus)] {
    let start = usize::try_from(request.offset())
        .unwrap_or(usize::MAX)
        .min(chosen.len());
    let end = start
        .saturating_add(usize::try_from(request.per_page).unwrap_or(50))
        .min(chosen.len());
    &chosen[start..end]
}

/// The page's problems in one pass over the batch's (errors, warnings, then changes, as stored).
fn problems_on_page<'p>(
    problems: &'p StoredProblems,
    page_rows: &[(u32, RowStatus)],
) -> HashMap<u32, RowProblems<'p>> {
    let mut on_page: HashMap<u32, RowProblems<'p>> = page_rows
        .iter()
        .map(|(row, _)| (*row, Vec::new()))
        .collect();
    for (kind, problem) in problems.all() {
        if let Some(list) = on_page.get_mut(&problem.row) {
            list.push((kind, problem));
        }
    }
    on_page
}

/// What the grid's cells are made with.
struct Cells<'m> {
    register: Register,
    mapping: &'m [MappedColumn],
    is_1904: bool,
    lang: Lang,
}

impl Cells<'_> {
    fn row(
        &self,
        row: u32,
        status: RowStatus,
        values: Option<&Cow<'_, Row>>,
        problems: &RowProblems<'_>,
    ) -> GridRow {
        let cells = self
            .mapping
            .iter()
            .map(|column| {
                let letter = column_letter(column.column);
                let here: Vec<&(Kind, &Problem)> = problems
                    .iter()
                    .filter(|(_, p)| p.column == letter)
                    .collect();
                let cell = values.and_then(|r| r.get(column.column));
                self.cell(column, cell, &here)
            })
            .collect();
        let messages = problems
            .iter()
            .filter(|(_, p)| p.column.is_empty())
            .map(|(_, p)| p.msg.render(self.lang))
            .collect();
        GridRow {
            row,
            status: status.as_str().to_owned(),
            cells,
            messages,
        }
    }

    /// As a person would type it: a bare serial number in a date column (a Chinese built-in date
    /// format, which Excel shows as a date) is its day, the number in a note; every other cell as
    /// the spreadsheet shows it.
    fn cell(
        &self,
        column: &MappedColumn,
        cell: Option<&Cell>,
        problems: &[&(Kind, &Problem)],
    ) -> GridCell {
        let field = spec(self.register).field_type_of(self.mapping, column.column);
        let (text, serial) = cell
            .map(|c| values::typed_text(c, field, self.is_1904))
            .unwrap_or_default();
        let mut notes: Vec<String> = problems
            .iter()
            .map(|(_, p)| p.msg.render(self.lang))
            .collect();
        if serial {
            let original = cell.map(Cell::display).unwrap_or_default();
            notes.push(
                Msg::new("import.report.original")
                    .arg("value", original)
                    .render(self.lang),
            );
        }
        let mark = problems
            .iter()
            .map(|(kind, _)| *kind)
            .max()
            .map_or("", mark);
        GridCell {
            text,
            number: !serial && matches!(cell, Some(Cell::Number(_))),
            mark,
            note: notes.join(&t(self.lang, "export.part_separator")),
        }
    }
}
