//! Indexes for the year-to-date report: its counts by grant or filing date, type and township
//! read these alone (partial indexes: archived patents never count), not the patents table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // The same statement on SQLite and PostgreSQL; the schema builder has no partial index.
        db.execute_unprepared(
            "CREATE INDEX patents_granted_counts ON patents (granted_on, patent_type, township_id) \
             WHERE archived_at IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX patents_filed_counts ON patents (filed_on, patent_type, township_id) \
             WHERE archived_at IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX patents_granted_counts")
            .await?;
        db.execute_unprepared("DROP INDEX patents_filed_counts")
            .await?;
        Ok(())
    }
}
