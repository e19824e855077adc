//! Deciding what a file is from its bytes (never its name), and refusing what must not be parsed:
//! not a spreadsheet, password protected, truncated, or a zip that would unpack to gigabytes.

use std::io::Cursor;

use memchr::memmem;

use super::encoding;
use super::workbook::Format;
use crate::i18n::Msg;

/// A zip entry that says it unpacks to more than this is refused before parsing (zip bomb).
pub const MAX_ENTRY_BYTES: u64 = 256 * 1024 * 1024;
const MAX_TOTAL_BYTES: u64 = 1024 * 1024 * 1024;

const OLE2: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The format of a spreadsheet, or the one sentence that says why it is not one we can read.
pub fn sniff(bytes: &[u8]) -> Result<Format, Msg> {
    if bytes.is_empty() {
        return Err(Msg::new("import.read.empty"));
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return sniff_zip(bytes);
    }
    if bytes.starts_with(&OLE2) {
        return sniff_ole2(bytes);
    }
    if bytes.starts_with(b"%PDF-") {
        return Err(Msg::new("import.read.pdf"));
    }
    if let Some(kind) = archive_kind(bytes) {
        return Err(Msg::new("import.read.archive").arg("kind", kind));
    }
    sniff_text(bytes)
}

/// A text file: Excel 2003's XML, a web page (read when it holds a table), other XML (refused),
/// or text with separated values (CSV, Excel's "Unicode text").
fn sniff_text(bytes: &[u8]) -> Result<Format, Msg> {
    let head = encoding::decode(&bytes[..bytes.len().min(4096)], None).to_lowercase();
    let markup = head
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<');
    let web_page =
        markup && (head.contains("<html") || head.contains("<table") || head.contains("<!doctype"));
    if markup && is_xml_2003(&head) {
        return Ok(Format::Xml2003);
    }
    if web_page {
        return if has_table(bytes) {
            Ok(Format::Html)
        } else {
            Err(Msg::new("import.read.html"))
        };
    }
    if markup {
        // Another system's own XML: no table a person made, and no rows to number.
        return Err(Msg::new("import.read.xml"));
    }
    if is_text(&head) {
        Ok(Format::Csv)
    } else {
        Err(Msg::new("import.read.not_spreadsheet"))
    }
}

/// Whether a web page holds a table. Older systems export a roster as a web page under an .xls
/// name; its table may come after a long head, so the whole file is searched for it.
fn has_table(bytes: &[u8]) -> bool {
    if encoding::is_utf16(bytes) {
        return encoding::decode(bytes, None)
            .to_lowercase()
            .contains("<table");
    }
    bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"<table"))
}

/// Whether a file's head reads as text: hardly any control characters (beyond tabs and line
/// breaks) or bytes that are no character, which any binary file is full of.
fn is_text(head: &str) -> bool {
    let (mut chars, mut odd) = (0usize, 0usize);
    for c in head.chars() {
        chars += 1;
        if c == '\u{fffd}' || (c.is_control() && !c.is_ascii_whitespace()) {
            odd += 1;
        }
    }
    odd * 100 <= chars * 5
}

/// Excel 97–2003 workbooks, WPS's own .et, Word's .doc and PowerPoint's .ppt are all OLE2
/// containers; the names of the streams inside (UTF-16 in the container's directory) tell them
/// apart. A workbook may embed a document, so a workbook stream wins over the others.
fn sniff_ole2(bytes: &[u8]) -> Result<Format, Msg> {
    let holds = |name: &str| {
        let marker: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        memmem::find(bytes, &marker).is_some()
    };
    // An encrypted .xlsx is an OLE2 container holding the encrypted package; an encrypted .xls
    // says so in its records.
    if holds("EncryptedPackage") || xls_says_encrypted(bytes) {
        return Err(Msg::new("import.read.encrypted"));
    }
    if !holds("Workbook") && !holds("Book") {
        if holds("WordDocument") {
            return Err(Msg::new("import.read.word"));
        }
        if holds("PowerPoint Document") {
            return Err(Msg::new("import.read.presentation"));
        }
    }
    Ok(Format::Xls)
}

/// An encrypted .xls says so in a FilePass record right after the BOF record that opens its
/// workbook stream (MS-XLS 2.4.117). calamine refuses the RC4 kind itself but reads the old XOR
/// kind as if it were plain, and then fails on the scrambled records as if the file were damaged.
fn xls_says_encrypted(bytes: &[u8]) -> bool {
    // BOF: record 0x0809 of 16 bytes in BIFF8; FilePass: record 0x002F.
    const BOF: [u8; 4] = [0x09, 0x08, 0x10, 0x00];
    const FILE_PASS: [u8; 2] = [0x2F, 0x00];
    memmem::find(bytes, &BOF).is_some_and(|at| bytes.get(at + 20..at + 22) == Some(&FILE_PASS[..]))
}

/// Rosters are often sent packed; the formats a zip-less archive comes in, by their first bytes.
fn archive_kind(bytes: &[u8]) -> Option<&'static str> {
    const KINDS: [(&[u8], &str); 3] = [
        (b"Rar!\x1a\x07", "RAR"),
        (b"7z\xbc\xaf\x27\x1c", "7z"),
        (b"\x1f\x8b", "gzip"),
    ];
    KINDS
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, kind)| *kind)
}

/// Excel 2003's XML spreadsheet, which many systems still export under an .xls name (its
/// `<Table>` is no web page's, and a web page saved by Excel may name the same namespace); `head`
/// is the file's start, lower-cased.
fn is_xml_2003(head: &str) -> bool {
    !head.contains("<html")
        && (head.contains("urn:schemas-microsoft-com:office:spreadsheet")
            || head.contains("progid=\"excel.sheet\""))
}

fn sniff_zip(bytes: &[u8]) -> Result<Format, Msg> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| Msg::new("import.read.damaged"))?;
    let mut total: u64 = 0;
    let mut names = Vec::new();
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|_| Msg::new("import.read.damaged"))?;
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        if entry.size() > MAX_ENTRY_BYTES {
            return Err(Msg::new("import.read.zip_bomb")
                .arg("name", &name)
                .arg("megabytes", entry.size() / 1024 / 1024));
        }
        total = total.saturating_add(entry.size());
        names.push(name);
    }
    if total > MAX_TOTAL_BYTES {
        return Err(Msg::new("import.read.zip_bomb")
            .arg("name", "*")
            .arg("megabytes", total / 1024 / 1024));
    }
    let has = |name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    if has("xl/workbook.xml") {
        return Ok(Format::Xlsx);
    }
    if has("xl/workbook.bin") {
        return Ok(Format::Xlsb);
    }
    if has("content.xml") && has("mimetype") {
        return Ok(Format::Ods);
    }
    if has("word/document.xml") {
        return Err(Msg::new("import.read.word"));
    }
    if has("ppt/presentation.xml") {
        return Err(Msg::new("import.read.presentation"));
    }
    let workbooks = names.iter().filter(|n| names_a_workbook(n)).count();
    if workbooks > 0 {
        return Err(Msg::new("import.read.zip_of_workbooks").arg("count", workbooks));
    }
    Err(Msg::new("import.read.zip_without_workbook"))
}

/// A file packed in a zip that is itself a workbook (its name is all there is to go by until it
/// is unpacked; names in Chinese may be garbled by the zip's encoding, the extension is not).
fn names_a_workbook(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".xlsx", ".xlsm", ".xlsb", ".xls", ".et", ".ods"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_decide_not_names() {
        assert_eq!(sniff(b"").unwrap_err().key, "import.read.empty");
        // Text with separated values, in any encoding a roster is saved in.
        let utf16 = |text: &str| {
            let mut bytes = vec![0xFF, 0xFE];
            bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            bytes
        };
        let (gbk, _, _) = encoding_rs::GBK.encode("申请号,专利名称\n201710601862.3,茶杯\n");
        for text in [
            b"a,b,c\n1,2,3\n".to_vec(),
            gbk.into_owned(),
            utf16("申请号\t专利名称\r\n201710601862.3\t茶杯\r\n"),
        ] {
            assert_eq!(sniff(&text), Ok(Format::Csv));
        }
        assert_eq!(
            sniff(&utf16("<html><body><table></table></body></html>")),
            Ok(Format::Html)
        );
        let other_xml = "\u{feff}<?xml version=\"1.0\"?><patents><patent no=\"1\"/></patents>";
        assert_eq!(
            sniff(other_xml.as_bytes()).unwrap_err().key,
            "import.read.xml"
        );
        // A web page's tables are read; a page without one is told as a web page.
        assert_eq!(
            sniff(b"<html><table><tr><td>1</td></tr></table></html>"),
            Ok(Format::Html)
        );
        let long_head = format!(
            "<!DOCTYPE html><html><head>{}</head><TABLE>",
            " ".repeat(9000)
        );
        assert_eq!(sniff(long_head.as_bytes()), Ok(Format::Html));
        assert_eq!(
            sniff(b"<html><body>500 Internal Server Error</body></html>")
                .unwrap_err()
                .key,
            "import.read.html"
        );
        let spreadsheet_2003 = "<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n\
            <Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\"></Workbook>";
        assert_eq!(sniff(spreadsheet_2003.as_bytes()), Ok(Format::Xml2003));
        let excel_web_page = "<html xmlns:x=\"urn:schemas-microsoft-com:office:excel\" \
            xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\"><table></table></html>";
        assert_eq!(sniff(excel_web_page.as_bytes()), Ok(Format::Html));
        assert_eq!(
            sniff(&[0u8, 159, 146, 150, 1, 2, 3, 0, 0, 0])
                .unwrap_err()
                .key,
            "import.read.not_spreadsheet"
        );
        assert_eq!(
            sniff(b"PK\x03\x04garbage").unwrap_err().key,
            "import.read.damaged"
        );
        let mut ole = OLE2.to_vec();
        ole.extend_from_slice(&[0; 100]);
        assert_eq!(sniff(&ole), Ok(Format::Xls));
        ole.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(sniff(&ole).unwrap_err().key, "import.read.encrypted");
    }

    #[test]
    fn documents_and_archives_are_named() {
        let ole_with = |streams: &[&str]| {
            let mut bytes = OLE2.to_vec();
            bytes.extend_from_slice(&[0; 512]);
            for name in streams {
                bytes.extend(name.encode_utf16().flat_map(u16::to_le_bytes));
                bytes.extend_from_slice(&[0; 64]);
            }
            bytes
        };
        let refused = [
            (b"%PDF-1.7\n%\xe2\xe3".to_vec(), "import.read.pdf"),
            (b"Rar!\x1a\x07\x01\x00rest".to_vec(), "import.read.archive"),
            (
                b"7z\xbc\xaf\x27\x1c\x00\x04".to_vec(),
                "import.read.archive",
            ),
            (b"\x1f\x8b\x08\x00".to_vec(), "import.read.archive"),
            (ole_with(&["WordDocument", "1Table"]), "import.read.word"),
            (
                ole_with(&["PowerPoint Document", "Pictures"]),
                "import.read.presentation",
            ),
        ];
        for (bytes, key) in refused {
            assert_eq!(sniff(&bytes).unwrap_err().key, key, "{key}");
        }
        assert_eq!(
            sniff(&b"Rar!\x1a\x07\x00"[..]).unwrap_err().args[0].1,
            "RAR"
        );
        // A workbook with a document embedded in it is still a workbook.
        assert_eq!(
            sniff(&ole_with(&["Workbook", "MBD0001", "WordDocument"])),
            Ok(Format::Xls)
        );
        assert_eq!(sniff(&ole_with(&["Book"])), Ok(Format::Xls));
        // A FilePass record straight after the workbook's BOF: encrypted (XOR here).
        let mut xor = ole_with(&["Workbook"]);
        xor.extend_from_slice(&[0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00]);
        xor.extend_from_slice(&[0; 12]);
        let plain = xor.clone();
        xor.extend_from_slice(&[0x2F, 0x00, 0x06, 0x00, 0x00, 0x00, 0x4A, 0x51, 0x1A, 0xCC]);
        assert_eq!(sniff(&xor).unwrap_err().key, "import.read.encrypted");
        let mut codepage = plain;
        codepage.extend_from_slice(&[0x42, 0x00, 0x02, 0x00, 0xB0, 0x04]);
        assert_eq!(sniff(&codepage), Ok(Format::Xls));
    }

    #[test]
    fn zips_are_told_apart() {
        use std::io::Write;
        let zip_of = |names: &[&str]| {
            let mut out = Cursor::new(Vec::new());
            {
                let mut writer = zip::ZipWriter::new(&mut out);
                for name in names {
                    writer
                        .start_file(*name, zip::write::SimpleFileOptions::default())
                        .unwrap();
                    writer.write_all(b"x").unwrap();
                }
                writer.finish().unwrap();
            }
            out.into_inner()
        };
        assert_eq!(
            sniff(&zip_of(&["[Content_Types].xml", "xl/workbook.xml"])),
            Ok(Format::Xlsx)
        );
        assert_eq!(sniff(&zip_of(&["xl/workbook.bin"])), Ok(Format::Xlsb));
        assert_eq!(
            sniff(&zip_of(&["mimetype", "content.xml"])),
            Ok(Format::Ods)
        );
        assert_eq!(
            sniff(&zip_of(&["word/document.xml"])).unwrap_err().key,
            "import.read.word"
        );
        assert_eq!(
            sniff(&zip_of(&["readme.txt"])).unwrap_err().key,
            "import.read.zip_without_workbook"
        );
        assert_eq!(
            sniff(&zip_of(&["ppt/presentation.xml"])).unwrap_err().key,
            "import.read.presentation"
        );
        let packed = sniff(&zip_of(&["名册/专利.XLSX", "名册/企业.et", "说明.docx"])).unwrap_err();
        assert_eq!(packed.key, "import.read.zip_of_workbooks");
        assert_eq!(packed.args[0].1, "2");
    }
}
