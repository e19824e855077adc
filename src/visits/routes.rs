//! The visits register's pages: the list with its filters, effect and totals, a visit's page
//! with the patents filed after it and its history, the forms, archive and restore.

use rocket::form::{Form, FromForm};
use rocket::{Route, State, get, post, routes};
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::domain::{FollowUpInput, Topic, VisitInput};
use super::query::{self, FiledPatent, VisitFilter, VisitItem, VisitTotals};
use super::service::{self, VisitView};
use crate::AppState;
use crate::audit::{self, Entry};
use crate::auth::{Admin, Officer, Viewer};
use crate::error::AppError;
use crate::fields::{CountInput, split_names};
use crate::i18n::{Lang, Msg, t};
use crate::settings::lists::{self, ListKind};
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

/// The topics as choices: stored value and name.
fn topics(lang: Lang) -> Vec<(String, String)> {
    Topic::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), t(lang, &k.label_key())))
        .collect()
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
    items: Vec<VisitItem>,
    totals: VisitTotals,
    pagination: Pagination,
    base: String,
    /// The filters, for the export of what they show.
    export_query: String,
    filter: VisitFilter,
    topics: Vec<(String, String)>,
    townships: Vec<String>,
}

#[get("/visits?<filter..>")]
async fn list(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    filter: rocket::form::Result<'_, VisitFilter>,
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
        base: format!("/visits?{}", query_string::without_page(&filter)),
        export_query: query_string::without_page(&filter),
        topics: topics(page.lang),
        townships: township_names(state).await?,
        filter,
    };
    Ok(page.render("visits/list", view))
}

/// A follow-up's fields as typed.
#[derive(Clone, Debug, Default, FromForm, Serialize)]
pub struct FollowUpForm {
    #[field(default = String::new())]
    action: String,
    #[field(default = String::new())]
    owner: String,
    #[field(default = String::new())]
    due_on: String,
    #[field(default = String::new())]
    done_on: String,
}

/// The form's fields as typed; lists of people and agencies are one name a line (or separated
/// by 、，；).
#[derive(Clone, Debug, Default, FromForm, Serialize)]
pub struct VisitForm {
    #[field(default = String::new())]
    enterprise: String,
    #[field(default = String::new())]
    visited_on: String,
    #[field(default = String::new())]
    officers: String,
    #[field(default = String::new())]
    agencies: String,
    topics: Vec<String>,
    #[field(default = String::new())]
    materials_count: String,
    #[field(default = String::new())]
    needs: String,
    #[field(default = String::new())]
    notes: String,
    follow_ups: Vec<FollowUpForm>,
    #[field(default = String::new())]
    township: String,
    #[field(default = String::new())]
    version: String,
}

/// Empty follow-up rows the form offers for new actions.
const BLANK_FOLLOW_UPS: usize = 2;

impl VisitForm {
    fn input(&self) -> VisitInput {
        let text = |v: &str| Some(v.to_owned());
        VisitInput {
            enterprise_id: None,
            enterprise_name: text(&self.enterprise),
            visited_on: self.visited_on.clone(),
            officers: split_names(&self.officers),
            agencies: split_names(&self.agencies),
            topics: self.topics.clone(),
            materials_count: CountInput::Text(self.materials_count.clone()),
            needs: text(&self.needs),
            notes: text(&self.notes),
            follow_ups: self
                .follow_ups
                .iter()
                .map(|f| FollowUpInput {
                    action: f.action.clone(),
                    owner: text(&f.owner),
                    due_on: text(&f.due_on),
                    done_on: text(&f.done_on),
                })
                .collect(),
            township: text(&self.township),
        }
    }

    fn from_view(v: &VisitView) -> VisitForm {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        VisitForm {
            enterprise: v.enterprise_name.clone(),
            visited_on: v.visited_on.to_string(),
            officers: v.officer_names.join("\n"),
            agencies: v.agencies.join("\n"),
            topics: v.topics.clone(),
            materials_count: v.materials_count.map(|n| n.to_string()).unwrap_or_default(),
            needs: text(&v.needs),
            notes: text(&v.notes),
            follow_ups: v
                .follow_ups
                .iter()
                .map(|f| FollowUpForm {
                    action: f.action.clone(),
                    owner: text(&f.owner),
                    due_on: day(f.due_on),
                    done_on: day(f.done_on),
                })
                .collect(),
            // Left empty: the enterprise's township is shown on the visit, and changed on the
            // enterprise; a township chosen here is for an enterprise that has none.
            township: String::new(),
            version: v.version.to_string(),
        }
    }

    /// The form with room for new follow-ups.
    fn with_blank_rows(mut self) -> VisitForm {
        let blank = self
            .follow_ups
            .iter()
            .filter(|f| f.action.trim().is_empty())
            .count();
        for _ in blank..BLANK_FOLLOW_UPS {
            self.follow_ups.push(<FollowUpForm as Default>::default());
        }
        self
    }
}

#[derive(Serialize)]
struct FormView {
    id: Option<i64>,
    form: VisitForm,
    topics: Vec<(String, String)>,
    enterprises: Vec<String>,
    townships: Vec<String>,
    failed: Option<FailedForm>,
    changed_by_others: Vec<Entry>,
}

async fn form_view(
    state: &AppState,
    lang: Lang,
    id: Option<i64>,
    form: VisitForm,
) -> Result<FormView, AppError> {
    let enterprises = crate::enterprises::query::choices(&state.db)
        .await?
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    Ok(FormView {
        id,
        form: form.with_blank_rows(),
        topics: topics(lang),
        enterprises,
        townships: township_names(state).await?,
        failed: None,
        changed_by_others: Vec::new(),
    })
}

#[get("/visits/new?<enterprise>")]
async fn new_form(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    enterprise: Option<&str>,
) -> Result<Template, AppError> {
    // A visit from an enterprise's page starts with it; the officer writing is usually there.
    let form = VisitForm {
        enterprise: enterprise.unwrap_or_default().to_owned(),
        officers: officer.user.real_name.clone(),
        ..<VisitForm as Default>::default()
    };
    let view = form_view(state, page.lang, None, form).await?;
    Ok(page.render("visits/form", view))
}

async fn form_again(
    page: &PageContext,
    state: &AppState,
    id: Option<i64>,
    form: VisitForm,
    error: AppError,
) -> FormResponse {
    let status = error.status();
    let Some(mut failed) = FailedForm::new("visit", id, crate::web::forms::values_of(&form))
        .with_error(&error, page.lang)
    else {
        return FormResponse::Failed(error);
    };
    // The API's names for the enterprise are the form's one field.
    for api_name in ["enterprise_name", "enterprise_id"] {
        if let Some(msg) = failed.errors.remove(api_name) {
            failed.errors.insert("enterprise".to_owned(), msg);
        }
    }
    let changed_by_others = crate::web::forms::changed_by_others(
        &state.db,
        status,
        "visit",
        id,
        &form.version,
        page.settings.timezone,
    )
    .await;
    match form_view(state, page.lang, id, form).await {
        Ok(mut view) => {
            view.failed = Some(failed);
            view.changed_by_others = changed_by_others;
            FormResponse::Again(status, page.render("visits/form", view))
        }
        Err(error) => FormResponse::Failed(error),
    }
}

/// The flash message of a saved visit; it says so when the enterprise was registered with it.
fn recorded_message(key: &str, recorded: &service::Recorded) -> Msg {
    let key = if recorded.new_enterprise {
        format!("{key}_new_enterprise")
    } else {
        key.to_owned()
    };
    Msg::new(&key).arg("enterprise", &recorded.visit.enterprise_name)
}

#[post("/visits", data = "<form>")]
async fn create(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    form: Form<VisitForm>,
) -> FormResponse {
    let form = form.into_inner();
    match service::create(&state.db, &officer.actor(), &form.input()).await {
        Ok(recorded) => FormResponse::Done(layout::success(
            format!("/visits/{}", recorded.visit.id),
            recorded_message("visits.created", &recorded),
        )),
        Err(error) => form_again(&page, state, None, form, error).await,
    }
}

#[derive(Serialize)]
struct ShowView {
    visit: VisitView,
    topics: Vec<String>,
    patents_after: Vec<FiledPatent>,
    effect_months: u32,
    history: Vec<Entry>,
}

#[get("/visits/<id>")]
async fn show(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
) -> Result<Template, AppError> {
    let id = service::parse_id(id)?;
    let query::VisitDetail {
        visit,
        patents_after,
    } = query::detail(&state.db, id).await?;
    let view = ShowView {
        topics: visit
            .topics
            .iter()
            .map(|raw| {
                Topic::parse(raw).map_or_else(|| raw.clone(), |k| t(page.lang, &k.label_key()))
            })
            .collect(),
        patents_after,
        effect_months: query::EFFECT_MONTHS.as_u32(),
        history: audit::history(&state.db, "visit", id, page.settings.timezone).await?,
        visit,
    };
    Ok(page.render("visits/show", view))
}

#[get("/visits/<id>/edit")]
async fn edit_form(
    _officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
) -> Result<Template, AppError> {
    let id = service::parse_id(id)?;
    let visit = service::view(&state.db, id).await?;
    let view = form_view(state, page.lang, Some(id), VisitForm::from_view(&visit)).await?;
    Ok(page.render("visits/form", view))
}

#[post("/visits/<id>", data = "<form>")]
async fn update(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
    form: Form<VisitForm>,
) -> FormResponse {
    let form = form.into_inner();
    let request = service::parse_id(id).and_then(|id| Ok((id, parse_version(&form.version)?)));
    let (id, version) = match request {
        Ok(request) => request,
        Err(error) => return FormResponse::Failed(error),
    };
    match service::update(&state.db, &officer.actor(), id, version, &form.input()).await {
        Ok(recorded) => FormResponse::Done(layout::success(
            format!("/visits/{id}"),
            edit_said(
                version,
                recorded.visit.version,
                recorded_message("visits.updated", &recorded),
            ),
        )),
        Err(error) => form_again(&page, state, Some(id), form, error).await,
    }
}

/// Archive or restore (the last segment says which).
#[post("/visits/<id>/<action>", data = "<form>", rank = 3)]
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
    let done = |record: &service::VisitView, archived: bool| {
        archived_notice(
            "visits",
            record.id,
            archived,
            ("enterprise", &record.enterprise_name),
        )
    };
    let request = (id, action, form.version.as_str());
    archive_form(request, service::parse_id, apply, done).await
}
