//! Importing a roster while the child still reads it. Reading a 100,000-row roster takes as long
//! as a sixth of its import, so a patents roster's commit starts as soon as its table can be told
//! apart — the first rows of the one sheet it can be on — and takes the rest of the rows as they
//! arrive. Whatever cannot be told that early (several sheets and none named, a header row below
//! the rows read so far, rows out of order) is read whole first, as before; the result is the same
//! either way.

use std::borrow::Cow;
use std::collections::VecDeque;

use super::layout::{self, FillDown, RowKind, TableAt};
use super::patent_commit::CHUNK;
use super::reader::Stream;
use super::service::Request;
pub use super::wire::Frame;
use super::wire::{Assembler, Decoded, cells_in_order, in_order};
use super::workbook::{Row, Sheet, Workbook};
use crate::error::AppError;

/// What the first frames of a stream gave.
pub enum Opening {
    /// The stream ended before its table could be told apart: the workbook, read whole.
    Whole(Workbook),
    /// The table's sheet has begun: the workbook so far (every sheet named, the table's sheet
    /// with its first rows), which sheet it is and how many rows its file says it spans.
    Begun {
        head: Workbook,
        sheet: usize,
        rows_said: u32,
    },
}

/// Reads frames until the table's sheet holds enough rows in order to find the table in (see
/// [`Opening`]), or to the end.
pub async fn open(stream: &mut Stream, request: &Request) -> Result<Opening, AppError> {
    let mut assembler = Assembler::default();
    let mut names = Vec::new();
    let mut target = None;
    let mut rows_said = 0;
    let mut disordered = false;
    loop {
        let frame = stream.next().await?;
        match &frame {
            Frame::Head { sheets, .. } => {
                target = table_sheet(request.sheet.as_deref(), sheets);
                names.clone_from(sheets);
            }
            Frame::Sheet { rows, .. } if target == Some(assembler.sheets_begun()) => {
                rows_said = *rows;
            }
            Frame::Rows(rows) if !disordered => {
                let current = assembler.sheets_begun().checked_sub(1);
                if current.is_some() && current == target {
                    let last = assembler.last_row().map(|r| r.index);
                    disordered = !in_order(rows)
                        || last.zip(rows.first()).is_some_and(|(l, r)| r.index <= l);
                }
            }
            _ => {}
        }
        if let Some(decoded) = assembler.take(frame) {
            return match decoded {
                Decoded::Workbook(workbook) => Ok(Opening::Whole(workbook)),
                Decoded::Refused(msg) => Err(AppError::UnsupportedMediaType(msg)),
                Decoded::Broken => Err(stream.broken()),
            };
        }
        let current = assembler.sheets_begun().checked_sub(1);
        if let Some(sheet) = current.filter(|c| !disordered && Some(*c) == target)
            && enough(assembler.rows(), request.header_row)
            && let Some(head) = assembler.take_head(&names)
        {
            return Ok(Opening::Begun {
                head,
                sheet,
                rows_said,
            });
        }
    }
}

/// The sheet the table must be on, when it can be told from the names alone: the sheet named,
/// or the only one.
fn table_sheet(named: Option<&str>, sheets: &[String]) -> Option<usize> {
    match named.map(str::trim) {
        Some(name) if !name.is_empty() => sheets.iter().position(|s| s == name),
        _ => (sheets.len() == 1).then_some(0),
    }
}

/// Whether the rows read so far settle the table: the header rows detection tries and the row
/// below each, or the header row given and the one below it. (Every row handed on is whole.)
fn enough(rows: &[Row], header_row: Option<u32>) -> bool {
    match header_row {
        // 1-based: the header's second row, if it has one, is `row` 0-based.
        Some(row) if row >= 1 => rows.last().is_some_and(|last| last.index >= row),
        _ => rows.len() > layout::HEADER_SEARCH_ROWS + 1,
    }
}

/// The data rows of a table still arriving, a chunk at a time, as
/// [`layout::data_rows`] would give them from the whole sheet.
pub struct DataRows<'s> {
    stream: &'s mut Stream,
    waiting: VecDeque<Row>,
    first: u32,
    last: Option<u32>,
    /// Frames of the table's sheet are still coming.
    in_sheet: bool,
    ended: bool,
    /// A row came out of order: the rows must be read whole and tidied (see [`DataRows::next`]).
    pub disordered: bool,
    fill: FillDown,
}

impl<'s> DataRows<'s> {
    /// The rows below the header at `at` of `sheet` (the rows read so far), then those to come,
    /// with the cells merged down in `columns` filled in.
    pub fn new(
        stream: &'s mut Stream,
        sheet: &Sheet,
        at: TableAt,
        columns: &[u32],
    ) -> DataRows<'s> {
        // The sheet's merged regions came with its first frame, before any of its rows.
        let mut fill = FillDown::new(&sheet.merges, at, columns);
        let waiting = layout::data_rows(sheet, at)
            .map(|row| fill.fill(Cow::Borrowed(row)).into_owned())
            .collect();
        DataRows {
            stream,
            waiting,
            first: at.first_data_row(),
            last: sheet.rows.last().map(|r| r.index),
            in_sheet: true,
            ended: false,
            disordered: false,
            fill,
        }
    }

    /// The next chunk of up to [`CHUNK`] data rows; `None` once the stream has ended (a roster is
    /// committed only after the child has read the whole file). A row out of order is an error,
    /// with [`DataRows::disordered`] set.
    pub async fn next(&mut self) -> Result<Option<Vec<Row>>, AppError> {
        while self.waiting.len() < CHUNK && !self.ended {
            match self.stream.next().await? {
                Frame::Rows(rows) if self.in_sheet => self.take(rows)?,
                Frame::Sheet { .. } => self.in_sheet = false,
                Frame::End => self.ended = true,
                _ => {}
            }
        }
        if self.waiting.is_empty() {
            return Ok(None);
        }
        let count = self.waiting.len().min(CHUNK);
        Ok(Some(self.waiting.drain(..count).collect()))
    }

    fn take(&mut self, rows: Vec<Row>) -> Result<(), AppError> {
        for row in rows {
            if self.last.is_some_and(|last| row.index <= last) || !cells_in_order(&row) {
                self.disordered = true;
                return Err(AppError::Internal("import: rows out of order".into()));
            }
            self.last = Some(row.index);
            if row.index >= self.first && layout::kind(&row) == RowKind::Data {
                let row = self.fill.fill(Cow::Owned(row)).into_owned();
                self.waiting.push_back(row);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::workbook::Cell;

    fn row(index: u32, columns: &[u32]) -> Row {
        Row {
            index,
            cells: columns.iter().map(|c| (*c, Cell::Number(1.0))).collect(),
        }
    }

    #[test]
    fn the_table_s_sheet_is_told_by_its_name_or_as_the_only_one() {
        let one = vec!["名册".to_owned()];
        let two = vec!["说明".to_owned(), "名册".to_owned()];
        for (named, sheets, expected) in [
            (None, &one, Some(0)),
            (Some(""), &one, Some(0)),
            (None, &two, None),
            (Some("名册"), &two, Some(1)),
            (Some(" 名册 "), &two, Some(1)),
            (Some("清单"), &two, None),
        ] {
            assert_eq!(table_sheet(named, sheets), expected, "{named:?} {sheets:?}");
        }
    }

    #[test]
    fn rows_are_enough_once_the_header_and_a_row_below_it_are_read() {
        let rows = |count: u32| (0..count).map(|i| row(i, &[0])).collect::<Vec<_>>();
        let searched = layout::HEADER_SEARCH_ROWS as u32;
        for (read, header_row, expected) in [
            (searched + 1, None, false),
            (searched + 2, None, true),
            (6, Some(5), true),
            (5, Some(5), false),
            (7, Some(5), true),
            (1, Some(0), false),
        ] {
            assert_eq!(
                enough(&rows(read), header_row),
                expected,
                "{read} rows, header {header_row:?}"
            );
        }
    }

    #[test]
    fn rows_in_order_are_those_a_tidied_sheet_would_have() {
        for (rows, expected) in [
            (vec![row(0, &[0, 1]), row(2, &[3])], true),
            (vec![row(2, &[0]), row(1, &[0])], false),
            (vec![row(1, &[0]), row(1, &[1])], false),
            (vec![row(1, &[1, 0])], false),
            (vec![row(1, &[1, 1])], false),
            (Vec::new(), true),
        ] {
            assert_eq!(in_order(&rows), expected, "{rows:?}");
        }
    }
}
