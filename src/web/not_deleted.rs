//! `DELETE` on a record of a register: records are archived, not deleted (an import's undo is the
//! one exception, DESIGN.md), so the API says so and names the address that archives it. Rocket
//! has no route for the method there and answered 404 "page not found" about a record that
//! exists, which sent an API client looking for the wrong mistake.

use rocket::http::Header;

use crate::auth::guards::Viewer;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::import::spec::Register;

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![delete]
}

/// The refusal, with the methods the record's address does take (HTTP asks a 405 to list them).
#[derive(rocket::Responder)]
struct Refused {
    error: AppError,
    allow: Header<'static>,
}

/// Last of the routes for its path, after the few records that are deleted (tokens, calendar
/// days, the deadline rules' own settings).
#[rocket::delete("/<register>/<id>", rank = 50)]
async fn delete(_user: Viewer, register: &str, id: &str) -> Result<Refused, AppError> {
    // Every register's records are archived with `POST /api/v1/{register}/{id}/archive`.
    if !Register::ALL.iter().any(|r| r.as_str() == register) {
        return Err(AppError::no_such_address());
    }
    let address = format!("/api/v1/{register}/{id}/archive");
    Ok(Refused {
        error: AppError::MethodNotAllowed(
            Msg::new("errors.method_not_allowed.archive_instead").arg("address", address),
        ),
        allow: Header::new("Allow", "GET, PUT"),
    })
}
