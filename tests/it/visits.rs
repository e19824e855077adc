//! The visits register: the documented fields through the API, an enterprise registered on the
//! spot, officers who are users or not, the rules' messages, filters, the effect of visits on
//! filings, follow-ups on the dashboard, the pages in both languages and the summary sentence.

use chrono::{Days, NaiveDate, Utc};
use ipdesk::auth::Role;
use ipdesk::entities::{audit_entry, enterprise};
use ipdesk::patents::number::check_character;
use rocket::http::{Method, Status};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::support::{TestApp, urlencode};

async fn post(app: &TestApp, path: &str, body: &Value) -> crate::support::Page {
    app.send_json(Method::Post, path, &body.to_string()).await
}

async fn enterprise(app: &TestApp, body: Value) -> i64 {
    let page = post(app, "/api/v1/enterprises", &body).await;
    assert_eq!(page.status, Status::Created, "{}", page.body);
    page.json()["id"].as_i64().unwrap()
}

async fn visit(app: &TestApp, body: &Value) -> Value {
    let page = post(app, "/api/v1/visits", body).await;
    assert_eq!(page.status, Status::Created, "{}", page.body);
    page.json()
}

/// The county's today (Asia/Shanghai, the default time zone).
fn today() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(8)).date_naive()
}

fn filing_visit(enterprise: Value, day: &str) -> Value {
    json!({
        "enterprise_id": enterprise, "visited_on": day, "topics": ["patent_filing"],
    })
}

#[rocket::async_test]
async fn a_visit_round_trips_with_the_documented_fields_and_its_history() {
    let app = TestApp::admin().await;
    app.create_user("zhangsan", Role::Officer).await;
    let created = visit(
        &app,
        &json!({
            "enterprise_name": "秭归县新开的科技有限公司",
            "visited_on": "2026-05-12",
            "officers": ["zhangsan 姓名", "县局老王", "admin"],
            "agencies": ["县市场监管局"],
            "topics": ["patent_filing", "reward_policy", "patent_filing"],
            "materials_count": "20",
            "needs": "希望有人指导撰写发明专利申请。",
            "follow_ups": [
                {"action": "联系代理机构上门指导", "owner": "张三", "due_on": "2026-06-01", "done_on": "2026-05-30"},
                {"action": "寄送奖补政策汇编", "owner": "李四", "due_on": "2026-06-15"},
            ],
        }),
    )
    .await;
    for key in [
        "id",
        "enterprise_id",
        "visited_on",
        "officers",
        "agencies",
        "topics",
        "materials_count",
        "needs",
        "follow_ups",
        "version",
    ] {
        assert!(created.get(key).is_some(), "{key} missing in {created}");
    }
    assert_eq!(
        created["officers"],
        json!(["zhangsan", "县局老王", "admin"]),
        "users are kept by username, found by real name too"
    );
    assert_eq!(
        created["officer_names"],
        json!(["zhangsan 姓名", "县局老王", "admin 姓名"])
    );
    assert_eq!(created["topics"], json!(["patent_filing", "reward_policy"]));
    assert_eq!(created["materials_count"], 20);
    assert_eq!(created["follow_ups"][1]["done_on"], Value::Null);
    let id = created["id"].as_i64().unwrap();
    let company = enterprise::Entity::find_by_id(created["enterprise_id"].as_i64().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .expect("the enterprise was registered with the visit");
    assert_eq!(company.name, "秭归县新开的科技有限公司");
    // A visit's own answer adds what came of it: the patents filed since (none yet).
    let mut shown = app.get(&format!("/api/v1/visits/{id}")).await.json();
    assert_eq!(shown["patents_after"], json!([]));
    shown.as_object_mut().unwrap().remove("patents_after");
    assert_eq!(shown, created);

    // The same name again finds the enterprise instead of registering it twice.
    let again = visit(
        &app,
        &json!({"enterprise_name": "秭归县新开的科技有限公司", "visited_on": "2026-07-01"}),
    )
    .await;
    assert_eq!(again["enterprise_id"], created["enterprise_id"]);
    assert_eq!(enterprise::Entity::find().count(&app.db).await.unwrap(), 1);

    let path = format!("/api/v1/visits/{id}");
    let mut change = created.clone();
    change["follow_ups"][1]["done_on"] = json!("2026-06-10");
    let updated = app.send_json(Method::Put, &path, &change.to_string()).await;
    assert_eq!(updated.status, Status::Ok, "{}", updated.body);
    assert_eq!(updated.json()["version"], 2);
    assert_eq!(updated.json()["follow_ups"][1]["done_on"], "2026-06-10");
    let stale = app.send_json(Method::Put, &path, &change.to_string()).await;
    assert_eq!(stale.status, Status::Conflict, "{}", stale.body);
    assert!(stale.body.contains("已被别人修改"), "{}", stale.body);

    let actions: Vec<String> = audit_entry::Entity::find()
        .filter(audit_entry::Column::Entity.eq("visit"))
        .order_by_asc(audit_entry::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.action)
        .collect();
    assert_eq!(actions, ["create", "create", "update"]);
    assert_eq!(
        app.get("/api/v1/visits/999999").await.status,
        Status::NotFound
    );
    assert_eq!(app.get("/api/v1/visits/abc").await.status, Status::NotFound);

    let page = app.get(&format!("/visits/{id}")).await;
    page.assert_contains(&[
        "秭归县新开的科技有限公司",
        "县局老王",
        "专利申报、奖励",
        "联系代理机构上门指导",
        "希望有人指导撰写发明专利申请。",
        "修改记录",
    ]);
}

#[rocket::async_test]
async fn bad_visits_are_refused_with_a_reason_per_field_and_nothing_written() {
    let app = TestApp::admin().await;
    let refused = |body: Value| {
        let app = &app;
        async move {
            let page = post(app, "/api/v1/visits", &body).await;
            assert_eq!(page.status, Status::UnprocessableEntity, "{}", page.body);
            page.json()["error"]["fields"].clone()
        }
    };
    let fields = refused(json!({
        "enterprise_name": "不该被登记的公司",
        "visited_on": "2026-05-12",
        "materials_count": -5,
        "topics": ["lunch"],
        "follow_ups": [
            {"action": "回访", "due_on": "2026-06-01", "done_on": "2026-05-11"},
            {"owner": "张三"},
        ],
    }))
    .await;
    assert_eq!(fields["materials_count"], "请填写不小于0的整数。");
    assert_eq!(
        fields["topics"],
        "没有“lunch”这项走访内容，可选：patent_filing、ip_protection、reward_policy、\
         high_tech_certification、project_application、other。"
    );
    assert_eq!(
        fields["follow_ups.0.done_on"],
        "完成日期不能早于走访日期（2026-05-12）。"
    );
    assert_eq!(fields["follow_ups.1.action"], "请填写跟进事项的内容。");

    let far = today()
        .checked_add_days(Days::new(400))
        .unwrap()
        .to_string();
    let fields = refused(json!({"enterprise_name": "甲公司", "visited_on": far})).await;
    assert!(
        fields["visited_on"].as_str().unwrap().contains("超过一年"),
        "{fields}"
    );
    let fields = refused(json!({"enterprise_name": "甲公司", "visited_on": "1926-05-12"})).await;
    assert_eq!(fields["visited_on"], "1926-05-12早于2000年，请检查年份。");
    let fields = refused(json!({"visited_on": "2026-05-12"})).await;
    assert_eq!(fields["enterprise_name"], "请填写走访的企业。");
    let fields = refused(json!({"enterprise_id": 424242, "visited_on": "2026-05-12"})).await;
    assert_eq!(fields["enterprise_id"], "没有编号为424242的企业。");
    let fields = refused(json!({"enterprise_name": "乙公司"})).await;
    assert_eq!(fields["visited_on"], "请填写走访日期。");

    assert_eq!(app.get("/api/v1/visits").await.json()["total"], 0);
    assert_eq!(
        enterprise::Entity::find().count(&app.db).await.unwrap(),
        0,
        "a refused visit registers no enterprise"
    );
}

/// A valid application number of `year`, type 1, serial `serial`.
fn number(year: &str, serial: u32) -> String {
    let digits = format!("{year}1{serial:07}");
    format!("{digits}.{}", check_character(&digits).unwrap())
}

async fn patent(app: &TestApp, serial: u32, applicant: &str, filed: &str) -> Value {
    let body = json!({
        "application_number": number(&filed[..4], serial),
        "title": format!("一种脐橙保鲜装置{serial}"),
        "applicants": [applicant],
        "filed_on": filed,
    });
    let page = post(app, "/api/v1/patents", &body).await;
    assert_eq!(page.status, Status::Created, "{}", page.body);
    page.json()
}

#[rocket::async_test]
async fn the_register_filters_and_shows_what_visits_led_to() {
    let app = TestApp::admin().await;
    for name in ["茅坪镇", "归州镇"] {
        post(&app, "/api/v1/townships", &json!({ "name": name })).await;
    }
    let orange = enterprise(
        &app,
        json!({"name": "秭归县屈乡脐橙有限公司", "township": "茅坪镇"}),
    )
    .await;
    let tea = enterprise(
        &app,
        json!({"name": "秭归县屈原茶业有限公司", "township": "归州镇"}),
    )
    .await;
    let mill = enterprise(&app, json!({"name": "秭归县机械厂", "township": "归州镇"})).await;
    let first = visit(&app, &filing_visit(json!(orange), "2025-03-01")).await;
    visit(&app, &filing_visit(json!(tea), "2025-04-01")).await;
    visit(
        &app,
        &json!({
            "enterprise_id": mill, "visited_on": "2025-05-01", "topics": ["ip_protection"],
            "materials_count": 30, "needs": "需要商标维权指导",
            "follow_ups": [{"action": "协调律师", "due_on": "2025-06-01"}],
        }),
    )
    .await;
    // The orange company files: before the visit, on its day, within a year, after a year.
    let applicant = "秭归县屈乡脐橙有限公司";
    patent(&app, 1, applicant, "2025-02-20").await;
    patent(&app, 2, applicant, "2025-03-01").await;
    let third = patent(&app, 3, applicant, "2025-09-01").await;
    let fourth = patent(&app, 4, applicant, "2026-03-01").await;
    patent(&app, 5, applicant, "2026-03-02").await;

    let list = |query: String| {
        let app = &app;
        async move {
            let page = app.get(&format!("/api/v1/visits?{query}")).await;
            assert_eq!(page.status, Status::Ok, "{query}: {}", page.body);
            page.json()
        }
    };
    let all = list(String::new()).await;
    assert_eq!(all["total"], 3);
    assert_eq!(
        all["items"][0]["enterprise_name"], "秭归县机械厂",
        "newest first"
    );
    let effect = &all["totals"]["effect"];
    assert_eq!(effect["visited_enterprises"], 3);
    assert_eq!(effect["filed_enterprises"], 1);
    assert_eq!(effect["share_percent"], 33.3);
    assert_eq!(all["totals"]["materials_count"], 30);
    let orange_visit = &all["items"][2];
    assert_eq!(
        orange_visit["patents_filed_after"], 2,
        "within twelve months after the day: 2025-09-01 and 2026-03-01"
    );
    let page = app.get(&format!("/visits/{}", first["id"])).await;
    page.assert_contains(&[
        &number("2025", 3),
        &number("2026", 4),
        "走访后12个月内该企业提交的专利申请",
    ]);
    page.assert_lacks(&[&number("2025", 1), &number("2025", 2), &number("2026", 5)]);

    // An archived filing no longer counts, nor one whose filing day moves past the year.
    let archive = format!("/api/v1/patents/{}/archive", third["id"]);
    let archived = post(&app, &archive, &json!({"version": third["version"]})).await;
    assert_eq!(archived.status, Status::Ok, "{}", archived.body);
    let after = list(String::new()).await;
    assert_eq!(after["items"][2]["patents_filed_after"], 1);
    assert_eq!(after["totals"]["effect"]["filed_enterprises"], 1);
    let moved = app
        .send_json(
            rocket::http::Method::Put,
            &format!("/api/v1/patents/{}", fourth["id"]),
            &json!({
                "application_number": number("2026", 4),
                "title": "一种脐橙保鲜装置4",
                "applicants": [applicant],
                "filed_on": "2026-03-02",
                "version": fourth["version"],
            })
            .to_string(),
        )
        .await;
    assert_eq!(moved.status, Status::Ok, "{}", moved.body);
    let after = list(String::new()).await;
    assert_eq!(after["items"][2]["patents_filed_after"], 0);
    assert_eq!(after["totals"]["effect"]["filed_enterprises"], 0);

    assert_eq!(
        list("township=归州镇".replace("归州镇", &urlencode("归州镇"))).await["total"],
        2
    );
    // `-` lists the visits to enterprises without a township, as the other registers' filters.
    let without = list("township=-".into()).await;
    let items = without["items"].as_array().cloned().unwrap_or_default();
    assert!(
        items.iter().all(|visit| visit["township"].is_null()),
        "{without}"
    );
    let all = list(String::new()).await["total"]
        .as_u64()
        .unwrap_or_default();
    let in_guizhou = 2;
    assert!(
        without["total"]
            .as_u64()
            .is_some_and(|n| n + in_guizhou <= all),
        "{without}"
    );
    assert_eq!(list(format!("enterprise={tea}")).await["total"], 1);
    assert_eq!(list("topic=ip_protection".into()).await["total"], 1);
    assert_eq!(list("open=true".into()).await["total"], 1);
    assert_eq!(
        list("from=2025-03-15&to=2025-04-30".into()).await["total"],
        1
    );
    assert_eq!(list(format!("q={}", urlencode("维权"))).await["total"], 1);
    assert_eq!(list(format!("q={}", urlencode("茶业"))).await["total"], 1);
    let bad = app.get("/api/v1/visits?topic=lunch").await;
    assert_eq!(bad.status, Status::UnprocessableEntity, "{}", bad.body);

    // Archived visits count nowhere.
    let archived = post(
        &app,
        &format!("/api/v1/visits/{}/archive", first["id"]),
        &json!({"version": first["version"]}),
    )
    .await;
    assert_eq!(archived.status, Status::Ok, "{}", archived.body);
    let all = list(String::new()).await;
    assert_eq!(all["total"], 2);
    assert_eq!(all["totals"]["effect"]["filed_enterprises"], 0);
    assert_eq!(list("archived=true".into()).await["total"], 1);

    let report = app
        .get("/api/v1/reports/ytd?year=2025&as_of=2025-12-31")
        .await
        .json();
    assert_eq!(report["visits"]["visits"], 2, "{}", report["visits"]);
}

#[rocket::async_test]
async fn follow_ups_coming_due_reach_the_dashboard() {
    let app = TestApp::admin().await;
    let today = today();
    let day = |offset: i64| (today + chrono::Duration::days(offset)).to_string();
    let visited = day(-30);
    visit(
        &app,
        &json!({
            "enterprise_name": "秭归县屈乡脐橙有限公司", "visited_on": visited,
            "follow_ups": [
                {"action": "送达奖补申请表", "owner": "张三", "due_on": day(3)},
                {"action": "回访专利撰写进度", "due_on": day(-2)},
                {"action": "下个月的培训", "due_on": day(20)},
                {"action": "已经办完的事", "due_on": day(-5), "done_on": day(-6)},
            ],
        }),
    )
    .await;
    let home = app.get("/").await;
    home.assert_contains(&[
        "走访跟进事项（一周内到期及已逾期）",
        "送达奖补申请表",
        &format!("{}到期", day(3)),
        "回访专利撰写进度",
        &format!("已逾期（{}）", day(-2)),
        "</a>：送达奖补申请表<span class=\"muted\">（张三）</span>",
    ]);
    home.assert_lacks(&["下个月的培训", "已经办完的事"]);
    // The same list through the API, the most urgent first.
    let due = app.get("/api/v1/visits/follow-ups/due").await.json();
    let actions: Vec<&str> = due
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["回访专利撰写进度", "送达奖补申请表"]);
    assert_eq!(due[0]["overdue"], true);
    assert_eq!(due[1]["owner"], "张三");
    app.switch_to_english().await;
    let home = app.get("/").await;
    home.assert_contains(&[
        "Visit follow-ups due within a week or overdue",
        "overdue since",
        "</a>: 送达奖补申请表<span class=\"muted\"> (张三)</span>",
    ]);
    home.assert_lacks(&["（张三）"]);
}

#[rocket::async_test]
async fn the_pages_record_a_visit_in_either_language() {
    let app = TestApp::admin().await;
    let orange = enterprise(&app, json!({"name": "秭归县屈乡脐橙有限公司"})).await;
    let form = app.get("/visits/new").await;
    assert_eq!(form.status, Status::Ok);
    form.assert_contains(&[
        "登记走访",
        "专利申报",
        "高新技术企业认定",
        "跟进事项",
        "admin 姓名",
    ]);

    let mut fields = vec![
        ("enterprise", "秭归县屈乡脐橙有限公司"),
        ("visited_on", "2026-05-12"),
        ("officers", "admin 姓名\n县局老王"),
        ("agencies", "县市场监管局"),
        ("topics", "patent_filing"),
        ("topics", "high_tech_certification"),
        ("materials_count", "abc"),
        ("needs", "申报高企需要知识产权辅导"),
        ("follow_ups[0].action", "协助准备高企材料"),
        ("follow_ups[0].owner", "张三"),
        ("follow_ups[0].due_on", "2026-06-30"),
        ("follow_ups[0].done_on", "2026-05-01"),
        ("follow_ups[1].action", ""),
    ];
    let again = app.post_form("/visits", &fields).await;
    assert_eq!(again.status, Status::UnprocessableEntity, "{}", again.body);
    again.assert_contains(&[
        "请填写不小于0的整数。",
        "完成日期不能早于走访日期（2026-05-12）。",
        "协助准备高企材料",
        "申报高企需要知识产权辅导",
    ]);
    fields[6] = ("materials_count", "15");
    fields[11] = ("follow_ups[0].done_on", "");
    let done = app.post_form("/visits", &fields).await;
    assert_eq!(done.status, Status::SeeOther, "{}", done.body);
    let page = app.follow(&done).await;
    page.assert_contains(&[
        "已登记对“秭归县屈乡脐橙有限公司”的走访。",
        "专利申报、高新技术企业认定",
        "admin 姓名、县局老王",
        "协助准备高企材料",
        "未办结",
    ]);
    let fields = [
        ("enterprise", "秭归县刚认识的公司"),
        ("visited_on", "2026-05-13"),
    ];
    let done = app.post_form("/visits", &fields).await;
    assert_eq!(done.status, Status::SeeOther, "{}", done.body);
    app.follow(&done)
        .await
        .assert_contains(&["并新登记了该企业"]);

    let list = app.get("/visits").await;
    list.assert_contains(&[
        "秭归县屈乡脐橙有限公司",
        "共走访2家次（2家企业），发放资料15份。",
        "/exports/visits.xlsx?",
    ]);
    let enterprise_page = app.get(&format!("/enterprises/{orange}")).await;
    enterprise_page.assert_contains(&["走访记录", "2026-05-12", "1项未办结"]);

    app.switch_to_english().await;
    let list = app.get("/visits").await;
    list.assert_contains(&[
        "Enterprise visits",
        "Patent filing",
        "2 visits (2 enterprises)",
    ]);
    list.assert_lacks(&["走访企业台账", "共走访"]);
    let form = app.get("/visits/new").await;
    form.assert_contains(&[
        "Record a visit",
        "High-tech certification",
        "Follow-up actions",
    ]);
}

#[rocket::async_test]
async fn the_year_s_visits_reach_the_summary_and_the_report() {
    let app = TestApp::admin().await;
    let orange = enterprise(&app, json!({"name": "秭归县屈乡脐橙有限公司"})).await;
    let tea = enterprise(&app, json!({"name": "秭归县屈原茶业有限公司"})).await;
    for (who, day, materials) in [
        (orange, "2026-02-10", 20),
        (orange, "2026-04-10", 10),
        (tea, "2026-05-10", 30),
        (tea, "2026-08-10", 40),
        (tea, "2025-05-10", 90),
    ] {
        visit(
            &app,
            &json!({"enterprise_id": who, "visited_on": day, "materials_count": materials}),
        )
        .await;
    }
    patent(&app, 7, "秭归县屈乡脐橙有限公司", "2026-03-15").await;
    let summary = app
        .get("/api/v1/reports/summary?from=2026-01-01&to=2026-06-30")
        .await
        .json();
    let text = summary["text"].as_str().unwrap();
    assert!(
        text.ends_with("；深入企业走访3家次，发放政策资料60份，走访后已有1家企业提交专利申请。"),
        "{text}"
    );
    assert_eq!(summary["figures"]["visits"]["visits"], 3);
    let english = crate::reports::first_half_summary(&app, "en").await;
    assert!(
        english.contains("officers made 3 visits to enterprises"),
        "{english}"
    );
    let report = app
        .get("/api/v1/reports/ytd?year=2026&as_of=2026-12-31")
        .await
        .json();
    assert_eq!(report["visits"]["visits"], 4);
    assert_eq!(report["visits"]["effect"]["share_percent"], 50.0);
    let page = app.get("/reports?year=2026&as_of=2026-12-31").await;
    page.assert_contains(&["走访企业（家次）", "走访后提交专利申请的企业1家，占50.0%"]);
}

#[rocket::async_test]
async fn a_visit_gives_its_township_to_an_enterprise_that_has_none() {
    let app = TestApp::admin().await;
    for name in ["茅坪镇", "归州镇"] {
        post(&app, "/api/v1/townships", &json!({ "name": name })).await;
    }
    let township_of = |id: i64| {
        let db = app.db.clone();
        async move {
            let row = enterprise::Entity::find_by_id(id).one(&db).await.unwrap();
            row.unwrap().township_id
        }
    };
    // The form offers the townships; a new enterprise is registered in the one chosen.
    let form = app.get("/visits/new").await;
    form.assert_contains(&["所属乡镇", "还没有登记乡镇的企业", "归州镇"]);
    let fields = [
        ("enterprise", "秭归县刚认识的公司"),
        ("visited_on", "2026-05-13"),
        ("township", "归州镇"),
    ];
    let done = app.post_form("/visits", &fields).await;
    assert_eq!(done.status, Status::SeeOther, "{}", done.body);
    let page = app.follow(&done).await;
    page.assert_contains(&["并新登记了该企业", "归州镇"]);

    // An enterprise registered without a township is given it, audited as its update; the same
    // township again changes nothing; another is refused on the field, and nothing is written.
    let bare = enterprise(&app, json!({"name": "秭归县机械厂"})).await;
    let given = visit(
        &app,
        &json!({"enterprise_id": bare, "visited_on": "2026-05-14", "township": "茅坪镇"}),
    )
    .await;
    assert_eq!(given["township"], "茅坪镇");
    let held = township_of(bare).await;
    assert!(held.is_some());
    let updates = || {
        audit_entry::Entity::find()
            .filter(audit_entry::Column::Entity.eq("enterprise"))
            .filter(audit_entry::Column::Action.eq("update"))
            .count(&app.db)
    };
    assert_eq!(updates().await.unwrap(), 1);
    let same = json!({"enterprise_id": bare, "visited_on": "2026-05-15", "township": "茅坪镇"});
    visit(&app, &same).await;
    assert_eq!(updates().await.unwrap(), 1);
    let visits_before = ipdesk::entities::visit::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    let other = json!({"enterprise_id": bare, "visited_on": "2026-05-16", "township": "归州镇"});
    let refused = post(&app, "/api/v1/visits", &other).await;
    assert_eq!(
        refused.status,
        Status::UnprocessableEntity,
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("“秭归县机械厂”已登记在茅坪镇。要改为归州镇，请在企业页修改"),
        "{}",
        refused.body
    );
    let visits_after = ipdesk::entities::visit::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(visits_after, visits_before);
    assert_eq!(township_of(bare).await, held);

    // An unknown township is told with the form's other mistakes, in the user's language.
    let fields = [
        ("enterprise", "秭归县又一家公司"),
        ("visited_on", ""),
        ("township", "火星镇"),
    ];
    let again = app.post_form("/visits", &fields).await;
    assert_eq!(again.status, Status::UnprocessableEntity, "{}", again.body);
    again.assert_contains(&["请填写走访日期。", "火星镇"]);
    app.switch_to_english().await;
    let form = app.get("/visits/new").await;
    form.assert_contains(&["Township", "or one without a township, is given this one"]);
    let refused = post(&app, "/api/v1/visits", &other).await;
    assert!(
        refused
            .body
            .contains("“秭归县机械厂” is registered in 茅坪镇."),
        "{}",
        refused.body
    );
}
