//! Enforcement cases (执法案件), their dated steps (`case_events`) and the evidence attached to a
//! case or to one of its steps. Case numbers are unique: two officers opening cases at the same
//! moment cannot both take the same number.

use sea_orm_migration::prelude::*;

use crate::{at, id, index, record_columns, text, text_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EnforcementCases {
    Table,
    Id,
    CaseNumber,
    Kind,
    Source,
    InspectionId,
    ComplainantName,
    ComplainantCreditCode,
    ComplainantAddress,
    ComplainantEnterpriseId,
    RespondentName,
    RespondentCreditCode,
    RespondentAddress,
    RespondentEnterpriseId,
    Product,
    ClaimedPatentNumber,
    Facts,
    IllegalGains,
    Fine,
    ImportBatchId,
}

#[derive(DeriveIden)]
enum CaseEvents {
    Table,
    Id,
    CaseId,
    Position,
    Step,
    HappenedOn,
    Note,
    Officers,
    Approver,
    HearingRequested,
    Outcome,
    IllegalGains,
    Fine,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum CaseAttachments {
    Table,
    Id,
    CaseId,
    CaseEventId,
    FileName,
    ContentType,
    Size,
    Bytes,
    UploadedBy,
    UploadedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        cases(manager).await?;
        steps(manager).await?;
        attachments(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CaseAttachments::Table.into_iden(),
            CaseEvents::Table.into_iden(),
            EnforcementCases::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn cases(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let big_null =
        |column: EnforcementCases| ColumnDef::new(column).big_integer().null().to_owned();
    let mut table = Table::create();
    table
        .table(EnforcementCases::Table)
        .col(id(EnforcementCases::Id))
        .col(
            text(EnforcementCases::CaseNumber, 100)
                .unique_key()
                .to_owned(),
        )
        .col(text(EnforcementCases::Kind, 40))
        .col(text(EnforcementCases::Source, 40))
        .col(big_null(EnforcementCases::InspectionId))
        .col(text_null(EnforcementCases::ComplainantName, 200))
        .col(text_null(EnforcementCases::ComplainantCreditCode, 18))
        .col(text_null(EnforcementCases::ComplainantAddress, 500))
        .col(big_null(EnforcementCases::ComplainantEnterpriseId))
        .col(text_null(EnforcementCases::RespondentName, 200))
        .col(text_null(EnforcementCases::RespondentCreditCode, 18))
        .col(text_null(EnforcementCases::RespondentAddress, 500))
        .col(big_null(EnforcementCases::RespondentEnterpriseId))
        .col(text_null(EnforcementCases::Product, 200))
        .col(text_null(EnforcementCases::ClaimedPatentNumber, 200))
        .col(ColumnDef::new(EnforcementCases::Facts).text().null())
        // Money in fen (分), so that no rounding decides the penalty cap.
        .col(big_null(EnforcementCases::IllegalGains))
        .col(big_null(EnforcementCases::Fine))
        .col(big_null(EnforcementCases::ImportBatchId));
    record_columns(&mut table);
    manager.create_table(table.to_owned()).await?;
    for (name, columns) in [
        ("enforcement_cases_inspection", &["inspection_id"][..]),
        (
            "enforcement_cases_respondent",
            &["respondent_enterprise_id"],
        ),
        (
            "enforcement_cases_complainant",
            &["complainant_enterprise_id"],
        ),
        ("enforcement_cases_import_batch", &["import_batch_id"]),
    ] {
        index(manager, name, EnforcementCases::Table, columns).await?;
    }
    Ok(())
}

async fn steps(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(CaseEvents::Table)
                .col(id(CaseEvents::Id))
                .col(ColumnDef::new(CaseEvents::CaseId).big_integer().not_null())
                .col(ColumnDef::new(CaseEvents::Position).integer().not_null())
                .col(text(CaseEvents::Step, 40))
                .col(ColumnDef::new(CaseEvents::HappenedOn).date().not_null())
                .col(ColumnDef::new(CaseEvents::Note).text().null())
                // The officers who acted, a JSON list of usernames.
                .col(ColumnDef::new(CaseEvents::Officers).text().not_null())
                .col(text_null(CaseEvents::Approver, 200))
                .col(
                    ColumnDef::new(CaseEvents::HearingRequested)
                        .boolean()
                        .null(),
                )
                .col(text_null(CaseEvents::Outcome, 40))
                .col(
                    ColumnDef::new(CaseEvents::IllegalGains)
                        .big_integer()
                        .null(),
                )
                .col(ColumnDef::new(CaseEvents::Fine).big_integer().null())
                .col(text(CaseEvents::RecordedBy, 100))
                .col(at(CaseEvents::RecordedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(CaseEvents::Table, CaseEvents::CaseId)
                        .to(EnforcementCases::Table, EnforcementCases::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "case_events_case",
        CaseEvents::Table,
        &["case_id", "position"],
    )
    .await
}

async fn attachments(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(CaseAttachments::Table)
                .col(id(CaseAttachments::Id))
                .col(
                    ColumnDef::new(CaseAttachments::CaseId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(CaseAttachments::CaseEventId)
                        .big_integer()
                        .null(),
                )
                .col(text(CaseAttachments::FileName, 255))
                .col(text(CaseAttachments::ContentType, 100))
                .col(
                    ColumnDef::new(CaseAttachments::Size)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(CaseAttachments::Bytes).blob().not_null())
                .col(text(CaseAttachments::UploadedBy, 100))
                .col(at(CaseAttachments::UploadedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(CaseAttachments::Table, CaseAttachments::CaseId)
                        .to(EnforcementCases::Table, EnforcementCases::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "case_attachments_case",
        CaseAttachments::Table,
        &["case_id"],
    )
    .await
}
