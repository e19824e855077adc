//! Enterprises and patents: applicants (each may link to an enterprise) and the dated status
//! history. The indexes serve the register's filters and sorts at a million patents.

use sea_orm_migration::prelude::*;

use crate::{id, index, record_columns, text, text_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_enterprises(manager).await?;
        create_enterprise_names(manager).await?;
        create_patents(manager).await?;
        create_applicants(manager).await?;
        create_events(manager).await?;
        create_search(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE IF EXISTS patent_search")
            .await?;
        for table in [
            PatentEvents::Table.into_iden(),
            PatentApplicants::Table.into_iden(),
            Patents::Table.into_iden(),
            EnterpriseNames::Table.into_iden(),
            Enterprises::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

fn date_null(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).date().null().to_owned()
}

async fn create_enterprises(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let mut table = Table::create();
    table
        .table(Enterprises::Table)
        .col(id(Enterprises::Id))
        .col(text(Enterprises::Name, 200))
        .col(text(Enterprises::NameKey, 200).unique_key())
        .col(text(Enterprises::SortKey, 800))
        .col(text_null(Enterprises::CreditCode, 18).unique_key())
        .col(ColumnDef::new(Enterprises::TownshipId).big_integer().null())
        .col(text_null(Enterprises::Address, 300))
        .col(text_null(Enterprises::Industry, 100))
        .col(text_null(Enterprises::HighTechCertificate, 64))
        .col(date_null(Enterprises::HighTechIssuedOn))
        .col(date_null(Enterprises::HighTechExpiresOn))
        .col(
            ColumnDef::new(Enterprises::TechSme)
                .boolean()
                .not_null()
                .default(false),
        )
        .col(text_null(Enterprises::ContactName, 64))
        .col(text_null(Enterprises::ContactPhone, 64))
        .col(ColumnDef::new(Enterprises::Notes).text().null())
        .foreign_key(
            ForeignKey::create()
                .from(Enterprises::Table, Enterprises::TownshipId)
                .to(Townships::Table, Townships::Id)
                .on_delete(ForeignKeyAction::SetNull),
        );
    record_columns(&mut table);
    manager.create_table(table).await?;
    index(
        manager,
        "enterprises_sort",
        Enterprises::Table,
        &["sort_key"],
    )
    .await?;
    index(
        manager,
        "enterprises_township",
        Enterprises::Table,
        &["township_id"],
    )
    .await
}

/// Every spelling that names an enterprise: its own name and the aliases officers linked.
async fn create_enterprise_names(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(EnterpriseNames::Table)
                .col(text(EnterpriseNames::NameKey, 200).primary_key())
                .col(
                    ColumnDef::new(EnterpriseNames::EnterpriseId)
                        .big_integer()
                        .not_null(),
                )
                .col(text(EnterpriseNames::Name, 200))
                .col(
                    ColumnDef::new(EnterpriseNames::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(EnterpriseNames::Table, EnterpriseNames::EnterpriseId)
                        .to(Enterprises::Table, Enterprises::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "enterprise_names_enterprise",
        EnterpriseNames::Table,
        &["enterprise_id"],
    )
    .await
}

async fn create_patents(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let mut table = Table::create();
    table
        .table(Patents::Table)
        .col(id(Patents::Id))
        .col(text(Patents::ApplicationNumber, 16).unique_key())
        .col(text(Patents::PatentType, 16))
        .col(text(Patents::Title, 500))
        .col(ColumnDef::new(Patents::Inventors).text().not_null())
        .col(date_null(Patents::FiledOn))
        .col(date_null(Patents::GrantedOn))
        .col(text_null(Patents::GrantPublicationNumber, 20))
        .col(text_null(Patents::Agency, 200))
        .col(text_null(Patents::IpcMain, 32))
        .col(text_null(Patents::Address, 300))
        .col(ColumnDef::new(Patents::TownshipId).big_integer().null())
        .col(text(Patents::Status, 20))
        .col(ColumnDef::new(Patents::Notes).text().null())
        .col(text(Patents::Source, 16))
        .col(ColumnDef::new(Patents::ImportBatchId).big_integer().null())
        .col(text_null(Patents::FirstApplicantKey, 200))
        .col(ColumnDef::new(Patents::SearchText).text().not_null())
        .foreign_key(
            ForeignKey::create()
                .from(Patents::Table, Patents::TownshipId)
                .to(Townships::Table, Townships::Id)
                .on_delete(ForeignKeyAction::SetNull),
        );
    record_columns(&mut table);
    manager.create_table(table).await?;
    index(
        manager,
        "patents_filed",
        Patents::Table,
        &["filed_on", "id"],
    )
    .await?;
    index(
        manager,
        "patents_granted",
        Patents::Table,
        &["granted_on", "id"],
    )
    .await?;
    index(
        manager,
        "patents_type_granted",
        Patents::Table,
        &["patent_type", "granted_on"],
    )
    .await?;
    index(
        manager,
        "patents_township_type_granted",
        Patents::Table,
        &["township_id", "patent_type", "granted_on"],
    )
    .await?;
    index(
        manager,
        "patents_status",
        Patents::Table,
        &["status", "filed_on"],
    )
    .await?;
    index(
        manager,
        "patents_first_applicant",
        Patents::Table,
        &["first_applicant_key"],
    )
    .await
}

async fn create_applicants(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(PatentApplicants::Table)
                .col(id(PatentApplicants::Id))
                .col(
                    ColumnDef::new(PatentApplicants::PatentId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PatentApplicants::Position)
                        .integer()
                        .not_null(),
                )
                .col(text(PatentApplicants::Name, 200))
                .col(text(PatentApplicants::NameKey, 200))
                .col(
                    ColumnDef::new(PatentApplicants::EnterpriseId)
                        .big_integer()
                        .null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PatentApplicants::Table, PatentApplicants::PatentId)
                        .to(Patents::Table, Patents::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PatentApplicants::Table, PatentApplicants::EnterpriseId)
                        .to(Enterprises::Table, Enterprises::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "patent_applicants_patent",
        PatentApplicants::Table,
        &["patent_id", "position"],
    )
    .await?;
    index(
        manager,
        "patent_applicants_name",
        PatentApplicants::Table,
        &["name_key"],
    )
    .await?;
    index(
        manager,
        "patent_applicants_enterprise",
        PatentApplicants::Table,
        &["enterprise_id", "patent_id"],
    )
    .await
}

async fn create_events(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(PatentEvents::Table)
                .col(id(PatentEvents::Id))
                .col(
                    ColumnDef::new(PatentEvents::PatentId)
                        .big_integer()
                        .not_null(),
                )
                .col(text(PatentEvents::Status, 20))
                .col(ColumnDef::new(PatentEvents::HappenedOn).date().not_null())
                .col(ColumnDef::new(PatentEvents::Note).text().null())
                .col(text_null(PatentEvents::PublicationNumber, 20))
                .col(
                    ColumnDef::new(PatentEvents::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PatentEvents::Table, PatentEvents::PatentId)
                        .to(Patents::Table, Patents::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "patent_events_patent",
        PatentEvents::Table,
        &["patent_id", "happened_on"],
    )
    .await
}

/// The register's text search: each patent's title, applicants and inventors as terms (Chinese
/// as overlapping character pairs, other words whole), so that a two-character search such as 茶叶
/// is an index lookup instead of a scan of a million titles. SQLite keeps them in an FTS5 table,
/// PostgreSQL in a tsvector with a GIN index.
async fn create_search(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        sea_orm_migration::sea_orm::DbBackend::Postgres => {
            db.execute_unprepared(
                "CREATE TABLE patent_search (patent_id BIGINT PRIMARY KEY REFERENCES patents (id) ON DELETE CASCADE, terms TSVECTOR NOT NULL)",
            )
            .await?;
            db.execute_unprepared(
                "CREATE INDEX patent_search_terms ON patent_search USING GIN (terms)",
            )
            .await?;
        }
        _ => {
            db.execute_unprepared(
                "CREATE VIRTUAL TABLE patent_search USING fts5(terms, content='', contentless_delete=1, tokenize='unicode61')",
            )
            .await?;
        }
    }
    Ok(())
}

#[derive(DeriveIden, Clone, Copy)]
enum Townships {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Enterprises {
    Table,
    Id,
    Name,
    NameKey,
    SortKey,
    CreditCode,
    TownshipId,
    Address,
    Industry,
    HighTechCertificate,
    HighTechIssuedOn,
    HighTechExpiresOn,
    TechSme,
    ContactName,
    ContactPhone,
    Notes,
}

#[derive(DeriveIden, Clone, Copy)]
enum EnterpriseNames {
    Table,
    NameKey,
    EnterpriseId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Patents {
    Table,
    Id,
    ApplicationNumber,
    PatentType,
    Title,
    Inventors,
    FiledOn,
    GrantedOn,
    GrantPublicationNumber,
    Agency,
    IpcMain,
    Address,
    TownshipId,
    Status,
    Notes,
    Source,
    ImportBatchId,
    FirstApplicantKey,
    SearchText,
}

#[derive(DeriveIden, Clone, Copy)]
enum PatentApplicants {
    Table,
    Id,
    PatentId,
    Position,
    Name,
    NameKey,
    EnterpriseId,
}

#[derive(DeriveIden, Clone, Copy)]
enum PatentEvents {
    Table,
    Id,
    PatentId,
    Status,
    HappenedOn,
    Note,
    PublicationNumber,
    CreatedAt,
}
