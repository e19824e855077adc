//! The township column of a visit ledger (所属乡镇). A visit has no township of its own: it is the
//! visited enterprise's, and enterprises from the provincial high-tech list come without one. So
//! the ledger's township gives an enterprise that has none its township, as the officer wrote it;
//! a township the desk holds already is kept, and a row that says otherwise is warned of, as a
//! patent roster's township column is judged.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};

use super::enterprise_rows::{EnterpriseSnapshot, UpdatedEnterprise};
use super::plan::{Jurisdiction, RowReader};
use crate::audit::Actor;
use crate::enterprises::domain::name_key;
use crate::entities::enterprise;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::visits::domain::VisitedEnterprise;

/// An enterprise without a township given the one a visit row names.
pub struct TownshipFill {
    row: u32,
    enterprise: VisitedEnterprise,
    township_id: i64,
    township: String,
}

/// The townships of the stored enterprises the rows name (`None`: the enterprise has none).
pub async fn fetch(
    db: &impl ConnectionTrait,
    ids: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, Option<i64>>, AppError> {
    let ids: Vec<i64> = ids.collect();
    let mut found = HashMap::new();
    for chunk in ids.chunks(crate::db::NAMES_PER_LOOKUP) {
        let rows: Vec<(i64, Option<i64>)> = enterprise::Entity::find()
            .select_only()
            .column(enterprise::Column::Id)
            .column(enterprise::Column::TownshipId)
            .filter(enterprise::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Judges the rows' township columns: which enterprises get one, and which rows disagree with
/// what is stored or with an earlier row of the file.
pub struct Judge<'a> {
    jurisdiction: &'a Jurisdiction,
    stored: &'a HashMap<i64, Option<i64>>,
    /// Townships given by earlier rows, by the enterprise's id or name key.
    given: HashMap<String, i64>,
}

impl<'a> Judge<'a> {
    pub fn new(jurisdiction: &'a Jurisdiction, stored: &'a HashMap<i64, Option<i64>>) -> Self {
        Judge {
            jurisdiction,
            stored,
            given: HashMap::new(),
        }
    }

    /// What the row's township asks of its enterprise: a township to give it, or nothing (none
    /// in the row, an unknown one, or the enterprise has one already — warned of when another).
    pub fn judge(
        &mut self,
        reader: &mut RowReader<'_>,
        enterprise: &VisitedEnterprise,
    ) -> Option<TownshipFill> {
        let written = reader.text("township")?;
        let township_id = reader.known_township(&written, self.jurisdiction)?;
        let (key, held) = match enterprise {
            VisitedEnterprise::Id(id) => (id.to_string(), self.stored.get(id).copied().flatten()),
            VisitedEnterprise::Named(name) => (name_key(name), None),
        };
        let held = held.or_else(|| self.given.get(&key).copied());
        if let Some(held) = held {
            if held != township_id {
                let name = reader.text("enterprise").unwrap_or_default();
                let msg = Msg::new("import.ledger.township_differs")
                    .arg("enterprise", name)
                    .arg("held", self.name_of(held))
                    .arg("written", &written);
                reader.warn("township", written, msg);
            }
            return None;
        }
        self.given.insert(key, township_id);
        // Told, as a new enterprise is: the import changes another register.
        let name = reader.text("enterprise").unwrap_or_default();
        let township = self.name_of(township_id);
        let msg = Msg::new("import.ledger.township_given")
            .arg("enterprise", name)
            .arg("township", &township);
        reader.warn("township", written, msg);
        Some(TownshipFill {
            row: reader.number(),
            enterprise: enterprise.clone(),
            township_id,
            township,
        })
    }

    fn name_of(&self, id: i64) -> String {
        let name = self.jurisdiction.township_name(id);
        name.unwrap_or_default().to_owned()
    }
}

/// Gives the enterprise its township within the caller's transaction, after the row's visit is
/// written (which registers an enterprise the row names anew; `visited` holds the ids named
/// visits were recorded under, by name key). The change is audited; undo restores an enterprise
/// that was there before, and removes one this import registered.
pub async fn commit(
    db: &impl ConnectionTrait,
    actor: &Actor,
    batch: i64,
    fill: TownshipFill,
    visited: &HashMap<String, i64>,
) -> Result<(), AppError> {
    let id = match &fill.enterprise {
        VisitedEnterprise::Id(id) => Some(*id),
        VisitedEnterprise::Named(name) => visited.get(&name_key(name)).copied(),
    };
    let Some(id) = id else {
        return Ok(());
    };
    let Some(row) = enterprise::Entity::find_by_id(id).one(db).await? else {
        return Ok(());
    };
    if row.township_id.is_some() {
        return Ok(());
    }
    // One this import registered stays as registered (version 1), so undo still removes it.
    let registered_here = row.import_batch_id == Some(batch);
    let version = if registered_here {
        row.version
    } else {
        row.version + 1
    };
    let before = EnterpriseSnapshot::of(&row);
    let township = (fill.township_id, fill.township.as_str());
    crate::enterprises::service::set_township(db, actor, row, township, version).await?;
    if !registered_here {
        let undo = UpdatedEnterprise {
            before,
            added_name: None,
        };
        let row = fill.row;
        super::ledger_rows::before_row(batch, "enterprise", undo.before.id, row, &undo, version)
            .insert(db)
            .await?;
    }
    Ok(())
}
