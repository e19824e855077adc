//! Cases as JSON under `/api/v1`: the same services and rules as the pages.

use rocket::form::Form;
use rocket::fs::TempFile;
use rocket::http::{ContentType, Status};
use rocket::serde::json::Json;
use rocket::{FromForm, Route, State, get, post, put, routes};
use serde::Deserialize;

use super::attachments::{self, Upload};
use super::domain::CaseInput;
use super::query::{self, CaseFilter, CasePage};
use super::service::{self, AttachmentView, CaseView};
use super::workflow::StepInput;
use crate::AppState;
use crate::auth::{Admin, Officer, Viewer};
use crate::error::{AppError, field_error};
use crate::web::forms::archive_action;
use crate::web::given::{Exact, Known, refused, refused_query};
use crate::web::json::{Answer, Body, accepts, body, body_for_record};

pub fn routes() -> Vec<Route> {
    routes![
        list,
        create,
        show,
        update,
        add_step,
        attach,
        attach_not_multipart,
        attachment,
        archive
    ]
}

// What a client may send back of a case's answer besides the fields it writes: what its steps
// made of it (status, deadlines, money) is read-only here.
accepts!(
    CaseInput,
    [
        "id",
        "version",
        "archived",
        "status",
        "accepted_on",
        "closed_on",
        "inspection_title",
        "complainant.enterprise_id",
        "respondent.enterprise_id",
        "claimed_patent_check",
        "steps",
        "deadlines",
        "next_deadline",
        "deadline_status",
        "illegal_gains",
        "fine",
        "attachments",
    ]
);
accepts!(Versioned => CaseInput, ["version"]);
accepts!(StepInput, ["id", "by", "officer_names"]);
accepts!(VersionJson, []);

#[get("/cases?<filter..>")]
async fn list(
    _user: Viewer,
    state: &State<AppState>,
    filter: rocket::form::Result<'_, Known<CaseFilter>>,
) -> Result<Answer<CasePage>, AppError> {
    let Known(filter) = filter.map_err(refused_query)?;
    Ok(Answer(query::list(&state.db, &filter).await?))
}

#[post("/cases", data = "<input>")]
async fn create(
    officer: Officer,
    state: &State<AppState>,
    input: Result<Body<CaseInput>, AppError>,
) -> Result<(Status, Answer<CaseView>), AppError> {
    let case = service::create(&state.db, &officer.actor(), &body(input)?).await?;
    Ok((Status::Created, Answer(case)))
}

#[get("/cases/<id>")]
async fn show(
    _user: Viewer,
    state: &State<AppState>,
    id: &str,
) -> Result<Answer<CaseView>, AppError> {
    Ok(Answer(
        service::view(&state.db, service::parse_id(id)?).await?,
    ))
}

#[derive(Deserialize)]
struct Versioned {
    version: i32,
    #[serde(flatten)]
    fields: CaseInput,
}

#[put("/cases/<id>", data = "<input>")]
async fn update(
    officer: Officer,
    state: &State<AppState>,
    id: &str,
    input: Result<Body<Versioned>, AppError>,
) -> Result<Answer<CaseView>, AppError> {
    let id = service::parse_id(id)?;
    let current = service::view(&state.db, id).await?;
    let input = body_for_record(input, id, &current)?;
    let actor = officer.actor();
    let case = service::update(&state.db, &actor, id, input.version, &input.fields);
    Ok(Answer(case.await?))
}

#[post("/cases/<id>/steps", data = "<input>")]
async fn add_step(
    officer: Officer,
    state: &State<AppState>,
    id: &str,
    input: Result<Body<StepInput>, AppError>,
) -> Result<(Status, Answer<CaseView>), AppError> {
    let input = body(input)?;
    let id = service::parse_id(id)?;
    let case = service::add_step(&state.db, &officer.actor(), id, &input).await?;
    Ok((Status::Created, Answer(case)))
}

/// An attachment as uploaded: the file, and the step it belongs to (none: the case's own).
#[derive(FromForm)]
pub struct AttachmentForm<'r> {
    pub file: Option<TempFile<'r>>,
    pub step_id: Option<String>,
    /// A signed-in browser's token, checked from the body before the form is read
    /// (`auth::csrf`); named so that the exact form takes it.
    pub csrf_token: Option<String>,
}

/// The upload as the service takes it; a step id that is no number is the field's error.
pub async fn upload_of(form: &mut AttachmentForm<'_>) -> Result<(Option<i64>, Upload), AppError> {
    let sent = form
        .file
        .as_ref()
        .and_then(|f| f.content_type())
        .map(ToString::to_string);
    let (file_name, bytes) = crate::import::api::uploaded(&mut form.file).await?;
    let content_type = attachments::content_type(&file_name, sent.as_deref());
    let step_id = match form
        .step_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => Some(raw.parse().map_err(|_| {
            field_error("step_id", crate::i18n::Msg::new("cases.attachment.no_step"))
        })?),
    };
    let upload = Upload {
        file_name,
        content_type,
        bytes,
    };
    Ok((step_id, upload))
}

/// Through the API the form is read exactly: `stepid=3` is refused, not the file attached to the
/// case instead of its step.
#[post("/cases/<id>/attachments", data = "<form>")]
async fn attach(
    officer: Officer,
    state: &State<AppState>,
    id: &str,
    form: Result<Form<Exact<AttachmentForm<'_>>>, rocket::form::Errors<'_>>,
) -> Result<(Status, Json<AttachmentView>), AppError> {
    let id = service::parse_id(id)?;
    let Exact(mut form) = form.map_err(refused)?.into_inner();
    let (step_id, upload) = upload_of(&mut form).await?;
    let added = attachments::add(&state.db, &officer.actor(), id, step_id, upload).await?;
    Ok((Status::Created, Json(added)))
}

/// Anything but a form upload (JSON, say) is told so, not passed to another route.
#[post("/cases/<id>/attachments", rank = 2)]
async fn attach_not_multipart(_officer: Officer, id: &str) -> AppError {
    match service::parse_id(id) {
        Err(bad_id) => bad_id,
        Ok(_) => {
            AppError::UnsupportedMediaType(crate::i18n::Msg::new("cases.attachment.not_multipart"))
        }
    }
}

/// The file itself, as uploaded.
#[get("/cases/<id>/attachments/<file>")]
async fn attachment(
    _user: Viewer,
    state: &State<AppState>,
    id: &str,
    file: &str,
) -> Result<(ContentType, Vec<u8>), AppError> {
    download(state, id, file).await
}

/// An attachment's type and bytes, from the ids in its path.
pub async fn download(
    state: &AppState,
    id: &str,
    file: &str,
) -> Result<(ContentType, Vec<u8>), AppError> {
    let id = service::parse_id(id)?;
    let file = crate::error::record_id(file, "cases.attachment.not_found")?;
    let found = attachments::fetch(&state.db, id, file).await?;
    let content_type =
        ContentType::parse_flexible(&found.content_type).unwrap_or(ContentType::Binary);
    Ok((content_type, found.bytes))
}

#[derive(Deserialize)]
struct VersionJson {
    version: i32,
}

/// Archive or restore (the last segment says which), with the version last read.
#[post("/cases/<id>/<action>", data = "<input>", rank = 3)]
async fn archive(
    admin: Admin,
    state: &State<AppState>,
    id: &str,
    action: &str,
    input: Result<Body<VersionJson>, AppError>,
) -> Result<Answer<CaseView>, AppError> {
    let archived = archive_action(action)?;
    let version = body(input)?.version;
    let id = service::parse_id(id)?;
    let actor = admin.actor();
    let case = service::set_archived(&state.db, &actor, id, version, archived);
    Ok(Answer(case.await?))
}
