//! PostgreSQL's tallies become counted tables too, without making concurrent writers queue.
//!
//! Until now `patent_type_days` and `patent_township_days` were views over `patents` on
//! PostgreSQL: a million patents made each of the report's statements read a year or two of index
//! (200 ms and more). Counted rows kept by row triggers, as on SQLite, would make every writer
//! update the same day rows, so two instances importing at once would queue on them (or
//! deadlock). Here each tally is two tables: `<tally>_counts`, one row per day and value, and
//! `<tally>_deltas`, which statement triggers on `patents` only ever insert into — one row per day
//! and value a statement changed, with the signed change, so writers never touch a shared row.
//! `fold_patent_tallies()` moves the deltas into the counts in one transaction (one folder at a
//! time, by an advisory lock); the instances call it after imports and every few seconds. The
//! view of each tally's old name is the union of both, so readers see every committed change
//! whether folded or not. SQLite keeps its tables and row triggers (one writer at a time).

use sea_orm_migration::prelude::*;

use crate::m20261128_000007_report_tallies::{DATES, TALLIES, Tally};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The advisory lock that lets one folder run at a time (the migrations' lock is another key).
const FOLD_LOCK_KEY: i64 = 0x6970_6465_736b_0002;

/// The columns of `patents` the tallies count by.
const COUNTED: &str = "granted_on, filed_on, patent_type, township_id, archived_at";

/// A change to `patents` as the triggers see it: the statement's transition tables, each row
/// with its sign. Its name, its event, and its rows given the columns counted.
pub(crate) type Change = (&'static str, &'static str, fn(&str) -> String);

pub(crate) const CHANGES: [Change; 3] = [
    ("inserted", "INSERT", |c| {
        format!("SELECT {c}, 1 AS sign FROM new_rows")
    }),
    ("deleted", "DELETE", |c| {
        format!("SELECT {c}, -1 AS sign FROM old_rows")
    }),
    ("updated", "UPDATE", |c| {
        format!("SELECT {c}, -1 AS sign FROM old_rows UNION ALL SELECT {c}, 1 FROM new_rows")
    }),
];

/// A statement trigger's transition tables for its event.
pub(crate) fn referencing(event: &str) -> &'static str {
    match event {
        "INSERT" => "NEW TABLE AS new_rows",
        "DELETE" => "OLD TABLE AS old_rows",
        _ => "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    }
}

fn sql_type(tally: &Tally) -> &'static str {
    if tally.column == "township_id" {
        "BIGINT"
    } else {
        "TEXT"
    }
}

/// The statement that records, for one tally, what a change did to its days.
fn record(tally: &Tally, changed: &str) -> String {
    let value = (tally.value)("r");
    let per_date = DATES
        .iter()
        .map(|(date, date_of)| {
            format!(
                "SELECT '{date_of}', r.{date}, {value}, SUM(r.sign) FROM ({changed}) r \
                 WHERE r.archived_at IS NULL AND r.{date} IS NOT NULL \
                 GROUP BY r.{date}, {value} HAVING SUM(r.sign) <> 0"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    format!(
        "INSERT INTO {table}_deltas (date_of, day, {column}, patents) {per_date};",
        table = tally.table,
        column = tally.column
    )
}

fn fold(tally: &Tally) -> String {
    format!(
        "WITH moved AS (DELETE FROM {table}_deltas RETURNING date_of, day, {column}, patents) \
         INSERT INTO {table}_counts (date_of, day, {column}, patents) \
         SELECT date_of, day, {column}, SUM(patents) FROM moved \
         GROUP BY date_of, day, {column} ORDER BY date_of, day, {column} \
         ON CONFLICT (date_of, day, {column}) \
         DO UPDATE SET patents = {table}_counts.patents + excluded.patents;",
        table = tally.table,
        column = tally.column
    )
}

fn up_statements() -> Vec<String> {
    let mut statements = Vec::new();
    for tally in &TALLIES {
        let (table, column, kind) = (tally.table, tally.column, sql_type(tally));
        statements.push(format!("DROP VIEW {table}"));
        statements.push(format!(
            "CREATE TABLE {table}_counts (date_of TEXT NOT NULL, day DATE NOT NULL, \
             {column} {kind} NOT NULL, patents BIGINT NOT NULL, \
             PRIMARY KEY (date_of, day, {column}))"
        ));
        statements.push(format!(
            "CREATE TABLE {table}_deltas (date_of TEXT NOT NULL, day DATE NOT NULL, \
             {column} {kind} NOT NULL, patents BIGINT NOT NULL)"
        ));
        statements.push(format!(
            "CREATE INDEX {table}_deltas_day ON {table}_deltas (date_of, day)"
        ));
        statements.push(format!(
            "INSERT INTO {table}_counts (date_of, day, {column}, patents) {}",
            tally.counted()
        ));
        statements.push(format!(
            "CREATE VIEW {table} AS SELECT date_of, day, {column}, patents FROM {table}_counts \
             UNION ALL SELECT date_of, day, {column}, patents FROM {table}_deltas"
        ));
    }
    for (name, event, changed) in CHANGES {
        statements.push(tallied_function("CREATE", name, changed, ""));
        let referencing = referencing(event);
        statements.push(format!(
            "CREATE TRIGGER patents_tallied_{name} AFTER {event} ON patents \
             REFERENCING {referencing} FOR EACH STATEMENT \
             EXECUTE FUNCTION patents_tallied_{name}()"
        ));
    }
    statements.push(fold_function("CREATE", ""));
    statements
}

/// The statement that makes (`CREATE`) or remakes (`CREATE OR REPLACE`) the function behind the
/// statement trigger `patents_tallied_{name}`: it records the change in every day tally, after
/// `guard` (a statement that may return first, or nothing).
pub(crate) fn tallied_function(
    create: &str,
    name: &str,
    changed: fn(&str) -> String,
    guard: &str,
) -> String {
    let changed = changed(COUNTED);
    let body: String = TALLIES.iter().map(|t| record(t, &changed)).collect();
    format!(
        "{create} FUNCTION patents_tallied_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN {guard}{body} RETURN NULL; END $$"
    )
}

/// The statement that makes (`CREATE`) or remakes (`CREATE OR REPLACE`) the folding function:
/// the day tallies' folds, then `more` (a later tally's).
pub(crate) fn fold_function(create: &str, more: &str) -> String {
    let folds: String = TALLIES.iter().map(fold).collect();
    format!(
        "{create} FUNCTION fold_patent_tallies() RETURNS void LANGUAGE plpgsql AS $$ \
         BEGIN PERFORM pg_advisory_xact_lock({FOLD_LOCK_KEY}); {folds} {more} END $$"
    )
}

fn down_statements() -> Vec<String> {
    let mut statements = vec!["DROP FUNCTION fold_patent_tallies()".to_owned()];
    for (name, _, _) in CHANGES {
        statements.push(format!("DROP TRIGGER patents_tallied_{name} ON patents"));
        statements.push(format!("DROP FUNCTION patents_tallied_{name}()"));
    }
    for tally in &TALLIES {
        let table = tally.table;
        statements.push(format!("DROP VIEW {table}"));
        statements.push(format!("DROP TABLE {table}_deltas"));
        statements.push(format!("DROP TABLE {table}_counts"));
        statements.push(format!("CREATE VIEW {table} AS {}", tally.counted()));
    }
    statements
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::execute_all_on_postgres(manager, up_statements).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::execute_all_on_postgres(manager, down_statements).await
    }
}
