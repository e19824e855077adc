//! The joint inspections register: the documented fields through the API, the rules' messages,
//! the period and its totals, the pages in both languages, the summary sentence, and the
//! export that imports back.

use ipdesk::entities::audit_entry;
use rocket::http::{Method, Status};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::TestApp;

async fn post(app: &TestApp, body: &Value) -> crate::support::Page {
    app.send_json(Method::Post, "/api/v1/inspections", &body.to_string())
        .await
}

fn spring_festival() -> Value {
    json!({
        "title": "元旦春节期间专利执法检查",
        "starts_on": "2026-01-12",
        "ends_on": "2026-01-14",
        "lead_agency": "县市场监督管理局",
        "partner_agencies": ["县科技局", "县质量技术监督局", "县科技局"],
        "area": "县城及茅坪镇",
        "places": "县城农贸市场、购物中心",
        "staff_count": 12,
        "premises_inspected": "45",
        "goods_checked": 1200,
        "marked_goods_checked": 85,
        "problems": [
            {"description": "标注已失效的专利号", "party": "某超市", "product": "电热水壶"},
            {"description": "专利号校验位错误", "party": "某五金店"},
        ],
    })
}

#[rocket::async_test]
async fn an_inspection_round_trips_with_the_documented_fields() {
    let app = TestApp::admin().await;
    let created = post(&app, &spring_festival()).await;
    assert_eq!(created.status, Status::Created, "{}", created.body);
    let inspection = created.json();
    for key in [
        "id",
        "title",
        "starts_on",
        "ends_on",
        "lead_agency",
        "partner_agencies",
        "area",
        "places",
        "staff_count",
        "premises_inspected",
        "goods_checked",
        "marked_goods_checked",
        "problems",
        "version",
    ] {
        assert!(
            inspection.get(key).is_some(),
            "{key} missing in {inspection}"
        );
    }
    assert_eq!(
        inspection["partner_agencies"],
        json!(["县科技局", "县质量技术监督局"])
    );
    assert_eq!(inspection["premises_inspected"], 45);
    assert_eq!(inspection["problems"][0]["case_id"], Value::Null);
    assert_eq!(inspection["problems"][1]["product"], Value::Null);
    let id = inspection["id"].as_i64().unwrap();
    let path = format!("/api/v1/inspections/{id}");
    assert_eq!(app.get(&path).await.json(), inspection);
    let mut change = spring_festival();
    change["version"] = json!(1);
    change["problems"] = json!([]);
    let updated = app.send_json(Method::Put, &path, &change.to_string()).await;
    assert_eq!(updated.status, Status::Ok, "{}", updated.body);
    assert_eq!(updated.json()["problems"], json!([]));
    let stale = app.send_json(Method::Put, &path, &change.to_string()).await;
    assert_eq!(stale.status, Status::Conflict);
    let audited = audit_entry::Entity::find()
        .filter(audit_entry::Column::Entity.eq("inspection"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 2);
    assert_eq!(
        app.get("/api/v1/inspections/abc").await.status,
        Status::NotFound
    );
}

#[rocket::async_test]
async fn bad_inspections_are_refused_with_a_reason_per_field() {
    let app = TestApp::admin().await;
    let mut body = spring_festival();
    body["ends_on"] = json!("2026-01-10");
    body["marked_goods_checked"] = json!(1300);
    body["staff_count"] = json!(-1);
    body["problems"] = json!([{"party": "某超市"}]);
    body["title"] = json!("");
    let refused = post(&app, &body).await;
    assert_eq!(
        refused.status,
        Status::UnprocessableEntity,
        "{}",
        refused.body
    );
    let fields = &refused.json()["error"]["fields"];
    assert_eq!(
        fields["ends_on"],
        "结束日期不能早于开始日期（2026-01-12）。"
    );
    assert_eq!(
        fields["marked_goods_checked"],
        "标注专利标识的商品不能多于检查的商品（1200件）。"
    );
    assert_eq!(fields["staff_count"], "请填写不小于0的整数。");
    assert_eq!(fields["problems.0.description"], "请填写发现的问题。");
    assert_eq!(fields["title"], "请填写检查名称。");
    assert_eq!(app.get("/api/v1/inspections").await.json()["total"], 0);
}

#[rocket::async_test]
async fn the_register_adds_up_its_period_and_reaches_the_summary() {
    let app = TestApp::admin().await;
    for (title, day, premises, goods) in [
        ("元旦春节检查", "2026-01-12", 45, 1200),
        ("4.26专项检查", "2026-04-20", 30, 800),
        ("去年的检查", "2025-11-05", 20, 500),
    ] {
        let body = json!({
            "title": title, "starts_on": day, "premises_inspected": premises,
            "goods_checked": goods, "marked_goods_checked": 10,
            "problems": [{"description": "标注不规范"}],
        });
        assert_eq!(post(&app, &body).await.status, Status::Created);
    }
    let year = app
        .get("/api/v1/inspections?from=2026-01-01&to=2026-12-31")
        .await
        .json();
    assert_eq!(year["total"], 2);
    assert_eq!(year["totals"]["premises_inspected"], 75);
    assert_eq!(year["totals"]["goods_checked"], 2000);
    assert_eq!(year["totals"]["problems"], 2);
    assert_eq!(year["items"][0]["title"], "4.26专项检查", "newest first");
    let q = crate::support::urlencode("专项");
    assert_eq!(
        app.get(&format!("/api/v1/inspections?q={q}")).await.json()["total"],
        1
    );
    let summary = app
        .get("/api/v1/reports/summary?from=2026-01-01&to=2026-06-30")
        .await
        .json();
    let text = summary["text"].as_str().unwrap();
    assert!(
        text.ends_with("；联合开展专利执法检查2次，检查经营场所75家次、商品2000件。"),
        "{text}"
    );
}

#[rocket::async_test]
async fn the_pages_record_an_inspection_in_either_language() {
    let app = TestApp::admin().await;
    let form = app.get("/inspections/new").await;
    form.assert_contains(&[
        "登记检查",
        "联合执法单位",
        "发现的问题",
        "一天的检查可不填。",
    ]);
    let mut fields = vec![
        ("title", "元旦春节期间专利执法检查"),
        ("starts_on", "2026-01-12"),
        ("partner_agencies", "县科技局、县质量技术监督局"),
        ("goods_checked", "100"),
        ("marked_goods_checked", "120"),
        ("problems[0].description", "标注已失效的专利号"),
        ("problems[0].party", "某超市"),
    ];
    let again = app.post_form("/inspections", &fields).await;
    assert_eq!(again.status, Status::UnprocessableEntity, "{}", again.body);
    again.assert_contains(&[
        "标注专利标识的商品不能多于检查的商品（100件）。",
        "标注已失效的专利号",
    ]);
    fields[4] = ("marked_goods_checked", "12");
    let done = app.post_form("/inspections", &fields).await;
    assert_eq!(done.status, Status::SeeOther, "{}", done.body);
    app.follow(&done).await.assert_contains(&[
        "已登记检查“元旦春节期间专利执法检查”。",
        "县科技局、县质量技术监督局",
        "某超市",
    ]);
    app.get("/inspections")
        .await
        .assert_contains(&["共1次检查", "/exports/inspections.xlsx?"]);
    app.switch_to_english().await;
    let list = app.get("/inspections").await;
    list.assert_contains(&["Market inspections", "1 inspection"]);
    list.assert_lacks(&["1 inspections"]);
    list.assert_lacks(&["执法检查台账"]);
}

#[rocket::async_test]
async fn the_register_exports_and_imports_back_unchanged() {
    let app = TestApp::admin().await;
    assert_eq!(post(&app, &spring_festival()).await.status, Status::Created);
    let response = app.client.get("/exports/inspections.xlsx").dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    let bytes = response.into_bytes().await.unwrap_or_default();
    let token = app.token_for("admin").await;
    let fields = [("register", "inspections"), ("dry_run", "true")];
    let page = crate::imports::api_import(&app, &token, "执法检查台账.xlsx", &bytes, &fields).await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    let report = page.json();
    assert_eq!(
        (
            report["unchanged"].as_u64(),
            report["new"].as_u64(),
            report["invalid"].as_u64()
        ),
        (Some(1), Some(0), Some(0)),
        "{report}"
    );
    // Imported into an empty register, the inspection comes back with its problems.
    let other = TestApp::admin().await;
    let token = other.token_for("admin").await;
    let page = crate::imports::api_import(
        &other,
        &token,
        "执法检查台账.xlsx",
        &bytes,
        &[("register", "inspections")],
    )
    .await;
    assert_eq!(page.json()["new"], 1, "{}", page.body);
    let copied = other.get("/api/v1/inspections").await.json();
    assert_eq!(copied["items"][0]["problems"][0]["party"], "某超市");
    assert_eq!(copied["items"][0]["problems"][0]["product"], "电热水壶");
    assert_eq!(copied["items"][0]["marked_goods_checked"], 85);
}
