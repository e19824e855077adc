//! The working-day calendar and deadline arithmetic: weekends off, public holidays off, make-up
//! working days (调休) on; periods in calendar days, months or working days, counted from the day
//! after they start; a period in days or months that ends on a day off ends on the next working
//! day; paused time (suspension, hearing, public notice, testing) does not count; approved
//! extensions continue the count.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Msg, t};

/// A day the calendar says differs from the week's rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday (休), weekday or not.
    Holiday,
    /// A make-up working day (班) on a weekend.
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    /// The kind as the State Council's notices and officers' sheets write it: 休, 班, 假, 上班 …
    pub fn parse(raw: &str) -> Option<DayKind> {
        match crate::text::clean(raw).to_lowercase().as_str() {
            "holiday" | "休" | "假" | "休息" | "放假" | "节假日" | "off" => {
                Some(DayKind::Holiday)
            }
            "workday" | "班" | "上班" | "调休上班" | "补班" | "work" => {
                Some(DayKind::Workday)
            }
            _ => None,
        }
    }
}

/// The public holidays as the State Council's notices name them, with their locale keys.
const FESTIVALS: [(&str, &str); 7] = [
    ("元旦", "new_year"),
    ("春节", "spring_festival"),
    ("清明节", "qingming"),
    ("劳动节", "labour_day"),
    ("端午节", "dragon_boat"),
    ("中秋节", "mid_autumn"),
    ("国庆节", "national_day"),
];

/// A day's name in the reader's language: the notices' names ("国庆节、中秋节", "春节调休上班") are
/// worded from the locale; any other name, an officer's own, is shown as written.
pub fn day_name(name: &str, lang: Lang) -> String {
    let festival = |part: &str| {
        FESTIVALS
            .iter()
            .find(|(words, _)| *words == part)
            .map(|(_, key)| t(lang, &format!("calendar.festival.{key}")))
    };
    let word = |part: &str| {
        festival(part).or_else(|| {
            let festival = ["调休上班", "调休", "补班"]
                .iter()
                .find_map(|suffix| festival(part.strip_suffix(suffix)?))?;
            Some(
                Msg::new("calendar.festival.make_up")
                    .arg("festival", festival)
                    .render(lang),
            )
        })
    };
    let words: Option<Vec<String>> = name.trim().split('、').map(word).collect();
    words.map_or_else(
        || name.to_owned(),
        |words| words.join(&t(lang, "common.list_separator")),
    )
}

/// The days that differ from the week's rule, and the years whose days are loaded.
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    special: BTreeMap<NaiveDate, DayKind>,
    years: BTreeSet<i32>,
    /// Every day of a year not loaded is a working day (see [`Calendar::at_its_earliest`]).
    unloaded_all_working: bool,
}

impl Calendar {
    /// A calendar of these days; a year counts as loaded when any of its days is given.
    pub fn new(days: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Calendar {
        let special: BTreeMap<NaiveDate, DayKind> = days.into_iter().collect();
        let years = special.keys().map(|d| d.year()).collect();
        Calendar {
            special,
            years,
            unloaded_all_working: false,
        }
    }

    /// The calendar as the notices of the years not loaded could make it at most: every one of
    /// their days a working day. A notice's holidays only move a period's end later and its make-up
    /// days only earlier, so a period counted on this calendar ends on the earliest day it could.
    pub fn at_its_earliest(&self) -> Calendar {
        Calendar {
            unloaded_all_working: true,
            ..self.clone()
        }
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.special.get(&day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None if self.unloaded_all_working && !self.knows_year(day.year()) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    pub fn knows_year(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The first working day on or after `day`.
    pub fn working_day_from(&self, day: NaiveDate) -> NaiveDate {
        let mut day = day;
        // A year has no run of a hundred days off; the bound keeps a bad calendar from looping.
        for _ in 0..100 {
            if self.is_working_day(day) {
                return day;
            }
            day = next(day);
        }
        day
    }

    /// Working days after `from` up to and including `to` (negative when `to` is earlier).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (a, b, sign) = if to >= from {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut count = 0;
        let mut day = next(a);
        while day <= b {
            if self.is_working_day(day) {
                count += 1;
            }
            day = next(day);
        }
        sign * count
    }
}

fn next(day: NaiveDate) -> NaiveDate {
    day.checked_add_days(Days::new(1)).unwrap_or(day)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Days,
    Months,
    WorkingDays,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Days => "days",
            Unit::Months => "months",
            Unit::WorkingDays => "working_days",
        }
    }

    pub fn parse(raw: &str) -> Option<Unit> {
        [Unit::Days, Unit::Months, Unit::WorkingDays]
            .into_iter()
            .find(|u| u.as_str() == raw.trim())
    }
}

/// A length of time: 15 working days, 90 days, 3 months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub amount: u32,
    pub unit: Unit,
}

impl Period {
    pub fn new(amount: u32, unit: Unit) -> Period {
        Period { amount, unit }
    }
}

/// Time the clock stood still: from the day it stopped to the day it ran again (that day counts);
/// no end while it still stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

impl Pause {
    fn covers(&self, day: NaiveDate) -> bool {
        day >= self.from && self.until.is_none_or(|until| day < until)
    }
}

/// When a period ends, and the years it crosses whose calendar is not loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Due {
    pub on: NaiveDate,
    pub unknown_years: Vec<i32>,
}

/// The last day of `period` (and then each extension) counted from the day after `start`, or
/// `None` while a pause has no end (the clock stands still, so there is no date yet).
pub fn due(
    calendar: &Calendar,
    start: NaiveDate,
    period: Period,
    extensions: &[Period],
    pauses: &[Pause],
) -> Option<Due> {
    if pauses.iter().any(|p| p.until.is_none() && p.from > start) {
        return None;
    }
    let mut end = start;
    let mut last_unit = period.unit;
    for period in std::iter::once(&period).chain(extensions) {
        end = count(calendar, end, *period, pauses);
        last_unit = period.unit;
    }
    // A period in days or months that ends on a day off ends on the next working day.
    if last_unit != Unit::WorkingDays {
        end = calendar.working_day_from(end);
    }
    let unknown_years = (start.year()..=end.year())
        .filter(|y| !calendar.knows_year(*y))
        .collect();
    Some(Due {
        on: end,
        unknown_years,
    })
}

/// Counts `period` from the day after `from`, skipping paused days (and days off, for working
/// days). A month is as long as the calendar says: 31 January + 1 month is 28 February.
fn count(calendar: &Calendar, from: NaiveDate, period: Period, pauses: &[Pause]) -> NaiveDate {
    let paused = |day: NaiveDate| pauses.iter().any(|p| p.covers(day));
    let days = match period.unit {
        Unit::Months => {
            let plain = from
                .checked_add_months(Months::new(period.amount))
                .unwrap_or(from);
            u32::try_from((plain - from).num_days()).unwrap_or(0)
        }
        _ => period.amount,
    };
    let counts = |day: NaiveDate| {
        !paused(day) && (period.unit != Unit::WorkingDays || calendar.is_working_day(day))
    };
    let mut day = from;
    let mut counted = 0;
    // Bounded: ten years of days is far beyond any statutory period.
    let mut steps = 0;
    while counted < days && steps < 3_660 {
        day = next(day);
        steps += 1;
        if counts(day) {
            counted += 1;
        }
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notices_names_read_in_either_language() {
        let cases = [
            ("国庆节", "国庆节", "National Day"),
            (
                "国庆节、中秋节",
                "国庆节、中秋节",
                "National Day, Mid-Autumn Festival",
            ),
            (
                "春节调休上班",
                "春节调休上班",
                "Make-up working day for Spring Festival",
            ),
            (
                "国庆节调休",
                "国庆节调休上班",
                "Make-up working day for National Day",
            ),
            (" 元旦 ", "元旦", "New Year's Day"),
            // An officer's own name is shown as written.
            ("县庆", "县庆", "县庆"),
            ("国庆节、县庆", "国庆节、县庆", "国庆节、县庆"),
            ("", "", ""),
        ];
        for (name, zh, en) in cases {
            assert_eq!(day_name(name, Lang::ZhCn), zh, "{name}");
            assert_eq!(day_name(name, Lang::En), en, "{name}");
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    /// The 2025 National Day and Mid-Autumn holiday: 1–8 October off, Sunday 28 September and
    /// Saturday 11 October worked; and the 2026 Spring Festival: 15–23 February off, Saturday
    /// 14 and Saturday 28 February worked.
    fn calendar() -> Calendar {
        let mut days: Vec<(NaiveDate, DayKind)> = (1..=8)
            .map(|d| (day(2025, 10, d), DayKind::Holiday))
            .collect();
        days.push((day(2025, 9, 28), DayKind::Workday));
        days.push((day(2025, 10, 11), DayKind::Workday));
        days.extend((15..=23).map(|d| (day(2026, 2, d), DayKind::Holiday)));
        days.push((day(2026, 2, 14), DayKind::Workday));
        days.push((day(2026, 2, 28), DayKind::Workday));
        Calendar::new(days)
    }

    fn on(start: NaiveDate, period: Period) -> NaiveDate {
        on_calendar(&calendar(), start, period)
    }

    fn on_calendar(calendar: &Calendar, start: NaiveDate, period: Period) -> NaiveDate {
        due(calendar, start, period, &[], &[])
            .map(|d| d.on)
            .unwrap_or_default()
    }

    #[test]
    fn working_days_skip_the_holiday_and_count_make_up_days() {
        let cases = [
            // Friday 26 September: Sun 28 (make-up), 29, 30, then 9, 10, Sat 11 (make-up), 13 …
            (day(2025, 9, 26), 15, day(2025, 10, 23)),
            (day(2025, 9, 26), 3, day(2025, 9, 30)),
            (day(2025, 9, 30), 1, day(2025, 10, 9)),
            (day(2025, 10, 9), 2, day(2025, 10, 11)),
            // An ordinary week: Monday + 5 working days is the next Monday.
            (day(2026, 3, 2), 5, day(2026, 3, 9)),
        ];
        for (start, n, expected) in cases {
            assert_eq!(
                on(start, Period::new(n, Unit::WorkingDays)),
                expected,
                "{start} + {n}"
            );
        }
    }

    #[test]
    fn at_its_earliest_a_year_not_loaded_works_every_day() {
        let earliest = calendar().at_its_earliest();
        let cases = [
            // 2027 is not loaded: its weekends may be make-up days, so every day counts.
            (
                day(2027, 3, 5),
                Period::new(5, Unit::WorkingDays),
                day(2027, 3, 10),
            ),
            (
                day(2027, 3, 1),
                Period::new(12, Unit::Days),
                day(2027, 3, 13),
            ),
            // 2025 is loaded: the holiday and the weekends are kept.
            (
                day(2025, 9, 26),
                Period::new(15, Unit::WorkingDays),
                day(2025, 10, 23),
            ),
        ];
        for (start, period, expected) in cases {
            assert_eq!(
                on_calendar(&earliest, start, period),
                expected,
                "{start} + {period:?}"
            );
            assert!(on(start, period) >= expected, "never later than as counted");
        }
    }

    #[test]
    fn days_and_months_end_on_a_working_day() {
        let cases = [
            // 90 days from 2 March 2026 is Sunday 31 May: the deadline is Monday 1 June.
            (
                day(2026, 3, 2),
                Period::new(90, Unit::Days),
                day(2026, 6, 1),
            ),
            // Seven days from 24 September 2025 end on 1 October, in the holiday: 9 October.
            (
                day(2025, 9, 24),
                Period::new(7, Unit::Days),
                day(2025, 10, 9),
            ),
            // Month ends: 31 January + 1 month is 28 February (a make-up working day in 2026).
            (
                day(2026, 1, 31),
                Period::new(1, Unit::Months),
                day(2026, 2, 28),
            ),
            (
                day(2025, 11, 30),
                Period::new(3, Unit::Months),
                day(2026, 2, 28),
            ),
            // 30 May 2026 is a Saturday: Monday 1 June.
            (
                day(2026, 4, 30),
                Period::new(1, Unit::Months),
                day(2026, 6, 1),
            ),
            (
                day(2026, 1, 15),
                Period::new(3, Unit::Months),
                day(2026, 4, 15),
            ),
            // A month into the Spring Festival: the first working day after it.
            (
                day(2026, 1, 16),
                Period::new(1, Unit::Months),
                day(2026, 2, 24),
            ),
        ];
        for (start, period, expected) in cases {
            assert_eq!(on(start, period), expected, "{start} + {period:?}");
        }
    }

    #[test]
    fn pauses_stop_the_clock_and_extensions_continue_it() {
        let calendar = calendar();
        let start = day(2026, 3, 2);
        let ninety = Period::new(90, Unit::Days);
        // Ten days paused (stopped 1 April, running again 11 April): 31 May + 10 = 10 June.
        let pause = Pause {
            from: day(2026, 4, 1),
            until: Some(day(2026, 4, 11)),
        };
        let paused = due(&calendar, start, ninety, &[], &[pause]).map(|d| d.on);
        assert_eq!(paused, Some(day(2026, 6, 10)));
        // Thirty more days approved: 10 July.
        let extended = due(
            &calendar,
            start,
            ninety,
            &[Period::new(30, Unit::Days)],
            &[pause],
        );
        assert_eq!(extended.map(|d| d.on), Some(day(2026, 7, 10)));
        // A pause that has not ended: no date while the clock stands still.
        let open = Pause {
            from: day(2026, 4, 1),
            until: None,
        };
        assert_eq!(due(&calendar, start, ninety, &[], &[open]), None);
        // Working days: a pause over a working week moves the deadline a week.
        let five = Period::new(5, Unit::WorkingDays);
        let week = Pause {
            from: day(2026, 3, 3),
            until: Some(day(2026, 3, 10)),
        };
        assert_eq!(
            due(&calendar, start, five, &[], &[week]).map(|d| d.on),
            Some(day(2026, 3, 16))
        );
    }

    #[test]
    fn a_deadline_in_a_year_without_a_calendar_says_so() {
        let got = due(
            &calendar(),
            day(2026, 11, 20),
            Period::new(3, Unit::Months),
            &[],
            &[],
        );
        assert_eq!(got.map(|d| d.unknown_years), Some(vec![2027]));
        let known = due(
            &calendar(),
            day(2026, 3, 2),
            Period::new(5, Unit::WorkingDays),
            &[],
            &[],
        );
        assert_eq!(known.map(|d| d.unknown_years), Some(vec![]));
    }

    #[test]
    fn working_days_between_count_what_is_left() {
        let calendar = calendar();
        assert_eq!(
            calendar.working_days_between(day(2025, 9, 30), day(2025, 10, 10)),
            2
        );
        assert_eq!(
            calendar.working_days_between(day(2025, 10, 10), day(2025, 9, 30)),
            -2
        );
        assert_eq!(
            calendar.working_days_between(day(2026, 3, 2), day(2026, 3, 2)),
            0
        );
    }

    #[test]
    fn day_kinds_read_as_notices_write_them() {
        for (raw, kind) in [
            ("休", Some(DayKind::Holiday)),
            ("班", Some(DayKind::Workday)),
            ("上班", Some(DayKind::Workday)),
            ("holiday", Some(DayKind::Holiday)),
            ("Workday", Some(DayKind::Workday)),
            ("半天", None),
        ] {
            assert_eq!(DayKind::parse(raw), kind, "{raw}");
        }
    }
}
