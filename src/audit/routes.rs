//! The audit log page and its JSON twin, for administrators. Read-only: no route changes or
//! deletes an entry.

use rocket::serde::json::Json;
use rocket::{Route, State, get, routes};
use rocket_dyn_templates::Template;
use sea_orm::DatabaseConnection;
use serde::Serialize;

use super::{AskedFilter, Entry, Filter};
use crate::auth::Admin;
use crate::auth::users;
use crate::error::AppError;
use crate::web::given::{Given, Known, refused, refused_query};
use crate::web::layout::PageContext;
use crate::web::pagination::{PageRequest, Pagination};
use crate::web::query_string;
use crate::{AppState, clock};

pub fn routes() -> Vec<Route> {
    routes![page]
}

pub fn api_routes() -> Vec<Route> {
    routes![api_list]
}

/// The filter as typed in the query string, read by [`Filter::read`] as the CLI's flags are.
#[derive(Debug, Default, rocket::FromForm)]
pub struct Query {
    user: Option<String>,
    entity: Option<String>,
    id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Given<u64>,
    per_page: Given<u64>,
}

impl Query {
    async fn filter(&self, db: &DatabaseConnection) -> Result<Filter, AppError> {
        let asked = AskedFilter {
            user: self.user.as_deref(),
            entity: self.entity.as_deref(),
            id: self.id.as_deref(),
            from: self.from.as_deref(),
            to: self.to.as_deref(),
        };
        Filter::read(db, asked).await
    }

    fn page(&self) -> PageRequest {
        PageRequest::new(*self.page, *self.per_page)
    }

    /// The query string without `page`, for the pager's links.
    fn base(&self) -> String {
        let mut parts = Vec::new();
        for (name, value) in [
            ("user", &self.user),
            ("entity", &self.entity),
            ("id", &self.id),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{name}={}", query_string::encode(value)));
            }
        }
        parts.push(String::new());
        format!("/admin/audit?{}", parts.join("&"))
    }
}

#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    entry: Entry,
    at_local: String,
}

#[derive(Serialize)]
struct AuditView {
    rows: Vec<Row>,
    pagination: Pagination,
    base: String,
    /// [id, "real name (username)"], for the user drop-down.
    user_options: Vec<(String, String)>,
    entities: Vec<String>,
    /// The chosen user's id, as the drop-down's values are (the query may name them).
    user: String,
    entity: String,
    id: String,
    from: String,
    to: String,
}

#[get("/admin/audit?<query..>")]
async fn page(
    _admin: Admin,
    page: PageContext,
    state: &State<AppState>,
    query: rocket::form::Result<'_, Query>,
) -> Result<Template, AppError> {
    let query = query.map_err(refused)?;
    let timezone = page.settings.timezone;
    let filter = query.filter(&state.db).await?;
    let (entries, total) = super::list(&state.db, &filter, query.page(), timezone).await?;
    let rows = entries
        .into_iter()
        .map(|entry| Row {
            at_local: clock::display(entry.at, timezone),
            entry,
        })
        .collect();
    let view = AuditView {
        rows,
        pagination: Pagination::new(query.page(), total),
        base: query.base(),
        user_options: users::list(&state.db)
            .await?
            .into_iter()
            .map(|u| (u.id.to_string(), u.label(page.lang)))
            .collect(),
        entities: super::entities(&state.db).await?,
        user: filter.user_id.map(|id| id.to_string()).unwrap_or_default(),
        entity: filter.entity.unwrap_or_default(),
        id: filter.entity_id.unwrap_or_default(),
        from: query.from.clone().unwrap_or_default(),
        to: query.to.clone().unwrap_or_default(),
    };
    Ok(page.render("admin/audit", view))
}

#[derive(Serialize)]
struct AuditJson {
    entries: Vec<Entry>,
    total: u64,
    page: u64,
    per_page: u64,
}

#[get("/audit?<query..>")]
async fn api_list(
    _admin: Admin,
    state: &State<AppState>,
    query: rocket::form::Result<'_, Known<Query>>,
) -> Result<Json<AuditJson>, AppError> {
    let Known(query) = query.map_err(refused_query)?;
    let settings = crate::settings::service::load(&state.db).await?;
    let request = query.page();
    let (entries, total) = super::list(
        &state.db,
        &query.filter(&state.db).await?,
        request,
        settings.timezone,
    )
    .await?;
    Ok(Json(AuditJson {
        entries,
        total,
        page: request.page,
        per_page: request.per_page,
    }))
}
