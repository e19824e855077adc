//! The settings page: the jurisdiction, the time zone, townships and agencies. Each form posts
//! to its own route; on success the page comes back with a message, on failure with the values
//! kept and the problems shown beside the fields.

use std::collections::BTreeMap;

use rocket::form::{Form, FromForm};
use rocket::{Route, State, get, post, routes};
use serde::Serialize;

use super::domain::JurisdictionInput;
use super::lists::{self, ItemAction, ListItem, ListKind};
use super::service;
use crate::AppState;
use crate::auth::Admin;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::web::forms::{FailedForm, FormResponse};
use crate::web::layout::{self, PageContext};

pub fn routes() -> Vec<Route> {
    routes![
        show,
        save_jurisdiction,
        save_timezone,
        save_secure_cookies,
        download_backup,
        add_item,
        change_item
    ]
}

const PAGE: &str = "/settings";

#[derive(Serialize)]
struct ListView {
    kind: &'static str,
    active: Vec<ListItem>,
    archived: Vec<ListItem>,
}

#[derive(Serialize)]
struct SettingsView {
    county: String,
    aliases: String,
    case_prefix: String,
    timezone: &'static str,
    timezones: Vec<&'static str>,
    secure_cookies: bool,
    /// SQLite: a copy can be downloaded here; PostgreSQL is backed up with pg_dump.
    backup_here: bool,
    lists: Vec<ListView>,
    failed: Option<FailedForm>,
}

async fn settings_view(
    page: &PageContext,
    state: &AppState,
    failed: Option<FailedForm>,
) -> Result<SettingsView, AppError> {
    let mut views = Vec::new();
    for kind in ListKind::ALL {
        let (archived, active) = lists::list(&state.db, kind, true)
            .await?
            .into_iter()
            .partition(ListItem::is_archived);
        views.push(ListView {
            kind: kind.slug(),
            active,
            archived,
        });
    }
    let jurisdiction = &page.settings.jurisdiction;
    Ok(SettingsView {
        county: jurisdiction.county.clone().unwrap_or_default(),
        aliases: jurisdiction.aliases.join("，"),
        case_prefix: jurisdiction.case_prefix.clone(),
        timezone: page.settings.timezone.name(),
        timezones: chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect(),
        secure_cookies: page.settings.secure_cookies,
        backup_here: sea_orm::ConnectionTrait::get_database_backend(&state.db)
            == sea_orm::DbBackend::Sqlite,
        lists: views,
        failed,
    })
}

#[get("/settings")]
async fn show(
    _admin: Admin,
    page: PageContext,
    state: &State<AppState>,
) -> Result<rocket_dyn_templates::Template, AppError> {
    let view = settings_view(&page, state, None).await?;
    Ok(page.render("settings/index", view))
}

/// Turns a service result into the form's answer: back to the page with a message, or the page
/// again with what went wrong.
async fn respond(
    page: PageContext,
    state: &AppState,
    result: Result<Msg, AppError>,
    failed: FailedForm,
) -> FormResponse {
    let error = match result {
        Ok(done) => return FormResponse::Done(layout::success(PAGE, done)),
        Err(error) => error,
    };
    let status = error.status();
    let Some(failed) = failed.with_error(&error, page.lang) else {
        return FormResponse::Failed(error);
    };
    match settings_view(&page, state, Some(failed)).await {
        Ok(view) => FormResponse::Again(status, page.render("settings/index", view)),
        Err(error) => FormResponse::Failed(error),
    }
}

fn values<const N: usize>(pairs: [(&str, &str); N]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[derive(FromForm)]
struct JurisdictionForm {
    #[field(default = String::new())]
    county: String,
    #[field(default = String::new())]
    aliases: String,
    #[field(default = String::new())]
    case_prefix: String,
}

#[post("/settings/jurisdiction", data = "<form>")]
async fn save_jurisdiction(
    admin: Admin,
    page: PageContext,
    state: &State<AppState>,
    form: Form<JurisdictionForm>,
) -> FormResponse {
    let form = form.into_inner();
    let failed = FailedForm::new(
        "jurisdiction",
        None,
        values([
            ("county", &form.county),
            ("aliases", &form.aliases),
            ("case_prefix", &form.case_prefix),
        ]),
    );
    let input = JurisdictionInput {
        county: form.county,
        aliases: vec![form.aliases],
        case_prefix: form.case_prefix,
    };
    let result = service::set_jurisdiction(&state.db, &admin.actor(), input).await;
    let result = result.map(|_| Msg::new("settings.jurisdiction.saved"));
    respond(page, state, result, failed).await
}

#[derive(FromForm)]
struct TimezoneForm {
    #[field(default = String::new())]
    timezone: String,
}

#[post("/settings/timezone", data = "<form>")]
async fn save_timezone(
    admin: Admin,
    page: PageContext,
    state: &State<AppState>,
    form: Form<TimezoneForm>,
) -> FormResponse {
    let failed = FailedForm::new("timezone", None, values([("timezone", &form.timezone)]));
    let result = service::set_timezone(&state.db, &admin.actor(), &form.timezone).await;
    let result = result.map(|_| Msg::new("settings.timezone.saved"));
    respond(page, state, result, failed).await
}

#[derive(FromForm)]
struct SecureCookiesForm {
    /// A checkbox: present when ticked.
    #[field(default = false)]
    secure_cookies: bool,
}

#[post("/settings/secure_cookies", data = "<form>")]
async fn save_secure_cookies(
    admin: Admin,
    page: PageContext,
    state: &State<AppState>,
    form: Form<SecureCookiesForm>,
) -> FormResponse {
    let failed = FailedForm::new("secure_cookies", None, BTreeMap::new());
    let result = service::set_secure_cookies(&state.db, &admin.actor(), form.secure_cookies).await;
    let result = result.map(|_| Msg::new("settings.secure_cookies.saved"));
    respond(page, state, result, failed).await
}

/// A copy of the whole database, saved by the browser (a form, so that no link or prefetch takes
/// one unasked: each is audited).
#[post("/settings/backup")]
async fn download_backup(
    admin: Admin,
    state: &State<AppState>,
) -> Result<crate::web::download::DatabaseFile, AppError> {
    let copy = super::backup::copy_for_download(&state.db, &admin.actor()).await?;
    Ok(crate::web::download::DatabaseFile(copy))
}

#[derive(FromForm)]
struct NameForm {
    #[field(default = String::new())]
    name: String,
}

#[post("/settings/<kind>", data = "<form>", rank = 5)]
async fn add_item(
    admin: Admin,
    page: PageContext,
    state: &State<AppState>,
    kind: &str,
    form: Form<NameForm>,
) -> FormResponse {
    let kind = match lists::kind_from_slug(kind) {
        Ok(kind) => kind,
        Err(error) => return FormResponse::Failed(error),
    };
    let failed = FailedForm::new(
        &format!("{}_add", kind.slug()),
        None,
        values([("name", &form.name)]),
    );
    let result = lists::add(&state.db, &admin.actor(), kind, &form.name).await;
    let result = result.map(|item| kind.msg("added").arg("name", &item.name));
    respond(page, state, result, failed).await
}

/// Every per-row form carries the version the person saw, so a stale page gets 409.
#[derive(FromForm)]
struct RowForm {
    #[field(default = String::new())]
    name: String,
    #[field(default = String::new())]
    version: String,
    #[field(default = String::new())]
    direction: String,
}

impl RowForm {
    fn version(&self) -> Result<i32, AppError> {
        self.version
            .trim()
            .parse()
            .map_err(|_| AppError::BadRequest(Msg::new("errors.form.bad_version")))
    }

    /// The action a row button asks for: the last segment of its URL, plus the form's fields.
    fn action(&self, segment: &str) -> Result<ItemAction, AppError> {
        match (segment, self.direction.as_str()) {
            ("rename", _) => Ok(ItemAction::Rename(self.name.clone())),
            ("move", "up") => Ok(ItemAction::Shift(-1)),
            ("move", "down") => Ok(ItemAction::Shift(1)),
            ("move", _) => Err(AppError::BadRequest(Msg::new("errors.form.bad_direction"))),
            ("archive", _) => Ok(ItemAction::Archive),
            ("restore", _) => Ok(ItemAction::Restore),
            _ => Err(AppError::no_such_address()),
        }
    }
}

/// Rename, move, archive or restore one township or agency.
#[post("/settings/<kind>/<id>/<action>", data = "<form>", rank = 5)]
async fn change_item(
    admin: Admin,
    page: PageContext,
    state: &State<AppState>,
    kind: &str,
    id: &str,
    action: &str,
    form: Form<RowForm>,
) -> FormResponse {
    let target = lists::target_from_path(kind, id);
    let request = target.and_then(|target| Ok((target, form.action(action)?, form.version()?)));
    let ((kind, id), action, version) = match request {
        Ok(request) => request,
        Err(error) => return FormResponse::Failed(error),
    };
    let failed = FailedForm::new(
        &format!("{}_row", kind.slug()),
        Some(id),
        values([("name", &form.name)]),
    );
    let done_key = action.done_key();
    let result = lists::change(
        &state.db,
        &admin.actor(),
        kind,
        id,
        action.at_version(version),
    )
    .await;
    let result = result.map(|item| kind.msg(done_key).arg("name", &item.name));
    respond(page, state, result, failed).await
}
