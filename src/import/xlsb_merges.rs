//! The merged regions of an .xlsb's sheets (Excel's binary workbook), which calamine does not read.
//!
//! Without them a township or applicant merged down an .xlsb ledger counted on its first row only,
//! and a two-row header's group label was not joined, where the same table saved as .xlsx read
//! whole. An .xlsb's parts are sequences of records ([MS-XLSB] 2.1.4): a type of one or two bytes
//! and a size of one to four, seven bits to a byte, then the body. The workbook part lists the
//! sheets (`BrtBundleSh`); a sheet keeps its merged regions after its rows, one `BrtMergeCell`
//! each.

use std::io::{self, BufRead, BufReader, Read};

use super::package::SheetParts;
use super::workbook::{LAST_COLUMN, LAST_ROW, MAX_MERGES, Merge};

/// A sheet in the workbook's list: its state, tab id, relationship id and name.
const BUNDLE_SHEET: u16 = 0x009C;
/// The end of the workbook's list of sheets.
const END_BUNDLE_SHEETS: u16 = 0x0090;
/// One merged region: first row, last row, first column, last column, four bytes each.
const MERGE_CELL: u16 = 0x00B0;
/// The end of a sheet's merged regions, after which nothing is wanted.
const END_MERGE_CELLS: u16 = 0x00B2;
/// A sheet's list record longer than this is not one (a name has at most 31 characters).
const MAX_LIST_RECORD: u32 = 64 << 10;

/// The sheets' parts of an .xlsb, or `None` when its workbook and relationships cannot be read.
pub fn open(bytes: &[u8]) -> Option<SheetParts<'_>> {
    SheetParts::open(bytes, sheet_list)
}

/// The merged regions of the sheet `name`, or `None` when its part cannot be read.
pub fn merges(parts: &mut SheetParts<'_>, name: &str) -> Option<Vec<Merge>> {
    merge_records(BufReader::new(parts.sheet(name)?)).ok()
}

/// The workbook part's sheets: each one's name and relationship id (a sheet without one has no
/// part, and calamine leaves it out too).
fn sheet_list(workbook: &[u8]) -> Option<Vec<(String, String)>> {
    let mut input = workbook;
    let mut body = Vec::new();
    let mut sheets = Vec::new();
    while let Some((kind, size)) = header(&mut input).ok()? {
        match kind {
            BUNDLE_SHEET if size <= MAX_LIST_RECORD => {
                read_body(&mut input, size, &mut body).ok()?;
                if let Some(sheet) = bundle_sheet(&body) {
                    sheets.push(sheet);
                }
            }
            END_BUNDLE_SHEETS => return Some(sheets),
            _ => skip(&mut input, size).ok()?,
        }
    }
    Some(sheets)
}

/// A `BrtBundleSh`'s relationship id and name, after its state and tab id (four bytes each);
/// `None` for a sheet without a relationship id.
fn bundle_sheet(body: &[u8]) -> Option<(String, String)> {
    let rest = body.get(8..)?;
    let (id, rest) = wide_string(rest)?;
    let (name, _) = wide_string(rest)?;
    Some((name?, id?))
}

/// A string as [MS-XLSB] writes it: a count of UTF-16 units (all ones for none), then the units.
/// Returns the string and what follows it.
fn wide_string(bytes: &[u8]) -> Option<(Option<String>, &[u8])> {
    let count = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?);
    let rest = &bytes[4..];
    if count == u32::MAX {
        return Some((None, rest));
    }
    let length = usize::try_from(count).ok()?.checked_mul(2)?;
    let units: Vec<u16> = rest
        .get(..length)?
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    // calamine decodes the names the same lenient way, so the two agree on every name.
    Some((Some(String::from_utf16_lossy(&units)), &rest[length..]))
}

/// The `BrtMergeCell` records of a sheet's part, read to their end or the part's.
fn merge_records(mut input: impl BufRead) -> io::Result<Vec<Merge>> {
    let mut merges = Vec::new();
    let mut body = Vec::new();
    while let Some((kind, size)) = header(&mut input)? {
        match kind {
            MERGE_CELL if size == 16 && merges.len() < MAX_MERGES => {
                read_body(&mut input, size, &mut body)?;
                merges.extend(region(&body));
            }
            END_MERGE_CELLS => break,
            _ => skip(&mut input, size)?,
        }
    }
    Ok(merges)
}

/// A region from its four numbers; `None` when its ends are the wrong way round.
fn region(body: &[u8]) -> Option<Merge> {
    let number = |at: usize| {
        let bytes: [u8; 4] = body.get(at..at + 4)?.try_into().ok()?;
        Some(u32::from_le_bytes(bytes))
    };
    let merge = Merge {
        first_row: number(0)?,
        last_row: number(4)?.min(LAST_ROW),
        first_column: number(8)?,
        last_column: number(12)?.min(LAST_COLUMN),
    };
    (merge.first_row <= merge.last_row && merge.first_column <= merge.last_column).then_some(merge)
}

/// The next record's type and body size, or `None` at the end of the part.
fn header(input: &mut impl BufRead) -> io::Result<Option<(u16, u32)>> {
    let Some(first) = byte(input)? else {
        return Ok(None);
    };
    let kind = if first & 0x80 == 0 {
        u16::from(first)
    } else {
        let second = byte(input)?.ok_or(io::ErrorKind::UnexpectedEof)?;
        u16::from(first & 0x7F) | (u16::from(second & 0x7F) << 7)
    };
    let mut size = 0u32;
    for shift in [0, 7, 14, 21] {
        let next = byte(input)?.ok_or(io::ErrorKind::UnexpectedEof)?;
        size |= u32::from(next & 0x7F) << shift;
        if next & 0x80 == 0 {
            break;
        }
    }
    Ok(Some((kind, size)))
}

fn byte(input: &mut impl BufRead) -> io::Result<Option<u8>> {
    let next = input.fill_buf()?.first().copied();
    if next.is_some() {
        input.consume(1);
    }
    Ok(next)
}

fn read_body(input: &mut impl BufRead, size: u32, body: &mut Vec<u8>) -> io::Result<()> {
    body.clear();
    let read = input.take(u64::from(size)).read_to_end(body)?;
    if u32::try_from(read).ok() != Some(size) {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// Passes over a record's body in the reader's own buffer, copying nothing: a sheet's cells are
/// most of its records.
fn skip(input: &mut impl BufRead, size: u32) -> io::Result<()> {
    let mut left = usize::try_from(size).unwrap_or(usize::MAX);
    while left > 0 {
        let available = input.fill_buf()?.len();
        if available == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let step = available.min(left);
        input.consume(step);
        left -= step;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use super::*;

    /// A record as Excel writes it.
    pub(crate) fn record(kind: u16, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        if kind < 0x80 {
            out.push(kind as u8);
        } else {
            out.push((kind & 0x7F) as u8 | 0x80);
            out.push((kind >> 7) as u8);
        }
        let mut size = body.len();
        loop {
            let low = (size & 0x7F) as u8;
            size >>= 7;
            if size == 0 {
                out.push(low);
                break;
            }
            out.push(low | 0x80);
        }
        out.extend_from_slice(body);
        out
    }

    fn wide(text: &str) -> Vec<u8> {
        let units: Vec<u16> = text.encode_utf16().collect();
        let mut out = (units.len() as u32).to_le_bytes().to_vec();
        for unit in units {
            out.extend_from_slice(&unit.to_le_bytes());
        }
        out
    }

    fn numbers(values: &[u32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// A cell and its column: text (`BrtCellSt`) or a number (`BrtCellReal`).
    pub(crate) enum Cell<'a> {
        Text(u32, &'a str),
        Number(u32, f64),
    }

    /// A sheet to write: its name, its rows of cells, and its merged regions as first row, last
    /// row, first column, last column.
    pub(crate) type Sheet<'a> = (&'a str, Vec<Vec<Cell<'a>>>, Vec<[u32; 4]>);

    /// A workbook of these sheets, made record by record as Excel lays an .xlsb out, with only the
    /// parts calamine needs.
    pub(crate) fn xlsb(sheets: &[Sheet<'_>]) -> Vec<u8> {
        let mut workbook = Vec::new();
        let mut rels = String::from(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
        );
        let mut parts = Vec::new();
        for (index, (name, rows, merged)) in sheets.iter().enumerate() {
            let id = format!("rId{}", index + 1);
            let mut body = numbers(&[0, index as u32 + 1]);
            body.extend(wide(&id));
            body.extend(wide(name));
            workbook.extend(record(BUNDLE_SHEET, &body));
            rels.push_str(&format!(
                r#"<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{}.bin"/>"#,
                index + 1
            ));
            parts.push((
                format!("xl/worksheets/sheet{}.bin", index + 1),
                sheet(rows, merged),
            ));
        }
        workbook.extend(record(END_BUNDLE_SHEETS, &[]));
        // BrtCalcProp: calamine reads the workbook's names up to it.
        workbook.extend(record(0x009D, &[0; 26]));
        rels.push_str("</Relationships>");
        parts.push(("xl/workbook.bin".to_owned(), workbook));
        parts.push(("xl/_rels/workbook.bin.rels".to_owned(), rels.into_bytes()));
        parts.push((
            "_rels/.rels".to_owned(),
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>"#.to_vec(),
        ));
        let mut zip = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        for (path, bytes) in parts {
            zip.start_file(path, options).unwrap();
            zip.write_all(&bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn sheet(rows: &[Vec<Cell<'_>>], merged: &[[u32; 4]]) -> Vec<u8> {
        let last_row = rows.len().saturating_sub(1) as u32;
        let mut out = record(0x0081, &[]); // BrtBeginSheet
        out.extend(record(0x0094, &numbers(&[0, last_row, 0, 16]))); // BrtWsDim
        out.extend(record(0x0091, &[])); // BrtBeginSheetData
        for (row, cells) in rows.iter().enumerate() {
            out.extend(record(0x0000, &numbers(&[row as u32, 0, 0, 0, 0])));
            for cell in cells {
                out.extend(match cell {
                    Cell::Text(column, text) => {
                        let mut body = numbers(&[*column, 0]);
                        body.extend(wide(text));
                        record(0x0006, &body)
                    }
                    Cell::Number(column, value) => {
                        let mut body = numbers(&[*column, 0]);
                        body.extend(value.to_le_bytes());
                        record(0x0005, &body)
                    }
                });
            }
        }
        out.extend(record(0x0092, &[])); // BrtEndSheetData
        if !merged.is_empty() {
            out.extend(record(0x00B1, &numbers(&[merged.len() as u32])));
            for region in merged {
                out.extend(record(MERGE_CELL, &numbers(region)));
            }
            out.extend(record(END_MERGE_CELLS, &[]));
        }
        out.extend(record(0x0082, &[])); // BrtEndSheet
        out
    }

    fn merge(rows: (u32, u32), columns: (u32, u32)) -> Merge {
        Merge::over(rows, columns)
    }

    #[test]
    fn record_headers_of_every_length_are_read() {
        let cases: [(u16, usize); 6] = [
            (0x0000, 0),
            (0x0007, 12),
            (0x0094, 16),
            (0x00B0, 127),
            (0x0267, 128),
            (0x3FFF, 20_000),
        ];
        for (kind, size) in cases {
            let bytes = record(kind, &vec![7; size]);
            let mut input = &bytes[..];
            assert_eq!(
                header(&mut input).unwrap(),
                Some((kind, size as u32)),
                "{kind:#x} of {size}"
            );
            assert_eq!(input.len(), size);
        }
        assert_eq!(header(&mut &[][..]).unwrap(), None);
        assert!(header(&mut &[0x94][..]).is_err(), "a type cut short");
        assert!(header(&mut &[0x05, 0x80][..]).is_err(), "a size cut short");
    }

    #[test]
    fn the_regions_after_the_rows_are_read_and_bad_ones_left_out() {
        let rows = vec![vec![Cell::Text(0, "名册")], vec![Cell::Number(1, 1.0)]];
        let regions = [
            [0, 0, 0, 5],
            [2, 40, 1, 1],
            [3, 2, 0, 0],               // ends the wrong way round
            [5, u32::MAX, 0, u32::MAX], // past the sheet's edge
        ];
        let part = sheet(&rows, &regions);
        assert_eq!(
            merge_records(&part[..]).unwrap(),
            vec![
                merge((0, 0), (0, 5)),
                merge((2, 40), (1, 1)),
                merge((5, LAST_ROW), (0, LAST_COLUMN)),
            ]
        );
        assert_eq!(merge_records(&sheet(&rows, &[])[..]).unwrap(), vec![]);
        let cut = &part[..part.len() - 20];
        assert!(merge_records(cut).is_err(), "a part cut short is not read");
    }

    #[test]
    fn each_sheet_is_found_by_its_name() {
        let bytes = xlsb(&[
            (
                "名册 & 附表",
                vec![vec![Cell::Text(0, "标题")]],
                vec![[0, 0, 0, 3]],
            ),
            ("说明", vec![vec![Cell::Text(0, "无")]], vec![]),
        ]);
        let mut parts = open(&bytes).expect("the parts of the workbook");
        assert_eq!(
            merges(&mut parts, "名册 & 附表"),
            Some(vec![merge((0, 0), (0, 3))])
        );
        assert_eq!(merges(&mut parts, "说明"), Some(vec![]));
        assert_eq!(merges(&mut parts, "no such sheet"), None);
    }

    /// Every .xlsb of ../shared/corpus (when it is there) that calamine opens, written by Excel
    /// in its several versions, has each of its sheets' parts found and read to the end.
    #[test]
    fn the_sheets_of_excels_own_files_are_found() {
        use calamine::Reader;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        let Ok(folders) = std::fs::read_dir(&root) else {
            return;
        };
        let mut read = 0;
        for file in folders
            .flatten()
            .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
        {
            let path = file.path();
            if path.extension().is_none_or(|e| e != "xlsb") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let Ok(book) = calamine::Xlsb::new(io::Cursor::new(&bytes)) else {
                continue;
            };
            let mut parts = open(&bytes).unwrap_or_else(|| panic!("{}", path.display()));
            for sheet in book.sheets_metadata() {
                let found = merges(&mut parts, &sheet.name);
                assert_eq!(found, Some(vec![]), "{} {}", path.display(), sheet.name);
                read += 1;
            }
        }
        assert!(read > 0, "no sheet of the corpus was read");
    }

    #[test]
    fn a_sheet_without_a_relationship_id_has_no_part() {
        let mut body = numbers(&[0, 1]);
        body.extend(u32::MAX.to_le_bytes());
        body.extend(wide("宏表"));
        let mut workbook = record(BUNDLE_SHEET, &body);
        let mut named = numbers(&[0, 2]);
        named.extend(wide("rId2"));
        named.extend(wide("名册"));
        workbook.extend(record(BUNDLE_SHEET, &named));
        workbook.extend(record(END_BUNDLE_SHEETS, &[]));
        workbook.extend(record(BUNDLE_SHEET, &named));
        assert_eq!(
            sheet_list(&workbook),
            Some(vec![("名册".to_owned(), "rId2".to_owned())])
        );
        let cut = record(BUNDLE_SHEET, &body).len() + 5;
        assert_eq!(
            sheet_list(&workbook[..cut]),
            None,
            "a list cut inside a record"
        );
        assert_eq!(sheet_list(&record(BUNDLE_SHEET, &[0; 9])), Some(vec![]));
    }
}
