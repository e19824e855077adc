//! Reports and targets as JSON under `/api/v1`: the same services as the CLI.

use chrono::NaiveDate;
use rocket::serde::json::Json;
use rocket::{FromForm, Route, State, get, put, routes};

use super::summary::{self, Summary};
use super::targets::{self, TargetInput, TargetView};
use super::ytd::YtdReport;
use crate::AppState;
use crate::auth::{Admin, Viewer};
use crate::error::{AppError, field_error};
use crate::i18n::Lang;
use crate::web::given::{Given, refused};
use crate::web::json::{Body, accepts, body};

pub fn routes() -> Vec<Route> {
    routes![
        get_ytd,
        get_summary,
        get_targets,
        put_target,
        super::routes::report_workbook
    ]
}

// A target is named by its year, metric and township; what else it answers is its own.
accepts!(TargetInput, ["id", "version"]);

/// A date from a query parameter, refused with its sentence when it is not one.
fn day(field: &str, raw: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    crate::dates::parse_optional(raw.unwrap_or_default()).map_err(|msg| field_error(field, msg))
}

#[get("/reports/ytd?<year>&<as_of>")]
async fn get_ytd(
    _user: Viewer,
    state: &State<AppState>,
    year: rocket::form::Result<'_, Given<i32>>,
    as_of: Option<&str>,
) -> Result<Json<YtdReport>, AppError> {
    let year = *year.map_err(refused)?;
    let as_of = day("as_of", as_of)?;
    Ok(Json(state.reports.report(&state.db, year, as_of).await?))
}

/// What `/api/v1/reports/summary` is asked, as typed: each is read (and refused) below.
#[derive(FromForm)]
struct SummaryQuery<'r> {
    from: Option<&'r str>,
    to: Option<&'r str>,
    period: Option<&'r str>,
    year: Given<i32>,
    lang: Option<&'r str>,
}

/// The summary paragraph of [from, to], or of a named period of a year, in `lang` (the
/// request's language by default): `{"from", "to", "lang", "text", "figures"}`.
#[get("/reports/summary?<query..>")]
async fn get_summary(
    _user: Viewer,
    state: &State<AppState>,
    request_lang: Lang,
    query: rocket::form::Result<'_, SummaryQuery<'_>>,
) -> Result<Json<Summary>, AppError> {
    let query = query.map_err(refused)?;
    let lang = summary::language(query.lang, request_lang)?;
    let asked = summary::Asked {
        from: day("from", query.from)?,
        to: day("to", query.to)?,
        period: query.period,
        year: *query.year,
    };
    Ok(Json(summary::summary(&state.db, asked, lang).await?))
}

/// A year's targets; this year's when none is asked (as on the page).
#[get("/targets?<year>")]
async fn get_targets(
    _user: Viewer,
    state: &State<AppState>,
    year: rocket::form::Result<'_, Given<i32>>,
) -> Result<Json<Vec<TargetView>>, AppError> {
    let year = match *year.map_err(refused)? {
        Some(year) => year,
        None => chrono::Datelike::year(&crate::settings::service::today(&state.db).await?),
    };
    Ok(Json(targets::list(&state.db, year).await?))
}

/// Sets a target; a body without `value` clears it (the answer is then `null`).
#[put("/targets", data = "<input>")]
async fn put_target(
    admin: Admin,
    state: &State<AppState>,
    input: Result<Body<TargetInput>, AppError>,
) -> Result<Json<Option<TargetView>>, AppError> {
    let input = body(input)?;
    Ok(Json(targets::set(&state.db, &admin.actor(), &input).await?))
}
