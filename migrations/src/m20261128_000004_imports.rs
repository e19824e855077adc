//! Imports: uploads kept between preview and commit, batches (the job row and the history),
//! before-values of the records a batch updated, and remembered header mappings. Enterprises get
//! the created-by-batch mark patents already have.

use sea_orm_migration::prelude::*;

use crate::{at, at_null, id, index, text, text_null};

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
                    .table(ImportUploads::Table)
                    .col(id(ImportUploads::Id))
                    .col(text(ImportUploads::FileName, 255))
                    .col(text(ImportUploads::Sha256, 64))
                    .col(ColumnDef::new(ImportUploads::Bytes).blob().not_null())
                    .col(at(ImportUploads::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ImportBatches::Table)
                    .col(id(ImportBatches::Id))
                    .col(text(ImportBatches::Register, 20))
                    .col(text(ImportBatches::FileName, 255))
                    .col(text(ImportBatches::Sha256, 64))
                    .col(ColumnDef::new(ImportBatches::UploadId).big_integer().null())
                    .col(text_null(ImportBatches::Sheet, 255))
                    .col(ColumnDef::new(ImportBatches::HeaderRow).integer().null())
                    .col(ColumnDef::new(ImportBatches::Mapping).text().not_null())
                    .col(text(ImportBatches::Policy, 20))
                    .col(text(ImportBatches::State, 20))
                    .col(text(ImportBatches::Phase, 20))
                    .col(
                        ColumnDef::new(ImportBatches::ProgressDone)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(ImportBatches::ProgressTotal)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(at_null(ImportBatches::HeartbeatAt))
                    .col(ColumnDef::new(ImportBatches::Counts).text().not_null())
                    .col(ColumnDef::new(ImportBatches::Statuses).text().not_null())
                    .col(ColumnDef::new(ImportBatches::Problems).text().not_null())
                    .col(ColumnDef::new(ImportBatches::Message).text().null())
                    .col(ColumnDef::new(ImportBatches::UserId).big_integer().null())
                    .col(text(ImportBatches::Actor, 100))
                    .col(at(ImportBatches::CreatedAt))
                    .col(at_null(ImportBatches::CommittedAt))
                    .col(at_null(ImportBatches::UndoneAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ImportBatches::Table, ImportBatches::UploadId)
                            .to(ImportUploads::Table, ImportUploads::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "import_batches_created",
            ImportBatches::Table,
            &["created_at"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ImportBatchRows::Table)
                    .col(id(ImportBatchRows::Id))
                    .col(
                        ColumnDef::new(ImportBatchRows::BatchId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(text(ImportBatchRows::Entity, 20))
                    .col(
                        ColumnDef::new(ImportBatchRows::EntityId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ImportBatchRows::ExcelRow)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ImportBatchRows::Before).text().not_null())
                    .col(
                        ColumnDef::new(ImportBatchRows::AfterVersion)
                            .integer()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ImportBatchRows::Table, ImportBatchRows::BatchId)
                            .to(ImportBatches::Table, ImportBatches::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "import_batch_rows_batch",
            ImportBatchRows::Table,
            &["batch_id"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ColumnMappings::Table)
                    .col(text(ColumnMappings::HeaderSetKey, 64).primary_key())
                    .col(text(ColumnMappings::Register, 20))
                    .col(ColumnDef::new(ColumnMappings::Mapping).text().not_null())
                    .col(at(ColumnMappings::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Enterprises::Table)
                    .add_column(
                        ColumnDef::new(Enterprises::ImportBatchId)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "patents_import_batch",
            Patents::Table,
            &["import_batch_id"],
        )
        .await?;
        index(
            manager,
            "enterprises_import_batch",
            Enterprises::Table,
            &["import_batch_id"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Enterprises::Table)
                    .drop_column(Enterprises::ImportBatchId)
                    .to_owned(),
            )
            .await?;
        for table in [
            ColumnMappings::Table.into_iden(),
            ImportBatchRows::Table.into_iden(),
            ImportBatches::Table.into_iden(),
            ImportUploads::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ImportUploads {
    Table,
    Id,
    FileName,
    Sha256,
    Bytes,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ImportBatches {
    Table,
    Id,
    Register,
    FileName,
    Sha256,
    UploadId,
    Sheet,
    HeaderRow,
    Mapping,
    Policy,
    State,
    Phase,
    ProgressDone,
    ProgressTotal,
    HeartbeatAt,
    Counts,
    Statuses,
    Problems,
    Message,
    UserId,
    Actor,
    CreatedAt,
    CommittedAt,
    UndoneAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ImportBatchRows {
    Table,
    Id,
    BatchId,
    Entity,
    EntityId,
    ExcelRow,
    Before,
    AfterVersion,
}

#[derive(DeriveIden, Clone, Copy)]
enum ColumnMappings {
    Table,
    HeaderSetKey,
    Register,
    Mapping,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Enterprises {
    Table,
    ImportBatchId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Patents {
    Table,
}
