//! Reading workbooks. Untrusted files are parsed in a child process — the `ipdesk` binary itself,
//! `ipdesk dev read-workbook PATH` — with an address-space limit and a time limit: an allocation
//! failure inside a library aborts the process (it cannot be caught), and it must abort the child,
//! never the server. The child streams the cells as it parses them (see [`super::wire`]); the
//! server decodes them on a thread of its own as they arrive.

use std::io::{Cursor, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use calamine::{Data, DataRef, Reader, Xls, Xlsb, Xlsx, XlsxFormulaMetadata};

use super::sniff::sniff;
use super::wire::{Assembler, CellRef, Decoded, Encoder, Frame};
use super::workbook::{Format, Merge, ParsedSheet, Row, Sheet, Workbook};
use super::{xlsb_merges, xlsx_merges};
use crate::error::AppError;
use crate::i18n::Msg;

/// The child may not map more memory than this beyond what it has mapped when it starts.
pub const CHILD_MEMORY_BYTES: u64 = 1024 * 1024 * 1024;
/// Nor run longer.
pub const CHILD_SECONDS: u64 = 20;
/// A workbook with more non-empty cells than this is refused (a roster has a few hundred thousand).
pub const MAX_CELLS: usize = 5_000_000;

/// How much of a workbook to read: every sheet's name, and the cells of one sheet (or all) up to
/// a row. A page of the preview needs only its own rows, and a roster's first pages are read in a
/// moment where the whole of a 100,000-row roster takes seconds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// The only sheet whose cells are read; every sheet when `None`.
    pub sheet: Option<String>,
    /// The last row (0-based) read; every row when `None`. Parsers meet rows in order, so the
    /// reading stops at the first cell below it.
    pub last_row: Option<u32>,
    /// Leaves out the merged regions: an .xlsx keeps them after all its rows, so finding them
    /// means inflating the whole sheet.
    pub without_merges: bool,
}

impl Scope {
    /// Whether cells of `sheet` are read at all.
    fn takes_sheet(&self, sheet: &str) -> bool {
        self.sheet.as_deref().is_none_or(|name| name == sheet)
    }

    /// Whether the cells of `row` are read.
    fn takes_row(&self, row: u32) -> bool {
        self.last_row.is_none_or(|last| row <= last)
    }

    /// The child's arguments that say this scope.
    fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(sheet) = &self.sheet {
            args.extend(["--sheet".to_owned(), sheet.clone()]);
        }
        if let Some(row) = self.last_row {
            args.extend(["--last-row".to_owned(), row.to_string()]);
        }
        if self.without_merges {
            args.push("--without-merges".to_owned());
        }
        args
    }
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
        self.read_scoped(bytes, &Scope::default()).await
    }

    /// Like [`ChildReader::read`], reading only the cells `scope` asks for.
    pub async fn read_scoped(&self, bytes: &[u8], scope: &Scope) -> Result<Workbook, AppError> {
        let mut stream = self.stream(bytes, scope)?;
        let mut assembler = Assembler::default();
        let assembled = async {
            loop {
                if let Some(decoded) = assembler.take(stream.next().await?) {
                    return Ok(decoded);
                }
            }
        };
        let whole = Duration::from_secs(CHILD_SECONDS + 10);
        match tokio::time::timeout(whole, assembled).await {
            Ok(Ok(Decoded::Workbook(workbook))) => Ok(workbook),
            Ok(Ok(Decoded::Refused(msg))) => Err(AppError::UnsupportedMediaType(msg)),
            Ok(Ok(Decoded::Broken)) => Err(stream.broken()),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(unreadable(stream.format, "timeout")),
        }
    }

    /// Starts reading `bytes` in a child process; the workbook's frames arrive as it parses.
    pub fn stream(&self, bytes: &[u8], scope: &Scope) -> Result<Stream, AppError> {
        let format = sniff(bytes).map_err(AppError::UnsupportedMediaType)?;
        let file = tempfile::Builder::new()
            .prefix("ipdesk-upload-")
            .tempfile()
            .map_err(internal)?;
        std::fs::write(file.path(), bytes).map_err(internal)?;
        let mut child = std::process::Command::new(&self.program)
            .args(["dev", "read-workbook"])
            .arg(file.path())
            .args(scope.args())
            // Nothing of the server's environment reaches the child: an allocator option set
            // there could keep every file from being read.
            .env_clear()
            .env("IPDESK_LANG", "en")
            // The allocator reserves address space in 1 GiB arenas by default, more than the
            // child's whole limit: smaller ones keep it inside.
            .env("MIMALLOC_ARENA_RESERVE", "64MiB")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(internal)?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(AppError::Internal("the reading child has no output".into()));
        };
        // Decoding runs beside the child on a thread of its own, as the cells arrive; a few
        // batches of rows wait for the reader at most, and the child waits when they do.
        let (sender, frames) = tokio::sync::mpsc::channel(FRAMES_AHEAD);
        tokio::task::spawn_blocking(move || {
            super::wire::frames(stdout, |frame| sender.blocking_send(frame).is_ok());
        });
        Ok(Stream {
            frames,
            child,
            format,
            _file: file,
        })
    }
}

/// How many decoded frames (a batch of rows each) may wait for the one reading them.
const FRAMES_AHEAD: usize = 16;

/// A workbook on its way from the reading child. Dropped, it stops the child.
pub struct Stream {
    frames: tokio::sync::mpsc::Receiver<Frame>,
    child: std::process::Child,
    format: Format,
    _file: tempfile::NamedTempFile,
}

impl Stream {
    /// The next frame: the workbook's, a sheet's, rows, or the end. A refusal, a child that died
    /// and one silent for longer than it may run are errors, in the sentence the person reads.
    pub async fn next(&mut self) -> Result<Frame, AppError> {
        let silence = Duration::from_secs(CHILD_SECONDS + 10);
        match tokio::time::timeout(silence, self.frames.recv()).await {
            Ok(Some(Frame::Refused(msg))) => Err(AppError::UnsupportedMediaType(msg)),
            Ok(Some(Frame::Broken) | None) => Err(self.broken()),
            Ok(Some(frame)) => Ok(frame),
            Err(_) => Err(unreadable(self.format, "timeout")),
        }
    }

    /// The stream was cut short or malformed: the child died (memory, time, a crash inside the
    /// parser), and the file is at fault.
    pub fn broken(&mut self) -> AppError {
        let _ = self.child.kill();
        // "signal: 6 (SIGABRT)" (memory), "signal: 24 (SIGXCPU)" (time): for whoever keeps the
        // machine, in the log.
        let why = match self.child.wait() {
            Ok(status) => status.to_string(),
            Err(error) => error.to_string(),
        };
        unreadable(self.format, &why)
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        // The child is done, or no longer listened to: never leave it behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
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

/// The child's work: limit itself, read the file, stream what it finds to stdout. Never panics on
/// a bad file; runs out of memory or time only by being stopped.
pub fn child_main(path: &Path, scope: &Scope) {
    limit_self();
    let out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let Ok(mut encoder) = Encoder::new(out) else {
        return;
    };
    let result = match std::fs::read(path) {
        Ok(bytes) => {
            let mut sink = StreamSink {
                encoder: &mut encoder,
                cells: 0,
                scope,
            };
            read_into(&bytes, &mut sink).and_then(|_| {
                if sink.cells == 0 {
                    Err(Msg::new("import.read.no_data"))
                } else {
                    Ok(())
                }
            })
        }
        Err(_) => Err(Msg::new("import.read.unreadable")),
    };
    // A failed write means the server stopped listening; there is no one left to tell.
    let _ = match result {
        Ok(()) => encoder.end(),
        Err(msg) => encoder.refuse(&msg),
    };
}

fn limit_self() {
    use rustix::process::{Resource, Rlimit, setrlimit};
    // Counted from what is mapped already: the allocator reserves its first arena before `main`
    // (1 GiB unless told otherwise, as when the child is run by hand), and a limit below that
    // would leave the child unable to map even a thread's stack.
    let limit = mapped_bytes().saturating_add(CHILD_MEMORY_BYTES);
    let memory = Rlimit {
        current: Some(limit),
        maximum: Some(limit),
    };
    let cpu = Rlimit {
        current: Some(CHILD_SECONDS),
        maximum: Some(CHILD_SECONDS + 1),
    };
    // Limits that cannot be set leave the parent's timeout as the guard.
    let _ = setrlimit(Resource::As, memory);
    let _ = setrlimit(Resource::Cpu, cpu);
}

/// The address space this process has mapped (`VmSize`), or 0 when it cannot be told.
fn mapped_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmSize:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map_or(0, |kb| kb.saturating_mul(1024))
}

/// Where the parser's cells go: the stream (the child) or a workbook in memory (tests).
trait Sink {
    /// The workbook, before its first sheet.
    fn head(&mut self, format: Format, is_1904: bool, sheets: &[String]) -> Result<(), Msg>;
    /// A sheet, before its cells; `rows`, how many rows the file says it spans (0 for a sheet
    /// not read).
    fn sheet(&mut self, name: &str, merges: &[Merge], rows: u32) -> Result<(), Msg>;
    fn cell(&mut self, row: u32, column: u32, cell: CellRef<'_>) -> Result<(), Msg>;
    /// What to read; the parsers skip the rest.
    fn scope(&self) -> &Scope;
}

fn too_many_cells(cells: usize) -> Result<(), Msg> {
    if cells > MAX_CELLS {
        return Err(Msg::new("import.read.too_many_cells")
            .arg("cells", cells)
            .arg("max", MAX_CELLS));
    }
    Ok(())
}

struct StreamSink<'a, W: Write> {
    encoder: &'a mut Encoder<W>,
    cells: usize,
    scope: &'a Scope,
}

impl<W: Write> Sink for StreamSink<'_, W> {
    fn head(&mut self, format: Format, is_1904: bool, sheets: &[String]) -> Result<(), Msg> {
        self.encoder
            .head(format, is_1904, sheets)
            .map_err(|_| Msg::new("import.read.unreadable"))
    }

    fn sheet(&mut self, name: &str, merges: &[Merge], rows: u32) -> Result<(), Msg> {
        self.encoder
            .sheet(name, merges, rows)
            .map_err(|_| Msg::new("import.read.unreadable"))
    }

    fn cell(&mut self, row: u32, column: u32, cell: CellRef<'_>) -> Result<(), Msg> {
        self.cells += 1;
        too_many_cells(self.cells)?;
        self.encoder
            .cell(row, column, cell)
            .map_err(|_| Msg::new("import.read.unreadable"))
    }

    fn scope(&self) -> &Scope {
        self.scope
    }
}

#[derive(Default)]
struct MemorySink {
    sheets: Vec<Sheet>,
    cells: usize,
    scope: Scope,
}

impl Sink for MemorySink {
    fn head(&mut self, _: Format, _: bool, _: &[String]) -> Result<(), Msg> {
        Ok(())
    }

    fn sheet(&mut self, name: &str, merges: &[Merge], _rows: u32) -> Result<(), Msg> {
        self.sheets.push(Sheet {
            name: name.to_owned(),
            rows: Vec::new(),
            merges: merges.to_vec(),
        });
        Ok(())
    }

    fn cell(&mut self, row: u32, column: u32, cell: CellRef<'_>) -> Result<(), Msg> {
        self.cells += 1;
        too_many_cells(self.cells)?;
        let Some(sheet) = self.sheets.last_mut() else {
            return Ok(());
        };
        let cell = cell.to_owned_cell();
        match sheet.rows.last_mut() {
            Some(last) if last.index == row => last.cells.push((column, cell)),
            _ => sheet.rows.push(Row {
                index: row,
                cells: vec![(column, cell)],
            }),
        }
        Ok(())
    }

    fn scope(&self) -> &Scope {
        &self.scope
    }
}

/// Reads a workbook from bytes in this process (unit tests of well-formed files; the server
/// reads uploads through [`ChildReader`]).
pub fn read_bytes(bytes: &[u8]) -> Result<Workbook, Msg> {
    read_bytes_scoped(bytes, Scope::default())
}

/// Like [`read_bytes`], reading only the cells `scope` asks for.
pub fn read_bytes_scoped(bytes: &[u8], scope: Scope) -> Result<Workbook, Msg> {
    let mut sink = MemorySink {
        scope,
        ..MemorySink::default()
    };
    let (format, is_1904) = read_into(bytes, &mut sink)?;
    if sink.cells == 0 {
        return Err(Msg::new("import.read.no_data"));
    }
    let mut sheets = sink.sheets;
    // The same tidying as the server's decoder: rows in order, one per index.
    for sheet in &mut sheets {
        super::wire::tidy(sheet);
    }
    Ok(Workbook {
        format,
        is_1904,
        sheets,
    })
}

/// Parses a workbook into a sink: its format and date system, or why it cannot be read.
fn read_into(bytes: &[u8], sink: &mut dyn Sink) -> Result<(Format, bool), Msg> {
    let format = sniff(bytes)?;
    let cursor = Cursor::new(bytes);
    let is_1904 = match format {
        Format::Xlsx => read_xlsx(bytes, sink),
        Format::Xlsb => read_xlsb(bytes, sink),
        Format::Xls => read_xls(cursor, sink),
        Format::Ods => read_ods(bytes, sink),
        Format::Xml2003 => read_xml2003(bytes, sink),
        Format::Html => read_html(bytes, sink),
        Format::Csv => read_delimited(bytes, sink),
    }?;
    Ok((format, is_1904))
}

/// Turns a library's error text into the sentence a person needs.
fn explain(error: &dyn std::fmt::Display) -> Msg {
    let text = error.to_string().to_lowercase();
    if text.contains("password") || text.contains("encrypt") {
        Msg::new("import.read.encrypted")
    } else if text.contains("cell limit exceeded") {
        // calamine's own guard against a sheet that claims billions of cells.
        Msg::new("import.read.limits")
    } else {
        Msg::new("import.read.damaged")
    }
}

/// A parsed value as a cell; empty cells and empty texts are no cells at all.
fn cell_ref<'a>(value: &'a DataRef<'_>, error: &'a mut String) -> Option<CellRef<'a>> {
    Some(match value {
        DataRef::Empty => return None,
        DataRef::Int(n) => CellRef::Number(*n as f64),
        DataRef::Float(n) => CellRef::Number(*n),
        DataRef::String(s) if s.is_empty() => return None,
        DataRef::SharedString("") => return None,
        DataRef::String(s) => CellRef::Text(s),
        DataRef::SharedString(s) => CellRef::Text(s),
        DataRef::Bool(b) => CellRef::Bool(*b),
        DataRef::DateTime(d) => CellRef::Date(d.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => CellRef::IsoDate(s),
        DataRef::Error(e) => {
            *error = e.to_string();
            CellRef::Error(error)
        }
    })
}

/// A formula saved without its result (by a program that does not calculate, such as a script's
/// library; never by Excel or WPS) would read as an empty cell and its value be lost without a
/// word: it becomes an error cell `=formula`, refused where a field needs it, with what to do.
fn uncalculated<'a>(formula: &XlsxFormulaMetadata, text: &'a mut String) -> CellRef<'a> {
    *text = match formula {
        XlsxFormulaMetadata::Normal { formula } | XlsxFormulaMetadata::Shared { formula, .. } => {
            format!("={formula}")
        }
        // A cell sharing a formula written in a cell above keeps no text of its own (and
        // calamine may name more kinds of formula later).
        _ => "=…".to_owned(),
    };
    CellRef::Error(text)
}

fn data_ref<'a>(value: &'a Data, error: &'a mut String) -> Option<CellRef<'a>> {
    Some(match value {
        Data::Empty => return None,
        Data::Int(n) => CellRef::Number(*n as f64),
        Data::Float(n) => CellRef::Number(*n),
        Data::String(s) if s.is_empty() => return None,
        Data::String(s) => CellRef::Text(s),
        Data::Bool(b) => CellRef::Bool(*b),
        Data::DateTime(d) => CellRef::Date(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => CellRef::IsoDate(s),
        Data::Error(e) => {
            *error = e.to_string();
            CellRef::Error(error)
        }
    })
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

/// A sheet's merged regions, read when the scope wants them: finding them in an .xlsx means
/// inflating the whole sheet again.
fn merges_in_scope(
    scope: &Scope,
    sheet: &str,
    read: impl FnOnce() -> Option<Vec<Merge>>,
) -> Vec<Merge> {
    if scope.without_merges || !scope.takes_sheet(sheet) {
        return Vec::new();
    }
    read().unwrap_or_default()
}

fn read_xlsx(bytes: &[u8], sink: &mut dyn Sink) -> Result<bool, Msg> {
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| explain(&e))?;
    let is_1904 = book.has_1904_epoch();
    let names = cell_sheets(book.sheets_metadata());
    sink.head(Format::Xlsx, is_1904, &names)?;
    let mut error = String::new();
    // calamine would parse each sheet a second time for its merged regions; a search of its
    // bytes finds them for a fraction of that, and calamine answers whatever the search cannot.
    // The parts are found once, when a sheet's regions are first wanted.
    let mut parts = None;
    for name in names {
        let merges = merges_in_scope(sink.scope(), &name, || {
            let parts = parts.get_or_insert_with(|| xlsx_merges::open(bytes));
            parts
                .as_mut()
                .and_then(|p| xlsx_merges::merges(p, &name))
                .or_else(|| {
                    let regions = book.merge_cells_by_sheet_name(&name).ok()?;
                    Some(merges_of(&regions))
                })
        });
        if !sink.scope().takes_sheet(&name) {
            sink.sheet(&name, &merges, 0)?;
            continue;
        }
        // Sparse reading: a stray cell at XFD1048576 costs one cell, not billions.
        let mut reader = book
            .worksheet_cells_reader(&name)
            .map_err(|e| explain(&e))?;
        sink.sheet(&name, &merges, rows_spanned(&reader.dimensions()))?;
        while let Some(cell) = reader
            .next_cell_with_formula_metadata()
            .map_err(|e| explain(&e))?
        {
            let (row, column) = cell.pos;
            if !sink.scope().takes_row(row) {
                break;
            }
            let value = match (&cell.value, &cell.formula) {
                (DataRef::Empty, Some(formula)) => Some(uncalculated(formula, &mut error)),
                (value, _) => cell_ref(value, &mut error),
            };
            if let Some(value) = value {
                sink.cell(row, column, value)?;
            }
        }
    }
    Ok(is_1904)
}

fn read_xlsb(bytes: &[u8], sink: &mut dyn Sink) -> Result<bool, Msg> {
    let mut book = Xlsb::new(Cursor::new(bytes)).map_err(|e| explain(&e))?;
    let is_1904 = book.has_1904_epoch();
    let names = cell_sheets(book.sheets_metadata());
    sink.head(Format::Xlsb, is_1904, &names)?;
    let mut error = String::new();
    // calamine does not read an .xlsb's merged regions; the parts are found once, when a sheet's
    // regions are first wanted.
    let mut parts = None;
    for name in names {
        let merges = merges_in_scope(sink.scope(), &name, || {
            let parts = parts.get_or_insert_with(|| xlsb_merges::open(bytes));
            xlsb_merges::merges(parts.as_mut()?, &name)
        });
        if !sink.scope().takes_sheet(&name) {
            sink.sheet(&name, &merges, 0)?;
            continue;
        }
        let mut reader = book
            .worksheet_cells_reader(&name)
            .map_err(|e| explain(&e))?;
        sink.sheet(&name, &merges, rows_spanned(&reader.dimensions()))?;
        while let Some(cell) = reader.next_cell().map_err(|e| explain(&e))? {
            let (row, column) = cell.get_position();
            if !sink.scope().takes_row(row) {
                break;
            }
            if let Some(value) = cell_ref(cell.get_value(), &mut error) {
                sink.cell(row, column, value)?;
            }
        }
    }
    Ok(is_1904)
}

/// The sheets that hold cells. A chart given a tab of its own (common beside a bureau's summary
/// table) has none, and calamine cannot read it as cells: it is left out, not called damage.
fn cell_sheets(sheets: &[calamine::Sheet]) -> Vec<String> {
    sheets
        .iter()
        .filter(|sheet| sheet.typ == calamine::SheetType::WorkSheet)
        .map(|sheet| sheet.name.clone())
        .collect()
}

/// How many rows a sheet's file says it spans: its last row's number (1 when it does not say).
fn rows_spanned(dimensions: &calamine::Dimensions) -> u32 {
    dimensions.end.0.saturating_add(1)
}

fn range_rows(range: &calamine::Range<Data>) -> u32 {
    range.end().map_or(0, |(row, _)| row.saturating_add(1))
}

/// The cells of a sheet read whole (.xls, .ods), as far as the scope asks.
fn range_into(range: &calamine::Range<Data>, sink: &mut dyn Sink) -> Result<(), Msg> {
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut error = String::new();
    for (row, column, value) in range.used_cells() {
        let row = top + u32::try_from(row).unwrap_or(u32::MAX - top);
        if !sink.scope().takes_row(row) {
            break;
        }
        if let Some(cell) = data_ref(value, &mut error) {
            let column = left + u32::try_from(column).unwrap_or(u32::MAX - left);
            sink.cell(row, column, cell)?;
        }
    }
    Ok(())
}

fn read_xls<RS: Read + Seek>(reader: RS, sink: &mut dyn Sink) -> Result<bool, Msg> {
    let mut book: Xls<RS> = Xls::new(reader).map_err(|e| explain(&e))?;
    let is_1904 = book.has_1904_epoch();
    sink.head(Format::Xls, is_1904, book.sheet_names().as_slice())?;
    for name in book.sheet_names() {
        let merges = merges_in_scope(sink.scope(), &name, || {
            Some(merges_of(
                book.merge_cells_by_sheet_name(&name).ok()?.as_ref(),
            ))
        });
        if !sink.scope().takes_sheet(&name) {
            sink.sheet(&name, &merges, 0)?;
            continue;
        }
        let range = book.worksheet_range(&name).map_err(|e| explain(&e))?;
        sink.sheet(&name, &merges, range_rows(&range))?;
        range_into(&range, sink)?;
    }
    Ok(is_1904)
}

fn read_ods(bytes: &[u8], sink: &mut dyn Sink) -> Result<bool, Msg> {
    let mut book = calamine::Ods::new(Cursor::new(bytes)).map_err(|e| explain(&e))?;
    sink.head(Format::Ods, false, book.sheet_names().as_slice())?;
    // calamine does not read an .ods's merged regions; they are found once, for every sheet,
    // when a sheet's are first wanted.
    let mut found = None;
    for name in book.sheet_names() {
        let merges = merges_in_scope(sink.scope(), &name, || {
            found
                .get_or_insert_with(|| super::ods_merges::merges(bytes))
                .as_mut()?
                .remove(&name)
        });
        if !sink.scope().takes_sheet(&name) {
            sink.sheet(&name, &merges, 0)?;
            continue;
        }
        let range = book.worksheet_range(&name).map_err(|e| explain(&e))?;
        sink.sheet(&name, &merges, range_rows(&range))?;
        range_into(&range, sink)?;
    }
    Ok(false)
}

fn read_xml2003(bytes: &[u8], sink: &mut dyn Sink) -> Result<bool, Msg> {
    let text = super::xml2003::decode(bytes);
    let sheets = super::xml2003::parse(&text).map_err(|e| explain(&e))?;
    read_parsed(Format::Xml2003, &sheets, sink)
}

fn read_html(bytes: &[u8], sink: &mut dyn Sink) -> Result<bool, Msg> {
    let page = super::html_table::decode(bytes);
    read_parsed(Format::Html, &super::html_table::parse(&page), sink)
}

/// A text file's one sheet, streamed cell by cell (a CSV of 50 MiB would not fit the child's
/// memory as parsed cells).
fn read_delimited(bytes: &[u8], sink: &mut dyn Sink) -> Result<bool, Msg> {
    use super::delimited::{SHEET, Table};
    let text = super::encoding::decode(bytes, None);
    let table = Table::new(&text);
    sink.head(Format::Csv, false, &[SHEET.to_owned()])?;
    if !sink.scope().takes_sheet(SHEET) {
        sink.sheet(SHEET, &[], 0)?;
        return Ok(false);
    }
    sink.sheet(SHEET, &[], table.rows())?;
    table.cells(|row, column, value| {
        if !sink.scope().takes_row(row) {
            return Ok(false);
        }
        sink.cell(row, column, CellRef::Text(value))?;
        Ok(true)
    })?;
    Ok(false)
}

/// Hands sheets parsed outside calamine to a sink, as calamine's are (no 1904 dates there).
fn read_parsed(format: Format, sheets: &[ParsedSheet], sink: &mut dyn Sink) -> Result<bool, Msg> {
    let names: Vec<String> = sheets.iter().map(|s| s.name.clone()).collect();
    sink.head(format, false, &names)?;
    for sheet in sheets {
        let merges = merges_in_scope(sink.scope(), &sheet.name, || Some(sheet.merges.clone()));
        if !sink.scope().takes_sheet(&sheet.name) {
            sink.sheet(&sheet.name, &merges, 0)?;
            continue;
        }
        let rows = sheet
            .cells
            .iter()
            .map(|(row, _, _)| row + 1)
            .max()
            .unwrap_or(0);
        sink.sheet(&sheet.name, &merges, rows)?;
        for (row, column, cell) in &sheet.cells {
            if !sink.scope().takes_row(*row) {
                break;
            }
            sink.cell(*row, *column, CellRef::from(cell))?;
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::workbook::Cell;

    fn fixture() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/zigui-grants-2026.xlsx"
        ))
        .unwrap()
    }

    fn two_sheets() -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        for name in ["甲", "乙"] {
            let sheet = book.add_worksheet();
            sheet.set_name(name).unwrap();
            for row in 0..100u32 {
                sheet.write_string(row, 0, format!("{name}{row}")).unwrap();
                sheet.write_number(row, 1, f64::from(row)).unwrap();
            }
            let note = rust_xlsxwriter::Format::new();
            sheet.merge_range(100, 0, 100, 1, "注", &note).unwrap();
        }
        book.save_to_buffer().unwrap()
    }

    /// A sheet's merged regions as (first row, first column, last row, last column).
    fn regions(sheet: &crate::import::workbook::Sheet) -> Vec<(u32, u32, u32, u32)> {
        sheet
            .merges
            .iter()
            .map(|m| (m.first_row, m.first_column, m.last_row, m.last_column))
            .collect()
    }

    fn cell_at(sheet: &crate::import::workbook::Sheet, row: u32, column: u32) -> Option<Cell> {
        sheet
            .rows
            .iter()
            .find(|r| r.index == row)
            .and_then(|r| r.get(column))
            .cloned()
    }

    /// An .xlsb's merged regions, which calamine does not read, lie over the cells it reads: the
    /// title across the table, the township down two visits.
    #[test]
    fn a_binary_workbook_has_its_merged_regions_over_its_cells() {
        use crate::import::xlsb_merges::tests::{Cell as At, xlsb};
        let rows = vec![
            vec![At::Text(0, "2026年走访台账")],
            vec![
                At::Text(0, "日期"),
                At::Text(1, "企业"),
                At::Text(2, "乡镇"),
            ],
            vec![
                At::Number(0, 46091.0),
                At::Text(1, "橘颂茶业"),
                At::Text(2, "茅坪镇"),
            ],
            vec![At::Number(0, 46091.0), At::Text(1, "峡江光电")],
        ];
        let bytes = xlsb(&[
            ("说明", vec![vec![At::Text(0, "无")]], vec![]),
            ("走访", rows, vec![[0, 0, 0, 2], [2, 3, 2, 2]]),
        ]);
        let book = read_bytes(&bytes).unwrap();
        let sheet = book.sheets.iter().find(|s| s.name == "走访").unwrap();
        assert_eq!(regions(sheet), [(0, 0, 0, 2), (2, 2, 3, 2)]);
        let at = |row, column| cell_at(sheet, row, column);
        assert_eq!(at(0, 0), Some(Cell::Text("2026年走访台账".into())));
        assert_eq!(at(2, 2), Some(Cell::Text("茅坪镇".into())));
        assert_eq!(at(3, 1), Some(Cell::Text("峡江光电".into())));
        let other = book.sheets.iter().find(|s| s.name == "说明").unwrap();
        assert!(other.merges.is_empty());
    }

    /// An .ods's merged regions, which calamine does not read, lie over the cells it reads (past
    /// empty rows and an empty first column): each region's first cell holds its value.
    #[test]
    fn an_opendocument_sheet_has_its_merged_regions_over_its_cells() {
        let cell = |value: &str| {
            format!(
                "<table:table-cell office:value-type=\"string\"><text:p>{value}</text:p></table:table-cell>"
            )
        };
        let row = |cells: String| {
            format!("<table:table-row><table:table-cell/>{cells}</table:table-row>")
        };
        let title = "<table:table-cell table:number-columns-spanned=\"3\" office:value-type=\"string\">\
                     <text:p>台账</text:p></table:table-cell>\
                     <table:covered-table-cell table:number-columns-repeated=\"2\"/>";
        let township = "<table:table-cell table:number-rows-spanned=\"2\" office:value-type=\"string\">\
                        <text:p>茅坪镇</text:p></table:table-cell>";
        let table = format!(
            "<table:table table:name=\"走访\">\
             <table:table-row table:number-rows-repeated=\"2\"><table:table-cell/></table:table-row>\
             {}{}{}{}</table:table>",
            row(title.to_owned()),
            row(cell("日期") + &cell("企业") + &cell("乡镇")),
            row(cell("3月10日") + &cell("橘颂茶业") + township),
            row(cell("3月10日") + &cell("峡江光电") + "<table:covered-table-cell/>"),
        );
        let book = read_bytes(&crate::import::ods_merges::tests::ods(&table)).unwrap();
        let sheet = &book.sheets[0];
        assert_eq!(regions(sheet), [(2, 1, 2, 3), (4, 3, 5, 3)]);
        let at = |row, column| cell_at(sheet, row, column);
        assert_eq!(at(2, 1), Some(Cell::Text("台账".into())));
        assert_eq!(at(4, 3), Some(Cell::Text("茅坪镇".into())));
        assert_eq!(at(5, 2), Some(Cell::Text("峡江光电".into())));
    }

    #[test]
    fn a_scope_reads_one_sheet_down_to_a_row_and_names_the_others() {
        let bytes = two_sheets();
        let whole = read_bytes(&bytes).unwrap();
        let scoped = read_bytes_scoped(
            &bytes,
            Scope {
                sheet: Some("乙".into()),
                last_row: Some(9),
                without_merges: true,
            },
        )
        .unwrap();
        let names: Vec<&str> = scoped.sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["甲", "乙"]);
        assert!(scoped.sheets[0].rows.is_empty());
        assert_eq!(scoped.sheets[1].rows, whole.sheets[1].rows[..10]);
        // Merged cells only when asked for, and only of the sheet read.
        assert_eq!(whole.sheets[1].merges.len(), 1);
        assert!(scoped.sheets.iter().all(|s| s.merges.is_empty()));
        // Down to a row only: every sheet, each cut at the row.
        let cut = Scope {
            last_row: Some(0),
            ..Scope::default()
        };
        let first_rows = read_bytes_scoped(&bytes, cut).unwrap();
        assert_eq!(first_rows.sheets[0].rows, whole.sheets[0].rows[..1]);
        assert_eq!(first_rows.sheets[1].rows, whole.sheets[1].rows[..1]);
        assert_eq!(first_rows.sheets[1].merges, whole.sheets[1].merges);
        assert_eq!(whole.sheets[1].rows.len(), 101);
        let only_first = Scope {
            sheet: Some("甲".into()),
            ..Scope::default()
        };
        let first_sheet = read_bytes_scoped(&bytes, only_first).unwrap();
        assert_eq!(first_sheet.sheets[0], whole.sheets[0]);
        assert!(first_sheet.sheets[1].merges.is_empty());
    }

    #[test]
    fn library_errors_become_the_sentence_a_person_needs() {
        // Texts calamine 0.38 gives for files of ../shared/corpus.
        let cases = [
            ("Workbook is password protected", "import.read.encrypted"),
            ("Xlsx error: Workbook is encrypted", "import.read.encrypted"),
            (
                "Cell limit exceeded (17179869184 cells requested, max 100000000)",
                "import.read.limits",
            ),
            (
                "unexpected end of xml, expecting '</Relationships>'",
                "import.read.damaged",
            ),
            (
                "range is missing the expected row component.",
                "import.read.damaged",
            ),
        ];
        for (text, key) in cases {
            assert_eq!(explain(&text).key, key, "{text}");
        }
    }

    #[test]
    fn a_chart_on_a_tab_of_its_own_is_left_out_not_called_damage() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let data = book.add_worksheet();
        data.set_name("汇总").unwrap();
        data.write_string(0, 0, "乡镇").unwrap();
        data.write_number(1, 0, 3.0).unwrap();
        let mut chart = rust_xlsxwriter::Chart::new_column();
        chart.add_series().set_values("汇总!$A$2:$A$2");
        let tab = book.add_chartsheet();
        tab.set_name("图表").unwrap();
        tab.insert_chart(0, 0, &chart).unwrap();
        let workbook = read_bytes(&book.save_to_buffer().unwrap()).unwrap();
        let names: Vec<&str> = workbook.sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["汇总"]);
        assert_eq!(workbook.sheets[0].rows.len(), 2);
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
