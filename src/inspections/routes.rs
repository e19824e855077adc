//! The inspections register's pages: the list with its period and totals, an inspection's page
//! with its problems and history, the forms, archive and restore.

use rocket::form::{Form, FromForm};
use rocket::{Route, State, get, post, routes};
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::domain::{InspectionInput, ProblemInput};
use super::query::{self, InspectionFilter, InspectionTotals};
use super::service::{self, InspectionView};
use crate::AppState;
use crate::audit::{self, Entry};
use crate::auth::{Admin, Officer, Viewer};
use crate::error::AppError;
use crate::fields::{CountInput, split_names};
use crate::i18n::Msg;
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

#[derive(Serialize)]
struct ListView {
    items: Vec<InspectionView>,
    totals: InspectionTotals,
    pagination: Pagination,
    base: String,
    export_query: String,
    filter: InspectionFilter,
}

#[get("/inspections?<filter..>")]
async fn list(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    filter: rocket::form::Result<'_, InspectionFilter>,
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
        base: format!("/inspections?{}", query_string::without_page(&filter)),
        export_query: query_string::without_page(&filter),
        filter,
    };
    Ok(page.render("inspections/list", view))
}

#[derive(Clone, Debug, Default, FromForm, Serialize)]
pub struct ProblemForm {
    #[field(default = String::new())]
    description: String,
    #[field(default = String::new())]
    party: String,
    #[field(default = String::new())]
    product: String,
}

/// The form's fields as typed; agencies one a line (or separated by 、，；).
#[derive(Clone, Debug, Default, FromForm, Serialize)]
pub struct InspectionForm {
    #[field(default = String::new())]
    title: String,
    #[field(default = String::new())]
    starts_on: String,
    #[field(default = String::new())]
    ends_on: String,
    #[field(default = String::new())]
    lead_agency: String,
    #[field(default = String::new())]
    partner_agencies: String,
    #[field(default = String::new())]
    area: String,
    #[field(default = String::new())]
    places: String,
    #[field(default = String::new())]
    staff_count: String,
    #[field(default = String::new())]
    premises_inspected: String,
    #[field(default = String::new())]
    goods_checked: String,
    #[field(default = String::new())]
    marked_goods_checked: String,
    problems: Vec<ProblemForm>,
    #[field(default = String::new())]
    notes: String,
    #[field(default = String::new())]
    version: String,
}

/// Empty problem rows the form offers.
const BLANK_PROBLEMS: usize = 2;

impl InspectionForm {
    fn input(&self) -> InspectionInput {
        let text = |v: &str| Some(v.to_owned());
        let count = |v: &str| CountInput::Text(v.to_owned());
        InspectionInput {
            title: self.title.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: text(&self.ends_on),
            lead_agency: text(&self.lead_agency),
            partner_agencies: split_names(&self.partner_agencies),
            area: text(&self.area),
            places: text(&self.places),
            staff_count: count(&self.staff_count),
            premises_inspected: count(&self.premises_inspected),
            goods_checked: count(&self.goods_checked),
            marked_goods_checked: count(&self.marked_goods_checked),
            problems: self
                .problems
                .iter()
                .map(|p| ProblemInput {
                    description: p.description.clone(),
                    party: text(&p.party),
                    product: text(&p.product),
                })
                .collect(),
            notes: text(&self.notes),
        }
    }

    fn from_view(v: &InspectionView) -> InspectionForm {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let count = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        InspectionForm {
            title: v.title.clone(),
            starts_on: v.starts_on.to_string(),
            ends_on: v.ends_on.to_string(),
            lead_agency: text(&v.lead_agency),
            partner_agencies: v.partner_agencies.join("\n"),
            area: text(&v.area),
            places: text(&v.places),
            staff_count: count(v.staff_count),
            premises_inspected: count(v.premises_inspected),
            goods_checked: count(v.goods_checked),
            marked_goods_checked: count(v.marked_goods_checked),
            problems: v
                .problems
                .iter()
                .map(|p| ProblemForm {
                    description: p.description.clone(),
                    party: text(&p.party),
                    product: text(&p.product),
                })
                .collect(),
            notes: text(&v.notes),
            version: v.version.to_string(),
        }
    }

    fn with_blank_rows(mut self) -> InspectionForm {
        let blank = self
            .problems
            .iter()
            .filter(|p| p.description.trim().is_empty())
            .count();
        for _ in blank..BLANK_PROBLEMS {
            self.problems.push(<ProblemForm as Default>::default());
        }
        self
    }
}

#[derive(Serialize)]
struct FormView {
    id: Option<i64>,
    form: InspectionForm,
    failed: Option<FailedForm>,
    changed_by_others: Vec<Entry>,
}

fn form_view(id: Option<i64>, form: InspectionForm) -> FormView {
    FormView {
        id,
        form: form.with_blank_rows(),
        failed: None,
        changed_by_others: Vec::new(),
    }
}

#[get("/inspections/new")]
async fn new_form(_officer: Officer, page: PageContext) -> Template {
    let form = <InspectionForm as Default>::default();
    page.render("inspections/form", form_view(None, form))
}

async fn form_again(
    page: &PageContext,
    state: &AppState,
    id: Option<i64>,
    form: InspectionForm,
    error: AppError,
) -> FormResponse {
    let status = error.status();
    let Some(failed) = FailedForm::new("inspection", id, crate::web::forms::values_of(&form))
        .with_error(&error, page.lang)
    else {
        return FormResponse::Failed(error);
    };
    let changed_by_others = crate::web::forms::changed_by_others(
        &state.db,
        status,
        "inspection",
        id,
        &form.version,
        page.settings.timezone,
    )
    .await;
    let mut view = form_view(id, form);
    view.failed = Some(failed);
    view.changed_by_others = changed_by_others;
    FormResponse::Again(status, page.render("inspections/form", view))
}

#[post("/inspections", data = "<form>")]
async fn create(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    form: Form<InspectionForm>,
) -> FormResponse {
    let form = form.into_inner();
    match service::create(&state.db, &officer.actor(), &form.input()).await {
        Ok(v) => FormResponse::Done(layout::success(
            format!("/inspections/{}", v.id),
            Msg::new("inspections.created").arg("title", &v.title),
        )),
        Err(error) => form_again(&page, state, None, form, error).await,
    }
}

#[derive(Serialize)]
struct ShowView {
    inspection: InspectionView,
    history: Vec<Entry>,
}

#[get("/inspections/<id>")]
async fn show(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
) -> Result<Template, AppError> {
    let id = service::parse_id(id)?;
    let view = ShowView {
        inspection: service::view(&state.db, id).await?,
        history: audit::history(&state.db, "inspection", id, page.settings.timezone).await?,
    };
    Ok(page.render("inspections/show", view))
}

#[get("/inspections/<id>/edit")]
async fn edit_form(
    _officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
) -> Result<Template, AppError> {
    let id = service::parse_id(id)?;
    let inspection = service::view(&state.db, id).await?;
    let view = form_view(Some(id), InspectionForm::from_view(&inspection));
    Ok(page.render("inspections/form", view))
}

#[post("/inspections/<id>", data = "<form>")]
async fn update(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
    form: Form<InspectionForm>,
) -> FormResponse {
    let form = form.into_inner();
    let request = service::parse_id(id).and_then(|id| Ok((id, parse_version(&form.version)?)));
    let (id, version) = match request {
        Ok(request) => request,
        Err(error) => return FormResponse::Failed(error),
    };
    match service::update(&state.db, &officer.actor(), id, version, &form.input()).await {
        Ok(v) => FormResponse::Done(layout::success(
            format!("/inspections/{id}"),
            edit_said(
                version,
                v.version,
                Msg::new("inspections.updated").arg("title", &v.title),
            ),
        )),
        Err(error) => form_again(&page, state, Some(id), form, error).await,
    }
}

/// Archive or restore (the last segment says which).
#[post("/inspections/<id>/<action>", data = "<form>", rank = 3)]
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
    let done = |record: &service::InspectionView, archived: bool| {
        archived_notice("inspections", record.id, archived, ("title", &record.title))
    };
    let request = (id, action, form.version.as_str());
    archive_form(request, service::parse_id, apply, done).await
}
