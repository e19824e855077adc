//! The merged regions of an OpenDocument spreadsheet (.ods, as LibreOffice and WPS save it).
//!
//! calamine reads an .ods's cells but not its merges. OpenDocument keeps a merge as spans on the
//! region's first cell (`table:number-rows-spanned`, `table:number-columns-spanned`), so the
//! content part is read once more here, counting rows and cells the way calamine does (repeated
//! rows and cells as many times as they repeat, covered cells as cells), so that a title merged
//! across a table or a township merged down its visits counts in an .ods as in an .xlsx.

use std::collections::HashMap;
use std::io::{BufReader, Cursor};

use quick_xml::events::{BytesStart, Event};

use super::package::attribute;
use super::workbook::{MAX_MERGES, Merge};

/// The sheet's last row and column, in the wider type the spans are counted in: a span past them
/// is cut there.
const LAST_ROW: u64 = super::workbook::LAST_ROW as u64;
const LAST_COLUMN: u64 = super::workbook::LAST_COLUMN as u64;

/// Each table's merged regions by the table's name, or `None` when the content part cannot be
/// read (calamine then says why, or reads the cells without merges).
pub fn merges(bytes: &[u8]) -> Option<HashMap<String, Vec<Merge>>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let part = zip.by_name("content.xml").ok()?;
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(part));
    let mut tables = Tables::default();
    let mut buffer = Vec::new();
    let mut skipped = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer).ok()? {
            Event::Start(element) => {
                let opened = tables.open(&element);
                if opened == Opened::Cell {
                    // A cell's content (its text, a note, even a table of its own) is not the
                    // table's: it is passed over whole.
                    reader.read_to_end_into(element.name(), &mut skipped).ok()?;
                    skipped.clear();
                }
            }
            Event::Empty(element) => {
                tables.open(&element);
                tables.close(element.local_name().as_ref());
            }
            Event::End(element) => tables.close(element.local_name().as_ref()),
            Event::Eof => return Some(tables.found),
            _ => {}
        }
        buffer.clear();
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Opened {
    Cell,
    Other,
}

/// What the reading has found so far, and where it is.
#[derive(Default)]
struct Tables {
    found: HashMap<String, Vec<Merge>>,
    merges: usize,
    table: Option<Table>,
}

/// The table being read: its name, its regions, the row it is at (counting repeats), and the
/// column within the row being read, if one is.
struct Table {
    name: String,
    merges: Vec<Merge>,
    row: u64,
    repeats: u64,
    column: Option<u64>,
}

impl Tables {
    fn open(&mut self, element: &BytesStart<'_>) -> Opened {
        let count = |name: &str| {
            attribute(element, name)
                .flatten()
                .and_then(|value| value.trim().parse::<u64>().ok())
                .unwrap_or(1)
                .max(1)
        };
        match (element.local_name().as_ref(), self.table.as_mut()) {
            ("table", None) => {
                self.table = Some(Table {
                    name: attribute(element, "name").flatten().unwrap_or_default(),
                    merges: Vec::new(),
                    row: 0,
                    repeats: 1,
                    column: None,
                });
                Opened::Other
            }
            ("table-row", Some(table)) => {
                table.repeats = count("number-rows-repeated");
                table.column = Some(0);
                Opened::Other
            }
            ("table-cell" | "covered-table-cell", Some(table)) => {
                let Some(column) = table.column else {
                    return Opened::Other;
                };
                let (rows, columns) = (
                    count("number-rows-spanned"),
                    count("number-columns-spanned"),
                );
                if (rows > 1 || columns > 1)
                    && self.merges < MAX_MERGES
                    && let Some(merge) = region(table.row, column, rows, columns)
                {
                    table.merges.push(merge);
                    self.merges += 1;
                }
                table.column = Some(column.saturating_add(count("number-columns-repeated")));
                Opened::Cell
            }
            _ => Opened::Other,
        }
    }

    fn close(&mut self, local_name: &str) {
        match local_name {
            "table-row" => {
                if let Some(table) = self.table.as_mut() {
                    table.row = table.row.saturating_add(table.repeats);
                    table.column = None;
                }
            }
            "table" => {
                if let Some(table) = self.table.take() {
                    self.found.insert(table.name, table.merges);
                }
            }
            _ => {}
        }
    }
}

/// The region a cell at (row, column) spanning `rows` and `columns` covers, cut at the sheet's
/// edge; `None` when the cell lies past the edge or no more than the cell itself is left.
fn region(row: u64, column: u64, rows: u64, columns: u64) -> Option<Merge> {
    if row > LAST_ROW || column > LAST_COLUMN {
        return None;
    }
    let last_row = row.saturating_add(rows - 1).min(LAST_ROW);
    let last_column = column.saturating_add(columns - 1).min(LAST_COLUMN);
    if last_row <= row && last_column <= column {
        return None;
    }
    let rows = (u32::try_from(row).ok()?, u32::try_from(last_row).ok()?);
    let columns = (
        u32::try_from(column).ok()?,
        u32::try_from(last_column).ok()?,
    );
    Some(Merge::over(rows, columns))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// A small .ods: the parts calamine asks for, and `tables` as the content's body.
    pub(crate) fn ods(tables: &str) -> Vec<u8> {
        let content = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <office:document-content \
             xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
             xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
             xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\">\
             <office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>\
             </office:document-content>"
        );
        let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
            <manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">\
            <manifest:file-entry manifest:full-path=\"/\" \
            manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
            <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
            </manifest:manifest>";
        let mut out = Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut out);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let parts = [
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            ("META-INF/manifest.xml", manifest),
            ("content.xml", content.as_str()),
        ];
        for (name, text) in parts {
            writer.start_file(name, stored).unwrap();
            writer.write_all(text.as_bytes()).unwrap();
        }
        writer.finish().unwrap();
        out.into_inner()
    }

    fn text(value: &str) -> String {
        format!(
            "<table:table-cell office:value-type=\"string\"><text:p>{value}</text:p></table:table-cell>"
        )
    }

    /// A title merged across, empty rows repeated, a township merged down two rows after a
    /// repeated empty cell, a note in a cell with a table of its own, and a second table.
    #[test]
    fn regions_are_found_where_calamine_puts_the_cells() {
        let first = format!(
            "<table:table table:name=\"走访台账\">\
             <table:table-column table:number-columns-repeated=\"4\"/>\
             <table:table-row><table:table-cell table:number-columns-spanned=\"4\" \
             office:value-type=\"string\"><text:p>台账</text:p></table:table-cell>\
             <table:covered-table-cell table:number-columns-repeated=\"3\"/></table:table-row>\
             <table:table-row table:number-rows-repeated=\"2\"><table:table-cell \
             table:number-columns-repeated=\"4\"/></table:table-row>\
             <table:table-header-rows><table:table-row>{}{}{}</table:table-row></table:table-header-rows>\
             <table:table-row><table:table-cell table:number-columns-repeated=\"2\"/>\
             <table:table-cell table:number-rows-spanned=\"2\" office:value-type=\"string\">\
             <text:p>茅坪镇</text:p><table:table table:name=\"inner\"><table:table-row>\
             <table:table-cell table:number-rows-spanned=\"9\"/></table:table-row></table:table>\
             </table:table-cell>{}</table:table-row>\
             <table:table-row><table:table-cell table:number-columns-repeated=\"2\"/>\
             <table:covered-table-cell/>{}</table:table-row>\
             </table:table>",
            text("日期"),
            text("企业"),
            text("乡镇"),
            text("甲"),
            text("乙"),
        );
        let second = format!(
            "<table:table table:name=\"Sheet2\"><table:table-row>{}</table:table-row></table:table>",
            text("x")
        );
        let found = merges(&ods(&(first + &second))).unwrap();
        assert_eq!(
            found.get("走访台账"),
            Some(&vec![
                Merge::over((0, 0), (0, 3)),
                Merge::over((4, 5), (2, 2))
            ])
        );
        assert_eq!(found.get("Sheet2"), Some(&Vec::new()));
        assert!(!found.contains_key("inner"));
    }

    #[test]
    fn spans_past_the_sheet_are_cut_at_its_edge_and_junk_counts_as_one() {
        let table = "<table:table table:name=\"S\">\
             <table:table-row table:number-rows-repeated=\"1048570\"><table:table-cell/></table:table-row>\
             <table:table-row><table:table-cell table:number-rows-spanned=\"99999999999\" \
             table:number-columns-spanned=\"x\"/></table:table-row>\
             <table:table-row><table:table-cell table:number-rows-spanned=\"2\"/></table:table-row>\
             <table:table-row table:number-rows-repeated=\"9\"><table:table-cell/></table:table-row>\
             <table:table-row><table:table-cell table:number-rows-spanned=\"3\"/></table:table-row>\
             </table:table>";
        let found = merges(&ods(table)).unwrap();
        assert_eq!(
            found.get("S"),
            Some(&vec![
                Merge::over((1_048_570, 1_048_575), (0, 0)),
                Merge::over((1_048_571, 1_048_572), (0, 0)),
            ])
        );
    }

    #[test]
    fn what_is_no_opendocument_gives_none() {
        assert!(merges(b"not a zip").is_none());
    }
}
