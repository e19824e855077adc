//! Rules for the fields that the outreach registers (events, visits) share: whole-number counts,
//! lists of names, dates that may not lie more than a year ahead.

use chrono::{Datelike, Days, NaiveDate};
use serde::Deserialize;

use crate::auth::domain::optional_text;
use crate::error::FieldErrors;
use crate::i18n::Msg;

/// A count as it arrives: a JSON number, or the text of a form field or a spreadsheet cell.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum CountInput {
    #[default]
    None,
    Number(serde_json::Number),
    Text(String),
}

impl CountInput {
    /// A whole number ≥ 0, nothing when empty; else an error on `field`.
    pub fn validate(&self, field: &str, errors: &mut FieldErrors) -> Option<i64> {
        let parsed = match self {
            CountInput::None => return None,
            CountInput::Number(n) => n.as_i64(),
            CountInput::Text(text) => {
                let text = crate::text::clean(text);
                if text.is_empty() {
                    return None;
                }
                text.parse::<i64>().ok()
            }
        };
        match parsed {
            Some(n) if n >= 0 => Some(n),
            _ => {
                errors.add(field, Msg::new("common.error.count"));
                None
            }
        }
    }
}

impl From<Option<i64>> for CountInput {
    fn from(value: Option<i64>) -> CountInput {
        value.map_or(CountInput::None, |n| CountInput::Number(n.into()))
    }
}

/// Names (of units, people), cleaned, each once, in the order given.
pub fn names(raw: &[String], field: &str, errors: &mut FieldErrors) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in raw {
        if let Some(name) = optional_text(name, 200, field, errors)
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    names
}

/// The ids, each once, in the order given.
pub fn unique(ids: &[i64]) -> Vec<i64> {
    let mut unique: Vec<i64> = Vec::new();
    for id in ids {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    unique
}

/// The names in a list typed into one field or one cell: one a line, or separated by 、，；.
pub fn split_names(text: &str) -> Vec<String> {
    text.split(['\n', '、', '，', ',', '；', ';'])
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

/// How far ahead an event or a visit may be planned.
const AHEAD: Days = Days::new(366);

/// A date typed into `field`, if it is one; a date more than a year after `today`, or before the
/// desk's first year (2000), is refused: a typo of the year, most often (1026 for 2026), which
/// would leave the record out of every report.
pub fn day_not_far(
    raw: &str,
    field: &str,
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    let date = crate::dates::parse_optional(raw)
        .map_err(|msg| errors.add(field, msg))
        .ok()
        .flatten()?;
    let latest = today.checked_add_days(AHEAD).unwrap_or(today);
    if date > latest {
        errors.add(field, Msg::new("common.error.too_far").arg("date", date));
    } else if date.year() < *crate::dates::YEARS.start() {
        let msg = Msg::new("common.error.too_early")
            .arg("date", date)
            .arg("year", crate::dates::YEARS.start());
        errors.add(field, msg);
    }
    Some(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_list_splits_on_lines_and_chinese_separators() {
        let cases = [
            ("县市场监管局、县教育局", vec!["县市场监管局", "县教育局"]),
            ("甲\n 乙 ；丙,丁，戊", vec!["甲", "乙", "丙", "丁", "戊"]),
            ("  \n ", vec![]),
        ];
        for (text, expected) in cases {
            assert_eq!(split_names(text), expected, "{text}");
        }
    }

    #[test]
    fn counts_are_whole_numbers_not_below_zero() {
        let number = |v: serde_json::Value| match v {
            serde_json::Value::Number(n) => CountInput::Number(n),
            serde_json::Value::String(s) => CountInput::Text(s),
            _ => CountInput::None,
        };
        let cases = [
            (number(serde_json::json!(120)), Ok(Some(120))),
            (number(serde_json::json!("300")), Ok(Some(300))),
            (number(serde_json::json!("")), Ok(None)),
            (CountInput::None, Ok(None)),
            (number(serde_json::json!(-1)), Err(())),
            (number(serde_json::json!(2.5)), Err(())),
            (number(serde_json::json!("许多")), Err(())),
        ];
        for (count, expected) in cases {
            let mut errors = FieldErrors::new();
            let value = count.validate("n", &mut errors);
            let got = if errors.is_empty() {
                Ok(value)
            } else {
                Err(())
            };
            assert_eq!(got, expected, "{count:?}");
        }
    }

    #[test]
    fn a_date_more_than_a_year_ahead_is_refused() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default();
        // A year mistyped before the desk's first is refused too (1026 for 2026).
        let cases = [
            ("2027-11-29", true),
            ("2027-11-30", false),
            ("", true),
            ("2000-01-01", true),
            ("1999-12-31", false),
            ("1026-04-26", false),
        ];
        for (raw, ok) in cases {
            let mut errors = FieldErrors::new();
            day_not_far(raw, "d", today, &mut errors);
            assert_eq!(errors.is_empty(), ok, "{raw}");
        }
    }
}
