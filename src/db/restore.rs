//! Putting a SQLite backup back in place of the database, and the lock by which a running server
//! keeps a restore from pulling the file from under it.
//!
//! Every `ipdesk serve` over a SQLite file holds a shared lock on `<file>.lock` beside it for as
//! long as it runs (several may); a restore needs the lock exclusively, so it is refused while any
//! server is up — and the operating system drops the lock of a server that died, so a crash never
//! leaves the database locked out.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

use super::sqlite_path;
use crate::error::AppError;
use crate::i18n::Msg;

/// Held by a running server; dropping it lets a restore proceed.
pub struct ServerLock {
    _file: File,
}

/// Tables whose rows are the officer's records: a database with any of them is not empty.
const RECORD_TABLES: [&str; 9] = [
    "users",
    "townships",
    "patents",
    "enterprises",
    "events",
    "visits",
    "inspections",
    "enforcement_cases",
    "import_batches",
];

fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

fn open_lock(database: &Path) -> Result<File, AppError> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(database))
        .map_err(|error| file_error(&lock_path(database), &error))
}

fn file_error(path: &Path, error: &std::io::Error) -> AppError {
    tracing::error!(%error, path = %path.display(), "restore: file operation failed");
    AppError::BadRequest(
        Msg::new("restore.file_failed")
            .arg("path", path.display())
            .arg("reason", super::FileTrouble::of_io(error).reason()),
    )
}

/// The shared lock a server holds over its SQLite file; `None` on PostgreSQL.
pub fn server_lock(url: &str) -> Result<Option<ServerLock>, AppError> {
    let Some(database) = sqlite_path(url) else {
        return Ok(None);
    };
    if let Some(dir) = super::data_dir(url) {
        let _ = std::fs::create_dir_all(dir);
    }
    let file = open_lock(&database)?;
    match file.try_lock_shared() {
        Ok(()) => Ok(Some(ServerLock { _file: file })),
        // A restore is running right now: starting would read a half-copied file.
        Err(TryLockError::WouldBlock) => Err(AppError::BadRequest(Msg::new("restore.in_progress"))),
        Err(TryLockError::Error(error)) => Err(file_error(&lock_path(&database), &error)),
    }
}

/// What a restore did.
pub struct Restored {
    pub database: PathBuf,
    /// The records the restored database holds, as a check for the person who ran it.
    pub records: i64,
}

/// Replaces the SQLite database of `url` with the backup `source`, after checking the backup is a
/// sound ipdesk database, that no server uses the database and — unless `force` — that the
/// database holds no records that the restore would throw away.
pub async fn restore(url: &str, source: &Path, force: bool) -> Result<Restored, AppError> {
    let Some(target) = sqlite_path(url) else {
        return Err(AppError::BadRequest(Msg::new("restore.postgres")));
    };
    if !source.is_file() {
        return Err(AppError::BadRequest(
            Msg::new("restore.no_file").arg("path", source.display()),
        ));
    }
    if same_file(source, &target) {
        return Err(AppError::BadRequest(Msg::new("restore.same_file")));
    }
    check_backup(source).await?;
    if let Some(dir) = super::data_dir(url) {
        std::fs::create_dir_all(&dir).map_err(|error| file_error(&dir, &error))?;
    }
    let lock = open_lock(&target)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(AppError::BadRequest(Msg::new("restore.server_running")));
        }
        Err(TryLockError::Error(error)) => return Err(file_error(&lock_path(&target), &error)),
    }
    if !force && target.exists() {
        let records = count_records(&format!("sqlite://{}?mode=rw", target.display())).await?;
        if records > 0 {
            return Err(AppError::BadRequest(
                Msg::new("restore.not_empty").arg("records", records),
            ));
        }
    }
    put_in_place(source, &target)?;
    drop(lock);
    // A backup made by an older ipdesk is brought up to date as any database is.
    super::migrate(url).await?;
    let records = count_records(url).await?;
    Ok(Restored {
        database: target,
        records,
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The backup opens read-only, passes SQLite's integrity check and was made by ipdesk.
async fn check_backup(source: &Path) -> Result<(), AppError> {
    let refused =
        || AppError::BadRequest(Msg::new("restore.not_a_backup").arg("path", source.display()));
    // Immutable: a backup is read as it lies, without a write-ahead log of its own.
    let url = format!("sqlite://{}?mode=ro&immutable=true", source.display());
    let db = Database::connect(super::pool_options(url))
        .await
        .map_err(|_| refused())?;
    let check = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .map_err(|_| refused())?
        .and_then(|row| row.try_get_by_index::<String>(0).ok());
    if check.as_deref() != Some("ok") {
        let _ = db.close().await;
        return Err(AppError::BadRequest(
            Msg::new("restore.damaged").arg("path", source.display()),
        ));
    }
    let ours = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT count(*) FROM seaql_migrations",
        ))
        .await
        .ok()
        .flatten()
        .is_some();
    let _ = db.close().await;
    if ours { Ok(()) } else { Err(refused()) }
}

/// How many records the database at `url` holds; 0 for a file that is no ipdesk database yet.
async fn count_records(url: &str) -> Result<i64, AppError> {
    let db = Database::connect(super::pool_options(url)).await?;
    let mut total = 0;
    for table in RECORD_TABLES {
        let sql = format!("SELECT count(*) FROM {table}");
        let row = db
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
            .await;
        // A table missing is a database not (yet) migrated: it holds nothing of ours.
        if let Ok(Some(row)) = row {
            total += row.try_get_by_index::<i64>(0).unwrap_or(0);
        }
    }
    let _ = db.close().await;
    Ok(total)
}

/// Copies the backup beside the database, flushes it to disk, removes the old write-ahead log (it
/// belongs to the old file and must not be replayed onto the new one) and renames the copy over
/// the database: the database is the old one or the new one, never a mixture.
fn put_in_place(source: &Path, target: &Path) -> Result<(), AppError> {
    let mut staging = target.as_os_str().to_owned();
    staging.push(".restoring");
    let staging = PathBuf::from(staging);
    std::fs::copy(source, &staging).map_err(|error| file_error(&staging, &error))?;
    File::open(&staging)
        .and_then(|file| file.sync_all())
        .map_err(|error| file_error(&staging, &error))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = target.as_os_str().to_owned();
        side.push(suffix);
        match std::fs::remove_file(PathBuf::from(&side)) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(file_error(Path::new(&side), &error)),
        }
    }
    std::fs::rename(&staging, target).map_err(|error| file_error(target, &error))
}
