//! The import pages: upload (drag and drop or a file picker), the preview (sheet, header row and
//! mapping, all changeable; the counts; the rows by status with their problems on their cells),
//! the commit as a job with a progress bar, the history with undo and the error report.

use std::collections::{BTreeMap, HashMap};

use rocket::data::Limits;
use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::serde::json::Json;
use rocket::{Route, State, get, post, routes};
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::api::{UploadForm, may_undo, naming_the_limit, request_of, upload_limit_mb};
use super::mapping::{Choices, MappedColumn};
use super::plan::{Counts, RowStatus};
use super::preview::{self, GridRow, PreviewPage};
use super::service::{self, Policy, Progress};
use super::spec::{Register, spec};
use crate::AppState;
use crate::auth::{Officer, Viewer};
use crate::entities::import_batch;
use crate::error::{AppError, field_error};
use crate::i18n::{Lang, Msg};
use crate::web::forms::{FailedForm, FormResponse};
use crate::web::given::{Given, refused};
use crate::web::layout::{self as page_layout, PageContext};
use crate::web::pagination::{PageRequest, Pagination};

pub fn routes() -> Vec<Route> {
    // The error report is the API's own route, mounted here too: one download for both.
    routes![
        index,
        upload,
        show,
        repreview,
        commit,
        progress,
        undo,
        super::api::errors
    ]
}

#[derive(Serialize)]
struct HistoryRow {
    id: i64,
    file: String,
    sha256: String,
    register: String,
    actor: String,
    /// The real name of the user who ran it; `actor` is what is stored.
    actor_name: Option<String>,
    at: chrono::DateTime<chrono::Utc>,
    state: String,
    counts: Counts,
}

fn history_row(batch: &import_batch::Model, names: &HashMap<i64, String>) -> HistoryRow {
    HistoryRow {
        id: batch.id,
        file: batch.file_name.clone(),
        sha256: batch.sha256.chars().take(12).collect(),
        register: batch.register.clone(),
        actor: batch.actor.clone(),
        actor_name: batch.user_id.and_then(|id| names.get(&id).cloned()),
        at: batch.created_at,
        state: batch.state.clone(),
        counts: serde_json::from_str(&batch.counts).unwrap_or_default(),
    }
}

#[derive(Serialize)]
struct IndexView {
    history: Vec<HistoryRow>,
    pagination: Pagination,
    /// The history's pager links, keeping the register the form offers.
    base: String,
    /// The largest upload taken, in MiB, for the hint under the file field.
    max_mb: u64,
    registers: Vec<&'static str>,
    /// The register the upload form offers first: the one whose page the officer came from.
    chosen: &'static str,
    samples: Vec<&'static str>,
    failed: Option<FailedForm>,
}

/// What the upload page shows: the form, offering `chosen`, and the history's page `page`.
struct Shown {
    chosen: Register,
    page: PageRequest,
    failed: Option<FailedForm>,
}

async fn index_view(
    state: &AppState,
    limits: &Limits,
    shown: Shown,
) -> Result<IndexView, AppError> {
    let (history, total) = service::history(&state.db, shown.page).await?;
    let names = service::user_names(&state.db, &history).await?;
    let base = match shown.chosen {
        Register::DEFAULT => "/imports?".to_owned(),
        chosen => format!("/imports?register={}&", chosen.as_str()),
    };
    Ok(IndexView {
        history: history.iter().map(|b| history_row(b, &names)).collect(),
        pagination: Pagination::new(shown.page, total),
        base,
        max_mb: upload_limit_mb(limits),
        registers: Register::ALL.iter().map(|r| r.as_str()).collect(),
        chosen: shown.chosen.as_str(),
        samples: crate::demo::sample_names(),
        failed: shown.failed,
    })
}

/// The upload form and the history; `?register=visits` (each register's page links so) offers
/// that register first. A name that is none is refused beside the field, which offers the
/// default, so the form still serves. The history is paged, newest first.
#[get("/imports?<register>&<page>")]
async fn index(
    _user: Viewer,
    context: PageContext,
    state: &State<AppState>,
    limits: &Limits,
    register: Option<&str>,
    page: rocket::form::Result<'_, Given<u64>>,
) -> Result<(Status, Template), AppError> {
    let page = PageRequest::new(*page.map_err(refused)?, None);
    let (chosen, failed) = match offered(register) {
        Ok(chosen) => (chosen, None),
        Err(error) => (Register::DEFAULT, Some(failed_upload(&error, context.lang))),
    };
    let status = failed
        .as_ref()
        .map_or(Status::Ok, |_| Status::UnprocessableEntity);
    let shown = Shown {
        chosen,
        page,
        failed,
    };
    let view = index_view(state, limits, shown).await?;
    Ok((status, context.render("imports/index", view)))
}

/// The register a link asks the upload form to offer. One that is none is refused in the page's
/// words: the list beside the sentence names the registers as the officer knows them.
fn offered(register: Option<&str>) -> Result<Register, AppError> {
    Register::named(register).map_err(|_| {
        let named = register.unwrap_or_default().trim();
        field_error(
            "register",
            Msg::new("import.upload.unknown_register").arg("register", named),
        )
    })
}

/// The upload form as a refusal leaves it: the sentence above the fields, and beside the field
/// it concerns.
fn failed_upload(error: &AppError, lang: Lang) -> FailedForm {
    let mut failed = FailedForm::new("upload", None, BTreeMap::new());
    failed.message = Some(upload_message(error).render(lang));
    if let Some(fields) = error.fields() {
        failed.errors = fields.render(lang);
    }
    failed
}

/// The preview of a request: its dry run, stored with the upload for the next step.
async fn dry_run(
    state: &AppState,
    officer: &Officer,
    request: service::Request,
) -> Result<service::Report, AppError> {
    service::preview(&state.db, &state.reader, &officer.actor(), request).await
}

/// Uploads a workbook and shows its dry run.
#[post("/imports", data = "<form>")]
async fn upload(
    officer: Officer,
    page: PageContext,
    state: &State<AppState>,
    limits: &Limits,
    form: Result<Form<UploadForm<'_>>, rocket::form::Errors<'_>>,
) -> FormResponse {
    let (result, register) = match form {
        Ok(mut form) => {
            let result = match request_of(&mut form, true).await {
                Ok(request) => dry_run(state, &officer, request).await,
                Err(error) => Err(error),
            };
            (result, form.register.clone())
        }
        Err(errors) => (Err(naming_the_limit(refused(errors), limits)), None),
    };
    match result {
        Ok(report) => FormResponse::Done(page_layout::success(
            format!("/imports/{}", report.batch_id),
            Msg::new("import.upload.previewed"),
        )),
        Err(error) => {
            // A file that cannot be read is told on the upload page, in its own sentence.
            let failed = failed_upload(&error, page.lang);
            let status = error.status();
            if status.code >= 500 {
                return FormResponse::Failed(error);
            }
            // The register the officer chose stays chosen for the next try.
            let shown = Shown {
                chosen: Register::named(register.as_deref()).unwrap_or(Register::DEFAULT),
                page: PageRequest::default(),
                failed: Some(failed),
            };
            match index_view(state, limits, shown).await {
                Ok(view) => FormResponse::Again(status, page.render("imports/index", view)),
                Err(error) => FormResponse::Failed(error),
            }
        }
    }
}

/// The fields the upload form shows a problem beside.
const UPLOAD_FIELDS: [&str; 2] = ["file", "register"];

/// What the upload form says above its fields: the problem of a field it does not show (sent by
/// hand: `dry_run`, `header_row`) in its own words, else the error's message.
fn upload_message(error: &AppError) -> Msg {
    error
        .fields()
        .and_then(|fields| {
            fields
                .iter()
                .find(|(field, _)| !UPLOAD_FIELDS.contains(&field.as_str()))
                .map(|(field, msg)| crate::error::on_page(field, msg))
        })
        .unwrap_or_else(|| error.message())
}

#[derive(Serialize)]
struct ShowView {
    batch: HistoryRow,
    /// Enterprises without a township that their patents could give one.
    townships_to_fill: Option<usize>,
    register: String,
    sheet: String,
    sheets: Vec<String>,
    header_row: i32,
    policy: String,
    columns: Vec<MappedColumn>,
    /// (field, label) choices for each column.
    fields: Vec<(String, String)>,
    counts: Counts,
    statuses: Vec<(&'static str, u64)>,
    filter: String,
    grid: Vec<GridRow>,
    pagination: Pagination,
    base: String,
    progress: Progress,
    message: Option<String>,
    can_undo: bool,
    same_file: Option<SameFileView>,
}

/// An earlier committed import of the same file: its number, for the link, and the sentence.
#[derive(Serialize)]
struct SameFileView {
    batch_id: i64,
    sentence: String,
}

fn count_of(counts: &Counts, status: RowStatus) -> u64 {
    match status {
        RowStatus::New => counts.new,
        RowStatus::Updated => counts.updated,
        RowStatus::Unchanged => counts.unchanged,
        RowStatus::DuplicateInFile => counts.duplicates_in_file,
        RowStatus::OutOfJurisdiction => counts.out_of_jurisdiction,
        RowStatus::Invalid => counts.invalid,
    }
}

#[get("/imports/<id>?<status>&<page>")]
async fn show(
    user: Viewer,
    context: PageContext,
    state: &State<AppState>,
    id: &str,
    status: Option<String>,
    page: rocket::form::Result<'_, Given<u64>>,
) -> Result<Template, AppError> {
    let page = *page.map_err(refused)?;
    let id = service::batch_id(id)?;
    let (batch, progress) = service::progress(&state.db, id).await?;
    let register = Register::parse(&batch.register).unwrap_or(Register::Patents);
    let counts: Counts = serde_json::from_str(&batch.counts).unwrap_or_default();
    let filter = RowStatus::read_filter(status.as_deref())?;
    let request = PageRequest::new(page, Some(50));
    let preview = if batch.upload_id.is_some() && batch.state != "running" {
        preview::page(
            &state.db,
            &state.reader,
            &batch,
            filter,
            request,
            context.lang,
        )
        .await?
    } else {
        PreviewPage::default()
    };
    let message = batch
        .message
        .as_deref()
        .and_then(|m| serde_json::from_str::<Msg>(m).ok())
        .map(|m| m.render(context.lang));
    let same_file = super::same_file::before(&state.db, &batch)
        .await?
        .map(|same| SameFileView {
            batch_id: same.batch_id,
            sentence: same.sentence(context.settings.timezone, context.lang),
        });
    let view = ShowView {
        register: register.as_str().to_owned(),
        sheet: batch.sheet.clone().unwrap_or_default(),
        sheets: preview.sheets,
        header_row: batch.header_row.unwrap_or(1),
        policy: batch.policy.clone(),
        columns: service::stored_mapping(&batch),
        fields: spec(register)
            .fields
            .iter()
            .map(|f| (f.name.clone(), register.field_label(context.lang, &f.name)))
            .collect(),
        statuses: RowStatus::ALL
            .iter()
            .map(|s| (s.as_str(), count_of(&counts, *s)))
            .collect(),
        counts,
        filter: filter.map(|f| f.as_str().to_owned()).unwrap_or_default(),
        grid: preview.rows,
        pagination: Pagination::new(request, preview.total),
        base: format!(
            "/imports/{id}?{}",
            filter
                .map(|f| format!("status={}&", f.as_str()))
                .unwrap_or_default()
        ),
        progress,
        message,
        can_undo: batch.state == "committed" && may_undo(&user, &batch).is_ok(),
        townships_to_fill: service::townships_to_fill(
            &state.db,
            &state.suggestions,
            register,
            batch.state == "committed",
        )
        .await?,
        same_file,
        batch: history_row(
            &batch,
            &service::user_names(&state.db, std::slice::from_ref(&batch)).await?,
        ),
    };
    Ok(context.render("imports/show", view))
}

/// The preview again with another sheet, header row or mapping.
#[derive(FromForm)]
struct PreviewForm {
    sheet: Option<String>,
    header_row: Given<u32>,
    /// Column letter → field ("" for not imported).
    map: BTreeMap<String, String>,
}

#[post("/imports/<id>/preview", data = "<form>")]
async fn repreview(
    officer: Officer,
    state: &State<AppState>,
    id: &str,
    form: Result<Form<PreviewForm>, rocket::form::Errors<'_>>,
) -> Result<Flash<Redirect>, AppError> {
    let form = form.map_err(refused)?;
    let id = service::batch_id(id)?;
    let batch = service::batch(&state.db, id).await?;
    let mut request = service::stored_request(&state.db, &batch, Policy::ValidRows).await?;
    let same_table = form.sheet.as_ref() == batch.sheet.as_ref()
        && form.header_row.and_then(|r| i32::try_from(r).ok()) == batch.header_row;
    request.sheet = form.sheet.clone().filter(|s| !s.is_empty());
    request.header_row = *form.header_row;
    // A new sheet or header row has columns of its own: earlier choices do not apply.
    request.choices = if same_table {
        form.map.clone()
    } else {
        Choices::new()
    };
    match dry_run(state, &officer, request).await {
        Ok(report) => Ok(page_layout::success(
            format!("/imports/{}", report.batch_id),
            Msg::new("import.upload.previewed"),
        )),
        // A header row or mapping that finds no table is told on the preview it came from.
        Err(error) if error.status().code < 500 => Ok(page_layout::failure(
            format!("/imports/{id}"),
            error.sentence(),
        )),
        Err(error) => Err(error),
    }
}

#[derive(FromForm)]
struct CommitForm {
    policy: Option<String>,
}

/// Starts the commit as a job and shows its progress; the job goes on if the tab is closed.
#[post("/imports/<id>/commit", data = "<form>")]
async fn commit(
    officer: Officer,
    state: &State<AppState>,
    id: &str,
    form: Form<CommitForm>,
) -> Result<Redirect, AppError> {
    let id = service::batch_id(id)?;
    let policy = Policy::parse(form.policy.as_deref().unwrap_or_default()).unwrap_or_default();
    let batch = service::batch(&state.db, id).await?;
    let request = service::stored_request(&state.db, &batch, policy).await?;
    service::start_job(&state.db, id, policy).await?;
    let db = state.db.clone();
    let reader = state.reader.clone();
    let actor = officer.actor();
    tokio::spawn(async move {
        if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            tokio::spawn(service::publish_progress(db.clone(), id));
        }
        let on_progress = |phase: &str, done: u64, total: u64| {
            service::report_progress(id, phase, done, total);
        };
        let result = async {
            let workbook = reader.read(&request.bytes).await?;
            service::run_into(&db, &actor, &request, &workbook, Some(id), &on_progress).await
        }
        .await;
        service::forget_progress(id);
        if let Err(error) = result {
            tracing::error!(%error, batch = id, "import commit failed");
            let _ = service::fail_job(&db, id, &error.sentence()).await;
        }
    });
    Ok(Redirect::to(format!("/imports/{id}")))
}

#[derive(Serialize)]
struct ProgressJson {
    state: String,
    phase: String,
    done: u64,
    total: u64,
}

#[get("/imports/<id>/progress")]
async fn progress(
    _user: Viewer,
    state: &State<AppState>,
    id: &str,
) -> Result<Json<ProgressJson>, AppError> {
    let id = service::batch_id(id)?;
    let (batch, progress) = service::progress(&state.db, id).await?;
    Ok(Json(ProgressJson {
        state: batch.state,
        phase: progress.phase,
        done: progress.done,
        total: progress.total,
    }))
}

#[post("/imports/<id>/undo")]
async fn undo(
    officer: Officer,
    state: &State<AppState>,
    id: &str,
) -> Result<Flash<Redirect>, AppError> {
    let id = service::batch_id(id)?;
    may_undo(&officer, &service::batch(&state.db, id).await?)?;
    let result = super::undo::undo(&state.db, &officer.actor(), id).await?;
    let msg = Msg::new("import.undo.done")
        .arg("batch", id)
        .arg("deleted", result.deleted)
        .arg("restored", result.restored);
    let to = format!("/imports/{id}");
    Ok(if result.conflicts.is_empty() {
        page_layout::success(to, msg)
    } else {
        page_layout::failure(
            to,
            Msg::new("import.undo.with_conflicts").count("count", result.conflicts.len()),
        )
    })
}
