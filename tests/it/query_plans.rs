//! The plans of the statements behind the hot pages: the dashboard, every register's list, number
//! and text search, a patent's page, the report and the JSON list. Every statement those pages
//! run is captured and explained by the database itself; none may read a whole table of the
//! million-row kind (patents and their applicants, events and search terms) where an index should
//! serve. On PostgreSQL the plans are asked for with sequential scans discouraged, so a scan shows
//! only where no index can do the work.

use std::sync::{Arc, Mutex};

use ipdesk::auth::Role;
use ipdesk::dev::seed::{Plan, seed};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};

use crate::support::TestApp;

/// Tables that grow with the patents, to a million rows and more.
const LARGE: [&str; 4] = [
    "patents",
    "patent_applicants",
    "patent_events",
    "patent_search",
];

/// How the township suggestions reach the patents of enterprises without a township.
const SUGGESTED_FROM: &str = r#""patents"."first_applicant_enterprise_id" = "enterprises"."id""#;

/// The plan of a statement, one line per step.
async fn plan_of(db: &sea_orm::DatabaseConnection, statement: &Statement) -> Vec<String> {
    let backend = db.get_database_backend();
    let (prefix, column) = match backend {
        DbBackend::Postgres => ("EXPLAIN ", "QUERY PLAN"),
        _ => ("EXPLAIN QUERY PLAN ", "detail"),
    };
    let explain = Statement {
        sql: format!("{prefix}{}", statement.sql),
        ..statement.clone()
    };
    let txn = db.begin().await.unwrap();
    if backend == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL enable_seqscan = off")
            .await
            .unwrap();
    }
    let rows = txn.query_all_raw(explain).await.unwrap();
    txn.rollback().await.unwrap();
    rows.iter()
        .map(|row| row.try_get::<String>("", column).unwrap())
        .collect()
}

/// The step of a plan that reads a large table whole, if any: `Seq Scan on patents` (PostgreSQL)
/// or `SCAN patents` without an index (SQLite; a full-text lookup, `VIRTUAL TABLE INDEX`, is an
/// index). A scan that stops at the statement's LIMIT — nothing sorted or grouped before it, as in
/// the capped count of a register's unfiltered total — reads a bounded number of rows, whatever
/// the table's size, and passes.
fn full_scan<'a>(sql: &str, plan: &'a [String]) -> Option<&'a String> {
    let sorted = plan.iter().any(|step| {
        ["TEMP B-TREE", "Sort", "GroupAggregate", "HashAggregate"]
            .iter()
            .any(|word| step.contains(word))
    });
    if sql.contains(" LIMIT ") && !sorted {
        return None;
    }
    plan.iter().find(|step| {
        let step = step.trim_start_matches([' ', '-', '>']);
        let table = step
            .strip_prefix("Seq Scan on ")
            .or_else(|| {
                step.strip_prefix("SCAN ")
                    .filter(|s| !s.contains(" USING ") && !s.contains(" VIRTUAL TABLE INDEX "))
            })
            .and_then(|rest| rest.split_whitespace().next());
        table.is_some_and(|t| LARGE.contains(&t))
    })
}

#[rocket::async_test]
async fn the_hot_pages_read_no_large_table_whole() {
    let seen = Arc::new(Mutex::new(Vec::<Statement>::new()));
    let app = {
        let seen = seen.clone();
        TestApp::spawn_watching(move |info| {
            if !info.failed {
                seen.lock().unwrap().push(info.statement.clone());
            }
        })
        .await
    };
    app.create_user("officer", Role::Officer).await;
    app.login("officer", crate::support::PASSWORD).await;
    let plan = Plan {
        patents: 2_000,
        enterprises: 200,
    };
    seed(&app.db, plan).await.unwrap();
    // Some enterprises without a township, so their pages and the suggestions read the index
    // that counts their patents' townships.
    app.db
        .execute_unprepared("UPDATE enterprises SET township_id = NULL WHERE id <= 20")
        .await
        .unwrap();
    app.db.execute_unprepared("ANALYZE").await.unwrap();
    let number = ipdesk::patents::query::list(&app.db, &Default::default())
        .await
        .unwrap()
        .items
        .first()
        .map(|p| p.application_number.clone())
        .unwrap();
    seen.lock().unwrap().clear();

    let pages = [
        "/".to_owned(),
        "/patents".to_owned(),
        "/patents?type=invention&granted_year=2025&township=%E8%8C%85%E5%9D%AA%E9%95%87".to_owned(),
        format!("/patents?q=ZL{number}"),
        "/patents?q=%E8%8C%B6%E5%8F%B6".to_owned(),
        "/patents/1".to_owned(),
        "/enterprises".to_owned(),
        "/enterprises/1".to_owned(),
        "/enterprises/townships".to_owned(),
        "/visits".to_owned(),
        "/events".to_owned(),
        "/inspections".to_owned(),
        "/cases".to_owned(),
        "/reports".to_owned(),
        "/api/v1/patents?per_page=50".to_owned(),
    ];
    for path in &pages {
        let page = app.get(path).await;
        assert_eq!(page.status.code, 200, "{path}: {}", page.body);
    }
    let statements: Vec<Statement> = std::mem::take(&mut *seen.lock().unwrap());
    let mut explained = 0;
    let mut scans = Vec::new();
    let mut suggestions = 0;
    for statement in statements.iter().filter(|s| {
        let sql = s.sql.trim_start().to_uppercase();
        sql.starts_with("SELECT") || sql.starts_with("WITH")
    }) {
        let plan = plan_of(&app.db, statement).await;
        explained += 1;
        if statement.sql.contains(SUGGESTED_FROM) {
            suggestions += 1;
            let plan = plan.join("\n");
            // PostgreSQL weighs the index against hashing the table's 2,000 patents and may
            // rightly hash them; SQLite takes the index whatever the size.
            let sqlite = app.db.get_database_backend() == DbBackend::Sqlite;
            assert!(
                !sqlite || plan.contains("patents_holder_townships"),
                "the townships of an enterprise's patents are read without their index:\n{plan}"
            );
        }
        if let Some(step) = full_scan(&statement.sql, &plan) {
            scans.push(format!("{step}\n  in {}\n  plan: {plan:#?}", statement.sql));
        }
    }
    assert!(explained > 30, "only {explained} statements were seen");
    assert!(
        suggestions >= 2,
        "the township suggestions were asked {suggestions} times"
    );
    assert!(
        scans.is_empty(),
        "full scans of large tables:\n{}",
        scans.join("\n\n")
    );
}
