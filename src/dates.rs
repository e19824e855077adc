//! Dates as officers type them: 2026-03-15, 2026/3/15, 2026.3.15, 2026年3月15日, 20260315.

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use crate::i18n::Msg;

/// The years the desk works with: the holiday calendar and the annual plan hold no others, so a
/// mistyped year (2206 for 2026) is refused instead of recorded.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Whether `day` falls in one of [`YEARS`].
pub fn in_desk_years(day: NaiveDate) -> bool {
    YEARS.contains(&chrono::Datelike::year(&day))
}

/// A date given on the command line or in a link, which may be left out: `None` when it is,
/// and a mistyped one refused in one sentence.
pub fn parse_given(raw: Option<&str>) -> Result<Option<NaiveDate>, crate::error::AppError> {
    parse_optional(raw.unwrap_or_default()).map_err(crate::error::AppError::BadRequest)
}

/// A date given in a query or form field, which may be left out: `None` when it is, and a
/// mistyped one refused under the field's name.
pub fn parse_field(
    field: &str,
    raw: Option<&str>,
) -> Result<Option<NaiveDate>, crate::error::AppError> {
    let raw = raw.unwrap_or_default();
    parse_optional(raw).map_err(|_| {
        // Said with the field's name: a page shows the sentence alone, not beside a field.
        let msg = Msg::new("errors.date.invalid_in")
            .arg("field", field)
            .arg("value", raw.trim());
        crate::error::field_error(field, msg)
    })
}

/// A calendar date from any common spelling; `None` for an empty field.
pub fn parse_optional(raw: &str) -> Result<Option<NaiveDate>, Msg> {
    let text: String = raw.nfkc().filter(|c| !c.is_whitespace()).collect();
    if text.is_empty() {
        return Ok(None);
    }
    parse_text(&text)
        .map(Some)
        .ok_or_else(|| Msg::new("errors.date.invalid").arg("value", raw.trim()))
}

fn parse_text(text: &str) -> Option<NaiveDate> {
    if text.len() == 8 && text.chars().all(|c| c.is_ascii_digit()) {
        return NaiveDate::parse_from_str(text, "%Y%m%d").ok();
    }
    let unified: String = text
        .trim_end_matches('日')
        .chars()
        .map(|c| {
            if matches!(c, '/' | '.' | '年' | '月') {
                '-'
            } else {
                c
            }
        })
        .collect();
    let mut parts = unified.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        let expected = NaiveDate::from_ymd_opt(2026, 3, 5);
        for raw in [
            "2026-03-05",
            "2026-3-5",
            "2026/3/5",
            "2026.03.05",
            "2026年3月5日",
            "20260305",
            "２０２６－０３－０５",
            " 2026-03-05 ",
        ] {
            assert_eq!(parse_optional(raw).unwrap(), expected, "{raw}");
        }
        assert_eq!(parse_optional("").unwrap(), None);
        for raw in [
            "2026-02-30",
            "26-3-5",
            "2026-03",
            "yesterday",
            "2026-03-05-01",
            "20261305",
        ] {
            assert!(parse_optional(raw).is_err(), "{raw}");
        }
    }

    proptest::proptest! {
        #[test]
        fn dates_round_trip(days in 0i64..80_000) {
            let date = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
            proptest::prop_assert_eq!(parse_optional(&date.to_string()).unwrap(), Some(date));
            proptest::prop_assert_eq!(parse_optional(&date.format("%Y年%-m月%-d日").to_string()).unwrap(), Some(date));
        }

        #[test]
        fn any_text_gets_an_answer(text in "\\PC{0,20}") {
            let _ = parse_optional(&text);
        }
    }
}
