//! The lengths of the enforcement time limits an admin has changed from the statutory defaults
//! (which live in the code with the rules' structure: what starts and what meets each limit).

use sea_orm_migration::prelude::*;

use crate::{at, text, text_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DeadlineRules {
    Table,
    Code,
    Amount,
    Unit,
    ExtensionAmount,
    ExtensionUnit,
    Version,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeadlineRules::Table)
                    .col(text(DeadlineRules::Code, 40).primary_key())
                    .col(ColumnDef::new(DeadlineRules::Amount).integer().not_null())
                    .col(text(DeadlineRules::Unit, 16))
                    .col(
                        ColumnDef::new(DeadlineRules::ExtensionAmount)
                            .integer()
                            .null(),
                    )
                    .col(text_null(DeadlineRules::ExtensionUnit, 16))
                    .col(
                        ColumnDef::new(DeadlineRules::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(at(DeadlineRules::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DeadlineRules::Table).to_owned())
            .await
    }
}
