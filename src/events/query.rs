//! Reading the events register: filters (a period, a kind, an enterprise, words), newest first,
//! a page at a time, with the totals of everything the filters select.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};
use serde::{Deserialize, Serialize};

use super::domain::EventKind;
use super::service::{EventView, Participant};
use crate::entities::{enterprise, event, event_enterprise};
use crate::error::{AppError, field_error};
use crate::i18n::Msg;
use crate::web::given::Given;
use crate::web::pagination::PageRequest;

#[derive(Clone, Debug, Default, Deserialize, Serialize, rocket::FromForm)]
pub struct EventFilter {
    /// Events that end on or after this day.
    #[serde(default)]
    pub from: Option<String>,
    /// Events that start on or before this day.
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    /// Events an enterprise took part in.
    #[serde(default)]
    pub enterprise: Given<i64>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub archived: Given<bool>,
    #[serde(default)]
    pub page: Given<u64>,
    #[serde(default)]
    pub per_page: Given<u64>,
}

/// What the events a filter selects add up to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EventTotals {
    pub events: u64,
    pub attendees: i64,
    pub materials_count: i64,
    pub consultations: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct EventPage {
    pub items: Vec<EventView>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub totals: EventTotals,
}

/// The events the filters select, before ordering and paging.
pub async fn filtered(
    db: &impl ConnectionTrait,
    filter: &EventFilter,
) -> Result<Select<event::Entity>, AppError> {
    let mut query = event::Entity::find();
    query = if *filter.archived == Some(true) {
        query.filter(event::Column::ArchivedAt.is_not_null())
    } else {
        query.filter(event::Column::ArchivedAt.is_null())
    };
    if let Some(from) = crate::dates::parse_field("from", filter.from.as_deref())? {
        query = query.filter(event::Column::EndsOn.gte(from));
    }
    if let Some(to) = crate::dates::parse_field("to", filter.to.as_deref())? {
        query = query.filter(event::Column::StartsOn.lte(to));
    }
    match filter.kind.as_deref().map(str::trim) {
        None | Some("") => {}
        Some(raw) => {
            let kind = EventKind::parse(raw).ok_or_else(|| {
                field_error(
                    "kind",
                    Msg::new("events.error.kind_unknown")
                        .arg("kind", raw)
                        .choices_arg("choices", EventKind::ALL.map(EventKind::as_str)),
                )
            })?;
            query = query.filter(event::Column::Kind.eq(kind.as_str()));
        }
    }
    if let Some(enterprise) =
        crate::enterprises::query::filter_id(db, "enterprise", *filter.enterprise).await?
    {
        let took_part = Query::select()
            .column(event_enterprise::Column::EventId)
            .from(event_enterprise::Entity)
            .and_where(Expr::col(event_enterprise::Column::EnterpriseId).eq(enterprise))
            .to_owned();
        query = query.filter(event::Column::Id.in_subquery(took_part));
    }
    if let Some(q) = filter
        .q
        .as_deref()
        .map(crate::text::clean)
        .filter(|q| !q.is_empty())
    {
        query = query.filter(
            Condition::any()
                .add(event::Column::Title.contains(&q))
                .add(event::Column::Location.contains(&q))
                .add(event::Column::LeadUnit.contains(&q)),
        );
    }
    Ok(query)
}

/// The sums of the selected events' counts.
async fn totals(
    db: &impl ConnectionTrait,
    selected: Select<event::Entity>,
) -> Result<EventTotals, AppError> {
    let sum = |column: event::Column| {
        let column = sea_orm::IdenStatic::as_str(&column);
        Expr::cust(format!(
            "CAST(COALESCE(SUM(\"events\".\"{column}\"), 0) AS BIGINT)"
        ))
    };
    let row: Option<(i64, i64, i64, i64)> = selected
        .select_only()
        .expr(Expr::cust("CAST(COUNT(*) AS BIGINT)"))
        .expr(sum(event::Column::Attendees))
        .expr(sum(event::Column::MaterialsCount))
        .expr(sum(event::Column::Consultations))
        .into_tuple()
        .one(db)
        .await?;
    let (events, attendees, materials_count, consultations) = row.unwrap_or_default();
    Ok(EventTotals {
        events: u64::try_from(events).unwrap_or_default(),
        attendees,
        materials_count,
        consultations,
    })
}

/// What the events that started in [from, to] add up to (the work summary's figures: an event
/// counts in the period it began in).
pub async fn started_between(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<EventTotals, AppError> {
    let selected = event::Entity::find()
        .filter(event::Column::ArchivedAt.is_null())
        .filter(event::Column::StartsOn.gte(from))
        .filter(event::Column::StartsOn.lte(to));
    totals(db, selected).await
}

/// A page of the register, newest first, and the totals of every event the filters select.
pub async fn list(
    db: &sea_orm::DatabaseConnection,
    filter: &EventFilter,
) -> Result<EventPage, AppError> {
    crate::db::read_at_once(db, async |txn| list_in(txn, filter).await).await
}

async fn list_in(db: &impl ConnectionTrait, filter: &EventFilter) -> Result<EventPage, AppError> {
    let request = PageRequest::new(*filter.page, *filter.per_page);
    let selected = filtered(db, filter).await?;
    let totals = totals(db, selected.clone()).await?;
    let page = selected
        .order_by_desc(event::Column::StartsOn)
        .order_by_desc(event::Column::Id)
        .offset(request.offset())
        .limit(request.per_page);
    let items = views(db, page).await?;
    Ok(EventPage {
        items,
        total: totals.events,
        page: request.page,
        per_page: request.per_page,
        totals,
    })
}

/// The selected events as the pages show them, with the enterprises that took part.
pub async fn views(
    db: &impl ConnectionTrait,
    selected: Select<event::Entity>,
) -> Result<Vec<EventView>, AppError> {
    let rows = selected.all(db).await?;
    let mut participants = participants_of(db, rows.iter().map(|r| r.id)).await?;
    Ok(rows
        .iter()
        .map(|row| EventView::new(row, participants.remove(&row.id).unwrap_or_default()))
        .collect())
}

/// The enterprises that took part in each of these events, by name.
async fn participants_of(
    db: &impl ConnectionTrait,
    ids: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, Vec<Participant>>, AppError> {
    let links = event_enterprise::Entity::find()
        .filter(event_enterprise::Column::EventId.is_in(ids))
        .all(db)
        .await?;
    let names: HashMap<i64, enterprise::Model> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(links.iter().map(|l| l.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let mut by_event: HashMap<i64, Vec<(String, Participant)>> = HashMap::new();
    for link in links {
        if let Some(e) = names.get(&link.enterprise_id) {
            by_event.entry(link.event_id).or_default().push((
                e.sort_key.clone(),
                Participant {
                    id: e.id,
                    name: e.name.clone(),
                },
            ));
        }
    }
    Ok(by_event
        .into_iter()
        .map(|(id, mut list)| {
            list.sort_by(|a, b| a.0.cmp(&b.0));
            (id, list.into_iter().map(|(_, p)| p).collect())
        })
        .collect())
}
