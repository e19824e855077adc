//! Opening the database (SQLite by default, PostgreSQL when the URL says so), applying migrations
//! safely when several processes start at once, health checks and backups.

use std::path::PathBuf;
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgSslMode};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, IsolationLevel, RuntimeErr, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};

use crate::error::AppError;
use crate::i18n::Msg;

mod backup;
mod bulk;
pub mod copy;
pub mod restore;
pub mod stamp;
pub use backup::{FileTrouble, backup};
pub use bulk::{
    Dropped, NAMES_PER_LOOKUP, delete_where_in, insert_rows, insert_rows_sharing,
    update_rows_sharing, upsert_rows,
};

/// The default database: an SQLite file in `data/` under the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/ipdesk.sqlite?mode=rwc";

/// SQLite waits this long for another writer before giving up, so a CLI command and the server
/// can share one file without "database is locked".
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// SQLite readers share the file in WAL mode; writes serialise on the file lock.
const SQLITE_POOL_SIZE: u32 = 8;
const POSTGRES_POOL_SIZE: u32 = 16;
/// Any fixed number works; it names the lock that serialises migrations across instances.
const MIGRATION_LOCK_KEY: i64 = 0x1_9d35_c0de;

/// Which database engine a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// Reads the engine from a URL's scheme; any other scheme is bad input.
    pub fn of_url(url: &str) -> Result<Engine, AppError> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err(AppError::BadRequest(Msg::new("db.unsupported_url")))
        }
    }
}

/// The file an SQLite URL points to, or `None` for an in-memory database.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(PathBuf::from(path))
    }
}

/// SQLite: refuses when the file `url` names does not exist, for the commands that read or change
/// a desk. Opening it would make an empty desk there: a mistyped address, or a command run in
/// another folder than the server's, would then answer "0 patents" or import into a file nobody
/// opens. Only the commands a new desk begins with make the file.
pub fn require_sqlite_file(url: &str) -> Result<(), AppError> {
    match sqlite_path(url) {
        Some(path) if !path.exists() => {
            let shown = std::path::absolute(&path).unwrap_or(path);
            Err(AppError::BadRequest(
                Msg::new("db.open.no_file").arg("path", shown.display()),
            ))
        }
        _ => Ok(()),
    }
}

/// The folder that holds the database file and, on SQLite, the generated secret key.
pub fn data_dir(url: &str) -> Option<PathBuf> {
    let path = sqlite_path(url)?;
    Some(match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    })
}

/// Opens a pool on `url`, creating the SQLite folder and file when missing.
pub async fn connect(url: &str) -> Result<DatabaseConnection, AppError> {
    let mut db = match Engine::of_url(url)? {
        Engine::Sqlite => connect_sqlite(url, SQLITE_POOL_SIZE).await,
        Engine::Postgres => connect_postgres(url, POSTGRES_POOL_SIZE).await,
    }?;
    log_slow_statements(&mut db);
    Ok(db)
}

/// With `IPDESK_SLOW_SQL_MS=N` set, every statement that takes N ms or more is logged (warn),
/// with its time and its SQL: the slow-query log of a deployment that has grown.
fn log_slow_statements(db: &mut DatabaseConnection) {
    let Some(limit) = std::env::var("IPDESK_SLOW_SQL_MS")
        .ok()
        .and_then(|ms| ms.parse::<u64>().ok())
    else {
        return;
    };
    let limit = Duration::from_millis(limit);
    db.set_metric_callback(move |info| {
        if info.elapsed >= limit {
            let ms = info.elapsed.as_secs_f64() * 1000.0;
            tracing::warn!(ms, sql = %info.statement.sql, "slow statement");
        }
    });
}

/// The page size of a new SQLite database, in bytes.
pub const SQLITE_PAGE_SIZE: u32 = 16_384;

/// The options every pool of ipdesk starts from: no idle timeout and no lifetime, so that sqlx
/// starts no task to close idle and old connections. In sqlx 0.9.0 that task's count of idle
/// connections can wrap below zero when a connection is handed back while another is taken
/// (sqlx issues 3645 and 4289); the task then loops without yielding at 100% CPU, and the process
/// cannot end (a `township add` of the CLI tests spun so for minutes). Nothing is lost by it: a
/// SQLite connection gains nothing by being opened again, and a PostgreSQL pool keeps its few
/// connections, each checked before it is used.
pub fn pool_options(url: impl Into<String>) -> ConnectOptions {
    let mut options = ConnectOptions::new(url);
    options.idle_timeout(None).max_lifetime(None);
    options
}

async fn connect_sqlite(url: &str, pool_size: u32) -> Result<DatabaseConnection, AppError> {
    if let Some(dir) = data_dir(url) {
        std::fs::create_dir_all(&dir).map_err(|error| {
            tracing::error!(%error, dir = %dir.display(), "cannot create the data folder");
            AppError::BadRequest(Msg::new("db.cannot_create_folder").arg("path", dir.display()))
        })?;
    }
    let mut options = pool_options(url);
    options
        .max_connections(pool_size)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                // A new database is made of 16 KiB pages, not 4 KiB: a register's rows and index
                // entries then take a quarter of the pages, each with its own header, cell
                // directory and log frame. The benchmark's 100,000-row import into an empty
                // database: 3.19 s against 3.61 s in four pairs run alternately (3.45 s against
                // 4.00 s in four more), 32 and 64 KiB no faster. A database made before keeps
                // its pages (SQLite changes a page size only when it writes the file again).
                .page_size(SQLITE_PAGE_SIZE)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                // 32 MiB of page cache per connection (SQLite's default is 2 MiB): registers of
                // a million patents are read from memory, not disk.
                .pragma("cache_size", "-32768")
                // Statement journals of large multi-row inserts stay in memory, not temp files.
                .pragma("temp_store", "memory")
                // Pages are read through a memory map rather than a system call each: choosing
                // the ordered ids of 100,000 patents for an export took 0.42 s read, 0.09 s mapped.
                .pragma("mmap_size", "268435456")
        });
    Database::connect(options).await.map_err(open_error)
}

async fn connect_postgres(url: &str, pool_size: u32) -> Result<DatabaseConnection, AppError> {
    if plain_on_loopback(url, std::env::var_os("PGSSLMODE").is_some()) {
        match open_postgres(url, pool_size, Some(PgSslMode::Disable)).await {
            Ok(db) => return Ok(db),
            // A server that did not answer in the pool's wait will not answer over TLS either:
            // asking again doubled a stopped server's 30 s into a minute of silence.
            Err(error) if server_silent(&error) => return Err(open_error(error)),
            Err(error) => {
                tracing::debug!(%error, "a plain connection over the loopback was refused");
            }
        }
    }
    open_postgres(url, pool_size, None)
        .await
        .map_err(open_error)
}

/// Whether a connection failed for want of an answer (the pool waited out its time, retrying),
/// not because the server said no.
fn server_silent(error: &DbErr) -> bool {
    matches!(
        error,
        DbErr::Conn(RuntimeErr::SqlxError(error))
            if matches!(error.as_ref(), sea_orm::sqlx::Error::PoolTimedOut | sea_orm::sqlx::Error::Io(_))
    )
}

async fn open_postgres(
    url: &str,
    pool_size: u32,
    ssl: Option<PgSslMode>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = pool_options(url);
    options
        .max_connections(pool_size)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false);
    if let Some(ssl) = ssl {
        options.map_sqlx_postgres_opts(move |o| o.ssl_mode(ssl));
    }
    Database::connect(options).await
}

/// Whether a PostgreSQL connection is opened without TLS: when the server is on this machine and
/// neither the URL nor `PGSSLMODE` asks for a mode. Over the loopback TLS protects nothing and
/// costs 100 ms a connection — two a CLI command — because sqlx (0.9) sets no `TCP_NODELAY` and
/// the handshake's small writes each wait for the server's delayed acknowledgement. A server that
/// refuses plain connections is then asked as by default (TLS preferred).
fn plain_on_loopback(url: &str, ssl_mode_in_env: bool) -> bool {
    use std::str::FromStr;
    let Ok(options) = PgConnectOptions::from_str(url) else {
        return false;
    };
    let asked = url.split_once('?').is_some_and(|(_, query)| {
        query
            .split('&')
            .any(|pair| pair.starts_with("sslmode=") || pair.starts_with("ssl-mode="))
    });
    let host = options.get_host().trim_matches(['[', ']']);
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    !asked && !ssl_mode_in_env && options.get_socket().is_none() && loopback
}

/// After a bulk load on PostgreSQL, the planner's statistics are made again at once, as
/// autovacuum would only later: planned with the statistics of an empty or much smaller table, the
/// next export of 100,000 patents took 22 s instead of 2.7 s. SQLite plans well without them.
pub async fn refresh_statistics(db: &impl ConnectionTrait) -> Result<(), AppError> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

/// After a seed on PostgreSQL, what autovacuum does only later, at once: the statistics, and the
/// visibility map that lets an index-only scan stay in the index. Without it, the township
/// suggestions at a million patents read the table too (2.9 s instead of 0.6 s), so figures
/// measured right after a seed were not what a deployment sees. Outside a transaction, as VACUUM
/// must be; SQLite needs neither.
pub async fn settle_after_seed(db: &DatabaseConnection) -> Result<(), AppError> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("VACUUM ANALYZE").await?;
    }
    Ok(())
}

/// How PostgreSQL plans the prepared statements of a bulk load's transaction (SQLite has one way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Planning {
    /// Every execution is planned for its values. Otherwise PostgreSQL switches after five
    /// executions to one generic plan: the import's lookup of existing numbers, planned while the
    /// table looked empty, stayed a scan of the whole table as the import's own inserts grew it
    /// (100,000 rows: 165 s, 23 s with this).
    ForValues,
    /// One generic plan, made once: a multi-row INSERT has only one plan, and planning its
    /// thousand values at every execution cost the server more than inserting them.
    Once,
}

/// Sets how the rest of the transaction's statements are planned, until set again.
pub async fn plan_statements(
    txn: &impl ConnectionTrait,
    planning: Planning,
) -> Result<(), AppError> {
    if txn.get_database_backend() == DbBackend::Postgres {
        let mode = match planning {
            Planning::ForValues => "force_custom_plan",
            Planning::Once => "force_generic_plan",
        };
        txn.execute_unprepared(&format!("SET LOCAL plan_cache_mode = {mode}"))
            .await?;
    }
    Ok(())
}

/// A database that cannot be opened: a reason that lies in its address or its file is said (it
/// will not pass by waiting), anything else is the server not answering yet.
fn open_error(error: DbErr) -> AppError {
    tracing::error!(%error, "cannot open the database");
    match lasting_reason(&error) {
        Some(reason) => AppError::BadRequest(Msg::new(reason)),
        None => AppError::Unavailable,
    }
}

/// The message for an error code that waiting will not change: PostgreSQL's SQLSTATE for a
/// database that does not exist and for a user or password refused, SQLite's result codes for a
/// file that is not a database and for one that cannot be opened.
fn lasting_reason(error: &DbErr) -> Option<&'static str> {
    let DbErr::Conn(RuntimeErr::SqlxError(error)) = error else {
        return None;
    };
    let sea_orm::sqlx::Error::Database(error) = error.as_ref() else {
        return None;
    };
    match error.code()?.as_ref() {
        "3D000" => Some("db.open.no_database"),
        "28P01" | "28000" => Some("db.open.refused"),
        "26" => Some("db.open.not_sqlite"),
        "14" => Some("db.open.cannot_open"),
        _ => None,
    }
}

/// One migration's name and whether it was already applied before this run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationState {
    pub name: String,
    pub applied_before: bool,
}

/// Applies pending migrations and reports every migration's state. Idempotent.
///
/// On PostgreSQL the run holds an advisory lock on a dedicated connection, so instances that start
/// at the same moment take turns. On SQLite each migration is one transaction; when two processes
/// race, the loser finds nothing left to do.
pub async fn migrate(url: &str) -> Result<Vec<MigrationState>, AppError> {
    open_for_migration(url).await?.run().await
}

/// The one connection a migration runs on, open: opening it is where a server that does not
/// answer is waited for, apart from the migration's own time (the CLI says the one, not the other).
pub struct Migration {
    db: DatabaseConnection,
}

/// Opens the connection a migration runs on.
pub async fn open_for_migration(url: &str) -> Result<Migration, AppError> {
    Ok(Migration {
        db: connect_one(url).await?,
    })
}

/// One connection, as migrations run on. On a pool of several, SQLite's other connections keep
/// the schema they last read until they next run a statement: one that missed an index being
/// dropped refuses to create it again ("index … already exists").
pub async fn connect_one(url: &str) -> Result<DatabaseConnection, AppError> {
    match Engine::of_url(url)? {
        Engine::Sqlite => connect_sqlite(url, 1).await,
        Engine::Postgres => connect_postgres(url, 1).await,
    }
}

impl Migration {
    /// Applies pending migrations and reports every migration's state.
    pub async fn run(self) -> Result<Vec<MigrationState>, AppError> {
        let result = match self.db.get_database_backend() {
            DbBackend::Postgres => migrate_locked(&self.db).await,
            _ => migrate_sqlite(&self.db).await,
        };
        let _ = self.db.close().await;
        let before = result?;
        Ok(Migrator::migrations()
            .iter()
            .map(|m| MigrationState {
                name: m.name().to_owned(),
                applied_before: before.iter().any(|name| name == m.name()),
            })
            .collect())
    }
}

/// Returns the names applied before this run.
async fn migrate_locked(db: &DatabaseConnection) -> Result<Vec<String>, AppError> {
    let lock = format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})");
    let unlock = format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})");
    db.execute_unprepared(&lock).await?;
    let result = async {
        let before = applied_names(db).await?;
        Migrator::up(db, None).await?;
        Ok::<_, AppError>(before)
    }
    .await;
    db.execute_unprepared(&unlock).await?;
    result
}

/// Returns the names applied before this run.
async fn migrate_sqlite(db: &DatabaseConnection) -> Result<Vec<String>, AppError> {
    let before = applied_names(db).await?;
    match Migrator::up(db, None).await {
        Ok(()) => Ok(before),
        Err(error) if Migrator::get_pending_migrations(db).await?.is_empty() => {
            tracing::info!(%error, "another process applied the migrations first");
            Ok(before)
        }
        Err(error) => Err(error.into()),
    }
}

async fn applied_names(db: &DatabaseConnection) -> Result<Vec<String>, AppError> {
    let applied = Migrator::get_applied_migrations(db).await?;
    Ok(applied.iter().map(|m| m.name().to_owned()).collect())
}

/// Begins a transaction meant to write. On SQLite it takes the write lock at once (waiting up to
/// the busy timeout), so it never fails half-way when another writer got there first.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Begins a transaction that only reads, every statement of which sees the database as it was at
/// its first: a long read (an export) is never half before and half after another user's change.
/// On SQLite that is any transaction (its snapshot is taken at the first read); PostgreSQL's
/// default, READ COMMITTED, would take a new snapshot at every statement.
pub async fn begin_read(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await
        }
        _ => db.begin().await,
    }
}

/// Runs the statements of one read — a register page's total and its rows, say — in one
/// snapshot ([`begin_read`]), so that they agree with each other while others write: a patent
/// added between the count and the rows would otherwise show on a page that does not count it.
pub async fn read_at_once<T>(
    db: &DatabaseConnection,
    read: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let txn = begin_read(db).await?;
    let result = read(&txn).await;
    // Nothing was written: ending the transaction either way only lets the snapshot go. An
    // error of the reading comes first; it may be why the transaction cannot be ended.
    let ended = txn.rollback().await;
    let value = result?;
    ended?;
    Ok(value)
}

/// PostgreSQL: a second read transaction, on another connection, that sees exactly what `first`
/// sees (its exported snapshot), so that two queries of one read run at once. `None` on SQLite,
/// whose transactions cannot share a snapshot: its reads stay on `first`.
pub async fn begin_read_beside(
    db: &DatabaseConnection,
    first: &DatabaseTransaction,
) -> Result<Option<DatabaseTransaction>, DbErr> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        return Ok(None);
    }
    let exported = first
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT pg_export_snapshot()",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("no snapshot was exported".to_owned()))?;
    let snapshot: String = exported.try_get_by_index(0)?;
    // The name is the server's own (hex digits and dashes), checked before it goes into SQL.
    if snapshot.is_empty() || !snapshot.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(DbErr::Custom(format!(
            "unexpected snapshot name {snapshot:?}"
        )));
    }
    let beside = begin_read(db).await?;
    beside
        .execute_unprepared(&format!("SET TRANSACTION SNAPSHOT '{snapshot}'"))
        .await?;
    Ok(Some(beside))
}

/// Whether the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    let backend = db.get_database_backend();
    db.query_one_raw(Statement::from_string(backend, "SELECT 1"))
        .await
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// sqlx starts its task that closes idle and old connections (the one that can spin
    /// forever) only when a pool has an idle timeout or a lifetime; ours have neither.
    #[test]
    fn pools_start_no_task_to_close_idle_connections() {
        for url in [
            "sqlite://data/ipdesk.sqlite",
            "postgres://postgres@127.0.0.1/ipdesk",
        ] {
            let options = pool_options(url);
            assert_eq!(options.get_idle_timeout(), Some(None), "{url}");
            assert_eq!(options.get_max_lifetime(), Some(None), "{url}");
            assert_eq!(options.get_min_connections(), None, "{url}");
        }
    }

    #[test]
    fn postgres_on_this_machine_is_asked_without_tls_unless_told() {
        let cases = [
            ("postgres://postgres@127.0.0.1:5432/test", false, true),
            ("postgres://u:p@localhost/ipdesk", false, true),
            ("postgres://u@[::1]:5432/ipdesk", false, true),
            (
                "postgres://u@127.0.0.1/ipdesk?sslmode=require",
                false,
                false,
            ),
            (
                "postgres://u@127.0.0.1/ipdesk?ssl-mode=prefer",
                false,
                false,
            ),
            ("postgres://u@127.0.0.1/ipdesk", true, false),
            ("postgres://u@db.internal/ipdesk", false, false),
            ("postgres://u@10.0.0.5/ipdesk", false, false),
            ("postgres:///ipdesk?host=/var/run/postgresql", false, false),
            ("not a url", false, false),
        ];
        for (url, env, plain) in cases {
            assert_eq!(
                plain_on_loopback(url, env),
                plain,
                "{url} (PGSSLMODE set: {env})"
            );
        }
    }

    #[test]
    fn sqlite_paths_and_data_folders() {
        let cases = [
            (
                DEFAULT_DATABASE_URL,
                Some("data/ipdesk.sqlite"),
                Some("data"),
            ),
            (
                "sqlite:///tmp/x/db.sqlite?mode=rwc",
                Some("/tmp/x/db.sqlite"),
                Some("/tmp/x"),
            ),
            ("sqlite:db.sqlite", Some("db.sqlite"), Some(".")),
            ("sqlite::memory:", None, None),
            ("postgres://localhost/x", None, None),
        ];
        for (url, path, dir) in cases {
            assert_eq!(sqlite_path(url), path.map(PathBuf::from), "{url}");
            assert_eq!(data_dir(url), dir.map(PathBuf::from), "{url}");
        }
    }

    /// The one number `sql` answers.
    async fn number(db: &DatabaseConnection, sql: &str) -> i64 {
        let row = db
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index(0).unwrap()
    }

    #[tokio::test]
    async fn a_new_database_has_large_pages_and_an_old_one_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let new = format!("sqlite://{}", dir.path().join("new.sqlite").display());
        let db = connect(&new).await.unwrap();
        db.execute_unprepared("CREATE TABLE t (x)").await.unwrap();
        assert_eq!(
            number(&db, "PRAGMA page_size").await,
            i64::from(SQLITE_PAGE_SIZE)
        );

        // A database made with SQLite's default pages, as ipdesk made them before.
        let old = dir.path().join("old.sqlite");
        let mut options = pool_options(format!("sqlite://{}?mode=rwc", old.display()));
        options.max_connections(1);
        let before = Database::connect(options).await.unwrap();
        before
            .execute_unprepared(
                "PRAGMA page_size = 4096; CREATE TABLE t (x); INSERT INTO t VALUES (7)",
            )
            .await
            .unwrap();
        before.close().await.unwrap();
        let db = connect(&format!("sqlite://{}", old.display()))
            .await
            .unwrap();
        assert_eq!(number(&db, "PRAGMA page_size").await, 4096);
        assert_eq!(number(&db, "SELECT x FROM t").await, 7);
    }

    #[test]
    fn engines_from_urls() {
        assert_eq!(Engine::of_url("sqlite://a").ok(), Some(Engine::Sqlite));
        assert_eq!(Engine::of_url("postgres://a").ok(), Some(Engine::Postgres));
        assert_eq!(
            Engine::of_url("postgresql://a").ok(),
            Some(Engine::Postgres)
        );
        assert!(Engine::of_url("mysql://a").is_err());
    }
}
