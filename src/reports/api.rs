//! Reports and targets as JSON under `/api/v1`: the same services as the CLI.

use rocket::serde::json::Json;
use rocket::{FromForm, Route, State, get, put, routes};

use super::routes::YtdQuery;
use super::summary::{self, Summary};
use super::targets::{self, TargetInput, TargetView};
use super::ytd::YtdReport;
use crate::AppState;
use crate::auth::{Admin, Viewer};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::given::{Given, Known, YearQuery, refused_query};
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

#[get("/reports/ytd?<query..>")]
async fn get_ytd(
    _user: Viewer,
    state: &State<AppState>,
    query: rocket::form::Result<'_, Known<YtdQuery<'_>>>,
) -> Result<Json<YtdReport>, AppError> {
    let Known(asked) = query.map_err(refused_query)?;
    let as_of = asked.as_of()?;
    Ok(Json(
        state.reports.report(&state.db, *asked.year, as_of).await?,
    ))
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
    query: rocket::form::Result<'_, Known<SummaryQuery<'_>>>,
) -> Result<Json<Summary>, AppError> {
    let Known(query) = query.map_err(refused_query)?;
    let lang = summary::language(query.lang, request_lang)?;
    let asked = summary::Asked {
        from: crate::dates::parse_field("from", query.from)?,
        to: crate::dates::parse_field("to", query.to)?,
        period: query.period,
        year: *query.year,
    };
    Ok(Json(summary::summary(&state.db, asked, lang).await?))
}

/// A year's targets; this year's when none is asked (as on the page).
#[get("/targets?<query..>")]
async fn get_targets(
    _user: Viewer,
    state: &State<AppState>,
    query: rocket::form::Result<'_, Known<YearQuery>>,
) -> Result<Json<Vec<TargetView>>, AppError> {
    let Known(asked) = query.map_err(refused_query)?;
    let year = match *asked.year {
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
