//! Reading the cases register: by period, kind, status, deadline status and words, newest first,
//! a page at a time, with the totals of everything the filters select; and the year's figures
//! for the summary.
//!
//! A county opens tens of cases a year, and a case's status and deadlines follow from its steps,
//! the rules and the calendar; so the filters on those are applied to the cases as worked out,
//! not in SQL.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};

use super::domain::CaseKind;
use super::service::{self, CaseView, Clock, DeadlineState};
use super::workflow::{Status, Step};
use crate::entities::enforcement_case;
use crate::error::{AppError, field_error};
use crate::i18n::Msg;
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
    /// The respondent the register links to.
    #[serde(default)]
    pub enterprise_id: Option<i64>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub archived: Option<bool>,
    #[serde(default)]
    pub page: Option<u64>,
    #[serde(default)]
    pub per_page: Option<u64>,
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

fn day(raw: Option<&str>, field: &str) -> Result<Option<NaiveDate>, AppError> {
    crate::dates::parse_optional(raw.unwrap_or_default()).map_err(|msg| field_error(field, msg))
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
            Msg::new("cases.filter.unknown_status").arg("value", status),
        ));
    }
    let deadline = match given(&filter.deadline) {
        None => None,
        Some(raw) => Some(DeadlineState::parse(raw).ok_or_else(|| {
            field_error(
                "deadline",
                Msg::new("cases.filter.unknown_deadline").arg("value", raw),
            )
        })?),
    };
    Ok(Worked {
        from: day(filter.from.as_deref(), "from")?,
        to: day(filter.to.as_deref(), "to")?,
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
    query = if filter.archived == Some(true) {
        query.filter(enforcement_case::Column::ArchivedAt.is_not_null())
    } else {
        query.filter(enforcement_case::Column::ArchivedAt.is_null())
    };
    if let Some(raw) = given(&filter.kind) {
        let kind = CaseKind::parse(raw).ok_or_else(|| {
            field_error(
                "kind",
                Msg::new("cases.filter.unknown_kind").arg("value", raw),
            )
        })?;
        query = query.filter(enforcement_case::Column::Kind.eq(kind.as_str()));
    }
    if let Some(id) = filter.enterprise_id {
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
pub async fn list(db: &impl ConnectionTrait, filter: &CaseFilter) -> Result<CasePage, AppError> {
    let request = PageRequest::new(filter.page, filter.per_page);
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

/// The open cases that need attention now: overdue first, then due within 5 working days.
pub async fn pressing(db: &impl ConnectionTrait) -> Result<Vec<CaseView>, AppError> {
    let filter = CaseFilter {
        status: Some("active".into()),
        ..CaseFilter::default()
    };
    let mut cases: Vec<CaseView> = all(db, &filter)
        .await?
        .into_iter()
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

/// What happened to cases in [from, to].
pub async fn figures(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<CaseFigures, AppError> {
    let cases = all(db, &CaseFilter::default()).await?;
    let within = |day: NaiveDate| day >= from && day <= to;
    let mut figures = CaseFigures::default();
    for case in &cases {
        if case.accepted_on.is_some_and(within) {
            figures.opened += 1;
            *figures
                .by_kind
                .entry(case.kind.as_str().to_owned())
                .or_default() += 1;
        }
        let closed = case
            .steps
            .iter()
            .any(|s| s.step == Step::Closed && within(s.on));
        figures.closed += u64::from(closed);
        figures.fines += case
            .steps
            .iter()
            .filter(|s| s.step == Step::Decided && within(s.on))
            .filter_map(|s| s.fine)
            .sum::<f64>();
    }
    figures.fines_text = super::penalty::yuan_text(figures.fines);
    Ok(figures)
}
