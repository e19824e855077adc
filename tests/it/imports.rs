//! Importing rosters: the sample fixtures give exactly their expected counts, again and revised;
//! undo restores the state before; a failure inside a commit leaves nothing behind; hostile files
//! are refused with one sentence while the server keeps serving; the error report imports back;
//! the web flow from upload to undo.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use ipdesk::auth::Role;
use ipdesk::entities::{
    enterprise, enterprise_name, import_batch, import_upload, patent, patent_applicant,
    patent_event,
};
use rocket::http::{Header, Status};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, QueryOrder};
use serde_json::{Value, json};

use crate::support::{Page, TestApp, multipart, repo_path, with_bearer};

pub(crate) fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(repo_path(&format!("tests/fixtures/{name}"))).expect("fixture")
}

fn expected() -> Value {
    serde_json::from_slice(&fixture("zigui-grants-2026.expected.json")).expect("expected JSON")
}

/// The fixture's jurisdiction: 秭归县 and its townships.
pub(crate) async fn set_zigui(app: &TestApp) {
    let jurisdiction = &expected()["jurisdiction"];
    let townships = jurisdiction["townships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    let input = ipdesk::settings::domain::JurisdictionInput {
        county: jurisdiction["county"].as_str().unwrap().to_owned(),
        ..Default::default()
    };
    ipdesk::settings::service::set_jurisdiction_and_townships(
        &app.db,
        &ipdesk::audit::Actor::cli(),
        input,
        Some(townships),
    )
    .await
    .expect("jurisdiction");
}

/// An app with the fixture's jurisdiction and an officer's API token.
pub(crate) async fn officer_app() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    app.create_user("officer", Role::Officer).await;
    set_zigui(&app).await;
    let token = app.token_for("officer").await;
    (app, token)
}

/// `POST /api/v1/imports` with a bearer token.
pub(crate) async fn api_import(
    app: &TestApp,
    token: &str,
    file_name: &str,
    bytes: &[u8],
    fields: &[(&str, &str)],
) -> Page {
    api_import_at(app, token, "/api/v1/imports", (file_name, bytes), fields).await
}

/// [`api_import`] to `path` (the import's address with a query, say).
async fn api_import_at(
    app: &TestApp,
    token: &str,
    path: &str,
    (file_name, bytes): (&str, &[u8]),
    fields: &[(&str, &str)],
) -> Page {
    let (content_type, body) = multipart(fields, Some((file_name, bytes)));
    let response = app
        .client
        .post(path.to_owned())
        .header(content_type)
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .body(body)
        .dispatch()
        .await;
    Page::from(response).await
}

/// Imports one of tests/fixtures under its own name.
async fn import_fixture(app: &TestApp, token: &str, name: &str, fields: &[(&str, &str)]) -> Page {
    api_import(app, token, name, &fixture(name), fields).await
}

async fn api(app: &TestApp, token: &str, method: rocket::http::Method, path: &str) -> Page {
    crate::support::with_bearer(app, method, path, token, None).await
}

#[track_caller]
fn assert_counts(report: &Value, expected: &Value) {
    for (key, value) in expected.as_object().unwrap() {
        if key != "invalid_rows" {
            assert_eq!(&report[key], value, "{key} in {}", summary(report));
        }
    }
}

fn summary(report: &Value) -> String {
    let mut report = report.clone();
    report["errors"] = json!(report["errors"].as_array().map(|a| a.len()));
    report["warnings"] = json!(report["warnings"].as_array().map(|a| a.len()));
    report.to_string()
}

fn error_rows(report: &Value) -> BTreeSet<u64> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_u64().unwrap())
        .collect()
}

/// Everything an import may touch, as JSON, to compare states. A record's update time is left
/// out: an undo is itself a change, made now.
async fn snapshot(db: &DatabaseConnection) -> Value {
    let mut state = raw_snapshot(db).await;
    for table in ["patents", "enterprises"] {
        for record in state[table].as_array_mut().unwrap() {
            let record = record.as_object_mut().unwrap();
            record.remove("updated_at");
        }
    }
    state
}

async fn raw_snapshot(db: &DatabaseConnection) -> Value {
    let applicants: Vec<Value> = patent_applicant::Entity::find()
        .order_by_asc(patent_applicant::Column::PatentId)
        .order_by_asc(patent_applicant::Column::Position)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| json!([a.patent_id, a.position, a.name, a.name_key, a.enterprise_id]))
        .collect();
    json!({
        "patents": patent::Entity::find().order_by_asc(patent::Column::Id).into_json().all(db).await.unwrap(),
        "applicants": applicants,
        "events": patent_event::Entity::find().order_by_asc(patent_event::Column::Id).into_json().all(db).await.unwrap(),
        "enterprises": enterprise::Entity::find().order_by_asc(enterprise::Column::Id).into_json().all(db).await.unwrap(),
        "names": enterprise_name::Entity::find().order_by_asc(enterprise_name::Column::NameKey).into_json().all(db).await.unwrap(),
    })
}

/// Asserts two snapshots are equal, showing only where they differ.
#[track_caller]
fn assert_same(actual: &Value, expected: &Value, what: &str) {
    let mut differences = Vec::new();
    differ("", actual, expected, &mut differences);
    assert!(
        differences.is_empty(),
        "{what}: {} differences, first:\n{}",
        differences.len(),
        differences
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn differ(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()).collect::<BTreeSet<_>>() {
                differ(
                    &format!("{path}.{key}"),
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differ(&format!("{path}[{i}]"), p, q, out);
            }
        }
        _ if a != b => out.push(format!("{path}: {} ≠ {}", short(a), short(b))),
        _ => {}
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 200 {
        format!(
            "{}… ({} long)",
            text.chars().take(200).collect::<String>(),
            value.as_array().map_or(0, Vec::len)
        )
    } else {
        text
    }
}

/// The patents whose title differs between two snapshots: (id, title before).
fn retitled(before: &Value, after: &Value) -> Vec<(i64, String)> {
    let old = before["patents"].as_array().unwrap();
    let new = after["patents"].as_array().unwrap();
    old.iter()
        .zip(new)
        .filter(|(a, b)| a["title"] != b["title"])
        .map(|(a, _)| {
            (
                a["id"].as_i64().unwrap(),
                a["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Undoes the batch an import's answer names, through the API.
async fn undo_batch(app: &TestApp, token: &str, outcome: &Value) -> Page {
    let path = format!("/api/v1/imports/{}/undo", outcome["batch_id"]);
    api(app, token, rocket::http::Method::Post, &path).await
}

/// How many patents the search index holds.
async fn indexed(db: &DatabaseConnection) -> i64 {
    use sea_orm::ConnectionTrait;
    let count = sea_orm::Statement::from_string(
        db.get_database_backend(),
        "SELECT COUNT(*) FROM patent_search",
    );
    let row = db.query_one_raw(count).await.unwrap().unwrap();
    row.try_get_by_index(0).unwrap()
}

/// Asserts that searching the register for each of the first few titles finds its patent.
async fn assert_found_by_title(app: &TestApp, token: &str, titles: &[(i64, String)]) {
    for (id, title) in titles.iter().take(3) {
        let q = crate::support::urlencode(title);
        let hits = api(
            app,
            token,
            rocket::http::Method::Get,
            &format!("/api/v1/patents?q={q}"),
        )
        .await
        .json();
        let ids: Vec<i64> = hits["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        assert!(ids.contains(id), "{title} should find patent {id}: {hits}");
    }
}

/// A dry run asked for in a way the form cannot read is refused, never taken for a commit
/// (`dry_run=1` once imported the file); blank, it is not asked for.
#[rocket::async_test]
async fn a_dry_run_that_cannot_be_read_is_refused_and_nothing_is_written() {
    let (app, token) = officer_app().await;
    let empty = snapshot(&app.db).await;
    // The fields sent, the field refused and its sentence.
    type Refusal<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let refusals: [Refusal; 5] = [
        (
            &[("dry_run", "1")],
            "dry_run",
            "dry_run：“1”不是“是”或“否”，请写 true 或 false。",
        ),
        (
            &[("dry_run", "dry")],
            "dry_run",
            "dry_run：“dry”不是“是”或“否”，请写 true 或 false。",
        ),
        (
            &[("header_row", "first")],
            "header_row",
            "header_row：“first”不是整数。",
        ),
        // A misspelt field is refused, not left out (which would commit the file).
        (
            &[("dryrun", "true")],
            "dryrun",
            "不认识的字段 dryrun：请检查拼写。没有写入任何内容。",
        ),
        // A field given twice is refused, not read as its first value (which committed).
        (
            &[("dry_run", "false"), ("dry_run", "true")],
            "dry_run",
            "字段 dry_run 给了不止一次，只能给一次。没有写入任何内容。",
        ),
    ];
    for (fields, named, sentence) in refusals {
        let refused = import_fixture(&app, &token, "zigui-grants-2026.xlsx", fields).await;
        assert_eq!(
            refused.status,
            Status::UnprocessableEntity,
            "{}",
            refused.body
        );
        assert_eq!(refused.json()["error"]["fields"][named], sentence);
    }
    assert_same(&snapshot(&app.db).await, &empty, "empty");
    let yes = import_fixture(
        &app,
        &token,
        "zigui-grants-2026.xlsx",
        &[("dry_run", "yes")],
    );
    assert_eq!(yes.await.json()["committed"], false);
    assert_same(&snapshot(&app.db).await, &empty, "empty");
    let blank = import_fixture(&app, &token, "zigui-grants-2026.xlsx", &[("dry_run", "")]);
    assert_eq!(blank.await.json()["committed"], true);
    // The upload page has no such field: its message says it.
    app.login("officer", crate::support::PASSWORD).await;
    let page = app
        .post_multipart(
            "/imports",
            &[("header_row", "first")],
            Some(("zigui.xlsx", &fixture("zigui-grants-2026.xlsx"))),
        )
        .await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    page.assert_contains(&["表头所在行：“first”不是整数。", "上传表格"]);
}

#[rocket::async_test]
async fn fixture_imports_as_expected_again_revised_and_undone() {
    let (app, token) = officer_app().await;
    let expected = expected();
    let empty = snapshot(&app.db).await;

    // A dry run says what would happen and writes nothing.
    let dry = import_fixture(
        &app,
        &token,
        "zigui-grants-2026.xlsx",
        &[("dry_run", "true")],
    )
    .await;
    assert_eq!(dry.status, Status::Ok, "{}", dry.body);
    let dry = dry.json();
    assert_counts(&dry, &expected["first_import"]);
    assert_eq!(
        (dry["dry_run"].as_bool(), dry["committed"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(
        dry.get("townships_to_fill"),
        None,
        "only a committed import tells it"
    );
    assert_same(&snapshot(&app.db).await, &empty, "empty");

    let first = import_fixture(&app, &token, "zigui-grants-2026.xlsx", &[])
        .await
        .json();
    assert_counts(&first, &expected["first_import"]);
    assert_eq!(first["sheet"], expected["sheet"]);
    assert_eq!(first["header_row"], expected["header_row"]);
    assert_eq!(first["committed"], true);
    assert!(first["townships_to_fill"].is_u64(), "{first}");
    let invalid: BTreeSet<u64> = expected["first_import"]["invalid_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_u64().unwrap())
        .collect();
    assert_eq!(error_rows(&first), invalid);
    for error in first["errors"].as_array().unwrap() {
        for key in ["row", "column", "header", "field", "value", "message"] {
            assert!(error.get(key).is_some(), "{key} missing in {error}");
        }
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(patent::Entity::find().count(&app.db).await.unwrap(), 400);
    assert_eq!(indexed(&app.db).await, 400);
    crate::reports::assert_report_sources_true(&app.db, "after an import").await;
    let after_first = snapshot(&app.db).await;

    let again = import_fixture(&app, &token, "zigui-grants-2026.xlsx", &[])
        .await
        .json();
    assert_counts(&again, &expected["same_file_again"]);
    assert_same(
        &snapshot(&app.db).await,
        &after_first,
        "an unchanged import changes nothing",
    );

    let revised = import_fixture(&app, &token, "zigui-grants-2026-revised.xlsx", &[])
        .await
        .json();
    assert_counts(&revised, &expected["then_revised_file"]);
    let after_revised = snapshot(&app.db).await;
    let changed = retitled(&after_first, &after_revised);
    assert_eq!(
        changed.len() as u64,
        expected["then_revised_file"]["updated"].as_u64().unwrap()
    );
    // The revised titles are what the search finds now.
    assert_found_by_title(&app, &token, &retitled(&after_revised, &after_first)).await;

    // Undo the revision: every record as it was, searchable by its old title again.
    let undo = undo_batch(&app, &token, &revised).await;
    assert_eq!(undo.status, Status::Ok, "{}", undo.body);
    let undo = undo.json();
    assert_eq!(undo["restored"], 28);
    assert_eq!(undo["conflicts"], json!([]));
    crate::reports::assert_report_sources_true(&app.db, "after an undone revision").await;
    assert_same(&snapshot(&app.db).await, &after_first, "after_first");
    assert_found_by_title(&app, &token, &changed).await;

    // Undoing twice is refused; undoing the first import empties the register again.
    let twice = undo_batch(&app, &token, &revised).await;
    assert_eq!(twice.status, Status::Conflict);
    let undo_first = undo_batch(&app, &token, &first).await.json();
    assert_eq!(undo_first["deleted"], 400);
    assert_same(&snapshot(&app.db).await, &empty, "empty");
    assert_eq!(indexed(&app.db).await, 0, "the search index is empty again");
    crate::reports::assert_report_sources_true(&app.db, "after undoing every import").await;

    // The history tells it all, newest first, and the audit log has one entry per batch.
    let history = api(&app, &token, rocket::http::Method::Get, "/api/v1/imports")
        .await
        .json();
    assert_eq!(history["total"], 3);
    let states: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["state"].as_str().unwrap())
        .collect();
    // Previews are not history: only what was imported, refused or undone.
    assert_eq!(states, ["undone", "committed", "undone"]);
    assert_eq!(history["items"][0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(history["items"][0]["user"], "officer");
    let audit = ipdesk::audit::history(
        &app.db,
        "import_batch",
        first["batch_id"].as_i64().unwrap(),
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(audit.len(), 2, "import and undo: {audit:?}");
}

#[rocket::async_test]
async fn all_or_nothing_refuses_a_file_with_invalid_rows() {
    let (app, token) = officer_app().await;
    let page = import_fixture(
        &app,
        &token,
        "zigui-grants-2026.xlsx",
        &[("policy", "all-or-nothing")],
    )
    .await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    let report = page.json();
    assert_eq!(report["committed"], false);
    assert_eq!(report["invalid"], 23);
    assert_eq!(patent::Entity::find().count(&app.db).await.unwrap(), 0);
    let history = api(&app, &token, rocket::http::Method::Get, "/api/v1/imports")
        .await
        .json();
    assert_eq!(history["items"][0]["state"], "refused");
    let bad = api_import(
        &app,
        &token,
        "x.xlsx",
        &fixture("zigui-grants-2026.xlsx"),
        &[("policy", "some")],
    )
    .await;
    assert_eq!(bad.status, Status::UnprocessableEntity);
    assert!(
        bad.json()["error"]["fields"]["policy"]
            .as_str()
            .unwrap()
            .contains("valid-rows")
    );
}

#[rocket::async_test]
async fn a_failure_inside_a_commit_leaves_nothing_half_written() {
    let (app, token) = officer_app().await;
    // New records: the failure comes after the first chunk is written.
    let failed = api_import(
        &app,
        &token,
        "fail-after-1-zigui.xlsx",
        &fixture("zigui-grants-2026.xlsx"),
        &[],
    )
    .await;
    assert_eq!(
        failed.status,
        Status::InternalServerError,
        "{}",
        failed.body
    );
    assert_same(
        &snapshot(&app.db).await,
        &snapshot_of_nothing(),
        "snapshot_of_nothing()",
    );
    assert_eq!(
        import_batch::Entity::find().count(&app.db).await.unwrap(),
        0
    );
    assert_eq!(
        import_upload::Entity::find().count(&app.db).await.unwrap(),
        0
    );

    // Updates: fail at the 10th of 28 updated rows.
    import_fixture(&app, &token, "zigui-grants-2026.xlsx", &[]).await;
    let before = snapshot(&app.db).await;
    let batches = import_batch::Entity::find().count(&app.db).await.unwrap();
    let failed = api_import(
        &app,
        &token,
        "fail-after-10-revised.xlsx",
        &fixture("zigui-grants-2026-revised.xlsx"),
        &[],
    )
    .await;
    assert_eq!(
        failed.status,
        Status::InternalServerError,
        "{}",
        failed.body
    );
    assert_same(&snapshot(&app.db).await, &before, "before");
    assert_eq!(
        import_batch::Entity::find().count(&app.db).await.unwrap(),
        batches
    );
    // The same file under a plain name goes through.
    let revised = api_import(
        &app,
        &token,
        "revised.xlsx",
        &fixture("zigui-grants-2026-revised.xlsx"),
        &[],
    )
    .await
    .json();
    assert_eq!(revised["updated"], 28);
}

fn snapshot_of_nothing() -> Value {
    json!({"patents": [], "applicants": [], "events": [], "enterprises": [], "names": []})
}

// ---- hostile files ----

/// An .xlsx made by rust_xlsxwriter with the given rows of text.
pub(crate) fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *text).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut writer = zip::ZipWriter::new(&mut out);
        for (name, bytes) in entries {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap();
    }
    out.into_inner()
}

/// Whether [`workbook_past_the_readers_memory`] takes the child past its limit: with mimalloc,
/// the binary's allocator, it does. The limit counts address space, and the C library's malloc
/// (a build without the `mimalloc` feature, made only to run the tests under libfaketime) grows
/// the two strings in place and reads the file.
pub const READER_DIES_OF_THE_BIG_WORKBOOK: bool = cfg!(feature = "mimalloc");

/// A small workbook (about 0.5 MB) whose two strings of 250 MB each, one shared and one in the
/// sheet, take the reading child past its memory limit: it dies, and the file is refused with
/// the sentence for files too large to read. Written a piece at a time, so that the test holds
/// no such string itself.
pub fn workbook_past_the_readers_memory() -> Vec<u8> {
    use std::io::Write;
    const HUGE_MB: usize = 250;
    let piece = vec![b'x'; 1 << 20];
    let mut out = std::io::Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut out);
    let mut entry = |name: &str, head: &str, huge: bool, tail: &str| {
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(head.as_bytes()).unwrap();
        for _ in 0..if huge { HUGE_MB } else { 0 } {
            writer.write_all(&piece).unwrap();
        }
        writer.write_all(tail.as_bytes()).unwrap();
    };
    let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let package = "http://schemas.openxmlformats.org/package/2006/relationships";
    entry("[Content_Types].xml", "<Types/>", false, "");
    entry(
        "_rels/.rels",
        &format!(
            "<Relationships xmlns=\"{package}\"><Relationship Id=\"rId1\" \
             Type=\"{relationships}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
        ),
        false,
        "",
    );
    entry(
        "xl/workbook.xml",
        &format!(
            "<workbook xmlns=\"{main}\" xmlns:r=\"{relationships}\"><sheets>\
             <sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
        ),
        false,
        "",
    );
    entry(
        "xl/_rels/workbook.xml.rels",
        &format!(
            "<Relationships xmlns=\"{package}\">\
             <Relationship Id=\"rId1\" Type=\"{relationships}/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
             <Relationship Id=\"rId2\" Type=\"{relationships}/sharedStrings\" Target=\"sharedStrings.xml\"/>\
             </Relationships>"
        ),
        false,
        "",
    );
    entry(
        "xl/sharedStrings.xml",
        &format!("<sst xmlns=\"{main}\"><si><t>"),
        true,
        "</t></si></sst>",
    );
    entry(
        "xl/worksheets/sheet1.xml",
        &format!(
            "<worksheet xmlns=\"{main}\"><sheetData><row r=\"1\">\
             <c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"inlineStr\"><is><t>"
        ),
        true,
        "</t></is></c></row></sheetData></worksheet>",
    );
    writer.finish().unwrap();
    out.into_inner()
}

/// A workbook whose sheet claims to unpack to 600 MB: the sizes in both zip headers say so.
fn declared_zip_bomb() -> Vec<u8> {
    let mut bytes = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/worksheets/sheet1.xml", b"<worksheet/>"),
    ]);
    let huge = (600u32 * 1024 * 1024).to_le_bytes();
    let name = b"xl/worksheets/sheet1.xml";
    for (signature, size_at, name_at) in [(b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)] {
        let starts: Vec<usize> = bytes
            .windows(4)
            .enumerate()
            .filter(|(_, w)| w == signature)
            .map(|(i, _)| i)
            .collect();
        for start in starts {
            if bytes.get(start + name_at..start + name_at + name.len()) == Some(name.as_slice()) {
                bytes[start + size_at..start + size_at + 4].copy_from_slice(&huge);
            }
        }
    }
    bytes
}

/// The project's own hostile files: (name, bytes, key of the sentence that refuses it).
fn crafted() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let good = xlsx(&[
        &["申请号", "专利名称", "申请人"],
        &["201710601862.3", "茶杯", "某公司"],
    ]);
    let mut ole_encrypted = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole_encrypted.extend([0u8; 512]);
    ole_encrypted.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    let mut fake_xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    fake_xls.extend((0..4096u32).map(|i| (i.wrapping_mul(7919) % 251) as u8));
    let mut word_97 = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    word_97.extend([0u8; 512]);
    word_97.extend("WordDocument".encode_utf16().flat_map(u16::to_le_bytes));
    vec![
        ("empty-file.xlsx", Vec::new(), "import.read.empty"),
        (
            "random-bytes.xlsx",
            (0..5000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
            "import.read.not_spreadsheet",
        ),
        (
            "html-renamed.xls",
            "<html><body><p>登录超时，请重新登录</p></body></html>"
                .as_bytes()
                .to_vec(),
            "import.read.html",
        ),
        (
            "export.xls",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<patents><patent><no>201710601862.3</no></patent></patents>"
                .as_bytes()
                .to_vec(),
            "import.read.xml",
        ),
        (
            "truncated.xlsx",
            good[..good.len() / 2].to_vec(),
            "import.read.damaged",
        ),
        (
            "zip-without-workbook.xlsx",
            zip_of(&[("readme.txt", b"hello")]),
            "import.read.zip_without_workbook",
        ),
        (
            "word.xlsx",
            zip_of(&[("word/document.xml", b"<w:document/>")]),
            "import.read.word",
        ),
        ("zip-bomb.xlsx", declared_zip_bomb(), "import.read.zip_bomb"),
        ("encrypted.xlsx", ole_encrypted, "import.read.encrypted"),
        ("garbage-ole.xls", fake_xls, "import.read.damaged"),
        ("word-97.doc", word_97, "import.read.word"),
        (
            "roster.pdf",
            b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec(),
            "import.read.pdf",
        ),
        (
            "rosters.rar",
            b"Rar!\x1a\x07\x01\x00\x33\x92\xb5\xe5".to_vec(),
            "import.read.archive",
        ),
        (
            "rosters.zip",
            zip_of(&[("patents.xlsx", good.as_slice()), ("firms.xls", b"x")]),
            "import.read.zip_of_workbooks",
        ),
        (
            "no-header.xlsx",
            xlsx(&[&["甲", "乙"], &["1", "2"]]),
            "import.table.no_header",
        ),
    ]
}

/// A refusal is one sentence: no line breaks, no internals.
#[track_caller]
fn assert_one_sentence(message: &str) {
    assert!(!message.is_empty());
    assert!(!message.contains('\n'), "{message}");
    for internal in ["panicked", "calamine", "Error(", "zip::", "sqlx"] {
        assert!(!message.contains(internal), "{message}");
    }
}

#[rocket::async_test]
async fn crafted_hostile_files_are_refused_with_their_sentence() {
    let (app, token) = officer_app().await;
    for (name, bytes, key) in crafted() {
        let page = api_import(&app, &token, name, &bytes, &[]).await;
        assert!(
            page.status.code >= 400 && page.status.code < 500,
            "{name}: {} {}",
            page.status,
            page.body
        );
        let body = page.json();
        let message = body["error"]["message"].as_str().unwrap().to_owned();
        let fields = body["error"]["fields"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let told = std::iter::once(message.clone()).chain(
            fields
                .values()
                .map(|v| v.as_str().unwrap_or_default().to_owned()),
        );
        let wanted = ipdesk::i18n::t(ipdesk::i18n::Lang::ZhCn, key);
        let stem: String = wanted
            .chars()
            .take_while(|c| *c != '{' && *c != '“')
            .take(8)
            .collect();
        assert!(
            told.clone().any(|m| m.contains(&stem)),
            "{name}: expected {key}, got {body}"
        );
        for text in told {
            assert_one_sentence(&text);
        }
    }
    assert_eq!(patent::Entity::find().count(&app.db).await.unwrap(), 0);
    assert_eq!(app.get("/healthz").await.status, Status::Ok);
}

#[rocket::async_test]
async fn a_hostile_upload_through_the_web_is_refused_while_the_server_keeps_serving() {
    let app = TestApp::signed_in(Role::Officer).await;
    set_zigui(&app).await;
    let bomb = declared_zip_bomb();
    let page = upload_roster(&app, "roster.xlsx", &bomb).await;
    assert_eq!(page.status, Status::UnsupportedMediaType);
    page.assert_contains(&["600 MB", "上传表格"]);
    let stray = stray_cell_workbook();
    let page = app
        .post_multipart("/imports", &[], Some(("stray.xlsx", &stray)))
        .await;
    // Read sparsely, it is just a sheet without a header: previewed, with the reason.
    app.follow(&page)
        .await
        .assert_contains(&["没有找到专利表格的表头"]);
    // A file that takes the reading child past its memory: the child dies, not the server.
    if READER_DIES_OF_THE_BIG_WORKBOOK {
        let page = upload_roster(&app, "big.xlsx", &workbook_past_the_readers_memory()).await;
        assert_eq!(page.status, Status::UnsupportedMediaType);
        page.assert_contains(&["这个表格太大或结构异常"]);
    }
    // Still serving, and a good file goes through.
    assert_eq!(app.get("/imports").await.status, Status::Ok);
    let good = app
        .post_multipart(
            "/imports",
            &[],
            Some(("zigui.xlsx", &fixture("zigui-grants-2026.xlsx"))),
        )
        .await;
    assert_eq!(good.status, Status::SeeOther, "{}", good.body);
}

/// Cells A1 and XFD1048576 only: a dense reader would allocate 17 billion cells.
fn stray_cell_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "申请号").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    book.save_to_buffer().unwrap()
}

#[rocket::async_test]
async fn an_upload_over_the_limit_is_refused() {
    let (app, token) = officer_app().await;
    let big = vec![b'P'; 51 * 1024 * 1024];
    let page = api_import(&app, &token, "big.xlsx", &big, &[]).await;
    assert_eq!(page.status, Status::PayloadTooLarge, "{}", page.body);
    // Said with the limit, where it said only that something was too large.
    let too_large = "文件超过50MB，上传不了：请删去不需要的工作表，或分成几个文件再上传。";
    assert_eq!(page.json()["error"]["message"], too_large);
    app.login("officer", crate::support::PASSWORD).await;
    app.get("/imports")
        .await
        .assert_contains(&["把文件拖到这里，或点击选择文件（不超过50MB）。"]);
    let uploaded = app
        .post_multipart(
            "/imports",
            &[("register", "patents")],
            Some(("big.xlsx", &big)),
        )
        .await;
    assert_eq!(uploaded.status, Status::PayloadTooLarge);
    uploaded.assert_contains(&[too_large, "上传表格"]);
    let not_multipart = crate::support::with_bearer(
        &app,
        rocket::http::Method::Post,
        "/api/v1/imports",
        &token,
        Some("{}"),
    )
    .await;
    assert_eq!(not_multipart.status, Status::UnsupportedMediaType);
    assert!(
        not_multipart.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("multipart")
    );
}

/// Every file of ../shared/corpus (when it is there) is refused with one sentence or read; none
/// brings the server down. How long each took is printed; the limits are measured in the benchmark.
#[rocket::async_test]
async fn the_shared_corpus_is_refused_or_imported_cleanly() {
    let root = repo_path("../shared/corpus");
    if !root.is_dir() {
        eprintln!("no {} here: only the crafted files ran", root.display());
        return;
    }
    let (app, token) = officer_app().await;
    let mut files = Vec::new();
    collect_files(&root, &mut files);
    let mut slowest = (Duration::ZERO, String::new());
    let mut outcomes = std::collections::BTreeMap::<u16, usize>::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let started = Instant::now();
        let page = api_import(&app, &token, &name, &bytes, &[("dry_run", "true")]).await;
        let took = started.elapsed();
        if took > slowest.0 {
            slowest = (took, name.clone());
        }
        *outcomes.entry(page.status.code).or_default() += 1;
        assert!(
            page.status.code < 500,
            "{}: {} {}",
            path.display(),
            page.status,
            page.body
        );
        if page.status != Status::Ok {
            assert_one_sentence(page.json()["error"]["message"].as_str().unwrap());
        }
    }
    eprintln!(
        "{} corpus files: {outcomes:?}; slowest {} in {:?}",
        files.len(),
        slowest.1,
        slowest.0
    );
    assert!(
        files.len() > 100,
        "the corpus looks incomplete: {}",
        files.len()
    );
    assert_eq!(app.get("/healthz").await.status, Status::Ok);
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_files(&path, out);
        } else if path.extension().is_none_or(|e| e != "md") {
            out.push(path);
        }
    }
}

// ---- the enterprises register ----

/// A valid unified social credit code built on `body` (17 characters).
fn credit_code(body: &str) -> String {
    let check = ipdesk::enterprises::domain::credit_check_character(body).expect("a valid body");
    format!("{body}{check}")
}

/// An updated enterprise names its changed cells as an updated patent does: a contact replaced,
/// a township the register lacked, told in the JSON of a dry run and on the preview.
#[rocket::async_test]
async fn an_updated_enterprise_names_each_cell_it_changes() {
    let (app, token) = officer_app().await;
    let code = credit_code("91420527MA4EXAMPL");
    let headers: &[&str] = &["企业名称", "统一社会信用代码", "乡镇", "联系人", "联系电话"];
    let list = |township: &str, contact: &str| {
        let row: &[&str] = &[
            "秭归县橘颂茶业有限公司",
            &code,
            township,
            contact,
            "0717-2881234",
        ];
        xlsx(&[headers, row])
    };
    let fields = [("register", "enterprises")];
    let first = api_import(&app, &token, "企业.xlsx", &list("", "王五"), &fields).await;
    assert_eq!(first.json()["new"], 1, "{}", first.body);

    let revised = list("茅坪镇", "赵六");
    let fields = [("register", "enterprises"), ("dry_run", "true")];
    let dry = api_import(&app, &token, "企业.xlsx", &revised, &fields)
        .await
        .json();
    let told: Vec<(&str, &str)> = dry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["header"].as_str().unwrap(),
                c["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        told,
        [
            ("乡镇", "登记簿中这一项原为空。"),
            ("联系人", "替换登记簿中的“王五”。")
        ],
        "{dry}"
    );
    app.login("officer", crate::support::PASSWORD).await;
    let form = [("register", "enterprises")];
    let uploaded = app
        .post_multipart("/imports", &form, Some(("企业.xlsx", &revised)))
        .await;
    app.follow(&uploaded).await.assert_contains(&[
        "<td class=\"cell-changed\">赵六<span class=\"cell-note\">替换登记簿中的“王五”。</span>",
    ]);
}

/// The high-tech list through `POST /api/v1/imports`, into the enterprises register.
pub(crate) async fn import_high_tech_list(app: &TestApp, token: &str) -> Page {
    api_import(
        app,
        token,
        "高企名单.xlsx",
        &high_tech_list(),
        &[("register", "enterprises")],
    )
    .await
}

/// The provincial high-tech list as it comes: a title, the header, dates as real dates in a
/// Chinese format, a bare serial, a typed string; a row of another county; a bad code; a repeat.
pub(crate) fn high_tech_list() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("高企名单").unwrap();
    let chinese_date = rust_xlsxwriter::Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    sheet
        .write_string(0, 0, "2026年湖北省第一批高新技术企业名单（宜昌市）")
        .unwrap();
    for (c, header) in [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "所属地区",
        "证书编号",
        "发证日期",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, c as u16, *header).unwrap();
    }
    let rows = [
        (
            "秭归县屈乡脐橙有限公司",
            credit_code("91420527MA4F0A1B2"),
            "秭归县",
            "GR202642000101",
        ),
        (
            "峡江光电有限责任公司",
            credit_code("91420527MA4F0C3D4"),
            "秭归县",
            "GR202642000102",
        ),
        (
            "昭君茶业有限责任公司",
            credit_code("91420527MA4F0E5F6"),
            "宜昌市秭归县",
            "GR202642000103",
        ),
        (
            "兴山县香溪有限公司",
            credit_code("91420526MA4F0G7H8"),
            "兴山县",
            "GR202642000104",
        ),
        (
            "清江农科有限公司",
            "91420527MA4F0J9K0X".to_owned(),
            "秭归县",
            "GR202642000105",
        ),
        (
            "秭归县屈乡脐橙有限公司",
            credit_code("91420527MA4F0A1B2"),
            "秭归县",
            "GR202642000101",
        ),
    ];
    for (i, (name, code, county, certificate)) in rows.iter().enumerate() {
        let r = i as u32 + 2;
        sheet.write_number(r, 0, (i + 1) as f64).unwrap();
        sheet.write_string(r, 1, *name).unwrap();
        sheet.write_string(r, 2, code).unwrap();
        sheet.write_string(r, 3, *county).unwrap();
        sheet.write_string(r, 4, *certificate).unwrap();
    }
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
    sheet
        .write_date_with_format(2, 5, day, &chinese_date)
        .unwrap();
    sheet.write_number(3, 5, 46096.0).unwrap(); // 2026-03-15 as a bare serial
    sheet.write_string(4, 5, "2026年3月15号").unwrap();
    sheet
        .write_date_with_format(5, 5, day, &chinese_date)
        .unwrap();
    sheet
        .write_date_with_format(6, 5, day, &chinese_date)
        .unwrap();
    sheet
        .write_date_with_format(7, 5, day, &chinese_date)
        .unwrap();
    sheet.write_string(8, 0, "合计：6家").unwrap();
    sheet
        .write_string(9, 0, "注：名单以省科技厅公告为准。")
        .unwrap();
    book.save_to_buffer().unwrap()
}

/// The same workbook saved in the 1904 date system (as old Mac Excel did).
fn with_1904_dates(xlsx: &[u8]) -> Vec<u8> {
    rewritten(xlsx, "xl/workbook.xml", |text| {
        assert!(text.contains("<workbookPr"), "{text}");
        text.replacen("<workbookPr", "<workbookPr date1904=\"1\"", 1)
    })
}

/// The workbook with one of its parts edited as text.
pub(crate) fn rewritten(xlsx: &[u8], part: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut writer = zip::ZipWriter::new(&mut out);
        for index in 0..archive.len() {
            let mut entry = archive.by_index(index).unwrap();
            let name = entry.name().unwrap().to_string();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            if name == part {
                bytes = edit(String::from_utf8(bytes).unwrap()).into_bytes();
            }
            writer
                .start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(&bytes).unwrap();
        }
        writer.finish().unwrap();
    }
    out.into_inner()
}

/// A sheet's XML with its rows `a` and `b` (Excel's numbers) in each other's place.
fn rows_swapped(xml: &str, a: u32, b: u32) -> String {
    let span = |row: u32| {
        let start = xml.find(&format!("<row r=\"{row}\"")).unwrap();
        let end = start + xml[start..].find("</row>").unwrap() + "</row>".len();
        (start, end)
    };
    let ((a_start, a_end), (b_start, b_end)) = (span(a), span(b));
    assert!(a_end <= b_start);
    [
        &xml[..a_start],
        &xml[b_start..b_end],
        &xml[a_end..b_start],
        &xml[a_start..a_end],
        &xml[b_end..],
    ]
    .concat()
}

#[rocket::async_test]
async fn the_high_tech_list_imports_into_the_enterprises_register() {
    let (app, token) = officer_app().await;
    let page = import_high_tech_list(&app, &token).await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    let report = page.json();
    assert_eq!(report["header_row"], 2, "{}", summary(&report));
    assert_eq!(report["rows_read"], 6, "{}", summary(&report));
    assert_eq!(report["new"], 3, "{}", summary(&report));
    assert_eq!(report["out_of_jurisdiction"], 1);
    assert_eq!(report["invalid"], 1);
    assert_eq!(report["duplicates_in_file"], 1);
    assert_eq!(report["errors"][0]["field"], "credit_code");
    assert_eq!(report["mapping"]["统一社会信用代码"], "credit_code");
    let listed = api(
        &app,
        &token,
        rocket::http::Method::Get,
        "/api/v1/enterprises?per_page=50",
    )
    .await
    .json();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{listed}");
    for item in items {
        let id = item["id"].as_i64().unwrap();
        let one = api(
            &app,
            &token,
            rocket::http::Method::Get,
            &format!("/api/v1/enterprises/{id}"),
        )
        .await
        .json();
        assert_eq!(
            one["high_tech"]["issued_on"], "2026-03-15",
            "every spelling of the date: {one}"
        );
        assert!(
            one["high_tech"]["certificate_number"]
                .as_str()
                .unwrap()
                .starts_with("GR2026420001")
        );
    }
    // Again: unchanged; undone: gone.
    let again = import_high_tech_list(&app, &token).await.json();
    assert_eq!(
        (again["new"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(3)),
        "{}",
        summary(&again)
    );
    let undo = undo_batch(&app, &token, &report).await.json();
    assert_eq!(undo["deleted"], 3, "{undo}");
    assert_same(
        &snapshot(&app.db).await,
        &snapshot_of_nothing(),
        "after undo",
    );
    let with_header_row = |row: &'static str| {
        let fields = [("register", "enterprises"), ("header_row", row)];
        let app = &app;
        let token = &token;
        async move { api_import(app, token, "高企名单.xlsx", &high_tech_list(), &fields).await }
    };
    // A header row past the sheet's end is named as such, not as a missing column.
    let past = with_header_row("999").await;
    assert_eq!(past.status, Status::UnprocessableEntity, "{}", past.body);
    assert!(
        past.body.contains("表头行 999 超出了工作表"),
        "{}",
        past.body
    );
    // Row 0 is no row: refused, where it was read as "find the header" and guessed.
    let zero = with_header_row("0").await;
    assert_eq!(zero.status, Status::UnprocessableEntity, "{}", zero.body);
    assert_eq!(
        zero.json()["error"]["fields"]["header_row"],
        "行号从 1 起算（与 Excel 一致），表头行不能是 0。不填则由 ipdesk 自动找出表头行。"
    );
}

/// A first roster, into a register with no patents yet (on SQLite it looks no number up), still links
/// its applicants to the enterprises already listed.
#[rocket::async_test]
async fn a_first_roster_links_its_applicants_to_the_enterprises_listed() {
    use ipdesk::entities::{enterprise, patent, patent_applicant};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let (app, token) = officer_app().await;
    let listed = import_high_tech_list(&app, &token).await;
    assert_eq!(listed.json()["new"], 3, "{}", listed.body);
    let name = "秭归县屈乡脐橙有限公司";
    let orange = enterprise::Entity::find()
        .filter(enterprise::Column::Name.eq(name))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the list's enterprise");
    let digits = "202520000008";
    let number = format!(
        "{digits}.{}",
        ipdesk::patents::number::check_character(digits).unwrap()
    );
    let roster = xlsx(&[
        &["申请号", "专利名称", "申请人", "地址"],
        &[&number, "一种脐橙分拣装置", name, "湖北省秭归县茅坪镇"],
    ]);
    let imported = api_import(&app, &token, "花名册.xlsx", &roster, &[]).await;
    assert_eq!(imported.json()["new"], 1, "{}", imported.body);
    let applicant = patent_applicant::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .expect("the roster's applicant");
    assert_eq!(applicant.enterprise_id, Some(orange.id));
    let stored = patent::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(stored.first_applicant_enterprise_id, Some(orange.id));
}

/// The stored patent of an application number as rosters write it (with its dot).
async fn stored_patent(app: &TestApp, number: &str) -> patent::Model {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    patent::Entity::find()
        .filter(patent::Column::ApplicationNumber.eq(number.replace('.', "")))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{number} stored"))
}

/// The second row of the system exports below, stored with its entity decoded and its date read.
async fn assert_teapot_stored(app: &TestApp, number: &str) -> patent::Model {
    let stored = stored_patent(app, number).await;
    assert_eq!(stored.title, "一种茶壶 & 茶盖");
    assert_eq!(
        stored.granted_on,
        chrono::NaiveDate::from_ymd_opt(2026, 4, 1)
    );
    stored
}

/// The name of a stored patent's first applicant.
async fn first_applicant(app: &TestApp, patent_id: i64) -> String {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    patent_applicant::Entity::find()
        .filter(patent_applicant::Column::PatentId.eq(patent_id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .name
}

/// An application number with the check character its digits imply.
fn number(digits: &str) -> String {
    format!(
        "{digits}.{}",
        ipdesk::patents::number::check_character(digits).unwrap()
    )
}

/// Excel 2003's XML spreadsheet, as systems export it under an .xls name, imports like any
/// workbook: its title merged across, its header, numbers, dates and strings.
#[rocket::async_test]
async fn an_excel_2003_xml_export_imports_like_any_workbook() {
    let (first, second) = (number("202520000021"), number("202520000022"));
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="授权清单"><Table>
  <Row><Cell ss:MergeAcross="3"><Data ss:Type="String">秭归县专利授权清单</Data></Cell></Row>
  <Row><Cell><Data ss:Type="String">申请号</Data></Cell><Cell><Data ss:Type="String">专利名称</Data></Cell>
   <Cell><Data ss:Type="String">申请人</Data></Cell><Cell><Data ss:Type="String">授权公告日</Data></Cell></Row>
  <Row><Cell><Data ss:Type="String">{first}</Data></Cell><Cell><Data ss:Type="String">一种茶杯</Data></Cell>
   <Cell><Data ss:Type="String">秭归茶业有限公司</Data></Cell><Cell><Data ss:Type="DateTime">2026-03-15T00:00:00.000</Data></Cell></Row>
  <Row><Cell><Data ss:Type="String">{second}</Data></Cell><Cell><Data ss:Type="String">一种茶壶 &amp; 茶盖</Data></Cell>
   <Cell><Data ss:Type="String">秭归茶业有限公司</Data></Cell><Cell><Data ss:Type="String">2026年4月1日</Data></Cell></Row>
 </Table></Worksheet>
</Workbook>"#
    );
    let (app, token) = officer_app().await;
    let outcome = api_import(&app, &token, "系统导出.xls", xml.as_bytes(), &[])
        .await
        .json();
    assert_eq!(outcome["new"], 2, "{outcome}");
    assert_eq!(outcome["invalid"], 0, "{outcome}");
    assert_eq!(outcome["header_row"], 2, "{outcome}");
    assert_teapot_stored(&app, &second).await;

    // Its preview on the web reads it again, a page at a time.
    let web = TestApp::signed_in(Role::Officer).await;
    set_zigui(&web).await;
    let uploaded = upload_roster(&web, "系统导出.xls", xml.as_bytes()).await;
    web.follow(&uploaded).await.assert_contains(&[
        &first,
        "一种茶杯",
        "一种茶壶 &amp; 茶盖",
        "2026-03-15",
    ]);
}

/// A roster exported by an older system as a web page under an .xls name, in GBK, with the
/// applicant spanning two rows: it imports like any workbook.
#[rocket::async_test]
async fn a_web_page_export_in_gbk_imports_like_any_workbook() {
    let (first, second) = (number("202520000031"), number("202520000032"));
    let page = format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">\
         <style>.num {{ mso-number-format:\"\\@\"; }}</style></head><body>\
         <table border=1><tr><td colspan=4>秭归县专利授权清单</td></tr>\
         <tr><th>申请号</th><th>专利名称</th><th>申请人</th><th>授权公告日</th></tr>\
         <tr><td class=num>{first}</td><td>一种茶杯</td><td rowspan=2>秭归茶业有限公司</td>\
         <td>2026-03-15</td></tr>\
         <tr><td class=num>{second}</td><td>一种茶壶&nbsp;&amp;&nbsp;茶盖</td><td>2026/4/1</td></tr>\
         <tr><td>合计</td><td>2</td></tr></table></body></html>"
    );
    let bytes = encoding_rs::GB18030.encode(&page).0.into_owned();
    let (app, token) = officer_app().await;
    let outcome = api_import(&app, &token, "授权清单.xls", &bytes, &[])
        .await
        .json();
    assert_eq!(outcome["rows_read"], 2, "{outcome}");
    assert_eq!(outcome["new"], 2, "{outcome}");
    let stored = assert_teapot_stored(&app, &second).await;
    assert_eq!(first_applicant(&app, stored.id).await, "秭归茶业有限公司");
}

/// A roster saved as CSV by Excel on Chinese Windows (GBK, a title line, a number kept as text
/// by `="…"`, a title with a comma and a line break inside quotes, a totals row), and one saved
/// as Excel's "Unicode text" (UTF-16, tab-separated): each imports like any workbook.
#[rocket::async_test]
async fn csv_and_unicode_text_import_like_any_workbook() {
    let (app, token) = officer_app().await;
    let (first, second) = (number("202520000041"), number("202520000042"));
    let csv = format!(
        "秭归县专利授权清单,,,\r\n申请号,专利名称,申请人,授权公告日\r\n\
         =\"{first}\",\"一种茶杯,\n带盖\",秭归茶业有限公司,2026-03-15\r\n\
         {second},一种茶壶 & 茶盖,秭归茶业有限公司,2026/4/1\r\n合计,2,,\r\n"
    );
    let gbk = encoding_rs::GBK.encode(&csv).0.into_owned();
    let outcome = api_import(&app, &token, "授权清单.csv", &gbk, &[])
        .await
        .json();
    assert_eq!(outcome["sheet"], "Sheet1", "{outcome}");
    assert_eq!(outcome["header_row"], 2, "{outcome}");
    assert_eq!(outcome["rows_read"], 2, "{outcome}");
    assert_eq!(outcome["new"], 2, "{outcome}");
    assert_eq!(stored_patent(&app, &first).await.title, "一种茶杯, 带盖");
    let stored = assert_teapot_stored(&app, &second).await;
    assert_eq!(first_applicant(&app, stored.id).await, "秭归茶业有限公司");

    let third = number("202520000043");
    let text = format!(
        "申请号\t专利名称\t申请人\t授权公告日\r\n{third}\t一种茶盘\t秭归县第二茶厂\t2026年5月6日\r\n"
    );
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let outcome = api_import(&app, &token, "授权清单.txt", &utf16, &[])
        .await
        .json();
    assert_eq!(outcome["new"], 1, "{outcome}");
    let stored = stored_patent(&app, &third).await;
    assert_eq!(stored.title, "一种茶盘");
    assert_eq!(
        stored.granted_on,
        chrono::NaiveDate::from_ymd_opt(2026, 5, 6)
    );
    assert_eq!(first_applicant(&app, stored.id).await, "秭归县第二茶厂");

    // The same without the byte-order mark, as some systems write it, in either byte order.
    for (serial, order) in [
        ("202520000044", u16::to_le_bytes as fn(u16) -> [u8; 2]),
        ("202520000045", u16::to_be_bytes),
    ] {
        let unmarked = number(serial);
        let text = format!(
            "申请号\t专利名称\t申请人\t授权公告日\r\n{unmarked}\t一种茶罐\t秭归县第二茶厂\t2026年5月7日\r\n"
        );
        let bytes: Vec<u8> = text.encode_utf16().flat_map(order).collect();
        let outcome = api_import(&app, &token, "授权清单.txt", &bytes, &[])
            .await
            .json();
        assert_eq!(outcome["new"], 1, "{outcome}");
        assert_eq!(stored_patent(&app, &unmarked).await.title, "一种茶罐");
    }
}

/// A roster made by a program that writes formulas without calculating them (a script's
/// library; never Excel or WPS): the number built by a formula is not read as an empty cell and
/// the row called numberless, but refused with what to do, and a formula with its result is read.
#[rocket::async_test]
async fn a_formula_saved_without_its_result_is_told_not_read_as_empty() {
    let (kept, built) = (number("202520000061"), number("202520000062"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (column, header) in (0u16..).zip(["申请号", "专利名称", "申请人"]) {
        sheet.write_string(0, column, header).unwrap();
    }
    let with_result = rust_xlsxwriter::Formula::new(format!("=\"{kept}\"")).set_result(&kept);
    sheet.write_formula(1, 0, with_result).unwrap();
    sheet
        .write_formula(2, 0, format!("=\"{built}\"").as_str())
        .unwrap();
    for row in 1..=2 {
        sheet.write_string(row, 1, "一种茶杯").unwrap();
        sheet.write_string(row, 2, "秭归茶业有限公司").unwrap();
    }
    let bytes = without_formula_results(&book.save_to_buffer().unwrap());

    let (app, token) = officer_app().await;
    let report = api_import(&app, &token, "公式.xlsx", &bytes, &[("dry_run", "true")])
        .await
        .json();
    assert_eq!(report["new"], 1, "{report}");
    assert_eq!(report["invalid"], 1, "{report}");
    let error = &report["errors"][0];
    assert_eq!(error["row"], 3, "{report}");
    assert_eq!(error["value"], format!("=\"{built}\""), "{report}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("没有保存它的计算结果"), "{message}");
}

/// The workbook with the results of its formulas taken out, as a program that does not
/// calculate writes it: rust_xlsxwriter writes a result of 0 unless told another.
fn without_formula_results(xlsx: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).unwrap();
        let name = part.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).unwrap();
        if name.starts_with("xl/worksheets/") {
            bytes = String::from_utf8(bytes)
                .unwrap()
                .replace("</f><v>0</v>", "</f>")
                .into_bytes();
        }
        parts.push((name, bytes));
    }
    let entries: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    zip_of(&entries)
}

/// An officer's own ledger with the applicant merged down over that company's patents: each row
/// takes the name, in the dry run, the commit, the preview and the error report alike.
#[rocket::async_test]
async fn cells_merged_down_in_a_ledger_give_each_row_their_value() {
    let (first, second) = (number("202520000011"), number("202520000012"));
    let wrong = format!(
        "202520000013.{}",
        if number("202520000013").ends_with('1') {
            2
        } else {
            1
        }
    );
    let (other, third, fourth) = (
        number("202520000014"),
        number("202520000015"),
        number("202520000016"),
    );
    let (tea, second_tea) = ("秭归茶业有限公司", "秭归县第二茶厂");
    let filler = |serial: u32| {
        let applicant = format!("秭归县第{serial}科技有限公司");
        vec![
            number(&format!("2025201{serial:05}")),
            format!("一种装置{serial}"),
            applicant,
            "湖北省秭归县茅坪镇".to_owned(),
        ]
    };
    let row = |cells: [&str; 4]| cells.map(str::to_owned).to_vec();
    // The first region straddles the reading child's first frame of rows (256) and the
    // second, so it is filled both in the rows read first and in those that arrive after.
    let mut rows = vec![row(["申请号", "专利名称", "申请人", "地址"])];
    rows.extend((1..=254).map(filler));
    rows.extend([
        row([&first, "一种茶杯", tea, "湖北省秭归县茅坪镇"]),
        row([&second, "一种茶壶", "", "湖北省秭归县茅坪镇"]),
        row([&wrong, "一种茶盘", "", "湖北省秭归县茅坪镇"]),
        row([
            &other,
            "一种脐橙分拣装置",
            "秭归县屈乡脐橙有限公司",
            "湖北省秭归县归州镇",
        ]),
    ]);
    rows.extend((255..=554).map(filler));
    rows.extend([
        row([&third, "一种揉茶机", second_tea, "湖北省秭归县茅坪镇"]),
        row([&fourth, "一种烘茶机", "", "湖北省秭归县茅坪镇"]),
    ]);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, cells) in rows.iter().enumerate() {
        for (c, text) in cells.iter().enumerate().filter(|(_, t)| !t.is_empty()) {
            sheet.write_string(r as u32, c as u16, text).unwrap();
        }
    }
    let plain = rust_xlsxwriter::Format::new();
    sheet.merge_range(255, 2, 257, 2, tea, &plain).unwrap();
    sheet
        .merge_range(559, 2, 560, 2, second_tea, &plain)
        .unwrap();
    let bytes = book.save_to_buffer().unwrap();

    let (app, token) = officer_app().await;
    let dry = api_import(&app, &token, "台账.xlsx", &bytes, &[("dry_run", "true")]).await;
    let dry = dry.json();
    assert_eq!(
        (dry["new"].as_u64(), dry["invalid"].as_u64()),
        (Some(559), Some(1)),
        "{}",
        dry["errors"]
    );
    let committed = api_import(&app, &token, "台账.xlsx", &bytes, &[])
        .await
        .json();
    assert_eq!(committed["new"], 559, "{}", committed["errors"]);
    for (number, holder) in [
        (&first, tea),
        (&second, tea),
        (&other, "秭归县屈乡脐橙有限公司"),
        (&third, second_tea),
        (&fourth, second_tea),
    ] {
        let stored = stored_patent(&app, number).await;
        assert_eq!(first_applicant(&app, stored.id).await, holder, "{number}");
    }

    // The error report writes the name into the invalid row, so it imports again as it is.
    let response = app
        .client
        .get(format!(
            "/api/v1/imports/{}/errors.xlsx",
            committed["batch_id"]
        ))
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .dispatch()
        .await;
    let report = response.into_bytes().await.unwrap();
    let report_rows = sheet_text(&report, "Sheet1");
    let bad = report_rows
        .iter()
        .find(|r| r[0] == wrong)
        .expect("the invalid row");
    assert_eq!(bad[2], tea, "{report_rows:?}");

    // The web preview shows the name in each row of the region.
    let web = TestApp::signed_in(Role::Officer).await;
    set_zigui(&web).await;
    let uploaded = upload_roster(&web, "台账.xlsx", &bytes).await;
    let id = batch_of(&uploaded);
    let invalid = web.get(&format!("/imports/{id}?status=invalid")).await;
    invalid.assert_contains(&[&wrong, tea]);
    // A status that is none is said, not read as every row.
    let unknown = web.get(&format!("/imports/{id}?status=wrong")).await;
    assert_eq!(unknown.status, Status::UnprocessableEntity);
    unknown.assert_contains(&["没有“wrong”这种行状态，可选：new、updated"]);
}

/// The same in an .ods, as LibreOffice and WPS save it: calamine reads no merged cells there,
/// so ipdesk reads the spans itself, and the second tea patent is the tea company's too.
#[rocket::async_test]
async fn cells_merged_down_in_an_opendocument_ledger_give_each_row_their_value() {
    let (first, second, other) = (
        number("202520000021"),
        number("202520000022"),
        number("202520000023"),
    );
    let tea = "秭归茶业有限公司";
    let cell = |value: &str| {
        format!(
            "<table:table-cell office:value-type=\"string\"><text:p>{value}</text:p></table:table-cell>"
        )
    };
    let merged = format!(
        "<table:table-cell table:number-rows-spanned=\"2\" office:value-type=\"string\">\
         <text:p>{tea}</text:p></table:table-cell>"
    );
    let row = |cells: [String; 4]| format!("<table:table-row>{}</table:table-row>", cells.concat());
    let rows = [
        row([
            cell("申请号"),
            cell("专利名称"),
            cell("申请人"),
            cell("地址"),
        ]),
        row([
            cell(&first),
            cell("一种茶杯"),
            merged,
            cell("湖北省秭归县茅坪镇"),
        ]),
        row([
            cell(&second),
            cell("一种茶壶"),
            "<table:covered-table-cell/>".to_owned(),
            cell("湖北省秭归县茅坪镇"),
        ]),
        row([
            cell(&other),
            cell("一种脐橙分拣装置"),
            cell("秭归县屈乡脐橙有限公司"),
            cell("湖北省秭归县归州镇"),
        ]),
    ];
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content \
         xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body>\
         <office:spreadsheet><table:table table:name=\"台账\">{}</table:table>\
         </office:spreadsheet></office:body></office:document-content>",
        rows.concat()
    );
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest \
         xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\"/>";
    let bytes = zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet".as_slice(),
        ),
        ("META-INF/manifest.xml", manifest.as_bytes()),
        ("content.xml", content.as_bytes()),
    ]);

    let (app, token) = officer_app().await;
    let committed = api_import(&app, &token, "台账.ods", &bytes, &[])
        .await
        .json();
    assert_eq!(committed["new"], 3, "{committed}");
    for (number, holder) in [
        (&first, tea),
        (&second, tea),
        (&other, "秭归县屈乡脐橙有限公司"),
    ] {
        let stored = stored_patent(&app, number).await;
        assert_eq!(first_applicant(&app, stored.id).await, holder, "{number}");
    }
}

/// A list that renames an enterprise (same credit code) teaches the desk its new name, which
/// links the applicants of that name; undoing it forgets the name and unlinks them again.
#[rocket::async_test]
async fn undoing_a_rename_forgets_the_name_it_taught() {
    use ipdesk::entities::{enterprise, enterprise_name, patent, patent_applicant};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let (app, token) = officer_app().await;
    let enterprises = &[("register", "enterprises")];
    let first = import_high_tech_list(&app, &token).await;
    assert_eq!(first.json()["new"], 3, "{}", first.body);
    let renamed = "秭归县屈乡脐橙科技有限公司";
    let number = format!(
        "202520000007{}",
        ipdesk::patents::number::check_character("202520000007").unwrap()
    );
    let body = serde_json::json!({
        "application_number": number,
        "title": "一种脐橙采摘器",
        "applicants": [renamed],
        "filed_on": "2025-03-01",
    });
    let created = crate::support::with_bearer(
        &app,
        rocket::http::Method::Post,
        "/api/v1/patents",
        &token,
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(created.status, Status::Created, "{}", created.body);
    let applicant_link = || async {
        patent_applicant::Entity::find()
            .filter(patent_applicant::Column::Name.eq(renamed))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .enterprise_id
    };
    assert_eq!(applicant_link().await, None);

    let code = credit_code("91420527MA4F0A1B2");
    let list = xlsx(&[
        &["企业名称", "统一社会信用代码", "所属地区"],
        &[renamed, code.as_str(), "秭归县"],
    ]);
    let rename = api_import(&app, &token, "更名.xlsx", &list, enterprises)
        .await
        .json();
    assert_eq!(rename["updated"], 1, "{}", summary(&rename));
    let linked = applicant_link().await;
    assert!(linked.is_some(), "the new name links its applicant");
    let first_linked = patent::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(first_linked.first_applicant_enterprise_id, linked);

    let undo = undo_batch(&app, &token, &rename).await;
    assert_eq!(undo.status, Status::Ok, "{}", undo.body);
    assert_eq!(
        applicant_link().await,
        None,
        "the applicant is unlinked again"
    );
    let unlinked = patent::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(unlinked.first_applicant_enterprise_id, None);
    let names: Vec<String> = enterprise_name::Entity::find()
        .filter(enterprise_name::Column::EnterpriseId.eq(linked.unwrap()))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert_eq!(names, ["秭归县屈乡脐橙有限公司"]);
    let restored = enterprise::Entity::find_by_id(linked.unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(restored.name, "秭归县屈乡脐橙有限公司");
    crate::reports::assert_report_sources_true(&app.db, "after a rename's undo").await;
}

#[rocket::async_test]
async fn dates_in_the_1904_system_are_read_as_their_own_days() {
    let (app, token) = officer_app().await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, header) in ["企业名称", "发证日期"].iter().enumerate() {
        sheet.write_string(0, c as u16, *header).unwrap();
    }
    sheet.write_string(1, 0, "秭归县一九零四有限公司").unwrap();
    // 44634 days after 1904-01-01 is 2026-03-15 (the 1900 system would say 2022-03-15).
    let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    sheet
        .write_number_with_format(1, 1, 44634.0, &format)
        .unwrap();
    let bytes = with_1904_dates(&book.save_to_buffer().unwrap());
    let report = api_import(
        &app,
        &token,
        "1904.xlsx",
        &bytes,
        &[("register", "enterprises")],
    )
    .await
    .json();
    assert_eq!(report["new"], 1, "{}", summary(&report));
    let listed = api(
        &app,
        &token,
        rocket::http::Method::Get,
        "/api/v1/enterprises",
    )
    .await
    .json();
    let id = listed["items"][0]["id"].as_i64().unwrap();
    let one = api(
        &app,
        &token,
        rocket::http::Method::Get,
        &format!("/api/v1/enterprises/{id}"),
    )
    .await
    .json();
    assert_eq!(one["high_tech"]["issued_on"], "2026-03-15", "{one}");
}

/// A problem with a date cell names the cell as Excel shows it (2026-04-01), not by its serial
/// number, in either date system.
#[tokio::test]
async fn a_date_cell_in_a_problem_reads_as_its_day() {
    let (app, token) = officer_app().await;
    for is_1904 in [false, true] {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, header) in ["申请号", "专利名称", "申请日", "授权日"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, c as u16, *header).unwrap();
        }
        sheet.write_string(1, 0, "2025210000001").unwrap();
        sheet.write_string(1, 1, "一种茶叶揉捻装置").unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        // 2026-05-01 and 2026-04-01: 46143 and 46113 in the 1900 system, 1462 days fewer in 1904.
        let shift = if is_1904 { 1462.0 } else { 0.0 };
        for (column, serial) in [(2, 46143.0), (3, 46113.0)] {
            sheet
                .write_number_with_format(1, column, serial - shift, &format)
                .unwrap();
        }
        let mut bytes = book.save_to_buffer().unwrap();
        if is_1904 {
            bytes = with_1904_dates(&bytes);
        }
        let report = api_import(&app, &token, "dates.xlsx", &bytes, &[("dry_run", "true")])
            .await
            .json();
        assert_eq!(report["invalid"], 1, "{}", summary(&report));
        let error = &report["errors"][0];
        assert_eq!(error["field"], "granted_on", "{error}");
        assert_eq!(error["column"], "D", "{error}");
        assert_eq!(error["value"], "2026-04-01", "1904: {is_1904}, {error}");
    }
}

// ---- the error report ----

/// A sheet of a workbook as text, row by row (what a person sees in Excel).
fn sheet_text(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    range
        .rows()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect()
}

/// Writes rows of text back as a workbook, as Excel saves an edited sheet.
fn workbook_of(sheet: &str, rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let out = book.add_worksheet();
    out.set_name(sheet).unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                out.write_string(r as u32, c as u16, text).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

#[rocket::async_test]
async fn the_error_report_explains_each_row_and_imports_back_once_fixed() {
    let (app, token) = officer_app().await;
    let first = import_fixture(&app, &token, "zigui-grants-2026.xlsx", &[])
        .await
        .json();
    let response = app
        .client
        .get(format!("/api/v1/imports/{}/errors.xlsx", first["batch_id"]))
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    let disposition = response
        .headers()
        .get_one("Content-Disposition")
        .unwrap()
        .to_owned();
    assert!(disposition.contains("attachment"), "{disposition}");
    let report = response.into_bytes().await.unwrap();
    let rows = sheet_text(&report, "授权清单");
    let header = &rows[0];
    assert_eq!(
        header.last().map(String::as_str),
        Some("说明"),
        "{header:?}"
    );
    let status_at = header.len() - 2;
    assert_eq!(header[status_at], "处理");
    let number_at = header.iter().position(|h| h == "专利申请号").unwrap();
    let type_at = header.iter().position(|h| h == "专利种类").unwrap();
    let granted_at = header.iter().position(|h| h == "授权公告日期").unwrap();
    let invalid: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r.get(status_at).is_some_and(|s| s == "有误"))
        .collect();
    assert_eq!(invalid.len(), 23);
    assert!(
        invalid.iter().all(|r| !r[status_at + 1].is_empty()),
        "every invalid row says why"
    );
    // Dates are written yyyy-mm-dd. A bare number in a date column (36 in the roster) or a date
    // typed otherwise (149: 2025.1.6, 2025/4/24, 2025年12月7日) keeps what the file held in a
    // note; a date cell (970) is the date Excel showed, with no note to wade through.
    let notes = crate::exports::part(&report, "xl/comments1.xml");
    assert!(
        notes.contains("原值：46238") && notes.contains("原值：2025.1.6"),
        "{notes}"
    );
    assert_eq!(notes.matches("原值：").count(), 36 + 149);
    let summary_sheet = sheet_text(&report, "说明");
    assert!(
        summary_sheet
            .iter()
            .any(|r| r.first().is_some_and(|c| c == "有误") && r.get(1).is_some_and(|c| c == "23"))
    );

    // As it is, the report imports to the same conclusions.
    let same = api_import(&app, &token, "report.xlsx", &report, &[("dry_run", "true")])
        .await
        .json();
    assert_eq!(
        (
            same["unchanged"].as_u64(),
            same["invalid"].as_u64(),
            same["new"].as_u64()
        ),
        (Some(400), Some(23), Some(0)),
        "{}",
        summary(&same)
    );

    // Fixed as an officer would: the right check digit, the type the number says, a real date.
    let mut fixed = rows.clone();
    for row in fixed.iter_mut().skip(1) {
        if row.get(status_at).is_none_or(|s| s != "有误") {
            continue;
        }
        let message = row[status_at + 1].clone();
        if let Some(rest) = message.split("应为 ").nth(1) {
            let digit = rest.chars().next().unwrap();
            let number = &mut row[number_at];
            number.pop();
            number.push(digit);
        } else if message.contains("表示发明") {
            row[type_at] = "发明".into();
        } else if message.contains("表示实用新型") {
            row[type_at] = "实用新型".into();
        } else if message.contains("表示外观设计") {
            row[type_at] = "外观设计".into();
        } else if message.contains("不是有效的日期") {
            row[granted_at] = "2026-06-30".into();
        }
    }
    let fixed = workbook_of("授权清单", &fixed);
    let again = api_import(&app, &token, "fixed.xlsx", &fixed, &[])
        .await
        .json();
    // Only the two rows without any application number remain.
    assert_eq!(again["invalid"], 2, "{}", again["errors"]);
    assert_eq!(again["unchanged"], 400, "{}", summary(&again));
    assert!(again["new"].as_u64().unwrap() >= 10, "{}", summary(&again));
}

// ---- the web flow ----

/// The number at the end of a redirect to `/imports/<id>`.
fn batch_of(page: &Page) -> i64 {
    let location = page
        .location
        .clone()
        .unwrap_or_else(|| panic!("no redirect ({}): {}", page.status, page.body));
    location
        .trim_start_matches("/imports/")
        .parse()
        .unwrap_or_else(|_| panic!("{location}"))
}

/// Waits for a committing job to end, as the progress bar does.
async fn wait_for_job(app: &TestApp, id: i64) -> Value {
    for _ in 0..600 {
        let progress = app.get(&format!("/imports/{id}/progress")).await.json();
        if progress["state"] != "running" {
            return progress;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("import {id} did not finish");
}

/// The mapping form's fields for a preview page: every column's current choice.
fn mapping_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for part in html.split("<select id=\"map-").skip(1) {
        let letter: String = part.chars().take_while(char::is_ascii_uppercase).collect();
        let options = &part[..part.find("</select>").unwrap()];
        let chosen = options
            .split("<option value=\"")
            .skip(1)
            .find(|o| o.contains("\" selected"))
            .map(|o| o[..o.find('"').unwrap()].to_owned())
            .unwrap_or_default();
        fields.push((format!("map.{letter}"), chosen));
    }
    fields
}

/// A patents roster uploaded on the web, as the upload form sends it.
async fn upload_roster(app: &TestApp, name: &str, bytes: &[u8]) -> crate::support::Page {
    let form = [("register", "patents")];
    app.post_multipart("/imports", &form, Some((name, bytes)))
        .await
}

/// A page of the preview with no rows (an outcome no row has) still shows, even when the sheet
/// has nothing in its first rows (each page reads the file only down to its own rows).
#[rocket::async_test]
async fn an_empty_page_of_a_table_below_blank_rows_still_shows() {
    let app = TestApp::signed_in(Role::Officer).await;
    // Three empty rows, then the table.
    let bytes = xlsx(&[
        &[],
        &[],
        &[],
        &["申请号", "专利名称", "申请人"],
        &["201710601862.3", "茶杯", "秭归茶业有限公司"],
    ]);
    let uploaded = upload_roster(&app, "blank-rows.xlsx", &bytes).await;
    let id = batch_of(&uploaded);
    let all = app.follow(&uploaded).await;
    all.assert_contains(&["201710601862.3", "茶杯"]);
    let none = app.get(&format!("/imports/{id}?status=updated")).await;
    assert_eq!(none.status, Status::Ok, "{}", none.body);
    none.assert_contains(&["确认导入"]);
    none.assert_lacks(&["201710601862.3"]);
}

#[rocket::async_test]
async fn upload_preview_remap_commit_history_and_undo_on_the_web() {
    let app = TestApp::signed_in(Role::Officer).await;
    app.create_user("other", Role::Officer).await;
    set_zigui(&app).await;
    let index = app.get("/imports").await;
    index.assert_contains(&[
        "上传表格",
        "导入记录",
        "还没有导入过表格。",
        "data-drop-zone",
    ]);

    let uploaded = upload_roster(
        &app,
        "zigui-grants-2026.xlsx",
        &fixture("zigui-grants-2026.xlsx"),
    )
    .await;
    let id = batch_of(&uploaded);
    let preview = app.follow(&uploaded).await;
    assert_eq!(preview.status, Status::Ok);
    preview.assert_contains(&[
        "共读取 600 行",
        "新增 <span class=\"count\">400</span>",
        "有误 <span class=\"count\">23</span>",
        "专利申请号",
        "确认导入",
        "已读取文件",
        // Row 6's grant date is a bare serial number (a Chinese built-in date format, which
        // Excel shows as a date): the preview shows its day, and the number in a note.
        "2026-08-04<span class=\"cell-note\">原值：46238</span>",
    ]);
    preview.assert_lacks(&[">46238<"]);
    let invalid = app.get(&format!("/imports/{id}?status=invalid")).await;
    invalid.assert_contains(&["cell-error", "缺少申请号。", "校验位应为 3"]);
    invalid.assert_lacks(&["status status-new"]);
    // The last page shows the roster's last rows (each page reads the file down to its own).
    let last = app.get(&format!("/imports/{id}?page=12")).await;
    last.assert_contains(&["202524616777.X", "CN202524608858.5"]);
    preview.assert_lacks(&["202524616777.X"]);

    // A header row with no table is told on the preview; the preview stays as it was.
    let mapping = mapping_fields(&preview.body);
    assert!(
        mapping.contains(&("map.E".to_owned(), "application_number".to_owned())),
        "{mapping:?}"
    );
    let wrong = app
        .post_form(
            &format!("/imports/{id}/preview"),
            &[("sheet", "授权清单"), ("header_row", "1")],
        )
        .await;
    let blocked = app.follow(&wrong).await;
    blocked.assert_contains(&["没有对应“申请号”的列", "表头所在行"]);
    blocked.assert_lacks(&["确认导入"]);

    // Not importing the title column makes every new row invalid; the preview says so.
    let mut fields: Vec<(&str, &str)> = vec![("sheet", "授权清单"), ("header_row", "4")];
    let without_title: Vec<(String, String)> = mapping
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                if v == "title" {
                    String::new()
                } else {
                    v.clone()
                },
            )
        })
        .collect();
    fields.extend(without_title.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let remapped = app
        .post_form(&format!("/imports/{id}/preview"), &fields)
        .await;
    let id = batch_of(&remapped);
    let page = app.follow(&remapped).await;
    page.assert_contains(&[
        "新增 <span class=\"count\">0</span>",
        "新登记的专利缺少名称。",
    ]);
    assert!(mapping_fields(&page.body).contains(&("map.B".to_owned(), String::new())));

    // Back to the full mapping, then commit; the job runs on and the page follows it.
    let mut fields: Vec<(&str, &str)> = vec![("sheet", "授权清单"), ("header_row", "4")];
    fields.extend(mapping.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let id = batch_of(
        &app.post_form(&format!("/imports/{id}/preview"), &fields)
            .await,
    );
    let committed = app
        .post_form(
            &format!("/imports/{id}/commit"),
            &[("policy", "valid-rows")],
        )
        .await;
    assert_eq!(committed.status, Status::SeeOther);
    assert_eq!(wait_for_job(&app, id).await["state"], "committed");
    assert_eq!(patent::Entity::find().count(&app.db).await.unwrap(), 400);
    let again = app
        .post_form(
            &format!("/imports/{id}/commit"),
            &[("policy", "valid-rows")],
        )
        .await;
    assert_eq!(again.status, Status::Conflict, "a batch is committed once");

    let history = app.get("/imports").await;
    let sha = import_batch::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .sha256;
    history.assert_contains(&[
        "zigui-grants-2026.xlsx",
        &sha[..12],
        "已导入",
        "新增 400，更新 0，无变化 0，有误 23",
        "officer",
    ]);
    let shown = app.get(&format!("/imports/{id}")).await;
    shown.assert_contains(&["撤销这次导入", "下载错误报告"]);
    shown.assert_lacks(&["确认导入"]);
    let report = app
        .client
        .get(format!("/imports/{id}/errors.xlsx"))
        .dispatch()
        .await;
    assert_eq!(report.status(), Status::Ok);
    assert_eq!(
        report.content_type().map(|c| c.sub().to_string()),
        Some("vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned())
    );

    // Another officer may not undo it; the one who ran it may.
    app.post_form("/logout", &[]).await;
    app.login("other", crate::support::PASSWORD).await;
    let refused = app.post_form(&format!("/imports/{id}/undo"), &[]).await;
    assert_eq!(refused.status, Status::Forbidden);
    app.get(&format!("/imports/{id}"))
        .await
        .assert_lacks(&["撤销这次导入"]);
    app.post_form("/logout", &[]).await;
    app.login("officer", crate::support::PASSWORD).await;
    let undone = app.post_form(&format!("/imports/{id}/undo"), &[]).await;
    assert_eq!(undone.status, Status::SeeOther);
    app.follow(&undone)
        .await
        .assert_contains(&["已撤销第", "删除 400 条", "已撤销"]);
    assert_eq!(patent::Entity::find().count(&app.db).await.unwrap(), 0);

    app.switch_to_english().await;
    let english = app.get(&format!("/imports/{id}")).await;
    english.assert_contains(&[
        &format!("Import {id}"),
        "zigui-grants-2026.xlsx · Patents · Undone",
        "600 rows read",
        "Download the error report",
    ]);
    english.assert_lacks(&["撤销", "新增"]);
    app.get("/imports")
        .await
        .assert_contains(&["Upload a workbook", "Import history", "400 new"]);
}

// ---- the demo ----

#[rocket::async_test]
async fn the_demo_fills_an_empty_desk_once_and_the_samples_download() {
    let app = TestApp::admin().await;
    let home = app.get("/").await;
    home.assert_contains(&["载入示例数据"]);
    let sample = app
        .client
        .get("/samples/patents-grants-sample.xlsx")
        .dispatch()
        .await;
    assert_eq!(sample.status(), Status::Ok);
    // Dated like the demo: the last sample case was registered in the week ending today.
    let cases = app
        .client
        .get("/samples/cases-ledger-sample.xlsx")
        .dispatch()
        .await;
    let cases = cases.into_bytes().await.unwrap();
    let cases = format!(
        "{:?}",
        ipdesk::import::reader::read_bytes(&cases).unwrap().sheets
    );
    let today = ipdesk::clock::today(ipdesk::settings::Timezone::default());
    let this_week: Vec<String> = (0..7)
        .map(|back| {
            (today - chrono::Duration::days(back))
                .format("%Y-%m-%d 线索登记")
                .to_string()
        })
        .collect();
    assert!(
        this_week.iter().any(|line| cases.contains(line)),
        "{this_week:?}: {cases}"
    );
    app.get("/imports")
        .await
        .assert_contains(&["/samples/enterprises-high-tech-sample.xlsx"]);
    assert_eq!(
        app.get("/samples/other.xlsx").await.status,
        Status::NotFound
    );

    // Dated as authored: the last case registered on 2026-11-30.
    let loaded = app.post_form("/demo", &[("as_of", "2026-11-30")]).await;
    assert_eq!(loaded.location.as_deref(), Some("/imports"));
    let history = app.follow(&loaded).await;
    history.assert_contains(&[
        "已载入示例数据：10 家企业、28 件专利、8 次走访、5 场宣传活动、3 次执法检查、4 件案件",
        // The visits ledger gave eight of the ten enterprises their township; two are left.
        "其中 2 家企业还没有登记乡镇，可在企业登记簿的“补全乡镇”中按其专利地址补全",
        "patents-grants-sample.xlsx",
        "enterprises-high-tech-sample.xlsx",
        "cases-ledger-sample.xlsx",
    ]);
    assert_eq!(patent::Entity::find().count(&app.db).await.unwrap(), 28);
    assert_eq!(enterprise::Entity::find().count(&app.db).await.unwrap(), 10);
    // Applicants are linked to the enterprises the list brought.
    let linked = app.get("/api/v1/patents?linked=true").await.json();
    assert_eq!(linked["total"], 28, "{linked}");
    app.get("/settings")
        .await
        .assert_contains(&["秭归县", "茅坪镇"]);
    app.get("/").await.assert_lacks(&["载入示例数据"]);
    demo_ledgers_are_on_their_pages(&app).await;
    // The officer's next case continues the samples' numbers, under their prefix: it was
    // 知执字〔2026〕1号, a second series beside 秭知执字〔2026〕1—4号.
    let next = json!({
        "kind": "counterfeiting",
        "source": "complaint",
        "received_on": "2026-11-30",
        "respondent": {"name": "某五金店"},
    });
    let made = app
        .send_json(
            rocket::http::Method::Post,
            "/api/v1/cases",
            &next.to_string(),
        )
        .await;
    assert_eq!(made.status, Status::Created, "{}", made.body);
    assert_eq!(made.json()["case_number"], "秭知执字〔2026〕5号");

    // Once only: a desk with records is refused, with its reason.
    let again = app.post_form("/demo", &[]).await;
    assert_eq!(again.location.as_deref(), Some("/"));
    app.follow(&again)
        .await
        .assert_contains(&["示例数据只能载入空的工作台"]);
    let api = app
        .send_json(rocket::http::Method::Post, "/api/v1/demo", "{}")
        .await;
    assert_eq!(api.status, Status::Conflict);
}

/// The demo's ledgers: each register holds its rows, linked to the enterprises the list brought;
/// the open cases show their next deadline; the mistyped number on a product is evidence.
async fn demo_ledgers_are_on_their_pages(app: &TestApp) {
    for (path, total) in [
        ("/api/v1/visits", 8),
        ("/api/v1/events", 5),
        ("/api/v1/inspections", 3),
        ("/api/v1/cases", 4),
    ] {
        let listed = app.get(path).await.json();
        assert_eq!(listed["total"], total, "{path}: {listed}");
    }
    let query = crate::support::urlencode("橘颂");
    let tea = app
        .get(&format!("/api/v1/enterprises?q={query}"))
        .await
        .json();
    let id = tea["items"][0]["id"].as_i64().unwrap();
    app.get(&format!("/enterprises/{id}"))
        .await
        .assert_contains(&[
            "向明、郑华",
            "知识产权宣传周企业培训会",
            "秭知执字〔2026〕4号",
        ]);
    app.get("/cases").await.assert_contains(&[
        "秭知执字〔2026〕1号",
        "不予立案",
        "秭知执字〔2026〕3号",
    ]);
    let open = app.get("/api/v1/cases?status=open").await.json();
    assert_eq!(open["total"], 1, "{open}");
    assert!(open["items"][0]["next_deadline"].is_object(), "{open}");
}

#[rocket::async_test]
async fn a_desk_with_any_record_is_not_empty_for_the_demo() {
    let app = TestApp::admin().await;
    let event = json!({"kind": "lecture", "title": "专利培训", "starts_on": "2026-05-01"});
    let made = app
        .send_json(
            rocket::http::Method::Post,
            "/api/v1/events",
            &event.to_string(),
        )
        .await;
    assert_eq!(made.status, Status::Created, "{}", made.body);
    let refused = app
        .send_json(rocket::http::Method::Post, "/api/v1/demo", "{}")
        .await;
    assert_eq!(refused.status, Status::Conflict);
    refused.assert_contains(&["示例数据只能载入空的工作台"]);
    assert_eq!(patent::Entity::find().count(&app.db).await.unwrap(), 0);
}

/// Loaded for a mid-year day, the samples end in the week before it: the same records, every
/// ledger row good, the cases numbered by the year they were registered in, nothing dated after
/// that day. A day after today, or no day at all, is refused with its reason and writes nothing.
#[rocket::async_test]
async fn the_demo_is_dated_up_to_the_day_it_is_loaded_for() {
    let app = TestApp::admin().await;
    let post = rocket::http::Method::Post;
    let future = app
        .send_json(post, "/api/v1/demo?as_of=2999-01-01", "{}")
        .await;
    assert_eq!(future.status, Status::BadRequest, "{}", future.body);
    future.assert_contains(&["示例数据的日期不能晚于今天：2999-01-01 在今天（"]);
    let early = app.post_form("/demo", &[("as_of", "1999-12-31")]).await;
    app.follow(&early)
        .await
        .assert_contains(&["示例数据的日期不能早于 2010-01-01：1999-12-31 太早了"]);
    let typo = app.post_form("/demo", &[("as_of", "2026-02-30")]).await;
    assert_eq!(typo.location.as_deref(), Some("/"));
    app.follow(&typo)
        .await
        .assert_contains(&["“2026-02-30”不是有效的日期"]);
    app.get("/settings").await.assert_lacks(&["茅坪镇"]);
    assert!(ipdesk::demo::desk_is_empty(&app.db).await.unwrap());

    let loaded = app
        .send_json(post, "/api/v1/demo?as_of=2026-06-30", "{}")
        .await;
    assert_eq!(loaded.status, Status::Ok, "{}", loaded.body);
    let reports = loaded.json();
    for (index, new) in [10, 28, 8, 5, 3, 4].into_iter().enumerate() {
        assert_eq!(reports[index]["new"], new, "{}", reports[index]);
        if index >= 2 {
            assert_eq!(reports[index]["invalid"], 0, "{}", reports[index]);
            // Only the visits ledger warns: of the townships it gives the listed enterprises.
            let warned = reports[index]["warnings"].as_array().unwrap().len();
            assert_eq!(warned, if index == 2 { 8 } else { 0 }, "{}", reports[index]);
        }
    }
    assert_eq!(reports[1]["invalid"], 2, "{}", reports[1]);
    // As the API's every import tells it, on the enterprises' and the patents' results.
    assert_eq!(reports[1]["townships_to_fill"], 10, "{}", reports[1]);
    app.get("/cases").await.assert_contains(&[
        "秭知执字〔2025〕1号",
        "秭知执字〔2026〕1号",
        "秭知执字〔2026〕3号",
    ]);
    let open = app.get("/api/v1/cases?status=open").await.json();
    assert_eq!(open["total"], 1, "{open}");

    let latest = latest_recorded_day(&app.db).await;
    assert_eq!(latest, chrono::NaiveDate::from_ymd_opt(2026, 6, 29));
}

/// The day field by the demo button, and its refusal, in English.
#[rocket::async_test]
async fn the_demo_day_is_asked_and_refused_in_english_too() {
    let app = TestApp::admin().await;
    app.switch_to_english().await;
    app.get("/")
        .await
        .assert_contains(&["Samples dated up to", "Optional; today if left empty."]);
    let future = app.post_form("/demo", &[("as_of", "2999-01-01")]).await;
    assert_eq!(future.location.as_deref(), Some("/"));
    app.follow(&future).await.assert_contains(&[
        "Sample data cannot be dated after today: 2999-01-01 is later than today (",
    ]);
    assert!(ipdesk::demo::desk_is_empty(&app.db).await.unwrap());
    let loaded = app.post_form("/demo", &[("as_of", "2026-11-30")]).await;
    app.follow(&loaded).await.assert_contains(&[
        "Sample data loaded: 10 enterprises, 28 patents",
        "2 of the enterprises have no township yet: the enterprise register",
        "“Fill in townships” fills them",
    ]);
}

/// The latest day any sample record is dated: a filing or a grant, a visit, an event's or
/// inspection's end, a case's step.
async fn latest_recorded_day(db: &DatabaseConnection) -> Option<chrono::NaiveDate> {
    use ipdesk::entities::{case_event, event, inspection, visit};
    let latest = [
        latest_of(db, patent::Entity, patent::Column::FiledOn).await,
        latest_of(db, patent::Entity, patent::Column::GrantedOn).await,
        latest_of(db, visit::Entity, visit::Column::VisitedOn).await,
        latest_of(db, event::Entity, event::Column::EndsOn).await,
        latest_of(db, inspection::Entity, inspection::Column::EndsOn).await,
        latest_of(db, case_event::Entity, case_event::Column::HappenedOn).await,
    ];
    latest.into_iter().flatten().max()
}

/// The latest date in one column of a table, as the database finds it.
async fn latest_of<E: EntityTrait>(
    db: &DatabaseConnection,
    _table: E,
    column: E::Column,
) -> Option<chrono::NaiveDate> {
    use sea_orm::{ColumnTrait, QuerySelect};
    E::find()
        .select_only()
        .column_as(column.max(), "latest")
        .into_tuple::<Option<chrono::NaiveDate>>()
        .one(db)
        .await
        .unwrap()
        .flatten()
}

/// A ledger uploaded under the wrong register: the preview names the register it fits, on the
/// web and through the API; a sheet that fits none gives the chosen register's own examples.
#[rocket::async_test]
async fn a_ledger_under_the_wrong_register_is_told_which_register_it_fits() {
    let app = TestApp::signed_in(Role::Officer).await;
    let api_import = |name: &'static str, bytes: Vec<u8>, register: &'static str| {
        let app = &app;
        async move {
            let fields = [("register", register), ("dry_run", "true")];
            app.post_multipart("/api/v1/imports", &fields, Some((name, &bytes)))
                .await
        }
    };
    let sample = |name: &str| std::fs::read(repo_path(&format!("import/samples/{name}"))).unwrap();
    let visits = sample("visits-ledger-sample.xlsx");
    let page = upload_roster(&app, "走访台账.xlsx", &visits).await;
    app.follow(&page).await.assert_contains(&[
        "这个表格看起来是走访企业表格，不是专利表格：第 3 行是走访企业的表头。请把登记簿选为“走访企业”（visits）再导入。",
    ]);
    // The header is found but the key column is not (活动名称 is no 检查名称).
    let events = sample("events-ledger-sample.xlsx");
    let told = api_import("活动.xlsx", events.clone(), "inspections").await;
    assert!(told.status.code >= 400, "{}", told.body);
    told.assert_contains(&["看起来是宣传活动表格，不是执法检查表格", "（events）"]);
    // The right register imports it.
    let right = api_import("活动.xlsx", events, "events").await;
    assert_eq!(right.json()["rows_read"], 5, "{}", right.body);
    // Nothing fits: the chosen register's own column names as examples.
    let stray = xlsx(&[&["甲", "乙"], &["1", "2"]]);
    let none = api_import("x.xlsx", stray, "enterprises").await;
    none.assert_contains(&["没有找到企业表格的表头", "（如“企业名称”“"]);
    none.assert_lacks(&["看起来是"]);
}

/// Each register's page links to the upload with its register chosen; a refused upload keeps the
/// choice; a viewer, who may not import, has no such button.
#[rocket::async_test]
async fn each_register_page_opens_the_upload_with_its_register_chosen() {
    let app = TestApp::signed_in(Role::Officer).await;
    let chosen = |register: &str| format!("<option value=\"{register}\" selected>");
    for register in [
        "patents",
        "enterprises",
        "visits",
        "events",
        "inspections",
        "cases",
    ] {
        let link = format!("href=\"/imports?register={register}\"");
        app.get(&format!("/{register}"))
            .await
            .assert_contains(&[&link]);
        let upload = app.get(&format!("/imports?register={register}")).await;
        upload.assert_contains(&[&chosen(register)]);
    }
    // A name that is none is refused beside the field, and the form still serves.
    let unknown = app.get("/imports?register=lunches").await;
    assert_eq!(unknown.status, Status::UnprocessableEntity);
    unknown.assert_contains(&[
        &chosen("patents"),
        "没有“lunches”这个登记簿，请从下面的列表中选择。",
    ]);
    let empty = app.get("/imports?register=").await;
    assert_eq!(empty.status, Status::Ok);
    empty.assert_contains(&[&chosen("patents")]);
    let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n";
    let refused = app
        .post_multipart(
            "/imports",
            &[("register", "visits")],
            Some(("走访.pdf", pdf)),
        )
        .await;
    assert_eq!(refused.status, Status::UnsupportedMediaType);
    refused.assert_contains(&[&chosen("visits")]);
    let viewer = TestApp::signed_in(Role::Viewer).await;
    viewer
        .get("/visits")
        .await
        .assert_lacks(&["/imports?register="]);
}

#[rocket::async_test]
async fn undo_leaves_records_changed_since_and_lists_them() {
    let (app, token) = officer_app().await;
    let first = import_fixture(&app, &token, "zigui-grants-2026.xlsx", &[])
        .await
        .json();
    // An officer corrects one imported patent after the import.
    let listed = api(
        &app,
        &token,
        rocket::http::Method::Get,
        "/api/v1/patents?per_page=1",
    )
    .await
    .json();
    let id = listed["items"][0]["id"].as_i64().unwrap();
    let mut patent = api(
        &app,
        &token,
        rocket::http::Method::Get,
        &format!("/api/v1/patents/{id}"),
    )
    .await
    .json();
    patent["title"] = json!("一种改过名称的茶叶揉捻装置");
    let put = app
        .client
        .put(format!("/api/v1/patents/{id}"))
        .header(rocket::http::ContentType::JSON)
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .body(patent.to_string())
        .dispatch()
        .await;
    assert_eq!(
        put.status(),
        Status::Ok,
        "{}",
        put.into_string().await.unwrap_or_default()
    );

    // Another is archived by mistake and restored: its values are still the import's. A third
    // is archived and stays so: that is the officer's doing, and undo leaves it.
    let listed = api(
        &app,
        &token,
        rocket::http::Method::Get,
        "/api/v1/patents?per_page=3&sort=number",
    )
    .await
    .json();
    let others: Vec<i64> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .filter(|other| *other != id)
        .take(2)
        .collect();
    let (restored, archived) = (others[0], others[1]);
    app.create_user("chief", Role::Admin).await;
    let chief = app.token_for("chief").await;
    for (target, action, version) in [
        (restored, "archive", 1),
        (restored, "restore", 2),
        (archived, "archive", 1),
    ] {
        let path = format!("/api/v1/patents/{target}/{action}");
        let body = json!({ "version": version }).to_string();
        let done = with_bearer(&app, rocket::http::Method::Post, &path, &chief, Some(&body)).await;
        assert_eq!(done.status, Status::Ok, "{action} {target}: {}", done.body);
    }

    let undo = undo_batch(&app, &token, &first).await.json();
    assert_eq!(undo["deleted"], 398, "{undo}");
    let kept: BTreeSet<i64> = undo["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(kept, BTreeSet::from([id, archived]), "{undo}");
    // Said in a sentence a client can show, not by the catalogue's key and arguments.
    let said = &undo["conflicts"][0]["msg"];
    assert_eq!(said["key"], "import.undo.changed_since", "{undo}");
    assert!(
        said["message"]
            .as_str()
            .is_some_and(|m| m.ends_with(" 在导入后被修改过，未撤销。")),
        "{undo}"
    );
    assert!(said.get("args").is_none(), "{undo}");
    let kept = api(
        &app,
        &token,
        rocket::http::Method::Get,
        &format!("/api/v1/patents/{id}"),
    )
    .await
    .json();
    assert_eq!(kept["title"], "一种改过名称的茶叶揉捻装置");
    assert_eq!(patent::Entity::find().count(&app.db).await.unwrap(), 2);
    let path = format!("/api/v1/patents/{restored}");
    let gone = api(&app, &token, rocket::http::Method::Get, &path).await;
    assert_eq!(gone.status, Status::NotFound);
    // Its search terms went with it.
    assert_eq!(indexed(&app.db).await, 2);
}

#[rocket::async_test]
async fn a_mapping_chosen_once_is_remembered_for_the_same_headers() {
    let app = TestApp::signed_in(Role::Officer).await;
    set_zigui(&app).await;
    // A ledger whose number column has a header no alias knows.
    let ledger = xlsx(&[
        &["登记编码", "专利名称", "申请人", "地址"],
        &[
            "201710601862.3",
            "一种茶叶揉捻装置",
            "秭归县屈原茶业有限公司",
            "湖北省秭归县茅坪镇",
        ],
    ]);
    // The preview still opens, says what is missing, and offers no commit until it is chosen.
    let uploaded = app
        .post_multipart("/imports", &[], Some(("台账.xlsx", &ledger)))
        .await;
    let preview = app.follow(&uploaded).await;
    preview.assert_contains(&["没有对应“申请号”的列", "登记编码"]);
    preview.assert_lacks(&["确认导入"]);
    let mut fields = vec![
        ("sheet".to_owned(), "Sheet1".to_owned()),
        ("header_row".to_owned(), "1".to_owned()),
    ];
    fields.extend(mapping_fields(&preview.body));
    for (name, value) in &mut fields {
        if name == "map.A" {
            *value = "application_number".into();
        }
    }
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let chosen = app
        .post_form(
            &format!("/imports/{}/preview", batch_of(&uploaded)),
            &fields,
        )
        .await;
    let id = batch_of(&chosen);
    app.follow(&chosen)
        .await
        .assert_contains(&["新增 <span class=\"count\">1</span>", "确认导入"]);
    app.post_form(
        &format!("/imports/{id}/commit"),
        &[("policy", "valid-rows")],
    )
    .await;
    assert_eq!(wait_for_job(&app, id).await["state"], "committed");

    // The same headers next time: the choice is remembered, on the page, the API and the CLI.
    let again = app
        .post_multipart("/imports", &[], Some(("台账.xlsx", &ledger)))
        .await;
    let preview = app.follow(&again).await;
    preview.assert_contains(&[
        "登记编码 <span class=\"muted\">（沿用上次的选择）</span>",
        "无变化 <span class=\"count\">1</span>",
    ]);
    let token = app.token_for("officer").await;
    let report = api_import(&app, &token, "台账.xlsx", &ledger, &[("dry_run", "true")])
        .await
        .json();
    assert_eq!(
        report["mapping"]["登记编码"],
        "application_number",
        "{}",
        summary(&report)
    );
    assert_eq!(report["unchanged"], 1);
}

/// An updated row names each cell that changes the patent and the value it replaces: in the
/// JSON of a dry run, and on the preview (marked, in both languages). A cell left blank, or one
/// that says what the register holds, changes nothing and is not named.
#[rocket::async_test]
async fn an_updated_row_names_each_cell_it_changes_and_what_it_replaces() {
    let (app, token) = officer_app().await;
    let number = number("202620000017");
    let headers: &[&str] = &["申请号", "专利名称", "申请人", "发明人", "申请日", "地址"];
    let roster = |title: &str, inventor: &str| {
        let row: &[&str] = &[
            &number,
            title,
            "秭归县茶业公司",
            inventor,
            "",
            "湖北省秭归县茅坪镇",
        ];
        xlsx(&[headers, row])
    };
    let first = api_import(
        &app,
        &token,
        "名册.xlsx",
        &roster("一种茶叶揉捻装置", ""),
        &[],
    )
    .await
    .json();
    assert_eq!(
        (
            first["new"].as_u64(),
            first["changes"].as_array().map(Vec::len)
        ),
        (Some(1), Some(0)),
        "{first}"
    );

    let revised = roster("一种茶叶揉捻装置（改进）", "张三");
    let dry = api_import(&app, &token, "名册.xlsx", &revised, &[("dry_run", "true")])
        .await
        .json();
    assert_eq!(dry["updated"], 1, "{dry}");
    let told: Vec<(&str, &str, &str, &str)> = dry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let text = |key: &str| c[key].as_str().unwrap_or_default();
            (
                text("column"),
                text("field"),
                text("value"),
                text("message"),
            )
        })
        .collect();
    assert_eq!(
        told,
        [
            (
                "B",
                "title",
                "一种茶叶揉捻装置（改进）",
                "替换登记簿中的“一种茶叶揉捻装置”。"
            ),
            ("D", "inventors", "张三", "登记簿中这一项原为空。"),
        ],
        "{dry}"
    );

    app.login("officer", crate::support::PASSWORD).await;
    let uploaded = upload_roster(&app, "名册.xlsx", &revised).await;
    let id = batch_of(&uploaded);
    app.follow(&uploaded).await.assert_contains(&[
        "<td class=\"cell-changed\">一种茶叶揉捻装置（改进）<span class=\"cell-note\">替换登记簿中的“一种茶叶揉捻装置”。</span>",
        "<td class=\"cell-changed\">张三<span class=\"cell-note\">登记簿中这一项原为空。</span>",
    ]);
    // The report of the preview says the same in its message column (the cell filled blue).
    let report = app
        .client
        .get(format!("/imports/{id}/errors.xlsx"))
        .dispatch()
        .await;
    let report = report.into_bytes().await.unwrap();
    let rows = sheet_text(&report, "Sheet1");
    let message = rows[1].last().unwrap();
    assert!(
        message.contains("专利名称：替换登记簿中的“一种茶叶揉捻装置”。")
            && message.contains("发明人：登记簿中这一项原为空。"),
        "{rows:?}"
    );
    app.switch_to_english().await;
    app.get(&format!("/imports/{id}?status=updated"))
        .await
        .assert_contains(&[
            "Replaces “一种茶叶揉捻装置” in the register.",
            "The register had this blank.",
        ]);
}

/// The same roster a second time, under another name, is told as the import it repeats: on the
/// preview (in both languages), in the API's answers; another file is not, nor is the same one
/// once the import it repeats is undone.
#[rocket::async_test]
async fn the_same_file_again_is_told_until_its_import_is_undone() {
    let app = TestApp::signed_in(Role::Officer).await;
    let roster = roster_of(7, 3);
    let first = upload_roster(&app, "十一月名册.xlsx", &roster).await;
    let id = batch_of(&first);
    app.follow(&first).await.assert_lacks(&["id=\"same-file\""]);
    app.post_form(
        &format!("/imports/{id}/commit"),
        &[("policy", "valid-rows")],
    )
    .await;
    assert_eq!(wait_for_job(&app, id).await["state"], "committed");
    let committed = app.get(&format!("/imports/{id}")).await;
    committed.assert_lacks(&["id=\"same-file\""]);

    let again = upload_roster(&app, "十二月名册.xlsx", &roster).await;
    let again_id = batch_of(&again);
    // The officer by their real name, as the history and the batch's page name them.
    let told = format!("这份文件与第 {id} 次导入（officer 姓名，");
    let link = format!("<a href=\"/imports/{id}\">查看第 {id} 次导入</a>");
    app.follow(&again).await.assert_contains(&[&told, &link]);
    app.switch_to_english().await;
    app.get(&format!("/imports/{again_id}"))
        .await
        .assert_contains(&[&format!(
            "This file is identical to the one of import {id} (officer 姓名, "
        )]);
    app.get("/imports")
        .await
        .assert_contains(&["<td>officer 姓名<br>"]);
    app.get(&format!("/imports/{id}"))
        .await
        .assert_contains(&[" · officer 姓名 · "]);

    let token = app.token_for("officer").await;
    let shown = api(
        &app,
        &token,
        rocket::http::Method::Get,
        &format!("/api/v1/imports/{again_id}"),
    )
    .await;
    assert_eq!(
        shown.json()["same_file_as"]["batch_id"],
        id,
        "{}",
        shown.body
    );
    let dry = [("dry_run", "true")];
    let report = api_import(&app, &token, "名册.xlsx", &roster, &dry)
        .await
        .json();
    assert_eq!(report["same_file_as"]["batch_id"], id, "{report}");
    assert_eq!(report["same_file_as"]["actor"], "officer", "{report}");
    assert_eq!(
        report["same_file_as"]["actor_name"], "officer 姓名",
        "{report}"
    );
    let listed = api(&app, &token, rocket::http::Method::Get, "/api/v1/imports").await;
    let item = &listed.json()["items"][0];
    assert_eq!(
        (&item["user"], &item["user_name"]),
        (&json!("officer"), &json!("officer 姓名")),
        "{item}"
    );
    let other = api_import(&app, &token, "名册.xlsx", &roster_of(8, 3), &dry)
        .await
        .json();
    assert_eq!(other.get("same_file_as"), None, "{other}");

    app.post_form(&format!("/imports/{id}/undo"), &[]).await;
    let report = api_import(&app, &token, "名册.xlsx", &roster, &dry)
        .await
        .json();
    assert_eq!(report.get("same_file_as"), None, "undone: {report}");
}

/// A roster of `rows` local patents whose application numbers no other `file` shares.
pub(crate) fn roster_of(file: u32, rows: u32) -> Vec<u8> {
    let lines: Vec<[String; 4]> = (0..rows)
        .map(|row| {
            let digits = format!("20262{:07}", file * 1000 + row);
            let check = ipdesk::patents::number::check_character(&digits).unwrap();
            [
                format!("{digits}.{check}"),
                format!("一种第{file}批第{row}号装置"),
                format!("秭归县第{file}科技有限公司"),
                "湖北省秭归县茅坪镇".to_owned(),
            ]
        })
        .collect();
    let mut table: Vec<Vec<&str>> = vec![vec!["申请号", "专利名称", "申请人", "地址"]];
    table.extend(
        lines
            .iter()
            .map(|line| line.iter().map(String::as_str).collect()),
    );
    let refs: Vec<&[&str]> = table.iter().map(Vec::as_slice).collect();
    xlsx(&refs)
}

/// Eight rosters imported at the same moment all finish — no "database is locked" on SQLite, no
/// serialization failure on PostgreSQL — and every row of every file is there.
#[rocket::async_test]
async fn eight_imports_at_once_all_finish() {
    let (app, token) = officer_app().await;
    let files: Vec<Vec<u8>> = (0..8).map(|file| roster_of(file, 40)).collect();
    let imports = files.iter().enumerate().map(|(i, bytes)| {
        let name = format!("roster-{i}.xlsx");
        let token = token.clone();
        let app = &app;
        async move { api_import(app, &token, &name, bytes, &[]).await }
    });
    let pages = futures_util::future::join_all(imports).await;
    for page in &pages {
        assert_eq!(page.status, Status::Ok, "{}", page.body);
        assert_eq!(page.json()["new"], 40, "{}", page.body);
    }
    assert_eq!(patent::Entity::find().count(&app.db).await.unwrap(), 320);
}

/// An officer undoes only their own imports; an administrator may undo anyone's.
#[rocket::async_test]
async fn an_officer_cannot_undo_another_officer_s_import() {
    let (app, token) = officer_app().await;
    let page = api_import(&app, &token, "mine.xlsx", &roster_of(0, 3), &[]).await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    let undo = format!("/api/v1/imports/{}/undo", page.json()["batch_id"]);
    app.create_user("other", Role::Officer).await;
    let other = app.token_for("other").await;
    let refused = api(&app, &other, rocket::http::Method::Post, &undo).await;
    assert_eq!(refused.status, Status::Forbidden, "{}", refused.body);
    assert_eq!(patent::Entity::find().count(&app.db).await.unwrap(), 3);
    app.create_user("boss", Role::Admin).await;
    let boss = app.token_for("boss").await;
    let undone = api(&app, &boss, rocket::http::Method::Post, &undo).await;
    assert_eq!(undone.status, Status::Ok, "{}", undone.body);
    assert_eq!(patent::Entity::find().count(&app.db).await.unwrap(), 0);
}

/// An undo of more updates than it reads at once (1,000 records a page) gives every one of them
/// back what it held, and the search finds the old titles again.
#[rocket::async_test]
async fn an_undo_of_many_updates_restores_each_one() {
    let (app, token) = officer_app().await;
    let roster = |kind: &str| {
        let lines: Vec<[String; 4]> = (0..1_200u32)
            .map(|row| {
                let digits = format!("20253{row:07}");
                let check = ipdesk::patents::number::check_character(&digits).unwrap();
                [
                    format!("{digits}.{check}"),
                    format!("一种第{row}号{kind}"),
                    format!("秭归县第{}科技有限公司", row % 30),
                    "湖北省秭归县茅坪镇".to_owned(),
                ]
            })
            .collect();
        let mut table: Vec<Vec<&str>> = vec![vec!["申请号", "专利名称", "申请人", "地址"]];
        table.extend(lines.iter().map(|l| l.iter().map(String::as_str).collect()));
        let refs: Vec<&[&str]> = table.iter().map(Vec::as_slice).collect();
        xlsx(&refs)
    };
    let first = api_import(&app, &token, "first.xlsx", &roster("茶叶揉捻机"), &[]).await;
    assert_eq!(first.json()["new"], 1_200, "{}", first.body);
    let before = snapshot(&app.db).await;
    let revised = api_import(&app, &token, "revised.xlsx", &roster("脐橙分选机"), &[]).await;
    let revised = revised.json();
    assert_eq!(revised["updated"], 1_200, "{revised}");
    let retitled = retitled(&before, &snapshot(&app.db).await);
    assert_eq!(retitled.len(), 1_200);

    let undo = undo_batch(&app, &token, &revised).await;
    assert_eq!(undo.status, Status::Ok, "{}", undo.body);
    let undo = undo.json();
    assert_eq!(
        (&undo["restored"], &undo["conflicts"]),
        (&json!(1_200), &json!([]))
    );
    assert_same(&snapshot(&app.db).await, &before, "before the revision");
    assert_found_by_title(&app, &token, &retitled[1_100..]).await;
    assert_eq!(indexed(&app.db).await, 1_200);
}

/// A roster larger than one chunk (5,000 rows) is judged chunk by chunk while the chunk before is
/// written: the commit says exactly what its dry run said, warnings and all — a number met again across a chunk's edge is a duplicate, a bad number invalid, a
/// copy of a new patent two chunks back without its title invalid (as for any new patent), a
/// titleless copy of an updated patent three chunks back a duplicate that differs from the row that
/// updated it (judged against the patent as it was, though the update is written by then) —
/// every new patent is stored and findable, the report's tallies agree, and undo takes it all
/// away again.
#[rocket::async_test]
async fn a_roster_of_several_chunks_commits_as_its_dry_run_said() {
    let (app, token) = officer_app().await;
    let number = |row: u32| {
        let digits = format!("20263{row:07}");
        let check = ipdesk::patents::number::check_character(&digits).unwrap();
        format!("{digits}.{check}")
    };
    let day = |offset: u32| {
        (chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(offset.into()))
            .to_string()
    };
    let lines: Vec<[String; 6]> = (0..15_200u32)
        .map(|row| {
            let number = match row {
                5_002 => number(3),
                7_000 => "123".to_owned(),
                10_100 => number(5),
                15_150 => number(3_000),
                _ => number(row),
            };
            let title = match row {
                10_190 => "一种脐橙保鲜盒".to_owned(),
                10_100 | 15_150 => String::new(),
                _ => format!("一种第{row}号装置"),
            };
            // Days, grants and applicants spread, so that the report's tallies have much to count;
            // the copy of row 3,000 is that row but for its title.
            let like = if row == 15_150 { 3_000 } else { row };
            [
                number,
                title,
                format!("秭归县第{}科技有限公司", like % 40),
                "湖北省秭归县茅坪镇".to_owned(),
                day(like % 300),
                if like % 2 == 0 {
                    day(like % 300 + 200)
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    let mut table: Vec<Vec<&str>> = vec![vec![
        "申请号",
        "专利名称",
        "申请人",
        "地址",
        "申请日",
        "授权公告日",
    ]];
    table.extend(lines.iter().map(|l| l.iter().map(String::as_str).collect()));
    let refs: Vec<&[&str]> = table.iter().map(Vec::as_slice).collect();
    let bytes = xlsx(&refs);

    // One of its numbers is stored already, under another title.
    let stored = xlsx(&[
        &["申请号", "专利名称", "申请人", "地址"],
        &[
            &number(3_000),
            "一种旧名称的装置",
            "秭归县茅坪科技有限公司",
            "湖北省秭归县茅坪镇",
        ],
    ]);
    let first = api_import(&app, &token, "one.xlsx", &stored, &[]).await;
    assert_eq!(first.status, Status::Ok, "{}", first.body);
    let schema = crate::support::patent_table_schema(&app.db).await;
    let dry = api_import(&app, &token, "large.xlsx", &bytes, &[("dry_run", "true")]).await;
    assert_eq!(dry.status, Status::Ok, "{}", dry.body);
    let dry = dry.json();
    let committed = api_import(&app, &token, "large.xlsx", &bytes, &[]).await;
    assert_eq!(committed.status, Status::Ok, "{}", committed.body);
    let committed = committed.json();
    // Loaded in bulk: the indexes and triggers dropped for it are all back.
    assert_eq!(crate::support::patent_table_schema(&app.db).await, schema);
    for key in [
        "rows_read",
        "new",
        "updated",
        "duplicates_in_file",
        "invalid",
        "unchanged",
        "warnings",
    ] {
        assert_eq!(dry[key], committed[key], "{key}: {}", summary(&committed));
    }
    assert_eq!(
        (
            &committed["new"],
            &committed["updated"],
            &committed["duplicates_in_file"],
            &committed["invalid"]
        ),
        (&json!(15_195), &json!(1), &json!(2), &json!(2)),
        "{}",
        summary(&committed)
    );
    let differs = committed["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["row"] == json!(15_152))
        .count();
    assert_eq!(differs, 1, "{}", committed["warnings"]);
    assert_eq!(patent::Entity::find().count(&app.db).await.unwrap(), 15_196);
    let found = api(
        &app,
        &token,
        rocket::http::Method::Get,
        "/api/v1/patents?q=%E8%84%90%E6%A9%99%E4%BF%9D%E9%B2%9C",
    )
    .await
    .json();
    assert_eq!(found["total"], 1, "{found}");
    crate::reports::assert_report_sources_true(&app.db, "after a large import").await;

    let batch = committed["batch_id"].as_i64().unwrap();
    let undone = api(
        &app,
        &token,
        rocket::http::Method::Post,
        &format!("/api/v1/imports/{batch}/undo"),
    )
    .await;
    assert_eq!(undone.status, Status::Ok, "{}", undone.body);
    assert_eq!(patent::Entity::find().count(&app.db).await.unwrap(), 1);
    assert_eq!(indexed(&app.db).await, 1);
    // Most of the register deleted at once: the indexes dropped for it are all back.
    assert_eq!(crate::support::patent_table_schema(&app.db).await, schema);
    crate::reports::assert_report_sources_true(&app.db, "after undoing it").await;
}

/// A patents roster is committed as the child still reads it. Rows that come out of order part-way
/// through (a sheet some tool rewrote) make the import read the file whole and tidy it instead:
/// every row becomes the patent it names, as from the same roster in order, and of the first
/// attempt nothing is left — one batch in the history.
#[rocket::async_test]
async fn a_roster_whose_rows_come_out_of_order_imports_as_in_order() {
    let (app, token) = officer_app().await;
    let shuffled = rewritten(&roster_of(7, 400), "xl/worksheets/sheet1.xml", |xml| {
        rows_swapped(&xml, 300, 350)
    });
    let page = api_import(&app, &token, "shuffled.xlsx", &shuffled, &[]).await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    assert_eq!(page.json()["new"], 400, "{}", page.body);
    assert_eq!(page.json()["invalid"], 0, "{}", page.body);
    assert_eq!(
        import_batch::Entity::find().count(&app.db).await.unwrap(),
        1
    );
    let patents = patent::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(patents.len(), 400);
    for patent in patents {
        let digits: String = patent.application_number.chars().take(12).collect();
        let row = digits[5..].parse::<u32>().unwrap() - 7_000;
        assert_eq!(patent.title, format!("一种第7批第{row}号装置"), "{digits}");
    }
}

/// A roster found damaged part-way through its reading — after its first rows were judged and
/// written inside the import's transaction — is refused with the sentence for a damaged file, and
/// nothing of it is kept.
#[rocket::async_test]
async fn a_roster_damaged_part_way_through_is_refused_and_nothing_is_kept() {
    let (app, token) = officer_app().await;
    let damaged = rewritten(&roster_of(8, 2_000), "xl/worksheets/sheet1.xml", |xml| {
        let cut = xml.find("<row r=\"1500\"").unwrap();
        xml[..cut].to_owned()
    });
    let page = api_import(&app, &token, "damaged.xlsx", &damaged, &[]).await;
    assert_eq!(page.status, Status::UnsupportedMediaType, "{}", page.body);
    let message = page.json()["error"]["message"].as_str().unwrap().to_owned();
    let wanted = ipdesk::i18n::t(ipdesk::i18n::Lang::ZhCn, "import.read.damaged");
    assert_eq!(message, wanted);
    assert_eq!(patent::Entity::find().count(&app.db).await.unwrap(), 0);
    assert_eq!(
        import_batch::Entity::find().count(&app.db).await.unwrap(),
        0
    );
    assert_eq!(app.get("/healthz").await.status, Status::Ok);
}

/// A query given to an import's address is refused before anything is written: a client that put
/// `dry_run=true` there (not in the form) had the file committed, and an undo "dry run" undone.
#[rocket::async_test]
async fn a_query_given_to_an_import_is_refused_and_nothing_is_written() {
    let (app, token) = officer_app().await;
    let list = high_tech_list();
    let fields = [("register", "enterprises")];
    let dry = api_import_at(
        &app,
        &token,
        "/api/v1/imports?dry_run=true",
        ("高企名单.xlsx", &list),
        &fields,
    )
    .await;
    dry.assert_unknown_parameter("dry_run");
    assert_same(
        &snapshot(&app.db).await,
        &snapshot_of_nothing(),
        "after the refusal",
    );

    let imported = api_import(&app, &token, "高企名单.xlsx", &list, &fields).await;
    assert_eq!(imported.status, Status::Ok, "{}", imported.body);
    let after_import = snapshot(&app.db).await;
    let batch = imported.json()["batch_id"].clone();
    let undo = api(
        &app,
        &token,
        rocket::http::Method::Post,
        &format!("/api/v1/imports/{batch}/undo?dry_run=true"),
    )
    .await;
    undo.assert_unknown_parameter("dry_run");
    assert_same(
        &snapshot(&app.db).await,
        &after_import,
        "after the refused undo",
    );
}

/// The history is paged, newest first, on the upload page and in the API (and in the terminal:
/// `cli::import_commands_answer_in_json_with_exit_codes`), where it showed the latest 50 (the API 200) and no more.
#[rocket::async_test]
async fn the_history_is_paged_newest_first() {
    use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, Set};
    let (app, token) = officer_app().await;
    let page = import_fixture(&app, &token, "zigui-grants-2026.xlsx", &[]).await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    let first = import_batch::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    // Fifty later imports, written straight into the history: importing each would take long.
    for n in 1..=50 {
        let mut later = import_batch::ActiveModel::from(first.clone()).reset_all();
        later.id = NotSet;
        later.upload_id = Set(None);
        later.file_name = Set(format!("第{n}次.xlsx"));
        later.created_at = Set(first.created_at + chrono::Duration::minutes(n));
        later.insert(&app.db).await.unwrap();
    }
    app.login("officer", crate::support::PASSWORD).await;
    // The home page lists the latest five and links to the rest.
    let home = app.get("/").await;
    home.assert_contains(&["第50次.xlsx", "第46次.xlsx", "全部导入记录"]);
    home.assert_lacks(&["第45次.xlsx"]);
    let newest = app.get("/imports").await;
    newest.assert_contains(&[
        "第50次.xlsx",
        "第1次.xlsx",
        "第 1–50 条，共 51 条",
        "imports?page=2\"",
    ]);
    newest.assert_lacks(&["zigui-grants-2026.xlsx"]);
    let oldest = app.get("/imports?page=2").await;
    oldest.assert_contains(&["zigui-grants-2026.xlsx", "第 51–51 条，共 51 条"]);
    oldest.assert_lacks(&["第1次.xlsx"]);
    // The pager keeps the register the form offers; a page that is no number is refused.
    app.get("/imports?register=visits&page=2")
        .await
        .assert_contains(&["imports?register=visits&amp;page=1\""]);
    let refused = app.get("/imports?page=two").await;
    assert_eq!(refused.status, Status::UnprocessableEntity);
    refused.assert_contains(&["页码：“two”不是整数。"]);

    let list = |query: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let path = format!("/api/v1/imports?{query}");
            api(app, token, rocket::http::Method::Get, &path).await
        }
    };
    let second = list("per_page=2&page=2").await.json();
    assert_eq!(
        (&second["total"], &second["page"], &second["per_page"]),
        (&json!(51), &json!(2), &json!(2))
    );
    let files: Vec<&str> = second["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["第48次.xlsx", "第47次.xlsx"]);
    let past = list("page=9").await.json();
    assert_eq!(
        (past["items"].as_array().map(Vec::len), &past["total"]),
        (Some(0), &json!(51))
    );
    list("page=two").await.assert_refused_on("page", "“two”");
    list("register=patents")
        .await
        .assert_unknown_parameter("register");
}
