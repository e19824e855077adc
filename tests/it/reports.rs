//! The year-to-date report and the targets: the fixture's expected figures, the boundaries of the
//! periods (1 January, the as-of day, 29 February), archived patents, township targets, growth
//! with no base, and the CLI.

use chrono::Datelike;
use ipdesk::patents::number::check_character;
use rocket::http::{Method, Status};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

use crate::imports::{api_import, fixture, import_high_tech_list, set_zigui};
use crate::support::TestApp;

/// The work summary's paragraph for the first half of 2026, in the language `lang`.
pub(crate) async fn first_half_summary(app: &TestApp, lang: &str) -> String {
    let query = format!("from=2026-01-01&to=2026-06-30&lang={lang}");
    let summary = app.get(&format!("/api/v1/reports/summary?{query}")).await;
    assert_eq!(summary.status, Status::Ok, "{}", summary.body);
    summary.json()["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// How the paragraph names the first half of 2026 in `lang`: without its year while 2026 is this
/// year (上半年), with it once it is not (2026年上半年).
pub(crate) fn first_half_of_2026(lang: &str) -> &'static str {
    let this_year = ipdesk::clock::today(ipdesk::settings::Timezone::default()).year();
    match (this_year == 2026, lang) {
        (true, "en") => "In the first half of the year",
        (false, "en") => "In the first half of 2026",
        (true, _) => "上半年",
        (false, _) => "2026年上半年",
    }
}

async fn ytd(app: &TestApp, query: &str) -> Value {
    let page = app.get(&format!("/api/v1/reports/ytd?{query}")).await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    page.json()
}

#[rocket::async_test]
async fn the_fixture_gives_its_expected_year_to_date_figures() {
    let app = TestApp::admin().await;
    set_zigui(&app).await;
    let token = app.token_for("admin").await;
    let name = "zigui-grants-2026.xlsx";
    let imported = api_import(&app, &token, name, &fixture(name), &[])
        .await
        .json();
    assert_eq!(imported["new"], 400, "{imported}");
    let expected: Value =
        serde_json::from_slice(&fixture("zigui-grants-2026.expected.json")).unwrap();
    let expected = &expected["ytd_report"];

    let report = ytd(&app, "year=2026&as_of=2026-06-30").await;
    for key in ["year", "as_of", "grants", "applications", "growth_percent"] {
        for (field, value) in expected[key]
            .as_object()
            .map_or(vec![], |o| o.iter().collect())
        {
            assert_eq!(&report[key][field], value, "{key}.{field}");
        }
        if !expected[key].is_object() {
            assert_eq!(report[key], expected[key], "{key}");
        }
    }
    assert_eq!(
        report["same_period_last_year"]["grants"],
        expected["same_period_last_year"]["grants"]
    );
    assert_eq!(report["same_period_last_year"]["from"], "2025-01-01");
    assert_eq!(report["same_period_last_year"]["to"], "2025-06-30");
    assert_eq!(report["county"], "秭归县");
    for month in expected["by_month"].as_array().unwrap() {
        let found = report["by_month"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["month"] == month["month"])
            .unwrap_or_else(|| panic!("month {month} in {}", report["by_month"]));
        assert_eq!(found["grants"], month["grants"], "{month}");
    }
    let months = report["by_month"].as_array().unwrap();
    assert_eq!(months.len(), 6);
    assert_eq!(months[5]["grants_cumulative"], 131);
    // Of which, by type: the months add up to the year's figures.
    for kind in ["invention", "utility_model", "design"] {
        let sum: i64 = months
            .iter()
            .map(|m| m[format!("grants_{kind}")].as_i64().unwrap())
            .sum();
        assert_eq!(sum, expected["grants"][kind].as_i64().unwrap(), "{kind}");
    }
    for township in expected["by_township"].as_array().unwrap() {
        let found = report["by_township"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["township"] == township["township"])
            .unwrap_or_else(|| panic!("{township} in {}", report["by_township"]));
        assert_eq!(found["grants"], township["grants"], "{township}");
    }
    let top = report["top_enterprises"].as_array().unwrap();
    assert!(!top.is_empty() && top.len() <= 10, "{top:?}");
    assert!(
        top.windows(2)
            .all(|w| w[0]["grants"].as_i64() >= w[1]["grants"].as_i64())
    );
}

/// A valid application number of `year`, type digit `kind`, serial `serial`.
pub(crate) fn number(year: i32, kind: u32, serial: u32) -> String {
    let digits = format!("{year}{kind}{serial:07}");
    format!("{digits}.{}", check_character(&digits).unwrap())
}

async fn patent(app: &TestApp, number: &str, filed: &str, granted: Option<&str>) -> Value {
    let body = json!({
        "application_number": number,
        "title": "一种脐橙保鲜装置",
        "applicants": ["秭归县屈乡脐橙有限公司"],
        "filed_on": filed,
        "granted_on": granted,
        "township": "茅坪镇",
    });
    let page = app
        .send_json(Method::Post, "/api/v1/patents", &body.to_string())
        .await;
    assert_eq!(page.status, Status::Created, "{}", page.body);
    page.json()
}

async fn set_target(app: &TestApp, body: Value) -> crate::support::Page {
    app.send_json(Method::Put, "/api/v1/targets", &body.to_string())
        .await
}

/// An admin's app with two townships, 茅坪镇 and 屈原镇.
async fn admin_with_townships() -> TestApp {
    let app = TestApp::admin().await;
    for name in ["茅坪镇", "屈原镇"] {
        let page = app
            .send_json(
                Method::Post,
                "/api/v1/townships",
                &json!({"name": name}).to_string(),
            )
            .await;
        assert_eq!(page.status, Status::Created, "{}", page.body);
    }
    app
}

#[rocket::async_test]
async fn periods_end_on_the_as_of_day_and_start_on_1_january() {
    let app = admin_with_townships().await;
    // Granted on the year's first day, on the as-of day, the day after, and the year before.
    patent(&app, &number(2023, 2, 1), "2023-01-01", Some("2024-01-01")).await;
    patent(&app, &number(2023, 2, 2), "2023-03-01", Some("2024-02-29")).await;
    patent(&app, &number(2023, 2, 3), "2023-03-02", Some("2024-03-01")).await;
    patent(&app, &number(2022, 2, 4), "2022-05-01", Some("2023-02-28")).await;
    patent(&app, &number(2022, 2, 5), "2022-05-02", Some("2023-03-01")).await;
    let archived = patent(&app, &number(2023, 1, 6), "2023-04-01", Some("2024-02-01")).await;

    let report = ytd(&app, "year=2024&as_of=2024-02-29").await;
    assert_eq!(report["grants"]["total"], 3, "{}", report["grants"]);
    assert_eq!(report["grants"]["utility_model"], 2);
    assert_eq!(report["grants"]["invention"], 1);
    // 29 February a year earlier is 28 February: the grant of that day counts, the next not.
    let last = &report["same_period_last_year"];
    assert_eq!(
        (last["from"].as_str(), last["to"].as_str()),
        (Some("2023-01-01"), Some("2023-02-28"))
    );
    assert_eq!(last["grants"]["total"], 1);
    // Filed on 1 January 2023 counts for 2023's applications as of its last day.
    assert_eq!(ytd(&app, "year=2023").await["applications"]["total"], 4);
    assert_eq!(report["growth_percent"]["grants"], 200.0);
    // None filed this year by 29 February, one by 28 February last year.
    assert_eq!(report["growth_percent"]["applications"], -100.0);
    // No grants in the period a year before: no growth is invented.
    let earlier = ytd(&app, "year=2023&as_of=2023-02-28").await;
    assert_eq!(earlier["grants"]["total"], 1);
    assert_eq!(earlier["growth_percent"]["grants"], Value::Null);

    // Archived patents never count.
    let id = archived["id"].as_i64().unwrap();
    let archive = json!({"version": archived["version"]}).to_string();
    let page = app
        .send_json(
            Method::Post,
            &format!("/api/v1/patents/{id}/archive"),
            &archive,
        )
        .await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    let report = ytd(&app, "year=2024&as_of=2024-02-29").await;
    assert_eq!(report["grants"]["total"], 2);
    assert_eq!(report["grants"]["invention"], 0);
    let months = report["by_month"].as_array().unwrap();
    assert_eq!(months.len(), 2);
    assert_eq!(
        (months[0]["grants"].as_i64(), months[1]["grants"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(months[1]["grants_cumulative"], 2);

    // Targets: the county's measure the report's figures; a township's sits on its row.
    let set = set_target(&app, json!({"year": 2024, "metric": "grants", "value": 8})).await;
    assert_eq!(set.status, Status::Ok, "{}", set.body);
    set_target(
        &app,
        json!({"year": 2024, "metric": "grants_utility_model", "value": 3}),
    )
    .await;
    set_target(
        &app,
        json!({"year": 2024, "metric": "grants", "township": "茅坪镇", "value": 5}),
    )
    .await;
    // Setting again replaces; a body without value clears.
    set_target(&app, json!({"year": 2024, "metric": "grants", "value": 4})).await;
    set_target(
        &app,
        json!({"year": 2024, "metric": "applications", "value": 9}),
    )
    .await;
    let cleared = set_target(&app, json!({"year": 2024, "metric": "applications"})).await;
    assert_eq!(cleared.json(), Value::Null);
    let report = ytd(&app, "year=2024&as_of=2024-02-29").await;
    assert_eq!(
        report["targets"]["grants"],
        json!({"target": 4, "done": 2, "percent": 50.0})
    );
    assert_eq!(
        report["targets"]["grants_utility_model"],
        json!({"target": 3, "done": 2, "percent": 66.7})
    );
    assert!(
        report["targets"].get("applications").is_none(),
        "{}",
        report["targets"]
    );
    let townships = report["by_township"].as_array().unwrap();
    let maoping = townships
        .iter()
        .find(|t| t["township"] == "茅坪镇")
        .unwrap();
    assert_eq!(
        (
            maoping["grants"].as_i64(),
            maoping["grants_target"].as_i64()
        ),
        (Some(2), Some(5))
    );
    let quyuan = townships
        .iter()
        .find(|t| t["township"] == "屈原镇")
        .unwrap();
    assert_eq!(quyuan["grants_target"], Value::Null);
    let listed = app.get("/api/v1/targets?year=2024").await.json();
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");
    assert_eq!(listed[0]["metric"], "grants");
    assert_eq!(listed[2]["township"], "茅坪镇");
    // A target read is sent back with a change: its id and version are its own, not refused.
    let mut changed = listed[0].clone();
    changed["value"] = json!(changed["value"].as_i64().unwrap() + 1);
    let sent_back = set_target(&app, changed.clone()).await;
    assert_eq!(sent_back.status, Status::Ok, "{}", sent_back.body);
    assert_eq!(sent_back.json()["value"], changed["value"]);
    assert_eq!(sent_back.json()["id"], listed[0]["id"]);
    // With no year the list is this year's, as on the page; a year that is no number is refused.
    let this_year = ipdesk::clock::today(ipdesk::settings::Timezone::default()).year();
    set_target(
        &app,
        json!({"year": this_year, "metric": "applications", "value": 9}),
    )
    .await;
    let current = app.get("/api/v1/targets").await;
    assert_eq!(current.status, Status::Ok, "{}", current.body);
    assert_eq!(current.json()[0]["year"], this_year, "{}", current.body);
    let not_a_year = app.get("/api/v1/targets?year=abc").await;
    assert_eq!(not_a_year.status, Status::UnprocessableEntity);
    assert!(not_a_year.json()["error"]["fields"]["year"].is_string());
    // The page says so too, where it showed this year's targets as if they were 1800's.
    let page = app.get("/reports/targets?year=1800").await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    page.assert_contains(&["年份 1800 不对（2000 至 2100）。"]);
}

#[rocket::async_test]
async fn targets_are_refused_with_their_reasons_and_only_admins_set_them() {
    let app = TestApp::admin().await;
    let bad = set_target(
        &app,
        json!({"year": 1900, "metric": "visits", "value": -1, "township": "火星镇"}),
    )
    .await;
    assert_eq!(bad.status, Status::UnprocessableEntity);
    let fields = &bad.json()["error"]["fields"];
    for field in ["year", "metric", "value", "township"] {
        assert!(fields[field].is_string(), "{field} in {fields}");
    }
    let other_year = app
        .get("/api/v1/reports/ytd?year=2026&as_of=2025-06-30")
        .await;
    assert_eq!(other_year.status, Status::UnprocessableEntity);
    let bad_day = app.get("/api/v1/reports/ytd?as_of=2026-02-30").await;
    assert_eq!(bad_day.status, Status::UnprocessableEntity);

    let viewer = TestApp::signed_in(ipdesk::auth::Role::Viewer).await;
    let refused = set_target(
        &viewer,
        json!({"year": 2024, "metric": "grants", "value": 1}),
    )
    .await;
    assert_eq!(refused.status, Status::Forbidden);
    assert_eq!(viewer.get("/api/v1/reports/ytd").await.status, Status::Ok);
}

#[rocket::async_test]
async fn the_dashboard_and_the_report_pages_show_the_figures_and_set_targets() {
    let app = TestApp::admin().await;
    set_zigui(&app).await;
    let token = app.token_for("admin").await;
    let name = "zigui-grants-2026.xlsx";
    api_import(&app, &token, name, &fixture(name), &[]).await;

    let saved = app
        .post_form(
            "/reports/targets",
            &[
                ("year", "2026"),
                ("metric", "grants"),
                ("township", ""),
                ("value", "200"),
            ],
        )
        .await;
    assert_eq!(
        saved.location.as_deref(),
        Some("/reports/targets?year=2026")
    );
    let targets = app.follow(&saved).await;
    targets.assert_contains(&["目标已保存", "全县", "专利授权", "200"]);
    let bad = app
        .post_form(
            "/reports/targets",
            &[
                ("year", "2026"),
                ("metric", "grants"),
                ("township", ""),
                ("value", "many"),
            ],
        )
        .await;
    app.follow(&bad).await.assert_contains(&["“many”不是整数"]);

    let report = app.get("/reports?year=2026&as_of=2026-06-30").await;
    assert_eq!(report.status, Status::Ok);
    report.assert_contains(&[
        "本年累计",
        "<svg role=\"img\" aria-label=\"分月累计授权\"",
        "分月累计授权",
        "年度目标 200，完成 65.5%",
        "去年同期 108",
        "增长 21.3%",
        // Invention grants: 29 against 22.
        "去年同期 22 · 增长 31.8%",
        // Applications fell: said as a fall, not as growth of -79.8%.
        "去年同期 104 · 下降 79.8%",
        "/exports/grants.xlsx?from=2026-01-01&amp;to=2026-06-30",
        "茅坪镇",
    ]);
    report.assert_lacks(&["增长 -"]);
    // Refused as every other value a page cannot take is (422), in the report's own sentence.
    let bad_year = app.get("/reports?year=1900").await;
    assert_eq!(bad_year.status, Status::UnprocessableEntity);
    bad_year.assert_contains(&["年份 1900 不对"]);
    let other_year = app.get("/reports?year=2026&as_of=2025-06-30").await;
    assert_eq!(other_year.status, Status::UnprocessableEntity);
    other_year.assert_contains(&["截止日期 2025-06-30 不在 2026 年内"]);
    let bad_day = app.get("/reports?as_of=2026-02-30").await;
    assert_eq!(bad_day.status, Status::Ok);
    bad_day.assert_contains(&["“2026-02-30”不是有效的日期"]);

    // The summary paragraph, from the same numbers.
    let summary = app
        .get("/api/v1/reports/summary?from=2026-01-01&to=2026-06-30")
        .await
        .json();
    assert_eq!(
        summary["text"].as_str().unwrap_or_default(),
        format!(
            "{}，共申报专利21项，其中发明专利3项、实用新型17项、外观设计1项；获得国家专利授权131项，完成年度计划任务的66%，比去年同期增长21%。",
            first_half_of_2026("zh")
        )
    );
    assert_eq!(
        (
            summary["from"].as_str(),
            summary["to"].as_str(),
            summary["lang"].as_str()
        ),
        (Some("2026-01-01"), Some("2026-06-30"), Some("zh-CN"))
    );
    let english = first_half_summary(&app, "en").await;
    assert!(
        english.starts_with(&format!(
            "{}, 21 patent applications were filed",
            first_half_of_2026("en")
        )),
        "{english}"
    );
    let bad = app.get("/api/v1/reports/summary?lang=fr").await;
    assert_eq!(bad.status, Status::UnprocessableEntity);
    // A named period of a year gives the paragraph of its dates.
    let named = app
        .get("/api/v1/reports/summary?period=h1&year=2026")
        .await
        .json();
    assert_eq!(named["text"], summary["text"]);
    assert_eq!(named["to"], "2026-06-30");
    // A month: the monthly work summary's paragraph (3月份, or 2026年3月 in another year).
    let march = app
        .get("/api/v1/reports/summary?period=m3&year=2026")
        .await
        .json();
    assert_eq!(
        (&march["from"], &march["to"]),
        (&json!("2026-03-01"), &json!("2026-03-31"))
    );
    let this_year = ipdesk::clock::today(ipdesk::settings::Timezone::default()).year();
    let march_words = if this_year == 2026 {
        "3月份，"
    } else {
        "2026年3月，"
    };
    let text = march["text"].as_str().unwrap_or_default();
    assert!(text.starts_with(march_words), "{text}");
    let page = app
        .get("/reports?year=2026&as_of=2026-06-30&period=m3")
        .await;
    page.assert_contains(&[march_words, "<option value=\"m3\" selected>3月</option>"]);
    let unknown = app.get("/api/v1/reports/summary?period=h3").await;
    assert_eq!(unknown.status, Status::UnprocessableEntity);
    unknown.assert_contains(&["没有“h3”这个时段"]);
    app.get("/api/v1/reports/summary?period=m13")
        .await
        .assert_refused_on("period", "m1—m12（1—12月）");
    let both = app
        .get("/api/v1/reports/summary?period=h1&from=2026-01-01")
        .await;
    assert_eq!(both.status, Status::UnprocessableEntity);
    both.assert_contains(&["只能二选一"]);
    for path in [
        "/api/v1/reports/summary?period=h1&year=20x6",
        "/api/v1/reports/ytd?year=20x6",
    ] {
        let bad_year = app.get(path).await;
        assert_eq!(bad_year.status, Status::UnprocessableEntity, "{path}");
        bad_year.assert_contains(&["“20x6”不是整数"]);
    }
    let page = app
        .get("/reports?year=2026&as_of=2026-06-30&period=h1")
        .await;
    let first_half = format!("{}，共申报专利21项", first_half_of_2026("zh"));
    page.assert_contains(&["工作总结", &first_half, "data-copy=\"summary-text\""]);
    // Without a period chosen, the paragraph tells the days the cards count: the half year's
    // report its half year, a month's end the months up to it, not the whole year.
    let half_year = app.get("/reports?year=2026&as_of=2026-06-30").await;
    half_year.assert_contains(&[&first_half, "获得国家专利授权131项"]);
    half_year.assert_lacks(&["2026年全年，"]);
    let months = app.get("/reports?year=2026&as_of=2026-05-31").await;
    months.assert_contains(&[
        "2026年1—5月，共申报专利",
        "<option value=\"so_far\" selected>年初至截止日期</option>",
    ]);
    app.switch_to_english().await;
    let months = app.get("/reports?year=2026&as_of=2026-05-31").await;
    months.assert_contains(&["In the first 5 months of 2026, "]);
    months.assert_lacks(&["In 2026, "]);
    app.get("/lang/zh-CN?next=/").await;
    // The days a bureau reports as of are one click away, and each opens the report as of it.
    let today = ipdesk::clock::today(ipdesk::settings::Timezone::default());
    let days = ipdesk::reports::summary::report_days(today);
    let offered = app.get("/reports").await;
    offered.assert_contains(&["按报送时点"]);
    for day in &days {
        let link = format!("/reports?year={}&amp;as_of={day}", day.year());
        offered.assert_contains(&[link.as_str()]);
    }
    let last_year = format!("{}年全年", today.year() - 1);
    offered.assert_contains(&[last_year.as_str()]);
    let first = days[0];
    let opened = app
        .get(&format!("/reports?year={}&as_of={first}", first.year()))
        .await;
    let words = ipdesk::reports::summary::report_day_words(first, ipdesk::i18n::Lang::ZhCn);
    let current = format!("aria-current=\"page\">{words}</a>");
    opened.assert_contains(&[format!("至 {first}").as_str(), current.as_str()]);

    // The Excel report: the months with their sums, the growth, the townships, the summary and
    // a native chart of stacked columns with the cumulative line.
    let response = app
        .client
        .get("/reports/ytd.xlsx?year=2026&as_of=2026-06-30")
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    let disposition = response
        .headers()
        .get_one("Content-Disposition")
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.contains(&crate::support::urlencode(
            "专利授权统计表_秭归县_2026-06-30.xlsx"
        )),
        "{disposition}"
    );
    let bytes = response.into_bytes().await.unwrap();
    let sheet = |name: &str| -> Vec<Vec<calamine::Data>> {
        use calamine::Reader;
        let mut book =
            calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        book.worksheet_range(name)
            .unwrap()
            .rows()
            .map(|r| r.to_vec())
            .collect()
    };
    let months = sheet("分月统计");
    assert_eq!(months[2][1].to_string(), "专利授权");
    assert_eq!(months[3][0].to_string(), "1月");
    assert_eq!(months[3][1], calamine::Data::Float(19.0));
    let totals = months.last().unwrap();
    assert_eq!(totals[0].to_string(), "合计");
    assert_eq!(totals[1], calamine::Data::Float(131.0));
    assert_eq!(totals[2], calamine::Data::Float(29.0));
    let june_growth = match months[8][8] {
        calamine::Data::Float(g) => g,
        ref other => panic!("{other:?}"),
    };
    assert!((june_growth - 0.213).abs() < 0.0005, "{june_growth}");
    let townships = sheet("分乡镇情况");
    assert!(
        townships
            .iter()
            .any(|r| r[0] == calamine::Data::String("茅坪镇".into())
                && r[1] == calamine::Data::Float(13.0))
    );
    let summary_sheet = sheet("工作总结");
    assert!(
        summary_sheet
            .iter()
            .flatten()
            .any(|c| c.to_string().contains("共申报专利21项")),
        "{summary_sheet:?}"
    );
    let chart = {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/charts/chart1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    };
    assert!(
        chart.contains("<c:grouping val=\"stacked\"/>") && chart.contains("<c:lineChart>"),
        "{chart}"
    );
    assert!(chart.contains("分月统计!$C$4:$C$9"), "{chart}");

    let home = app.get("/").await;
    home.assert_contains(&["专利授权", "<svg role=\"img\"", "最近的导入", name]);
    // Figures of four digits and more: English groups the thousands, Chinese writes them whole.
    let event = json!({
        "kind": "world_ip_day", "title": "4.26宣传周", "starts_on": "2026-04-26",
        "attendees": 12600, "materials_count": 1260, "consultations": 30,
    });
    let created = app
        .send_json(Method::Post, "/api/v1/events", &event.to_string())
        .await;
    assert_eq!(created.status, Status::Created, "{}", created.body);
    app.get("/reports?year=2026&as_of=2026-06-30")
        .await
        .assert_contains(&["参加12600人次 · 发放资料1260份"]);
    app.switch_to_english().await;
    app.get("/reports?year=2026&as_of=2026-06-30")
        .await
        .assert_contains(&[
            "Year to date",
            "Cumulative grants by month",
            "of the target 200: 65.5%",
            "up 21.3%",
            "down 79.8%",
            "12,600 attendees · 1,260 materials · 30 consultations",
        ]);
    let english = first_half_summary(&app, "en").await;
    assert!(english.contains("handing out 1,260 materials"), "{english}");

    let viewer = TestApp::signed_in(ipdesk::auth::Role::Viewer).await;
    viewer
        .get("/reports/targets")
        .await
        .assert_lacks(&["设置目标"]);
}

/// What the tallies the report reads should hold, from the patents themselves: one row per patent
/// and date, by `value` (the type, or the township with 0 for none).
fn counted_from_patents(value: &str) -> String {
    format!(
        "SELECT 'granted' AS date_of, granted_on AS day, {value} AS value, 1 AS patents \
         FROM patents WHERE archived_at IS NULL AND granted_on IS NOT NULL \
         UNION ALL \
         SELECT 'filed', filed_on, {value}, 1 \
         FROM patents WHERE archived_at IS NULL AND filed_on IS NOT NULL"
    )
}

type DayCount = (String, String, String, i64);

async fn day_counts(db: &DatabaseConnection, source: &str) -> Vec<DayCount> {
    let sql = format!(
        "SELECT date_of, CAST(day AS TEXT), CAST(value AS TEXT), CAST(SUM(patents) AS BIGINT) \
         FROM ({source}) c GROUP BY date_of, CAST(day AS TEXT), CAST(value AS TEXT) \
         HAVING SUM(patents) <> 0 ORDER BY 1, 2, 3"
    );
    let statement = Statement::from_string(db.get_database_backend(), sql);
    db.query_all_raw(statement)
        .await
        .unwrap()
        .iter()
        .map(|row| {
            (
                row.try_get_by_index(0).unwrap(),
                row.try_get_by_index(1).unwrap(),
                row.try_get_by_index(2).unwrap(),
                row.try_get_by_index(3).unwrap(),
            )
        })
        .collect()
}

/// Fails unless what the report reads besides the patents — the tallies, each patent's first
/// applicant's enterprise, and the filing day beside each applicant — agrees with the patents and their applicants: every way of writing
/// patents or enterprises (forms, API, archiving, linking names, imports and their undo) must
/// keep them.
pub(crate) async fn assert_report_sources_true(db: &DatabaseConnection, when: &str) {
    let differs = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "IS DISTINCT FROM",
        _ => "IS NOT",
    };
    let stale = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM patents p WHERE p.first_applicant_enterprise_id \
         {differs} (SELECT a.enterprise_id FROM patent_applicants a \
         WHERE a.patent_id = p.id AND a.position = 0)"
    );
    let statement = Statement::from_string(db.get_database_backend(), stale);
    let row = db.query_one_raw(statement).await.unwrap().unwrap();
    let stale: i64 = row.try_get_by_index(0).unwrap();
    assert_eq!(
        stale, 0,
        "patents whose first applicant's enterprise is stale {when}"
    );
    let stale = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM patent_applicants a JOIN patents p \
         ON p.id = a.patent_id \
         WHERE a.filed_on {differs} (CASE WHEN p.archived_at IS NULL THEN p.filed_on END)"
    );
    let statement = Statement::from_string(db.get_database_backend(), stale);
    let row = db.query_one_raw(statement).await.unwrap().unwrap();
    let stale: i64 = row.try_get_by_index(0).unwrap();
    assert_eq!(stale, 0, "applicants whose filing day is stale {when}");

    for (tally, column, value) in [
        ("patent_type_days", "patent_type", "patent_type"),
        (
            "patent_township_days",
            "township_id",
            "COALESCE(township_id, 0)",
        ),
    ] {
        let counted = format!("SELECT date_of, day, {column} AS value, patents FROM {tally}");
        let truth = day_counts(db, &counted_from_patents(value)).await;
        assert_eq!(day_counts(db, &counted).await, truth, "{tally} {when}");
        // Folding PostgreSQL's pending changes into the counts changes nothing the report reads.
        ipdesk::reports::tallies::fold(db).await.unwrap();
        assert_eq!(
            day_counts(db, &counted).await,
            truth,
            "{tally} folded {when}"
        );
    }
    // The holders' tally: grants by year and first applicant's enterprise, or name if unlinked.
    let year = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "CAST(EXTRACT(YEAR FROM granted_on) AS INTEGER)",
        _ => "CAST(substr(granted_on, 1, 4) AS INTEGER)",
    };
    let held = "SELECT 'granted' AS date_of, year AS day, \
                CAST(enterprise_id AS TEXT) || ':' || holder_key AS value, grants AS patents \
                FROM patent_holder_years";
    let truth = format!(
        "SELECT 'granted' AS date_of, {year} AS day, \
         CAST(COALESCE(first_applicant_enterprise_id, 0) AS TEXT) || ':' || \
         CASE WHEN first_applicant_enterprise_id IS NULL THEN first_applicant_key ELSE '' END \
         AS value, 1 AS patents FROM patents WHERE archived_at IS NULL \
         AND granted_on IS NOT NULL AND first_applicant_key IS NOT NULL"
    );
    let truth = day_counts(db, &truth).await;
    assert_eq!(day_counts(db, held).await, truth, "holders {when}");
    ipdesk::reports::tallies::fold(db).await.unwrap();
    assert_eq!(day_counts(db, held).await, truth, "holders folded {when}");
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        let pending = "SELECT CAST(COUNT(*) AS BIGINT) FROM patent_type_days_deltas";
        let statement = Statement::from_string(db.get_database_backend(), pending);
        let row = db.query_one_raw(statement).await.unwrap().unwrap();
        let pending: i64 = row.try_get_by_index(0).unwrap();
        assert_eq!(pending, 0, "changes left unfolded {when}");
    }
}

#[rocket::async_test]
async fn the_day_counts_follow_every_edit_of_a_patent() {
    let app = admin_with_townships().await;
    let granted = patent(&app, &number(2023, 2, 1), "2023-01-05", Some("2024-01-10")).await;
    let filed = patent(&app, &number(2024, 1, 2), "2024-02-01", None).await;
    assert_report_sources_true(&app.db, "after two patents").await;
    let by_type = counted_from_patents("patent_type");
    assert_eq!(day_counts(&app.db, &by_type).await.len(), 3);

    // Granted, and moved to another township and filing day, in one edit.
    let edited = app
        .send_json(
            Method::Put,
            &format!("/api/v1/patents/{}", filed["id"]),
            &json!({
                "application_number": number(2024, 1, 2),
                "title": "一种脐橙包装盒",
                "applicants": ["秭归县屈乡脐橙有限公司"],
                "filed_on": "2024-02-02",
                "granted_on": "2024-06-01",
                "township": "屈原镇",
                "version": filed["version"],
            })
            .to_string(),
        )
        .await;
    assert_eq!(edited.status, Status::Ok, "{}", edited.body);
    assert_report_sources_true(&app.db, "after an edit").await;
    let report = ytd(&app, "year=2024&as_of=2024-12-31").await;
    assert_eq!(report["grants"]["total"], 2, "{}", report["grants"]);
    assert_eq!(report["grants"]["invention"], 1);
    assert_eq!(report["applications"]["invention"], 1);

    let archive = |action: &'static str, version: i64| {
        let app = &app;
        let id = granted["id"].clone();
        async move {
            let page = app
                .send_json(
                    Method::Post,
                    &format!("/api/v1/patents/{id}/{action}"),
                    &json!({ "version": version }).to_string(),
                )
                .await;
            assert_eq!(page.status, Status::Ok, "{}", page.body);
            page.json()["version"].as_i64().unwrap()
        }
    };
    let version = archive("archive", granted["version"].as_i64().unwrap()).await;
    assert_report_sources_true(&app.db, "after archiving").await;
    assert_eq!(
        ytd(&app, "year=2024&as_of=2024-12-31").await["grants"]["total"],
        1
    );
    archive("restore", version).await;
    assert_report_sources_true(&app.db, "after restoring").await;
    assert_eq!(
        ytd(&app, "year=2024&as_of=2024-12-31").await["grants"]["total"],
        2
    );
}

#[rocket::async_test]
async fn a_grant_counts_for_its_first_applicant_and_the_enterprise_it_is_linked_to() {
    let app = TestApp::admin().await;
    let enterprise = app
        .send_json(
            Method::Post,
            "/api/v1/enterprises",
            &json!({"name": "秭归县屈乡脐橙有限公司"}).to_string(),
        )
        .await;
    assert_eq!(enterprise.status, Status::Created, "{}", enterprise.body);
    let enterprise_id = enterprise.json()["id"].as_i64().unwrap();
    let grant = |serial: u32, applicants: Value| {
        let app = &app;
        async move {
            let body = json!({
                "application_number": number(2025, 2, serial),
                "title": "一种脐橙分拣装置",
                "applicants": applicants,
                "filed_on": "2025-03-01",
                "granted_on": "2026-02-01",
            });
            let page = app
                .send_json(Method::Post, "/api/v1/patents", &body.to_string())
                .await;
            assert_eq!(page.status, Status::Created, "{}", page.body);
        }
    };
    // Two spellings of the enterprise count together; a person first counts for the person, even
    // with the enterprise second; the enterprise second to a person does not count.
    grant(1, json!(["秭归县屈乡脐橙有限公司"])).await;
    grant(2, json!(["屈乡脐橙公司", {"name": "王五"}])).await;
    grant(3, json!(["秭归县 屈乡脐橙有限公司"])).await;
    grant(4, json!([{"name": "王五"}, "秭归县屈乡脐橙有限公司"])).await;
    grant(5, json!([{"name": "王五"}])).await;
    grant(6, json!([{"name": "赵六"}])).await;
    // The second spelling becomes the enterprise's name after its grant was recorded.
    let linked = app
        .send_json(
            Method::Post,
            &format!("/api/v1/enterprises/{enterprise_id}/names"),
            &json!({"name": "屈乡脐橙公司"}).to_string(),
        )
        .await;
    assert_eq!(linked.status, Status::Created, "{}", linked.body);
    assert_report_sources_true(&app.db, "after linking a name").await;

    let report = ytd(&app, "year=2026&as_of=2026-06-30").await;
    let top: Vec<(String, Option<i64>, i64)> = report["top_enterprises"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["enterprise_id"].as_i64(),
                t["grants"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        top,
        [
            ("秭归县屈乡脐橙有限公司".to_owned(), Some(enterprise_id), 3),
            ("王五".to_owned(), None, 2),
            ("赵六".to_owned(), None, 1),
        ]
    );

    // A grant dated after the as-of day: the year's tally no longer answers for that day, and the
    // grants are counted as of it; as of the year's end, the tally counts the later grant too.
    let late = json!({
        "application_number": number(2025, 1, 7),
        "title": "一种脐橙保鲜装置7",
        "applicants": [{"name": "赵六"}],
        "filed_on": "2025-03-01",
        "granted_on": "2026-09-01",
    });
    let page = app
        .send_json(Method::Post, "/api/v1/patents", &late.to_string())
        .await;
    assert_eq!(page.status, Status::Created, "{}", page.body);
    assert_report_sources_true(&app.db, "after a later grant").await;
    let grants_of = |report: &Value, name: &str| {
        report["top_enterprises"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t["grants"].as_i64().unwrap())
    };
    let mid_year = ytd(&app, "year=2026&as_of=2026-06-30").await;
    assert_eq!(grants_of(&mid_year, "赵六"), Some(1), "{}", mid_year);
    assert_eq!(grants_of(&mid_year, "王五"), Some(2));
    let year_end = ytd(&app, "year=2026&as_of=2026-12-31").await;
    assert_eq!(grants_of(&year_end, "赵六"), Some(2), "{}", year_end);
    assert_eq!(
        grants_of(&year_end, "秭归县屈乡脐橙有限公司"),
        Some(3),
        "{}",
        year_end["top_enterprises"]
    );
}

#[rocket::async_test]
async fn an_enterprise_import_links_first_applicants_and_its_undo_unlinks_them() {
    let app = TestApp::admin().await;
    set_zigui(&app).await;
    let token = app.token_for("admin").await;
    // Recorded before the enterprise is: its grant belongs to the name alone.
    let patent = app
        .send_json(
            Method::Post,
            "/api/v1/patents",
            &json!({
                "application_number": number(2025, 2, 7),
                "title": "一种脐橙采摘器",
                "applicants": ["秭归县屈乡脐橙有限公司", {"name": "王五"}],
                "filed_on": "2025-03-01",
                "granted_on": "2026-02-01",
            })
            .to_string(),
        )
        .await;
    assert_eq!(patent.status, Status::Created, "{}", patent.body);
    let top = |report: &Value| report["top_enterprises"][0]["enterprise_id"].clone();
    assert_eq!(
        top(&ytd(&app, "year=2026&as_of=2026-06-30").await),
        Value::Null
    );

    let imported = import_high_tech_list(&app, &token).await.json();
    assert_eq!(imported["new"], 3, "{imported}");
    assert_report_sources_true(&app.db, "after an enterprise import").await;
    let report = ytd(&app, "year=2026&as_of=2026-06-30").await;
    assert!(top(&report).is_i64(), "{}", report["top_enterprises"]);
    assert_eq!(
        report["top_enterprises"][0]["name"],
        "秭归县屈乡脐橙有限公司"
    );

    let undo = crate::support::with_bearer(
        &app,
        Method::Post,
        &format!("/api/v1/imports/{}/undo", imported["batch_id"]),
        &token,
        None,
    )
    .await;
    assert_eq!(undo.status, Status::Ok, "{}", undo.body);
    assert_report_sources_true(&app.db, "after its undo").await;
    let report = ytd(&app, "year=2026&as_of=2026-06-30").await;
    assert_eq!(top(&report), Value::Null, "{}", report["top_enterprises"]);
    assert_eq!(
        report["top_enterprises"][0]["name"],
        "秭归县屈乡脐橙有限公司"
    );
}

/// On PostgreSQL two writers of patents granted on the same day do not wait for each other: each
/// appends its own changes to the tallies, and neither updates a row the other needs (see the
/// migration `postgres_tallies`). What both wrote counts once both commit.
#[rocket::async_test]
async fn writers_of_the_same_day_do_not_queue_on_postgresql() {
    use sea_orm::TransactionTrait;

    let app = TestApp::admin().await;
    if app.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        eprintln!("SKIPPED: PostgreSQL only");
        return;
    }
    let insert = |serial: u32| {
        format!(
            "INSERT INTO patents (application_number, patent_type, title, inventors, status, \
             source, search_text, filed_on, granted_on, created_at, updated_at) \
             VALUES ('{}', 'invention', '一种装置', '[]', 'granted', 'form', '', \
             '2023-01-05', '2024-03-01', now(), now())",
            number(2023, 1, serial).replace('.', "")
        )
    };
    let first = app.db.begin().await.unwrap();
    first.execute_unprepared(&insert(1)).await.unwrap();
    let second = async {
        let txn = app.db.begin().await.unwrap();
        txn.execute_unprepared(&insert(2)).await.unwrap();
        txn.commit().await.unwrap();
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), second)
        .await
        .expect("the second writer waited for the first");
    first.commit().await.unwrap();
    let report = ytd(&app, "year=2024&as_of=2024-12-31").await;
    assert_eq!(report["grants"]["invention"], 2, "{}", report["grants"]);
    assert_report_sources_true(&app.db, "after two writers at once").await;
}

/// On PostgreSQL a transaction that counts its own new patents in the tallies (the import, which
/// sums them as it builds the rows) is left alone by the tallies' insert triggers — and only that
/// transaction: the next one is counted by the triggers again.
#[rocket::async_test]
async fn the_insert_triggers_leave_only_a_self_counting_transaction_alone() {
    use ipdesk::reports::tallies::count_inserts_here;
    use sea_orm::TransactionTrait;

    let app = TestApp::admin().await;
    if app.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        // SQLite's import drops its row triggers for a bulk load instead.
        assert!(!count_inserts_here(&app.db).await.unwrap());
        eprintln!("SKIPPED: PostgreSQL only");
        return;
    }
    let insert = |serial: u32| {
        format!(
            "INSERT INTO patents (application_number, patent_type, title, inventors, status, \
             source, search_text, filed_on, granted_on, first_applicant_key, created_at, \
             updated_at) VALUES ('{}', 'invention', '一种装置', '[]', 'granted', 'form', '', \
             '2023-01-05', '2024-03-01', '秭归县茶业', now(), now())",
            number(2023, 1, serial).replace('.', "")
        )
    };
    ipdesk::reports::tallies::fold(&app.db).await.unwrap();

    let counting = app.db.begin().await.unwrap();
    assert!(count_inserts_here(&counting).await.unwrap());
    counting.execute_unprepared(&insert(1)).await.unwrap();
    assert_eq!(
        pending_tally_changes(&counting).await,
        0,
        "the triggers counted a self-counting insert"
    );
    counting.rollback().await.unwrap();

    let plain = app.db.begin().await.unwrap();
    plain.execute_unprepared(&insert(2)).await.unwrap();
    // Two days (filed, granted) in two day tallies, and the grant by holder.
    assert_eq!(
        pending_tally_changes(&plain).await,
        5,
        "the triggers left a plain insert uncounted"
    );
    plain.commit().await.unwrap();
    assert_report_sources_true(&app.db, "after a plain insert").await;
}

/// PostgreSQL: how many changes the tallies hold that are not folded yet.
async fn pending_tally_changes(db: &impl ConnectionTrait) -> i64 {
    let sql = "SELECT CAST((SELECT COUNT(*) FROM patent_type_days_deltas) + \
               (SELECT COUNT(*) FROM patent_township_days_deltas) + \
               (SELECT COUNT(*) FROM patent_holder_years_deltas) AS BIGINT)";
    let statement = Statement::from_string(db.get_database_backend(), sql);
    let row = db.query_one_raw(statement).await.unwrap().unwrap();
    row.try_get_by_index(0).unwrap()
}

/// The migrations behind the report's sources at scale (the applicants' filing day, PostgreSQL's
/// counted tallies, the holders' tally) go down and up again over recorded patents, and what they
/// keep agrees with the patents afterwards.
#[rocket::async_test]
async fn the_report_migrations_go_down_and_up_again() {
    use migrations::MigratorTrait;

    let app = admin_with_townships().await;
    patent(&app, &number(2023, 2, 1), "2023-01-05", Some("2024-01-10")).await;
    patent(&app, &number(2024, 1, 2), "2024-02-01", None).await;
    let migrating = app.migration_connection().await;
    migrations::Migrator::down(&migrating, Some(4))
        .await
        .unwrap();
    migrations::Migrator::up(&migrating, None).await.unwrap();
    assert_report_sources_true(&app.db, "after the migrations went down and up").await;
    let report = ytd(&app, "year=2024&as_of=2024-12-31").await;
    assert_eq!(report["grants"]["total"], 1, "{}", report["grants"]);
}

/// The year so far is kept between requests while nothing is committed; every commit shows at
/// once: a grant through the API, a grant archived by another connection (as by a CLI command or
/// another instance), a target set on the web — on the dashboard, the report page and the API.
#[rocket::async_test]
async fn the_kept_report_shows_every_commit_at_once() {
    let app = TestApp::signed_in(ipdesk::auth::Role::Admin).await;
    let settings = ipdesk::settings::service::load(&app.db).await.unwrap();
    let today = ipdesk::clock::today(settings.timezone);
    let grants = |json: Value| json["grants"]["total"].as_i64().unwrap();
    assert_eq!(grants(ytd(&app, "").await), 0);
    let dashboard = app.get("/").await;
    assert_eq!(dashboard.status, Status::Ok);

    let mut patent = json!({
        "application_number": format!("2020{}", "10000001"),
        "title": "一种茶叶揉捻装置",
        "applicants": ["秭归县屈原茶业有限公司"],
        "filed_on": "2020-03-02",
        "granted_on": today.to_string(),
    });
    let number = patent["application_number"].as_str().unwrap().to_owned();
    patent["application_number"] = json!(format!("{number}{}", check_character(&number).unwrap()));
    let created = app
        .send_json(Method::Post, "/api/v1/patents", &patent.to_string())
        .await;
    assert_eq!(created.status, Status::Created, "{}", created.body);
    assert_eq!(grants(ytd(&app, "").await), 1);
    assert_ne!(
        app.get("/").await.body,
        dashboard.body,
        "the dashboard kept its old figures"
    );

    let other = app._database.connect().await;
    other
        .execute_unprepared("UPDATE patents SET archived_at = CURRENT_TIMESTAMP")
        .await
        .unwrap();
    assert_eq!(grants(ytd(&app, "").await), 0);
    other.close().await.unwrap();

    let year = today.format("%Y").to_string();
    let saved = app
        .post_form(
            "/reports/targets",
            &[
                ("year", year.as_str()),
                ("metric", "grants"),
                ("township", ""),
                ("value", "7"),
            ],
        )
        .await;
    assert_eq!(saved.status, Status::SeeOther);
    assert_eq!(ytd(&app, "").await["targets"]["grants"]["target"], 7);
    app.get("/reports").await.assert_contains(&["年度目标 7，"]);
}

/// Asked again with nothing committed, the dashboard draws the kept report: its tallies are not
/// read a second time (the first page of every officer, on a register of a million patents).
/// PostgreSQL's stamp is the cluster's snapshot, which other tests' databases move too: there a
/// pair of requests with no commit between them anywhere is waited for, a few tries at most.
#[rocket::async_test]
async fn the_dashboard_reads_the_tallies_once_while_nothing_changes() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let tallies_read = Arc::new(AtomicUsize::new(0));
    let app = {
        let seen = tallies_read.clone();
        TestApp::spawn_watching(move |info| {
            if info.statement.sql.contains("patent_type_days") {
                seen.fetch_add(1, Ordering::SeqCst);
            }
        })
        .await
    };
    app.create_user("officer", ipdesk::auth::Role::Officer)
        .await;
    app.login("officer", crate::support::PASSWORD).await;
    assert_eq!(app.get("/").await.status, Status::Ok);
    assert!(
        tallies_read.load(Ordering::SeqCst) > 0,
        "the first dashboard read no tallies"
    );
    let tries = if app._database.is_postgres() { 200 } else { 1 };
    for path in ["/", "/reports", "/api/v1/reports/ytd"] {
        let mut kept = false;
        for _ in 0..tries {
            assert_eq!(app.get(path).await.status, Status::Ok);
            tallies_read.store(0, Ordering::SeqCst);
            assert_eq!(app.get(path).await.status, Status::Ok);
            if tallies_read.load(Ordering::SeqCst) == 0 {
                kept = true;
                break;
            }
        }
        assert!(kept, "{path} read the tallies every time");
    }
}
