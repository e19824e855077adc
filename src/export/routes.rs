//! The download: `GET /exports/{register}.xlsx` for the pages and `GET /api/v1/exports/…` for
//! scripts — one route, mounted twice, with the list page's filters in the query string
//! (read as the register's own filter, so an export link carries exactly what the list shows).

use rocket::http::RawStr;
use rocket::http::uri::Origin;
use rocket::{Route, State, get, routes};

use super::service::{self, Target};
use super::{Register, Request};
use crate::AppState;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::import::api::Download;
use crate::web::given::OwnQuery;

pub fn routes() -> Vec<Route> {
    routes![download]
}

#[get("/exports/<file>?<_query..>")]
async fn download(
    _user: Viewer,
    lang: Lang,
    state: &State<AppState>,
    file: &str,
    uri: &Origin<'_>,
    _query: OwnQuery,
) -> Result<Download, AppError> {
    let register = file
        .strip_suffix(".xlsx")
        .and_then(Register::parse)
        .ok_or_else(|| AppError::NotFound(Msg::new("export.unknown_register")))?;
    let query = uri.query().map_or(RawStr::new(""), |q| q.raw());
    let request = Request::from_query(register, query)?;
    let export = service::export(&state.db, &request, lang, Target::Bytes).await?;
    Ok(Download {
        name: export.file_name,
        bytes: export.bytes.unwrap_or_default(),
    })
}
