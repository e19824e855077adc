//! `ipdesk dev seed`: every register filled in realistic proportions, every page showing it, and
//! records made afterwards taking the next ids and case numbers (PostgreSQL's counters moved on).

use ipdesk::auth::Role;
use ipdesk::dev::seed::{Plan, seed};
use ipdesk::entities::{enforcement_case, inspection_problem};
use rocket::http::Status;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::support::{TestApp, patent_table_schema};

/// The foreign keys of the patent tables (PostgreSQL; SQLite's cannot be dropped, so none listed).
async fn foreign_keys_of_patent_tables(db: &sea_orm::DatabaseConnection) -> Vec<String> {
    let sql = "SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
               WHERE contype = 'f' AND conrelid::regclass::text IN \
               ('patents', 'patent_applicants', 'patent_events', 'patent_search') ORDER BY 1";
    strings(db, sql, true).await
}

/// The first column of a query's rows, as text; nothing when `postgres_only` and on SQLite.
async fn strings(db: &sea_orm::DatabaseConnection, sql: &str, postgres_only: bool) -> Vec<String> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let backend = db.get_database_backend();
    if postgres_only && backend != DbBackend::Postgres {
        return Vec::new();
    }
    db.query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index(0).unwrap())
        .collect()
}

/// What the seeded patents should show wherever they are counted or searched: the search index
/// holds each, and the report's tallies count each grant (on PostgreSQL once folded).
async fn assert_patents_counted_and_searchable(app: &TestApp, patents: u64) {
    let counts = strings(
        &app.db,
        "SELECT CAST((SELECT COUNT(*) FROM patent_search) AS TEXT) \
         UNION ALL SELECT CAST((SELECT COALESCE(SUM(patents), 0) FROM patent_type_days \
           WHERE date_of = 'granted') AS TEXT) \
         UNION ALL SELECT CAST((SELECT COALESCE(SUM(patents), 0) FROM patent_township_days \
           WHERE date_of = 'filed') AS TEXT) \
         UNION ALL SELECT CAST((SELECT COUNT(*) FROM patents WHERE granted_on IS NOT NULL) AS TEXT)",
        false,
    )
    .await;
    let grants = counts[3].clone();
    assert_eq!(
        counts,
        [
            patents.to_string(),
            grants.clone(),
            patents.to_string(),
            grants
        ]
    );
    let title = strings(&app.db, "SELECT title FROM patents WHERE id = 4321", false).await;
    let q: String = title[0].chars().skip(2).collect();
    let found = app
        .get(&format!(
            "/api/v1/patents?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        ))
        .await
        .json();
    assert!(found["total"].as_u64().unwrap() > 0, "q={q}: {found}");
}

#[rocket::async_test]
async fn a_seeded_desk_fills_every_register_and_every_page_shows_it() {
    let app = TestApp::signed_in(Role::Officer).await;
    let indexes = patent_table_schema(&app.db).await;
    assert!(indexes.len() > 10, "{indexes:?}");
    let keys = foreign_keys_of_patent_tables(&app.db).await;
    // Large enough to be loaded without the indexes, made again at the end.
    let plan = Plan {
        patents: 10_000,
        enterprises: 400,
    };
    let report = seed(&app.db, plan).await.unwrap();
    assert_eq!((report.patents, report.enterprises), (10_000, 400));
    assert_eq!(patent_table_schema(&app.db).await, indexes);
    assert_eq!(foreign_keys_of_patent_tables(&app.db).await, keys);
    assert_patents_counted_and_searchable(&app, 10_000).await;
    crate::reports::assert_report_sources_true(&app.db, "after a bulk seed").await;
    let made = report.registers;
    assert_eq!((made.visits, made.events, made.inspections), (400, 20, 40));
    assert!(made.cases > 0 && made.cases <= 20, "{made:?}");
    assert!(made.case_steps >= made.cases, "{made:?}");
    // Each case came from a problem found on an inspection, and the problem knows it.
    let linked = inspection_problem::Entity::find()
        .filter(inspection_problem::Column::CaseId.is_not_null())
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(linked, made.cases);

    let case = enforcement_case::Entity::find()
        .order_by_desc(enforcement_case::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    for path in [
        "/",
        "/patents",
        "/enterprises",
        "/visits",
        "/events",
        "/inspections",
        "/cases",
        "/reports",
        "/visits/1",
        "/events/1",
        "/inspections/1",
        &format!("/cases/{}", case.id),
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, Status::Ok, "{path}: {}", page.body);
    }
    app.get("/cases?status=closed")
        .await
        .assert_contains(&["知执字〔"]);

    // A case opened now gets the next id and the next number of its year.
    let opened = crate::cases::open(&app, &crate::cases::counterfeit("2026-11-20")).await;
    assert_eq!(opened.status, Status::Created, "{}", opened.body);
    assert!(opened.json()["id"].as_i64().unwrap() > case.id);
    let visit = app
        .send_json(
            rocket::http::Method::Post,
            "/api/v1/visits",
            r#"{"enterprise_name": "秭归县新开的科技有限公司", "visited_on": "2026-11-20"}"#,
        )
        .await;
    assert_eq!(visit.status, Status::Created, "{}", visit.body);
    assert_eq!(visit.json()["id"], 401);
}
