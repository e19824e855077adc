//! The townships of the patents each enterprise first-applied for, read from an index alone.
//! Enterprises registered without a township (the high-tech list names none) are offered the one
//! most of their patents are in (`enterprises::query::township_suggestions`). Reached through the
//! applicants, that read looked up every such patent's row: 8 s for a desk of 1,000,000 patents
//! whose 20,000 enterprises had no township, against 0.4 s from this index. Building it costs
//! an import of 100,000 new patents nothing measurable (docs/performance-log.md, 2026-12-06).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let create = "CREATE INDEX patents_holder_townships ON patents \
                      (first_applicant_enterprise_id, township_id) WHERE archived_at IS NULL";
        crate::execute_all(manager, vec![create.to_owned()]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let drop = "DROP INDEX patents_holder_townships";
        crate::execute_all(manager, vec![drop.to_owned()]).await
    }
}
