//! The working-day calendar: a year's holidays and make-up working days set by hand or loaded
//! from the State Council's notice copied into a sheet, through the API, the page and the CLI.

use rocket::http::{Method, Status};
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

use crate::support::TestApp;

/// The 2026 National Day notice as an officer copies it into a sheet.
pub(crate) fn national_day_2026() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let rows: [[&str; 3]; 4] = [
        ["2026年部分节假日安排", "", ""],
        ["日期", "类型", "名称"],
        ["2026-10-01至2026-10-07", "休", "国庆节"],
        ["2026年10月10日", "班", "国庆节调休"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                sheet.write(r as u32, c as u16, *text).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

async fn upload(app: &TestApp, path: &str, bytes: &[u8]) -> crate::support::Page {
    app.post_multipart(path, &[], Some(("2026节假日.xlsx", bytes)))
        .await
}

#[rocket::async_test]
async fn a_year_loads_from_a_sheet_and_days_are_set_and_removed() {
    let app = TestApp::admin().await;
    let empty = app.get("/api/v1/calendar?year=2026").await.json();
    assert_eq!(empty["loaded"], false);

    let loaded = upload(&app, "/api/v1/calendar/import", &national_day_2026()).await;
    assert_eq!(loaded.status, Status::Ok, "{}", loaded.body);
    assert_eq!(
        loaded.json(),
        json!({"years": [2026], "holidays": 7, "workdays": 1})
    );
    let year = app.get("/api/v1/calendar?year=2026").await.json();
    assert_eq!(year["loaded"], true);
    let days: Vec<(&str, &str)> = year["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["day"].as_str().unwrap(), d["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(days.len(), 8);
    assert_eq!(days[0], ("2026-10-01", "holiday"));
    assert_eq!(days[7], ("2026-10-10", "workday"));

    let set = app
        .send_json(
            Method::Put,
            "/api/v1/calendar/2026-09-20",
            &json!({"kind": "班", "name": "国庆节调休"}).to_string(),
        )
        .await;
    assert_eq!(set.status, Status::Ok, "{}", set.body);
    assert_eq!(set.json()["kind"], "workday");
    let bad = app
        .send_json(
            Method::Put,
            "/api/v1/calendar/2026-09-21",
            &json!({"kind": "半天"}).to_string(),
        )
        .await;
    assert_eq!(bad.status, Status::UnprocessableEntity, "{}", bad.body);
    assert_eq!(
        bad.json()["error"]["fields"]["kind"],
        "请选择“节假日”或“调休上班”。"
    );
    // A day as read is sent back changed; another day's, sent here, is refused.
    let read: Value = app.get("/api/v1/calendar?year=2026").await.json();
    let mut first = read["days"][0].clone();
    first["name"] = json!("国庆节（补）");
    let first_day = first["day"].as_str().unwrap().to_owned();
    let sent_back = app
        .send_json(
            Method::Put,
            &format!("/api/v1/calendar/{first_day}"),
            &first.to_string(),
        )
        .await;
    assert_eq!(sent_back.status, Status::Ok, "{}", sent_back.body);
    let elsewhere = app
        .send_json(
            Method::Put,
            "/api/v1/calendar/2026-12-25",
            &first.to_string(),
        )
        .await;
    elsewhere.assert_refused_on("day", "2026-12-25");
    let removed = app
        .send_json(Method::Delete, "/api/v1/calendar/2026-10-07", "")
        .await;
    assert_eq!(removed.status, Status::NoContent, "{}", removed.body);
    let again = app
        .send_json(Method::Delete, "/api/v1/calendar/2026-10-07", "")
        .await;
    assert_eq!(again.status, Status::NotFound);
    assert_eq!(
        app.get("/api/v1/calendar?year=2026").await.json()["days"]
            .as_array()
            .map(Vec::len),
        Some(8)
    );

    // A field the upload does not take is refused by name, and nothing replaced: the sheet's
    // every year would be, whatever `year` said.
    let with_year = app
        .post_multipart(
            "/api/v1/calendar/import",
            &[("year", "2027")],
            Some(("2026节假日.xlsx", &national_day_2026())),
        )
        .await;
    assert_eq!(with_year.status, Status::UnprocessableEntity);
    assert!(with_year.body.contains("year"), "{}", with_year.body);
    let kept: Value = app.get("/api/v1/calendar?year=2026").await.json();
    assert!(
        kept["days"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["day"] == "2026-09-20"),
        "{kept}"
    );
    let not_a_form = app
        .send_json(Method::Post, "/api/v1/calendar/import", "{}")
        .await;
    assert_eq!(not_a_form.status, Status::UnsupportedMediaType);
    assert!(not_a_form.body.contains("multipart"), "{}", not_a_form.body);
    // Loading the notice again replaces the year: the hand-set make-up day is gone.
    upload(&app, "/api/v1/calendar/import", &national_day_2026()).await;
    let year: Value = app.get("/api/v1/calendar?year=2026").await.json();
    assert!(
        !year["days"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["day"] == "2026-09-20"),
        "{year}"
    );
    // A year saved as CSV loads like a sheet; a PDF of the notice is refused.
    let csv = upload(&app, "/api/v1/calendar/import", "2025-10-01,休".as_bytes()).await;
    assert_eq!(csv.status, Status::Ok, "{}", csv.body);
    assert_eq!(csv.json()["years"], json!([2025]));
    let pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
    let not_a_sheet = upload(&app, "/api/v1/calendar/import", pdf).await;
    assert_eq!(
        not_a_sheet.status,
        Status::UnsupportedMediaType,
        "{}",
        not_a_sheet.body
    );

    let page = app.get("/settings/calendar?year=2026").await;
    page.assert_contains(&[
        "2026年工作日历",
        "国庆节调休",
        "调休上班（班）",
        "导入一年的节假日安排",
    ]);
    let page = app.get("/settings/calendar?year=2027").await;
    page.assert_contains(&["2027年的节假日安排还没有导入"]);
    app.switch_to_english().await;
    let page = app.get("/settings/calendar?year=2026").await;
    // The notice's names read in English; the API keeps them as stored.
    page.assert_contains(&[
        "Working-day calendar 2026",
        "Make-up working day (班)",
        "National Day",
        "Make-up working day for National Day",
    ]);
    page.assert_lacks(&["国庆节"]);
}

/// A year the State Council's notice is built in for loads at one request, through the API and
/// the page, replacing what the year held; the deadlines of a case then skip its holidays.
#[rocket::async_test]
async fn a_built_in_notice_loads_a_whole_year() {
    let app = TestApp::admin().await;
    let before = app.get("/api/v1/calendar?year=2026").await.json();
    assert_eq!(
        (before["loaded"].clone(), before["notice"].clone()),
        (json!(false), json!(true))
    );
    let loaded = upload(&app, "/api/v1/calendar/import", &national_day_2026()).await;
    assert_eq!(loaded.status, Status::Ok, "{}", loaded.body);

    let notice = app
        .send_json(Method::Post, "/api/v1/calendar/notices/2026", "")
        .await;
    assert_eq!(notice.status, Status::Ok, "{}", notice.body);
    assert_eq!(
        notice.json(),
        json!({"years": [2026], "holidays": 33, "workdays": 6})
    );
    let year = app.get("/api/v1/calendar?year=2026").await.json();
    let days = year["days"].as_array().unwrap();
    assert_eq!(
        days.len(),
        39,
        "the sheet's days are replaced, not added to"
    );
    let day = |on: &str| days.iter().find(|d| d["day"] == on).cloned();
    assert_eq!(day("2026-02-15").unwrap()["name"], "春节");
    assert_eq!(day("2026-02-28").unwrap()["kind"], "workday");

    // Fifteen working days from a clue received on Tuesday 10 February 2026 count the make-up
    // Saturdays 14 and 28 February and skip the nine days of the Spring Festival: 9 March.
    let case = crate::cases::open(&app, &crate::cases::counterfeit("2026-02-10"))
        .await
        .json();
    let acceptance = case["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "acceptance")
        .cloned()
        .unwrap();
    assert_eq!(acceptance["due_on"], "2026-03-09", "{acceptance}");
    assert_eq!(acceptance["warning"], Value::Null, "{acceptance}");

    let unknown = app
        .send_json(Method::Post, "/api/v1/calendar/notices/2019", "")
        .await;
    assert_eq!(unknown.status, Status::NotFound);
    unknown.assert_contains(&["没有内置2019年的放假通知"]);

    // The page offers the year's notice, and loads it.
    let page = app.get("/settings/calendar?year=2025").await;
    page.assert_contains(&["载入国务院办公厅公布的2025年安排"]);
    app.get("/settings/calendar?year=2027")
        .await
        .assert_lacks(&["载入国务院办公厅公布的"]);
    let done = app.post_form("/settings/calendar/2025/notice", &[]).await;
    assert_eq!(
        done.location.as_deref(),
        Some("/settings/calendar?year=2025")
    );
    app.follow(&done).await.assert_contains(&[
        "已导入2025年的安排：节假日28天，调休上班5天。",
        "国庆节、中秋节",
        // Offered again below, to load over changes made by hand.
        "载入国务院办公厅公布的2025年安排",
    ]);

    let viewer = TestApp::signed_in(ipdesk::auth::Role::Viewer).await;
    let refused = viewer
        .send_json(Method::Post, "/api/v1/calendar/notices/2026", "")
        .await;
    assert_eq!(refused.status, Status::Forbidden);
    viewer
        .get("/settings/calendar?year=2026")
        .await
        .assert_lacks(&["载入国务院办公厅公布的"]);
}

/// The dashboard asks for this year's holidays while none are loaded, and stops once a day is.
#[rocket::async_test]
async fn the_dashboard_asks_for_this_year_s_holidays() {
    use chrono::Datelike;
    let app = TestApp::admin().await;
    // The desk's clock: today in Beijing.
    let year = (chrono::Utc::now() + chrono::Duration::hours(8)).year();
    let asking = format!("{year}年的节假日安排还没有导入，案件期限暂时只跳过周末。");
    app.get("/").await.assert_contains(&[
        asking.as_str(),
        &format!("href=\"/settings/calendar?year={year}\""),
    ]);
    let set = app
        .send_json(
            Method::Put,
            &format!("/api/v1/calendar/{year}-10-01"),
            &json!({"kind": "holiday", "name": "国庆节"}).to_string(),
        )
        .await;
    assert_eq!(set.status, Status::Ok, "{}", set.body);
    app.get("/").await.assert_lacks(&[asking.as_str()]);
}

#[rocket::async_test]
async fn the_page_records_a_day_and_says_what_is_wrong() {
    let app = TestApp::admin().await;
    let wrong = app
        .post_form(
            "/settings/calendar",
            &[("day", "2026-13-01"), ("kind", "holiday")],
        )
        .await;
    assert_eq!(wrong.status, Status::UnprocessableEntity, "{}", wrong.body);
    wrong.assert_contains(&["2026-13-01"]);
    let done = app
        .post_form(
            "/settings/calendar",
            &[
                ("day", "2026-05-01"),
                ("kind", "holiday"),
                ("name", "劳动节"),
            ],
        )
        .await;
    assert_eq!(done.status, Status::SeeOther, "{}", done.body);
    app.follow(&done)
        .await
        .assert_contains(&["已登记2026-05-01。", "劳动节"]);
    let gone = app
        .post_form("/settings/calendar/2026-05-01/remove", &[])
        .await;
    assert_eq!(gone.status, Status::SeeOther, "{}", gone.body);
    let upload_page = upload(&app, "/settings/calendar/import", &national_day_2026()).await;
    assert_eq!(upload_page.status, Status::SeeOther, "{}", upload_page.body);
    app.follow(&upload_page)
        .await
        .assert_contains(&["已导入2026年的安排：节假日7天，调休上班1天。"]);
}

#[rocket::async_test]
async fn the_time_limits_show_their_defaults_and_admins_change_them() {
    let app = TestApp::admin().await;
    let rules = app.get("/api/v1/deadline-rules").await.json();
    let codes: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "acceptance",
            "dispute_acceptance",
            "counterfeiting_decision",
            "dispute_closing",
            "service",
            "publication"
        ]
    );
    assert_eq!(
        rules[0]["period"],
        json!({"amount": 15, "unit": "working_days"})
    );
    assert_eq!(rules[2]["extension"], json!({"amount": 30, "unit": "days"}));

    let path = "/api/v1/deadline-rules/counterfeiting_decision";
    let body = json!({"period": {"amount": 60, "unit": "days"}, "extension": null});
    let set = app.send_json(Method::Put, path, &body.to_string()).await;
    assert_eq!(set.status, Status::Ok, "{}", set.body);
    let set = set.json();
    assert_eq!(set["period"], json!({"amount": 60, "unit": "days"}));
    assert_eq!(set["extension"], Value::Null);
    assert_eq!(set["changed"], true);
    assert_eq!(set["default_period"], json!({"amount": 90, "unit": "days"}));
    // What was read goes back with a change: the extension kept, the amount as text too.
    let mut read = app.get("/api/v1/deadline-rules").await.json()[0].clone();
    read["period"]["amount"] = json!("20");
    let sent_back = app
        .send_json(
            Method::Put,
            "/api/v1/deadline-rules/acceptance",
            &read.to_string(),
        )
        .await;
    assert_eq!(sent_back.status, Status::Ok, "{}", sent_back.body);
    assert_eq!(
        sent_back.json()["period"],
        json!({"amount": 20, "unit": "working_days"})
    );
    assert_eq!(
        sent_back.json()["extension"],
        json!({"amount": 15, "unit": "working_days"})
    );
    // Another rule's answer sent to this address is refused, this rule left as it was.
    let elsewhere = app
        .send_json(
            Method::Put,
            "/api/v1/deadline-rules/service",
            &read.to_string(),
        )
        .await;
    assert_eq!(elsewhere.status, Status::UnprocessableEntity);
    assert_eq!(
        elsewhere.json()["error"]["fields"]["code"],
        "请求内容是期限 acceptance 的，而地址是 service 的：请把期限发到它自己的地址。没有写入任何内容。"
    );
    assert_eq!(
        app.get("/api/v1/deadline-rules").await.json()[4]["changed"],
        false
    );

    // Each problem is on the field of the body that holds it.
    let bad = json!({"period": {"amount": 0, "unit": "weeks"}, "extension": {"amount": "x", "unit": "days"}});
    let bad = app.send_json(Method::Put, path, &bad.to_string()).await;
    assert_eq!(bad.status, Status::UnprocessableEntity, "{}", bad.body);
    let fields = &bad.json()["error"]["fields"];
    assert_eq!(fields["period.amount"], "请填写1到3650之间的整数。");
    assert_eq!(fields["period.unit"], "请选择天、月或工作日。");
    assert_eq!(
        fields["extension.amount"],
        "可延长的长度请填写1到3650之间的整数；不可延长的留空。"
    );
    assert_eq!(fields.as_object().map(|f| f.len()), Some(3), "{fields}");
    let unknown = app
        .send_json(
            Method::Put,
            "/api/v1/deadline-rules/lunch",
            &body.to_string(),
        )
        .await;
    assert_eq!(unknown.status, Status::NotFound);

    let page = app.get("/settings/deadlines").await;
    page.assert_contains(&[
        "执法办案期限",
        "假冒专利案件立案后作出处理决定",
        "60日",
        "（默认：90日）",
        "恢复默认",
    ]);
    let reset = app
        .post_form("/settings/deadlines/counterfeiting_decision/reset", &[])
        .await;
    assert_eq!(reset.status, Status::SeeOther, "{}", reset.body);
    let rules = app.get("/api/v1/deadline-rules").await.json();
    assert_eq!(rules[2]["period"], json!({"amount": 90, "unit": "days"}));
    assert_eq!(rules[2]["changed"], false);
    let saved = app
        .post_form(
            "/settings/deadlines/service",
            &[
                ("amount", "10"),
                ("unit", "working_days"),
                ("extension_amount", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, Status::SeeOther, "{}", saved.body);
    app.follow(&saved)
        .await
        .assert_contains(&["已保存“处罚决定作出后送达”的期限。", "10个工作日"]);
    // A unit that is none of the three is said under the unit's own list.
    let wrong_unit = app
        .post_form(
            "/settings/deadlines/service",
            &[
                ("amount", "10"),
                ("unit", "weeks"),
                ("extension_amount", ""),
            ],
        )
        .await;
    assert_eq!(wrong_unit.status, Status::UnprocessableEntity);
    wrong_unit.assert_contains(&[
        "aria-describedby=\"service-unit-error\" aria-invalid=\"true\"",
        "<p class=\"field-error\" id=\"service-unit-error\">请选择天、月或工作日。</p>",
    ]);
    app.switch_to_english().await;
    app.get("/settings/deadlines").await.assert_contains(&[
        "Enforcement time limits",
        "10 working days",
        "(default: 7 days)",
    ]);
}
