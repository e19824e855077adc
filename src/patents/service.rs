//! Recording patents: create, edit (checked against `version`), status events, archive and
//! restore. Every write keeps the applicants linked to enterprises and is audited in the same
//! transaction.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use super::domain::{Applicant, PatentInput, ValidPatent, search_text};
use super::lifecycle::{PatentStatus, Standing, Step, check_step};
use super::number::{ApplicationNumber, PatentType, PublicationNumber};
use crate::audit::edit::Edit;
use crate::audit::{self, Actor, Changes, Event};
use crate::entities::{patent, patent_applicant, patent_event};
use crate::error::{AppError, FieldErrors, field_error};
use crate::i18n::Msg;
use crate::settings::lists::{self, ListKind};
use crate::{dates, db, enterprises, settings, text};

/// The id in a path; anything but a number is no such record.
pub fn parse_id(raw: &str) -> Result<i64, AppError> {
    crate::error::record_id(raw, "patents.not_found")
}

/// One applicant as shown and sent: the name and the enterprise it links to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApplicantView {
    pub name: String,
    pub enterprise_id: Option<i64>,
}

/// A patent in the shape of the JSON API (and the pages).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PatentView {
    pub id: i64,
    pub application_number: String,
    pub patent_type: PatentType,
    pub title: String,
    pub applicants: Vec<ApplicantView>,
    pub inventors: Vec<String>,
    pub filed_on: Option<NaiveDate>,
    pub granted_on: Option<NaiveDate>,
    pub grant_publication_number: Option<String>,
    pub agency: Option<String>,
    pub ipc_main: Option<String>,
    pub address: Option<String>,
    pub township: Option<String>,
    pub status: PatentStatus,
    pub notes: Option<String>,
    pub version: i32,
    pub archived: bool,
}

impl PatentView {
    pub fn new(
        row: &patent::Model,
        applicants: &[patent_applicant::Model],
        township: Option<String>,
    ) -> PatentView {
        let number = ApplicationNumber::from_stored(&row.application_number)
            .map_or_else(|| row.application_number.clone(), |n| n.to_string());
        PatentView {
            id: row.id,
            application_number: number,
            patent_type: row.patent_type,
            title: row.title.clone(),
            applicants: applicants
                .iter()
                .map(|a| ApplicantView {
                    name: a.name.clone(),
                    enterprise_id: a.enterprise_id,
                })
                .collect(),
            inventors: serde_json::from_str(&row.inventors).unwrap_or_default(),
            filed_on: row.filed_on,
            granted_on: row.granted_on,
            grant_publication_number: row.grant_publication_number.clone(),
            agency: row.agency.clone(),
            ipc_main: row.ipc_main.clone(),
            address: row.address.clone(),
            township,
            status: row.status,
            notes: row.notes.clone(),
            version: row.version,
            archived: row.archived_at.is_some(),
        }
    }
}

/// A status event as the API sends it: `{"status", "on", "note", "grant_publication_number"}`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EventInput {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub grant_publication_number: Option<String>,
}

/// A recorded event as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventView {
    pub status: PatentStatus,
    pub on: NaiveDate,
    pub note: Option<String>,
    pub publication_number: Option<String>,
}

/// A patent created or changed, with the warnings worth showing (a computed check character).
#[derive(Clone, Debug)]
pub struct Saved {
    pub patent: PatentView,
    pub warnings: Vec<Msg>,
}

/// Today in the configured time zone.
async fn today(db: &impl ConnectionTrait) -> Result<NaiveDate, AppError> {
    settings::service::today(db).await
}

async fn township_name(
    db: &impl ConnectionTrait,
    id: Option<i64>,
) -> Result<Option<String>, AppError> {
    match id {
        Some(id) => Ok(Some(lists::get(db, ListKind::Townships, id).await?.name)),
        None => Ok(None),
    }
}

/// The patent with this id (archived ones too).
pub async fn row(db: &impl ConnectionTrait, id: i64) -> Result<patent::Model, AppError> {
    patent::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("patents.not_found")))
}

async fn applicants_of(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Vec<patent_applicant::Model>, AppError> {
    Ok(patent_applicant::Entity::find()
        .filter(patent_applicant::Column::PatentId.eq(id))
        .order_by_asc(patent_applicant::Column::Position)
        .all(db)
        .await?)
}

/// The patent as the API shows it.
pub async fn view(db: &impl ConnectionTrait, id: i64) -> Result<PatentView, AppError> {
    let row = row(db, id).await?;
    let applicants = applicants_of(db, id).await?;
    let township = township_name(db, row.township_id).await?;
    Ok(PatentView::new(&row, &applicants, township))
}

/// The patent with this application number in any spelling.
pub async fn find_by_number(
    db: &impl ConnectionTrait,
    raw: &str,
) -> Result<Option<patent::Model>, AppError> {
    let Ok(parsed) = ApplicationNumber::parse(raw) else {
        return Ok(None);
    };
    Ok(patent::Entity::find()
        .filter(patent::Column::ApplicationNumber.eq(parsed.number.stored()))
        .one(db)
        .await?)
}

/// The status history, oldest first.
pub async fn events(db: &impl ConnectionTrait, id: i64) -> Result<Vec<EventView>, AppError> {
    let rows = patent_event::Entity::find()
        .filter(patent_event::Column::PatentId.eq(id))
        .order_by_asc(patent_event::Column::HappenedOn)
        .order_by_asc(patent_event::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|e| EventView {
            status: e.status,
            on: e.happened_on,
            note: e.note,
            publication_number: e.publication_number,
        })
        .collect())
}

fn warnings(valid: &ValidPatent) -> Vec<Msg> {
    if valid.check_added {
        vec![Msg::new("patents.number.check_added").arg("number", &valid.number)]
    } else {
        Vec::new()
    }
}

/// Links each applicant to the enterprise its name (or an alias) belongs to, unless the input
/// named one, which must exist.
async fn resolve_applicants(
    db: &impl ConnectionTrait,
    applicants: &mut [Applicant],
) -> Result<(), AppError> {
    let keys: Vec<String> = applicants.iter().map(|a| a.name_key.clone()).collect();
    let found: HashMap<String, i64> = enterprises::service::ids_by_name_key(db, &keys).await?;
    for applicant in applicants.iter_mut() {
        match applicant.enterprise_id {
            Some(id) if !enterprises::service::exists(db, id).await? => {
                return Err(field_error(
                    "applicants",
                    Msg::new("patents.applicants.unknown_enterprise").arg("id", id),
                ));
            }
            Some(_) => {}
            None => applicant.enterprise_id = found.get(&applicant.name_key).copied(),
        }
    }
    Ok(())
}

async fn write_applicants(
    db: &impl ConnectionTrait,
    patent_id: i64,
    applicants: &[Applicant],
) -> Result<(), AppError> {
    patent_applicant::Entity::delete_many()
        .filter(patent_applicant::Column::PatentId.eq(patent_id))
        .exec(db)
        .await?;
    let rows = (0i32..)
        .zip(applicants)
        .map(|(position, a)| patent_applicant::ActiveModel {
            patent_id: Set(patent_id),
            position: Set(position),
            name: Set(a.name.clone()),
            name_key: Set(a.name_key.clone()),
            enterprise_id: Set(a.enterprise_id),
            ..Default::default()
        });
    patent_applicant::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The patents whose first applicant is named `name_key` take that applicant's link again, after
/// an enterprise was given the name (each patent keeps its first applicant's enterprise).
pub async fn relink_first_applicants(
    db: &impl ConnectionTrait,
    name_key: &str,
) -> Result<(), AppError> {
    let firsts = first_applicants()
        .and_where(
            Expr::col((patent_applicant::Entity, patent_applicant::Column::NameKey)).eq(name_key),
        )
        .to_owned();
    set_first_applicant_enterprise(db, firsts, first_applicant_link()).await
}

/// The patents whose first applicant is linked to `enterprise_id` lose the link, before the
/// enterprise goes (an undone enterprise import).
pub async fn unlink_first_applicants(
    db: &impl ConnectionTrait,
    enterprise_id: i64,
) -> Result<(), AppError> {
    let firsts = first_applicants()
        .and_where(
            Expr::col((
                patent_applicant::Entity,
                patent_applicant::Column::EnterpriseId,
            ))
            .eq(enterprise_id),
        )
        .to_owned();
    set_first_applicant_enterprise(db, firsts, Expr::value(Option::<i64>::None)).await
}

/// The ids of patents by their first applicants, to be narrowed by the caller.
fn first_applicants() -> SelectStatement {
    Query::select()
        .column((patent_applicant::Entity, patent_applicant::Column::PatentId))
        .from(patent_applicant::Entity)
        .and_where(Expr::col((patent_applicant::Entity, patent_applicant::Column::Position)).eq(0))
        .to_owned()
}

/// A patent's first applicant's link, as SQL within an update of `patents`.
fn first_applicant_link() -> Expr {
    Expr::cust(
        "(SELECT \"a\".\"enterprise_id\" FROM \"patent_applicants\" \"a\" \
         WHERE \"a\".\"patent_id\" = \"patents\".\"id\" AND \"a\".\"position\" = 0)",
    )
}

async fn set_first_applicant_enterprise(
    db: &impl ConnectionTrait,
    patents: SelectStatement,
    value: Expr,
) -> Result<(), AppError> {
    let update = Query::update()
        .table(patent::Entity)
        .value(patent::Column::FirstApplicantEnterpriseId, value)
        .and_where(Expr::col(patent::Column::Id).in_subquery(patents))
        .to_owned();
    db.execute(&update).await?;
    Ok(())
}

fn inventors_json(valid: &ValidPatent) -> String {
    serde_json::to_string(&valid.inventors).unwrap_or_else(|_| "[]".to_owned())
}

/// Where a patent was recorded from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Manual,
    Import(i64),
}

/// The form checked by its rules, and, when they find mistakes, the database's mistakes beside
/// them (a number another patent has, an unknown township), so the officer fixes all in one go.
/// `except`: the patent being changed.
async fn checked(
    db: &impl ConnectionTrait,
    input: &PatentInput,
    except: Option<i64>,
) -> Result<ValidPatent, AppError> {
    let validated = input.validate(today(db).await?);
    let validated = lists::with_unknown_township(db, validated, input.township.as_deref()).await;
    let Err(AppError::Validation(mut errors)) = validated else {
        return validated;
    };
    if errors.get("application_number").is_none()
        && let Ok(parsed) = ApplicationNumber::parse(&input.application_number)
        && let Some(taken) = number_taken(db, &parsed.number, except).await?
    {
        errors.add("application_number", taken);
    }
    Err(AppError::Validation(errors))
}

/// Why a number cannot be this patent's: another patent (not `except`) has it.
async fn number_taken(
    db: &impl ConnectionTrait,
    number: &ApplicationNumber,
    except: Option<i64>,
) -> Result<Option<Msg>, AppError> {
    let other = find_by_number(db, number.stored()).await?;
    Ok(other.filter(|o| Some(o.id) != except).map(|o| {
        Msg::new("patents.number.taken")
            .arg("number", number)
            .arg("id", o.id)
    }))
}

/// Creates a patent. A grant date records the grant as its first event.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &PatentInput,
) -> Result<Saved, AppError> {
    let valid = checked(db, input, None).await?;
    let txn = db::begin_write(db).await?;
    let saved = insert(&txn, actor, valid, Source::Manual).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Inserts a validated patent within the caller's transaction (the importer calls this too).
pub async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor,
    mut valid: ValidPatent,
    source: Source,
) -> Result<Saved, AppError> {
    if let Some(taken) = number_taken(db, &valid.number, None).await? {
        return Err(field_error("application_number", taken));
    }
    let township_id = lists::township_id(db, valid.township.as_deref()).await?;
    resolve_applicants(db, &mut valid.applicants).await?;
    let row = new_row(&valid, township_id, source).insert(db).await?;
    write_applicants(db, row.id, &valid.applicants).await?;
    super::search::index(db, row.id, &row.search_text).await?;
    if let Some(granted_on) = valid.granted_on {
        insert_event(
            db,
            row.id,
            PatentStatus::Granted,
            granted_on,
            None,
            valid.grant_publication_number.as_ref(),
        )
        .await?;
    }
    let patent = PatentView::new(
        &row,
        &applicants_of(db, row.id).await?,
        valid.township.clone(),
    );
    audit::record(
        db,
        actor,
        Event::new("create", "patent", row.id).with(Changes::created(&patent)),
    )
    .await?;
    Ok(Saved {
        warnings: warnings(&valid),
        patent,
    })
}

/// A new patent's row as the form or the import gives it: granted when it has a grant date.
fn new_row(valid: &ValidPatent, township_id: Option<i64>, source: Source) -> patent::ActiveModel {
    let now = Utc::now();
    let (source_name, batch) = match source {
        Source::Manual => ("manual", None),
        Source::Import(batch) => ("import", Some(batch)),
    };
    let status = if valid.granted_on.is_some() {
        PatentStatus::Granted
    } else {
        PatentStatus::Filed
    };
    patent::ActiveModel {
        application_number: Set(valid.number.stored().to_owned()),
        patent_type: Set(valid.patent_type),
        title: Set(valid.title.clone()),
        inventors: Set(inventors_json(valid)),
        filed_on: Set(valid.filed_on),
        granted_on: Set(valid.granted_on),
        grant_publication_number: Set(valid
            .grant_publication_number
            .as_ref()
            .map(ToString::to_string)),
        agency: Set(valid.agency.clone()),
        ipc_main: Set(valid.ipc_main.clone()),
        address: Set(valid.address.clone()),
        township_id: Set(township_id),
        status: Set(status),
        notes: Set(valid.notes.clone()),
        source: Set(source_name.to_owned()),
        import_batch_id: Set(batch),
        first_applicant_key: Set(valid.applicants.first().map(|a| a.name_key.clone())),
        first_applicant_enterprise_id: Set(valid.applicants.first().and_then(|a| a.enterprise_id)),
        search_text: Set(search_text(valid)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        archived_at: Set(None),
        ..Default::default()
    }
}

async fn insert_event(
    db: &impl ConnectionTrait,
    patent_id: i64,
    status: PatentStatus,
    on: NaiveDate,
    note: Option<String>,
    number: Option<&PublicationNumber>,
) -> Result<(), AppError> {
    patent_event::ActiveModel {
        patent_id: Set(patent_id),
        status: Set(status),
        happened_on: Set(on),
        note: Set(note),
        publication_number: Set(number.map(ToString::to_string)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The patent, locked for the rest of the transaction (on PostgreSQL), checked against `version`.
async fn locked_at_version(
    db: &impl ConnectionTrait,
    id: i64,
    version: i32,
) -> Result<patent::Model, AppError> {
    let row = patent::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("patents.not_found")))?;
    if row.version != version {
        return Err(AppError::Conflict(
            Msg::new("patents.changed_by_someone_else").arg("number", display_number(&row)),
        ));
    }
    Ok(row)
}

fn display_number(row: &patent::Model) -> String {
    ApplicationNumber::from_stored(&row.application_number)
        .map_or_else(|| row.application_number.clone(), |n| n.to_string())
}

/// Changes a patent last seen at `version`. A stale version is a conflict; the number may be
/// corrected but not to another type; the grant date and number correct the recorded grant (or
/// record one, when the lifecycle allows).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    version: i32,
    input: &PatentInput,
) -> Result<Saved, AppError> {
    let valid = checked(db, input, Some(id)).await?;
    let edit = Edit::begin(db).await?;
    let mut saved = apply_update(&edit.txn, actor, id, version, valid).await?;
    edit.finish_at(&mut saved.patent.version, version).await?;
    Ok(saved)
}

/// Applies a validated change within the caller's transaction (the importer calls this too).
pub async fn apply_update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    version: i32,
    mut valid: ValidPatent,
) -> Result<Saved, AppError> {
    let old = locked_at_version(db, id, version).await?;
    let before = PatentView::new(
        &old,
        &applicants_of(db, id).await?,
        township_name(db, old.township_id).await?,
    );
    if valid.patent_type != old.patent_type {
        return Err(field_error(
            "application_number",
            Msg::new("patents.number.type_change"),
        ));
    }
    if let Some(taken) = number_taken(db, &valid.number, Some(id)).await? {
        return Err(field_error("application_number", taken));
    }
    let township_id = lists::township_id(db, valid.township.as_deref()).await?;
    resolve_applicants(db, &mut valid.applicants).await?;
    let status = sync_grant(db, &old, &valid).await?;
    let mut active = old.into_active_model();
    active.application_number = Set(valid.number.stored().to_owned());
    active.title = Set(valid.title.clone());
    active.inventors = Set(inventors_json(&valid));
    active.filed_on = Set(valid.filed_on);
    active.granted_on = Set(valid.granted_on);
    active.grant_publication_number = Set(valid
        .grant_publication_number
        .as_ref()
        .map(ToString::to_string));
    active.agency = Set(valid.agency.clone());
    active.ipc_main = Set(valid.ipc_main.clone());
    active.address = Set(valid.address.clone());
    active.township_id = Set(township_id);
    active.status = Set(status);
    active.notes = Set(valid.notes.clone());
    active.first_applicant_key = Set(valid.applicants.first().map(|a| a.name_key.clone()));
    active.first_applicant_enterprise_id =
        Set(valid.applicants.first().and_then(|a| a.enterprise_id));
    active.search_text = Set(search_text(&valid));
    active.version = Set(version + 1);
    active.updated_at = Set(Utc::now());
    let row = active.update(db).await?;
    write_applicants(db, id, &valid.applicants).await?;
    super::search::index(db, id, &row.search_text).await?;
    let after = PatentView::new(&row, &applicants_of(db, id).await?, valid.township.clone());
    audit::record(
        db,
        actor,
        Event::new("update", "patent", id).with(Changes::diff(&before, &after)),
    )
    .await?;
    Ok(Saved {
        warnings: warnings(&valid),
        patent: after,
    })
}

/// Brings the grant event in line with the grant fields; returns the patent's status after.
async fn sync_grant(
    db: &impl ConnectionTrait,
    old: &patent::Model,
    valid: &ValidPatent,
) -> Result<PatentStatus, AppError> {
    let grant = patent_event::Entity::find()
        .filter(patent_event::Column::PatentId.eq(old.id))
        .filter(patent_event::Column::Status.eq(PatentStatus::Granted.as_str()))
        .one(db)
        .await?;
    match (grant, valid.granted_on) {
        (Some(event), Some(on)) => {
            let mut active = event.into_active_model();
            active.happened_on = Set(on);
            active.publication_number = Set(valid
                .grant_publication_number
                .as_ref()
                .map(ToString::to_string));
            active.update(db).await?;
            Ok(old.status)
        }
        (Some(_), None) => Err(field_error(
            "granted_on",
            Msg::new("patents.grant.cannot_remove"),
        )),
        (None, Some(on)) => {
            let step = Step {
                status: PatentStatus::Granted,
                on,
                publication_number: valid.grant_publication_number.clone(),
            };
            record_step(
                db,
                old,
                &Standing {
                    filed_on: valid.filed_on,
                    ..standing(db, old).await?
                },
                &step,
                None,
            )
            .await?;
            Ok(PatentStatus::Granted)
        }
        (None, None) => Ok(old.status),
    }
}

async fn standing(db: &impl ConnectionTrait, row: &patent::Model) -> Result<Standing, AppError> {
    let last = patent_event::Entity::find()
        .filter(patent_event::Column::PatentId.eq(row.id))
        .order_by_desc(patent_event::Column::HappenedOn)
        .limit(1)
        .one(db)
        .await?;
    Ok(Standing {
        patent_type: row.patent_type,
        filed_on: row.filed_on,
        status: row.status,
        last_on: last.map(|e| e.happened_on),
    })
}

async fn record_step(
    db: &impl ConnectionTrait,
    row: &patent::Model,
    standing: &Standing,
    step: &Step,
    note: Option<String>,
) -> Result<(), AppError> {
    check_step(standing, step).map_err(|(field, msg)| field_error(field, msg))?;
    insert_event(
        db,
        row.id,
        step.status,
        step.on,
        note,
        step.publication_number.as_ref(),
    )
    .await
}

fn parse_event(input: &EventInput, today: NaiveDate) -> Result<(Step, Option<String>), AppError> {
    let mut errors = FieldErrors::new();
    let status = PatentStatus::parse(&input.status);
    if status.is_none() {
        errors.add(
            "status",
            Msg::new("patents.event.unknown_status").arg("status", text::clean(&input.status)),
        );
    }
    let on = match dates::parse_optional(&input.on) {
        Ok(Some(day)) if day > today => {
            errors.add("on", Msg::new("patents.date.future").arg("date", day));
            None
        }
        Ok(Some(day)) => Some(day),
        Ok(None) => {
            errors.add("on", Msg::new("patents.event.date_required"));
            None
        }
        Err(msg) => {
            errors.add("on", msg);
            None
        }
    };
    let raw_number = text::clean(
        input
            .grant_publication_number
            .as_deref()
            .unwrap_or_default(),
    );
    let publication_number = if raw_number.is_empty() {
        None
    } else {
        PublicationNumber::parse(&raw_number)
            .map_err(|msg| errors.add("grant_publication_number", msg))
            .ok()
    };
    let note = text::clean(input.note.as_deref().unwrap_or_default());
    if text::char_len(&note) > 500 {
        errors.add(
            "note",
            Msg::new("errors.validation.too_long").arg("max", 500),
        );
    }
    errors.into_result()?;
    match (status, on) {
        (Some(status), Some(on)) => Ok((
            Step {
                status,
                on,
                publication_number,
            },
            (!note.is_empty()).then_some(note),
        )),
        _ => Err(AppError::Internal("event fields vanished".into())),
    }
}

/// Records a status step. A grant also sets the patent's grant date and number.
pub async fn add_event(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: &EventInput,
) -> Result<PatentView, AppError> {
    let (step, note) = parse_event(input, today(db).await?)?;
    let txn = db::begin_write(db).await?;
    let old = patent::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("patents.not_found")))?;
    if old.archived_at.is_some() {
        return Err(AppError::Conflict(Msg::new("patents.archived_readonly")));
    }
    let before = view(&txn, id).await?;
    record_step(
        &txn,
        &old,
        &standing(&txn, &old).await?,
        &step,
        note.clone(),
    )
    .await?;
    let mut active = old.clone().into_active_model();
    active.status = Set(step.status);
    if step.status == PatentStatus::Granted {
        active.granted_on = Set(Some(step.on));
        active.grant_publication_number =
            Set(step.publication_number.as_ref().map(ToString::to_string));
    }
    active.version = Set(old.version + 1);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    let after = view(&txn, id).await?;
    let mut changes = Changes::diff(&before, &after).field("event_on", None::<NaiveDate>, step.on);
    if let Some(note) = note {
        changes = changes.field("event_note", None::<String>, note);
    }
    audit::record(&txn, actor, Event::new("event", "patent", id).with(changes)).await?;
    txn.commit().await?;
    Ok(after)
}

/// Archives (or restores) a patent last seen at `version`; archived patents count nowhere.
pub async fn set_archived(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    version: i32,
    archived: bool,
) -> Result<PatentView, AppError> {
    let txn = db::begin_write(db).await?;
    let old = locked_at_version(&txn, id, version).await?;
    let before = view(&txn, id).await?;
    let mut active = old.into_active_model();
    active.archived_at = Set(archived.then(Utc::now));
    active.version = Set(version + 1);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    let after = view(&txn, id).await?;
    let action = if archived { "archive" } else { "restore" };
    audit::record(
        &txn,
        actor,
        Event::new(action, "patent", id).with(Changes::diff(&before, &after)),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}
