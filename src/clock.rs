//! One clock for the whole application: "today" and display times follow the configured time
//! zone, never the server's own (often UTC, eight hours behind Beijing).

use chrono::{DateTime, NaiveDate, Utc};

use crate::settings::Timezone;

/// Today's date in the configured time zone.
pub fn today(timezone: Timezone) -> NaiveDate {
    Utc::now().with_timezone(&timezone.0).date_naive()
}

/// A stored UTC instant as the officer reads it: `2026-11-28 10:50`.
pub fn display(instant: DateTime<Utc>, timezone: Timezone) -> String {
    instant
        .with_timezone(&timezone.0)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A compact stamp for file names: `20261128-1050`.
pub fn file_stamp(instant: DateTime<Utc>, timezone: Timezone) -> String {
    instant
        .with_timezone(&timezone.0)
        .format("%Y%m%d-%H%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn shanghai_is_ahead_of_utc() {
        let late_utc = Utc
            .with_ymd_and_hms(2026, 11, 27, 17, 30, 0)
            .single()
            .unwrap_or_default();
        let shanghai = Timezone::default();
        assert_eq!(display(late_utc, shanghai), "2026-11-28 01:30");
        assert_eq!(file_stamp(late_utc, shanghai), "20261128-0130");
        let utc = Timezone(chrono_tz::UTC);
        assert_eq!(display(late_utc, utc), "2026-11-27 17:30");
    }
}
