//! The events register's pages: the list with its filters and totals, an event's page with its
//! history, the forms, archive and restore.

use rocket::form::{Form, FromForm};
use rocket::{Route, State, get, post, routes};
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::domain::{CountInput, EventInput, EventKind};
use super::query::{self, EventFilter, EventTotals};
use super::service::{self, EventView};
use crate::AppState;
use crate::audit::{self, Entry};
use crate::auth::{Admin, Officer, Viewer};
use crate::error::AppError;
use crate::fields::split_names;
use crate::i18n::{Lang, Msg, t};
use crate::web::forms::{
    FailedForm, FormResponse, VersionForm, archive_form, archived_notice, edit_said, parse_version,
};
use crate::web::given::refused;
use crate::web::layout::{self, PageContext};
use crate::web::pagination::{PageRequest, Pagination};
use crate::web::query_string;

pub fn routes() -> Vec<Route> {
    routes![list, new_form, create, show, edit_form, update, archive]
}

/// The kinds as a select's options: stored value and name.
fn kinds(lang: Lang) -> Vec<(String, String)> {
    EventKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), t(lang, &k.label_key())))
        .collect()
}

#[derive(Serialize)]
struct ListView {
    items: Vec<EventView>,
    totals: EventTotals,
    pagination: Pagination,
    base: String,
    /// The filters, for the export of what they show.
    export_query: String,
    filter: EventFilter,
    kinds: Vec<(String, String)>,
}

#[get("/events?<filter..>")]
async fn list(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    filter: rocket::form::Result<'_, EventFilter>,
) -> Result<Template, AppError> {
    let filter = filter.map_err(refused)?;
    let result = query::list(&state.db, &filter).await?;
    let view = ListView {
        pagination: Pagination::new(
            PageRequest::new(*filter.page, *filter.per_page),
            result.total,
        ),
        items: result.items,
        totals: result.totals,
        base: format!("/events?{}", query_string::without_page(&filter)),
        export_query: query_string::without_page(&filter),
        kinds: kinds(page.lang),
        filter,
    };
    Ok(page.render("events/list", view))
}

/// The form's fields as typed; lists are one name a line (or separated by 、，；).
#[derive(Clone, Debug, Default, FromForm, Serialize)]
pub struct EventForm {
    #[field(default = String::new())]
    kind: String,
    #[field(default = String::new())]
    title: String,
    #[field(default = String::new())]
    starts_on: String,
    #[field(default = String::new())]
    ends_on: String,
    #[field(default = String::new())]
    location: String,
    #[field(default = String::new())]
    lead_unit: String,
    #[field(default = String::new())]
    co_organisers: String,
    #[field(default = String::new())]
    audience: String,
    #[field(default = String::new())]
    attendees: String,
    #[field(default = String::new())]
    materials_count: String,
    #[field(default = String::new())]
    consultations: String,
    #[field(default = String::new())]
    enterprises: String,
    #[field(default = String::new())]
    summary: String,
    #[field(default = String::new())]
    notes: String,
    #[field(default = String::new())]
    version: String,
}

impl EventForm {
    /// The input, its enterprises found by name (an unknown one is the form's error).
    async fn input(&self, state: &AppState) -> Result<EventInput, AppError> {
        let names = split_names(&self.enterprises);
        let enterprise_ids = service::enterprises_named(&state.db, &names).await?;
        let text = |v: &str| Some(v.to_owned());
        let count = |v: &str| CountInput::Text(v.to_owned());
        Ok(EventInput {
            kind: self.kind.clone(),
            title: self.title.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: text(&self.ends_on),
            location: text(&self.location),
            lead_unit: text(&self.lead_unit),
            co_organisers: split_names(&self.co_organisers),
            audience: text(&self.audience),
            attendees: count(&self.attendees),
            materials_count: count(&self.materials_count),
            consultations: count(&self.consultations),
            enterprise_ids,
            summary: text(&self.summary),
            notes: text(&self.notes),
        })
    }

    fn from_view(e: &EventView) -> EventForm {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let count = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        let names: Vec<&str> = e.enterprises.iter().map(|p| p.name.as_str()).collect();
        EventForm {
            kind: e.kind.clone(),
            title: e.title.clone(),
            starts_on: e.starts_on.to_string(),
            ends_on: e.ends_on.to_string(),
            location: text(&e.location),
            lead_unit: text(&e.lead_unit),
            co_organisers: e.co_organisers.join("\n"),
            audience: text(&e.audience),
            attendees: count(e.attendees),
            materials_count: count(e.materials_count),
            consultations: count(e.consultations),
            enterprises: names.join("\n"),
            summary: text(&e.summary),
            notes: text(&e.notes),
            version: e.version.to_string(),
        }
    }
}

#[derive(Serialize)]
struct FormView {
    id: Option<i64>,
    form: EventForm,
    kinds: Vec<(String, String)>,
    failed: Option<FailedForm>,
    changed_by_others: Vec<Entry>,
}

#[get("/events/new")]
async fn new_form(_officer: Officer, page: PageContext) -> Template {
    let view = FormView {
        id: None,
        form: <EventForm as Default>::default(),
        kinds: kinds(page.lang),
        failed: None,
        changed_by_others: Vec::new(),
    };
    page.render("events/form", view)
}

async fn form_again(
    page: &PageContext,
    state: &AppState,
    id: Option<i64>,
    form: EventForm,
    error: AppError,
) -> FormResponse {
    let status = error.status();
    let Some(failed) = FailedForm::new("event", id, crate::web::forms::values_of(&form))
        .with_error(&error, page.lang)
    else {
        return FormResponse::Failed(error);
    };
    // The API's names for the lists are the form's.
    let mut failed = failed;
    if let Some(msg) = failed.errors.remove("enterprise_ids") {
        failed.errors.insert("enterprises".to_owned(), msg);
    }
    let changed_by_others = crate::web::forms::changed_by_others(
        &state.db,
        status,
        "event",
        id,
        &form.version,
        page.settings.timezone,
    )
    .await;
    let view = FormView {
        id,
        form,
        kinds: kinds(page.lang),
        failed: Some(failed),
        changed_by_others,
    };
    FormResponse::Again(status, page.render("events/form", view))
}

#[post("/events", data = "<form>")]
async fn create(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    form: Form<EventForm>,
) -> FormResponse {
    let form = form.into_inner();
    let created = match form.input(state).await {
        Ok(input) => service::create(&state.db, &officer.actor(), &input).await,
        Err(error) => Err(error),
    };
    match created {
        Ok(e) => FormResponse::Done(layout::success(
            format!("/events/{}", e.id),
            Msg::new("events.created").arg("title", &e.title),
        )),
        Err(error) => form_again(&page, state, None, form, error).await,
    }
}

#[derive(Serialize)]
struct ShowView {
    event: EventView,
    kind: String,
    history: Vec<Entry>,
}

#[get("/events/<id>")]
async fn show(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
) -> Result<Template, AppError> {
    let id = service::parse_id(id)?;
    let event = service::view(&state.db, id).await?;
    let view = ShowView {
        kind: event
            .kind()
            .map_or_else(|| event.kind.clone(), |k| t(page.lang, &k.label_key())),
        history: audit::history(&state.db, "event", id, page.settings.timezone).await?,
        event,
    };
    Ok(page.render("events/show", view))
}

#[get("/events/<id>/edit")]
async fn edit_form(
    _officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
) -> Result<Template, AppError> {
    let id = service::parse_id(id)?;
    let event = service::view(&state.db, id).await?;
    let view = FormView {
        id: Some(id),
        form: EventForm::from_view(&event),
        kinds: kinds(page.lang),
        failed: None,
        changed_by_others: Vec::new(),
    };
    Ok(page.render("events/form", view))
}

#[post("/events/<id>", data = "<form>")]
async fn update(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
    form: Form<EventForm>,
) -> FormResponse {
    let form = form.into_inner();
    let request = service::parse_id(id).and_then(|id| Ok((id, parse_version(&form.version)?)));
    let (id, version) = match request {
        Ok(request) => request,
        Err(error) => return FormResponse::Failed(error),
    };
    let updated = match form.input(state).await {
        Ok(input) => service::update(&state.db, &officer.actor(), id, version, &input).await,
        Err(error) => Err(error),
    };
    match updated {
        Ok(e) => FormResponse::Done(layout::success(
            format!("/events/{id}"),
            edit_said(
                version,
                e.version,
                Msg::new("events.updated").arg("title", &e.title),
            ),
        )),
        Err(error) => form_again(&page, state, Some(id), form, error).await,
    }
}

/// Archive or restore (the last segment says which).
#[post("/events/<id>/<action>", data = "<form>", rank = 3)]
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
    let done = |record: &service::EventView, archived: bool| {
        archived_notice("events", record.id, archived, ("title", &record.title))
    };
    let request = (id, action, form.version.as_str());
    archive_form(request, service::parse_id, apply, done).await
}
