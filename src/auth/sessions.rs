//! Signing in and out. A session is a database row; the browser holds its random id in a private
//! cookie, and the row holds only the id's digest. Sessions end after 8 idle hours, at sign-out,
//! and when the user is disabled. Repeated failures lock an address out for a while — recorded in
//! the database so that every instance agrees.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};

use super::domain::Role;
use super::{password, secrets};
use crate::audit::{self, Actor, Changes, Event};
use crate::db;
use crate::entities::{login_attempt, login_lockout, session, user};
use crate::error::AppError;
use crate::i18n::Msg;

pub const IDLE_LIMIT: Duration = Duration::hours(8);
pub const FAILURES_BEFORE_LOCKOUT: u64 = 5;
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
pub const LOCKOUT: Duration = Duration::minutes(15);
/// `last_seen_at` is refreshed at most this often, so reading a page rarely writes.
const TOUCH_INTERVAL: Duration = Duration::minutes(1);

/// The signed-in person behind a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIn {
    pub user_id: i64,
    pub username: String,
    pub real_name: String,
    pub role: Role,
    /// Present for browser sessions: the token every state-changing request must carry.
    pub csrf_token: Option<String>,
}

/// A new session: the raw id for the cookie, and who it belongs to.
pub struct NewSession {
    pub id: String,
    pub user: SignedIn,
}

/// Checks a username and password from `address` and opens a session. Wrong credentials are one
/// message whichever part was wrong; a locked-out address gets 429 without a check.
pub async fn sign_in(
    db: &DatabaseConnection,
    username: &str,
    password_typed: &str,
    address: &str,
) -> Result<NewSession, AppError> {
    let username =
        super::domain::parse_username(username).unwrap_or_else(|_| crate::text::clean(username));
    if is_locked_out(db, address).await? {
        return Err(AppError::TooManyRequests);
    }
    let row = user::Entity::find()
        .filter(user::Column::Username.eq(username.as_str()))
        .one(db)
        .await?;
    let hash = row.as_ref().map(|r| r.password_hash.clone());
    let matches = password::verify(password_typed.to_owned(), hash).await;
    let row = match row {
        Some(row) if matches && row.active => row,
        _ => return Err(record_failure(db, &username, address).await),
    };
    let txn = db::begin_write(db).await?;
    record_attempt(&txn, &username, address, true).await?;
    let new_session = open(&txn, &row, Some(address)).await?;
    let actor = Actor {
        user_id: Some(row.id),
        name: row.username.clone(),
        address: Some(address.to_owned()),
    };
    audit::record(&txn, &actor, Event::new("sign_in", "session", row.id)).await?;
    txn.commit().await?;
    Ok(new_session)
}

/// Opens a session for a user who has just proved who they are.
pub async fn open(
    db: &impl ConnectionTrait,
    row: &user::Model,
    address: Option<&str>,
) -> Result<NewSession, AppError> {
    let id = secrets::random_hex(32)?;
    let csrf_token = secrets::random_hex(32)?;
    let now = Utc::now();
    session::ActiveModel {
        id_hash: Set(secrets::digest(&id)),
        user_id: Set(row.id),
        csrf_token: Set(csrf_token.clone()),
        created_at: Set(now),
        last_seen_at: Set(now),
        address: Set(address.map(str::to_owned)),
    }
    .insert(db)
    .await?;
    // Abandoned sessions of anyone are cleared now and then, at sign-in.
    session::Entity::delete_many()
        .filter(session::Column::LastSeenAt.lt(now - IDLE_LIMIT))
        .exec(db)
        .await?;
    Ok(NewSession {
        id,
        user: SignedIn {
            user_id: row.id,
            username: row.username.clone(),
            real_name: row.real_name.clone(),
            role: row.role,
            csrf_token: Some(csrf_token),
        },
    })
}

async fn record_failure(db: &DatabaseConnection, username: &str, address: &str) -> AppError {
    let result = async {
        let txn = db::begin_write(db).await?;
        record_attempt(&txn, username, address, false).await?;
        let failures = login_attempt::Entity::find()
            .filter(login_attempt::Column::Username.eq(username))
            .filter(login_attempt::Column::Address.eq(address))
            .filter(login_attempt::Column::Succeeded.eq(false))
            .filter(login_attempt::Column::AttemptedAt.gt(Utc::now() - FAILURE_WINDOW))
            .count(&txn)
            .await?;
        if failures >= FAILURES_BEFORE_LOCKOUT {
            login_lockout::ActiveModel {
                address: Set(address.to_owned()),
                username: Set(username.to_owned()),
                until: Set(Utc::now() + LOCKOUT),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        let actor = Actor::anonymous(Some(address.to_owned()));
        let changes = Changes::new().field("username", None::<String>, username);
        let event = Event::without_id("sign_in_failed", "session").with(changes);
        audit::record(&txn, &actor, event).await?;
        txn.commit().await?;
        Ok::<_, AppError>(())
    }
    .await;
    match result {
        Ok(()) => AppError::Unauthorized,
        Err(error) => error,
    }
}

async fn record_attempt(
    db: &impl ConnectionTrait,
    username: &str,
    address: &str,
    succeeded: bool,
) -> Result<(), AppError> {
    login_attempt::ActiveModel {
        username: Set(username.chars().take(64).collect()),
        address: Set(address.to_owned()),
        succeeded: Set(succeeded),
        attempted_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Whether sign-ins from `address` are refused right now.
pub async fn is_locked_out(db: &impl ConnectionTrait, address: &str) -> Result<bool, AppError> {
    let active = login_lockout::Entity::find()
        .filter(login_lockout::Column::Address.eq(address))
        .filter(login_lockout::Column::Until.gt(Utc::now()))
        .count(db)
        .await?;
    Ok(active > 0)
}

/// The person behind a session id from a cookie, if the session is alive and the user active.
pub async fn lookup(db: &DatabaseConnection, raw_id: &str) -> Result<Option<SignedIn>, AppError> {
    let found = session::Entity::find_by_id(secrets::digest(raw_id))
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    let Some((session, Some(user))) = found else {
        return Ok(None);
    };
    let now = Utc::now();
    if !user.active || session.last_seen_at < now - IDLE_LIMIT {
        return Ok(None);
    }
    if now - session.last_seen_at > TOUCH_INTERVAL {
        touch(db, &session.id_hash, now).await?;
    }
    Ok(Some(SignedIn {
        user_id: user.id,
        username: user.username,
        real_name: user.real_name,
        role: user.role,
        csrf_token: Some(session.csrf_token),
    }))
}

async fn touch(db: &DatabaseConnection, id_hash: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    session::Entity::update_many()
        .col_expr(
            session::Column::LastSeenAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(session::Column::IdHash.eq(id_hash))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends a session; its cookie no longer works anywhere.
pub async fn sign_out(
    db: &DatabaseConnection,
    raw_id: &str,
    actor: &Actor,
) -> Result<(), AppError> {
    let txn = db::begin_write(db).await?;
    let deleted = session::Entity::delete_by_id(secrets::digest(raw_id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected > 0
        && let Some(user_id) = actor.user_id
    {
        audit::record(&txn, actor, Event::new("sign_out", "session", user_id)).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Ends every other session of a user, after they changed their own password.
pub async fn end_others(
    db: &impl ConnectionTrait,
    user_id: i64,
    keep_raw_id: &str,
) -> Result<(), AppError> {
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::IdHash.ne(secrets::digest(keep_raw_id)))
        .exec(db)
        .await?;
    Ok(())
}

/// The message shown for a failed sign-in.
pub fn wrong_credentials() -> Msg {
    Msg::new("auth.login.wrong")
}
