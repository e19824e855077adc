//! Loading many new patents at once (a first import, the seed): the patent tables' secondary
//! indexes go for the load and, on SQLite, so do the triggers that count each inserted patent in
//! the report's tallies. Dropping those triggers and counting what is inserted belong together,
//! so both live here: a load that dropped them counts each part it inserts (read back from the
//! table, or counted by the caller as it built the rows), and only then.

use std::ops::RangeInclusive;

use sea_orm::ConnectionTrait;

use crate::db;
use crate::error::AppError;

/// A bulk load under way: what it dropped, to make again at its end.
#[derive(Debug, Default)]
pub struct BulkLoad {
    dropped: db::Dropped,
}

impl BulkLoad {
    /// Drops the secondary indexes of `tables` (with `keys`, their foreign keys too: PostgreSQL
    /// only) and, on SQLite, the tallies' insert triggers, within the caller's transaction.
    pub async fn start(
        db: &impl ConnectionTrait,
        tables: &[&str],
        keys: bool,
    ) -> Result<BulkLoad, AppError> {
        let mut dropped = db::Dropped::drop(db, tables, keys).await?;
        dropped
            .drop_triggers(db, &crate::reports::tallies::INSERT_TRIGGERS)
            .await?;
        Ok(BulkLoad { dropped })
    }

    /// Patents with ids `ids` were just inserted: counts them in the report's tallies when this
    /// load dropped the triggers that would have (SQLite), and does nothing otherwise.
    pub async fn inserted(
        &self,
        db: &impl ConnectionTrait,
        ids: RangeInclusive<i64>,
    ) -> Result<(), AppError> {
        if self.dropped.dropped_triggers() {
            crate::reports::tallies::count_inserted(db, ids).await?;
        }
        Ok(())
    }

    /// Like [`BulkLoad::inserted`], for patents whose tallies the caller counted as it built them.
    pub async fn counted(
        &self,
        db: &impl ConnectionTrait,
        counted: crate::reports::tallies::Counted,
    ) -> Result<(), AppError> {
        if self.dropped.dropped_triggers() {
            counted.write(db).await?;
        }
        Ok(())
    }

    /// The load is over: what it dropped, to make again (all of it at once with
    /// [`db::Dropped::restore`], or taken apart).
    pub fn finish(self) -> db::Dropped {
        self.dropped
    }
}
