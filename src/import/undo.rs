//! Undoing a batch, in one transaction: records the batch created are deleted (the one exception
//! to "archive, never delete", and audited); records it updated get their before-values back. A
//! record changed since the import is listed as a conflict and left as it is.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde::Serialize;

use super::enterprise_rows::{self, UpdatedEnterprise};
use super::patent_rows::{self, PatentSnapshot};
use super::service;
use crate::audit::{self, Actor, Changes, Event};
use crate::cases::domain::ValidCase;
use crate::db;
use crate::enterprises::domain::name_key;
use crate::entities::{
    case_attachment, case_event, enforcement_case, enterprise, event, event_enterprise,
    import_batch, import_batch_row, inspection, inspection_problem, patent, visit, visit_follow_up,
};
use crate::error::AppError;
use crate::events::service::EventView;
use crate::i18n::Msg;
use crate::inspections::service::InspectionView;
use crate::visits::service::VisitView;

/// A record undo left alone because someone changed it after the import.
#[derive(Clone, Debug, Serialize)]
pub struct Conflict {
    pub entity: String,
    pub id: i64,
    pub msg: Msg,
}

impl Conflict {
    /// `entity` `id` (named `record` to the user) was changed after the import.
    fn changed_since(entity: impl Into<String>, id: i64, record: impl ToString) -> Conflict {
        Conflict {
            entity: entity.into(),
            id,
            msg: Msg::new("import.undo.changed_since").arg("record", record),
        }
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct UndoResult {
    pub batch_id: i64,
    pub deleted: u64,
    pub restored: u64,
    pub conflicts: Vec<Conflict>,
}

/// Undoes a committed batch.
pub async fn undo(
    db: &DatabaseConnection,
    actor: &Actor,
    batch_id: i64,
) -> Result<UndoResult, AppError> {
    let txn = db::begin_write(db).await?;
    let batch = service::batch(&txn, batch_id).await?;
    if batch.state != "committed" {
        return Err(AppError::Conflict(
            Msg::new("import.undo.not_committed")
                .arg("batch", batch_id)
                .arg("state", format!("@import.state.{}", batch.state)),
        ));
    }
    let mut result = UndoResult {
        batch_id,
        ..UndoResult::default()
    };
    undo_created_patents(&txn, batch_id, &mut result).await?;
    // Visits before enterprises: a visit's import may have registered its enterprise.
    undo_created_ledgers(&txn, batch_id, &mut result).await?;
    undo_created_enterprises(&txn, batch_id, &mut result).await?;
    restore_updated(&txn, actor, batch_id, &mut result).await?;
    let mut active: import_batch::ActiveModel = batch.into();
    active.state = Set("undone".to_owned());
    active.undone_at = Set(Some(Utc::now()));
    active.update(&txn).await?;
    let conflicts: Vec<String> = result
        .conflicts
        .iter()
        .map(|c| format!("{} {}", c.entity, c.id))
        .collect();
    let changes = Changes::new()
        .field("deleted", 0, result.deleted)
        .field("restored", 0, result.restored)
        .field("conflicts", Vec::<String>::new(), conflicts);
    audit::record(
        &txn,
        actor,
        Event::new("undo", "import_batch", batch_id).with(changes),
    )
    .await?;
    txn.commit().await?;
    crate::reports::tallies::fold_now(db).await;
    Ok(result)
}

async fn undo_created_patents(
    db: &impl ConnectionTrait,
    batch: i64,
    result: &mut UndoResult,
) -> Result<(), AppError> {
    let created: Vec<(i64, i32, String)> = patent::Entity::find()
        .select_only()
        .column(patent::Column::Id)
        .column(patent::Column::Version)
        .column(patent::Column::ApplicationNumber)
        .filter(patent::Column::ImportBatchId.eq(batch))
        .filter(patent::Column::Source.eq("import"))
        .into_tuple()
        .all(db)
        .await?;
    let mut doomed = Vec::new();
    for (id, version, number) in created {
        if version == 1 {
            doomed.push(id);
        } else {
            result
                .conflicts
                .push(Conflict::changed_since("patent", id, number));
        }
    }
    // PostgreSQL's search rows go with their patents (a foreign key); SQLite's index is a
    // virtual table, which no key reaches, so its rows go first, in one statement: the index
    // writes the deletions it gathers at the end of each statement, and the 200 statements of
    // an undo of 100,000 patents spent a third of its time merging them.
    if db.get_database_backend() == DbBackend::Sqlite && !doomed.is_empty() {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "DELETE FROM patent_search WHERE rowid IN (SELECT id FROM patents \
             WHERE import_batch_id = ? AND source = 'import' AND version = 1)",
            [batch.into()],
        ))
        .await?;
    }
    let dropped = patent_rows::start_bulk_delete(db, doomed.len()).await?;
    for chunk in doomed.chunks(500) {
        patent::Entity::delete_many()
            .filter(patent::Column::Id.is_in(chunk.to_vec()))
            .exec(db)
            .await?;
    }
    if let Some(dropped) = dropped {
        dropped.restore(db).await?;
    }
    result.deleted += doomed.len() as u64;
    Ok(())
}

/// The events, cases, inspections and visits the batch recorded, unless changed since (their
/// version moved on).
async fn undo_created_ledgers(
    db: &impl ConnectionTrait,
    batch: i64,
    result: &mut UndoResult,
) -> Result<(), AppError> {
    undo_created_events(db, batch, result).await?;
    undo_created_cases(db, batch, result).await?;
    undo_created_inspections(db, batch, result).await?;
    undo_created_visits(db, batch, result).await
}

// Each ledger's rows the batch created are deleted with what hangs on them, unless changed since
// (version 1 is as the import wrote it): those are listed as conflicts and kept.

async fn undo_created_events(
    db: &impl ConnectionTrait,
    batch: i64,
    result: &mut UndoResult,
) -> Result<(), AppError> {
    let events = event::Entity::find()
        .filter(event::Column::ImportBatchId.eq(batch))
        .all(db)
        .await?;
    for row in events {
        if row.version == 1 {
            event_enterprise::Entity::delete_many()
                .filter(event_enterprise::Column::EventId.eq(row.id))
                .exec(db)
                .await?;
            event::Entity::delete_by_id(row.id).exec(db).await?;
            result.deleted += 1;
        } else {
            result
                .conflicts
                .push(Conflict::changed_since("event", row.id, &row.title));
        }
    }
    Ok(())
}

async fn undo_created_cases(
    db: &impl ConnectionTrait,
    batch: i64,
    result: &mut UndoResult,
) -> Result<(), AppError> {
    let cases = enforcement_case::Entity::find()
        .filter(enforcement_case::Column::ImportBatchId.eq(batch))
        .all(db)
        .await?;
    for row in cases {
        // Steps recorded since, or a change, make the case the officer's now.
        if row.version == 1 {
            case_attachment::Entity::delete_many()
                .filter(case_attachment::Column::CaseId.eq(row.id))
                .exec(db)
                .await?;
            case_event::Entity::delete_many()
                .filter(case_event::Column::CaseId.eq(row.id))
                .exec(db)
                .await?;
            enforcement_case::Entity::delete_by_id(row.id)
                .exec(db)
                .await?;
            result.deleted += 1;
        } else {
            result
                .conflicts
                .push(Conflict::changed_since("case", row.id, &row.case_number));
        }
    }
    Ok(())
}

async fn undo_created_inspections(
    db: &impl ConnectionTrait,
    batch: i64,
    result: &mut UndoResult,
) -> Result<(), AppError> {
    let inspections = inspection::Entity::find()
        .filter(inspection::Column::ImportBatchId.eq(batch))
        .all(db)
        .await?;
    for row in inspections {
        if row.version == 1 {
            inspection_problem::Entity::delete_many()
                .filter(inspection_problem::Column::InspectionId.eq(row.id))
                .exec(db)
                .await?;
            inspection::Entity::delete_by_id(row.id).exec(db).await?;
            result.deleted += 1;
        } else {
            result
                .conflicts
                .push(Conflict::changed_since("inspection", row.id, &row.title));
        }
    }
    Ok(())
}

async fn undo_created_visits(
    db: &impl ConnectionTrait,
    batch: i64,
    result: &mut UndoResult,
) -> Result<(), AppError> {
    let visits = visit::Entity::find()
        .filter(visit::Column::ImportBatchId.eq(batch))
        .all(db)
        .await?;
    for row in visits {
        if row.version == 1 {
            visit_follow_up::Entity::delete_many()
                .filter(visit_follow_up::Column::VisitId.eq(row.id))
                .exec(db)
                .await?;
            visit::Entity::delete_by_id(row.id).exec(db).await?;
            result.deleted += 1;
        } else {
            result.conflicts.push(Conflict::changed_since(
                "visit",
                row.id,
                format!("{} {}", row.visited_on, row.id),
            ));
        }
    }
    Ok(())
}

async fn undo_created_enterprises(
    db: &impl ConnectionTrait,
    batch: i64,
    result: &mut UndoResult,
) -> Result<(), AppError> {
    let created = enterprise::Entity::find()
        .filter(enterprise::Column::ImportBatchId.eq(batch))
        .all(db)
        .await?;
    for row in created {
        // A visit recorded since (by hand) keeps its enterprise.
        let visited = visit::Entity::find()
            .filter(visit::Column::EnterpriseId.eq(row.id))
            .count(db)
            .await?
            > 0;
        if row.version == 1 && !visited {
            enterprise_rows::unlink(db, row.id).await?;
            enterprise::Entity::delete_by_id(row.id).exec(db).await?;
            result.deleted += 1;
        } else {
            result
                .conflicts
                .push(Conflict::changed_since("enterprise", row.id, &row.name));
        }
    }
    Ok(())
}

/// The batch's records of updates are read this many at a time, and its patents restored in
/// multi-row statements of as many: an import may have updated a hundred thousand.
const RESTORE_PAGE: u64 = 1_000;

async fn restore_updated(
    db: &impl ConnectionTrait,
    actor: &Actor,
    batch: i64,
    result: &mut UndoResult,
) -> Result<(), AppError> {
    // One time for the whole undo, as for the import it undoes (see `write_snapshots`).
    let at = chrono::Utc::now();
    let mut after = 0;
    loop {
        let rows = import_batch_row::Entity::find()
            .filter(import_batch_row::Column::BatchId.eq(batch))
            .filter(import_batch_row::Column::Id.gt(after))
            .order_by_asc(import_batch_row::Column::Id)
            .limit(RESTORE_PAGE)
            .all(db)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.id;
        let (patents, others): (Vec<_>, Vec<_>) =
            rows.into_iter().partition(|row| row.entity == "patent");
        restore_patents(db, &patents, at, result).await?;
        for row in others {
            let restored = match row.entity.as_str() {
                "event" | "visit" | "inspection" | "case" => {
                    restore_ledger(db, actor, &row, result).await?
                }
                _ => restore_enterprise(db, &row, result).await?,
            };
            result.restored += u64::from(restored);
        }
    }
}

/// Gives patents the batch updated their values from before, except those changed since
/// (conflicts) or gone.
async fn restore_patents(
    db: &impl ConnectionTrait,
    rows: &[import_batch_row::Model],
    at: chrono::DateTime<Utc>,
    result: &mut UndoResult,
) -> Result<(), AppError> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = rows.iter().map(|row| row.entity_id).collect();
    let stored = patent_rows::fetch_by_ids(db, &ids).await?;
    let by_id: std::collections::HashMap<i64, (&String, &PatentSnapshot)> = stored
        .iter()
        .map(|(number, now)| (now.id, (number, now)))
        .collect();
    let mut restores = Vec::new();
    for row in rows {
        let Some(&(number, now)) = by_id.get(&row.entity_id) else {
            continue;
        };
        if now.version != row.after_version {
            result
                .conflicts
                .push(Conflict::changed_since("patent", row.entity_id, number));
            continue;
        }
        let before: PatentSnapshot =
            serde_json::from_str(&row.before).map_err(|e| AppError::Internal(e.to_string()))?;
        restores.push((number.as_str(), before, now));
    }
    let writes: Vec<_> = restores
        .iter()
        .map(|(number, before, now)| patent_rows::SnapshotWrite {
            number,
            snapshot: before,
            current: now,
            version_after: before.version,
        })
        .collect();
    patent_rows::write_snapshots(db, &writes, at).await?;
    result.restored += writes.len() as u64;
    Ok(())
}

/// Gives an enterprise the batch updated its values from before, unless changed since; says
/// whether it did.
async fn restore_enterprise(
    db: &impl ConnectionTrait,
    row: &import_batch_row::Model,
    result: &mut UndoResult,
) -> Result<bool, AppError> {
    let Some(current) = enterprise::Entity::find_by_id(row.entity_id)
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    if current.version != row.after_version {
        result.conflicts.push(Conflict::changed_since(
            "enterprise",
            row.entity_id,
            &current.name,
        ));
        return Ok(false);
    }
    let updated: UpdatedEnterprise =
        serde_json::from_str(&row.before).map_err(|e| AppError::Internal(e.to_string()))?;
    let before = &updated.before;
    enterprise_rows::write_snapshot(db, before, before.version).await?;
    if let Some(added) = updated.added_name.as_deref()
        && name_key(added) != name_key(&before.name)
    {
        crate::enterprises::service::forget_name(db, before.id, added).await?;
    }
    Ok(true)
}

/// Gives an event or a visit the batch updated its values from before, unless changed since;
/// says whether it did. The restore is a change of its own (audited, a new version).
async fn restore_ledger(
    db: &impl ConnectionTrait,
    actor: &Actor,
    row: &import_batch_row::Model,
    result: &mut UndoResult,
) -> Result<bool, AppError> {
    let bad = |e: serde_json::Error| AppError::Internal(e.to_string());
    let conflict = |result: &mut UndoResult, record: String| {
        result.conflicts.push(Conflict::changed_since(
            row.entity.clone(),
            row.entity_id,
            record,
        ));
    };
    if row.entity == "case" {
        let Some(current) = enforcement_case::Entity::find_by_id(row.entity_id)
            .one(db)
            .await?
        else {
            return Ok(false);
        };
        if current.version != row.after_version {
            conflict(result, current.case_number);
            return Ok(false);
        }
        let before: ValidCase = serde_json::from_str(&row.before).map_err(bad)?;
        let at = (current.id, current.version);
        crate::cases::service::replace(db, actor, at, &before).await?;
    } else if row.entity == "inspection" {
        let Some(current) = inspection::Entity::find_by_id(row.entity_id)
            .one(db)
            .await?
        else {
            return Ok(false);
        };
        if current.version != row.after_version {
            conflict(result, current.title);
            return Ok(false);
        }
        let before: InspectionView = serde_json::from_str(&row.before).map_err(bad)?;
        let at = (current.id, current.version);
        crate::inspections::service::replace(db, actor, at, &before.valid()).await?;
    } else if row.entity == "event" {
        let Some(current) = event::Entity::find_by_id(row.entity_id).one(db).await? else {
            return Ok(false);
        };
        if current.version != row.after_version {
            conflict(result, current.title);
            return Ok(false);
        }
        let before: EventView = serde_json::from_str(&row.before).map_err(bad)?;
        let at = (current.id, current.version);
        crate::events::service::replace(db, actor, at, &before.valid()).await?;
    } else {
        let Some(current) = visit::Entity::find_by_id(row.entity_id).one(db).await? else {
            return Ok(false);
        };
        if current.version != row.after_version {
            conflict(result, format!("{} {}", current.visited_on, current.id));
            return Ok(false);
        }
        let before: VisitView = serde_json::from_str(&row.before).map_err(bad)?;
        let at = (current.id, current.version);
        crate::visits::service::replace(db, actor, at, &before.valid()).await?;
    }
    Ok(true)
}

/// An import as the API and `ipdesk import list --json` give it; `names` are the users' real
/// names by id (`service::user_names`).
pub fn batch_json(batch: &import_batch::Model, names: &HashMap<i64, String>) -> serde_json::Value {
    serde_json::json!({
        "batch_id": batch.id,
        "register": batch.register,
        "file": batch.file_name,
        "sha256": batch.sha256,
        "user": batch.actor,
        "user_name": batch.user_id.and_then(|id| names.get(&id)),
        "created_at": batch.created_at,
        "committed_at": batch.committed_at,
        "undone_at": batch.undone_at,
        "state": batch.state,
        "policy": batch.policy,
        "counts": serde_json::from_str::<serde_json::Value>(&batch.counts).unwrap_or_default(),
    })
}
