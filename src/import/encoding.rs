//! The encodings text rosters come in. Excel and WPS on Chinese Windows save CSV and web pages in
//! GBK ("ANSI"), "CSV UTF-8" with a byte-order mark, "Unicode text" in UTF-16 with one; older
//! systems write GBK or Big5 and may say so in a web page's head, and some write UTF-16 without
//! the mark.

use std::borrow::Cow;

use encoding_rs::Encoding;

/// A text file as text: by its byte-order mark when it has one; else as UTF-16 when its zero
/// bytes say so; else in `declared` when that names a Chinese encoding (GBK as GB18030, its
/// superset; Big5); else UTF-8 when it is valid UTF-8, and GB18030 when it is not. A
/// declaration of UTF-8 is not trusted over the bytes: systems that write GBK often declare UTF-8
/// by habit.
pub fn decode<'a>(bytes: &'a [u8], declared: Option<&str>) -> Cow<'a, str> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return encoding.decode_without_bom_handling(&bytes[bom..]).0;
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        return encoding.decode_without_bom_handling(bytes).0;
    }
    let encoding = match declared.map(str::to_ascii_lowercase).as_deref() {
        Some("gb2312" | "gbk" | "gb18030" | "x-gbk") => encoding_rs::GB18030,
        Some("big5") => encoding_rs::BIG5,
        _ if std::str::from_utf8(bytes).is_err() => encoding_rs::GB18030,
        _ => encoding_rs::UTF_8,
    };
    encoding.decode_without_bom_handling(bytes).0
}

/// The encoding a file names for itself near its start, after `key`: `charset=` in a web page's
/// head, `encoding=` in an XML declaration (quoted or not, in any case).
pub fn declared(bytes: &[u8], key: &str) -> Option<String> {
    let head = bytes[..bytes.len().min(4096)].to_ascii_lowercase();
    let at = memchr::memmem::find(&head, key.as_bytes())? + key.len();
    let label: String = head[at..]
        .iter()
        .skip_while(|b| matches!(b, b'"' | b'\''))
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        .map(|b| char::from(*b))
        .collect();
    (!label.is_empty()).then_some(label)
}

/// Whether the file is in UTF-16, in either byte order, with a byte-order mark or without: its
/// bytes are then no ASCII text to search.
pub fn is_utf16(bytes: &[u8]) -> bool {
    Encoding::for_bom(bytes).is_some_and(|(encoding, _)| encoding != encoding_rs::UTF_8)
        || utf16_without_bom(bytes).is_some()
}

/// The byte order of UTF-16 written without a byte-order mark, told by the zero bytes of the
/// file's head: text in UTF-8 or GBK has none, while in UTF-16 each ASCII character (a roster's
/// digits, commas, tabs and line breaks) has one, always on the same side of its pair.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096) & !1];
    let pairs = head.len() / 2;
    if pairs < 4 {
        return None;
    }
    let (mut first, mut second) = (0usize, 0usize);
    for pair in head.chunks_exact(2) {
        first += usize::from(pair[0] == 0);
        second += usize::from(pair[1] == 0);
    }
    // A quarter of the characters ASCII, and hardly a zero on the other side of the pairs.
    let mostly = |zeros: usize| zeros * 4 >= pairs;
    let hardly = |zeros: usize| zeros * 20 <= pairs;
    if mostly(second) && hardly(first) {
        Some(encoding_rs::UTF_16LE)
    } else if mostly(first) && hardly(second) {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, bom: impl Into<Vec<u8>>, bytes: fn(u16) -> [u8; 2]) -> Vec<u8> {
        let mut out = bom.into();
        out.extend(text.encode_utf16().flat_map(bytes));
        out
    }

    #[test]
    fn each_encoding_is_read_as_written() {
        let text = "申请号,专利名称\n201710601862.3,茶杯";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let (big5, _, _) = encoding_rs::BIG5.encode("申請號,專利名稱");
        let mut utf8_bom = b"\xEF\xBB\xBF".to_vec();
        utf8_bom.extend(text.as_bytes());
        let cases: [(&[u8], Option<&str>, &str); 6] = [
            (text.as_bytes(), None, text),
            (&gbk, None, text),
            (&gbk, Some("GB2312"), text),
            (&big5, Some("big5"), "申請號,專利名稱"),
            (&utf8_bom, None, text),
            // Declared UTF-8 but written in GBK: the bytes win.
            (&gbk, Some("utf-8"), text),
        ];
        for (bytes, declared, expected) in cases {
            assert_eq!(decode(bytes, declared), expected, "{declared:?}");
        }
    }

    #[test]
    fn a_declared_encoding_is_found_as_written() {
        let cases: [(&str, &str, Option<&str>); 5] = [
            (
                "<meta http-equiv=\"Content-Type\" content=\"text/html; CHARSET=GB2312\">",
                "charset=",
                Some("gb2312"),
            ),
            ("<meta charset='utf-8'>", "charset=", Some("utf-8")),
            (
                "<?xml version=\"1.0\" encoding=\"GBK\"?>",
                "encoding=",
                Some("gbk"),
            ),
            ("<?xml version=\"1.0\"?>", "encoding=", None),
            ("<meta charset=\"\">", "charset=", None),
        ];
        for (head, key, expected) in cases {
            assert_eq!(
                declared(head.as_bytes(), key).as_deref(),
                expected,
                "{head}"
            );
        }
    }

    #[test]
    fn unicode_text_is_told_by_its_mark_in_either_byte_order() {
        let text = "申请号\t专利名称";
        let little = utf16(text, [0xFF, 0xFE], u16::to_le_bytes);
        let big = utf16(text, [0xFE, 0xFF], u16::to_be_bytes);
        for bytes in [&little, &big] {
            assert!(is_utf16(bytes));
            assert_eq!(decode(bytes, Some("gbk")), text);
        }
        assert!(!is_utf16(b"\xEF\xBB\xBFabc"));
        assert!(!is_utf16(text.as_bytes()));
    }

    /// Without the mark, a roster's digits and separators tell the byte order; text in UTF-8 or
    /// GBK, and a few bytes, are not taken for it.
    #[test]
    fn unicode_text_without_its_mark_is_told_by_its_zero_bytes() {
        let text = "申请号\t专利名称\r\n201710601862.3\t一种茶杯\r\n";
        let little = utf16(text, [], u16::to_le_bytes);
        let big = utf16(text, [], u16::to_be_bytes);
        for bytes in [&little, &big] {
            assert!(is_utf16(bytes));
            assert_eq!(decode(bytes, None), text);
        }
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        for bytes in [text.as_bytes(), &gbk, b"a\0b\0", b"\0\0\0\0\0\0\0\0\0\0"] {
            assert!(!is_utf16(bytes), "{bytes:?}");
        }
    }
}
