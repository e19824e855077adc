//! Pages for signing in and out, the first-run setup, and changing one's own password.

use std::collections::BTreeMap;
use std::net::IpAddr;

use rocket::form::{Form, FromForm};
use rocket::http::CookieJar;
use rocket::response::Redirect;
use rocket::{Route, State, get, post, routes};
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::domain::NewUser;
use super::guards::{self, Viewer};
use super::{sessions, setup, users};
use crate::AppState;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::web::forms::{FailedForm, FormResponse};
use crate::web::lang::safe_next;
use crate::web::layout::{self, PageContext};

pub fn routes() -> Vec<Route> {
    routes![
        login_page,
        login,
        logout,
        setup_page,
        setup_submit,
        password_page,
        password_submit
    ]
}

fn address(ip: Option<IpAddr>) -> String {
    ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

#[derive(Serialize)]
struct LoginView {
    next: String,
    failed: Option<FailedForm>,
}

#[get("/login?<next>")]
async fn login_page(page: PageContext, next: Option<String>) -> Result<Template, Redirect> {
    let next = safe_next(next.as_deref());
    if page.user.is_some() {
        return Err(Redirect::to(next));
    }
    Ok(page.render("auth/login", LoginView { next, failed: None }))
}

#[derive(FromForm)]
struct LoginForm {
    #[field(default = String::new())]
    username: String,
    #[field(default = String::new())]
    password: String,
    #[field(default = String::new())]
    next: String,
}

#[post("/login", data = "<form>")]
async fn login(
    page: PageContext,
    state: &State<AppState>,
    cookies: &CookieJar<'_>,
    ip: Option<IpAddr>,
    form: Form<LoginForm>,
) -> FormResponse {
    let next = safe_next(Some(&form.next));
    match sessions::sign_in(&state.db, &form.username, &form.password, &address(ip)).await {
        Ok(session) => {
            guards::set_session_cookie(cookies, session.id, page.settings.secure_cookies);
            let welcome = Msg::new("auth.login.welcome").arg("name", &session.user.real_name);
            FormResponse::Done(layout::success(next, welcome))
        }
        Err(error @ (AppError::Unauthorized | AppError::TooManyRequests)) => {
            let key = match error {
                AppError::TooManyRequests => "auth.login.locked",
                _ => "auth.login.wrong",
            };
            let mut values = BTreeMap::new();
            values.insert("username".to_owned(), form.username.clone());
            let mut failed = FailedForm::new("login", None, values);
            failed.message = Some(Msg::new(key).render(page.lang));
            let view = LoginView {
                next,
                failed: Some(failed),
            };
            FormResponse::Again(error.status(), page.render("auth/login", view))
        }
        Err(error) => FormResponse::Failed(error),
    }
}

#[post("/logout")]
async fn logout(
    user: Viewer,
    state: &State<AppState>,
    cookies: &CookieJar<'_>,
) -> Result<rocket::response::Flash<Redirect>, AppError> {
    if let Some(id) = guards::session_id(cookies) {
        sessions::sign_out(&state.db, &id, &user.actor()).await?;
    }
    guards::remove_session_cookie(cookies);
    Ok(layout::success("/login", Msg::new("auth.logout.done")))
}

#[derive(Serialize)]
struct SetupView {
    token: String,
    failed: Option<FailedForm>,
}

#[get("/setup?<token>")]
async fn setup_page(
    page: PageContext,
    state: &State<AppState>,
    token: Option<String>,
) -> Result<Template, AppError> {
    let token = token.unwrap_or_default();
    setup::check(&state.db, &token).await?;
    Ok(page.render(
        "auth/setup",
        SetupView {
            token,
            failed: None,
        },
    ))
}

/// The token travels in the form's URL, as it came in the link.
#[post("/setup?<token>", data = "<form>")]
async fn setup_submit(
    page: PageContext,
    state: &State<AppState>,
    cookies: &CookieJar<'_>,
    ip: Option<IpAddr>,
    token: Option<String>,
    form: Form<NewUser>,
) -> FormResponse {
    let token = token.unwrap_or_default();
    let input = form.into_inner();
    let failed = FailedForm::new("setup", None, input.form_values());
    let address = address(ip);
    match setup::complete(&state.db, &token, input, Some(&address)).await {
        Ok(session) => {
            guards::set_session_cookie(cookies, session.id, page.settings.secure_cookies);
            let welcome = Msg::new("setup.welcome").arg("name", &session.user.real_name);
            FormResponse::Done(layout::success("/", welcome))
        }
        Err(error) => match failed.with_error(&error, page.lang) {
            Some(failed) => {
                let view = SetupView {
                    token,
                    failed: Some(failed),
                };
                FormResponse::Again(error.status(), page.render("auth/setup", view))
            }
            None => FormResponse::Failed(error),
        },
    }
}

#[derive(Serialize)]
struct PasswordView {
    failed: Option<FailedForm>,
}

#[get("/account/password")]
async fn password_page(_user: Viewer, page: PageContext) -> Template {
    page.render("auth/password", PasswordView { failed: None })
}

#[derive(FromForm)]
struct PasswordForm {
    #[field(default = String::new())]
    current: String,
    #[field(default = String::new())]
    password: String,
    #[field(default = String::new())]
    password_confirmation: String,
}

#[post("/account/password", data = "<form>")]
async fn password_submit(
    user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    cookies: &CookieJar<'_>,
    form: Form<PasswordForm>,
) -> FormResponse {
    let session_id = guards::session_id(cookies).unwrap_or_default();
    let result = users::change_own_password(
        &state.db,
        &user.actor(),
        &form.current,
        &form.password,
        &form.password_confirmation,
        &session_id,
    )
    .await;
    match result {
        Ok(()) => FormResponse::Done(layout::success("/", Msg::new("auth.password.changed"))),
        Err(error) => {
            match FailedForm::new("password", None, BTreeMap::new()).with_error(&error, page.lang) {
                Some(failed) => FormResponse::Again(
                    error.status(),
                    page.render(
                        "auth/password",
                        PasswordView {
                            failed: Some(failed),
                        },
                    ),
                ),
                None => FormResponse::Failed(error),
            }
        }
    }
}
