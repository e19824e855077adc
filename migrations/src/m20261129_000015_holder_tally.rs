//! The year-to-date report's enterprises with most grants, from a tally instead of the year's
//! grants: `patent_holder_years` counts the grants (of patents not archived) of each year by
//! holder — the enterprise the first applicant is linked to (`enterprise_id`, `holder_key` ''),
//! or the first applicant's name when it is linked to none (`enterprise_id` 0) — with an index on
//! the count, so the ten largest are read, not worked out from 50,000 grants a year. Kept as the
//! day tallies are: by row triggers on SQLite; on PostgreSQL by statement triggers appending to
//! `patent_holder_years_deltas`, folded into `patent_holder_years_counts` by
//! `fold_patent_tallies()`, the view of the tally's name being the union of both.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use crate::m20261129_000014_postgres_tallies::{CHANGES, fold_function, referencing};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "patent_holder_years";

/// The columns of `patents` the tally counts by.
const COUNTED: &str = "granted_on, first_applicant_enterprise_id, first_applicant_key, archived_at";

/// A patent's year of grant, its holder, and whether it counts, over a row called `row`.
fn year(backend: DbBackend, row: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("CAST(EXTRACT(YEAR FROM {row}.granted_on) AS INTEGER)"),
        _ => format!("CAST(substr({row}.granted_on, 1, 4) AS INTEGER)"),
    }
}

fn holder(row: &str) -> String {
    format!(
        "COALESCE({row}.first_applicant_enterprise_id, 0), \
         CASE WHEN {row}.first_applicant_enterprise_id IS NULL \
         THEN {row}.first_applicant_key ELSE '' END"
    )
}

fn counts(row: &str) -> String {
    format!(
        "{row}.archived_at IS NULL AND {row}.granted_on IS NOT NULL \
         AND {row}.first_applicant_key IS NOT NULL"
    )
}

/// The grants counted now, grouped: the backfill.
fn counted(backend: DbBackend) -> String {
    counted_where(backend, "TRUE")
}

/// The grants of the patents that meet `condition`, grouped.
fn counted_where(backend: DbBackend, condition: &str) -> String {
    format!(
        "SELECT {}, {}, COUNT(*) FROM patents p WHERE {} AND {condition} GROUP BY 1, 2, 3",
        year(backend, "p"),
        holder("p"),
        counts("p")
    )
}

/// SQLite's upsert of rows of the tally: each holder's count moved by theirs.
fn upsert(rows: String) -> String {
    format!(
        "INSERT INTO {TABLE} (year, enterprise_id, holder_key, grants) {rows} \
         ON CONFLICT (year, enterprise_id, holder_key) \
         DO UPDATE SET grants = grants + excluded.grants;"
    )
}

/// SQLite: adds the patents with ids `first..=last` to the tally, grouped — what the insert
/// trigger adds one row at a time.
pub(crate) fn count_inserted(first: i64, last: i64) -> String {
    upsert(counted_where(
        DbBackend::Sqlite,
        &format!("p.id BETWEEN {first} AND {last}"),
    ))
}

fn create_table(name: &str) -> String {
    format!(
        "CREATE TABLE {name} (year INTEGER NOT NULL, enterprise_id BIGINT NOT NULL, \
         holder_key TEXT NOT NULL, grants BIGINT NOT NULL, \
         PRIMARY KEY (year, enterprise_id, holder_key))"
    )
}

/// SQLite: a table kept by row triggers, like the day tallies.
fn sqlite_up() -> Vec<String> {
    let backend = DbBackend::Sqlite;
    let rows = |row: &str, sign: i32| {
        format!(
            "SELECT {}, {}, {sign} WHERE {}",
            year(backend, row),
            holder(row),
            counts(row)
        )
    };
    vec![
        format!("{} WITHOUT ROWID", create_table(TABLE)),
        format!("CREATE INDEX {TABLE}_grants ON {TABLE} (year, grants)"),
        format!(
            "INSERT INTO {TABLE} (year, enterprise_id, holder_key, grants) {}",
            counted(backend)
        ),
        format!(
            "CREATE TRIGGER patents_held_insert AFTER INSERT ON patents BEGIN {} END",
            upsert(rows("NEW", 1))
        ),
        format!(
            "CREATE TRIGGER patents_held_delete AFTER DELETE ON patents BEGIN {} END",
            upsert(rows("OLD", -1))
        ),
        // Only when what it counts by changes: most edits leave the counts be.
        format!(
            "CREATE TRIGGER patents_held_update AFTER UPDATE OF {COUNTED} ON patents \
             WHEN OLD.granted_on IS NOT NEW.granted_on \
               OR OLD.first_applicant_enterprise_id IS NOT NEW.first_applicant_enterprise_id \
               OR OLD.first_applicant_key IS NOT NEW.first_applicant_key \
               OR (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL) \
             BEGIN {} END",
            upsert(format!("{} UNION ALL {}", rows("OLD", -1), rows("NEW", 1)))
        ),
    ]
}

fn postgres_fold() -> String {
    format!(
        "WITH moved AS (DELETE FROM {TABLE}_deltas \
         RETURNING year, enterprise_id, holder_key, grants) \
         INSERT INTO {TABLE}_counts (year, enterprise_id, holder_key, grants) \
         SELECT year, enterprise_id, holder_key, SUM(grants) FROM moved \
         GROUP BY year, enterprise_id, holder_key ORDER BY year, enterprise_id, holder_key \
         ON CONFLICT (year, enterprise_id, holder_key) \
         DO UPDATE SET grants = {TABLE}_counts.grants + excluded.grants;"
    )
}

/// PostgreSQL: counts, deltas appended by statement triggers, and the view of both.
fn postgres_up() -> Vec<String> {
    let backend = DbBackend::Postgres;
    let mut statements = vec![
        create_table(&format!("{TABLE}_counts")),
        format!("CREATE INDEX {TABLE}_counts_grants ON {TABLE}_counts (year, grants)"),
        format!(
            "CREATE TABLE {TABLE}_deltas (year INTEGER NOT NULL, enterprise_id BIGINT NOT NULL, \
             holder_key TEXT NOT NULL, grants BIGINT NOT NULL)"
        ),
        format!("CREATE INDEX {TABLE}_deltas_year ON {TABLE}_deltas (year)"),
        format!(
            "INSERT INTO {TABLE}_counts (year, enterprise_id, holder_key, grants) {}",
            counted(backend)
        ),
        format!(
            "CREATE VIEW {TABLE} AS \
             SELECT year, enterprise_id, holder_key, grants FROM {TABLE}_counts UNION ALL \
             SELECT year, enterprise_id, holder_key, grants FROM {TABLE}_deltas"
        ),
    ];
    for (name, event, changed) in CHANGES {
        statements.push(held_function("CREATE", name, changed, ""));
        statements.push(format!(
            "CREATE TRIGGER patents_held_{name} AFTER {event} ON patents \
             REFERENCING {} FOR EACH STATEMENT EXECUTE FUNCTION patents_held_{name}()",
            referencing(event)
        ));
    }
    statements.push(fold_function("CREATE OR REPLACE", &postgres_fold()));
    statements
}

/// PostgreSQL: the statement that makes (`CREATE`) or remakes (`CREATE OR REPLACE`) the function
/// behind the statement trigger `patents_held_{name}`: it appends the change's grants by year and
/// holder to the deltas, after `guard` (a statement that may return first, or nothing).
pub(crate) fn held_function(
    create: &str,
    name: &str,
    changed: fn(&str) -> String,
    guard: &str,
) -> String {
    let record = format!(
        "INSERT INTO {TABLE}_deltas (year, enterprise_id, holder_key, grants) \
         SELECT {}, {}, SUM(r.sign) FROM ({}) r WHERE {} \
         GROUP BY 1, 2, 3 HAVING SUM(r.sign) <> 0;",
        year(DbBackend::Postgres, "r"),
        holder("r"),
        changed(COUNTED),
        counts("r")
    );
    format!(
        "{create} FUNCTION patents_held_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN {guard}{record} RETURN NULL; END $$"
    )
}

fn down(backend: DbBackend) -> Vec<String> {
    if backend == DbBackend::Sqlite {
        let mut statements: Vec<String> = ["insert", "delete", "update"]
            .iter()
            .map(|t| format!("DROP TRIGGER patents_held_{t}"))
            .collect();
        statements.push(format!("DROP TABLE {TABLE}"));
        return statements;
    }
    let mut statements = vec![fold_function("CREATE OR REPLACE", "")];
    for (name, _, _) in CHANGES {
        statements.push(format!("DROP TRIGGER patents_held_{name} ON patents"));
        statements.push(format!("DROP FUNCTION patents_held_{name}()"));
    }
    statements.push(format!("DROP VIEW {TABLE}"));
    statements.push(format!("DROP TABLE {TABLE}_deltas"));
    statements.push(format!("DROP TABLE {TABLE}_counts"));
    statements
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => postgres_up(),
            _ => sqlite_up(),
        };
        crate::execute_all(manager, statements).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::execute_all(manager, down(manager.get_database_backend())).await
    }
}
