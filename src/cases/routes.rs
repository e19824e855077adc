//! The cases register's pages: the list with its deadline filter, a case's page with its steps,
//! deadlines and attachments (and the forms to add them), the printable summary, the forms to
//! open and edit a case — one prefilled from an inspection's problem — archive and restore.

use rocket::form::{Form, FromForm};
use rocket::http::ContentType;
use rocket::{Route, State, get, post, routes};
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::api::{AttachmentForm, download, upload_of};
use super::attachments;
use super::domain::{CaseInput, CaseKind, PartyInput, Source};
use super::query::{self, CaseFilter, CaseTotals};
use super::service::{self, CaseView, DeadlineState};
use super::workflow::{self, Outcome, Step, StepInput};
use crate::AppState;
use crate::audit::{self, Entry};
use crate::auth::{Admin, Officer, Viewer};
use crate::error::AppError;
use crate::fields::split_names;
use crate::i18n::Msg;
use crate::web::forms::{
    FailedForm, FormResponse, VersionForm, archive_form, archived_notice, edit_said, parse_version,
};
use crate::web::given::refused;
use crate::web::layout::{self, PageContext};
use crate::web::pagination::{PageRequest, Pagination};
use crate::web::query_string;

pub fn routes() -> Vec<Route> {
    routes![
        list, new_form, create, show, print, edit_form, update, add_step, attach, attachment,
        archive
    ]
}

/// The choices the forms and filters offer.
#[derive(Serialize)]
struct Choices {
    kinds: Vec<&'static str>,
    new_kinds: Vec<&'static str>,
    sources: Vec<&'static str>,
    steps: Vec<&'static str>,
    outcomes: Vec<&'static str>,
    deadline_states: Vec<&'static str>,
    statuses: Vec<&'static str>,
}

fn choices() -> Choices {
    Choices {
        kinds: CaseKind::ALL.iter().map(|k| k.as_str()).collect(),
        new_kinds: CaseKind::ALL
            .iter()
            .filter(|k| k.for_new_cases())
            .map(|k| k.as_str())
            .collect(),
        sources: Source::ALL.iter().map(|s| s.as_str()).collect(),
        steps: Step::ALL.iter().map(|s| s.as_str()).collect(),
        outcomes: Outcome::ALL.iter().map(|o| o.as_str()).collect(),
        deadline_states: DeadlineState::ALL.iter().map(|d| d.as_str()).collect(),
        statuses: workflow::Status::ALL.iter().map(|s| s.as_str()).collect(),
    }
}

#[derive(Serialize)]
struct ListView {
    items: Vec<CaseView>,
    totals: CaseTotals,
    pagination: Pagination,
    base: String,
    export_query: String,
    filter: CaseFilter,
    choices: Choices,
}

#[get("/cases?<filter..>")]
async fn list(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    filter: rocket::form::Result<'_, CaseFilter>,
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
        base: format!("/cases?{}", query_string::without_page(&filter)),
        export_query: query_string::without_page(&filter),
        filter,
        choices: choices(),
    };
    Ok(page.render("cases/list", view))
}

/// The case form's fields as typed, the parties' fields flat.
#[derive(Clone, Debug, Default, FromForm, Serialize)]
pub struct CaseForm {
    #[field(default = String::new())]
    case_number: String,
    #[field(default = String::new())]
    kind: String,
    #[field(default = String::new())]
    source: String,
    #[field(default = String::new())]
    inspection_id: String,
    #[field(default = String::new())]
    problem: String,
    #[field(default = String::new())]
    received_on: String,
    #[field(default = String::new())]
    complainant_name: String,
    #[field(default = String::new())]
    complainant_credit_code: String,
    #[field(default = String::new())]
    complainant_address: String,
    #[field(default = String::new())]
    respondent_name: String,
    #[field(default = String::new())]
    respondent_credit_code: String,
    #[field(default = String::new())]
    respondent_address: String,
    #[field(default = String::new())]
    product: String,
    #[field(default = String::new())]
    claimed_patent_number: String,
    #[field(default = String::new())]
    facts: String,
    #[field(default = String::new())]
    version: String,
}

fn some(text: &str) -> Option<String> {
    Some(text.to_owned()).filter(|t| !t.trim().is_empty())
}

fn party_input(name: &str, credit_code: &str, address: &str) -> PartyInput {
    PartyInput {
        name: some(name),
        credit_code: some(credit_code),
        address: some(address),
    }
}

impl CaseForm {
    fn input(&self) -> CaseInput {
        CaseInput {
            case_number: some(&self.case_number),
            kind: self.kind.clone(),
            source: self.source.clone(),
            inspection_id: self.inspection_id.trim().parse().ok(),
            problem: self.problem.trim().parse().ok(),
            received_on: self.received_on.clone(),
            complainant: party_input(
                &self.complainant_name,
                &self.complainant_credit_code,
                &self.complainant_address,
            ),
            respondent: party_input(
                &self.respondent_name,
                &self.respondent_credit_code,
                &self.respondent_address,
            ),
            product: some(&self.product),
            claimed_patent_number: some(&self.claimed_patent_number),
            facts: some(&self.facts),
        }
    }

    fn from_view(v: &CaseView) -> CaseForm {
        let text = |t: &Option<String>| t.clone().unwrap_or_default();
        CaseForm {
            case_number: v.case_number.clone(),
            kind: v.kind.as_str().to_owned(),
            source: v.source.as_str().to_owned(),
            inspection_id: v.inspection_id.map(|i| i.to_string()).unwrap_or_default(),
            problem: String::new(),
            received_on: v.received_on.map(|d| d.to_string()).unwrap_or_default(),
            complainant_name: text(&v.complainant.name),
            complainant_credit_code: text(&v.complainant.credit_code),
            complainant_address: text(&v.complainant.address),
            respondent_name: text(&v.respondent.name),
            respondent_credit_code: text(&v.respondent.credit_code),
            respondent_address: text(&v.respondent.address),
            product: text(&v.product),
            claimed_patent_number: text(&v.claimed_patent_number),
            facts: text(&v.facts),
            version: v.version.to_string(),
        }
    }
}

#[derive(Serialize)]
struct FormView {
    id: Option<i64>,
    form: CaseForm,
    /// The inspection a new case comes from.
    inspection_title: Option<String>,
    failed: Option<FailedForm>,
    changed_by_others: Vec<Entry>,
    choices: Choices,
}

fn form_view(id: Option<i64>, form: CaseForm) -> FormView {
    FormView {
        id,
        form,
        inspection_title: None,
        failed: None,
        changed_by_others: Vec::new(),
        choices: choices(),
    }
}

/// A new case; from an inspection's problem, with what the problem says filled in.
#[get("/cases/new?<inspection>&<problem>")]
async fn new_form(
    _officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    inspection: Option<&str>,
    problem: Option<usize>,
) -> Result<Template, AppError> {
    let mut form = CaseForm {
        kind: CaseKind::Counterfeiting.as_str().to_owned(),
        received_on: service::today(&state.db).await?.to_string(),
        ..<CaseForm as Default>::default()
    };
    let mut title = None;
    if let Some(raw) = inspection {
        let found = crate::inspections::service::view(
            &state.db,
            crate::inspections::service::parse_id(raw)?,
        )
        .await?;
        form.source = Source::Inspection.as_str().to_owned();
        form.inspection_id = found.id.to_string();
        form.received_on = found.ends_on.to_string();
        if let Some((n, p)) = problem.and_then(|n| Some((n, found.problems.get(n)?))) {
            form.problem = n.to_string();
            form.respondent_name = p.party.clone().unwrap_or_default();
            form.product = p.product.clone().unwrap_or_default();
            form.facts = p.description.clone();
        }
        title = Some(found.title);
    }
    let mut view = form_view(None, form);
    view.inspection_title = title;
    Ok(page.render("cases/form", view))
}

async fn form_again(
    page: &PageContext,
    state: &AppState,
    id: Option<i64>,
    form: CaseForm,
    error: AppError,
) -> FormResponse {
    let error = super::domain::flat_party_fields(error);
    let status = error.status();
    let Some(failed) = FailedForm::new("case", id, crate::web::forms::values_of(&form))
        .with_error(&error, page.lang)
    else {
        return FormResponse::Failed(error);
    };
    let changed_by_others = crate::web::forms::changed_by_others(
        &state.db,
        status,
        "case",
        id,
        &form.version,
        page.settings.timezone,
    )
    .await;
    let mut view = form_view(id, form);
    view.failed = Some(failed);
    view.changed_by_others = changed_by_others;
    FormResponse::Again(status, page.render("cases/form", view))
}

#[post("/cases", data = "<form>")]
async fn create(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    form: Form<CaseForm>,
) -> FormResponse {
    let form = form.into_inner();
    match service::create(&state.db, &officer.actor(), &form.input()).await {
        Ok(v) => FormResponse::Done(layout::success(
            format!("/cases/{}", v.id),
            Msg::new("cases.created").arg("number", &v.case_number),
        )),
        Err(error) => form_again(&page, state, None, form, error).await,
    }
}

/// The step form's fields as typed; officers one a line (or separated by 、，；).
#[derive(Clone, Debug, Default, FromForm, Serialize)]
pub struct StepForm {
    #[field(default = String::new())]
    step: String,
    #[field(default = String::new())]
    on: String,
    #[field(default = String::new())]
    note: String,
    #[field(default = String::new())]
    officers: String,
    #[field(default = String::new())]
    approver: String,
    #[field(default = false)]
    hearing_requested: bool,
    #[field(default = String::new())]
    outcome: String,
    #[field(default = String::new())]
    illegal_gains: String,
    #[field(default = String::new())]
    fine: String,
}

impl StepForm {
    fn input(&self) -> StepInput {
        use super::domain::MoneyInput;
        let money = |t: &str| match some(t) {
            Some(text) => MoneyInput::Text(text),
            None => MoneyInput::None,
        };
        StepInput {
            step: self.step.clone(),
            on: self.on.clone(),
            note: some(&self.note),
            officers: split_names(&self.officers),
            approver: some(&self.approver),
            hearing_requested: Some(self.hearing_requested),
            outcome: some(&self.outcome),
            illegal_gains: money(&self.illegal_gains),
            fine: money(&self.fine),
        }
    }
}

#[derive(Serialize)]
struct ShowView {
    case: CaseView,
    history: Vec<Entry>,
    step_form: StepForm,
    failed: Option<FailedForm>,
    choices: Choices,
    /// The limit for an attachment, in MB.
    max_mb: usize,
    today: String,
}

async fn show_view(
    state: &AppState,
    page: &PageContext,
    id: i64,
    failed: Option<FailedForm>,
) -> Result<ShowView, AppError> {
    let today = service::today(&state.db).await?.to_string();
    Ok(ShowView {
        case: service::view(&state.db, id).await?,
        history: audit::history(&state.db, "case", id, page.settings.timezone).await?,
        step_form: StepForm {
            on: today.clone(),
            ..<StepForm as Default>::default()
        },
        failed,
        choices: choices(),
        max_mb: attachments::MAX_BYTES / 1024 / 1024,
        today,
    })
}

#[get("/cases/<id>")]
async fn show(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
) -> Result<Template, AppError> {
    let id = service::parse_id(id)?;
    Ok(page.render("cases/show", show_view(state, &page, id, None).await?))
}

/// The case on one A4 sheet (or more) for the file: parties, facts, steps, deadlines.
#[get("/cases/<id>/print")]
async fn print(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
) -> Result<Template, AppError> {
    let id = service::parse_id(id)?;
    Ok(page.render("cases/print", show_view(state, &page, id, None).await?))
}

#[get("/cases/<id>/edit")]
async fn edit_form(
    _officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
) -> Result<Template, AppError> {
    let id = service::parse_id(id)?;
    let case = service::view(&state.db, id).await?;
    let view = form_view(Some(id), CaseForm::from_view(&case));
    Ok(page.render("cases/form", view))
}

#[post("/cases/<id>", data = "<form>")]
async fn update(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
    form: Form<CaseForm>,
) -> FormResponse {
    let form = form.into_inner();
    let request = service::parse_id(id).and_then(|id| Ok((id, parse_version(&form.version)?)));
    let (id, version) = match request {
        Ok(request) => request,
        Err(error) => return FormResponse::Failed(error),
    };
    match service::update(&state.db, &officer.actor(), id, version, &form.input()).await {
        Ok(v) => FormResponse::Done(layout::success(
            format!("/cases/{id}"),
            edit_said(
                version,
                v.version,
                Msg::new("cases.updated").arg("number", &v.case_number),
            ),
        )),
        Err(error) => form_again(&page, state, Some(id), form, error).await,
    }
}

/// The case page again, with a refused form's values and reasons.
async fn show_again(
    page: &PageContext,
    state: &AppState,
    id: i64,
    failed: FailedForm,
    error: AppError,
) -> FormResponse {
    let status = error.status();
    let Some(failed) = failed.with_error(&error, page.lang) else {
        return FormResponse::Failed(error);
    };
    match show_view(state, page, id, Some(failed)).await {
        Ok(view) => FormResponse::Again(status, page.render("cases/show", view)),
        Err(error) => FormResponse::Failed(error),
    }
}

#[post("/cases/<id>/steps", data = "<form>")]
async fn add_step(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
    form: Form<StepForm>,
) -> FormResponse {
    let form = form.into_inner();
    let id = match service::parse_id(id) {
        Ok(id) => id,
        Err(error) => return FormResponse::Failed(error),
    };
    match service::add_step(&state.db, &officer.actor(), id, &form.input()).await {
        Ok(v) => FormResponse::Done(layout::success(
            format!("/cases/{id}"),
            Msg::new("cases.step_added")
                .arg("number", &v.case_number)
                .arg("step", format!("@cases.step_name.{}", form.step.trim())),
        )),
        Err(error) => {
            let failed = FailedForm::new("step", Some(id), crate::web::forms::values_of(&form));
            show_again(&page, state, id, failed, error).await
        }
    }
}

#[post("/cases/<id>/attachments", data = "<form>")]
async fn attach(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
    mut form: Form<AttachmentForm<'_>>,
) -> FormResponse {
    let id = match service::parse_id(id) {
        Ok(id) => id,
        Err(error) => return FormResponse::Failed(error),
    };
    let added = match upload_of(&mut form).await {
        Ok((step_id, upload)) => {
            attachments::add(&state.db, &officer.actor(), id, step_id, upload).await
        }
        Err(error) => Err(error),
    };
    match added {
        Ok(file) => {
            let number = service::view(&state.db, id)
                .await
                .map(|c| c.case_number)
                .unwrap_or_default();
            FormResponse::Done(layout::success(
                format!("/cases/{id}"),
                Msg::new("cases.attached")
                    .arg("number", number)
                    .arg("file", file.file_name),
            ))
        }
        Err(error) => {
            let failed = FailedForm::new("attachment", Some(id), Default::default());
            show_again(&page, state, id, failed, error).await
        }
    }
}

/// The file itself; shown in the browser when it can be (a photo, a PDF), else downloaded.
#[get("/cases/<id>/attachments/<file>")]
async fn attachment(
    _user: Viewer,
    state: &State<AppState>,
    id: &str,
    file: &str,
) -> Result<(ContentType, Vec<u8>), AppError> {
    download(state, id, file).await
}

/// Archive or restore (the last segment says which).
#[post("/cases/<id>/<action>", data = "<form>", rank = 3)]
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
    let done = |record: &service::CaseView, archived: bool| {
        archived_notice(
            "cases",
            record.id,
            archived,
            ("number", &record.case_number),
        )
    };
    let request = (id, action, form.version.as_str());
    archive_form(request, service::parse_id, apply, done).await
}
