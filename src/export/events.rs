//! The publicity events register as an export, in date order, with the attendees, materials and
//! consultations summed in its totals row. Headers are the register's own field labels.

use sea_orm::{ConnectionTrait, QueryOrder};

use super::writer::{Column, Kind, Total, Value};
use crate::entities::event;
use crate::error::AppError;
use crate::events::domain::EventKind;
use crate::events::query::{self, EventFilter};
use crate::events::service::EventView;
use crate::i18n::{Lang, t};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Number,
    Title,
    Kind,
    StartsOn,
    EndsOn,
    Location,
    LeadUnit,
    CoOrganisers,
    Audience,
    Attendees,
    Materials,
    Consultations,
    Enterprises,
    Summary,
    Notes,
}

const FIELDS: [Field; 15] = [
    Field::Number,
    Field::Title,
    Field::Kind,
    Field::StartsOn,
    Field::EndsOn,
    Field::Location,
    Field::LeadUnit,
    Field::CoOrganisers,
    Field::Audience,
    Field::Attendees,
    Field::Materials,
    Field::Consultations,
    Field::Enterprises,
    Field::Summary,
    Field::Notes,
];

impl Field {
    fn header(self, lang: Lang) -> String {
        let key = match self {
            Field::Number => "export.field.number",
            Field::Title => "events.field.title",
            Field::Kind => "events.field.kind",
            Field::StartsOn => "events.field.starts_on",
            Field::EndsOn => "events.field.ends_on",
            Field::Location => "events.field.location",
            Field::LeadUnit => "events.field.lead_unit",
            Field::CoOrganisers => "events.field.co_organisers",
            Field::Audience => "events.field.audience",
            Field::Attendees => "events.field.attendees",
            Field::Materials => "events.field.materials_count",
            Field::Consultations => "events.field.consultations",
            Field::Enterprises => "events.field.enterprises",
            Field::Summary => "events.field.summary",
            Field::Notes => "events.field.notes",
        };
        t(lang, key)
    }

    fn kind(self) -> Kind {
        match self {
            Field::Number | Field::Attendees | Field::Materials | Field::Consultations => {
                Kind::Integer
            }
            Field::StartsOn | Field::EndsOn => Kind::Date,
            Field::Title
            | Field::CoOrganisers
            | Field::Enterprises
            | Field::Summary
            | Field::Notes => Kind::Wrap,
            _ => Kind::Text,
        }
    }
}

pub struct EventExport {
    filter: EventFilter,
    lang: Lang,
    /// Lists in a cell are joined as the language joins them; either imports back.
    separator: String,
}

impl EventExport {
    pub fn new(filter: EventFilter, lang: Lang) -> EventExport {
        let separator = t(lang, "common.list_separator");
        EventExport {
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

    /// The totals row: how many events, and the sums of the counts.
    pub fn totals(&self) -> Vec<Total> {
        let at = |field: Field| FIELDS.iter().position(|f| *f == field).unwrap_or(0);
        vec![
            Total::Count(at(Field::Title)),
            Total::Sum(at(Field::Attendees)),
            Total::Sum(at(Field::Materials)),
            Total::Sum(at(Field::Consultations)),
        ]
    }

    /// Every event the filters select, oldest first (a ledger's order). A county holds hundreds,
    /// so they are read at once.
    pub async fn events(&self, db: &impl ConnectionTrait) -> Result<Vec<EventView>, AppError> {
        let selected = query::filtered(db, &self.filter)
            .await?
            .order_by_asc(event::Column::StartsOn)
            .order_by_asc(event::Column::Id);
        query::views(db, selected).await
    }

    pub fn row(&self, event: &EventView, number: usize) -> Vec<Value> {
        let text = |v: &Option<String>| Value::text(v.as_deref());
        FIELDS
            .iter()
            .map(|field| match field {
                Field::Number => Value::number(number),
                Field::Title => Value::Text(event.title.clone()),
                Field::Kind => Value::Text(
                    EventKind::parse(&event.kind)
                        .map_or_else(|| event.kind.clone(), |k| t(self.lang, &k.label_key())),
                ),
                Field::StartsOn => Value::Date(event.starts_on),
                Field::EndsOn => Value::Date(event.ends_on),
                Field::Location => text(&event.location),
                Field::LeadUnit => text(&event.lead_unit),
                Field::CoOrganisers => Value::joined(&event.co_organisers, &self.separator),
                Field::Audience => text(&event.audience),
                Field::Attendees => Value::count(event.attendees),
                Field::Materials => Value::count(event.materials_count),
                Field::Consultations => Value::count(event.consultations),
                Field::Enterprises => Value::joined(
                    event.enterprises.iter().map(|e| e.name.as_str()),
                    &self.separator,
                ),
                Field::Summary => text(&event.summary),
                Field::Notes => text(&event.notes),
            })
            .collect()
    }
}
