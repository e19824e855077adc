//! The audit log: who did what, when, from where, with field-level old → new values. Every write
//! records itself here in the same transaction as the change; nothing changes or deletes entries.

pub mod display;
pub mod edit;
pub mod routes;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::auth::users;
use crate::entities::audit_entry;
use crate::error::{AppError, field_error};
use crate::i18n::{Lang, Msg, t};
use crate::settings::Timezone;
use crate::web::pagination::PageRequest;

/// How the command line's actor names begin: `cli:` and the operating-system account.
const CLI_PREFIX: &str = "cli:";
/// The actor name of someone not signed in.
const ANONYMOUS: &str = "anonymous";

/// Who acts: a signed-in person, an API token's owner, or the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    /// Username, or `cli:<system user>` for the command line.
    pub name: String,
    pub address: Option<String>,
}

impl Actor {
    /// The command line, named after the operating-system account that ran it.
    pub fn cli() -> Actor {
        // Services and cron jobs often run without USER; the system still knows the account.
        let account = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .or_else(|_| std::env::var("USERNAME"))
            .ok()
            .or_else(|| whoami::username().ok())
            .unwrap_or_else(|| "unknown".to_owned());
        Actor {
            user_id: None,
            name: format!("{CLI_PREFIX}{account}"),
            address: None,
        }
    }

    /// Someone not signed in (a failed sign-in, the first-run setup).
    pub fn anonymous(address: Option<String>) -> Actor {
        Actor {
            user_id: None,
            name: ANONYMOUS.to_owned(),
            address,
        }
    }
}

/// An actor's stored name as a page says it: a user by their username, the command line as
/// “命令行（root）”, someone not signed in as such. The log, the API and the exports keep the
/// stored name, which scripts filter on.
pub fn actor_words(name: &str, lang: Lang) -> String {
    if let Some(account) = name.strip_prefix(CLI_PREFIX) {
        return Msg::new("audit.actor.cli")
            .arg("account", account)
            .render(lang);
    }
    if name == ANONYMOUS {
        return t(lang, "audit.actor.anonymous");
    }
    name.to_owned()
}

/// Field-level changes: field → {old, new}. Fields whose value did not change are left out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes(Map<String, Value>);

impl Changes {
    pub fn new() -> Changes {
        Changes::default()
    }

    /// Records one field, unless old and new are equal.
    pub fn field(mut self, name: &str, old: impl Serialize, new: impl Serialize) -> Changes {
        let old = serde_json::to_value(old).unwrap_or(Value::Null);
        let new = serde_json::to_value(new).unwrap_or(Value::Null);
        if old != new {
            let mut pair = Map::new();
            pair.insert("old".into(), old);
            pair.insert("new".into(), new);
            self.0.insert(name.to_owned(), Value::Object(pair));
        }
        self
    }

    /// Every field that differs between two serialisable records (objects).
    pub fn diff(before: &impl Serialize, after: &impl Serialize) -> Changes {
        let before = object(before);
        let after = object(after);
        let mut changes = Changes::new();
        let names: std::collections::BTreeSet<&String> =
            before.keys().chain(after.keys()).collect();
        for name in names {
            let old = before.get(name).cloned().unwrap_or(Value::Null);
            let new = after.get(name).cloned().unwrap_or(Value::Null);
            changes = changes.field(name, old, new);
        }
        changes
    }

    /// Every field of a new record, from nothing.
    pub fn created(after: &impl Serialize) -> Changes {
        Changes::diff(&Value::Null, after)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The stored JSON: `{"field": {"old": …, "new": …}}`.
    pub fn to_json(&self) -> String {
        Value::Object(self.0.clone()).to_string()
    }
}

fn object(value: &impl Serialize) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// What happened, to which record.
pub struct Event<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub changes: Changes,
}

impl<'a> Event<'a> {
    pub fn new(action: &'a str, entity: &'a str, entity_id: impl ToString) -> Event<'a> {
        Event {
            action,
            entity,
            entity_id: Some(entity_id.to_string()),
            changes: Changes::new(),
        }
    }

    /// An event about no single record (a failed sign-in).
    pub fn without_id(action: &'a str, entity: &'a str) -> Event<'a> {
        Event {
            action,
            entity,
            entity_id: None,
            changes: Changes::new(),
        }
    }

    pub fn with(mut self, changes: Changes) -> Event<'a> {
        self.changes = changes;
        self
    }
}

/// Records an event. Call it with the transaction that makes the change, so both or neither stay.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    event: Event<'_>,
) -> Result<(), AppError> {
    let row = entry(actor, event, Utc::now());
    audit_entry::Entity::insert(row).exec(db).await?;
    Ok(())
}

/// The audit log's row of `event`, done by `actor` at `at`.
fn entry(actor: &Actor, event: Event<'_>, at: DateTime<Utc>) -> audit_entry::ActiveModel {
    audit_entry::ActiveModel {
        at: Set(at),
        user_id: Set(actor.user_id),
        actor: Set(actor.name.chars().take(100).collect()),
        action: Set(event.action.to_owned()),
        entity: Set(event.entity.to_owned()),
        entity_id: Set(event.entity_id),
        changes: Set(event.changes.to_json()),
        address: Set(actor.address.clone()),
        ..Default::default()
    }
}

/// Records many events at once, in statements of many rows: for a change of thousands of
/// records (townships filled in across a province's enterprises). Call it with the transaction
/// that makes the changes.
pub async fn record_all<'a>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    events: impl IntoIterator<Item = Event<'a>>,
) -> Result<(), AppError> {
    let at = Utc::now();
    let mut rows = events.into_iter().map(|event| entry(actor, event, at));
    loop {
        // Eight columns a row: well under either database's limit of parameters.
        let some: Vec<audit_entry::ActiveModel> = rows.by_ref().take(1000).collect();
        if some.is_empty() {
            return Ok(());
        }
        audit_entry::Entity::insert_many(some)
            .exec_without_returning(db)
            .await?;
    }
}

/// What the audit page and API filter by. Dates are days in the configured time zone.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub user_id: Option<i64>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The filter as typed on the page, in the API's query or on the command line: `user` a username
/// or an id, `id` a record's id within `entity`, the days in any common spelling.
#[derive(Clone, Copy, Debug, Default)]
pub struct AskedFilter<'a> {
    pub user: Option<&'a str>,
    pub entity: Option<&'a str>,
    pub id: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

impl Filter {
    /// The filter asked for, each value read or refused on its field (a blank one is no filter):
    /// a value left out when it cannot be read would show the whole log as if it were the part
    /// asked for.
    pub async fn read(
        db: &impl ConnectionTrait,
        asked: AskedFilter<'_>,
    ) -> Result<Filter, AppError> {
        let filled = |raw: Option<&str>| {
            raw.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let user_id =
            match filled(asked.user) {
                Some(user) => Some(crate::auth::users::id_of(db, &user).await.map_err(
                    |error| match error {
                        AppError::NotFound(msg) => field_error("user", msg),
                        other => other,
                    },
                )?),
                None => None,
            };
        Ok(Filter {
            user_id,
            entity: filled(asked.entity).map(known_entity).transpose()?,
            entity_id: filled(asked.id),
            from: crate::dates::parse_field("from", asked.from)?,
            to: crate::dates::parse_field("to", asked.to)?,
        })
    }
}

/// An entity kind the log names, refused when it is none: a misspelt one answered an empty log,
/// as if nothing had been done to such records.
fn known_entity(entity: String) -> Result<String, AppError> {
    // The kinds are those the catalogue names, so that each is shown in words.
    let kinds: Vec<&str> = crate::i18n::CATALOG
        .keys(Lang::ZhCn)
        .filter_map(|key| key.strip_prefix("audit.entity."))
        .collect();
    if kinds.contains(&entity.as_str()) {
        return Ok(entity);
    }
    let msg = Msg::new("audit.unknown_entity")
        .arg("value", &entity)
        .choices_arg("choices", kinds);
    Err(field_error("entity", msg))
}

/// One entry as shown.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub actor: String,
    /// The user's real name, when a user did it (the pages say it; `actor` is what is stored).
    pub actor_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub changes: Value,
    pub address: Option<String>,
}

impl From<audit_entry::Model> for Entry {
    fn from(row: audit_entry::Model) -> Entry {
        Entry {
            id: row.id,
            at: row.at,
            user_id: row.user_id,
            actor: row.actor,
            actor_name: None,
            action: row.action,
            entity: row.entity,
            entity_id: row.entity_id,
            changes: serde_json::from_str(&row.changes).unwrap_or(Value::Null),
            address: row.address,
        }
    }
}

/// The start of `day` in `timezone`, as a UTC instant.
fn day_start(day: NaiveDate, timezone: Timezone) -> Option<DateTime<Utc>> {
    day.and_hms_opt(0, 0, 0)?
        .and_local_timezone(timezone.0)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Entries matching `filter`, newest first, one page of them, and how many match in all.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    page: PageRequest,
    timezone: Timezone,
) -> Result<(Vec<Entry>, u64), AppError> {
    let mut query = audit_entry::Entity::find();
    if let Some(user_id) = filter.user_id {
        query = query.filter(audit_entry::Column::UserId.eq(user_id));
    }
    if let Some(entity) = &filter.entity {
        query = query.filter(audit_entry::Column::Entity.eq(entity.as_str()));
    }
    if let Some(entity_id) = &filter.entity_id {
        query = query.filter(audit_entry::Column::EntityId.eq(entity_id.as_str()));
    }
    if let Some(start) = filter.from.and_then(|d| day_start(d, timezone)) {
        query = query.filter(audit_entry::Column::At.gte(start));
    }
    if let Some(end) = filter
        .to
        .and_then(|d| d.succ_opt())
        .and_then(|d| day_start(d, timezone))
    {
        query = query.filter(audit_entry::Column::At.lt(end));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(audit_entry::Column::At)
        .order_by_desc(audit_entry::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    let names = users::names_by_id(db, rows.iter().filter_map(|r| r.user_id)).await?;
    let entries = rows
        .into_iter()
        .map(|row| {
            let name = row.user_id.and_then(|id| names.get(&id).cloned());
            Entry {
                actor_name: name,
                ..Entry::from(row)
            }
        })
        .collect();
    Ok((entries, total))
}

/// A record's history, newest first (the last 200 entries).
pub async fn history(
    db: &impl ConnectionTrait,
    entity: &str,
    id: i64,
    timezone: Timezone,
) -> Result<Vec<Entry>, AppError> {
    let filter = Filter {
        entity: Some(entity.to_owned()),
        entity_id: Some(id.to_string()),
        ..Filter::default()
    };
    Ok(
        list(db, &filter, PageRequest::new(None, Some(200)), timezone)
            .await?
            .0,
    )
}

/// The changes others made to a record after the version a person saw: what a stale form shows.
pub async fn changes_since(
    db: &impl ConnectionTrait,
    entity: &str,
    id: i64,
    version: i32,
    timezone: Timezone,
) -> Result<Vec<Entry>, AppError> {
    let entries = history(db, entity, id, timezone).await?;
    Ok(entries
        .into_iter()
        .filter(|e| {
            e.changes
                .get("version")
                .and_then(|v| v.get("new"))
                .and_then(Value::as_i64)
                .is_some_and(|new| new > i64::from(version))
        })
        .collect())
}

/// The entities that appear in the log, for the filter's list.
pub async fn entities(db: &impl ConnectionTrait) -> Result<Vec<String>, AppError> {
    let names: Vec<String> = audit_entry::Entity::find()
        .select_only()
        .column(audit_entry::Column::Entity)
        .distinct()
        .order_by_asc(audit_entry::Column::Entity)
        .into_tuple()
        .all(db)
        .await?;
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn actors_read_as_words_and_users_as_their_names() {
        for (stored, lang, words) in [
            ("cli:root", Lang::ZhCn, "命令行（root）"),
            ("cli:ipdesk", Lang::En, "command line (ipdesk)"),
            ("anonymous", Lang::ZhCn, "未登录的访客"),
            ("anonymous", Lang::En, "not signed in"),
            ("zhang", Lang::ZhCn, "zhang"),
            ("client.admin", Lang::En, "client.admin"),
        ] {
            assert_eq!(actor_words(stored, lang), words, "{stored}");
        }
        assert_eq!(Actor::anonymous(None).name, "anonymous");
        assert!(Actor::cli().name.starts_with("cli:"));
    }

    #[test]
    fn diffs_keep_only_what_changed() {
        let before = json!({"name": "茅坪镇", "position": 1, "version": 1});
        let after = json!({"name": "茅坪", "position": 1, "version": 2});
        let changes = Changes::diff(&before, &after);
        assert_eq!(
            changes.to_json(),
            json!({"name": {"old": "茅坪镇", "new": "茅坪"}, "version": {"old": 1, "new": 2}})
                .to_string()
        );
        assert!(Changes::diff(&before, &before).is_empty());
    }

    #[test]
    fn created_records_start_from_nothing() {
        let changes = Changes::created(&json!({"name": "公安局"}));
        assert_eq!(
            changes.to_json(),
            json!({"name": {"old": null, "new": "公安局"}}).to_string()
        );
    }

    #[test]
    fn days_start_at_local_midnight() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let start = day_start(day, Timezone::default()).unwrap();
        assert_eq!(start.to_rfc3339(), "2026-11-27T16:00:00+00:00");
    }
}
