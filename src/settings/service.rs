//! Reading and changing the settings. Values live as key/value rows so later settings need no
//! migration; this service gives each key its type and its rules.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use super::domain::{Jurisdiction, JurisdictionInput, Settings, Timezone};
use super::lists::{self, ListKind};
use crate::audit::edit::Edit;
use crate::audit::{self, Actor, Changes, Event};
use crate::entities::setting;
use crate::error::AppError;
use crate::i18n::Msg;

const COUNTY: &str = "county";
const COUNTY_ALIASES: &str = "county_aliases";
const CASE_PREFIX: &str = "case_prefix";
const TIMEZONE: &str = "timezone";
const SECURE_COOKIES: &str = "secure_cookies";

/// The keys `ipdesk settings set` accepts.
pub const SETTABLE_KEYS: [&str; 2] = [TIMEZONE, SECURE_COOKIES];

/// The settings `ipdesk settings set` changes, by key, with their values now.
pub fn settable(settings: &Settings) -> [(&'static str, serde_json::Value); 2] {
    [
        (TIMEZONE, settings.timezone.name().into()),
        (SECURE_COOKIES, settings.secure_cookies.into()),
    ]
}

/// The county's today: the date in its time zone (a desk in Beijing passes midnight eight hours
/// before the server's UTC does).
pub async fn today(db: &impl ConnectionTrait) -> Result<chrono::NaiveDate, AppError> {
    Ok(crate::clock::today(load(db).await?.timezone))
}

/// Every setting, with defaults for those never set.
pub async fn load(db: &impl ConnectionTrait) -> Result<Settings, AppError> {
    let rows = setting::Entity::find().all(db).await?;
    let value = |key: &str| rows.iter().find(|r| r.key == key).map(|r| r.value.as_str());
    let aliases = value(COUNTY_ALIASES)
        .and_then(|raw| serde_json::from_str::<Vec<String>>(raw).ok())
        .unwrap_or_default();
    let timezone = value(TIMEZONE)
        .and_then(|name| Timezone::parse(name).ok())
        .unwrap_or_default();
    Ok(Settings {
        jurisdiction: Jurisdiction {
            county: value(COUNTY).map(str::to_owned),
            aliases,
            case_prefix: value(CASE_PREFIX).unwrap_or_default().to_owned(),
        },
        timezone,
        secure_cookies: value(SECURE_COOKIES) == Some("true"),
    })
}

/// Validates and stores the county, its aliases and the case-number prefix.
pub async fn set_jurisdiction(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: JurisdictionInput,
) -> Result<Jurisdiction, AppError> {
    set_jurisdiction_and_townships(db, actor, input, None).await
}

/// Like [`set_jurisdiction`], and when `townships` is given, makes exactly those the active
/// townships, in that order — all in one transaction.
pub async fn set_jurisdiction_and_townships(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: JurisdictionInput,
    townships: Option<Vec<String>>,
) -> Result<Jurisdiction, AppError> {
    let (jurisdiction, townships) = both(
        input.validate(),
        townships
            .map(|names| lists::validate_names(&names))
            .transpose(),
    )?;
    let edit = Edit::begin(db).await?;
    let txn = &edit.txn;
    let before = load(txn).await?.jurisdiction;
    let aliases = serde_json::to_string(&jurisdiction.aliases)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let county = jurisdiction.county.clone().unwrap_or_default();
    put(txn, COUNTY, &county).await?;
    put(txn, COUNTY_ALIASES, &aliases).await?;
    put(txn, CASE_PREFIX, &jurisdiction.case_prefix).await?;
    let changes = Changes::diff(&before, &jurisdiction);
    audit::record(
        txn,
        actor,
        Event::new("update", "settings", "jurisdiction").with(changes),
    )
    .await?;
    if let Some(names) = townships {
        lists::replace_active(txn, actor, ListKind::Townships, &names).await?;
    }
    edit.finish().await?;
    Ok(jurisdiction)
}

/// Validates and stores the time zone that decides "today".
pub async fn set_timezone(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    raw: &str,
) -> Result<Timezone, AppError> {
    let timezone = Timezone::parse(raw)?;
    let edit = Edit::begin(db).await?;
    let txn = &edit.txn;
    let before = load(txn).await?.timezone;
    put(txn, TIMEZONE, timezone.name()).await?;
    let changes = Changes::new().field("timezone", before.name(), timezone.name());
    audit::record(
        txn,
        actor,
        Event::new("update", "settings", TIMEZONE).with(changes),
    )
    .await?;
    edit.finish().await?;
    Ok(timezone)
}

/// Turns the Secure flag of the session cookie on or off (on behind HTTPS).
pub async fn set_secure_cookies(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    on: bool,
) -> Result<bool, AppError> {
    let edit = Edit::begin(db).await?;
    let txn = &edit.txn;
    let before = load(txn).await?.secure_cookies;
    put(txn, SECURE_COOKIES, if on { "true" } else { "false" }).await?;
    let changes = Changes::new().field(SECURE_COOKIES, before, on);
    audit::record(
        txn,
        actor,
        Event::new("update", "settings", SECURE_COOKIES).with(changes),
    )
    .await?;
    edit.finish().await?;
    Ok(on)
}

/// Sets one setting by name, as `ipdesk settings set KEY VALUE` does.
pub async fn set_by_key(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    key: &str,
    value: &str,
) -> Result<String, AppError> {
    match key {
        TIMEZONE => Ok(set_timezone(db, actor, value).await?.name().to_owned()),
        SECURE_COOKIES => {
            let on = parse_switch(value)?;
            Ok(set_secure_cookies(db, actor, on).await?.to_string())
        }
        _ => Err(AppError::BadRequest(
            Msg::new("settings.unknown_key")
                .arg("key", key)
                .list_arg("keys", SETTABLE_KEYS),
        )),
    }
}

/// `true`/`false`, `on`/`off`, `yes`/`no`, `1`/`0`.
fn parse_switch(raw: &str) -> Result<bool, AppError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "1" => Ok(true),
        "false" | "off" | "no" | "0" => Ok(false),
        _ => Err(crate::error::field_error(
            "value",
            Msg::new("settings.bad_switch").arg("value", raw),
        )),
    }
}

/// Both results, or every field problem of either.
fn both<A, B>(a: Result<A, AppError>, b: Result<B, AppError>) -> Result<(A, B), AppError> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(AppError::Validation(mut first)), Err(AppError::Validation(second))) => {
            first.merge(second);
            Err(AppError::Validation(first))
        }
        (Err(error), _) | (_, Err(error)) => Err(error),
    }
}

/// A raw stored value, for settings other modules keep (the setup token).
pub async fn get_value(db: &impl ConnectionTrait, key: &str) -> Result<Option<String>, AppError> {
    Ok(setting::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
        .map(|row| row.value))
}

/// Stores a raw value.
pub async fn put_value(db: &impl ConnectionTrait, key: &str, value: &str) -> Result<(), AppError> {
    put(db, key, value).await
}

/// Removes a raw value.
pub async fn delete_value(db: &impl ConnectionTrait, key: &str) -> Result<(), AppError> {
    setting::Entity::delete_by_id(key.to_owned())
        .exec(db)
        .await?;
    Ok(())
}

async fn put(db: &impl ConnectionTrait, key: &str, value: &str) -> Result<(), AppError> {
    let row = setting::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value.to_owned()),
        updated_at: Set(chrono::Utc::now()),
    };
    setting::Entity::insert(row)
        .on_conflict(
            OnConflict::column(setting::Column::Key)
                .update_columns([setting::Column::Value, setting::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}
