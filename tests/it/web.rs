//! The shell: home page, both languages, the language switch, static files.

use rocket::http::Status;

use crate::support::TestApp;

#[rocket::async_test]
async fn home_page_is_chinese_by_default() {
    let app = TestApp::admin().await;
    let page = app.get("/").await;
    assert_eq!(page.status, Status::Ok);
    page.assert_contains(&[
        "<html lang=\"zh-CN\"",
        "知识产权工作台",
        "尚未设置辖区",
        "首页",
        "设置",
        "English",
    ]);
    // What the desk will hold, and the seeded partner agencies.
    page.assert_contains(&["专利", "执法案件", "质量技术监督局"]);
}

#[rocket::async_test]
async fn the_switch_shows_the_same_page_in_english_and_is_remembered() {
    let app = TestApp::admin().await;
    let switched = app.get("/lang/en?next=/settings").await;
    assert_eq!(switched.status, Status::SeeOther);
    assert_eq!(switched.location.as_deref(), Some("/settings"));
    let page = app.get("/settings").await;
    page.assert_contains(&[
        "<html lang=\"en\"",
        "Settings",
        "Jurisdiction",
        "Townships",
        "Partner agencies",
        "中文",
    ]);
    page.assert_lacks(&["县（区）名称"]);
    // Remembered: the next page is English too.
    app.get("/")
        .await
        .assert_contains(&["What this desk keeps", "Enforcement cases"]);
    // And back.
    app.get("/lang/zh-CN?next=/").await;
    app.get("/")
        .await
        .assert_contains(&["<html lang=\"zh-CN\"", "工作台记录的内容"]);
}

#[rocket::async_test]
async fn the_switch_never_redirects_off_site_and_ignores_unknown_languages() {
    let app = TestApp::admin().await;
    for next in ["//evil.example/", "https://evil.example/"] {
        let page = app.get(&format!("/lang/en?next={next}")).await;
        assert_eq!(page.location.as_deref(), Some("/"), "{next}");
    }
    app.get("/lang/fr?next=/").await;
    app.get("/").await.assert_contains(&["<html lang=\"en\""]);
}

#[rocket::async_test]
async fn the_layout_shows_the_county_once_set() {
    let app = TestApp::admin().await;
    let saved = app
        .post_form(
            "/settings/jurisdiction",
            &[("county", "秭归县"), ("aliases", ""), ("case_prefix", "秭")],
        )
        .await;
    assert_eq!(saved.status, Status::SeeOther);
    let page = app.get("/").await;
    page.assert_contains(&[
        "<span class=\"brand-county\">秭归县</span>",
        "<title>首页 · 秭归县</title>",
    ]);
    page.assert_lacks(&["尚未设置辖区"]);
}

#[rocket::async_test]
async fn styles_are_served_locally_and_pages_load_nothing_from_outside() {
    let app = TestApp::admin().await;
    let css = app.get("/static/app.css").await;
    assert_eq!(css.status, Status::Ok);
    assert!(css.body.contains("@media print"));
    for path in ["/", "/settings", "/no-such-page"] {
        let page = app.get(path).await;
        page.assert_lacks(&["http://", "https://", "//cdn"]);
    }
}

#[rocket::async_test]
async fn every_template_renders_in_both_languages() {
    // Strict undefined: a typo or a missing translation makes a page fail instead of going blank.
    let app = TestApp::admin().await;
    for lang in ["zh-CN", "en"] {
        app.get(&format!("/lang/{lang}?next=/")).await;
        for path in ["/", "/settings", "/missing"] {
            let page = app.get(path).await;
            assert!(
                page.status == Status::Ok || page.status == Status::NotFound,
                "{path} in {lang}: {}",
                page.status
            );
            page.assert_contains(&["</html>"]);
        }
    }
}

/// A list's filter form sends the selects left at 全部 (All) blank: every record is listed (a
/// blank yes-or-no was once read as yes, so filtering by name alone showed only the high-tech
/// tech SMEs). A value that cannot be read is refused with a sentence naming it, on the page and
/// in the API, never read as no filter at all.
#[rocket::async_test]
async fn filters_list_all_when_left_blank_and_refuse_what_they_cannot_read() {
    let app = TestApp::admin().await;
    for body in [
        r#"{"name":"甲茶业有限公司","tech_sme":true}"#,
        r#"{"name":"乙柑橘有限公司"}"#,
    ] {
        let created = app
            .send_json(rocket::http::Method::Post, "/api/v1/enterprises", body)
            .await;
        assert_eq!(created.status, Status::Created, "{}", created.body);
    }
    let page = app
        .get("/enterprises?q=&township=&high_tech=&tech_sme=")
        .await;
    assert_eq!(page.status, Status::Ok);
    page.assert_contains(&["甲茶业有限公司", "乙柑橘有限公司"]);
    for (query, total) in [
        ("high_tech=&tech_sme=", 2),
        ("tech_sme=true", 1),
        ("tech_sme=no", 1),
    ] {
        let listed = app.get(&format!("/api/v1/enterprises?{query}")).await;
        assert_eq!(listed.json()["total"], total, "{query}");
    }

    let refused = [
        (
            "/api/v1/enterprises?tech_sme=1",
            "tech_sme",
            "tech_sme：“1”不是“是”或“否”，请写 true 或 false。",
        ),
        (
            "/api/v1/patents?filed_year=20x6",
            "filed_year",
            "filed_year：“20x6”不是整数。",
        ),
        (
            "/api/v1/visits?enterprise=abc",
            "enterprise",
            "enterprise：“abc”不是整数。",
        ),
        (
            "/api/v1/calendar?year=next",
            "year",
            "year：“next”不是整数。",
        ),
        (
            "/api/v1/townships?archived=1",
            "archived",
            "archived：“1”不是“是”或“否”，请写 true 或 false。",
        ),
        (
            "/api/v1/reports/summary?year=20x6",
            "year",
            "year：“20x6”不是整数。",
        ),
        // A township that is none read as one with no records.
        (
            "/api/v1/patents?township=%E7%81%AB%E6%98%9F%E9%95%87",
            "township",
            "找不到名为“火星镇”的乡镇。",
        ),
        (
            "/api/v1/enterprises?township=%E7%81%AB%E6%98%9F%E9%95%87",
            "township",
            "找不到名为“火星镇”的乡镇。",
        ),
        (
            "/api/v1/visits?township=%E7%81%AB%E6%98%9F%E9%95%87",
            "township",
            "找不到名为“火星镇”的乡镇。",
        ),
        // So did an enterprise that is none.
        (
            "/api/v1/patents?enterprise=99999",
            "enterprise",
            "找不到编号为 99999 的企业。",
        ),
        (
            "/api/v1/events?enterprise=99999",
            "enterprise",
            "找不到编号为 99999 的企业。",
        ),
        (
            "/api/v1/visits?enterprise=99999",
            "enterprise",
            "找不到编号为 99999 的企业。",
        ),
        (
            "/api/v1/cases?enterprise_id=99999",
            "enterprise_id",
            "找不到编号为 99999 的企业。",
        ),
        // A page that cannot be read was the first page, as if it were the one asked for.
        ("/api/v1/cases?page=two", "page", "page：“two”不是整数。"),
        (
            "/api/v1/audit?per_page=all",
            "per_page",
            "per_page：“all”不是整数。",
        ),
        (
            "/api/v1/enterprises/unlinked?page=1.5",
            "page",
            "page：“1.5”不是整数。",
        ),
    ];
    for (path, field, sentence) in refused {
        let answer = app.get(path).await;
        assert_eq!(answer.status, Status::UnprocessableEntity, "{path}");
        assert_eq!(answer.json()["error"]["fields"][field], sentence, "{path}");
    }
    for (path, sentence) in [
        ("/patents?filed_year=20x6", "申请年份：“20x6”不是整数。"),
        ("/cases?archived=maybe", "只看已归档：“maybe”不是“是”或“否”"),
        ("/reports?year=20x6", "年份：“20x6”不是整数。"),
        ("/patents?page=abc", "页码：“abc”不是整数。"),
        ("/visits?per_page=all", "每页条数：“all”不是整数。"),
        ("/enterprises/unlinked?page=two", "页码：“two”不是整数。"),
        ("/enterprises/townships?page=two", "页码：“two”不是整数。"),
        // A date in the link is named too: the page shows the sentence alone.
        (
            "/cases?from=2026-13-01",
            "起始日期：“2026-13-01”不是有效的日期",
        ),
        ("/events?to=x", "结束日期：“x”不是有效的日期"),
        ("/reports?period=h3", "没有“h3”这个时段，可选：so_far、h1"),
        (
            "/visits?township=%E7%81%AB%E6%98%9F%E9%95%87",
            "找不到名为“火星镇”的乡镇。",
        ),
        (
            "/enterprises/unlinked?people=all",
            "包括个人申请人：“all”不是“是”或“否”",
        ),
        ("/settings/calendar?year=next", "年份：“next”不是整数。"),
        (
            "/exports/patents.xlsx?granted_year=MMXXVI",
            "授权年份：“MMXXVI”不是整数。",
        ),
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, Status::UnprocessableEntity, "{path}");
        page.assert_contains(&[sentence]);
    }
    app.switch_to_english().await;
    app.get("/visits?open=1")
        .await
        .assert_contains(&["“1” given for “open follow-ups only” is neither yes nor no"]);
    app.get("/admin/audit?from=soon")
        .await
        .assert_contains(&["“soon” given for the start date is not a date"]);
}

/// An API query's parameter the list does not take, or one given twice, is refused rather than
/// left out: `stauts=granted` answered the whole register as if it were the granted patents.
#[rocket::async_test]
async fn an_api_query_refuses_a_parameter_it_does_not_take() {
    let app = TestApp::admin().await;
    let misspelt = [
        ("/api/v1/patents?stauts=granted", "stauts"),
        ("/api/v1/patents?type.x=design", "type.x"),
        ("/api/v1/cases?status%5B%5D=open", "status[]"),
        ("/api/v1/enterprises?hightech=true", "hightech"),
        ("/api/v1/events?form=2026-01-01", "form"),
        ("/api/v1/visits?enterprise_id=1", "enterprise_id"),
        ("/api/v1/inspections?year=2026", "year"),
        ("/api/v1/cases?enterprise=1", "enterprise"),
        ("/api/v1/enterprises/unlinked?person=true", "person"),
        ("/api/v1/enterprises/townships?page=1&town=a", "town"),
        ("/api/v1/reports/ytd?asof=2026-06-30", "asof"),
        ("/api/v1/reports/ytd.xlsx?year=2026&township=a", "township"),
        ("/api/v1/reports/summary?period=h1&yaer=2026", "yaer"),
        ("/api/v1/targets?years=2026", "years"),
        ("/api/v1/calendar?year=2026&day=2026-10-01", "day"),
        ("/api/v1/townships?all=true", "all"),
        ("/api/v1/audit?username=admin", "username"),
        ("/api/v1/imports?register=patents", "register"),
    ];
    for (path, field) in misspelt {
        let answer = app.get(path).await;
        assert_eq!(answer.status, Status::UnprocessableEntity, "{path}");
        assert_eq!(
            answer.json()["error"]["fields"][field],
            format!(
                "不认识的参数 {field}：这个地址不接收它，请检查拼写（有它在就不作答，免得答出一份没按它来的结果）。"
            ),
            "{path}"
        );
    }
    // An address that takes no query is not asked one either.
    for (path, field) in [
        ("/api/v1/imports/1?register=patents", "register"),
        ("/api/v1/users?role=admin", "role"),
        ("/api/v1/visits/follow-ups/due?days=30", "days"),
        ("/api/v1/settings?key=timezone", "key"),
    ] {
        app.get(path).await.assert_unknown_parameter(field);
    }
    // The query is refused before the record is looked up; no one signed in is told that first.
    app.get("/api/v1/patents/999?x=1")
        .await
        .assert_unknown_parameter("x");
    let stranger = TestApp::spawn().await;
    assert_eq!(
        stranger.get("/api/v1/me?x=1").await.status,
        Status::Unauthorized
    );
    let twice = app.get("/api/v1/patents?type=invention&type=design").await;
    assert_eq!(twice.status, Status::UnprocessableEntity);
    assert_eq!(
        twice.json()["error"]["fields"]["type"],
        "参数 type 给了不止一次，只能给一次。"
    );
    // Each list's own parameters are still read, and an address naming no list is still not
    // found whatever it is asked.
    for path in [
        "/api/v1/patents?type=invention&status=&page=1&per_page=5",
        "/api/v1/enterprises/unlinked?people=false&page=1",
        "/api/v1/enterprises/townships?township=&page=1&per_page=5",
        "/api/v1/reports/ytd?year=2026&as_of=2026-06-30",
        "/api/v1/reports/ytd.xlsx?year=2026&as_of=2026-06-30",
        "/api/v1/exports/patents.xlsx?type=invention&sort=number",
        "/api/v1/targets?year=2026",
        "/api/v1/calendar?year=2026",
        "/api/v1/agencies?archived=true",
        "/api/v1/audit?entity=user&per_page=5",
    ] {
        let answer = app.get(path).await;
        assert_eq!(answer.status, Status::Ok, "{path}: {}", answer.body);
    }
    let nowhere = app.get("/api/v1/nowhere?all=true").await;
    assert_eq!(nowhere.status, Status::NotFound);
    app.switch_to_english().await;
    let english = app.get("/api/v1/patents?stauts=granted").await;
    assert_eq!(
        english.json()["error"]["fields"]["stauts"],
        "stauts is not a parameter this address takes; check its spelling (nothing is answered while it is there, rather than an answer that ignores it)."
    );
}

/// Each register's archive and restore buttons: the record's page again, with the sentence that
/// names the record, and the record's state and version as the API reads them.
#[rocket::async_test]
async fn each_register_archives_and_restores_from_the_record_page() {
    let app = TestApp::admin().await;
    let demo = app
        .send_json(rocket::http::Method::Post, "/api/v1/demo", "{}")
        .await;
    assert_eq!(demo.status, Status::Ok, "{}", demo.body);
    // (register, the field naming the record, what archiving says, what restoring says)
    let registers = [
        (
            "patents",
            "application_number",
            "已归档专利 ",
            "已恢复专利 ",
        ),
        ("enterprises", "name", "已归档企业“", "已恢复企业“"),
        ("events", "title", "已归档活动“", "已恢复活动“"),
        ("visits", "enterprise_name", "已归档对“", "已恢复对“"),
        ("inspections", "title", "已归档检查“", "已恢复检查“"),
        ("cases", "case_number", "已归档案件", "已恢复案件"),
    ];
    for (register, field, archived, restored) in registers {
        let record = app.get(&format!("/api/v1/{register}/1")).await.json();
        let name = record[field].as_str().unwrap_or_default().to_owned();
        let version = record["version"].as_i64().unwrap_or_default();
        for (action, said, state, version) in [
            ("archive", archived, true, version),
            ("restore", restored, false, version + 1),
        ] {
            let path = format!("/{register}/1/{action}");
            let done = app
                .post_form(&path, &[("version", &version.to_string())])
                .await;
            assert_eq!(done.status, Status::SeeOther, "{path}: {}", done.body);
            let page = app.follow(&done).await;
            assert_eq!(page.status, Status::Ok, "{path}");
            page.assert_contains(&[&format!("{said}{name}")]);
            let now = app.get(&format!("/api/v1/{register}/1")).await.json();
            assert_eq!(now["archived"], state, "{path}");
            assert_eq!(now["version"], version + 1, "{path}");
        }
    }
}
