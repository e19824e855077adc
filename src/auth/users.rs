//! Users: creating them, changing roles and passwords, disabling and enabling. Disabling ends the
//! person's sessions at once; their API tokens stop working because every lookup checks `active`.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use super::domain::{NewUser, Role, ValidUser, check_password, optional_text, parse_username};
use super::password;
use crate::audit::edit::Edit;
use crate::audit::{self, Actor, Changes, Event};
use crate::db;
use crate::entities::{login_attempt, login_lockout, session, user};
use crate::error::{AppError, FieldErrors, field_error};
use crate::i18n::Msg;

/// A user as pages, the API and the audit log show them: never the password hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub real_name: String,
    pub role: Role,
    pub certificate_number: Option<String>,
    pub active: bool,
    pub version: i32,
}

impl UserView {
    /// How a list to choose a person from names them: “王明（wang）”, “Wang Ming (wang)”; a user
    /// given no real name (it defaults to the username) by the username alone.
    pub fn label(&self, lang: crate::i18n::Lang) -> String {
        if self.real_name == self.username {
            return self.username.clone();
        }
        let username = crate::i18n::Msg::new("common.aside").arg("text", &self.username);
        format!("{}{}", self.real_name, username.render(lang))
    }
}

impl From<&user::Model> for UserView {
    fn from(row: &user::Model) -> UserView {
        UserView {
            id: row.id,
            username: row.username.clone(),
            real_name: row.real_name.clone(),
            role: row.role,
            certificate_number: row.certificate_number.clone(),
            active: row.active,
            version: row.version,
        }
    }
}

/// A change to a user: any of the fields, checked against `version`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct UserChange {
    pub version: i32,
    /// The username as the user's answer gives it. It cannot change (sessions, the audit log
    /// and case officers name people by it): another one is refused, not ignored.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub real_name: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub certificate_number: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub password: Option<String>,
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, AppError> {
    Ok(user::Entity::find().count(db).await?)
}

/// Everyone, in username order.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<UserView>, AppError> {
    let rows = user::Entity::find()
        .order_by_asc(user::Column::Username)
        .all(db)
        .await?;
    Ok(rows.iter().map(UserView::from).collect())
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<user::Model, AppError> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("users.not_found")))
}

/// A user by username (as typed: cleaned and lower-cased).
pub async fn find(db: &impl ConnectionTrait, raw: &str) -> Result<user::Model, AppError> {
    let name = parse_username(raw).unwrap_or_default();
    user::Entity::find()
        .filter(user::Column::Username.eq(name.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("users.not_found_by_name").arg("name", &name)))
}

/// The id of the user `raw` names: by username, as people know them, or by the number the API
/// and the JSON give.
pub async fn id_of(db: &impl ConnectionTrait, raw: &str) -> Result<i64, AppError> {
    match find(db, raw).await {
        Ok(found) => Ok(found.id),
        Err(not_found) => raw.trim().parse().map_err(|_| not_found),
    }
}

/// Users among these officers, username → real name.
pub async fn real_names(
    db: &impl ConnectionTrait,
    officers: &[String],
) -> Result<HashMap<String, String>, AppError> {
    if officers.is_empty() {
        return Ok(HashMap::new());
    }
    let users: Vec<(String, String)> = user::Entity::find()
        .select_only()
        .column(user::Column::Username)
        .column(user::Column::RealName)
        .filter(user::Column::Username.is_in(officers.iter().map(String::as_str)))
        .into_tuple()
        .all(db)
        .await?;
    Ok(users.into_iter().collect())
}

/// The real names of these users, by id (a user with no real name is left out).
pub async fn names_by_id(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>, AppError> {
    let ids: HashSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let users: Vec<(i64, String)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::RealName)
        .filter(user::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(users
        .into_iter()
        .filter(|(_, name)| !name.trim().is_empty())
        .collect())
}

/// The officers as stored: a user named by username or real name is kept as the username (so
/// that renaming a user renames them everywhere); anyone else by the name given.
pub async fn officer_keys(
    db: &impl ConnectionTrait,
    names: &[String],
) -> Result<Vec<String>, AppError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let users: Vec<(String, String)> = user::Entity::find()
        .select_only()
        .column(user::Column::Username)
        .column(user::Column::RealName)
        .filter(
            sea_orm::Condition::any()
                .add(user::Column::Username.is_in(names.iter().map(String::as_str)))
                .add(user::Column::RealName.is_in(names.iter().map(String::as_str))),
        )
        .into_tuple()
        .all(db)
        .await?;
    let mut keys: Vec<String> = Vec::new();
    for name in names {
        let key = users
            .iter()
            .find(|(username, _)| username == name)
            .or_else(|| users.iter().find(|(_, real)| real == name))
            .map_or_else(|| name.clone(), |(username, _)| username.clone());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    Ok(keys)
}

/// How many of these usernames are users holding an enforcement certificate.
pub async fn certified(db: &impl ConnectionTrait, usernames: &[String]) -> Result<usize, AppError> {
    if usernames.is_empty() {
        return Ok(0);
    }
    let found = user::Entity::find()
        .filter(user::Column::Username.is_in(usernames.iter().map(String::as_str)))
        .filter(user::Column::CertificateNumber.is_not_null())
        .filter(user::Column::CertificateNumber.ne(""))
        .count(db)
        .await?;
    Ok(usize::try_from(found).unwrap_or(usize::MAX))
}

/// Creates a user after checking every rule; the username must be free.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewUser,
) -> Result<UserView, AppError> {
    let valid = input.validate()?;
    let hash = password::hash(valid.password.clone()).await?;
    let txn = db::begin_write(db).await?;
    let view = insert(&txn, actor, &valid, hash).await?;
    txn.commit().await?;
    Ok(view)
}

/// Inserts a validated user within the caller's transaction.
pub async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor,
    valid: &ValidUser,
    password_hash: String,
) -> Result<UserView, AppError> {
    let taken = user::Entity::find()
        .filter(user::Column::Username.eq(valid.username.as_str()))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(field_error(
            "username",
            Msg::new("users.username.taken").arg("name", &valid.username),
        ));
    }
    let now = Utc::now();
    let row = user::ActiveModel {
        username: Set(valid.username.clone()),
        real_name: Set(valid.real_name.clone()),
        role: Set(valid.role),
        certificate_number: Set(valid.certificate_number.clone()),
        password_hash: Set(password_hash),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        archived_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let view = UserView::from(&row);
    audit::record(
        db,
        actor,
        Event::new("create", "user", row.id).with(Changes::created(&view)),
    )
    .await?;
    Ok(view)
}

/// Applies a change to a user. An admin cannot take away their own admin role or disable
/// themselves, so the desk never ends up without an administrator by accident.
pub async fn change(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    change: UserChange,
) -> Result<UserView, AppError> {
    let username = get(db, id).await?.username;
    let valid = ValidChange::of(&change, &username)?;
    // Hashing takes a while: do it before taking the write lock.
    let new_hash = match &change.password {
        Some(password) => Some(password::hash(password.clone()).await?),
        None => None,
    };
    let edit = Edit::begin(db).await?;
    let txn = &edit.txn;
    let row = get(txn, id).await?;
    if row.version != change.version {
        return Err(AppError::Conflict(
            Msg::new("users.changed_by_someone_else").arg("name", &row.username),
        ));
    }
    if actor.user_id == Some(id)
        && (valid.role.is_some_and(|r| r != Role::Admin) || change.active == Some(false))
    {
        return Err(AppError::Conflict(Msg::new("users.cannot_demote_self")));
    }
    let before = UserView::from(&row);
    let password_changed = new_hash.is_some();
    let row = valid
        .applied(row, change.active, new_hash)
        .update(txn)
        .await?;
    let mut after = UserView::from(&row);
    let mut changes = Changes::diff(&before, &after);
    if password_changed {
        // The fact, never the value.
        changes = changes.field("password", "", "changed");
    }
    audit::record(txn, actor, Event::new("update", "user", id).with(changes)).await?;
    if !row.active || password_changed {
        end_sessions(txn, id).await?;
    }
    edit.finish_at(&mut after.version, change.version).await?;
    Ok(after)
}

/// A user's change with every field checked; `None` leaves a field as it is.
struct ValidChange {
    role: Option<Role>,
    /// `Some(None)`: the real name cleared (the username stands for it).
    real_name: Option<Option<String>>,
    certificate: Option<Option<String>>,
}

impl ValidChange {
    /// Every mistake at once, each on its field.
    fn of(change: &UserChange, username: &str) -> Result<ValidChange, AppError> {
        let mut errors = FieldErrors::new();
        let role = change.role.as_deref().and_then(|raw| {
            Role::parse_input(raw)
                .map_err(|e| merge(&mut errors, e))
                .ok()
        });
        let real_name = change
            .real_name
            .as_deref()
            .map(|raw| optional_text(raw, 32, "real_name", &mut errors));
        let certificate = change
            .certificate_number
            .as_deref()
            .map(|raw| optional_text(raw, 32, "certificate_number", &mut errors));
        if let Some(password) = &change.password
            && let Err(msg) = check_password(password, None, username)
        {
            errors.add("password", msg);
        }
        if change
            .username
            .as_deref()
            .is_some_and(|given| given.trim() != username)
        {
            errors.add(
                "username",
                Msg::new("users.username_fixed").arg("name", username),
            );
        }
        errors.into_result()?;
        Ok(ValidChange {
            role,
            real_name,
            certificate,
        })
    }

    /// The row with the change made, its version moved on.
    fn applied(
        self,
        row: user::Model,
        active_flag: Option<bool>,
        new_hash: Option<String>,
    ) -> user::ActiveModel {
        let username = row.username.clone();
        let version = row.version;
        let mut active = row.into_active_model();
        if let Some(role) = self.role {
            active.role = Set(role);
        }
        if let Some(real_name) = self.real_name {
            active.real_name = Set(real_name.unwrap_or(username));
        }
        if let Some(certificate) = self.certificate {
            active.certificate_number = Set(certificate);
        }
        if let Some(flag) = active_flag {
            active.active = Set(flag);
        }
        if let Some(hash) = new_hash {
            active.password_hash = Set(hash);
        }
        active.version = Set(version + 1);
        active.updated_at = Set(Utc::now());
        active
    }
}

fn merge(errors: &mut FieldErrors, error: AppError) {
    if let AppError::Validation(fields) = error {
        errors.merge(fields);
    }
}

/// Ends every session of a user (disabled, or their password was reset).
pub async fn end_sessions(db: &impl ConnectionTrait, user_id: i64) -> Result<(), AppError> {
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Clears the sign-in lockouts and failed attempts recorded for a username.
pub async fn unlock(db: &DatabaseConnection, actor: &Actor, raw: &str) -> Result<u64, AppError> {
    let row = find(db, raw).await?;
    let txn = db::begin_write(db).await?;
    let cleared = login_lockout::Entity::delete_many()
        .filter(login_lockout::Column::Username.eq(row.username.as_str()))
        .exec(&txn)
        .await?
        .rows_affected;
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::Username.eq(row.username.as_str()))
        .filter(login_attempt::Column::Succeeded.eq(false))
        .exec(&txn)
        .await?;
    let changes = Changes::new().field("lockouts", cleared, 0);
    audit::record(
        &txn,
        actor,
        Event::new("unlock", "user", row.id).with(changes),
    )
    .await?;
    txn.commit().await?;
    Ok(cleared)
}

/// Changes one's own password after checking the current one; other sessions end, this one stays.
pub async fn change_own_password(
    db: &DatabaseConnection,
    actor: &Actor,
    current: &str,
    new: &str,
    confirmation: &str,
    keep_session: &str,
) -> Result<(), AppError> {
    let Some(id) = actor.user_id else {
        return Err(AppError::Unauthorized);
    };
    let row = get(db, id).await?;
    if !password::verify(current.to_owned(), Some(row.password_hash.clone())).await {
        return Err(field_error(
            "current",
            Msg::new("auth.password.current_wrong"),
        ));
    }
    if let Err(msg) = check_password(new, Some(confirmation), &row.username) {
        let field = if msg.key == "users.password.mismatch" {
            "password_confirmation"
        } else {
            "password"
        };
        return Err(field_error(field, msg));
    }
    let hash = password::hash(new.to_owned()).await?;
    let txn = db::begin_write(db).await?;
    user::Entity::update_many()
        .col_expr(
            user::Column::PasswordHash,
            sea_orm::sea_query::Expr::value(hash),
        )
        .col_expr(
            user::Column::Version,
            sea_orm::sea_query::Expr::value(row.version + 1),
        )
        .col_expr(
            user::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(user::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    super::sessions::end_others(&txn, id, keep_session).await?;
    let changes = Changes::new().field("password", "", "changed");
    audit::record(
        &txn,
        actor,
        Event::new("change_password", "user", id).with(changes),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn a_person_is_named_by_real_name_and_username_in_the_language_s_brackets() {
        let user = |username: &str, real_name: &str| UserView {
            id: 1,
            username: username.to_owned(),
            real_name: real_name.to_owned(),
            role: Role::Officer,
            certificate_number: None,
            active: true,
            version: 1,
        };
        for (username, real_name, lang, label) in [
            ("wang", "王明", Lang::ZhCn, "王明（wang）"),
            ("wang", "Wang Ming", Lang::En, "Wang Ming (wang)"),
            ("wangwu", "wangwu", Lang::ZhCn, "wangwu"),
            ("wangwu", "wangwu", Lang::En, "wangwu"),
        ] {
            assert_eq!(user(username, real_name).label(lang), label);
        }
    }
}
