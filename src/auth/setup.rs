//! The first run: while no user exists, `serve` prints a one-time link; whoever opens it creates
//! the first administrator. Only the link's digest is stored, and it stops working once used.

use chrono::Utc;
use sea_orm::DatabaseConnection;

use super::domain::{NewUser, Role};
use super::sessions::{self, NewSession};
use super::{password, secrets, users};
use crate::audit::{self, Actor, Event};
use crate::db;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::settings::service;

const SETUP_TOKEN: &str = "setup_token_hash";

/// When nobody can sign in yet, a fresh one-time token (replacing any earlier one); otherwise
/// `None`.
pub async fn prepare(db: &DatabaseConnection) -> Result<Option<String>, AppError> {
    if users::count(db).await? > 0 {
        return Ok(None);
    }
    let token = secrets::random_hex(24)?;
    service::put_value(db, SETUP_TOKEN, &secrets::digest(&token)).await?;
    Ok(Some(token))
}

/// Checks that setup is still open and `token` is the current one.
pub async fn check(db: &impl sea_orm::ConnectionTrait, token: &str) -> Result<(), AppError> {
    if users::count(db).await? > 0 {
        return Err(AppError::NotFound(Msg::new("setup.done")));
    }
    let stored = service::get_value(db, SETUP_TOKEN)
        .await?
        .unwrap_or_default();
    if stored.is_empty() || !secrets::same(&stored, &secrets::digest(token.trim())) {
        return Err(AppError::Forbidden(Msg::new("setup.bad_token")));
    }
    Ok(())
}

/// Creates the first administrator and signs them in. The token is spent.
pub async fn complete(
    db: &DatabaseConnection,
    token: &str,
    mut input: NewUser,
    address: Option<&str>,
) -> Result<NewSession, AppError> {
    check(db, token).await?;
    input.role = Role::Admin.as_str().to_owned();
    let valid = input.validate()?;
    let hash = password::hash(valid.password.clone()).await?;
    let txn = db::begin_write(db).await?;
    // Checked again inside the write lock: two people opening the link at once get one admin.
    check(&txn, token).await?;
    let actor = Actor::anonymous(address.map(str::to_owned));
    let view = users::insert(&txn, &actor, &valid, hash).await?;
    service::delete_value(&txn, SETUP_TOKEN).await?;
    let row = users::get(&txn, view.id).await?;
    let session = sessions::open(&txn, &row, address).await?;
    let event = Event::new("setup", "user", view.id);
    let actor = Actor {
        user_id: Some(view.id),
        name: view.username.clone(),
        address: address.map(str::to_owned),
    };
    audit::record(&txn, &actor, event).await?;
    txn.commit().await?;
    tracing::info!(user = view.username, at = %Utc::now(), "first administrator created");
    Ok(session)
}
