//! One error type for the whole application. Services return it; the web layer turns it into an
//! error page (through the status's catcher) or, under `/api`, a JSON body; the CLI prints its
//! message and exits 2 for bad input, 1 otherwise. Internal details go to the log only.

use std::collections::BTreeMap;

use rocket::http::Status;
use rocket::request::Request;
use rocket::response::{self, Responder};
use rocket::serde::json::Json;
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;

use crate::i18n::{Lang, Msg};

/// Field name → what is wrong with it, in the order the rules found them (a form's order, so the
/// command line lists them top to bottom and a one-sentence answer names the first mistake).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(String, Msg)>);

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    /// Records the first problem of a field; later ones for the same field are dropped.
    pub fn add(&mut self, field: &str, msg: Msg) {
        if self.get(field).is_none() {
            self.0.push((field.to_owned(), msg));
        }
    }

    /// Takes over the other's problems (the first message per field still wins).
    pub fn merge(&mut self, other: FieldErrors) {
        for (field, msg) in other.0 {
            self.add(&field, msg);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&Msg> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, msg)| msg)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Msg)> {
        self.0.iter().map(|(field, msg)| (field, msg))
    }

    /// `Ok(())` when nothing was recorded, else the validation error.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self))
        }
    }

    /// Messages rendered in `lang`, for templates and JSON.
    pub fn render(&self, lang: Lang) -> BTreeMap<String, String> {
        self.0
            .iter()
            .map(|(field, msg)| (field.clone(), msg.render(lang)))
            .collect()
    }
}

/// A record's id as a path gives it; anything but a number is no record at all (`missing` says
/// which kind).
pub fn record_id(raw: &str, missing: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound(Msg::new(missing)))
}

impl AppError {
    /// The same error with the problems of field `from` reported on field `to` (a rule of one
    /// record applied to a field of another: an enterprise's name typed on a visit).
    pub fn renamed_field(self, from: &str, to: &str) -> AppError {
        match self {
            AppError::Validation(errors) => {
                let mut renamed = FieldErrors::new();
                for (field, msg) in errors.0 {
                    renamed.add(if field == from { to } else { &field }, msg);
                }
                AppError::Validation(renamed)
            }
            other => other,
        }
    }
}

/// A field's sentence as a page says it: a field that a link or a filter form gave (`page`,
/// `from`) is named in the reader's words ("页码", "the start date"), not by its name in the
/// address. The API keeps the name: it is what its client sent.
pub fn on_page(field: &str, msg: &Msg) -> Msg {
    let label = format!("errors.query_field.{field}");
    if crate::i18n::CATALOG.get(Lang::ZhCn, &label).is_none() {
        return msg.clone();
    }
    let mut named = msg.clone();
    for (name, value) in &mut named.args {
        if name == "field" {
            *value = format!("@{label}");
        }
    }
    named
}

/// Shorthand for a validation error on one field.
pub fn field_error(field: &str, msg: Msg) -> AppError {
    let mut errors = FieldErrors::new();
    errors.add(field, msg);
    AppError::Validation(errors)
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that does not satisfy a rule; one message per offending field.
    #[error("validation failed")]
    Validation(FieldErrors),
    #[error("bad request: {0}")]
    BadRequest(Msg),
    #[error("sign-in required")]
    Unauthorized,
    #[error("forbidden: {0}")]
    Forbidden(Msg),
    #[error("not found: {0}")]
    NotFound(Msg),
    /// Someone else changed the record first, or the change clashes with existing data.
    #[error("conflict: {0}")]
    Conflict(Msg),
    /// A rule refused the whole request (an import under the all-or-nothing policy with invalid rows).
    #[error("refused: {0}")]
    Refused(Msg),
    /// Too large to read: the generic sentence ([`AppError::too_large`]) or one naming the limit.
    #[error("payload too large")]
    PayloadTooLarge(Msg),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(Msg),
    /// A method the address does not take, with the one that does what was meant.
    #[error("method not allowed: {0}")]
    MethodNotAllowed(Msg),
    #[error("too many requests")]
    TooManyRequests,
    #[error("database unavailable")]
    Unavailable,
    #[error("database error: {0}")]
    Database(DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> AppError {
        match error.sql_err() {
            // A race lost to another writer: the caller's pre-checks passed a moment ago.
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                AppError::Conflict(Msg::new("errors.conflict.duplicate"))
            }
            _ if is_unavailable(&error) => {
                tracing::error!(%error, "database unavailable");
                AppError::Unavailable
            }
            _ => AppError::Database(error),
        }
    }
}

fn is_unavailable(error: &DbErr) -> bool {
    matches!(error, DbErr::ConnectionAcquire(_) | DbErr::Conn(_))
}

impl AppError {
    /// An address that names nothing (a list, an action, a register that is not there): a page
    /// that does not exist, or under /api no API address (see [`api_message`]).
    pub fn no_such_address() -> AppError {
        AppError::NotFound(status_message(Status::NotFound))
    }

    /// A request too large to read, said in the generic sentence.
    pub fn too_large() -> AppError {
        AppError::PayloadTooLarge(status_message(Status::PayloadTooLarge))
    }

    /// The error as one sentence, for a page with no form to mark up: a validation error's first
    /// field message (see [`on_page`]), else its own message.
    pub fn sentence(&self) -> Msg {
        self.fields()
            .and_then(|fields| fields.iter().next().map(|(field, msg)| on_page(field, msg)))
            .unwrap_or_else(|| self.message())
    }

    pub fn status(&self) -> Status {
        match self {
            AppError::Validation(_) => Status::UnprocessableEntity,
            AppError::BadRequest(_) => Status::BadRequest,
            AppError::Unauthorized => Status::Unauthorized,
            AppError::Forbidden(_) => Status::Forbidden,
            AppError::NotFound(_) => Status::NotFound,
            AppError::Conflict(_) | AppError::Refused(_) => Status::Conflict,
            AppError::PayloadTooLarge(_) => Status::PayloadTooLarge,
            AppError::UnsupportedMediaType(_) => Status::UnsupportedMediaType,
            AppError::MethodNotAllowed(_) => Status::MethodNotAllowed,
            AppError::TooManyRequests => Status::TooManyRequests,
            AppError::Unavailable => Status::ServiceUnavailable,
            AppError::Database(_) | AppError::Internal(_) => Status::InternalServerError,
        }
    }

    /// The stable machine-readable code of the JSON body.
    pub fn code(&self) -> &'static str {
        status_code_name(self.status())
    }

    /// What the person is told; never an internal detail.
    pub fn message(&self) -> Msg {
        match self {
            AppError::Validation(_) => Msg::new("errors.validation.message"),
            AppError::BadRequest(msg)
            | AppError::Forbidden(msg)
            | AppError::NotFound(msg)
            | AppError::Conflict(msg)
            | AppError::Refused(msg)
            | AppError::PayloadTooLarge(msg)
            | AppError::UnsupportedMediaType(msg)
            | AppError::MethodNotAllowed(msg) => msg.clone(),
            other => status_message(other.status()),
        }
    }

    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Validation(fields) => Some(fields),
            _ => None,
        }
    }

    /// Whether the CLI should exit 2 (the input was wrong) rather than 1 (something failed).
    pub fn is_bad_input(&self) -> bool {
        self.status().code < 500
    }

    fn log(&self) {
        match self {
            AppError::Database(error) => tracing::error!(%error, "database error"),
            AppError::Internal(detail) => tracing::error!(detail, "internal error"),
            _ => {}
        }
    }
}

/// The stable code for a status, shared by `AppError` and the catchers.
pub fn status_code_name(status: Status) -> &'static str {
    match status.code {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "validation_failed",
        429 => "too_many_requests",
        503 => "unavailable",
        _ => "internal_error",
    }
}

/// The generic sentence for a status, used when nothing more precise is known.
pub fn status_message(status: Status) -> Msg {
    Msg::new(format!("errors.{}.message", status_code_name(status)))
}

/// What an answer under /api says: its own words, but where those are a status's generic
/// sentence, the API's. An address that names nothing is a script's wrong path there, not a page
/// that is gone.
pub fn api_message(message: Msg, status: Status) -> Msg {
    if status == Status::NotFound && message == status_message(status) {
        Msg::new("errors.not_found.api")
    } else {
        message
    }
}

/// The JSON error body of every `/api` failure.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize)]
pub struct ErrorDetail {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

impl ErrorBody {
    pub fn new(
        status: Status,
        message: &Msg,
        fields: Option<&FieldErrors>,
        lang: Lang,
    ) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: status_code_name(status),
                message: message.render(lang),
                fields: fields.map(|f| f.render(lang)).unwrap_or_default(),
            },
        }
    }
}

/// The message a failed request left for its catcher to show on the HTML error page.
#[derive(Clone, Debug, Default)]
pub struct PendingErrorMessage(pub Option<Msg>);

/// Whether a request is for the JSON API (and so gets JSON errors).
pub fn is_api_request(request: &Request<'_>) -> bool {
    let path = request.uri().path();
    path == "/api" || path.starts_with("/api/")
}

impl<'r> Responder<'r, 'static> for AppError {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        self.log();
        let status = self.status();
        if is_api_request(request) {
            let lang = crate::web::lang::request_lang(request);
            let message = api_message(self.message(), status);
            let body = ErrorBody::new(status, &message, self.fields(), lang);
            return response::Response::build_from(Json(body).respond_to(request)?)
                .status(status)
                .ok();
        }
        // The catcher renders the page in the reader's language and layout. A page that is not a
        // form (a list with a bad filter in its link) says what is wrong, not "see the fields".
        request.local_cache(|| PendingErrorMessage(Some(self.sentence())));
        Err(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes() {
        let cases = [
            (
                AppError::Validation(FieldErrors::new()),
                422,
                "validation_failed",
            ),
            (AppError::BadRequest(Msg::new("x")), 400, "bad_request"),
            (AppError::NotFound(Msg::new("x")), 404, "not_found"),
            (
                AppError::MethodNotAllowed(Msg::new("x")),
                405,
                "method_not_allowed",
            ),
            (AppError::Conflict(Msg::new("x")), 409, "conflict"),
            (AppError::too_large(), 413, "payload_too_large"),
            (
                AppError::Internal("secret detail".into()),
                500,
                "internal_error",
            ),
        ];
        for (error, status, code) in cases {
            assert_eq!(error.status().code, status);
            assert_eq!(error.code(), code);
        }
    }

    #[test]
    fn internal_details_never_reach_the_message() {
        let error = AppError::Internal("password=hunter2".into());
        assert!(!error.message().render(Lang::En).contains("hunter2"));
        assert!(!error.is_bad_input());
    }

    #[test]
    fn field_errors_keep_the_first_message_per_field() {
        let mut errors = FieldErrors::new();
        errors.add("county", Msg::new("a"));
        errors.add("county", Msg::new("b"));
        assert_eq!(errors.get("county"), Some(&Msg::new("a")));
        assert!(errors.into_result().is_err());
        assert!(FieldErrors::new().into_result().is_ok());
    }

    #[test]
    fn a_page_names_a_field_of_its_address_in_the_reader_s_words() {
        let whole = |field: &str| {
            Msg::new("errors.form.not_a_whole_number")
                .arg("field", field)
                .arg("value", "two")
        };
        // (field, language, the page's sentence)
        let cases = [
            ("page", Lang::ZhCn, "页码：“two”不是整数。"),
            (
                "page",
                Lang::En,
                "“two” given for the page number is not a whole number.",
            ),
            ("per_page", Lang::ZhCn, "每页条数：“two”不是整数。"),
            // A field no page names keeps the name it was given.
            ("limit", Lang::ZhCn, "limit：“two”不是整数。"),
        ];
        for (field, lang, sentence) in cases {
            let error = field_error(field, whole(field));
            assert_eq!(error.sentence().render(lang), sentence, "{field} {lang}");
            // The API's fields keep the name the client sent.
            let api = error
                .fields()
                .and_then(|f| f.get(field))
                .map(|m| m.render(lang));
            assert_eq!(api, Some(whole(field).render(lang)), "{field}");
        }
        // A sentence that names no field is left as it is.
        let plain = field_error("page", Msg::new("errors.date.invalid").arg("value", "x"));
        assert_eq!(
            plain.sentence().render(Lang::ZhCn),
            "“x”不是有效的日期，请按 2026-03-15 的格式填写。"
        );
    }
}
