//! The time limits in force: the statutory defaults, each with the length an admin may have set
//! in its place (a province's own rules, a change in the law). Every change is audited; a reset
//! brings the default back.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait,
};
use serde::{Deserialize, Serialize};

use super::deadlines::{Rule, default_rules};
use crate::audit::{self, Actor, Changes, Event};
use crate::calendar::domain::{Period, Unit};
use crate::db;
use crate::entities::deadline_rule;
use crate::error::{AppError, FieldErrors};
use crate::i18n::Msg;

/// A rule as the settings page and the API show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleView {
    pub code: String,
    pub period: Period,
    pub extension: Option<Period>,
    pub default_period: Period,
    pub default_extension: Option<Period>,
    /// The admin changed it from the default.
    pub changed: bool,
    pub version: i32,
}

fn period(amount: i32, unit: &str) -> Option<Period> {
    Some(Period::new(u32::try_from(amount).ok()?, Unit::parse(unit)?))
}

/// The rules in force, with their defaults beside them.
pub async fn views(db: &impl ConnectionTrait) -> Result<Vec<RuleView>, AppError> {
    let stored = deadline_rule::Entity::find().all(db).await?;
    Ok(default_rules()
        .into_iter()
        .map(|rule| {
            let set = stored.iter().find(|s| s.code == rule.code);
            let changed = set.and_then(|s| period(s.amount, &s.unit));
            let extension = set.map_or(rule.extension, |s| {
                s.extension_amount
                    .zip(s.extension_unit.as_deref())
                    .and_then(|(amount, unit)| period(amount, unit))
            });
            RuleView {
                code: rule.code.clone(),
                period: changed.unwrap_or(rule.period),
                extension,
                default_period: rule.period,
                default_extension: rule.extension,
                changed: set.is_some(),
                version: set.map_or(0, |s| s.version),
            }
        })
        .collect())
}

/// The rules the deadlines are worked out with.
pub async fn in_force(db: &impl ConnectionTrait) -> Result<Vec<Rule>, AppError> {
    let views = views(db).await?;
    Ok(default_rules()
        .into_iter()
        .map(|rule| match views.iter().find(|v| v.code == rule.code) {
            Some(view) => Rule {
                period: view.period,
                extension: view.extension,
                ..rule
            },
            None => rule,
        })
        .collect())
}

/// A length as typed or sent: `{"amount", "unit", "extension_amount", "extension_unit"}`; no
/// extension when its amount is empty.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RuleInput {
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub extension_amount: String,
    #[serde(default)]
    pub extension_unit: String,
}

impl RuleInput {
    fn validate(&self) -> Result<(Period, Option<Period>), AppError> {
        let mut errors = FieldErrors::new();
        let period = read_period(&self.amount, &self.unit, "", &mut errors);
        let extension = if self.extension_amount.trim().is_empty() {
            None
        } else {
            read_period(
                &self.extension_amount,
                &self.extension_unit,
                "extension_",
                &mut errors,
            )
        };
        errors.into_result()?;
        match period {
            Some(period) => Ok((period, extension)),
            None => Err(AppError::Internal("validated period missing".into())),
        }
    }
}

/// A length from its amount and unit, or the problems with them on fields `{prefix}amount` and
/// `{prefix}unit`, each in a sentence of its own: the CLI prints the sentences without the
/// fields, so the extension's must say that they are the extension's.
fn read_period(amount: &str, unit: &str, prefix: &str, errors: &mut FieldErrors) -> Option<Period> {
    let amount = amount
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=3650).contains(n));
    if amount.is_none() {
        errors.add(
            &format!("{prefix}amount"),
            Msg::new(format!("cases.rules.{prefix}amount")),
        );
    }
    let unit = Unit::parse(unit);
    if unit.is_none() {
        errors.add(
            &format!("{prefix}unit"),
            Msg::new(format!("cases.rules.{prefix}unit")),
        );
    }
    amount.zip(unit).map(|(a, u)| Period::new(a, u))
}

fn known(code: &str) -> Result<(), AppError> {
    if default_rules().iter().any(|r| r.code == code) {
        Ok(())
    } else {
        Err(AppError::NotFound(
            Msg::new("cases.rules.unknown").arg("code", code),
        ))
    }
}

/// Sets a rule's length (and extension) in place of the default.
pub async fn set(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    input: &RuleInput,
) -> Result<RuleView, AppError> {
    known(code)?;
    let (period, extension) = input.validate()?;
    let txn = db::begin_write(db).await?;
    let before = views(&txn).await?.into_iter().find(|v| v.code == code);
    let existing = deadline_rule::Entity::find_by_id(code.to_owned())
        .one(&txn)
        .await?;
    let mut active = deadline_rule::ActiveModel {
        code: Set(code.to_owned()),
        amount: Set(i32::try_from(period.amount).unwrap_or(i32::MAX)),
        unit: Set(period.unit.as_str().to_owned()),
        extension_amount: Set(extension.map(|e| i32::try_from(e.amount).unwrap_or(i32::MAX))),
        extension_unit: Set(extension.map(|e| e.unit.as_str().to_owned())),
        version: Set(existing.as_ref().map_or(1, |e| e.version + 1)),
        updated_at: Set(Utc::now()),
    };
    if existing.is_some() {
        active = active.reset_all();
        active.update(&txn).await?;
    } else {
        active.insert(&txn).await?;
    }
    let after = views(&txn).await?.into_iter().find(|v| v.code == code);
    let changes = Changes::diff(&before, &after);
    audit::record(
        &txn,
        actor,
        Event::new("set", "deadline_rule", code).with(changes),
    )
    .await?;
    txn.commit().await?;
    after.ok_or_else(|| AppError::NotFound(Msg::new("cases.rules.unknown").arg("code", code)))
}

/// Brings a rule's statutory default back.
pub async fn reset(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
) -> Result<RuleView, AppError> {
    known(code)?;
    let txn = db::begin_write(db).await?;
    let before = views(&txn).await?.into_iter().find(|v| v.code == code);
    deadline_rule::Entity::delete_by_id(code.to_owned())
        .exec(&txn)
        .await?;
    let after = views(&txn).await?.into_iter().find(|v| v.code == code);
    let changes = Changes::diff(&before, &after);
    audit::record(
        &txn,
        actor,
        Event::new("reset", "deadline_rule", code).with(changes),
    )
    .await?;
    txn.commit().await?;
    after.ok_or_else(|| AppError::NotFound(Msg::new("cases.rules.unknown").arg("code", code)))
}
