//! Imports as JSON under `/api/v1`: the same service as the CLI and the pages.

use rocket::data::Limits;
use rocket::form::{Form, FromForm, Lenient};
use rocket::fs::TempFile;
use rocket::http::{ContentType, Status};
use rocket::serde::json::Json;
use rocket::{Route, State, get, post, routes};
use tokio::io::AsyncReadExt;

use super::mapping::Choices;
use super::service::{self, Policy, ReportJson, Request};
use super::spec::Register;
use super::undo::{self, UndoResult};
use crate::AppState;
use crate::auth::{Officer, Viewer};
use crate::error::{AppError, field_error};
use crate::i18n::{Lang, Msg};
use crate::web::given::{Exact, Given, Known, refused, refused_query};
use crate::web::json::Answer;
use crate::web::pagination::PageRequest;

pub fn routes() -> Vec<Route> {
    routes![create, create_not_multipart, list, show, undo_batch, errors]
}

/// The upload form of `POST /api/v1/imports` (and of the page). The API reads it strictly (a
/// field it does not take, say `dryrun`, is refused rather than the file committed); the values
/// that may be left out stay lenient inside it.
#[derive(FromForm)]
pub struct UploadForm<'r> {
    pub file: Option<TempFile<'r>>,
    pub register: Option<String>,
    pub dry_run: Lenient<Given<bool>>,
    pub policy: Option<String>,
    pub sheet: Option<String>,
    pub header_row: Lenient<Given<u32>>,
    /// A signed-in browser's token, checked from the body before the form is read
    /// (`auth::csrf`); named so that the strict form takes it.
    pub csrf_token: Option<String>,
}

/// The name and bytes of an uploaded file; none chosen is the `file` field's error.
pub async fn uploaded(file: &mut Option<TempFile<'_>>) -> Result<(String, Vec<u8>), AppError> {
    let Some(file) = file.as_mut() else {
        return Err(field_error("file", Msg::new("import.upload.file_required")));
    };
    let file_name = file
        .raw_name()
        .map(|n| n.dangerous_unsafe_unsanitized_raw().as_str().to_owned())
        .map(|n| {
            n.rsplit(['/', '\\'])
                .next()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect::<String>()
        })
        .filter(|n| !n.is_empty());
    // A browser sends an empty part without a name when no file was chosen; an empty file that
    // has a name is read, and told to be empty.
    let Some(file_name) = file_name.or_else(|| (file.len() > 0).then(|| "upload.xlsx".to_owned()))
    else {
        return Err(field_error("file", Msg::new("import.upload.file_required")));
    };
    let mut bytes = Vec::new();
    let mut reader = file
        .open()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    reader
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((file_name, bytes))
}

/// The bytes and the request an upload form describes; bad fields are 422 with their reason.
pub async fn request_of(
    form: &mut UploadForm<'_>,
    dry_run_default: bool,
) -> Result<Request, AppError> {
    let register = Register::named(form.register.as_deref())?;
    let policy = Policy::parse(form.policy.as_deref().unwrap_or_default()).ok_or_else(|| {
        field_error(
            "policy",
            Msg::new("import.cli.bad_policy")
                .arg("policy", form.policy.clone().unwrap_or_default()),
        )
    })?;
    let (file_name, bytes) = uploaded(&mut form.file).await?;
    Ok(Request {
        file_name,
        bytes,
        register,
        sheet: form.sheet.clone().filter(|s| !s.trim().is_empty()),
        header_row: **form.header_row,
        choices: Choices::new(),
        dry_run: form.dry_run.unwrap_or(dry_run_default),
        policy,
    })
}

#[post("/imports", data = "<form>")]
async fn create(
    officer: Officer,
    lang: Lang,
    state: &State<AppState>,
    limits: &Limits,
    form: Result<Form<Exact<UploadForm<'_>>>, rocket::form::Errors<'_>>,
) -> Result<Json<ReportJson>, AppError> {
    let form = form.map_err(|errors| naming_the_limit(refused(errors), limits))?;
    let Exact(mut form) = form.into_inner();
    let request = request_of(&mut form, false).await?;
    let report = service::run(
        &state.db,
        &state.reader,
        &officer.actor(),
        request,
        &|_, _, _| {},
    )
    .await?;
    let kept = &state.suggestions;
    let to_fill =
        service::townships_to_fill(&state.db, kept, report.register, report.committed).await?;
    Ok(Json(report.to_json(lang, to_fill)))
}

/// Anything but a multipart upload gets told how to send the file, rather than falling through
/// to another route.
#[post("/imports", rank = 2)]
async fn create_not_multipart(_officer: Officer) -> AppError {
    AppError::UnsupportedMediaType(Msg::new("import.upload.not_multipart"))
}

/// What the history is asked: its page.
#[derive(FromForm)]
struct HistoryQuery {
    page: Given<u64>,
    per_page: Given<u64>,
}

/// A page of the history as the API and `ipdesk import list --json` answer it, shaped as the
/// registers' lists are.
#[derive(serde::Serialize)]
pub struct HistoryJson {
    pub items: Vec<serde_json::Value>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// The history's page `request`, newest first.
pub async fn history(
    db: &impl sea_orm::ConnectionTrait,
    request: PageRequest,
) -> Result<HistoryJson, AppError> {
    let (batches, total) = service::history(db, request).await?;
    let names = service::user_names(db, &batches).await?;
    Ok(HistoryJson {
        items: batches
            .iter()
            .map(|b| undo::batch_json(b, &names))
            .collect(),
        total,
        page: request.page,
        per_page: request.per_page,
    })
}

#[get("/imports?<query..>")]
async fn list(
    _user: Viewer,
    state: &State<AppState>,
    query: rocket::form::Result<'_, Known<HistoryQuery>>,
) -> Result<Json<HistoryJson>, AppError> {
    let Known(asked) = query.map_err(refused_query)?;
    let request = PageRequest::new(*asked.page, *asked.per_page);
    Ok(Json(history(&state.db, request).await?))
}

#[get("/imports/<id>")]
async fn show(
    _user: Viewer,
    state: &State<AppState>,
    id: &str,
) -> Result<Json<serde_json::Value>, AppError> {
    let id = service::batch_id(id)?;
    let (batch, progress) = service::progress(&state.db, id).await?;
    let names = service::user_names(&state.db, std::slice::from_ref(&batch)).await?;
    let mut json = undo::batch_json(&batch, &names);
    json["progress"] = serde_json::to_value(progress).unwrap_or_default();
    if let Some(same) = super::same_file::before(&state.db, &batch).await? {
        json["same_file_as"] = serde_json::to_value(same).unwrap_or_default();
    }
    Ok(Json(json))
}

/// The largest upload the server takes, in MiB: the smaller of the file and form limits
/// (Rocket.toml's `limits.file` and `limits.data-form`, 50 MiB unless set).
pub fn upload_limit_mb(limits: &Limits) -> u64 {
    let default = rocket::data::ByteUnit::Mebibyte(50);
    let file = limits.get("file").unwrap_or(default);
    let form = limits.get("data-form").unwrap_or(default);
    file.min(form).as_u64() / (1024 * 1024)
}

/// An upload refused as too large, said with the limit ("文件超过50MB…"), where the generic
/// sentence only said that something was too large; any other error as it is.
pub fn naming_the_limit(error: AppError, limits: &Limits) -> AppError {
    match error {
        AppError::PayloadTooLarge(_) => AppError::PayloadTooLarge(
            Msg::new("import.upload.too_large").arg("max_mb", upload_limit_mb(limits)),
        ),
        other => other,
    }
}

/// Only the officer who ran an import, or an administrator, may undo it.
pub fn may_undo(
    user: &crate::auth::CurrentUser,
    batch: &crate::entities::import_batch::Model,
) -> Result<(), AppError> {
    if user.user.role == crate::auth::Role::Admin || batch.user_id == Some(user.user.user_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new("import.undo.not_yours")))
    }
}

#[post("/imports/<id>/undo")]
async fn undo_batch(
    officer: Officer,
    state: &State<AppState>,
    id: &str,
) -> Result<Answer<UndoResult>, AppError> {
    let id = service::batch_id(id)?;
    may_undo(&officer, &service::batch(&state.db, id).await?)?;
    Ok(Answer(undo::undo(&state.db, &officer.actor(), id).await?))
}

/// A downloaded workbook with its file name.
pub struct Download {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl<'r> rocket::response::Responder<'r, 'static> for Download {
    fn respond_to(self, _: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        rocket::Response::build()
            .status(Status::Ok)
            .header(ContentType::new(
                "application",
                "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ))
            .raw_header(
                "Content-Disposition",
                crate::web::download::disposition(&self.name),
            )
            .sized_body(self.bytes.len(), std::io::Cursor::new(self.bytes))
            .ok()
    }
}

#[get("/imports/<id>/errors.xlsx")]
pub async fn errors(
    _user: Viewer,
    lang: Lang,
    state: &State<AppState>,
    id: &str,
) -> Result<Download, AppError> {
    let id = service::batch_id(id)?;
    let (name, bytes) = super::report::for_batch(&state.db, &state.reader, id, lang).await?;
    Ok(Download { name, bytes })
}
