//! A year's holiday calendar from a spreadsheet, as an officer copies it from the State Council's
//! notice: a date (or a range, 2026-10-01至2026-10-07 or 2026-10-01 to 2026-10-07) in the first
//! column, 休 or 班 (holiday or workday) in the second, the holiday's name in the third. Rows that are no day (a title, the header) are passed over;
//! a row that has a day but no kind is an error naming its row.

use chrono::NaiveDate;

use super::domain::DayKind;
use crate::i18n::Msg;
use crate::import::values;
use crate::import::workbook::{Cell, Workbook};

/// A day of the calendar as given.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CalendarDay {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

/// The longest range a row may give: a holiday is never longer than a few weeks.
const LONGEST: i64 = 31;

/// The days of a first-column cell: one date, or a range. Only days of the years the desk keeps:
/// a row number (1, 2, 3 …) reads as a serial date of 1900, and is no day of a calendar.
fn days_of(cell: &Cell, is_1904: bool) -> Option<Vec<NaiveDate>> {
    // A range first: "2026-05-01 to 2026-05-05" would otherwise read as its first day and a time.
    if let Some(range) = range_of(cell) {
        return range;
    }
    let day = values::date(cell, is_1904).ok().flatten()?;
    crate::dates::in_desk_years(day).then(|| vec![day])
}

/// The days of a range such as 2026-10-01至2026-10-07; `None` when the cell is no range, and
/// `Some(None)` when it is one but not of days the calendar may hold.
fn range_of(cell: &Cell) -> Option<Option<Vec<NaiveDate>>> {
    let text = crate::text::clean(&cell.display());
    let (from, to) = text
        .split_once(['至', '~', '～', '–', '—'])
        .or_else(|| text.split_once(" to "))?;
    let from = crate::dates::parse_optional(from).ok().flatten();
    let to = crate::dates::parse_optional(to).ok().flatten();
    let (Some(from), Some(to)) = (from, to) else {
        return Some(None);
    };
    let length = (to - from).num_days();
    if !(0..=LONGEST).contains(&length) || !crate::dates::in_desk_years(from) {
        return Some(None);
    }
    Some(Some(from.iter_days().take_while(|d| *d <= to).collect()))
}

/// Every day the workbook's first sheet gives, or the first problem found.
pub fn read(workbook: &Workbook) -> Result<Vec<CalendarDay>, Msg> {
    let sheet = workbook
        .sheets
        .first()
        .ok_or_else(|| Msg::new("calendar.import.empty"))?;
    let mut days = Vec::new();
    for row in &sheet.rows {
        let Some(first) = row.cells.first().map(|(_, c)| c) else {
            continue;
        };
        let Some(dates) = days_of(first, workbook.is_1904) else {
            continue;
        };
        let text = |at: usize| {
            row.cells
                .get(at)
                .map(|(_, c)| crate::text::clean(&c.display()))
                .unwrap_or_default()
        };
        let kind = DayKind::parse(&text(1)).ok_or_else(|| {
            Msg::new("calendar.import.bad_kind")
                .arg("row", row.index + 1)
                .arg("kind", text(1))
        })?;
        let name = text(2).chars().take(100).collect::<String>();
        days.extend(dates.into_iter().map(|day| CalendarDay {
            day,
            kind,
            name: name.clone(),
        }));
    }
    if days.is_empty() {
        return Err(Msg::new("calendar.import.empty"));
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::workbook::{Format, Row, Sheet};

    fn row(index: u32, cells: &[&str]) -> Row {
        Row {
            index,
            cells: cells
                .iter()
                .enumerate()
                .map(|(i, text)| (i as u32, Cell::Text((*text).to_owned())))
                .collect(),
        }
    }

    fn book(rows: Vec<Row>) -> Workbook {
        Workbook {
            format: Format::Xlsx,
            is_1904: false,
            sheets: vec![Sheet {
                name: "2026".into(),
                rows,
                merges: Vec::new(),
            }],
        }
    }

    #[test]
    fn a_notice_copied_into_a_sheet_reads_as_days() {
        let got = read(&book(vec![
            row(0, &["2026年节假日安排"]),
            row(1, &["日期", "类型", "名称"]),
            row(2, &["2026-10-01至2026-10-07", "休", "国庆节"]),
            row(3, &["2026年9月20日", "班", "国庆节调休"]),
            row(4, &["2026-05-01 to 2026-05-05", "holiday", "Labour Day"]),
        ]));
        let days = got.unwrap_or_default();
        assert_eq!(days.len(), 13);
        assert_eq!(
            days[12].day,
            NaiveDate::from_ymd_opt(2026, 5, 5).unwrap_or_default()
        );
        assert_eq!(days[0].name, "国庆节");
        assert_eq!(days[7].kind, DayKind::Workday);
        assert_eq!(
            days[7].day,
            NaiveDate::from_ymd_opt(2026, 9, 20).unwrap_or_default()
        );
    }

    #[test]
    fn a_day_without_a_kind_names_its_row() {
        let got = read(&book(vec![row(4, &["2026-10-01", "半天"])]));
        let msg = got.err().map(|m| m.key);
        assert_eq!(msg.as_deref(), Some("calendar.import.bad_kind"));
        assert_eq!(
            read(&book(vec![row(0, &["没有日期"])]))
                .err()
                .map(|m| m.key),
            Some("calendar.import.empty".to_owned())
        );
    }

    #[test]
    fn a_roster_numbered_in_its_first_column_has_no_days() {
        // A patents roster: 序号 1, 2 … read as serial dates of 1900, not as holidays.
        let numbered = |index: u32, number: f64| Row {
            index,
            cells: vec![
                (0, Cell::Number(number)),
                (1, Cell::Text("202410100237.0".into())),
            ],
        };
        let got = read(&book(vec![numbered(3, 1.0), numbered(4, 2.0)]));
        assert_eq!(
            got.err().map(|m| m.key),
            Some("calendar.import.empty".to_owned())
        );
    }
}
