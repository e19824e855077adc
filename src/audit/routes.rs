//! The audit log page and its JSON twin, for administrators. Read-only: no route changes or
//! deletes an entry.

use chrono::NaiveDate;
use rocket::serde::json::Json;
use rocket::{Route, State, get, routes};
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::{Entry, Filter};
use crate::auth::Admin;
use crate::auth::users;
use crate::error::AppError;
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

/// The filter as typed in the query string; unreadable values are ignored, not errors.
#[derive(Debug, Default, rocket::FromForm)]
pub struct Query {
    user: Option<String>,
    entity: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
}

impl Query {
    fn filter(&self) -> Filter {
        let date = |raw: &Option<String>| {
            raw.as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        };
        Filter {
            user_id: self.user.as_deref().and_then(|u| u.trim().parse().ok()),
            entity: self.entity.clone().filter(|e| !e.trim().is_empty()),
            entity_id: None,
            from: date(&self.from),
            to: date(&self.to),
        }
    }

    fn page(&self) -> PageRequest {
        PageRequest::new(self.page, self.per_page)
    }

    /// The query string without `page`, for the pager's links.
    fn base(&self) -> String {
        let mut parts = Vec::new();
        for (name, value) in [
            ("user", &self.user),
            ("entity", &self.entity),
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
    user: String,
    entity: String,
    from: String,
    to: String,
}

#[get("/admin/audit?<query..>")]
async fn page(
    _admin: Admin,
    page: PageContext,
    state: &State<AppState>,
    query: Query,
) -> Result<Template, AppError> {
    let timezone = page.settings.timezone;
    let (entries, total) = super::list(&state.db, &query.filter(), query.page(), timezone).await?;
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
        user: query.user.clone().unwrap_or_default(),
        entity: query.entity.clone().unwrap_or_default(),
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
    query: Query,
) -> Result<Json<AuditJson>, AppError> {
    let settings = crate::settings::service::load(&state.db).await?;
    let request = query.page();
    let (entries, total) =
        super::list(&state.db, &query.filter(), request, settings.timezone).await?;
    Ok(Json(AuditJson {
        entries,
        total,
        page: request.page,
        per_page: request.per_page,
    }))
}
