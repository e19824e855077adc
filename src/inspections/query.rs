//! Reading the inspections register: a period and words, newest first, a page at a time, with
//! the totals of everything the filters select.

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use serde::{Deserialize, Serialize};

use super::service::{self, InspectionView};
use crate::entities::{inspection, inspection_problem};
use crate::error::AppError;
use crate::web::given::Given;
use crate::web::pagination::PageRequest;

#[derive(Clone, Debug, Default, Deserialize, Serialize, rocket::FromForm)]
pub struct InspectionFilter {
    /// Inspections that end on or after this day.
    #[serde(default)]
    pub from: Option<String>,
    /// Inspections that start on or before this day.
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub archived: Given<bool>,
    #[serde(default)]
    pub page: Given<u64>,
    #[serde(default)]
    pub per_page: Given<u64>,
}

/// What the inspections a filter selects add up to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct InspectionTotals {
    pub inspections: u64,
    pub staff_count: i64,
    pub premises_inspected: i64,
    pub goods_checked: i64,
    pub marked_goods_checked: i64,
    pub problems: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct InspectionPage {
    pub items: Vec<InspectionView>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub totals: InspectionTotals,
}

/// The inspections the filters select, before ordering and paging.
pub fn filtered(filter: &InspectionFilter) -> Result<Select<inspection::Entity>, AppError> {
    let mut query = inspection::Entity::find();
    query = if *filter.archived == Some(true) {
        query.filter(inspection::Column::ArchivedAt.is_not_null())
    } else {
        query.filter(inspection::Column::ArchivedAt.is_null())
    };
    if let Some(from) = crate::dates::parse_field("from", filter.from.as_deref())? {
        query = query.filter(inspection::Column::EndsOn.gte(from));
    }
    if let Some(to) = crate::dates::parse_field("to", filter.to.as_deref())? {
        query = query.filter(inspection::Column::StartsOn.lte(to));
    }
    if let Some(q) = filter
        .q
        .as_deref()
        .map(crate::text::clean)
        .filter(|q| !q.is_empty())
    {
        query = query.filter(
            Condition::any()
                .add(inspection::Column::Title.contains(&q))
                .add(inspection::Column::LeadAgency.contains(&q))
                .add(inspection::Column::PartnerAgencies.contains(&q))
                .add(inspection::Column::Area.contains(&q))
                .add(inspection::Column::Places.contains(&q)),
        );
    }
    Ok(query)
}

async fn totals(
    db: &impl ConnectionTrait,
    selected: Select<inspection::Entity>,
) -> Result<InspectionTotals, AppError> {
    let sum = |column: inspection::Column| {
        let column = sea_orm::IdenStatic::as_str(&column);
        Expr::cust(format!(
            "CAST(COALESCE(SUM(\"inspections\".\"{column}\"), 0) AS BIGINT)"
        ))
    };
    let ids = selected
        .clone()
        .select_only()
        .column(inspection::Column::Id);
    let row: Option<(i64, i64, i64, i64, i64)> = selected
        .select_only()
        .expr(Expr::cust("CAST(COUNT(*) AS BIGINT)"))
        .expr(sum(inspection::Column::StaffCount))
        .expr(sum(inspection::Column::PremisesInspected))
        .expr(sum(inspection::Column::GoodsChecked))
        .expr(sum(inspection::Column::MarkedGoodsChecked))
        .into_tuple()
        .one(db)
        .await?;
    let problems = inspection_problem::Entity::find()
        .filter(
            inspection_problem::Column::InspectionId
                .in_subquery(sea_orm::QueryTrait::into_query(ids)),
        )
        .count(db)
        .await?;
    let (inspections, staff_count, premises_inspected, goods_checked, marked_goods_checked) =
        row.unwrap_or_default();
    Ok(InspectionTotals {
        inspections: u64::try_from(inspections).unwrap_or_default(),
        staff_count,
        premises_inspected,
        goods_checked,
        marked_goods_checked,
        problems,
    })
}

/// What the inspections that started in [from, to] add up to (the work summary's figures).
pub async fn started_between(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<InspectionTotals, AppError> {
    let selected = inspection::Entity::find()
        .filter(inspection::Column::ArchivedAt.is_null())
        .filter(inspection::Column::StartsOn.gte(from))
        .filter(inspection::Column::StartsOn.lte(to));
    totals(db, selected).await
}

/// A page of the register, newest first, and the totals of every inspection the filters select.
pub async fn list(
    db: &sea_orm::DatabaseConnection,
    filter: &InspectionFilter,
) -> Result<InspectionPage, AppError> {
    crate::db::read_at_once(db, async |txn| list_in(txn, filter).await).await
}

async fn list_in(
    db: &impl ConnectionTrait,
    filter: &InspectionFilter,
) -> Result<InspectionPage, AppError> {
    let request = PageRequest::new(*filter.page, *filter.per_page);
    let selected = filtered(filter)?;
    let totals = totals(db, selected.clone()).await?;
    let rows = selected
        .order_by_desc(inspection::Column::StartsOn)
        .order_by_desc(inspection::Column::Id)
        .offset(request.offset())
        .limit(request.per_page)
        .all(db)
        .await?;
    Ok(InspectionPage {
        items: service::views(db, &rows).await?,
        total: totals.inspections,
        page: request.page,
        per_page: request.per_page,
        totals,
    })
}
