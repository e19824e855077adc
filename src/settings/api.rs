//! The settings as JSON under `/api/v1`: the same services as the settings page.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{Route, State, get, patch, post, put, routes};
use serde::{Deserialize, Serialize};

use super::domain::{Jurisdiction, JurisdictionInput};
use super::lists::{self, ItemChange, ListItem, kind_from_slug, target_from_path};
use super::service;
use crate::AppState;
use crate::auth::{Admin, Viewer};
use crate::error::AppError;
use crate::web::given::{Given, Known, refused_query};
use crate::web::json::{Body, accepts, body, body_for};

pub fn routes() -> Vec<Route> {
    routes![
        get_settings,
        put_secure_cookies,
        put_jurisdiction,
        put_timezone,
        post_backup,
        list_items,
        get_item,
        add_item,
        change_item
    ]
}

accepts!(JurisdictionInput, []);
accepts!(TimezoneJson, []);
accepts!(SecureCookiesJson, []);
accepts!(NewItem, []);
// A township's or agency's answer besides what a change writes.
accepts!(ItemChange, ["id", "archived_at"]);

#[derive(Serialize)]
struct SettingsJson {
    county: Option<String>,
    aliases: Vec<String>,
    case_prefix: String,
    timezone: &'static str,
    secure_cookies: bool,
}

#[get("/settings")]
async fn get_settings(
    _user: Viewer,
    state: &State<AppState>,
) -> Result<Json<SettingsJson>, AppError> {
    let settings = service::load(&state.db).await?;
    let Jurisdiction {
        county,
        aliases,
        case_prefix,
    } = settings.jurisdiction;
    Ok(Json(SettingsJson {
        county,
        aliases,
        case_prefix,
        timezone: settings.timezone.name(),
        secure_cookies: settings.secure_cookies,
    }))
}

/// A copy of the whole SQLite database (`POST`: each copy is audited); 400 with the pg_dump
/// command on PostgreSQL.
#[post("/backup")]
async fn post_backup(
    admin: Admin,
    state: &State<AppState>,
) -> Result<crate::web::download::DatabaseFile, AppError> {
    let copy = super::backup::copy_for_download(&state.db, &admin.actor()).await?;
    Ok(crate::web::download::DatabaseFile(copy))
}

#[put("/settings/jurisdiction", data = "<input>")]
async fn put_jurisdiction(
    admin: Admin,
    state: &State<AppState>,
    input: Result<Body<JurisdictionInput>, AppError>,
) -> Result<Json<Jurisdiction>, AppError> {
    let jurisdiction = service::set_jurisdiction(&state.db, &admin.actor(), body(input)?).await?;
    Ok(Json(jurisdiction))
}

#[derive(Deserialize, Serialize)]
struct TimezoneJson {
    timezone: String,
}

#[put("/settings/timezone", data = "<input>")]
async fn put_timezone(
    admin: Admin,
    state: &State<AppState>,
    input: Result<Body<TimezoneJson>, AppError>,
) -> Result<Json<TimezoneJson>, AppError> {
    let timezone = service::set_timezone(&state.db, &admin.actor(), &body(input)?.timezone).await?;
    Ok(Json(TimezoneJson {
        timezone: timezone.name().to_owned(),
    }))
}

#[derive(Deserialize, Serialize)]
struct SecureCookiesJson {
    secure_cookies: bool,
}

#[put("/settings/secure_cookies", data = "<input>")]
async fn put_secure_cookies(
    admin: Admin,
    state: &State<AppState>,
    input: Result<Body<SecureCookiesJson>, AppError>,
) -> Result<Json<SecureCookiesJson>, AppError> {
    let on = body(input)?.secure_cookies;
    let secure_cookies = service::set_secure_cookies(&state.db, &admin.actor(), on).await?;
    Ok(Json(SecureCookiesJson { secure_cookies }))
}

/// What a list of townships or agencies is asked: the archived ones rather than those in use.
#[derive(rocket::FromForm)]
struct ItemsQuery {
    archived: Given<bool>,
}

#[get("/<kind>?<query..>", rank = 5)]
async fn list_items(
    _user: Viewer,
    state: &State<AppState>,
    kind: &str,
    query: rocket::form::Result<'_, Known<ItemsQuery>>,
) -> Result<Json<Vec<ListItem>>, AppError> {
    // An address that names no list is not found, whatever it is asked.
    let kind = kind_from_slug(kind)?;
    let Known(asked) = query.map_err(refused_query)?;
    Ok(Json(
        lists::list(&state.db, kind, asked.archived.unwrap_or(false)).await?,
    ))
}

#[get("/<kind>/<id>", rank = 5)]
async fn get_item(
    _user: Viewer,
    state: &State<AppState>,
    kind: &str,
    id: &str,
) -> Result<Json<ListItem>, AppError> {
    let (kind, id) = target_from_path(kind, id)?;
    Ok(Json(lists::get(&state.db, kind, id).await?))
}

#[derive(Deserialize)]
struct NewItem {
    name: String,
}

#[post("/<kind>", data = "<input>", rank = 5)]
async fn add_item(
    admin: Admin,
    state: &State<AppState>,
    kind: &str,
    input: Result<Body<NewItem>, AppError>,
) -> Result<(Status, Json<ListItem>), AppError> {
    let kind = kind_from_slug(kind)?;
    let item = lists::add(&state.db, &admin.actor(), kind, &body(input)?.name).await?;
    Ok((Status::Created, Json(item)))
}

#[patch("/<kind>/<id>", data = "<input>", rank = 5)]
async fn change_item(
    admin: Admin,
    state: &State<AppState>,
    kind: &str,
    id: &str,
    input: Result<Body<ItemChange>, AppError>,
) -> Result<Json<ListItem>, AppError> {
    let (kind, id) = target_from_path(kind, id)?;
    Ok(Json(
        lists::change(&state.db, &admin.actor(), kind, id, body_for(input, id)?).await?,
    ))
}
