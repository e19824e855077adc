//! Error pages. Every failure ends here: a page in the reader's language and layout, or a JSON
//! body under `/api`. The message is the one the failing handler left, else the status's own.

use rocket::http::Method;
use rocket::http::Status;
use rocket::request::{Outcome, Request};
use rocket::response::{self, Redirect, Responder};
use rocket::serde::json::Json;
use rocket::{Catcher, catch, catchers};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::error::{
    ErrorBody, PendingErrorMessage, api_message, is_api_request, status_code_name, status_message,
};
use crate::settings::Settings;

use super::lang::request_lang;
use super::layout::PageContext;

pub fn catchers() -> Vec<Catcher> {
    catchers![any_error]
}

#[derive(Serialize)]
struct ErrorPage {
    status: u16,
    code: &'static str,
    title_key: String,
    message: String,
}

pub enum ErrorResponse {
    Json(Status, Json<ErrorBody>),
    Page(Status, Template),
    SignIn(Redirect),
}

impl<'r> Responder<'r, 'static> for ErrorResponse {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        match self {
            ErrorResponse::Json(status, body) => (status, body).respond_to(request),
            ErrorResponse::Page(status, page) => (status, page).respond_to(request),
            ErrorResponse::SignIn(redirect) => redirect.respond_to(request),
        }
    }
}

#[catch(default)]
async fn any_error(status: Status, request: &Request<'_>) -> ErrorResponse {
    let lang = request_lang(request);
    let pending = request.local_cache(PendingErrorMessage::default).0.clone();
    let message = pending.unwrap_or_else(|| status_message(status));
    if is_api_request(request) {
        let message = api_message(message, status);
        return ErrorResponse::Json(status, Json(ErrorBody::new(status, &message, None, lang)));
    }
    if status == Status::Unauthorized {
        // A page for signed-in people: sign in, then come back here.
        return ErrorResponse::SignIn(Redirect::to(sign_in_link(request)));
    }
    let page = match request.guard::<PageContext>().await {
        Outcome::Success(page) => page,
        // The database may be what failed: show the page with default settings.
        _ => PageContext {
            lang,
            settings: Settings::default(),
            flash: None,
            user: None,
            here: request.uri().path().to_string(),
            path: request.uri().path().to_string(),
        },
    };
    let code = status_code_name(status);
    let view = ErrorPage {
        status: status.code,
        code,
        title_key: format!("errors.{code}.title"),
        message: message.render(lang),
    };
    ErrorResponse::Page(status, page.render("errors/page", view))
}

/// `/login?next=…` back to the page asked for (the list a form was posted from, for a POST).
fn sign_in_link(request: &Request<'_>) -> String {
    let uri = request.uri();
    let here = match (request.method(), uri.query()) {
        (Method::Get, Some(query)) => format!("{}?{}", uri.path(), query),
        _ => uri.path().to_string(),
    };
    let encoded: String = here
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("/login?next={encoded}")
}
