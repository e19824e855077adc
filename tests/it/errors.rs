//! Error pages and JSON errors: the right status, a clear sentence in the reader's language, and
//! never an internal detail.

use rocket::http::{Method, Status};
use rocket::{get, routes};

use crate::support::TestApp;

#[get("/test/status/<code>")]
fn fail_with(code: u16) -> Status {
    Status::from_code(code).unwrap_or(Status::InternalServerError)
}

#[get("/test/status/<code>")]
fn api_fail_with(code: u16) -> Status {
    Status::from_code(code).unwrap_or(Status::InternalServerError)
}

/// 401 is left out: a page that needs signing in sends the browser to the login page instead.
const STATUSES: [(u16, &str, &str); 9] = [
    (400, "请求有误", "Bad request"),
    (403, "没有权限", "Not allowed"),
    (404, "找不到页面", "Page not found"),
    (409, "内容冲突", "Conflict"),
    (413, "内容太大", "Too large"),
    (415, "格式不支持", "Unsupported format"),
    (422, "内容需要修改", "Needs changes"),
    (429, "操作太频繁", "Too many attempts"),
    (500, "出错了", "Something went wrong"),
];

async fn spawn_failing_app() -> TestApp {
    TestApp::spawn_with(|rocket| {
        rocket
            .mount("/", routes![fail_with])
            .mount("/api/v1", routes![api_fail_with])
    })
    .await
}

#[rocket::async_test]
async fn every_error_page_exists_in_both_languages() {
    let app = spawn_failing_app().await;
    for (code, zh, _) in STATUSES {
        let page = app.get(&format!("/test/status/{code}")).await;
        assert_eq!(page.status.code, code);
        page.assert_contains(&[zh, "<html lang=\"zh-CN\"", "返回首页"]);
    }
    app.switch_to_english().await;
    for (code, _, en) in STATUSES {
        let page = app.get(&format!("/test/status/{code}")).await;
        assert_eq!(page.status.code, code);
        page.assert_contains(&[en, "<html lang=\"en\"", "Back to the home page"]);
    }
}

#[rocket::async_test]
async fn unauthorized_pages_send_browsers_to_the_login_page() {
    let app = spawn_failing_app().await;
    let page = app.get("/test/status/401?x=1").await;
    assert_eq!(page.status, Status::SeeOther);
    assert_eq!(
        page.location.as_deref(),
        Some("/login?next=/test/status/401%3Fx%3D1")
    );
    let api = app.get("/api/v1/test/status/401").await;
    assert_eq!(api.status, Status::Unauthorized);
    assert_eq!(api.json()["error"]["code"], "unauthorized");
}

#[rocket::async_test]
async fn api_errors_are_json_with_a_code_and_a_message() {
    let app = spawn_failing_app().await;
    for (code, _, _) in STATUSES.iter().copied().chain([(401, "", "")]) {
        let page = app.get(&format!("/api/v1/test/status/{code}")).await;
        assert_eq!(page.status.code, code);
        assert_eq!(page.content_type, Some(rocket::http::ContentType::JSON));
        let body = page.json();
        assert!(body["error"]["code"].is_string(), "{body}");
        assert!(
            !body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{body}"
        );
    }
    // Nobody is signed in, so the API answers 401 before looking further.
    let anonymous = app.get("/api/v1/no-such-thing").await;
    assert_eq!(anonymous.status, Status::Unauthorized);
    let admin = TestApp::admin().await;
    // Whether a route takes the address's segments or none does, a wrong path says so.
    for path in [
        "/api/v1/no-such-thing",
        "/api/v1/no-such/1",
        "/api/v1/no/such/thing",
    ] {
        let missing = admin.get(path).await;
        assert_eq!(missing.status, Status::NotFound, "{path}");
        assert_eq!(missing.json()["error"]["code"], "not_found");
        assert_eq!(
            missing.json()["error"]["message"],
            "没有这个 API 地址：请核对路径（README 的“The JSON API”一节列出了全部地址）。",
            "{path}"
        );
    }
    // So does a route whose last segment names nothing it does (archive, restore).
    let action = admin
        .send_json(
            Method::Post,
            "/api/v1/patents/1/frobnicate",
            r#"{"version":1}"#,
        )
        .await;
    assert_eq!(action.status, Status::NotFound, "{}", action.body);
    assert!(action.body.contains("没有这个 API 地址"), "{}", action.body);
    // A record the path names that is not there says so, as before.
    let gone = admin.get("/api/v1/patents/999999").await;
    assert_eq!(gone.status, Status::NotFound);
    let said = gone.json()["error"]["message"].to_string();
    assert!(!said.contains("API 地址"), "{said}");
}

#[rocket::async_test]
async fn an_import_that_is_not_a_number_is_no_import() {
    let app = TestApp::admin().await;
    for path in ["/api/v1/imports/abc", "/api/v1/imports/999999"] {
        let page = app.get(path).await;
        assert_eq!(page.status, Status::NotFound, "{path}");
        assert_eq!(
            page.json()["error"]["message"],
            "找不到这次导入。",
            "{path}"
        );
    }
    let page = app.get("/imports/abc").await;
    assert_eq!(page.status, Status::NotFound);
    page.assert_contains(&["找不到这次导入。"]);
}

#[rocket::async_test]
async fn unknown_pages_are_404_in_the_layout() {
    let app = TestApp::spawn().await;
    let page = app.get("/no/such/page").await;
    assert_eq!(page.status, Status::NotFound);
    page.assert_contains(&["找不到页面", "class=\"site-header\"", "返回首页"]);
}

#[rocket::async_test]
async fn oversized_bodies_get_413_and_write_nothing() {
    let app = TestApp::admin().await;
    let huge = "县".repeat(100_000);
    let page = app
        .post_form("/settings/jurisdiction", &[("county", &huge)])
        .await;
    assert_eq!(page.status, Status::PayloadTooLarge);
    page.assert_contains(&["内容太大"]);

    let body = format!("{{\"county\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let api = app
        .send_json(Method::Put, "/api/v1/settings/jurisdiction", &body)
        .await;
    assert_eq!(api.status, Status::PayloadTooLarge);
    assert_eq!(api.json()["error"]["code"], "payload_too_large");

    let settings = app.get("/api/v1/settings").await.json();
    assert_eq!(settings["county"], serde_json::Value::Null);
}

#[rocket::async_test]
async fn malformed_json_is_400_and_the_wrong_shape_is_422() {
    let app = TestApp::admin().await;
    let page = app
        .send_json(
            Method::Put,
            "/api/v1/settings/jurisdiction",
            "{\"county\": ",
        )
        .await;
    assert_eq!(page.status, Status::BadRequest);
    let error = &page.json()["error"];
    assert_eq!(error["code"], "bad_request");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("JSON"),
        "{error}"
    );

    let page = app
        .send_json(
            Method::Put,
            "/api/v1/settings/jurisdiction",
            "{\"county\": 42}",
        )
        .await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    assert_eq!(page.json()["error"]["code"], "validation_failed");
    assert!(page.json()["error"]["fields"]["body"].is_string());

    // A record sent as an array is not read by position, and an empty body is said to be empty.
    let array = app
        .send_json(
            Method::Post,
            "/api/v1/patents",
            r#"["201710601862.3", "一种茶叶揉捻装置", ["秭归县茶业公司"]]"#,
        )
        .await;
    assert_eq!(array.status, Status::UnprocessableEntity);
    assert_eq!(
        array.json()["error"]["fields"]["body"],
        "请求内容应为一个 JSON 对象（{…}），不是数组、文字或数字。没有写入任何内容。"
    );
    let empty = app.send_json(Method::Post, "/api/v1/patents", "").await;
    assert_eq!(empty.status, Status::BadRequest);
    assert_eq!(
        empty.json()["error"]["message"],
        "请求内容是空的，应为一个 JSON 对象（{…}）。"
    );
    assert_eq!(app.get("/api/v1/patents").await.json()["total"], 0);
}

/// A register's record is archived, not deleted: `DELETE` says so and names the address that
/// archives it (405), where it was "page not found" about a record that exists. Nothing changes.
#[rocket::async_test]
async fn deleting_a_record_is_answered_with_how_to_archive_it() {
    let app = TestApp::admin().await;
    let demo = app.send_json(Method::Post, "/api/v1/demo", "{}").await;
    assert_eq!(demo.status, Status::Ok, "{}", demo.body);
    for register in crate::support::REGISTERS {
        let address = format!("/api/v1/{register}/1");
        let refused = app.send_json(Method::Delete, &address, "").await;
        assert_eq!(refused.status, Status::MethodNotAllowed, "{address}");
        assert_eq!(refused.header("Allow"), Some("GET, PUT"));
        let error = &refused.json()["error"];
        assert_eq!(error["code"], "method_not_allowed");
        let told = error["message"].as_str().unwrap_or_default();
        assert!(
            told.starts_with("登记簿里的记录不删除，只归档")
                && told.contains(&format!("请 POST {address}/archive")),
            "{told}"
        );
        let kept = app.get(&address).await;
        assert_eq!(kept.status, Status::Ok);
        assert_eq!(kept.json()["archived"], false);
    }
    // An address that is no register's is still not found.
    let unknown = app.send_json(Method::Delete, "/api/v1/lunches/1", "").await;
    assert_eq!(unknown.status, Status::NotFound);
}
