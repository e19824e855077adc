//! Users and tokens as JSON under `/api/v1`: the same services as the admin pages.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{Route, State, delete, get, patch, post, routes};
use serde::{Deserialize, Serialize};

use super::domain::{NewUser, Role};
use super::guards::{Admin, Viewer};
use super::tokens::{self, CreatedToken, TokenView};
use super::users::{self, UserChange, UserView};
use crate::AppState;
use crate::error::AppError;
use crate::web::json::{Body, accepts, body, body_for};

pub fn routes() -> Vec<Route> {
    routes![
        me,
        list_users,
        create_user,
        change_user,
        list_tokens,
        create_token,
        revoke_token
    ]
}

accepts!(NewUser, []);
// A user's answer besides what a change writes.
accepts!(UserChange, ["id"]);
accepts!(NewToken, []);

#[derive(Serialize)]
struct Me {
    id: i64,
    username: String,
    real_name: String,
    role: Role,
}

/// Who the token (or session) acts as.
#[get("/me")]
async fn me(user: Viewer) -> Json<Me> {
    let user = &user.user;
    Json(Me {
        id: user.user_id,
        username: user.username.clone(),
        real_name: user.real_name.clone(),
        role: user.role,
    })
}

#[get("/users")]
async fn list_users(
    _admin: Admin,
    state: &State<AppState>,
) -> Result<Json<Vec<UserView>>, AppError> {
    Ok(Json(users::list(&state.db).await?))
}

#[post("/users", data = "<input>")]
async fn create_user(
    admin: Admin,
    state: &State<AppState>,
    input: Result<Body<NewUser>, AppError>,
) -> Result<(Status, Json<UserView>), AppError> {
    let user = users::create(&state.db, &admin.actor(), body(input)?).await?;
    Ok((Status::Created, Json(user)))
}

#[patch("/users/<id>", data = "<input>")]
async fn change_user(
    admin: Admin,
    state: &State<AppState>,
    id: &str,
    input: Result<Body<UserChange>, AppError>,
) -> Result<Json<UserView>, AppError> {
    let id = crate::error::record_id(id, "users.not_found")?;
    Ok(Json(
        users::change(&state.db, &admin.actor(), id, body_for(input, id)?).await?,
    ))
}

#[get("/tokens")]
async fn list_tokens(
    _admin: Admin,
    state: &State<AppState>,
) -> Result<Json<Vec<TokenView>>, AppError> {
    Ok(Json(tokens::list(&state.db).await?))
}

#[derive(Deserialize)]
struct NewToken {
    /// The owner's username.
    user: String,
    #[serde(default)]
    label: String,
}

#[post("/tokens", data = "<input>")]
async fn create_token(
    admin: Admin,
    state: &State<AppState>,
    input: Result<Body<NewToken>, AppError>,
) -> Result<(Status, Json<CreatedToken>), AppError> {
    let input = body(input)?;
    let created = tokens::create(&state.db, &admin.actor(), &input.user, &input.label).await?;
    Ok((Status::Created, Json(created)))
}

#[delete("/tokens/<id>")]
async fn revoke_token(
    admin: Admin,
    state: &State<AppState>,
    id: &str,
) -> Result<Json<TokenView>, AppError> {
    let id = crate::error::record_id(id, "tokens.not_found")?;
    Ok(Json(tokens::revoke(&state.db, &admin.actor(), id).await?))
}
