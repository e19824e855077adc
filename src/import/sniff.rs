//! Deciding what a file is from its bytes (never its name), and refusing what must not be parsed:
//! not a spreadsheet, password protected, truncated, or a zip that would unpack to gigabytes.

use std::io::Cursor;

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
        // An encrypted .xlsx is an OLE2 container holding the encrypted package.
        let marker: Vec<u8> = "EncryptedPackage"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        if bytes.windows(marker.len()).any(|w| w == marker.as_slice()) {
            return Err(Msg::new("import.read.encrypted"));
        }
        return Ok(Format::Xls);
    }
    Err(text_kind(bytes))
}

fn text_kind(bytes: &[u8]) -> Msg {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_lowercase();
    let trimmed = head.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('<')
        && (head.contains("<html") || head.contains("<table") || head.contains("<!doctype"))
    {
        return Msg::new("import.read.html");
    }
    let printable = bytes
        .iter()
        .take(4096)
        .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace() || **b >= 0x80)
        .count();
    if printable * 100 >= bytes.len().min(4096) * 95 {
        return Msg::new("import.read.text");
    }
    Msg::new("import.read.not_spreadsheet")
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
    Err(Msg::new("import.read.zip_without_workbook"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_decide_not_names() {
        assert_eq!(sniff(b"").unwrap_err().key, "import.read.empty");
        assert_eq!(
            sniff(b"a,b,c\n1,2,3\n").unwrap_err().key,
            "import.read.text"
        );
        assert_eq!(
            sniff(b"<html><table><tr><td>1</td></tr></table></html>")
                .unwrap_err()
                .key,
            "import.read.html"
        );
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
    }
}
