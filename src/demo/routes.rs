//! The demo from the web and the API (`POST /demo`, `POST /api/v1/demo`), and the sample
//! workbooks to download (`GET /samples/<name>`), so an officer can try an import by hand.

use rocket::form::{Form, FromForm};
use rocket::response::{Flash, Redirect};
use rocket::serde::json::Json;
use rocket::{Route, State, get, post, routes};

use crate::AppState;
use crate::auth::{Admin, Viewer};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::import::api::Download;
use crate::import::service::ReportJson;
use crate::web::layout as page_layout;

pub fn routes() -> Vec<Route> {
    routes![load_page, sample]
}

pub fn api_routes() -> Vec<Route> {
    routes![load_api]
}

/// The day the samples run up to, as typed: empty or absent for today.
#[derive(FromForm, Default)]
struct DemoForm {
    as_of: Option<String>,
}

#[post("/demo", data = "<form>")]
async fn load_page(
    admin: Admin,
    state: &State<AppState>,
    form: Option<Form<DemoForm>>,
) -> Result<Flash<Redirect>, AppError> {
    let form = form.map(Form::into_inner).unwrap_or_default();
    let loaded = async {
        let day = crate::dates::parse_given(form.as_of.as_deref())?;
        let kept = &state.suggestions;
        super::load(&state.db, &state.reader, &admin.actor(), day, kept).await
    };
    match loaded.await {
        Ok(loaded) => Ok(page_layout::success("/imports", super::loaded(&loaded))),
        Err(error) if error.status().code < 500 => Ok(page_layout::failure("/", error.message())),
        Err(error) => Err(error),
    }
}

/// `POST /api/v1/demo?as_of=2026-06-30`: the samples dated up to that day (today without it).
#[post("/demo?<as_of>")]
async fn load_api(
    admin: Admin,
    lang: Lang,
    state: &State<AppState>,
    as_of: Option<&str>,
) -> Result<Json<Vec<ReportJson>>, AppError> {
    let day = crate::dates::parse_given(as_of)?;
    let kept = &state.suggestions;
    let loaded = super::load(&state.db, &state.reader, &admin.actor(), day, kept).await?;
    Ok(Json(
        loaded.samples.iter().map(|l| l.to_json(lang)).collect(),
    ))
}

#[get("/samples/<name>")]
async fn sample(_user: Viewer, state: &State<AppState>, name: &str) -> Result<Download, AppError> {
    Ok(Download {
        name: name.to_owned(),
        bytes: super::sample(&state.db, name).await?,
    })
}
