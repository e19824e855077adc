//! The merged regions of an .xlsx's sheets, found without parsing each sheet a second time.
//!
//! An .xlsx keeps a sheet's merged regions after all its rows, and calamine finds them by parsing
//! the whole sheet again: 40 % of the reading's time for a roster of 100,000 rows, in a phase
//! nothing overlaps. Here the sheet's part is only inflated and searched as bytes for its
//! `mergeCells` element, and only that element is parsed. Whatever cannot be told this way (a
//! workbook whose parts this does not find, an element cut short) returns `None`, and the reader
//! asks calamine instead.

use std::io::Read;

use memchr::memmem;
use quick_xml::events::{BytesStart, Event};

use super::package::{SheetParts, attribute};
use super::workbook::{Merge, cell_position};

/// The element's name, and its bytes as the search looks for them (with or without a prefix).
const ELEMENT: &str = "mergeCells";
const NAME: &[u8] = ELEMENT.as_bytes();
/// Bytes kept from one read of the inflated sheet to the next: enough for an opening tag's `<`,
/// its prefix and its name, and the byte after it.
const CARRY: usize = 64;
/// The longest namespace prefix taken for one.
const MAX_PREFIX: usize = 32;
/// At most this much is kept from the element's start (about 600,000 regions); a sheet with more
/// is left to calamine.
const MAX_ELEMENT: usize = 16 << 20;

/// The sheets' parts of an .xlsx, or `None` when its workbook and relationships cannot be read.
pub fn open(bytes: &[u8]) -> Option<SheetParts<'_>> {
    SheetParts::open(bytes, sheet_list)
}

/// The merged regions of the sheet `name`, or `None` when they cannot be found this way.
pub fn merges(parts: &mut SheetParts<'_>, name: &str) -> Option<Vec<Merge>> {
    match merge_element(parts.sheet(name)?)? {
        Some(element) => parse_merges(&element),
        None => Some(Vec::new()),
    }
}

/// The workbook part's sheets: each one's name and relationship id.
fn sheet_list(workbook: &[u8]) -> Option<Vec<(String, String)>> {
    let mut reader = quick_xml::Reader::from_reader(workbook);
    let mut sheets = Vec::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                if let (Some(name), Some(id)) = (attribute(&e, "name")?, attribute(&e, "id")?) {
                    sheets.push((name, id));
                }
            }
            Event::Eof => return Some(sheets),
            _ => {}
        }
    }
}

/// The bytes of a sheet from the last opening `<mergeCells` (or `<x:mergeCells`) to the end of
/// the part, or `Some(None)` when it has none; `None` when the part cannot be read or the element
/// is too long. The real element follows the rows, so a lookalike in a cell's text (in a comment
/// or CDATA) comes before it and is superseded.
fn merge_element(mut part: impl Read) -> Option<Option<Vec<u8>>> {
    let finder = memmem::Finder::new(NAME);
    let mut buffer: Vec<u8> = Vec::with_capacity((64 << 10) + CARRY);
    let mut element: Option<Vec<u8>> = None;
    // Positions before this in `buffer` have been looked at.
    let mut looked = 0;
    loop {
        let old = buffer.len();
        buffer.resize(old + (64 << 10), 0);
        let read = part.read(&mut buffer[old..]).ok()?;
        buffer.truncate(old + read);
        let end = read == 0;
        let mut opened = false;
        let mut at = looked;
        looked = buffer.len().saturating_sub(NAME.len() - 1).max(looked);
        while let Some(found) = finder.find(&buffer[at..]) {
            let name = at + found;
            if name + NAME.len() >= buffer.len() && !end {
                // The byte after the name is in the next read.
                looked = name;
                break;
            }
            if let Some(start) = opening_tag(&buffer, name) {
                element = Some(buffer[start..].to_vec());
                opened = true;
            }
            at = name + 1;
        }
        if let (Some(element), false) = (element.as_mut(), opened) {
            element.extend_from_slice(&buffer[old..]);
        }
        if element.as_ref().is_some_and(|e| e.len() > MAX_ELEMENT) {
            return None;
        }
        if end {
            return Some(element);
        }
        let drop = buffer.len().saturating_sub(CARRY).min(looked);
        buffer.drain(..drop);
        looked -= drop;
    }
}

/// Where the tag opens when the name at `name` is an element's opening tag's: `<name` or
/// `<prefix:name`, followed by a space, `>` or `/`.
fn opening_tag(buffer: &[u8], name: usize) -> Option<usize> {
    let after = *buffer.get(name + NAME.len())?;
    if !matches!(after, b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/') {
        return None;
    }
    let before = &buffer[..name];
    match before.last()? {
        b'<' => Some(name - 1),
        b':' => {
            let prefix = &before[..before.len() - 1];
            let length = prefix
                .iter()
                .rev()
                .take(MAX_PREFIX + 1)
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                .count();
            let open = prefix.len().checked_sub(length + 1)?;
            (length > 0 && length <= MAX_PREFIX && prefix[open] == b'<').then_some(open)
        }
        _ => None,
    }
}

/// The regions of a `mergeCells` element (and whatever follows it, which is not read).
fn parse_merges(element: &[u8]) -> Option<Vec<Merge>> {
    let mut reader = quick_xml::Reader::from_reader(element);
    let mut merges = Vec::new();
    let mut buffer = Vec::new();
    let mut inside = false;
    loop {
        buffer.clear();
        match reader.read_event_into(&mut buffer).ok()? {
            // `<mergeCells count="0"/>`: no regions.
            Event::Empty(e) if !inside => {
                return (e.local_name().as_ref() == ELEMENT).then_some(merges);
            }
            Event::Start(e) if !inside => {
                inside = e.local_name().as_ref() == ELEMENT;
                if !inside {
                    return None;
                }
            }
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "mergeCell" => {
                merges.push(region(&e)?);
            }
            Event::End(e) if e.local_name().as_ref() == ELEMENT => return Some(merges),
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// One `mergeCell`'s region from its `ref`: `A1:C2`, or `B3` for a single cell.
fn region(element: &BytesStart<'_>) -> Option<Merge> {
    let reference = attribute(element, "ref")??;
    let (first, last) = reference
        .split_once(':')
        .unwrap_or((&reference, &reference));
    let (first_row, first_column) = cell_position(first)?;
    let (last_row, last_column) = cell_position(last)?;
    Some(Merge {
        first_row,
        first_column,
        last_row,
        last_column,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::Reader;
    use std::io::Cursor;

    /// A reader that gives a few bytes at a time, so that the tag falls across every boundary.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.bytes.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    fn merges_of(sheet: &str, step: usize) -> Option<Vec<Merge>> {
        let trickle = Trickle {
            bytes: sheet.as_bytes(),
            step,
        };
        match merge_element(trickle)? {
            Some(element) => parse_merges(&element),
            None => Some(Vec::new()),
        }
    }

    fn merge(first_row: u32, first_column: u32, last_row: u32, last_column: u32) -> Merge {
        Merge {
            first_row,
            first_column,
            last_row,
            last_column,
        }
    }

    #[test]
    fn the_element_after_the_rows_is_found_however_the_bytes_arrive() {
        let title = merge(0, 0, 0, 3);
        let cases: [(&str, Option<Vec<Merge>>); 7] = [
            (
                r#"<worksheet><sheetData><row r="1"/></sheetData><mergeCells count="2"><mergeCell ref="A1:D1"/><mergeCell ref="B3"/></mergeCells><pageMargins/></worksheet>"#,
                Some(vec![title, merge(2, 1, 2, 1)]),
            ),
            (
                r#"<x:worksheet xmlns:x="s"><x:sheetData/><x:mergeCells count="1"><x:mergeCell ref="A1:D1"></x:mergeCell></x:mergeCells></x:worksheet>"#,
                Some(vec![title]),
            ),
            (
                r#"<worksheet><sheetData><row><c t="inlineStr"><is><t><![CDATA[<mergeCells><mergeCell ref="Z9:Z10"/></mergeCells>]]></t></is></c></row></sheetData><mergeCells><mergeCell ref="A1:D1"/></mergeCells></worksheet>"#,
                Some(vec![title]),
            ),
            (
                r#"<worksheet><sheetData><row><c t="inlineStr"><is><t>mergeCells and &lt;mergeCells&gt;</t></is></c></row></sheetData></worksheet>"#,
                Some(vec![]),
            ),
            (
                r#"<worksheet><sheetData/><mergeCells count="0"/></worksheet>"#,
                Some(vec![]),
            ),
            (
                r#"<worksheet><sheetData/><mergeCells><mergeCell ref="A1:"/></mergeCells></worksheet>"#,
                None,
            ),
            (
                r#"<worksheet><sheetData/><mergeCells><mergeCell ref="A1:D1"/>"#,
                None,
            ),
        ];
        for (sheet, expected) in cases {
            for step in [1, 2, 3, 7, 64, 1 << 20] {
                assert_eq!(merges_of(sheet, step), expected, "{sheet} by {step}");
            }
        }
    }

    #[test]
    fn a_long_sheet_carries_the_tag_across_reads() {
        let rows: String = (1..=20_000)
            .map(|r| format!(r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>"#))
            .collect();
        let sheet = format!(
            r#"<worksheet><sheetData>{rows}</sheetData><mergeCells count="1"><mergeCell ref="AA7:AB70000"/></mergeCells></worksheet>"#
        );
        for pad in 0..70 {
            let padded = format!("{}{sheet}", " ".repeat(pad));
            let found = merges_of(&padded, 1 << 20);
            assert_eq!(found, Some(vec![merge(6, 26, 69_999, 27)]), "pad {pad}");
        }
    }

    /// The regions found here are calamine's, sheet by sheet, in a workbook as Excel writes it.
    #[test]
    fn the_regions_are_calamines() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let format = rust_xlsxwriter::Format::new();
        let first = book.add_worksheet().set_name("名册 & 附表").unwrap();
        first
            .merge_range(0, 0, 0, 5, "2025年专利授权名册", &format)
            .unwrap();
        first.merge_range(1, 0, 2, 0, "序号", &format).unwrap();
        for row in 3..300 {
            first.write(row, 1, format!("ZL2025{row}")).unwrap();
        }
        book.add_worksheet()
            .set_name("说明")
            .unwrap()
            .write(0, 0, "无")
            .unwrap();
        let bytes = book.save_to_buffer().unwrap();

        let mut parts = open(&bytes).expect("the parts of a plain workbook");
        let mut calamine: calamine::Xlsx<_> = calamine::Xlsx::new(Cursor::new(&bytes)).unwrap();
        for name in calamine.sheet_names() {
            let mut theirs: Vec<Merge> = calamine
                .merge_cells_by_sheet_name(&name)
                .unwrap()
                .iter()
                .map(|d| merge(d.start.0, d.start.1, d.end.0, d.end.1))
                .collect();
            let mut ours = merges(&mut parts, &name).expect(&name);
            for regions in [&mut ours, &mut theirs] {
                regions.sort_by_key(|m| (m.first_row, m.first_column));
            }
            assert_eq!(ours, theirs, "{name}");
        }
        assert_eq!(merges(&mut parts, "no such sheet"), None);
    }
}
