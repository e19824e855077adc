//! The holiday calendar as stored: read whole for deadline arithmetic; a day set or removed by an
//! admin, or whole years replaced from a sheet — each write audited.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};

use super::domain::{Calendar, DayKind};
use super::sheet::CalendarDay;
use crate::audit::{self, Actor, Changes, Event};
use crate::db;
use crate::entities::holiday;
use crate::error::{AppError, FieldErrors, field_error};
use crate::i18n::Msg;

fn kind_of(row: &holiday::Model) -> DayKind {
    DayKind::parse(&row.kind).unwrap_or(DayKind::Holiday)
}

/// The whole calendar, for deadline arithmetic.
pub async fn load(db: &impl ConnectionTrait) -> Result<Calendar, AppError> {
    let rows = holiday::Entity::find().all(db).await?;
    Ok(Calendar::new(rows.iter().map(|r| (r.day, kind_of(r)))))
}

/// The days of a year, in order.
pub async fn year(db: &impl ConnectionTrait, year: i32) -> Result<Vec<CalendarDay>, AppError> {
    let (first, last) = bounds(year)?;
    Ok(holiday::Entity::find()
        .filter(holiday::Column::Day.gte(first))
        .filter(holiday::Column::Day.lte(last))
        .order_by_asc(holiday::Column::Day)
        .all(db)
        .await?
        .iter()
        .map(|r| CalendarDay {
            day: r.day,
            kind: kind_of(r),
            name: r.name.clone(),
        })
        .collect())
}

/// The years that have days in the calendar.
pub async fn loaded_years(db: &impl ConnectionTrait) -> Result<BTreeSet<i32>, AppError> {
    let days: Vec<NaiveDate> = holiday::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.day)
        .collect();
    Ok(days.into_iter().map(|d| d.year()).collect())
}

/// The first and last day of a year the calendar may hold (`dates::YEARS`: a mistyped year such
/// as 2206 is refused, not recorded).
fn bounds(year: i32) -> Result<(NaiveDate, NaiveDate), AppError> {
    let days = crate::dates::YEARS.contains(&year).then(|| {
        (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        )
    });
    match days {
        Some((Some(first), Some(last))) => Ok((first, last)),
        _ => Err(field_error("year", bad_year(year))),
    }
}

fn bad_year(year: i32) -> Msg {
    Msg::new("calendar.bad_year").arg("year", year)
}

/// A day as typed or sent: `{"day", "kind": "holiday|workday", "name"}`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DayInput {
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
}

impl DayInput {
    pub fn validate(&self) -> Result<CalendarDay, AppError> {
        let mut errors = FieldErrors::new();
        let day = crate::dates::parse_optional(&self.day)
            .map_err(|msg| errors.add("day", msg))
            .ok()
            .flatten();
        if day.is_none() && self.day.trim().is_empty() {
            errors.add("day", Msg::new("calendar.day_required"));
        }
        if let Some(day) = day
            && !crate::dates::in_desk_years(day)
        {
            errors.add("day", bad_year(day.year()));
        }
        let kind = DayKind::parse(&self.kind);
        if kind.is_none() {
            errors.add("kind", Msg::new("calendar.kind_unknown"));
        }
        let name = crate::auth::domain::optional_text(&self.name, 100, "name", &mut errors);
        errors.into_result()?;
        Ok(CalendarDay {
            day: day.unwrap_or_default(),
            kind: kind.unwrap_or(DayKind::Holiday),
            name: name.unwrap_or_default(),
        })
    }
}

async fn insert(db: &impl ConnectionTrait, day: &CalendarDay) -> Result<(), AppError> {
    holiday::ActiveModel {
        day: Set(day.day),
        kind: Set(day.kind.as_str().to_owned()),
        name: Set(day.name.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn delete_between(
    db: &impl ConnectionTrait,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<u64, AppError> {
    Ok(holiday::Entity::delete_many()
        .filter(holiday::Column::Day.gte(first))
        .filter(holiday::Column::Day.lte(last))
        .exec(db)
        .await?
        .rows_affected)
}

/// Sets one day (a holiday, or a make-up working day), replacing what the day was.
pub async fn set_day(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &DayInput,
) -> Result<CalendarDay, AppError> {
    let day = input.validate()?;
    let txn = db::begin_write(db).await?;
    let before = holiday::Entity::find()
        .filter(holiday::Column::Day.eq(day.day))
        .one(&txn)
        .await?
        .map(|r| format!("{} {}", r.kind, r.name));
    delete_between(&txn, day.day, day.day).await?;
    insert(&txn, &day).await?;
    let after = format!("{} {}", day.kind.as_str(), day.name);
    let changes = Changes::new().field("day", before, after);
    let event = Event::new("set", "calendar_day", day.day).with(changes);
    audit::record(&txn, actor, event).await?;
    txn.commit().await?;
    Ok(day)
}

/// Takes a day out of the calendar: it follows the week's rule again.
pub async fn remove_day(db: &DatabaseConnection, actor: &Actor, raw: &str) -> Result<(), AppError> {
    let day = crate::dates::parse_optional(raw)
        .map_err(|msg| field_error("day", msg))?
        .ok_or_else(|| field_error("day", Msg::new("calendar.day_required")))?;
    let txn = db::begin_write(db).await?;
    if delete_between(&txn, day, day).await? == 0 {
        return Err(AppError::NotFound(
            Msg::new("calendar.not_in_calendar").arg("day", day),
        ));
    }
    let event = Event::new("remove", "calendar_day", day);
    audit::record(&txn, actor, event).await?;
    txn.commit().await?;
    Ok(())
}

/// What replacing years from a sheet did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Replaced {
    pub years: Vec<i32>,
    pub holidays: usize,
    pub workdays: usize,
}

impl Replaced {
    /// "Loaded 2026: 33 days off, 6 make-up working days."
    pub fn message(&self) -> Msg {
        Msg::new("calendar.imported")
            .list_arg("years", &self.years)
            .arg("holidays", self.holidays)
            .arg("workdays", self.workdays)
    }
}

/// Replaces every year the days fall in with exactly these days (a year's notice is the whole
/// truth for that year), in one transaction.
pub async fn replace_years(
    db: &DatabaseConnection,
    actor: &Actor,
    days: &[CalendarDay],
) -> Result<Replaced, AppError> {
    let years: BTreeSet<i32> = days.iter().map(|d| d.day.year()).collect();
    let txn = db::begin_write(db).await?;
    for year in &years {
        let (first, last) = bounds(*year)?;
        delete_between(&txn, first, last).await?;
    }
    let mut seen = BTreeSet::new();
    for day in days {
        // A day given twice (a range and a single line): the later line wins.
        if !seen.insert(day.day) {
            delete_between(&txn, day.day, day.day).await?;
        }
        insert(&txn, day).await?;
    }
    let replaced = Replaced {
        years: years.into_iter().collect(),
        holidays: days.iter().filter(|d| d.kind == DayKind::Holiday).count(),
        workdays: days.iter().filter(|d| d.kind == DayKind::Workday).count(),
    };
    let changes = Changes::new().field("replaced", None::<Replaced>, &replaced);
    let years_text: Vec<String> = replaced.years.iter().map(i32::to_string).collect();
    let event = Event::new("import", "calendar", years_text.join(",")).with(changes);
    audit::record(&txn, actor, event).await?;
    txn.commit().await?;
    Ok(replaced)
}

/// Reads a sheet of days (in the child process, as every upload) and replaces the years it covers.
pub async fn import_sheet(
    db: &DatabaseConnection,
    reader: &crate::import::reader::ChildReader,
    actor: &Actor,
    bytes: &[u8],
) -> Result<Replaced, AppError> {
    let workbook = reader.read(bytes).await?;
    let days = super::sheet::read(&workbook).map_err(AppError::BadRequest)?;
    replace_years(db, actor, &days).await
}

/// Loads a year as the State Council's notice has it (built in: [`super::notices`]), replacing
/// what the calendar held for that year, like a sheet of the notice would.
pub async fn load_notice(
    db: &DatabaseConnection,
    actor: &Actor,
    year: i32,
) -> Result<Replaced, AppError> {
    let Some(days) = super::notices::days(year) else {
        return Err(AppError::NotFound(
            Msg::new("calendar.no_notice").arg("year", year),
        ));
    };
    replace_years(db, actor, &days).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_outside_the_desk_s_years_is_refused() {
        // (day as typed, accepted)
        let cases = [
            ("2026-10-01", true),
            ("2000-01-01", true),
            ("2100-12-31", true),
            ("1800-01-01", false),
            ("2206-10-01", false),
        ];
        for (day, accepted) in cases {
            let input = DayInput {
                day: day.to_owned(),
                kind: "holiday".to_owned(),
                name: String::new(),
            };
            assert_eq!(input.validate().is_ok(), accepted, "{day}");
        }
        assert!(bounds(2026).is_ok());
        assert!(bounds(0).is_err() && bounds(100_000).is_err());
    }
}
