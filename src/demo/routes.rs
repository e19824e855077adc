//! The demo from the web and the API (`POST /demo`, `POST /api/v1/demo`), and the sample
//! workbooks to download (`GET /samples/<name>`), so an officer can try an import by hand.

use rocket::response::{Flash, Redirect};
use rocket::serde::json::Json;
use rocket::{Route, State, get, post, routes};

use crate::AppState;
use crate::auth::{Admin, Viewer};
use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::import::api::Download;
use crate::import::service::ReportJson;
use crate::web::layout as page_layout;

pub fn routes() -> Vec<Route> {
    routes![load_page, sample]
}

pub fn api_routes() -> Vec<Route> {
    routes![load_api]
}

#[post("/demo")]
async fn load_page(admin: Admin, state: &State<AppState>) -> Result<Flash<Redirect>, AppError> {
    match super::load(&state.db, &state.reader, &admin.actor()).await {
        Ok(reports) => Ok(page_layout::success("/imports", super::loaded(&reports))),
        Err(error) if error.status().code < 500 => Ok(page_layout::failure("/", error.message())),
        Err(error) => Err(error),
    }
}

#[post("/demo")]
async fn load_api(
    admin: Admin,
    lang: Lang,
    state: &State<AppState>,
) -> Result<Json<Vec<ReportJson>>, AppError> {
    let reports = super::load(&state.db, &state.reader, &admin.actor()).await?;
    Ok(Json(reports.iter().map(|r| r.to_json(lang)).collect()))
}

#[get("/samples/<name>")]
async fn sample(_user: Viewer, name: &str) -> Result<Download, AppError> {
    let bytes = super::sample(name)
        .ok_or_else(|| AppError::NotFound(Msg::new("errors.not_found.message")))?;
    Ok(Download {
        name: name.to_owned(),
        bytes: bytes.to_vec(),
    })
}
