//! Exports: each register downloads as a workbook a leader can read — title, header, rows of the
//! right types, a totals row that shows its number — honouring the list's filters; calamine and
//! openpyxl read the same thing; and a register imports back from its own export unchanged.

use std::io::Read;
use std::process::Command;

use calamine::{Data, DataType, Reader};
use chrono::NaiveDate;
use ipdesk::auth::Role;
use ipdesk::entities::{enterprise, patent};
use rocket::http::{Header, Method, Status};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::imports::{api_import, fixture, set_zigui};
use crate::support::TestApp;

/// What a download brought.
struct Download {
    status: Status,
    content_type: String,
    disposition: String,
    bytes: Vec<u8>,
}

async fn download(app: &TestApp, path: &str, token: Option<&str>) -> Download {
    let mut request = app.client.get(path.to_owned());
    if let Some(token) = token {
        request = request.header(Header::new("Authorization", format!("Bearer {token}")));
    }
    let response = request.dispatch().await;
    let header = |name: &str| {
        response
            .headers()
            .get_one(name)
            .unwrap_or_default()
            .to_owned()
    };
    let (content_type, disposition) = (header("Content-Type"), header("Content-Disposition"));
    Download {
        status: response.status(),
        content_type,
        disposition,
        bytes: response.into_bytes().await.unwrap_or_default(),
    }
}

/// A successful export's workbook.
async fn workbook(app: &TestApp, path: &str, token: Option<&str>) -> (Download, Sheet) {
    let got = download(app, path, token).await;
    assert_eq!(
        got.status,
        Status::Ok,
        "{path}: {}",
        String::from_utf8_lossy(&got.bytes)
    );
    assert!(
        got.content_type.contains("spreadsheetml"),
        "{}",
        got.content_type
    );
    assert!(
        got.disposition.starts_with("attachment;"),
        "{}",
        got.disposition
    );
    let sheet = read_with_calamine(&got.bytes);
    (got, sheet)
}

/// A sheet as a reader saw it: its name, and each cell as null, `s:text`, `d:yyyy-mm-dd` or a
/// number — the same shape for both readers, so they can be compared whole.
#[derive(Debug, PartialEq)]
struct Sheet {
    name: String,
    rows: Vec<Vec<Value>>,
}

/// Where the header sits, under the title and the subtitle.
const HEADER: usize = 2;

impl Sheet {
    fn header(&self) -> Vec<String> {
        self.rows[HEADER]
            .iter()
            .map(|c| text(c).to_owned())
            .collect()
    }

    /// The data rows: between the header and the totals row.
    fn data(&self) -> &[Vec<Value>] {
        &self.rows[HEADER + 1..self.rows.len() - 1]
    }

    fn totals(&self) -> &[Value] {
        self.rows.last().unwrap()
    }

    fn column(&self, header: &str) -> usize {
        let headers = self.header();
        headers
            .iter()
            .position(|h| h == header)
            .unwrap_or_else(|| panic!("no column {header} in {headers:?}"))
    }

    fn cells(&self, header: &str) -> Vec<Value> {
        let at = self.column(header);
        self.data()
            .iter()
            .map(|row| row.get(at).cloned().unwrap_or(Value::Null))
            .collect()
    }
}

fn text(cell: &Value) -> &str {
    cell.as_str()
        .and_then(|s| s.strip_prefix("s:"))
        .unwrap_or_default()
}

fn date(cell: &Value) -> Option<NaiveDate> {
    let day = cell.as_str()?.strip_prefix("d:")?;
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// Rows without trailing empty cells, and no trailing empty rows: readers differ only there.
fn trimmed(mut rows: Vec<Vec<Value>>) -> Vec<Vec<Value>> {
    for row in &mut rows {
        while row.last().is_some_and(Value::is_null) {
            row.pop();
        }
    }
    while rows.last().is_some_and(Vec::is_empty) {
        rows.pop();
    }
    rows
}

fn read_with_calamine(bytes: &[u8]) -> Sheet {
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .expect("calamine opens the export");
    let name = book.sheet_names().first().cloned().expect("a sheet");
    let range = book.worksheet_range(&name).expect("the sheet");
    let (top, left) = range.start().unwrap_or((0, 0));
    assert_eq!((top, left), (0, 0), "the title is in A1");
    let rows = range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => Value::Null,
                    Data::String(s) => json!(format!("s:{s}")),
                    Data::Float(n) => json!(n),
                    Data::Int(n) => json!(*n as f64),
                    Data::DateTime(_) | Data::DateTimeIso(_) => {
                        json!(format!("d:{}", cell.as_date().expect("a date")))
                    }
                    other => panic!("unexpected cell {other:?}"),
                })
                .collect()
        })
        .collect();
    Sheet {
        name,
        rows: trimmed(rows),
    }
}

/// Reads the workbook with openpyxl (Debian's python3-openpyxl), as Python sees it; `None` when
/// openpyxl is not installed.
fn read_with_openpyxl(bytes: &[u8]) -> Option<Sheet> {
    const SCRIPT: &str = r#"
import datetime, json, sys
import openpyxl
book = openpyxl.load_workbook(sys.argv[1], data_only=True)
sheet = book.worksheets[0]
def cell(v):
    if v is None: return None
    if isinstance(v, datetime.datetime): return "d:" + v.date().isoformat()
    if isinstance(v, datetime.date): return "d:" + v.isoformat()
    if isinstance(v, bool): return "s:" + str(v)
    if isinstance(v, (int, float)): return float(v)
    return "s:" + str(v)
rows = [[cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
print(json.dumps({"name": sheet.title, "rows": rows}, ensure_ascii=False))
"#;
    let python = ["/usr/bin/python3", "python3"].into_iter().find(|python| {
        Command::new(python)
            .args(["-c", "import openpyxl"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(python) = python else {
        eprintln!(
            "openpyxl is not installed (apt-get install python3-openpyxl); skipping the second reader"
        );
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let output = Command::new(python)
        .args(["-c", SCRIPT])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openpyxl could not read the export: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let read: Value = serde_json::from_slice(&output.stdout).unwrap();
    let rows = read["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row.as_array().unwrap().clone())
        .collect();
    Some(Sheet {
        name: read["name"].as_str().unwrap().to_owned(),
        rows: trimmed(rows),
    })
}

/// The second reader agrees with the first, cell for cell.
#[track_caller]
fn assert_openpyxl_agrees(bytes: &[u8], calamine: &Sheet) {
    if let Some(openpyxl) = read_with_openpyxl(bytes) {
        assert_eq!(openpyxl.name, calamine.name);
        assert_eq!(openpyxl.rows.len(), calamine.rows.len(), "row count");
        for (index, (a, b)) in openpyxl.rows.iter().zip(&calamine.rows).enumerate() {
            assert_eq!(
                a,
                b,
                "row {} differs between openpyxl and calamine",
                index + 1
            );
        }
    }
}

/// One part of the workbook's zip, as text.
pub fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The widths Excel will show, by column number (1-based), from `<col min max width>`.
fn column_widths(sheet_xml: &str) -> Vec<(u32, f64)> {
    sheet_xml
        .split("<col ")
        .skip(1)
        .filter_map(|col| {
            let attr = |name: &str| {
                let start = col.find(&format!("{name}=\""))? + name.len() + 2;
                col[start..].split('"').next()
            };
            Some((attr("min")?.parse().ok()?, attr("width")?.parse().ok()?))
        })
        .collect()
}

/// Print setup, panes, filter, warnings and properties: what calamine does not show.
#[track_caller]
fn assert_fit_to_print(bytes: &[u8], rows: usize, title: &str) {
    let sheet = part(bytes, "xl/worksheets/sheet1.xml");
    let last = HEADER + 1 + rows;
    for expected in [
        r#"<pane xSplit="2" ySplit="3" topLeftCell="C4""#.to_owned(),
        format!(r#"<autoFilter ref="A3:P{last}"/>"#),
        r#"orientation="landscape""#.to_owned(),
        r#"<pageSetUpPr fitToPage="1"/>"#.to_owned(),
        r#"fitToHeight="0""#.to_owned(),
        "<oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter>".to_owned(),
        format!(r#"<ignoredError sqref="B4:B{last} I4:I{last}" numberStoredAsText="1"/>"#),
    ] {
        assert!(sheet.contains(&expected), "{expected} not in the sheet");
    }
    let book = part(bytes, "xl/workbook.xml");
    assert!(
        book.contains("_xlnm.Print_Titles"),
        "header row repeats on every page"
    );
    let core = part(bytes, "docProps/core.xml");
    assert!(
        core.contains(&format!("<dc:title>{title}</dc:title>")),
        "{core}"
    );
}

// ---- the patent register ----

#[rocket::async_test]
async fn the_patent_register_exports_what_the_list_shows_and_both_readers_agree() {
    let app = TestApp::admin().await;
    app.post_form("/demo", &[]).await;
    let list = app.get("/patents?type=invention").await;
    list.assert_contains(&[
        "导出 Excel",
        "/exports/patents.xlsx?type=invention",
        "导出授权专利清单",
    ]);

    let (got, sheet) = workbook(&app, "/exports/patents.xlsx", None).await;
    let settings = ipdesk::settings::service::load(&app.db).await.unwrap();
    let today = ipdesk::clock::today(settings.timezone);
    let name = format!("专利台账_秭归县_{today}.xlsx");
    assert!(
        got.disposition.contains(&format!(
            "filename*=UTF-8''{}",
            crate::support::urlencode(&name)
        )),
        "{}",
        got.disposition
    );
    assert_eq!(sheet.name, "专利台账");
    assert_eq!(text(&sheet.rows[0][0]), "专利台账（秭归县）");
    assert!(
        text(&sheet.rows[1][0]).starts_with("全部记录 · 导出于 "),
        "{:?}",
        sheet.rows[1]
    );
    assert_eq!(
        sheet.header(),
        [
            "序号",
            "申请号",
            "名称",
            "类型",
            "申请人（专利权人）",
            "发明人",
            "申请日",
            "授权公告日",
            "授权公告号",
            "法律状态",
            "乡镇",
            "地址",
            "代理机构",
            "主分类号",
            "关联企业",
            "备注"
        ]
    );
    let stored = patent::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(sheet.data().len(), stored.len());
    assert_eq!(sheet.data().len(), 28);
    // The totals row shows its count, not the 0 a previewer would show without a stored result.
    assert_eq!(text(&sheet.totals()[0]), "合计");
    assert_eq!(sheet.totals()[1], json!(28.0));

    let numbers: Vec<Value> = (1..=28).map(|n| json!(n as f64)).collect();
    assert_eq!(sheet.cells("序号"), numbers);
    let filed = sheet.cells("申请日");
    let granted = sheet.cells("授权公告日");
    for (index, number) in sheet.cells("申请号").iter().enumerate() {
        let record = stored
            .iter()
            .find(|p| {
                let shown =
                    ipdesk::patents::number::ApplicationNumber::parse(&p.application_number)
                        .map(|n| format!("s:{}", n.number));
                shown.ok().as_deref() == number.as_str()
            })
            .unwrap_or_else(|| panic!("{number} is an application number stored as text"));
        assert_eq!(date(&filed[index]), record.filed_on, "{number}");
        assert_eq!(date(&granted[index]), record.granted_on, "{number}");
    }
    assert!(
        sheet.cells("关联企业").iter().all(|c| !text(c).is_empty()),
        "the demo links every applicant"
    );
    assert_fit_to_print(&got.bytes, 28, "专利台账（秭归县）");
    let widths = column_widths(&part(&got.bytes, "xl/worksheets/sheet1.xml"));
    let widest_title = sheet
        .cells("名称")
        .iter()
        .map(|c| unicode_width::UnicodeWidthStr::width(text(c)))
        .max()
        .unwrap();
    let title_width = widths.iter().find(|(col, _)| *col == 3).unwrap().1;
    assert!(
        title_width >= widest_title.min(40) as f64 && title_width <= 43.0,
        "the title column fits its Chinese text up to the cap: {title_width} for {widest_title}"
    );
    assert_openpyxl_agrees(&got.bytes, &sheet);

    // In the list's order, whichever it is.
    for sort in ["", "number", "granted_asc"] {
        let listed = app
            .get(&format!("/api/v1/patents?per_page=100&sort={sort}"))
            .await
            .json();
        let listed: Vec<String> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("s:{}", p["application_number"].as_str().unwrap()))
            .collect();
        let (_, sorted) = workbook(&app, &format!("/exports/patents.xlsx?sort={sort}"), None).await;
        let exported: Vec<String> = sorted
            .cells("申请号")
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(exported, listed, "sort {sort:?}");
    }

    // The list's filters choose the rows, and the subtitle says so.
    let (invention_file, inventions) = workbook(
        &app,
        "/exports/patents.xlsx?type=invention&sort=number",
        None,
    )
    .await;
    let listed = app
        .get("/api/v1/patents?type=invention&per_page=100")
        .await
        .json();
    assert_eq!(
        inventions.data().len() as u64,
        listed["total"].as_u64().unwrap()
    );
    assert!(!inventions.data().is_empty());
    assert!(inventions.cells("类型").iter().all(|c| text(c) == "发明"));
    assert!(
        text(&inventions.rows[1][0]).starts_with("类型：发明 · 导出于"),
        "{:?}",
        inventions.rows[1]
    );
    assert_openpyxl_agrees(&invention_file.bytes, &inventions);
}

#[rocket::async_test]
async fn exports_are_refused_with_their_reason() {
    let app = TestApp::signed_in(Role::Viewer).await;
    let unknown = app.get("/exports/lunches.xlsx").await;
    assert_eq!(unknown.status, Status::NotFound);
    unknown.assert_contains(&["没有这个登记簿"]);
    let backwards = app
        .get("/exports/grants.xlsx?from=2026-07-01&to=2026-06-30")
        .await;
    assert_eq!(backwards.status, Status::BadRequest);
    backwards.assert_contains(&["结束日期 2026-06-30 早于开始日期 2026-07-01"]);
    let impossible = app.get("/exports/grants.xlsx?from=2026-02-30").await;
    assert_eq!(impossible.status, Status::BadRequest);
    impossible.assert_contains(&["“2026-02-30”不是有效的日期"]);
    let api = app
        .get("/api/v1/exports/grants.xlsx?from=2026-07-01&to=2026-06-30")
        .await;
    assert_eq!(api.status, Status::BadRequest);
    assert_eq!(
        api.json()["error"]["message"],
        "结束日期 2026-06-30 早于开始日期 2026-07-01。"
    );
    // A filter the register's list does not take is refused, not left out (which exported the
    // whole register); the grants take the patent list's filters and their period alike.
    for (path, field) in [
        ("/api/v1/exports/patents.xlsx?stauts=granted", "stauts"),
        (
            "/api/v1/exports/grants.xlsx?yaer=2026&type=invention",
            "yaer",
        ),
        ("/api/v1/exports/enterprises.xlsx?hightech=true", "hightech"),
    ] {
        app.get(path).await.assert_unknown_parameter(field);
    }
    let grants = app
        .get("/api/v1/exports/grants.xlsx?year=2026&type=invention&township=")
        .await;
    assert_eq!(grants.status, Status::Ok, "{}", grants.body);
    app.switch_to_english().await;
    let english = app.get("/exports/lunches.xlsx").await;
    english.assert_contains(&["There is no such register"]);
}

#[rocket::async_test]
async fn english_exports_speak_english() {
    let app = TestApp::admin().await;
    app.post_form("/demo", &[]).await;
    app.switch_to_english().await;
    app.get("/enterprises")
        .await
        .assert_contains(&["Export to Excel", "/exports/enterprises.xlsx?"]);
    let (got, sheet) = workbook(&app, "/exports/patents.xlsx", None).await;
    assert_eq!(sheet.name, "Patent register");
    assert_eq!(text(&sheet.rows[0][0]), "Patent register (秭归县)");
    assert_eq!(sheet.header()[1], "Application number");
    assert_eq!(text(&sheet.totals()[0]), "Total");
    assert!(
        got.disposition
            .contains("filename*=UTF-8''Patent%20register_"),
        "{}",
        got.disposition
    );
    assert!(
        part(&got.bytes, "xl/worksheets/sheet1.xml")
            .contains("<oddFooter>&amp;CPage &amp;P of &amp;N</oddFooter>")
    );
}

// ---- grants of a period, and the round trip of a large roster ----

/// An officer's desk holding the provincial grants fixture (400 patents of 秭归县).
async fn desk_with_fixture() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    app.create_user("officer", Role::Officer).await;
    set_zigui(&app).await;
    let token = app.token_for("officer").await;
    let name = "zigui-grants-2026.xlsx";
    let report = import(&app, &token, name, &fixture(name), &[]).await;
    assert_eq!(report["new"], 400, "{report}");
    (app, token)
}

/// `POST /api/v1/imports`: the report.
async fn import(
    app: &TestApp,
    token: &str,
    name: &str,
    bytes: &[u8],
    fields: &[(&str, &str)],
) -> Value {
    let page = api_import(app, token, name, bytes, fields).await;
    assert!(page.status.code < 300, "{}: {}", page.status, page.body);
    page.json()
}

/// Only unchanged rows: the export says exactly what the register holds.
#[track_caller]
fn assert_only_unchanged(report: &Value, rows: u64) {
    let counts = (
        report["unchanged"].as_u64(),
        report["new"].as_u64(),
        report["updated"].as_u64(),
        report["invalid"].as_u64(),
    );
    assert_eq!(counts, (Some(rows), Some(0), Some(0), Some(0)), "{report}");
}

#[rocket::async_test]
async fn grants_of_a_period_and_the_register_imports_back_unchanged() {
    let (app, token) = desk_with_fixture().await;
    let path = "/api/v1/exports/grants.xlsx?from=2026-01-01&to=2026-06-30";
    let (got, grants) = workbook(&app, path, Some(&token)).await;
    // The first half of 2026, as the year-to-date report counts it.
    assert_eq!(grants.data().len(), 131);
    assert_eq!(grants.name, "授权专利清单");
    let name = "授权专利清单_秭归县_2026-01-01至2026-06-30.xlsx";
    assert!(
        got.disposition.contains(&crate::support::urlencode(name)),
        "{}",
        got.disposition
    );
    assert!(text(&grants.rows[1][0]).starts_with("授权公告日：2026-01-01 至 2026-06-30 · "));
    let (from, to) = (
        NaiveDate::from_ymd_opt(2026, 1, 1),
        NaiveDate::from_ymd_opt(2026, 6, 30),
    );
    let days: Vec<Option<NaiveDate>> = grants.cells("授权公告日").iter().map(date).collect();
    assert!(
        days.iter().all(|d| d.is_some() && *d >= from && *d <= to),
        "{days:?}"
    );
    assert!(days.windows(2).all(|w| w[0] <= w[1]), "in grant order");
    assert_openpyxl_agrees(&got.bytes, &grants);

    let (_, year) = workbook(&app, "/api/v1/exports/grants.xlsx?year=2026", Some(&token)).await;
    let granted_2026 = patent::Entity::find()
        .filter(patent::Column::GrantedOn.gte(NaiveDate::from_ymd_opt(2026, 1, 1)))
        .filter(patent::Column::GrantedOn.lte(NaiveDate::from_ymd_opt(2026, 12, 31)))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(year.data().len() as u64, granted_2026);

    // The whole register, imported back: nothing to change.
    let register = download(&app, "/api/v1/exports/patents.xlsx", Some(&token)).await;
    assert_eq!(read_with_calamine(&register.bytes).data().len(), 400);
    let report = import(
        &app,
        &token,
        "专利台账.xlsx",
        &register.bytes,
        &[("dry_run", "true")],
    )
    .await;
    assert_only_unchanged(&report, 400);

    // Exported in English, its types and statuses in English words, it imports back as well.
    let english = app
        .client
        .get("/api/v1/exports/patents.xlsx")
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .header(Header::new("Accept-Language", "en"))
        .dispatch()
        .await
        .into_bytes()
        .await
        .unwrap();
    let sheet = read_with_calamine(&english);
    let types: Vec<String> = sheet
        .cells("Type")
        .iter()
        .map(|c| text(c).to_owned())
        .collect();
    assert!(types.iter().any(|t| t == "Utility model"), "{types:?}");
    let report = import(
        &app,
        &token,
        "patents.xlsx",
        &english,
        &[("dry_run", "true")],
    )
    .await;
    assert_only_unchanged(&report, 400);
}

// ---- enterprises ----

#[rocket::async_test]
async fn the_enterprise_register_exports_and_imports_back_unchanged() {
    let app = TestApp::admin().await;
    app.post_form("/demo", &[]).await;
    let token = app.token_for("admin").await;
    let (got, sheet) = workbook(&app, "/api/v1/exports/enterprises.xlsx", Some(&token)).await;
    assert_eq!(sheet.name, "企业名录");
    assert_eq!(sheet.data().len(), 10);
    assert_eq!(
        sheet.header()[..3],
        ["序号", "企业名称", "统一社会信用代码"]
    );
    let stored = enterprise::Entity::find().all(&app.db).await.unwrap();
    for code in sheet.cells("统一社会信用代码") {
        let code = text(&code);
        assert!(
            stored
                .iter()
                .any(|e| e.credit_code.as_deref() == Some(code)),
            "{code} as text"
        );
    }
    let granted: f64 = sheet
        .cells("授权专利数")
        .iter()
        .map(|c| c.as_f64().unwrap())
        .sum();
    let grants = patent::Entity::find()
        .filter(patent::Column::GrantedOn.is_not_null())
        .count(&app.db)
        .await
        .unwrap();
    assert!(
        granted >= 1.0 && granted <= grants as f64,
        "{granted} of {grants}"
    );
    assert!(
        sheet.cells("发证日期").iter().any(|c| date(c).is_some()),
        "certificate dates are dates"
    );
    assert_eq!(sheet.totals()[1], json!(10.0));
    assert_openpyxl_agrees(&got.bytes, &sheet);

    let report = import(
        &app,
        &token,
        "企业名录.xlsx",
        &got.bytes,
        &[("register", "enterprises"), ("dry_run", "true")],
    )
    .await;
    assert_only_unchanged(&report, 10);
    // The demo's patents too.
    let patents = download(&app, "/api/v1/exports/patents.xlsx", Some(&token)).await;
    let report = import(
        &app,
        &token,
        "专利台账.xlsx",
        &patents.bytes,
        &[("dry_run", "true")],
    )
    .await;
    assert_only_unchanged(&report, 28);

    // Filters: high-tech enterprises only.
    let (_, high_tech) = workbook(
        &app,
        "/api/v1/exports/enterprises.xlsx?high_tech=true",
        Some(&token),
    )
    .await;
    let listed = app.get("/api/v1/enterprises?high_tech=true").await.json();
    assert_eq!(
        high_tech.data().len() as u64,
        listed["total"].as_u64().unwrap()
    );
}

#[rocket::async_test]
async fn the_events_register_exports_its_period_with_the_counts_summed() {
    let app = TestApp::admin().await;
    let orange = app
        .send_json(
            Method::Post,
            "/api/v1/enterprises",
            &json!({"name": "秭归县屈乡脐橙有限公司"}).to_string(),
        )
        .await
        .json()["id"]
        .clone();
    for (kind, title, day, attendees, ids) in [
        (
            "consumer_rights_day",
            "3.15咨询台",
            "2026-03-15",
            200,
            json!([orange]),
        ),
        ("world_ip_day", "4.26进校园", "2026-04-26", 300, json!([])),
        ("lecture", "去年的培训", "2025-07-08", 40, json!([])),
    ] {
        let body = json!({
            "kind": kind, "title": title, "starts_on": day, "attendees": attendees,
            "materials_count": attendees * 2, "co_organisers": ["县市场监管局", "县教育局"],
            "enterprise_ids": ids,
        });
        let page = app
            .send_json(Method::Post, "/api/v1/events", &body.to_string())
            .await;
        assert_eq!(page.status, Status::Created, "{}", page.body);
    }
    let (got, sheet) = workbook(
        &app,
        "/exports/events.xlsx?from=2026-01-01&to=2026-12-31",
        None,
    )
    .await;
    assert!(
        got.disposition.contains("filename*=UTF-8''"),
        "{}",
        got.disposition
    );
    assert_eq!(sheet.name, "宣传活动台账");
    assert_eq!(
        sheet.header()[..5],
        ["序号", "活动名称", "活动类型", "活动时间", "结束日期"]
    );
    assert_eq!(
        sheet.cells("活动名称"),
        [json!("s:3.15咨询台"), json!("s:4.26进校园")],
        "the period's events, oldest first"
    );
    assert_eq!(sheet.cells("活动时间")[0], json!("d:2026-03-15"));
    assert_eq!(text(&sheet.cells("活动类型")[0]), "3.15国际消费者权益日");
    assert_eq!(text(&sheet.cells("协办单位")[0]), "县市场监管局、县教育局");
    assert_eq!(text(&sheet.cells("参加企业")[0]), "秭归县屈乡脐橙有限公司");
    assert_eq!(sheet.cells("参加人数"), [json!(200.0), json!(300.0)]);
    let totals = sheet.totals();
    assert_eq!(text(&totals[0]), "合计");
    assert_eq!(totals[sheet.column("活动名称")], json!(2.0));
    assert_eq!(totals[sheet.column("参加人数")], json!(500.0));
    assert_eq!(totals[sheet.column("发放宣传资料（份）")], json!(1000.0));
    assert_openpyxl_agrees(&got.bytes, &sheet);

    // Imported back: the events are those of the register, unchanged.
    let token = app.token_for("admin").await;
    let fields = [("register", "events"), ("dry_run", "true")];
    let report = import(&app, &token, "宣传活动台账.xlsx", &got.bytes, &fields).await;
    assert_only_unchanged(&report, 2);
    app.switch_to_english().await;
    let english = download(&app, "/exports/events.xlsx", None).await;
    let report = import(&app, &token, "events.xlsx", &english.bytes, &fields).await;
    assert_only_unchanged(&report, 3);
}

#[rocket::async_test]
async fn the_visits_register_exports_with_its_follow_ups_and_what_came_of_it() {
    let app = TestApp::admin().await;
    let body = |name: &str, day: &str, materials: i64| {
        json!({
            "enterprise_name": name, "visited_on": day, "officers": ["admin", "县局老王"],
            "agencies": ["县市场监管局"], "topics": ["patent_filing", "reward_policy"],
            "materials_count": materials, "needs": "需要撰写指导",
            "follow_ups": [
                {"action": "联系代理机构", "owner": "张三", "due_on": "2026-06-01", "done_on": "2026-05-20"},
                {"action": "寄送政策汇编"},
            ],
        })
    };
    for (name, day, materials) in [
        ("秭归县屈乡脐橙有限公司", "2026-03-10", 20),
        ("秭归县屈原茶业有限公司", "2026-05-12", 15),
        ("秭归县机械厂", "2025-05-12", 90),
    ] {
        let page = app
            .send_json(
                Method::Post,
                "/api/v1/visits",
                &body(name, day, materials).to_string(),
            )
            .await;
        assert_eq!(page.status, Status::Created, "{}", page.body);
    }
    // One download for both readers: its title line carries the minute it was made.
    let (got, sheet) = workbook(&app, "/exports/visits.xlsx?from=2026-01-01", None).await;
    assert_eq!(sheet.name, "走访企业台账");
    assert_eq!(
        sheet.header()[..4],
        ["序号", "走访日期", "企业名称", "所属乡镇"]
    );
    assert_eq!(
        sheet.cells("企业名称"),
        [
            json!("s:秭归县屈乡脐橙有限公司"),
            json!("s:秭归县屈原茶业有限公司")
        ],
        "the period's visits, oldest first"
    );
    assert_eq!(sheet.cells("走访日期")[0], json!("d:2026-03-10"));
    assert_eq!(text(&sheet.cells("走访人员")[0]), "admin 姓名、县局老王");
    assert_eq!(text(&sheet.cells("走访内容")[0]), "专利申报、奖励/资助政策");
    assert_eq!(
        text(&sheet.cells("跟进事项")[0]),
        "联系代理机构（责任人：张三；期限：2026-06-01；完成日期：2026-05-20）\n寄送政策汇编"
    );
    assert_eq!(sheet.cells("发放资料（份）"), [json!(20.0), json!(15.0)]);
    let totals = sheet.totals();
    assert_eq!(totals[sheet.column("企业名称")], json!(2.0));
    assert_eq!(totals[sheet.column("发放资料（份）")], json!(35.0));
    assert_openpyxl_agrees(&got.bytes, &sheet);

    // Imported back: the visits are those of the register, unchanged, follow-ups and all.
    let token = app.token_for("admin").await;
    let fields = [("register", "visits"), ("dry_run", "true")];
    let report = import(&app, &token, "走访企业台账.xlsx", &got.bytes, &fields).await;
    assert_only_unchanged(&report, 2);
    app.switch_to_english().await;
    let english = download(&app, "/exports/visits.xlsx", None).await;
    let sheet = read_with_calamine(&english.bytes);
    // Lists joined as English joins them.
    assert_eq!(text(&sheet.cells("Visited by")[1]), "admin 姓名, 县局老王");
    assert_eq!(
        text(&sheet.cells("Topics")[1]),
        "Patent filing, Reward and subsidy policy"
    );
    let report = import(&app, &token, "visits.xlsx", &english.bytes, &fields).await;
    assert_only_unchanged(&report, 3);
}

/// A counterfeiting case decided and closed, and a clue still waiting.
async fn two_cases(app: &TestApp) {
    crate::cases::officers(app).await;
    let case = crate::cases::open(app, &crate::cases::counterfeit("2026-03-02"))
        .await
        .json();
    let id = case["id"].as_i64().unwrap();
    for body in [
        json!({"step": "accepted", "on": "2026-03-05"}),
        json!({"step": "investigation", "on": "2026-03-10", "officers": ["zhang", "li"], "note": "现场检查，提取样品2件"}),
        json!({"step": "suspended", "on": "2026-03-20", "note": "委托鉴定；结果待出"}),
        json!({"step": "resumed", "on": "2026-04-01", "note": "鉴定意见已出"}),
        json!({"step": "notice_served", "on": "2026-04-10", "hearing_requested": false}),
        json!({"step": "decided", "on": "2026-04-30", "officers": ["zhang", "li"], "outcome": "penalty", "illegal_gains": 8000, "fine": 24000.5}),
        json!({"step": "served", "on": "2026-05-06"}),
    ] {
        let page = crate::cases::step(app, id, &body).await;
        assert_eq!(page.status, Status::Created, "{}", page.body);
    }
    let mut clue = crate::cases::counterfeit("2026-11-20");
    clue["kind"] = json!("infringement_dispute");
    clue["respondent"]["credit_code"] = json!("91420527MA4901234R");
    let page = crate::cases::open(app, &clue).await;
    assert_eq!(page.status, Status::Created, "{}", page.body);
}

#[rocket::async_test]
async fn the_cases_register_exports_its_steps_and_imports_back() {
    let app = TestApp::admin().await;
    two_cases(&app).await;
    let (got, sheet) = workbook(&app, "/exports/cases.xlsx?kind=counterfeiting", None).await;
    assert_eq!(sheet.name, "执法案件台账");
    assert_eq!(sheet.cells("案号"), [json!("s:知执字〔2026〕1号")]);
    assert_eq!(text(&sheet.cells("案件类型")[0]), "假冒专利");
    assert_eq!(sheet.cells("罚款（元）"), [json!(24000.5)]);
    let steps = text(&sheet.cells("办案步骤")[0]).to_owned();
    assert!(
        steps.contains("2026-03-10 调查：现场检查，提取样品2件（执法人员：zhang 姓名、li 姓名）"),
        "{steps}"
    );
    assert!(
        steps.contains("2026-04-30 决定（执法人员：zhang 姓名、li 姓名；处理结果：行政处罚；违法所得：8000；罚款：24000.50）"),
        "{steps}"
    );
    assert!(steps.contains("2026-04-10 告知（要求听证：否）"), "{steps}");
    assert_openpyxl_agrees(&got.bytes, &sheet);
    let all = download(&app, "/exports/cases.xlsx", None).await;
    let token = app.token_for("admin").await;
    let fields = [("register", "cases"), ("dry_run", "true")];
    let report = import(&app, &token, "执法案件台账.xlsx", &all.bytes, &fields).await;
    assert_only_unchanged(&report, 2);
    app.switch_to_english().await;
    let english = download(&app, "/exports/cases.xlsx", None).await;
    let report = import(&app, &token, "cases.xlsx", &english.bytes, &fields).await;
    assert_only_unchanged(&report, 2);

    // Into an empty register: the cases with every step, as they were.
    let fresh = TestApp::admin().await;
    crate::cases::officers(&fresh).await;
    let token = fresh.token_for("admin").await;
    let report = import(
        &fresh,
        &token,
        "执法案件台账.xlsx",
        &all.bytes,
        &[("register", "cases")],
    )
    .await;
    assert_eq!(report["new"], 2, "{report}");
    let before = app.get("/api/v1/cases").await.json();
    let after = fresh.get("/api/v1/cases").await.json();
    let shape = |page: &Value| -> Vec<Value> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let steps: Vec<Value> = c["steps"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| {
                        json!([
                            s["step"],
                            s["on"],
                            s["officers"],
                            s["note"],
                            s["outcome"],
                            s["fine"],
                            s["illegal_gains"],
                            s["hearing_requested"]
                        ])
                    })
                    .collect();
                json!([
                    c["case_number"],
                    c["kind"],
                    c["source"],
                    c["respondent"]["name"],
                    c["respondent"]["credit_code"],
                    c["complainant"],
                    c["product"],
                    c["claimed_patent_number"],
                    c["facts"],
                    c["status"],
                    c["fine"],
                    steps
                ])
            })
            .collect()
    };
    assert_eq!(shape(&after), shape(&before));
    // Undone, the import leaves the register empty again.
    let batch = report["batch_id"].as_i64().unwrap();
    let path = format!("/api/v1/imports/{batch}/undo");
    let undone = crate::support::with_bearer(&fresh, Method::Post, &path, &token, None).await;
    assert_eq!(undone.status, Status::Ok, "{}", undone.body);
    assert_eq!(fresh.get("/api/v1/cases").await.json()["total"], 0);
}

#[rocket::async_test]
async fn an_old_cases_ledger_imports_with_its_steps_checked() {
    let app = TestApp::admin().await;
    crate::cases::officers(&app).await;
    let ledger = text_workbook(&[
        &[
            "案号",
            "案件类型",
            "案件来源",
            "当事人",
            "涉案产品",
            "标注专利号",
            "办案步骤",
        ],
        &[
            "秭知执字〔2025〕7号",
            "冒充专利",
            "群众举报",
            "某超市",
            "电饭煲",
            "ZL201710601862.3",
            "2025-06-02 线索登记\n2025-06-05 立案\n2025-06-09 调查（办案人员：zhang 姓名、li）",
        ],
        &[
            "秭知执字〔2025〕8号",
            "假冒专利",
            "执法检查",
            "某五金店",
            "",
            "",
            "2025-07-01 线索登记\n2025-07-03 调查（执法人员：zhang、wang）",
        ],
    ]);
    let token = app.token_for("admin").await;
    let report = import(
        &app,
        &token,
        "2025年执法案件台账.xlsx",
        &ledger,
        &[("register", "cases"), ("dry_run", "true")],
    )
    .await;
    assert_eq!(
        (report["new"].as_u64(), report["invalid"].as_u64()),
        (Some(1), Some(1)),
        "{report}"
    );
    let problems = report["errors"].to_string();
    assert!(problems.contains("不能登记“调查”"), "{problems}");
}

/// An .xlsx of text cells, as an officer's ledger.
fn text_workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *text).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// How many townships a connection or transaction sees.
/// A township written straight into the table, as another connection would.
fn add_township(name: &str) -> String {
    format!(
        "INSERT INTO townships (name, position, version, created_at, updated_at) \
         VALUES ('{name}', 1, 1, '2026-11-29T00:00:00Z', '2026-11-29T00:00:00Z')"
    )
}

async fn townships_seen(db: &impl sea_orm::ConnectionTrait) -> i64 {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT COUNT(*) FROM townships",
        ))
        .await
        .expect("count townships")
        .expect("one row");
    row.try_get_by_index(0).expect("a count")
}

/// An export reads in one snapshot: a change committed by someone else while it reads is not
/// seen by any of its queries, including (PostgreSQL) the one it runs beside on a second
/// connection.
#[tokio::test]
async fn an_exports_reads_see_one_moment_of_the_database() {
    use sea_orm::ConnectionTrait;
    let database = crate::support::TestDatabase::new().await;
    let db = database.connect().await;
    db.execute_unprepared(&add_township("茅坪镇"))
        .await
        .expect("a township");
    let read = ipdesk::db::begin_read(&db).await.expect("a read");
    let before = townships_seen(&read).await;
    db.execute_unprepared(&add_township("归州镇"))
        .await
        .expect("another township");
    assert_eq!(
        townships_seen(&db).await,
        before + 1,
        "the change is committed"
    );
    assert_eq!(
        townships_seen(&read).await,
        before,
        "the read does not see it"
    );
    let beside = ipdesk::db::begin_read_beside(&db, &read)
        .await
        .expect("a read beside");
    match beside {
        Some(beside) => {
            assert!(database.is_postgres());
            assert_eq!(
                townships_seen(&beside).await,
                before,
                "beside sees the same"
            );
        }
        None => assert!(!database.is_postgres(), "PostgreSQL reads beside"),
    }
}

/// A register page's statements (its total, its rows, their applicants) read one snapshot too
/// (`db::read_at_once`): a change another connection commits between two of them is seen by
/// neither, and an error of the read is the error returned.
#[tokio::test]
async fn a_page_s_statements_read_one_moment_of_the_database() {
    use sea_orm::ConnectionTrait;
    let database = crate::support::TestDatabase::new().await;
    let db = database.connect().await;
    let (first, second) = ipdesk::db::read_at_once(&db, async |txn| {
        let first = townships_seen(txn).await;
        db.execute_unprepared(&add_township("沙镇溪镇"))
            .await
            .expect("a township committed meanwhile");
        Ok((first, townships_seen(txn).await))
    })
    .await
    .expect("a read");
    assert_eq!(
        first, second,
        "the read's second statement sees its first's moment"
    );
    assert_eq!(
        townships_seen(&db).await,
        first + 1,
        "the change is committed"
    );

    let failed = ipdesk::db::read_at_once(&db, async |_| {
        Err::<(), _>(ipdesk::error::AppError::NotFound(ipdesk::i18n::Msg::new(
            "errors.not_found",
        )))
    })
    .await;
    assert!(
        matches!(failed, Err(ipdesk::error::AppError::NotFound(_))),
        "{failed:?}"
    );
}
