//! Recording outreach visits: create (with the enterprise, when it is new), change (at the version
//! last read), archive, each in one transaction with its audit entry; and reading visits as the
//! pages and the API show them.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use super::domain::{FollowUp, Topic, ValidVisit, VisitInput, VisitedEnterprise};
use crate::audit::edit::Edit;
use crate::audit::{self, Actor, Changes, Event};
use crate::auth::users;
use crate::enterprises::domain::{EnterpriseInput, name_key};
use crate::entities::{enterprise, visit, visit_follow_up};
use crate::error::{AppError, field_error};
use crate::i18n::Msg;
use crate::settings::lists::{self, ListKind};
use crate::{db, settings};

/// The id in a path; anything but a number is no such record.
pub fn parse_id(raw: &str) -> Result<i64, AppError> {
    crate::error::record_id(raw, "visits.not_found")
}

/// A visit as the pages and the API show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitView {
    pub id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub township: Option<String>,
    pub visited_on: NaiveDate,
    /// As stored: usernames, or names of people who are not users.
    pub officers: Vec<String>,
    /// The officers as people read them: a user's real name, else the name given.
    pub officer_names: Vec<String>,
    pub agencies: Vec<String>,
    pub topics: Vec<String>,
    pub materials_count: Option<i64>,
    pub needs: Option<String>,
    pub notes: Option<String>,
    pub follow_ups: Vec<FollowUp>,
    pub archived: bool,
    pub version: i32,
}

impl VisitView {
    /// Follow-ups not yet done.
    pub fn open_follow_ups(&self) -> usize {
        self.follow_ups
            .iter()
            .filter(|f| f.done_on.is_none())
            .count()
    }
}

fn list_of(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

fn json_of<T: Serialize>(list: &[T]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// The visits of these rows as shown: their enterprises, townships, people and follow-ups read
/// in one query each.
pub async fn views(
    db: &impl ConnectionTrait,
    rows: &[visit::Model],
) -> Result<Vec<VisitView>, AppError> {
    let enterprises: HashMap<i64, enterprise::Model> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(rows.iter().map(|r| r.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let townships = lists::names_by_id(db, ListKind::Townships).await?;
    let mut follow_ups = follow_ups_of(db, rows.iter().map(|r| r.id)).await?;
    let officers: Vec<String> = rows.iter().flat_map(|r| list_of(&r.officers)).collect();
    let people = users::real_names(db, &officers).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let company = enterprises.get(&row.enterprise_id);
            let officers = list_of(&row.officers);
            VisitView {
                id: row.id,
                enterprise_id: row.enterprise_id,
                enterprise_name: company.map(|e| e.name.clone()).unwrap_or_default(),
                township: company
                    .and_then(|e| e.township_id)
                    .and_then(|t| townships.get(&t).cloned()),
                visited_on: row.visited_on,
                officer_names: officers
                    .iter()
                    .map(|o| people.get(o).cloned().unwrap_or_else(|| o.clone()))
                    .collect(),
                officers,
                agencies: list_of(&row.agencies),
                topics: list_of(&row.topics),
                materials_count: row.materials_count,
                needs: row.needs.clone(),
                notes: row.notes.clone(),
                follow_ups: follow_ups.remove(&row.id).unwrap_or_default(),
                archived: row.archived_at.is_some(),
                version: row.version,
            }
        })
        .collect())
}

async fn follow_ups_of(
    db: &impl ConnectionTrait,
    ids: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, Vec<FollowUp>>, AppError> {
    let rows = visit_follow_up::Entity::find()
        .filter(visit_follow_up::Column::VisitId.is_in(ids))
        .order_by_asc(visit_follow_up::Column::VisitId)
        .order_by_asc(visit_follow_up::Column::Position)
        .all(db)
        .await?;
    let mut by_visit: HashMap<i64, Vec<FollowUp>> = HashMap::new();
    for row in rows {
        by_visit.entry(row.visit_id).or_default().push(FollowUp {
            action: row.action,
            owner: row.owner,
            due_on: row.due_on,
            done_on: row.done_on,
        });
    }
    Ok(by_visit)
}

async fn row(db: &impl ConnectionTrait, id: i64) -> Result<visit::Model, AppError> {
    visit::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("visits.not_found")))
}

pub async fn view(db: &impl ConnectionTrait, id: i64) -> Result<VisitView, AppError> {
    let row = row(db, id).await?;
    let mut views = views(db, std::slice::from_ref(&row)).await?;
    views
        .pop()
        .ok_or_else(|| AppError::NotFound(Msg::new("visits.not_found")))
}

/// The county's today, which bounds how far ahead a visit may be.
pub async fn today(db: &impl ConnectionTrait) -> Result<NaiveDate, AppError> {
    settings::service::today(db).await
}

/// The enterprise visited: the one with the id, or the one of the name — registered now when
/// there is none (officers meet enterprises the register does not know yet). The flag says
/// whether it was created. The visit's township goes to an enterprise registered now, or to one
/// that has none.
async fn visited_enterprise(
    db: &impl ConnectionTrait,
    actor: &Actor,
    valid: &ValidVisit,
) -> Result<(i64, bool), AppError> {
    let (id, created) = found_or_registered(db, actor, valid).await?;
    if let (false, Some(township)) = (created, &valid.township) {
        crate::enterprises::service::give_township(db, actor, id, township).await?;
    }
    Ok((id, created))
}

async fn found_or_registered(
    db: &impl ConnectionTrait,
    actor: &Actor,
    valid: &ValidVisit,
) -> Result<(i64, bool), AppError> {
    match &valid.enterprise {
        VisitedEnterprise::Id(id) => {
            if crate::enterprises::service::exists(db, *id).await? {
                Ok((*id, false))
            } else {
                Err(field_error(
                    "enterprise_id",
                    Msg::new("visits.error.enterprise_unknown").arg("id", id),
                ))
            }
        }
        VisitedEnterprise::Named(name) => {
            let key = name_key(name);
            let found =
                crate::enterprises::service::ids_by_name_key(db, std::slice::from_ref(&key))
                    .await?;
            if let Some(id) = found.get(&key) {
                return Ok((*id, false));
            }
            let input = EnterpriseInput {
                name: name.clone(),
                township: valid.township.clone(),
                ..EnterpriseInput::default()
            };
            let valid = input
                .validate()
                .map_err(|e| e.renamed_field("name", "enterprise_name"))?;
            let created = crate::enterprises::service::insert(db, actor, &valid).await?;
            Ok((created.id, true))
        }
    }
}

fn fill(
    active: &mut visit::ActiveModel,
    valid: &ValidVisit,
    enterprise_id: i64,
    officers: &[String],
) {
    let topics: Vec<&str> = valid.topics.iter().map(|t| t.as_str()).collect();
    active.enterprise_id = Set(enterprise_id);
    active.visited_on = Set(valid.visited_on);
    active.officers = Set(json_of(officers));
    active.agencies = Set(json_of(&valid.agencies));
    active.topics = Set(json_of(&topics));
    active.materials_count = Set(valid.materials_count);
    active.needs = Set(valid.needs.clone());
    active.notes = Set(valid.notes.clone());
}

async fn write_follow_ups(
    db: &impl ConnectionTrait,
    id: i64,
    follow_ups: &[FollowUp],
) -> Result<(), AppError> {
    visit_follow_up::Entity::delete_many()
        .filter(visit_follow_up::Column::VisitId.eq(id))
        .exec(db)
        .await?;
    if follow_ups.is_empty() {
        return Ok(());
    }
    let rows = follow_ups
        .iter()
        .zip(0..)
        .map(|(f, position)| visit_follow_up::ActiveModel {
            visit_id: Set(id),
            position: Set(position),
            action: Set(f.action.clone()),
            owner: Set(f.owner.clone()),
            due_on: Set(f.due_on),
            done_on: Set(f.done_on),
            ..Default::default()
        });
    visit_follow_up::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// A visit recorded, and whether its enterprise was registered with it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub visit: VisitView,
    pub new_enterprise: bool,
}

/// Records a visit.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &VisitInput,
) -> Result<Recorded, AppError> {
    let validated = input.validate(today(db).await?);
    let valid = lists::with_unknown_township(db, validated, input.township.as_deref()).await?;
    let txn = db::begin_write(db).await?;
    let recorded = insert(&txn, actor, &valid, None).await?;
    txn.commit().await?;
    Ok(recorded)
}

/// Inserts a validated visit within the caller's transaction; `batch` is the import that made it.
pub async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor,
    valid: &ValidVisit,
    batch: Option<i64>,
) -> Result<Recorded, AppError> {
    let (enterprise_id, new_enterprise) = visited_enterprise(db, actor, valid).await?;
    let officers = users::officer_keys(db, &valid.officers).await?;
    let now = Utc::now();
    let mut active = visit::ActiveModel {
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        archived_at: Set(None),
        import_batch_id: Set(batch),
        ..Default::default()
    };
    fill(&mut active, valid, enterprise_id, &officers);
    let row = active.insert(db).await?;
    write_follow_ups(db, row.id, &valid.follow_ups).await?;
    let view = view(db, row.id).await?;
    audit::record(
        db,
        actor,
        Event::new("create", "visit", row.id).with(Changes::created(&view)),
    )
    .await?;
    Ok(Recorded {
        visit: view,
        new_enterprise,
    })
}

async fn locked_at_version(
    db: &impl ConnectionTrait,
    id: i64,
    version: i32,
) -> Result<visit::Model, AppError> {
    let row = visit::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("visits.not_found")))?;
    // The version last read must still be the stored one: else someone changed it meanwhile.
    if row.version != version {
        return Err(AppError::Conflict(Msg::new(
            "visits.changed_by_someone_else",
        )));
    }
    Ok(row)
}

/// Changes a visit last read at `version`.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    version: i32,
    input: &VisitInput,
) -> Result<Recorded, AppError> {
    let validated = input.validate(today(db).await?);
    let valid = lists::with_unknown_township(db, validated, input.township.as_deref()).await?;
    let edit = Edit::begin(db).await?;
    let mut recorded = replace(&edit.txn, actor, (id, version), &valid).await?;
    edit.finish_at(&mut recorded.visit.version, version).await?;
    Ok(recorded)
}

/// Gives the visit `id`, last read at `version`, the values of `valid`, within the caller's
/// transaction (the importer's updates and undo come here too).
pub async fn replace(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    (id, version): (i64, i32),
    valid: &ValidVisit,
) -> Result<Recorded, AppError> {
    let (enterprise_id, new_enterprise) = visited_enterprise(txn, actor, valid).await?;
    let officers = users::officer_keys(txn, &valid.officers).await?;
    let apply = |active: &mut visit::ActiveModel| fill(active, valid, enterprise_id, &officers);
    let visit = change(
        txn,
        actor,
        (id, version),
        "update",
        apply,
        Some(&valid.follow_ups),
    )
    .await?;
    Ok(Recorded {
        visit,
        new_enterprise,
    })
}

/// Archives or restores a visit last read at `version`; archived visits count nowhere.
pub async fn set_archived(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    version: i32,
    archived: bool,
) -> Result<VisitView, AppError> {
    let txn = db::begin_write(db).await?;
    let action = if archived { "archive" } else { "restore" };
    let archive = |active: &mut visit::ActiveModel| {
        active.archived_at = Set(archived.then(Utc::now));
    };
    let after = change(&txn, actor, (id, version), action, archive, None).await?;
    txn.commit().await?;
    Ok(after)
}

/// Changes the visit `id` last read at `version` within `txn`: `apply` sets the new values,
/// `follow_ups` (when given) replaces them; the change is audited as `action`.
async fn change(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    (id, version): (i64, i32),
    action: &str,
    apply: impl FnOnce(&mut visit::ActiveModel),
    follow_ups: Option<&[FollowUp]>,
) -> Result<VisitView, AppError> {
    let old = locked_at_version(txn, id, version).await?;
    let before = view(txn, id).await?;
    let mut active = old.into_active_model();
    apply(&mut active);
    active.version = Set(version + 1);
    active.updated_at = Set(Utc::now());
    active.update(txn).await?;
    if let Some(follow_ups) = follow_ups {
        write_follow_ups(txn, id, follow_ups).await?;
    }
    let after = view(txn, id).await?;
    let changes = Changes::diff(&before, &after);
    audit::record(txn, actor, Event::new(action, "visit", id).with(changes)).await?;
    Ok(after)
}

impl VisitView {
    /// The visit as input again (an undo, a form): its enterprise by id.
    pub fn valid(&self) -> ValidVisit {
        ValidVisit {
            enterprise: VisitedEnterprise::Id(self.enterprise_id),
            visited_on: self.visited_on,
            officers: self.officers.clone(),
            agencies: self.agencies.clone(),
            topics: self.topics.iter().filter_map(|t| Topic::parse(t)).collect(),
            materials_count: self.materials_count,
            needs: self.needs.clone(),
            notes: self.notes.clone(),
            follow_ups: self.follow_ups.clone(),
            township: None,
        }
    }
}
