//! The patent register's pages: the list with filters, a patent's page with its timeline and
//! history, the forms to create and edit, status events, archive and restore.

use chrono::Datelike;
use std::collections::BTreeMap;

use rocket::form::{Form, FromForm};
use rocket::{Route, State, get, post, routes};
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::domain::{ApplicantInput, PatentInput};
use super::lifecycle::PatentStatus;
use super::number::PatentType;
use super::query::{self, PatentFilter, Sort};
use super::service::{self, EventInput, EventView, PatentView};
use crate::AppState;
use crate::audit::{self, Entry};
use crate::auth::{Admin, Officer, Viewer};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::settings::lists::{self, ListKind};
use crate::web::forms::{
    FailedForm, FormResponse, VersionForm, archive_form, archived_notice, edit_said, parse_version,
};
use crate::web::given::refused;
use crate::web::layout::{self, PageContext};
use crate::web::pagination::{PageRequest, Pagination};
use crate::web::query_string;

pub fn routes() -> Vec<Route> {
    routes![
        list, new_form, create, show, edit_form, update, add_event, archive
    ]
}

/// What the filter form offers.
#[derive(Serialize)]
struct Choices {
    types: Vec<&'static str>,
    statuses: Vec<&'static str>,
    townships: Vec<String>,
    sorts: Vec<&'static str>,
    enterprise_name: Option<String>,
}

async fn choices(state: &AppState, filter: &PatentFilter) -> Result<Choices, AppError> {
    let enterprise_name = match *filter.enterprise {
        Some(id) => crate::enterprises::service::row(&state.db, id)
            .await
            .ok()
            .map(|e| e.name),
        None => None,
    };
    Ok(Choices {
        types: PatentType::ALL.iter().map(|t| t.as_str()).collect(),
        statuses: PatentStatus::ALL.iter().map(|s| s.as_str()).collect(),
        townships: lists::list(&state.db, ListKind::Townships, false)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect(),
        sorts: Sort::ALL.iter().map(|(_, name)| *name).collect(),
        enterprise_name,
    })
}

#[derive(Serialize)]
struct ListView {
    items: Vec<PatentView>,
    pagination: Pagination,
    /// The list's URL with its filters, for the pager and the sort links.
    base: String,
    /// The filters, for the export of what they show.
    export_query: String,
    /// The grants export's default period: this year so far.
    grants_from: String,
    grants_to: String,
    filter: PatentFilter,
    /// The order shown: the one chosen, else the filter's default.
    sort: &'static str,
    choices: Choices,
}

#[get("/patents?<filter..>")]
async fn list(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    filter: rocket::form::Result<'_, PatentFilter>,
) -> Result<Template, AppError> {
    let filter = filter.map_err(refused)?;
    let result = query::list(&state.db, &filter).await?;
    let request = PageRequest::new(*filter.page, *filter.per_page);
    let today = crate::clock::today(page.settings.timezone);
    let view = ListView {
        grants_from: today
            .with_day0(0)
            .and_then(|d| d.with_month0(0))
            .unwrap_or(today)
            .to_string(),
        grants_to: today.to_string(),
        pagination: Pagination::capped(request, result.total, result.total_capped),
        items: result.items,
        base: format!("/patents?{}", query_string::without_page(&filter)),
        export_query: query_string::without_page(&filter),
        choices: choices(state, &filter).await?,
        sort: Sort::of(&filter).name(),
        filter,
    };
    Ok(page.render("patents/list", view))
}

/// The form's fields as text; applicants and inventors one per line.
#[derive(Clone, Debug, Default, FromForm, Serialize)]
pub struct PatentForm {
    #[field(default = String::new())]
    application_number: String,
    #[field(default = String::new())]
    title: String,
    #[field(default = String::new())]
    applicants: String,
    #[field(default = String::new())]
    inventors: String,
    #[field(default = String::new())]
    filed_on: String,
    #[field(default = String::new())]
    granted_on: String,
    #[field(default = String::new())]
    grant_publication_number: String,
    #[field(default = String::new())]
    agency: String,
    #[field(default = String::new())]
    ipc_main: String,
    #[field(default = String::new())]
    address: String,
    #[field(default = String::new())]
    township: String,
    #[field(default = String::new())]
    notes: String,
    #[field(default = String::new())]
    version: String,
}

fn some(text: &str) -> Option<String> {
    Some(text.to_owned())
}

impl PatentForm {
    fn input(&self) -> PatentInput {
        PatentInput {
            application_number: self.application_number.clone(),
            title: self.title.clone(),
            applicants: self
                .applicants
                .lines()
                .map(|l| ApplicantInput::Name(l.to_owned()))
                .collect(),
            inventors: vec![self.inventors.clone()],
            filed_on: some(&self.filed_on),
            granted_on: some(&self.granted_on),
            grant_publication_number: some(&self.grant_publication_number),
            agency: some(&self.agency),
            ipc_main: some(&self.ipc_main),
            address: some(&self.address),
            township: some(&self.township),
            notes: some(&self.notes),
        }
    }

    fn from_view(patent: &PatentView) -> PatentForm {
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        PatentForm {
            application_number: patent.application_number.clone(),
            title: patent.title.clone(),
            applicants: patent
                .applicants
                .iter()
                .map(|a| a.name.clone())
                .collect::<Vec<_>>()
                .join("\n"),
            inventors: patent.inventors.join("，"),
            filed_on: date(patent.filed_on),
            granted_on: date(patent.granted_on),
            grant_publication_number: patent.grant_publication_number.clone().unwrap_or_default(),
            agency: patent.agency.clone().unwrap_or_default(),
            ipc_main: patent.ipc_main.clone().unwrap_or_default(),
            address: patent.address.clone().unwrap_or_default(),
            township: patent.township.clone().unwrap_or_default(),
            notes: patent.notes.clone().unwrap_or_default(),
            version: patent.version.to_string(),
        }
    }

    fn values(&self) -> BTreeMap<String, String> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map
                .into_iter()
                .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
                .collect(),
            _ => BTreeMap::new(),
        }
    }
}

#[derive(Serialize)]
struct FormView {
    id: Option<i64>,
    form: PatentForm,
    townships: Vec<String>,
    failed: Option<FailedForm>,
    /// What others changed since the version this form was loaded at (on a conflict).
    changed_by_others: Vec<Entry>,
}

async fn form_view(
    state: &AppState,
    id: Option<i64>,
    form: PatentForm,
    failed: Option<FailedForm>,
    changed_by_others: Vec<Entry>,
) -> Result<FormView, AppError> {
    let townships = lists::list(&state.db, ListKind::Townships, false)
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect();
    Ok(FormView {
        id,
        form,
        townships,
        failed,
        changed_by_others,
    })
}

#[get("/patents/new")]
async fn new_form(
    _officer: Officer,
    page: PageContext,
    state: &State<AppState>,
) -> Result<Template, AppError> {
    Ok(page.render(
        "patents/form",
        form_view(
            state,
            None,
            <PatentForm as Default>::default(),
            None,
            Vec::new(),
        )
        .await?,
    ))
}

/// The form again after a problem: the values kept, the problems beside the fields, and on a
/// conflict what the other person changed.
async fn form_again(
    page: &PageContext,
    state: &AppState,
    id: Option<i64>,
    form: PatentForm,
    error: AppError,
) -> FormResponse {
    let status = error.status();
    let Some(failed) = FailedForm::new("patent", id, form.values()).with_error(&error, page.lang)
    else {
        return FormResponse::Failed(error);
    };
    let changed = crate::web::forms::changed_by_others(
        &state.db,
        status,
        "patent",
        id,
        &form.version,
        page.settings.timezone,
    )
    .await;
    match form_view(state, id, form, Some(failed), changed).await {
        Ok(view) => FormResponse::Again(status, page.render("patents/form", view)),
        Err(error) => FormResponse::Failed(error),
    }
}

fn saved_message(saved: &service::Saved, key: &str) -> Msg {
    match saved.warnings.first() {
        Some(_) => {
            Msg::new(format!("{key}_check_added")).arg("number", &saved.patent.application_number)
        }
        None => Msg::new(key).arg("number", &saved.patent.application_number),
    }
}

#[post("/patents", data = "<form>")]
async fn create(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    form: Form<PatentForm>,
) -> FormResponse {
    let form = form.into_inner();
    match service::create(&state.db, &officer.actor(), &form.input()).await {
        Ok(saved) => FormResponse::Done(layout::success(
            format!("/patents/{}", saved.patent.id),
            saved_message(&saved, "patents.created"),
        )),
        Err(error) => form_again(&page, state, None, form, error).await,
    }
}

#[derive(Serialize)]
struct ShowView {
    patent: PatentView,
    patent_number: String,
    events: Vec<EventView>,
    next_statuses: Vec<&'static str>,
    history: Vec<Entry>,
    /// Enterprise names by id (as text: template context keys must be strings).
    enterprises: BTreeMap<String, String>,
    failed: Option<FailedForm>,
}

async fn show_view(
    page: &PageContext,
    state: &AppState,
    id: i64,
    failed: Option<FailedForm>,
) -> Result<ShowView, AppError> {
    // The record, its events and its history as of one moment: a grant saved meanwhile is in all
    // three or in none.
    let timezone = page.settings.timezone;
    crate::db::read_at_once(&state.db, async |txn| {
        show_view_in(txn, timezone, id, failed).await
    })
    .await
}

async fn show_view_in(
    db: &impl sea_orm::ConnectionTrait,
    timezone: crate::settings::Timezone,
    id: i64,
    failed: Option<FailedForm>,
) -> Result<ShowView, AppError> {
    let patent = service::view(db, id).await?;
    let mut enterprises = BTreeMap::new();
    for enterprise_id in patent.applicants.iter().filter_map(|a| a.enterprise_id) {
        if let Ok(row) = crate::enterprises::service::row(db, enterprise_id).await {
            enterprises.insert(enterprise_id.to_string(), row.name);
        }
    }
    let next_statuses = if patent.archived {
        Vec::new()
    } else {
        patent
            .status
            .next_choices(patent.patent_type)
            .iter()
            .map(|s| s.as_str())
            .collect()
    };
    Ok(ShowView {
        patent_number: format!("ZL{}", patent.application_number),
        events: service::events(db, id).await?,
        history: audit::history(db, "patent", id, timezone).await?,
        next_statuses,
        enterprises,
        failed,
        patent,
    })
}

#[get("/patents/<id>")]
async fn show(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
) -> Result<Template, AppError> {
    let id = service::parse_id(id)?;
    Ok(page.render("patents/show", show_view(&page, state, id, None).await?))
}

#[get("/patents/<id>/edit")]
async fn edit_form(
    _officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
) -> Result<Template, AppError> {
    let id = service::parse_id(id)?;
    let patent = service::view(&state.db, id).await?;
    Ok(page.render(
        "patents/form",
        form_view(
            state,
            Some(id),
            PatentForm::from_view(&patent),
            None,
            Vec::new(),
        )
        .await?,
    ))
}

#[post("/patents/<id>", data = "<form>")]
async fn update(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
    form: Form<PatentForm>,
) -> FormResponse {
    let form = form.into_inner();
    let request = service::parse_id(id).and_then(|id| Ok((id, parse_version(&form.version)?)));
    let (id, version) = match request {
        Ok(request) => request,
        Err(error) => return FormResponse::Failed(error),
    };
    match service::update(&state.db, &officer.actor(), id, version, &form.input()).await {
        Ok(saved) => FormResponse::Done(layout::success(
            format!("/patents/{id}"),
            edit_said(
                version,
                saved.patent.version,
                saved_message(&saved, "patents.updated"),
            ),
        )),
        Err(error) => form_again(&page, state, Some(id), form, error).await,
    }
}

#[derive(FromForm)]
struct EventForm {
    #[field(default = String::new())]
    status: String,
    #[field(default = String::new())]
    on: String,
    #[field(default = String::new())]
    note: String,
    #[field(default = String::new())]
    grant_publication_number: String,
}

#[post("/patents/<id>/events", data = "<form>")]
async fn add_event(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
    form: Form<EventForm>,
) -> FormResponse {
    let id = match service::parse_id(id) {
        Ok(id) => id,
        Err(error) => return FormResponse::Failed(error),
    };
    let input = EventInput {
        status: form.status.clone(),
        on: form.on.clone(),
        note: some(&form.note),
        grant_publication_number: some(&form.grant_publication_number),
    };
    match service::add_event(&state.db, &officer.actor(), id, &input).await {
        Ok(patent) => {
            let msg = Msg::new("patents.event_recorded")
                .arg("status", format!("@{}", patent.status.label_key()));
            FormResponse::Done(layout::success(format!("/patents/{id}"), msg))
        }
        Err(error) => {
            let values = [
                ("status", &form.status),
                ("on", &form.on),
                ("note", &form.note),
                ("grant_publication_number", &form.grant_publication_number),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect();
            let Some(failed) =
                FailedForm::new("event", Some(id), values).with_error(&error, page.lang)
            else {
                return FormResponse::Failed(error);
            };
            match show_view(&page, state, id, Some(failed)).await {
                Ok(view) => FormResponse::Again(error.status(), page.render("patents/show", view)),
                Err(error) => FormResponse::Failed(error),
            }
        }
    }
}

/// Archive or restore (the last segment says which).
#[post("/patents/<id>/<action>", data = "<form>", rank = 3)]
async fn archive(
    admin: Admin,
    state: &State<AppState>,
    id: &str,
    action: &str,
    form: Form<VersionForm>,
) -> FormResponse {
    let actor = admin.actor();
    let apply =
        |id, version, archived| service::set_archived(&state.db, &actor, id, version, archived);
    let done = |record: &service::PatentView, archived: bool| {
        archived_notice(
            "patents",
            record.id,
            archived,
            ("number", &record.application_number),
        )
    };
    let request = (id, action, form.version.as_str());
    archive_form(request, service::parse_id, apply, done).await
}
