//! Every write leaves its trace: each kind of write the JSON API offers is made once, and the
//! audit log then holds exactly one new entry for it (an import is one entry, its rows are in the
//! batch record), naming the record and its old and new values. No route changes the log itself.

use std::collections::BTreeSet;

use rocket::http::{Method, Status};
use serde_json::{Value, json};

use crate::access::TABLE;
use crate::imports::roster_of;
use crate::support::{PASSWORD, TestApp};

/// Loads the samples: checked by its own test, on an empty desk.
const DEMO: &str = "/api/v1/demo";

/// The writes made so far, by route, and the newest audit entry seen.
struct Trail<'a> {
    app: &'a TestApp,
    covered: BTreeSet<(String, &'static str)>,
    last_id: i64,
}

impl Trail<'_> {
    /// Makes one write through `route` (the access table's pattern), checks it succeeded and left
    /// exactly one new audit entry with `action`, and returns the answer and that entry.
    async fn write(
        &mut self,
        route: (Method, &'static str),
        path: &str,
        body: Value,
        action: &str,
    ) -> (Value, Value) {
        let page = self.app.send_json(route.0, path, &body.to_string()).await;
        self.check(route, path, page, action).await
    }

    /// Archives the record at `path` (admin), at the version it has now.
    async fn archive(&mut self, route: &'static str, path: &str) -> (Value, Value) {
        let version = self.app.get(path).await.json()["version"].clone();
        self.write(
            (Method::Post, route),
            &format!("{path}/archive"),
            json!({"version": version}),
            "archive",
        )
        .await
    }

    async fn upload(
        &mut self,
        route: (Method, &'static str),
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &[u8]),
        action: &str,
    ) -> (Value, Value) {
        let page = self.app.post_multipart(path, fields, Some(file)).await;
        self.check(route, path, page, action).await
    }

    /// A request through `route` that changes nothing: refused with `status`, no audit entry.
    async fn refused(&mut self, route: (Method, &'static str), path: &str, status: Status) {
        let page = self.app.send_json(route.0, path, "").await;
        assert_eq!(page.status, status, "{} {path}: {}", route.0, page.body);
        let since = entries_since(self.app, self.last_id).await;
        assert!(since.is_empty(), "{} {path} left {since:#?}", route.0);
        self.covered.insert((route.0.to_string(), route.1));
    }

    async fn check(
        &mut self,
        route: (Method, &'static str),
        path: &str,
        page: crate::support::Page,
        action: &str,
    ) -> (Value, Value) {
        assert!(
            page.status.code < 300,
            "{} {path}: {} {}",
            route.0,
            page.status,
            page.body
        );
        let answer = serde_json::from_str(&page.body).unwrap_or(Value::Null);
        let since = entries_since(self.app, self.last_id).await;
        assert_eq!(
            since.len(),
            1,
            "{} {path} left {} audit entries: {since:#?}",
            route.0,
            since.len()
        );
        let entry = since[0].clone();
        assert_eq!(entry["action"], action, "{} {path}: {entry}", route.0);
        assert!(
            !entry["entity"].as_str().unwrap_or("").is_empty(),
            "{entry}"
        );
        self.last_id = entry["id"].as_i64().unwrap();
        self.covered.insert((route.0.to_string(), route.1));
        (answer, entry)
    }
}

/// The id of the newest audit entry (0 for none).
async fn newest_id(app: &TestApp) -> i64 {
    let page = app.get("/api/v1/audit?per_page=1").await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    page.json()["entries"][0]["id"].as_i64().unwrap_or(0)
}

/// The audit entries after the one with id `last` (the log lists the newest first).
async fn entries_since(app: &TestApp, last: i64) -> Vec<Value> {
    let page = app.get("/api/v1/audit?per_page=50").await.json();
    page["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["id"].as_i64().unwrap_or(0) > last)
        .cloned()
        .collect()
}

/// `entry` records `field` going from `old` to `new`.
#[track_caller]
fn assert_change(entry: &Value, field: &str, old: Value, new: Value) {
    assert_eq!(
        entry["changes"][field],
        json!({"old": old, "new": new}),
        "{field} in {entry:#}"
    );
}

#[rocket::async_test]
async fn every_kind_of_write_is_audited_with_its_old_and_new_values() {
    let app = TestApp::admin().await;
    let mut trail = Trail {
        app: &app,
        covered: BTreeSet::new(),
        last_id: 0,
    };
    trail.last_id = newest_id(&app).await;
    settings_and_lists(&mut trail).await;
    people(&mut trail).await;
    registers(&mut trail).await;
    cases_and_calendar(&mut trail).await;
    imports(&mut trail).await;

    // Every write route of the API was exercised.
    let writes: BTreeSet<(String, &str)> = TABLE
        .iter()
        .filter(|(method, path, _, _)| *method != Method::Get && path.starts_with("/api/v1/"))
        .map(|(method, path, _, _)| (method.to_string(), *path))
        .collect();
    let missing: Vec<_> = writes
        .difference(&trail.covered)
        .filter(|(_, path)| *path != DEMO)
        .collect();
    assert!(
        missing.is_empty(),
        "writes not checked for their audit entry: {missing:?}"
    );
}

async fn settings_and_lists(trail: &mut Trail<'_>) {
    let jurisdiction = (Method::Put, "/api/v1/settings/jurisdiction");
    let (_, entry) = trail
        .write(
            jurisdiction,
            jurisdiction.1,
            json!({"county": "秭归县", "case_prefix": "秭"}),
            "update",
        )
        .await;
    assert_eq!(entry["changes"]["county"]["new"], "秭归县", "{entry}");
    let timezone = (Method::Put, "/api/v1/settings/timezone");
    let (_, entry) = trail
        .write(
            timezone,
            timezone.1,
            json!({"timezone": "Asia/Urumqi"}),
            "update",
        )
        .await;
    assert_change(
        &entry,
        "timezone",
        json!("Asia/Shanghai"),
        json!("Asia/Urumqi"),
    );
    let cookies = (Method::Put, "/api/v1/settings/secure_cookies");
    trail
        .write(
            cookies,
            cookies.1,
            json!({"secure_cookies": true}),
            "update",
        )
        .await;
    // A copy of the database is audited too; PostgreSQL refuses it (pg_dump) and writes nothing.
    let backup = (Method::Post, "/api/v1/backup");
    if trail.app._database.is_postgres() {
        let page = trail.app.send_json(backup.0, backup.1, "null").await;
        assert_eq!(page.status, Status::BadRequest, "{}", page.body);
        assert!(entries_since(trail.app, trail.last_id).await.is_empty());
        trail.covered.insert((backup.0.to_string(), backup.1));
    } else {
        let (_, entry) = trail.write(backup, backup.1, json!(null), "backup").await;
        assert_eq!(entry["entity"], "database", "{entry}");
    }
    let add = (Method::Post, "/api/v1/<kind>");
    let (township, entry) = trail
        .write(
            add,
            "/api/v1/townships",
            json!({"name": "茅坪镇"}),
            "create",
        )
        .await;
    assert_eq!(entry["changes"]["name"]["new"], "茅坪镇", "{entry}");
    let change = (Method::Patch, "/api/v1/<kind>/<id>");
    let (_, entry) = trail
        .write(
            change,
            &format!("/api/v1/townships/{}", township["id"]),
            json!({"version": township["version"], "name": "茅坪"}),
            "update",
        )
        .await;
    assert_change(&entry, "name", json!("茅坪镇"), json!("茅坪"));
}

async fn people(trail: &mut Trail<'_>) {
    let users = (Method::Post, "/api/v1/users");
    let (user, entry) = trail
        .write(
            users,
            users.1,
            json!({"username": "zhang", "real_name": "张三", "role": "officer", "password": PASSWORD}),
            "create",
        )
        .await;
    assert_eq!(entry["changes"]["username"]["new"], "zhang", "{entry}");
    assert!(
        !entry.to_string().contains(PASSWORD),
        "the password reached the log: {entry}"
    );
    let user_change = (Method::Patch, "/api/v1/users/<id>");
    let (_, entry) = trail
        .write(
            user_change,
            &format!("/api/v1/users/{}", user["id"]),
            json!({"version": user["version"], "role": "viewer"}),
            "update",
        )
        .await;
    assert_change(&entry, "role", json!("officer"), json!("viewer"));
    let tokens = (Method::Post, "/api/v1/tokens");
    let (token, entry) = trail
        .write(
            tokens,
            tokens.1,
            json!({"user": "zhang", "label": "名册同步"}),
            "create",
        )
        .await;
    let secret = token["token"].as_str().unwrap_or("no token");
    assert!(
        !entry.to_string().contains(secret),
        "the token reached the log"
    );
    let revoke = (Method::Delete, "/api/v1/tokens/<id>");
    trail
        .write(
            revoke,
            &format!("/api/v1/tokens/{}", token["id"]),
            Value::Null,
            "revoke",
        )
        .await;
}

async fn registers(trail: &mut Trail<'_>) {
    let create = (Method::Post, "/api/v1/enterprises");
    let (enterprise, entry) = trail
        .write(
            create,
            create.1,
            json!({"name": "秭归县屈原茶业有限公司"}),
            "create",
        )
        .await;
    assert_eq!(entry["entity_id"], enterprise["id"].to_string(), "{entry}");
    let update = (Method::Put, "/api/v1/enterprises/<id>");
    let path = format!("/api/v1/enterprises/{}", enterprise["id"]);
    let (_, entry) = trail
        .write(
            update,
            &path,
            json!({"version": enterprise["version"], "name": "秭归县屈原茶业有限公司", "address": "茅坪镇"}),
            "update",
        )
        .await;
    assert_change(&entry, "address", Value::Null, json!("茅坪镇"));
    // Records are archived, not deleted: a DELETE is refused and writes nothing.
    let delete = (Method::Delete, "/api/v1/<register>/<id>");
    trail.refused(delete, &path, Status::MethodNotAllowed).await;
    let names = (Method::Post, "/api/v1/enterprises/<id>/names");
    let (_, entry) = trail
        .write(
            names,
            &format!("{path}/names"),
            json!({"name": "屈原茶业"}),
            "link",
        )
        .await;
    assert_change(&entry, "alias", Value::Null, json!("屈原茶业"));
    trail
        .archive("/api/v1/enterprises/<id>/<action>", &path)
        .await;

    let create = (Method::Post, "/api/v1/patents");
    let (patent, _) = trail
        .write(
            create,
            create.1,
            json!({"application_number": "201710601862.3", "title": "一种茶叶揉捻装置", "applicants": ["张三"], "filed_on": "2017-07-21"}),
            "create",
        )
        .await;
    let path = format!("/api/v1/patents/{}", patent["id"]);
    let update = (Method::Put, "/api/v1/patents/<id>");
    let (_, entry) = trail
        .write(
            update,
            &path,
            json!({"version": patent["version"], "application_number": "201710601862.3", "title": "一种茶叶揉捻机", "applicants": ["张三"], "filed_on": "2017-07-21"}),
            "update",
        )
        .await;
    assert_change(
        &entry,
        "title",
        json!("一种茶叶揉捻装置"),
        json!("一种茶叶揉捻机"),
    );
    let event = (Method::Post, "/api/v1/patents/<id>/events");
    let (_, entry) = trail
        .write(
            event,
            &format!("{path}/events"),
            json!({"status": "granted", "on": "2018-03-15"}),
            "event",
        )
        .await;
    assert_eq!(entry["changes"]["status"]["new"], "granted", "{entry}");
    trail.archive("/api/v1/patents/<id>/<action>", &path).await;

    let (visited, _) = trail
        .write(
            (Method::Post, "/api/v1/enterprises"),
            "/api/v1/enterprises",
            json!({"name": "秭归县新开的科技有限公司"}),
            "create",
        )
        .await;
    for (register, body, field, new) in [
        (
            "events",
            json!({"kind": "lecture", "title": "专利讲座", "starts_on": "2026-04-26"}),
            "title",
            json!("专利知识讲座"),
        ),
        (
            "visits",
            json!({"enterprise_id": visited["id"], "visited_on": "2026-05-12", "topics": ["patent_filing"]}),
            "needs",
            json!("希望有人指导"),
        ),
        (
            "inspections",
            json!({"title": "春节检查", "starts_on": "2026-01-12", "lead_agency": "县市场监督管理局"}),
            "title",
            json!("元旦春节检查"),
        ),
    ] {
        register_round(trail, register, body, field, new).await;
    }

    // The township of the enterprise's patent, given to the enterprise that has none.
    let number = crate::reports::number(2018, 1, 1);
    let patent = json!({"application_number": number, "title": "一种脐橙分拣装置",
        "applicants": [visited["name"]], "filed_on": "2018-03-01", "township": "茅坪"});
    let create = (Method::Post, "/api/v1/patents");
    trail.write(create, create.1, patent, "create").await;
    let fill = (Method::Post, "/api/v1/enterprises/townships");
    let only = json!({"enterprise_ids": [visited["id"]]});
    let (given, entry) = trail.write(fill, fill.1, only, "update").await;
    assert_eq!(given["given"][0]["township"], "茅坪", "{given}");
    assert_change(&entry, "township", Value::Null, json!("茅坪"));
}

/// Create, update one field, archive — each one audited entry, the update with old and new.
async fn register_round(
    trail: &mut Trail<'_>,
    register: &str,
    body: Value,
    field: &str,
    new: Value,
) {
    let routes: [&'static str; 3] = match register {
        "events" => [
            "/api/v1/events",
            "/api/v1/events/<id>",
            "/api/v1/events/<id>/<action>",
        ],
        "visits" => [
            "/api/v1/visits",
            "/api/v1/visits/<id>",
            "/api/v1/visits/<id>/<action>",
        ],
        _ => [
            "/api/v1/inspections",
            "/api/v1/inspections/<id>",
            "/api/v1/inspections/<id>/<action>",
        ],
    };
    let (created, _) = trail
        .write((Method::Post, routes[0]), routes[0], body, "create")
        .await;
    let path = format!("{}/{}", routes[0], created["id"]);
    let mut changed = created.clone();
    changed[field] = new.clone();
    let (updated, entry) = trail
        .write((Method::Put, routes[1]), &path, changed, "update")
        .await;
    assert_change(&entry, field, created[field].clone(), new);
    trail
        .write(
            (Method::Post, routes[2]),
            &format!("{path}/archive"),
            json!({"version": updated["version"]}),
            "archive",
        )
        .await;
}

async fn cases_and_calendar(trail: &mut Trail<'_>) {
    let create = (Method::Post, "/api/v1/cases");
    let (case, _) = trail
        .write(
            create,
            create.1,
            crate::cases::counterfeit("2026-03-02"),
            "create",
        )
        .await;
    let path = format!("/api/v1/cases/{}", case["id"]);
    let mut changed = case.clone();
    changed["product"] = json!("电水壶");
    let update = (Method::Put, "/api/v1/cases/<id>");
    let (_, entry) = trail.write(update, &path, changed, "update").await;
    assert_change(&entry, "product", json!("电热水壶"), json!("电水壶"));
    let step = (Method::Post, "/api/v1/cases/<id>/steps");
    trail
        .write(
            step,
            &format!("{path}/steps"),
            json!({"step": "accepted", "on": "2026-03-05"}),
            "step",
        )
        .await;
    let attach = (Method::Post, "/api/v1/cases/<id>/attachments");
    let photo: Vec<u8> = (0..=255u8).cycle().take(2000).collect();
    let (_, entry) = trail
        .upload(
            attach,
            &format!("{path}/attachments"),
            &[],
            ("现场照片.jpg", &photo),
            "attach",
        )
        .await;
    assert_eq!(
        entry["changes"]["file_name"]["new"], "现场照片.jpg",
        "{entry}"
    );
    trail.archive("/api/v1/cases/<id>/<action>", &path).await;

    let import = (Method::Post, "/api/v1/calendar/import");
    let notice = crate::calendar::national_day_2026();
    trail
        .upload(
            import,
            import.1,
            &[],
            ("2026节假日.xlsx", &notice),
            "import",
        )
        .await;
    let day = (Method::Put, "/api/v1/calendar/<day>");
    let (_, entry) = trail
        .write(
            day,
            "/api/v1/calendar/2026-09-20",
            json!({"kind": "workday", "name": "国庆调休"}),
            "set",
        )
        .await;
    assert_change(&entry, "day", Value::Null, json!("workday 国庆调休"));
    let remove = (Method::Delete, "/api/v1/calendar/<day>");
    trail
        .write(remove, "/api/v1/calendar/2026-09-20", Value::Null, "remove")
        .await;
    let load = (Method::Post, "/api/v1/calendar/notices/<year>");
    let (_, entry) = trail
        .write(load, "/api/v1/calendar/notices/2026", Value::Null, "import")
        .await;
    assert_eq!(
        entry["changes"]["replaced"]["new"],
        json!({"years": [2026], "holidays": 33, "workdays": 6}),
        "{entry}"
    );
    let rule = (Method::Put, "/api/v1/deadline-rules/<code>");
    let (_, entry) = trail
        .write(
            rule,
            "/api/v1/deadline-rules/counterfeiting_decision",
            json!({"period": {"amount": 60, "unit": "days"}}),
            "set",
        )
        .await;
    assert_change(
        &entry,
        "period",
        json!({"amount": 90, "unit": "days"}),
        json!({"amount": 60, "unit": "days"}),
    );
    let reset = (Method::Delete, "/api/v1/deadline-rules/<code>");
    trail
        .write(
            reset,
            "/api/v1/deadline-rules/counterfeiting_decision",
            Value::Null,
            "reset",
        )
        .await;
    let target = (Method::Put, "/api/v1/targets");
    let (_, entry) = trail
        .write(
            target,
            target.1,
            json!({"year": 2026, "metric": "grants", "value": 40}),
            "create",
        )
        .await;
    assert_change(&entry, "value", Value::Null, json!(40));
    // Set again: the same target changes, from 40 to 45.
    let (_, entry) = trail
        .write(
            target,
            target.1,
            json!({"year": 2026, "metric": "grants", "value": 45}),
            "update",
        )
        .await;
    assert_change(&entry, "value", json!(40), json!(45));
}

async fn imports(trail: &mut Trail<'_>) {
    let import = (Method::Post, "/api/v1/imports");
    let roster = roster_of(3, 25);
    let (report, entry) = trail
        .upload(import, import.1, &[], ("名册.xlsx", &roster), "import")
        .await;
    assert_eq!(report["new"], 25, "{report}");
    assert_eq!(
        entry["entity_id"],
        report["batch_id"].to_string(),
        "{entry}"
    );
    let undo = (Method::Post, "/api/v1/imports/<id>/undo");
    trail
        .write(
            undo,
            &format!("/api/v1/imports/{}/undo", report["batch_id"]),
            Value::Null,
            "undo",
        )
        .await;
}

/// The samples load into an empty desk only, so on a desk of their own: each roster is an import
/// like any other, one audit entry each, beside the entries of the settings they bring.
#[rocket::async_test]
async fn the_samples_are_imports_of_one_entry_each() {
    let app = TestApp::admin().await;
    let before = newest_id(&app).await;
    // Dated as authored, so the cases run in 2026, a year whose holidays ipdesk knows.
    let dated = format!("{DEMO}?as_of=2026-11-30");
    let page = app.send_json(Method::Post, &dated, "{}").await;
    assert!(page.status.code < 300, "{}", page.body);
    let entries = entries_since(&app, before).await;
    let batches = app.get("/api/v1/imports").await.json();
    let batches = batches["items"].as_array().map_or(0, Vec::len);
    assert!(batches > 0, "no imports");
    // The county and its townships, set for the samples, are audited like any setting; each
    // roster is one entry, however many rows it brought.
    // The samples' year of holidays, loaded for the sample cases' deadlines, is one more.
    let imports = |of_calendar: bool| {
        entries
            .iter()
            .filter(|e| e["action"] == "import" && (e["entity"] == "calendar") == of_calendar)
            .count()
    };
    assert_eq!(imports(false), batches, "{entries:#?}");
    assert_eq!(imports(true), 1, "{entries:#?}");
    assert!(
        entries
            .iter()
            .all(|e| ["import", "create", "update"].contains(&e["action"].as_str().unwrap_or(""))),
        "{entries:#?}"
    );
}

/// A save that changes nothing (a form pressed 保存 unchanged, a script putting back what it
/// read) leaves no trace in any register: the same version, no audit entry, and an import's
/// undo still takes back what the import made.
#[rocket::async_test]
async fn a_save_that_changes_nothing_leaves_no_trace() {
    let app = TestApp::admin().await;
    let dated = format!("{DEMO}?as_of=2026-11-30");
    let page = app.send_json(Method::Post, &dated, "{}").await;
    assert!(page.status.code < 300, "{}", page.body);
    for register in crate::support::REGISTERS {
        let list = app
            .get(&format!("/api/v1/{register}?per_page=1"))
            .await
            .json();
        let id = &list["items"][0]["id"];
        let path = format!("/api/v1/{register}/{id}");
        let read = app.get(&path).await.json();
        let before = newest_id(&app).await;
        let saved = app.send_json(Method::Put, &path, &read.to_string()).await;
        assert_eq!(saved.status, Status::Ok, "{path}: {}", saved.body);
        assert_eq!(saved.json()["version"], read["version"], "{path}");
        assert_eq!(app.get(&path).await.json(), read, "{path}");
        let since = entries_since(&app, before).await;
        assert!(since.is_empty(), "{path} left {since:#?}");
        // Putting back the same values again, at the version read, is still no conflict.
        let again = app.send_json(Method::Put, &path, &read.to_string()).await;
        assert_eq!(again.status, Status::Ok, "{path}: {}", again.body);
    }
    // An edit that does change the event is kept, as ever.
    let events = app.get("/api/v1/events?per_page=1").await.json();
    let path = format!("/api/v1/events/{}", events["items"][0]["id"]);
    let mut event = app.get(&path).await.json();
    let version = event["version"].as_i64().unwrap();
    event["location"] = json!("县城滨湖广场东侧");
    let saved = app.send_json(Method::Put, &path, &event.to_string()).await;
    assert_eq!(saved.json()["version"], version + 1, "{}", saved.body);
    let batches = app.get("/api/v1/imports").await.json();
    let batch_of = |register: &str| {
        let items = batches["items"].as_array().unwrap();
        let batch = items.iter().find(|b| b["register"] == register).unwrap();
        batch["batch_id"].clone()
    };
    let undo = |register: &str| format!("/api/v1/imports/{}/undo", batch_of(register));
    let undone = app
        .send_json(Method::Post, &undo("visits"), "{}")
        .await
        .json();
    assert_eq!(undone["conflicts"], json!([]), "{undone}");
    let undone = app
        .send_json(Method::Post, &undo("events"), "{}")
        .await
        .json();
    assert_eq!(
        undone["conflicts"].as_array().map(Vec::len),
        Some(1),
        "{undone}"
    );
    the_settings_saved_unchanged_leave_no_trace(&app).await;
}

/// The settings, a list's item, a user, a deadline rule and a target, each saved as they are.
async fn the_settings_saved_unchanged_leave_no_trace(app: &TestApp) {
    let target = json!({"year": 2026, "metric": "grants", "value": 40});
    let set = app
        .send_json(Method::Put, "/api/v1/targets", &target.to_string())
        .await;
    assert_eq!(set.status, Status::Ok, "{}", set.body);
    let township = &app.get("/api/v1/townships").await.json()[0];
    let user = &app.get("/api/v1/users").await.json()[0];
    let before = newest_id(app).await;
    let saves = [
        (
            Method::Put,
            "/api/v1/settings/jurisdiction".to_owned(),
            json!({"county": "秭归县", "aliases": [], "case_prefix": "秭"}),
        ),
        (
            Method::Put,
            "/api/v1/settings/timezone".to_owned(),
            json!({"timezone": "Asia/Shanghai"}),
        ),
        (
            Method::Patch,
            format!("/api/v1/townships/{}", township["id"]),
            json!({"version": township["version"], "name": township["name"]}),
        ),
        (
            Method::Patch,
            format!("/api/v1/users/{}", user["id"]),
            json!({"version": user["version"], "role": user["role"]}),
        ),
        (
            Method::Put,
            "/api/v1/deadline-rules/service".to_owned(),
            json!({"period": {"amount": 7, "unit": "days"}}),
        ),
        (
            Method::Delete,
            "/api/v1/deadline-rules/service".to_owned(),
            Value::Null,
        ),
        (Method::Put, "/api/v1/targets".to_owned(), target),
    ];
    for (method, path, body) in saves {
        let page = app.send_json(method, &path, &body.to_string()).await;
        assert!(
            page.status.code < 300,
            "{path}: {} {}",
            page.status,
            page.body
        );
        let version = page.json()["version"].clone();
        if !version.is_null() {
            assert!(version.as_i64() < Some(2), "{path}: {}", page.body);
        }
    }
    let since = entries_since(app, before).await;
    assert!(since.is_empty(), "{since:#?}");
}

#[rocket::async_test]
async fn no_route_changes_the_audit_log() {
    let app = TestApp::admin().await;
    let writes: Vec<String> = app
        .client
        .rocket()
        .routes()
        .filter(|route| route.uri.path().contains("audit") && route.method != Method::Get)
        .map(|route| format!("{} {}", route.method, route.uri))
        .collect();
    assert!(
        writes.is_empty(),
        "routes that write to the audit log: {writes:?}"
    );
    for method in [Method::Post, Method::Put, Method::Patch, Method::Delete] {
        let page = app.send_json(method, "/api/v1/audit", "{}").await;
        assert!(
            [Status::NotFound, Status::MethodNotAllowed].contains(&page.status),
            "{method} /api/v1/audit: {}",
            page.status
        );
    }
}

/// The log's filters are read or refused, never left out: an unread `from` showed the whole log as
/// if it were the days asked for.
#[rocket::async_test]
async fn the_log_is_filtered_by_what_it_can_read_and_refuses_the_rest() {
    let app = TestApp::admin().await;
    let today = ipdesk::clock::today(ipdesk::settings::Timezone::default());
    let tomorrow = today.succ_opt().unwrap();
    let since_today = app.get(&format!("/api/v1/audit?from={today}")).await;
    assert_eq!(since_today.status, Status::Ok, "{}", since_today.body);
    assert!(since_today.json()["total"].as_u64().unwrap() > 0);
    let since_tomorrow = app.get(&format!("/api/v1/audit?from={tomorrow}")).await;
    assert_eq!(since_tomorrow.json()["total"], 0, "{}", since_tomorrow.body);
    for (query, field) in [
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
        ("user=wang", "user"),
        // A kind of record misspelt answered an empty log, as if nothing had been done to any.
        ("entity=townhsip", "entity"),
    ] {
        let refused = app.get(&format!("/api/v1/audit?{query}")).await;
        assert_eq!(refused.status, Status::UnprocessableEntity, "{query}");
        assert!(
            refused.json()["error"]["fields"][field].is_string(),
            "{query}: {}",
            refused.body
        );
        let page = app.get(&format!("/admin/audit?{query}")).await;
        assert_eq!(page.status, Status::UnprocessableEntity, "{query}");
    }
    let page = app.get("/admin/audit?from=2026-13-01").await;
    page.assert_contains(&["“2026-13-01”不是有效的日期"]);
    app.get("/api/v1/audit?entity=townhsip")
        .await
        .assert_refused_on(
            "entity",
            "没有“townhsip”这种对象，可选：agency、api_token、calendar、",
        );
    // Every kind the log names is one the filter takes, even before anything of it was done.
    let none_yet = app.get("/api/v1/audit?entity=calendar_day").await;
    assert_eq!(none_yet.json()["total"], 0, "{}", none_yet.body);
    let nobody = app.get("/api/v1/audit?user=nobody").await;
    assert_eq!(
        nobody.status,
        Status::UnprocessableEntity,
        "{}",
        nobody.body
    );
    assert!(nobody.json()["error"]["fields"]["user"].is_string());

    // As the CLI's flags: the user by name, and one record of an entity by its id.
    for name in ["甲", "乙"] {
        let added = app
            .send_json(
                Method::Post,
                "/api/v1/townships",
                &json!({"name": format!("{name}镇")}).to_string(),
            )
            .await;
        assert_eq!(added.status, Status::Created, "{}", added.body);
    }
    let second = app.get("/api/v1/townships").await.json()[1]["id"].to_string();
    let by_name = app
        .get("/api/v1/audit?user=admin&entity=township")
        .await
        .json();
    assert_eq!(by_name["total"], 2, "{by_name}");
    let one = app
        .get(&format!(
            "/api/v1/audit?user=admin&entity=township&id={second}"
        ))
        .await
        .json();
    assert_eq!(one["total"], 1, "{one}");
    assert_eq!(one["entries"][0]["entity_id"], second.as_str(), "{one}");
    assert_eq!(one["entries"][0]["actor"], "admin", "{one}");
    assert_eq!(one["entries"][0]["actor_name"], "admin 姓名", "{one}");
    let page = app
        .get(&format!(
            "/admin/audit?user=admin&entity=township&id={second}"
        ))
        .await;
    assert_eq!(page.status, Status::Ok);
    page.assert_contains(&[
        &format!("name=\"id\" type=\"text\" value=\"{second}\">"),
        &format!("#{second}</td>"),
        "<td>admin 姓名（admin）",
    ]);
}
