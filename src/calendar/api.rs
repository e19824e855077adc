//! The holiday calendar as JSON under `/api/v1`: a year's days; an admin sets or removes a day,
//! or replaces years from a spreadsheet.

use rocket::form::{Form, FromForm};
use rocket::fs::TempFile;
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{Route, State, delete, get, post, put, routes};
use serde::{Deserialize, Serialize};

use super::service::{self, DayInput, Replaced};
use super::sheet::CalendarDay;
use crate::AppState;
use crate::auth::{Admin, Viewer};
use crate::dates;
use crate::error::{AppError, field_error};
use crate::i18n::Msg;
use crate::web::given::{Exact, Known, YearQuery, refused, refused_query};
use crate::web::json::{Body, accepts, body};

pub fn routes() -> Vec<Route> {
    routes![year, set, remove, import, import_not_multipart, load_notice]
}

accepts!(DayJson, []);

#[derive(Serialize)]
pub struct YearJson {
    pub year: i32,
    /// Whether any day of the year is in the calendar (deadlines into it carry a warning if not).
    pub loaded: bool,
    /// Whether the State Council's notice for the year is built in, to be loaded at one request.
    pub notice: bool,
    pub days: Vec<CalendarDay>,
}

/// A year's days; this year when none is asked.
pub async fn year_of(state: &AppState, year: Option<i32>) -> Result<YearJson, AppError> {
    let year = match year {
        Some(year) => year,
        None => chrono::Datelike::year(&crate::settings::service::today(&state.db).await?),
    };
    let days = service::year(&state.db, year).await?;
    Ok(YearJson {
        year,
        loaded: !days.is_empty(),
        notice: super::notices::days(year).is_some(),
        days,
    })
}

#[get("/calendar?<query..>")]
async fn year(
    _user: Viewer,
    state: &State<AppState>,
    query: rocket::form::Result<'_, Known<YearQuery>>,
) -> Result<Json<YearJson>, AppError> {
    let Known(asked) = query.map_err(refused_query)?;
    Ok(Json(year_of(state, *asked.year).await?))
}

#[derive(Deserialize)]
struct DayJson {
    /// The day as the calendar's answer names it; the path gives it, and a body naming another
    /// day is refused rather than written to the path's.
    #[serde(default)]
    day: Option<String>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

#[put("/calendar/<day>", data = "<input>")]
async fn set(
    admin: Admin,
    state: &State<AppState>,
    day: &str,
    input: Result<Body<DayJson>, AppError>,
) -> Result<Json<CalendarDay>, AppError> {
    let input = body(input)?;
    if let Some(sent) = input.day.as_deref().filter(|sent| !same_day(sent, day)) {
        let msg = Msg::new("calendar.other_day")
            .arg("sent", sent)
            .arg("day", day);
        return Err(field_error("day", msg));
    }
    let input = DayInput {
        day: day.to_owned(),
        kind: input.kind,
        name: input.name,
    };
    Ok(Json(
        service::set_day(&state.db, &admin.actor(), &input).await?,
    ))
}

/// Whether two spellings name one day (either unreadable: whether they are the same text).
fn same_day(one: &str, other: &str) -> bool {
    match (dates::parse_optional(one), dates::parse_optional(other)) {
        (Ok(Some(one)), Ok(Some(other))) => one == other,
        _ => one.trim() == other.trim(),
    }
}

#[delete("/calendar/<day>")]
async fn remove(admin: Admin, state: &State<AppState>, day: &str) -> Result<Status, AppError> {
    service::remove_day(&state.db, &admin.actor(), day).await?;
    Ok(Status::NoContent)
}

#[derive(FromForm)]
pub struct CalendarUpload<'r> {
    pub file: Option<TempFile<'r>>,
    /// A signed-in browser's token, checked from the body before the form is read
    /// (`auth::csrf`); named so that the exact form takes it.
    pub csrf_token: Option<String>,
}

/// Replaces the years of an uploaded sheet.
pub async fn import_upload(
    state: &AppState,
    admin: &Admin,
    form: &mut CalendarUpload<'_>,
) -> Result<Replaced, AppError> {
    let (_, bytes) = crate::import::api::uploaded(&mut form.file).await?;
    service::import_sheet(&state.db, &state.reader, &admin.actor(), &bytes).await
}

/// Through the API the form is read exactly: a field it does not take (`year=2027`, as if it
/// chose the year) is refused, not ignored while every year of the sheet is replaced.
#[post("/calendar/import", data = "<form>")]
async fn import(
    admin: Admin,
    state: &State<AppState>,
    form: Result<Form<Exact<CalendarUpload<'_>>>, rocket::form::Errors<'_>>,
) -> Result<Json<Replaced>, AppError> {
    let Exact(mut form) = form.map_err(refused)?.into_inner();
    Ok(Json(import_upload(state, &admin, &mut form).await?))
}

/// Anything but a form upload (JSON, say) is told so, not passed to another route.
#[post("/calendar/import", rank = 2)]
async fn import_not_multipart(_admin: Admin) -> AppError {
    AppError::UnsupportedMediaType(crate::i18n::Msg::new("calendar.import.not_multipart"))
}

/// Loads a year from the State Council's notice built into ipdesk, replacing what it held.
#[post("/calendar/notices/<year>")]
async fn load_notice(
    admin: Admin,
    state: &State<AppState>,
    year: i32,
) -> Result<Json<Replaced>, AppError> {
    Ok(Json(
        service::load_notice(&state.db, &admin.actor(), year).await?,
    ))
}
