//! Townships and partner agencies: ordered lists of unique names that can be archived and
//! restored. Both follow the same rules, so one service serves both, told apart by [`ListKind`].

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult};
use serde::{Deserialize, Serialize};

use super::domain::{MAX_NAME_CHARS, too_long};
use crate::audit::edit::Edit;
use crate::audit::{self, Actor, Changes, Event};
use crate::db;
use crate::error::{AppError, FieldErrors, field_error};
use crate::i18n::Msg;
use crate::text;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    Townships,
    Agencies,
}

impl ListKind {
    pub const ALL: [ListKind; 2] = [ListKind::Townships, ListKind::Agencies];

    /// The table, the URL segment and the locale section share this name.
    pub fn slug(self) -> &'static str {
        match self {
            ListKind::Townships => "townships",
            ListKind::Agencies => "agencies",
        }
    }

    pub fn parse(raw: &str) -> Option<ListKind> {
        ListKind::ALL.into_iter().find(|kind| kind.slug() == raw)
    }

    /// The name of one item in the audit log.
    pub fn entity(self) -> &'static str {
        match self {
            ListKind::Townships => "township",
            ListKind::Agencies => "agency",
        }
    }

    /// A message of this list's locale section.
    pub fn msg(self, name: &str) -> Msg {
        Msg::new(format!("{}.{name}", self.slug()))
    }
}

/// The list and record a URL names; anything unknown or malformed is a 404.
pub fn target_from_path(slug: &str, id: &str) -> Result<(ListKind, i64), AppError> {
    let kind = kind_from_slug(slug)?;
    let id = id
        .parse()
        .map_err(|_| AppError::NotFound(kind.msg("not_found")))?;
    Ok((kind, id))
}

/// The list a URL segment names; an unknown one is a 404 (a failed parameter guard would be 422).
pub fn kind_from_slug(slug: &str) -> Result<ListKind, AppError> {
    ListKind::parse(slug).ok_or_else(AppError::no_such_address)
}

/// One township or agency as pages and the API show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromQueryResult)]
pub struct ListItem {
    pub id: i64,
    pub name: String,
    pub position: i32,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

impl ListItem {
    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// A change to one item, as the API's PATCH sends it. `version` must match the stored one.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ItemChange {
    pub version: i32,
    #[serde(default)]
    pub name: Option<String>,
    /// Zero-based place among the active items.
    #[serde(default)]
    pub position: Option<usize>,
    /// Places to move among the active items: -1 is one up, 1 one down.
    #[serde(default)]
    pub shift: Option<i32>,
    #[serde(default)]
    pub archived: Option<bool>,
}

/// One thing a person does to an item, from a button, a CLI command or an API field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemAction {
    Rename(String),
    /// Places to move among the active items: -1 is one up.
    Shift(i32),
    /// Zero-based place among the active items.
    MoveTo(usize),
    Archive,
    Restore,
}

impl ItemAction {
    /// The change this action makes to an item last seen at `version`.
    pub fn at_version(self, version: i32) -> ItemChange {
        let mut change = ItemChange {
            version,
            ..ItemChange::default()
        };
        match self {
            ItemAction::Rename(name) => change.name = Some(name),
            ItemAction::Shift(shift) => change.shift = Some(shift),
            ItemAction::MoveTo(index) => change.position = Some(index),
            ItemAction::Archive => change.archived = Some(true),
            ItemAction::Restore => change.archived = Some(false),
        }
        change
    }

    /// The locale key (under the list's section) of the message that confirms it.
    pub fn done_key(&self) -> &'static str {
        match self {
            ItemAction::Rename(_) => "renamed",
            ItemAction::Shift(_) | ItemAction::MoveTo(_) => "moved",
            ItemAction::Archive => "archived",
            ItemAction::Restore => "restored",
        }
    }
}

fn table(kind: ListKind) -> Alias {
    Alias::new(kind.slug())
}

fn select_items(kind: ListKind) -> SelectStatement {
    Query::select()
        .columns(["id", "name", "position", "version", "archived_at"].map(Alias::new))
        .from(table(kind))
        .to_owned()
}

/// Active items in their order, then (when asked) archived ones by name.
pub async fn list(
    db: &impl ConnectionTrait,
    kind: ListKind,
    include_archived: bool,
) -> Result<Vec<ListItem>, AppError> {
    let mut select = select_items(kind);
    if !include_archived {
        select.and_where(Expr::col(Alias::new("archived_at")).is_null());
    }
    select
        .order_by_expr(
            Expr::col(Alias::new("archived_at")).is_not_null(),
            Order::Asc,
        )
        .order_by(Alias::new("position"), Order::Asc)
        .order_by(Alias::new("name"), Order::Asc);
    let rows = db.query_all(&select).await?;
    rows.iter()
        .map(|row| ListItem::from_query_result(row, "").map_err(AppError::from))
        .collect()
}

/// Every item's name by its id, archived ones too: how records that keep an id show its name.
pub async fn names_by_id(
    db: &impl ConnectionTrait,
    kind: ListKind,
) -> Result<std::collections::HashMap<i64, String>, AppError> {
    Ok(list(db, kind, true)
        .await?
        .into_iter()
        .map(|item| (item.id, item.name))
        .collect())
}

/// One item by id.
pub async fn get(db: &impl ConnectionTrait, kind: ListKind, id: i64) -> Result<ListItem, AppError> {
    let mut select = select_items(kind);
    select.and_where(Expr::col(Alias::new("id")).eq(id));
    let row = db.query_one(&select).await?;
    match row {
        Some(row) => Ok(ListItem::from_query_result(&row, "")?),
        None => Err(AppError::NotFound(kind.msg("not_found"))),
    }
}

/// Cleans and checks a list of names given at once (the CLI's `--townships`).
pub fn validate_names(raw: &[String]) -> Result<Vec<String>, AppError> {
    let mut names: Vec<String> = Vec::new();
    let mut errors = FieldErrors::new();
    for name in raw.iter().flat_map(|n| text::split_list(n)) {
        if text::char_len(&name) > MAX_NAME_CHARS {
            errors.add("townships", too_long(MAX_NAME_CHARS));
        } else if names.contains(&name) {
            errors.add(
                "townships",
                Msg::new("townships.duplicate_in_list").arg("name", &name),
            );
        } else {
            names.push(name);
        }
    }
    errors.into_result()?;
    Ok(names)
}

fn clean_name(kind: ListKind, raw: &str) -> Result<String, AppError> {
    let name = text::clean(raw);
    if name.is_empty() {
        return Err(field_error("name", kind.msg("name_required")));
    }
    if text::char_len(&name) > MAX_NAME_CHARS {
        return Err(field_error("name", too_long(MAX_NAME_CHARS)));
    }
    Ok(name)
}

async fn find_by_name(
    db: &impl ConnectionTrait,
    kind: ListKind,
    name: &str,
) -> Result<Option<ListItem>, AppError> {
    let mut select = select_items(kind);
    select.and_where(Expr::col(Alias::new("name")).eq(name));
    match db.query_one(&select).await? {
        Some(row) => Ok(Some(ListItem::from_query_result(&row, "")?)),
        None => Ok(None),
    }
}

/// One item by its name (archived ones too).
pub async fn find(
    db: &impl ConnectionTrait,
    kind: ListKind,
    raw_name: &str,
) -> Result<ListItem, AppError> {
    let name = text::clean(raw_name);
    find_by_name(db, kind, &name)
        .await?
        .ok_or_else(|| AppError::NotFound(kind.msg("not_found_by_name").arg("name", &name)))
}

/// The id of the township a record names; an unknown name is the township field's error.
pub async fn township_id(
    db: &impl ConnectionTrait,
    name: Option<&str>,
) -> Result<Option<i64>, AppError> {
    let Some(name) = name else { return Ok(None) };
    match find(db, ListKind::Townships, name).await {
        Ok(item) => Ok(Some(item.id)),
        Err(AppError::NotFound(_)) => Err(field_error(
            "township",
            Msg::new("patents.township.unknown").arg("name", name),
        )),
        Err(error) => Err(error),
    }
}

/// What a list is filtered by township, as its query names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TownshipFilter {
    /// No township asked: every record.
    Any,
    /// `-`: the records without a township.
    Without,
    /// A township of the list (archived ones too), by its id.
    Is(i64),
}

/// The township a list is filtered by. A name that is no township is the filter's error, where
/// it matched nothing and a mistyped name read as a township with no records.
pub async fn township_filter(
    db: &impl ConnectionTrait,
    raw: Option<&str>,
) -> Result<TownshipFilter, AppError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(TownshipFilter::Any),
        Some("-") => Ok(TownshipFilter::Without),
        Some(name) => match find(db, ListKind::Townships, name).await {
            Ok(item) => Ok(TownshipFilter::Is(item.id)),
            Err(AppError::NotFound(msg)) => Err(field_error("township", msg)),
            Err(error) => Err(error),
        },
    }
}

/// A form's own mistakes with an unknown township's beside them: the township is looked up in the
/// database only after the form's rules, and without this the officer would meet its mistake only
/// after fixing the others.
pub async fn with_unknown_township<T>(
    db: &impl ConnectionTrait,
    validated: Result<T, AppError>,
    township: Option<&str>,
) -> Result<T, AppError> {
    let Err(AppError::Validation(mut errors)) = validated else {
        return validated;
    };
    let name = township.map(text::clean).filter(|n| !n.is_empty());
    if let Some(name) = name
        && errors.get("township").is_none()
    {
        match township_id(db, Some(&name)).await {
            Err(AppError::Validation(unknown)) => errors.merge(unknown),
            Err(other) => return Err(other),
            Ok(_) => {}
        }
    }
    Err(AppError::Validation(errors))
}

/// Refuses a name another item already has, saying whether that one is archived.
async fn ensure_name_free(
    db: &impl ConnectionTrait,
    kind: ListKind,
    name: &str,
    except_id: Option<i64>,
) -> Result<(), AppError> {
    match find_by_name(db, kind, name).await? {
        Some(other) if Some(other.id) != except_id => {
            let key = if other.is_archived() {
                "duplicate_archived"
            } else {
                "duplicate"
            };
            Err(field_error("name", kind.msg(key).arg("name", name)))
        }
        _ => Ok(()),
    }
}

/// Adds an item at the end of the active list.
pub async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    kind: ListKind,
    raw_name: &str,
) -> Result<ListItem, AppError> {
    let name = clean_name(kind, raw_name)?;
    let txn = db::begin_write(db).await?;
    ensure_name_free(&txn, kind, &name, None).await?;
    let id = insert(&txn, kind, &name).await?;
    let item = get(&txn, kind, id).await?;
    let event = Event::new("create", kind.entity(), id).with(Changes::created(&item));
    audit::record(&txn, actor, event).await?;
    txn.commit().await?;
    Ok(item)
}

async fn insert(db: &impl ConnectionTrait, kind: ListKind, name: &str) -> Result<i64, AppError> {
    let now = Utc::now();
    let position = next_position(db, kind).await?;
    let insert = Query::insert()
        .into_table(table(kind))
        .columns(["name", "position", "version", "created_at", "updated_at"].map(Alias::new))
        .values([
            name.into(),
            position.into(),
            1.into(),
            now.into(),
            now.into(),
        ])
        .map_err(|e| AppError::Internal(e.to_string()))?
        .returning_col(Alias::new("id"))
        .to_owned();
    let row = db.query_one(&insert).await?;
    let id = row.map(|r| r.try_get::<i64>("", "id")).transpose()?;
    id.ok_or_else(|| AppError::Internal("insert returned no id".into()))
}

async fn next_position(db: &impl ConnectionTrait, kind: ListKind) -> Result<i32, AppError> {
    let select = Query::select()
        .expr_as(Expr::col(Alias::new("position")).max(), Alias::new("top"))
        .from(table(kind))
        .to_owned();
    let row = db.query_one(&select).await?;
    let top: Option<i32> = row.map(|r| r.try_get("", "top")).transpose()?.flatten();
    Ok(top.map_or(0, |p| p + 1))
}

/// Applies a change to one item: rename, move, archive or restore, checked against `version`.
pub async fn change(
    db: &DatabaseConnection,
    actor: &Actor,
    kind: ListKind,
    id: i64,
    change: ItemChange,
) -> Result<ListItem, AppError> {
    let name = change
        .name
        .as_deref()
        .map(|raw| clean_name(kind, raw))
        .transpose()?;
    let edit = Edit::begin(db).await?;
    let txn = &edit.txn;
    let item = get(txn, kind, id).await?;
    if item.version != change.version {
        return Err(AppError::Conflict(
            kind.msg("changed_by_someone_else").arg("name", &item.name),
        ));
    }
    if let Some(name) = &name {
        ensure_name_free(txn, kind, name, Some(id)).await?;
        set_column(txn, kind, id, "name", name.as_str().into()).await?;
    }
    match change.archived {
        Some(true) if !item.is_archived() => {
            set_column(txn, kind, id, "archived_at", Utc::now().into()).await?;
        }
        Some(false) if item.is_archived() => {
            let position = next_position(txn, kind).await?;
            set_column(
                txn,
                kind,
                id,
                "archived_at",
                Option::<DateTime<Utc>>::None.into(),
            )
            .await?;
            set_column(txn, kind, id, "position", position.into()).await?;
        }
        _ => {}
    }
    if let Some(index) = change.position {
        move_to(txn, kind, id, Target::Index(index)).await?;
    }
    if let Some(shift) = change.shift {
        move_to(txn, kind, id, Target::Shift(shift)).await?;
    }
    bump_version(txn, kind, id).await?;
    let mut after = get(txn, kind, id).await?;
    let action = match (item.is_archived(), after.is_archived()) {
        (false, true) => "archive",
        (true, false) => "restore",
        _ => "update",
    };
    let event = Event::new(action, kind.entity(), id).with(Changes::diff(&item, &after));
    audit::record(txn, actor, event).await?;
    edit.finish_at(&mut after.version, item.version).await?;
    Ok(after)
}

enum Target {
    Index(usize),
    Shift(i32),
}

/// Puts an active item at a new place (clamped to the list) and renumbers the others to keep
/// their order.
async fn move_to(
    db: &impl ConnectionTrait,
    kind: ListKind,
    id: i64,
    target: Target,
) -> Result<(), AppError> {
    let mut active = list(db, kind, false).await?;
    let Some(from) = active.iter().position(|item| item.id == id) else {
        return Err(AppError::Conflict(kind.msg("archived_cannot_move")));
    };
    let index = match target {
        Target::Index(index) => index,
        Target::Shift(shift) => from.saturating_add_signed(shift as isize),
    };
    let moved = active.remove(from);
    active.insert(index.min(active.len()), moved);
    renumber(db, kind, &active).await
}

async fn renumber(
    db: &impl ConnectionTrait,
    kind: ListKind,
    ordered: &[ListItem],
) -> Result<(), AppError> {
    for (position, item) in (0i32..).zip(ordered) {
        if item.position != position {
            set_column(db, kind, item.id, "position", position.into()).await?;
        }
    }
    Ok(())
}

async fn set_column(
    db: &impl ConnectionTrait,
    kind: ListKind,
    id: i64,
    column: &str,
    value: sea_orm::Value,
) -> Result<(), AppError> {
    let update = Query::update()
        .table(table(kind))
        .value(Alias::new(column), value)
        .value(Alias::new("updated_at"), Utc::now())
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .to_owned();
    db.execute(&update).await?;
    Ok(())
}

async fn bump_version(db: &impl ConnectionTrait, kind: ListKind, id: i64) -> Result<(), AppError> {
    let update = Query::update()
        .table(table(kind))
        .value(
            Alias::new("version"),
            Expr::col(Alias::new("version")).add(1),
        )
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .to_owned();
    db.execute(&update).await?;
    Ok(())
}

/// Makes exactly `names` the active items, in that order: existing ones are kept (and restored
/// when archived), new ones are added, and the others are archived — never deleted, since
/// records may point at them.
pub async fn replace_active(
    db: &impl ConnectionTrait,
    actor: &Actor,
    kind: ListKind,
    names: &[String],
) -> Result<(), AppError> {
    let existing = list(db, kind, true).await?;
    replace_in_place(db, kind, names, &existing).await?;
    let after = list(db, kind, true).await?;
    for item in &after {
        let event = match existing.iter().find(|old| old.id == item.id) {
            Some(old) if old == item => continue,
            Some(old) => {
                Event::new("update", kind.entity(), item.id).with(Changes::diff(old, item))
            }
            None => Event::new("create", kind.entity(), item.id).with(Changes::created(item)),
        };
        audit::record(db, actor, event).await?;
    }
    Ok(())
}

async fn replace_in_place(
    db: &impl ConnectionTrait,
    kind: ListKind,
    names: &[String],
    existing: &[ListItem],
) -> Result<(), AppError> {
    let now = Utc::now();
    for item in existing
        .iter()
        .filter(|i| !i.is_archived() && !names.contains(&i.name))
    {
        set_column(db, kind, item.id, "archived_at", now.into()).await?;
        bump_version(db, kind, item.id).await?;
    }
    for name in names {
        match existing.iter().find(|item| &item.name == name) {
            Some(item) if item.is_archived() => {
                set_column(
                    db,
                    kind,
                    item.id,
                    "archived_at",
                    Option::<DateTime<Utc>>::None.into(),
                )
                .await?;
                bump_version(db, kind, item.id).await?;
            }
            Some(_) => {}
            None => {
                insert(db, kind, name).await?;
            }
        }
    }
    let active = list(db, kind, false).await?;
    let ordered: Vec<ListItem> = names
        .iter()
        .filter_map(|name| active.iter().find(|item| &item.name == name).cloned())
        .collect();
    renumber(db, kind, &ordered).await
}
