//! Cell values as the register's fields want them: dates from real dates, serial numbers (1900
//! and 1904 systems) and every way people type them; numbers stored as floats; patent types,
//! legal statuses and yes/no in the words rosters use.

use chrono::{Duration, NaiveDate};

use super::workbook::Cell;
use crate::enterprises::domain::name_key;
use crate::i18n::{Lang, Msg};
use crate::patents::{PatentStatus, PatentType};
use crate::{dates, text};

/// A cell's value as a person would type it in its field (a date as yyyy-mm-dd), and whether
/// that is worth a note with what the file held: a bare number or a date typed otherwise
/// ("2025.1.5") is; a date cell, written as the date Excel showed, is not.
pub fn typed_text(
    cell: &Cell,
    field: Option<super::spec::FieldType>,
    is_1904: bool,
) -> (String, bool) {
    let as_date = matches!(field, Some(super::spec::FieldType::Date));
    match cell {
        _ if as_date => match date(cell, is_1904) {
            Ok(Some(day)) => {
                let written = day.to_string();
                let noted = match cell {
                    Cell::Number(_) => true,
                    Cell::Text(typed) => text::clean(typed) != written,
                    _ => false,
                };
                (written, noted)
            }
            _ => (cell.display(), false),
        },
        Cell::Date(_) => (cell.shown(is_1904), false),
        other => (other.display(), false),
    }
}

/// The date a serial number means in the 1900 or 1904 system. Excel's 1900 system counts a
/// 29 February 1900 that never was, so serials from 61 on are one day ahead.
pub fn date_from_serial(serial: f64, is_1904: bool) -> Option<NaiveDate> {
    if !serial.is_finite() || !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    if is_1904 {
        return NaiveDate::from_ymd_opt(1904, 1, 1).map(|d| d + Duration::days(days));
    }
    if days == 60 {
        return None;
    }
    let base = if days < 60 {
        NaiveDate::from_ymd_opt(1899, 12, 31)
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 30)
    };
    base.map(|d| d + Duration::days(days))
}

/// A date from text: `2026-03-15`, `2026/3/15`, `2026.3.15`, `20260315`, `2026年3月15日` (or 号),
/// each optionally followed by a time.
pub fn date_from_text(raw: &str) -> Result<Option<NaiveDate>, Msg> {
    let text = text::clean(raw).replace('号', "日");
    // A time after the date (`2026-03-15 10:20:00`, `2026-03-15T10:20`) is dropped.
    let date_part = text.split([' ', 'T']).next().unwrap_or_default();
    dates::parse_optional(date_part)
        .map_err(|_| Msg::new("import.value.date").arg("value", raw.trim()))
}

/// A date from any cell. A number counts as a serial (Chinese date formats reach us as plain
/// numbers); an integer such as 20260315 is read as digits.
pub fn date(cell: &Cell, is_1904: bool) -> Result<Option<NaiveDate>, Msg> {
    match cell {
        Cell::Date(serial) => date_from_serial(*serial, is_1904)
            .map(Some)
            .ok_or_else(|| invalid_date(cell)),
        Cell::Number(n) if (19_000_101.0..=21_001_231.0).contains(n) => {
            date_from_text(&super::workbook::number_text(*n))
        }
        Cell::Number(serial) => date_from_serial(*serial, is_1904)
            .map(Some)
            .ok_or_else(|| invalid_date(cell)),
        Cell::IsoDate(text) | Cell::Text(text) => date_from_text(text),
        Cell::Error(code) if is_uncalculated(code) => Err(error_cell(code)),
        Cell::Bool(_) | Cell::Error(_) => Err(invalid_date(cell)),
    }
}

fn invalid_date(cell: &Cell) -> Msg {
    Msg::new("import.value.date").arg("value", cell.display())
}

/// A patent type in the words rosters use.
pub fn patent_type(raw: &str) -> Result<Option<PatentType>, Msg> {
    let value: String = text::clean(raw)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if value.is_empty() {
        return Ok(None);
    }
    let found = match value.as_str() {
        "发明" | "发明专利" | "发明授权" | "发明申请" | "1" => PatentType::Invention,
        "实用新型" | "实用新型专利" | "实用" | "新型" | "2" => {
            PatentType::UtilityModel
        }
        "外观设计" | "外观设计专利" | "外观" | "3" => PatentType::Design,
        _ => match named(
            raw,
            PatentType::ALL,
            PatentType::as_str,
            PatentType::label_key,
        ) {
            Some(patent_type) => patent_type,
            None => return Err(Msg::new("import.value.patent_type").arg("value", raw.trim())),
        },
    };
    Ok(Some(found))
}

/// A legal status in the words rosters use; `Err` is a warning (the value is kept as a note).
pub fn legal_status(raw: &str) -> Result<Option<PatentStatus>, Msg> {
    let value: String = text::clean(raw)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if value.is_empty() {
        return Ok(None);
    }
    let found = match value.as_str() {
        "有权" | "授权" | "专利权维持" => PatentStatus::Granted,
        "在审" | "实审" | "实质审查" => PatentStatus::Examination,
        "公开" => PatentStatus::Published,
        "驳回" => PatentStatus::Rejected,
        "撤回" => PatentStatus::Withdrawn,
        "视为撤回" => PatentStatus::DeemedWithdrawn,
        "无权" | "终止" | "未缴年费终止" | "权利终止" => PatentStatus::Lapsed,
        "无效" | "全部无效" => PatentStatus::Invalidated,
        "期限届满" | "届满终止" => PatentStatus::Expired,
        _ => match named(
            raw,
            PatentStatus::ALL,
            PatentStatus::as_str,
            PatentStatus::label_key,
        ) {
            Some(status) => status,
            None => return Err(Msg::new("import.value.legal_status").arg("value", raw.trim())),
        },
    };
    Ok(Some(found))
}

/// The one of `all` whose code or name in either language `raw` is, compared as name keys
/// (case, spaces and bracket shapes aside), so that a register exported in English imports back.
fn named<T: Copy>(
    raw: &str,
    all: impl IntoIterator<Item = T>,
    code: fn(&T) -> &'static str,
    label_key: fn(T) -> String,
) -> Option<T> {
    let words = name_key(raw);
    all.into_iter().find(|item| {
        name_key(code(item)) == words
            || Lang::ALL
                .iter()
                .any(|lang| name_key(&crate::i18n::t(*lang, &label_key(*item))) == words)
    })
}

/// Yes or no in the words people use.
pub fn yes_no(raw: &str) -> Result<Option<bool>, Msg> {
    let value = text::clean(raw).to_lowercase();
    match value.as_str() {
        "" => Ok(None),
        "是" | "有" | "√" | "✓" | "y" | "yes" | "true" | "1" => Ok(Some(true)),
        "否" | "无" | "×" | "n" | "no" | "false" | "0" => Ok(Some(false)),
        _ => Err(Msg::new("import.value.yes_no").arg("value", raw.trim())),
    }
}

/// A formula saved without its result, as the reader marks it: its text after `=` (an Excel
/// error value never starts so).
fn is_uncalculated(code: &str) -> bool {
    code.starts_with('=')
}

/// Why an error cell is refused: the error value to correct, or the formula whose result the
/// file does not keep.
fn error_cell(code: &str) -> Msg {
    let key = if is_uncalculated(code) {
        "import.value.uncalculated"
    } else {
        "import.value.error_cell"
    };
    Msg::new(key).arg("value", code)
}

/// Why a cell is refused whatever its field: an error cell (an error value, or a formula saved
/// without its result) is not guessed at.
pub fn refusal(cell: &Cell) -> Option<Msg> {
    match cell {
        Cell::Error(code) => Some(error_cell(code)),
        _ => None,
    }
}

/// A cell as text for a text field; error cells are refused, not guessed.
pub fn cell_text(cell: &Cell, is_1904: bool) -> Result<String, Msg> {
    if let Some(msg) = refusal(cell) {
        return Err(msg);
    }
    Ok(match cell {
        Cell::Date(_) => cell.shown(is_1904),
        Cell::Text(text) => text::clean(text),
        other => text::clean(&other.display()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::spec::FieldType;

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn a_cell_as_a_person_would_type_it_and_when_to_say_what_it_held() {
        let text = |s: &str| Cell::Text(s.to_owned());
        let date = Some(FieldType::Date);
        let cases = [
            // A date cell is the date Excel showed: no note.
            (Cell::Date(45299.0), date, "2024-01-08", false),
            (
                Cell::IsoDate("2024-01-08T00:00:00".into()),
                date,
                "2024-01-08",
                false,
            ),
            // A bare number in a date column is its day, the number in a note.
            (Cell::Number(45299.0), date, "2024-01-08", true),
            // A typed date is written yyyy-mm-dd; noted only when typed otherwise.
            (text("2025.1.5"), date, "2025-01-05", true),
            (text("2025-01-05"), date, "2025-01-05", false),
            // What is no date stays as it was, for the officer to mend.
            (text("2025-02-30"), date, "2025-02-30", false),
            (text("待定"), date, "待定", false),
            // Outside a date column, everything reads as shown.
            (text("2025.1.5"), Some(FieldType::Text), "2025.1.5", false),
            (Cell::Number(45299.0), Some(FieldType::Text), "45299", false),
        ];
        for (cell, field, written, noted) in cases {
            assert_eq!(
                typed_text(&cell, field, false),
                (written.to_owned(), noted),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn serials_in_both_systems() {
        assert_eq!(date_from_serial(45963.0, false), day(2025, 11, 2));
        assert_eq!(date_from_serial(46265.0, false), day(2026, 8, 31));
        assert_eq!(date_from_serial(1.0, false), day(1900, 1, 1));
        assert_eq!(date_from_serial(59.0, false), day(1900, 2, 28));
        assert_eq!(date_from_serial(61.0, false), day(1900, 3, 1));
        assert_eq!(
            date_from_serial(60.0, false),
            None,
            "29 February 1900 never was"
        );
        assert_eq!(date_from_serial(0.0, true), None);
        assert_eq!(date_from_serial(1.0, true), day(1904, 1, 2));
        assert_eq!(date_from_serial(44561.5, false), day(2021, 12, 31));
        assert_eq!(date_from_serial(-3.0, false), None);
    }

    #[test]
    fn a_date_cell_in_a_text_field_reads_as_its_day_in_the_workbook_s_system() {
        let cases = [
            (Cell::Date(46096.0), false, "2026-03-15"),
            (Cell::Date(44634.0), true, "2026-03-15"),
            (Cell::Date(60.0), false, "60"),
            (Cell::Number(46096.0), true, "46096"),
            (Cell::Text(" 茅坪镇\u{3000}".into()), true, "茅坪镇"),
        ];
        for (cell, is_1904, text) in cases {
            assert_eq!(cell_text(&cell, is_1904).as_deref(), Ok(text), "{cell:?}");
        }
        assert!(cell_text(&Cell::Error("#REF!".into()), false).is_err());
    }

    /// An error value is to be corrected; a formula saved without its result (which the reader
    /// writes `=…`) is to be calculated, for a text field and a date alike.
    #[test]
    fn an_uncalculated_formula_is_told_apart_from_an_error_value() {
        fn key<T>(result: Result<T, Msg>) -> Option<String> {
            result.err().map(|msg| msg.key)
        }
        let cases = [
            ("#REF!", "import.value.error_cell", "import.value.date"),
            (
                "=A2&B2",
                "import.value.uncalculated",
                "import.value.uncalculated",
            ),
            (
                "=…",
                "import.value.uncalculated",
                "import.value.uncalculated",
            ),
        ];
        for (code, as_text, as_date) in cases {
            let cell = Cell::Error(code.into());
            assert_eq!(
                key(cell_text(&cell, false)).as_deref(),
                Some(as_text),
                "{code}"
            );
            assert_eq!(key(date(&cell, false)).as_deref(), Some(as_date), "{code}");
        }
    }

    #[test]
    fn dates_from_any_cell() {
        let cases = [
            (Cell::Date(46096.0), day(2026, 3, 15)),
            (Cell::Number(46096.0), day(2026, 3, 15)),
            (Cell::Number(20260315.0), day(2026, 3, 15)),
            (Cell::Text("2026-03-15".into()), day(2026, 3, 15)),
            (Cell::Text("2026/3/15 10:20:00".into()), day(2026, 3, 15)),
            (Cell::Text("2026.3.15".into()), day(2026, 3, 15)),
            (Cell::Text("2026年3月15号".into()), day(2026, 3, 15)),
            (Cell::Text("2026年3月15日".into()), day(2026, 3, 15)),
            (
                Cell::IsoDate("2026-03-15T00:00:00".into()),
                day(2026, 3, 15),
            ),
        ];
        for (cell, expected) in cases {
            assert_eq!(date(&cell, false).unwrap(), expected, "{cell:?}");
        }
        for cell in [
            Cell::Text("2026-02-30".into()),
            Cell::Text("下周".into()),
            Cell::Error("#N/A".into()),
            Cell::Bool(true),
        ] {
            assert!(date(&cell, false).is_err(), "{cell:?}");
        }
    }

    #[test]
    fn types_and_statuses_in_roster_words() {
        assert_eq!(
            patent_type("发明授权").unwrap(),
            Some(PatentType::Invention)
        );
        assert_eq!(patent_type("实用").unwrap(), Some(PatentType::UtilityModel));
        assert_eq!(
            patent_type(" 外观设计专利 ").unwrap(),
            Some(PatentType::Design)
        );
        assert_eq!(patent_type("").unwrap(), None);
        assert!(patent_type("商标").is_err());
        assert_eq!(
            legal_status("专利权维持").unwrap(),
            Some(PatentStatus::Granted)
        );
        assert_eq!(
            legal_status("未缴年费终止").unwrap(),
            Some(PatentStatus::Lapsed)
        );
        assert_eq!(
            legal_status("全部无效").unwrap(),
            Some(PatentStatus::Invalidated)
        );
        assert!(legal_status("待定").is_err());
        assert_eq!(yes_no("是").unwrap(), Some(true));
        assert!(yes_no("也许").is_err());
    }

    /// A register exported in either language imports back: every type and status is read
    /// from its code and from its name in each language, whatever the case and spacing.
    #[test]
    fn types_and_statuses_by_their_names_in_either_language() {
        for kind in PatentType::ALL {
            let mut words = vec![kind.as_str().to_owned()];
            for lang in Lang::ALL {
                let name = crate::i18n::t(lang, &kind.label_key());
                words.push(name.to_uppercase());
                words.push(name);
            }
            for word in words {
                assert_eq!(patent_type(&word).unwrap(), Some(kind), "{word}");
            }
        }
        for status in PatentStatus::ALL {
            for lang in Lang::ALL {
                let name = crate::i18n::t(lang, &status.label_key());
                assert_eq!(legal_status(&name).unwrap(), Some(status), "{name}");
            }
            assert_eq!(legal_status(status.as_str()).unwrap(), Some(status));
        }
        assert_eq!(
            legal_status(" lapsed（fee unpaid） ").unwrap(),
            Some(PatentStatus::Lapsed)
        );
    }

    proptest::proptest! {
        #[test]
        fn any_cell_gets_an_answer(text in "\\PC{0,20}", n in proptest::num::f64::ANY) {
            let _ = date(&Cell::Text(text.clone()), false);
            let _ = date(&Cell::Number(n), true);
            let _ = date(&Cell::Date(n), false);
            let _ = patent_type(&text);
            let _ = legal_status(&text);
            let _ = yes_no(&text);
        }
    }
}
