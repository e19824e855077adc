//! Several `ipdesk serve` processes over one PostgreSQL database, as a shared deployment runs
//! them behind nginx: started at the same moment they migrate once between them, a session made
//! on one is honoured by the other, and an import running on one shows its progress on the other.

use std::sync::Barrier;

use migrations::MigratorTrait;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, Statement};

use crate::cli::{Browser, Server, free_port, officer_in_a_county, server_command, start};
use crate::support::TestDatabase;

/// Starts a server per port at the same moment, all with one secret key.
fn start_together(db: &TestDatabase, ports: &[u16]) -> Vec<Server> {
    let key = ipdesk::config::random_key_hex().unwrap();
    let barrier = Barrier::new(ports.len());
    std::thread::scope(|scope| {
        let starting: Vec<_> = ports
            .iter()
            .map(|&port| {
                let (key, barrier) = (&key, &barrier);
                scope.spawn(move || {
                    let mut command = server_command(db, port);
                    command.env("ROCKET_SECRET_KEY", key);
                    barrier.wait();
                    start(command, port)
                })
            })
            .collect();
        starting.into_iter().map(|s| s.join().unwrap()).collect()
    })
}

#[rocket::async_test]
async fn two_instances_share_one_postgres_database() {
    use ipdesk::entities::patent;

    let db = TestDatabase::empty().await;
    if !db.is_postgres() {
        println!(
            "SKIPPED two instances: they share a PostgreSQL database (IPDESK_TEST_DATABASE_URL)"
        );
        return;
    }
    let (a, b) = (free_port(), free_port());
    let _servers = start_together(&db, &[a, b]);

    // Both started on a database neither had seen; every migration was applied exactly once.
    let conn = db.connect().await;
    let applied = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS rows, count(DISTINCT version) AS names FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap();
    let expected = migrations::Migrator::migrations().len() as i64;
    assert_eq!(applied.try_get::<i64>("", "rows").unwrap(), expected);
    assert_eq!(applied.try_get::<i64>("", "names").unwrap(), expected);

    // A session made on A is honoured by B, and B's form token is the session's.
    officer_in_a_county(&conn).await;
    let browser = Browser::sign_in(a);
    assert_eq!(
        Browser::form_token(b, &browser.cookie),
        Some(browser.csrf.clone())
    );
    assert_eq!(Browser::form_token(b, ""), None, "B lets anyone in");

    // B keeps its year-so-far report while nothing is committed; a grant recorded on A shows on
    // B at once.
    let grants = |json: serde_json::Value| json["grants"]["total"].as_i64().unwrap();
    assert_eq!(grants(browser.get_json(b, "/api/v1/reports/ytd")), 0);
    let settings = ipdesk::settings::service::load(&conn).await.unwrap();
    let today = ipdesk::clock::today(settings.timezone);
    let digits = "202010000001";
    let check = ipdesk::patents::number::check_character(digits).unwrap();
    let patent = serde_json::json!({
        "application_number": format!("{digits}{check}"),
        "title": "一种茶叶揉捻装置",
        "applicants": ["秭归县屈原茶业有限公司"],
        "filed_on": "2020-03-02",
        "granted_on": today.to_string(),
    });
    assert_eq!(browser.post_json(a, "/api/v1/patents", &patent), 201);
    assert_eq!(grants(browser.get_json(b, "/api/v1/reports/ytd")), 1);

    // Uploaded on B, committed on A: A's job, watched from B until it is done.
    let id = browser.upload(b, "roster.xlsx", &crate::imports::roster_of(3, 200));
    browser.commit(a, id);
    let done = browser.await_progress(b, id, |json| json["state"] == "committed");
    assert_eq!(done["done"], 200, "{done}");
    assert_eq!(patent::Entity::find().count(&conn).await.unwrap(), 201);

    // A long import on A, held open by the test hook once its 2,000th row is written: B shows
    // the rows written while A's transaction is still open.
    let roster = crate::imports::roster_of(5, 3_000);
    let id = browser.upload(a, "pause-after-2000-roster.xlsx", &roster);
    browser.commit(a, id);
    let running = browser.await_progress(b, id, |json| json["done"].as_u64() >= Some(2_000));
    assert_eq!(running["state"], "running", "{running}");
    assert_eq!(running["total"], 3_000, "{running}");
    assert_eq!(patent::Entity::find().count(&conn).await.unwrap(), 201);
}
