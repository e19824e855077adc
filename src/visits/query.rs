//! Reading the visits register: filters (a period, a township, an enterprise, a topic, open
//! follow-ups, words), newest first, a page at a time; the effect of visits (patents the
//! enterprise filed within twelve months after); follow-ups coming due.

use std::collections::{HashMap, HashSet};

use chrono::{Months, NaiveDate};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use serde::{Deserialize, Serialize};

use super::domain::Topic;
use super::service::{self, VisitView};
use crate::entities::{enterprise, patent, patent_applicant, visit, visit_follow_up};
use crate::error::{AppError, field_error};
use crate::i18n::Msg;
use crate::settings::lists::{self, TownshipFilter};
use crate::web::given::Given;
use crate::web::pagination::PageRequest;

#[derive(Clone, Debug, Default, Deserialize, Serialize, rocket::FromForm)]
pub struct VisitFilter {
    /// Visits on or after this day.
    #[serde(default)]
    pub from: Option<String>,
    /// Visits on or before this day.
    #[serde(default)]
    pub to: Option<String>,
    /// The visited enterprise's township, by name.
    #[serde(default)]
    pub township: Option<String>,
    #[serde(default)]
    pub enterprise: Given<i64>,
    #[serde(default)]
    pub topic: Option<String>,
    /// Only visits with a follow-up not yet done.
    #[serde(default)]
    pub open: Given<bool>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub archived: Given<bool>,
    #[serde(default)]
    pub page: Given<u64>,
    #[serde(default)]
    pub per_page: Given<u64>,
}

/// How long after a visit a filing still counts as its effect.
pub const EFFECT_MONTHS: Months = Months::new(12);

/// A patent an enterprise filed after a visit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FiledPatent {
    pub id: i64,
    pub application_number: String,
    pub title: String,
    pub filed_on: NaiveDate,
}

/// A visit with what came of it: the patent applications its enterprise filed in the months
/// after it. The visit's page, `GET /api/v1/visits/{id}` and `ipdesk visits show` answer this.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VisitDetail {
    #[serde(flatten)]
    pub visit: VisitView,
    pub patents_after: Vec<FiledPatent>,
}

/// The visit numbered `id` with the patents filed after it.
pub async fn detail(db: &impl ConnectionTrait, id: i64) -> Result<VisitDetail, AppError> {
    let visit = service::view(db, id).await?;
    let key = (visit.enterprise_id, visit.visited_on);
    let patents_after = patents_after(db, &[key])
        .await?
        .remove(&key)
        .unwrap_or_default();
    Ok(VisitDetail {
        visit,
        patents_after,
    })
}

/// The effect of a set of visits: of the enterprises visited, how many filed a patent within
/// twelve months after a visit.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Effect {
    pub visited_enterprises: u64,
    pub filed_enterprises: u64,
    /// One decimal; none when no enterprise was visited.
    pub share_percent: Option<f64>,
}

/// What the visits a filter selects add up to.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct VisitTotals {
    /// Visits (家次).
    pub visits: u64,
    pub materials_count: i64,
    pub effect: Effect,
}

/// A visit on the register, with the patents its enterprise filed in the year after.
#[derive(Clone, Debug, Serialize)]
pub struct VisitItem {
    #[serde(flatten)]
    pub visit: VisitView,
    pub patents_filed_after: usize,
    pub open_follow_ups: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct VisitPage {
    pub items: Vec<VisitItem>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub totals: VisitTotals,
}

/// The visits the filters select, before ordering and paging. An unknown township is refused
/// (`-` selects the enterprises without one); an unknown topic is the filter's error.
pub async fn filtered(
    db: &impl ConnectionTrait,
    filter: &VisitFilter,
) -> Result<Select<visit::Entity>, AppError> {
    let mut query = visit::Entity::find();
    query = if *filter.archived == Some(true) {
        query.filter(visit::Column::ArchivedAt.is_not_null())
    } else {
        query.filter(visit::Column::ArchivedAt.is_null())
    };
    if let Some(from) = crate::dates::parse_field("from", filter.from.as_deref())? {
        query = query.filter(visit::Column::VisitedOn.gte(from));
    }
    if let Some(to) = crate::dates::parse_field("to", filter.to.as_deref())? {
        query = query.filter(visit::Column::VisitedOn.lte(to));
    }
    let township = match lists::township_filter(db, filter.township.as_deref()).await? {
        TownshipFilter::Any => None,
        TownshipFilter::Without => Some(Expr::col(enterprise::Column::TownshipId).is_null()),
        TownshipFilter::Is(id) => Some(Expr::col(enterprise::Column::TownshipId).eq(id)),
    };
    if let Some(in_it) = township {
        let in_township = Query::select()
            .column(enterprise::Column::Id)
            .from(enterprise::Entity)
            .and_where(in_it)
            .to_owned();
        query = query.filter(visit::Column::EnterpriseId.in_subquery(in_township));
    }
    if let Some(enterprise) =
        crate::enterprises::query::filter_id(db, "enterprise", *filter.enterprise).await?
    {
        query = query.filter(visit::Column::EnterpriseId.eq(enterprise));
    }
    match filter.topic.as_deref().map(str::trim) {
        None | Some("") => {}
        Some(raw) => {
            let topic = Topic::parse(raw).ok_or_else(|| {
                field_error(
                    "topic",
                    Msg::new("visits.error.topic_unknown")
                        .arg("topic", raw)
                        .choices_arg("choices", Topic::ALL.map(Topic::as_str)),
                )
            })?;
            // Topics are a JSON list of codes: the code in quotes is the topic itself.
            query = query.filter(visit::Column::Topics.contains(format!("\"{}\"", topic.as_str())));
        }
    }
    if *filter.open == Some(true) {
        let open = Query::select()
            .column(visit_follow_up::Column::VisitId)
            .from(visit_follow_up::Entity)
            .and_where(Expr::col(visit_follow_up::Column::DoneOn).is_null())
            .to_owned();
        query = query.filter(visit::Column::Id.in_subquery(open));
    }
    if let Some(q) = filter
        .q
        .as_deref()
        .map(crate::text::clean)
        .filter(|q| !q.is_empty())
    {
        let named = Query::select()
            .column(enterprise::Column::Id)
            .from(enterprise::Entity)
            .and_where(Expr::col(enterprise::Column::Name).like(format!("%{q}%")))
            .to_owned();
        query = query.filter(
            Condition::any()
                .add(visit::Column::EnterpriseId.in_subquery(named))
                .add(visit::Column::Needs.contains(&q))
                .add(visit::Column::Officers.contains(&q))
                .add(visit::Column::Agencies.contains(&q))
                .add(visit::Column::Notes.contains(&q)),
        );
    }
    Ok(query)
}

/// The first filing (of a patent not archived) the visit's enterprise made after the visit day:
/// one probe of the applicants' (enterprise, filing day) index per visit — an archived patent's
/// applicants have no filing day there. The same SQL on SQLite and PostgreSQL.
const NEXT_FILING: &str = "(SELECT MIN(a.filed_on) FROM patent_applicants a \
     WHERE a.enterprise_id = visits.enterprise_id AND a.filed_on > visits.visited_on)";

/// A selected visit: its enterprise, day, materials and the first filing after it.
type Fact = (i64, NaiveDate, Option<i64>, Option<NaiveDate>);

async fn facts(
    db: &impl ConnectionTrait,
    selected: Select<visit::Entity>,
) -> Result<Vec<Fact>, AppError> {
    Ok(selected
        .select_only()
        .column(visit::Column::EnterpriseId)
        .column(visit::Column::VisitedOn)
        .column(visit::Column::MaterialsCount)
        .expr_as(Expr::cust(NEXT_FILING), "next_filing")
        .into_tuple()
        .all(db)
        .await?)
}

/// The last day a filing counts as a visit's effect.
fn effect_until(visited_on: NaiveDate) -> NaiveDate {
    visited_on
        .checked_add_months(EFFECT_MONTHS)
        .unwrap_or(visited_on)
}

/// The totals of the selected visits.
async fn summed(
    db: &impl ConnectionTrait,
    selected: Select<visit::Entity>,
) -> Result<VisitTotals, AppError> {
    let facts = facts(db, selected).await?;
    let visits = facts.iter().map(|(enterprise, on, _, next)| {
        let filed = next.is_some_and(|day| day <= effect_until(*on));
        (*enterprise, filed)
    });
    Ok(VisitTotals {
        visits: u64::try_from(facts.len()).unwrap_or_default(),
        materials_count: facts.iter().filter_map(|(_, _, m, _)| *m).sum(),
        effect: effect(visits),
    })
}

/// Of the enterprises visited, those that filed within twelve months after one of the visits:
/// each visit as (enterprise, whether it filed within the year after).
fn effect(visits: impl Iterator<Item = (i64, bool)>) -> Effect {
    let mut visited = HashSet::new();
    let mut filing = HashSet::new();
    for (enterprise, filed) in visits {
        visited.insert(enterprise);
        if filed {
            filing.insert(enterprise);
        }
    }
    let whole = i64::try_from(visited.len()).unwrap_or(i64::MAX);
    let part = i64::try_from(filing.len()).unwrap_or(i64::MAX);
    Effect {
        visited_enterprises: u64::try_from(whole).unwrap_or_default(),
        filed_enterprises: u64::try_from(part).unwrap_or_default(),
        share_percent: crate::reports::ytd::percent(part, whole),
    }
}

/// Patents filed after each (enterprise, visit day).
type Filings = HashMap<(i64, NaiveDate), Vec<FiledPatent>>;

#[derive(FromQueryResult)]
struct Filing {
    enterprise_id: i64,
    id: i64,
    application_number: String,
    title: String,
    filed_on: NaiveDate,
}

/// How many visits' windows one statement asks for.
const WINDOWS_PER_STATEMENT: usize = 100;

/// For each (enterprise, visit day), the patents (not archived) that enterprise applied for in
/// the twelve months after the day — the day itself excluded: a filing made before the officer
/// came was not the visit's doing. Each visit's window is a range of the applicants' (enterprise,
/// filing day) index.
pub async fn patents_after(
    db: &impl ConnectionTrait,
    visits: &[(i64, NaiveDate)],
) -> Result<Filings, AppError> {
    let windows: Vec<(i64, NaiveDate)> = visits
        .iter()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut filings: HashMap<i64, Vec<Filing>> = HashMap::new();
    for chunk in windows.chunks(WINDOWS_PER_STATEMENT) {
        let within = chunk
            .iter()
            .fold(Condition::any(), |any, (enterprise, on)| {
                any.add(
                    Condition::all()
                        .add(patent_applicant::Column::EnterpriseId.eq(*enterprise))
                        .add(patent_applicant::Column::FiledOn.gt(*on))
                        .add(patent_applicant::Column::FiledOn.lte(effect_until(*on))),
                )
            });
        let rows = patent_applicant::Entity::find()
            .select_only()
            .column(patent_applicant::Column::EnterpriseId)
            .column_as(patent::Column::Id, "id")
            .column(patent::Column::ApplicationNumber)
            .column(patent::Column::Title)
            .column(patent::Column::FiledOn)
            .inner_join(patent::Entity)
            .filter(within)
            .filter(patent::Column::ArchivedAt.is_null())
            .into_model::<Filing>()
            .all(db)
            .await?;
        for row in rows {
            filings.entry(row.enterprise_id).or_default().push(row);
        }
    }
    let mut result: Filings = HashMap::new();
    for (enterprise, on) in visits {
        let end = effect_until(*on);
        let mut found: Vec<FiledPatent> = filings
            .get(enterprise)
            .into_iter()
            .flatten()
            .filter(|f| f.filed_on > *on && f.filed_on <= end)
            .map(|f| FiledPatent {
                id: f.id,
                // As people read it: 2025100000033 → 202510000003.3.
                application_number: crate::patents::number::ApplicationNumber::from_stored(
                    &f.application_number,
                )
                .map_or_else(|| f.application_number.clone(), |n| n.to_string()),
                title: f.title.clone(),
                filed_on: f.filed_on,
            })
            .collect();
        found.sort_by_key(|a| (a.filed_on, a.id));
        found.dedup_by_key(|p| p.id);
        result.insert((*enterprise, *on), found);
    }
    Ok(result)
}

/// What the visits made from `from` to `to` add up to (the work summary's figures).
pub async fn made_between(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<VisitTotals, AppError> {
    let selected = visit::Entity::find()
        .filter(visit::Column::ArchivedAt.is_null())
        .filter(visit::Column::VisitedOn.gte(from))
        .filter(visit::Column::VisitedOn.lte(to));
    summed(db, selected).await
}

/// A page of the register, newest first, and the totals of every visit the filters select.
pub async fn list(
    db: &sea_orm::DatabaseConnection,
    filter: &VisitFilter,
) -> Result<VisitPage, AppError> {
    crate::db::read_at_once(db, async |txn| list_in(txn, filter).await).await
}

async fn list_in(db: &impl ConnectionTrait, filter: &VisitFilter) -> Result<VisitPage, AppError> {
    let request = PageRequest::new(*filter.page, *filter.per_page);
    let selected = filtered(db, filter).await?;
    let totals = summed(db, selected.clone()).await?;
    let selected = selected
        .order_by_desc(visit::Column::VisitedOn)
        .order_by_desc(visit::Column::Id)
        .offset(request.offset())
        .limit(request.per_page);
    Ok(VisitPage {
        items: items(db, selected).await?,
        total: totals.visits,
        page: request.page,
        per_page: request.per_page,
        totals,
    })
}

/// The selected visits as the register shows them, with the patents filed after each.
pub async fn items(
    db: &impl ConnectionTrait,
    selected: Select<visit::Entity>,
) -> Result<Vec<VisitItem>, AppError> {
    let rows = selected.all(db).await?;
    let visits = service::views(db, &rows).await?;
    let keys: Vec<(i64, NaiveDate)> = visits
        .iter()
        .map(|v| (v.enterprise_id, v.visited_on))
        .collect();
    let filed = patents_after(db, &keys).await?;
    Ok(with_filings(visits, &filed))
}

fn with_filings(visits: Vec<VisitView>, filed: &Filings) -> Vec<VisitItem> {
    visits
        .into_iter()
        .map(|visit| VisitItem {
            patents_filed_after: filed
                .get(&(visit.enterprise_id, visit.visited_on))
                .map_or(0, Vec::len),
            open_follow_ups: visit.open_follow_ups(),
            visit,
        })
        .collect()
}

/// A follow-up not yet done whose due date is near or past.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DueFollowUp {
    pub visit_id: i64,
    pub enterprise_name: String,
    pub visited_on: NaiveDate,
    pub action: String,
    pub owner: Option<String>,
    pub due_on: NaiveDate,
    pub overdue: bool,
}

/// How many days ahead the dashboard warns of a follow-up.
pub const DUE_SOON_DAYS: u64 = 7;

/// How many follow-ups the due list holds at most, the most urgent: a list to act on today, not
/// the register (the open visits' list has every one).
pub const DUE_LISTED: u64 = 50;

#[derive(FromQueryResult)]
struct DueRow {
    visit_id: i64,
    enterprise_id: i64,
    visited_on: NaiveDate,
    action: String,
    owner: Option<String>,
    due_on: NaiveDate,
}

/// [`follow_ups_due`] as of today in the desk's time zone.
pub async fn due_today(db: &impl ConnectionTrait) -> Result<Vec<DueFollowUp>, AppError> {
    let timezone = crate::settings::service::load(db).await?.timezone;
    follow_ups_due(db, crate::clock::today(timezone)).await
}

/// Follow-ups not done, of visits not archived, due within a week of `today` or overdue, the
/// most urgent first ([`DUE_LISTED`] at most).
pub async fn follow_ups_due(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> Result<Vec<DueFollowUp>, AppError> {
    let horizon = today
        .checked_add_days(chrono::Days::new(DUE_SOON_DAYS))
        .unwrap_or(today);
    let rows = visit_follow_up::Entity::find()
        .select_only()
        .column(visit_follow_up::Column::VisitId)
        .column(visit::Column::EnterpriseId)
        .column(visit::Column::VisitedOn)
        .column(visit_follow_up::Column::Action)
        .column(visit_follow_up::Column::Owner)
        .column(visit_follow_up::Column::DueOn)
        .join(
            sea_orm::JoinType::InnerJoin,
            visit_follow_up::Entity::belongs_to(visit::Entity)
                .from(visit_follow_up::Column::VisitId)
                .to(visit::Column::Id)
                .into(),
        )
        .filter(visit_follow_up::Column::DoneOn.is_null())
        .filter(visit_follow_up::Column::DueOn.lte(horizon))
        .filter(visit::Column::ArchivedAt.is_null())
        .order_by_asc(visit_follow_up::Column::DueOn)
        .order_by_asc(visit_follow_up::Column::Id)
        .limit(DUE_LISTED)
        .into_model::<DueRow>()
        .all(db)
        .await?;
    let names: HashMap<i64, String> = enterprise::Entity::find()
        .select_only()
        .column(enterprise::Column::Id)
        .column(enterprise::Column::Name)
        .filter(enterprise::Column::Id.is_in(rows.iter().map(|r| r.enterprise_id)))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| DueFollowUp {
            visit_id: r.visit_id,
            enterprise_name: names.get(&r.enterprise_id).cloned().unwrap_or_default(),
            visited_on: r.visited_on,
            overdue: r.due_on < today,
            action: r.action,
            owner: r.owner,
            due_on: r.due_on,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn the_share_counts_enterprises_not_visits() {
        let visits = [(1, true), (1, false), (2, false), (3, false)];
        let got = effect(visits.into_iter());
        assert_eq!(got.visited_enterprises, 3);
        assert_eq!(got.filed_enterprises, 1);
        assert_eq!(got.share_percent, Some(33.3));
        assert_eq!(effect(std::iter::empty()).share_percent, None);
    }

    #[test]
    fn a_filing_counts_for_twelve_months_after_the_visit() {
        assert_eq!(effect_until(day(2026, 3, 15)), day(2027, 3, 15));
        // A leap day's year ends on the last day of February.
        assert_eq!(effect_until(day(2024, 2, 29)), day(2025, 2, 28));
    }
}
