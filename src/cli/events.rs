//! `ipdesk events …`: the publicity events register from the terminal, with the API's field
//! names as flags.

use super::pager::{PageArgs, Shown};
use clap::{Args, Subcommand};
use sea_orm::DatabaseConnection;

use super::{card, or_list};
use crate::audit::Actor;
use crate::audit::display;
use crate::error::AppError;
use crate::events::domain::EventInput;
use crate::events::query::{self, EventFilter};
use crate::events::service::{self, EventView};
use crate::fields::CountInput;
use crate::i18n::{Lang, Msg};

#[derive(Subcommand, Debug)]
pub enum EventAction {
    List {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        enterprise: Option<i64>,
        #[arg(long)]
        q: Option<String>,
        #[arg(long)]
        archived: bool,
        #[command(flatten)]
        paged: PageArgs,
        #[arg(long)]
        json: bool,
    },
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    Add {
        #[command(flatten)]
        fields: Fields,
        #[arg(long)]
        json: bool,
    },
    Edit {
        id: i64,
        #[command(flatten)]
        fields: Fields,
        #[arg(long)]
        json: bool,
    },
    Archive {
        id: i64,
    },
    Restore {
        id: i64,
    },
}

/// The event's fields; on `edit`, only those given change (a list given replaces the list).
#[derive(Args, Debug, Default)]
pub struct Fields {
    #[arg(long)]
    kind: Option<String>,
    #[arg(long)]
    title: Option<String>,
    #[arg(long)]
    starts_on: Option<String>,
    #[arg(long)]
    ends_on: Option<String>,
    #[arg(long)]
    location: Option<String>,
    #[arg(long)]
    lead_unit: Option<String>,
    #[arg(long = "co-organiser")]
    co_organisers: Vec<String>,
    #[arg(long)]
    audience: Option<String>,
    #[arg(long)]
    attendees: Option<i64>,
    #[arg(long)]
    materials_count: Option<i64>,
    #[arg(long)]
    consultations: Option<i64>,
    #[arg(long = "enterprise-id")]
    enterprise_ids: Vec<i64>,
    #[arg(long)]
    summary: Option<String>,
    #[arg(long)]
    notes: Option<String>,
}

fn or_count(given: Option<i64>, base: CountInput) -> CountInput {
    given.map_or(base, |n| CountInput::from(Some(n)))
}

impl Fields {
    fn over(self, base: EventInput) -> EventInput {
        EventInput {
            kind: self.kind.unwrap_or(base.kind),
            title: self.title.unwrap_or(base.title),
            starts_on: self.starts_on.unwrap_or(base.starts_on),
            ends_on: self.ends_on.or(base.ends_on),
            location: self.location.or(base.location),
            lead_unit: self.lead_unit.or(base.lead_unit),
            co_organisers: or_list(self.co_organisers, base.co_organisers),
            audience: self.audience.or(base.audience),
            attendees: or_count(self.attendees, base.attendees),
            materials_count: or_count(self.materials_count, base.materials_count),
            consultations: or_count(self.consultations, base.consultations),
            enterprise_ids: or_list(self.enterprise_ids, base.enterprise_ids),
            summary: self.summary.or(base.summary),
            notes: self.notes.or(base.notes),
        }
    }
}

fn as_input(view: &EventView) -> EventInput {
    EventInput {
        kind: view.kind.clone(),
        title: view.title.clone(),
        starts_on: view.starts_on.to_string(),
        ends_on: Some(view.ends_on.to_string()),
        location: view.location.clone(),
        lead_unit: view.lead_unit.clone(),
        co_organisers: view.co_organisers.clone(),
        audience: view.audience.clone(),
        attendees: view.attendees.into(),
        materials_count: view.materials_count.into(),
        consultations: view.consultations.into(),
        enterprise_ids: view.enterprise_ids.clone(),
        summary: view.summary.clone(),
        notes: view.notes.clone(),
    }
}

fn line(e: &EventView, lang: Lang) -> String {
    let kind = display::shown(&e.kind.as_str().into(), lang, "events.field.kind");
    format!("{:>6}  {}  {}  {kind}", e.id, e.starts_on, e.title)
}

/// The fields `show`, `add` and `edit` print under the list's line, which names the rest.
pub(super) const CARD: [&str; 12] = [
    "ends_on",
    "location",
    "lead_unit",
    "co_organisers",
    "audience",
    "attendees",
    "materials_count",
    "consultations",
    "enterprises",
    "summary",
    "notes",
    "archived",
];

fn show(e: &EventView, as_json: bool, lang: Lang) -> Result<(), AppError> {
    if as_json {
        return super::import::json(e, lang);
    }
    card::print(&line(e, lang), e, "events.field.", &CARD, lang);
    Ok(())
}

pub async fn run(db: &DatabaseConnection, action: EventAction, lang: Lang) -> Result<(), AppError> {
    let actor = Actor::cli();
    match action {
        EventAction::List {
            from,
            to,
            kind,
            enterprise,
            q,
            archived,
            paged,
            json: as_json,
        } => {
            let filter = EventFilter {
                from,
                to,
                kind,
                enterprise: enterprise.into(),
                q,
                archived: archived.then_some(true).into(),
                page: paged.page.into(),
                per_page: paged.per_page.into(),
            };
            let page = query::list(db, &filter).await?;
            if as_json {
                return super::import::json(&page, lang);
            }
            for e in &page.items {
                say!("{}", line(e, lang));
            }
            let totals = &page.totals;
            let msg = Msg::new("events.totals")
                .count("events", totals.events)
                .count("attendees", totals.attendees)
                .count("materials", totals.materials_count)
                .count("consultations", totals.consultations);
            say!("{}", msg.render(lang));
            let shown = Shown::of(page.page, page.per_page, page.items.len(), page.total);
            super::pager::print(shown, lang);
            Ok(())
        }
        EventAction::Show { id, json: as_json } => {
            show(&service::view(db, id).await?, as_json, lang)
        }
        EventAction::Add {
            fields,
            json: as_json,
        } => show(
            &service::create(db, &actor, &fields.over(EventInput::default())).await?,
            as_json,
            lang,
        ),
        EventAction::Edit {
            id,
            fields,
            json: as_json,
        } => {
            let current = service::view(db, id).await?;
            let input = fields.over(as_input(&current));
            let view = service::update(db, &actor, id, current.version, &input).await?;
            show(&view, as_json, lang)
        }
        EventAction::Archive { id } => set_archived(db, &actor, id, true, lang).await,
        EventAction::Restore { id } => set_archived(db, &actor, id, false, lang).await,
    }
}

async fn set_archived(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    archived: bool,
    lang: Lang,
) -> Result<(), AppError> {
    let current = service::view(db, id).await?;
    let view = service::set_archived(db, actor, id, current.version, archived).await?;
    let key = if archived {
        "events.archived"
    } else {
        "events.restored"
    };
    say!("{}", Msg::new(key).arg("title", &view.title).render(lang));
    Ok(())
}
