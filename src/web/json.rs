//! JSON request bodies with precise errors: malformed JSON is a 400 naming the line and column,
//! a body of the wrong shape is a 422, an oversized body is a 413.

use rocket::serde::json::{Error, Json};

use crate::error::AppError;
use crate::i18n::Msg;

/// The body of an API request, or the error that explains why it could not be read.
pub fn body<T>(received: Result<Json<T>, Error<'_>>) -> Result<T, AppError> {
    match received {
        Ok(Json(value)) => Ok(value),
        Err(Error::Io(error)) if error.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err(AppError::PayloadTooLarge)
        }
        Err(Error::Io(error)) => {
            tracing::warn!(%error, "could not read a request body");
            Err(AppError::BadRequest(Msg::new("errors.json.unreadable")))
        }
        Err(Error::Parse(_, error)) => Err(parse_error(&error)),
    }
}

fn parse_error(error: &serde_json::Error) -> AppError {
    use serde_json::error::Category;
    let msg = |key: &str| {
        Msg::new(key)
            .arg("line", error.line())
            .arg("column", error.column())
    };
    match error.classify() {
        Category::Data => AppError::Validation(single_field(
            "body",
            msg("errors.json.wrong_shape").arg("detail", data_detail(error)),
        )),
        Category::Eof | Category::Syntax | Category::Io => {
            AppError::BadRequest(msg("errors.json.malformed"))
        }
    }
}

fn single_field(field: &str, msg: Msg) -> crate::error::FieldErrors {
    let mut errors = crate::error::FieldErrors::new();
    errors.add(field, msg);
    errors
}

/// serde's own description ("missing field `county`"), without the position it appends.
fn data_detail(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(index) => text[..index].to_owned(),
        None => text,
    }
}
