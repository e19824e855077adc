//! A copy of the whole database, for an administrator to keep: downloaded from the settings page
//! or the API, or written to a file by `ipdesk backup`. Each copy is audited: it holds every
//! case's parties and every officer's name, so who took one matters.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::audit::{self, Actor, Event};
use crate::error::AppError;
use crate::i18n::Msg;

/// A finished copy, open for reading. Its file has no name left on disk: the folder it was made in
/// is removed once it is opened, so nothing lingers however the download ends.
pub struct BackupCopy {
    /// The name to save it under: `ipdesk-backup-20261130-1305.sqlite`.
    pub name: String,
    pub file: std::fs::File,
    pub len: u64,
}

/// Makes a consistent copy of the SQLite database (one snapshot, while others keep writing) and
/// records who took it. PostgreSQL is backed up with pg_dump: refused with the command to use.
pub async fn copy_for_download(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<BackupCopy, AppError> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(AppError::BadRequest(Msg::new("backup.postgres")));
    }
    let folder = scratch_folder(db).await?;
    let path = folder.path().join("ipdesk.sqlite");
    crate::db::backup(db, &path).await?;
    let file = std::fs::File::open(&path).map_err(|e| unreadable(&path, e))?;
    let len = file.metadata().map_err(|e| unreadable(&path, e))?.len();
    drop(folder);
    let timezone = crate::settings::service::load(db).await?.timezone;
    let name = format!(
        "ipdesk-backup-{}.sqlite",
        crate::clock::file_stamp(Utc::now(), timezone)
    );
    record(db, actor, &name).await?;
    Ok(BackupCopy { name, file, len })
}

/// `ipdesk backup FILE`: the copy written where the administrator says, audited like a download.
pub async fn copy_to_file(
    db: &DatabaseConnection,
    actor: &Actor,
    target: &Path,
) -> Result<(), AppError> {
    crate::db::backup(db, target).await?;
    record(db, actor, &target.display().to_string()).await
}

async fn record(db: &DatabaseConnection, actor: &Actor, file: &str) -> Result<(), AppError> {
    let changes = audit::Changes::new().field("file", None::<String>, file);
    audit::record(
        db,
        actor,
        Event::without_id("backup", "database").with(changes),
    )
    .await
}

/// The dashboard asks an administrator for a copy when none was taken for this many days: a
/// month of registers is what a lost disk would cost at most.
pub const REMIND_AFTER_DAYS: i64 = 30;

/// Why the dashboard asks for a copy.
#[derive(Debug, PartialEq, Eq)]
pub enum Reminder {
    /// The desk holds records and no copy was ever taken.
    Never,
    /// The last copy is this many days old.
    DaysAgo(i64),
}

/// Whether to ask for a copy now, given when the last was taken. An empty desk has nothing to
/// lose yet.
pub fn reminder(last: Option<DateTime<Utc>>, now: DateTime<Utc>, empty: bool) -> Option<Reminder> {
    match last {
        None if empty => None,
        None => Some(Reminder::Never),
        Some(at) => {
            let days = (now - at).num_days();
            (days >= REMIND_AFTER_DAYS).then_some(Reminder::DaysAgo(days))
        }
    }
}

/// Whether the dashboard asks this person for a copy now: only an administrator can take one, and
/// only of an SQLite database (PostgreSQL is backed up with pg_dump by whoever runs the server).
pub async fn reminder_for(
    db: &DatabaseConnection,
    role: Option<crate::auth::Role>,
    empty: bool,
) -> Result<Option<Reminder>, AppError> {
    let sqlite = db.get_database_backend() == DbBackend::Sqlite;
    if role != Some(crate::auth::Role::Admin) || !sqlite {
        return Ok(None);
    }
    Ok(reminder(last_taken(db).await?, Utc::now(), empty))
}

/// When the last copy was taken, downloaded or written, as the audit log says.
pub async fn last_taken(db: &DatabaseConnection) -> Result<Option<DateTime<Utc>>, AppError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let entry = crate::entities::audit_entry::Entity::find()
        .filter(crate::entities::audit_entry::Column::Entity.eq("database"))
        .filter(crate::entities::audit_entry::Column::Action.eq("backup"))
        .order_by_desc(crate::entities::audit_entry::Column::At)
        .one(db)
        .await?;
    Ok(entry.map(|e| e.at))
}

/// A folder beside the database for the copy (the system's temporary folder may be too small for
/// it), removed when dropped.
async fn scratch_folder(db: &DatabaseConnection) -> Result<tempfile::TempDir, AppError> {
    let beside = main_file(db).await?.and_then(|file| {
        file.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
    });
    let made = match &beside {
        Some(folder) => tempfile::Builder::new()
            .prefix(".ipdesk-backup-")
            .tempdir_in(folder),
        None => tempfile::Builder::new().prefix("ipdesk-backup-").tempdir(),
    };
    made.map_err(|e| {
        let folder = beside.unwrap_or_else(std::env::temp_dir);
        unreadable(&folder, e)
    })
}

/// The database's own file, as SQLite names it; `None` for a database in memory.
async fn main_file(db: &DatabaseConnection) -> Result<Option<PathBuf>, AppError> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT file FROM pragma_database_list WHERE name = 'main'",
        ))
        .await?;
    let file: Option<String> = match row {
        Some(row) => row.try_get_by_index(0)?,
        None => None,
    };
    Ok(file.filter(|f| !f.is_empty()).map(PathBuf::from))
}

fn unreadable(path: &Path, error: std::io::Error) -> AppError {
    tracing::error!(%error, path = %path.display(), "backup copy failed");
    // As the restore does: the administrator can act on the reason (a full disk, a read-only
    // folder), so it is said rather than hidden behind a server error.
    crate::db::FileTrouble::of_io(&error).backup_failed(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_copy_is_asked_for_when_none_is_a_month_old() {
        let at = |day: u32| Utc.with_ymd_and_hms(2026, 11, day, 9, 0, 0).single();
        let now = at(30).unwrap_or_default();
        // (last copy, desk empty, reminder)
        let cases = [
            (None, true, None),
            (None, false, Some(Reminder::Never)),
            (at(1), false, None),
            (at(1), true, None),
            (
                Utc.with_ymd_and_hms(2026, 10, 31, 9, 0, 0).single(),
                false,
                Some(Reminder::DaysAgo(30)),
            ),
            (
                Utc.with_ymd_and_hms(2025, 11, 30, 9, 0, 0).single(),
                false,
                Some(Reminder::DaysAgo(365)),
            ),
        ];
        for (last, empty, expected) in cases {
            assert_eq!(reminder(last, now, empty), expected, "{last:?} {empty}");
        }
    }
}
