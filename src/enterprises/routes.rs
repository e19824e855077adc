//! The enterprise register's pages: the list, an enterprise's page with its patents in figures,
//! the forms, archive and restore, and the applicant names still to link.

use std::collections::BTreeMap;

use rocket::form::{Form, FromForm};
use rocket::{Route, State, get, post, routes};
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::domain::{EnterpriseInput, HighTechInput};
use super::query::{self, EnterpriseFilter, SuggestionChoice, SuggestionPage, UnlinkedName};
use super::service::{self, EnterpriseView};
use crate::AppState;
use crate::audit::{self, Entry};
use crate::auth::{Admin, Officer, Viewer};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::settings::lists::{self, ListKind};
use crate::web::forms::{
    FailedForm, FormResponse, VersionForm, archive_form, archived_notice, edit_said, parse_version,
};
use crate::web::given::{Given, refused};
use crate::web::layout::{self, PageContext};
use crate::web::pagination::{PageRequest, Pagination};
use crate::web::query_string;

pub fn routes() -> Vec<Route> {
    routes![
        list,
        new_form,
        create,
        show,
        edit_form,
        update,
        archive,
        unlinked,
        link,
        create_from_name,
        townships,
        fill_townships
    ]
}

async fn township_names(state: &AppState) -> Result<Vec<String>, AppError> {
    Ok(lists::list(&state.db, ListKind::Townships, false)
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect())
}

#[derive(Serialize)]
struct ListView {
    items: Vec<EnterpriseView>,
    pagination: Pagination,
    base: String,
    /// The filters, for the export of what they show.
    export_query: String,
    filter: EnterpriseFilter,
    townships: Vec<String>,
}

#[get("/enterprises?<filter..>")]
async fn list(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    filter: rocket::form::Result<'_, EnterpriseFilter>,
) -> Result<Template, AppError> {
    let filter = filter.map_err(refused)?;
    let result = query::list(&state.db, &filter).await?;
    let view = ListView {
        pagination: Pagination::new(
            PageRequest::new(*filter.page, *filter.per_page),
            result.total,
        ),
        items: result.items,
        base: format!("/enterprises?{}", query_string::without_page(&filter)),
        export_query: query_string::without_page(&filter),
        townships: township_names(state).await?,
        filter,
    };
    Ok(page.render("enterprises/list", view))
}

#[derive(Clone, Debug, Default, FromForm, Serialize)]
pub struct EnterpriseForm {
    #[field(default = String::new())]
    name: String,
    #[field(default = String::new())]
    credit_code: String,
    #[field(default = String::new())]
    township: String,
    #[field(default = String::new())]
    address: String,
    #[field(default = String::new())]
    industry: String,
    #[field(default = String::new())]
    high_tech_certificate: String,
    #[field(default = String::new())]
    high_tech_issued_on: String,
    #[field(default = String::new())]
    high_tech_expires_on: String,
    #[field(default = false)]
    tech_sme: bool,
    #[field(default = String::new())]
    contact_name: String,
    #[field(default = String::new())]
    contact_phone: String,
    #[field(default = String::new())]
    notes: String,
    #[field(default = String::new())]
    version: String,
}

fn some(text: &str) -> Option<String> {
    Some(text.to_owned())
}

impl EnterpriseForm {
    fn input(&self) -> EnterpriseInput {
        EnterpriseInput {
            name: self.name.clone(),
            credit_code: some(&self.credit_code),
            township: some(&self.township),
            address: some(&self.address),
            industry: some(&self.industry),
            high_tech: Some(HighTechInput {
                certificate_number: some(&self.high_tech_certificate),
                issued_on: some(&self.high_tech_issued_on),
                expires_on: some(&self.high_tech_expires_on),
            }),
            tech_sme: self.tech_sme,
            contact_name: some(&self.contact_name),
            contact_phone: some(&self.contact_phone),
            notes: some(&self.notes),
        }
    }

    fn from_view(e: &EnterpriseView) -> EnterpriseForm {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        EnterpriseForm {
            name: e.name.clone(),
            credit_code: text(&e.credit_code),
            township: text(&e.township),
            address: text(&e.address),
            industry: text(&e.industry),
            high_tech_certificate: e
                .high_tech
                .as_ref()
                .and_then(|h| h.certificate_number.clone())
                .unwrap_or_default(),
            high_tech_issued_on: date(e.high_tech.as_ref().and_then(|h| h.issued_on)),
            high_tech_expires_on: date(e.high_tech.as_ref().and_then(|h| h.expires_on)),
            tech_sme: e.tech_sme,
            contact_name: text(&e.contact_name),
            contact_phone: text(&e.contact_phone),
            notes: text(&e.notes),
            version: e.version.to_string(),
        }
    }
}

#[derive(Serialize)]
struct FormView {
    id: Option<i64>,
    form: EnterpriseForm,
    townships: Vec<String>,
    failed: Option<FailedForm>,
    changed_by_others: Vec<Entry>,
}

#[get("/enterprises/new")]
async fn new_form(
    _officer: Officer,
    page: PageContext,
    state: &State<AppState>,
) -> Result<Template, AppError> {
    let view = FormView {
        id: None,
        form: <EnterpriseForm as Default>::default(),
        townships: township_names(state).await?,
        failed: None,
        changed_by_others: Vec::new(),
    };
    Ok(page.render("enterprises/form", view))
}

/// High-tech fields come back from validation as `high_tech.issued_on`; the form names them
/// `high_tech_issued_on`.
fn form_field_errors(mut failed: FailedForm) -> FailedForm {
    failed.errors = failed
        .errors
        .into_iter()
        .map(|(k, v)| {
            (
                k.replace("high_tech.", "high_tech_")
                    .replace("high_tech_certificate_number", "high_tech_certificate"),
                v,
            )
        })
        .collect();
    failed
}

async fn form_again(
    page: &PageContext,
    state: &AppState,
    id: Option<i64>,
    form: EnterpriseForm,
    error: AppError,
) -> FormResponse {
    let status = error.status();
    let Some(failed) = FailedForm::new("enterprise", id, crate::web::forms::values_of(&form))
        .with_error(&error, page.lang)
    else {
        return FormResponse::Failed(error);
    };
    let changed_by_others = crate::web::forms::changed_by_others(
        &state.db,
        status,
        "enterprise",
        id,
        &form.version,
        page.settings.timezone,
    )
    .await;
    let townships = match township_names(state).await {
        Ok(names) => names,
        Err(error) => return FormResponse::Failed(error),
    };
    let view = FormView {
        id,
        form,
        townships,
        failed: Some(form_field_errors(failed)),
        changed_by_others,
    };
    FormResponse::Again(status, page.render("enterprises/form", view))
}

#[post("/enterprises", data = "<form>")]
async fn create(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    form: Form<EnterpriseForm>,
) -> FormResponse {
    let form = form.into_inner();
    match service::create(&state.db, &officer.actor(), &form.input()).await {
        Ok(e) => FormResponse::Done(layout::success(
            format!("/enterprises/{}", e.id),
            Msg::new("enterprises.created").arg("name", &e.name),
        )),
        Err(error) => form_again(&page, state, None, form, error).await,
    }
}

#[derive(Serialize)]
struct ShowView {
    enterprise: EnterpriseView,
    #[serde(flatten)]
    overview: query::Overview,
    history: Vec<Entry>,
}

#[get("/enterprises/<id>")]
async fn show(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
) -> Result<Template, AppError> {
    let id = service::parse_id(id)?;
    let view = ShowView {
        enterprise: service::view(&state.db, id).await?,
        overview: query::overview(&state.db, id).await?,
        history: audit::history(&state.db, "enterprise", id, page.settings.timezone).await?,
    };
    Ok(page.render("enterprises/show", view))
}

#[get("/enterprises/<id>/edit")]
async fn edit_form(
    _officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
) -> Result<Template, AppError> {
    let id = service::parse_id(id)?;
    let enterprise = service::view(&state.db, id).await?;
    let view = FormView {
        id: Some(id),
        form: EnterpriseForm::from_view(&enterprise),
        townships: township_names(state).await?,
        failed: None,
        changed_by_others: Vec::new(),
    };
    Ok(page.render("enterprises/form", view))
}

#[post("/enterprises/<id>", data = "<form>")]
async fn update(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
    form: Form<EnterpriseForm>,
) -> FormResponse {
    let form = form.into_inner();
    let request = service::parse_id(id).and_then(|id| Ok((id, parse_version(&form.version)?)));
    let (id, version) = match request {
        Ok(request) => request,
        Err(error) => return FormResponse::Failed(error),
    };
    match service::update(&state.db, &officer.actor(), id, version, &form.input()).await {
        Ok(e) => FormResponse::Done(layout::success(
            format!("/enterprises/{id}"),
            edit_said(
                version,
                e.version,
                Msg::new("enterprises.updated").arg("name", &e.name),
            ),
        )),
        Err(error) => form_again(&page, state, Some(id), form, error).await,
    }
}

/// Archive or restore (the last segment says which).
#[post("/enterprises/<id>/<action>", data = "<form>", rank = 3)]
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
    let done = |record: &service::EnterpriseView, archived: bool| {
        archived_notice("enterprises", record.id, archived, ("name", &record.name))
    };
    let request = (id, action, form.version.as_str());
    archive_form(request, service::parse_id, apply, done).await
}

#[derive(Serialize)]
struct UnlinkedView {
    names: Vec<UnlinkedName>,
    pagination: Pagination,
    base: String,
    include_people: bool,
    enterprises: Vec<(i64, String)>,
    failed: Option<FailedForm>,
}

async fn unlinked_view(
    state: &AppState,
    include_people: bool,
    page: Option<u64>,
    failed: Option<FailedForm>,
) -> Result<UnlinkedView, AppError> {
    let request = PageRequest::new(page, None);
    let (names, total) = query::unlinked(&state.db, include_people, request).await?;
    Ok(UnlinkedView {
        names,
        pagination: Pagination::new(request, total),
        base: format!(
            "/enterprises/unlinked?{}",
            if include_people { "people=true&" } else { "" }
        ),
        include_people,
        enterprises: query::choices(&state.db).await?,
        failed,
    })
}

#[get("/enterprises/unlinked?<people>&<page>")]
async fn unlinked(
    _user: Viewer,
    context: PageContext,
    state: &State<AppState>,
    people: rocket::form::Result<'_, Given<bool>>,
    page: rocket::form::Result<'_, Given<u64>>,
) -> Result<Template, AppError> {
    let people = people.map_err(refused)?;
    let page = page.map_err(refused)?;
    Ok(context.render(
        "enterprises/unlinked",
        unlinked_view(state, people.unwrap_or(false), *page, None).await?,
    ))
}

#[derive(FromForm)]
struct LinkForm {
    #[field(default = String::new())]
    name: String,
    #[field(default = String::new())]
    enterprise: String,
}

const UNLINKED: &str = "/enterprises/unlinked";

#[post("/enterprises/unlinked/link", data = "<form>")]
async fn link(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    form: Form<LinkForm>,
) -> FormResponse {
    let result = match form.enterprise.trim().parse::<i64>() {
        Ok(enterprise_id) => {
            service::link_name(&state.db, &officer.actor(), &form.name, enterprise_id).await
        }
        Err(_) => Err(crate::error::field_error(
            "enterprise",
            Msg::new("enterprises.link.choose"),
        )),
    };
    match result {
        Ok(linked) => FormResponse::Done(layout::success(
            UNLINKED,
            Msg::new("enterprises.link.done")
                .arg("name", form.name.trim())
                .count("count", linked),
        )),
        Err(error) => unlinked_again(&page, state, &form.name, error).await,
    }
}

#[derive(FromForm)]
struct NameForm {
    #[field(default = String::new())]
    name: String,
}

#[post("/enterprises/unlinked/create", data = "<form>")]
async fn create_from_name(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    form: Form<NameForm>,
) -> FormResponse {
    match service::create_from_applicant(&state.db, &officer.actor(), &form.name).await {
        Ok(e) => FormResponse::Done(layout::success(
            format!("/enterprises/{}", e.id),
            Msg::new("enterprises.created").arg("name", &e.name),
        )),
        Err(error) => unlinked_again(&page, state, &form.name, error).await,
    }
}

#[derive(Serialize)]
struct TownshipsView {
    #[serde(flatten)]
    suggestions: SuggestionPage,
    pagination: Pagination,
    base: String,
    /// The township the page shows the suggestions of; empty for all.
    township: String,
}

/// The townships the patents suggest for enterprises registered without one, a page at a time,
/// of one suggested township or of all.
#[get("/enterprises/townships?<township>&<page>")]
async fn townships(
    _user: Viewer,
    context: PageContext,
    state: &State<AppState>,
    township: Option<String>,
    page: rocket::form::Result<'_, Given<u64>>,
) -> Result<Template, AppError> {
    let request = PageRequest::new(*page.map_err(refused)?, None);
    let township = query::wanted_township(township.as_deref()).unwrap_or_default();
    let wanted = Some(township.as_str());
    let suggestions =
        query::township_suggestion_page(&state.db, &state.suggestions, wanted, request).await?;
    let view = TownshipsView {
        pagination: Pagination::new(request, suggestions.total),
        base: pager_base(&townships_page(&township)),
        suggestions,
        township,
    };
    Ok(context.render("enterprises/townships", view))
}

/// The suggestions' page of the township `township` (all when empty).
fn townships_page(township: &str) -> String {
    match township {
        "" => TOWNSHIPS.to_owned(),
        name => format!("{TOWNSHIPS}?township={}", query_string::encode(name)),
    }
}

/// `page`, ready for the pager's `page=N`.
fn pager_base(page: &str) -> String {
    let joint = if page.contains('?') { '&' } else { '?' };
    format!("{page}{joint}")
}

#[derive(FromForm)]
struct FillForm {
    enterprises: Vec<i64>,
    /// Every suggestion of `township` (of all townships when it is empty), not only the ticked.
    #[field(default = false)]
    all: bool,
    #[field(default = String::new())]
    township: String,
    /// `enterprise`: sent from an enterprise's page, which the answer returns to.
    #[field(default = String::new())]
    back: String,
}

const TOWNSHIPS: &str = "/enterprises/townships";

#[post("/enterprises/townships", data = "<form>")]
async fn fill_townships(
    officer: Officer,
    state: &State<AppState>,
    form: Form<FillForm>,
) -> Result<rocket::response::Flash<rocket::response::Redirect>, AppError> {
    let township = query::wanted_township(Some(&form.township)).unwrap_or_default();
    let page = townships_page(&township);
    if form.enterprises.is_empty() && !form.all {
        let msg = Msg::new("enterprises.townships.none_chosen");
        return Ok(layout::failure(page, msg));
    }
    let choice = SuggestionChoice {
        only: (!form.all).then_some(form.enterprises.as_slice()),
        township: Some(&township),
    };
    let given = service::fill_townships(&state.db, &officer.actor(), choice).await?;
    let msg = Msg::new("enterprises.townships.given").count("count", given.len());
    let back = match form.enterprises.as_slice() {
        [id] if form.back == "enterprise" => format!("/enterprises/{id}"),
        _ => page,
    };
    Ok(layout::success(back, msg))
}

async fn unlinked_again(
    page: &PageContext,
    state: &AppState,
    name: &str,
    error: AppError,
) -> FormResponse {
    let mut values = BTreeMap::new();
    values.insert("name".to_owned(), name.to_owned());
    let Some(failed) = FailedForm::new("link", None, values).with_error(&error, page.lang) else {
        return FormResponse::Failed(error);
    };
    match unlinked_view(state, false, None, Some(failed)).await {
        Ok(view) => FormResponse::Again(error.status(), page.render("enterprises/unlinked", view)),
        Err(error) => FormResponse::Failed(error),
    }
}
