//! PostgreSQL's COPY for bulk loads: rows streamed in COPY's text format instead of multi-row
//! INSERTs. The server neither parses nor plans a statement per few dozen rows, and the client
//! never waits for an answer until the whole table is sent: a million-patent seed spent three
//! minutes of PostgreSQL's time in INSERTs.

use std::fmt::Write as _;

use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::postgres::{PgConnection, Postgres};
use sea_orm::{DatabaseConnection, Value};

use crate::error::AppError;

/// Sent to the server this many bytes at a time.
const SEND_BYTES: usize = 1 << 20;

/// Copies `rows` (each as many values as `columns`) into `table` over `conn`, within whatever
/// transaction `conn` is in.
pub async fn copy_rows(
    conn: &mut PgConnection,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Value>],
) -> Result<(), AppError> {
    let statement = format!(
        "COPY {table} ({}) FROM STDIN",
        columns
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut copy = conn.copy_in_raw(&statement).await.map_err(internal)?;
    let mut buffer = String::with_capacity(SEND_BYTES + 4096);
    for row in rows {
        if let Err(error) = encode_row(row, &mut buffer) {
            // The connection must leave COPY mode before it can be used (or rolled back) again.
            let _ = copy.abort(error.to_string()).await;
            return Err(error);
        }
        if buffer.len() >= SEND_BYTES {
            copy.send(buffer.as_bytes()).await.map_err(internal)?;
            buffer.clear();
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer.as_bytes()).await.map_err(internal)?;
    }
    copy.finish().await.map_err(internal)?;
    Ok(())
}

/// A connection of its own from the pool (PostgreSQL): COPY needs the driver's connection, which
/// sea-orm's transactions do not lend.
pub async fn connection(db: &DatabaseConnection) -> Result<PoolConnection<Postgres>, AppError> {
    db.get_postgres_connection_pool()
        .acquire()
        .await
        .map_err(internal)
}

/// A driver error met around a COPY (beginning, committing, a statement beside it).
pub fn internal(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("COPY: {error}"))
}

/// One row in COPY's text format: values separated by tabs, `\N` for NULL, a newline at the end.
fn encode_row(row: &[Value], out: &mut String) -> Result<(), AppError> {
    for (index, value) in row.iter().enumerate() {
        if index > 0 {
            out.push('\t');
        }
        encode_value(value, out)?;
    }
    out.push('\n');
    Ok(())
}

fn encode_value(value: &Value, out: &mut String) -> Result<(), AppError> {
    // Writing into a String cannot fail.
    let _ = match value {
        Value::Bool(Some(b)) => write!(out, "{}", if *b { 't' } else { 'f' }),
        Value::Int(Some(n)) => write!(out, "{n}"),
        Value::BigInt(Some(n)) => write!(out, "{n}"),
        Value::Double(Some(n)) => write!(out, "{n}"),
        Value::String(Some(text)) => {
            escape(text, out);
            Ok(())
        }
        Value::ChronoDate(Some(day)) => write!(out, "{}", day.format("%Y-%m-%d")),
        Value::ChronoDateTimeUtc(Some(at)) => {
            write!(out, "{}", at.format("%Y-%m-%d %H:%M:%S%.6f+00"))
        }
        Value::Bool(None)
        | Value::Int(None)
        | Value::BigInt(None)
        | Value::Double(None)
        | Value::String(None)
        | Value::ChronoDate(None)
        | Value::ChronoDateTimeUtc(None) => {
            out.push_str("\\N");
            Ok(())
        }
        other => {
            return Err(AppError::Internal(format!(
                "COPY cannot write the value {other:?}"
            )));
        }
    };
    Ok(())
}

/// A text as COPY reads it back: backslash, tab, newline and carriage return escaped.
fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};

    #[test]
    fn values_are_written_as_copy_reads_them() {
        let day = NaiveDate::from_ymd_opt(2026, 4, 26);
        let at = Utc.with_ymd_and_hms(2026, 3, 15, 8, 30, 0).single();
        let cases: Vec<(Value, &str)> = vec![
            (Value::from(42i64), "42"),
            (Value::from(-7i32), "-7"),
            (Value::from(true), "t"),
            (Value::from(false), "f"),
            (
                Value::from("茶叶\t揉捻\n机\\1\r"),
                "茶叶\\t揉捻\\n机\\\\1\\r",
            ),
            (Value::from(None::<String>), "\\N"),
            (Value::from(None::<i64>), "\\N"),
            (Value::from(day), "2026-04-26"),
            (Value::from(None::<NaiveDate>), "\\N"),
            (Value::from(at), "2026-03-15 08:30:00.000000+00"),
        ];
        for (value, expected) in cases {
            let mut out = String::new();
            encode_value(&value, &mut out).unwrap();
            assert_eq!(out, expected, "{value:?}");
        }
    }

    #[test]
    fn a_row_is_tab_separated_and_ends_in_a_newline() {
        let mut out = String::new();
        encode_row(&[Value::from(1i64), Value::from("a b")], &mut out).unwrap();
        assert_eq!(out, "1\ta b\n");
    }

    #[test]
    fn a_value_copy_cannot_write_is_an_error() {
        let mut out = String::new();
        assert!(encode_value(&Value::from(vec![1u8, 2]), &mut out).is_err());
    }
}
