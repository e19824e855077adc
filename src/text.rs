//! Text as people type it: full-width spaces, non-breaking spaces and zero-width characters
//! copied from Word or WeChat. Names are cleaned here before they are compared or stored.

use std::borrow::Cow;

/// Trims every kind of whitespace (including U+3000 and NBSP), drops zero-width and control
/// characters, and collapses inner runs of whitespace into one ASCII space.
pub fn clean(raw: &str) -> String {
    // Most cells are clean already: copied whole, not character by character.
    if is_clean(raw) {
        return raw.to_owned();
    }
    clean_by_chars(raw)
}

/// [`clean`] character by character.
fn clean_by_chars(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for ch in raw.chars() {
        if is_invisible(ch) {
            continue;
        }
        if ch.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if ch.is_control() {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(ch);
    }
    out
}

/// Whether [`clean`] would give `raw` back as it is: single ASCII spaces between other
/// characters, none of them invisible or control characters.
fn is_clean(raw: &str) -> bool {
    let mut after_space = true;
    for ch in raw.chars() {
        if ch == ' ' {
            if after_space {
                return false;
            }
            after_space = true;
        } else if is_invisible(ch) || ch.is_whitespace() || ch.is_control() {
            return false;
        } else {
            after_space = false;
        }
    }
    !after_space || raw.is_empty()
}

/// Whether [`clean`] would leave nothing: only whitespace, invisible and control characters.
/// Asked of every cell an import reads, so it allocates nothing.
pub fn is_blank(raw: &str) -> bool {
    raw.chars()
        .all(|ch| is_invisible(ch) || ch.is_whitespace() || ch.is_control())
}

/// Splits a list typed in one field: commas (ASCII or full-width), the Chinese enumeration comma
/// 、, semicolons and line breaks all separate items. Empty items are dropped.
pub fn split_list(raw: &str) -> Vec<String> {
    raw.split([',', '，', '、', ';', '；', '\n', '\r'])
        .map(clean)
        .filter(|item| !item.is_empty())
        .collect()
}

/// The number of characters a person would count (not bytes).
pub fn char_len(text: &str) -> usize {
    text.chars().count()
}

/// `raw` in Unicode's compatibility form (NFKC: full-width letters and digits made ASCII), borrowed
/// when it already is (most text an import reads: every cell of a roster comes through here).
pub fn nfkc(raw: &str) -> Cow<'_, str> {
    use unicode_normalization::UnicodeNormalization;
    if is_nfkc(raw) {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(raw.nfkc().collect())
    }
}

/// Whether `raw` is known to be in NFKC: plain text (see [`is_plain`]) at a glance, which is far
/// cheaper than the normalisation's own quick check, and otherwise by that check.
pub fn is_nfkc(raw: &str) -> bool {
    use unicode_normalization::{IsNormalized, is_nfkc_quick};
    raw.chars().all(is_plain) || is_nfkc_quick(raw.chars()) == IsNormalized::Yes
}

/// Whether `c` is ASCII or a CJK Unified Ideograph (U+4E00–U+9FFF): characters that NFKC neither
/// changes nor composes with their neighbours, and that have no case but ASCII letters'.
pub fn is_plain(c: char) -> bool {
    c.is_ascii() || ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// `text` in lower case, as `str::to_lowercase` writes it; text of plain characters (ASCII and
/// the common Chinese ones, which have no case) without looking every character up in Unicode's
/// case tables.
pub fn lowercase(text: &str) -> String {
    if text.chars().all(is_plain) {
        text.to_ascii_lowercase()
    } else {
        text.to_lowercase()
    }
}

fn is_invisible(ch: char) -> bool {
    matches!(ch, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_handles_the_spaces_people_paste() {
        let cases = [
            ("  茅坪镇  ", "茅坪镇"),
            ("\u{3000}茅坪镇\u{3000}", "茅坪镇"),
            ("\u{00A0}归州镇\u{FEFF}", "归州镇"),
            ("市场  监督\t管理局", "市场 监督 管理局"),
            ("a\u{200B}b", "ab"),
            ("line\nbreak", "line break"),
            ("bell\u{7}", "bell"),
            ("", ""),
            ("   ", ""),
        ];
        for (raw, expected) in cases {
            assert_eq!(clean(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn split_list_accepts_chinese_separators() {
        assert_eq!(
            split_list("茅坪镇，归州镇、屈原镇,水田坝乡;\n 郭家坝镇 ,,"),
            vec!["茅坪镇", "归州镇", "屈原镇", "水田坝乡", "郭家坝镇"]
        );
        assert!(split_list(" , ，").is_empty());
    }

    proptest::proptest! {
        #[test]
        fn blank_is_what_cleans_to_nothing(raw in "[ \\t\\n\u{3000}\u{00A0}\u{200B}\u{FEFF}\u{7}a中]{0,8}") {
            proptest::prop_assert_eq!(is_blank(&raw), clean(&raw).is_empty());
        }
    }

    proptest::proptest! {
        #[test]
        fn clean_text_is_what_cleaning_leaves_as_it_is(raw in "[ \\t\\n\u{3000}\u{3001}\u{3400}\u{00A0}\u{0085}\u{009F}\u{00E9}\u{1680}\u{2028}\u{202F}\u{2060}\u{200B}\u{FEFF}\u{FF0C}\u{7}\u{7F}a中]{0,8}") {
            let cleaned = clean_by_chars(&raw);
            proptest::prop_assert_eq!(is_clean(&raw), cleaned == raw);
            proptest::prop_assert!(is_clean(&cleaned));
            proptest::prop_assert_eq!(clean(&raw), cleaned);
        }
    }

    #[test]
    fn lowercase_writes_what_the_unicode_tables_write() {
        let cases = [
            ("ZL201710601862.X", "zl201710601862.x"),
            ("宜昌市茶叶Tea有限公司", "宜昌市茶叶tea有限公司"),
            ("ＡＢＣ茶叶", "ａｂｃ茶叶"),
            ("ÉCOLE", "école"),
            ("ΣΑΣ", "σας"),
            ("", ""),
        ];
        for (raw, lower) in cases {
            assert_eq!(lowercase(raw), lower, "{raw:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn lowercase_agrees_with_str_to_lowercase(raw in "[a-zA-Z0-9 .\u{C9}\u{3A3}\u{FF21}-\u{FF3A}\u{4E00}-\u{4E10}\u{9FFF}\u{3400}]{0,12}") {
            proptest::prop_assert_eq!(lowercase(&raw), raw.to_lowercase());
        }
    }

    #[test]
    fn plain_text_is_seen_as_normalised() {
        let cases = [
            ("ZL201710601862.X", true),
            ("宜昌市茶叶揉捻机有限公司", true),
            ("", true),
            ("ＺＬ２０１７", false),
            ("\u{3000}茶叶", false),
            ("茶叶、揉捻", false),
            ("e\u{301}", false),
            ("\u{F900}", false),
        ];
        for (raw, plain) in cases {
            assert_eq!(raw.chars().all(is_plain), plain, "{raw:?}");
        }
        assert_eq!(nfkc("ＺＬ２０１７"), "ZL2017");
    }

    proptest::proptest! {
        #[test]
        fn nfkc_agrees_with_the_full_normalisation(raw in "[a-zA-Z0-9 .\u{301}\u{3000}\u{FF10}-\u{FF3A}\u{4E00}-\u{4E10}\u{9FFF}\u{F900}\u{3001}]{0,12}") {
            use unicode_normalization::UnicodeNormalization;
            let full: String = raw.nfkc().collect();
            let fast = nfkc(&raw);
            proptest::prop_assert_eq!(fast.as_ref(), full.as_str());
        }
    }

    #[test]
    fn clean_is_idempotent() {
        for raw in ["\u{3000} a  b \u{00A0}", "x", "  ", "中\u{200B} 文"] {
            assert_eq!(clean(&clean(raw)), clean(raw));
        }
    }
}
