//! `ipdesk enterprises …`: the enterprise register from the terminal.

use super::card;
use super::pager::{PageArgs, Shown};
use clap::{Args, Subcommand};
use sea_orm::DatabaseConnection;

use crate::audit::Actor;
use crate::enterprises::domain::{EnterpriseInput, HighTechInput};
use crate::enterprises::query::{self, EnterpriseFilter, PatentFigures, TownshipSuggestion};
use crate::enterprises::service::{self, EnterpriseView};
use crate::error::AppError;
use crate::i18n::{Lang, Msg, t};
use crate::patents::PatentType;

#[derive(Subcommand, Debug)]
pub enum EnterpriseAction {
    List {
        #[arg(long)]
        q: Option<String>,
        #[arg(long)]
        township: Option<String>,
        #[arg(long)]
        high_tech: Option<bool>,
        #[arg(long)]
        tech_sme: Option<bool>,
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
    Link {
        id: i64,
        #[arg(long)]
        name: String,
    },
    Unlinked {
        #[arg(long)]
        people: bool,
        #[command(flatten)]
        paged: PageArgs,
        #[arg(long)]
        json: bool,
    },
    Townships {
        #[arg(long)]
        apply: bool,
        #[arg(long = "enterprise", value_name = "ID")]
        enterprises: Vec<i64>,
        #[arg(long)]
        township: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// The enterprise's fields; on `edit`, only those given change.
#[derive(Args, Debug, Default)]
pub struct Fields {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    credit_code: Option<String>,
    #[arg(long)]
    township: Option<String>,
    #[arg(long)]
    address: Option<String>,
    #[arg(long)]
    industry: Option<String>,
    #[arg(long)]
    high_tech_certificate: Option<String>,
    #[arg(long)]
    high_tech_issued_on: Option<String>,
    #[arg(long)]
    high_tech_expires_on: Option<String>,
    #[arg(long)]
    tech_sme: Option<bool>,
    #[arg(long)]
    contact_name: Option<String>,
    #[arg(long)]
    contact_phone: Option<String>,
    #[arg(long)]
    notes: Option<String>,
}

impl Fields {
    fn over(self, base: EnterpriseInput) -> EnterpriseInput {
        let high_tech = base.high_tech.unwrap_or_default();
        EnterpriseInput {
            name: self.name.unwrap_or(base.name),
            credit_code: self.credit_code.or(base.credit_code),
            township: self.township.or(base.township),
            address: self.address.or(base.address),
            industry: self.industry.or(base.industry),
            high_tech: Some(HighTechInput {
                certificate_number: self.high_tech_certificate.or(high_tech.certificate_number),
                issued_on: self.high_tech_issued_on.or(high_tech.issued_on),
                expires_on: self.high_tech_expires_on.or(high_tech.expires_on),
            }),
            tech_sme: self.tech_sme.unwrap_or(base.tech_sme),
            contact_name: self.contact_name.or(base.contact_name),
            contact_phone: self.contact_phone.or(base.contact_phone),
            notes: self.notes.or(base.notes),
        }
    }
}

fn as_input(view: &EnterpriseView) -> EnterpriseInput {
    EnterpriseInput {
        name: view.name.clone(),
        credit_code: view.credit_code.clone(),
        township: view.township.clone(),
        address: view.address.clone(),
        industry: view.industry.clone(),
        high_tech: view.high_tech.as_ref().map(|h| HighTechInput {
            certificate_number: h.certificate_number.clone(),
            issued_on: h.issued_on.map(|d| d.to_string()),
            expires_on: h.expires_on.map(|d| d.to_string()),
        }),
        tech_sme: view.tech_sme,
        contact_name: view.contact_name.clone(),
        contact_phone: view.contact_phone.clone(),
        notes: view.notes.clone(),
    }
}

use super::import::json;

fn line(e: &EnterpriseView) -> String {
    format!(
        "{:>6}  {}  {}  {}",
        e.id,
        e.name,
        e.credit_code.as_deref().unwrap_or("-"),
        e.township.as_deref().unwrap_or("-")
    )
}

/// The fields `show`, `add` and `edit` print under the list's line, which names the rest.
pub(super) const CARD: [&str; 8] = [
    "address",
    "industry",
    "high_tech",
    "tech_sme",
    "contact_name",
    "contact_phone",
    "notes",
    "archived",
];

fn show(e: &EnterpriseView, as_json: bool, lang: Lang) -> Result<(), AppError> {
    if as_json {
        return json(e, lang);
    }
    card::print(&line(e), e, "enterprises.field.", &CARD, lang);
    Ok(())
}

/// How many visits, events and cases concern the enterprise, each with the command that lists
/// them (its page lists them in full).
fn print_dealings(dealings: &query::Dealings, id: i64, lang: Lang) {
    for (label, count, register) in [
        ("enterprises.visits", dealings.visits, "visits"),
        ("enterprises.events", dealings.events, "events"),
        ("cases.enterprise_cases", dealings.cases, "cases"),
    ] {
        let value = match count {
            0 => t(lang, "cli.enterprise.none_listed"),
            _ => Msg::new("cli.enterprise.listed")
                .count("count", count)
                .arg(
                    "command",
                    format!("ipdesk {register} list --enterprise {id}"),
                )
                .render(lang),
        };
        let line = Msg::new("cli.card.line")
            .arg("label", t(lang, label))
            .arg("value", value);
        say!("        {}", line.render(lang));
    }
}

/// The enterprise's patents in figures under its card, as its page shows them: each type with
/// how many are granted and pending, then the grants of each year.
fn print_figures(figures: &PatentFigures, lang: Lang) {
    let heading = Msg::new("cli.card.line")
        .arg("label", t(lang, "enterprises.patents_by_type"))
        .arg(
            "value",
            Msg::new("cli.enterprise.total")
                .count("total", figures.total)
                .render(lang),
        );
    say!("        {}", heading.render(lang));
    let count = |map: &std::collections::BTreeMap<String, u64>, key: &str| {
        map.get(key).copied().unwrap_or(0)
    };
    for (type_name, total) in &figures.by_type {
        let line = Msg::new("cli.enterprise.by_type")
            .arg("type", t(lang, &format!("patent_type.{type_name}")))
            .count("count", *total)
            .arg("granted", count(&figures.granted_by_type, type_name))
            .arg("pending", count(&figures.pending_by_type, type_name));
        say!("          {}", line.render(lang));
    }
    let years: Vec<String> = figures
        .grants_by_year
        .iter()
        .rev()
        .map(|(year, counts)| {
            let counts: Vec<String> = PatentType::ALL
                .iter()
                .map(|kind| {
                    let name = t(lang, &format!("patent_type.{}", kind.as_str()));
                    format!("{name} {}", count(counts, kind.as_str()))
                })
                .collect();
            Msg::new("cli.enterprise.year")
                .arg("year", year)
                .arg("counts", counts.join(&t(lang, "common.list_separator")))
                .render(lang)
        })
        .collect();
    card::section(&Msg::new("enterprises.grants_by_year"), &years, lang);
}

pub async fn run(
    db: &DatabaseConnection,
    action: EnterpriseAction,
    lang: Lang,
) -> Result<(), AppError> {
    let actor = Actor::cli();
    match action {
        EnterpriseAction::List {
            q,
            township,
            high_tech,
            tech_sme,
            archived,
            paged,
            json: as_json,
        } => {
            let filter = EnterpriseFilter {
                q,
                township,
                high_tech: high_tech.into(),
                tech_sme: tech_sme.into(),
                archived: archived.then_some(true).into(),
                page: paged.page.into(),
                per_page: paged.per_page.into(),
            };
            let page = query::list(db, &filter).await?;
            if as_json {
                return json(&page, lang);
            }
            for e in &page.items {
                say!("{}", line(e));
            }
            say!(
                "{}",
                Msg::new("enterprises.count")
                    .count("count", page.total)
                    .render(lang)
            );
            let shown = Shown::of(page.page, page.per_page, page.items.len(), page.total);
            super::pager::print(shown, lang);
            Ok(())
        }
        EnterpriseAction::Show { id, json: as_json } => {
            show(&service::view(db, id).await?, as_json, lang)?;
            if !as_json {
                print_figures(&query::figures(db, id).await?, lang);
                print_dealings(&query::dealings(db, id).await?, id, lang);
            }
            Ok(())
        }
        EnterpriseAction::Add {
            fields,
            json: as_json,
        } => show(
            &service::create(db, &actor, &fields.over(EnterpriseInput::default())).await?,
            as_json,
            lang,
        ),
        EnterpriseAction::Edit {
            id,
            fields,
            json: as_json,
        } => {
            let current = service::view(db, id).await?;
            let input = fields.over(as_input(&current));
            show(
                &service::update(db, &actor, id, current.version, &input).await?,
                as_json,
                lang,
            )
        }
        EnterpriseAction::Archive { id } => set_archived(db, &actor, id, true, lang).await,
        EnterpriseAction::Restore { id } => set_archived(db, &actor, id, false, lang).await,
        EnterpriseAction::Link { id, name } => {
            let linked = service::link_name(db, &actor, &name, id).await?;
            say!(
                "{}",
                Msg::new("enterprises.link.done")
                    .arg("name", name.trim())
                    .count("count", linked)
                    .render(lang)
            );
            Ok(())
        }
        EnterpriseAction::Unlinked {
            people,
            paged,
            json: as_json,
        } => {
            let request = paged.request();
            let (names, total) = query::unlinked(db, people, request).await?;
            if as_json {
                return json(&names, lang);
            }
            if total == 0 {
                say!("{}", t(lang, "enterprises.unlinked.empty"));
            }
            for name in &names {
                say!("{:>5}  {}", name.patents, name.name);
            }
            let shown = Shown::of(request.page, request.per_page, names.len(), total);
            super::pager::print(shown, lang);
            Ok(())
        }
        EnterpriseAction::Townships {
            apply,
            enterprises,
            township,
            json: as_json,
        } => {
            let choice = query::SuggestionChoice {
                only: (!enterprises.is_empty()).then_some(enterprises.as_slice()),
                township: township.as_deref(),
            };
            if apply {
                let given = service::fill_townships(db, &actor, choice).await?;
                return print_townships(Townships::Given, &given, as_json, lang);
            }
            let items = query::chosen_suggestions(db, choice).await?;
            print_townships(Townships::Suggested, &items, as_json, lang)?;
            if !items.is_empty() && !as_json {
                say!("{}", t(lang, "cli.enterprise.townships_apply"));
            }
            Ok(())
        }
    }
}

/// After an import that concerns enterprises: how many enterprises without a township their
/// patents could give one (`count`), and the command that lists them.
pub fn mention_townships(count: usize, lang: Lang) {
    if count > 0 {
        let told = Msg::new("enterprises.townships.suggested").count("count", count);
        say!("{}", told.render(lang));
        say!("{}", t(lang, "cli.enterprise.townships_apply"));
    }
}

#[derive(Clone, Copy)]
enum Townships {
    Suggested,
    Given,
}

/// Townships suggested or given, as the API answers them (`items`, `given`).
fn print_townships(
    what: Townships,
    suggestions: &[TownshipSuggestion],
    as_json: bool,
    lang: Lang,
) -> Result<(), AppError> {
    if as_json {
        return json(
            &match what {
                Townships::Suggested => serde_json::json!({ "items": suggestions }),
                Townships::Given => serde_json::json!({ "given": suggestions }),
            },
            lang,
        );
    }
    for s in suggestions {
        let line = Msg::new("cli.enterprise.township_suggestion")
            .arg("enterprise", &s.enterprise)
            .arg("id", s.enterprise_id)
            .arg("township", &s.township)
            .count("patents", s.patents)
            .count("of", s.of);
        say!("{}", line.render(lang));
    }
    let count = suggestions.len();
    let summary = match what {
        Townships::Given => Msg::new("enterprises.townships.given").count("count", count),
        _ if count == 0 => Msg::new("enterprises.townships.empty"),
        Townships::Suggested => Msg::new("enterprises.townships.suggested").count("count", count),
    };
    say!("{}", summary.render(lang));
    Ok(())
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
        "enterprises.archived"
    } else {
        "enterprises.restored"
    };
    say!("{}", Msg::new(key).arg("name", &view.name).render(lang));
    Ok(())
}
