//! The settings through the JSON API.

use rocket::http::{Method, Status};
use serde_json::json;

use crate::support::TestApp;

#[rocket::async_test]
async fn the_jurisdiction_round_trips() {
    let app = TestApp::admin().await;
    let body =
        json!({"county": "秭归县", "aliases": ["秭归", "归州"], "case_prefix": "秭"}).to_string();
    let page = app
        .send_json(Method::Put, "/api/v1/settings/jurisdiction", &body)
        .await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    assert_eq!(page.json()["county"], "秭归县");
    let settings = app.get("/api/v1/settings").await.json();
    assert_eq!(
        settings,
        json!({"county": "秭归县", "aliases": ["秭归", "归州"], "case_prefix": "秭", "timezone": "Asia/Shanghai", "secure_cookies": false})
    );
}

#[rocket::async_test]
async fn validation_errors_name_the_fields_in_the_requested_language() {
    let app = TestApp::admin().await;
    let body = json!({"county": "", "aliases": ["a", "a"], "case_prefix": "a b"}).to_string();
    let page = app
        .send_json(Method::Put, "/api/v1/settings/jurisdiction", &body)
        .await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    let error = &page.json()["error"];
    assert_eq!(error["code"], "validation_failed");
    assert_eq!(error["fields"]["county"], "请填写县（区）名称。");
    assert!(error["fields"]["aliases"].is_string());
    assert!(error["fields"]["case_prefix"].is_string());

    let (status, body) = send_in_english(
        &app,
        Method::Put,
        "/api/v1/settings/timezone",
        r#"{"timezone": "Mars/Olympus"}"#,
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        body["error"]["fields"]["timezone"],
        "“Mars/Olympus” is not a known time zone; enter a name such as Asia/Shanghai."
    );
    assert_eq!(
        app.get("/api/v1/settings").await.json()["county"],
        serde_json::Value::Null
    );
}

#[rocket::async_test]
async fn townships_through_the_api() {
    let app = TestApp::admin().await;
    let created = app
        .send_json(Method::Post, "/api/v1/townships", r#"{"name": "茅坪镇"}"#)
        .await;
    assert_eq!(created.status, Status::Created);
    let id = created.json()["id"].as_i64().unwrap();
    app.send_json(Method::Post, "/api/v1/townships", r#"{"name": "归州镇"}"#)
        .await;

    let duplicate = app
        .send_json(Method::Post, "/api/v1/townships", r#"{"name": "茅坪镇"}"#)
        .await;
    assert_eq!(duplicate.status, Status::UnprocessableEntity);
    assert_eq!(
        duplicate.json()["error"]["fields"]["name"],
        "乡镇“茅坪镇”已经存在。"
    );

    let moved = app
        .send_json(
            Method::Patch,
            &format!("/api/v1/townships/{id}"),
            r#"{"version": 1, "position": 1}"#,
        )
        .await;
    assert_eq!(moved.status, Status::Ok, "{}", moved.body);
    assert_eq!(moved.json()["version"], 2);
    let names: Vec<String> = app
        .get("/api/v1/townships")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["归州镇", "茅坪镇"]);

    let stale = app
        .send_json(
            Method::Patch,
            &format!("/api/v1/townships/{id}"),
            r#"{"version": 1, "name": "x"}"#,
        )
        .await;
    assert_eq!(stale.status, Status::Conflict);
    assert_eq!(stale.json()["error"]["code"], "conflict");
    assert_eq!(
        app.get(&format!("/api/v1/townships/{id}")).await.json()["name"],
        "茅坪镇"
    );

    let archived = app
        .send_json(
            Method::Patch,
            &format!("/api/v1/townships/{id}"),
            r#"{"version": 2, "archived": true}"#,
        )
        .await;
    assert_eq!(archived.status, Status::Ok);
    assert!(archived.json()["archived_at"].is_string());
    assert_eq!(
        app.get("/api/v1/townships")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.get("/api/v1/townships?archived=true")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let missing = app.get("/api/v1/townships/999").await;
    assert_eq!(missing.status, Status::NotFound);
    assert_eq!(missing.json()["error"]["code"], "not_found");
}

#[rocket::async_test]
async fn agencies_are_listed_in_order() {
    let app = TestApp::admin().await;
    let list = app.get("/api/v1/agencies").await.json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "市场监督管理局(工商)",
            "质量技术监督局",
            "公安局",
            "教育局",
            "农业农村局",
            "卫生健康局"
        ]
    );
}

/// A record sent back as its answer gave it is taken, its read-only fields ignored; a field the
/// request does not take — misspelt at the top or inside — is refused with its name, and the
/// record is left as it was (a PUT replaces the whole record: an ignored "adress" would have
/// erased the address).
#[rocket::async_test]
async fn a_record_sent_back_is_taken_and_a_misspelt_field_refused() {
    let app = TestApp::admin().await;
    let demo = app.send_json(Method::Post, "/api/v1/demo", "{}").await;
    assert_eq!(demo.status, Status::Ok, "{}", demo.body);
    // The register, a field renamed at the top, and a field renamed inside one of its values.
    let registers = [
        ("patents", "address", None),
        (
            "enterprises",
            "credit_code",
            Some(("high_tech", "issued_on")),
        ),
        ("events", "attendees", None),
        ("visits", "needs", Some(("follow_ups", "action"))),
        (
            "inspections",
            "goods_checked",
            Some(("problems", "description")),
        ),
        ("cases", "product", Some(("respondent", "name"))),
    ];
    for (register, top, inside) in registers {
        let path = format!("/api/v1/{register}/1");
        let answer = app.get(&path).await.json();
        let page = app.send_json(Method::Put, &path, &answer.to_string()).await;
        assert_eq!(page.status, Status::Ok, "{register}: {}", page.body);
        let kept = app.get(&path).await.json();

        let mut misspelt = kept.clone();
        rename(&mut misspelt, top);
        let page = app
            .send_json(Method::Put, &path, &misspelt.to_string())
            .await;
        assert_eq!(page.status, Status::UnprocessableEntity, "{register}");
        let sentence = &page.json()["error"]["fields"][format!("{top}x")];
        assert!(
            sentence.as_str().is_some_and(|s| s.contains("拼写")),
            "{sentence}"
        );

        if let Some((outer, field)) = inside {
            let mut misspelt = kept.clone();
            let holder = match &mut misspelt[outer] {
                serde_json::Value::Array(items) => &mut items[0],
                object => object,
            };
            rename(holder, field);
            let page = app
                .send_json(Method::Put, &path, &misspelt.to_string())
                .await;
            assert_eq!(page.status, Status::UnprocessableEntity, "{register}");
            let dotted = match &kept[outer] {
                serde_json::Value::Array(_) => format!("{outer}.0.{field}x"),
                _ => format!("{outer}.{field}x"),
            };
            assert!(
                page.json()["error"]["fields"][&dotted].is_string(),
                "{}",
                page.body
            );
        }
        // What is set elsewhere (archiving; a patent's or case's status) is refused when changed
        // here, not answered 200 with nothing of it done.
        let mut archived = kept.clone();
        archived["archived"] = json!(true);
        let page = app
            .send_json(Method::Put, &path, &archived.to_string())
            .await;
        page.assert_refused_on("archived", "/archive");
        if kept.get("status").is_some() {
            let mut closed = kept.clone();
            closed["status"] = json!("closed");
            let page = app.send_json(Method::Put, &path, &closed.to_string()).await;
            assert_eq!(page.status, Status::UnprocessableEntity, "{register}");
            assert!(page.json()["error"]["fields"]["status"].is_string());
        }
        // Another record's answer sent to this address is refused, not copied over this one
        // (the two versions may well match).
        let other = app.get(&format!("/api/v1/{register}/2")).await.json();
        assert_eq!(other["id"], 2, "{register}: {other}");
        let page = app.send_json(Method::Put, &path, &other.to_string()).await;
        assert_eq!(page.status, Status::UnprocessableEntity, "{register}");
        assert_eq!(
            page.json()["error"]["fields"]["id"],
            "请求内容的 id 是 2，而地址是第 1 条记录的：请把记录发到它自己的地址。没有写入任何内容。",
            "{register}"
        );
        assert_eq!(app.get(&path).await.json(), kept, "{register}");
    }

    // A township sent back as read is a change of nothing; another's is refused.
    let township = app.get("/api/v1/townships/1").await.json();
    let page = app
        .send_json(Method::Patch, "/api/v1/townships/1", &township.to_string())
        .await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    let page = app
        .send_json(Method::Patch, "/api/v1/townships/2", &township.to_string())
        .await;
    assert_eq!(page.status, Status::UnprocessableEntity, "{}", page.body);

    // A user as read is changed and sent back; its username cannot change, and is not ignored.
    let mut admin = app.get("/api/v1/users").await.json()[0].clone();
    admin["real_name"] = json!("王专干");
    let path = format!("/api/v1/users/{}", admin["id"]);
    let page = app
        .send_json(Method::Patch, &path, &admin.to_string())
        .await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    let mut renamed = page.json();
    renamed["username"] = json!("wang");
    let page = app
        .send_json(Method::Patch, &path, &renamed.to_string())
        .await;
    page.assert_refused_on("username", "不能修改");
    assert_eq!(
        app.get("/api/v1/users").await.json()[0]["username"],
        "admin"
    );

    // Creating: the same rule, in English when asked.
    let (status, body) = send_in_english(
        &app,
        Method::Post,
        "/api/v1/townships",
        r#"{"nmae": "新镇"}"#,
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        body["error"]["fields"]["nmae"],
        "“nmae” is not a field this request takes; check its spelling. Nothing was written."
    );
    // serde's own word for the field the slip left out stands beside it.
    assert!(body["error"]["fields"]["body"].is_string(), "{body}");
}

/// The field `name` of an object written as `{name}x`, as a typing slip would.
fn rename(object: &mut serde_json::Value, name: &str) {
    let object = object.as_object_mut().expect("an object");
    let value = object.remove(name).expect("the field");
    object.insert(format!("{name}x"), value);
}

/// Sends JSON as a client asking for English does, the session's CSRF token spent on it.
async fn send_in_english(
    app: &TestApp,
    method: Method,
    path: &str,
    body: &str,
) -> (Status, serde_json::Value) {
    let response = app
        .client
        .req(method, path.to_owned())
        .header(rocket::http::Header::new(
            "X-CSRF-Token",
            app.forget_csrf().unwrap_or_default(),
        ))
        .header(rocket::http::ContentType::JSON)
        .header(rocket::http::Header::new(
            "Accept-Language",
            "en-US,en;q=0.9",
        ))
        .body(body)
        .dispatch()
        .await;
    let status = response.status();
    let text = response.into_string().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or_default())
}
