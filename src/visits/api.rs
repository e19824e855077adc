//! Visits as JSON under `/api/v1`: the same services and rules as the pages.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{Route, State, get, post, put, routes};
use serde::Deserialize;

use super::domain::VisitInput;
use super::query::{self, VisitFilter, VisitPage};
use super::service::{self, VisitView};
use crate::AppState;
use crate::auth::{Admin, Officer, Viewer};
use crate::error::AppError;
use crate::web::forms::archive_action;
use crate::web::given::{Known, refused_query};
use crate::web::json::{Body, accepts, body, body_for_record};

pub fn routes() -> Vec<Route> {
    routes![list, due, create, show, update, archive]
}

// What a client may send back of a visit's answer (or of a list's item) besides the fields it
// writes.
accepts!(
    VisitInput,
    [
        "id",
        "version",
        "archived",
        "officer_names",
        "patents_after",
        "patents_filed_after",
        "open_follow_ups",
    ]
);
accepts!(Versioned => VisitInput, ["version"]);
accepts!(VersionJson, []);

#[get("/visits?<filter..>")]
async fn list(
    _user: Viewer,
    state: &State<AppState>,
    filter: rocket::form::Result<'_, Known<VisitFilter>>,
) -> Result<Json<VisitPage>, AppError> {
    let Known(filter) = filter.map_err(refused_query)?;
    Ok(Json(query::list(&state.db, &filter).await?))
}

/// Follow-ups not done that fall due within a week or are overdue, the most urgent first, as
/// the dashboard lists them.
#[get("/visits/follow-ups/due")]
async fn due(
    _user: Viewer,
    state: &State<AppState>,
) -> Result<Json<Vec<query::DueFollowUp>>, AppError> {
    Ok(Json(query::due_today(&state.db).await?))
}

#[post("/visits", data = "<input>")]
async fn create(
    officer: Officer,
    state: &State<AppState>,
    input: Result<Body<VisitInput>, AppError>,
) -> Result<(Status, Json<VisitView>), AppError> {
    let recorded = service::create(&state.db, &officer.actor(), &body(input)?).await?;
    Ok((Status::Created, Json(recorded.visit)))
}

#[get("/visits/<id>")]
async fn show(
    _user: Viewer,
    state: &State<AppState>,
    id: &str,
) -> Result<Json<query::VisitDetail>, AppError> {
    Ok(Json(
        query::detail(&state.db, service::parse_id(id)?).await?,
    ))
}

#[derive(Deserialize)]
struct Versioned {
    version: i32,
    #[serde(flatten)]
    fields: VisitInput,
}

#[put("/visits/<id>", data = "<input>")]
async fn update(
    officer: Officer,
    state: &State<AppState>,
    id: &str,
    input: Result<Body<Versioned>, AppError>,
) -> Result<Json<VisitView>, AppError> {
    let id = service::parse_id(id)?;
    let current = query::detail(&state.db, id).await?;
    let input = body_for_record(input, id, &current)?;
    let actor = officer.actor();
    let recorded = service::update(&state.db, &actor, id, input.version, &input.fields);
    Ok(Json(recorded.await?.visit))
}

#[derive(Deserialize)]
struct VersionJson {
    version: i32,
}

/// Archive or restore (the last segment says which), with the version last read.
#[post("/visits/<id>/<action>", data = "<input>", rank = 3)]
async fn archive(
    admin: Admin,
    state: &State<AppState>,
    id: &str,
    action: &str,
    input: Result<Body<VersionJson>, AppError>,
) -> Result<Json<VisitView>, AppError> {
    let archived = archive_action(action)?;
    let version = body(input)?.version;
    let id = service::parse_id(id)?;
    let actor = admin.actor();
    let visit = service::set_archived(&state.db, &actor, id, version, archived);
    Ok(Json(visit.await?))
}
