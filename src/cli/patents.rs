//! `ipdesk patents …`: the patent register from the terminal, with the JSON API's field names
//! as flags.

use super::card;
use super::pager::{PageArgs, Shown};
use clap::{Args, Subcommand};
use sea_orm::DatabaseConnection;

use crate::audit::Actor;
use crate::error::AppError;
use crate::i18n::{Lang, Msg, t};
use crate::patents::domain::{ApplicantInput, PatentInput};
use crate::patents::query::{self, PatentFilter};
use crate::patents::service::{self, EventInput, PatentView};

#[derive(Subcommand, Debug)]
pub enum PatentAction {
    List {
        #[command(flatten)]
        filter: ListArgs,
        #[arg(long)]
        json: bool,
    },
    Show {
        patent: String,
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
        patent: String,
        #[command(flatten)]
        fields: Fields,
        #[arg(long)]
        json: bool,
    },
    Event {
        patent: String,
        #[arg(long)]
        status: String,
        #[arg(long)]
        on: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        grant_publication_number: Option<String>,
    },
    Archive {
        patent: String,
    },
    Restore {
        patent: String,
    },
}

#[derive(Args, Debug, Default)]
pub struct ListArgs {
    #[arg(long = "type")]
    patent_type: Option<String>,
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    filed_year: Option<i32>,
    #[arg(long)]
    granted_year: Option<i32>,
    #[arg(long)]
    township: Option<String>,
    #[arg(long)]
    enterprise: Option<i64>,
    #[arg(long)]
    q: Option<String>,
    #[arg(long)]
    archived: bool,
    /// filed_desc, filed_asc, granted_desc, granted_asc or number; newest filing first by
    /// default, newest grant first when a grant year is chosen.
    #[arg(long)]
    sort: Option<String>,
    #[command(flatten)]
    paged: PageArgs,
}

/// The patent's fields; on `edit`, only those given change.
#[derive(Args, Debug, Default)]
pub struct Fields {
    #[arg(long)]
    application_number: Option<String>,
    #[arg(long)]
    title: Option<String>,
    #[arg(long = "applicant")]
    applicants: Vec<String>,
    #[arg(long = "inventor")]
    inventors: Vec<String>,
    #[arg(long)]
    filed_on: Option<String>,
    #[arg(long)]
    granted_on: Option<String>,
    #[arg(long)]
    grant_publication_number: Option<String>,
    #[arg(long)]
    agency: Option<String>,
    #[arg(long)]
    ipc_main: Option<String>,
    #[arg(long)]
    address: Option<String>,
    #[arg(long)]
    township: Option<String>,
    #[arg(long)]
    notes: Option<String>,
}

impl Fields {
    /// The input: these fields over `base` (the stored patent when editing).
    fn over(self, base: PatentInput) -> PatentInput {
        PatentInput {
            application_number: self.application_number.unwrap_or(base.application_number),
            title: self.title.unwrap_or(base.title),
            applicants: if self.applicants.is_empty() {
                base.applicants
            } else {
                self.applicants
                    .into_iter()
                    .map(ApplicantInput::Name)
                    .collect()
            },
            inventors: if self.inventors.is_empty() {
                base.inventors
            } else {
                self.inventors
            },
            filed_on: self.filed_on.or(base.filed_on),
            granted_on: self.granted_on.or(base.granted_on),
            grant_publication_number: self
                .grant_publication_number
                .or(base.grant_publication_number),
            agency: self.agency.or(base.agency),
            ipc_main: self.ipc_main.or(base.ipc_main),
            address: self.address.or(base.address),
            township: self.township.or(base.township),
            notes: self.notes.or(base.notes),
        }
    }
}

/// The stored patent as an input to edit.
fn as_input(view: &PatentView) -> PatentInput {
    PatentInput {
        application_number: view.application_number.clone(),
        title: view.title.clone(),
        applicants: view
            .applicants
            .iter()
            .map(|a| ApplicantInput::Linked {
                name: a.name.clone(),
                enterprise_id: a.enterprise_id,
            })
            .collect(),
        inventors: view.inventors.clone(),
        filed_on: view.filed_on.map(|d| d.to_string()),
        granted_on: view.granted_on.map(|d| d.to_string()),
        grant_publication_number: view.grant_publication_number.clone(),
        agency: view.agency.clone(),
        ipc_main: view.ipc_main.clone(),
        address: view.address.clone(),
        township: view.township.clone(),
        notes: view.notes.clone(),
    }
}

/// A patent named by its id or its application number in any spelling.
async fn resolve(db: &DatabaseConnection, reference: &str) -> Result<i64, AppError> {
    if let Ok(id) = reference.trim().parse::<i64>()
        && reference.trim().len() < 8
    {
        return Ok(id);
    }
    match service::find_by_number(db, reference).await? {
        Some(row) => Ok(row.id),
        None => Err(AppError::NotFound(Msg::new("patents.not_found"))),
    }
}

use super::import::json;

fn line(patent: &PatentView, lang: Lang) -> String {
    let applicants: Vec<&str> = patent.applicants.iter().map(|a| a.name.as_str()).collect();
    format!(
        "{:>6}  {}  {}  {}  {}  {}",
        patent.id,
        patent.application_number,
        t(lang, &patent.patent_type.label_key()),
        t(lang, &patent.status.label_key()),
        patent.title,
        applicants.join(&t(lang, "common.list_separator"))
    )
}

fn show(patent: &PatentView, warnings: &[Msg], as_json: bool, lang: Lang) -> Result<(), AppError> {
    for warning in warnings {
        eprintln!("{}", warning.render(lang));
    }
    if as_json {
        return json(patent, lang);
    }
    card::print(&line(patent, lang), patent, "patents.field.", &CARD, lang);
    Ok(())
}

/// The fields `show`, `add` and `edit` print under the list's line, which names the rest.
pub(super) const CARD: [&str; 10] = [
    "inventors",
    "filed_on",
    "granted_on",
    "grant_publication_number",
    "agency",
    "ipc_main",
    "address",
    "township",
    "notes",
    "archived",
];

pub async fn run(
    db: &DatabaseConnection,
    action: PatentAction,
    lang: Lang,
) -> Result<(), AppError> {
    let actor = Actor::cli();
    match action {
        PatentAction::List {
            filter,
            json: as_json,
        } => {
            let filter = PatentFilter {
                patent_type: filter.patent_type,
                status: filter.status,
                filed_year: filter.filed_year.into(),
                granted_year: filter.granted_year.into(),
                township: filter.township,
                enterprise: filter.enterprise.into(),
                linked: Default::default(),
                archived: filter.archived.then_some(true).into(),
                q: filter.q,
                sort: filter.sort,
                page: filter.paged.page.into(),
                per_page: filter.paged.per_page.into(),
            };
            let page = query::list(db, &filter).await?;
            if as_json {
                return json(&page, lang);
            }
            for patent in &page.items {
                say!("{}", line(patent, lang));
            }
            let total = crate::i18n::number(lang, page.total);
            let total = format!("{total}{}", if page.total_capped { "+" } else { "" });
            say!(
                "{}",
                Msg::new("patents.count").arg("count", total).render(lang)
            );
            let shown = Shown {
                capped: page.total_capped,
                ..Shown::of(page.page, page.per_page, page.items.len(), page.total)
            };
            super::pager::print(shown, lang);
            Ok(())
        }
        PatentAction::Show {
            patent,
            json: as_json,
        } => {
            let view = service::view(db, resolve(db, &patent).await?).await?;
            show(&view, &[], as_json, lang)
        }
        PatentAction::Add {
            fields,
            json: as_json,
        } => {
            let saved = service::create(db, &actor, &fields.over(PatentInput::default())).await?;
            show(&saved.patent, &saved.warnings, as_json, lang)
        }
        PatentAction::Edit {
            patent,
            fields,
            json: as_json,
        } => {
            let current = service::view(db, resolve(db, &patent).await?).await?;
            let input = fields.over(as_input(&current));
            let saved = service::update(db, &actor, current.id, current.version, &input).await?;
            show(&saved.patent, &saved.warnings, as_json, lang)
        }
        PatentAction::Event {
            patent,
            status,
            on,
            note,
            grant_publication_number,
        } => {
            let input = EventInput {
                status,
                on,
                note,
                grant_publication_number,
            };
            let view = service::add_event(db, &actor, resolve(db, &patent).await?, &input).await?;
            show(&view, &[], false, lang)
        }
        PatentAction::Archive { patent } => set_archived(db, &actor, &patent, true, lang).await,
        PatentAction::Restore { patent } => set_archived(db, &actor, &patent, false, lang).await,
    }
}

async fn set_archived(
    db: &DatabaseConnection,
    actor: &Actor,
    reference: &str,
    archived: bool,
    lang: Lang,
) -> Result<(), AppError> {
    let current = service::view(db, resolve(db, reference).await?).await?;
    let view = service::set_archived(db, actor, current.id, current.version, archived).await?;
    let key = if archived {
        "patents.archived"
    } else {
        "patents.restored"
    };
    say!(
        "{}",
        Msg::new(key)
            .arg("number", &view.application_number)
            .render(lang)
    );
    Ok(())
}
