//! Patents as JSON under `/api/v1`: the same services and rules as the pages.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{Route, State, get, post, put, routes};
use serde::{Deserialize, Serialize};

use super::domain::PatentInput;
use super::query::{self, PatentFilter, PatentPage};
use super::service::{self, EventInput, PatentView};
use crate::AppState;
use crate::auth::{Admin, Officer, Viewer};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::forms::archive_action;
use crate::web::given::{Known, refused_query};
use crate::web::json::{Body, accepts, body, body_for_record};

pub fn routes() -> Vec<Route> {
    routes![list, create, show, update, add_event, archive]
}

// What a client may send back of a patent's answer besides the fields it writes.
accepts!(
    PatentInput,
    [
        "id",
        "patent_type",
        "status",
        "version",
        "archived",
        "warnings"
    ]
);
accepts!(Versioned<PatentInput> => PatentInput, ["version"]);
accepts!(EventInput, []);
accepts!(VersionJson, []);

/// A saved patent and what the person should know (a computed check character).
#[derive(Serialize)]
pub struct SavedJson {
    #[serde(flatten)]
    patent: PatentView,
    warnings: Vec<String>,
}

impl SavedJson {
    fn new(saved: service::Saved, lang: Lang) -> SavedJson {
        SavedJson {
            warnings: saved.warnings.iter().map(|w| w.render(lang)).collect(),
            patent: saved.patent,
        }
    }
}

#[get("/patents?<filter..>")]
async fn list(
    _user: Viewer,
    state: &State<AppState>,
    filter: rocket::form::Result<'_, Known<PatentFilter>>,
) -> Result<Json<PatentPage>, AppError> {
    let Known(filter) = filter.map_err(refused_query)?;
    Ok(Json(query::list(&state.db, &filter).await?))
}

#[post("/patents", data = "<input>")]
async fn create(
    officer: Officer,
    lang: Lang,
    state: &State<AppState>,
    input: Result<Body<PatentInput>, AppError>,
) -> Result<(Status, Json<SavedJson>), AppError> {
    let saved = service::create(&state.db, &officer.actor(), &body(input)?).await?;
    Ok((Status::Created, Json(SavedJson::new(saved, lang))))
}

#[get("/patents/<id>")]
async fn show(
    _user: Viewer,
    state: &State<AppState>,
    id: &str,
) -> Result<Json<PatentView>, AppError> {
    Ok(Json(
        service::view(&state.db, service::parse_id(id)?).await?,
    ))
}

/// A PUT body: the patent's fields and the version they were read at.
#[derive(Deserialize)]
struct Versioned<T> {
    version: i32,
    #[serde(flatten)]
    fields: T,
}

#[put("/patents/<id>", data = "<input>")]
async fn update(
    officer: Officer,
    lang: Lang,
    state: &State<AppState>,
    id: &str,
    input: Result<Body<Versioned<PatentInput>>, AppError>,
) -> Result<Json<SavedJson>, AppError> {
    let id = service::parse_id(id)?;
    let current = service::view(&state.db, id).await?;
    let input = body_for_record(input, id, &current)?;
    let saved = service::update(
        &state.db,
        &officer.actor(),
        id,
        input.version,
        &input.fields,
    )
    .await?;
    Ok(Json(SavedJson::new(saved, lang)))
}

#[post("/patents/<id>/events", data = "<input>")]
async fn add_event(
    officer: Officer,
    state: &State<AppState>,
    id: &str,
    input: Result<Body<EventInput>, AppError>,
) -> Result<(Status, Json<PatentView>), AppError> {
    let patent = service::add_event(
        &state.db,
        &officer.actor(),
        service::parse_id(id)?,
        &body(input)?,
    )
    .await?;
    Ok((Status::Created, Json(patent)))
}

#[derive(Deserialize)]
struct VersionJson {
    version: i32,
}

/// Archive or restore (the last segment says which), with the version last read.
#[post("/patents/<id>/<action>", data = "<input>", rank = 3)]
async fn archive(
    admin: Admin,
    state: &State<AppState>,
    id: &str,
    action: &str,
    input: Result<Body<VersionJson>, AppError>,
) -> Result<Json<PatentView>, AppError> {
    let archived = archive_action(action)?;
    let version = body(input)?.version;
    Ok(Json(
        service::set_archived(
            &state.db,
            &admin.actor(),
            service::parse_id(id)?,
            version,
            archived,
        )
        .await?,
    ))
}
