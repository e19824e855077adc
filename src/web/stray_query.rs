//! An API address that takes no query is not asked one: `GET /api/v1/imports?register=patents`
//! listed every import as if it were the patent imports, `GET /api/v1/users?role=admin` every
//! user. Addresses that take a query read it with [`super::given::Known`], which refuses the
//! names they do not take; this refuses the query of those that take none.
//!
//! It is a fairing because Rocket routes a request past any query a route does not name, and it
//! answers only reads (GET, and HEAD as its GET): their answer is replaced before it is sent, and
//! a write is never run and then refused.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{Method, Status};
use rocket::response::Responder;
use rocket::{Request, Response};

use crate::error::{AppError, FieldErrors, is_api_request};
use crate::i18n::Msg;

pub struct StrayQuery;

#[rocket::async_trait]
impl Fairing for StrayQuery {
    fn info(&self) -> Info {
        Info {
            name: "API reads refuse a query they do not take",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        let Some(refusal) = stray(request, response.status()) else {
            return;
        };
        if let Ok(refused) = refusal.respond_to(request) {
            *response = refused;
        }
    }
}

/// The refusal of a read's query, when its route takes none and it was answered.
fn stray(request: &Request<'_>, answered: Status) -> Option<AppError> {
    let read = matches!(request.method(), Method::Get | Method::Head);
    // A refusal already said (no token, no such record) is the answer; so is a catcher's.
    let route = request.route().filter(|_| answered.class().is_success())?;
    if !read || !is_api_request(request) || route.uri.query().is_some() {
        return None;
    }
    let mut fields = FieldErrors::new();
    for field in request.query_fields() {
        let name = field.name.source().as_str();
        fields.add(
            name,
            Msg::new("errors.query.unknown_field").arg("field", name),
        );
    }
    (!fields.is_empty()).then_some(AppError::Validation(fields))
}
