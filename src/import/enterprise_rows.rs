//! Enterprises from roster rows (the provincial high-tech enterprise list, say). The key is the
//! credit code when a row has one, else the normalised name; a row whose code and name point at two
//! different stored enterprises is invalid, naming both.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use super::mapping::Mapping;
use super::plan::{FieldTexts, Jurisdiction, PlannedRow, RowReader, RowStatus};
use super::values;
use super::workbook::Row;
use crate::audit::Actor;
use crate::enterprises::CreditCode;
use crate::enterprises::domain::{name_key, pinyin_sort_key};
use crate::entities::{enterprise, enterprise_name, import_batch_row};
use crate::error::AppError;
use crate::i18n::Msg;

/// Everything an import may change about an enterprise, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseSnapshot {
    pub id: i64,
    pub version: i32,
    pub archived: bool,
    pub name: String,
    pub credit_code: Option<String>,
    pub township_id: Option<i64>,
    pub address: Option<String>,
    pub industry: Option<String>,
    pub high_tech_certificate: Option<String>,
    pub high_tech_issued_on: Option<NaiveDate>,
    pub high_tech_expires_on: Option<NaiveDate>,
    pub tech_sme: bool,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub notes: Option<String>,
}

impl EnterpriseSnapshot {
    pub(super) fn of(row: &enterprise::Model) -> EnterpriseSnapshot {
        EnterpriseSnapshot {
            id: row.id,
            version: row.version,
            archived: row.archived_at.is_some(),
            name: row.name.clone(),
            credit_code: row.credit_code.clone(),
            township_id: row.township_id,
            address: row.address.clone(),
            industry: row.industry.clone(),
            high_tech_certificate: row.high_tech_certificate.clone(),
            high_tech_issued_on: row.high_tech_issued_on,
            high_tech_expires_on: row.high_tech_expires_on,
            tech_sme: row.tech_sme,
            contact_name: row.contact_name.clone(),
            contact_phone: row.contact_phone.clone(),
            notes: row.notes.clone(),
        }
    }

    /// The fields as a person reads them, for telling an update's changes.
    fn field_texts(&self, jurisdiction: &Jurisdiction) -> FieldTexts {
        let township = self
            .township_id
            .and_then(|id| jurisdiction.township_name(id))
            .map(str::to_owned);
        let day = |day: Option<NaiveDate>| day.map(|day| day.to_string());
        let yes_no = if self.tech_sme {
            "@common.yes"
        } else {
            "@common.no"
        };
        vec![
            ("name", Some(self.name.clone())),
            ("credit_code", self.credit_code.clone()),
            ("township", township),
            ("address", self.address.clone()),
            ("industry", self.industry.clone()),
            ("high_tech_certificate", self.high_tech_certificate.clone()),
            ("high_tech_issued_on", day(self.high_tech_issued_on)),
            ("high_tech_expires_on", day(self.high_tech_expires_on)),
            ("tech_sme", Some(yes_no.to_owned())),
            ("contact_name", self.contact_name.clone()),
            ("contact_phone", self.contact_phone.clone()),
            ("notes", self.notes.clone()),
        ]
    }

    fn differs(&self, other: &EnterpriseSnapshot) -> bool {
        let strip = |s: &EnterpriseSnapshot| EnterpriseSnapshot {
            id: 0,
            version: 0,
            archived: false,
            ..s.clone()
        };
        strip(self) != strip(other)
    }
}

#[allow(clippy::large_enum_variant)] // a few per import; boxing would only add noise
pub enum EnterpriseWrite {
    New {
        row: u32,
        after: EnterpriseSnapshot,
    },
    Update {
        row: u32,
        before: EnterpriseSnapshot,
        after: EnterpriseSnapshot,
    },
}

/// Stored enterprises the rows may name: by credit code and by name key.
pub struct Stored {
    by_code: HashMap<String, EnterpriseSnapshot>,
    by_name: HashMap<String, EnterpriseSnapshot>,
}

fn code_of(row: &Row, mapping: &Mapping) -> Option<String> {
    let column = mapping.column_of("credit_code")?;
    CreditCode::parse(&row.get(column.column)?.display())
        .ok()
        .map(|c| c.as_str().to_owned())
}

fn name_of(row: &Row, mapping: &Mapping) -> Option<String> {
    let column = mapping.column_of("name")?;
    let name = crate::text::clean(&row.get(column.column)?.display());
    (!name.is_empty()).then(|| name_key(&name))
}

pub async fn fetch(
    db: &impl ConnectionTrait,
    rows: &[&Row],
    mapping: &Mapping,
) -> Result<Stored, AppError> {
    let codes: Vec<String> = rows
        .iter()
        .filter_map(|r| code_of(r, mapping))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let names: Vec<String> = rows
        .iter()
        .filter_map(|r| name_of(r, mapping))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut by_code = HashMap::new();
    for chunk in codes.chunks(500) {
        let found = enterprise::Entity::find()
            .filter(enterprise::Column::CreditCode.is_in(chunk.iter().map(String::as_str)))
            .all(db)
            .await?;
        for row in found {
            if let Some(code) = &row.credit_code {
                by_code.insert(code.clone(), EnterpriseSnapshot::of(&row));
            }
        }
    }
    let mut by_name = HashMap::new();
    for chunk in names.chunks(crate::db::NAMES_PER_LOOKUP) {
        let named = enterprise_name::Entity::find()
            .filter(enterprise_name::Column::NameKey.is_in(chunk.iter().map(String::as_str)))
            .all(db)
            .await?;
        let ids: Vec<i64> = named.iter().map(|n| n.enterprise_id).collect();
        let found: HashMap<i64, enterprise::Model> = enterprise::Entity::find()
            .filter(enterprise::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        for name in named {
            if let Some(row) = found.get(&name.enterprise_id) {
                by_name.insert(name.name_key, EnterpriseSnapshot::of(row));
            }
        }
    }
    Ok(Stored { by_code, by_name })
}

struct Incoming {
    name: String,
    credit_code: Option<String>,
    township: Option<i64>,
    address: Option<String>,
    industry: Option<String>,
    high_tech_certificate: Option<String>,
    high_tech_issued_on: Option<NaiveDate>,
    high_tech_expires_on: Option<NaiveDate>,
    tech_sme: Option<bool>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    notes: Option<String>,
}

fn read_incoming(reader: &mut RowReader<'_>, jurisdiction: &Jurisdiction) -> Option<Incoming> {
    let name = reader.text("name");
    if name.is_none() {
        reader.error("name", "", Msg::new("enterprises.name.required"));
    }
    let credit_code = match reader.text("credit_code") {
        Some(raw) => match CreditCode::parse(&raw) {
            Ok(code) => Some(code.as_str().to_owned()),
            Err(msg) => {
                reader.error("credit_code", &raw, msg);
                None
            }
        },
        None => None,
    };
    let issued = reader.date("high_tech_issued_on");
    let expires = reader.date("high_tech_expires_on");
    if let (Some(issued), Some(expires)) = (issued, expires)
        && expires <= issued
    {
        reader.error(
            "high_tech_expires_on",
            expires.to_string(),
            Msg::new("enterprises.high_tech.expires_before_issue"),
        );
    }
    let tech_sme = match reader.text("tech_sme") {
        Some(raw) => match values::yes_no(&raw) {
            Ok(value) => value,
            Err(msg) => {
                reader.error("tech_sme", &raw, msg);
                None
            }
        },
        None => None,
    };
    let address = reader.text("address");
    let township = match reader.text("township") {
        Some(name) => reader.known_township(&name, jurisdiction),
        None => address.as_deref().and_then(|a| jurisdiction.township_in(a)),
    };
    Some(Incoming {
        name: name?,
        credit_code,
        township,
        address,
        industry: reader.text("industry"),
        high_tech_certificate: reader.text("high_tech_certificate"),
        high_tech_issued_on: issued,
        high_tech_expires_on: expires,
        tech_sme,
        contact_name: reader.text("contact_name"),
        contact_phone: reader.text("contact_phone"),
        notes: reader.text("notes"),
    })
}

fn merge(stored: &EnterpriseSnapshot, incoming: &Incoming) -> EnterpriseSnapshot {
    let keep = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
    EnterpriseSnapshot {
        name: incoming.name.clone(),
        credit_code: keep(&incoming.credit_code, &stored.credit_code),
        township_id: incoming.township.or(stored.township_id),
        address: keep(&incoming.address, &stored.address),
        industry: keep(&incoming.industry, &stored.industry),
        high_tech_certificate: keep(
            &incoming.high_tech_certificate,
            &stored.high_tech_certificate,
        ),
        high_tech_issued_on: incoming.high_tech_issued_on.or(stored.high_tech_issued_on),
        high_tech_expires_on: incoming
            .high_tech_expires_on
            .or(stored.high_tech_expires_on),
        tech_sme: incoming.tech_sme.unwrap_or(stored.tech_sme),
        contact_name: keep(&incoming.contact_name, &stored.contact_name),
        contact_phone: keep(&incoming.contact_phone, &stored.contact_phone),
        notes: keep(&incoming.notes, &stored.notes),
        ..stored.clone()
    }
}

fn empty() -> EnterpriseSnapshot {
    EnterpriseSnapshot {
        id: 0,
        version: 0,
        archived: false,
        name: String::new(),
        credit_code: None,
        township_id: None,
        address: None,
        industry: None,
        high_tech_certificate: None,
        high_tech_issued_on: None,
        high_tech_expires_on: None,
        tech_sme: false,
        contact_name: None,
        contact_phone: None,
        notes: None,
    }
}

pub fn plan(
    rows: &[&Row],
    mapping: &Mapping,
    jurisdiction: &Jurisdiction,
    stored: &Stored,
    is_1904: bool,
) -> (Vec<PlannedRow>, Vec<EnterpriseWrite>) {
    let mut planned = Vec::with_capacity(rows.len());
    let mut writes = Vec::new();
    let mut accepted: HashMap<String, EnterpriseSnapshot> = HashMap::new();
    for row in rows {
        let reader = RowReader::new(row, mapping, is_1904);
        let (done, write) = plan_row(reader, jurisdiction, stored, &mut accepted);
        planned.push(done);
        writes.extend(write);
    }
    (planned, writes)
}

/// One row judged against the jurisdiction, the rules, the stored enterprises and the rows of
/// the file before it (`accepted`, by credit code or else name).
fn plan_row(
    mut reader: RowReader<'_>,
    jurisdiction: &Jurisdiction,
    stored: &Stored,
    accepted: &mut HashMap<String, EnterpriseSnapshot>,
) -> (PlannedRow, Option<EnterpriseWrite>) {
    if !jurisdiction.includes(
        reader.peek("county").as_deref(),
        reader.peek("address").as_deref(),
    ) {
        return (reader.done(RowStatus::OutOfJurisdiction), None);
    }
    let incoming = read_incoming(&mut reader, jurisdiction);
    let existing = incoming
        .as_ref()
        .and_then(|incoming| stored_match(&mut reader, incoming, stored));
    let Some(incoming) = incoming.filter(|_| reader.errors.is_empty()) else {
        return (reader.done(RowStatus::Invalid), None);
    };
    let key = incoming
        .credit_code
        .clone()
        .unwrap_or_else(|| name_key(&incoming.name));
    let after = merge(existing.unwrap_or(&empty()), &incoming);
    if let Some(first) = accepted.get(&key) {
        if first.differs(&after) {
            reader.warn(
                "name",
                &incoming.name,
                Msg::new("import.row.duplicate_differs"),
            );
        }
        return (reader.done(RowStatus::DuplicateInFile), None);
    }
    accepted.insert(key, after.clone());
    let row = reader.number();
    let Some(before) = existing else {
        let write = EnterpriseWrite::New { row, after };
        return (reader.done(RowStatus::New), Some(write));
    };
    if before.archived {
        reader.warn("name", &incoming.name, Msg::new("import.row.archived"));
    }
    if !before.differs(&after) {
        return (reader.done(RowStatus::Unchanged), None);
    }
    reader.tell_changes(
        before.field_texts(jurisdiction),
        after.field_texts(jurisdiction),
    );
    let write = EnterpriseWrite::Update {
        row,
        before: before.clone(),
        after,
    };
    (reader.done(RowStatus::Updated), Some(write))
}

/// The stored enterprise a row names, by its credit code or else its name; a code and a name
/// that name two different enterprises are a mistake in the row, marked on it.
fn stored_match<'s>(
    reader: &mut RowReader<'_>,
    incoming: &Incoming,
    stored: &'s Stored,
) -> Option<&'s EnterpriseSnapshot> {
    let by_code = incoming
        .credit_code
        .as_ref()
        .and_then(|c| stored.by_code.get(c));
    let by_name = stored.by_name.get(&name_key(&incoming.name));
    if let (Some(a), Some(b)) = (by_code, by_name)
        && a.id != b.id
    {
        let code = a.credit_code.clone().unwrap_or_default();
        reader.error(
            "credit_code",
            &code,
            Msg::new("import.enterprises.two_enterprises")
                .arg("code_name", &a.name)
                .arg("name", &b.name),
        );
    }
    by_code.or(by_name)
}

fn fill(active: &mut enterprise::ActiveModel, after: &EnterpriseSnapshot) {
    active.name = Set(after.name.clone());
    active.name_key = Set(name_key(&after.name));
    active.sort_key = Set(pinyin_sort_key(&after.name));
    active.credit_code = Set(after.credit_code.clone());
    active.township_id = Set(after.township_id);
    active.address = Set(after.address.clone());
    active.industry = Set(after.industry.clone());
    active.high_tech_certificate = Set(after.high_tech_certificate.clone());
    active.high_tech_issued_on = Set(after.high_tech_issued_on);
    active.high_tech_expires_on = Set(after.high_tech_expires_on);
    active.tech_sme = Set(after.tech_sme);
    active.contact_name = Set(after.contact_name.clone());
    active.contact_phone = Set(after.contact_phone.clone());
    active.notes = Set(after.notes.clone());
}

/// Writes an enterprise's values from a snapshot and gives it `version_after`: the next version
/// for an import, the version of the snapshot for an undo (the record is as it was then).
pub async fn write_snapshot(
    db: &impl ConnectionTrait,
    snapshot: &EnterpriseSnapshot,
    version_after: i32,
) -> Result<i32, AppError> {
    let Some(row) = enterprise::Entity::find_by_id(snapshot.id).one(db).await? else {
        return Err(AppError::NotFound(Msg::new("enterprises.not_found")));
    };
    let mut active: enterprise::ActiveModel = row.into();
    fill(&mut active, snapshot);
    active.version = Set(version_after);
    active.updated_at = Set(Utc::now());
    active.update(db).await?;
    crate::enterprises::service::add_name(db, snapshot.id, &snapshot.name).await?;
    Ok(version_after)
}

/// Writes the plan's enterprises within the caller's transaction. `tick` hears how many are done.
pub async fn commit(
    db: &impl ConnectionTrait,
    _actor: &Actor,
    batch: i64,
    writes: Vec<EnterpriseWrite>,
    tick: &(dyn Fn(usize) -> Result<(), AppError> + Send + Sync),
) -> Result<(), AppError> {
    let now = Utc::now();
    for (done, write) in writes.into_iter().enumerate() {
        tick(done)?;
        match write {
            EnterpriseWrite::New { after, .. } => {
                let mut active = enterprise::ActiveModel {
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    archived_at: Set(None),
                    import_batch_id: Set(Some(batch)),
                    ..Default::default()
                };
                fill(&mut active, &after);
                let row = active.insert(db).await?;
                crate::enterprises::service::add_name(db, row.id, &after.name).await?;
            }
            EnterpriseWrite::Update { row, before, after } => {
                let after = EnterpriseSnapshot {
                    id: before.id,
                    ..after
                };
                let known = crate::enterprises::service::name_known(db, &after.name).await?;
                let added_name = (!known).then(|| after.name.clone());
                let version = write_snapshot(db, &after, before.version + 1).await?;
                let entity_id = before.id;
                let before = UpdatedEnterprise { before, added_name };
                import_batch_row::ActiveModel {
                    batch_id: Set(batch),
                    entity: Set("enterprise".to_owned()),
                    entity_id: Set(entity_id),
                    excel_row: Set(i32::try_from(row).unwrap_or(i32::MAX)),
                    before: Set(serde_json::to_string(&before).unwrap_or_default()),
                    after_version: Set(version),
                    ..Default::default()
                }
                .insert(db)
                .await?;
            }
        }
    }
    Ok(())
}

/// What undo needs of an enterprise an import updated: its values before, and the name the
/// import taught the desk when it was new (a renamed enterprise), to forget again.
#[derive(Debug, Serialize, Deserialize)]
pub struct UpdatedEnterprise {
    #[serde(flatten)]
    pub before: EnterpriseSnapshot,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_name: Option<String>,
}

/// Unlinks the applicants an enterprise's names linked, before the enterprise is removed by undo.
pub async fn unlink(db: &impl ConnectionTrait, enterprise_id: i64) -> Result<(), AppError> {
    crate::patents::service::unlink_first_applicants(db, enterprise_id).await?;
    let update = Query::update()
        .table(crate::entities::patent_applicant::Entity)
        .value(
            crate::entities::patent_applicant::Column::EnterpriseId,
            Option::<i64>::None,
        )
        .and_where(
            Expr::col(crate::entities::patent_applicant::Column::EnterpriseId).eq(enterprise_id),
        )
        .to_owned();
    db.execute(&update).await?;
    Ok(())
}
