//! The visits register as an export, in date order: the people, topics and follow-ups written as
//! officers write them in a cell, and the patents filed after each visit; materials summed in the
//! totals row. It imports back (the follow-ups' cell format is read by the importer).

use sea_orm::{ConnectionTrait, QueryOrder};

use super::writer::{Column, Kind, Total, Value};
use crate::entities::visit;
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::visits::domain::{FollowUp, Topic};
use crate::visits::query::{self, VisitFilter, VisitItem};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Number,
    VisitedOn,
    Enterprise,
    Township,
    Officers,
    Agencies,
    Topics,
    Materials,
    Needs,
    FollowUps,
    PatentsAfter,
    Notes,
}

const FIELDS: [Field; 12] = [
    Field::Number,
    Field::VisitedOn,
    Field::Enterprise,
    Field::Township,
    Field::Officers,
    Field::Agencies,
    Field::Topics,
    Field::Materials,
    Field::Needs,
    Field::FollowUps,
    Field::PatentsAfter,
    Field::Notes,
];

impl Field {
    fn header(self, lang: Lang) -> String {
        let key = match self {
            Field::Number => "export.field.number",
            Field::VisitedOn => "visits.field.visited_on",
            Field::Enterprise => "visits.field.enterprise",
            Field::Township => "visits.field.township",
            Field::Officers => "visits.field.officers",
            Field::Agencies => "visits.field.agencies",
            Field::Topics => "visits.field.topics",
            Field::Materials => "visits.field.materials_count",
            Field::Needs => "visits.field.needs",
            Field::FollowUps => "visits.field.follow_ups",
            Field::PatentsAfter => "visits.field.patents_after",
            Field::Notes => "visits.field.notes",
        };
        t(lang, key)
    }

    fn kind(self) -> Kind {
        match self {
            Field::Number | Field::Materials | Field::PatentsAfter => Kind::Integer,
            Field::VisitedOn => Kind::Date,
            Field::Needs | Field::FollowUps | Field::Notes | Field::Topics => Kind::Wrap,
            _ => Kind::Text,
        }
    }
}

/// A follow-up as one line of a cell: "协助撰写申请书（责任人：张三；期限：2026-06-30；完成日期：2026-06-20）".
/// The importer reads the same form back, in either language.
pub fn follow_up_line(follow_up: &FollowUp, lang: Lang) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut part = |key: &str, value: String| {
        parts.push(format!(
            "{}{}{value}",
            t(lang, key),
            t(lang, "export.label_separator")
        ));
    };
    if let Some(owner) = &follow_up.owner {
        part("visits.follow_up.owner", owner.clone());
    }
    if let Some(due) = follow_up.due_on {
        part("visits.follow_up.due_on", due.to_string());
    }
    if let Some(done) = follow_up.done_on {
        part("visits.follow_up.done_on", done.to_string());
    }
    if parts.is_empty() {
        return follow_up.action.clone();
    }
    format!(
        "{}{}{}{}",
        follow_up.action,
        t(lang, "export.open_bracket"),
        parts.join(&t(lang, "export.part_separator")),
        t(lang, "export.close_bracket")
    )
}

pub struct VisitExport {
    filter: VisitFilter,
    lang: Lang,
    /// Lists in a cell are joined as the language joins them; either imports back.
    separator: String,
}

impl VisitExport {
    pub fn new(filter: VisitFilter, lang: Lang) -> VisitExport {
        let separator = t(lang, "common.list_separator");
        VisitExport {
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

    /// The totals row: how many visits, the materials and the filings after.
    pub fn totals(&self) -> Vec<Total> {
        let at = |field: Field| FIELDS.iter().position(|f| *f == field).unwrap_or(0);
        vec![
            Total::Count(at(Field::Enterprise)),
            Total::Sum(at(Field::Materials)),
            Total::Sum(at(Field::PatentsAfter)),
        ]
    }

    /// Every visit the filters select, oldest first (a ledger's order), with its effect.
    pub async fn visits(&self, db: &impl ConnectionTrait) -> Result<Vec<VisitItem>, AppError> {
        let selected = query::filtered(db, &self.filter)
            .await?
            .order_by_asc(visit::Column::VisitedOn)
            .order_by_asc(visit::Column::Id);
        query::items(db, selected).await
    }

    pub fn row(&self, item: &VisitItem, number: usize) -> Vec<Value> {
        let visit = &item.visit;
        let text = |v: &Option<String>| Value::text(v.as_deref());
        FIELDS
            .iter()
            .map(|field| match field {
                Field::Number => Value::number(number),
                Field::VisitedOn => Value::Date(visit.visited_on),
                Field::Enterprise => Value::Text(visit.enterprise_name.clone()),
                Field::Township => text(&visit.township),
                Field::Officers => Value::joined(&visit.officer_names, &self.separator),
                Field::Agencies => Value::joined(&visit.agencies, &self.separator),
                Field::Topics => Value::joined(
                    visit.topics.iter().map(|raw| {
                        Topic::parse(raw)
                            .map_or_else(|| raw.clone(), |k| t(self.lang, &k.label_key()))
                    }),
                    &self.separator,
                ),
                Field::Materials => Value::count(visit.materials_count),
                Field::Needs => text(&visit.needs),
                Field::FollowUps => Value::joined(
                    visit
                        .follow_ups
                        .iter()
                        .map(|f| follow_up_line(f, self.lang)),
                    "\n",
                ),
                Field::PatentsAfter => {
                    Value::Integer(i64::try_from(item.patents_filed_after).unwrap_or(i64::MAX))
                }
                Field::Notes => text(&visit.notes),
            })
            .collect()
    }
}
