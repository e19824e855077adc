//! Case numbers: made per year from the configured prefix and pattern (by default
//! `{prefix}知执字〔{year}〕{seq}号`), the next one above the year's highest — so that numbers
//! imported from the old ledgers are respected.

/// The default pattern: 秭知执字〔2026〕3号.
pub const DEFAULT_PATTERN: &str = "{prefix}知执字〔{year}〕{seq}号";

/// The number of the `seq`th case of `year`.
pub fn render(pattern: &str, prefix: &str, year: i32, seq: u32) -> String {
    pattern
        .replace("{prefix}", prefix)
        .replace("{year}", &year.to_string())
        .replace("{seq}", &seq.to_string())
}

/// The sequence in a number made with this pattern, prefix and year; none when it is another's.
pub fn seq_of(pattern: &str, prefix: &str, year: i32, number: &str) -> Option<u32> {
    let filled = pattern
        .replace("{prefix}", prefix)
        .replace("{year}", &year.to_string());
    let (before, after) = filled.split_once("{seq}")?;
    let digits = number.strip_prefix(before)?.strip_suffix(after)?;
    // Old ledgers write 003 as often as 3.
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The next number of `year`: one above the highest of the year's numbers.
pub fn next(pattern: &str, prefix: &str, year: i32, existing: &[String]) -> String {
    let highest = existing
        .iter()
        .filter_map(|n| seq_of(pattern, prefix, year, n))
        .max()
        .unwrap_or(0);
    render(pattern, prefix, year, highest.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_continue_above_the_year_s_highest() {
        let existing = [
            "秭知执字〔2026〕3号".to_owned(),
            "秭知执字〔2026〕012号".to_owned(),
            "秭知执字〔2025〕40号".to_owned(),
            "别的编号".to_owned(),
        ];
        assert_eq!(
            next(DEFAULT_PATTERN, "秭", 2026, &existing),
            "秭知执字〔2026〕13号"
        );
        assert_eq!(
            next(DEFAULT_PATTERN, "秭", 2027, &existing),
            "秭知执字〔2027〕1号"
        );
        assert_eq!(next("{year}-{seq}", "", 2026, &[]), "2026-1");
    }

    #[test]
    fn a_rendered_number_reads_back_its_sequence() {
        for (pattern, prefix) in [(DEFAULT_PATTERN, "秭"), ("{prefix}{year}第{seq}号", "ZG")] {
            for seq in [1, 9, 10, 999] {
                let number = render(pattern, prefix, 2026, seq);
                assert_eq!(
                    seq_of(pattern, prefix, 2026, &number),
                    Some(seq),
                    "{number}"
                );
                assert_eq!(seq_of(pattern, prefix, 2025, &number), None, "{number}");
            }
        }
    }
}
