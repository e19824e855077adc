//! Outreach visits to enterprises (走访企业) with their follow-up actions; events and visits learn
//! which import made them, so that an import of an old ledger can be undone.

use sea_orm_migration::prelude::*;

use crate::{id, index, record_columns, text, text_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Visits {
    Table,
    Id,
    EnterpriseId,
    VisitedOn,
    Officers,
    Agencies,
    Topics,
    MaterialsCount,
    Needs,
    Notes,
    ImportBatchId,
}

#[derive(DeriveIden)]
enum VisitFollowUps {
    Table,
    Id,
    VisitId,
    Position,
    Action,
    Owner,
    DueOn,
    DoneOn,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    ImportBatchId,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut visits = Table::create();
        visits
            .table(Visits::Table)
            .col(id(Visits::Id))
            .col(
                ColumnDef::new(Visits::EnterpriseId)
                    .big_integer()
                    .not_null(),
            )
            .col(ColumnDef::new(Visits::VisitedOn).date().not_null())
            // Officers (usernames, or names of people who are not users), agencies and topics:
            // JSON lists, read whole with the visit.
            .col(ColumnDef::new(Visits::Officers).text().not_null())
            .col(ColumnDef::new(Visits::Agencies).text().not_null())
            .col(ColumnDef::new(Visits::Topics).text().not_null())
            .col(ColumnDef::new(Visits::MaterialsCount).big_integer().null())
            .col(ColumnDef::new(Visits::Needs).text().null())
            .col(ColumnDef::new(Visits::Notes).text().null())
            .col(ColumnDef::new(Visits::ImportBatchId).big_integer().null())
            .foreign_key(
                ForeignKey::create()
                    .from(Visits::Table, Visits::EnterpriseId)
                    .to(Enterprises::Table, Enterprises::Id)
                    .on_delete(ForeignKeyAction::Restrict),
            );
        record_columns(&mut visits);
        manager.create_table(visits.to_owned()).await?;
        index(
            manager,
            "visits_visited_on",
            Visits::Table,
            &["visited_on", "id"],
        )
        .await?;
        index(
            manager,
            "visits_enterprise",
            Visits::Table,
            &["enterprise_id", "visited_on"],
        )
        .await?;
        index(
            manager,
            "visits_import_batch",
            Visits::Table,
            &["import_batch_id"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(VisitFollowUps::Table)
                    .col(id(VisitFollowUps::Id))
                    .col(
                        ColumnDef::new(VisitFollowUps::VisitId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(VisitFollowUps::Position)
                            .integer()
                            .not_null(),
                    )
                    .col(text(VisitFollowUps::Action, 500))
                    .col(text_null(VisitFollowUps::Owner, 100))
                    .col(ColumnDef::new(VisitFollowUps::DueOn).date().null())
                    .col(ColumnDef::new(VisitFollowUps::DoneOn).date().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(VisitFollowUps::Table, VisitFollowUps::VisitId)
                            .to(Visits::Table, Visits::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "visit_follow_ups_visit",
            VisitFollowUps::Table,
            &["visit_id", "position"],
        )
        .await?;
        // The dashboard asks for the open ones by due date.
        index(
            manager,
            "visit_follow_ups_open",
            VisitFollowUps::Table,
            &["done_on", "due_on"],
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .add_column(ColumnDef::new(Events::ImportBatchId).big_integer().null())
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "events_import_batch",
            Events::Table,
            &["import_batch_id"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("events_import_batch")
                    .table(Events::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .drop_column(Events::ImportBatchId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(VisitFollowUps::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Visits::Table).to_owned())
            .await
    }
}
