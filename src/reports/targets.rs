//! Annual plan targets (年度计划任务): what the county — or one township — is to reach in a year,
//! per metric. The admin sets them; the year-to-date report measures against them.

use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor, Changes, Event};
use crate::db;
use crate::entities::{target, township};
use crate::error::{AppError, FieldErrors};
use crate::i18n::Msg;
use crate::patents::PatentType;

/// What a target counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    Grants,
    GrantsInvention,
    GrantsUtilityModel,
    GrantsDesign,
    Applications,
    ApplicationsInvention,
    ApplicationsUtilityModel,
    ApplicationsDesign,
}

impl Metric {
    pub const ALL: [Metric; 8] = [
        Metric::Grants,
        Metric::GrantsInvention,
        Metric::GrantsUtilityModel,
        Metric::GrantsDesign,
        Metric::Applications,
        Metric::ApplicationsInvention,
        Metric::ApplicationsUtilityModel,
        Metric::ApplicationsDesign,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Grants => "grants",
            Metric::GrantsInvention => "grants_invention",
            Metric::GrantsUtilityModel => "grants_utility_model",
            Metric::GrantsDesign => "grants_design",
            Metric::Applications => "applications",
            Metric::ApplicationsInvention => "applications_invention",
            Metric::ApplicationsUtilityModel => "applications_utility_model",
            Metric::ApplicationsDesign => "applications_design",
        }
    }

    pub fn parse(raw: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.as_str() == raw.trim())
    }

    pub fn label_key(self) -> String {
        format!("reports.metric.{}", self.as_str())
    }

    /// A stored metric's name in `lang` (the stored text itself if it is not one).
    pub fn label_of(raw: &str, lang: crate::i18n::Lang) -> String {
        Metric::parse(raw).map_or_else(|| raw.to_owned(), |m| crate::i18n::t(lang, &m.label_key()))
    }

    /// Whether it counts grants (else applications).
    pub fn is_grants(self) -> bool {
        matches!(
            self,
            Metric::Grants
                | Metric::GrantsInvention
                | Metric::GrantsUtilityModel
                | Metric::GrantsDesign
        )
    }

    /// The patent type it is limited to, if any.
    pub fn patent_type(self) -> Option<PatentType> {
        match self {
            Metric::GrantsInvention | Metric::ApplicationsInvention => Some(PatentType::Invention),
            Metric::GrantsUtilityModel | Metric::ApplicationsUtilityModel => {
                Some(PatentType::UtilityModel)
            }
            Metric::GrantsDesign | Metric::ApplicationsDesign => Some(PatentType::Design),
            Metric::Grants | Metric::Applications => None,
        }
    }
}

/// The years a target may be set for.
pub const YEARS: std::ops::RangeInclusive<i32> = crate::dates::YEARS;

/// A target as typed: the CLI's flags, the API's body, the settings form.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TargetInput {
    #[serde(default)]
    pub year: Option<i32>,
    #[serde(default)]
    pub metric: String,
    /// Empty for the whole county.
    #[serde(default)]
    pub township: Option<String>,
    /// `None` clears the target.
    #[serde(default)]
    pub value: Option<i64>,
}

/// A target as the API and pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetView {
    pub id: i64,
    pub year: i32,
    pub metric: String,
    /// `None` for the whole county.
    pub township: Option<String>,
    pub value: i64,
    pub version: i32,
}

/// A valid target: its scope resolved to a township's id.
struct ValidTarget {
    year: i32,
    metric: Metric,
    township_id: Option<i64>,
    township: Option<String>,
    value: Option<i64>,
}

async fn validate(db: &impl ConnectionTrait, input: &TargetInput) -> Result<ValidTarget, AppError> {
    let mut errors = FieldErrors::new();
    let year = match input.year {
        Some(year) if YEARS.contains(&year) => Some(year),
        Some(year) => {
            errors.add(
                "year",
                Msg::new("reports.target.bad_year").arg("year", year),
            );
            None
        }
        None => {
            errors.add("year", Msg::new("reports.target.no_year"));
            None
        }
    };
    let metric = Metric::parse(&input.metric);
    if metric.is_none() {
        errors.add(
            "metric",
            Msg::new("reports.target.bad_metric").arg("metric", input.metric.trim()),
        );
    }
    if let Some(value) = input.value.filter(|v| !(0..=10_000_000).contains(v)) {
        errors.add(
            "value",
            Msg::new("reports.target.bad_value").arg("value", value),
        );
    }
    let name = input
        .township
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let township = match name {
        Some(name) => {
            let found = township::Entity::find()
                .filter(township::Column::Name.eq(name))
                .one(db)
                .await?;
            if found.is_none() {
                errors.add(
                    "township",
                    Msg::new("reports.target.no_township").arg("township", name),
                );
            }
            found
        }
        None => None,
    };
    errors.into_result()?;
    match (year, metric) {
        (Some(year), Some(metric)) => Ok(ValidTarget {
            year,
            metric,
            township_id: township.as_ref().map(|t| t.id),
            township: township.map(|t| t.name),
            value: input.value,
        }),
        _ => Err(AppError::Internal(
            "validated target without year or metric".into(),
        )),
    }
}

fn view(model: &target::Model, township: Option<String>) -> TargetView {
    TargetView {
        id: model.id,
        year: model.year,
        metric: model.metric.clone(),
        township,
        value: model.value,
        version: model.version,
    }
}

/// Sets a target (or, without a value, clears it); returns it as it now stands.
pub async fn set(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &TargetInput,
) -> Result<Option<TargetView>, AppError> {
    let txn = db::begin_write(db).await?;
    let valid = validate(&txn, input).await?;
    let existing = target::Entity::find()
        .filter(target::Column::Year.eq(valid.year))
        .filter(target::Column::Metric.eq(valid.metric.as_str()))
        .filter(match valid.township_id {
            Some(id) => target::Column::TownshipId.eq(id),
            None => target::Column::TownshipId.is_null(),
        })
        .one(&txn)
        .await?;
    let now = Utc::now();
    let result = match (existing, valid.value) {
        (None, None) => None,
        // The same figure again (the targets page saves every row it shows) writes nothing.
        (Some(old), Some(value)) if old.value == value => Some(view(&old, valid.township.clone())),
        (Some(old), None) => {
            let before = view(&old, valid.township.clone());
            target::Entity::delete_by_id(old.id).exec(&txn).await?;
            let event = Event::new("delete", "target", old.id).with(Changes::diff(&before, &()));
            audit::record(&txn, actor, event).await?;
            None
        }
        (Some(old), Some(value)) => {
            let before = view(&old, valid.township.clone());
            let mut active = old.into_active_model();
            active.value = Set(value);
            active.version = Set(before.version + 1);
            active.updated_at = Set(now);
            let after = view(&active.update(&txn).await?, valid.township.clone());
            let event =
                Event::new("update", "target", after.id).with(Changes::diff(&before, &after));
            audit::record(&txn, actor, event).await?;
            Some(after)
        }
        (None, Some(value)) => {
            let created = target::ActiveModel {
                year: Set(valid.year),
                metric: Set(valid.metric.as_str().to_owned()),
                township_id: Set(valid.township_id),
                value: Set(value),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            let after = view(&created, valid.township.clone());
            let event = Event::new("create", "target", after.id).with(Changes::created(&after));
            audit::record(&txn, actor, event).await?;
            Some(after)
        }
    };
    txn.commit().await?;
    Ok(result)
}

/// A year's targets: the county's first, then each township's, metric by metric. A year outside
/// [`YEARS`] holds none and is refused, so that a mistyped year is not read as "no plan".
pub async fn list(db: &impl ConnectionTrait, year: i32) -> Result<Vec<TargetView>, AppError> {
    if !YEARS.contains(&year) {
        return Err(crate::error::field_error(
            "year",
            Msg::new("reports.target.bad_year").arg("year", year),
        ));
    }
    let townships =
        crate::settings::lists::names_by_id(db, crate::settings::ListKind::Townships).await?;
    let mut targets: Vec<TargetView> = target::Entity::find()
        .filter(target::Column::Year.eq(year))
        .order_by_asc(target::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(|t| view(t, t.township_id.and_then(|id| townships.get(&id).cloned())))
        .collect();
    let order = |t: &TargetView| Metric::parse(&t.metric).map_or(usize::MAX, |m| m as usize);
    targets.sort_by(|a, b| {
        (a.township.is_some(), &a.township, order(a)).cmp(&(
            b.township.is_some(),
            &b.township,
            order(b),
        ))
    });
    Ok(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_round_trip_and_know_what_they_count() {
        for metric in Metric::ALL {
            assert_eq!(Metric::parse(metric.as_str()), Some(metric));
        }
        assert_eq!(
            Metric::parse("grants_invention").map(Metric::is_grants),
            Some(true)
        );
        assert_eq!(
            Metric::parse("applications_design").and_then(Metric::patent_type),
            Some(PatentType::Design)
        );
        assert_eq!(Metric::parse("grants").and_then(Metric::patent_type), None);
        assert_eq!(Metric::parse("visits"), None);
    }
}
