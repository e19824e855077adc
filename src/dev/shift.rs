//! The samples' dates moved to follow the calendar. The samples are authored as a year up to
//! [`LAST_DAY`]; the demo moves them so that their last day falls in the week before the day it
//! is loaded, so a desk loaded in any year is as alive as one loaded on the day they were
//! written: a case registered this week with its deadline ahead, this year's grants counted.

use chrono::{Datelike, Duration, NaiveDate};

/// The latest date the samples record as authored: the day the last case was registered.
pub const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2026, 11, 30) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// How far the samples' dates move: whole weeks, so a visit on a Tuesday stays on a Tuesday and
/// the cases' steps stay on working days, with their deadlines as far off as authored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    weeks: i64,
}

impl Shift {
    /// The samples as authored, kept in `import/samples/`.
    pub const NONE: Shift = Shift { weeks: 0 };

    /// The shift that puts the samples' last day in the seven days ending on `as_of`: never
    /// after it, so no record is dated in the future.
    pub fn to(as_of: NaiveDate) -> Shift {
        let days = as_of.signed_duration_since(LAST_DAY).num_days();
        Shift {
            weeks: days.div_euclid(7),
        }
    }

    /// An authored date, moved (only a shift to the ends of the calendar could fail to move it).
    pub fn day(self, authored: NaiveDate) -> NaiveDate {
        authored
            .checked_add_signed(Duration::weeks(self.weeks))
            .unwrap_or(authored)
    }

    /// The samples' last day, moved.
    pub fn last_day(self) -> NaiveDate {
        self.day(LAST_DAY)
    }

    /// A day that means its date (3·15, World IP Day's week): the latest occurrence of the
    /// authored month and day whose span of `length` days ends by the moved last day, so the
    /// consumer-rights day stays on March 15th and never lies in the future.
    pub fn pinned(self, authored: NaiveDate, length: Duration) -> NaiveDate {
        let last = self.last_day();
        (0..3)
            .filter_map(|back| {
                NaiveDate::from_ymd_opt(last.year() - back, authored.month(), authored.day())
            })
            .find(|start| *start + length <= last)
            .unwrap_or(authored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::dev::samples::day;

    #[test]
    fn the_last_day_falls_in_the_week_ending_on_the_day_asked_for() {
        for as_of in [
            day(2026, 11, 30),
            day(2026, 12, 4),
            day(2026, 12, 6),
            day(2026, 12, 7),
            day(2027, 2, 28),
            day(2030, 1, 1),
            day(2026, 6, 30),
            day(2024, 2, 29),
        ] {
            let last = Shift::to(as_of).last_day();
            assert!(last <= as_of, "{as_of}: {last}");
            assert!(as_of - last < Duration::days(7), "{as_of}: {last}");
        }
        assert_eq!(Shift::to(LAST_DAY), Shift::NONE);
        assert_eq!(Shift::to(day(2026, 12, 6)), Shift::NONE);
        assert_eq!(Shift::to(day(2026, 11, 29)).last_day(), day(2026, 11, 23));
    }

    #[test]
    fn a_moved_day_keeps_its_weekday() {
        for as_of in [day(2027, 5, 1), day(2025, 12, 31), day(2031, 8, 17)] {
            let shift = Shift::to(as_of);
            for authored in [day(2026, 3, 10), day(2024, 1, 8), LAST_DAY] {
                assert_eq!(shift.day(authored).weekday(), authored.weekday());
            }
        }
    }

    #[test]
    fn a_day_that_means_its_date_keeps_it_and_is_never_after_the_last_day() {
        let cases = [
            // (as of, authored, length in days, expected)
            (day(2026, 11, 30), day(2026, 3, 15), 0, day(2026, 3, 15)),
            (day(2027, 3, 20), day(2026, 3, 15), 0, day(2027, 3, 15)),
            (day(2027, 3, 14), day(2026, 3, 15), 0, day(2026, 3, 15)),
            (day(2027, 4, 24), day(2026, 4, 20), 6, day(2026, 4, 20)),
            (day(2027, 5, 3), day(2026, 4, 20), 6, day(2027, 4, 20)),
            (day(2026, 6, 30), day(2026, 4, 24), 0, day(2026, 4, 24)),
            (day(2026, 1, 2), day(2026, 4, 24), 0, day(2025, 4, 24)),
        ];
        for (as_of, authored, length, expected) in cases {
            let shift = Shift::to(as_of);
            let pinned = shift.pinned(authored, Duration::days(length));
            assert_eq!(pinned, expected, "as of {as_of}");
            assert!(pinned + Duration::days(length) <= shift.last_day());
        }
    }
}
