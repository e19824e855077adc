//! Annual plan targets (年度计划任务): per year and metric, for the whole county or one township.

use sea_orm_migration::prelude::*;

use crate::{at, id, index, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Targets::Table)
                    .col(id(Targets::Id))
                    .col(ColumnDef::new(Targets::Year).integer().not_null())
                    .col(text(Targets::Metric, 32))
                    .col(ColumnDef::new(Targets::TownshipId).big_integer().null())
                    .col(ColumnDef::new(Targets::Value).big_integer().not_null())
                    .col(
                        ColumnDef::new(Targets::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(at(Targets::CreatedAt))
                    .col(at(Targets::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Targets::Table, Targets::TownshipId)
                            .to(Townships::Table, Townships::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One target per year, metric and scope; the county's scope has no township, and NULLs
        // are distinct in a plain unique index, hence the expression.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX targets_scope ON targets (year, metric, COALESCE(township_id, 0))",
            )
            .await?;
        index(manager, "targets_year", Targets::Table, &["year"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Targets::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Targets {
    Table,
    Id,
    Year,
    Metric,
    TownshipId,
    Value,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Townships {
    Table,
    Id,
}
