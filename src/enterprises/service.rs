//! Recording enterprises and keeping patent applicants linked to them. An enterprise is named by
//! its own name and by any aliases an officer linked; an applicant whose name (in any spelling)
//! is one of those names links to it.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use serde::Serialize;

use super::domain::{
    CreditCode, EnterpriseInput, HighTech, ValidEnterprise, name_key, pinyin_sort_key,
};
use super::query::{SuggestionChoice, TownshipSuggestion};
use crate::audit::edit::Edit;
use crate::audit::{self, Actor, Changes, Event};
use crate::db;
use crate::entities::{enterprise, enterprise_name, patent_applicant};
use crate::error::{AppError, field_error};
use crate::i18n::Msg;
use crate::settings::lists::{self, ListKind};

/// The id in a path; anything but a number is no such record.
pub fn parse_id(raw: &str) -> Result<i64, AppError> {
    crate::error::record_id(raw, "enterprises.not_found")
}

/// An enterprise in the shape of the JSON API (and the pages).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnterpriseView {
    pub id: i64,
    pub name: String,
    pub credit_code: Option<String>,
    pub township: Option<String>,
    pub address: Option<String>,
    pub industry: Option<String>,
    pub high_tech: Option<HighTech>,
    pub tech_sme: bool,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub notes: Option<String>,
    pub version: i32,
    pub archived: bool,
}

impl EnterpriseView {
    pub fn new(row: &enterprise::Model, township: Option<String>) -> EnterpriseView {
        let certified = row.high_tech_certificate.is_some()
            || row.high_tech_issued_on.is_some()
            || row.high_tech_expires_on.is_some();
        EnterpriseView {
            id: row.id,
            name: row.name.clone(),
            credit_code: row.credit_code.clone(),
            township,
            address: row.address.clone(),
            industry: row.industry.clone(),
            high_tech: certified.then(|| HighTech {
                certificate_number: row.high_tech_certificate.clone(),
                issued_on: row.high_tech_issued_on,
                expires_on: row.high_tech_expires_on,
            }),
            tech_sme: row.tech_sme,
            contact_name: row.contact_name.clone(),
            contact_phone: row.contact_phone.clone(),
            notes: row.notes.clone(),
            version: row.version,
            archived: row.archived_at.is_some(),
        }
    }
}

/// The enterprises named by these name keys.
pub async fn ids_by_name_key(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<HashMap<String, i64>, AppError> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = enterprise_name::Entity::find()
        .filter(enterprise_name::Column::NameKey.is_in(keys.iter().map(String::as_str)))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.name_key, r.enterprise_id))
        .collect())
}

/// Like [`ids_by_name_key`] for many keys (an import's applicants), in chunks.
pub async fn ids_by_name_key_chunked(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<HashMap<String, i64>, AppError> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(crate::db::NAMES_PER_LOOKUP) {
        found.extend(ids_by_name_key(db, chunk).await?);
    }
    Ok(found)
}

pub async fn exists(db: &impl ConnectionTrait, id: i64) -> Result<bool, AppError> {
    Ok(enterprise::Entity::find_by_id(id).count(db).await? > 0)
}

pub async fn row(db: &impl ConnectionTrait, id: i64) -> Result<enterprise::Model, AppError> {
    enterprise::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("enterprises.not_found")))
}

pub async fn view(db: &impl ConnectionTrait, id: i64) -> Result<EnterpriseView, AppError> {
    let row = row(db, id).await?;
    let township = match row.township_id {
        Some(t) => Some(lists::get(db, ListKind::Townships, t).await?.name),
        None => None,
    };
    Ok(EnterpriseView::new(&row, township))
}

/// Refuses a name (or credit code) that names another enterprise.
async fn ensure_unique(
    db: &impl ConnectionTrait,
    valid: &ValidEnterprise,
    except: Option<i64>,
) -> Result<(), AppError> {
    if let Some(taken) = name_taken(db, &valid.name_key, except).await? {
        return Err(field_error("name", taken));
    }
    if let Some(code) = &valid.credit_code
        && let Some(taken) = code_taken(db, code.as_str(), except).await?
    {
        return Err(field_error("credit_code", taken));
    }
    Ok(())
}

/// Why a name cannot be this enterprise's: another enterprise (not `except`) goes by it.
async fn name_taken(
    db: &impl ConnectionTrait,
    name_key: &str,
    except: Option<i64>,
) -> Result<Option<Msg>, AppError> {
    let named = enterprise_name::Entity::find_by_id(name_key.to_owned())
        .one(db)
        .await?;
    let Some(named) = named.filter(|n| Some(n.enterprise_id) != except) else {
        return Ok(None);
    };
    let other = row(db, named.enterprise_id).await?;
    Ok(Some(
        Msg::new("enterprises.name.taken")
            .arg("name", &other.name)
            .arg("id", other.id),
    ))
}

/// Why a credit code cannot be this enterprise's: another enterprise (not `except`) has it.
async fn code_taken(
    db: &impl ConnectionTrait,
    code: &str,
    except: Option<i64>,
) -> Result<Option<Msg>, AppError> {
    let holder = enterprise::Entity::find()
        .filter(enterprise::Column::CreditCode.eq(code))
        .one(db)
        .await?;
    Ok(holder.filter(|h| Some(h.id) != except).map(|h| {
        Msg::new("enterprises.credit_code.taken")
            .arg("name", &h.name)
            .arg("id", h.id)
    }))
}

/// The form checked by its rules, and, when they find mistakes, the database's mistakes beside
/// them (a name or credit code another enterprise has, an unknown township), so the officer
/// fixes all in one go. `except`: the enterprise being changed.
async fn checked(
    db: &impl ConnectionTrait,
    input: &EnterpriseInput,
    except: Option<i64>,
) -> Result<ValidEnterprise, AppError> {
    let validated = input.validate();
    let validated = lists::with_unknown_township(db, validated, input.township.as_deref()).await;
    let Err(AppError::Validation(mut errors)) = validated else {
        return validated;
    };
    let name = crate::text::clean(&input.name);
    if errors.get("name").is_none()
        && !name.is_empty()
        && let Some(taken) = name_taken(db, &name_key(&name), except).await?
    {
        errors.add("name", taken);
    }
    let code = crate::text::clean(input.credit_code.as_deref().unwrap_or_default());
    if errors.get("credit_code").is_none()
        && let Ok(code) = CreditCode::parse(&code)
        && let Some(taken) = code_taken(db, code.as_str(), except).await?
    {
        errors.add("credit_code", taken);
    }
    Err(AppError::Validation(errors))
}

fn fill(active: &mut enterprise::ActiveModel, valid: &ValidEnterprise, township_id: Option<i64>) {
    active.name = Set(valid.name.clone());
    active.name_key = Set(valid.name_key.clone());
    active.sort_key = Set(pinyin_sort_key(&valid.name));
    active.credit_code = Set(valid.credit_code.as_ref().map(|c| c.as_str().to_owned()));
    active.township_id = Set(township_id);
    active.address = Set(valid.address.clone());
    active.industry = Set(valid.industry.clone());
    active.high_tech_certificate = Set(valid
        .high_tech
        .as_ref()
        .and_then(|h| h.certificate_number.clone()));
    active.high_tech_issued_on = Set(valid.high_tech.as_ref().and_then(|h| h.issued_on));
    active.high_tech_expires_on = Set(valid.high_tech.as_ref().and_then(|h| h.expires_on));
    active.tech_sme = Set(valid.tech_sme);
    active.contact_name = Set(valid.contact_name.clone());
    active.contact_phone = Set(valid.contact_phone.clone());
    active.notes = Set(valid.notes.clone());
}

/// Adds a name (the enterprise's own or an alias) and links the applicants it names.
pub async fn add_name(
    db: &impl ConnectionTrait,
    enterprise_id: i64,
    name: &str,
) -> Result<u64, AppError> {
    let key = name_key(name);
    let exists = enterprise_name::Entity::find_by_id(key.clone())
        .one(db)
        .await?;
    if exists.is_none() {
        enterprise_name::ActiveModel {
            name_key: Set(key.clone()),
            enterprise_id: Set(enterprise_id),
            name: Set(name.to_owned()),
            created_at: Set(Utc::now()),
        }
        .insert(db)
        .await?;
    }
    let linked = patent_applicant::Entity::update_many()
        .col_expr(
            patent_applicant::Column::EnterpriseId,
            Expr::value(enterprise_id),
        )
        .filter(patent_applicant::Column::NameKey.eq(&key))
        .filter(patent_applicant::Column::EnterpriseId.is_null())
        .exec(db)
        .await?;
    crate::patents::service::relink_first_applicants(db, &key).await?;
    Ok(linked.rows_affected)
}

/// Whether `name` is known already, as any enterprise's name or alias.
pub async fn name_known(db: &impl ConnectionTrait, name: &str) -> Result<bool, AppError> {
    Ok(enterprise_name::Entity::find_by_id(name_key(name))
        .one(db)
        .await?
        .is_some())
}

/// Forgets `name` as an alias of `enterprise_id` — the undo of [`add_name`] for a name it added:
/// the applicants it linked, and the patents whose first applicant they are, lose the link.
pub async fn forget_name(
    db: &impl ConnectionTrait,
    enterprise_id: i64,
    name: &str,
) -> Result<(), AppError> {
    let key = name_key(name);
    enterprise_name::Entity::delete_many()
        .filter(enterprise_name::Column::NameKey.eq(&key))
        .filter(enterprise_name::Column::EnterpriseId.eq(enterprise_id))
        .exec(db)
        .await?;
    patent_applicant::Entity::update_many()
        .col_expr(
            patent_applicant::Column::EnterpriseId,
            Expr::value(Option::<i64>::None),
        )
        .filter(patent_applicant::Column::NameKey.eq(&key))
        .filter(patent_applicant::Column::EnterpriseId.eq(enterprise_id))
        .exec(db)
        .await?;
    crate::patents::service::relink_first_applicants(db, &key).await
}

/// Creates an enterprise and links every applicant that names it.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &EnterpriseInput,
) -> Result<EnterpriseView, AppError> {
    let valid = checked(db, input, None).await?;
    let txn = db::begin_write(db).await?;
    let view = insert(&txn, actor, &valid).await?;
    txn.commit().await?;
    Ok(view)
}

/// Inserts a validated enterprise within the caller's transaction (the importer calls this too).
pub async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor,
    valid: &ValidEnterprise,
) -> Result<EnterpriseView, AppError> {
    ensure_unique(db, valid, None).await?;
    let township_id = lists::township_id(db, valid.township.as_deref()).await?;
    let now = Utc::now();
    let mut active = enterprise::ActiveModel {
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        archived_at: Set(None),
        ..Default::default()
    };
    fill(&mut active, valid, township_id);
    let row = active.insert(db).await?;
    let linked = add_name(db, row.id, &valid.name).await?;
    let view = EnterpriseView::new(&row, valid.township.clone());
    let changes = Changes::created(&view).field("linked_applicants", 0, linked);
    audit::record(
        db,
        actor,
        Event::new("create", "enterprise", row.id).with(changes),
    )
    .await?;
    Ok(view)
}

/// Changes an enterprise last seen at `version`. A new name is added to its names (the old one
/// stays as an alias, so old rosters still link).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    version: i32,
    input: &EnterpriseInput,
) -> Result<EnterpriseView, AppError> {
    let valid = checked(db, input, Some(id)).await?;
    let edit = Edit::begin(db).await?;
    let mut view = apply_update(&edit.txn, actor, id, version, &valid).await?;
    edit.finish_at(&mut view.version, version).await?;
    Ok(view)
}

pub async fn apply_update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    version: i32,
    valid: &ValidEnterprise,
) -> Result<EnterpriseView, AppError> {
    let old = locked_at_version(db, id, version).await?;
    ensure_unique(db, valid, Some(id)).await?;
    let township_id = lists::township_id(db, valid.township.as_deref()).await?;
    let before = view(db, id).await?;
    let mut active = old.into_active_model();
    fill(&mut active, valid, township_id);
    active.version = Set(version + 1);
    active.updated_at = Set(Utc::now());
    let row = active.update(db).await?;
    let linked = add_name(db, id, &valid.name).await?;
    let after = EnterpriseView::new(&row, valid.township.clone());
    let changes = Changes::diff(&before, &after).field("linked_applicants", 0, linked);
    audit::record(
        db,
        actor,
        Event::new("update", "enterprise", id).with(changes),
    )
    .await?;
    Ok(after)
}

/// Gives an enterprise without a township the one named (a visit's form names it), within the
/// caller's transaction. A township the enterprise has is changed on the enterprise itself:
/// naming the same one changes nothing, naming another is refused on the `township` field.
pub async fn give_township(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    township: &str,
) -> Result<(), AppError> {
    let given = lists::township_id(db, Some(township)).await?;
    let row = row(db, id).await?;
    match (row.township_id, given) {
        (None, Some(given)) => {
            let version = row.version + 1;
            set_township(db, actor, row, (given, township), version).await
        }
        (held, _) if held == given => Ok(()),
        (held, _) => {
            let held = match held {
                Some(held) => lists::get(db, ListKind::Townships, held).await?.name,
                None => String::new(),
            };
            Err(field_error(
                "township",
                Msg::new("visits.error.township_differs")
                    .arg("enterprise", &row.name)
                    .arg("held", held)
                    .arg("written", township),
            ))
        }
    }
}

/// Gives each active enterprise without a township the one its patents suggest, of those
/// `choice` names (`query::chosen_suggestions`), in one transaction; each is audited as the
/// enterprise's update. Answers what was given.
pub async fn fill_townships(
    db: &DatabaseConnection,
    actor: &Actor,
    choice: SuggestionChoice<'_>,
) -> Result<Vec<TownshipSuggestion>, AppError> {
    let txn = db::begin_write(db).await?;
    let chosen = super::query::chosen_suggestions(&txn, choice).await?;
    let mut ids_by_township: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for suggestion in &chosen {
        let ids = ids_by_township.entry(suggestion.township_id).or_default();
        ids.push(suggestion.enterprise_id);
    }
    // A province's rosters leave thousands to fill at once: a statement for many enterprises of
    // one township, not three (lock, update, audit) for each.
    let mut filled = HashSet::new();
    for (township_id, ids) in ids_by_township {
        for some in ids.chunks(FILL_CHUNK) {
            filled.extend(give_many(&txn, township_id, some).await?);
        }
    }
    let given: Vec<TownshipSuggestion> = chosen
        .into_iter()
        .filter(|s| filled.contains(&s.enterprise_id))
        .collect();
    let events: Vec<Event> = given
        .iter()
        .map(|s| {
            let changes = Changes::new().field("township", None::<String>, &s.township);
            Event::new("update", "enterprise", s.enterprise_id).with(changes)
        })
        .collect();
    audit::record_all(&txn, actor, events).await?;
    txn.commit().await?;
    Ok(given)
}

/// Enterprises given their township by one statement; well under either database's limit of
/// parameters.
const FILL_CHUNK: usize = 1000;

/// Gives the township `township_id` to those of the enterprises `ids` that are active and have
/// none still (on PostgreSQL another instance may have given one since the suggestions were
/// read: the update waits for its lock and checks again), as their update. Answers their ids.
async fn give_many(
    db: &impl ConnectionTrait,
    township_id: i64,
    ids: &[i64],
) -> Result<Vec<i64>, AppError> {
    let update = Query::update()
        .table(enterprise::Entity)
        .value(enterprise::Column::TownshipId, township_id)
        .value(
            enterprise::Column::Version,
            Expr::col(enterprise::Column::Version).add(1),
        )
        .value(enterprise::Column::UpdatedAt, Utc::now())
        .and_where(enterprise::Column::Id.is_in(ids.iter().copied()))
        .and_where(enterprise::Column::TownshipId.is_null())
        .and_where(enterprise::Column::ArchivedAt.is_null())
        .returning_col(enterprise::Column::Id)
        .to_owned();
    let rows = db.query_all(&update).await?;
    Ok(rows
        .iter()
        .map(|row| row.try_get_by_index::<i64>(0))
        .collect::<Result<_, _>>()?)
}

/// Gives the enterprise of `row`, which has no township, the township `(id, name)` and the
/// version `version` (the importer keeps an enterprise it registered at its first), audited as
/// the enterprise's update.
pub(crate) async fn set_township(
    db: &impl ConnectionTrait,
    actor: &Actor,
    row: enterprise::Model,
    (township_id, township): (i64, &str),
    version: i32,
) -> Result<(), AppError> {
    let id = row.id;
    let mut active = row.into_active_model();
    active.township_id = Set(Some(township_id));
    active.version = Set(version);
    active.updated_at = Set(Utc::now());
    active.update(db).await?;
    let changes = Changes::new().field("township", None::<String>, township);
    audit::record(
        db,
        actor,
        Event::new("update", "enterprise", id).with(changes),
    )
    .await?;
    Ok(())
}

async fn locked_at_version(
    db: &impl ConnectionTrait,
    id: i64,
    version: i32,
) -> Result<enterprise::Model, AppError> {
    let row = enterprise::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("enterprises.not_found")))?;
    if row.version != version {
        return Err(AppError::Conflict(
            Msg::new("enterprises.changed_by_someone_else").arg("name", &row.name),
        ));
    }
    Ok(row)
}

/// Archives or restores an enterprise last seen at `version`.
pub async fn set_archived(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    version: i32,
    archived: bool,
) -> Result<EnterpriseView, AppError> {
    let txn = db::begin_write(db).await?;
    let old = locked_at_version(&txn, id, version).await?;
    let before = view(&txn, id).await?;
    let mut active = old.into_active_model();
    active.archived_at = Set(archived.then(Utc::now));
    active.version = Set(version + 1);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    let after = view(&txn, id).await?;
    let action = if archived { "archive" } else { "restore" };
    audit::record(
        &txn,
        actor,
        Event::new(action, "enterprise", id).with(Changes::diff(&before, &after)),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Links an applicant name (as rosters spell it) to an enterprise, for existing patents and every
/// future one: the name becomes one of the enterprise's names.
pub async fn link_name(
    db: &DatabaseConnection,
    actor: &Actor,
    raw_name: &str,
    enterprise_id: i64,
) -> Result<u64, AppError> {
    let name = crate::text::clean(raw_name);
    if name.is_empty() {
        return Err(field_error("name", Msg::new("enterprises.name.required")));
    }
    let txn = db::begin_write(db).await?;
    let target = row(&txn, enterprise_id).await?;
    if let Some(named) = enterprise_name::Entity::find_by_id(name_key(&name))
        .one(&txn)
        .await?
        && named.enterprise_id != enterprise_id
    {
        let other = row(&txn, named.enterprise_id).await?;
        return Err(field_error(
            "name",
            Msg::new("enterprises.name.taken")
                .arg("name", &other.name)
                .arg("id", other.id),
        ));
    }
    let linked = add_name(&txn, enterprise_id, &name).await?;
    let changes =
        Changes::new()
            .field("alias", None::<String>, &name)
            .field("linked_applicants", 0, linked);
    audit::record(
        &txn,
        actor,
        Event::new("link", "enterprise", target.id).with(changes),
    )
    .await?;
    txn.commit().await?;
    Ok(linked)
}

/// Creates an enterprise from an applicant's name, in one step from the unlinked list.
pub async fn create_from_applicant(
    db: &DatabaseConnection,
    actor: &Actor,
    raw_name: &str,
) -> Result<EnterpriseView, AppError> {
    let input = EnterpriseInput {
        name: raw_name.to_owned(),
        ..EnterpriseInput::default()
    };
    create(db, actor, &input).await
}
