//! API tokens for scripts. A token is shown once when made; the database keeps its SHA-256 and a
//! short visible prefix. A request with `Authorization: Bearer <token>` acts with the owner's role
//! while the token is not revoked and the owner is active.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;

use super::secrets;
use super::sessions::SignedIn;
use super::users;
use crate::audit::{self, Actor, Changes, Event};
use crate::db;
use crate::entities::{api_token, user};
use crate::error::{AppError, FieldErrors};
use crate::i18n::Msg;
use crate::text;

const TOKEN_MARK: &str = "ipd_";
const VISIBLE_CHARS: usize = 8;
const MAX_LABEL_CHARS: usize = 100;

/// A token as listed: never the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenView {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub label: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TokenView {
    fn new(row: &api_token::Model, username: &str) -> TokenView {
        TokenView {
            id: row.id,
            user_id: row.user_id,
            username: username.to_owned(),
            label: row.label.clone(),
            prefix: row.prefix.clone(),
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// A token just made: the only moment its secret is known.
#[derive(Clone, Debug, Serialize)]
pub struct CreatedToken {
    pub token: String,
    #[serde(flatten)]
    pub view: TokenView,
}

/// Makes a token for the user `owner` (a username).
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    owner: &str,
    label: &str,
) -> Result<CreatedToken, AppError> {
    let label = text::clean(label);
    let mut errors = FieldErrors::new();
    if text::char_len(&label) > MAX_LABEL_CHARS {
        errors.add(
            "label",
            Msg::new("errors.validation.too_long").arg("max", MAX_LABEL_CHARS),
        );
    }
    let owner = match users::find(db, owner).await {
        Ok(owner) => Some(owner),
        Err(AppError::NotFound(msg)) => {
            errors.add("user", msg);
            None
        }
        Err(error) => return Err(error),
    };
    errors.into_result()?;
    let Some(owner) = owner else {
        return Err(AppError::NotFound(Msg::new("users.not_found")));
    };
    let token = format!("{TOKEN_MARK}{}", secrets::random_hex(32)?);
    let prefix: String = token
        .chars()
        .take(TOKEN_MARK.len() + VISIBLE_CHARS)
        .collect();
    let txn = db::begin_write(db).await?;
    let row = api_token::ActiveModel {
        user_id: Set(owner.id),
        label: Set(label),
        prefix: Set(prefix),
        token_hash: Set(secrets::digest(&token)),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view = TokenView::new(&row, &owner.username);
    audit::record(
        &txn,
        actor,
        Event::new("create", "api_token", row.id).with(Changes::created(&view)),
    )
    .await?;
    txn.commit().await?;
    Ok(CreatedToken { token, view })
}

/// Every token, newest first.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<TokenView>, AppError> {
    let rows = api_token::Entity::find()
        .find_also_related(user::Entity)
        .order_by_desc(api_token::Column::CreatedAt)
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .map(|(token, owner)| {
            TokenView::new(token, owner.as_ref().map_or("", |o| o.username.as_str()))
        })
        .collect())
}

/// Revokes a token; requests with it get 401 from now on.
pub async fn revoke(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<TokenView, AppError> {
    let txn = db::begin_write(db).await?;
    let found = api_token::Entity::find_by_id(id)
        .find_also_related(user::Entity)
        .one(&txn)
        .await?;
    let Some((row, owner)) = found else {
        return Err(AppError::NotFound(Msg::new("tokens.not_found")));
    };
    let username = owner.map(|o| o.username).unwrap_or_default();
    if row.revoked_at.is_some() {
        return Ok(TokenView::new(&row, &username));
    }
    let before = TokenView::new(&row, &username);
    let mut active = row.into_active_model();
    active.revoked_at = Set(Some(Utc::now()));
    let row = active.update(&txn).await?;
    let after = TokenView::new(&row, &username);
    audit::record(
        &txn,
        actor,
        Event::new("revoke", "api_token", id).with(Changes::diff(&before, &after)),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// The person a bearer token acts for, if it is valid, not revoked, and its owner is active.
pub async fn authenticate(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Option<SignedIn>, AppError> {
    if !token.starts_with(TOKEN_MARK) {
        return Ok(None);
    }
    let found = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(secrets::digest(token)))
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    let Some((row, Some(owner))) = found else {
        return Ok(None);
    };
    if row.revoked_at.is_some() || !owner.active {
        return Ok(None);
    }
    let now = Utc::now();
    if row
        .last_used_at
        .is_none_or(|used| now - used > chrono::Duration::minutes(1))
    {
        api_token::Entity::update_many()
            .col_expr(
                api_token::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(api_token::Column::Id.eq(row.id))
            .exec(db)
            .await?;
    }
    Ok(Some(SignedIn {
        user_id: owner.id,
        username: owner.username,
        real_name: owner.real_name,
        role: owner.role,
        csrf_token: None,
    }))
}
