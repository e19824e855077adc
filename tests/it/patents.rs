//! The patent register: numbers in any spelling, the lifecycle, linking, locking, API and pages.

use ipdesk::auth::Role;
use rocket::http::{Method, Status};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::support::TestApp;

async fn post_patent(app: &TestApp, body: Value) -> crate::support::Page {
    app.send_json(Method::Post, "/api/v1/patents", &body.to_string())
        .await
}

async fn put_patent(app: &TestApp, id: i64, body: &Value) -> crate::support::Page {
    let path = format!("/api/v1/patents/{id}");
    app.send_json(Method::Put, &path, &body.to_string()).await
}

fn tea(number: &str) -> Value {
    json!({
        "application_number": number,
        "title": "一种茶叶揉捻装置",
        "applicants": ["秭归县屈原茶业有限公司", {"name": "张三"}],
        "inventors": ["张三", "李四"],
        "filed_on": "2017-07-21",
    })
}

async fn officer_with_townships() -> TestApp {
    let app = TestApp::admin().await;
    app.send_json(
        Method::Put,
        "/api/v1/settings/jurisdiction",
        r#"{"county":"秭归县"}"#,
    )
    .await;
    for name in ["茅坪镇", "屈原镇"] {
        app.send_json(
            Method::Post,
            "/api/v1/townships",
            &json!({"name": name}).to_string(),
        )
        .await;
    }
    app
}

#[rocket::async_test]
async fn a_patent_round_trips_through_the_api_with_the_documented_fields() {
    let app = officer_with_townships().await;
    let mut body = tea("ZL 2017 1 0601862");
    body["township"] = json!("屈原镇");
    body["agency"] = json!("宜昌市三峡专利事务所");
    let created = post_patent(&app, body).await;
    assert_eq!(created.status, Status::Created, "{}", created.body);
    let patent = created.json();
    assert_eq!(patent["application_number"], "201710601862.3");
    assert_eq!(patent["patent_type"], "invention");
    assert_eq!(patent["status"], "filed");
    assert_eq!(
        patent["applicants"],
        json!([{"name": "秭归县屈原茶业有限公司", "enterprise_id": null}, {"name": "张三", "enterprise_id": null}])
    );
    assert_eq!(patent["inventors"], json!(["张三", "李四"]));
    assert_eq!(patent["filed_on"], "2017-07-21");
    assert_eq!(patent["township"], "屈原镇");
    assert_eq!(patent["version"], 1);
    assert_eq!(patent["archived"], false);
    let warnings = patent["warnings"].as_array().unwrap();
    assert!(
        warnings[0].as_str().unwrap().contains("201710601862.3"),
        "the computed check character is reported"
    );
    let id = patent["id"].as_i64().unwrap();
    let fetched = app.get(&format!("/api/v1/patents/{id}")).await.json();
    for field in [
        "id",
        "application_number",
        "patent_type",
        "title",
        "applicants",
        "inventors",
        "filed_on",
        "granted_on",
        "grant_publication_number",
        "agency",
        "ipc_main",
        "address",
        "township",
        "status",
        "notes",
        "version",
        "archived",
    ] {
        assert!(fetched.get(field).is_some(), "missing {field}");
    }
}

#[rocket::async_test]
async fn invalid_numbers_answer_422_with_the_reason() {
    let app = TestApp::admin().await;
    let page = post_patent(&app, tea("201711469835.X")).await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    let reason = page.json()["error"]["fields"]["application_number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(reason.contains("应为 1"), "{reason}");
    let page = post_patent(&app, tea("12345")).await;
    assert!(page.json()["error"]["fields"]["application_number"].is_string());
    assert_eq!(
        post_patent(&app, tea("201710601862.3")).await.status,
        Status::Created
    );
    let twice = post_patent(&app, tea("CN2017106018623")).await;
    assert_eq!(twice.status, Status::UnprocessableEntity);
    assert!(
        twice.json()["error"]["fields"]["application_number"]
            .as_str()
            .unwrap()
            .contains("已经登记")
    );
    assert_eq!(app.get("/api/v1/patents").await.json()["total"], 1);
}

#[rocket::async_test]
async fn the_lifecycle_is_enforced_with_reasons() {
    let app = TestApp::admin().await;
    let utility = post_patent(&app, json!({"application_number": "201720601862", "title": "一种柑橘分拣机", "applicants": ["甲公司"], "filed_on": "2017-05-02"})).await.json();
    let id = utility["id"].as_i64().unwrap();
    let events = format!("/api/v1/patents/{id}/events");
    let published = app
        .send_json(
            Method::Post,
            &events,
            r#"{"status":"published","on":"2017-11-01"}"#,
        )
        .await;
    assert_eq!(published.status, Status::UnprocessableEntity);
    assert!(
        published.json()["error"]["fields"]["status"]
            .as_str()
            .unwrap()
            .contains("只适用于发明")
    );
    let early = app
        .send_json(
            Method::Post,
            &events,
            r#"{"status":"granted","on":"2017-01-01"}"#,
        )
        .await;
    assert!(
        early.json()["error"]["fields"]["on"]
            .as_str()
            .unwrap()
            .contains("早于申请日")
    );
    let wrong_kind = app
        .send_json(
            Method::Post,
            &events,
            r#"{"status":"granted","on":"2018-01-09","grant_publication_number":"CN107000001B"}"#,
        )
        .await;
    assert!(wrong_kind.json()["error"]["fields"]["grant_publication_number"].is_string());
    // A grant straight after filing is what rosters report.
    let granted = app
        .send_json(
            Method::Post,
            &events,
            r#"{"status":"granted","on":"2018-01-09","grant_publication_number":"CN206123456U"}"#,
        )
        .await;
    assert_eq!(granted.status, Status::Created, "{}", granted.body);
    let patent = granted.json();
    assert_eq!(patent["status"], "granted");
    assert_eq!(patent["granted_on"], "2018-01-09");
    assert_eq!(patent["grant_publication_number"], "CN206123456U");
    assert_eq!(
        app.send_json(
            Method::Post,
            &events,
            r#"{"status":"lapsed","on":"2021-01-10","note":"未缴年费"}"#
        )
        .await
        .status,
        Status::Created
    );
    let after_terminal = app
        .send_json(
            Method::Post,
            &events,
            r#"{"status":"expired","on":"2027-01-10"}"#,
        )
        .await;
    assert_eq!(after_terminal.status, Status::UnprocessableEntity);
    let page = app.get(&format!("/patents/{id}")).await;
    page.assert_contains(&[
        "未缴年费终止",
        "已授权",
        "2018-01-09",
        "CN206123456U",
        "未缴年费",
    ]);
}

#[rocket::async_test]
async fn a_grant_in_the_first_record_starts_the_history() {
    let app = TestApp::admin().await;
    let mut body = tea("200710308494.X");
    body["filed_on"] = json!("2007-12-25");
    body["granted_on"] = json!("2010-06-02");
    body["grant_publication_number"] = json!("CN101000001B");
    let patent = post_patent(&app, body).await.json();
    assert_eq!(patent["status"], "granted");
    let page = app.get(&format!("/patents/{}", patent["id"])).await;
    page.assert_contains(&["200710308494.X", "ZL200710308494.X", "2010-06-02"]);
}

#[rocket::async_test]
async fn stale_versions_get_409_and_lose_nothing() {
    let app = TestApp::admin().await;
    let patent = post_patent(&app, tea("201710601862.3")).await.json();
    let id = patent["id"].as_i64().unwrap();
    let mut first = tea("201710601862.3");
    first["version"] = json!(1);
    first["title"] = json!("一种茶叶揉捻机");
    assert_eq!(put_patent(&app, id, &first).await.status, Status::Ok);
    let mut second = tea("201710601862.3");
    second["version"] = json!(1);
    second["title"] = json!("另一个名称");
    let stale = put_patent(&app, id, &second).await;
    assert_eq!(stale.status, Status::Conflict);
    assert_eq!(
        app.get(&format!("/api/v1/patents/{id}")).await.json()["title"],
        "一种茶叶揉捻机"
    );

    // The page shows what the other person changed and keeps what this one typed.
    let page = app
        .post_form(
            &format!("/patents/{id}"),
            &[
                ("version", "1"),
                ("application_number", "201710601862.3"),
                ("title", "我的修改"),
                ("applicants", "秭归县屈原茶业有限公司"),
                ("filed_on", "2017-07-21"),
            ],
        )
        .await;
    assert_eq!(page.status, Status::Conflict);
    page.assert_contains(&[
        "刚被别人修改过",
        "一种茶叶揉捻装置",
        "一种茶叶揉捻机",
        "value=\"我的修改\"",
    ]);
}

#[rocket::async_test]
async fn numbers_in_any_spelling_and_chinese_text_find_patents() {
    let app = TestApp::admin().await;
    post_patent(&app, tea("201710601862.3")).await;
    post_patent(&app, json!({"application_number": "200930143483.0", "title": "茶杯（青花）", "applicants": ["乙陶瓷厂"], "filed_on": "2009-05-01"})).await;
    post_patent(&app, json!({"application_number": "200710077832.3", "title": "一种脐橙保鲜方法", "applicants": ["丙农业合作社"], "filed_on": "2007-03-01"})).await;
    for (q, expected) in [
        ("ZL%202017%201%200601862.3", 1),
        ("CN2017106018623", 1),
        ("201710601862", 1),
        ("0601862", 1),
        ("%E8%8C%B6", 2),
        ("%E8%8C%B6%E5%8F%B6", 1),
        ("%E4%B8%99%E5%86%9C%E4%B8%9A", 1),
        ("%E6%9D%8E%E5%9B%9B", 1),
        ("nothing", 0),
    ] {
        let page = app.get(&format!("/api/v1/patents?q={q}")).await.json();
        assert_eq!(page["total"], expected, "q={q}: {page}");
    }
    let filtered = app.get("/api/v1/patents?type=design").await.json();
    assert_eq!(filtered["total"], 1);
    assert_eq!(filtered["items"][0]["title"], "茶杯（青花）");
    // A typo is said, not taken for "every type".
    let typo = app.get("/api/v1/patents?type=desing").await;
    assert_eq!(typo.status, Status::UnprocessableEntity, "{}", typo.body);
    assert!(
        typo.json()["error"]["fields"]["type"]
            .as_str()
            .unwrap()
            .contains("“desing”")
    );
    let typo = app.get("/api/v1/patents?status=lost").await;
    assert_eq!(
        typo.json()["error"]["fields"]["status"],
        "没有“lost”这种法律状态，可选：filed、published、examination、granted、rejected、\
         withdrawn、deemed_withdrawn、lapsed、invalidated、expired。"
    );
    // So is an order the register has not: the list, the API and the export alike.
    let typo = app.get("/api/v1/patents?sort=newest").await;
    assert_eq!(typo.status, Status::UnprocessableEntity, "{}", typo.body);
    assert_eq!(
        typo.json()["error"]["fields"]["sort"],
        "没有“newest”这种排序，可选：filed_desc、filed_asc、granted_desc、granted_asc、number。"
    );
    let typo = app.get("/exports/patents.xlsx?sort=newest").await;
    assert_eq!(typo.status, Status::UnprocessableEntity);
    let page = app.get("/patents?type=desing").await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    page.assert_contains(&["没有“desing”这种专利类型"]);
    let by_year = app.get("/api/v1/patents?filed_year=2007").await.json();
    assert_eq!(by_year["total"], 1);
    let page = app
        .get("/api/v1/patents?per_page=2&page=2&sort=number")
        .await
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["page"], 2);
    assert_eq!(page["per_page"], 2);
    // A page past the end (an old bookmark) says where the rows are, not that none match.
    let past = app.get("/patents?per_page=2&page=9").await;
    assert_eq!(past.status, Status::Ok);
    past.assert_contains(&["这一页已在列表末尾之后：共 3 条，分 2 页。", "转到最后一页"]);
    past.assert_lacks(&["没有符合条件的专利"]);
    assert!(
        past.body.contains("per_page=2&amp;page=2\""),
        "{}",
        past.body
    );
    let html = app.get("/patents?q=%E8%8C%B6").await;
    html.assert_contains(&["一种茶叶揉捻装置", "茶杯（青花）", "共 2 件"]);
    html.assert_lacks(&["脐橙"]);
}

/// The migration that makes SQLite's search index keep terms only (no positions, split at
/// spaces) carries every patent's terms over, down and up again; afterwards new and changed
/// patents are found as before.
#[rocket::async_test]
async fn the_search_index_keeps_its_terms_through_its_migration() {
    use migrations::MigratorTrait;

    let app = TestApp::admin().await;
    post_patent(&app, tea("201710601862.3")).await;
    if app.db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        // The next patent's id is the last of the migration's second pass of 200,000.
        app.db
            .execute_unprepared("UPDATE sqlite_sequence SET seq = 399999 WHERE name = 'patents'")
            .await
            .unwrap();
    }
    post_patent(&app, json!({"application_number": "200710077832.3", "title": "一种脐橙保鲜方法", "applicants": ["丙农业合作社"], "filed_on": "2007-03-01"})).await;
    let found = |q: &'static str| {
        let app = &app;
        let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        async move { app.get(&format!("/api/v1/patents?q={q}")).await.json()["total"].clone() }
    };
    let searches = [
        ("茶叶", 1),
        ("脐橙保鲜", 1),
        ("丙农业", 1),
        ("李四", 1),
        ("茶杯", 0),
    ];
    let migrating = app.migration_connection().await;
    for step in ["down", "up"] {
        if step == "down" {
            migrations::Migrator::down(&migrating, Some(1))
                .await
                .unwrap();
        } else {
            migrations::Migrator::up(&migrating, None).await.unwrap();
        }
        for (q, expected) in searches {
            assert_eq!(
                found(q).await,
                expected,
                "{q} after the migration went {step}"
            );
        }
    }
    if app.db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        let row = app
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "SELECT sql FROM sqlite_master WHERE name = 'patent_search'",
            ))
            .await
            .unwrap()
            .unwrap();
        let sql: String = row.try_get_by_index(0).unwrap();
        assert!(
            sql.contains("detail=none") && sql.contains("'ascii'"),
            "{sql}"
        );
    }
    let mut cup = json!({"application_number": "200930143483.0", "title": "茶杯（青花）", "applicants": ["乙陶瓷厂"], "filed_on": "2009-05-01"});
    let id = post_patent(&app, cup.clone()).await.json()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(found("茶杯").await, 1);
    cup["version"] = json!(1);
    cup["title"] = json!("酒杯（青花）");
    let saved = put_patent(&app, id, &cup).await;
    assert_eq!(saved.status, Status::Ok, "{}", saved.body);
    assert_eq!(found("茶杯").await, 0);
    assert_eq!(found("酒杯").await, 1);
}

#[rocket::async_test]
async fn applicants_link_to_enterprises_both_ways_and_by_alias() {
    let app = TestApp::admin().await;
    let enterprise = app
        .send_json(
            Method::Post,
            "/api/v1/enterprises",
            r#"{"name":"秭归县屈原茶业有限公司","credit_code":"91350100M000100Y43"}"#,
        )
        .await;
    assert_eq!(enterprise.status, Status::Created, "{}", enterprise.body);
    let enterprise_id = enterprise.json()["id"].as_i64().unwrap();
    // A later patent links by its (differently spaced) name.
    let mut body = tea("201710601862.3");
    body["applicants"] = json!(["秭归县 屈原茶业有限公司"]);
    let patent = post_patent(&app, body).await.json();
    assert_eq!(patent["applicants"][0]["enterprise_id"], enterprise_id);
    // An earlier patent links when the enterprise is created.
    let other = post_patent(&app, json!({"application_number": "200710077832.3", "title": "脐橙保鲜", "applicants": ["宜昌（秭归）橘颂公司"], "filed_on": "2007-03-01"})).await.json();
    assert_eq!(other["applicants"][0]["enterprise_id"], Value::Null);
    let unlinked = app.get("/api/v1/enterprises/unlinked").await.json();
    assert_eq!(unlinked["items"][0]["name"], "宜昌（秭归）橘颂公司");
    let page = app.get("/enterprises/unlinked").await;
    page.assert_contains(&["宜昌（秭归）橘颂公司", "新建为企业"]);
    let created = app
        .post_form(
            "/enterprises/unlinked/create",
            &[("name", "宜昌(秭归)橘颂公司")],
        )
        .await;
    assert_eq!(created.status, Status::SeeOther);
    let linked = app
        .get(&format!("/api/v1/patents/{}", other["id"]))
        .await
        .json();
    assert!(
        linked["applicants"][0]["enterprise_id"].is_i64(),
        "{linked}"
    );
    // An alias: an old name links to the existing enterprise, now and for future patents.
    let alias = app
        .send_json(
            Method::Post,
            &format!("/api/v1/enterprises/{enterprise_id}/names"),
            r#"{"name":"屈原茶业"}"#,
        )
        .await;
    assert_eq!(alias.status, Status::Created);
    let third = post_patent(&app, json!({"application_number": "201730601862", "title": "茶叶包装盒", "applicants": ["屈原茶业"], "filed_on": "2017-08-01"})).await.json();
    assert_eq!(third["applicants"][0]["enterprise_id"], enterprise_id);
    let linked_only = app.get("/api/v1/patents?linked=false").await.json();
    assert_eq!(linked_only["total"], 0);
    let of_enterprise = app
        .get(&format!("/api/v1/patents?enterprise={enterprise_id}"))
        .await
        .json();
    assert_eq!(of_enterprise["total"], 2);
    // Grants show per year on the enterprise's page; the patent's page links the enterprise.
    let id = patent["id"].as_i64().unwrap();
    let granted = app
        .send_json(
            Method::Post,
            &format!("/api/v1/patents/{id}/events"),
            r#"{"status":"granted","on":"2019-03-01"}"#,
        )
        .await;
    assert_eq!(granted.status, Status::Created);
    let page = app.get(&format!("/enterprises/{enterprise_id}")).await;
    assert_eq!(page.status, Status::Ok);
    page.assert_contains(&[
        "秭归县屈原茶业有限公司",
        "91350100M000100Y43",
        "一种茶叶揉捻装置",
        "茶叶包装盒",
        "<th scope=\"row\">2019</th>",
    ]);
    // The same figures through the API: each type with its granted and pending patents.
    let figures = app
        .get(&format!("/api/v1/enterprises/{enterprise_id}/figures"))
        .await
        .json();
    assert_eq!(figures["total"], 2, "{figures}");
    assert_eq!(figures["granted_by_type"]["invention"], 1, "{figures}");
    assert_eq!(figures["pending_by_type"]["design"], 1, "{figures}");
    assert_eq!(
        figures["grants_by_year"]["2019"]["invention"], 1,
        "{figures}"
    );
    let missing = app.get("/api/v1/enterprises/999999/figures").await;
    assert_eq!(missing.status, Status::NotFound);
    let patent_page = app.get(&format!("/patents/{id}")).await;
    assert_eq!(patent_page.status, Status::Ok);
    patent_page.assert_contains(&[
        &format!("href=\"/enterprises/{enterprise_id}\""),
        "（秭归县 屈原茶业有限公司）",
    ]);
}

#[rocket::async_test]
async fn archive_and_restore_are_for_admins_and_archived_patents_leave_the_register() {
    let app = TestApp::admin().await;
    let id = post_patent(&app, tea("201710601862.3")).await.json()["id"]
        .as_i64()
        .unwrap();
    let archived = app
        .send_json(
            Method::Post,
            &format!("/api/v1/patents/{id}/archive"),
            r#"{"version":1}"#,
        )
        .await;
    assert_eq!(archived.status, Status::Ok);
    assert_eq!(app.get("/api/v1/patents").await.json()["total"], 0);
    assert_eq!(
        app.get("/api/v1/patents?archived=true").await.json()["total"],
        1
    );
    let event = app
        .send_json(
            Method::Post,
            &format!("/api/v1/patents/{id}/events"),
            r#"{"status":"granted","on":"2019-01-01"}"#,
        )
        .await;
    assert_eq!(event.status, Status::Conflict);
    let restored = app
        .post_form(&format!("/patents/{id}/restore"), &[("version", "2")])
        .await;
    assert_eq!(restored.status, Status::SeeOther);
    assert_eq!(app.get("/api/v1/patents").await.json()["total"], 1);

    let officer = TestApp::signed_in(Role::Officer).await;
    let token = officer.token_for("officer").await;
    let refused = crate::support::with_bearer(
        &officer,
        Method::Post,
        "/api/v1/patents/1/archive",
        &token,
        Some(r#"{"version":1}"#),
    )
    .await;
    assert_eq!(refused.status, Status::Forbidden);
}

#[rocket::async_test]
async fn the_forms_keep_values_and_show_errors_beside_fields() {
    let app = TestApp::admin().await;
    let page = app
        .post_form(
            "/patents",
            &[
                ("application_number", "201710601862.4"),
                ("title", ""),
                ("applicants", "甲公司\n乙公司"),
                ("filed_on", "2017-02-30"),
            ],
        )
        .await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    page.assert_contains(&[
        "校验位应为 3",
        "请填写专利名称。",
        "不是有效的日期",
        "value=\"201710601862.4\"",
        "甲公司\n乙公司",
    ]);
    let ok = app
        .post_form(
            "/patents",
            &[
                ("application_number", "201710601862"),
                ("title", "一种茶叶揉捻装置"),
                ("applicants", "甲公司"),
                ("filed_on", "2017-07-21"),
            ],
        )
        .await;
    assert_eq!(ok.status, Status::SeeOther);
    let shown = app.follow(&ok).await;
    shown.assert_contains(&["已按规则补为 201710601862.3", "一种茶叶揉捻装置", "甲公司"]);
    // The edit form is prefilled, and the record's history lists the creation.
    let id: String = ok.location.unwrap().rsplit('/').next().unwrap().to_owned();
    app.get(&format!("/patents/{id}/edit"))
        .await
        .assert_contains(&["value=\"201710601862.3\"", "value=\"2017-07-21\""]);
    app.switch_to_english().await;
    let english = app.get(&format!("/patents/{id}")).await;
    english.assert_contains(&["Legal status", "Filed", "Created", "History"]);
}

#[rocket::async_test]
async fn viewers_read_but_cannot_write() {
    let app = TestApp::signed_in(Role::Viewer).await;
    assert_eq!(app.get("/patents").await.status, Status::Ok);
    assert_eq!(app.get("/patents/new").await.status, Status::Forbidden);
    let page = app
        .send_json(
            Method::Post,
            "/api/v1/patents",
            &tea("201710601862.3").to_string(),
        )
        .await;
    assert_eq!(page.status, Status::Forbidden);
}

#[rocket::async_test]
async fn an_unknown_township_is_told_with_the_other_mistakes() {
    let app = officer_with_townships().await;
    let mut patent = tea("201711469835.X");
    patent["township"] = json!("火星镇");
    let page = post_patent(&app, patent).await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    let fields = &page.json()["error"]["fields"];
    assert!(fields["application_number"].is_string(), "{fields}");
    assert!(
        fields["township"].as_str().unwrap().contains("火星镇"),
        "{fields}"
    );
    // A known township adds nothing to the form's own mistakes.
    let mut known = tea("201711469835.X");
    known["township"] = json!("茅坪镇");
    let page = post_patent(&app, known).await;
    assert!(page.json()["error"]["fields"].get("township").is_none());

    let enterprise = json!({"name": "", "credit_code": "123", "township": "火星镇"});
    let page = app
        .send_json(Method::Post, "/api/v1/enterprises", &enterprise.to_string())
        .await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    let fields = &page.json()["error"]["fields"];
    for field in ["name", "credit_code", "township"] {
        assert!(fields[field].is_string(), "{field} in {fields}");
    }
    // Alone, it is told as before.
    let alone = json!({"name": "秭归火星科技有限公司", "township": "火星镇"});
    let page = app
        .send_json(Method::Post, "/api/v1/enterprises", &alone.to_string())
        .await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    assert!(page.json()["error"]["fields"]["township"].is_string());
    assert_eq!(app.get("/api/v1/patents").await.json()["total"], 0);
    assert_eq!(app.get("/api/v1/enterprises").await.json()["total"], 0);
}

#[rocket::async_test]
async fn a_number_or_name_taken_is_told_with_the_other_mistakes() {
    let app = officer_with_townships().await;
    let created = post_patent(&app, tea("201710601862.3")).await;
    assert_eq!(created.status, Status::Created, "{}", created.body);
    let mut again = tea("ZL201710601862.3");
    again["title"] = json!("");
    let page = post_patent(&app, again).await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    let fields = &page.json()["error"]["fields"];
    assert!(fields["title"].is_string(), "{fields}");
    assert!(
        fields["application_number"]
            .as_str()
            .unwrap()
            .contains("已经登记"),
        "{fields}"
    );
    // The patent's own number, changed with a mistake, is not taken from itself.
    let id = created.json()["id"].as_i64().unwrap();
    let mut edit = tea("201710601862.3");
    edit["title"] = json!("");
    edit["version"] = json!(1);
    let page = put_patent(&app, id, &edit).await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    let fields = &page.json()["error"]["fields"];
    assert!(fields.get("application_number").is_none(), "{fields}");

    let tea_company =
        json!({"name": "秭归县屈原茶业有限公司", "credit_code": "91350100M000100Y43"});
    let first = app
        .send_json(
            Method::Post,
            "/api/v1/enterprises",
            &tea_company.to_string(),
        )
        .await;
    assert_eq!(first.status, Status::Created, "{}", first.body);
    let twice = json!({"name": "秭归县屈原茶业有限公司", "address": "x".repeat(301)});
    let page = app
        .send_json(Method::Post, "/api/v1/enterprises", &twice.to_string())
        .await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    let fields = &page.json()["error"]["fields"];
    assert!(fields["address"].is_string(), "{fields}");
    assert!(fields["name"].is_string(), "{fields}");
    let same_code = json!({"name": "秭归另一家公司", "credit_code": "91350100m000100y43", "address": "x".repeat(301)});
    let page = app
        .send_json(Method::Post, "/api/v1/enterprises", &same_code.to_string())
        .await;
    let fields = &page.json()["error"]["fields"];
    assert!(fields["address"].is_string(), "{fields}");
    assert!(
        fields["credit_code"]
            .as_str()
            .unwrap()
            .contains("秭归县屈原茶业有限公司"),
        "{fields}"
    );
    assert_eq!(app.get("/api/v1/patents").await.json()["total"], 1);
    assert_eq!(app.get("/api/v1/enterprises").await.json()["total"], 1);
}
