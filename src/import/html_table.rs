//! Web pages saved under an .xls name: many older systems' "export to Excel" writes the roster as
//! an HTML table, often in GBK, and Excel opens it with a warning. Each top-level `<table>` is
//! read as a sheet: its rows, its cells placed as a browser places them (a cell spanning rows
//! takes its column in the rows below), `rowspan`/`colspan` as merged regions, the text without
//! its tags, entities and runs of white space as a person reads them. Every cell is text; the
//! importer reads numbers and dates from text as it does from any cell.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::workbook::{Cell, LAST_COLUMN, LAST_ROW, Merge, ParsedSheet};

/// The largest spans taken as written; a larger one is cut to these (a roster's region is small,
/// a hostile one must not make millions of occupied places).
const MAX_ROWSPAN: u32 = 1000;
const MAX_COLSPAN: u32 = 100;

/// The text of a web page: in the encoding its head declares (`charset=`), read as
/// `encoding::decode` reads any text file.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let declared = super::encoding::declared(bytes, "charset=");
    super::encoding::decode(bytes, declared.as_deref())
}

/// Where the reading is: the table's depth, the row and cell being read, and the places taken
/// by cells spanning rows from above.
#[derive(Default)]
struct State {
    depth: u32,
    row: Option<u32>,
    next_row: u32,
    next_column: u32,
    cell: Option<(u32, u32, String)>,
    taken: BTreeSet<(u32, u32)>,
}

/// The tables of a web page as sheets (`Sheet1`, `Sheet2` …).
pub fn parse(page: &str) -> Vec<ParsedSheet> {
    let mut sheets: Vec<ParsedSheet> = Vec::new();
    let mut state = State::default();
    // Lower-cased once (the same byte offsets) to find where a script or style ends.
    let lower = page.to_ascii_lowercase();
    let mut rest = page;
    while let Some(open) = rest.find('<') {
        text(&mut state, &rest[..open]);
        rest = &rest[open..];
        if rest.starts_with("<!--") {
            rest = rest.find("-->").map_or("", |end| &rest[end + 3..]);
            continue;
        }
        // A tag never closed ends the page.
        let Some(close) = tag_end(rest) else {
            break;
        };
        let tag = &rest[1..close];
        rest = &rest[close + 1..];
        let (closing, name, attributes) = split_tag(tag);
        match (closing, name.as_str()) {
            (false, "script" | "style") => {
                let from = page.len() - rest.len();
                let close = format!("</{name}");
                rest = lower[from..].find(&close).map_or("", |at| &rest[at..]);
            }
            (false, "table") => {
                // A table inside a cell is that cell's text.
                text(&mut state, " ");
                state.depth += 1;
                if state.depth == 1 {
                    sheets.push(ParsedSheet {
                        name: format!("Sheet{}", sheets.len() + 1),
                        ..ParsedSheet::default()
                    });
                    state = State {
                        depth: 1,
                        ..State::default()
                    };
                }
            }
            (true, "table") if state.depth > 0 => {
                if state.depth == 1 {
                    end_row(&mut state, &mut sheets);
                }
                state.depth -= 1;
                text(&mut state, " ");
            }
            (_, "tr" | "td" | "th") if state.depth > 1 => text(&mut state, " "),
            (false, "tr") if state.depth == 1 => {
                end_row(&mut state, &mut sheets);
                state.row = Some(state.next_row.min(LAST_ROW));
                state.next_column = 0;
            }
            (true, "tr") if state.depth == 1 => end_row(&mut state, &mut sheets),
            (false, "td" | "th") if state.depth == 1 => {
                start_cell(&mut state, &mut sheets, attributes)
            }
            (true, "td" | "th") if state.depth == 1 => end_cell(&mut state, &mut sheets),
            (false, "br") | (true, "p" | "div") => text_break(&mut state),
            _ => {}
        }
    }
    sheets
}

/// Where a tag's `>` is, quotes in its attributes respected.
fn tag_end(rest: &str) -> Option<usize> {
    let mut quote = None;
    for (at, c) in rest.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(at),
            _ => {}
        }
    }
    None
}

/// A tag's parts: whether it closes, its name in lower case, and its attributes' text.
fn split_tag(tag: &str) -> (bool, String, &str) {
    let (closing, tag) = match tag.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, tag),
    };
    let name_end = tag
        .find(|c: char| c.is_whitespace() || c == '/')
        .unwrap_or(tag.len());
    (
        closing,
        tag[..name_end].to_ascii_lowercase(),
        &tag[name_end..],
    )
}

/// A number attribute (`rowspan="2"`), at least 1 and at most `max`.
fn span(attributes: &str, name: &str, max: u32) -> u32 {
    let lower = attributes.to_ascii_lowercase();
    lower
        .split(name)
        .nth(1)
        .and_then(|rest| rest.trim_start().strip_prefix('='))
        .map(|rest| {
            rest.trim_start()
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|digits| digits.parse::<u32>().ok())
        .unwrap_or(1)
        .clamp(1, max)
}

fn start_cell(state: &mut State, sheets: &mut [ParsedSheet], attributes: &str) {
    end_cell(state, sheets);
    let row = match state.row {
        Some(row) => row,
        // A cell outside any row starts one, as browsers do.
        None => {
            let row = state.next_row.min(LAST_ROW);
            state.row = Some(row);
            state.next_column = 0;
            row
        }
    };
    let mut column = state.next_column;
    while state.taken.contains(&(row, column)) && column < LAST_COLUMN {
        column += 1;
    }
    let rows = span(attributes, "rowspan", MAX_ROWSPAN);
    let columns = span(attributes, "colspan", MAX_COLSPAN);
    let last_row = (row + rows - 1).min(LAST_ROW);
    let last_column = (column + columns - 1).min(LAST_COLUMN);
    for below in row + 1..=last_row {
        for across in column..=last_column {
            state.taken.insert((below, across));
        }
    }
    if (last_row, last_column) != (row, column)
        && let Some(sheet) = sheets.last_mut()
    {
        sheet.merges.push(Merge {
            first_row: row,
            first_column: column,
            last_row,
            last_column,
        });
    }
    state.next_column = (last_column + 1).min(LAST_COLUMN);
    state.cell = Some((row, column, String::new()));
}

fn end_cell(state: &mut State, sheets: &mut [ParsedSheet]) {
    let Some((row, column, raw)) = state.cell.take() else {
        return;
    };
    let value: Vec<&str> = raw
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if let (Some(sheet), false) = (sheets.last_mut(), value.is_empty()) {
        sheet
            .cells
            .push((row, column, Cell::Text(value.join("\n"))));
    }
}

fn end_row(state: &mut State, sheets: &mut [ParsedSheet]) {
    end_cell(state, sheets);
    if let Some(row) = state.row.take() {
        state.next_row = row.saturating_add(1);
        state.taken.retain(|(taken_row, _)| *taken_row > row);
    }
}

/// Text between tags: inside a cell, its entities decoded and its runs of white space one space.
fn text(state: &mut State, raw: &str) {
    let Some((_, _, value)) = state.cell.as_mut() else {
        return;
    };
    let mut last_space = value.ends_with(' ');
    for c in unescape(raw).chars() {
        if c.is_whitespace() && c != '\u{a0}' {
            if !last_space {
                value.push(' ');
            }
            last_space = true;
        } else {
            value.push(c);
            last_space = false;
        }
    }
}

fn text_break(state: &mut State) {
    if let Some((_, _, value)) = state.cell.as_mut() {
        value.push('\n');
    }
}

/// The entities web pages use: the five of XML, `&nbsp;` and numeric references; any other is
/// kept as written.
fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('&') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        // An entity's `;` is near (`&#x1F600;` is the longest taken); only that far is looked at.
        let near = &rest.as_bytes()[..rest.len().min(12)];
        let entity = near
            .iter()
            .position(|b| *b == b';')
            .and_then(|end| Some((entity(&rest[1..end])?, end)));
        match entity {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn entity(name: &str) -> Option<char> {
    let number = |digits: &str, radix| {
        u32::from_str_radix(digits, radix)
            .ok()
            .and_then(char::from_u32)
    };
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some('\u{a0}'),
        _ => match name.strip_prefix('#') {
            Some(hex) if hex.starts_with(['x', 'X']) => number(&hex[1..], 16),
            Some(decimal) => number(decimal, 10),
            None => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_placed_as_a_browser_places_them() {
        let page = r#"<html><head><meta charset="utf-8"><style>td { color: red }</style></head>
<body><!-- <table><tr><td>not this</td></tr></table> -->
<TABLE border=1>
 <tr><td colspan="3">秭归县专利授权清单</td></tr>
 <TR><TH>申请号<TH>专利名称<th>申请人</TR>
 <tr><td x:str>201710601862.3</td><td>一种<b>茶杯</b> &amp;&nbsp;茶盖</td><td rowspan=2>秭归茶业<br>有限公司</td></tr>
 <tr><td>201710601863.8<td>一种  茶壶
   (改进型)</td></tr>
 <tr><td>&#x4E00;&#20108;&bogus;</td><td><table><tr><td>嵌套</td></tr></table>外</td></tr>
</TABLE>
<table><tr><td>第二张</td></tr></table></body></html>"#;
        let sheets = parse(page);
        assert_eq!(sheets.len(), 2);
        assert_eq!(sheets[0].name, "Sheet1");
        let text = |s: &str| Cell::Text(s.to_owned());
        assert_eq!(
            sheets[0].cells,
            [
                (0, 0, text("秭归县专利授权清单")),
                (1, 0, text("申请号")),
                (1, 1, text("专利名称")),
                (1, 2, text("申请人")),
                (2, 0, text("201710601862.3")),
                (2, 1, text("一种茶杯 &\u{a0}茶盖")),
                (2, 2, text("秭归茶业\n有限公司")),
                (3, 0, text("201710601863.8")),
                (3, 1, text("一种 茶壶 (改进型)")),
                (4, 0, text("一二&bogus;")),
                (4, 1, text("嵌套 外")),
            ]
        );
        assert_eq!(
            sheets[0].merges,
            [Merge::over((0, 0), (0, 2)), Merge::over((2, 3), (2, 2))]
        );
        assert_eq!(sheets[1].cells, [(0, 0, text("第二张"))]);
    }

    #[test]
    fn a_cell_spanning_rows_pushes_the_cells_below_it_right() {
        let page = "<table><tr><td rowspan=3>甲</td><td>1</td></tr><tr><td>2</td></tr>\
                    <tr><td>3</td><td>4</td></tr><tr><td>5</td></tr></table>";
        let cells: Vec<(u32, u32)> = parse(page)[0]
            .cells
            .iter()
            .map(|(r, c, _)| (*r, *c))
            .collect();
        assert_eq!(cells, [(0, 0), (0, 1), (1, 1), (2, 1), (2, 2), (3, 0)]);
        // Spans past their limits are cut, not followed.
        let huge = "<table><tr><td rowspan=999999999 colspan=99999>x</td></tr></table>";
        let sheet = &parse(huge)[0];
        assert_eq!(sheet.merges[0].last_row, MAX_ROWSPAN - 1);
        assert_eq!(sheet.merges[0].last_column, MAX_COLSPAN - 1);
    }

    #[test]
    fn a_page_in_gbk_reads_in_its_own_encoding() {
        let page = "<html><head><meta http-equiv=Content-Type content=\"text/html; charset=gb2312\">\
                    </head><table><tr><td>申请号</td></tr></table></html>";
        let (bytes, _, _) = encoding_rs::GB18030.encode(page);
        assert_eq!(decode(&bytes), page);
        // Undeclared and not UTF-8: GBK, the Chinese default.
        let bare = encoding_rs::GB18030
            .encode("<table><tr><td>专利名称</td></tr></table>")
            .0;
        assert!(decode(&bare).contains("专利名称"));
        assert_eq!(decode("<p>已是 UTF-8</p>".as_bytes()), "<p>已是 UTF-8</p>");
    }
}
