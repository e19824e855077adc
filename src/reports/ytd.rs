//! The year-to-date report: what was granted and filed from 1 January to the as-of day, against
//! the annual targets and the same period last year, by month, by township, and the enterprises
//! with most grants. Every figure is counted by the database; archived patents never count.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select,
};
use serde::Serialize;

use super::targets::{self, Metric};
use crate::entities::{enterprise, patent, township};
use crate::error::AppError;
use crate::patents::PatentType;
use crate::{clock, settings};

/// How many enterprises the report names.
const TOP: u64 = 10;

/// Patents counted by type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub invention: i64,
    pub utility_model: i64,
    pub design: i64,
    pub total: i64,
}

impl Counts {
    fn add(&mut self, kind: Option<PatentType>, count: i64) {
        match kind {
            Some(PatentType::Invention) => self.invention += count,
            Some(PatentType::UtilityModel) => self.utility_model += count,
            Some(PatentType::Design) => self.design += count,
            None => {}
        }
        self.total += count;
    }

    /// The count a metric measures.
    pub fn of(&self, kind: Option<PatentType>) -> i64 {
        match kind {
            Some(PatentType::Invention) => self.invention,
            Some(PatentType::UtilityModel) => self.utility_model,
            Some(PatentType::Design) => self.design,
            None => self.total,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LastYear {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub grants: Counts,
    pub applications: Counts,
}

/// Growth over the same period last year, in percent; absent when last year had none.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Growth {
    pub grants: Option<f64>,
    pub applications: Option<f64>,
}

/// A target, what is done of it, and how far along (percent, one decimal).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Progress {
    pub target: i64,
    pub done: i64,
    pub percent: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Month {
    pub month: u32,
    pub grants: i64,
    /// Of which, by type.
    pub grants_invention: i64,
    pub grants_utility_model: i64,
    pub grants_design: i64,
    pub grants_cumulative: i64,
    pub applications: i64,
    /// The same month last year, within the same period (so its last month ends a year before
    /// the as-of day).
    pub grants_last_year: i64,
    pub grants_last_year_cumulative: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TownshipRow {
    /// `None` for the patents with no township.
    pub township: Option<String>,
    pub grants: i64,
    pub applications: i64,
    pub grants_target: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TopEnterprise {
    pub name: String,
    /// The enterprise, when the grants are linked to one (else grouped by first applicant).
    pub enterprise_id: Option<i64>,
    pub grants: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct YtdReport {
    pub year: i32,
    pub as_of: NaiveDate,
    pub county: Option<String>,
    pub grants: Counts,
    pub applications: Counts,
    pub same_period_last_year: LastYear,
    pub growth_percent: Growth,
    /// The county's targets of the year, by metric.
    pub targets: BTreeMap<String, Progress>,
    pub by_month: Vec<Month>,
    pub by_township: Vec<TownshipRow>,
    pub top_enterprises: Vec<TopEnterprise>,
}

/// `part` of `whole` in percent, one decimal; `None` when there is no whole.
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole != 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// Growth from `last` to `this` in percent, one decimal; `None` when `last` is 0.
pub fn growth(this: i64, last: i64) -> Option<f64> {
    percent(this - last, last)
}

/// The same day a year earlier; 29 February becomes 28 February.
pub fn a_year_earlier(day: NaiveDate) -> NaiveDate {
    day.with_year(day.year() - 1)
        .or_else(|| NaiveDate::from_ymd_opt(day.year() - 1, 2, 28))
        .unwrap_or(day)
}

/// 1 January of `day`'s year.
fn new_year(day: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day)
}

/// Which date a count looks at.
#[derive(Clone, Copy)]
pub(crate) enum Dated {
    Granted,
    Filed,
}

impl Dated {
    fn column(self) -> patent::Column {
        match self {
            Dated::Granted => patent::Column::GrantedOn,
            Dated::Filed => patent::Column::FiledOn,
        }
    }
}

/// The patents (not archived) whose date is in [from, to].
fn dated(dated: Dated, from: NaiveDate, to: NaiveDate) -> Select<patent::Entity> {
    patent::Entity::find()
        .filter(patent::Column::ArchivedAt.is_null())
        .filter(dated.column().gte(from))
        .filter(dated.column().lte(to))
}

fn counts_query(which: Dated, from: NaiveDate, to: NaiveDate) -> SelectStatement {
    dated(which, from, to)
        .select_only()
        .column(patent::Column::PatentType)
        .expr(Expr::col(patent::Column::Id).count())
        .group_by(patent::Column::PatentType)
        .into_query()
}

pub(crate) async fn counts(
    db: &impl ConnectionTrait,
    which: Dated,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Counts, AppError> {
    let mut counts = Counts::default();
    for row in db.query_all(&counts_query(which, from, to)).await? {
        let kind: String = row.try_get_by_index(0)?;
        let count: i64 = row.try_get_by_index(1)?;
        counts.add(PatentType::parse(&kind), count);
    }
    Ok(counts)
}

/// Counts per day and type (at most a year of days), summed into months in Rust: the month of a
/// date is spelled differently by each database.
fn per_month_query(which: Dated, from: NaiveDate, to: NaiveDate) -> SelectStatement {
    dated(which, from, to)
        .select_only()
        .column(which.column())
        .column(patent::Column::PatentType)
        .expr(Expr::col(patent::Column::Id).count())
        .group_by(which.column())
        .group_by(patent::Column::PatentType)
        .into_query()
}

async fn per_month(
    db: &impl ConnectionTrait,
    which: Dated,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<u32, Counts>, AppError> {
    let mut months: HashMap<u32, Counts> = HashMap::new();
    for row in db.query_all(&per_month_query(which, from, to)).await? {
        let day: Option<NaiveDate> = row.try_get_by_index(0)?;
        let kind: String = row.try_get_by_index(1)?;
        let count: i64 = row.try_get_by_index(2)?;
        if let Some(day) = day {
            months
                .entry(day.month())
                .or_default()
                .add(PatentType::parse(&kind), count);
        }
    }
    Ok(months)
}

fn per_township_query(which: Dated, from: NaiveDate, to: NaiveDate) -> SelectStatement {
    dated(which, from, to)
        .select_only()
        .column(patent::Column::TownshipId)
        .expr(Expr::col(patent::Column::Id).count())
        .group_by(patent::Column::TownshipId)
        .into_query()
}

async fn per_township(
    db: &impl ConnectionTrait,
    which: Dated,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<Option<i64>, i64>, AppError> {
    let mut townships = HashMap::new();
    for row in db.query_all(&per_township_query(which, from, to)).await? {
        let township: Option<i64> = row.try_get_by_index(0)?;
        let count: i64 = row.try_get_by_index(1)?;
        townships.insert(township, count);
    }
    Ok(townships)
}

/// The enterprises with most grants: a patent counts for the first of its applicants linked to an
/// enterprise, else for its first applicant (by the applicant's normalised name).
fn top_query(from: NaiveDate, to: NaiveDate) -> SelectStatement {
    let first = |column: &str, condition: &str| {
        format!(
            "(SELECT \"a\".\"{column}\" FROM \"patent_applicants\" \"a\" WHERE \"a\".\"patent_id\" = \"patents\".\"id\"{condition} ORDER BY \"a\".\"position\" LIMIT 1)"
        )
    };
    let linked = first("enterprise_id", " AND \"a\".\"enterprise_id\" IS NOT NULL");
    let grouped = dated(Dated::Granted, from, to)
        .select_only()
        .expr_as(Expr::cust(linked.clone()), "eid")
        .expr_as(
            Expr::cust(format!(
                "CASE WHEN {linked} IS NULL THEN \"patents\".\"first_applicant_key\" END"
            )),
            "akey",
        )
        .expr_as(Expr::cust(first("name", "")), "aname")
        .into_query();
    let count = Expr::cust("COUNT(*)");
    Query::select()
        .column(Alias::new("eid"))
        .column(Alias::new("akey"))
        .expr(Expr::cust("MIN(\"aname\")"))
        .expr(count.clone())
        .from_subquery(grouped, Alias::new("g"))
        .group_by_col(Alias::new("eid"))
        .group_by_col(Alias::new("akey"))
        .order_by_expr(count, Order::Desc)
        .order_by_expr(Expr::cust("MIN(\"aname\")"), Order::Asc)
        .limit(TOP)
        .to_owned()
}

async fn top_enterprises(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<TopEnterprise>, AppError> {
    let rows = db.query_all(&top_query(from, to)).await?;
    let mut top = Vec::with_capacity(rows.len());
    for row in rows {
        let enterprise_id: Option<i64> = row.try_get_by_index(0)?;
        let applicant: Option<String> = row.try_get_by_index(2)?;
        let grants: i64 = row.try_get_by_index(3)?;
        top.push((enterprise_id, applicant.unwrap_or_default(), grants));
    }
    let ids: Vec<i64> = top.iter().filter_map(|(id, _, _)| *id).collect();
    let names: HashMap<i64, String> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    Ok(top
        .into_iter()
        .map(|(enterprise_id, applicant, grants)| TopEnterprise {
            name: enterprise_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or(applicant),
            enterprise_id,
            grants,
        })
        .collect())
}

/// The patent queries the report of `as_of` runs, as SQL alone (for the benchmark, which times
/// them against the whole report).
pub fn statements(as_of: NaiveDate) -> Vec<SelectStatement> {
    let from = new_year(as_of);
    let last_to = a_year_earlier(as_of);
    let last_from = new_year(last_to);
    vec![
        counts_query(Dated::Granted, from, as_of),
        counts_query(Dated::Filed, from, as_of),
        counts_query(Dated::Granted, last_from, last_to),
        counts_query(Dated::Filed, last_from, last_to),
        per_month_query(Dated::Granted, from, as_of),
        per_month_query(Dated::Filed, from, as_of),
        per_month_query(Dated::Granted, last_from, last_to),
        per_township_query(Dated::Granted, from, as_of),
        per_township_query(Dated::Filed, from, as_of),
        top_query(from, as_of),
    ]
}

/// The report for `year` as of `as_of` (default: today in the configured timezone, or the
/// year's last day for a past year).
pub async fn report(
    db: &impl ConnectionTrait,
    year: Option<i32>,
    as_of: Option<NaiveDate>,
) -> Result<YtdReport, AppError> {
    let settings = settings::service::load(db).await?;
    let today = clock::today(settings.timezone);
    let as_of = period_end(year, as_of, today)?;
    let year = as_of.year();
    let from = new_year(as_of);
    let last_to = a_year_earlier(as_of);
    let last_from = new_year(last_to);

    let grants = counts(db, Dated::Granted, from, as_of).await?;
    let applications = counts(db, Dated::Filed, from, as_of).await?;
    let last_grants = counts(db, Dated::Granted, last_from, last_to).await?;
    let last_applications = counts(db, Dated::Filed, last_from, last_to).await?;

    let month_grants = per_month(db, Dated::Granted, from, as_of).await?;
    let month_applications = per_month(db, Dated::Filed, from, as_of).await?;
    let month_last_year = per_month(db, Dated::Granted, last_from, last_to).await?;
    let (mut cumulative, mut last_cumulative) = (0, 0);
    let by_month = (1..=as_of.month())
        .map(|month| {
            let by_type = month_grants.get(&month).copied().unwrap_or_default();
            let grants = by_type.total;
            let grants_last_year = month_last_year.get(&month).map_or(0, |c| c.total);
            cumulative += grants;
            last_cumulative += grants_last_year;
            Month {
                month,
                grants,
                grants_cumulative: cumulative,
                grants_invention: by_type.invention,
                grants_utility_model: by_type.utility_model,
                grants_design: by_type.design,
                applications: month_applications.get(&month).map_or(0, |c| c.total),
                grants_last_year,
                grants_last_year_cumulative: last_cumulative,
            }
        })
        .collect();

    let year_targets = targets::list(db, year).await?;
    let county_targets: BTreeMap<String, Progress> = year_targets
        .iter()
        .filter(|t| t.township.is_none())
        .filter_map(|t| Metric::parse(&t.metric).map(|m| (m, t.value)))
        .map(|(metric, target)| {
            let done = if metric.is_grants() {
                &grants
            } else {
                &applications
            }
            .of(metric.patent_type());
            let progress = Progress {
                target,
                done,
                percent: percent(done, target),
            };
            (metric.as_str().to_owned(), progress)
        })
        .collect();
    let township_targets: HashMap<String, i64> = year_targets
        .iter()
        .filter(|t| t.metric == Metric::Grants.as_str())
        .filter_map(|t| t.township.clone().map(|name| (name, t.value)))
        .collect();
    let by_township = townships(db, from, as_of, &township_targets).await?;

    Ok(YtdReport {
        year,
        as_of,
        county: settings.jurisdiction.county.clone(),
        growth_percent: Growth {
            grants: growth(grants.total, last_grants.total),
            applications: growth(applications.total, last_applications.total),
        },
        grants,
        applications,
        same_period_last_year: LastYear {
            from: last_from,
            to: last_to,
            grants: last_grants,
            applications: last_applications,
        },
        targets: county_targets,
        by_month,
        by_township,
        top_enterprises: top_enterprises(db, from, as_of).await?,
    })
}

/// Every active township in the officer's order (and any archived one that counts), then the
/// patents with no township when there are any.
async fn townships(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
    targets: &HashMap<String, i64>,
) -> Result<Vec<TownshipRow>, AppError> {
    let grants = per_township(db, Dated::Granted, from, to).await?;
    let applications = per_township(db, Dated::Filed, from, to).await?;
    let all = township::Entity::find().all(db).await?;
    let mut listed: Vec<&township::Model> = all
        .iter()
        .filter(|t| {
            t.archived_at.is_none()
                || grants.contains_key(&Some(t.id))
                || applications.contains_key(&Some(t.id))
        })
        .collect();
    listed.sort_by_key(|t| (t.archived_at.is_some(), t.position, t.id));
    let row = |id: Option<i64>, name: Option<String>| TownshipRow {
        grants_target: name.as_ref().and_then(|n| targets.get(n).copied()),
        township: name,
        grants: grants.get(&id).copied().unwrap_or(0),
        applications: applications.get(&id).copied().unwrap_or(0),
    };
    let mut rows: Vec<TownshipRow> = listed
        .iter()
        .map(|t| row(Some(t.id), Some(t.name.clone())))
        .collect();
    let unassigned = row(None, None);
    if unassigned.grants > 0 || unassigned.applications > 0 {
        rows.push(unassigned);
    }
    Ok(rows)
}

/// The as-of day: the one asked for, else today — or the year's last day when the year asked
/// for is over (and its first when it has not begun).
fn period_end(
    year: Option<i32>,
    as_of: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<NaiveDate, AppError> {
    let bad_year = |year: i32| {
        crate::error::field_error(
            "year",
            crate::i18n::Msg::new("reports.target.bad_year").arg("year", year),
        )
    };
    match (year, as_of) {
        (Some(year), _) if !targets::YEARS.contains(&year) => Err(bad_year(year)),
        (Some(year), Some(day)) if day.year() != year => Err(crate::error::field_error(
            "as_of",
            crate::i18n::Msg::new("reports.ytd.as_of_other_year")
                .arg("as_of", day)
                .arg("year", year),
        )),
        (_, Some(day)) => Ok(day),
        (Some(year), None) if year < today.year() => {
            NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| bad_year(year))
        }
        (Some(year), None) if year > today.year() => {
            NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| bad_year(year))
        }
        _ => Ok(today),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn percentages_have_one_decimal_and_no_invented_base() {
        assert_eq!(growth(131, 108), Some(21.3));
        assert_eq!(growth(0, 5), Some(-100.0));
        assert_eq!(growth(3, 0), None);
        assert_eq!(percent(8, 10), Some(80.0));
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(5, 0), None);
    }

    #[test]
    fn a_year_earlier_keeps_the_day_but_29_february() {
        assert_eq!(a_year_earlier(day(2026, 6, 30)), day(2025, 6, 30));
        assert_eq!(a_year_earlier(day(2028, 2, 29)), day(2027, 2, 28));
        assert_eq!(a_year_earlier(day(2026, 1, 1)), day(2025, 1, 1));
    }

    #[test]
    fn the_as_of_day_follows_the_year_asked_for() {
        let today = day(2026, 11, 28);
        assert_eq!(period_end(None, None, today).ok(), Some(today));
        assert_eq!(period_end(Some(2026), None, today).ok(), Some(today));
        assert_eq!(
            period_end(Some(2025), None, today).ok(),
            Some(day(2025, 12, 31))
        );
        assert_eq!(
            period_end(Some(2026), Some(day(2026, 6, 30)), today).ok(),
            Some(day(2026, 6, 30))
        );
        assert!(period_end(Some(2026), Some(day(2025, 6, 30)), today).is_err());
        assert!(period_end(Some(99999), None, today).is_err());
    }
}
