//! Inspections as JSON under `/api/v1`: the same services and rules as the pages.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{Route, State, get, post, put, routes};
use serde::Deserialize;

use super::domain::InspectionInput;
use super::query::{self, InspectionFilter, InspectionPage};
use super::service::{self, InspectionView};
use crate::AppState;
use crate::auth::{Admin, Officer, Viewer};
use crate::error::AppError;
use crate::web::forms::archive_action;
use crate::web::given::{Known, refused_query};
use crate::web::json::{Body, accepts, body, body_for_record};

pub fn routes() -> Vec<Route> {
    routes![list, create, show, update, archive]
}

// What a client may send back of an inspection's answer besides the fields it writes.
accepts!(
    InspectionInput,
    [
        "id",
        "version",
        "archived",
        "problems.*.case_id",
        "problems.*.case_number"
    ]
);
accepts!(Versioned => InspectionInput, ["version"]);
accepts!(VersionJson, []);

#[get("/inspections?<filter..>")]
async fn list(
    _user: Viewer,
    state: &State<AppState>,
    filter: rocket::form::Result<'_, Known<InspectionFilter>>,
) -> Result<Json<InspectionPage>, AppError> {
    let Known(filter) = filter.map_err(refused_query)?;
    Ok(Json(query::list(&state.db, &filter).await?))
}

#[post("/inspections", data = "<input>")]
async fn create(
    officer: Officer,
    state: &State<AppState>,
    input: Result<Body<InspectionInput>, AppError>,
) -> Result<(Status, Json<InspectionView>), AppError> {
    let inspection = service::create(&state.db, &officer.actor(), &body(input)?).await?;
    Ok((Status::Created, Json(inspection)))
}

#[get("/inspections/<id>")]
async fn show(
    _user: Viewer,
    state: &State<AppState>,
    id: &str,
) -> Result<Json<InspectionView>, AppError> {
    Ok(Json(
        service::view(&state.db, service::parse_id(id)?).await?,
    ))
}

#[derive(Deserialize)]
struct Versioned {
    version: i32,
    #[serde(flatten)]
    fields: InspectionInput,
}

#[put("/inspections/<id>", data = "<input>")]
async fn update(
    officer: Officer,
    state: &State<AppState>,
    id: &str,
    input: Result<Body<Versioned>, AppError>,
) -> Result<Json<InspectionView>, AppError> {
    let id = service::parse_id(id)?;
    let current = service::view(&state.db, id).await?;
    let input = body_for_record(input, id, &current)?;
    let actor = officer.actor();
    let inspection = service::update(&state.db, &actor, id, input.version, &input.fields);
    Ok(Json(inspection.await?))
}

#[derive(Deserialize)]
struct VersionJson {
    version: i32,
}

/// Archive or restore (the last segment says which), with the version last read.
#[post("/inspections/<id>/<action>", data = "<input>", rank = 3)]
async fn archive(
    admin: Admin,
    state: &State<AppState>,
    id: &str,
    action: &str,
    input: Result<Body<VersionJson>, AppError>,
) -> Result<Json<InspectionView>, AppError> {
    let archived = archive_action(action)?;
    let version = body(input)?.version;
    let id = service::parse_id(id)?;
    let actor = admin.actor();
    let inspection = service::set_archived(&state.db, &actor, id, version, archived);
    Ok(Json(inspection.await?))
}
