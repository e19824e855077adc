//! `GET /healthz` for monitoring.

use rocket::http::Status;

use crate::support::TestApp;

#[rocket::async_test]
async fn healthy_when_the_database_answers() {
    let app = TestApp::spawn().await;
    let page = app.get("/healthz").await;
    assert_eq!(page.status, Status::Ok);
    assert_eq!(
        page.json(),
        serde_json::json!({"status": "ok", "database": "ok"})
    );
}

#[rocket::async_test]
async fn unavailable_when_the_database_does_not_answer() {
    let app = TestApp::spawn().await;
    // The application shares this pool; closing it is the database going away.
    app.db.close_by_ref().await.expect("close");
    let page = app.get("/healthz").await;
    assert_eq!(page.status, Status::ServiceUnavailable);
    assert_eq!(page.json()["database"], "unavailable");
    // Pages say so in one sentence instead of crashing.
    let home = app.get("/login").await;
    assert_eq!(home.status, Status::ServiceUnavailable);
    home.assert_contains(&["数据库暂时无法访问"]);
}
