//! Hostile input, thrown at every parser and every form: random and near-valid text at the
//! parsers (no panic, ever), random JSON at every API that writes and random ids in every path (an
//! answer and never a 500), and random and mutated files at the workbook reader through its child
//! process (rows, or one clear sentence, within the limits). Bounded: a few seconds in CI.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use rocket::http::{Method, Status};
use serde_json::{Map, Value, json};

use crate::support::{TestApp, urlencode};

/// Text as people and machines produce it: anything, bytes made text, and near misses of the
/// formats the parsers expect.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        proptest::collection::vec(any::<u8>(), 0..48)
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
        "(ZL|CN|zl|专利号)?[ 0-9０-９.Xx·-]{0,22}",
        "[0-9A-Za-z]{0,20}",
        "[0-9]{0,5}[-/.年]?[0-9]{0,3}[-/.月]?[0-9]{0,3}日?",
        "[-+=@]?[0-9,.]{0,14}(元|万元|%)?",
        Just(String::new()),
        "\\s{0,6}",
    ]
}

proptest! {
    #![proptest_config(Config { cases: 768, ..Config::default() })]

    #[test]
    fn no_parser_panics(text in hostile_text()) {
        use ipdesk::patents::number::{ApplicationNumber, PublicationNumber};
        let _ = ApplicationNumber::parse(&text);
        let _ = PublicationNumber::parse(&text);
        let _ = ipdesk::enterprises::domain::CreditCode::parse(&text);
        let _ = ipdesk::dates::parse_optional(&text);
        let _ = ipdesk::import::values::date_from_text(&text);
        let _ = ipdesk::import::values::patent_type(&text);
        let _ = ipdesk::import::values::legal_status(&text);
        let _ = ipdesk::import::values::yes_no(&text);
        let _ = ipdesk::import::spec::normalize_header(&text);
        let _ = ipdesk::text::clean(&text);
        let _ = ipdesk::text::split_list(&text);
        let _ = ipdesk::cases::penalty::parse_yuan(&text);
        let _ = ipdesk::cases::claim::check(&text, ipdesk::cases::claim::claimed_type(&text));
        let _ = ipdesk::auth::domain::parse_username(&text);
        let _ = ipdesk::web::forms::parse_version(&text);
        let _ = ipdesk::settings::domain::Timezone::parse(&text);
        let _ = ipdesk::patents::service::parse_id(&text);
        let _ = ipdesk::cases::service::parse_id(&text);
    }
}

/// `count` values of `strategy`, the same on every run (a failure can be repeated).
fn samples<S: Strategy>(strategy: S, count: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..count)
        .map(|_| strategy.new_tree(&mut runner).expect("a value").current())
        .collect()
}

/// Any JSON value a client could send for one field.
fn hostile_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => hostile_text().prop_map(Value::String),
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => any::<f64>().prop_map(|n| json!(n)),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
        2 => proptest::collection::vec(hostile_text().prop_map(Value::String), 0..4)
            .prop_map(Value::Array),
        1 => hostile_text().prop_map(|name| json!({"name": name, "description": name, "action": name})),
    ]
}

/// How many bodies each write gets of each kind.
const ROWS: usize = 40;

/// The writes of the API and the fields each documents.
#[rustfmt::skip]
const WRITES: &[(Method, &str, &[&str])] = &[
    (Method::Post, "/api/v1/patents", &["application_number", "title", "applicants", "inventors", "filed_on", "granted_on", "grant_publication_number", "agency", "ipc_main", "address", "township", "notes"]),
    (Method::Post, "/api/v1/enterprises", &["name", "credit_code", "township", "address", "industry", "high_tech", "tech_sme", "contact_name", "contact_phone", "notes"]),
    (Method::Post, "/api/v1/events", &["kind", "title", "starts_on", "ends_on", "location", "lead_unit", "co_organisers", "audience", "attendees", "materials_count", "enterprise_ids", "notes"]),
    (Method::Post, "/api/v1/visits", &["enterprise_id", "enterprise_name", "visited_on", "officers", "agencies", "topics", "materials_count", "needs", "follow_ups"]),
    (Method::Post, "/api/v1/inspections", &["title", "starts_on", "ends_on", "lead_agency", "partner_agencies", "area", "places", "staff_count", "premises_inspected", "goods_checked", "marked_goods_checked", "problems", "notes"]),
    (Method::Post, "/api/v1/cases", &["case_number", "kind", "source", "inspection_id", "complainant", "respondent", "product", "claimed_patent_number", "facts", "received_on"]),
    (Method::Post, "/api/v1/users", &["username", "real_name", "certificate_number", "role", "password"]),
    (Method::Post, "/api/v1/townships", &["name"]),
    (Method::Put, "/api/v1/settings/jurisdiction", &["county", "aliases", "case_prefix"]),
    (Method::Put, "/api/v1/settings/timezone", &["timezone"]),
    (Method::Put, "/api/v1/targets", &["year", "metric", "township", "value"]),
    (Method::Put, "/api/v1/deadline-rules/counterfeiting_decision", &["period", "extension"]),
    (Method::Put, "/api/v1/calendar/2026-10-01", &["kind", "name"]),
    (Method::Post, "/api/v1/cases/1/steps", &["step", "on", "officers", "note", "approver", "outcome", "illegal_gains", "fine", "hearing_requested"]),
];

/// Paths with an id or a name in them, the hostile text put there.
#[rustfmt::skip]
const PATHS: &[(Method, &str)] = &[
    (Method::Get, "/api/v1/patents/"),
    (Method::Get, "/api/v1/enterprises/"),
    (Method::Get, "/api/v1/cases/"),
    (Method::Get, "/api/v1/imports/"),
    (Method::Get, "/api/v1/calendar?year="),
    (Method::Get, "/api/v1/patents?q="),
    (Method::Get, "/api/v1/reports/ytd?as_of="),
    (Method::Get, "/patents?filed_year="),
    (Method::Get, "/cases?deadline="),
    (Method::Post, "/api/v1/cases/1/steps?x="),
];

/// Filters that take a whole number of 32 or 64 bits, or a yes-or-no (0): any text is read (200)
/// when blank or what the field takes, else refused with the field's sentence (422), never taken
/// for another value or for no filter.
#[rustfmt::skip]
/// (the filter's address, the bits of its number or 0 for yes-or-no, how its refusal names it:
/// the API by the parameter, a page by its label)
const TYPED_FILTERS: &[(&str, u8, &str)] = &[
    ("/api/v1/enterprises?high_tech=", 0, "high_tech："),
    ("/api/v1/visits?open=", 0, "open："),
    ("/exports/patents.xlsx?linked=", 0, "关联企业："),
    ("/api/v1/patents?filed_year=", 32, "filed_year："),
    ("/patents?granted_year=", 32, "授权年份："),
    ("/api/v1/cases?enterprise_id=", 64, "enterprise_id："),
];

/// Whether a filter of that kind reads `text` (as Rocket reads a number or a yes-or-no).
fn filter_reads(text: &str, bits: u8) -> bool {
    let yes_no = ["true", "false", "yes", "no", "on", "off"];
    text.trim().is_empty()
        || match bits {
            32 => text.parse::<i32>().is_ok(),
            64 => text.parse::<i64>().is_ok(),
            _ => yes_no.iter().any(|word| word.eq_ignore_ascii_case(text)),
        }
}

/// `text` in the shape the field takes (a list, a party, a number…), so that the body passes the
/// JSON reading and the hostile text reaches the rules themselves.
fn shaped(field: &str, text: &str) -> Value {
    let number = json!(text.chars().count() as i64 * 37 - 200);
    match field {
        "applicants" | "inventors" | "co_organisers" | "officers" | "agencies" | "topics"
        | "partner_agencies" | "aliases" => json!([text, text.to_uppercase()]),
        "follow_ups" => json!([{"action": text, "owner": text, "due_on": text, "done_on": text}]),
        "problems" => json!([{"description": text, "party": text, "product": text}]),
        "high_tech" => json!({"certificate_number": text, "issued_on": text, "expires_on": text}),
        "period" | "extension" => json!({"amount": text, "unit": text}),
        "complainant" | "respondent" => json!({"name": text, "credit_code": text, "address": text}),
        "enterprise_id" | "inspection_id" | "year" | "value" => number,
        "enterprise_ids" => json!([number]),
        "tech_sme" | "hearing_requested" => json!(text.len().is_multiple_of(2)),
        _ => json!(text),
    }
}

#[track_caller]
fn assert_answered(what: &str, page: &crate::support::Page) {
    assert_ne!(
        page.status,
        Status::InternalServerError,
        "{what} fell over: {}",
        page.body
    );
    if page.status.code >= 400 && page.body.starts_with('{') {
        let message = page.json()["error"]["message"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        assert!(!message.is_empty(), "{what}: no message in {}", page.body);
    }
}

#[rocket::async_test]
async fn random_json_at_every_write_gets_an_answer_never_a_500() {
    let app = TestApp::admin().await;
    // The case (number 1 of a fresh desk) whose steps route is among the writes.
    let case = app
        .send_json(
            Method::Post,
            "/api/v1/cases",
            &crate::cases::counterfeit("2026-03-02").to_string(),
        )
        .await;
    assert_eq!(case.status, Status::Created, "{}", case.body);
    assert_eq!(case.json()["id"], 1);
    // First any JSON at all in every field; then the same hostile text in the shapes the fields
    // take, so that it passes the JSON reading and meets the rules themselves.
    let values = samples(proptest::collection::vec(hostile_value(), 14), ROWS);
    let texts = samples(proptest::collection::vec(hostile_text(), 14), ROWS);
    let mut accepted = 0;
    for in_shape in [false, true] {
        for (method, path, fields) in WRITES {
            for row in 0..ROWS {
                let body: Map<String, Value> = fields
                    .iter()
                    .enumerate()
                    .map(|(k, field)| {
                        let value = if in_shape {
                            shaped(field, &texts[row][k])
                        } else {
                            values[row][k].clone()
                        };
                        ((*field).to_owned(), value)
                    })
                    .collect();
                let body = Value::Object(body);
                let page = app.send_json(*method, path, &body.to_string()).await;
                assert_answered(&format!("{method} {path} {body}"), &page);
                if !in_shape {
                    continue;
                }
                if page.status.code < 300 {
                    accepted += 1;
                } else if page.status == Status::UnprocessableEntity {
                    // A refusal names the fields it refused, each with its reason.
                    let fields = &page.json()["error"]["fields"];
                    assert!(
                        fields
                            .as_object()
                            .is_some_and(|f| !f.is_empty() && !f.contains_key("body")),
                        "{path}: {}",
                        page.body
                    );
                }
            }
        }
    }
    assert!(
        accepted > 0,
        "no hostile body was ever accepted: the shapes are wrong"
    );
    // Not JSON at all.
    for text in samples(hostile_text(), 20) {
        let page = app.send_json(Method::Post, "/api/v1/patents", &text).await;
        assert_answered("a body that is no JSON", &page);
    }
}

#[rocket::async_test]
async fn random_ids_and_filters_in_paths_get_an_answer_never_a_500() {
    let app = TestApp::admin().await;
    for text in samples(hostile_text(), 40) {
        for (method, prefix) in PATHS {
            let path = format!("{prefix}{}", urlencode(&text));
            let page = if *method == Method::Get {
                app.get(&path).await
            } else {
                app.send_json(*method, &path, "{}").await
            };
            assert_answered(&path, &page);
        }
        for (prefix, bits, named) in TYPED_FILTERS {
            let path = format!("{prefix}{}", urlencode(&text));
            let page = app.get(&path).await;
            if filter_reads(&text, *bits) {
                assert_eq!(page.status, Status::Ok, "{path}: {}", page.body);
            } else {
                assert_eq!(page.status, Status::UnprocessableEntity, "{path}");
                page.assert_contains(&[named]);
            }
        }
    }
}

/// The reader's answer for `bytes`: rows, or a refusal in one sentence that names no internals.
async fn read(reader: &ipdesk::import::reader::ChildReader, bytes: &[u8]) {
    match reader.read(bytes).await {
        Ok(workbook) => assert!(!workbook.sheets.is_empty() || bytes.is_empty()),
        Err(error) => {
            assert!(
                error.status().code < 500 || error.status() == Status::ServiceUnavailable,
                "{} bytes: {error:?}",
                bytes.len()
            );
            let sentence = error.message().render(ipdesk::i18n::Lang::ZhCn);
            assert!(
                !sentence.is_empty() && !sentence.contains('\n'),
                "{sentence}"
            );
            for internal in ["panicked", "calamine", "Error(", "zip::", "sqlx"] {
                assert!(!sentence.contains(internal), "{sentence}");
            }
        }
    }
}

#[rocket::async_test]
async fn random_and_mutated_files_get_rows_or_one_sentence() {
    let reader = ipdesk::import::reader::ChildReader {
        program: env!("CARGO_BIN_EXE_ipdesk").into(),
    };
    for bytes in samples(proptest::collection::vec(any::<u8>(), 0..4096), 12) {
        read(&reader, &bytes).await;
    }
    // A real roster with bytes flipped, cut short or spliced: the zip and the XML inside break in
    // every way a damaged download does.
    let roster = crate::imports::fixture("zigui-grants-2026.xlsx");
    let small = crate::imports::roster_of(1, 20);
    let cuts = samples(
        (0usize..100_000, 0usize..100_000, any::<u8>(), 0usize..3),
        20,
    );
    for (at, len, byte, how) in cuts {
        let base = if how == 0 { &roster } else { &small };
        let mut bytes = base.clone();
        let at = at % bytes.len();
        match how {
            0 => bytes[at] ^= byte | 1,
            1 => bytes.truncate(at.max(4)),
            _ => {
                let end = (at + len % 512).min(bytes.len());
                bytes[at..end].iter_mut().for_each(|b| *b = byte);
            }
        }
        read(&reader, &bytes).await;
    }
}
