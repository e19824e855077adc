//! Keeping the report's tallies compact on PostgreSQL. There the writers of `patents` only append
//! signed changes to `<tally>_deltas` (see the migration `postgres_tallies`), so that instances
//! writing at once never wait on one another; folding moves those changes into the counted rows,
//! so the report reads a day's count from one row instead of from every change made to it.
//! Folding never changes what the report shows, only how fast it reads it. SQLite's tallies are
//! kept in place by row triggers and need nothing, except during a bulk load: it drops the
//! triggers that count inserted patents and counts each part it inserts at once
//! ([`count_inserted`]).

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};

use crate::error::AppError;

/// SQLite's triggers that count inserted patents, which a bulk load drops.
pub const INSERT_TRIGGERS: [&str; 2] = migrations::SQLITE_PATENT_INSERT_TRIGGERS;

/// SQLite, in a bulk load that dropped [`INSERT_TRIGGERS`]: adds the patents with ids
/// `first..=last`, just inserted, to the tallies — grouped by day and value, a few hundred
/// upserts where the triggers make several per patent.
pub async fn count_inserted(
    db: &impl ConnectionTrait,
    ids: std::ops::RangeInclusive<i64>,
) -> Result<(), AppError> {
    for sql in migrations::sqlite_count_inserted(*ids.start(), *ids.end()) {
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}

/// How often a serving instance folds the changes written since the last time.
pub const FOLD_EVERY: Duration = Duration::from_secs(5);

/// Moves the tallies' pending changes into their counts (PostgreSQL; nothing on SQLite). One
/// transaction: a report sees the changes either pending or folded, never both or neither.
pub async fn fold(db: &impl ConnectionTrait) -> Result<(), AppError> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("SELECT fold_patent_tallies()")
            .await?;
    }
    Ok(())
}

/// Folds after a large write (an import, its undo) that has committed: a failure is logged, not
/// returned, since what was written stands and the next fold takes it up.
pub async fn fold_now(db: &impl ConnectionTrait) {
    if let Err(error) = fold(db).await {
        tracing::warn!(%error, "could not fold the report's tallies");
    }
}

/// Folds every [`FOLD_EVERY`] for as long as the server runs.
pub async fn keep_folded(db: DatabaseConnection) {
    loop {
        tokio::time::sleep(FOLD_EVERY).await;
        fold_now(&db).await;
    }
}
