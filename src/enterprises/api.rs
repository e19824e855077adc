//! Enterprises as JSON under `/api/v1`: the same services and rules as the pages.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{FromForm, Route, State, get, post, put, routes};
use serde::{Deserialize, Serialize};

use super::domain::EnterpriseInput;
use super::query::{
    self, EnterpriseFilter, EnterprisePage, SuggestionChoice, SuggestionPage, TownshipSuggestion,
    UnlinkedName,
};
use super::service::{self, EnterpriseView};
use crate::AppState;
use crate::auth::{Admin, Officer, Viewer};
use crate::error::AppError;
use crate::web::forms::archive_action;
use crate::web::given::{Given, Known, refused_query};
use crate::web::json::{Body, accepts, body, body_for_record};
use crate::web::pagination::PageRequest;

pub fn routes() -> Vec<Route> {
    routes![
        list,
        create,
        show,
        figures,
        update,
        archive,
        unlinked,
        link,
        townships,
        fill_townships
    ]
}

// What a client may send back of an enterprise's answer besides the fields it writes.
accepts!(EnterpriseInput, ["id", "version", "archived"]);
accepts!(Versioned => EnterpriseInput, ["version"]);
accepts!(VersionJson, []);
accepts!(LinkJson, []);
accepts!(FillJson, []);

#[get("/enterprises?<filter..>")]
async fn list(
    _user: Viewer,
    state: &State<AppState>,
    filter: rocket::form::Result<'_, Known<EnterpriseFilter>>,
) -> Result<Json<EnterprisePage>, AppError> {
    let Known(filter) = filter.map_err(refused_query)?;
    Ok(Json(query::list(&state.db, &filter).await?))
}

#[post("/enterprises", data = "<input>")]
async fn create(
    officer: Officer,
    state: &State<AppState>,
    input: Result<Body<EnterpriseInput>, AppError>,
) -> Result<(Status, Json<EnterpriseView>), AppError> {
    let enterprise = service::create(&state.db, &officer.actor(), &body(input)?).await?;
    Ok((Status::Created, Json(enterprise)))
}

#[get("/enterprises/<id>")]
async fn show(
    _user: Viewer,
    state: &State<AppState>,
    id: &str,
) -> Result<Json<EnterpriseView>, AppError> {
    Ok(Json(
        service::view(&state.db, service::parse_id(id)?).await?,
    ))
}

/// The enterprise's patents in figures, as its page shows them.
#[get("/enterprises/<id>/figures")]
async fn figures(
    _user: Viewer,
    state: &State<AppState>,
    id: &str,
) -> Result<Json<query::PatentFigures>, AppError> {
    let enterprise = service::view(&state.db, service::parse_id(id)?).await?;
    Ok(Json(query::figures(&state.db, enterprise.id).await?))
}

#[derive(Deserialize)]
struct Versioned {
    version: i32,
    #[serde(flatten)]
    fields: EnterpriseInput,
}

#[put("/enterprises/<id>", data = "<input>")]
async fn update(
    officer: Officer,
    state: &State<AppState>,
    id: &str,
    input: Result<Body<Versioned>, AppError>,
) -> Result<Json<EnterpriseView>, AppError> {
    let id = service::parse_id(id)?;
    let current = service::view(&state.db, id).await?;
    let input = body_for_record(input, id, &current)?;
    Ok(Json(
        service::update(
            &state.db,
            &officer.actor(),
            id,
            input.version,
            &input.fields,
        )
        .await?,
    ))
}

#[derive(Deserialize)]
struct VersionJson {
    version: i32,
}

/// Archive or restore (the last segment says which), with the version last read.
#[post("/enterprises/<id>/<action>", data = "<input>", rank = 3)]
async fn archive(
    admin: Admin,
    state: &State<AppState>,
    id: &str,
    action: &str,
    input: Result<Body<VersionJson>, AppError>,
) -> Result<Json<EnterpriseView>, AppError> {
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

#[derive(Serialize)]
struct UnlinkedJson {
    items: Vec<UnlinkedName>,
    total: u64,
    page: u64,
    per_page: u64,
}

/// What `/api/v1/enterprises/unlinked` is asked: people's names rather than firms', and the page.
#[derive(FromForm)]
struct UnlinkedQuery {
    people: Given<bool>,
    page: Given<u64>,
    per_page: Given<u64>,
}

#[get("/enterprises/unlinked?<query..>")]
async fn unlinked(
    _user: Viewer,
    state: &State<AppState>,
    query: rocket::form::Result<'_, Known<UnlinkedQuery>>,
) -> Result<Json<UnlinkedJson>, AppError> {
    let Known(asked) = query.map_err(refused_query)?;
    let request = PageRequest::new(*asked.page, *asked.per_page);
    let (items, total) = query::unlinked(&state.db, asked.people.unwrap_or(false), request).await?;
    Ok(Json(UnlinkedJson {
        items,
        total,
        page: request.page,
        per_page: request.per_page,
    }))
}

#[derive(Deserialize)]
struct LinkJson {
    name: String,
}

#[derive(Serialize)]
struct LinkedJson {
    linked_applicants: u64,
}

/// Makes an applicant name (as rosters spell it) one of the enterprise's names.
#[post("/enterprises/<id>/names", data = "<input>")]
async fn link(
    officer: Officer,
    state: &State<AppState>,
    id: &str,
    input: Result<Body<LinkJson>, AppError>,
) -> Result<(Status, Json<LinkedJson>), AppError> {
    let linked = service::link_name(
        &state.db,
        &officer.actor(),
        &body(input)?.name,
        service::parse_id(id)?,
    )
    .await?;
    Ok((
        Status::Created,
        Json(LinkedJson {
            linked_applicants: linked,
        }),
    ))
}

/// What `/api/v1/enterprises/townships` is asked: one suggested township (by name) or all, and
/// the page.
#[derive(FromForm)]
struct SuggestionQuery {
    township: Option<String>,
    page: Given<u64>,
    per_page: Given<u64>,
}

/// The townships the patents suggest for enterprises registered without one, a page at a time,
/// of one suggested township (`township`, by name) or of all.
#[get("/enterprises/townships?<query..>")]
async fn townships(
    _user: Viewer,
    state: &State<AppState>,
    query: rocket::form::Result<'_, Known<SuggestionQuery>>,
) -> Result<Json<SuggestionPage>, AppError> {
    let Known(asked) = query.map_err(refused_query)?;
    let request = PageRequest::new(*asked.page, *asked.per_page);
    let wanted = asked.township.as_deref();
    let page =
        query::township_suggestion_page(&state.db, &state.suggestions, wanted, request).await?;
    Ok(Json(page))
}

#[derive(Deserialize)]
struct FillJson {
    /// Only these enterprises; every one suggested when absent.
    #[serde(default)]
    enterprise_ids: Option<Vec<i64>>,
    /// Only the enterprises suggested this township (by name).
    #[serde(default)]
    township: Option<String>,
}

#[derive(Serialize)]
struct FilledJson {
    given: Vec<TownshipSuggestion>,
}

#[post("/enterprises/townships", data = "<input>")]
async fn fill_townships(
    officer: Officer,
    state: &State<AppState>,
    input: Result<Body<FillJson>, AppError>,
) -> Result<Json<FilledJson>, AppError> {
    let input = body(input)?;
    let choice = SuggestionChoice {
        only: input.enterprise_ids.as_deref(),
        township: input.township.as_deref(),
    };
    let given = service::fill_townships(&state.db, &officer.actor(), choice).await?;
    Ok(Json(FilledJson { given }))
}
