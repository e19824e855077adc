//! The multi-row writer every bulk load goes through (`db::insert_rows_sharing`): what it stores
//! reads back exactly as it was given, in one statement or in many (on SQLite several statements
//! to a call, their shared values written as literals; on PostgreSQL statements cut by bytes).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sea_orm::{ConnectionTrait, Statement, TransactionTrait, Value};

use crate::support::TestDatabase;

/// A patent row as the test writes it and reads it back.
#[derive(Debug, PartialEq)]
struct Stored {
    id: i64,
    number: String,
    title: String,
    filed_on: Option<NaiveDate>,
    granted_on: Option<NaiveDate>,
    notes: Option<String>,
    first_applicant_key: Option<String>,
    created_at: DateTime<Utc>,
}

/// The time every row is written at: a value the writer shares among the rows.
fn written_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 8, 30, 15)
        .single()
        .unwrap()
        + chrono::Duration::microseconds(123_456)
}

fn patent(id: i64) -> Stored {
    // Texts with what an SQL literal or a wire format must escape, values present and missing.
    let title = match id % 4 {
        0 => format!("茶叶揉捻机 \"第{id}号\""),
        1 => format!("back\\slash\ttab\nnewline\r{id}"),
        2 => format!("O'Brien's 设备 {id} \u{1}控制符"),
        _ => format!("𠀀扩展汉字 {id} 🌱"),
    };
    Stored {
        id,
        number: format!("20261{id:07}"),
        title,
        filed_on: NaiveDate::from_ymd_opt(2026, 1 + (id % 12) as u32, 1 + (id % 28) as u32),
        granted_on: (id % 3 == 0)
            .then(|| NaiveDate::from_ymd_opt(2026, 11, 30))
            .flatten(),
        notes: (id % 2 == 0).then(|| format!("备注 {id}")),
        first_applicant_key: (id % 5 != 0).then(|| format!("申请人{id}")),
        created_at: written_at(),
    }
}

async fn write_and_read(count: i64) -> Vec<Stored> {
    let database = TestDatabase::new().await;
    let db = database.connect().await;
    let at = written_at();
    let shared = [
        ("source", Value::from("import")),
        ("version", Value::from(1)),
        ("created_at", Value::from(at)),
        ("updated_at", Value::from(at)),
    ];
    let columns = [
        "id",
        "application_number",
        "patent_type",
        "title",
        "inventors",
        "filed_on",
        "granted_on",
        "status",
        "notes",
        "first_applicant_key",
        "search_text",
    ];
    let rows = (1..=count)
        .map(|id| {
            let p = patent(id);
            vec![
                p.id.into(),
                p.number.into(),
                "invention".into(),
                p.title.clone().into(),
                "".into(),
                p.filed_on.into(),
                p.granted_on.into(),
                "filed".into(),
                p.notes.into(),
                p.first_applicant_key.into(),
                p.title.into(),
            ]
        })
        .collect();
    let txn = db.begin().await.unwrap();
    ipdesk::db::insert_rows_sharing(&txn, "patents", &shared, &columns, rows)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let sql = "SELECT id, application_number, title, filed_on, granted_on, notes, \
               first_applicant_key, created_at FROM patents ORDER BY id";
    let backend = db.get_database_backend();
    db.query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .iter()
        .map(|row| Stored {
            id: row.try_get_by_index(0).unwrap(),
            number: row.try_get_by_index(1).unwrap(),
            title: row.try_get_by_index(2).unwrap(),
            filed_on: row.try_get_by_index(3).unwrap(),
            granted_on: row.try_get_by_index(4).unwrap(),
            notes: row.try_get_by_index(5).unwrap(),
            first_applicant_key: row.try_get_by_index(6).unwrap(),
            created_at: row.try_get_by_index(7).unwrap(),
        })
        .collect()
}

#[tokio::test]
async fn a_few_rows_written_together_read_back_as_given() {
    let expected: Vec<Stored> = (1..=10).map(patent).collect();
    assert_eq!(write_and_read(10).await, expected);
}

#[tokio::test]
async fn many_rows_written_together_read_back_as_given() {
    let expected: Vec<Stored> = (1..=300).map(patent).collect();
    assert_eq!(write_and_read(300).await, expected);
}
