//! How the reading child hands a workbook to the server: a compact binary stream written while the
//! sheet is still being parsed, and decoded by the server as it arrives, so the two overlap — and
//! an import can judge and write the first rows while the child still parses the last. JSON took
//! longer to write and read than calamine took to parse; this takes a fraction of it.
//!
//! The stream is the magic line, then frames, each a tag byte and its fields: `W` the workbook
//! (format, date system, every sheet's name), `S` a sheet (name, merged regions, the rows its
//! file says it spans), `C` a cell (row, column, value), `E` the end, `X` a refusal (the message
//! as JSON). Numbers are little-endian; texts are a u32 length and UTF-8 bytes. Cells come row by
//! row as the parser meets them; the decoder groups them into rows and hands them on in batches.

use std::io::{self, Read, Write};

use super::workbook::{Cell, Format, Merge, Row, Sheet, Workbook};
use crate::i18n::Msg;

const MAGIC: &[u8; 6] = b"IPDW2\n";
/// Rows handed on together: few enough that the first reach the import at once, enough that
/// handing them on costs nothing.
const ROWS_PER_FRAME: usize = 256;
/// No text in a cell is longer than Excel's limit (32,767 characters, 4 bytes each at most).
pub const MAX_TEXT_BYTES: u32 = 131_072;

/// Writes the stream (the child's side).
pub struct Encoder<W: Write> {
    out: W,
}

impl<W: Write> Encoder<W> {
    pub fn new(mut out: W) -> io::Result<Encoder<W>> {
        out.write_all(MAGIC)?;
        Ok(Encoder { out })
    }

    fn u32(&mut self, n: u32) -> io::Result<()> {
        self.out.write_all(&n.to_le_bytes())
    }

    fn text(&mut self, text: &str) -> io::Result<()> {
        // A longer text than any cell can hold is cut at a character boundary, never mid-way.
        let mut end = text.len().min(MAX_TEXT_BYTES as usize);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        self.u32(end as u32)?;
        self.out.write_all(&text.as_bytes()[..end])
    }

    /// The workbook's frame, before any sheet's.
    pub fn head(&mut self, format: Format, is_1904: bool, sheets: &[String]) -> io::Result<()> {
        let format = match format {
            Format::Xlsx => b'x',
            Format::Xlsb => b'b',
            Format::Xls => b'l',
            Format::Ods => b'o',
            Format::Xml2003 => b'm',
            Format::Html => b'h',
            Format::Csv => b'c',
        };
        self.out.write_all(&[b'W', format, u8::from(is_1904)])?;
        self.u32(u32::try_from(sheets.len()).unwrap_or(u32::MAX))?;
        for name in sheets {
            self.text(name)?;
        }
        Ok(())
    }

    /// A sheet's frame, before its cells; `rows` is how many rows its file says it spans (0 when
    /// it does not say), for a progress bar — a file may say anything.
    pub fn sheet(&mut self, name: &str, merges: &[Merge], rows: u32) -> io::Result<()> {
        self.out.write_all(b"S")?;
        self.text(name)?;
        self.u32(u32::try_from(merges.len()).unwrap_or(u32::MAX))?;
        for merge in merges {
            for n in [
                merge.first_row,
                merge.first_column,
                merge.last_row,
                merge.last_column,
            ] {
                self.u32(n)?;
            }
        }
        self.u32(rows)
    }

    pub fn cell(&mut self, row: u32, column: u32, cell: CellRef<'_>) -> io::Result<()> {
        self.out.write_all(b"C")?;
        self.u32(row)?;
        self.u32(column)?;
        match cell {
            CellRef::Text(text) => {
                self.out.write_all(b"s")?;
                self.text(text)
            }
            CellRef::Number(n) => {
                self.out.write_all(b"n")?;
                self.out.write_all(&n.to_le_bytes())
            }
            CellRef::Bool(b) => self.out.write_all(if b { b"T" } else { b"F" }),
            CellRef::Date(n) => {
                self.out.write_all(b"d")?;
                self.out.write_all(&n.to_le_bytes())
            }
            CellRef::IsoDate(text) => {
                self.out.write_all(b"i")?;
                self.text(text)
            }
            CellRef::Error(text) => {
                self.out.write_all(b"e")?;
                self.text(text)
            }
        }
    }

    pub fn end(mut self) -> io::Result<()> {
        self.out.write_all(b"E")?;
        self.out.flush()
    }

    pub fn refuse(mut self, msg: &Msg) -> io::Result<()> {
        self.out.write_all(b"X")?;
        let json = serde_json::to_string(msg).unwrap_or_default();
        self.text(&json)?;
        self.out.flush()
    }
}

/// A cell's value, borrowed from the parser (no copy on the child's side).
#[derive(Clone, Copy, Debug)]
pub enum CellRef<'a> {
    Text(&'a str),
    Number(f64),
    Bool(bool),
    Date(f64),
    IsoDate(&'a str),
    Error(&'a str),
}

impl CellRef<'_> {
    pub fn to_owned_cell(self) -> Cell {
        match self {
            CellRef::Text(t) => Cell::Text(t.to_owned()),
            CellRef::Number(n) => Cell::Number(n),
            CellRef::Bool(b) => Cell::Bool(b),
            CellRef::Date(n) => Cell::Date(n),
            CellRef::IsoDate(t) => Cell::IsoDate(t.to_owned()),
            CellRef::Error(t) => Cell::Error(t.to_owned()),
        }
    }
}

impl<'a> From<&'a Cell> for CellRef<'a> {
    fn from(cell: &'a Cell) -> CellRef<'a> {
        match cell {
            Cell::Text(t) => CellRef::Text(t),
            Cell::Number(n) => CellRef::Number(*n),
            Cell::Bool(b) => CellRef::Bool(*b),
            Cell::Date(n) => CellRef::Date(*n),
            Cell::IsoDate(t) => CellRef::IsoDate(t),
            Cell::Error(t) => CellRef::Error(t),
        }
    }
}

/// What a stream said.
#[derive(Debug)]
pub enum Decoded {
    Workbook(Workbook),
    Refused(Msg),
    /// Cut short or malformed: the child died before finishing.
    Broken,
}

/// What the stream says, as the server's side hands it on, in order: cells come grouped into
/// rows (a row's cells as the parser met them, without the tidying of [`tidy`]).
#[derive(Debug)]
pub enum Frame {
    Head {
        format: Format,
        is_1904: bool,
        sheets: Vec<String>,
    },
    Sheet {
        name: String,
        merges: Vec<Merge>,
        rows: u32,
    },
    Rows(Vec<Row>),
    End,
    Refused(Msg),
    /// Cut short or malformed: the child died before finishing.
    Broken,
}

impl Frame {
    /// Whether nothing follows this frame.
    pub fn is_last(&self) -> bool {
        matches!(self, Frame::End | Frame::Refused(_) | Frame::Broken)
    }
}

/// Reads a whole stream (the server's side), building the workbook as the frames arrive.
pub fn decode(input: impl Read) -> Decoded {
    let mut assembler = Assembler::default();
    let mut decoded = Decoded::Broken;
    frames(input, |frame| match assembler.take(frame) {
        Some(done) => {
            decoded = done;
            false
        }
        None => true,
    });
    decoded
}

/// Reads a stream, handing its frames to `emit` as they arrive, up to the last (see
/// [`Frame::is_last`]) or until `emit` answers false (no one listens any more).
pub fn frames(input: impl Read, mut emit: impl FnMut(Frame) -> bool) {
    let mut reader = io::BufReader::with_capacity(1 << 16, input);
    let mut rows = Vec::new();
    let last = match read_frames(&mut reader, &mut rows, &mut emit) {
        Ok(Some(last)) => last,
        Ok(None) => return,
        Err(_) => Frame::Broken,
    };
    if !rows.is_empty() && !emit(Frame::Rows(rows)) {
        return;
    }
    emit(last);
}

/// Hands on every frame but the last, which it returns; `None` when `emit` stopped listening.
fn read_frames(
    input: &mut impl Read,
    rows: &mut Vec<Row>,
    emit: &mut impl FnMut(Frame) -> bool,
) -> io::Result<Option<Frame>> {
    let mut magic = [0u8; 6];
    input.read_exact(&mut magic)?;
    if &magic != MAGIC {
        return Ok(Some(Frame::Broken));
    }
    loop {
        let frame = match byte(input)? {
            b'W' => head(input)?,
            b'S' => {
                let name = text(input)?;
                let count = u32_of(input)?;
                let mut merges = Vec::new();
                for _ in 0..count {
                    merges.push(Merge {
                        first_row: u32_of(input)?,
                        first_column: u32_of(input)?,
                        last_row: u32_of(input)?,
                        last_column: u32_of(input)?,
                    });
                }
                Frame::Sheet {
                    name,
                    merges,
                    rows: u32_of(input)?,
                }
            }
            b'C' => {
                let index = u32_of(input)?;
                let column = u32_of(input)?;
                let value = cell(input)?;
                match rows.last_mut() {
                    Some(row) if row.index == index => row.cells.push((column, value)),
                    _ => {
                        // Every row held is whole once another begins.
                        if rows.len() >= ROWS_PER_FRAME && !emit(Frame::Rows(std::mem::take(rows)))
                        {
                            return Ok(None);
                        }
                        rows.push(Row {
                            index,
                            cells: vec![(column, value)],
                        });
                    }
                }
                continue;
            }
            b'E' => return Ok(Some(Frame::End)),
            b'X' => {
                let json = text(input)?;
                return Ok(Some(match serde_json::from_str(&json) {
                    Ok(msg) => Frame::Refused(msg),
                    Err(_) => Frame::Broken,
                }));
            }
            _ => return Ok(Some(Frame::Broken)),
        };
        if !rows.is_empty() && !emit(Frame::Rows(std::mem::take(rows))) {
            return Ok(None);
        }
        if !emit(frame) {
            return Ok(None);
        }
    }
}

fn head(input: &mut impl Read) -> io::Result<Frame> {
    let format = match byte(input)? {
        b'x' => Format::Xlsx,
        b'b' => Format::Xlsb,
        b'l' => Format::Xls,
        b'o' => Format::Ods,
        b'm' => Format::Xml2003,
        b'h' => Format::Html,
        b'c' => Format::Csv,
        _ => return Err(io::ErrorKind::InvalidData.into()),
    };
    let is_1904 = byte(input)? == 1;
    let count = u32_of(input)?;
    let mut sheets = Vec::new();
    for _ in 0..count {
        sheets.push(text(input)?);
    }
    Ok(Frame::Head {
        format,
        is_1904,
        sheets,
    })
}

/// Builds a workbook from the frames of a stream.
#[derive(Default)]
pub struct Assembler {
    head: Option<(Format, bool)>,
    sheets: Vec<Sheet>,
    broken: bool,
}

impl Assembler {
    /// Takes the next frame; the outcome once the stream is over.
    pub fn take(&mut self, frame: Frame) -> Option<Decoded> {
        match frame {
            Frame::Head {
                format, is_1904, ..
            } => self.head = Some((format, is_1904)),
            Frame::Sheet { name, merges, .. } => self.sheets.push(Sheet {
                name,
                rows: Vec::new(),
                merges,
            }),
            Frame::Rows(rows) => match self.sheets.last_mut() {
                Some(sheet) => sheet.rows.extend(rows),
                None => self.broken = true,
            },
            Frame::End => return Some(self.finish()),
            Frame::Refused(msg) => return Some(Decoded::Refused(msg)),
            Frame::Broken => return Some(Decoded::Broken),
        }
        None
    }

    /// How many sheets have begun.
    pub fn sheets_begun(&self) -> usize {
        self.sheets.len()
    }

    /// The rows of the sheet begun last, as they came.
    pub fn rows(&self) -> &[Row] {
        self.sheets
            .last()
            .map_or(&[], |sheet| sheet.rows.as_slice())
    }

    pub fn last_row(&self) -> Option<&Row> {
        self.rows().last()
    }

    /// The workbook so far, untidied, every sheet of `names` in it (those not begun empty),
    /// leaving the assembler empty; `None` before the workbook's frame.
    pub fn take_head(&mut self, names: &[String]) -> Option<Workbook> {
        let (format, is_1904) = self.head.filter(|_| !self.broken)?;
        let mut sheets = std::mem::take(&mut self.sheets);
        for name in names.iter().skip(sheets.len()) {
            sheets.push(Sheet {
                name: name.clone(),
                rows: Vec::new(),
                merges: Vec::new(),
            });
        }
        Some(Workbook {
            format,
            is_1904,
            sheets,
        })
    }

    fn finish(&mut self) -> Decoded {
        let Some((format, is_1904)) = self.head.filter(|_| !self.broken) else {
            return Decoded::Broken;
        };
        let mut sheets = std::mem::take(&mut self.sheets);
        for sheet in &mut sheets {
            tidy(sheet);
        }
        Decoded::Workbook(Workbook {
            format,
            is_1904,
            sheets,
        })
    }
}

/// Rows in order, one per index, cells in column order: as [`tidy`] leaves them.
pub fn in_order(rows: &[Row]) -> bool {
    rows.windows(2).all(|w| w[0].index < w[1].index) && rows.iter().all(cells_in_order)
}

pub fn cells_in_order(row: &Row) -> bool {
    row.cells.windows(2).all(|w| w[0].0 < w[1].0)
}

/// Rows in order with one row per index, whatever order the file kept its cells in.
pub fn tidy(sheet: &mut Sheet) {
    if in_order(&sheet.rows) {
        return;
    }
    let mut cells: Vec<(u32, u32, Cell)> = sheet
        .rows
        .drain(..)
        .flat_map(|row| {
            let index = row.index;
            row.cells.into_iter().map(move |(c, cell)| (index, c, cell))
        })
        .collect();
    cells.sort_by_key(|(row, column, _)| (*row, *column));
    for (index, column, cell) in cells {
        match sheet.rows.last_mut() {
            Some(last) if last.index == index => {
                // A cell written twice keeps its last value, as Excel shows it.
                if last.cells.last().is_some_and(|(c, _)| *c == column) {
                    last.cells.pop();
                }
                last.cells.push((column, cell));
            }
            _ => sheet.rows.push(Row {
                index,
                cells: vec![(column, cell)],
            }),
        }
    }
}

fn byte(input: &mut impl Read) -> io::Result<u8> {
    let mut b = [0u8; 1];
    input.read_exact(&mut b)?;
    Ok(b[0])
}

fn u32_of(input: &mut impl Read) -> io::Result<u32> {
    let mut b = [0u8; 4];
    input.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn f64_of(input: &mut impl Read) -> io::Result<f64> {
    let mut b = [0u8; 8];
    input.read_exact(&mut b)?;
    Ok(f64::from_le_bytes(b))
}

fn text(input: &mut impl Read) -> io::Result<String> {
    let len = u32_of(input)?;
    if len > MAX_TEXT_BYTES {
        return Err(io::ErrorKind::InvalidData.into());
    }
    // Read into room made for it, not zeroed first: most of what crosses is text.
    let mut bytes = Vec::with_capacity(len as usize);
    input.take(u64::from(len)).read_to_end(&mut bytes)?;
    if bytes.len() != len as usize {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    String::from_utf8(bytes).map_err(|_| io::ErrorKind::InvalidData.into())
}

fn cell(input: &mut impl Read) -> io::Result<Cell> {
    Ok(match byte(input)? {
        b's' => Cell::Text(text(input)?),
        b'n' => Cell::Number(f64_of(input)?),
        b'T' => Cell::Bool(true),
        b'F' => Cell::Bool(false),
        b'd' => Cell::Date(f64_of(input)?),
        b'i' => Cell::IsoDate(text(input)?),
        b'e' => Cell::Error(text(input)?),
        _ => return Err(io::ErrorKind::InvalidData.into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn encode(workbook: &Workbook) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = Encoder::new(&mut out).unwrap();
        let names: Vec<String> = workbook.sheets.iter().map(|s| s.name.clone()).collect();
        encoder
            .head(workbook.format, workbook.is_1904, &names)
            .unwrap();
        for sheet in &workbook.sheets {
            encoder.sheet(&sheet.name, &sheet.merges, 0).unwrap();
            for row in &sheet.rows {
                for (column, cell) in &row.cells {
                    encoder.cell(row.index, *column, cell.into()).unwrap();
                }
            }
        }
        encoder.end().unwrap();
        out
    }

    fn any_cell() -> impl Strategy<Value = Cell> {
        prop_oneof![
            "\\PC{0,12}".prop_map(Cell::Text),
            any::<f64>()
                .prop_filter("comparable", |n| !n.is_nan())
                .prop_map(Cell::Number),
            any::<bool>().prop_map(Cell::Bool),
            (0.0..80_000.0f64).prop_map(Cell::Date),
            "[0-9T:-]{0,19}".prop_map(Cell::IsoDate),
            "#[A-Z/!0]{1,6}".prop_map(Cell::Error),
        ]
    }

    /// Rows in order with cells in column order, as a tidy sheet has them.
    fn any_sheet() -> impl Strategy<Value = Sheet> {
        (
            "\\PC{1,10}",
            proptest::collection::btree_map(
                0u32..2_000,
                proptest::collection::btree_map(0u32..40, any_cell(), 1..5),
                0..20,
            ),
        )
            .prop_map(|(name, rows)| Sheet {
                name,
                rows: rows
                    .into_iter()
                    .map(|(index, cells)| Row {
                        index,
                        cells: cells.into_iter().collect(),
                    })
                    .collect(),
                merges: vec![Merge {
                    first_row: 0,
                    first_column: 0,
                    last_row: 0,
                    last_column: 3,
                }],
            })
    }

    proptest! {
        #[test]
        fn a_workbook_survives_the_stream(sheets in proptest::collection::vec(any_sheet(), 1..4), is_1904 in any::<bool>()) {
            let workbook = Workbook { format: Format::Xlsx, is_1904, sheets };
            match decode(encode(&workbook).as_slice()) {
                Decoded::Workbook(back) => prop_assert_eq!(back, workbook),
                other => prop_assert!(false, "{:?}", other),
            }
        }

        #[test]
        fn any_cut_of_a_stream_is_broken_never_a_panic(cut in 0usize..200) {
            let workbook = Workbook {
                format: Format::Ods,
                is_1904: false,
                sheets: vec![Sheet { name: "表".into(), rows: vec![Row { index: 3, cells: vec![(1, Cell::Text("茶叶".into()))] }], merges: Vec::new() }],
            };
            let bytes = encode(&workbook);
            let cut = cut.min(bytes.len() - 1);
            prop_assert!(matches!(decode(&bytes[..cut]), Decoded::Broken));
        }
    }

    #[test]
    fn a_long_sheet_comes_in_batches_of_whole_rows() {
        let rows: Vec<Row> = (0..1_000u32)
            .map(|index| Row {
                index: index * 2,
                cells: (0..3)
                    .map(|c| (c, Cell::Number(f64::from(index))))
                    .collect(),
            })
            .collect();
        let sheet = Sheet {
            name: "名册".into(),
            rows: rows.clone(),
            merges: Vec::new(),
        };
        let workbook = Workbook {
            format: Format::Xlsx,
            is_1904: false,
            sheets: vec![sheet],
        };
        let mut batches = Vec::new();
        let mut kinds = String::new();
        frames(encode(&workbook).as_slice(), |frame| {
            kinds.push(match &frame {
                Frame::Head { .. } => 'W',
                Frame::Sheet { .. } => 'S',
                Frame::Rows(_) => 'R',
                Frame::End => 'E',
                _ => '?',
            });
            if let Frame::Rows(batch) = frame {
                batches.push(batch);
            }
            true
        });
        assert_eq!(kinds, "WSRRRRE");
        assert!(batches.iter().all(|b| b.len() <= ROWS_PER_FRAME));
        assert_eq!(batches.concat(), rows);
    }

    #[test]
    fn a_refusal_carries_its_sentence() {
        let mut out = Vec::new();
        Encoder::new(&mut out)
            .unwrap()
            .refuse(&Msg::new("import.read.damaged"))
            .unwrap();
        match decode(out.as_slice()) {
            Decoded::Refused(msg) => assert_eq!(msg.key, "import.read.damaged"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn cells_out_of_order_come_back_in_order() {
        let mut out = Vec::new();
        let mut encoder = Encoder::new(&mut out).unwrap();
        encoder.head(Format::Xlsx, false, &["S".into()]).unwrap();
        encoder.sheet("S", &[], 0).unwrap();
        for (row, column, text) in [(5, 1, "b"), (2, 0, "a"), (5, 0, "c"), (5, 1, "d")] {
            encoder.cell(row, column, CellRef::Text(text)).unwrap();
        }
        encoder.end().unwrap();
        let Decoded::Workbook(workbook) = decode(out.as_slice()) else {
            panic!("not decoded")
        };
        let rows = &workbook.sheets[0].rows;
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1].cells,
            vec![(0, Cell::Text("c".into())), (1, Cell::Text("d".into()))]
        );
    }
}
