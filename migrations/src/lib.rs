//! Database migrations for ipdesk. One file per migration, applied in order by [`Migrator`].
//! Every migration runs inside a transaction on both SQLite and PostgreSQL, so a failed one leaves
//! nothing half-made.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_foundation;
mod m20261128_000002_auth;
mod m20261128_000003_patents;
mod m20261128_000004_imports;
mod m20261128_000005_targets;
mod m20261128_000006_report_indexes;
mod m20261128_000007_report_tallies;
mod m20261128_000008_events;
mod m20261128_000009_visits;
mod m20261128_000010_deadline_rules;
mod m20261128_000011_inspections;
mod m20261128_000012_cases;
mod m20261129_000013_applicant_filings;
mod m20261129_000014_postgres_tallies;
mod m20261129_000015_holder_tally;
mod m20261129_000016_follow_ups_due;
mod m20261130_000017_search_terms_only;
mod m20261202_000018_inserts_counted_by_writer;
mod m20261206_000019_holder_townships;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_foundation::Migration),
            Box::new(m20261128_000002_auth::Migration),
            Box::new(m20261128_000003_patents::Migration),
            Box::new(m20261128_000004_imports::Migration),
            Box::new(m20261128_000005_targets::Migration),
            Box::new(m20261128_000006_report_indexes::Migration),
            Box::new(m20261128_000007_report_tallies::Migration),
            Box::new(m20261128_000008_events::Migration),
            Box::new(m20261128_000009_visits::Migration),
            Box::new(m20261128_000010_deadline_rules::Migration),
            Box::new(m20261128_000011_inspections::Migration),
            Box::new(m20261128_000012_cases::Migration),
            Box::new(m20261129_000013_applicant_filings::Migration),
            Box::new(m20261129_000014_postgres_tallies::Migration),
            Box::new(m20261129_000015_holder_tally::Migration),
            Box::new(m20261129_000016_follow_ups_due::Migration),
            Box::new(m20261130_000017_search_terms_only::Migration),
            Box::new(m20261202_000018_inserts_counted_by_writer::Migration),
            Box::new(m20261206_000019_holder_townships::Migration),
        ]
    }
}

/// PostgreSQL: the transaction setting (`set_config(…, 'on', true)`) under which the report's
/// tallies' insert triggers leave the transaction's inserted patents for it to count itself.
pub const POSTGRES_INSERTS_COUNTED_SETTING: &str =
    m20261202_000018_inserts_counted_by_writer::INSERTS_COUNTED_SETTING;

/// SQLite's triggers that add an inserted patent to the report's tallies (`report_tallies`,
/// `holder_tally`): an upsert per tally per row, most of the database's time in a large import.
/// A bulk load drops them and counts what it inserts with [`sqlite_count_inserted`] instead.
pub const SQLITE_PATENT_INSERT_TRIGGERS: [&str; 2] =
    ["patents_counted_insert", "patents_held_insert"];

/// SQLite: the statements that add the patents with ids `first..=last` to the report's tallies,
/// grouped — what [`SQLITE_PATENT_INSERT_TRIGGERS`] add row by row.
pub fn sqlite_count_inserted(first: i64, last: i64) -> Vec<String> {
    let mut statements: Vec<String> = m20261128_000007_report_tallies::TALLIES
        .iter()
        .map(|tally| tally.count_inserted(first, last))
        .collect();
    statements.push(m20261129_000015_holder_tally::count_inserted(first, last));
    statements
}

/// Columns every mutable record carries: optimistic-locking version and timestamps.
pub(crate) fn record_columns(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(
            ColumnDef::new(Record::Version)
                .integer()
                .not_null()
                .default(1),
        )
        .col(
            ColumnDef::new(Record::CreatedAt)
                .timestamp_with_time_zone()
                .not_null(),
        )
        .col(
            ColumnDef::new(Record::UpdatedAt)
                .timestamp_with_time_zone()
                .not_null(),
        )
        .col(
            ColumnDef::new(Record::ArchivedAt)
                .timestamp_with_time_zone()
                .null(),
        )
}

#[derive(DeriveIden)]
pub(crate) enum Record {
    Version,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
}

/// A big-integer auto-increment primary key.
pub(crate) fn id(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

/// A required string of at most `len` characters.
pub(crate) fn text(column: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(column).string_len(len).not_null().to_owned()
}

/// An optional string of at most `len` characters.
pub(crate) fn text_null(column: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(column).string_len(len).null().to_owned()
}

/// A required instant.
pub(crate) fn at(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

/// An optional instant.
pub(crate) fn at_null(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

/// Runs statements in order (within the migration's transaction).
pub(crate) async fn execute_all(
    manager: &SchemaManager<'_>,
    statements: Vec<String>,
) -> Result<(), DbErr> {
    for statement in statements {
        manager
            .get_connection()
            .execute_unprepared(&statement)
            .await?;
    }
    Ok(())
}

/// Like [`execute_all`] on PostgreSQL; nothing on SQLite (a migration of PostgreSQL's alone).
pub(crate) async fn execute_all_on_postgres(
    manager: &SchemaManager<'_>,
    statements: impl FnOnce() -> Vec<String>,
) -> Result<(), DbErr> {
    if manager.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    execute_all(manager, statements()).await
}

/// An index over named columns.
pub(crate) async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    columns: &[&'static str],
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(Alias::new(*column));
    }
    manager.create_index(statement).await
}
