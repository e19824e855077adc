//! The publicity events register through its API: the documented fields, versions, the rules'
//! messages, filters and totals, archiving, and the audit trail.

use ipdesk::entities::audit_entry;
use rocket::http::{Method, Status};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::support::TestApp;

async fn enterprise(app: &TestApp, name: &str) -> i64 {
    let page = app
        .send_json(
            Method::Post,
            "/api/v1/enterprises",
            &json!({ "name": name }).to_string(),
        )
        .await;
    assert_eq!(page.status, Status::Created, "{}", page.body);
    page.json()["id"].as_i64().unwrap()
}

async fn post_event(app: &TestApp, body: &Value) -> crate::support::Page {
    app.send_json(Method::Post, "/api/v1/events", &body.to_string())
        .await
}

fn world_ip_day(enterprises: &[i64]) -> Value {
    json!({
        "kind": "world_ip_day",
        "title": "4.26知识产权进校园",
        "starts_on": "2026-04-26",
        "location": "县一中",
        "lead_unit": "县科技局",
        "co_organisers": ["县市场监管局", "县教育局", "县市场监管局"],
        "audience": "高一学生",
        "attendees": 300,
        "materials_count": "500",
        "consultations": 20,
        "enterprise_ids": enterprises,
        "summary": "讲解专利基础知识。",
    })
}

#[rocket::async_test]
async fn an_event_round_trips_with_the_documented_fields_and_its_history() {
    let app = TestApp::admin().await;
    let orange = enterprise(&app, "秭归县屈乡脐橙有限公司").await;
    let created = post_event(&app, &world_ip_day(&[orange])).await;
    assert_eq!(created.status, Status::Created, "{}", created.body);
    let event = created.json();
    for key in [
        "id",
        "kind",
        "title",
        "starts_on",
        "ends_on",
        "location",
        "lead_unit",
        "co_organisers",
        "audience",
        "attendees",
        "materials_count",
        "consultations",
        "enterprise_ids",
        "summary",
        "notes",
        "version",
    ] {
        assert!(event.get(key).is_some(), "{key} missing in {event}");
    }
    assert_eq!(
        event["ends_on"], "2026-04-26",
        "a one-day event ends the day it starts"
    );
    assert_eq!(event["co_organisers"], json!(["县市场监管局", "县教育局"]));
    assert_eq!(event["materials_count"], 500);
    assert_eq!(event["enterprise_ids"], json!([orange]));
    assert_eq!(event["enterprises"][0]["name"], "秭归县屈乡脐橙有限公司");
    let id = event["id"].as_i64().unwrap();
    assert_eq!(app.get(&format!("/api/v1/events/{id}")).await.json(), event);

    let mut change = world_ip_day(&[]);
    change["ends_on"] = json!("2026-04-27");
    change["version"] = event["version"].clone();
    let path = format!("/api/v1/events/{id}");
    let updated = app.send_json(Method::Put, &path, &change.to_string()).await;
    assert_eq!(updated.status, Status::Ok, "{}", updated.body);
    let updated = updated.json();
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["enterprise_ids"], json!([]));
    let stale = app.send_json(Method::Put, &path, &change.to_string()).await;
    assert_eq!(stale.status, Status::Conflict, "{}", stale.body);
    assert!(stale.body.contains("已被别人修改"), "{}", stale.body);

    let actions: Vec<String> = audit_entry::Entity::find()
        .filter(audit_entry::Column::Entity.eq("event"))
        .order_by_asc(audit_entry::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.action)
        .collect();
    assert_eq!(actions, ["create", "update"]);
    // The page's history reads in words: the kind, the lists, the enterprise by its name; no
    // codes, ids, JSON or empty fields of the new record.
    let page = app.get(&format!("/events/{id}")).await;
    page.assert_contains(&[
        "<dt>活动类型</dt><dd>4.26世界知识产权日</dd>",
        "<dt>协办单位</dt><dd>县市场监管局、县教育局</dd>",
        "<del>秭归县屈乡脐橙有限公司</del> → <ins>—</ins>",
        "<del>2026-04-26</del> → <ins>2026-04-27</ins>",
    ]);
    page.assert_lacks(&["world_ip_day", "enterprise_ids", "[&quot;", "False"]);
    assert_eq!(
        app.get("/api/v1/events/999999").await.status,
        Status::NotFound
    );
    assert_eq!(app.get("/api/v1/events/abc").await.status, Status::NotFound);
}

#[rocket::async_test]
async fn bad_events_are_refused_with_a_reason_per_field() {
    let app = TestApp::admin().await;
    let refused = |body: Value| {
        let app = &app;
        async move {
            let page = post_event(app, &body).await;
            assert_eq!(page.status, Status::UnprocessableEntity, "{}", page.body);
            page.json()["error"]["fields"].clone()
        }
    };
    let mut body = world_ip_day(&[]);
    body["ends_on"] = json!("2026-04-25");
    body["attendees"] = json!(-3);
    body["consultations"] = json!(2.5);
    let fields = refused(body).await;
    assert_eq!(
        fields["ends_on"],
        "结束日期不能早于开始日期（2026-04-26）。"
    );
    assert_eq!(fields["attendees"], "请填写不小于0的整数。");
    assert_eq!(fields["consultations"], "请填写不小于0的整数。");

    let mut body = world_ip_day(&[]);
    body["starts_on"] = json!("2099-04-26");
    body["kind"] = json!("party");
    body["title"] = json!(" ");
    let fields = refused(body).await;
    assert!(
        fields["starts_on"].as_str().unwrap().contains("超过一年"),
        "{fields}"
    );
    assert_eq!(
        fields["kind"],
        "没有“party”这种活动类型，可选：consumer_rights_day、world_ip_day、ip_week、st_week、\
         st_to_countryside、lecture、other。"
    );
    assert_eq!(fields["title"], "请填写活动名称。");

    // A year mistyped before the desk's first left the event out of every report.
    let mut body = world_ip_day(&[]);
    body["starts_on"] = json!("1026-04-26");
    let fields = refused(body).await;
    assert_eq!(fields["starts_on"], "1026-04-26早于2000年，请检查年份。");

    let fields = refused(world_ip_day(&[424242])).await;
    assert_eq!(fields["enterprise_ids"], "没有编号为424242的企业。");
    let list = app.get("/api/v1/events").await.json();
    assert_eq!(list["total"], 0, "nothing half-written: {list}");
}

#[rocket::async_test]
async fn the_register_filters_and_adds_up_what_it_selects() {
    let app = TestApp::admin().await;
    let orange = enterprise(&app, "秭归县屈乡脐橙有限公司").await;
    let tea = enterprise(&app, "秭归县屈原茶业有限公司").await;
    let event = |kind: &str, title: &str, day: &str, attendees: i64, ids: &[i64]| {
        json!({
            "kind": kind, "title": title, "starts_on": day, "attendees": attendees,
            "materials_count": attendees * 2, "consultations": 10, "enterprise_ids": ids,
        })
    };
    for body in [
        event(
            "consumer_rights_day",
            "3.15咨询台",
            "2026-03-15",
            200,
            &[orange],
        ),
        event(
            "world_ip_day",
            "4.26进校园",
            "2026-04-26",
            300,
            &[orange, tea],
        ),
        event("lecture", "专利申报培训", "2026-07-08", 50, &[tea]),
        event("lecture", "去年的培训", "2025-07-08", 40, &[]),
    ] {
        let page = post_event(&app, &body).await;
        assert_eq!(page.status, Status::Created, "{}", page.body);
    }
    let list = |query: &str| {
        let app = &app;
        let path = format!("/api/v1/events?{query}");
        async move {
            let page = app.get(&path).await;
            assert_eq!(page.status, Status::Ok, "{path}: {}", page.body);
            page.json()
        }
    };
    let year = list("from=2026-01-01&to=2026-12-31").await;
    assert_eq!(year["total"], 3);
    assert_eq!(
        year["totals"],
        json!({"events": 3, "attendees": 550, "materials_count": 1100, "consultations": 30})
    );
    let titles: Vec<&str> = year["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["专利申报培训", "4.26进校园", "3.15咨询台"],
        "newest first"
    );
    assert_eq!(list("kind=lecture").await["total"], 2);
    assert_eq!(list(&format!("enterprise={tea}")).await["total"], 2);
    let q = crate::support::urlencode("进校园");
    assert_eq!(list(&format!("q={q}")).await["total"], 1);
    assert_eq!(
        list("per_page=1&page=2").await["items"][0]["title"],
        "4.26进校园"
    );
    let bad = app.get("/api/v1/events?from=2026-13-01").await;
    assert_eq!(bad.status, Status::UnprocessableEntity, "{}", bad.body);

    // Archived events count nowhere; only admins archive.
    let first = &list("q=3.15").await["items"][0];
    let archived = app
        .send_json(
            Method::Post,
            &format!("/api/v1/events/{}/archive", first["id"]),
            &json!({ "version": first["version"] }).to_string(),
        )
        .await;
    assert_eq!(archived.status, Status::Ok, "{}", archived.body);
    let year = list("from=2026-01-01&to=2026-12-31").await;
    assert_eq!(year["totals"]["attendees"], 350);
    assert_eq!(list("archived=true").await["total"], 1);
}

#[rocket::async_test]
async fn the_pages_record_an_event_and_say_what_is_wrong_in_either_language() {
    let app = TestApp::admin().await;
    let orange = enterprise(&app, "秭归县屈乡脐橙有限公司").await;
    let form = app.get("/events/new").await;
    assert_eq!(form.status, Status::Ok);
    form.assert_contains(&["登记活动", "4.26世界知识产权日", "协办单位", "参加企业"]);

    let mut fields = vec![
        ("kind", "world_ip_day"),
        ("title", "4.26知识产权进校园"),
        ("starts_on", "2026-04-26"),
        ("ends_on", "2026-04-25"),
        ("location", "县一中"),
        ("co_organisers", "县市场监管局、县教育局"),
        ("attendees", "-1"),
        ("enterprises", "秭归县屈乡脐橙有限公司\n不存在的公司"),
    ];
    let again = app.post_form("/events", &fields).await;
    assert_eq!(again.status, Status::UnprocessableEntity, "{}", again.body);
    again.assert_contains(&[
        "没有名为“不存在的公司”的企业",
        "4.26知识产权进校园",
        "县一中",
    ]);
    fields[7] = ("enterprises", "秭归县屈乡脐橙有限公司");
    let again = app.post_form("/events", &fields).await;
    assert_eq!(again.status, Status::UnprocessableEntity, "{}", again.body);
    again.assert_contains(&["结束日期不能早于开始日期", "请填写不小于0的整数。"]);

    fields[3] = ("ends_on", "");
    fields[6] = ("attendees", "1200");
    let done = app.post_form("/events", &fields).await;
    assert_eq!(done.status, Status::SeeOther, "{}", done.body);
    let page = app.follow(&done).await;
    page.assert_contains(&[
        "已登记活动“4.26知识产权进校园”。",
        "4.26世界知识产权日",
        "县市场监管局、县教育局",
        "秭归县屈乡脐橙有限公司",
    ]);
    let list = app.get("/events").await;
    list.assert_contains(&[
        "4.26知识产权进校园",
        "共1次活动，参加1200人次",
        "/exports/events.xlsx?",
    ]);
    // Saved again as it is, the form says nothing was changed, and the event keeps its version;
    // saved with a change, it says so.
    let address = done.header("Location").unwrap().to_owned();
    fields.push(("version", "1"));
    let unchanged = app.post_form(&address, &fields).await;
    assert_eq!(unchanged.status, Status::SeeOther, "{}", unchanged.body);
    app.follow(&unchanged)
        .await
        .assert_contains(&["没有改动，无需保存。"]);
    fields[5] = ("co_organisers", "县市场监管局");
    let changed = app.post_form(&address, &fields).await;
    app.follow(&changed)
        .await
        .assert_contains(&["已保存活动“4.26知识产权进校园”。"]);
    let api = app.get(&format!("/api/v1{address}")).await.json();
    assert_eq!(api["version"], 2, "{api}");

    app.switch_to_english().await;
    let list = app.get("/events").await;
    list.assert_contains(&[
        "Publicity events",
        "4.26 World IP Day",
        // Figures read as on the dashboard: grouped in English.
        "Events: 1; attendees: 1,200",
    ]);
    list.assert_lacks(&["宣传活动"]);
    // The enterprise's page lists the events it took part in.
    let page = app.get(&format!("/enterprises/{orange}")).await;
    page.assert_contains(&["Publicity events taken part in", "4.26知识产权进校园"]);
}

#[rocket::async_test]
async fn the_year_s_events_reach_the_summary_and_the_dashboard() {
    let app = TestApp::admin().await;
    for (title, day, materials) in [
        ("3.15咨询台", "2026-03-15", 600),
        ("4.26进校园", "2026-04-26", 500),
        ("下半年的培训", "2026-07-08", 100),
        ("去年的活动", "2025-04-26", 900),
    ] {
        let body = json!({
            "kind": "world_ip_day", "title": title, "starts_on": day,
            "attendees": 100, "materials_count": materials, "consultations": 15,
        });
        let page = post_event(&app, &body).await;
        assert_eq!(page.status, Status::Created, "{}", page.body);
    }
    let summary = app
        .get("/api/v1/reports/summary?from=2026-01-01&to=2026-06-30")
        .await
        .json();
    let text = summary["text"].as_str().unwrap();
    assert!(
        text.ends_with("开展知识产权宣传活动2次，发放宣传资料1100份，接受群众咨询30人次。"),
        "{text}"
    );
    assert_eq!(summary["figures"]["events"]["events"], 2);
    let report = app
        .get("/api/v1/reports/ytd?year=2026&as_of=2026-12-31")
        .await
        .json();
    assert_eq!(report["events"]["events"], 3, "{}", report["events"]);
    assert_eq!(report["events"]["materials_count"], 1200);
    let home = app.get("/reports?year=2026&as_of=2026-12-31").await;
    home.assert_contains(&["宣传活动（次）", "发放资料1200份"]);
}
