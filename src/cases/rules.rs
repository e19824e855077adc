//! The time limits in force: the statutory defaults, each with the length an admin may have set
//! in its place (a province's own rules, a change in the law). Every change is audited; a reset
//! brings the default back.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait,
};
use serde::{Deserialize, Serialize};

use super::deadlines::{Rule, default_rules};
use crate::audit::edit::Edit;
use crate::audit::{self, Actor, Changes, Event};
use crate::calendar::domain::{Period, Unit};
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
    /// It differs from the default (an admin set it so).
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
            let period = changed.unwrap_or(rule.period);
            RuleView {
                code: rule.code.clone(),
                period,
                extension,
                default_period: rule.period,
                default_extension: rule.extension,
                // A rule set to its default, however stored, is not changed.
                changed: (period, extension) != (rule.period, rule.extension),
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
        let period = read_period(&self.amount, &self.unit, Length::TimeLimit, &mut errors);
        let extension = if self.extension_amount.trim().is_empty() {
            None
        } else {
            read_period(
                &self.extension_amount,
                &self.extension_unit,
                Length::Extension,
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

/// The two lengths of a rule, as its form and the API take them.
#[derive(Clone, Copy)]
enum Length {
    TimeLimit,
    Extension,
}

impl Length {
    /// The names of the length's amount and unit fields.
    fn fields(self) -> (&'static str, &'static str) {
        match self {
            Length::TimeLimit => ("amount", "unit"),
            Length::Extension => ("extension_amount", "extension_unit"),
        }
    }

    /// The sentences refusing the amount and the unit. The CLI prints them without the fields,
    /// so the extension's say that they are the extension's.
    fn refusals(self) -> (Msg, Msg) {
        match self {
            Length::TimeLimit => (Msg::new("cases.rules.amount"), Msg::new("cases.rules.unit")),
            Length::Extension => (
                Msg::new("cases.rules.extension_amount"),
                Msg::new("cases.rules.extension_unit"),
            ),
        }
    }
}

/// A length from its amount and unit, or the problems with them, each on its own field.
fn read_period(
    amount: &str,
    unit: &str,
    length: Length,
    errors: &mut FieldErrors,
) -> Option<Period> {
    let (amount_field, unit_field) = length.fields();
    let (bad_amount, bad_unit) = length.refusals();
    let amount = amount
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=3650).contains(n));
    if amount.is_none() {
        errors.add(amount_field, bad_amount);
    }
    let unit = Unit::parse(unit);
    if unit.is_none() {
        errors.add(unit_field, bad_unit);
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
    let edit = Edit::begin(db).await?;
    let txn = &edit.txn;
    let before = views(txn).await?.into_iter().find(|v| v.code == code);
    let existing = deadline_rule::Entity::find_by_id(code.to_owned())
        .one(txn)
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
        active.update(txn).await?;
    } else {
        active.insert(txn).await?;
    }
    let after = views(txn).await?.into_iter().find(|v| v.code == code);
    let changes = Changes::diff(&before, &after);
    audit::record(
        txn,
        actor,
        Event::new("set", "deadline_rule", code).with(changes),
    )
    .await?;
    let now = if edit.finish().await? { after } else { before };
    now.ok_or_else(|| AppError::NotFound(Msg::new("cases.rules.unknown").arg("code", code)))
}

/// Brings a rule's statutory default back.
pub async fn reset(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
) -> Result<RuleView, AppError> {
    known(code)?;
    let edit = Edit::begin(db).await?;
    let txn = &edit.txn;
    let before = views(txn).await?.into_iter().find(|v| v.code == code);
    deadline_rule::Entity::delete_by_id(code.to_owned())
        .exec(txn)
        .await?;
    let after = views(txn).await?.into_iter().find(|v| v.code == code);
    let changes = Changes::diff(&before, &after);
    audit::record(
        txn,
        actor,
        Event::new("reset", "deadline_rule", code).with(changes),
    )
    .await?;
    let now = if edit.finish().await? { after } else { before };
    now.ok_or_else(|| AppError::NotFound(Msg::new("cases.rules.unknown").arg("code", code)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(amount: &str, unit: &str, extension: (&str, &str)) -> RuleInput {
        RuleInput {
            amount: amount.into(),
            unit: unit.into(),
            extension_amount: extension.0.into(),
            extension_unit: extension.1.into(),
        }
    }

    /// The fields refused, each with its own sentence.
    fn refused(input: &RuleInput) -> Vec<(String, String)> {
        match input.validate() {
            Err(AppError::Validation(errors)) => errors
                .iter()
                .map(|(field, msg)| (field.clone(), msg.key.clone()))
                .collect(),
            other => panic!("expected refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_length_is_read_with_its_extension() {
        let days = |amount| Period::new(amount, Unit::Days);
        let table = [
            (input("90", "days", ("", "")), (days(90), None)),
            (input(" 15 ", "days", ("  ", "bogus")), (days(15), None)),
            (
                input("3650", "days", ("1", "months")),
                (days(3650), Some(Period::new(1, Unit::Months))),
            ),
            (
                input("5", "working_days", ("30", "days")),
                (Period::new(5, Unit::WorkingDays), Some(days(30))),
            ),
        ];
        for (given, read) in table {
            assert_eq!(given.validate().ok(), Some(read), "{given:?}");
        }
    }

    #[test]
    fn each_wrong_part_is_refused_on_its_own_field() {
        let pair = |field: &str, key: &str| (field.to_owned(), key.to_owned());
        let table = [
            (
                input("0", "days", ("", "")),
                vec![pair("amount", "cases.rules.amount")],
            ),
            (
                input("3651", "weeks", ("", "")),
                vec![
                    pair("amount", "cases.rules.amount"),
                    pair("unit", "cases.rules.unit"),
                ],
            ),
            (
                input("90", "days", ("-1", "")),
                vec![
                    pair("extension_amount", "cases.rules.extension_amount"),
                    pair("extension_unit", "cases.rules.extension_unit"),
                ],
            ),
            (
                input("", "", ("x", "days")),
                vec![
                    pair("amount", "cases.rules.amount"),
                    pair("unit", "cases.rules.unit"),
                    pair("extension_amount", "cases.rules.extension_amount"),
                ],
            ),
        ];
        for (given, fields) in table {
            assert_eq!(refused(&given), fields, "{given:?}");
        }
    }
}
