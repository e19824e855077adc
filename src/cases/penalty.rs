//! The penalty rule for counterfeiting (专利法 第六十八条): confiscate the illegal gains and fine up
//! to five times them; when there are none, or they are at most ¥50,000, up to ¥250,000. Money is
//! kept in fen (分), so that no rounding decides a cap.

use crate::i18n::Msg;

/// Gains at or below this leave the fixed cap in force (¥50,000, in fen).
const SMALL_GAINS: i64 = 50_000 * 100;
/// The cap when gains are none or small (¥250,000, in fen).
const FIXED_CAP: i64 = 250_000 * 100;

/// The highest fine the law allows for these gains (in fen).
pub fn max_fine(illegal_gains: Option<i64>) -> i64 {
    match illegal_gains {
        Some(gains) if gains > SMALL_GAINS => gains.saturating_mul(5),
        _ => FIXED_CAP,
    }
}

/// Amounts as people write them, in fen: "12000", "1.2万", "¥3,500.50", "3500元".
pub fn parse_yuan(raw: &str) -> Result<Option<i64>, Msg> {
    let text: String = crate::text::clean(raw)
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | '¥' | '￥' | ' '))
        .collect();
    let text = text.trim_end_matches('元');
    if text.is_empty() {
        return Ok(None);
    }
    let (number, scale) = match text.strip_suffix('万') {
        Some(number) => (number, 10_000.0),
        None => (text, 1.0),
    };
    let bad = || Msg::new("cases.money.invalid").arg("value", raw.trim());
    let yuan: f64 = number.parse().map_err(|_| bad())?;
    let fen = (yuan * scale * 100.0).round();
    if !fen.is_finite() || !(0.0..=1e15).contains(&fen) {
        return Err(bad());
    }
    Ok(Some(fen as i64))
}

/// Fen as yuan for people: 2500000 → "25000", 350050 → "3500.50".
pub fn yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        (fen / 100).to_string()
    } else {
        format!("{}.{:02}", fen / 100, (fen % 100).abs())
    }
}

/// Yuan as a view holds them (24000.5) for people: "24000.50".
pub fn yuan_text(yuan: f64) -> String {
    self::yuan((yuan * 100.0).round() as i64)
}

/// A fine within the cap, or why not.
pub fn check_fine(fine: Option<i64>, illegal_gains: Option<i64>) -> Result<(), Msg> {
    let Some(fine) = fine else { return Ok(()) };
    let cap = max_fine(illegal_gains);
    if fine > cap {
        let rule = if cap == FIXED_CAP {
            "cases.penalty.over_fixed_cap"
        } else {
            "cases.penalty.over_five_times"
        };
        return Err(Msg::new(rule).arg("fine", yuan(fine)).arg("cap", yuan(cap)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_follows_the_gains() {
        let cases = [
            (None, 25_000_000),
            (Some(0), 25_000_000),
            (Some(5_000_000), 25_000_000),
            (Some(5_000_001), 25_000_005),
            (Some(10_000_000), 50_000_000),
        ];
        for (gains, cap) in cases {
            assert_eq!(max_fine(gains), cap, "{gains:?}");
        }
    }

    #[test]
    fn a_fine_above_the_cap_is_refused_with_the_rule() {
        let cases = [
            (Some(25_000_000), None, None),
            (Some(25_000_001), None, Some("cases.penalty.over_fixed_cap")),
            (Some(50_000_000), Some(10_000_000), None),
            (
                Some(50_000_100),
                Some(10_000_000),
                Some("cases.penalty.over_five_times"),
            ),
            (None, Some(10_000_000), None),
        ];
        for (fine, gains, expected) in cases {
            let got = check_fine(fine, gains).err().map(|m| m.key);
            assert_eq!(got.as_deref(), expected, "{fine:?} {gains:?}");
        }
    }

    #[test]
    fn amounts_read_as_people_write_them() {
        let cases = [
            ("12000", Ok(Some(1_200_000))),
            ("1.2万", Ok(Some(1_200_000))),
            ("¥3,500.50", Ok(Some(350_050))),
            ("3500元", Ok(Some(350_000))),
            ("", Ok(None)),
            ("-5", Err(())),
            ("许多", Err(())),
        ];
        for (raw, expected) in cases {
            assert_eq!(parse_yuan(raw).map_err(|_| ()), expected, "{raw}");
        }
    }

    #[test]
    fn yuan_reads_back_what_parse_reads() {
        for fen in [0, 100, 350_050, 25_000_000, 1] {
            assert_eq!(parse_yuan(&yuan(fen)), Ok(Some(fen)), "{fen}");
        }
    }
}
