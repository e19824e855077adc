//! The year-to-date report at a million patents. Its counts come from two tallies of the patents
//! (not archived) by grant or filing day: `patent_type_days` by type, `patent_township_days` by
//! township (0 for none) — a year is a thousand or a few thousand rows instead of a hundred
//! thousand index entries. On SQLite they are tables the database keeps by triggers on `patents`,
//! so every write path (the forms, imports and their undo, the seed) passes through them. On
//! PostgreSQL they are views over `patents` with the same columns: a shared deployment's instances
//! write concurrently, and counted tables would make their transactions queue (and deadlock) on
//! the same rows, while PostgreSQL aggregates its indexes fast enough.
//!
//! The enterprises with most grants group the year's grants by first applicant and the enterprise
//! it is linked to, from an index alone: each patent keeps its first applicant's link in
//! `patents.first_applicant_enterprise_id` (the services keep it; filled in here from the
//! applicants), so no grant needs its applicants looked up.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A tally: its table and what it counts by (a column of `patents`, or an expression of one).
pub(crate) struct Tally {
    pub(crate) table: &'static str,
    pub(crate) column: &'static str,
    /// The column's SQL type in the table.
    sql_type: &'static str,
    /// The value counted, over a row of `patents` called `row`.
    pub(crate) value: fn(&str) -> String,
}

pub(crate) const TALLIES: [Tally; 2] = [
    Tally {
        table: "patent_type_days",
        column: "patent_type",
        sql_type: "TEXT",
        value: |row| format!("{row}.patent_type"),
    },
    Tally {
        table: "patent_township_days",
        column: "township_id",
        sql_type: "INTEGER",
        value: |row| format!("COALESCE({row}.township_id, 0)"),
    },
];

/// The dates a patent is counted by, and their names in the tallies.
pub(crate) const DATES: [(&str, &str); 2] = [("granted_on", "granted"), ("filed_on", "filed")];

impl Tally {
    /// The tally as `patents` holds it: the table's backfill and the view's body.
    pub(crate) fn counted(&self) -> String {
        self.counted_where("TRUE")
    }

    /// The tally of the patents that meet `condition`.
    fn counted_where(&self, condition: &str) -> String {
        let value = (self.value)("patents");
        DATES
            .iter()
            .map(|(date, date_of)| {
                format!(
                    "SELECT '{date_of}' AS date_of, {date} AS day, {value} AS {column}, \
                     COUNT(*) AS patents FROM patents \
                     WHERE archived_at IS NULL AND {date} IS NOT NULL AND {condition} \
                     GROUP BY {date}, {value}",
                    column = self.column
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    }

    /// SQLite: adds the patents with ids `first..=last` to the tally, grouped — what the insert
    /// trigger adds one row at a time.
    pub(crate) fn count_inserted(&self, first: i64, last: i64) -> String {
        self.upsert(&self.counted_where(&format!("id BETWEEN {first} AND {last}")))
    }

    /// The rows one patent adds to the tally (`sign` 1) or takes from it (-1), as SELECTs over
    /// the trigger's `row` (NEW or OLD); none for an archived patent.
    fn rows(&self, row: &str, sign: i32) -> String {
        let value = (self.value)(row);
        DATES
            .iter()
            .map(|(date, date_of)| {
                format!(
                    "SELECT '{date_of}', {row}.{date}, {value}, {sign} \
                     WHERE {row}.archived_at IS NULL AND {row}.{date} IS NOT NULL"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    }

    /// A trigger's statement: the rows added, each day's count moved by their sign.
    fn upsert(&self, rows: &str) -> String {
        format!(
            "INSERT INTO {table} (date_of, day, {column}, patents) {rows} \
             ON CONFLICT (date_of, day, {column}) \
             DO UPDATE SET patents = patents + excluded.patents;",
            table = self.table,
            column = self.column
        )
    }

    fn create_table(&self) -> String {
        format!(
            "CREATE TABLE {table} (date_of TEXT NOT NULL, day TEXT NOT NULL, \
             {column} {sql_type} NOT NULL, patents INTEGER NOT NULL, \
             PRIMARY KEY (date_of, day, {column})) WITHOUT ROWID",
            table = self.table,
            column = self.column,
            sql_type = self.sql_type
        )
    }
}

/// The triggers' statements, one per tally, for a patent inserted, deleted and updated.
fn trigger_bodies() -> [String; 3] {
    let body = |rows: &dyn Fn(&Tally) -> String| {
        TALLIES
            .iter()
            .map(|tally| tally.upsert(&rows(tally)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    [
        body(&|t| t.rows("NEW", 1)),
        body(&|t| t.rows("OLD", -1)),
        body(&|t| format!("{} UNION ALL {}", t.rows("OLD", -1), t.rows("NEW", 1))),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("patents"))
                    .add_column(
                        ColumnDef::new(Alias::new("first_applicant_enterprise_id"))
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "UPDATE patents SET first_applicant_enterprise_id = (SELECT a.enterprise_id \
             FROM patent_applicants a WHERE a.patent_id = patents.id AND a.position = 0)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX patents_granted_holders ON patents \
             (granted_on, first_applicant_enterprise_id, first_applicant_key) \
             WHERE archived_at IS NULL",
        )
        .await?;
        if manager.get_database_backend() != DbBackend::Sqlite {
            for tally in &TALLIES {
                let view = format!("CREATE VIEW {} AS {}", tally.table, tally.counted());
                db.execute_unprepared(&view).await?;
            }
            return Ok(());
        }
        for tally in &TALLIES {
            db.execute_unprepared(&tally.create_table()).await?;
            db.execute_unprepared(&format!(
                "INSERT INTO {} (date_of, day, {}, patents) {}",
                tally.table,
                tally.column,
                tally.counted()
            ))
            .await?;
        }
        let [inserted, deleted, updated] = trigger_bodies();
        db.execute_unprepared(&format!(
            "CREATE TRIGGER patents_counted_insert AFTER INSERT ON patents BEGIN {inserted} END"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "CREATE TRIGGER patents_counted_delete AFTER DELETE ON patents BEGIN {deleted} END"
        ))
        .await?;
        // Only when a counted column changes: most edits (titles, notes) leave the counts be.
        db.execute_unprepared(&format!(
            "CREATE TRIGGER patents_counted_update \
             AFTER UPDATE OF granted_on, filed_on, patent_type, township_id, archived_at ON patents \
             WHEN OLD.granted_on IS NOT NEW.granted_on OR OLD.filed_on IS NOT NEW.filed_on \
               OR OLD.patent_type IS NOT NEW.patent_type OR OLD.township_id IS NOT NEW.township_id \
               OR (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL) \
             BEGIN {updated} END"
        ))
        .await?;
        // The counts replace these on SQLite (PostgreSQL's view reads them).
        db.execute_unprepared("DROP INDEX patents_granted_counts")
            .await?;
        db.execute_unprepared("DROP INDEX patents_filed_counts")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Sqlite {
            for trigger in ["insert", "delete", "update"] {
                db.execute_unprepared(&format!("DROP TRIGGER patents_counted_{trigger}"))
                    .await?;
            }
            for tally in &TALLIES {
                db.execute_unprepared(&format!("DROP TABLE {}", tally.table))
                    .await?;
            }
            db.execute_unprepared(
                "CREATE INDEX patents_granted_counts ON patents (granted_on, patent_type, \
                 township_id) WHERE archived_at IS NULL",
            )
            .await?;
            db.execute_unprepared(
                "CREATE INDEX patents_filed_counts ON patents (filed_on, patent_type, \
                 township_id) WHERE archived_at IS NULL",
            )
            .await?;
        } else {
            for tally in &TALLIES {
                db.execute_unprepared(&format!("DROP VIEW {}", tally.table))
                    .await?;
            }
        }
        db.execute_unprepared("DROP INDEX patents_granted_holders")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("patents"))
                    .drop_column(Alias::new("first_applicant_enterprise_id"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
