//! The report pages: `/reports` (a year as of a day: every table, the chart, the exports) and
//! `/reports/targets` (the year's targets; admins set and clear them).

use chrono::{Datelike, NaiveDate};
use rocket::form::{Form, FromForm};
use rocket::response::{Flash, Redirect};
use rocket::{Route, State, get, post, routes};
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::excel;
use super::summary::{self, Period, Summary};
use super::targets::{self, Metric, TargetInput, TargetView};
use super::ytd::YtdReport;
use crate::AppState;
use crate::auth::{Admin, Viewer};
use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::import::api::Download;
use crate::settings::lists::{self, ListKind};
use crate::web::given::{Given, Known, refused, refused_query};
use crate::web::layout::{self, PageContext};

pub fn routes() -> Vec<Route> {
    routes![report_page, report_workbook, targets_page, save_target]
}

#[derive(Serialize)]
struct ReportView {
    report: YtdReport,
    chart: String,
    /// The as-of day typed, when it was not a date (the page says so).
    bad_as_of: Option<String>,
    summary: Summary,
    /// The named periods the summary can be written for, and the one shown.
    periods: Vec<&'static str>,
    period: &'static str,
    /// The days a bureau reports as of, offered as links.
    report_days: Vec<ReportDay>,
}

#[derive(Serialize)]
struct ReportDay {
    year: i32,
    day: NaiveDate,
    words: String,
}

/// The report of a year as of a day, with its chart; what the dashboard and /reports show.
pub async fn view_of(
    state: &AppState,
    page: &PageContext,
    year: Option<i32>,
    as_of: Option<NaiveDate>,
) -> Result<(YtdReport, String), AppError> {
    state
        .reports
        .report_with_chart(&state.db, year, as_of, page.lang)
        .await
}

#[get("/reports?<year>&<as_of>&<period>")]
async fn report_page(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    year: rocket::form::Result<'_, Given<i32>>,
    as_of: Option<&str>,
    period: Option<&str>,
) -> Result<Template, AppError> {
    let year = *year.map_err(refused)?;
    let typed = as_of.map(str::trim).filter(|s| !s.is_empty());
    let parsed = crate::dates::parse_optional(typed.unwrap_or_default());
    let bad_as_of = parsed
        .is_err()
        .then(|| typed.unwrap_or_default().to_owned());
    // A year or day that does not fit is refused; the error page says it in a sentence.
    let (report, chart) = view_of(state, &page, year, parsed.ok().flatten()).await?;
    // The summary's period: the one chosen, else the report's default.
    let today = crate::clock::today(page.settings.timezone);
    // A period in the link that is none is said, not replaced by the default.
    let chosen = Period::chosen(period, report.as_of, today)?;
    let (from, to) = chosen
        .dates(report.year, report.as_of)
        .unwrap_or((report.as_of, report.as_of));
    // The report's own period needs no query again.
    let summary = if (from.ordinal(), to) == (1, report.as_of) {
        summary::of_report(&report, today, page.lang)
    } else {
        let asked = summary::Asked {
            from: Some(from),
            to: Some(to),
            ..Default::default()
        };
        summary::summary(&state.db, asked, page.lang).await?
    };
    let view = ReportView {
        report,
        chart,
        bad_as_of,
        summary,
        periods: Period::all().map(Period::as_str).collect(),
        period: chosen.as_str(),
        report_days: summary::report_days(today)
            .into_iter()
            .map(|day| ReportDay {
                year: day.year(),
                day,
                words: summary::report_day_words(day, page.lang),
            })
            .collect(),
    };
    Ok(page.render("reports/index", view))
}

/// The report as a workbook: `/reports/ytd.xlsx` and `/api/v1/reports/ytd.xlsx`, with the
/// summary of 1 January to the as-of day.
#[get("/reports/ytd.xlsx?<query..>")]
pub async fn report_workbook(
    _user: Viewer,
    lang: Lang,
    state: &State<AppState>,
    query: rocket::form::Result<'_, Known<YtdQuery<'_>>>,
) -> Result<Download, AppError> {
    let Known(asked) = query.map_err(refused_query)?;
    let as_of = asked.as_of()?;
    let (bytes, name) = excel::report_workbook(&state.db, *asked.year, as_of, lang).await?;
    Ok(Download { name, bytes })
}

/// What the year-so-far report is asked, as its JSON and its workbook take it: the year and the
/// as-of day, as typed.
#[derive(FromForm)]
pub struct YtdQuery<'r> {
    pub year: Given<i32>,
    as_of: Option<&'r str>,
}

impl YtdQuery<'_> {
    /// The as-of day, refused with its sentence when it is not a date.
    pub fn as_of(&self) -> Result<Option<NaiveDate>, AppError> {
        crate::dates::parse_field("as_of", self.as_of)
    }
}

#[derive(Serialize)]
struct TargetsView {
    year: i32,
    targets: Vec<TargetView>,
    metrics: Vec<&'static str>,
    townships: Vec<String>,
}

#[get("/reports/targets?<year>")]
async fn targets_page(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    year: rocket::form::Result<'_, Given<i32>>,
) -> Result<Template, AppError> {
    // A year out of range is refused by the targets' own rule, not shown as this year's.
    let year = year
        .map_err(refused)?
        .unwrap_or_else(|| crate::clock::today(page.settings.timezone).year());
    let view = TargetsView {
        year,
        targets: targets::list(&state.db, year).await?,
        metrics: Metric::ALL.iter().map(|m| m.as_str()).collect(),
        townships: lists::list(&state.db, ListKind::Townships, false)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect(),
    };
    Ok(page.render("reports/targets", view))
}

#[derive(FromForm)]
struct TargetForm {
    year: Option<i32>,
    #[field(default = String::new())]
    metric: String,
    #[field(default = String::new())]
    township: String,
    #[field(default = String::new())]
    value: String,
}

/// Sets (or, with no value, clears) a target; back to the year's targets with what happened.
#[post("/reports/targets", data = "<form>")]
async fn save_target(
    admin: Admin,
    state: &State<AppState>,
    form: Form<TargetForm>,
) -> Flash<Redirect> {
    let back = format!("/reports/targets?year={}", form.year.unwrap_or_default());
    let value = form.value.trim();
    let parsed = if value.is_empty() {
        Ok(None)
    } else {
        value.parse::<i64>().map(Some)
    };
    let Ok(value) = parsed else {
        return layout::failure(
            back,
            Msg::new("reports.target.not_a_number").arg("value", value),
        );
    };
    let input = TargetInput {
        year: form.year,
        metric: form.metric.clone(),
        township: Some(form.township.clone()),
        value,
    };
    match targets::set(&state.db, &admin.actor(), &input).await {
        Ok(Some(_)) => layout::success(back, Msg::new("reports.target.saved")),
        Ok(None) => layout::success(back, Msg::new("reports.target.cleared")),
        Err(error) => layout::failure(back, error.sentence()),
    }
}
