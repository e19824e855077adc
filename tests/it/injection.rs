//! Hostile text stays text: a stored `<script>` and a `"><img onerror=…>` in the text fields of
//! every register render inert on every page that shows them (lists, record pages, the printed
//! summary, the dashboard, flash messages), and a value that starts with `=`, `+`, `-` or `@` is
//! written to every export and to the error workbook as a text cell, never a formula.

use calamine::{Data, Reader};
use ipdesk::auth::Role;
use rocket::http::{Method, Status};
use serde_json::{Value, json};

use crate::imports::{set_zigui, xlsx};
use crate::support::TestApp;

const SCRIPT: &str = "<script>alert('ipdesk')</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";
/// What a spreadsheet would run if these were written as formulas.
const FORMULAS: [&str; 4] = [
    "=HYPERLINK(\"http://192.0.2.1/\",\"点我\")",
    "+1+2",
    "-3+4",
    "@SUM(1,2)",
];

/// The markup that must never reach a page as markup.
const LIVE: [&str; 3] = ["<script>alert", "<img src=x", "onerror=alert(1)>"];

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let page = app.send_json(Method::Post, path, &body.to_string()).await;
    assert_eq!(page.status, Status::Created, "{path}: {}", page.body);
    page.json()
}

/// The county (in every page's header), a township and a user's name, hostile.
async fn hostile_settings(app: &TestApp) {
    let county = app
        .send_json(
            Method::Put,
            "/api/v1/settings/jurisdiction",
            &json!({"county": format!("{IMG}县"), "case_prefix": "秭"}).to_string(),
        )
        .await;
    assert_eq!(county.status, Status::Ok, "{}", county.body);
    created(app, "/api/v1/townships", json!({"name": SCRIPT})).await;
    created(
        app,
        "/api/v1/users",
        json!({"username": "evil", "real_name": IMG, "role": "officer", "password": crate::support::PASSWORD}),
    )
    .await;
}

/// One record in every register, each text field hostile.
async fn hostile_records(app: &TestApp) -> Vec<String> {
    hostile_settings(app).await;
    let enterprise = created(
        app,
        "/api/v1/enterprises",
        json!({
            "name": format!("{IMG}秭归县恶意科技有限公司"), "address": SCRIPT, "notes": FORMULAS[0],
            "industry": IMG, "contact_name": SCRIPT,
        }),
    )
    .await;
    let patent = created(
        app,
        "/api/v1/patents",
        json!({
            "application_number": "201710601862.3",
            "title": format!("{SCRIPT}一种装置"),
            "applicants": [format!("{IMG}秭归县恶意科技有限公司"), FORMULAS[1]],
            "inventors": [SCRIPT, FORMULAS[2]],
            "filed_on": "2017-07-21",
            "notes": FORMULAS[3], "agency": IMG, "address": SCRIPT,
        }),
    )
    .await;
    let event = created(
        app,
        "/api/v1/events",
        json!({
            "kind": "world_ip_day", "title": format!("{IMG}活动"), "starts_on": "2026-04-26",
            "location": SCRIPT, "lead_unit": FORMULAS[0], "audience": FORMULAS[1],
            "co_organisers": [IMG],
        }),
    )
    .await;
    let visit = created(
        app,
        "/api/v1/visits",
        json!({
            "enterprise_id": enterprise["id"], "visited_on": "2026-05-12",
            "topics": ["patent_filing"], "needs": SCRIPT, "officers": [IMG, "evil"],
            "agencies": [SCRIPT],
            "follow_ups": [{"action": FORMULAS[2], "owner": SCRIPT, "due_on": "2026-06-01"}],
        }),
    )
    .await;
    let inspection = created(
        app,
        "/api/v1/inspections",
        json!({
            "title": format!("{SCRIPT}检查"), "starts_on": "2026-03-10",
            "lead_agency": IMG, "places": FORMULAS[3], "notes": SCRIPT,
            "area": IMG, "partner_agencies": [SCRIPT],
            "problems": [{"description": IMG, "party": SCRIPT, "product": FORMULAS[0]}],
        }),
    )
    .await;
    let case = created(
        app,
        "/api/v1/cases",
        json!({
            "kind": "counterfeiting", "source": "complaint", "received_on": "2026-03-11",
            "respondent": {"name": format!("{IMG}某店"), "address": SCRIPT},
            "complainant": {"name": FORMULAS[1]},
            "product": FORMULAS[2], "facts": SCRIPT,
        }),
    )
    .await;
    let step = app
        .send_json(
            Method::Post,
            &format!("/api/v1/cases/{}/steps", case["id"]),
            &json!({"step": "accepted", "on": "2026-03-12", "note": SCRIPT}).to_string(),
        )
        .await;
    assert_eq!(step.status, Status::Created, "{}", step.body);
    let upload = app
        .post_multipart(
            "/api/v1/imports",
            &[("register", "patents")],
            Some((
                "<script>alert('ipdesk')</script>.xlsx",
                &crate::imports::roster_of(2, 3),
            )),
        )
        .await;
    assert_eq!(upload.status, Status::Ok, "{}", upload.body);
    vec![
        format!("/imports/{}", upload.json()["batch_id"]),
        format!("/enterprises/{}", enterprise["id"]),
        format!("/patents/{}", patent["id"]),
        format!("/events/{}", event["id"]),
        format!("/visits/{}", visit["id"]),
        format!("/inspections/{}", inspection["id"]),
        format!("/cases/{}", case["id"]),
        format!("/cases/{}/print", case["id"]),
    ]
}

#[track_caller]
fn assert_inert(path: &str, body: &str) {
    for live in LIVE {
        assert!(
            !body.contains(live),
            "{path} carries {live:?} as markup:\n{body}"
        );
    }
}

#[rocket::async_test]
async fn stored_markup_renders_inert_on_every_page() {
    let app = TestApp::admin().await;
    let records = hostile_records(&app).await;
    let lists = [
        "/",
        "/patents",
        "/enterprises",
        "/events",
        "/visits",
        "/inspections",
        "/cases",
        "/reports",
        "/admin/audit",
        "/admin/users",
        "/settings",
        "/imports",
    ];
    for path in records.iter().map(String::as_str).chain(lists) {
        let page = app.get(path).await;
        assert_eq!(page.status, Status::Ok, "{path}");
        assert_inert(path, &page.body);
    }
    // The records' pages show the text itself, escaped: the check above had something to find.
    for path in &records[..7] {
        let page = app.get(path).await;
        assert!(
            page.body.contains("&lt;script&gt;") || page.body.contains("&quot;&gt;&lt;img"),
            "{path} does not show the hostile text at all:\n{}",
            page.body
        );
    }
    // The year's summary paragraph, on the page and through the API.
    let summary = app
        .get("/api/v1/reports/summary?from=2026-01-01&to=2026-12-31")
        .await;
    assert_eq!(summary.status, Status::Ok, "{}", summary.body);
    assert_inert("summary", &summary.json().to_string());
}

#[rocket::async_test]
async fn a_flash_message_names_the_record_without_running_it() {
    let app = TestApp::admin().await;
    let page = app
        .post_form(
            "/inspections",
            &[
                ("title", IMG),
                ("starts_on", "2026-03-10"),
                ("lead_agency", SCRIPT),
            ],
        )
        .await;
    assert_eq!(page.status, Status::SeeOther, "{}", page.body);
    let shown = app.follow(&page).await;
    assert_inert("the page after saving", &shown.body);
    shown.assert_contains(&["&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"]);
}

/// Every cell of every sheet of a workbook: its text, and the formulas it holds.
fn cells_and_formulas(bytes: &[u8]) -> (Vec<String>, Vec<String>) {
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .expect("calamine opens the workbook");
    let mut texts = Vec::new();
    let mut formulas = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("the sheet");
        texts.extend(range.used_cells().filter_map(|(_, _, cell)| match cell {
            Data::String(text) => Some(text.clone()),
            _ => None,
        }));
        let written = book.worksheet_formula(&name).expect("the formulas");
        formulas.extend(written.used_cells().map(|(_, _, f)| f.clone()));
    }
    (texts, formulas)
}

#[track_caller]
fn assert_text_not_formula(what: &str, bytes: &[u8], expected: &[&str]) {
    let (texts, formulas) = cells_and_formulas(bytes);
    for value in expected {
        assert!(
            texts.iter().any(|t| t.contains(value)),
            "{what}: {value:?} is not a text cell: {texts:?}"
        );
        let bare = value.trim_start_matches(['=', '+', '-', '@']);
        assert!(
            !formulas.iter().any(|f| f.contains(bare)),
            "{what}: {value:?} became a formula: {formulas:?}"
        );
    }
}

async fn download(app: &TestApp, path: &str) -> Vec<u8> {
    let response = app.client.get(path.to_owned()).dispatch().await;
    assert_eq!(response.status(), Status::Ok, "{path}");
    response.into_bytes().await.unwrap_or_default()
}

#[rocket::async_test]
async fn formula_like_values_are_exported_as_text() {
    let app = TestApp::admin().await;
    hostile_records(&app).await;
    let exports: [(&str, &[&str]); 6] = [
        ("/exports/enterprises.xlsx", &[FORMULAS[0], IMG]),
        (
            "/exports/patents.xlsx",
            &[FORMULAS[1], FORMULAS[2], FORMULAS[3], SCRIPT],
        ),
        (
            "/exports/events.xlsx?from=2026-01-01&to=2026-12-31",
            &[FORMULAS[0], FORMULAS[1]],
        ),
        (
            "/exports/visits.xlsx?from=2026-01-01&to=2026-12-31",
            &[FORMULAS[2], SCRIPT],
        ),
        (
            "/exports/inspections.xlsx?from=2026-01-01&to=2026-12-31",
            &[FORMULAS[3], FORMULAS[0]],
        ),
        (
            "/exports/cases.xlsx?from=2026-01-01&to=2026-12-31",
            &[FORMULAS[1], FORMULAS[2], IMG],
        ),
    ];
    for (path, expected) in exports {
        let bytes = download(&app, path).await;
        assert_text_not_formula(path, &bytes, expected);
    }
}

#[rocket::async_test]
async fn the_error_workbook_repeats_hostile_cells_as_text() {
    let app = TestApp::signed_in(Role::Officer).await;
    set_zigui(&app).await;
    // Rows the importer refuses (no valid application number), their cells hostile.
    let rows: Vec<&[&str]> = vec![
        &["申请号", "专利名称", "申请人", "申请日"],
        &[FORMULAS[0], SCRIPT, "秭归县某公司", "2026-01-05"],
        &[FORMULAS[1], IMG, FORMULAS[3], "2026-01-06"],
    ];
    let file = xlsx(&rows);
    let page = app
        .post_multipart("/api/v1/imports", &[], Some(("hostile.xlsx", &file)))
        .await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    let report = page.json();
    assert_eq!(report["invalid"], 2, "{report}");
    let bytes = download(
        &app,
        &format!("/api/v1/imports/{}/errors.xlsx", report["batch_id"]),
    )
    .await;
    assert_text_not_formula(
        "the error workbook",
        &bytes,
        &[FORMULAS[0], FORMULAS[1], FORMULAS[3], SCRIPT, IMG],
    );
}
