//! Writing many rows at once: multi-row inserts with shared values, and dropping tables'
//! secondary indexes (and keys) for a bulk load, to make them again at the end.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::error::AppError;

/// What a bulk load dropped, as the statements that make it again: the seed and the importer
/// both load the patent tables this way. Building an index once over sorted keys is several times
/// cheaper than updating it row by row, and checking a key once over the whole table cheaper than
/// one lookup per row inserted.
#[derive(Debug, Default)]
pub struct Dropped {
    /// Per table.
    indexes: Vec<(String, Vec<String>)>,
    /// SQLite only.
    triggers: Vec<String>,
    /// PostgreSQL only.
    foreign_keys: Vec<String>,
}

impl Dropped {
    /// Drops the secondary indexes of `tables` (and, when `keys`, their foreign keys: PostgreSQL
    /// only) within the caller's transaction, which keeps readers on the old snapshot.
    pub async fn drop(
        db: &impl ConnectionTrait,
        tables: &[&str],
        keys: bool,
    ) -> Result<Dropped, AppError> {
        let mut dropped = Dropped::default();
        for table in tables {
            let indexes = drop_secondary_indexes(db, table).await?;
            dropped.indexes.push(((*table).to_owned(), indexes));
            if keys {
                dropped
                    .foreign_keys
                    .extend(drop_foreign_keys(db, table).await?);
            }
        }
        Ok(dropped)
    }

    /// SQLite: drops the named triggers too, whose work the caller then does in bulk.
    /// PostgreSQL's triggers stay: they act once per statement, not per row.
    pub async fn drop_triggers(
        &mut self,
        db: &impl ConnectionTrait,
        names: &[&str],
    ) -> Result<(), AppError> {
        let backend = db.get_database_backend();
        if backend != DbBackend::Sqlite {
            return Ok(());
        }
        for name in names {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    backend,
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                    [(*name).into()],
                ))
                .await?;
            let Some(row) = row else { continue };
            self.triggers.push(row.try_get_by_index(0)?);
            db.execute_unprepared(&format!("DROP TRIGGER \"{}\"", name.replace('"', "\"\"")))
                .await?;
        }
        Ok(())
    }

    /// Whether triggers were dropped, so that the caller must do their work.
    pub fn dropped_triggers(&self) -> bool {
        !self.triggers.is_empty()
    }

    /// The indexes of one table, taken apart to be made on a connection of their own.
    pub fn take_table(&mut self, table: &str) -> Dropped {
        let (taken, kept) = std::mem::take(&mut self.indexes)
            .into_iter()
            .partition(|(name, _)| name == table);
        self.indexes = kept;
        Dropped {
            indexes: taken,
            ..Dropped::default()
        }
    }

    /// The foreign keys, taken apart: they are best added once no index is being built on the
    /// tables they lock.
    pub fn take_foreign_keys(&mut self) -> Dropped {
        Dropped {
            foreign_keys: std::mem::take(&mut self.foreign_keys),
            ..Dropped::default()
        }
    }

    /// Makes again what was dropped, indexes first, within the caller's transaction.
    pub async fn restore(self, db: &impl ConnectionTrait) -> Result<(), AppError> {
        let statements: Vec<String> = self
            .indexes
            .into_iter()
            .flat_map(|(_, creates)| creates)
            .chain(self.triggers)
            .chain(self.foreign_keys)
            .collect();
        make_again(db, &statements).await
    }
}

/// The secondary indexes of a table, dropped; returns the statements that make them again.
/// Indexes behind constraints (primary keys, UNIQUE) stay.
async fn drop_secondary_indexes(
    db: &impl ConnectionTrait,
    table: &str,
) -> Result<Vec<String>, AppError> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
             WHERE t.relname = $1 AND t.relnamespace = 'public'::regnamespace \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        }
        _ => {
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, [table.into()]))
        .await?;
    let mut creates = Vec::new();
    for row in rows {
        let name: String = row.try_get_by_index(0)?;
        let sql: String = row.try_get_by_index(1)?;
        db.execute_unprepared(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
            .await?;
        creates.push(sql);
    }
    Ok(creates)
}

/// PostgreSQL: the foreign keys of a table, dropped; returns the statements that add them again.
/// SQLite cannot drop a constraint short of making the table again, so there this drops nothing.
async fn drop_foreign_keys(
    db: &impl ConnectionTrait,
    table: &str,
) -> Result<Vec<String>, AppError> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        return Ok(Vec::new());
    }
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = $1::regclass AND contype = 'f'",
            [table.into()],
        ))
        .await?;
    let mut adds = Vec::new();
    for row in rows {
        let name: String = row.try_get_by_index(0)?;
        let definition: String = row.try_get_by_index(1)?;
        let name = format!("\"{}\"", name.replace('"', "\"\""));
        db.execute_unprepared(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}"))
            .await?;
        adds.push(format!(
            "ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
        ));
    }
    Ok(adds)
}

/// Runs the statements that make dropped indexes, triggers and keys again.
async fn make_again(db: &impl ConnectionTrait, creates: &[String]) -> Result<(), AppError> {
    if db.get_database_backend() == DbBackend::Sqlite && !creates.is_empty() {
        // A pooled connection other than the one that dropped them may still hold the schema
        // from before the drop, and would refuse the CREATE as a duplicate: reading the schema
        // table makes it notice the change and load the schema again.
        db.execute_unprepared("SELECT count(*) FROM sqlite_master")
            .await?;
    }
    for sql in creates {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

/// Inserts rows (each as many values as `columns`) in multi-row statements within the caller's
/// transaction: up to 1,000 values per statement and, on SQLite, several statements per call
/// (see [`SQLITE_VALUES_PER_CALL`]), each value moved, never copied.
pub async fn insert_rows(
    db: &impl ConnectionTrait,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<sea_orm::Value>>,
) -> Result<(), AppError> {
    insert_rows_sharing(db, table, &[], columns, rows).await
}

/// Like [`insert_rows`], with `shared` columns that have one value for every row (a batch, a
/// time): bound once per statement and referred to by number from every row on PostgreSQL, written
/// into the statement as literals on SQLite (whose numbered parameters slow a long statement's
/// preparation to a crawl).
pub async fn insert_rows_sharing(
    db: &impl ConnectionTrait,
    table: &str,
    shared: &[(&str, sea_orm::Value)],
    columns: &[&str],
    rows: Vec<Vec<sea_orm::Value>>,
) -> Result<(), AppError> {
    write_rows(db, table, shared, columns, rows, Writing::Insert("")).await
}

/// Updates rows in multi-row statements within the caller's transaction, as [`insert_rows`]
/// inserts them: `columns[0]` is the key each row is matched on, and each row holds a value for
/// every column, the key first; `shared` columns get one value for every row. A statement per
/// thousand values rather than per row: the import's updates and the undo's restores of a
/// hundred thousand patents were a hundred thousand round trips each.
pub async fn update_rows_sharing(
    db: &impl ConnectionTrait,
    table: &str,
    shared: &[(&str, sea_orm::Value)],
    columns: &[&str],
    rows: Vec<Vec<sea_orm::Value>>,
) -> Result<(), AppError> {
    write_rows(db, table, shared, columns, rows, Writing::Update).await
}

/// Deletes the rows of `table` whose `column` holds one of `keys`, a few hundred keys to a
/// statement, within the caller's transaction.
pub async fn delete_where_in(
    db: &impl ConnectionTrait,
    table: &str,
    column: &str,
    keys: Vec<i64>,
) -> Result<(), AppError> {
    let backend = db.get_database_backend();
    let mut keys = keys.as_slice();
    while !keys.is_empty() {
        // Powers of two, so that only a few distinct statements are prepared.
        let count = if keys.len() >= KEYS_PER_DELETE {
            KEYS_PER_DELETE
        } else {
            1 << keys.len().ilog2()
        };
        let (these, rest) = keys.split_at(count);
        keys = rest;
        let mut sql = format!("DELETE FROM {table} WHERE {column} IN (");
        push_placeholders(&mut sql, backend, 0, count);
        sql.push(')');
        let values = these.iter().map(|&key| key.into());
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

/// How many keys one [`delete_where_in`] statement names (4 KiB of values on PostgreSQL).
const KEYS_PER_DELETE: usize = 512;

/// Like [`insert_rows`], each statement ending in `on_conflict` (`ON CONFLICT (…) DO UPDATE …`).
pub async fn upsert_rows(
    db: &impl ConnectionTrait,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<sea_orm::Value>>,
    on_conflict: &str,
) -> Result<(), AppError> {
    write_rows(db, table, &[], columns, rows, Writing::Insert(on_conflict)).await
}

/// What a multi-row statement does with its rows.
#[derive(Clone, Copy)]
enum Writing<'a> {
    /// `INSERT … VALUES …`, ending in this text (an `ON CONFLICT` clause, or nothing).
    Insert(&'a str),
    /// `UPDATE … FROM` the rows, matched on their first column.
    Update,
}

async fn write_rows(
    db: &impl ConnectionTrait,
    table: &str,
    shared: &[(&str, sea_orm::Value)],
    columns: &[&str],
    rows: Vec<Vec<sea_orm::Value>>,
    writing: Writing<'_>,
) -> Result<(), AppError> {
    let backend = db.get_database_backend();
    let shared = SharedValues::new(backend, shared)?;
    let width = columns.len().max(1);
    let max_rows = ((1_000 - shared.bound.len()) / width).max(1);
    let budget = (backend == DbBackend::Postgres).then_some(POSTGRES_STATEMENT_BYTES);
    // Several statements share a call's values only when none is bound for every statement.
    let most_values = match backend {
        DbBackend::Sqlite if shared.bound.is_empty() => SQLITE_VALUES_PER_CALL,
        _ => 0,
    };
    let mut rows = rows.into_iter();
    // Calls with the same statements have the same text, so each is built (and prepared) once.
    let mut texts: HashMap<Vec<usize>, String> = HashMap::new();
    while !rows.as_slice().is_empty() {
        let counts = statements_per_call(rows.as_slice(), max_rows, budget, most_values);
        let mut values: Vec<sea_orm::Value> = shared.bound.clone();
        values.extend(rows.by_ref().take(counts.iter().sum()).flatten());
        let sql = texts
            .entry(counts)
            .or_insert_with_key(|counts| {
                let statements: Vec<String> = counts
                    .iter()
                    .map(|&count| match writing {
                        Writing::Insert(suffix) => {
                            insert_sql(backend, table, &shared, columns, count, suffix)
                        }
                        Writing::Update => update_sql(backend, table, &shared, columns, count),
                    })
                    .collect();
                statements.join("; ")
            })
            .clone();
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

/// How many values one call to SQLite may carry, in several statements run one after another by
/// the connection's thread. Each call is handed to that thread and answered back, and on two busy
/// cores each hand-over can wait for a turn; a call per statement left SQLite idle between them.
const SQLITE_VALUES_PER_CALL: usize = 10_000;

/// The rows of each statement of the next call: statements as [`rows_per_statement`] cuts them,
/// as many as fit in `most_values` values (always at least one). PostgreSQL binds values to one
/// statement at a time, so there `most_values` is 0: one statement a call.
fn statements_per_call(
    next: &[Vec<sea_orm::Value>],
    max_rows: usize,
    budget: Option<usize>,
    most_values: usize,
) -> Vec<usize> {
    let mut counts = Vec::new();
    let (mut taken, mut values) = (0, 0);
    while taken < next.len() {
        let count = rows_per_statement(&next[taken..], max_rows, budget);
        let more: usize = next[taken..taken + count].iter().map(Vec::len).sum();
        if !counts.is_empty() && values + more > most_values {
            break;
        }
        counts.push(count);
        taken += count;
        values += more;
    }
    counts
}

/// The most bytes of values a statement carries to PostgreSQL. The driver (sqlx 0.9) leaves
/// Nagle's algorithm on, and over TLS a longer message goes out as two records in two writes: the
/// second waits for the server's delayed acknowledgement of the first, 40 ms each time. A
/// statement that fits in one record (16 KiB) never waits.
const POSTGRES_STATEMENT_BYTES: usize = 14_000;

/// How many names (enterprise names, name keys) one lookup asks for: names are long, and 200 of
/// them keep the query within one TLS record (see [`POSTGRES_STATEMENT_BYTES`]).
pub const NAMES_PER_LOOKUP: usize = 200;

/// How many of the `next` rows the next statement takes: at most `max_rows`, and within `budget`
/// bytes when there is one (always at least one row). A statement short of `max_rows` takes a
/// power of two, so that only a few distinct statements are ever prepared.
fn rows_per_statement(
    next: &[Vec<sea_orm::Value>],
    max_rows: usize,
    budget: Option<usize>,
) -> usize {
    let mut bytes = 0;
    let mut fit = 0;
    for row in next.iter().take(max_rows) {
        bytes += row.iter().map(encoded_len).sum::<usize>();
        if budget.is_some_and(|budget| bytes > budget) && fit > 0 {
            break;
        }
        fit += 1;
    }
    if fit == max_rows {
        fit
    } else {
        1 << fit.max(1).ilog2()
    }
}

/// About what a value takes on the wire: its length word and its bytes.
fn encoded_len(value: &sea_orm::Value) -> usize {
    use sea_orm::Value;
    4 + match value {
        Value::String(Some(text)) => text.len(),
        Value::String(None) | Value::Int(None) | Value::BigInt(None) => 0,
        _ => 8,
    }
}

/// The shared columns of a multi-row insert: their names, the text each row repeats for them,
/// and the values bound once.
struct SharedValues {
    names: Vec<String>,
    /// Each shared column's value as the statement writes it: a literal or a parameter.
    exprs: Vec<String>,
    per_row: String,
    bound: Vec<sea_orm::Value>,
}

impl SharedValues {
    fn new(
        backend: DbBackend,
        shared: &[(&str, sea_orm::Value)],
    ) -> Result<SharedValues, AppError> {
        let mut exprs = Vec::new();
        let mut bound = Vec::new();
        for (_, value) in shared {
            if backend == DbBackend::Postgres {
                bound.push(value.clone());
                exprs.push(format!("${}", bound.len()));
            } else {
                exprs.push(sqlite_literal(value)?);
            }
        }
        Ok(SharedValues {
            names: shared.iter().map(|(n, _)| (*n).to_owned()).collect(),
            per_row: exprs.iter().map(|expr| format!("{expr}, ")).collect(),
            exprs,
            bound,
        })
    }
}

/// A value written into SQLite's SQL text, stored exactly as the driver would bind it.
fn sqlite_literal(value: &sea_orm::Value) -> Result<String, AppError> {
    use sea_orm::Value;
    let quoted = |text: &str| format!("'{}'", text.replace('\'', "''"));
    match value {
        Value::Int(Some(n)) => Ok(n.to_string()),
        Value::BigInt(Some(n)) => Ok(n.to_string()),
        Value::String(Some(text)) if !text.contains('\0') => Ok(quoted(text)),
        // The driver's own text form of a time (RFC 3339, as many decimals as needed).
        Value::ChronoDateTimeUtc(Some(at)) => Ok(quoted(
            &at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
        )),
        other => Err(AppError::Internal(format!(
            "no SQLite literal for the shared value {other:?}"
        ))),
    }
}

/// `INSERT INTO t (k, a, b) VALUES (…shared, ?, ?), (…shared, ?, ?) suffix` (`$n` on
/// PostgreSQL).
fn insert_sql(
    backend: DbBackend,
    table: &str,
    shared: &SharedValues,
    columns: &[&str],
    rows: usize,
    suffix: &str,
) -> String {
    let names: Vec<&str> = shared
        .names
        .iter()
        .map(String::as_str)
        .chain(columns.iter().copied())
        .collect();
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", names.join(", "));
    push_rows(
        &mut sql,
        backend,
        &shared.per_row,
        shared.bound.len(),
        columns.len(),
        rows,
    );
    if !suffix.is_empty() {
        sql.push(' ');
        sql.push_str(suffix);
    }
    sql
}

/// `WITH v (k, a, b) AS (VALUES (?, ?, ?), …) UPDATE t SET …shared, a = v.a, b = v.b FROM v
/// WHERE t.k = v.k` (`$n` on PostgreSQL, whose shared values are bound first).
fn update_sql(
    backend: DbBackend,
    table: &str,
    shared: &SharedValues,
    columns: &[&str],
    rows: usize,
) -> String {
    let mut sql = format!("WITH v ({}) AS (VALUES ", columns.join(", "));
    push_rows(
        &mut sql,
        backend,
        "",
        shared.bound.len(),
        columns.len(),
        rows,
    );
    let sets: Vec<String> = shared
        .names
        .iter()
        .zip(&shared.exprs)
        .map(|(name, expr)| format!("{name} = {expr}"))
        .chain(columns.iter().skip(1).map(|c| format!("{c} = v.{c}")))
        .collect();
    let key = columns.first().copied().unwrap_or("id");
    sql.push_str(&format!(
        ") UPDATE {table} SET {} FROM v WHERE {table}.{key} = v.{key}",
        sets.join(", ")
    ));
    sql
}

/// `(…prefix, ?, ?), (…prefix, ?, ?)`: `rows` rows of `width` parameters, numbered on
/// PostgreSQL from after the `bound` ones.
fn push_rows(
    sql: &mut String,
    backend: DbBackend,
    prefix: &str,
    bound: usize,
    width: usize,
    rows: usize,
) {
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        sql.push_str(prefix);
        push_placeholders(sql, backend, bound + row * width, width);
        sql.push(')');
    }
}

/// `?, ?, ?` (or `$n, $n+1, …` on PostgreSQL, from `after` + 1): `count` parameters.
fn push_placeholders(sql: &mut String, backend: DbBackend, after: usize, count: usize) {
    use std::fmt::Write;
    for n in after + 1..=after + count {
        if n > after + 1 {
            sql.push_str(", ");
        }
        match backend {
            DbBackend::Postgres => {
                let _ = write!(sql, "${n}");
            }
            _ => sql.push('?'),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Value;

    fn rows(count: usize, text_bytes: usize) -> Vec<Vec<Value>> {
        (0..count)
            .map(|i| vec![Value::from(i as i64), Value::from("x".repeat(text_bytes))])
            .collect()
    }

    #[test]
    fn an_update_matches_its_rows_on_their_first_column() {
        let at = Value::from(7i64);
        let cases = [
            (
                DbBackend::Sqlite,
                "WITH v (id, a, b) AS (VALUES (?, ?, ?), (?, ?, ?)) UPDATE t SET at = 7, \
                 a = v.a, b = v.b FROM v WHERE t.id = v.id",
            ),
            (
                DbBackend::Postgres,
                "WITH v (id, a, b) AS (VALUES ($2, $3, $4), ($5, $6, $7)) UPDATE t SET at = $1, \
                 a = v.a, b = v.b FROM v WHERE t.id = v.id",
            ),
        ];
        for (backend, expected) in cases {
            let shared = SharedValues::new(backend, &[("at", at.clone())]).unwrap();
            let sql = update_sql(backend, "t", &shared, &["id", "a", "b"], 2);
            assert_eq!(sql, expected, "{backend:?}");
        }
    }

    #[test]
    fn statements_take_full_loads_or_powers_of_two_within_the_budget() {
        // (rows waiting, bytes of text per row, most rows, budget) → rows taken
        let cases = [
            (500, 10, 100, None, 100),
            (30, 10, 100, None, 16),
            (1, 10, 100, None, 1),
            (500, 10, 100, Some(14_000), 100),
            // 1,016 bytes a row: 13 fit in 14,000 bytes, so 8.
            (500, 1_000, 100, Some(14_000), 8),
            // A row larger than the budget still goes, alone.
            (5, 20_000, 100, Some(14_000), 1),
        ];
        for (waiting, bytes, max_rows, budget, taken) in cases {
            assert_eq!(
                rows_per_statement(&rows(waiting, bytes), max_rows, budget),
                taken,
                "{waiting} rows of {bytes} bytes, at most {max_rows}, budget {budget:?}"
            );
        }
    }

    #[test]
    fn calls_take_whole_statements_up_to_their_values() {
        // (rows waiting of two values each, most rows a statement, most values a call) → the
        // rows of each statement of the first call
        let cases: [(usize, usize, usize, &[usize]); 5] = [
            // SQLite: 500 rows (1,000 values) in one call; the rest in powers of two.
            (500, 100, 10_000, &[100, 100, 100, 100, 100]),
            (530, 100, 10_000, &[100, 100, 100, 100, 100, 16, 8, 4, 2]),
            // A call stops before the statement that would take it over its values.
            (500, 100, 500, &[100, 100]),
            // PostgreSQL: one statement a call.
            (500, 100, 0, &[100]),
            (3, 100, 0, &[2]),
        ];
        for (waiting, max_rows, most_values, counts) in cases {
            assert_eq!(
                statements_per_call(&rows(waiting, 1), max_rows, None, most_values),
                counts,
                "{waiting} rows, at most {max_rows} a statement and {most_values} values a call"
            );
        }
    }
}
