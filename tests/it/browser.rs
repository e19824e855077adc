//! A real browser walks the officer's day: headless Chromium, driven through chromedriver, against
//! the `ipdesk` binary serving a fresh database on 127.0.0.1. Every step is photographed at 1280 px
//! and at a 390 px phone width under target/e2e/, and every page is checked for what a person
//! would notice: a request to anywhere but 127.0.0.1 (chromedriver's network log), a field
//! without a label, a page wider than the phone, a number not right-aligned, a date written
//! another way than 2026-06-30, focus that cannot be seen.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use calamine::Reader;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::wd::{PrintConfiguration, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use ipdesk::config::random_key_hex;

use crate::support::{PASSWORD, TestDatabase, repo_path};

const BIN: &str = env!("CARGO_BIN_EXE_ipdesk");
const WIDE: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);
/// Set by .ci/run: there the walk must run, never skip.
const REQUIRED_ENV: &str = "IPDESK_E2E_REQUIRED";

#[tokio::test]
async fn an_officer_s_day_in_a_real_browser() {
    let Some(chromedriver) = program_on_path("chromedriver") else {
        assert!(
            std::env::var_os(REQUIRED_ENV).is_none(),
            "{REQUIRED_ENV} is set but chromedriver is not installed"
        );
        eprintln!(
            "SKIPPED the browser walk: chromedriver is not installed (Debian packages chromium \
             and chromium-driver; .ci/run installs them)"
        );
        return;
    };
    let database = TestDatabase::new().await;
    let app = App::start(&database);
    let driver_port = free_port();
    let _driver = Process::start(
        Command::new(chromedriver)
            .arg(format!("--port={driver_port}"))
            // The browser speaks Chinese, as on an officer's computer (its date fields show 2026/06/30);
            // C.UTF-8, which every Debian has, lets it write Chinese file names.
            .env("LANGUAGE", "zh_CN")
            .env("LANG", "C.UTF-8")
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let files = tempfile::tempdir().unwrap();
    let client = connect(driver_port, files.path()).await;
    let mut walk = Walk {
        client,
        base: app.base.clone(),
        shots: screenshot_dir(),
        taken: 0,
        downloads: files.path().join("downloads"),
    };
    let result = officer_s_day(&mut walk, &app.setup_link).await;
    let _ = walk.client.clone().close().await;
    if let Err(error) = result {
        panic!(
            "{error}\n(the screenshots so far are in {})",
            walk.shots.display()
        );
    }
}

type Step = Result<(), String>;

async fn officer_s_day(walk: &mut Walk, setup_link: &str) -> Step {
    first_run_and_sign_in(walk, setup_link).await?;
    configure(walk).await?;
    import_a_roster(walk).await?;
    let patent = create_a_patent_and_grant_it(walk).await?;
    open_a_case_from_an_inspection(walk).await?;
    export_the_patents(walk, &patent).await?;
    switch_to_english(walk).await?;
    every_page_in_both_widths(walk).await?;
    the_page_checks_catch_what_they_look_for(walk).await
}

/// The checks that every page passed can fail: an image from outside, a field without a label,
/// a date written another way and a block too wide for the phone, put on a page by hand, are each
/// reported.
async fn the_page_checks_catch_what_they_look_for(walk: &mut Walk) -> Step {
    let planted = [
        (
            "const i = new Image(); i.src = 'http://192.0.2.1/pixel.png'; document.body.append(i);",
            "http://192.0.2.1/pixel.png",
        ),
        (
            "const f = document.createElement('input'); f.name = 'stray'; document.body.append(f);",
            "fields without a label",
        ),
        (
            "const p = document.createElement('p'); p.textContent = '2026年6月30日'; document.querySelector('main').append(p);",
            "dates not written 2026-06-30",
        ),
        (
            "const d = document.createElement('div'); d.style.width = '900px'; d.textContent = 'x'; document.querySelector('main').append(d);",
            "wider than the 390 px window",
        ),
    ];
    for (plant, expected) in planted {
        walk.go("/").await?;
        walk.client
            .set_window_size(PHONE.0, PHONE.1)
            .await
            .map_err(e)?;
        walk.script(plant).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        match walk.check_page(PHONE.0).await {
            Err(report) if report.contains(expected) => {}
            other => return Err(format!("planting {plant:?} was not reported: {other:?}")),
        }
    }
    Ok(())
}

/// The setup link from the server's first lines, the first administrator, then signing out and
/// in again as a person does the next morning.
async fn first_run_and_sign_in(walk: &mut Walk, setup_link: &str) -> Step {
    walk.client.goto(setup_link).await.map_err(e)?;
    walk.expect_text("创建管理员").await?;
    walk.shot("setup").await?;
    walk.fill_user("setup", ("zhangsan", "张三", "42050001"))
        .await?;
    walk.submit("form[action^='/setup']").await?;
    walk.expect_text("张三").await?;
    walk.submit("form.logout-form").await?;
    walk.expect_element("#login-username").await?;
    walk.shot("login").await?;
    walk.fill("login-username", "zhangsan").await?;
    walk.fill("login-password", "wrong password").await?;
    walk.submit("form[action='/login']").await?;
    walk.expect_text("用户名或密码不正确").await?;
    // The second time by keyboard alone: Tab to the password, Enter to sign in.
    walk.fill("login-username", "zhangsan").await?;
    walk.type_keys(&Key::Tab.to_string()).await?;
    walk.mark_page().await?;
    walk.type_keys(&format!("{PASSWORD}{}", Key::Enter)).await?;
    walk.settle().await?;
    walk.expect_text("欢迎，张三").await?;
    walk.focus_is_visible().await?;
    // The empty desk offers the samples, with the day they may be dated up to.
    walk.expect_element("#demo-as_of").await?;
    walk.shot("home-empty").await
}

/// The county the rosters are filtered by, and a second certified officer for the case.
async fn configure(walk: &mut Walk) -> Step {
    walk.go("/settings").await?;
    walk.fill("jurisdiction-county", "秭归县").await?;
    walk.submit("form[action='/settings/jurisdiction']").await?;
    walk.expect_text("已保存").await?;
    walk.shot("settings").await?;
    walk.go("/admin/users").await?;
    walk.fill_user("user_add", ("lisi", "李四", "42050002"))
        .await?;
    walk.choose("user_add-role", "officer").await?;
    walk.submit("form[action='/admin/users']").await?;
    walk.expect_text("李四").await?;
    walk.shot("users").await
}

/// The upload page with the repository's file `path` chosen.
async fn choose_upload(walk: &mut Walk, path: &str) -> Step {
    walk.go("/imports").await?;
    walk.find("#upload-file")
        .await?
        .send_keys(&repo_path(path).display().to_string())
        .await
        .map_err(e)
}

/// The province's roster: upload, read the preview, commit; the dashboard then shows the year.
async fn import_a_roster(walk: &mut Walk) -> Step {
    choose_upload(walk, "tests/fixtures/zigui-grants-2026.xlsx").await?;
    walk.shot("upload").await?;
    walk.submit("form.upload-form").await?;
    let commit = "form.commit-form button";
    walk.wait_for(commit, Duration::from_secs(60)).await?;
    // The fixture's expected counts: 400 new rows, 23 invalid, 169 outside the county.
    walk.expect_text("400").await?;
    walk.expect_text("169").await?;
    walk.shot("preview").await?;
    walk.submit("form.commit-form").await?;
    walk.wait_for_text("已导入", Duration::from_secs(60))
        .await?;
    walk.shot("committed").await?;
    // The revised roster, previewed only: its updated rows' changed cells marked, each with the
    // value it replaces.
    choose_upload(walk, "tests/fixtures/zigui-grants-2026-revised.xlsx").await?;
    walk.submit("form.upload-form").await?;
    walk.wait_for(commit, Duration::from_secs(60)).await?;
    walk.click("a.status-updated").await?;
    walk.wait_for("td.cell-changed", Duration::from_secs(30))
        .await?;
    walk.expect_text("替换登记簿中的“新型蓝光二极管芯片”")
        .await?;
    walk.shot_of("revised-preview", "td.cell-changed").await?;
    // The half-year report the fixture's expectations were written for.
    let expected: Value = serde_json::from_slice(
        &std::fs::read(repo_path("tests/fixtures/zigui-grants-2026.expected.json")).map_err(e)?,
    )
    .map_err(e)?;
    let ytd = &expected["ytd_report"];
    walk.go("/reports").await?;
    walk.set_date("report-as-of", ytd["as_of"].as_str().unwrap_or_default())
        .await?;
    walk.submit("form[action='/reports']").await?;
    let grants = walk.figure("card-grants").await?;
    if json!(grants) != ytd["grants"]["total"] {
        return Err(format!("the half-year report shows {grants} grants: {ytd}"));
    }
    let last_year = ytd["same_period_last_year"]["grants"]["total"].to_string();
    walk.expect_in("[aria-labelledby='card-grants']", &last_year)
        .await?;
    walk.shot("half-year-report").await?;
    walk.go("/").await?;
    walk.shot("dashboard").await
}

/// A patent typed with a wrong check character is refused on its field; corrected, it is saved;
/// its grant is recorded and counted on the dashboard.
async fn create_a_patent_and_grant_it(walk: &mut Walk) -> Result<String, String> {
    let digits = "202622012345";
    let check = ipdesk::patents::number::check_character(digits).ok_or("no check character")?;
    let wrong = if check == '1' { '2' } else { '1' };
    walk.go("/").await?;
    let before = walk.figure("card-grants").await?;
    walk.go("/patents/new").await?;
    walk.fill("patent-application_number", &format!("{digits}.{wrong}"))
        .await?;
    walk.fill("patent-title", "一种柑橘分拣装置").await?;
    walk.fill("patent-applicants", "秭归县橙果科技有限公司")
        .await?;
    walk.set_date("patent-filed_on", "2026-03-02").await?;
    walk.submit("form.patent-form, form[action='/patents']")
        .await?;
    walk.expect_in("#patent-application_number-error", "校验")
        .await?;
    walk.shot_of("patent-check-character", "#patent-application_number-error")
        .await?;
    let number = format!("{digits}.{check}");
    walk.fill("patent-application_number", &number).await?;
    walk.submit("form.patent-form, form[action='/patents']")
        .await?;
    walk.expect_text("一种柑橘分拣装置").await?;
    walk.expect_element("form.event-form").await?;
    walk.choose("event-status", "granted").await?;
    walk.set_date("event-on", "2026-11-20").await?;
    walk.submit("form.event-form").await?;
    walk.expect_in("main", "已授权").await?;
    walk.shot_of("patent-granted", ".timeline").await?;
    walk.go("/").await?;
    let after = walk.figure("card-grants").await?;
    if after != before + 1 {
        return Err(format!(
            "the dashboard went from {before} to {after} grants"
        ));
    }
    Ok(number)
}

/// A joint inspection finds counterfeit marking; the case opens from the problem, prefilled, and
/// goes from acceptance to investigation by two certified officers.
async fn open_a_case_from_an_inspection(walk: &mut Walk) -> Step {
    walk.go("/inspections/new").await?;
    walk.fill("inspection-title", "茅坪镇农资市场联合检查")
        .await?;
    walk.set_date("inspection-starts_on", "2026-11-18").await?;
    walk.fill("inspection-lead_agency", "县市场监督管理局")
        .await?;
    walk.fill("inspection-problem-0-description", "包装标注的专利号已失效")
        .await?;
    walk.fill("inspection-problem-0-party", "秭归县某农资店")
        .await?;
    walk.fill("inspection-problem-0-product", "柑橘剪").await?;
    walk.submit("form[action='/inspections']").await?;
    walk.expect_text("包装标注的专利号已失效").await?;
    walk.shot("inspection").await?;
    walk.click("a[href^='/cases/new?inspection=']").await?;
    walk.expect_value("case-respondent_name", "秭归县某农资店")
        .await?;
    walk.shot_of("case-form", "#case-respondent_name").await?;
    walk.submit("form[action='/cases']").await?;
    walk.expect_element("form[action$='/steps']").await?;
    walk.record_step("accepted", "2026-11-19", "").await?;
    walk.record_step("investigation", "2026-11-20", "zhangsan\nlisi")
        .await?;
    walk.expect_in("main", "调查").await?;
    walk.shot_of("case-investigation", "#case-steps").await
}

/// The register's Excel button: the file lands in the download folder and holds every patent.
async fn export_the_patents(walk: &mut Walk, number: &str) -> Step {
    walk.go("/patents").await?;
    walk.click_download("a[href^='/exports/patents.xlsx']")
        .await?;
    let file = walk.downloaded(Duration::from_secs(60)).await?;
    let mut workbook = calamine::open_workbook_auto(&file).map_err(e)?;
    let sheet = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or("the export has no sheet")?;
    let range = workbook.worksheet_range(&sheet).map_err(e)?;
    let cells: Vec<String> = range.used_cells().map(|(_, _, c)| c.to_string()).collect();
    let digits: String = number.chars().filter(char::is_ascii_alphanumeric).collect();
    if !cells.iter().any(|c| {
        c.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .contains(&digits)
    }) {
        return Err(format!("the export {} lacks {number}", file.display()));
    }
    let titled = cells
        .iter()
        .filter(|c| c.contains("一种柑橘分拣装置"))
        .count();
    if titled != 1 || !cells.iter().any(|c| c == "申请号") {
        return Err(format!("the export {} is not the register", file.display()));
    }
    walk.shot("patents-exported").await
}

/// The language link keeps the page and changes every word on it.
async fn switch_to_english(walk: &mut Walk) -> Step {
    walk.go("/cases").await?;
    walk.click("a[href='/cases/1']").await?;
    let here = walk.client.current_url().await.map_err(e)?;
    walk.click("a.lang-switch").await?;
    walk.expect_text("Record a step").await?;
    let there = walk.client.current_url().await.map_err(e)?;
    if here.path() != there.path() {
        return Err(format!("the switch went from {here} to {there}"));
    }
    let lang = walk.script("return document.documentElement.lang").await?;
    if lang != json!("en") {
        return Err(format!("html lang is {lang} after the switch"));
    }
    walk.expect_in("main", "Investigation").await?;
    walk.shot("case-english").await
}

/// Every page of the navigation, in English and in Chinese, at both widths.
async fn every_page_in_both_widths(walk: &mut Walk) -> Step {
    for lang in ["en", "zh-CN"] {
        walk.go(&format!("/lang/{lang}?next=/")).await?;
        let links = walk
            .script(
                "return [...document.querySelectorAll('nav a')].map(a => a.getAttribute('href'))",
            )
            .await?;
        let links: Vec<String> = serde_json::from_value(links).map_err(e)?;
        let mut pages: Vec<String> = links
            .into_iter()
            .filter(|l| l.starts_with('/') && !l.starts_with("/lang/"))
            .collect();
        for more in SECONDARY_PAGES {
            if !pages.iter().any(|p| p == more) {
                pages.push((*more).to_owned());
            }
        }
        for page in pages {
            walk.go(&page).await?;
            let name = format!("{lang}{}", page.replace('/', "-"));
            walk.shot(&name).await?;
            if PRINTED_PAGES.contains(&page.as_str()) {
                walk.pdf(&name).await?;
            }
        }
    }
    Ok(())
}

/// Pages the navigation does not link to directly: forms, records of the walk, settings' parts.
const SECONDARY_PAGES: &[&str] = &[
    "/patents/new",
    "/patents/1",
    "/enterprises/new",
    "/enterprises/townships",
    "/visits/new",
    "/events/new",
    "/inspections/new",
    "/inspections/1",
    "/cases/new",
    "/cases/1/print",
    "/imports/1",
    "/reports/targets",
    "/settings/calendar",
    "/settings/deadlines",
    "/account/password",
    "/no-such-page",
];

/// Pages officers print: registers, the report, the case summary. Their PDFs are kept beside the
/// screenshots.
const PRINTED_PAGES: &[&str] = &["/patents", "/cases", "/reports", "/cases/1/print"];

/// The browser, where it is, and what it has seen.
struct Walk {
    client: Client,
    base: String,
    shots: PathBuf,
    taken: usize,
    downloads: PathBuf,
}

impl Walk {
    async fn go(&self, path: &str) -> Step {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .map_err(|error| format!("{path}: {error}"))
    }

    async fn find(&self, css: &str) -> Result<fantoccini::elements::Element, String> {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => Ok(element),
            Err(error) => Err(format!(
                "{css} not found on {}: {error}\n{}",
                self.place().await,
                self.body_text().await
            )),
        }
    }

    async fn place(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    async fn fill(&self, id: &str, value: &str) -> Step {
        let field = self.find(&format!("#{id}")).await?;
        field.clear().await.map_err(e)?;
        field.send_keys(value).await.map_err(e)
    }

    /// The fields of a new user, on the setup page or the users page: username, real name,
    /// enforcement certificate, the test password twice.
    async fn fill_user(
        &self,
        form: &str,
        (username, real_name, certificate): (&str, &str, &str),
    ) -> Step {
        for (field, value) in [
            ("username", username),
            ("real_name", real_name),
            ("certificate_number", certificate),
            ("password", PASSWORD),
            ("password_confirmation", PASSWORD),
        ] {
            self.fill(&format!("{form}-{field}"), value).await?;
        }
        Ok(())
    }

    /// Date inputs take keys in the browser's own order; set them as the date picker would.
    async fn set_date(&self, id: &str, value: &str) -> Step {
        self.find(&format!("#{id}")).await?;
        self.client
            .execute(
                "const f = document.getElementById(arguments[0]); f.value = arguments[1]; \
                 f.dispatchEvent(new Event('change', {bubbles: true}));",
                vec![json!(id), json!(value)],
            )
            .await
            .map(drop)
            .map_err(e)
    }

    async fn choose(&self, id: &str, value: &str) -> Step {
        self.find(&format!("#{id}"))
            .await?
            .select_by_value(value)
            .await
            .map_err(|error| format!("#{id} has no choice {value}: {error}"))
    }

    /// Presses the form's submit button, as a person would, and waits for the next page.
    async fn submit(&self, form: &str) -> Step {
        self.click(&format!("{form} button[type=submit]")).await
    }

    /// Clicks what leads to another page and waits for that page.
    async fn click(&self, css: &str) -> Step {
        let target = self.find(css).await?;
        self.mark_page().await?;
        target
            .click()
            .await
            .map_err(|error| format!("{css}: {error}"))?;
        self.settle().await
    }

    /// Clicks what starts a download: the page stays.
    async fn click_download(&self, css: &str) -> Step {
        let target = self.find(css).await?;
        target
            .click()
            .await
            .map_err(|error| format!("{css}: {error}"))
    }

    /// Marks the page being left, so that `settle` knows when the next one has come.
    async fn mark_page(&self) -> Step {
        self.script("window.walkLeaving = true").await.map(drop)
    }

    /// Waits for the next page (no mark) to finish loading.
    async fn settle(&self) -> Step {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let state = self
                .script("return window.walkLeaving ? 'leaving' : document.readyState")
                .await;
            if state.ok() == Some(json!("complete")) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("{} did not finish loading", self.place().await));
            }
        }
    }

    async fn script(&self, js: &str) -> Result<Value, String> {
        self.client.execute(js, vec![]).await.map_err(e)
    }

    async fn body_text(&self) -> String {
        self.script("return document.body.innerText")
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    async fn expect_text(&self, text: &str) -> Step {
        self.expect_in("body", text).await
    }

    async fn expect_in(&self, css: &str, text: &str) -> Step {
        let found = self.find(css).await?.text().await.map_err(e)?;
        if found.contains(text) {
            Ok(())
        } else {
            Err(format!(
                "expected {text:?} in {css} on {}:\n{found}",
                self.place().await
            ))
        }
    }

    /// The big figure of a report card.
    async fn figure(&self, card: &str) -> Result<u64, String> {
        let text = self
            .find(&format!("#{card} + .big"))
            .await?
            .text()
            .await
            .map_err(e)?;
        text.trim()
            .parse()
            .map_err(|_| format!("the card {card} shows {text:?}"))
    }

    async fn expect_value(&self, id: &str, value: &str) -> Step {
        let found = self
            .find(&format!("#{id}"))
            .await?
            .prop("value")
            .await
            .map_err(e)?;
        if found.as_deref() == Some(value) {
            Ok(())
        } else {
            Err(format!("#{id} holds {found:?}, expected {value:?}"))
        }
    }

    async fn expect_element(&self, css: &str) -> Step {
        self.find(css).await.map(drop)
    }

    async fn wait_for(&self, css: &str, limit: Duration) -> Step {
        let deadline = Instant::now() + limit;
        while self.client.find(Locator::Css(css)).await.is_err() {
            if Instant::now() > deadline {
                return Err(format!(
                    "{css} did not appear on {}:\n{}",
                    self.place().await,
                    self.body_text().await
                ));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(())
    }

    async fn wait_for_text(&self, text: &str, limit: Duration) -> Step {
        let deadline = Instant::now() + limit;
        while !self.body_text().await.contains(text) {
            if Instant::now() > deadline {
                return self.expect_text(text).await;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(())
    }

    async fn record_step(&self, step: &str, on: &str, officers: &str) -> Step {
        self.choose("step-step", step).await?;
        self.set_date("step-on", on).await?;
        if !officers.is_empty() {
            self.fill("step-officers", officers).await?;
        }
        self.submit("form[action$='/steps']").await?;
        if let Ok(error) = self
            .client
            .find(Locator::Css(".field-error, .form-error"))
            .await
        {
            let text = error.text().await.unwrap_or_default();
            return Err(format!("the step {step} was refused: {text}"));
        }
        Ok(())
    }

    /// Types into whatever has the focus, as a keyboard does.
    async fn type_keys(&self, keys: &str) -> Step {
        let focused = self.client.active_element().await.map_err(e)?;
        focused.send_keys(keys).await.map_err(e)
    }

    /// Tab from the top of the page: the focused element must show it.
    async fn focus_is_visible(&self) -> Step {
        let tab = KeyActions::new("keyboard".into())
            .then(KeyAction::Down {
                value: Key::Tab.into(),
            })
            .then(KeyAction::Up {
                value: Key::Tab.into(),
            });
        self.client.perform_actions(tab).await.map_err(e)?;
        let focus = self
            .script(
                "const f = document.activeElement; const s = getComputedStyle(f); \
                 return {tag: f.tagName, text: f.innerText, outline: s.outlineStyle, width: s.outlineWidth};",
            )
            .await?;
        if focus["tag"] == json!("BODY")
            || focus["outline"] == json!("none")
            || focus["width"] == json!("0px")
        {
            return Err(format!("the first Tab shows no focus: {focus}"));
        }
        Ok(())
    }

    /// The downloaded file, once the browser has finished writing it.
    async fn downloaded(&self, limit: Duration) -> Result<PathBuf, String> {
        let deadline = Instant::now() + limit;
        loop {
            let done: Vec<PathBuf> = std::fs::read_dir(&self.downloads)
                .map(|dir| dir.flatten().map(|f| f.path()).collect())
                .unwrap_or_default();
            if let Some(file) = done
                .iter()
                .find(|f| f.extension().is_some_and(|x| x == "xlsx"))
            {
                return Ok(file.clone());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "no download in {}: {done:?}",
                    self.downloads.display()
                ));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Checks the page, then photographs it wide and on a phone.
    async fn shot(&mut self, name: &str) -> Step {
        self.shot_at(name, None).await
    }

    /// Like `shot`, with the element `css` scrolled to the middle of the picture.
    async fn shot_of(&mut self, name: &str, css: &str) -> Step {
        self.shot_at(name, Some(css)).await
    }

    async fn shot_at(&mut self, name: &str, css: Option<&str>) -> Step {
        self.taken += 1;
        for (width, height) in [PHONE, WIDE] {
            self.client
                .set_window_size(width, height)
                .await
                .map_err(e)?;
            self.check_page(width).await?;
            if let Some(css) = css {
                self.find(css).await?;
                self.client
                    .execute(
                        "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})",
                        vec![json!(css)],
                    )
                    .await
                    .map_err(e)?;
            }
            let png = self.client.screenshot().await.map_err(e)?;
            let file = self
                .shots
                .join(format!("{:02}-{name}-{width}.png", self.taken));
            std::fs::write(&file, png).map_err(e)?;
        }
        Ok(())
    }

    /// The page as the browser prints it on A4, saved for a person to look at.
    async fn pdf(&self, name: &str) -> Step {
        let pdf = self
            .client
            .print(PrintConfiguration::default())
            .await
            .map_err(e)?;
        if !pdf.starts_with(b"%PDF") {
            return Err(format!("{name} did not print"));
        }
        std::fs::write(self.shots.join(format!("{name}.pdf")), pdf).map_err(e)
    }

    async fn check_page(&self, width: u32) -> Step {
        let page = self.place().await;
        let findings = self.script(PAGE_CHECKS).await?;
        let mut problems = Vec::new();
        for (key, what) in [
            ("unlabelled", "fields without a label"),
            ("left_numbers", "numbers not right-aligned"),
            ("other_dates", "dates not written 2026-06-30"),
        ] {
            if findings[key]
                .as_array()
                .is_some_and(|found| !found.is_empty())
            {
                problems.push(format!("{what}: {}", findings[key]));
            }
        }
        if findings["overflow"].as_i64().unwrap_or(0) > 1 {
            problems.push(format!(
                "{} px wider than the {width} px window because of {}",
                findings["overflow"], findings["wide"]
            ));
        }
        let outside = outside_requests(&self.client).await?;
        if !outside.is_empty() {
            problems.push(format!("requests outside 127.0.0.1: {outside:?}"));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{page} at {width} px: {}", problems.join("; ")))
        }
    }
}

/// What every page is checked for, in the page itself.
const PAGE_CHECKS: &str = r#"
const unlabelled = [...document.querySelectorAll('input, select, textarea')]
  .filter(f => !['hidden', 'submit', 'button', 'reset', 'image'].includes(f.type))
  .filter(f => f.labels.length === 0 && !f.getAttribute('aria-label') && !f.getAttribute('aria-labelledby'))
  .map(f => f.outerHTML.slice(0, 160));
const overflow = document.documentElement.scrollWidth - window.innerWidth;
// What sticks out, for the message: the innermost elements past the right edge that are not
// inside a frame of their own that scrolls.
const past = el => el.getBoundingClientRect().right > window.innerWidth + 1;
const scrolled = el => {
  for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
    if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return true;
  }
  return false;
};
// A positioned element escapes a frame that is not positioned itself.
const escapes = el => ['absolute', 'fixed'].includes(getComputedStyle(el).position);
const sticks_out = el => past(el) && (!scrolled(el) || escapes(el));
const wide = [...document.body.querySelectorAll('*')]
  .filter(el => sticks_out(el) && ![...el.children].some(sticks_out))
  .slice(0, 5).map(el => el.outerHTML.slice(0, 200));
// Quantities line up on the right. Links, dates and long digit strings (certificate numbers and
// other identifiers: no count or sum in a county's registers has eight digits) are no quantities.
const quantity = /^[-+]?([0-9]{1,7}|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]+)?%?$/;
const left_numbers = [...document.querySelectorAll('td')]
  .filter(td => quantity.test(td.innerText.trim()) && !td.querySelector('a'))
  .filter(td => !['right', 'end'].includes(getComputedStyle(td).textAlign))
  .slice(0, 5).map(td => td.outerHTML.slice(0, 120));
// One way of writing a day in both languages: 2026-06-30. An uploaded file's own cells, shown as
// the file has them, are not the desk's writing.
const ours = (document.querySelector('main') || document.body).cloneNode(true);
ours.querySelectorAll('[data-file-content]').forEach(el => el.remove());
const other_dates = ours.innerText
  .match(/\b[0-9]{1,2}\/[0-9]{1,2}\/[0-9]{2,4}\b|[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日|\b[0-9]{4}\.[0-9]{1,2}\.[0-9]{1,2}\b|\b[0-9]{4}\/[0-9]{1,2}\/[0-9]{1,2}\b/g) || [];
return {unlabelled, overflow, wide, left_numbers, other_dates};
"#;

/// chromedriver's log of the browser's network events (a command WebDriver itself lacks). It
/// holds every request a page started — fonts, scripts, images, fetches — even those that
/// failed, and none of Chromium's own housekeeping.
#[derive(Debug)]
struct PerformanceLog;

impl WebDriverCompatibleCommand for PerformanceLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(r#"{"type": "performance"}"#.to_owned()),
        )
    }
}

/// A request over the network to a host other than 127.0.0.1. The browser's own pages
/// (chrome://, the first blank tab) and inline data are no requests to anywhere.
fn goes_outside(address: &str) -> bool {
    match url::Url::parse(address) {
        Ok(url) => {
            ["http", "https", "ws", "wss", "ftp"].contains(&url.scheme())
                && url.host_str() != Some("127.0.0.1")
        }
        Err(_) => false,
    }
}

/// The addresses of the requests pages made since the last look that left 127.0.0.1.
async fn outside_requests(client: &Client) -> Result<Vec<String>, String> {
    let entries = client.issue_cmd(PerformanceLog).await.map_err(e)?;
    let mut outside = Vec::new();
    for entry in entries.as_array().into_iter().flatten() {
        let message: Value = entry["message"]
            .as_str()
            .and_then(|m| serde_json::from_str(m).ok())
            .unwrap_or_default();
        if message["message"]["method"] != json!("Network.requestWillBeSent") {
            continue;
        }
        let address = message["message"]["params"]["request"]["url"]
            .as_str()
            .unwrap_or_default();
        if goes_outside(address) {
            outside.push(address.to_owned());
        }
    }
    Ok(outside)
}

/// Headless Chromium with the flags that keep it quiet and a fresh profile.
async fn connect(driver_port: u16, files: &Path) -> Client {
    let profile = files.join("profile");
    let downloads = files.join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let mut options = json!({
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--lang=zh-CN",
            format!("--user-data-dir={}", profile.display()),
            format!("--window-size={},{}", WIDE.0, WIDE.1),
        ],
        "prefs": {
            "download.default_directory": downloads.display().to_string(),
            "download.prompt_for_download": false,
            "intl.accept_languages": "zh-CN,zh",
        },
    });
    if Path::new("/usr/bin/chromium").exists() {
        options["binary"] = json!("/usr/bin/chromium");
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".into(), options);
    capabilities.insert("goog:loggingPrefs".into(), json!({"performance": "ALL"}));
    let url = format!("http://127.0.0.1:{driver_port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let attempt = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&url)
            .await;
        match attempt {
            Ok(client) => return client,
            Err(error) if Instant::now() > deadline => panic!("chromedriver: {error}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

/// `ipdesk serve` as an officer starts it, over the test's fresh database.
struct App {
    base: String,
    setup_link: String,
    _process: Process,
}

impl App {
    fn start(database: &TestDatabase) -> App {
        let port = free_port();
        let mut process = Process::start(
            Command::new(BIN)
                .args([
                    "serve",
                    "--address",
                    "127.0.0.1",
                    "--port",
                    &port.to_string(),
                ])
                .current_dir(database.dir.path())
                .env("DATABASE_URL", &database.url)
                // Needed on PostgreSQL; on SQLite it spares a key file in the test's folder.
                .env("ROCKET_SECRET_KEY", random_key_hex().expect("random key"))
                .env("ROCKET_TEMPLATE_DIR", repo_path("templates"))
                .env("ROCKET_STATIC_DIR", repo_path("static"))
                .env("IPDESK_LANG", "zh-CN")
                .env("RUST_LOG", "error")
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        );
        let stdout = process.0.stdout.take().unwrap();
        let setup_link = setup_link_from(stdout);
        App {
            base: format!("http://127.0.0.1:{port}"),
            setup_link,
            _process: process,
        }
    }
}

/// Reads the server's first lines until the setup link it prints for the first administrator.
fn setup_link_from(stdout: impl Read + Send + 'static) -> String {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(start) = line.find("http://") {
                let link: String = line[start..].split_whitespace().next().unwrap_or("").into();
                if link.contains("/setup?token=") {
                    let _ = sender.send(link);
                }
            }
        }
    });
    receiver
        .recv_timeout(Duration::from_secs(60))
        .expect("the server printed no setup link within a minute")
}

/// A child process stopped when the test ends, however it ends.
struct Process(Child);

impl Process {
    fn start(command: &mut Command) -> Process {
        Process(command.spawn().expect("start the process"))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn program_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

fn screenshot_dir() -> PathBuf {
    let dir = repo_path("target/e2e");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn e(error: impl std::fmt::Display) -> String {
    error.to_string()
}
