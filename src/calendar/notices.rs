//! The holiday arrangements the General Office of the State Council has published (国务院办公厅
//! 关于某年部分节假日安排的通知), built in so that an officer loads a year with one click instead
//! of copying the notice into a sheet. Each year is exactly its notice: the days off (weekends
//! inside a holiday included, as the notice counts them) and the make-up working days.
//! A year not listed here is loaded from a sheet as before.

use chrono::NaiveDate;

use super::domain::DayKind;
use super::sheet::CalendarDay;

/// One line of a notice: from, to (inclusive), off or at work, and the holiday's name.
struct Line {
    from: (u32, u32),
    to: (u32, u32),
    kind: DayKind,
    name: &'static str,
}

const fn off(from: (u32, u32), to: (u32, u32), name: &'static str) -> Line {
    Line {
        from,
        to,
        kind: DayKind::Holiday,
        name,
    }
}

const fn work(day: (u32, u32), name: &'static str) -> Line {
    Line {
        from: day,
        to: day,
        kind: DayKind::Workday,
        name,
    }
}

/// 国办发明电〔2024〕12号, 12 November 2024.
const Y2025: &[Line] = &[
    off((1, 1), (1, 1), "元旦"),
    work((1, 26), "春节调休上班"),
    off((1, 28), (2, 4), "春节"),
    work((2, 8), "春节调休上班"),
    off((4, 4), (4, 6), "清明节"),
    work((4, 27), "劳动节调休上班"),
    off((5, 1), (5, 5), "劳动节"),
    off((5, 31), (6, 2), "端午节"),
    work((9, 28), "国庆节调休上班"),
    off((10, 1), (10, 8), "国庆节、中秋节"),
    work((10, 11), "国庆节调休上班"),
];

/// 国务院办公厅关于2026年部分节假日安排的通知, 4 November 2025.
const Y2026: &[Line] = &[
    off((1, 1), (1, 3), "元旦"),
    work((1, 4), "元旦调休上班"),
    work((2, 14), "春节调休上班"),
    off((2, 15), (2, 23), "春节"),
    work((2, 28), "春节调休上班"),
    off((4, 4), (4, 6), "清明节"),
    off((5, 1), (5, 5), "劳动节"),
    work((5, 9), "劳动节调休上班"),
    off((6, 19), (6, 21), "端午节"),
    work((9, 20), "国庆节调休上班"),
    off((9, 25), (9, 27), "中秋节"),
    off((10, 1), (10, 7), "国庆节"),
    work((10, 10), "国庆节调休上班"),
];

const NOTICES: &[(i32, &[Line])] = &[(2025, Y2025), (2026, Y2026)];

/// The years whose notice is built in, oldest first.
pub fn years() -> Vec<i32> {
    NOTICES.iter().map(|(year, _)| *year).collect()
}

/// The days of `year`'s notice, in order; `None` when it is not built in.
pub fn days(year: i32) -> Option<Vec<CalendarDay>> {
    let (_, lines) = NOTICES.iter().find(|(y, _)| *y == year)?;
    let mut days = Vec::new();
    for line in *lines {
        let from = NaiveDate::from_ymd_opt(year, line.from.0, line.from.1)?;
        let to = NaiveDate::from_ymd_opt(year, line.to.0, line.to.1)?;
        days.extend(
            from.iter_days()
                .take_while(|d| *d <= to)
                .map(|day| CalendarDay {
                    day,
                    kind: line.kind,
                    name: line.name.to_owned(),
                }),
        );
    }
    days.sort_by_key(|d| d.day);
    Some(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Weekday};

    /// What each notice says in words: days off per holiday and the make-up days.
    #[test]
    fn each_notice_has_the_days_its_text_counts() {
        // (year, days off, make-up working days)
        let cases = [
            (2025, 1 + 8 + 3 + 5 + 3 + 8, 5),
            (2026, 3 + 9 + 3 + 5 + 3 + 3 + 7, 6),
        ];
        for (year, holidays, workdays) in cases {
            let days = days(year).expect("a built-in year");
            let count = |kind| days.iter().filter(|d| d.kind == kind).count();
            assert_eq!(count(DayKind::Holiday), holidays, "{year}");
            assert_eq!(count(DayKind::Workday), workdays, "{year}");
            assert!(days.iter().all(|d| d.day.year() == year), "{year}");
            assert!(
                days.windows(2).all(|w| w[0].day < w[1].day),
                "{year}: no day twice"
            );
        }
    }

    #[test]
    fn make_up_working_days_fall_on_weekends() {
        for year in years() {
            for day in days(year).unwrap_or_default() {
                if day.kind == DayKind::Workday {
                    assert!(
                        matches!(day.day.weekday(), Weekday::Sat | Weekday::Sun),
                        "{} is a make-up day on a weekday",
                        day.day
                    );
                }
            }
        }
    }

    #[test]
    fn the_notices_weekdays_agree_with_the_dates() {
        // The notices name the weekday of each holiday's first day; a typo in a date shows here.
        let named = [
            (2025, 1, 28, Weekday::Tue),
            (2025, 10, 1, Weekday::Wed),
            (2026, 2, 15, Weekday::Sun),
            (2026, 2, 23, Weekday::Mon),
            (2026, 10, 1, Weekday::Thu),
            (2026, 9, 20, Weekday::Sun),
        ];
        for (year, month, day, weekday) in named {
            let date = NaiveDate::from_ymd_opt(year, month, day).expect("a date");
            assert_eq!(date.weekday(), weekday, "{date}");
            assert!(days(year).unwrap_or_default().iter().any(|d| d.day == date));
        }
    }

    #[test]
    fn a_year_without_a_notice_has_none() {
        assert_eq!(days(2019), None);
        assert_eq!(years(), vec![2025, 2026]);
    }
}
