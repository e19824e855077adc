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
    audit_entry, case_attachment, case_event, enforcement_case, enterprise, event,
    event_enterprise, import_batch, import_batch_row, inspection, inspection_problem, patent,
    visit, visit_follow_up,
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

/// Where the audit log stood when the batch was committed: what officers did to its records since
/// is logged after it.
struct Since(i64);

impl Since {
    /// The batch's own entry (its commit); without one, nothing counts as undisturbed.
    async fn commit_of(db: &impl ConnectionTrait, batch: i64) -> Result<Since, AppError> {
        let id: Option<i64> = audit_entry::Entity::find()
            .select_only()
            .column(audit_entry::Column::Id)
            .filter(audit_entry::Column::Entity.eq("import_batch"))
            .filter(audit_entry::Column::EntityId.eq(batch.to_string()))
            .filter(audit_entry::Column::Action.eq("import"))
            .order_by_desc(audit_entry::Column::Id)
            .into_tuple()
            .one(db)
            .await?;
        Ok(Since(id.unwrap_or(i64::MAX)))
    }

    /// Whether a record the batch left at version `left`, now at `now`, was changed since. An
    /// officer who archived it and restored it again moved its version but left its values the
    /// batch's: that is no change. Each archiving and restoring is one logged entry and one
    /// version, so a version moved any other way (another import) still counts.
    async fn changed(
        &self,
        db: &impl ConnectionTrait,
        entity: &str,
        id: i64,
        (now, left): (i32, i32),
    ) -> Result<bool, AppError> {
        if now == left {
            return Ok(false);
        }
        let actions: Vec<String> = audit_entry::Entity::find()
            .select_only()
            .column(audit_entry::Column::Action)
            .filter(audit_entry::Column::Entity.eq(entity))
            .filter(audit_entry::Column::EntityId.eq(id.to_string()))
            .filter(audit_entry::Column::Id.gt(self.0))
            .order_by_asc(audit_entry::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        Ok(!archived_and_restored(&actions, now - left))
    }
}

/// Whether `actions` are archive-then-restore pairs, as many as the `moved` versions.
fn archived_and_restored(actions: &[String], moved: i32) -> bool {
    let pairs = actions.chunks(2).all(|pair| pair == ["archive", "restore"]);
    pairs && !actions.is_empty() && usize::try_from(moved).is_ok_and(|m| m == actions.len())
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
    let since = Since::commit_of(&txn, batch_id).await?;
    undo_created_patents(&txn, (batch_id, &since), &mut result).await?;
    // Visits before enterprises: a visit's import may have registered its enterprise.
    undo_created_ledgers(&txn, (batch_id, &since), &mut result).await?;
    undo_created_enterprises(&txn, (batch_id, &since), &mut result).await?;
    restore_updated(&txn, actor, (batch_id, &since), &mut result).await?;
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
    (batch, since): (i64, &Since),
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
    // Archived and restored since: not at version 1, so not in the search rows' statement below.
    let mut restored = Vec::new();
    for (id, version, number) in created {
        if version == 1 {
            doomed.push(id);
        } else if !since.changed(db, "patent", id, (version, 1)).await? {
            restored.push(id);
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
    if db.get_database_backend() == DbBackend::Sqlite && !restored.is_empty() {
        crate::db::delete_where_in(db, "patent_search", "rowid", restored.clone()).await?;
    }
    doomed.extend(restored);
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

/// The events, cases, inspections and visits the batch recorded, unless changed since (see
/// [`Since::changed`]).
async fn undo_created_ledgers(
    db: &impl ConnectionTrait,
    (batch, since): (i64, &Since),
    result: &mut UndoResult,
) -> Result<(), AppError> {
    undo_created_events(db, (batch, since), result).await?;
    undo_created_cases(db, (batch, since), result).await?;
    undo_created_inspections(db, (batch, since), result).await?;
    undo_created_visits(db, (batch, since), result).await
}

// Each ledger's rows the batch created are deleted with what hangs on them, unless changed since
// (version 1 is as the import wrote it; archived and restored again is no change): those are
// listed as conflicts and kept.

async fn undo_created_events(
    db: &impl ConnectionTrait,
    (batch, since): (i64, &Since),
    result: &mut UndoResult,
) -> Result<(), AppError> {
    let events = event::Entity::find()
        .filter(event::Column::ImportBatchId.eq(batch))
        .all(db)
        .await?;
    for row in events {
        if !since.changed(db, "event", row.id, (row.version, 1)).await? {
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
    (batch, since): (i64, &Since),
    result: &mut UndoResult,
) -> Result<(), AppError> {
    let cases = enforcement_case::Entity::find()
        .filter(enforcement_case::Column::ImportBatchId.eq(batch))
        .all(db)
        .await?;
    for row in cases {
        // Steps recorded since, or a change, make the case the officer's now.
        if !since.changed(db, "case", row.id, (row.version, 1)).await? {
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
    (batch, since): (i64, &Since),
    result: &mut UndoResult,
) -> Result<(), AppError> {
    let inspections = inspection::Entity::find()
        .filter(inspection::Column::ImportBatchId.eq(batch))
        .all(db)
        .await?;
    for row in inspections {
        if !since
            .changed(db, "inspection", row.id, (row.version, 1))
            .await?
        {
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
    (batch, since): (i64, &Since),
    result: &mut UndoResult,
) -> Result<(), AppError> {
    let visits = visit::Entity::find()
        .filter(visit::Column::ImportBatchId.eq(batch))
        .all(db)
        .await?;
    for row in visits {
        if !since.changed(db, "visit", row.id, (row.version, 1)).await? {
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
    (batch, since): (i64, &Since),
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
        if !visited
            && !since
                .changed(db, "enterprise", row.id, (row.version, 1))
                .await?
        {
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
    (batch, since): (i64, &Since),
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
        restore_patents(db, (&patents, since), at, result).await?;
        for row in others {
            let restored = match row.entity.as_str() {
                "event" | "visit" | "inspection" | "case" => {
                    restore_ledger(db, actor, (&row, since), result).await?
                }
                _ => restore_enterprise(db, (&row, since), result).await?,
            };
            result.restored += u64::from(restored);
        }
    }
}

/// Gives patents the batch updated their values from before, except those changed since
/// (conflicts) or gone.
async fn restore_patents(
    db: &impl ConnectionTrait,
    (rows, since): (&[import_batch_row::Model], &Since),
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
        let versions = (now.version, row.after_version);
        if since.changed(db, "patent", row.entity_id, versions).await? {
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
    (row, since): (&import_batch_row::Model, &Since),
    result: &mut UndoResult,
) -> Result<bool, AppError> {
    let Some(current) = enterprise::Entity::find_by_id(row.entity_id)
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let versions = (current.version, row.after_version);
    if since
        .changed(db, "enterprise", row.entity_id, versions)
        .await?
    {
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
    (row, since): (&import_batch_row::Model, &Since),
    result: &mut UndoResult,
) -> Result<bool, AppError> {
    let changed =
        |now: i32| since.changed(db, &row.entity, row.entity_id, (now, row.after_version));
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
        if changed(current.version).await? {
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
        if changed(current.version).await? {
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
        if changed(current.version).await? {
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
        if changed(current.version).await? {
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

#[cfg(test)]
mod tests {
    use super::archived_and_restored;

    #[test]
    fn only_archiving_undone_again_leaves_a_record_the_batchs() {
        for (actions, moved, undisturbed) in [
            (vec!["archive", "restore"], 2, true),
            (vec!["archive", "restore", "archive", "restore"], 4, true),
            // Archived still: the officer's doing.
            (vec!["archive"], 1, false),
            (vec!["archive", "restore", "archive"], 3, false),
            (vec!["update"], 1, false),
            (vec!["archive", "update", "restore"], 3, false),
            (vec!["restore", "archive"], 2, false),
            // A version moved with no entry of its own: another import wrote it.
            (vec!["archive", "restore"], 3, false),
            (vec![], 1, false),
        ] {
            let actions: Vec<String> = actions.iter().map(|a| a.to_string()).collect();
            assert_eq!(
                archived_and_restored(&actions, moved),
                undisturbed,
                "{actions:?} over {moved} versions"
            );
        }
    }
}
