//! The inspections register as an export, in date order: the partner agencies and the problems
//! found written as officers write them in a cell (problems one a line), counts summed in the
//! totals row. It imports back.

use sea_orm::{ConnectionTrait, QueryOrder};

use super::writer::{Column, Kind, Total, Value};
use crate::entities::inspection;
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::inspections::query::{self, InspectionFilter};
use crate::inspections::service::{InspectionView, ProblemView};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Number,
    Title,
    StartsOn,
    EndsOn,
    LeadAgency,
    PartnerAgencies,
    Area,
    Places,
    StaffCount,
    Premises,
    Goods,
    MarkedGoods,
    Problems,
    Notes,
}

const FIELDS: [Field; 14] = [
    Field::Number,
    Field::Title,
    Field::StartsOn,
    Field::EndsOn,
    Field::LeadAgency,
    Field::PartnerAgencies,
    Field::Area,
    Field::Places,
    Field::StaffCount,
    Field::Premises,
    Field::Goods,
    Field::MarkedGoods,
    Field::Problems,
    Field::Notes,
];

impl Field {
    fn header(self, lang: Lang) -> String {
        let key = match self {
            Field::Number => "export.field.number",
            Field::Title => "inspections.field.title",
            Field::StartsOn => "inspections.field.starts_on",
            Field::EndsOn => "inspections.field.ends_on",
            Field::LeadAgency => "inspections.field.lead_agency",
            Field::PartnerAgencies => "inspections.field.partner_agencies",
            Field::Area => "inspections.field.area",
            Field::Places => "inspections.field.places",
            Field::StaffCount => "inspections.field.staff_count",
            Field::Premises => "inspections.field.premises_inspected",
            Field::Goods => "inspections.field.goods_checked",
            Field::MarkedGoods => "inspections.field.marked_goods_checked",
            Field::Problems => "inspections.field.problems",
            Field::Notes => "inspections.field.notes",
        };
        t(lang, key)
    }

    fn kind(self) -> Kind {
        match self {
            Field::Number
            | Field::StaffCount
            | Field::Premises
            | Field::Goods
            | Field::MarkedGoods => Kind::Integer,
            Field::StartsOn | Field::EndsOn => Kind::Date,
            Field::Title | Field::Places | Field::Problems | Field::Notes => Kind::Wrap,
            _ => Kind::Text,
        }
    }
}

/// A problem as one line of a cell: "标注已失效的专利号（当事人：某超市；产品：电热水壶）".
pub fn problem_line(problem: &ProblemView, lang: Lang) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (key, value) in [
        ("inspections.problem.party", &problem.party),
        ("inspections.problem.product", &problem.product),
    ] {
        if let Some(value) = value {
            parts.push(format!(
                "{}{}{value}",
                t(lang, key),
                t(lang, "export.label_separator")
            ));
        }
    }
    if parts.is_empty() {
        return problem.description.clone();
    }
    format!(
        "{}{}{}{}",
        problem.description,
        t(lang, "export.open_bracket"),
        parts.join(&t(lang, "export.part_separator")),
        t(lang, "export.close_bracket")
    )
}

pub struct InspectionExport {
    filter: InspectionFilter,
    lang: Lang,
    /// Lists in a cell are joined as the language joins them; either imports back.
    separator: String,
}

impl InspectionExport {
    pub fn new(filter: InspectionFilter, lang: Lang) -> InspectionExport {
        let separator = t(lang, "common.list_separator");
        InspectionExport {
            filter,
            lang,
            separator,
        }
    }

    pub fn columns(&self) -> Vec<Column> {
        FIELDS
            .iter()
            .map(|field| Column::new(field.header(self.lang), field.kind()))
            .collect()
    }

    /// The totals row: how many inspections, and the sums of the counts.
    pub fn totals(&self) -> Vec<Total> {
        let at = |field: Field| FIELDS.iter().position(|f| *f == field).unwrap_or(0);
        vec![
            Total::Count(at(Field::Title)),
            Total::Sum(at(Field::StaffCount)),
            Total::Sum(at(Field::Premises)),
            Total::Sum(at(Field::Goods)),
            Total::Sum(at(Field::MarkedGoods)),
        ]
    }

    /// Every inspection the filters select, oldest first (a ledger's order).
    pub async fn inspections(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<Vec<InspectionView>, AppError> {
        let rows = query::filtered(&self.filter)?
            .order_by_asc(inspection::Column::StartsOn)
            .order_by_asc(inspection::Column::Id)
            .all(db)
            .await?;
        crate::inspections::service::views(db, &rows).await
    }

    pub fn row(&self, inspection: &InspectionView, number: usize) -> Vec<Value> {
        let text = |v: &Option<String>| Value::text(v.as_deref());
        FIELDS
            .iter()
            .map(|field| match field {
                Field::Number => Value::number(number),
                Field::Title => Value::Text(inspection.title.clone()),
                Field::StartsOn => Value::Date(inspection.starts_on),
                Field::EndsOn => Value::Date(inspection.ends_on),
                Field::LeadAgency => text(&inspection.lead_agency),
                Field::PartnerAgencies => {
                    Value::joined(&inspection.partner_agencies, &self.separator)
                }
                Field::Area => text(&inspection.area),
                Field::Places => text(&inspection.places),
                Field::StaffCount => Value::count(inspection.staff_count),
                Field::Premises => Value::count(inspection.premises_inspected),
                Field::Goods => Value::count(inspection.goods_checked),
                Field::MarkedGoods => Value::count(inspection.marked_goods_checked),
                Field::Problems => Value::joined(
                    inspection
                        .problems
                        .iter()
                        .map(|p| problem_line(p, self.lang)),
                    "\n",
                ),
                Field::Notes => text(&inspection.notes),
            })
            .collect()
    }
}
