//! Finding the table in a sheet: the header row (not always row 1 — title rows, a "统计时间：…" line
//! and blank rows often come first), two-row headers (a merged group label above sub-labels), and
//! the data rows below, without the totals row and the notes at the end.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::spec::{Register, RegisterSpec};
use super::workbook::{Cell, Merge, Row, Sheet, Workbook};
use crate::text;

/// How many rows from the top are tried as the header.
pub const HEADER_SEARCH_ROWS: usize = 20;

/// Where the table is: which sheet, which row holds the header (0-based), and whether the header
/// takes two rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableAt {
    pub sheet: usize,
    pub header_row: u32,
    pub two_rows: bool,
}

impl TableAt {
    /// The first row (0-based) below the header.
    pub fn first_data_row(&self) -> u32 {
        self.header_row + if self.two_rows { 2 } else { 1 }
    }
}

/// One header column: its 0-based index and its label (joined for two-row headers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderColumn {
    pub column: u32,
    pub label: String,
    /// The other spellings to try when the label is not known (sub-label, then group label).
    pub fallbacks: Vec<String>,
}

fn row_at(sheet: &Sheet, index: u32) -> Option<&Row> {
    sheet.rows.iter().find(|r| r.index == index)
}

fn cell_text(row: Option<&Row>, column: u32) -> String {
    row.and_then(|r| r.get(column))
        .map(|c| text::clean(&c.display()))
        .unwrap_or_default()
}

/// The labels of a one- or two-row header.
pub fn header_columns(sheet: &Sheet, header_row: u32, two_rows: bool) -> Vec<HeaderColumn> {
    let top = row_at(sheet, header_row);
    let below = if two_rows {
        row_at(sheet, header_row + 1)
    } else {
        None
    };
    let mut columns: Vec<u32> = top
        .map(|r| r.cells.iter().map(|(c, _)| *c).collect())
        .unwrap_or_default();
    if let Some(below) = below {
        columns.extend(below.cells.iter().map(|(c, _)| *c));
    }
    columns.sort_unstable();
    columns.dedup();
    columns
        .into_iter()
        .filter_map(|column| {
            let group = group_label(sheet, top, header_row, column);
            let sub = cell_text(below, column);
            let (label, fallbacks) = match (group.is_empty(), sub.is_empty()) {
                (true, true) => return None,
                (false, true) => (group, Vec::new()),
                (true, false) => (sub, Vec::new()),
                (false, false) => (format!("{group}{sub}"), vec![sub, group]),
            };
            Some(HeaderColumn {
                column,
                label,
                fallbacks,
            })
        })
        .collect()
}

/// A group label spans its merged region: every column under it belongs to it.
fn group_label(sheet: &Sheet, top: Option<&Row>, header_row: u32, column: u32) -> String {
    let own = cell_text(top, column);
    if !own.is_empty() {
        return own;
    }
    sheet
        .merges
        .iter()
        .find(|m| {
            m.first_row <= header_row
                && header_row <= m.last_row
                && m.first_column <= column
                && column <= m.last_column
        })
        .map(|m| cell_text(row_at(sheet, m.first_row), m.first_column))
        .unwrap_or_default()
}

/// How many distinct fields the header's labels name.
fn score(spec: &RegisterSpec, columns: &[HeaderColumn]) -> usize {
    fields_named(spec, columns).len()
}

/// The distinct fields the header's labels name, leaving out columns to ignore.
fn fields_named<'a>(spec: &'a RegisterSpec, columns: &[HeaderColumn]) -> Vec<&'a str> {
    let mut fields: Vec<&str> = Vec::new();
    for column in columns {
        let found = std::iter::once(&column.label)
            .chain(&column.fallbacks)
            .find_map(|label| spec.field_for_header(label));
        if let Some(field) = found
            && field.name != "ignored"
            && !fields.contains(&field.name.as_str())
        {
            fields.push(&field.name);
        }
    }
    fields
}

/// Where the workbook holds a header of `register` with its key column, and how many fields
/// that header names.
fn fit(workbook: &Workbook, sheet: Option<usize>, register: Register) -> Option<(usize, TableAt)> {
    let spec = super::spec::spec(register);
    let at = detect(workbook, spec, sheet)?;
    let found = workbook.sheets.get(at.sheet)?;
    let named = fields_named(spec, &header_columns(found, at.header_row, at.two_rows));
    named
        .contains(&spec.key.as_str())
        .then_some((named.len(), at))
}

/// When the workbook holds no table of `chosen` but one of another register (header and key
/// column), that register: an officer who picked the wrong register is told which to pick.
pub fn fitting_register(
    workbook: &Workbook,
    sheet: Option<usize>,
    chosen: Register,
) -> Option<(Register, TableAt)> {
    if fit(workbook, sheet, chosen).is_some() {
        return None;
    }
    Register::ALL
        .into_iter()
        .filter(|r| *r != chosen)
        .filter_map(|r| fit(workbook, sheet, r).map(|(named, at)| (named, r, at)))
        // The most fields named; the first register of equals.
        .rev()
        .max_by_key(|(named, _, _)| *named)
        .map(|(_, register, at)| (register, at))
}

/// The sheet and header row whose labels best match the register's fields (the first of equals);
/// `None` when no row names two fields. `sheet` limits the search to one sheet.
pub fn detect(workbook: &Workbook, spec: &RegisterSpec, sheet: Option<usize>) -> Option<TableAt> {
    let mut best: Option<(usize, TableAt)> = None;
    for (index, candidate) in workbook.sheets.iter().enumerate() {
        if sheet.is_some_and(|s| s != index) {
            continue;
        }
        for row in candidate.rows.iter().take(HEADER_SEARCH_ROWS) {
            let one_row = score(spec, &header_columns(candidate, row.index, false));
            let below = score(spec, &header_columns(candidate, row.index + 1, false));
            for two_rows in [false, true] {
                let points = if two_rows {
                    score(spec, &header_columns(candidate, row.index, true))
                } else {
                    one_row
                };
                // A two-row header must name more fields than either of its rows alone: a
                // title above a header is not a group label.
                if two_rows && points <= one_row.max(below) {
                    continue;
                }
                let at = TableAt {
                    sheet: index,
                    header_row: row.index,
                    two_rows,
                };
                if points >= 2 && best.as_ref().is_none_or(|(p, _)| points > *p) {
                    best = Some((points, at));
                }
            }
        }
    }
    best.map(|(_, at)| at)
}

/// Whether a header has a second row: given a header row, the better of one or two rows.
pub fn with_best_depth(
    sheet: &Sheet,
    spec: &RegisterSpec,
    sheet_index: usize,
    header_row: u32,
) -> TableAt {
    let one = score(spec, &header_columns(sheet, header_row, false));
    let below = score(spec, &header_columns(sheet, header_row + 1, false));
    let two = score(spec, &header_columns(sheet, header_row, true));
    TableAt {
        sheet: sheet_index,
        header_row,
        two_rows: two > one.max(below),
    }
}

/// What a row below the header is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Data,
    Blank,
    Totals,
    Note,
}

/// How a totals row begins, in the officers' words and in the English exports'.
const TOTALS: [&str; 4] = ["合计", "总计", "小计", "total"];
const NOTES: [&str; 7] = ["注：", "注:", "说明：", "说明:", "备注：", "填表人", "制表"];

pub fn kind(row: &Row) -> RowKind {
    let Some(first) = row.first_text() else {
        return RowKind::Blank;
    };
    let first = text::clean(&first);
    let compact: String = first.chars().filter(|c| !c.is_whitespace()).collect();
    let lower = text::lowercase(&compact);
    if TOTALS.iter().any(|t| lower.starts_with(t)) {
        RowKind::Totals
    } else if NOTES.iter().any(|n| compact.starts_with(n)) {
        RowKind::Note
    } else if row.is_blank() {
        RowKind::Blank
    } else {
        RowKind::Data
    }
}

/// The data rows under the header: blank rows skipped silently, totals and note rows left out.
pub fn data_rows(sheet: &Sheet, at: TableAt) -> impl Iterator<Item = &Row> {
    let first = at.first_data_row();
    sheet
        .rows
        .iter()
        .filter(move |row| row.index >= first && kind(row) == RowKind::Data)
}

/// The data rows as [`data_rows`] gives them, with the cells merged down filled in
/// ([`FillDown`]) in the given columns.
pub fn filled_data_rows<'s>(
    sheet: &'s Sheet,
    at: TableAt,
    columns: &[u32],
) -> impl Iterator<Item = Cow<'s, Row>> {
    let mut fill = FillDown::new(&sheet.merges, at, columns);
    data_rows(sheet, at).map(move |row| fill.fill(Cow::Borrowed(row)))
}

/// Cells merged down inside the data. A person who merges 企业名称 down over the rows of that
/// company's patents (common in an officer's own ledger) means the name for each of those rows,
/// but the file keeps it in the region's top cell only. A data row below the top of such a region
/// takes the top cell's value in the region's first column when it has none there. Only the
/// given (mapped) columns are filled, so a hostile file's thousands of regions cost nothing.
pub struct FillDown {
    /// Regions still to come, the last to start first.
    waiting: Vec<Merge>,
    /// The regions the rows are in, one per column (Excel's regions do not overlap).
    open: Vec<(Merge, Option<Cell>)>,
}

impl FillDown {
    pub fn new(merges: &[Merge], at: TableAt, columns: &[u32]) -> FillDown {
        let first = at.first_data_row();
        let mut waiting: Vec<Merge> = merges
            .iter()
            .filter(|m| m.first_row >= first && m.last_row > m.first_row)
            .filter(|m| columns.contains(&m.first_column))
            .copied()
            .collect();
        waiting.sort_by_key(|m| std::cmp::Reverse((m.first_row, m.first_column)));
        FillDown {
            waiting,
            open: Vec::new(),
        }
    }

    /// A data row, filled; the data rows must come in order.
    pub fn fill<'r>(&mut self, mut row: Cow<'r, Row>) -> Cow<'r, Row> {
        let index = row.index;
        self.open.retain(|(region, _)| region.last_row >= index);
        while let Some(region) = self.waiting.pop_if(|m| m.first_row <= index) {
            // A region whose top row was not a data row (blank, a note) has no value to give.
            let top = (region.first_row == index)
                .then(|| row.get(region.first_column).cloned())
                .flatten();
            self.open
                .retain(|(m, _)| m.first_column != region.first_column);
            self.open.push((region, top));
        }
        for (region, value) in &self.open {
            let (column, Some(value)) = (region.first_column, value) else {
                continue;
            };
            if region.first_row < index && row.get(column).is_none() {
                let cells = &mut row.to_mut().cells;
                let at = cells.partition_point(|(c, _)| *c < column);
                cells.insert(at, (column, value.clone()));
            }
        }
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::spec::{Register, spec};
    use crate::import::workbook::{Cell, Format, Merge};

    fn text_row(index: u32, cells: &[(u32, &str)]) -> Row {
        Row {
            index,
            cells: cells
                .iter()
                .map(|(c, t)| (*c, Cell::Text((*t).to_owned())))
                .collect(),
        }
    }

    fn workbook(rows: Vec<Row>, merges: Vec<Merge>) -> Workbook {
        Workbook {
            format: Format::Xlsx,
            is_1904: false,
            sheets: vec![Sheet {
                name: "S".into(),
                rows,
                merges,
            }],
        }
    }

    #[test]
    fn the_header_is_found_below_titles() {
        let book = workbook(
            vec![
                text_row(0, &[(0, "湖北省2026年专利授权清单")]),
                text_row(1, &[(0, "统计时间：2026年1月1日至6月30日")]),
                text_row(
                    3,
                    &[(0, "序号"), (1, "名称"), (2, "申请号"), (3, "授权公告日")],
                ),
                text_row(
                    4,
                    &[(0, "1"), (1, "一种茶叶揉捻装置"), (2, "201710601862.3")],
                ),
            ],
            vec![Merge {
                first_row: 0,
                first_column: 0,
                last_row: 0,
                last_column: 3,
            }],
        );
        let at = detect(&book, spec(Register::Patents), None).unwrap();
        assert_eq!(
            at,
            TableAt {
                sheet: 0,
                header_row: 3,
                two_rows: false
            }
        );
        assert_eq!(data_rows(&book.sheets[0], at).count(), 1);
    }

    #[test]
    fn two_row_headers_join_the_group_label() {
        let book = workbook(
            vec![
                text_row(0, &[(0, "申请号"), (1, "名称"), (2, "申请人"), (4, "授权")]),
                text_row(1, &[(4, "公告日"), (5, "公告号")]),
                text_row(
                    2,
                    &[
                        (0, "201710601862.3"),
                        (1, "x"),
                        (2, "y"),
                        (4, "2019-03-01"),
                        (5, "CN107300001B"),
                    ],
                ),
            ],
            vec![Merge {
                first_row: 0,
                first_column: 4,
                last_row: 0,
                last_column: 5,
            }],
        );
        let at = detect(&book, spec(Register::Patents), None).unwrap();
        assert!(at.two_rows);
        let labels: Vec<String> = header_columns(&book.sheets[0], 0, true)
            .into_iter()
            .map(|c| c.label)
            .collect();
        assert_eq!(
            labels,
            ["申请号", "名称", "申请人", "授权公告日", "授权公告号"]
        );
    }

    #[test]
    fn an_unmerged_title_right_above_the_header_is_not_a_group_label() {
        let book = workbook(
            vec![
                text_row(0, &[(0, "2026年高新技术企业名单")]),
                text_row(1, &[(0, "序号"), (1, "企业名称"), (2, "统一社会信用代码")]),
                text_row(2, &[(0, "1"), (1, "某公司")]),
            ],
            Vec::new(),
        );
        let at = detect(&book, spec(Register::Enterprises), None).unwrap();
        let expected = TableAt {
            sheet: 0,
            header_row: 1,
            two_rows: false,
        };
        assert_eq!(at, expected);
        assert_eq!(
            with_best_depth(&book.sheets[0], spec(Register::Enterprises), 0, 0),
            TableAt {
                header_row: 0,
                ..expected
            }
        );
    }

    #[test]
    fn totals_and_notes_are_not_data() {
        let cases = [
            (text_row(9, &[(0, "合计"), (3, "600")]), RowKind::Totals),
            (text_row(9, &[(0, "Total"), (2, "3")]), RowKind::Totals),
            (text_row(9, &[(2, " 总 计")]), RowKind::Totals),
            (text_row(9, &[(0, "注：本表数据来源于省局")]), RowKind::Note),
            (text_row(9, &[(0, "填表人：张三")]), RowKind::Note),
            (text_row(9, &[(0, "  "), (1, "\u{3000}")]), RowKind::Blank),
            (text_row(9, &[(0, "1"), (1, "合计装置")]), RowKind::Data),
        ];
        for (row, expected) in cases {
            assert_eq!(kind(&row), expected, "{row:?}");
        }
    }

    #[test]
    fn cells_merged_down_inside_the_data_are_filled_in_their_mapped_column() {
        let rows = vec![
            text_row(0, &[(0, "申请人"), (1, "申请号"), (2, "乡镇")]),
            text_row(1, &[(0, "甲公司"), (1, "201710601862.3"), (2, "茅坪镇")]),
            text_row(2, &[(1, "201710601863.8")]),
            text_row(3, &[(1, "201710601864.2")]),
            text_row(5, &[(1, "201710601865.7")]),
            text_row(6, &[(0, "乙公司"), (1, "201710601866.1")]),
            text_row(7, &[(0, "丙公司"), (1, "201710601867.6")]),
            text_row(8, &[(0, "注：以上数据截至6月底")]),
            text_row(9, &[(1, "201710601868.0")]),
        ];
        let merges = vec![
            // 申请人 merged over Excel rows 2–6 (the blank row 5 among them), 乡镇 over 2–3.
            Merge::over((1, 5), (0, 0)),
            Merge::over((1, 2), (2, 2)),
            // 乙公司 written into the row below as well: that row's own value stays.
            Merge::over((6, 7), (0, 0)),
            // The header merged down into the data, and a note merged down: nothing to give.
            Merge::over((0, 1), (1, 1)),
            Merge::over((8, 9), (0, 0)),
        ];
        let book = workbook(rows, merges);
        let at = TableAt {
            sheet: 0,
            header_row: 0,
            two_rows: false,
        };
        let texts = |columns: &[u32]| -> Vec<Vec<String>> {
            filled_data_rows(&book.sheets[0], at, columns)
                .map(|row| {
                    (0..3)
                        .map(|c| row.get(c).map(Cell::display).unwrap_or_default())
                        .collect()
                })
                .collect()
        };
        let expected = [
            ["甲公司", "201710601862.3", "茅坪镇"],
            ["甲公司", "201710601863.8", "茅坪镇"],
            ["甲公司", "201710601864.2", ""],
            ["甲公司", "201710601865.7", ""],
            ["乙公司", "201710601866.1", ""],
            ["丙公司", "201710601867.6", ""],
            ["", "201710601868.0", ""],
        ];
        assert_eq!(texts(&[0, 1, 2]), expected);
        // The blank row 5 stays out. Only mapped columns are filled: without 乡镇 mapped, its
        // merge is left alone.
        let unmapped = texts(&[0, 1]);
        assert_eq!(unmapped[1], ["甲公司", "201710601863.8", ""]);
        // Filled cells keep the row's cells in column order.
        let filled: Vec<Cow<'_, Row>> = filled_data_rows(&book.sheets[0], at, &[0, 2]).collect();
        let columns: Vec<u32> = filled[1].cells.iter().map(|(c, _)| *c).collect();
        assert_eq!(columns, [0, 1, 2]);
        assert!(matches!(filled[4], Cow::Borrowed(_)));
    }

    #[test]
    fn a_table_of_another_register_is_named_only_when_the_chosen_one_fits_nowhere() {
        let header = |labels: &[&'static str]| {
            let cells: Vec<(u32, &str)> = (0u32..).zip(labels.iter().copied()).collect();
            workbook(vec![text_row(2, &cells)], Vec::new())
        };
        let visits = header(&["走访日期", "企业名称", "所属乡镇", "走访内容"]);
        let events = header(&["活动名称", "活动日期", "活动地点"]);
        let roster = header(&["申请号", "专利名称", "专利权人"]);
        let stray = header(&["甲", "乙", "丙"]);
        let cases = [
            (&visits, Register::Patents, Some(Register::Visits)),
            // The events header names inspection fields (date, place) but not 检查名称.
            (&events, Register::Inspections, Some(Register::Events)),
            (&roster, Register::Enterprises, Some(Register::Patents)),
            // A visits ledger names enterprises too: imported as them, no hint.
            (&visits, Register::Enterprises, None),
            (&roster, Register::Patents, None),
            (&stray, Register::Patents, None),
        ];
        for (book, chosen, expected) in cases {
            let got = fitting_register(book, None, chosen).map(|(register, at)| {
                assert_eq!(at.header_row, 2);
                register
            });
            assert_eq!(got, expected, "{chosen:?}");
        }
    }
}
