//! Sign-in, sessions, throttling, CSRF, tokens, users and the audit log.

use ipdesk::auth::Role;
use ipdesk::auth::guards::SESSION_COOKIE;
use rocket::http::{Cookie, Method, Status};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::support::{PASSWORD, Page, TestApp, with_bearer};

async fn user_count(app: &TestApp) -> u64 {
    ipdesk::entities::user::Entity::find()
        .count(&app.db)
        .await
        .unwrap()
}

async fn audit(app: &TestApp, entity: &str) -> Vec<serde_json::Value> {
    let (entries, _) = ipdesk::audit::list(
        &app.db,
        &ipdesk::audit::Filter {
            entity: Some(entity.to_owned()),
            ..Default::default()
        },
        ipdesk::web::pagination::PageRequest::new(None, Some(200)),
        ipdesk::settings::Timezone::default(),
    )
    .await
    .unwrap();
    entries
        .into_iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect()
}

#[rocket::async_test]
async fn first_run_setup_creates_one_admin_with_the_printed_token() {
    let app = TestApp::spawn().await;
    let token = ipdesk::auth::setup::prepare(&app.db)
        .await
        .unwrap()
        .expect("a token while no user exists");
    let setup_uri = format!("/setup?token={token}");
    assert_eq!(app.get("/setup").await.status, Status::Forbidden);
    let wrong = app.get("/setup?token=0000").await;
    assert_eq!(wrong.status, Status::Forbidden);
    wrong.assert_contains(&["首次使用链接无效"]);
    let form = app.get(&format!("/setup?token={token}")).await;
    assert_eq!(form.status, Status::Ok);
    form.assert_contains(&["创建管理员", "name=\"password_confirmation\""]);

    let short = app
        .post_form(
            &setup_uri,
            &[
                ("username", "admin"),
                ("password", "short"),
                ("password_confirmation", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, Status::UnprocessableEntity);
    short.assert_contains(&["密码至少要 10 个字符。", "value=\"admin\""]);
    assert_eq!(user_count(&app).await, 0);

    let done = app
        .post_form(
            &setup_uri,
            &[
                ("username", "Admin"),
                ("real_name", "王专干"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status, Status::SeeOther, "{}", done.body);
    let home = app.get("/").await;
    assert_eq!(home.status, Status::Ok);
    home.assert_contains(&["王专干", "管理员", "管理员账号已创建"]);
    // Spent: the link no longer works, and no second admin can be made with it.
    assert_eq!(
        app.get(&format!("/setup?token={token}")).await.status,
        Status::NotFound
    );
    let again = app
        .post_form(
            &setup_uri,
            &[
                ("username", "other"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status, Status::NotFound);
    assert_eq!(user_count(&app).await, 1);
    assert!(
        ipdesk::auth::setup::prepare(&app.db)
            .await
            .unwrap()
            .is_none()
    );
    // The log says who made the admin in words: nobody was signed in yet. The API keeps the
    // stored name.
    let log = app.get("/admin/audit?entity=user").await;
    log.assert_contains(&["<td>未登录的访客<br>", "王专干（admin）"]);
    let api = app.get("/api/v1/audit?entity=user").await.json();
    assert_eq!(api["entries"][1]["actor"], "anonymous", "{api}");
    app.switch_to_english().await;
    let log = app.get("/admin/audit?entity=user").await;
    log.assert_contains(&["<td>not signed in<br>", "王专干 (admin)"]);
}

#[rocket::async_test]
async fn sign_in_and_sign_out_and_the_old_cookie_stops_working() {
    let app = TestApp::spawn().await;
    app.create_user("zhang", Role::Officer).await;
    let refused = app.get("/").await;
    assert_eq!(refused.location.as_deref(), Some("/login?next=/"));

    let wrong = app.login("zhang", "not the password").await;
    assert_eq!(wrong.status, Status::Unauthorized);
    wrong.assert_contains(&["用户名或密码不正确。", "value=\"zhang\""]);
    wrong.assert_lacks(&["not the password"]);
    let unknown = app.login("nobody", PASSWORD).await;
    assert_eq!(unknown.status, Status::Unauthorized);
    unknown.assert_contains(&["用户名或密码不正确。"]);

    let ok = app.login("zhang", PASSWORD).await;
    assert_eq!(ok.status, Status::SeeOther);
    let home = app.get("/").await;
    assert_eq!(home.status, Status::Ok);
    home.assert_contains(&["zhang 姓名", "专干", "退出"]);
    let old = app
        .client
        .cookies()
        .get_private(SESSION_COOKIE)
        .expect("session cookie");

    let out = app.post_form("/logout", &[]).await;
    assert_eq!(out.status, Status::SeeOther);
    assert_eq!(out.location.as_deref(), Some("/login"));
    assert_eq!(app.get("/").await.status, Status::SeeOther);
    let replay = app
        .client
        .get("/")
        .private_cookie(Cookie::new(SESSION_COOKIE, old.value().to_owned()))
        .dispatch()
        .await;
    assert_eq!(
        replay.status(),
        Status::SeeOther,
        "the signed-out session must not come back"
    );

    let actions: Vec<String> = audit(&app, "session")
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        ["sign_out", "sign_in", "sign_in_failed", "sign_in_failed"]
    );
}

#[rocket::async_test]
async fn a_new_session_at_every_sign_in_and_disabling_ends_sessions() {
    let app = TestApp::spawn().await;
    let id = app.create_user("li", Role::Officer).await;
    app.login("li", PASSWORD).await;
    let first = app
        .client
        .cookies()
        .get_private(SESSION_COOKIE)
        .unwrap()
        .value()
        .to_owned();
    app.login("li", PASSWORD).await;
    let second = app
        .client
        .cookies()
        .get_private(SESSION_COOKIE)
        .unwrap()
        .value()
        .to_owned();
    assert_ne!(first, second);
    let user = ipdesk::auth::users::get(&app.db, id).await.unwrap();
    let change = ipdesk::auth::users::UserChange {
        version: user.version,
        active: Some(false),
        ..Default::default()
    };
    ipdesk::auth::users::change(&app.db, &ipdesk::audit::Actor::cli(), id, change)
        .await
        .unwrap();
    assert_eq!(
        app.get("/").await.status,
        Status::SeeOther,
        "a disabled user is signed out at once"
    );
    let again = app.login("li", PASSWORD).await;
    assert_eq!(again.status, Status::Unauthorized);
}

fn from(address: &str) -> std::net::SocketAddr {
    format!("{address}:50000").parse().unwrap()
}

async fn login_from(app: &TestApp, address: &str, username: &str, password: &str) -> Page {
    let body = format!(
        "username={username}&password={}",
        password.replace(' ', "+")
    );
    let response = app
        .client
        .post("/login")
        .remote(from(address))
        .header(rocket::http::ContentType::Form)
        .body(body)
        .dispatch()
        .await;
    Page::from(response).await
}

#[rocket::async_test]
async fn five_failures_lock_the_address_out_until_unlocked() {
    let app = TestApp::spawn().await;
    app.create_user("wang", Role::Officer).await;
    for _ in 0..5 {
        let page = login_from(&app, "10.0.0.7", "wang", "wrong password").await;
        assert_eq!(page.status, Status::Unauthorized);
    }
    let locked = login_from(&app, "10.0.0.7", "wang", PASSWORD).await;
    assert_eq!(locked.status, Status::TooManyRequests);
    locked.assert_contains(&["登录失败次数过多"]);
    // Another address is not locked.
    assert_eq!(
        login_from(&app, "10.0.0.8", "wang", PASSWORD).await.status,
        Status::SeeOther
    );
    let lockouts = ipdesk::entities::login_lockout::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(
        lockouts, 1,
        "kept in the database, so every instance agrees"
    );

    ipdesk::auth::users::unlock(&app.db, &ipdesk::audit::Actor::cli(), "wang")
        .await
        .unwrap();
    assert_eq!(
        login_from(&app, "10.0.0.7", "wang", PASSWORD).await.status,
        Status::SeeOther
    );
}

#[rocket::async_test]
async fn state_changing_requests_without_the_csrf_token_are_refused() {
    let app = TestApp::admin().await;
    let token = app.forget_csrf();
    let page = app
        .post_form("/settings/jurisdiction", &[("county", "秭归县")])
        .await;
    assert_eq!(page.status, Status::Forbidden);
    page.assert_contains(&["页面已过期"]);
    app.set_csrf(Some("00ff".repeat(16)));
    assert_eq!(
        app.post_form("/settings/jurisdiction", &[("county", "秭归县")])
            .await
            .status,
        Status::Forbidden
    );
    app.set_csrf(None);
    let api = app
        .send_json(
            Method::Put,
            "/api/v1/settings/timezone",
            r#"{"timezone":"Asia/Urumqi"}"#,
        )
        .await;
    assert_eq!(api.status, Status::Forbidden);
    assert_eq!(api.json()["error"]["code"], "forbidden");
    // Nothing was written.
    app.set_csrf(token);
    let settings = app.get("/api/v1/settings").await.json();
    assert_eq!(settings["county"], serde_json::Value::Null);
    assert_eq!(settings["timezone"], "Asia/Shanghai");
    // With the token it goes through.
    assert_eq!(
        app.post_form("/settings/jurisdiction", &[("county", "秭归县")])
            .await
            .status,
        Status::SeeOther
    );
}

#[rocket::async_test]
async fn tokens_act_with_their_owners_role_until_revoked_or_disabled() {
    let app = TestApp::spawn().await;
    let officer = app.create_user("officer", Role::Officer).await;
    app.create_user("boss", Role::Admin).await;
    let token = app.token_for("officer").await;
    let me = with_bearer(&app, Method::Get, "/api/v1/me", &token, None).await;
    assert_eq!(me.status, Status::Ok);
    assert_eq!(me.json()["role"], "officer");
    // Bearer requests need no CSRF token, but still need the role.
    let write = with_bearer(
        &app,
        Method::Put,
        "/api/v1/settings/timezone",
        &token,
        Some(r#"{"timezone":"Asia/Urumqi"}"#),
    )
    .await;
    assert_eq!(write.status, Status::Forbidden);
    let admin_token = app.token_for("boss").await;
    let write = with_bearer(
        &app,
        Method::Put,
        "/api/v1/settings/timezone",
        &admin_token,
        Some(r#"{"timezone":"Asia/Urumqi"}"#),
    )
    .await;
    assert_eq!(write.status, Status::Ok);

    for bogus in ["", "ipd_0000", "not-a-token"] {
        let page = with_bearer(&app, Method::Get, "/api/v1/me", bogus, None).await;
        assert_eq!(page.status, Status::Unauthorized, "{bogus}");
        assert_eq!(page.json()["error"]["code"], "unauthorized");
    }

    let user = ipdesk::auth::users::get(&app.db, officer).await.unwrap();
    let disable = ipdesk::auth::users::UserChange {
        version: user.version,
        active: Some(false),
        ..Default::default()
    };
    ipdesk::auth::users::change(&app.db, &ipdesk::audit::Actor::cli(), officer, disable)
        .await
        .unwrap();
    assert_eq!(
        with_bearer(&app, Method::Get, "/api/v1/me", &token, None)
            .await
            .status,
        Status::Unauthorized
    );

    let list = with_bearer(&app, Method::Get, "/api/v1/tokens", &admin_token, None)
        .await
        .json();
    let id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["username"] == "boss")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let revoked = with_bearer(
        &app,
        Method::Delete,
        &format!("/api/v1/tokens/{id}"),
        &admin_token,
        None,
    )
    .await;
    assert_eq!(revoked.status, Status::Ok);
    assert_eq!(
        with_bearer(&app, Method::Get, "/api/v1/me", &admin_token, None)
            .await
            .status,
        Status::Unauthorized
    );
}

#[rocket::async_test]
async fn tokens_are_shown_once_on_the_admin_page() {
    let app = TestApp::admin().await;
    let page = app
        .post_form("/admin/tokens", &[("user", "admin"), ("label", "名册同步")])
        .await;
    assert_eq!(page.status, Status::Created);
    let start = page
        .body
        .find("value=\"ipd_")
        .expect("the token on the page")
        + 7;
    let token: String = page.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    assert_eq!(token.len(), 4 + 64);
    let later = app.get("/admin/tokens").await;
    // The owners to choose from, each with their username in the language's brackets.
    later.assert_contains(&["名册同步", &token[..12], "（admin）</option>"]);
    later.assert_lacks(&[&token]);
    let me = with_bearer(&app, Method::Get, "/api/v1/me", &token, None).await;
    assert_eq!(me.json()["username"], "admin");
    // Times read in the desk's time zone (Asia/Shanghai), to the minute, as everywhere else.
    let listed = app.get("/api/v1/tokens").await.json();
    let local = |at: &serde_json::Value| {
        let at: chrono::DateTime<chrono::Utc> = at.as_str().unwrap().parse().unwrap();
        ipdesk::clock::display(at, ipdesk::settings::Timezone::default())
    };
    let page = app.get("/admin/tokens").await;
    page.assert_contains(&[
        &format!("<td>{}</td>", local(&listed[0]["created_at"])),
        &format!("<td>{}</td>", local(&listed[0]["last_used_at"])),
    ]);
    let missing = app
        .post_form("/admin/tokens", &[("user", "ghost"), ("label", "")])
        .await;
    assert_eq!(missing.status, Status::UnprocessableEntity);
    missing.assert_contains(&["找不到用户“ghost”"]);
}

#[rocket::async_test]
async fn bad_user_input_is_refused_and_nothing_is_written() {
    let app = TestApp::admin().await;
    let before = user_count(&app).await;
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[
                ("username", "newbie"),
                ("role", "root"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
            ],
            "没有“root”这个角色",
        ),
        (
            &[
                ("username", ""),
                ("role", "officer"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
            ],
            "请填写用户名。",
        ),
        (
            &[
                ("username", "admin"),
                ("role", "officer"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
            ],
            "用户名“admin”已被使用。",
        ),
        (
            &[
                ("username", "newbie"),
                ("role", "officer"),
                ("password", "123456789"),
                ("password_confirmation", "123456789"),
            ],
            "密码至少要 10 个字符。",
        ),
        (
            &[
                ("username", "newbie"),
                ("role", "officer"),
                ("password", PASSWORD),
                ("password_confirmation", "something else"),
            ],
            "两次输入的密码不一致。",
        ),
    ];
    for (fields, message) in cases {
        let page = app.post_form("/admin/users", fields).await;
        assert_eq!(page.status, Status::UnprocessableEntity, "{message}");
        page.assert_contains(&[message]);
    }
    let api = app
        .send_json(
            Method::Post,
            "/api/v1/users",
            r#"{"username":"x y","role":"boss","password":"short"}"#,
        )
        .await;
    assert_eq!(api.status, Status::UnprocessableEntity);
    let fields = &api.json()["error"]["fields"];
    assert!(
        fields["username"].is_string()
            && fields["role"].is_string()
            && fields["password"].is_string(),
        "{fields}"
    );
    assert_eq!(user_count(&app).await, before);

    let ok = app
        .post_form(
            "/admin/users",
            &[
                ("username", "newbie"),
                ("real_name", "新人"),
                ("role", "viewer"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
            ],
        )
        .await;
    assert_eq!(ok.status, Status::SeeOther);
    app.get("/admin/users")
        .await
        .assert_contains(&["已添加用户 newbie。", "新人"]);
}

#[rocket::async_test]
async fn roles_are_changed_and_admins_cannot_lock_themselves_out() {
    let app = TestApp::admin().await;
    let id = app.create_user("zhao", Role::Viewer).await;
    let page = app
        .post_form(
            &format!("/admin/users/{id}/role"),
            &[("version", "1"), ("role", "officer")],
        )
        .await;
    assert_eq!(page.status, Status::SeeOther);
    let stale = app
        .post_form(
            &format!("/admin/users/{id}/role"),
            &[("version", "1"), ("role", "admin")],
        )
        .await;
    assert_eq!(stale.status, Status::Conflict);
    let me = app.get("/api/v1/me").await.json();
    let my_id = me["id"].as_i64().unwrap();
    let demote = app
        .post_form(
            &format!("/admin/users/{my_id}/role"),
            &[("version", "1"), ("role", "viewer")],
        )
        .await;
    assert_eq!(demote.status, Status::Conflict);
    demote.assert_contains(&["不能停用自己"]);
    let users = app.get("/api/v1/users").await.json();
    let zhao = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "zhao")
        .unwrap()
        .clone();
    assert_eq!(zhao["role"], "officer");
    // The audit log has the old and new role.
    let entries = audit(&app, "user").await;
    let change = entries
        .iter()
        .find(|e| {
            e["action"] == "update" && e["entity_id"].as_str() == Some(id.to_string().as_str())
        })
        .expect("audit row");
    assert_eq!(
        change["changes"]["role"],
        json!({"old": "viewer", "new": "officer"})
    );
    assert_eq!(change["actor"], "admin");
}

#[rocket::async_test]
async fn audit_rows_carry_the_right_old_and_new_values() {
    let app = TestApp::admin().await;
    app.post_form(
        "/settings/jurisdiction",
        &[("county", "秭归县"), ("aliases", "秭归")],
    )
    .await;
    app.post_form("/settings/townships", &[("name", "茅坪镇")])
        .await;
    let list = app.get("/api/v1/townships").await.json();
    let id = list[0]["id"].as_i64().unwrap();
    app.post_form(
        &format!("/settings/townships/{id}/rename"),
        &[("name", "茅坪"), ("version", "1")],
    )
    .await;

    let settings = audit(&app, "settings").await;
    assert_eq!(
        settings[0]["changes"]["county"],
        json!({"old": null, "new": "秭归县"})
    );
    assert_eq!(
        settings[0]["changes"]["aliases"],
        json!({"old": [], "new": ["秭归"]})
    );
    let townships = audit(&app, "township").await;
    assert_eq!(townships.len(), 2);
    assert_eq!(townships[0]["action"], "update");
    assert_eq!(
        townships[0]["changes"]["name"],
        json!({"old": "茅坪镇", "new": "茅坪"})
    );
    assert_eq!(townships[1]["action"], "create");
    assert_eq!(townships[1]["actor"], "admin");

    let page = app.get("/admin/audit?entity=township").await;
    assert_eq!(page.status, Status::Ok);
    page.assert_contains(&[
        "<dt>名称</dt><dd><del>茅坪镇</del> → <ins>茅坪</ins></dd>",
        "<dt>名称</dt><dd>茅坪镇</dd>",
        "乡镇",
    ]);
    // The log's bookkeeping (number, version) stays in its JSON.
    page.assert_lacks(&["#jurisdiction", "<dt>版本</dt>", "<dt>编号</dt>"]);
    let api = app.get("/api/v1/audit?entity=settings").await.json();
    assert_eq!(api["total"], 1);
}

#[rocket::async_test]
async fn changing_ones_own_password() {
    let app = TestApp::signed_in(Role::Viewer).await;
    let wrong = app
        .post_form(
            "/account/password",
            &[
                ("current", "nope nope nope"),
                ("password", "a brand new secret"),
                ("password_confirmation", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(wrong.status, Status::UnprocessableEntity);
    wrong.assert_contains(&["当前密码不正确。"]);
    let ok = app
        .post_form(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("password", "a brand new secret"),
                ("password_confirmation", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(ok.status, Status::SeeOther);
    app.post_form("/logout", &[]).await;
    assert_eq!(
        app.login("viewer", PASSWORD).await.status,
        Status::Unauthorized
    );
    assert_eq!(
        app.login("viewer", "a brand new secret").await.status,
        Status::SeeOther
    );
}

#[rocket::async_test]
async fn the_layout_shows_who_is_signed_in_and_only_their_pages() {
    let app = TestApp::signed_in(Role::Viewer).await;
    let home = app.get("/").await;
    home.assert_contains(&["viewer 姓名", "只读", "首页"]);
    home.assert_lacks(&["href=\"&#x2f;settings\"", "审计日志"]);
    assert_eq!(app.get("/settings").await.status, Status::Forbidden);
    app.switch_to_english().await;
    let home = app.get("/").await;
    home.assert_contains(&["Viewer", "Sign out", "Change password"]);
}

#[rocket::async_test]
async fn the_session_cookie_is_http_only_lax_and_secure_when_asked() {
    let app = TestApp::admin().await;
    let set_cookie = |response: &rocket::local::asynchronous::LocalResponse<'_>| {
        response
            .headers()
            .get("Set-Cookie")
            .find(|c| c.starts_with(SESSION_COOKIE))
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let body = format!("username=admin&password={}", PASSWORD.replace(' ', "+"));
    let plain = app
        .client
        .post("/login")
        .header(rocket::http::ContentType::Form)
        .body(&body)
        .dispatch()
        .await;
    let cookie = set_cookie(&plain);
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && !cookie.contains("Secure"),
        "{cookie}"
    );
    // That sign-in made a new session with a new CSRF token: sign in the usual way to learn it.
    app.login("admin", PASSWORD).await;
    let page = app
        .post_form("/settings/secure_cookies", &[("secure_cookies", "true")])
        .await;
    assert_eq!(page.status, Status::SeeOther);
    let secure = app
        .client
        .post("/login")
        .header(rocket::http::ContentType::Form)
        .body(&body)
        .dispatch()
        .await;
    assert!(
        set_cookie(&secure).contains("Secure"),
        "{}",
        set_cookie(&secure)
    );
}
