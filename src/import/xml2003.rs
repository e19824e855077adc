//! Excel 2003's XML spreadsheet (SpreadsheetML), which many systems still export under an .xls
//! name and which calamine does not read. Its structure is small: `Worksheet` (`ss:Name`) →
//! `Table` → `Row` (`ss:Index`, 1-based; otherwise the row after the last) → `Cell` (`ss:Index`,
//! `ss:MergeAcross`, `ss:MergeDown`) → `Data` (`ss:Type`: String, Number, DateTime, Boolean,
//! Error). A cell's comment holds a `Data` of its own, which is not the cell's value.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use super::workbook::{Cell, LAST_COLUMN, LAST_ROW, Merge, ParsedSheet};

/// Where the parser is: the cell being read and the kind and text of its value.
#[derive(Default)]
struct State {
    next_row: u32,
    row: u32,
    next_column: u32,
    cell: Option<(u32, u32)>,
    data: Option<(String, String)>,
    in_comment: bool,
}

/// The worksheets of a SpreadsheetML file, or why it cannot be read (a library's words, or a
/// row or column past a sheet's end).
pub fn parse(text: &str) -> Result<Vec<ParsedSheet>, String> {
    // From text: the declaration's encoding was heeded in decoding, and must not be again.
    let mut reader = quick_xml::Reader::from_str(text);
    let mut sheets: Vec<ParsedSheet> = Vec::new();
    let mut state = State::default();
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        match event {
            Event::Start(e) => start(&e, false, &mut sheets, &mut state)?,
            Event::Empty(e) => start(&e, true, &mut sheets, &mut state)?,
            Event::End(e) => end(e.local_name().as_ref(), &mut sheets, &mut state),
            Event::Text(e) => push_text(&mut state, &e.xml_content(XmlVersion::Implicit1_0)),
            Event::CData(e) => push_text(&mut state, &e.xml_content(XmlVersion::Implicit1_0)),
            Event::GeneralRef(e) => {
                let resolved = match e.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = e.xml_content(XmlVersion::Implicit1_0);
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| format!("unknown entity &{name};"))?
                            .to_owned()
                    }
                };
                push_text(&mut state, &resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(sheets)
}

/// The file as text, in the encoding its XML declaration names (GBK from older systems) or its
/// byte-order mark says (UTF-16); a declaration of UTF-16 over UTF-8 bytes, as some systems
/// write, is not believed.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let declared = super::encoding::declared(bytes, "encoding=");
    super::encoding::decode(bytes, declared.as_deref())
}

fn push_text(state: &mut State, text: &str) {
    if let Some((_, value)) = state.data.as_mut() {
        value.push_str(text);
    }
}

fn start(
    e: &BytesStart<'_>,
    empty: bool,
    sheets: &mut Vec<ParsedSheet>,
    state: &mut State,
) -> Result<(), String> {
    match e.local_name().as_ref() {
        "Worksheet" => {
            sheets.push(ParsedSheet {
                name: attribute(e, "Name").unwrap_or_default(),
                ..ParsedSheet::default()
            });
            *state = State::default();
        }
        "Row" => {
            state.row = index(e, state.next_row, LAST_ROW)?;
            state.next_column = 0;
            state.next_row = state.row.saturating_add(1);
        }
        "Cell" => {
            let column = index(e, state.next_column, LAST_COLUMN)?;
            let across = count(e, "MergeAcross");
            let down = count(e, "MergeDown");
            let last_column = column.saturating_add(across).min(LAST_COLUMN);
            if (across > 0 || down > 0)
                && let Some(sheet) = sheets.last_mut()
            {
                sheet.merges.push(Merge {
                    first_row: state.row,
                    first_column: column,
                    last_row: state.row.saturating_add(down).min(LAST_ROW),
                    last_column,
                });
            }
            state.next_column = last_column.saturating_add(1);
            state.cell = (!empty).then_some((state.row, column));
        }
        "Comment" if !empty => state.in_comment = true,
        "Data" if !empty && !state.in_comment && state.cell.is_some() => {
            state.data = Some((attribute(e, "Type").unwrap_or_default(), String::new()));
        }
        _ => {}
    }
    Ok(())
}

fn end(name: &str, sheets: &mut [ParsedSheet], state: &mut State) {
    match name {
        "Comment" => state.in_comment = false,
        "Cell" => state.cell = None,
        "Data" => {
            let (Some((row, column)), Some((kind, text))) = (state.cell, state.data.take()) else {
                return;
            };
            if let (Some(sheet), Some(cell)) = (sheets.last_mut(), typed(&kind, text)) {
                sheet.cells.push((row, column, cell));
            }
        }
        _ => {}
    }
}

/// A cell's value by its declared type; an empty text is no cell at all.
fn typed(kind: &str, text: String) -> Option<Cell> {
    if text.is_empty() {
        return None;
    }
    Some(match kind {
        "Number" => match text.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Cell::Number(n),
            _ => Cell::Text(text),
        },
        "DateTime" => Cell::IsoDate(text),
        "Boolean" => Cell::Bool(text.trim() == "1"),
        "Error" => Cell::Error(text),
        _ => Cell::Text(text),
    })
}

/// An attribute's value by its local name (`ss:Name` → `Name`).
fn attribute(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok())
        .map(|v| v.into_owned())
}

/// A row's or cell's 0-based position: its 1-based `ss:Index`, or the one after the last.
fn index(e: &BytesStart<'_>, next: u32, last: u32) -> Result<u32, String> {
    let at = match attribute(e, "Index") {
        Some(text) => text
            .trim()
            .parse::<u32>()
            .ok()
            .and_then(|i| i.checked_sub(1))
            .ok_or_else(|| format!("bad index {text}"))?,
        None => next,
    };
    if at > last {
        return Err(format!("index {at} past the sheet's end"));
    }
    Ok(at)
}

/// How many more rows or columns a merged cell takes (`ss:MergeDown`, `ss:MergeAcross`).
fn count(e: &BytesStart<'_>, name: &str) -> u32 {
    attribute(e, name)
        .and_then(|text| text.trim().parse::<u32>().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:html="http://www.w3.org/TR/REC-html40">
 <Worksheet ss:Name="说明"><Table><Row><Cell><Data ss:Type="String">本表由系统导出</Data></Cell></Row></Table></Worksheet>
 <Worksheet ss:Name="授权清单">
  <Table>
   <Row><Cell ss:MergeAcross="2"><Data ss:Type="String">2026年专利授权清单</Data></Cell></Row>
   <Row ss:Index="3">
    <Cell><Data ss:Type="String">申请号</Data></Cell>
    <Cell><Data ss:Type="String">专利名称</Data></Cell>
    <Cell ss:Index="4"><Data ss:Type="String">授权公告日</Data></Cell>
   </Row>
   <Row>
    <Cell><Data ss:Type="Number">201710601862.3</Data></Cell>
    <Cell ss:MergeDown="1"><ss:Data ss:Type="String" xmlns="http://www.w3.org/TR/REC-html40">一种<B>茶杯</B> &amp; 茶盖&#x4E00;</ss:Data><Comment><ss:Data>批注，不是值</ss:Data></Comment></Cell>
    <Cell ss:Index="4"><Data ss:Type="DateTime">2026-03-15T00:00:00.000</Data></Cell>
    <Cell><Data ss:Type="Boolean">1</Data></Cell>
    <Cell><Data ss:Type="Error">#N/A</Data></Cell>
    <Cell><Data ss:Type="String"></Data></Cell>
   </Row>
   <Row/>
   <Row><Cell ss:Index="2"/></Row>
  </Table>
 </Worksheet>
</Workbook>"#;

    #[test]
    fn sheets_rows_cells_and_merges_are_read_as_excel_numbers_them() {
        let sheets = parse(FILE).unwrap();
        assert_eq!(sheets.len(), 2);
        assert_eq!(sheets[0].name, "说明");
        let roster = &sheets[1];
        assert_eq!(roster.name, "授权清单");
        let text = |s: &str| Cell::Text(s.to_owned());
        assert_eq!(
            roster.cells,
            [
                (0, 0, text("2026年专利授权清单")),
                (2, 0, text("申请号")),
                (2, 1, text("专利名称")),
                (2, 3, text("授权公告日")),
                (3, 0, Cell::Number(201_710_601_862.3)),
                (3, 1, text("一种茶杯 & 茶盖一")),
                (3, 3, Cell::IsoDate("2026-03-15T00:00:00.000".into())),
                (3, 4, Cell::Bool(true)),
                (3, 5, Cell::Error("#N/A".into())),
            ]
        );
        assert_eq!(
            roster.merges,
            [Merge::over((0, 0), (0, 2)), Merge::over((3, 4), (1, 1))]
        );
    }

    #[test]
    fn the_file_is_read_in_the_encoding_it_is_written_in() {
        let in_utf8 = parse(FILE).unwrap();
        let declaring = |label: &str| FILE.replacen("UTF-8", label, 1);
        let gbk = encoding_rs::GBK.encode(&declaring("gb2312")).0.into_owned();
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(
            declaring("UTF-16")
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        // Some systems declare UTF-16 over UTF-8 bytes.
        let misdeclared = declaring("utf-16").into_bytes();
        for bytes in [gbk, utf16, misdeclared] {
            assert_eq!(parse(&decode(&bytes)).unwrap(), in_utf8);
        }
    }

    #[test]
    fn what_cannot_be_a_sheet_is_refused_with_the_reason() {
        for bad in [
            r#"<Workbook><Worksheet><Table><Row ss:Index="0"/></Table></Worksheet></Workbook>"#,
            r#"<Workbook><Worksheet><Table><Row ss:Index="9999999"/></Table></Worksheet></Workbook>"#,
            r#"<Workbook><Worksheet><Table><Row><Cell ss:Index="x"/></Row></Table></Worksheet></Workbook>"#,
            r#"<Workbook><Worksheet><Table><Row><Cell><Data>&bomb;</Data></Cell></Row></Table></Worksheet></Workbook>"#,
            r#"<Workbook><Worksheet><Table><Row><Cell></Row></Table></Worksheet></Workbook>"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
