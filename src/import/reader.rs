//! Reading workbooks. Untrusted files are parsed in a child process — the `ipdesk` binary itself,
//! `ipdesk dev read-workbook PATH` — with an address-space limit and a time limit: an allocation
//! failure inside a library aborts the process (it cannot be caught), and it must abort the child,
//! never the server. The child prints the sparse workbook as JSON; the server reads it back.

use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};
use std::time::Duration;

use calamine::{Data, DataRef, Reader, Xls, Xlsb, Xlsx};
use serde::{Deserialize, Serialize};

use super::sniff::sniff;
use super::workbook::{Cell, Format, Merge, Row, Sheet, Workbook};
use crate::error::AppError;
use crate::i18n::Msg;

/// The child may not map more memory than this.
pub const CHILD_MEMORY_BYTES: u64 = 1024 * 1024 * 1024;
/// Nor run longer.
pub const CHILD_SECONDS: u64 = 20;
/// A workbook with more non-empty cells than this is refused (a roster has a few hundred thousand).
pub const MAX_CELLS: usize = 5_000_000;

/// What the child prints.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    Ok(Workbook),
    Error(Msg),
}

/// How the server starts the reading child: which program (the `ipdesk` binary).
#[derive(Clone, Debug)]
pub struct ChildReader {
    pub program: PathBuf,
}

impl ChildReader {
    /// The running binary, when it is `ipdesk` (the CLI and the server).
    pub fn current() -> ChildReader {
        ChildReader {
            program: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("ipdesk")),
        }
    }

    /// Reads `bytes` in a child process: the workbook, or one clear sentence why not.
    pub async fn read(&self, bytes: &[u8]) -> Result<Workbook, AppError> {
        let format = sniff(bytes).map_err(AppError::UnsupportedMediaType)?;
        let file = tempfile::Builder::new()
            .prefix("ipdesk-upload-")
            .tempfile()
            .map_err(internal)?;
        std::fs::write(file.path(), bytes).map_err(internal)?;
        let mut command = tokio::process::Command::new(&self.program);
        command
            .args(["dev", "read-workbook"])
            .arg(file.path())
            .env("IPDESK_LANG", "en")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        let child = command.spawn().map_err(internal)?;
        let waited = tokio::time::timeout(
            Duration::from_secs(CHILD_SECONDS + 10),
            child.wait_with_output(),
        )
        .await;
        let output = match waited {
            Ok(Ok(output)) => output,
            Ok(Err(error)) => return Err(internal(error)),
            Err(_) => return Err(unreadable(format, "timeout")),
        };
        match serde_json::from_slice::<Answer>(&output.stdout) {
            Ok(Answer::Ok(workbook)) => Ok(workbook),
            Ok(Answer::Error(msg)) => Err(AppError::UnsupportedMediaType(msg)),
            // The child died (memory, time, a crash inside the parser): the file is at fault.
            Err(_) => Err(unreadable(format, &format!("{:?}", output.status))),
        }
    }
}

fn internal(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(error.to_string())
}

fn unreadable(format: Format, why: &str) -> AppError {
    tracing::warn!(
        ?format,
        why,
        "a workbook could not be read within the limits"
    );
    AppError::UnsupportedMediaType(Msg::new("import.read.limits"))
}

/// The child's work: limit itself, read the file, print the answer. Never panics on a bad file;
/// runs out of memory or time only by being stopped.
pub fn child_main(path: &Path) -> Answer {
    limit_self();
    match std::fs::read(path) {
        Ok(bytes) => match read_bytes(&bytes) {
            Ok(workbook) => Answer::Ok(workbook),
            Err(msg) => Answer::Error(msg),
        },
        Err(_) => Answer::Error(Msg::new("import.read.unreadable")),
    }
}

fn limit_self() {
    use rustix::process::{Resource, Rlimit, setrlimit};
    let memory = Rlimit {
        current: Some(CHILD_MEMORY_BYTES),
        maximum: Some(CHILD_MEMORY_BYTES),
    };
    let cpu = Rlimit {
        current: Some(CHILD_SECONDS),
        maximum: Some(CHILD_SECONDS + 1),
    };
    // Limits that cannot be set leave the parent's timeout as the guard.
    let _ = setrlimit(Resource::As, memory);
    let _ = setrlimit(Resource::Cpu, cpu);
}

/// Reads a workbook from bytes in this process (the child, and unit tests of well-formed files).
pub fn read_bytes(bytes: &[u8]) -> Result<Workbook, Msg> {
    let format = sniff(bytes)?;
    let cursor = Cursor::new(bytes);
    let result = match format {
        Format::Xlsx => read_xlsx(cursor),
        Format::Xlsb => read_xlsb(cursor),
        Format::Xls => read_xls(cursor),
        Format::Ods => read_ods(cursor),
    };
    let workbook = result?;
    let cells: usize = workbook
        .sheets
        .iter()
        .flat_map(|s| &s.rows)
        .map(|r| r.cells.len())
        .sum();
    if cells > MAX_CELLS {
        return Err(Msg::new("import.read.too_many_cells")
            .arg("cells", cells)
            .arg("max", MAX_CELLS));
    }
    if workbook.sheets.iter().all(|s| s.rows.is_empty()) {
        return Err(Msg::new("import.read.no_data"));
    }
    Ok(workbook)
}

/// Turns a library's error text into the sentence a person needs.
fn explain(error: &dyn std::fmt::Display) -> Msg {
    let text = error.to_string().to_lowercase();
    if text.contains("password") || text.contains("encrypt") {
        Msg::new("import.read.encrypted")
    } else {
        Msg::new("import.read.damaged")
    }
}

fn cell_of(value: &DataRef<'_>) -> Option<Cell> {
    Some(match value {
        DataRef::Empty => return None,
        DataRef::Int(n) => Cell::Number(*n as f64),
        DataRef::Float(n) => Cell::Number(*n),
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(d) => Cell::Date(d.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::IsoDate(s.clone()),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    })
}

fn data_cell(value: &Data) -> Option<Cell> {
    Some(match value {
        Data::Empty => return None,
        Data::Int(n) => Cell::Number(*n as f64),
        Data::Float(n) => Cell::Number(*n),
        Data::String(s) => Cell::Text(s.clone()),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) => Cell::Date(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::IsoDate(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    })
}

/// Collects cells into rows, ordered, dropping empty text.
fn rows_of(mut cells: Vec<(u32, u32, Cell)>) -> Vec<Row> {
    cells.sort_by_key(|(row, column, _)| (*row, *column));
    let mut rows: Vec<Row> = Vec::new();
    for (row, column, cell) in cells {
        if matches!(&cell, Cell::Text(t) if t.is_empty()) {
            continue;
        }
        match rows.last_mut() {
            Some(last) if last.index == row => last.cells.push((column, cell)),
            _ => rows.push(Row {
                index: row,
                cells: vec![(column, cell)],
            }),
        }
    }
    rows
}

fn merges_of(dimensions: &[calamine::Dimensions]) -> Vec<Merge> {
    dimensions
        .iter()
        .map(|d| Merge {
            first_row: d.start.0,
            first_column: d.start.1,
            last_row: d.end.0,
            last_column: d.end.1,
        })
        .collect()
}

fn push_cell(
    cells: &mut Vec<(u32, u32, Cell)>,
    row: u32,
    column: u32,
    cell: Cell,
) -> Result<(), Msg> {
    if cells.len() >= MAX_CELLS {
        return Err(Msg::new("import.read.too_many_cells")
            .arg("cells", cells.len())
            .arg("max", MAX_CELLS));
    }
    cells.push((row, column, cell));
    Ok(())
}

fn read_xlsx<RS: Read + Seek>(reader: RS) -> Result<Workbook, Msg> {
    let mut book: Xlsx<RS> = Xlsx::new(reader).map_err(|e| explain(&e))?;
    let is_1904 = book.has_1904_epoch();
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let merges = book
            .merge_cells_by_sheet_name(&name)
            .map(|m| merges_of(&m))
            .unwrap_or_default();
        let mut cells = Vec::new();
        // Sparse reading: a stray cell at XFD1048576 costs one cell, not billions.
        let mut reader = book
            .worksheet_cells_reader(&name)
            .map_err(|e| explain(&e))?;
        while let Some(cell) = reader.next_cell().map_err(|e| explain(&e))? {
            if let Some(value) = cell_of(cell.get_value()) {
                let (row, column) = cell.get_position();
                push_cell(&mut cells, row, column, value)?;
            }
        }
        sheets.push(Sheet {
            name,
            rows: rows_of(cells),
            merges,
        });
    }
    Ok(Workbook {
        format: Format::Xlsx,
        is_1904,
        sheets,
    })
}

fn read_xlsb<RS: Read + Seek>(reader: RS) -> Result<Workbook, Msg> {
    let mut book: Xlsb<RS> = Xlsb::new(reader).map_err(|e| explain(&e))?;
    let is_1904 = book.has_1904_epoch();
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let mut cells = Vec::new();
        let mut reader = book
            .worksheet_cells_reader(&name)
            .map_err(|e| explain(&e))?;
        while let Some(cell) = reader.next_cell().map_err(|e| explain(&e))? {
            if let Some(value) = cell_of(cell.get_value()) {
                let (row, column) = cell.get_position();
                push_cell(&mut cells, row, column, value)?;
            }
        }
        sheets.push(Sheet {
            name,
            rows: rows_of(cells),
            merges: Vec::new(),
        });
    }
    Ok(Workbook {
        format: Format::Xlsb,
        is_1904,
        sheets,
    })
}

fn range_cells(range: &calamine::Range<Data>) -> Result<Vec<(u32, u32, Cell)>, Msg> {
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut cells = Vec::new();
    for (row, column, value) in range.used_cells() {
        if let Some(cell) = data_cell(value) {
            let row = top + u32::try_from(row).unwrap_or(u32::MAX - top);
            let column = left + u32::try_from(column).unwrap_or(u32::MAX - left);
            push_cell(&mut cells, row, column, cell)?;
        }
    }
    Ok(cells)
}

fn read_xls<RS: Read + Seek>(reader: RS) -> Result<Workbook, Msg> {
    let mut book: Xls<RS> = Xls::new(reader).map_err(|e| explain(&e))?;
    let is_1904 = book.has_1904_epoch();
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let merges = book
            .merge_cells_by_sheet_name(&name)
            .map(|m| merges_of(&m))
            .unwrap_or_default();
        let range = book.worksheet_range(&name).map_err(|e| explain(&e))?;
        sheets.push(Sheet {
            name,
            rows: rows_of(range_cells(&range)?),
            merges,
        });
    }
    Ok(Workbook {
        format: Format::Xls,
        is_1904,
        sheets,
    })
}

fn read_ods<RS: Read + Seek>(reader: RS) -> Result<Workbook, Msg> {
    let mut book: calamine::Ods<RS> = calamine::Ods::new(reader).map_err(|e| explain(&e))?;
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).map_err(|e| explain(&e))?;
        sheets.push(Sheet {
            name,
            rows: rows_of(range_cells(&range)?),
            merges: Vec::new(),
        });
    }
    Ok(Workbook {
        format: Format::Ods,
        is_1904: false,
        sheets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/zigui-grants-2026.xlsx"
        ))
        .unwrap()
    }

    #[test]
    fn the_sample_roster_reads_with_absolute_rows() {
        let workbook = read_bytes(&fixture()).unwrap();
        assert_eq!(workbook.format, Format::Xlsx);
        let sheet = &workbook.sheets[0];
        assert_eq!(sheet.name, "授权清单");
        assert_eq!(sheet.rows[0].index, 0);
        assert_eq!(
            sheet.merges[0],
            Merge {
                first_row: 0,
                first_column: 0,
                last_row: 0,
                last_column: 12
            }
        );
        let header = sheet.rows.iter().find(|r| r.index == 3).unwrap();
        assert_eq!(header.get(0), Some(&Cell::Text("序号".into())));
    }
}
