//! The settings page: jurisdiction, time zone, townships and agencies, with their validation.

use rocket::http::Status;

use crate::support::{Page, TestApp};

async fn county(app: &TestApp) -> serde_json::Value {
    app.get("/api/v1/settings").await.json()["county"].clone()
}

async fn township_names(app: &TestApp, archived: bool) -> Vec<String> {
    let list = app
        .get(&format!("/api/v1/townships?archived={archived}"))
        .await
        .json();
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["name"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn township(app: &TestApp, name: &str) -> serde_json::Value {
    let list = app.get("/api/v1/townships?archived=true").await.json();
    list.as_array()
        .and_then(|items| items.iter().find(|i| i["name"] == name).cloned())
        .unwrap_or_else(|| panic!("no township {name}"))
}

async fn add_township(app: &TestApp, name: &str) -> Page {
    app.post_form("/settings/townships", &[("name", name)])
        .await
}

#[rocket::async_test]
async fn saving_the_jurisdiction_shows_a_message_and_the_values() {
    let app = TestApp::admin().await;
    let page = app
        .post_form(
            "/settings/jurisdiction",
            &[
                ("county", " 秭归县\u{3000}"),
                ("aliases", "秭归、归州"),
                ("case_prefix", "秭"),
            ],
        )
        .await;
    assert_eq!(page.status, Status::SeeOther);
    assert_eq!(page.location.as_deref(), Some("/settings"));
    let shown = app.follow(&page).await;
    shown.assert_contains(&[
        "辖区已保存。",
        "value=\"秭归县\"",
        "value=\"秭归，归州\"",
        "value=\"秭\"",
    ]);
    // The message shows once.
    app.get("/settings").await.assert_lacks(&["辖区已保存。"]);
    let json = app.get("/api/v1/settings").await.json();
    assert_eq!(json["county"], "秭归县");
    assert_eq!(json["aliases"], serde_json::json!(["秭归", "归州"]));
}

#[rocket::async_test]
async fn an_empty_county_is_refused_with_the_values_kept_and_nothing_written() {
    let app = TestApp::admin().await;
    let page = app
        .post_form(
            "/settings/jurisdiction",
            &[
                ("county", " \u{3000} "),
                ("aliases", "归州"),
                ("case_prefix", "秭"),
            ],
        )
        .await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    page.assert_contains(&[
        "请填写县（区）名称。",
        "aria-invalid=\"true\"",
        "value=\"归州\"",
    ]);
    assert_eq!(county(&app).await, serde_json::Value::Null);

    app.switch_to_english().await;
    let page = app
        .post_form("/settings/jurisdiction", &[("county", "")])
        .await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    page.assert_contains(&["Enter the county&#x27;s name."]);
}

#[rocket::async_test]
async fn an_unknown_timezone_is_refused() {
    let app = TestApp::admin().await;
    let page = app
        .post_form("/settings/timezone", &[("timezone", "Asia/Beijing")])
        .await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    page.assert_contains(&[
        "不认识时区“Asia&#x2f;Beijing”",
        "value=\"Asia&#x2f;Beijing\"",
    ]);
    assert_eq!(
        app.get("/api/v1/settings").await.json()["timezone"],
        "Asia/Shanghai"
    );

    let page = app
        .post_form("/settings/timezone", &[("timezone", "Asia/Urumqi")])
        .await;
    assert_eq!(page.status, Status::SeeOther);
    assert_eq!(
        app.get("/api/v1/settings").await.json()["timezone"],
        "Asia/Urumqi"
    );
}

#[rocket::async_test]
async fn townships_are_added_renamed_reordered_archived_and_restored() {
    let app = TestApp::admin().await;
    for name in ["茅坪镇", "归州镇", "屈原镇"] {
        let page = add_township(&app, name).await;
        assert_eq!(page.status, Status::SeeOther, "{}", page.body);
    }
    app.get("/settings")
        .await
        .assert_contains(&["已添加乡镇“屈原镇”。"]);
    assert_eq!(
        township_names(&app, false).await,
        ["茅坪镇", "归州镇", "屈原镇"]
    );

    let t = township(&app, "归州镇").await;
    let path = format!("/settings/townships/{}/rename", t["id"]);
    let page = app
        .post_form(
            &path,
            &[
                ("name", "归州镇（新）"),
                ("version", &t["version"].to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, Status::SeeOther);

    let t = township(&app, "屈原镇").await;
    let path = format!("/settings/townships/{}/move", t["id"]);
    app.post_form(
        &path,
        &[("direction", "up"), ("version", &t["version"].to_string())],
    )
    .await;
    assert_eq!(
        township_names(&app, false).await,
        ["茅坪镇", "屈原镇", "归州镇（新）"]
    );

    let t = township(&app, "茅坪镇").await;
    let path = format!("/settings/townships/{}/archive", t["id"]);
    app.post_form(&path, &[("version", &t["version"].to_string())])
        .await;
    assert_eq!(
        township_names(&app, false).await,
        ["屈原镇", "归州镇（新）"]
    );
    app.get("/settings").await.assert_contains(&["已归档（1）"]);

    let t = township(&app, "茅坪镇").await;
    let path = format!("/settings/townships/{}/restore", t["id"]);
    app.post_form(&path, &[("version", &t["version"].to_string())])
        .await;
    assert_eq!(
        township_names(&app, false).await,
        ["屈原镇", "归州镇（新）", "茅坪镇"]
    );
}

#[rocket::async_test]
async fn a_township_named_twice_is_refused_and_nothing_is_written() {
    let app = TestApp::admin().await;
    add_township(&app, "茅坪镇").await;
    let page = add_township(&app, " 茅坪镇 ").await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    page.assert_contains(&["乡镇“茅坪镇”已经存在。", "value=\" 茅坪镇 \""]);
    assert_eq!(township_names(&app, true).await, ["茅坪镇"]);

    let page = add_township(&app, "").await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    page.assert_contains(&["请填写乡镇名称。"]);

    // Renaming onto an archived name points to the archived list.
    add_township(&app, "归州镇").await;
    let t = township(&app, "归州镇").await;
    app.post_form(
        &format!("/settings/townships/{}/archive", t["id"]),
        &[("version", &t["version"].to_string())],
    )
    .await;
    let m = township(&app, "茅坪镇").await;
    let page = app
        .post_form(
            &format!("/settings/townships/{}/rename", m["id"]),
            &[("name", "归州镇"), ("version", &m["version"].to_string())],
        )
        .await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    page.assert_contains(&["已归档"]);
    assert_eq!(township_names(&app, false).await, ["茅坪镇"]);
}

#[rocket::async_test]
async fn a_stale_form_gets_409_and_keeps_what_was_typed() {
    let app = TestApp::admin().await;
    add_township(&app, "茅坪镇").await;
    let seen = township(&app, "茅坪镇").await;
    let path = format!("/settings/townships/{}/rename", seen["id"]);
    let version = seen["version"].to_string();
    let first = app
        .post_form(&path, &[("name", "茅坪镇A"), ("version", &version)])
        .await;
    assert_eq!(first.status, Status::SeeOther);
    let second = app
        .post_form(&path, &[("name", "茅坪镇B"), ("version", &version)])
        .await;
    assert_eq!(second.status, Status::Conflict);
    second.assert_contains(&["刚被别人修改过", "value=\"茅坪镇B\""]);
    assert_eq!(township_names(&app, false).await, ["茅坪镇A"]);
}

#[rocket::async_test]
async fn agencies_are_seeded_and_editable() {
    let app = TestApp::admin().await;
    let page = app.get("/settings").await;
    page.assert_contains(&[
        "市场监督管理局(工商)",
        "质量技术监督局",
        "公安局",
        "教育局",
        "农业农村局",
        "卫生健康局",
    ]);
    let added = app
        .post_form("/settings/agencies", &[("name", "文化和旅游局")])
        .await;
    assert_eq!(added.status, Status::SeeOther);
    app.get("/settings")
        .await
        .assert_contains(&["已添加协作单位“文化和旅游局”。"]);
    let duplicate = app
        .post_form("/settings/agencies", &[("name", "公安局")])
        .await;
    assert_eq!(duplicate.status, Status::UnprocessableEntity);
    duplicate.assert_contains(&["协作单位“公安局”已经存在。"]);
}

#[rocket::async_test]
async fn unknown_lists_and_records_are_404() {
    let app = TestApp::admin().await;
    let page = app.post_form("/settings/planets", &[("name", "x")]).await;
    assert_eq!(page.status, Status::NotFound);
    let page = app
        .post_form(
            "/settings/townships/999/rename",
            &[("name", "x"), ("version", "1")],
        )
        .await;
    assert_eq!(page.status, Status::NotFound);
    page.assert_contains(&["找不到这个乡镇"]);
}

/// Posts `path` with the session's CSRF token (or a bearer token) and returns the raw answer.
async fn download(
    app: &TestApp,
    path: &str,
    bearer: Option<&str>,
) -> (Status, Option<String>, Option<String>, Vec<u8>) {
    let mut request = app.client.post(path.to_owned());
    match bearer {
        Some(token) => {
            request = request.header(rocket::http::Header::new(
                "Authorization",
                format!("Bearer {token}"),
            ));
        }
        None => {
            let token = app.forget_csrf();
            app.set_csrf(token.clone());
            let body = format!("csrf_token={}", token.unwrap_or_default());
            request = request.header(rocket::http::ContentType::Form).body(body);
        }
    }
    let response = request.dispatch().await;
    let status = response.status();
    let kind = response.content_type().map(|c| c.to_string());
    let disposition = response
        .headers()
        .get_one("Content-Disposition")
        .map(str::to_owned);
    let bytes = response.into_bytes().await.unwrap_or_default();
    (status, kind, disposition, bytes)
}

#[rocket::async_test]
async fn an_administrator_downloads_a_backup_that_holds_the_registers() {
    let app = TestApp::admin().await;
    add_township(&app, "茅坪镇").await;
    let token = app.token_for("admin").await;
    // An empty desk has nothing to lose; once it holds a record, the dashboard asks for a copy.
    app.get("/").await.assert_lacks(&["还没有备份过"]);
    let enterprise = app
        .send_json(
            rocket::http::Method::Post,
            "/api/v1/enterprises",
            r#"{"name": "秭归橘颂茶业有限公司"}"#,
        )
        .await;
    assert_eq!(enterprise.status, Status::Created, "{}", enterprise.body);
    if app._database.is_postgres() {
        let page = app.get("/settings").await;
        page.assert_contains(&["pg_dump --format=custom"]);
        page.assert_lacks(&["action=\"/settings/backup\""]);
        let (status, _, _, body) = download(&app, "/api/v1/backup", Some(&token)).await;
        assert_eq!(status, Status::BadRequest);
        assert!(String::from_utf8_lossy(&body).contains("pg_dump"));
        // The server's operator backs PostgreSQL up: the dashboard does not ask.
        app.get("/").await.assert_lacks(&["还没有备份过"]);
        return;
    }
    app.get("/settings").await.assert_contains(&[
        "下载备份",
        "action=\"/settings/backup\"",
        "ipdesk restore",
    ]);
    app.get("/")
        .await
        .assert_contains(&["还没有备份过", "action=\"/settings/backup\""]);

    let (status, kind, disposition, bytes) = download(&app, "/settings/backup", None).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(kind.as_deref(), Some("application/vnd.sqlite3"));
    let disposition = disposition.unwrap_or_default();
    assert!(
        disposition.starts_with("attachment; filename=\"ipdesk-backup-")
            && disposition.contains(".sqlite\""),
        "{disposition}"
    );
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    // The copy is a working database holding what was written before it.
    let dir = tempfile::tempdir().unwrap();
    let copy_path = dir.path().join("copy.sqlite");
    std::fs::write(&copy_path, &bytes).unwrap();
    let copy = ipdesk::db::connect(&format!("sqlite://{}?mode=rw", copy_path.display()))
        .await
        .unwrap();
    let townships =
        ipdesk::settings::lists::list(&copy, ipdesk::settings::ListKind::Townships, false)
            .await
            .unwrap();
    assert_eq!(townships.len(), 1);
    // Nothing is left beside the database.
    let folder = ipdesk::db::sqlite_path(&app._database.url)
        .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
        .unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("backup"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The API gives the same, and each copy is in the audit log with who took it.
    let (status, _, _, bytes) = download(&app, "/api/v1/backup", Some(&token)).await;
    assert_eq!(status, Status::Ok);
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    let audit = app.get("/api/v1/audit?entity=database").await.json();
    assert_eq!(audit["total"], 2, "{audit}");
    assert_eq!(audit["entries"][0]["action"], "backup");
    assert_eq!(audit["entries"][0]["actor"], "admin");
    app.get("/admin/audit?entity=database")
        .await
        .assert_contains(&["数据库", "备份", "ipdesk-backup-"]);

    // A recent copy silences the dashboard; a month-old one asks again.
    app.get("/").await.assert_lacks(&["还没有备份过", "天前"]);
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    ipdesk::entities::audit_entry::Entity::update_many()
        .col_expr(
            ipdesk::entities::audit_entry::Column::At,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(40)),
        )
        .filter(ipdesk::entities::audit_entry::Column::Entity.eq("database"))
        .exec(&app.db)
        .await
        .unwrap();
    app.get("/")
        .await
        .assert_contains(&["上次备份数据库已是 40 天前"]);

    // An officer may not take one.
    app.create_user("officer", ipdesk::auth::Role::Officer)
        .await;
    app.login("officer", crate::support::PASSWORD).await;
    let (status, _, _, _) = download(&app, "/settings/backup", None).await;
    assert_eq!(status, Status::Forbidden);
    app.get("/")
        .await
        .assert_lacks(&["天前", "action=\"/settings/backup\""]);
}
