//! Recording joint inspections: create, change (at the version last read), archive, each in one
//! transaction with its audit entry; the problems found are kept in order with the inspection.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use super::domain::{InspectionInput, Problem, ValidInspection};
use crate::audit::edit::Edit;
use crate::audit::{self, Actor, Changes, Event};
use crate::entities::{enforcement_case, inspection, inspection_problem};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::{db, settings};

/// The id in a path; anything but a number is no such record.
pub fn parse_id(raw: &str) -> Result<i64, AppError> {
    crate::error::record_id(raw, "inspections.not_found")
}

/// A problem as shown, with the case it led to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemView {
    pub description: String,
    pub party: Option<String>,
    pub product: Option<String>,
    pub case_id: Option<i64>,
    /// The number of the case it led to.
    #[serde(default)]
    pub case_number: Option<String>,
}

/// An inspection as the pages and the API show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionView {
    pub id: i64,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub lead_agency: Option<String>,
    pub partner_agencies: Vec<String>,
    pub area: Option<String>,
    pub places: Option<String>,
    pub staff_count: Option<i64>,
    pub premises_inspected: Option<i64>,
    pub goods_checked: Option<i64>,
    pub marked_goods_checked: Option<i64>,
    pub problems: Vec<ProblemView>,
    pub notes: Option<String>,
    pub archived: bool,
    pub version: i32,
}

impl InspectionView {
    fn new(row: &inspection::Model, problems: Vec<ProblemView>) -> InspectionView {
        InspectionView {
            id: row.id,
            title: row.title.clone(),
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            lead_agency: row.lead_agency.clone(),
            partner_agencies: serde_json::from_str(&row.partner_agencies).unwrap_or_default(),
            area: row.area.clone(),
            places: row.places.clone(),
            staff_count: row.staff_count,
            premises_inspected: row.premises_inspected,
            goods_checked: row.goods_checked,
            marked_goods_checked: row.marked_goods_checked,
            problems,
            notes: row.notes.clone(),
            archived: row.archived_at.is_some(),
            version: row.version,
        }
    }

    /// The inspection as input again (an undo, a comparison with an imported row).
    pub fn valid(&self) -> ValidInspection {
        ValidInspection {
            title: self.title.clone(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            lead_agency: self.lead_agency.clone(),
            partner_agencies: self.partner_agencies.clone(),
            area: self.area.clone(),
            places: self.places.clone(),
            staff_count: self.staff_count,
            premises_inspected: self.premises_inspected,
            goods_checked: self.goods_checked,
            marked_goods_checked: self.marked_goods_checked,
            problems: self
                .problems
                .iter()
                .map(|p| Problem {
                    description: p.description.clone(),
                    party: p.party.clone(),
                    product: p.product.clone(),
                })
                .collect(),
            notes: self.notes.clone(),
        }
    }
}

/// The inspections of these rows as shown, their problems read in one query.
pub async fn views(
    db: &impl ConnectionTrait,
    rows: &[inspection::Model],
) -> Result<Vec<InspectionView>, AppError> {
    let found = inspection_problem::Entity::find()
        .filter(inspection_problem::Column::InspectionId.is_in(rows.iter().map(|r| r.id)))
        .order_by_asc(inspection_problem::Column::InspectionId)
        .order_by_asc(inspection_problem::Column::Position)
        .all(db)
        .await?;
    let case_ids: Vec<i64> = found.iter().filter_map(|p| p.case_id).collect();
    let numbers: HashMap<i64, String> = if case_ids.is_empty() {
        HashMap::new()
    } else {
        enforcement_case::Entity::find()
            .select_only()
            .column(enforcement_case::Column::Id)
            .column(enforcement_case::Column::CaseNumber)
            .filter(enforcement_case::Column::Id.is_in(case_ids))
            .into_tuple::<(i64, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    let mut problems: HashMap<i64, Vec<ProblemView>> = HashMap::new();
    for p in found {
        problems
            .entry(p.inspection_id)
            .or_default()
            .push(ProblemView {
                description: p.description,
                party: p.party,
                product: p.product,
                case_number: p.case_id.and_then(|id| numbers.get(&id).cloned()),
                case_id: p.case_id,
            });
    }
    Ok(rows
        .iter()
        .map(|row| InspectionView::new(row, problems.remove(&row.id).unwrap_or_default()))
        .collect())
}

pub async fn view(db: &impl ConnectionTrait, id: i64) -> Result<InspectionView, AppError> {
    let row = inspection::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("inspections.not_found")))?;
    let mut views = views(db, std::slice::from_ref(&row)).await?;
    views
        .pop()
        .ok_or_else(|| AppError::NotFound(Msg::new("inspections.not_found")))
}

/// The county's today, which bounds how far ahead an inspection may be.
async fn today(db: &impl ConnectionTrait) -> Result<NaiveDate, AppError> {
    settings::service::today(db).await
}

fn fill(active: &mut inspection::ActiveModel, valid: &ValidInspection) {
    active.title = Set(valid.title.clone());
    active.starts_on = Set(valid.starts_on);
    active.ends_on = Set(valid.ends_on);
    active.lead_agency = Set(valid.lead_agency.clone());
    active.partner_agencies =
        Set(serde_json::to_string(&valid.partner_agencies).unwrap_or_else(|_| "[]".into()));
    active.area = Set(valid.area.clone());
    active.places = Set(valid.places.clone());
    active.staff_count = Set(valid.staff_count);
    active.premises_inspected = Set(valid.premises_inspected);
    active.goods_checked = Set(valid.goods_checked);
    active.marked_goods_checked = Set(valid.marked_goods_checked);
    active.notes = Set(valid.notes.clone());
}

/// Writes the problems in order; a problem that stays (same description, party and product)
/// keeps the case it led to.
async fn write_problems(
    db: &impl ConnectionTrait,
    id: i64,
    problems: &[Problem],
) -> Result<(), AppError> {
    let old = inspection_problem::Entity::find()
        .filter(inspection_problem::Column::InspectionId.eq(id))
        .all(db)
        .await?;
    inspection_problem::Entity::delete_many()
        .filter(inspection_problem::Column::InspectionId.eq(id))
        .exec(db)
        .await?;
    if problems.is_empty() {
        return Ok(());
    }
    let rows = problems.iter().zip(0..).map(|(p, position)| {
        let case_id = old
            .iter()
            .find(|o| {
                o.description == p.description && o.party == p.party && o.product == p.product
            })
            .and_then(|o| o.case_id);
        inspection_problem::ActiveModel {
            inspection_id: Set(id),
            position: Set(position),
            description: Set(p.description.clone()),
            party: Set(p.party.clone()),
            product: Set(p.product.clone()),
            case_id: Set(case_id),
            ..Default::default()
        }
    });
    inspection_problem::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Records an inspection.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &InspectionInput,
) -> Result<InspectionView, AppError> {
    let valid = input.validate(today(db).await?)?;
    let txn = db::begin_write(db).await?;
    let view = insert(&txn, actor, &valid, None).await?;
    txn.commit().await?;
    Ok(view)
}

/// Inserts a validated inspection within the caller's transaction; `batch` is the import that
/// made it.
pub async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor,
    valid: &ValidInspection,
    batch: Option<i64>,
) -> Result<InspectionView, AppError> {
    let now = Utc::now();
    let mut active = inspection::ActiveModel {
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        archived_at: Set(None),
        import_batch_id: Set(batch),
        ..Default::default()
    };
    fill(&mut active, valid);
    let row = active.insert(db).await?;
    write_problems(db, row.id, &valid.problems).await?;
    let view = view(db, row.id).await?;
    audit::record(
        db,
        actor,
        Event::new("create", "inspection", row.id).with(Changes::created(&view)),
    )
    .await?;
    Ok(view)
}

/// Changes an inspection last read at `version`.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    version: i32,
    input: &InspectionInput,
) -> Result<InspectionView, AppError> {
    let valid = input.validate(today(db).await?)?;
    let edit = Edit::begin(db).await?;
    let mut after = replace(&edit.txn, actor, (id, version), &valid).await?;
    edit.finish_at(&mut after.version, version).await?;
    Ok(after)
}

/// Gives the inspection `id`, last read at `version`, the values of `valid`, within the caller's
/// transaction (the importer's updates and undo come here too).
pub async fn replace(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    at: (i64, i32),
    valid: &ValidInspection,
) -> Result<InspectionView, AppError> {
    let fields = |active: &mut inspection::ActiveModel| fill(active, valid);
    change(txn, actor, at, "update", fields, Some(&valid.problems)).await
}

/// Archives or restores an inspection last read at `version`; archived ones count nowhere.
pub async fn set_archived(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    version: i32,
    archived: bool,
) -> Result<InspectionView, AppError> {
    let txn = db::begin_write(db).await?;
    let action = if archived { "archive" } else { "restore" };
    let archive = |active: &mut inspection::ActiveModel| {
        active.archived_at = Set(archived.then(Utc::now));
    };
    let after = change(&txn, actor, (id, version), action, archive, None).await?;
    txn.commit().await?;
    Ok(after)
}

/// Changes the inspection `id` last read at `version` within `txn`: `apply` sets the new values,
/// `problems` (when given) replaces them; the change is audited as `action`.
async fn change(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    (id, version): (i64, i32),
    action: &str,
    apply: impl FnOnce(&mut inspection::ActiveModel),
    problems: Option<&[Problem]>,
) -> Result<InspectionView, AppError> {
    let old = inspection::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("inspections.not_found")))?;
    // The version last read must still be the stored one: else someone changed it meanwhile.
    if old.version != version {
        return Err(AppError::Conflict(
            Msg::new("inspections.changed_by_someone_else").arg("title", &old.title),
        ));
    }
    let before = view(txn, id).await?;
    let mut active = old.into_active_model();
    apply(&mut active);
    active.version = Set(version + 1);
    active.updated_at = Set(Utc::now());
    active.update(txn).await?;
    if let Some(problems) = problems {
        write_problems(txn, id, problems).await?;
    }
    let after = view(txn, id).await?;
    let changes = Changes::diff(&before, &after);
    audit::record(
        txn,
        actor,
        Event::new(action, "inspection", id).with(changes),
    )
    .await?;
    Ok(after)
}
