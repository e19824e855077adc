//! Recording publicity events: create, change (at the version last read), archive, each in one
//! transaction with its audit entry; the enterprises that took part must exist.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use super::domain::{EventInput, EventKind, ValidEvent};
use crate::audit::edit::Edit;
use crate::audit::{self, Actor, Changes, Event};
use crate::enterprises::domain::name_key;
use crate::entities::{enterprise, event, event_enterprise};
use crate::error::{AppError, field_error};
use crate::i18n::Msg;
use crate::{db, settings};

/// The id in a path; anything but a number is no such record.
pub fn parse_id(raw: &str) -> Result<i64, AppError> {
    crate::error::record_id(raw, "events.not_found")
}

/// An enterprise that took part, by id and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub id: i64,
    pub name: String,
}

/// An event as the pages and the API show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub location: Option<String>,
    pub lead_unit: Option<String>,
    pub co_organisers: Vec<String>,
    pub audience: Option<String>,
    pub attendees: Option<i64>,
    pub materials_count: Option<i64>,
    pub consultations: Option<i64>,
    pub enterprise_ids: Vec<i64>,
    pub enterprises: Vec<Participant>,
    pub summary: Option<String>,
    pub notes: Option<String>,
    pub archived: bool,
    pub version: i32,
}

impl EventView {
    pub fn new(row: &event::Model, enterprises: Vec<Participant>) -> EventView {
        EventView {
            id: row.id,
            kind: row.kind.clone(),
            title: row.title.clone(),
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            location: row.location.clone(),
            lead_unit: row.lead_unit.clone(),
            co_organisers: serde_json::from_str(&row.co_organisers).unwrap_or_default(),
            audience: row.audience.clone(),
            attendees: row.attendees,
            materials_count: row.materials_count,
            consultations: row.consultations,
            enterprise_ids: enterprises.iter().map(|e| e.id).collect(),
            enterprises,
            summary: row.summary.clone(),
            notes: row.notes.clone(),
            archived: row.archived_at.is_some(),
            version: row.version,
        }
    }

    /// The event as input again (an undo, a comparison with an imported row).
    pub fn valid(&self) -> ValidEvent {
        ValidEvent {
            kind: self.kind().unwrap_or(EventKind::Other),
            title: self.title.clone(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            location: self.location.clone(),
            lead_unit: self.lead_unit.clone(),
            co_organisers: self.co_organisers.clone(),
            audience: self.audience.clone(),
            attendees: self.attendees,
            materials_count: self.materials_count,
            consultations: self.consultations,
            enterprise_ids: self.enterprise_ids.clone(),
            summary: self.summary.clone(),
            notes: self.notes.clone(),
        }
    }

    /// The kind, when it is one the register knows.
    pub fn kind(&self) -> Option<EventKind> {
        EventKind::parse(&self.kind)
    }
}

async fn row(db: &impl ConnectionTrait, id: i64) -> Result<event::Model, AppError> {
    event::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("events.not_found")))
}

/// The enterprises that took part in an event, by name.
async fn participants(db: &impl ConnectionTrait, id: i64) -> Result<Vec<Participant>, AppError> {
    let ids: Vec<i64> = event_enterprise::Entity::find()
        .filter(event_enterprise::Column::EventId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|link| link.enterprise_id)
        .collect();
    Ok(enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(ids))
        .order_by_asc(enterprise::Column::SortKey)
        .all(db)
        .await?
        .into_iter()
        .map(|e| Participant {
            id: e.id,
            name: e.name,
        })
        .collect())
}

pub async fn view(db: &impl ConnectionTrait, id: i64) -> Result<EventView, AppError> {
    let row = row(db, id).await?;
    Ok(EventView::new(&row, participants(db, id).await?))
}

/// The county's today, which bounds how far ahead an event may be.
async fn today(db: &impl ConnectionTrait) -> Result<NaiveDate, AppError> {
    settings::service::today(db).await
}

/// The enterprises these names (as people write them) belong to, in order; a name that is no
/// enterprise's is the `enterprises` field's error (the form names them, the API gives ids).
pub async fn enterprises_named(
    db: &impl ConnectionTrait,
    names: &[String],
) -> Result<Vec<i64>, AppError> {
    let keys: Vec<String> = names.iter().map(|n| name_key(n)).collect();
    let found = crate::enterprises::service::ids_by_name_key(db, &keys).await?;
    names
        .iter()
        .zip(&keys)
        .map(|(name, key)| {
            found.get(key).copied().ok_or_else(|| {
                field_error(
                    "enterprises",
                    Msg::new("events.error.enterprise_name_unknown").arg("name", name),
                )
            })
        })
        .collect()
}

/// Refuses enterprise ids that name no enterprise.
async fn ensure_enterprises(db: &impl ConnectionTrait, ids: &[i64]) -> Result<(), AppError> {
    let found: Vec<i64> = enterprise::Entity::find()
        .select_only()
        .column(enterprise::Column::Id)
        .filter(enterprise::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    match ids.iter().find(|id| !found.contains(id)) {
        Some(missing) => Err(field_error(
            "enterprise_ids",
            Msg::new("events.error.enterprise_unknown").arg("id", missing),
        )),
        None => Ok(()),
    }
}

fn fill(active: &mut event::ActiveModel, valid: &ValidEvent) {
    active.kind = Set(valid.kind.as_str().to_owned());
    active.title = Set(valid.title.clone());
    active.starts_on = Set(valid.starts_on);
    active.ends_on = Set(valid.ends_on);
    active.location = Set(valid.location.clone());
    active.lead_unit = Set(valid.lead_unit.clone());
    active.co_organisers =
        Set(serde_json::to_string(&valid.co_organisers).unwrap_or_else(|_| "[]".into()));
    active.audience = Set(valid.audience.clone());
    active.attendees = Set(valid.attendees);
    active.materials_count = Set(valid.materials_count);
    active.consultations = Set(valid.consultations);
    active.summary = Set(valid.summary.clone());
    active.notes = Set(valid.notes.clone());
}

async fn write_participants(
    db: &impl ConnectionTrait,
    id: i64,
    enterprise_ids: &[i64],
) -> Result<(), AppError> {
    event_enterprise::Entity::delete_many()
        .filter(event_enterprise::Column::EventId.eq(id))
        .exec(db)
        .await?;
    if enterprise_ids.is_empty() {
        return Ok(());
    }
    let rows = enterprise_ids
        .iter()
        .map(|enterprise_id| event_enterprise::ActiveModel {
            event_id: Set(id),
            enterprise_id: Set(*enterprise_id),
        });
    event_enterprise::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Records an event.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &EventInput,
) -> Result<EventView, AppError> {
    let valid = input.validate(today(db).await?)?;
    let txn = db::begin_write(db).await?;
    let view = insert(&txn, actor, &valid, None).await?;
    txn.commit().await?;
    Ok(view)
}

/// Inserts a validated event within the caller's transaction; `batch` is the import that made it.
pub async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor,
    valid: &ValidEvent,
    batch: Option<i64>,
) -> Result<EventView, AppError> {
    ensure_enterprises(db, &valid.enterprise_ids).await?;
    let now = Utc::now();
    let mut active = event::ActiveModel {
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        archived_at: Set(None),
        import_batch_id: Set(batch),
        ..Default::default()
    };
    fill(&mut active, valid);
    let row = active.insert(db).await?;
    write_participants(db, row.id, &valid.enterprise_ids).await?;
    let view = EventView::new(&row, participants(db, row.id).await?);
    audit::record(
        db,
        actor,
        Event::new("create", "event", row.id).with(Changes::created(&view)),
    )
    .await?;
    Ok(view)
}

async fn locked_at_version(
    db: &impl ConnectionTrait,
    id: i64,
    version: i32,
) -> Result<event::Model, AppError> {
    let row = event::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("events.not_found")))?;
    // The version last read must still be the stored one: else someone changed it meanwhile.
    if row.version != version {
        return Err(AppError::Conflict(
            Msg::new("events.changed_by_someone_else").arg("title", &row.title),
        ));
    }
    Ok(row)
}

/// Changes an event last read at `version`.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    version: i32,
    input: &EventInput,
) -> Result<EventView, AppError> {
    let valid = input.validate(today(db).await?)?;
    let edit = Edit::begin(db).await?;
    let mut after = replace(&edit.txn, actor, (id, version), &valid).await?;
    edit.finish_at(&mut after.version, version).await?;
    Ok(after)
}

/// Gives the event `id`, last read at `version`, the values of `valid`, within the caller's
/// transaction (the importer's updates and undo come here too).
pub async fn replace(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    (id, version): (i64, i32),
    valid: &ValidEvent,
) -> Result<EventView, AppError> {
    ensure_enterprises(txn, &valid.enterprise_ids).await?;
    let fields = |active: &mut event::ActiveModel| fill(active, valid);
    let ids = Some(valid.enterprise_ids.as_slice());
    change(txn, actor, (id, version), "update", fields, ids).await
}

/// Archives or restores an event last read at `version`; archived events count nowhere.
pub async fn set_archived(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    version: i32,
    archived: bool,
) -> Result<EventView, AppError> {
    let txn = db::begin_write(db).await?;
    let action = if archived { "archive" } else { "restore" };
    let archive = |active: &mut event::ActiveModel| {
        active.archived_at = Set(archived.then(Utc::now));
    };
    let after = change(&txn, actor, (id, version), action, archive, None).await?;
    txn.commit().await?;
    Ok(after)
}

/// Changes the event `id` last read at `version` within `txn`: `apply` sets the new values,
/// `enterprise_ids` (when given) replaces who took part; the change is audited as `action`.
async fn change(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    (id, version): (i64, i32),
    action: &str,
    apply: impl FnOnce(&mut event::ActiveModel),
    enterprise_ids: Option<&[i64]>,
) -> Result<EventView, AppError> {
    let old = locked_at_version(txn, id, version).await?;
    let before = EventView::new(&old, participants(txn, id).await?);
    let mut active = old.into_active_model();
    apply(&mut active);
    active.version = Set(version + 1);
    active.updated_at = Set(Utc::now());
    let row = active.update(txn).await?;
    if let Some(enterprise_ids) = enterprise_ids {
        write_participants(txn, id, enterprise_ids).await?;
    }
    let after = EventView::new(&row, participants(txn, id).await?);
    let changes = Changes::diff(&before, &after);
    audit::record(txn, actor, Event::new(action, "event", id).with(changes)).await?;
    Ok(after)
}
