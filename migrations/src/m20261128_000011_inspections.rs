//! Joint market inspections (联合执法检查) and the problems each found, a row each — so that a
//! problem can open a case.

use sea_orm_migration::prelude::*;

use crate::{id, index, record_columns, text, text_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Inspections {
    Table,
    Id,
    Title,
    StartsOn,
    EndsOn,
    LeadAgency,
    PartnerAgencies,
    Area,
    Places,
    StaffCount,
    PremisesInspected,
    GoodsChecked,
    MarkedGoodsChecked,
    Notes,
    ImportBatchId,
}

#[derive(DeriveIden)]
enum InspectionProblems {
    Table,
    Id,
    InspectionId,
    Position,
    Description,
    Party,
    Product,
    CaseId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let count = |column: Inspections| ColumnDef::new(column).big_integer().null().to_owned();
        let mut inspections = Table::create();
        inspections
            .table(Inspections::Table)
            .col(id(Inspections::Id))
            .col(text(Inspections::Title, 200))
            .col(ColumnDef::new(Inspections::StartsOn).date().not_null())
            .col(ColumnDef::new(Inspections::EndsOn).date().not_null())
            .col(text_null(Inspections::LeadAgency, 200))
            // The partner agencies, a JSON list of names.
            .col(
                ColumnDef::new(Inspections::PartnerAgencies)
                    .text()
                    .not_null(),
            )
            .col(text_null(Inspections::Area, 200))
            .col(ColumnDef::new(Inspections::Places).text().null())
            .col(count(Inspections::StaffCount))
            .col(count(Inspections::PremisesInspected))
            .col(count(Inspections::GoodsChecked))
            .col(count(Inspections::MarkedGoodsChecked))
            .col(ColumnDef::new(Inspections::Notes).text().null())
            .col(
                ColumnDef::new(Inspections::ImportBatchId)
                    .big_integer()
                    .null(),
            );
        record_columns(&mut inspections);
        manager.create_table(inspections.to_owned()).await?;
        index(
            manager,
            "inspections_starts_on",
            Inspections::Table,
            &["starts_on", "id"],
        )
        .await?;
        index(
            manager,
            "inspections_import_batch",
            Inspections::Table,
            &["import_batch_id"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(InspectionProblems::Table)
                    .col(id(InspectionProblems::Id))
                    .col(
                        ColumnDef::new(InspectionProblems::InspectionId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InspectionProblems::Position)
                            .integer()
                            .not_null(),
                    )
                    .col(text(InspectionProblems::Description, 1000))
                    .col(text_null(InspectionProblems::Party, 200))
                    .col(text_null(InspectionProblems::Product, 200))
                    // The case the problem led to (the cases register links it).
                    .col(
                        ColumnDef::new(InspectionProblems::CaseId)
                            .big_integer()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(InspectionProblems::Table, InspectionProblems::InspectionId)
                            .to(Inspections::Table, Inspections::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "inspection_problems_inspection",
            InspectionProblems::Table,
            &["inspection_id", "position"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InspectionProblems::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Inspections::Table).to_owned())
            .await
    }
}
