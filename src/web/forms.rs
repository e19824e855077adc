//! What a form handler answers: a redirect with a message when the change was made, or the
//! same page again with the person's values and the problems beside their fields.

use std::collections::BTreeMap;

use rocket::http::Status;
use rocket::request::Request;
use rocket::response::{self, Flash, Redirect, Responder};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::error::AppError;
use crate::i18n::Lang;

/// A submitted form that did not go through: which form, its values, and what went wrong.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FailedForm {
    pub form: String,
    /// The record the form was about, for forms repeated on every row.
    pub item_id: Option<i64>,
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, String>,
    /// A message about the form as a whole (a conflict, say).
    pub message: Option<String>,
}

impl FailedForm {
    pub fn new(form: &str, item_id: Option<i64>, values: BTreeMap<String, String>) -> FailedForm {
        FailedForm {
            form: form.to_owned(),
            item_id,
            values,
            ..FailedForm::default()
        }
    }

    /// Fills in the messages of an error that the form can show; `None` when the error is not
    /// about the form's values (it then becomes an error page).
    pub fn with_error(mut self, error: &AppError, lang: Lang) -> Option<FailedForm> {
        match error {
            AppError::Validation(fields) => {
                self.errors = fields.render(lang);
                self.message = Some(error.message().render(lang));
            }
            AppError::Conflict(msg) => self.message = Some(msg.render(lang)),
            _ => return None,
        }
        Some(self)
    }
}

/// The answer of a form handler.
pub enum FormResponse {
    Done(Flash<Redirect>),
    /// The page again, with the status that says why (422 invalid, 409 conflict).
    Again(Status, Template),
    Failed(AppError),
}

impl<'r> Responder<'r, 'static> for FormResponse {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        match self {
            FormResponse::Done(redirect) => redirect.respond_to(request),
            FormResponse::Again(status, page) => (status, page).respond_to(request),
            FormResponse::Failed(error) => error.respond_to(request),
        }
    }
}

/// What others saved of a record since the version its form was opened at, shown beside a
/// conflict; nothing for any other refusal, or when the history cannot be read.
pub async fn changed_by_others(
    db: &impl sea_orm::ConnectionTrait,
    status: Status,
    entity: &str,
    id: Option<i64>,
    version: &str,
    timezone: crate::settings::Timezone,
) -> Vec<crate::audit::Entry> {
    match (status, id) {
        (Status::Conflict, Some(id)) => {
            let version = version.trim().parse().unwrap_or(0);
            crate::audit::changes_since(db, entity, id, version, timezone)
                .await
                .unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// The version a record was read at, as a form's hidden field carries it.
#[derive(Clone, Debug, Default, rocket::FromForm)]
pub struct VersionForm {
    #[field(default = String::new())]
    pub version: String,
}

/// The version from a form field; a missing or mangled one asks the person to reload.
/// A form's fields as typed, by name, to show again when it is refused.
pub fn values_of(form: &impl Serialize) -> BTreeMap<String, String> {
    match serde_json::to_value(form) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// What a saved edit says: `saved`, or — when the record kept the version its form was read at,
/// since nothing in it was changed (see `audit::edit`) — that nothing was saved.
pub fn edit_said(version_read: i32, version_now: i32, saved: crate::i18n::Msg) -> crate::i18n::Msg {
    if version_now == version_read {
        crate::i18n::Msg::new("common.nothing_changed")
    } else {
        saved
    }
}

pub fn parse_version(raw: &str) -> Result<i32, AppError> {
    raw.trim()
        .parse()
        .map_err(|_| AppError::BadRequest(crate::i18n::Msg::new("errors.form.bad_version")))
}

/// `archive` or `restore`, the last segment of a record's archive button; anything else is 404.
pub fn archive_action(segment: &str) -> Result<bool, AppError> {
    match segment {
        "archive" => Ok(true),
        "restore" => Ok(false),
        _ => Err(AppError::no_such_address()),
    }
}

/// The answer to a record's archive or restore button: the segment says which, the form carries
/// the version last read; `apply` archives (true) or restores (false) the record at that
/// version, and `done` says where to go and what happened.
pub async fn archive_form<V, Fut>(
    (id, action, version): (&str, &str, &str),
    parse_id: fn(&str) -> Result<i64, AppError>,
    apply: impl FnOnce(i64, i32, bool) -> Fut,
    done: impl FnOnce(&V, bool) -> Flash<Redirect>,
) -> FormResponse
where
    Fut: std::future::Future<Output = Result<V, AppError>>,
{
    let request = archive_action(action)
        .and_then(|archived| Ok((parse_id(id)?, parse_version(version)?, archived)));
    let (id, version, archived) = match request {
        Ok(request) => request,
        Err(error) => return FormResponse::Failed(error),
    };
    match apply(id, version, archived).await {
        Ok(record) => FormResponse::Done(done(&record, archived)),
        Err(error) => FormResponse::Failed(error),
    }
}

/// The page of a record of `register` just archived or restored, with the message that says
/// which (`{register}.archived` or `{register}.restored`), the record named by `arg`.
pub fn archived_notice(
    register: &str,
    id: i64,
    archived: bool,
    (arg, name): (&str, &str),
) -> Flash<Redirect> {
    let done = if archived { "archived" } else { "restored" };
    crate::web::layout::success(
        format!("/{register}/{id}"),
        crate::i18n::Msg::new(format!("{register}.{done}")).arg(arg, name),
    )
}
