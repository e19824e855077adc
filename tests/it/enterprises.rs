//! The enterprise register: credit codes, unique names, pinyin order, pages and API.

use rocket::http::{Method, Status};
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::support::TestApp;

async fn post(app: &TestApp, body: serde_json::Value) -> crate::support::Page {
    app.send_json(Method::Post, "/api/v1/enterprises", &body.to_string())
        .await
}

#[rocket::async_test]
async fn enterprises_round_trip_with_the_documented_fields() {
    let app = TestApp::admin().await;
    app.send_json(Method::Post, "/api/v1/townships", r#"{"name":"茅坪镇"}"#)
        .await;
    let body = json!({
        "name": "秭归县屈原茶业有限公司",
        "credit_code": "91350100m000100y43",
        "township": "茅坪镇",
        "industry": "茶叶加工",
        "high_tech": {"certificate_number": "GR202442000123", "issued_on": "2024-12-01", "expires_on": "2027-11-30"},
        "tech_sme": true,
        "contact_name": "王经理",
        "contact_phone": "0717-1234567",
    });
    let created = post(&app, body).await;
    assert_eq!(created.status, Status::Created, "{}", created.body);
    let e = created.json();
    assert_eq!(e["credit_code"], "91350100M000100Y43");
    assert_eq!(
        e["high_tech"],
        json!({"certificate_number": "GR202442000123", "issued_on": "2024-12-01", "expires_on": "2027-11-30"})
    );
    assert_eq!(e["tech_sme"], true);
    assert_eq!(e["township"], "茅坪镇");
    for field in [
        "id",
        "name",
        "credit_code",
        "township",
        "address",
        "industry",
        "high_tech",
        "tech_sme",
        "contact_name",
        "contact_phone",
        "notes",
        "version",
    ] {
        assert!(e.get(field).is_some(), "missing {field}");
    }
    let id = e["id"].as_i64().unwrap();
    let put = app
        .send_json(
            Method::Put,
            &format!("/api/v1/enterprises/{id}"),
            r#"{"version":1,"name":"秭归县屈原茶业有限公司","high_tech":null}"#,
        )
        .await;
    assert_eq!(put.status, Status::Ok, "{}", put.body);
    assert_eq!(put.json()["high_tech"], serde_json::Value::Null);
    let stale = app
        .send_json(
            Method::Put,
            &format!("/api/v1/enterprises/{id}"),
            r#"{"version":1,"name":"别的名字"}"#,
        )
        .await;
    assert_eq!(stale.status, Status::Conflict);
}

#[rocket::async_test]
async fn names_are_unique_after_normalisation_and_codes_are_checked() {
    let app = TestApp::admin().await;
    assert_eq!(
        post(&app, json!({"name": "宜昌（秭归）电子有限公司"}))
            .await
            .status,
        Status::Created
    );
    let again = post(&app, json!({"name": "宜昌 (秭归) 电子有限公司"})).await;
    assert_eq!(again.status, Status::UnprocessableEntity);
    assert!(
        again.json()["error"]["fields"]["name"]
            .as_str()
            .unwrap()
            .contains("已经登记")
    );
    let bad = post(
        &app,
        json!({"name": "乙公司", "credit_code": "91350100M000100Y44"}),
    )
    .await;
    assert_eq!(bad.status, Status::UnprocessableEntity);
    assert!(
        bad.json()["error"]["fields"]["credit_code"]
            .as_str()
            .unwrap()
            .contains("应为 3")
    );
    assert_eq!(
        post(
            &app,
            json!({"name": "丙公司", "credit_code": "91350100M000100Y43"})
        )
        .await
        .status,
        Status::Created
    );
    let taken = post(
        &app,
        json!({"name": "丁公司", "credit_code": "91350100M000100Y43"}),
    )
    .await;
    assert!(
        taken.json()["error"]["fields"]["credit_code"]
            .as_str()
            .unwrap()
            .contains("丙公司")
    );
    assert_eq!(app.get("/api/v1/enterprises").await.json()["total"], 2);
}

#[rocket::async_test]
async fn the_register_sorts_in_pinyin_order() {
    let app = TestApp::admin().await;
    for name in ["张家茶厂", "安琪酵母", "宜昌电子", "北京公司"] {
        post(&app, json!({"name": name})).await;
    }
    let list = app.get("/api/v1/enterprises").await.json();
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["安琪酵母", "北京公司", "宜昌电子", "张家茶厂"]);
    let page = app.get("/enterprises").await;
    let positions: Vec<usize> = ["安琪酵母", "北京公司", "宜昌电子", "张家茶厂"]
        .iter()
        .map(|n| page.body.find(n).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
}

#[rocket::async_test]
async fn the_enterprise_form_keeps_values_and_names_problems() {
    let app = TestApp::admin().await;
    let page = app
        .post_form(
            "/enterprises",
            &[
                ("name", ""),
                ("credit_code", "123"),
                ("high_tech_issued_on", "2025-01-01"),
                ("high_tech_expires_on", "2024-01-01"),
            ],
        )
        .await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    page.assert_contains(&[
        "请填写企业名称。",
        "不是有效的统一社会信用代码",
        "有效期应晚于发证日期",
        "value=\"123\"",
    ]);
    let ok = app
        .post_form(
            "/enterprises",
            &[("name", "秭归县橘颂柑橘专业合作社"), ("tech_sme", "true")],
        )
        .await;
    assert_eq!(ok.status, Status::SeeOther);
    app.follow(&ok)
        .await
        .assert_contains(&["已登记企业“秭归县橘颂柑橘专业合作社”。", "科技型中小企业"]);
}

#[rocket::async_test]
async fn enterprises_without_a_township_get_the_one_their_patents_are_in() {
    let app = TestApp::admin().await;
    for name in ["茅坪镇", "归州镇"] {
        let page = app
            .send_json(
                Method::Post,
                "/api/v1/townships",
                &json!({ "name": name }).to_string(),
            )
            .await;
        assert_eq!(page.status, Status::Created, "{}", page.body);
    }
    let mut ids = Vec::new();
    for name in [
        "秭归县屈乡脐橙有限公司",
        "秭归县屈原茶业有限公司",
        "秭归县机械厂",
    ] {
        let page = post(&app, json!({ "name": name })).await;
        assert_eq!(page.status, Status::Created, "{}", page.body);
        ids.push(page.json()["id"].as_i64().unwrap());
    }
    // The orange company's patents are mostly in 茅坪镇 (one is second applicant elsewhere and
    // does not count); the tea company's are split evenly, so it is left to the officer; the
    // mill has no patents.
    let patents = [
        (1, vec!["秭归县屈乡脐橙有限公司"], "茅坪镇"),
        (2, vec!["秭归县屈乡脐橙有限公司"], "茅坪镇"),
        (3, vec!["秭归县屈乡脐橙有限公司"], "归州镇"),
        (
            4,
            vec!["秭归县屈原茶业有限公司", "秭归县屈乡脐橙有限公司"],
            "归州镇",
        ),
        (5, vec!["秭归县屈原茶业有限公司"], "茅坪镇"),
    ];
    for (serial, applicants, township) in patents {
        let body = json!({
            "application_number": crate::reports::number(2025, 1, serial),
            "title": format!("一种装置{serial}"),
            "applicants": applicants,
            "filed_on": "2025-03-01",
            "township": township,
        });
        let page = app
            .send_json(Method::Post, "/api/v1/patents", &body.to_string())
            .await;
        assert_eq!(page.status, Status::Created, "{}", page.body);
    }
    let suggested = app.get("/api/v1/enterprises/townships").await.json();
    assert_eq!(
        suggested["items"].as_array().unwrap().len(),
        1,
        "{suggested}"
    );
    let orange = &suggested["items"][0];
    assert_eq!(orange["enterprise_id"], ids[0]);
    assert_eq!(orange["township"], "茅坪镇");
    assert_eq!(
        (orange["patents"].as_i64(), orange["of"].as_i64()),
        (Some(2), Some(3))
    );

    let page = app.get("/enterprises/townships").await;
    page.assert_contains(&[
        "按专利地址补全企业的乡镇",
        "秭归县屈乡脐橙有限公司",
        "茅坪镇",
        "3 件中 2 件",
    ]);
    page.assert_lacks(&["秭归县屈原茶业有限公司", "秭归县机械厂"]);
    app.get("/enterprises")
        .await
        .assert_contains(&["/enterprises/townships"]);
    let nothing = app.post_form("/enterprises/townships", &[]).await;
    assert_eq!(nothing.status, Status::SeeOther);
    app.follow(&nothing)
        .await
        .assert_contains(&["请至少勾选一家企业。"]);

    // A patent roster's import ends by pointing to the suggestions.
    let token = app.token_for("admin").await;
    let number = crate::reports::number(2025, 2, 9);
    let roster = crate::imports::xlsx(&[
        &["申请号", "专利名称", "申请人", "申请日"],
        &[
            &number,
            "一种柑橘分拣装置",
            "秭归县新来的果业公司",
            "2025-03-02",
        ],
    ]);
    let imported = crate::imports::api_import(&app, &token, "r.xlsx", &roster, &[]).await;
    assert!(imported.status.code < 300, "{}", imported.body);
    assert_eq!(imported.json()["townships_to_fill"], 1, "{}", imported.body);
    let batch = imported.json()["batch_id"].clone();
    let result = app.get(&format!("/imports/{batch}")).await;
    result.assert_contains(&[
        "1 家企业还没有登记乡镇，可按其专利地址补全。",
        "/enterprises/townships",
    ]);

    // The enterprise's page offers its township too, and filling it there returns to the page.
    let id = ids[0].to_string();
    let page = app.get(&format!("/enterprises/{id}")).await;
    page.assert_contains(&["专利地址多在茅坪镇（3 件中 2 件）", "补全为茅坪镇"]);
    let tea = app.get(&format!("/enterprises/{}", ids[1])).await;
    tea.assert_lacks(&["专利地址多在"]);
    let fields = [("enterprises", id.as_str()), ("back", "enterprise")];
    let done = app.post_form("/enterprises/townships", &fields).await;
    assert_eq!(done.status, Status::SeeOther, "{}", done.body);
    let page = app.follow(&done).await;
    page.assert_contains(&["已为 1 家企业补全乡镇。", "秭归县屈乡脐橙有限公司"]);
    page.assert_lacks(&["专利地址多在"]);
    app.get("/enterprises/townships")
        .await
        .assert_contains(&["没有可按专利地址补全乡镇的企业"]);
    let result = app.get(&format!("/imports/{batch}")).await;
    result.assert_lacks(&["家企业还没有登记乡镇"]);
    let shown = app.get(&format!("/api/v1/enterprises/{id}")).await.json();
    assert_eq!(shown["township"], "茅坪镇");
    assert_eq!(shown["version"], 2);
    // Nothing more to give: the API answers an empty list, and applying gives nothing.
    let given = app
        .send_json(Method::Post, "/api/v1/enterprises/townships", "{}")
        .await;
    assert_eq!(given.status, Status::Ok, "{}", given.body);
    assert_eq!(given.json()["given"], json!([]));

    app.switch_to_english().await;
    let page = app.get("/enterprises/townships").await;
    page.assert_contains(&[
        "Townships for enterprises from their patents",
        "every enterprise has one",
    ]);
}

/// A province's rosters leave thousands of enterprises without a township: the suggestions come
/// a page at a time, by the township suggested, and all of them (or all of one township) can be
/// given at once.
#[rocket::async_test]
async fn township_suggestions_come_by_page_and_township_and_all_at_once() {
    let app = TestApp::admin().await;
    for name in ["茅坪镇", "归州镇"] {
        let body = json!({ "name": name }).to_string();
        let page = app
            .send_json(Method::Post, "/api/v1/townships", &body)
            .await;
        assert_eq!(page.status, Status::Created, "{}", page.body);
    }
    // Sixty enterprises of a list that names no township; forty have their patents in 茅坪镇.
    let names: Vec<String> = (1..=60)
        .map(|i| format!("秭归县第{i:02}果业有限公司"))
        .collect();
    let mut enterprises = vec![vec!["企业名称".to_owned(), "联系人".to_owned()]];
    enterprises.extend(names.iter().map(|n| vec![n.clone(), "王经理".to_owned()]));
    let mut patents = vec![["申请号", "专利名称", "申请人", "申请日", "乡镇"].map(String::from)];
    for (i, name) in names.iter().enumerate() {
        let township = if i < 40 { "茅坪镇" } else { "归州镇" };
        patents.push([
            crate::reports::number(2025, 1, i as u32 + 1),
            format!("一种果品分拣装置{i}"),
            name.clone(),
            "2025-03-01".to_owned(),
            township.to_owned(),
        ]);
    }
    let token = app.token_for("admin").await;
    for (file, rows, register) in [
        ("e.xlsx", enterprises, "enterprises"),
        (
            "p.xlsx",
            patents.into_iter().map(Vec::from).collect(),
            "patents",
        ),
    ] {
        let rows: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect();
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let book = crate::imports::xlsx(&rows);
        let fields = [("register", register)];
        let imported = crate::imports::api_import(&app, &token, file, &book, &fields).await;
        assert_eq!(imported.json()["new"], 60, "{}", imported.body);
    }

    let all = app.get("/api/v1/enterprises/townships").await.json();
    assert_eq!(
        (all["total"].as_u64(), all["per_page"].as_u64()),
        (Some(60), Some(50))
    );
    assert_eq!(all["items"].as_array().map(Vec::len), Some(50), "{all}");
    let tally = json!([
        { "township": "茅坪镇", "enterprises": 40 },
        { "township": "归州镇", "enterprises": 20 },
    ]);
    assert_eq!(all["townships"], tally);
    let second = app.get("/api/v1/enterprises/townships?page=2").await.json();
    assert_eq!(
        second["items"].as_array().map(Vec::len),
        Some(10),
        "{second}"
    );
    let of_one = "/api/v1/enterprises/townships?township=%E5%BD%92%E5%B7%9E%E9%95%87";
    let of_one = app.get(of_one).await.json();
    assert_eq!(of_one["total"], 20, "{of_one}");
    assert!(every_item(&of_one, "township", "归州镇"), "{of_one}");

    // The page: the townships as filters, a page of 50, and a button for all 60.
    let page = app.get("/enterprises/townships").await;
    page.assert_contains(&[
        "茅坪镇 <span class=\"count\">40</span>",
        "为全部 60 家企业补全乡镇",
    ]);
    page.assert_contains(&["秭归县第01果业有限公司", "page=2"]);
    page.assert_lacks(&["秭归县第60果业有限公司"]);
    let of_maoping = app
        .get("/enterprises/townships?township=%E8%8C%85%E5%9D%AA%E9%95%87")
        .await;
    of_maoping.assert_contains(&["秭归县第40果业有限公司", "aria-current=\"true\">茅坪镇"]);
    of_maoping.assert_lacks(&["秭归县第41果业有限公司", "全部 40 家"]);

    // The suggestions are kept between views, but a commit from anywhere — here a connection of
    // its own, as another instance or the CLI would — is seen by the next view.
    let elsewhere = app._database.connect().await;
    let set_township = |to: &str| {
        format!(
            "UPDATE enterprises SET township_id = {to} \
             WHERE name = '秭归县第60果业有限公司'"
        )
    };
    let total = || async { app.get("/api/v1/enterprises/townships").await.json()["total"].clone() };
    let some = "(SELECT MIN(id) FROM townships)";
    elsewhere
        .execute_unprepared(&set_township(some))
        .await
        .unwrap();
    assert_eq!(total().await, 59);
    elsewhere
        .execute_unprepared(&set_township("NULL"))
        .await
        .unwrap();
    assert_eq!(total().await, 60);

    // All of one township at once, back to its (now empty) page; the others stay.
    let fields = [("all", "true"), ("township", "茅坪镇")];
    let done = app.post_form("/enterprises/townships", &fields).await;
    assert_eq!(done.status, Status::SeeOther, "{}", done.body);
    let page = app.follow(&done).await;
    page.assert_contains(&["已为 40 家企业补全乡镇。", "没有建议补全为茅坪镇的企业了。"]);
    page.assert_contains(&["归州镇 <span class=\"count\">20</span>"]);
    let first = app
        .get("/api/v1/enterprises?township=%E8%8C%85%E5%9D%AA%E9%95%87")
        .await
        .json();
    assert_eq!(first["total"], 40, "{first}");
    assert!(every_item(&first, "version", 2), "{first}");
    // Each one given is audited as the enterprise's update.
    let audited = app.get("/api/v1/audit?entity=enterprise").await.json();
    assert_eq!(audited["total"], 40, "{audited}");

    // The API refuses a township not in the list, and gives all of one that is.
    let unknown = json!({ "township": "不存在镇" }).to_string();
    let unknown = app
        .send_json(Method::Post, "/api/v1/enterprises/townships", &unknown)
        .await;
    assert_eq!(unknown.status, Status::NotFound, "{}", unknown.body);
    assert!(
        unknown.body.contains("找不到名为“不存在镇”的乡镇。"),
        "{}",
        unknown.body
    );
    let rest = json!({ "township": "归州镇" }).to_string();
    let rest = app
        .send_json(Method::Post, "/api/v1/enterprises/townships", &rest)
        .await;
    assert_eq!(
        rest.json()["given"].as_array().map(Vec::len),
        Some(20),
        "{}",
        rest.body
    );

    app.switch_to_english().await;
    let page = app
        .get("/enterprises/townships?township=%E5%BD%92%E5%B7%9E%E9%95%87")
        .await;
    page.assert_contains(&["No enterprise is left to be given 归州镇."]);
}

/// Whether every item of an API page has `value` in `field`.
fn every_item(page: &serde_json::Value, field: &str, value: impl Into<serde_json::Value>) -> bool {
    let value = value.into();
    let items = page["items"].as_array();
    items.is_some_and(|items| items.iter().all(|item| item[field] == value))
}

#[rocket::async_test]
async fn the_dashboard_counts_the_enterprises_without_a_township() {
    let app = TestApp::admin().await;
    app.send_json(Method::Post, "/api/v1/townships", r#"{"name":"茅坪镇"}"#)
        .await;
    let mut ids = Vec::new();
    for body in [
        json!({"name": "秭归县屈乡脐橙有限公司"}),
        json!({"name": "秭归县屈原茶业有限公司"}),
        json!({"name": "秭归县机械厂", "township": "茅坪镇"}),
    ] {
        let page = post(&app, body).await;
        assert_eq!(page.status, Status::Created, "{}", page.body);
        ids.push(page.json()["id"].as_i64().unwrap());
    }
    let home = app.get("/").await;
    home.assert_contains(&[
        "2 家企业还没有登记所属乡镇",
        "<a href=\"/enterprises?township=-\">查看这 2 家企业</a>",
        "<a href=\"/enterprises/townships\">补全乡镇</a>",
    ]);
    // The link lists those two, as the API's filter does.
    let listed = app.get("/enterprises?township=-").await;
    listed.assert_contains(&["秭归县屈乡脐橙有限公司", "秭归县屈原茶业有限公司"]);
    listed.assert_lacks(&["秭归县机械厂"]);
    let api = app.get("/api/v1/enterprises?township=-").await.json();
    assert_eq!(api["total"], 2);

    // An archived enterprise is not asked for; one given a township no longer is.
    let archive = app
        .send_json(
            Method::Post,
            &format!("/api/v1/enterprises/{}/archive", ids[1]),
            r#"{"version":1}"#,
        )
        .await;
    assert_eq!(archive.status, Status::Ok, "{}", archive.body);
    app.switch_to_english().await;
    app.get("/").await.assert_contains(&[
        "1 enterprise has no township yet, so it is missing when enterprises or visits are listed by township.",
        ">See it</a>",
        ">Fill in townships</a>",
    ]);
    let given = app
        .send_json(
            Method::Put,
            &format!("/api/v1/enterprises/{}", ids[0]),
            &json!({"version": 1, "name": "秭归县屈乡脐橙有限公司", "township": "茅坪镇"})
                .to_string(),
        )
        .await;
    assert_eq!(given.status, Status::Ok, "{}", given.body);
    app.get("/").await.assert_lacks(&["no township yet"]);
}
