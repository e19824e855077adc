//! Administration pages: users (add, change role, disable and enable, reset password) and API
//! tokens (create, shown once; revoke).

use std::collections::BTreeMap;

use rocket::form::{Form, FromForm};
use rocket::{Route, State, get, post, routes};
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::domain::{NewUser, Role};
use super::guards::Admin;
use super::tokens::{self, CreatedToken, TokenView};
use super::users::{self, UserChange, UserView};
use crate::AppState;
use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::web::forms::{FailedForm, FormResponse};
use crate::web::layout::{self, PageContext};

pub fn routes() -> Vec<Route> {
    routes![
        users_page,
        add_user,
        change_user,
        tokens_page,
        create_token,
        revoke_token
    ]
}

const USERS: &str = "/admin/users";
const TOKENS: &str = "/admin/tokens";

#[derive(Serialize)]
struct UsersView {
    users: Vec<UserView>,
    roles: Vec<&'static str>,
    failed: Option<FailedForm>,
}

async fn users_view(state: &AppState, failed: Option<FailedForm>) -> Result<UsersView, AppError> {
    Ok(UsersView {
        users: users::list(&state.db).await?,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        failed,
    })
}

#[get("/admin/users")]
async fn users_page(
    _admin: Admin,
    page: PageContext,
    state: &State<AppState>,
) -> Result<Template, AppError> {
    Ok(page.render("admin/users", users_view(state, None).await?))
}

/// The users page again with a failed form, or the error's own page.
async fn users_again(
    page: &PageContext,
    state: &AppState,
    error: AppError,
    failed: FailedForm,
) -> FormResponse {
    let status = error.status();
    let Some(failed) = failed.with_error(&error, page.lang) else {
        return FormResponse::Failed(error);
    };
    match users_view(state, Some(failed)).await {
        Ok(view) => FormResponse::Again(status, page.render("admin/users", view)),
        Err(error) => FormResponse::Failed(error),
    }
}

#[post("/admin/users", data = "<form>")]
async fn add_user(
    admin: Admin,
    page: PageContext,
    state: &State<AppState>,
    form: Form<NewUser>,
) -> FormResponse {
    let input = form.into_inner();
    let failed = FailedForm::new("user_add", None, input.form_values());
    match users::create(&state.db, &admin.actor(), input).await {
        Ok(user) => FormResponse::Done(layout::success(
            USERS,
            Msg::new("users.added").arg("name", &user.username),
        )),
        Err(error) => users_again(&page, state, error, failed).await,
    }
}

#[derive(FromForm)]
struct UserRowForm {
    #[field(default = String::new())]
    version: String,
    #[field(default = String::new())]
    role: String,
    #[field(default = String::new())]
    password: String,
}

impl UserRowForm {
    /// The change a row button asks for: the last segment of its URL, plus the form's fields.
    fn change(&self, action: &str) -> Result<(UserChange, &'static str), AppError> {
        let version = self
            .version
            .trim()
            .parse()
            .map_err(|_| AppError::BadRequest(Msg::new("errors.form.bad_version")))?;
        let mut change = UserChange {
            version,
            ..UserChange::default()
        };
        let done = match action {
            "role" => {
                change.role = Some(self.role.clone());
                "users.role_changed"
            }
            "disable" => {
                change.active = Some(false);
                "users.disabled"
            }
            "enable" => {
                change.active = Some(true);
                "users.enabled"
            }
            "password" => {
                change.password = Some(self.password.clone());
                "users.password_reset"
            }
            _ => return Err(AppError::no_such_address()),
        };
        Ok((change, done))
    }
}

#[post("/admin/users/<id>/<action>", data = "<form>")]
async fn change_user(
    admin: Admin,
    page: PageContext,
    state: &State<AppState>,
    id: &str,
    action: &str,
    form: Form<UserRowForm>,
) -> FormResponse {
    let not_found = || AppError::NotFound(Msg::new("users.not_found"));
    let request = id
        .parse::<i64>()
        .map_err(|_| not_found())
        .and_then(|id| Ok((id, form.change(action)?)));
    let (id, (change, done)) = match request {
        Ok(request) => request,
        Err(error) => return FormResponse::Failed(error),
    };
    let mut values = BTreeMap::new();
    values.insert("role".to_owned(), form.role.clone());
    match users::change(&state.db, &admin.actor(), id, change).await {
        Ok(user) => FormResponse::Done(layout::success(
            USERS,
            Msg::new(done).arg("name", &user.username),
        )),
        Err(error) => {
            users_again(
                &page,
                state,
                error,
                FailedForm::new("user_row", Some(id), values),
            )
            .await
        }
    }
}

#[derive(Serialize)]
struct TokensView {
    tokens: Vec<TokenView>,
    /// [username, "real name (username)"] of active users, for the owner drop-down.
    user_options: Vec<(String, String)>,
    created: Option<CreatedToken>,
    failed: Option<FailedForm>,
}

async fn tokens_view(
    state: &AppState,
    lang: Lang,
    created: Option<CreatedToken>,
    failed: Option<FailedForm>,
) -> Result<TokensView, AppError> {
    Ok(TokensView {
        tokens: tokens::list(&state.db).await?,
        user_options: users::list(&state.db)
            .await?
            .into_iter()
            .filter(|u| u.active)
            .map(|u| (u.username.clone(), u.label(lang)))
            .collect(),
        created,
        failed,
    })
}

#[get("/admin/tokens")]
async fn tokens_page(
    _admin: Admin,
    page: PageContext,
    state: &State<AppState>,
) -> Result<Template, AppError> {
    Ok(page.render(
        "admin/tokens",
        tokens_view(state, page.lang, None, None).await?,
    ))
}

#[derive(FromForm)]
struct TokenForm {
    #[field(default = String::new())]
    user: String,
    #[field(default = String::new())]
    label: String,
}

/// The new token is shown on the page itself (never in a cookie or a URL): this is the only time.
#[post("/admin/tokens", data = "<form>")]
async fn create_token(
    admin: Admin,
    page: PageContext,
    state: &State<AppState>,
    form: Form<TokenForm>,
) -> FormResponse {
    let result = tokens::create(&state.db, &admin.actor(), &form.user, &form.label).await;
    let (created, failed, status) = match result {
        Ok(created) => (Some(created), None, rocket::http::Status::Created),
        Err(error) => {
            let values = [("user", &form.user), ("label", &form.label)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.clone()))
                .collect();
            match FailedForm::new("token", None, values).with_error(&error, page.lang) {
                Some(failed) => (None, Some(failed), error.status()),
                None => return FormResponse::Failed(error),
            }
        }
    };
    match tokens_view(state, page.lang, created, failed).await {
        Ok(view) => FormResponse::Again(status, page.render("admin/tokens", view)),
        Err(error) => FormResponse::Failed(error),
    }
}

#[post("/admin/tokens/<id>/revoke")]
async fn revoke_token(admin: Admin, state: &State<AppState>, id: &str) -> FormResponse {
    let Ok(id) = id.parse::<i64>() else {
        return FormResponse::Failed(AppError::NotFound(Msg::new("tokens.not_found")));
    };
    match tokens::revoke(&state.db, &admin.actor(), id).await {
        Ok(token) => FormResponse::Done(layout::success(
            TOKENS,
            Msg::new("tokens.revoked").arg("prefix", &token.prefix),
        )),
        Err(error) => FormResponse::Failed(error),
    }
}
