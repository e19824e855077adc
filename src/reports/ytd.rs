//! The year-to-date report: what was granted and filed from 1 January to the as-of day, against
//! the annual targets and the same period last year, by month, by township, and the enterprises
//! with most grants. Every figure is counted by the database; archived patents never count.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Statement,
};
use serde::Serialize;

use super::targets::{self, Metric, TargetView};
use crate::entities::{enterprise, patent, patent_applicant, township};
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
    pub grants_invention: Option<f64>,
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
    /// The publicity events that began from 1 January to the as-of day.
    pub events: crate::events::query::EventTotals,
    /// The visits made from 1 January to the as-of day, and their effect so far.
    pub visits: crate::visits::query::VisitTotals,
    /// The joint inspections that began from 1 January to the as-of day.
    pub inspections: crate::inspections::query::InspectionTotals,
    /// The cases opened, closed and fined from 1 January to the as-of day.
    pub cases: crate::cases::query::CaseFigures,
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
pub(crate) fn new_year(day: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day)
}

/// Which date a count looks at.
#[derive(Clone, Copy)]
pub(crate) enum Dated {
    Granted,
    Filed,
}

impl Dated {
    /// Its name in the tallies' `date_of`.
    fn as_str(self) -> &'static str {
        match self {
            Dated::Granted => "granted",
            Dated::Filed => "filed",
        }
    }
}

// The patents (not archived) counted by grant or filing day and type, and by day and township
// (0 for none): tables SQLite keeps by triggers, views on PostgreSQL (see the migration
// `report_tallies`).
const TYPE_DAYS: &str = "patent_type_days";
const TOWNSHIP_DAYS: &str = "patent_township_days";

fn col(tally: &str, name: &str) -> Expr {
    Expr::col((Alias::new(tally), Alias::new(name)))
}

/// A tally's days of `which` from `from` to `to` (inclusive).
fn days(tally: &str, which: Dated, from: NaiveDate, to: NaiveDate) -> SelectStatement {
    Query::select()
        .from(Alias::new(tally))
        .and_where(col(tally, "date_of").eq(which.as_str()))
        .and_where(col(tally, "day").gte(from))
        .and_where(col(tally, "day").lte(to))
        .to_owned()
}

/// The sum of a tally's counts, as a 64-bit integer on both databases.
fn total(tally: &str) -> Expr {
    Expr::cust(format!("CAST(SUM(\"{tally}\".\"patents\") AS BIGINT)"))
}

fn counts_query(which: Dated, from: NaiveDate, to: NaiveDate) -> SelectStatement {
    days(TYPE_DAYS, which, from, to)
        .column(Alias::new("patent_type"))
        .expr(total(TYPE_DAYS))
        .group_by_col(Alias::new("patent_type"))
        .to_owned()
}

/// The patents of each type whose date is in [from, to].
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

/// The month of a tally's day as `2026-03`, as each database spells it (SQLite keeps dates as
/// text).
fn month_of_day(backend: DbBackend) -> String {
    let day = format!("\"{TYPE_DAYS}\".\"day\"");
    match backend {
        DbBackend::Postgres => format!("to_char({day}, 'YYYY-MM')"),
        _ => format!("substr({day}, 1, 7)"),
    }
}

/// The counts of `which` in the report's two periods (this year so far, the same period last
/// year) by month and type. One range from the first period's start to the second's end, the
/// days between them left out: a range is one walk along the tally's key, where two would be a
/// scan.
fn months_query(backend: DbBackend, which: Dated, periods: &Periods) -> SelectStatement {
    let month = Expr::cust(month_of_day(backend));
    let (last, this) = (periods.last_year, periods.this_year);
    days(TYPE_DAYS, which, last.0, this.1)
        .cond_where(
            Condition::any()
                .add(col(TYPE_DAYS, "day").lte(last.1))
                .add(col(TYPE_DAYS, "day").gte(this.0)),
        )
        .expr(month.clone())
        .column(Alias::new("patent_type"))
        .expr(total(TYPE_DAYS))
        .add_group_by([month, col(TYPE_DAYS, "patent_type")])
        .to_owned()
}

/// Patents of a type dated in a month.
#[derive(Clone, Copy, Debug)]
struct Counted {
    year: i32,
    month: u32,
    kind: Option<PatentType>,
    patents: i64,
}

async fn months(
    db: &impl ConnectionTrait,
    which: Dated,
    periods: &Periods,
) -> Result<Vec<Counted>, AppError> {
    let query = months_query(db.get_database_backend(), which, periods);
    let mut counted = Vec::new();
    for row in db.query_all(&query).await? {
        let month: String = row.try_get_by_index(0)?;
        let kind: String = row.try_get_by_index(1)?;
        let Some((year, month)) = month
            .split_once('-')
            .and_then(|(y, m)| Some((y.parse().ok()?, m.parse().ok()?)))
        else {
            continue;
        };
        counted.push(Counted {
            year,
            month,
            kind: PatentType::parse(&kind),
            patents: row.try_get_by_index(2)?,
        });
    }
    Ok(counted)
}

fn townships_query(which: Dated, from: NaiveDate, to: NaiveDate) -> SelectStatement {
    days(TOWNSHIP_DAYS, which, from, to)
        .column(Alias::new("township_id"))
        .expr(total(TOWNSHIP_DAYS))
        .group_by_col(Alias::new("township_id"))
        .to_owned()
}

/// The patents of each township (`None`: no township) whose date is in [from, to].
async fn per_township(
    db: &impl ConnectionTrait,
    which: Dated,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<HashMap<Option<i64>, i64>, AppError> {
    let mut townships = HashMap::new();
    for row in db.query_all(&townships_query(which, from, to)).await? {
        let township: i64 = row.try_get_by_index(0)?;
        let count: i64 = row.try_get_by_index(1)?;
        townships.insert((township != 0).then_some(township), count);
    }
    Ok(townships)
}

/// The counts of one year, by type.
fn of_year(counted: &[Counted], year: i32) -> Counts {
    let mut counts = Counts::default();
    for c in counted.iter().filter(|c| c.year == year) {
        counts.add(c.kind, c.patents);
    }
    counts
}

/// The counts of one year, by month and type.
fn by_month(counted: &[Counted], year: i32) -> HashMap<u32, Counts> {
    let mut months: HashMap<u32, Counts> = HashMap::new();
    for c in counted.iter().filter(|c| c.year == year) {
        months.entry(c.month).or_default().add(c.kind, c.patents);
    }
    months
}

/// Whose grants a top list counts: the enterprises first applicants are linked to, or the names
/// of first applicants linked to none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Holders {
    Linked,
    Unlinked,
}

/// The holders of one kind with most grants. A grant counts for its first applicant (第一申请人,
/// as patent statistics attribute it): for the enterprise that applicant is linked to — so an
/// enterprise's several spellings count together — else for the applicant's name as it is. The
/// grants are grouped from an index alone (each patent keeps its first applicant's link), each
/// kind by one column: grouping both at once, by an expression, took twice as long.
fn top_query(holders: Holders, from: NaiveDate, to: NaiveDate) -> SelectStatement {
    use patent::Column as P;
    // COUNT(*), not of a column: the index holds no other, so the count stays in the index.
    let grants = Expr::cust("COUNT(*)");
    let first_key = Expr::col(P::FirstApplicantKey).min();
    let query = patent::Entity::find()
        .filter(P::ArchivedAt.is_null())
        .filter(P::GrantedOn.gte(from))
        .filter(P::GrantedOn.lte(to))
        .filter(P::FirstApplicantKey.is_not_null())
        .select_only();
    let query = match holders {
        Holders::Linked => query
            .column(P::FirstApplicantEnterpriseId)
            .filter(P::FirstApplicantEnterpriseId.is_not_null())
            .group_by(P::FirstApplicantEnterpriseId),
        Holders::Unlinked => query
            .expr(Expr::cust("CAST(NULL AS BIGINT)"))
            .filter(P::FirstApplicantEnterpriseId.is_null())
            .group_by(P::FirstApplicantKey),
    };
    query
        .expr(first_key.clone())
        .expr(grants.clone())
        .into_query()
        .order_by_expr(grants, Order::Desc)
        .order_by_expr(first_key, Order::Asc)
        .limit(TOP)
        .to_owned()
}

/// A top-list statement as it is run. On SQLite it names its index: once ANALYZE has run,
/// SQLite's planner prefers the plain index on the grant day, which sends it to the table for
/// every grant of the year (ten times slower at a million patents), to the covering one made for
/// this statement.
fn top_statement(
    backend: DbBackend,
    holders: Holders,
    from: NaiveDate,
    to: NaiveDate,
) -> Statement {
    let mut statement = backend.build(&top_query(holders, from, to));
    if backend == DbBackend::Sqlite {
        statement.sql = statement.sql.replacen(
            "FROM \"patents\"",
            "FROM \"patents\" INDEXED BY patents_granted_holders",
            1,
        );
    }
    statement
}

/// The holders with most grants, of both kinds: each kind's own top list, merged in the same
/// order (most grants, then the first applicant's name).
async fn top_holders(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Holder>, AppError> {
    let mut top = Vec::new();
    for holders in [Holders::Linked, Holders::Unlinked] {
        let statement = top_statement(db.get_database_backend(), holders, from, to);
        for row in db.query_all_raw(statement).await? {
            let enterprise_id: Option<i64> = row.try_get_by_index(0)?;
            let key: String = row.try_get_by_index(1)?;
            let grants: i64 = row.try_get_by_index(2)?;
            top.push((enterprise_id, key, grants));
        }
    }
    Ok(ranked(top))
}

/// A holder with its grants: the enterprise (none for a name linked to none), the key its ties
/// are broken by, and the grants.
type Holder = (Option<i64>, String, i64);

/// The tally of grants by year and holder (see the migration `holder_tally`): on PostgreSQL its
/// folded counts, read alone only when no change of the year waits to be folded.
fn holder_tally(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "patent_holder_years_counts",
        _ => "patent_holder_years",
    }
}

/// The tally's holders of `year` with at least as many grants as the tenth: every one that could
/// be among the ten, ties included, read along the index on the count.
fn tally_top_statement(backend: DbBackend, year: i32) -> Statement {
    let table = holder_tally(backend);
    let tenth = TOP.saturating_sub(1);
    Statement::from_string(
        backend,
        format!(
            "SELECT enterprise_id, holder_key, grants FROM {table} \
             WHERE year = {year} AND grants > 0 AND grants >= COALESCE((SELECT grants \
             FROM {table} WHERE year = {year} AND grants > 0 \
             ORDER BY grants DESC LIMIT 1 OFFSET {tenth}), 1)"
        ),
    )
}

/// The holders with most grants in [from, to] from the tally of the year's grants, when it
/// answers exactly that: no grant of the year is dated after `to` (so a report as of today, or
/// of a year's end), and on PostgreSQL nothing of the year waits to be folded. Ties are broken by
/// the first applicant's name for a name, by the enterprise's name for an enterprise.
async fn tallied_top(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Option<Vec<Holder>>, AppError> {
    let year = from.year();
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(to);
    let later: Option<i64> = patent::Entity::find()
        .select_only()
        .column(patent::Column::Id)
        .filter(patent::Column::ArchivedAt.is_null())
        .filter(patent::Column::GrantedOn.gt(to))
        .filter(patent::Column::GrantedOn.lte(year_end))
        .into_tuple()
        .one(db)
        .await?;
    let backend = db.get_database_backend();
    if later.is_some() || (backend == DbBackend::Postgres && unfolded(db, year).await?) {
        return Ok(None);
    }
    let mut top = Vec::new();
    for row in db.query_all_raw(tally_top_statement(backend, year)).await? {
        let enterprise_id: i64 = row.try_get_by_index(0)?;
        let key: String = row.try_get_by_index(1)?;
        let grants: i64 = row.try_get_by_index(2)?;
        top.push(((enterprise_id != 0).then_some(enterprise_id), key, grants));
    }
    let enterprises = enterprises_of(db, &top).await?;
    for (id, key, _) in &mut top {
        if let Some(enterprise) = id.and_then(|id| enterprises.get(&id)) {
            key.clone_from(&enterprise.name_key);
        }
    }
    Ok(Some(ranked(top)))
}

/// Most grants first, ties by key; the first [`TOP`].
fn ranked(mut top: Vec<Holder>) -> Vec<Holder> {
    top.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
    top.truncate(usize::try_from(TOP).unwrap_or(usize::MAX));
    top
}

/// The enterprises these holders are linked to (no query when none is).
async fn enterprises_of(
    db: &impl ConnectionTrait,
    holders: &[Holder],
) -> Result<HashMap<i64, enterprise::Model>, AppError> {
    let ids: Vec<i64> = holders.iter().filter_map(|(id, _, _)| *id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect())
}

/// Whether changes to the year's holder tally wait to be folded (PostgreSQL).
async fn unfolded(db: &impl ConnectionTrait, year: i32) -> Result<bool, AppError> {
    let statement = Statement::from_string(
        DbBackend::Postgres,
        format!("SELECT 1 FROM patent_holder_years_deltas WHERE year = {year} LIMIT 1"),
    );
    Ok(db.query_one_raw(statement).await?.is_some())
}

async fn top_enterprises(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<TopEnterprise>, AppError> {
    let top = match tallied_top(db, from, to).await? {
        Some(top) => top,
        None => top_holders(db, from, to).await?,
    };
    let enterprises: HashMap<i64, String> = enterprises_of(db, &top)
        .await?
        .into_iter()
        .map(|(id, e)| (id, e.name))
        .collect();
    let keys = top.iter().filter(|(id, _, _)| id.is_none());
    let applicants = applicant_names(db, keys.map(|(_, key, _)| key.clone())).await?;
    Ok(top
        .into_iter()
        .map(|(enterprise_id, key, grants)| TopEnterprise {
            name: enterprise_id
                .and_then(|id| enterprises.get(&id))
                .or_else(|| applicants.get(&key))
                .cloned()
                .unwrap_or(key),
            enterprise_id,
            grants,
        })
        .collect())
}

/// How each of these applicant keys was first written: one row a key (a person may have applied
/// hundreds of times).
async fn applicant_names(
    db: &impl ConnectionTrait,
    keys: impl Iterator<Item = String>,
) -> Result<HashMap<String, String>, AppError> {
    let mut names = HashMap::new();
    for key in keys {
        let first = patent_applicant::Entity::find()
            .filter(patent_applicant::Column::NameKey.eq(&key))
            .order_by_asc(patent_applicant::Column::Id)
            .one(db)
            .await?;
        if let Some(applicant) = first {
            names.insert(key, applicant.name);
        }
    }
    Ok(names)
}

/// The report's two periods, each inclusive.
#[derive(Clone, Copy, Debug)]
struct Periods {
    /// 1 January to the as-of day.
    this_year: (NaiveDate, NaiveDate),
    /// The same a year earlier (29 February becomes 28 February).
    last_year: (NaiveDate, NaiveDate),
}

impl Periods {
    fn of(as_of: NaiveDate) -> Periods {
        let last_to = a_year_earlier(as_of);
        Periods {
            this_year: (new_year(as_of), as_of),
            last_year: (new_year(last_to), last_to),
        }
    }
}

/// The report for `year` as of `as_of` (default: today in the configured timezone, or the
/// year's last day for a past year). Its thirty-odd statements read one snapshot of the database
/// (`db::read_at_once`), so its figures agree with each other while others write (on PostgreSQL,
/// another instance may fold the tallies' changes between two of them).
pub async fn report(
    db: &DatabaseConnection,
    year: Option<i32>,
    as_of: Option<NaiveDate>,
) -> Result<YtdReport, AppError> {
    crate::db::read_at_once(db, async |txn| report_in(txn, year, as_of).await).await
}

async fn report_in(
    db: &impl ConnectionTrait,
    year: Option<i32>,
    as_of: Option<NaiveDate>,
) -> Result<YtdReport, AppError> {
    let settings = settings::service::load(db).await?;
    let today = clock::today(settings.timezone);
    let as_of = period_end(year, as_of, today)?;
    let year = as_of.year();
    let periods = Periods::of(as_of);
    let (from, _) = periods.this_year;
    let (last_from, last_to) = periods.last_year;
    let last_year = last_to.year();
    let granted = months(db, Dated::Granted, &periods).await?;
    let filed = months(db, Dated::Filed, &periods).await?;
    let grants = of_year(&granted, year);
    let applications = of_year(&filed, year);
    let last_grants = of_year(&granted, last_year);
    let last_applications = of_year(&filed, last_year);

    let by_month = month_rows(&granted, &filed, (year, last_year), as_of.month());
    let year_targets = targets::list(db, year).await?;
    let county_targets = county_progress(&year_targets, &grants, &applications);
    let township_targets: HashMap<String, i64> = year_targets
        .iter()
        .filter(|t| t.metric == Metric::Grants.as_str())
        .filter_map(|t| t.township.clone().map(|name| (name, t.value)))
        .collect();
    let counted = (
        per_township(db, Dated::Granted, periods.this_year).await?,
        per_township(db, Dated::Filed, periods.this_year).await?,
    );
    let by_township = townships(db, counted, &township_targets).await?;

    Ok(YtdReport {
        year,
        as_of,
        county: settings.jurisdiction.county.clone(),
        growth_percent: Growth {
            grants: growth(grants.total, last_grants.total),
            grants_invention: growth(grants.invention, last_grants.invention),
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
        events: crate::events::query::started_between(db, from, as_of).await?,
        visits: crate::visits::query::made_between(db, from, as_of).await?,
        inspections: crate::inspections::query::started_between(db, from, as_of).await?,
        cases: crate::cases::query::figures(db, from, as_of).await?,
    })
}

/// The months of the year up to `last_month`: grants by type, applications, and the cumulative
/// grants beside last year's.
fn month_rows(
    granted: &[Counted],
    filed: &[Counted],
    (year, last_year): (i32, i32),
    last_month: u32,
) -> Vec<Month> {
    let month_grants = by_month(granted, year);
    let month_applications = by_month(filed, year);
    let month_last_year = by_month(granted, last_year);
    let (mut cumulative, mut last_cumulative) = (0, 0);
    (1..=last_month)
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
        .collect()
}

/// The county's targets of the year (those of no township) with what is done toward each.
fn county_progress(
    year_targets: &[TargetView],
    grants: &Counts,
    applications: &Counts,
) -> BTreeMap<String, Progress> {
    year_targets
        .iter()
        .filter(|t| t.township.is_none())
        .filter_map(|t| Metric::parse(&t.metric).map(|m| (m, t.value)))
        .map(|(metric, target)| {
            let done = if metric.is_grants() {
                grants
            } else {
                applications
            }
            .of(metric.patent_type());
            let progress = Progress {
                target,
                done,
                percent: percent(done, target),
            };
            (metric.as_str().to_owned(), progress)
        })
        .collect()
}

/// Every active township in the officer's order (and any archived one that counts), then the
/// patents with no township when there are any.
async fn townships(
    db: &impl ConnectionTrait,
    (grants, applications): (HashMap<Option<i64>, i64>, HashMap<Option<i64>, i64>),
    targets: &HashMap<String, i64>,
) -> Result<Vec<TownshipRow>, AppError> {
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
pub(crate) fn period_end(
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
        (_, Some(day)) if !crate::dates::in_desk_years(day) => Err(crate::error::field_error(
            "as_of",
            crate::i18n::Msg::new("reports.target.bad_year").arg("year", day.year()),
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
        // A mistyped year in the day (2206 for 2026) is refused, not reported on.
        assert!(period_end(None, Some(day(2206, 6, 30)), today).is_err());
        assert!(period_end(None, Some(day(1999, 12, 31)), today).is_err());
    }
}
