//! Where each sheet's part lies in an .xlsx or .xlsb.
//!
//! Both are Office packages: a zip whose relationship parts say which part is the workbook and
//! which part holds each of its sheets. Only the workbook's list of sheets differs (XML in an
//! .xlsx, binary records in an .xlsb), so the caller reads that list and the rest is shared.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

/// The workbook's small parts (relationships, the list of sheets) are read whole up to this.
const MAX_PART: u64 = 8 << 20;

type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// A workbook's archive and where each sheet's part lies in it.
pub struct SheetParts<'a> {
    zip: Archive<'a>,
    /// Sheet name → the part's path in the archive.
    paths: HashMap<String, String>,
}

impl<'a> SheetParts<'a> {
    /// The sheets' parts of a workbook, or `None` when its parts cannot be found. `list` reads
    /// the workbook part's sheets as (name, relationship id) pairs.
    pub fn open(
        bytes: &'a [u8],
        list: impl FnOnce(&[u8]) -> Option<Vec<(String, String)>>,
    ) -> Option<Self> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
        let workbook = office_document(&mut zip)?;
        let (folder, file) = match workbook.rsplit_once('/') {
            Some((folder, file)) => (format!("{folder}/"), file.to_owned()),
            None => (String::new(), workbook.clone()),
        };
        let rels = read_part(&mut zip, &format!("{folder}_rels/{file}.rels"))?;
        let targets = relationships(&rels)?;
        let sheets = list(&read_part(&mut zip, &workbook)?)?;
        let paths = sheets
            .into_iter()
            .filter_map(|(name, id)| {
                let (_, target) = targets.get(&id)?;
                let path = match target.strip_prefix('/') {
                    Some(absolute) => absolute.to_owned(),
                    None => format!("{folder}{target}"),
                };
                Some((name, path))
            })
            .collect();
        Some(Self { zip, paths })
    }

    /// The part of the sheet `name`, to be read from its start; `None` when there is none.
    pub fn sheet(&mut self, name: &str) -> Option<impl Read + '_> {
        let index = entry_index(&self.zip, self.paths.get(name)?)?;
        self.zip.by_index(index).ok()
    }
}

/// The workbook part's path, from the package's relationships (`xl/workbook.xml` or
/// `xl/workbook.bin` as a rule).
fn office_document(zip: &mut Archive<'_>) -> Option<String> {
    let targets = relationships(&read_part(zip, "_rels/.rels")?)?;
    let target = targets
        .values()
        .find(|(kind, _)| kind.ends_with("/officeDocument"))
        .map(|(_, target)| target.clone())?;
    Some(target.trim_start_matches('/').to_owned())
}

/// A relationships part: id → (type, target).
fn relationships(xml: &[u8]) -> Option<HashMap<String, (String, String)>> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut found = HashMap::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                let (Some(id), Some(kind), Some(target)) = (
                    attribute(&e, "Id")?,
                    attribute(&e, "Type")?,
                    attribute(&e, "Target")?,
                ) else {
                    continue;
                };
                found.insert(id, (kind, target));
            }
            Event::Eof => return Some(found),
            _ => {}
        }
    }
}

/// An attribute's value by its local name (`r:id` answers to `id`); `None` when it is malformed.
pub(super) fn attribute(element: &BytesStart<'_>, local: &str) -> Option<Option<String>> {
    for attribute in element.attributes() {
        let attribute = attribute.ok()?;
        if attribute.key.local_name().as_ref() == local {
            let value = attribute.normalized_value(XmlVersion::Implicit1_0).ok()?;
            return Some(Some(value.into_owned()));
        }
    }
    Some(None)
}

/// A part's index in the archive: by its exact name, or as Excel would find it (any case,
/// backslashes for slashes).
fn entry_index(zip: &Archive<'_>, path: &str) -> Option<usize> {
    if let Some(index) = zip.index_for_name(path) {
        return Some(index);
    }
    let wanted = path.to_lowercase();
    let name = zip
        .file_names()
        .filter_map(Result::ok)
        .find(|name| name.replace('\\', "/").to_lowercase() == wanted)?;
    zip.index_for_name(&name)
}

fn read_part(zip: &mut Archive<'_>, path: &str) -> Option<Vec<u8>> {
    let index = entry_index(zip, path)?;
    let part = zip.by_index(index).ok()?;
    let mut bytes = Vec::new();
    part.take(MAX_PART).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}
