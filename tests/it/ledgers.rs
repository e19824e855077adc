//! An officer's old ledgers of events and visits, as people made them in Excel, through the
//! importer: header aliases, a title row above, counts with units, kinds and topics in the
//! officer's words, follow-ups one a line; new enterprises registered with their visits; a
//! second import changes nothing, an edited ledger updates (naming the cells it changes), and
//! undo takes it all back.

use ipdesk::auth::Role;
use ipdesk::entities::{enterprise, event, visit};
use rocket::http::{Method, Status};
use rust_xlsxwriter::Workbook;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::imports::api_import;
use crate::support::{TestApp, with_bearer};

/// A workbook with a title row, then the header, then the rows (every cell text, as a ledger
/// typed by hand often is; numbers where the row gives them as numbers).
fn ledger(title: &str, header: &[&str], rows: &[Vec<Value>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write(0, 0, title).unwrap();
    for (col, name) in header.iter().enumerate() {
        sheet.write(1, col as u16, *name).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        let at = r as u32 + 2;
        for (col, cell) in row.iter().enumerate() {
            match cell {
                Value::Number(n) => sheet.write(at, col as u16, n.as_f64().unwrap()),
                Value::String(s) => sheet.write(at, col as u16, s.as_str()),
                _ => continue,
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

async fn import(app: &TestApp, token: &str, bytes: &[u8], fields: &[(&str, &str)]) -> Value {
    let page = api_import(app, token, "台账.xlsx", bytes, fields).await;
    assert!(page.status.code < 300, "{}: {}", page.status, page.body);
    page.json()
}

fn counts(report: &Value) -> (u64, u64, u64, u64) {
    let n = |key: &str| report[key].as_u64().unwrap_or(99);
    (n("new"), n("updated"), n("unchanged"), n("invalid"))
}

fn messages(report: &Value, kind: &str) -> Vec<String> {
    report[kind]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let (field, message) = (p["field"].as_str(), p["message"].as_str());
            format!("{} {}: {}", p["row"], field.unwrap(), message.unwrap())
        })
        .collect()
}

async fn undo(app: &TestApp, token: &str, batch: &Value) -> Value {
    let path = format!("/api/v1/imports/{batch}/undo");
    let page = with_bearer(app, Method::Post, &path, token, None).await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    page.json()
}

const EVENT_HEADER: [&str; 9] = [
    "序号",
    "活动名称",
    "活动时间",
    "活动地点",
    "主办单位",
    "协办单位",
    "参加人数",
    "发放宣传资料",
    "接受咨询(人次)",
];

fn event_rows(attendees: &str) -> Vec<Vec<Value>> {
    vec![
        vec![
            json!(1),
            json!("“3.15”消费者权益日宣传咨询"),
            json!("2026-03-15"),
            json!("县城广场"),
            json!("县市场监管局"),
            json!("县科技局、县消委会"),
            json!(attendees),
            json!(1200),
            json!("85人次"),
        ],
        vec![
            json!(2),
            json!("4.26知识产权进校园"),
            json!("2026年4月26日"),
            json!("县一中"),
            json!("县科技局"),
            json!("县教育局"),
            json!(300),
            json!("500份"),
            json!(20),
        ],
        vec![
            json!(3),
            json!("日期写错的活动"),
            json!("2026年13月5日"),
            json!("某地"),
        ],
    ]
}

#[rocket::async_test]
async fn an_old_events_ledger_imports_updates_and_undoes() {
    let app = TestApp::spawn().await;
    app.create_user("officer", Role::Officer).await;
    let token = app.token_for("officer").await;
    let book = ledger(
        "2026年知识产权宣传活动台账",
        &EVENT_HEADER,
        &event_rows("约200人"),
    );
    let fields = [("register", "events")];
    let preview = import(
        &app,
        &token,
        &book,
        &[("register", "events"), ("dry_run", "true")],
    )
    .await;
    assert_eq!(counts(&preview), (2, 0, 0, 1), "{preview}");
    let errors = messages(&preview, "errors");
    assert_eq!(
        errors,
        ["5 starts_on: “2026年13月5日”不是有效的日期。"],
        "the bad date is named on its row, once"
    );
    assert_eq!(event::Entity::find().count(&app.db).await.unwrap(), 0);

    let report = import(&app, &token, &book, &fields).await;
    assert_eq!(counts(&report), (2, 0, 0, 1), "{report}");
    let list = app_events(&app, &token).await;
    let consumer = list
        .iter()
        .find(|e| e["kind"] == "consumer_rights_day")
        .expect("the 3.15 event, its kind read from the title");
    assert_eq!(consumer["attendees"], 200);
    assert_eq!(consumer["materials_count"], 1200);
    assert_eq!(consumer["consultations"], 85);
    assert_eq!(consumer["co_organisers"], json!(["县科技局", "县消委会"]));
    let school = list.iter().find(|e| e["kind"] == "world_ip_day").unwrap();
    assert_eq!(school["starts_on"], "2026-04-26");
    assert_eq!(school["materials_count"], 500);

    let again = import(&app, &token, &book, &fields).await;
    assert_eq!(counts(&again), (0, 0, 2, 1), "{again}");
    let edited = ledger("台账", &EVENT_HEADER, &event_rows("250"));
    let update = import(&app, &token, &edited, &fields).await;
    assert_eq!(counts(&update), (0, 1, 1, 1), "{update}");
    let list = app_events(&app, &token).await;
    let updated = list.iter().find(|e| e["attendees"] == 250).unwrap();
    // Archived by mistake and restored: the update's values stand, and its undo restores them.
    app.create_user("chief", Role::Admin).await;
    let chief = app.token_for("chief").await;
    let version = updated["version"].as_i64().unwrap();
    for (action, at) in [("archive", version), ("restore", version + 1)] {
        let path = format!("/api/v1/events/{}/{action}", updated["id"]);
        let body = json!({ "version": at }).to_string();
        let done = with_bearer(&app, Method::Post, &path, &chief, Some(&body)).await;
        assert_eq!(done.status, Status::Ok, "{action}: {}", done.body);
    }

    let undone = undo(&app, &token, &update["batch_id"]).await;
    assert_eq!(undone["restored"], 1, "{undone}");
    assert_eq!(undone["conflicts"], json!([]), "{undone}");
    let list = app_events(&app, &token).await;
    assert!(list.iter().any(|e| e["attendees"] == 200), "{list:?}");
    // The first import's events: the one changed since (by the update and its undo) stays, and
    // undo says so.
    let undone = undo(&app, &token, &report["batch_id"]).await;
    assert_eq!(undone["deleted"], 1, "{undone}");
    assert_eq!(undone["conflicts"][0]["entity"], "event", "{undone}");
    assert_eq!(event::Entity::find().count(&app.db).await.unwrap(), 1);
}

async fn app_events(app: &TestApp, token: &str) -> Vec<Value> {
    let page = with_bearer(app, Method::Get, "/api/v1/events", token, None).await;
    page.json()["items"].as_array().unwrap().clone()
}

const VISIT_HEADER: [&str; 8] = [
    "序号",
    "走访日期",
    "企业名称",
    "走访人员",
    "走访内容",
    "发放资料(份)",
    "企业需求",
    "跟进事项",
];

#[rocket::async_test]
async fn an_old_visits_ledger_registers_new_enterprises_and_undo_removes_them() {
    let app = TestApp::spawn().await;
    app.create_user("officer", Role::Officer).await;
    let token = app.token_for("officer").await;
    let orange = with_bearer(
        &app,
        Method::Post,
        "/api/v1/enterprises",
        &token,
        Some(&json!({"name": "秭归县屈乡脐橙有限公司"}).to_string()),
    )
    .await;
    assert_eq!(orange.status, Status::Created, "{}", orange.body);
    let rows = vec![
        vec![
            json!(1),
            json!("2026-03-10"),
            json!("秭归县屈乡脐橙有限公司"),
            json!("officer 姓名、县局老王"),
            json!("专利申报、奖补政策、喝茶聊天"),
            json!("20份"),
            json!("希望指导撰写发明专利"),
            json!(
                "联系代理机构（责任人：张三；期限：2026-04-10；完成日期：2026-04-01）\n寄送政策汇编"
            ),
        ],
        vec![
            json!(2),
            json!("2026/5/12"),
            json!("秭归县新认识的公司"),
            json!("县局老王"),
            json!("高企认定"),
        ],
        vec![
            json!(3),
            json!("2026-05-20"),
            json!("秭归县屈乡脐橙有限公司"),
            json!("县局老王"),
            json!("知识产权保护"),
            json!(""),
            json!(""),
            json!("回访（完成日期：2026-05-01）"),
        ],
    ];
    let book = ledger("走访企业台账", &VISIT_HEADER, &rows);
    let fields = [("register", "visits")];
    let preview = import(
        &app,
        &token,
        &book,
        &[("register", "visits"), ("dry_run", "true")],
    )
    .await;
    assert_eq!(counts(&preview), (2, 0, 0, 1), "{preview}");
    let errors = messages(&preview, "errors");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("5 follow_ups") && e.contains("完成日期不能早于走访日期")),
        "{errors:?}"
    );
    let warnings = messages(&preview, "warnings").join("\n");
    assert!(warnings.contains("导入时将一并登记"), "{warnings}");
    assert!(warnings.contains("喝茶聊天"), "{warnings}");
    assert_eq!(enterprise::Entity::find().count(&app.db).await.unwrap(), 1);

    let report = import(&app, &token, &book, &fields).await;
    assert_eq!(counts(&report), (2, 0, 0, 1), "{report}");
    let page = with_bearer(&app, Method::Get, "/api/v1/visits", &token, None).await;
    let items = page.json()["items"].as_array().unwrap().clone();
    let first = items
        .iter()
        .find(|v| v["visited_on"] == "2026-03-10")
        .unwrap();
    assert_eq!(first["officers"], json!(["officer", "县局老王"]));
    assert_eq!(
        first["topics"],
        json!(["patent_filing", "reward_policy", "other"])
    );
    assert!(first["notes"].as_str().unwrap().contains("喝茶聊天"));
    assert_eq!(first["materials_count"], 20);
    assert_eq!(
        first["follow_ups"],
        json!([
            {"action": "联系代理机构", "owner": "张三", "due_on": "2026-04-10", "done_on": "2026-04-01"},
            {"action": "寄送政策汇编", "owner": null, "due_on": null, "done_on": null},
        ])
    );
    let new_one = enterprise::Entity::find()
        .filter(enterprise::Column::Name.eq("秭归县新认识的公司"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("registered with its visit");
    assert_eq!(new_one.import_batch_id, report["batch_id"].as_i64());

    let again = import(&app, &token, &book, &fields).await;
    assert_eq!(counts(&again), (0, 0, 2, 1), "{again}");
    let undone = undo(&app, &token, &report["batch_id"]).await;
    assert_eq!(
        undone["deleted"], 3,
        "two visits and the enterprise: {undone}"
    );
    assert_eq!(visit::Entity::find().count(&app.db).await.unwrap(), 0);
    assert_eq!(enterprise::Entity::find().count(&app.db).await.unwrap(), 1);
}

/// A visit ledger's township column (所属乡镇) gives a visited enterprise without one its
/// township, told in the preview as a new enterprise is; a township the desk holds is kept and a
/// row that says otherwise is warned of; undo takes the township back.
#[rocket::async_test]
async fn a_visits_ledger_gives_enterprises_without_a_township_the_one_it_names() {
    let (app, token) = crate::imports::officer_app().await;
    let mut ids = Vec::new();
    for body in [
        json!({"name": "秭归县甲公司"}),
        json!({"name": "秭归县乙公司", "township": "屈原镇"}),
    ] {
        let made = with_bearer(
            &app,
            Method::Post,
            "/api/v1/enterprises",
            &token,
            Some(&body.to_string()),
        )
        .await;
        assert_eq!(made.status, Status::Created, "{}", made.body);
        ids.push(made.json()["id"].as_i64().unwrap());
    }
    // A visit recorded by hand before, to an enterprise with no township: the ledger's row of
    // it is unchanged, and still gives the enterprise its township.
    let earlier = json!({"enterprise_name": "秭归县戊公司", "visited_on": "2026-02-01",
        "officers": ["县局老王"], "topics": ["patent_filing"]});
    let earlier = earlier.to_string();
    let path = "/api/v1/visits";
    let made = with_bearer(&app, Method::Post, path, &token, Some(&earlier)).await;
    assert_eq!(made.status, Status::Created, "{}", made.body);
    let township_of = |name: &'static str| {
        let app = &app;
        async move {
            let row = enterprise::Entity::find()
                .filter(enterprise::Column::Name.eq(name))
                .one(&app.db)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{name} is registered"));
            let found = ipdesk::entities::township::Entity::find();
            let names = found.all(&app.db).await.unwrap();
            row.township_id
                .and_then(|id| names.into_iter().find(|t| t.id == id).map(|t| t.name))
        }
    };
    let header = [
        "序号",
        "走访日期",
        "企业名称",
        "所属乡镇",
        "走访人员",
        "走访内容",
    ];
    let row = |n: i64, day: &str, name: &str, township: &str| {
        vec![
            json!(n),
            json!(day),
            json!(name),
            json!(township),
            json!("县局老王"),
            json!("专利申报"),
        ]
    };
    let rows = vec![
        row(1, "2026-03-10", "秭归县甲公司", "茅坪镇"),
        row(2, "2026-03-11", "秭归县乙公司", "茅坪镇"),
        row(3, "2026-03-12", "秭归县丙公司", "归州镇"),
        row(4, "2026-03-13", "秭归县丁公司", "火星镇"),
        row(5, "2026-04-01", "秭归县甲公司", "归州镇"),
        row(6, "2026-02-01", "秭归县戊公司", "郭家坝镇"),
    ];
    let book = ledger("走访企业台账", &header, &rows);
    let dry_run = [("register", "visits"), ("dry_run", "true")];
    let preview = import(&app, &token, &book, &dry_run).await;
    assert_eq!(counts(&preview), (5, 0, 1, 0), "{preview}");
    let warnings = messages(&preview, "warnings");
    for expected in [
        "3 township: “秭归县甲公司”还没有登记乡镇，导入时将记为茅坪镇。",
        "4 township: “秭归县乙公司”登记的乡镇是屈原镇，这一行写的是“茅坪镇”：保留屈原镇。要改，请在企业页上修改。",
        "5 township: “秭归县丙公司”还没有登记乡镇，导入时将记为归州镇。",
        "6 township: 没有名为“火星镇”的乡镇，乡镇未填。",
        "8 township: “秭归县戊公司”还没有登记乡镇，导入时将记为郭家坝镇。",
        "7 township: “秭归县甲公司”登记的乡镇是茅坪镇，这一行写的是“归州镇”：保留茅坪镇。要改，请在企业页上修改。",
    ] {
        assert!(
            warnings.iter().any(|w| w == expected),
            "{expected}: {warnings:?}"
        );
    }
    assert_eq!(
        township_of("秭归县甲公司").await,
        None,
        "a preview writes nothing"
    );

    let report = import(&app, &token, &book, &[("register", "visits")]).await;
    assert_eq!(counts(&report), (5, 0, 1, 0), "{report}");
    assert_eq!(township_of("秭归县甲公司").await.as_deref(), Some("茅坪镇"));
    assert_eq!(township_of("秭归县乙公司").await.as_deref(), Some("屈原镇"));
    assert_eq!(township_of("秭归县丙公司").await.as_deref(), Some("归州镇"));
    assert_eq!(township_of("秭归县丁公司").await, None);
    assert_eq!(
        township_of("秭归县戊公司").await.as_deref(),
        Some("郭家坝镇")
    );
    // The visits list finds them by the township now, and the change is in the enterprise's history.
    let path = "/api/v1/visits?township=%E8%8C%85%E5%9D%AA%E9%95%87";
    let listed = with_bearer(&app, Method::Get, path, &token, None)
        .await
        .json();
    assert_eq!(listed["total"], 2, "{listed}");
    let path = format!("/api/v1/enterprises/{}", ids[0]);
    let shown = with_bearer(&app, Method::Get, &path, &token, None)
        .await
        .json();
    assert_eq!(shown["township"], "茅坪镇", "{shown}");
    let audited = ipdesk::entities::audit_entry::Entity::find()
        .filter(ipdesk::entities::audit_entry::Column::Entity.eq("enterprise"))
        .filter(ipdesk::entities::audit_entry::Column::EntityId.eq(ids[0].to_string()))
        .filter(ipdesk::entities::audit_entry::Column::Action.eq("update"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(audited, 1);
    // The same ledger again: every visit unchanged, and no township left to give.
    let again = import(&app, &token, &book, &[("register", "visits")]).await;
    assert_eq!(counts(&again), (0, 0, 6, 0), "{again}");
    let told = messages(&again, "warnings").join("\n");
    assert!(!told.contains("导入时将记为"), "{told}");

    let undone = undo(&app, &token, &report["batch_id"]).await;
    assert_eq!(
        undone["deleted"], 7,
        "five visits and two enterprises: {undone}"
    );
    assert_eq!(undone["restored"], 2, "甲 and 戊: {undone}");
    assert_eq!(township_of("秭归县甲公司").await, None);
    assert_eq!(township_of("秭归县戊公司").await, None);
    assert_eq!(township_of("秭归县乙公司").await.as_deref(), Some("屈原镇"));
}

/// Each ledger's updated row names the cell that changes the record and the value it replaces,
/// as an updated patent does: the sample ledgers imported, then each with one cell edited.
#[rocket::async_test]
async fn an_updated_ledger_row_names_the_cell_it_changes() {
    let app = TestApp::spawn().await;
    app.create_user("officer", Role::Officer).await;
    let token = app.token_for("officer").await;
    // (register, the text edited, what it becomes, the change told: row, field and message)
    let edits = [
        (
            "events",
            "县城滨湖广场",
            "县城滨湖广场东侧",
            "4 location: 替换登记簿中的“县城滨湖广场”。",
        ),
        (
            "visits",
            "茶叶揉捻设备有改进，想申请发明专利，不清楚流程",
            "已请代理机构指导申请",
            "4 needs: 替换登记簿中的“茶叶揉捻设备有改进，想申请发明专利，不清楚流程”。",
        ),
        (
            "inspections",
            "茅坪镇农资市场、城区农资门店",
            "茅坪镇农资市场",
            "4 places: 替换登记簿中的“茅坪镇农资市场、城区农资门店”。",
        ),
        (
            "cases",
            "产品标注的专利已因未缴年费终止，仍继续标注销售",
            "标注的专利已终止仍在销售",
            "4 facts: 替换登记簿中的“产品标注的专利已因未缴年费终止，仍继续标注销售”。",
        ),
    ];
    for (register, was, now, told) in edits {
        let path = format!("import/samples/{register}-ledger-sample.xlsx");
        let sample = std::fs::read(crate::support::repo_path(&path)).unwrap();
        let first = import(&app, &token, &sample, &[("register", register)]).await;
        assert!(first["new"].as_u64() > Some(0), "{first}");
        let edited = crate::imports::rewritten(&sample, "xl/sharedStrings.xml", |xml| {
            assert!(xml.contains(was), "{register}: {was}");
            xml.replace(was, now)
        });
        let fields = [("register", register), ("dry_run", "true")];
        let dry = import(&app, &token, &edited, &fields).await;
        assert_eq!(dry["updated"], 1, "{register}: {dry}");
        assert_eq!(messages(&dry, "changes"), [told], "{register}");
    }
}

/// The sample ledgers, their enterprises registered first, imported a second time change
/// nothing: an event's enterprises are listed in the ledger's order but kept by name, and an
/// order is no change.
#[rocket::async_test]
async fn the_sample_ledgers_imported_again_change_nothing() {
    let app = TestApp::spawn().await;
    app.create_user("officer", Role::Officer).await;
    let token = app.token_for("officer").await;
    let sample = |register: &str| {
        let path = format!("import/samples/{register}");
        std::fs::read(crate::support::repo_path(&path)).unwrap()
    };
    let enterprises = sample("enterprises-high-tech-sample.xlsx");
    let fields = [("register", "enterprises")];
    let registered = import(&app, &token, &enterprises, &fields).await;
    assert!(registered["new"].as_u64() > Some(5), "{registered}");
    for register in ["events", "visits", "inspections", "cases"] {
        let book = sample(&format!("{register}-ledger-sample.xlsx"));
        let fields = [("register", register)];
        let first = import(&app, &token, &book, &fields).await;
        let again = import(&app, &token, &book, &fields).await;
        let (new, updated, unchanged, _) = counts(&again);
        assert_eq!((new, updated), (0, 0), "{register}: {again}");
        assert_eq!(
            Some(unchanged),
            first["new"].as_u64(),
            "{register}: {again}"
        );
    }
}
