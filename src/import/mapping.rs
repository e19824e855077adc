//! Which column holds which field: the aliases first, then the mapping someone chose before for
//! the same set of headers, then the person's own choices for this file. Unknown columns are kept
//! and shown, so they can be mapped by hand.

use std::collections::BTreeMap;

use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::layout::HeaderColumn;
use super::spec::{Register, RegisterSpec, normalize_header};
use super::workbook::column_letter;
use crate::entities::column_mapping;
use crate::error::AppError;

/// Where a column's field came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Alias,
    Remembered,
    Chosen,
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappedColumn {
    pub column: u32,
    pub letter: String,
    pub header: String,
    pub field: Option<String>,
    pub source: Source,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub columns: Vec<MappedColumn>,
}

/// The columns of these that are mapped to a field.
pub fn mapped_columns(columns: &[MappedColumn]) -> Vec<u32> {
    columns
        .iter()
        .filter(|c| c.field.is_some())
        .map(|c| c.column)
        .collect()
}

/// Choices by column letter: a field name, or an empty string for "not imported".
pub type Choices = BTreeMap<String, String>;

impl Mapping {
    /// The columns mapped to a field.
    pub fn mapped_columns(&self) -> Vec<u32> {
        mapped_columns(&self.columns)
    }

    /// The mapping for a header. `remembered` maps normalised labels to fields.
    pub fn build(
        spec: &RegisterSpec,
        header: &[HeaderColumn],
        remembered: Option<&BTreeMap<String, String>>,
        chosen: &Choices,
    ) -> Mapping {
        let mut columns: Vec<MappedColumn> = header
            .iter()
            .map(|h| {
                let by_alias = std::iter::once(&h.label)
                    .chain(&h.fallbacks)
                    .find_map(|label| spec.field_for_header(label));
                let (field, source) = match by_alias {
                    Some(field) => (Some(field.name.clone()), Source::Alias),
                    None => (None, Source::Unknown),
                };
                MappedColumn {
                    column: h.column,
                    letter: column_letter(h.column),
                    header: h.label.clone(),
                    field,
                    source,
                }
            })
            .collect();
        for column in &mut columns {
            if let Some(field) = remembered.and_then(|r| r.get(&normalize_header(&column.header))) {
                column.field =
                    (!field.is_empty() && spec.field(field).is_some()).then(|| field.clone());
                column.source = Source::Remembered;
            }
            if let Some(field) = chosen.get(&column.letter) {
                column.field =
                    (!field.is_empty() && spec.field(field).is_some()).then(|| field.clone());
                column.source = Source::Chosen;
            }
        }
        // One column per field: the first that names it wins; the others are shown as unknown.
        let mut taken: Vec<String> = Vec::new();
        for column in &mut columns {
            if let Some(field) = column.field.clone() {
                if field != "ignored" && taken.contains(&field) {
                    column.field = None;
                    column.source = Source::Unknown;
                } else {
                    taken.push(field);
                }
            }
        }
        Mapping { columns }
    }

    /// The column that holds `field`.
    pub fn column_of(&self, field: &str) -> Option<&MappedColumn> {
        self.columns
            .iter()
            .find(|c| c.field.as_deref() == Some(field))
    }

    /// `{header: field}` as the CLI and the API show it (unmapped headers are left out).
    pub fn as_object(&self) -> BTreeMap<String, String> {
        self.columns
            .iter()
            .filter_map(|c| c.field.as_ref().map(|f| (c.header.clone(), f.clone())))
            .collect()
    }

    /// A key for this set of headers, under which a chosen mapping is remembered.
    pub fn header_set_key(&self, register: Register) -> String {
        let mut hasher = Sha256::new();
        hasher.update(register.as_str());
        for column in &self.columns {
            hasher.update([0]);
            hasher.update(normalize_header(&column.header));
        }
        hex::encode(hasher.finalize())
    }

    /// Whether any column was chosen by hand (and so is worth remembering).
    pub fn has_choices(&self) -> bool {
        self.columns.iter().any(|c| c.source == Source::Chosen)
    }
}

/// The mapping remembered for this header set, if any.
pub async fn remembered(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<BTreeMap<String, String>>, AppError> {
    let row = column_mapping::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?;
    Ok(row.and_then(|r| serde_json::from_str(&r.mapping).ok()))
}

/// Remembers the mapping chosen for this header set: normalised label → field ("" for none).
pub async fn remember(
    db: &impl ConnectionTrait,
    register: Register,
    mapping: &Mapping,
) -> Result<(), AppError> {
    let by_label: BTreeMap<String, String> = mapping
        .columns
        .iter()
        .map(|c| {
            (
                normalize_header(&c.header),
                c.field.clone().unwrap_or_default(),
            )
        })
        .collect();
    let row = column_mapping::ActiveModel {
        header_set_key: Set(mapping.header_set_key(register)),
        register: Set(register.as_str().to_owned()),
        mapping: Set(serde_json::to_string(&by_label).unwrap_or_default()),
        updated_at: Set(chrono::Utc::now()),
    };
    column_mapping::Entity::insert(row)
        .on_conflict(
            OnConflict::column(column_mapping::Column::HeaderSetKey)
                .update_columns([
                    column_mapping::Column::Mapping,
                    column_mapping::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::spec::spec;

    fn header(labels: &[&str]) -> Vec<HeaderColumn> {
        labels
            .iter()
            .enumerate()
            .map(|(i, l)| HeaderColumn {
                column: i as u32,
                label: (*l).to_owned(),
                fallbacks: Vec::new(),
            })
            .collect()
    }

    #[test]
    fn aliases_then_remembered_then_chosen() {
        let spec = spec(Register::Patents);
        let labels = header(&["申请号", "专利名称", "神秘列", "发明人"]);
        let plain = Mapping::build(spec, &labels, None, &Choices::new());
        let fields: Vec<Option<&str>> = plain.columns.iter().map(|c| c.field.as_deref()).collect();
        assert_eq!(
            fields,
            [
                Some("application_number"),
                Some("title"),
                None,
                Some("inventors")
            ]
        );
        assert_eq!(plain.columns[2].source, Source::Unknown);

        let mut remembered = BTreeMap::new();
        remembered.insert(normalize_header("神秘列"), "agency".to_owned());
        let with_memory = Mapping::build(spec, &labels, Some(&remembered), &Choices::new());
        assert_eq!(with_memory.columns[2].field.as_deref(), Some("agency"));
        assert_eq!(with_memory.columns[2].source, Source::Remembered);

        let mut chosen = Choices::new();
        chosen.insert("C".into(), "address".into());
        chosen.insert("D".into(), String::new());
        let with_choice = Mapping::build(spec, &labels, Some(&remembered), &chosen);
        assert_eq!(with_choice.columns[2].field.as_deref(), Some("address"));
        assert_eq!(with_choice.columns[3].field, None, "chosen: not imported");
        assert!(with_choice.has_choices());
        assert_eq!(
            with_choice.header_set_key(Register::Patents),
            plain.header_set_key(Register::Patents)
        );
    }

    #[test]
    fn one_column_per_field() {
        let mapping = Mapping::build(
            spec(Register::Patents),
            &header(&["申请人", "专利权人"]),
            None,
            &Choices::new(),
        );
        assert_eq!(mapping.columns[0].field.as_deref(), Some("applicants"));
        assert_eq!(mapping.columns[1].field, None);
    }
}
