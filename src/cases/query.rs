//! Reading the cases register: by period, kind, status, deadline status and words, newest first,
//! a page at a time, with the totals of everything the filters select; and the year's figures
//! for the summary.
//!
//! A county opens tens of cases a year, and a case's status and deadlines follow from its steps,
//! the rules and the calendar; so the filters on those are applied to the cases as worked out,
//! not in SQL.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};
use serde::{Deserialize, Serialize};

use super::domain::CaseKind;
use super::service::{self, CaseView, Clock, DeadlineState};
use super::workflow::{Status, Step};
use crate::entities::{case_event, enforcement_case};
use crate::error::{AppError, field_error};
use crate::i18n::Msg;
use crate::web::given::Given;
use crate::web::pagination::PageRequest;

#[derive(Clone, Debug, Default, Deserialize, Serialize, rocket::FromForm)]
pub struct CaseFilter {
    /// Cases whose clue came in on or after this day.
    #[serde(default)]
    pub from: Option<String>,
    /// … and on or before this day.
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    /// A status, or `active` for every case not yet finished.
    #[serde(default)]
    pub status: Option<String>,
    /// overdue, due_soon, open or none.
    #[serde(default)]
    pub deadline: Option<String>,
    /// An enterprise of the register that is a party: respondent or complainant.
    #[serde(default)]
    pub enterprise_id: Given<i64>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub archived: Given<bool>,
    #[serde(default)]
    pub page: Given<u64>,
    #[serde(default)]
    pub per_page: Given<u64>,
}

/// What the cases a filter selects add up to.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CaseTotals {
    pub cases: u64,
    pub active: u64,
    pub overdue: u64,
    pub due_soon: u64,
    pub closed: u64,
    /// In yuan.
    pub fines: f64,
    /// The same, as people write it ("24000.50").
    pub fines_text: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct CasePage {
    pub items: Vec<CaseView>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub totals: CaseTotals,
}

fn given(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The filters that are not SQL's, read from the filter (an unknown value is refused, not
/// ignored: ignoring it would show every case as if it matched).
struct Worked {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    status: Option<String>,
    deadline: Option<DeadlineState>,
}

fn worked(filter: &CaseFilter) -> Result<Worked, AppError> {
    let status = given(&filter.status).map(str::to_owned);
    if let Some(status) = &status
        && status != "active"
        && !Status::ALL.iter().any(|s| s.as_str() == status)
    {
        return Err(field_error(
            "status",
            Msg::new("cases.filter.unknown_status")
                .arg("value", status)
                .choices_arg("choices", Status::ALL.map(|s| s.as_str())),
        ));
    }
    let deadline = match given(&filter.deadline) {
        None => None,
        Some(raw) => Some(DeadlineState::parse(raw).ok_or_else(|| {
            field_error(
                "deadline",
                Msg::new("cases.filter.unknown_deadline")
                    .arg("value", raw)
                    .choices_arg("choices", DeadlineState::ALL.map(|s| s.as_str())),
            )
        })?),
    };
    Ok(Worked {
        from: crate::dates::parse_field("from", filter.from.as_deref())?,
        to: crate::dates::parse_field("to", filter.to.as_deref())?,
        status,
        deadline,
    })
}

impl Worked {
    fn keeps(&self, case: &CaseView) -> bool {
        let received = case.received_on;
        let in_period = self
            .from
            .is_none_or(|from| received.is_some_and(|d| d >= from))
            && self.to.is_none_or(|to| received.is_some_and(|d| d <= to));
        let status = match self.status.as_deref() {
            None => true,
            Some("active") => case.status.is_some_and(|s| !s.is_final()),
            Some(wanted) => case.status.is_some_and(|s| s.as_str() == wanted),
        };
        let deadline = self.deadline.is_none_or(|d| d == case.deadline_status);
        in_period && status && deadline
    }
}

/// The rows the SQL-side filters select.
async fn rows(
    db: &impl ConnectionTrait,
    filter: &CaseFilter,
) -> Result<Vec<enforcement_case::Model>, AppError> {
    let mut query = enforcement_case::Entity::find();
    query = if *filter.archived == Some(true) {
        query.filter(enforcement_case::Column::ArchivedAt.is_not_null())
    } else {
        query.filter(enforcement_case::Column::ArchivedAt.is_null())
    };
    if let Some(raw) = given(&filter.kind) {
        let kind = CaseKind::parse(raw).ok_or_else(|| {
            field_error(
                "kind",
                Msg::new("cases.filter.unknown_kind")
                    .arg("value", raw)
                    .choices_arg("choices", CaseKind::ALL.map(|k| k.as_str())),
            )
        })?;
        query = query.filter(enforcement_case::Column::Kind.eq(kind.as_str()));
    }
    if let Some(id) =
        crate::enterprises::query::filter_id(db, "enterprise_id", *filter.enterprise_id).await?
    {
        query = query.filter(
            Condition::any()
                .add(enforcement_case::Column::RespondentEnterpriseId.eq(id))
                .add(enforcement_case::Column::ComplainantEnterpriseId.eq(id)),
        );
    }
    if let Some(q) = given(&filter.q).map(crate::text::clean) {
        query = query.filter(
            Condition::any()
                .add(enforcement_case::Column::CaseNumber.contains(&q))
                .add(enforcement_case::Column::RespondentName.contains(&q))
                .add(enforcement_case::Column::ComplainantName.contains(&q))
                .add(enforcement_case::Column::Product.contains(&q))
                .add(enforcement_case::Column::Facts.contains(&q)),
        );
    }
    Ok(query
        .order_by_desc(enforcement_case::Column::Id)
        .all(db)
        .await?)
}

/// Every case the filter selects, newest clue first.
pub async fn all(
    db: &impl ConnectionTrait,
    filter: &CaseFilter,
) -> Result<Vec<CaseView>, AppError> {
    let worked = worked(filter)?;
    let rows = rows(db, filter).await?;
    let clock = Clock::load(db).await?;
    let mut cases: Vec<CaseView> = service::views(db, &rows, &clock)
        .await?
        .into_iter()
        .filter(|case| worked.keeps(case))
        .collect();
    cases.sort_by(|a, b| b.received_on.cmp(&a.received_on).then(b.id.cmp(&a.id)));
    Ok(cases)
}

fn totals(cases: &[CaseView]) -> CaseTotals {
    let fines: f64 = cases.iter().filter_map(|c| c.fine).sum();
    let count = |keep: &dyn Fn(&CaseView) -> bool| cases.iter().filter(|c| keep(c)).count() as u64;
    CaseTotals {
        cases: cases.len() as u64,
        active: count(&|c| c.status.is_some_and(|s| !s.is_final())),
        overdue: count(&|c| c.deadline_status == DeadlineState::Overdue),
        due_soon: count(&|c| c.deadline_status == DeadlineState::DueSoon),
        closed: count(&|c| c.status == Some(Status::Closed)),
        fines,
        fines_text: super::penalty::yuan_text(fines),
    }
}

/// A page of the register and the totals of every case the filters select.
pub async fn list(
    db: &sea_orm::DatabaseConnection,
    filter: &CaseFilter,
) -> Result<CasePage, AppError> {
    crate::db::read_at_once(db, async |txn| list_in(txn, filter).await).await
}

async fn list_in(db: &impl ConnectionTrait, filter: &CaseFilter) -> Result<CasePage, AppError> {
    let request = PageRequest::new(*filter.page, *filter.per_page);
    let cases = all(db, filter).await?;
    let totals = totals(&cases);
    let offset = usize::try_from(request.offset()).unwrap_or(usize::MAX);
    let per_page = usize::try_from(request.per_page).unwrap_or(usize::MAX);
    Ok(CasePage {
        total: totals.cases,
        items: cases.into_iter().skip(offset).take(per_page).collect(),
        page: request.page,
        per_page: request.per_page,
        totals,
    })
}

/// The steps after which a case is finished: nothing may follow them.
const FINISHING: [Step; 3] = [Step::Declined, Step::Referred, Step::Closed];

/// The open cases that need attention now: overdue first, then due within 5 working days. Only
/// the cases without a finishing step are worked out (the dashboard shows this on every visit,
/// and a desk that has kept cases for years has mostly closed ones).
pub async fn pressing(db: &impl ConnectionTrait) -> Result<Vec<CaseView>, AppError> {
    let finished = Query::select()
        .column(case_event::Column::CaseId)
        .from(case_event::Entity)
        .and_where(case_event::Column::Step.is_in(FINISHING.map(Step::as_str)))
        .to_owned();
    let rows = enforcement_case::Entity::find()
        .filter(enforcement_case::Column::ArchivedAt.is_null())
        .filter(enforcement_case::Column::Id.not_in_subquery(finished))
        .all(db)
        .await?;
    let clock = Clock::load(db).await?;
    let mut cases: Vec<CaseView> = service::views(db, &rows, &clock)
        .await?
        .into_iter()
        .filter(|c| c.status.is_some_and(|s| !s.is_final()))
        .filter(|c| {
            matches!(
                c.deadline_status,
                DeadlineState::Overdue | DeadlineState::DueSoon
            )
        })
        .collect();
    cases.sort_by_key(|c| {
        c.next_deadline
            .as_ref()
            .and_then(|d| d.deadline.due_on)
            .unwrap_or(NaiveDate::MAX)
    });
    Ok(cases)
}

/// A period's cases, for the work summary and the report.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CaseFigures {
    /// Accepted (立案) in the period.
    pub opened: u64,
    /// Closed (结案) in the period.
    pub closed: u64,
    /// The cases opened, by kind.
    pub by_kind: BTreeMap<String, u64>,
    /// Fines decided in the period, in yuan.
    pub fines: f64,
    /// The same, as people write it ("24000.50").
    pub fines_text: String,
}

/// The day a case was accepted (立案): its first `accepted` step.
const ACCEPTED_ON: &str = "(SELECT e.happened_on FROM case_events e \
     WHERE e.case_id = enforcement_cases.id AND e.step = 'accepted' \
     ORDER BY e.position LIMIT 1)";

/// The steps of cases not archived, of one kind, taken in [from, to].
fn steps_between(step: Step, from: NaiveDate, to: NaiveDate) -> Select<case_event::Entity> {
    let kept = Query::select()
        .column(enforcement_case::Column::Id)
        .from(enforcement_case::Entity)
        .and_where(enforcement_case::Column::ArchivedAt.is_null())
        .to_owned();
    case_event::Entity::find()
        .filter(case_event::Column::CaseId.in_subquery(kept))
        .filter(case_event::Column::Step.eq(step.as_str()))
        .filter(case_event::Column::HappenedOn.gte(from))
        .filter(case_event::Column::HappenedOn.lte(to))
}

/// What happened to cases in [from, to]: counted in SQL, as the report asks on every view.
pub async fn figures(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<CaseFigures, AppError> {
    let opened: Vec<(String, i64)> = enforcement_case::Entity::find()
        .select_only()
        .column(enforcement_case::Column::Kind)
        .expr(Expr::col(enforcement_case::Column::Id).count())
        .filter(enforcement_case::Column::ArchivedAt.is_null())
        .filter(Expr::cust(ACCEPTED_ON).gte(from))
        .filter(Expr::cust(ACCEPTED_ON).lte(to))
        .group_by(enforcement_case::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    let closed: Option<i64> = steps_between(Step::Closed, from, to)
        .select_only()
        .expr(Expr::cust("COUNT(DISTINCT \"case_events\".\"case_id\")"))
        .into_tuple()
        .one(db)
        .await?;
    let fines: Option<Option<i64>> = steps_between(Step::Decided, from, to)
        .select_only()
        .expr(Expr::cust("CAST(SUM(\"case_events\".\"fine\") AS BIGINT)"))
        .into_tuple()
        .one(db)
        .await?;
    let fines = service::yuan(fines.flatten()).unwrap_or_default();
    Ok(CaseFigures {
        opened: opened
            .iter()
            .map(|(_, n)| u64::try_from(*n).unwrap_or_default())
            .sum(),
        closed: closed
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or_default(),
        by_kind: opened
            .into_iter()
            .map(|(kind, n)| (kind, u64::try_from(n).unwrap_or_default()))
            .collect(),
        fines,
        fines_text: super::penalty::yuan_text(fines),
    })
}
