//! The cases register: a case from clue to closed through the API, every workflow rule, the
//! two-officer rule and the penalty cap refused with their reasons, case numbers unique when
//! cases are opened at once, the claimed-number checks, deadlines on the working-day calendar,
//! attachments, the pages in both languages.

use ipdesk::entities::{audit_entry, case_event, user};
use rocket::http::{Method, Status};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};

use crate::support::TestApp;

/// A user who may act on a case: an officer holding an enforcement certificate (or not).
pub async fn officer(app: &TestApp, username: &str, certificate: Option<&str>) {
    app.create_user(username, ipdesk::auth::Role::Officer).await;
    let row = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut active = row.into_active_model();
    active.certificate_number = Set(certificate.map(str::to_owned));
    active.update(&app.db).await.unwrap();
}

/// Two certified officers and one without a certificate.
pub async fn officers(app: &TestApp) {
    officer(app, "zhang", Some("42010001")).await;
    officer(app, "li", Some("42010002")).await;
    officer(app, "wang", None).await;
}

pub async fn open(app: &TestApp, body: &Value) -> crate::support::Page {
    app.send_json(Method::Post, "/api/v1/cases", &body.to_string())
        .await
}

pub fn counterfeit(received_on: &str) -> Value {
    json!({
        "kind": "counterfeiting",
        "source": "complaint",
        "received_on": received_on,
        "complainant": {"name": "张三", "address": "县城解放路1号"},
        "respondent": {"name": "某五金店", "address": "县城建设路8号"},
        "product": "电热水壶",
        "claimed_patent_number": "发明专利 ZL201710601862.3",
        "facts": "产品标注的专利号与实际不符。",
    })
}

pub async fn step(app: &TestApp, id: i64, body: &Value) -> crate::support::Page {
    app.send_json(
        Method::Post,
        &format!("/api/v1/cases/{id}/steps"),
        &body.to_string(),
    )
    .await
}

fn steps_of(case: &Value) -> Vec<&str> {
    case["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect()
}

fn deadline<'a>(case: &'a Value, rule: &str) -> &'a Value {
    case["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {case}"))
}

#[rocket::async_test]
async fn a_counterfeiting_case_goes_from_clue_to_closed() {
    let app = TestApp::admin().await;
    officers(&app).await;
    let created = open(&app, &counterfeit("2026-03-02")).await;
    assert_eq!(created.status, Status::Created, "{}", created.body);
    let case = created.json();
    for key in [
        "id",
        "case_number",
        "kind",
        "source",
        "inspection_id",
        "complainant",
        "respondent",
        "product",
        "claimed_patent_number",
        "claimed_patent_check",
        "status",
        "steps",
        "deadlines",
        "illegal_gains",
        "fine",
        "version",
    ] {
        assert!(case.get(key).is_some(), "{key} missing in {case}");
    }
    assert_eq!(case["case_number"], "知执字〔2026〕1号");
    assert_eq!(case["status"], "received");
    assert_eq!(steps_of(&case), ["received"]);
    assert_eq!(case["respondent"]["name"], "某五金店");
    assert_eq!(deadline(&case, "acceptance")["status"], "overdue");
    let id = case["id"].as_i64().unwrap();
    let two = json!(["zhang", "li 姓名"]);
    let path: [(Value, &str); 10] = [
        (json!({"step": "accepted", "on": "2026-03-05"}), "open"),
        (
            json!({"step": "investigation", "on": "2026-03-10", "officers": two, "note": "现场检查，提取样品2件"}),
            "open",
        ),
        (
            json!({"step": "suspended", "on": "2026-03-20", "note": "委托专利鉴定"}),
            "suspended",
        ),
        (
            json!({"step": "resumed", "on": "2026-04-01", "note": "鉴定意见已出"}),
            "open",
        ),
        (
            json!({"step": "notice_served", "on": "2026-04-10", "hearing_requested": false}),
            "notice_served",
        ),
        (
            json!({"step": "decided", "on": "2026-04-30", "officers": two, "outcome": "penalty",
                   "illegal_gains": 8000, "fine": "2.4万", "note": "没收 & 责令改正"}),
            "decided",
        ),
        (json!({"step": "served", "on": "2026-05-06"}), "served"),
        (
            json!({"step": "published", "on": "2026-05-20"}),
            "published",
        ),
        (json!({"step": "closed", "on": "2026-05-25"}), "closed"),
        (json!({"step": "closed", "on": "2026-05-26"}), "refused"),
    ];
    let mut last = case.clone();
    for (body, status) in path {
        let page = step(&app, id, &body).await;
        if status == "refused" {
            assert_eq!(page.status, Status::UnprocessableEntity, "{}", page.body);
            continue;
        }
        assert_eq!(page.status, Status::Created, "{body}: {}", page.body);
        last = page.json();
        assert_eq!(last["status"], status, "{body}");
    }
    assert_eq!(last["fine"], 24000.0);
    assert_eq!(last["illegal_gains"], 8000.0);
    // The decision's row on the case's page: its note (escaped once), then its sums, each with
    // the language's colon; who recorded each step by their real name, not their account.
    let page = app.get(&format!("/cases/{id}")).await;
    page.assert_contains(&[
        "<td class=\"prewrap\">没收 &amp; 责令改正 罚款（元）：24000 违法所得（元）：8000<",
        "<td>admin 姓名</td>",
    ]);
    page.assert_lacks(&["<td>admin</td>"]);
    app.switch_to_english().await;
    app.get(&format!("/cases/{id}")).await.assert_contains(&[
        "<td class=\"prewrap\">没收 &amp; 责令改正 Fine (¥): 24,000 Illegal gains (¥): 8,000<",
    ]);
    let investigation = &last["steps"][2];
    assert_eq!(investigation["officers"], json!(["zhang", "li"]));
    assert_eq!(investigation["by"], "admin");
    assert_eq!(investigation["by_name"], "admin 姓名");
    for rule in [
        "acceptance",
        "counterfeiting_decision",
        "service",
        "publication",
    ] {
        assert_eq!(deadline(&last, rule)["status"], "met", "{rule}");
    }
    // 90 days from 5 March with twelve days suspended.
    assert_eq!(
        deadline(&last, "counterfeiting_decision")["due_on"],
        "2026-06-15"
    );
    assert_eq!(last["deadline_status"], "none");
    // The same case, its note now said in English, the language switched to above.
    let mut shown = app.get(&format!("/api/v1/cases/{id}")).await.json();
    let note = &mut shown["claimed_patent_check"]["note"];
    assert_eq!(
        note["message"],
        "Not a patent of the local register — verify with CNIPA."
    );
    *note = last["claimed_patent_check"]["note"].clone();
    assert_eq!(shown, last);
    let audited = audit_entry::Entity::find()
        .filter(audit_entry::Column::Entity.eq("case"))
        .filter(audit_entry::Column::Action.eq("step"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 9);
}

#[rocket::async_test]
async fn steps_that_do_not_fit_are_refused_with_the_reason_and_nothing_written() {
    let app = TestApp::admin().await;
    officers(&app).await;
    let case = open(&app, &counterfeit("2026-03-02")).await.json();
    let id = case["id"].as_i64().unwrap();
    assert_eq!(
        step(&app, id, &json!({"step": "accepted", "on": "2026-03-05"}))
            .await
            .status,
        Status::Created
    );
    // (the step, the field told, words of the message)
    let refused: [(Value, &str, &str); 10] = [
        (
            json!({"step": "served", "on": "2026-03-06"}),
            "step",
            "不能登记“送达”",
        ),
        (
            json!({"step": "investigation", "on": "2026-03-04", "officers": ["zhang", "li"]}),
            "on",
            "不能早于上一步“立案”的日期（2026-03-05）",
        ),
        (
            json!({"step": "investigation", "on": "2026-03-06", "officers": ["zhang", "wang"]}),
            "officers",
            "现有1名",
        ),
        (
            json!({"step": "investigation", "on": "2026-03-06", "officers": ["zhang", "路人甲"]}),
            "officers",
            "第四十二条",
        ),
        (
            json!({"step": "decided", "on": "2026-03-06", "officers": ["zhang", "li"], "outcome": "penalty", "fine": 300000}),
            "fine",
            "不得超过250000元",
        ),
        (
            json!({"step": "decided", "on": "2026-03-06", "officers": ["zhang", "li"], "outcome": "penalty",
                   "illegal_gains": 100000, "fine": 500001}),
            "fine",
            "即500000元",
        ),
        (
            json!({"step": "decided", "on": "2026-03-06", "officers": ["zhang", "li"]}),
            "outcome",
            "处理结果",
        ),
        (
            json!({"step": "extended", "on": "2026-03-06", "note": "案情复杂"}),
            "approver",
            "批准人",
        ),
        (
            json!({"step": "suspended", "on": "2026-03-06"}),
            "note",
            "理由",
        ),
        (
            json!({"step": "adjourned", "on": "2026-03-06"}),
            "step",
            "步骤",
        ),
    ];
    for (body, field, words) in refused {
        let page = step(&app, id, &body).await;
        assert_eq!(page.status, Status::UnprocessableEntity, "{body}");
        let message = page.json()["error"]["fields"][field].to_string();
        assert!(message.contains(words), "{body}: {}", page.body);
    }
    let stored = case_event::Entity::find()
        .filter(case_event::Column::CaseId.eq(id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2, "only the clue and the acceptance");
    // The cap with gains above ¥50,000 is five times them: ¥500,000 is allowed.
    let decided = step(
        &app,
        id,
        &json!({"step": "decided", "on": "2026-03-06", "officers": ["zhang", "li"], "outcome": "penalty",
                "illegal_gains": 100000, "fine": 500000}),
    )
    .await;
    assert_eq!(decided.status, Status::Created, "{}", decided.body);
    app.switch_to_english().await;
    let english = step(&app, id, &json!({"step": "accepted", "on": "2026-03-07"})).await;
    assert_eq!(english.status, Status::UnprocessableEntity);
    assert!(
        english.body.contains("cannot be recorded now"),
        "{}",
        english.body
    );
    assert_eq!(
        step(
            &app,
            999_999,
            &json!({"step": "accepted", "on": "2026-03-07"})
        )
        .await
        .status,
        Status::NotFound
    );
}

#[rocket::async_test]
async fn numbers_continue_above_the_highest_and_stay_unique_when_opened_at_once() {
    let app = TestApp::admin().await;
    let settings = app
        .send_json(
            Method::Put,
            "/api/v1/settings/jurisdiction",
            &json!({"county": "秭归县", "aliases": [], "case_prefix": "秭"}).to_string(),
        )
        .await;
    assert_eq!(settings.status, Status::Ok, "{}", settings.body);
    let mut old = counterfeit("2026-01-05");
    old["case_number"] = json!("秭知执字〔2026〕012号");
    let imported = open(&app, &old).await;
    assert_eq!(imported.status, Status::Created, "{}", imported.body);
    let again = open(&app, &old).await;
    assert_eq!(again.status, Status::UnprocessableEntity);
    assert!(again.body.contains("已被其他案件使用"), "{}", again.body);
    let body = counterfeit("2026-03-02").to_string();
    let requests = (0..6).map(|_| app.send_json(Method::Post, "/api/v1/cases", &body));
    let pages = futures_util::future::join_all(requests).await;
    let mut numbers: Vec<String> = pages
        .iter()
        .map(|p| {
            assert_eq!(p.status, Status::Created, "{}", p.body);
            p.json()["case_number"].as_str().unwrap().to_owned()
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (13..=18)
        .map(|n| format!("秭知执字〔2026〕{n}号"))
        .collect();
    assert_eq!(numbers, expected);
    let next_year = open(&app, &counterfeit("2025-12-30")).await.json();
    assert_eq!(next_year["case_number"], "秭知执字〔2025〕1号");
}

#[rocket::async_test]
async fn the_number_claimed_on_a_product_is_checked() {
    let app = TestApp::admin().await;
    let patent = app
        .send_json(
            Method::Post,
            "/api/v1/patents",
            &json!({"application_number": "201710601862.3", "title": "一种电热水壶",
                    "patent_type": "invention", "applicants": ["湖北某电器有限公司"],
                    "filed_on": "2017-07-20"})
            .to_string(),
        )
        .await;
    assert_eq!(patent.status, Status::Created, "{}", patent.body);
    // (the mark, valid, the problems' keys, the neutral note)
    let marks: [(&str, bool, &[&str], Option<&str>); 5] = [
        ("发明专利 ZL201710601862.3", true, &[], None),
        (
            "专利号 201710601862.4",
            false,
            &["patents.number.wrong_check"],
            None,
        ),
        (
            "实用新型专利 ZL201710601862.3",
            false,
            &["cases.claim.type_mismatch"],
            None,
        ),
        (
            "专利产品 CN107123456A",
            false,
            &["cases.claim.not_granted"],
            None,
        ),
        (
            "ZL 2018 2 0123456.0",
            true,
            &[],
            Some("cases.claim.not_local"),
        ),
    ];
    for (mark, valid, problems, note) in marks {
        let mut body = counterfeit("2026-03-02");
        body["claimed_patent_number"] = json!(mark);
        let page = open(&app, &body).await;
        let check = &page.json()["claimed_patent_check"];
        assert_eq!(check["valid"], valid, "{mark}: {check}");
        let keys: Vec<&str> = check["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, problems, "{mark}");
        assert_eq!(check["note"]["key"].as_str(), note, "{mark}");
    }
    // Each problem carries its sentence, in the reader's language, not the catalogue's arguments.
    let mut body = counterfeit("2026-03-02");
    body["claimed_patent_number"] = json!("专利号 201710601862.4");
    let check = open(&app, &body).await.json()["claimed_patent_check"].clone();
    assert_eq!(
        check["problems"][0],
        json!({
            "key": "patents.number.wrong_check",
            "message": "申请号“201710601862.4”的校验位应为 3，而不是 4，请核对数字。"
        })
    );
}

async fn national_day_2025(app: &TestApp) {
    let mut days: Vec<(String, &str)> = (1..=8)
        .map(|d| (format!("2025-10-0{d}"), "holiday"))
        .collect();
    days.push(("2025-09-28".into(), "workday"));
    days.push(("2025-10-11".into(), "workday"));
    for (day, kind) in days {
        let page = app
            .send_json(
                Method::Put,
                &format!("/api/v1/calendar/{day}"),
                &json!({"kind": kind, "name": "国庆节、中秋节"}).to_string(),
            )
            .await;
        assert_eq!(page.status, Status::Ok, "{}", page.body);
    }
}

#[rocket::async_test]
async fn deadlines_follow_the_calendar_suspension_and_extension() {
    let app = TestApp::admin().await;
    national_day_2025(&app).await;
    // Friday 26 September 2025: fifteen working days skip the eight days of the holiday and
    // count the two make-up Saturdays.
    let clue = open(&app, &counterfeit("2025-09-26")).await.json();
    let acceptance = deadline(&clue, "acceptance");
    assert_eq!(acceptance["due_on"], "2025-10-23");
    assert_eq!(acceptance["status"], "overdue");
    assert_eq!(clue["deadline_status"], "overdue");
    let id = clue["id"].as_i64().unwrap();
    let extended = step(
        &app,
        id,
        &json!({"step": "extended", "on": "2025-10-20", "note": "案情复杂", "approver": "局长"}),
    )
    .await
    .json();
    // Fifteen more working days: 13 November.
    assert_eq!(deadline(&extended, "acceptance")["due_on"], "2025-11-13");
    // The extension marked on its deadline, its approver beside its reason.
    app.get(&format!("/cases/{id}")).await.assert_contains(&[
        "<td class=\"prewrap\">案情复杂（批准人：局长）<",
        "（已延期）</td>",
    ]);
    // An infringement dispute accepted on the last day of November is closed within three
    // months: the last day of February, a Saturday, so the Monday after (a period that ends on
    // a day off ends on the next working day) — and 2026's holidays are not loaded.
    let mut dispute = counterfeit("2025-11-28");
    dispute["kind"] = json!("infringement_dispute");
    let dispute = open(&app, &dispute).await.json();
    let did = dispute["id"].as_i64().unwrap();
    let dispute = step(&app, did, &json!({"step": "accepted", "on": "2025-11-30"}))
        .await
        .json();
    let closing = deadline(&dispute, "dispute_closing");
    assert_eq!(closing["due_on"], "2026-03-02");
    assert_eq!(
        closing["warning"],
        json!({
            "key": "cases.deadline.unknown_year",
            "message": "期限跨入2026年，其节假日尚未载入，到期日可能变化。"
        })
    );
    assert_eq!(closing["status"], "overdue");
    // Suspended: the clock stands still, and the case is neither overdue nor due.
    let suspended = step(
        &app,
        did,
        &json!({"step": "suspended", "on": "2025-12-01", "note": "等待专利权评价报告"}),
    )
    .await
    .json();
    let closing = deadline(&suspended, "dispute_closing");
    assert_eq!(
        (closing["due_on"].clone(), closing["status"].clone()),
        (Value::Null, json!("open"))
    );
    let listed = app.get("/api/v1/cases?deadline=overdue").await.json();
    let numbers: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, [clue["case_number"].as_str().unwrap()]);
    assert_eq!(listed["totals"]["overdue"], 1);
    let unknown = app.get("/api/v1/cases?deadline=late").await;
    assert_eq!(unknown.status, Status::UnprocessableEntity);
    assert_eq!(
        unknown.json()["error"]["fields"]["deadline"],
        "没有“late”这种期限状态，可选：overdue、due_soon、open、none。"
    );
    let unknown = app.get("/api/v1/cases?status=finished").await;
    assert!(
        unknown.json()["error"]["fields"]["status"]
            .as_str()
            .is_some_and(|said| said
                .starts_with("没有“finished”这种案件状态，可选：active（在办）、received、")),
        "{}",
        unknown.body
    );
    // A clue that came in before the new year waits into 2026, whose holidays are not loaded:
    // the warning stands while it waits, and goes once the case is accepted in time whatever
    // 2026's notice says.
    let late_clue = open(&app, &counterfeit("2025-12-24")).await.json();
    let waiting = deadline(&late_clue, "acceptance");
    assert_eq!(
        waiting["warning"]["key"], "cases.deadline.unknown_year",
        "{waiting}"
    );
    let late_id = late_clue["id"].as_i64().unwrap();
    let accepted = step(
        &app,
        late_id,
        &json!({"step": "accepted", "on": "2025-12-29"}),
    )
    .await
    .json();
    let met = deadline(&accepted, "acceptance");
    assert_eq!(met["status"], "met", "{met}");
    assert!(met["warning"].is_null(), "{met}");
}

#[rocket::async_test]
async fn attachments_are_kept_with_the_case_and_its_steps() {
    let app = TestApp::admin().await;
    let case = open(&app, &counterfeit("2026-03-02")).await.json();
    let id = case["id"].as_i64().unwrap();
    let step_id = case["steps"][0]["id"].as_i64().unwrap();
    let photo: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let added = app
        .post_multipart(
            &format!("/api/v1/cases/{id}/attachments"),
            &[("step_id", &step_id.to_string())],
            Some(("现场照片.jpg", &photo)),
        )
        .await;
    assert_eq!(added.status, Status::Created, "{}", added.body);
    let attachment = added.json();
    assert_eq!(attachment["file_name"], "现场照片.jpg");
    assert_eq!(attachment["content_type"], "image/jpeg");
    assert_eq!(attachment["size"], 5000);
    assert_eq!(attachment["step_id"], step_id);
    let file = attachment["id"].as_i64().unwrap();
    let fetched = app
        .client
        .get(format!("/api/v1/cases/{id}/attachments/{file}"))
        .dispatch()
        .await;
    assert_eq!(fetched.status(), Status::Ok);
    assert_eq!(fetched.into_bytes().await.unwrap(), photo);
    let shown = app.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(shown["attachments"][0]["file_name"], "现场照片.jpg");
    // Who uploaded it, and who did each change of the history, by their real names.
    assert_eq!(shown["attachments"][0]["uploaded_by_name"], "admin 姓名");
    app.get(&format!("/cases/{id}"))
        .await
        .assert_contains(&[" · admin 姓名 · <time"]);
    let too_big = vec![0u8; 10 * 1024 * 1024 + 1];
    let refused = app
        .post_multipart(
            &format!("/api/v1/cases/{id}/attachments"),
            &[],
            Some(("录像.mp4", &too_big)),
        )
        .await;
    assert_eq!(
        refused.status,
        Status::UnprocessableEntity,
        "{}",
        refused.body
    );
    let empty = app
        .post_multipart(
            &format!("/api/v1/cases/{id}/attachments"),
            &[],
            Some(("空.pdf", b"")),
        )
        .await;
    assert_eq!(empty.status, Status::UnprocessableEntity);
    let wrong_step = app
        .post_multipart(
            &format!("/api/v1/cases/{id}/attachments"),
            &[("step_id", "999999")],
            Some(("决定书.pdf", b"%PDF-1.4")),
        )
        .await;
    assert_eq!(wrong_step.status, Status::UnprocessableEntity);
    // A misspelt field is refused by name, not the file attached to the case instead of its step.
    let misspelt = app
        .post_multipart(
            &format!("/api/v1/cases/{id}/attachments"),
            &[("stepid", &step_id.to_string())],
            Some(("决定书.pdf", b"%PDF-1.4")),
        )
        .await;
    assert_eq!(misspelt.status, Status::UnprocessableEntity);
    assert!(misspelt.body.contains("stepid"), "{}", misspelt.body);
    let not_a_form = app
        .send_json(
            Method::Post,
            &format!("/api/v1/cases/{id}/attachments"),
            &json!({"step_id": step_id}).to_string(),
        )
        .await;
    assert_eq!(not_a_form.status, Status::UnsupportedMediaType);
    assert!(not_a_form.body.contains("step_id"), "{}", not_a_form.body);
    let other = app
        .client
        .get(format!("/api/v1/cases/{}/attachments/{file}", id + 1))
        .dispatch()
        .await;
    assert_eq!(other.status(), Status::NotFound);
    let audited = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("attach"))
        .count_rows(&app.db)
        .await;
    assert_eq!(audited, 1);
    // The case's history lists the attachment as given, with the page's labels.
    let page = app.get(&format!("/cases/{id}")).await;
    page.assert_contains(&[
        "<dt>文件名</dt><dd>现场照片.jpg</dd>",
        "<dt>大小（字节）</dt><dd>5000</dd>",
        // In the list of attachments: its size and who uploaded it, in full-width brackets.
        "现场照片.jpg</a><span class=\"muted\">（4.9 KB · admin 姓名）</span>",
    ]);
    page.assert_lacks(&["<dt>content_type</dt>", "<dt>step_id</dt>"]);
    // The upload field says its limit as a hint, not the refusal of a file too large.
    page.assert_contains(&["每个文件不超过10MB。"]);
    page.assert_lacks(&["文件超过10MB"]);
}

trait CountRows {
    async fn count_rows(self, db: &sea_orm::DatabaseConnection) -> u64;
}

impl CountRows for sea_orm::Select<audit_entry::Entity> {
    async fn count_rows(self, db: &sea_orm::DatabaseConnection) -> u64 {
        sea_orm::PaginatorTrait::count(self, db).await.unwrap()
    }
}

#[rocket::async_test]
async fn a_case_is_changed_at_the_version_last_read_and_archived() {
    let app = TestApp::admin().await;
    let case = open(&app, &counterfeit("2026-03-02")).await.json();
    let id = case["id"].as_i64().unwrap();
    let path = format!("/api/v1/cases/{id}");
    let mut change = counterfeit("2026-03-02");
    change["version"] = json!(1);
    change["product"] = json!("电饭煲");
    change["respondent"]["credit_code"] = json!("91420527MA4901234Y");
    let bad = app.send_json(Method::Put, &path, &change.to_string()).await;
    assert_eq!(bad.status, Status::UnprocessableEntity);
    assert!(
        bad.json()["error"]["fields"]["respondent.credit_code"].is_string(),
        "{}",
        bad.body
    );
    change["respondent"]["credit_code"] = Value::Null;
    let updated = app.send_json(Method::Put, &path, &change.to_string()).await;
    assert_eq!(updated.status, Status::Ok, "{}", updated.body);
    assert_eq!(updated.json()["product"], "电饭煲");
    assert_eq!(updated.json()["case_number"], case["case_number"]);
    let stale = app.send_json(Method::Put, &path, &change.to_string()).await;
    assert_eq!(stale.status, Status::Conflict);
    let archived = app
        .send_json(
            Method::Post,
            &format!("{path}/archive"),
            &json!({"version": 2}).to_string(),
        )
        .await;
    assert_eq!(archived.status, Status::Ok, "{}", archived.body);
    assert_eq!(app.get("/api/v1/cases").await.json()["total"], 0);
    assert_eq!(
        app.get("/api/v1/cases?archived=true").await.json()["total"],
        1
    );
    assert_eq!(app.get("/api/v1/cases/abc").await.status, Status::NotFound);
    let invalid = open(&app, &json!({"kind": "theft"})).await;
    assert_eq!(invalid.status, Status::UnprocessableEntity);
    let fields = invalid.json()["error"]["fields"].clone();
    for field in ["kind", "source", "received_on", "respondent.name"] {
        assert!(fields.get(field).is_some(), "{field} in {fields}");
    }
}

#[rocket::async_test]
async fn a_problem_found_on_inspection_opens_a_case_in_one_step_and_the_pages_follow_it() {
    let app = TestApp::admin().await;
    officers(&app).await;
    let enterprise = app
        .send_json(
            Method::Post,
            "/api/v1/enterprises",
            &json!({"name": "秭归县某五金店"}).to_string(),
        )
        .await;
    assert_eq!(enterprise.status, Status::Created, "{}", enterprise.body);
    let enterprise_id = enterprise.json()["id"].as_i64().unwrap();
    let inspection = app
        .send_json(
            Method::Post,
            "/api/v1/inspections",
            &json!({"title": "双十一专利执法检查", "starts_on": "2026-11-10",
                    "problems": [{"description": "标注的专利号校验位错误", "party": "秭归县某五金店", "product": "电热水壶"}]})
            .to_string(),
        )
        .await
        .json();
    let inspection_id = inspection["id"].as_i64().unwrap();
    let form = app
        .get(&format!("/cases/new?inspection={inspection_id}&problem=0"))
        .await;
    assert_eq!(form.status, Status::Ok);
    form.assert_contains(&[
        "双十一专利执法检查",
        "秭归县某五金店",
        "电热水壶",
        "标注的专利号校验位错误",
        "2026-11-10",
    ]);
    let created = app
        .post_form(
            "/cases",
            &[
                ("kind", "counterfeiting"),
                ("source", "inspection"),
                ("inspection_id", &inspection_id.to_string()),
                ("problem", "0"),
                ("received_on", "2026-11-10"),
                ("respondent_name", "秭归县某五金店"),
                ("product", "电热水壶"),
                ("claimed_patent_number", "专利号 201710601862.4"),
                ("facts", "标注的专利号校验位错误"),
            ],
        )
        .await;
    assert_eq!(created.status, Status::SeeOther, "{}", created.body);
    let page = app.follow(&created).await;
    page.assert_contains(&[
        "知执字〔2026〕1号",
        "线索登记",
        "收到线索后决定是否立案",
        "校验位",
        "秭归县某五金店",
        "双十一专利执法检查",
    ]);
    let case_path = created.location.clone().unwrap();
    let id: i64 = case_path.rsplit('/').next().unwrap().parse().unwrap();
    let problem = app
        .get(&format!("/api/v1/inspections/{inspection_id}"))
        .await
        .json();
    assert_eq!(problem["problems"][0]["case_id"], id);
    app.get(&format!("/inspections/{inspection_id}"))
        .await
        .assert_contains(&[&format!("/cases/{id}"), "知执字〔2026〕1号"]);
    let case = app.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(case["respondent"]["enterprise_id"], enterprise_id);
    app.get(&format!("/enterprises/{enterprise_id}"))
        .await
        .assert_contains(&["涉及的执法案件", "知执字〔2026〕1号"]);
    // A second case from the same problem is refused.
    let again = app
        .post_form(
            "/cases",
            &[
                ("kind", "counterfeiting"),
                ("source", "inspection"),
                ("inspection_id", &inspection_id.to_string()),
                ("problem", "0"),
                ("received_on", "2026-11-10"),
                ("respondent_name", "秭归县某五金店"),
            ],
        )
        .await;
    assert_eq!(again.status, Status::UnprocessableEntity);
    again.assert_contains(&["这个问题已经立案"]);
    // A step refused by the form says why beside the field; one that fits is recorded.
    let refused = app
        .post_form(
            &format!("{case_path}/steps"),
            &[("step", "accepted"), ("on", "2026-11-09")],
        )
        .await;
    assert_eq!(refused.status, Status::UnprocessableEntity);
    refused.assert_contains(&["不能早于上一步“线索登记”的日期（2026-11-10）"]);
    let accepted = app
        .post_form(
            &format!("{case_path}/steps"),
            &[("step", "accepted"), ("on", "2026-11-12")],
        )
        .await;
    assert_eq!(accepted.status, Status::SeeOther, "{}", accepted.body);
    let lone = app
        .post_form(
            &format!("{case_path}/steps"),
            &[
                ("step", "investigation"),
                ("on", "2026-11-13"),
                ("officers", "zhang\nwang"),
            ],
        )
        .await;
    assert_eq!(lone.status, Status::UnprocessableEntity);
    lone.assert_contains(&["第四十二条"]);
    let investigated = app
        .post_form(
            &format!("{case_path}/steps"),
            &[
                ("step", "investigation"),
                ("on", "2026-11-13"),
                ("officers", "zhang 姓名、li"),
                ("note", "现场检查"),
            ],
        )
        .await;
    assert_eq!(
        investigated.status,
        Status::SeeOther,
        "{}",
        investigated.body
    );
    let uploaded = app
        .post_multipart(
            &format!("{case_path}/attachments"),
            &[],
            Some(("笔录.pdf", b"%PDF-1.4 test")),
        )
        .await;
    assert_eq!(uploaded.status, Status::SeeOther, "{}", uploaded.body);
    let page = app.get(&case_path).await;
    page.assert_contains(&[
        "立案",
        "调查",
        "zhang 姓名",
        "li 姓名",
        "现场检查",
        "笔录.pdf",
    ]);
    app.get(&format!("{case_path}/print"))
        .await
        .assert_contains(&[
            "专利行政执法案件摘要",
            "知执字〔2026〕1号",
            "现场检查",
            "假冒专利案件立案后作出处理决定",
        ]);
    // Its time limit runs from its 2026 dates: within it until it falls due, overdue after.
    let case = app.get(&format!("/api/v1{case_path}")).await.json();
    let overdue = case["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["status"] == "overdue");
    let (holds, lacks, words) = match overdue {
        false => ("open", "overdue", "期限内"),
        true => ("overdue", "open", "已超期"),
    };
    let list = app.get(&format!("/cases?deadline={holds}")).await;
    list.assert_contains(&["知执字〔2026〕1号", words]);
    app.get(&format!("/cases?deadline={lacks}"))
        .await
        .assert_contains(&["没有符合条件的案件"]);
    app.switch_to_english().await;
    let english = app.get(&case_path).await;
    english.assert_contains(&[
        "Clue received",
        "Patent counterfeiting",
        "Record a step",
        "Time limits",
    ]);
    english.assert_lacks(&["线索登记"]);
    app.get(&format!("{case_path}/print"))
        .await
        .assert_contains(&["Case number: ", "Patent enforcement case summary"]);
    // The search box says what it searches: cases, not inspections.
    let list = app.get("/cases").await;
    list.assert_contains(&[
        "Enforcement cases",
        "Within limits",
        "Case number, party, product or facts",
    ]);
    list.assert_lacks(&["Title, agency, area or place"]);
}

#[rocket::async_test]
async fn overdue_cases_reach_the_dashboard_and_the_year_s_cases_the_summary() {
    let app = TestApp::admin().await;
    officers(&app).await;
    let late = open(&app, &counterfeit("2026-01-05")).await.json();
    let id = open(&app, &counterfeit("2026-02-02")).await.json()["id"]
        .as_i64()
        .unwrap();
    for body in [
        json!({"step": "accepted", "on": "2026-02-04"}),
        json!({"step": "decided", "on": "2026-03-04", "officers": ["zhang", "li"], "outcome": "penalty", "fine": "2.4万"}),
        json!({"step": "served", "on": "2026-03-05"}),
        json!({"step": "published", "on": "2026-03-10"}),
        json!({"step": "closed", "on": "2026-03-11"}),
    ] {
        let page = step(&app, id, &body).await;
        assert_eq!(page.status, Status::Created, "{}", page.body);
    }
    // The day it fell due, then how late: in Chinese in full-width brackets.
    let due = deadline(&late, "acceptance")["due_on"].as_str().unwrap();
    let home = app.get("/").await;
    home.assert_contains(&[
        "执法案件期限提醒",
        late["case_number"].as_str().unwrap(),
        &format!("{due}（超期"),
        "天）",
        "已超期",
    ]);
    // The year's cases in its report's cards (the dashboard's while 2026 is this year).
    app.get("/reports?year=2026")
        .await
        .assert_contains(&["立案查处案件（件）", "结案1件 · 罚款24000元"]);
    let summary = app
        .get("/api/v1/reports/summary?from=2026-01-01&to=2026-06-30")
        .await
        .json();
    let text = summary["text"].as_str().unwrap();
    assert!(
        text.contains("；立案查处专利违法案件1件（其中假冒专利1件），结案1件，罚款24000元"),
        "{text}"
    );
    let english = crate::reports::first_half_summary(&app, "en").await;
    assert!(
        english.contains("; 1 enforcement case was opened (1 patent counterfeiting case), 1 case closed, fines of ¥24,000 imposed"),
        "{english}"
    );
    // The fine on the case's page: whole yuan, the thousands grouped in English.
    let page = app.get(&format!("/cases/{id}")).await;
    page.assert_contains(&["<dd>24000</dd>"]);
    app.switch_to_english().await;
    app.get(&format!("/cases/{id}"))
        .await
        .assert_contains(&["<dd>24,000</dd>"]);
    let home = app.get("/").await;
    home.assert_contains(&[&format!("{due} ("), " days overdue)"]);
    app.get("/reports?year=2026")
        .await
        .assert_contains(&["fines ¥24,000"]);
}
