//! `ipdesk visits …`: the visits register from the terminal, with the API's field names as flags;
//! a follow-up is written as the export writes it: "联系代理机构（责任人：张三；期限：2026-06-01）".

use super::pager::{PageArgs, Shown};
use clap::{Args, Subcommand};
use sea_orm::DatabaseConnection;

use super::{card, or_list};
use crate::audit::Actor;
use crate::error::AppError;
use crate::fields::CountInput;
use crate::i18n::{Lang, Msg, t};
use crate::import::ledger_rows::follow_up;
use crate::visits::domain::{FollowUpInput, VisitInput};
use crate::visits::query::{self, VisitFilter};
use crate::visits::service::{self, VisitView};

#[derive(Subcommand, Debug)]
pub enum VisitAction {
    List {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        township: Option<String>,
        #[arg(long)]
        enterprise: Option<i64>,
        #[arg(long)]
        topic: Option<String>,
        #[arg(long)]
        open: bool,
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
    Due {
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

/// The visit's fields; on `edit`, only those given change (a list given replaces the list).
#[derive(Args, Debug, Default)]
pub struct Fields {
    #[arg(long)]
    enterprise_id: Option<i64>,
    #[arg(long)]
    enterprise_name: Option<String>,
    #[arg(long)]
    visited_on: Option<String>,
    #[arg(long = "officer")]
    officers: Vec<String>,
    #[arg(long = "agency")]
    agencies: Vec<String>,
    #[arg(long = "topic")]
    topics: Vec<String>,
    #[arg(long)]
    materials_count: Option<i64>,
    #[arg(long)]
    needs: Option<String>,
    #[arg(long)]
    notes: Option<String>,
    #[arg(long = "follow-up")]
    follow_ups: Vec<String>,
    #[arg(long)]
    township: Option<String>,
}

impl Fields {
    fn over(self, base: VisitInput) -> VisitInput {
        let named = self.enterprise_name.is_some();
        let follow_ups: Vec<FollowUpInput> = self.follow_ups.iter().map(|l| follow_up(l)).collect();
        VisitInput {
            // A name given says which enterprise, over the id the visit had.
            enterprise_id: self
                .enterprise_id
                .or(if named { None } else { base.enterprise_id }),
            enterprise_name: self.enterprise_name.or(base.enterprise_name),
            visited_on: self.visited_on.unwrap_or(base.visited_on),
            officers: or_list(self.officers, base.officers),
            agencies: or_list(self.agencies, base.agencies),
            topics: or_list(self.topics, base.topics),
            materials_count: self
                .materials_count
                .map_or(base.materials_count, |n| CountInput::from(Some(n))),
            needs: self.needs.or(base.needs),
            notes: self.notes.or(base.notes),
            follow_ups: or_list(follow_ups, base.follow_ups),
            township: self.township.or(base.township),
        }
    }
}

fn as_input(view: &VisitView) -> VisitInput {
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    VisitInput {
        enterprise_id: Some(view.enterprise_id),
        enterprise_name: None,
        visited_on: view.visited_on.to_string(),
        officers: view.officers.clone(),
        agencies: view.agencies.clone(),
        topics: view.topics.clone(),
        materials_count: view.materials_count.into(),
        needs: view.needs.clone(),
        notes: view.notes.clone(),
        follow_ups: view
            .follow_ups
            .iter()
            .map(|f| FollowUpInput {
                action: f.action.clone(),
                owner: f.owner.clone(),
                due_on: day(f.due_on),
                done_on: day(f.done_on),
            })
            .collect(),
        // The enterprise's township is its own: an edit names one only when asked to.
        township: None,
    }
}

fn line(v: &VisitView, lang: Lang) -> String {
    let separator = t(lang, "common.list_separator");
    format!(
        "{:>6}  {}  {}  {}",
        v.id,
        v.visited_on,
        v.enterprise_name,
        v.officer_names.join(&separator)
    )
}

/// The fields `show`, `add` and `edit` print under the list's line, which names the rest.
pub(super) const CARD: [&str; 8] = [
    "township",
    "agencies",
    "topics",
    "materials_count",
    "needs",
    "follow_ups",
    "notes",
    "archived",
];

fn show(v: &VisitView, as_json: bool, lang: Lang) -> Result<(), AppError> {
    if as_json {
        return super::import::json(v, lang);
    }
    card::print(&line(v, lang), v, "visits.field.", &CARD, lang);
    Ok(())
}

/// A visit with the patents its enterprise filed after it, as the visit's page shows them.
fn show_detail(detail: &query::VisitDetail, as_json: bool, lang: Lang) -> Result<(), AppError> {
    if as_json {
        return super::import::json(detail, lang);
    }
    show(&detail.visit, false, lang)?;
    let filed: Vec<String> = detail
        .patents_after
        .iter()
        .map(|p| format!("{}  {}  {}", p.filed_on, p.application_number, p.title))
        .collect();
    if filed.is_empty() {
        say!("        {}", t(lang, "visits.no_patents_after"));
    }
    let title = Msg::new("visits.patents_after_title").arg("months", query::EFFECT_MONTHS.as_u32());
    card::section(&title, &filed, lang);
    Ok(())
}

/// A follow-up as the dashboard lists it: when it falls due (or since when it is overdue), the
/// enterprise, the action and who owns it, and the visit to open.
fn due_line(follow_up: &query::DueFollowUp, lang: Lang) -> String {
    let key = if follow_up.overdue {
        "home.follow_up_overdue"
    } else {
        "home.follow_up_due"
    };
    let when = Msg::new(key).arg("date", follow_up.due_on).render(lang);
    let owner = follow_up
        .owner
        .as_deref()
        .map_or_else(String::new, |owner| {
            Msg::new("common.aside").arg("text", owner).render(lang)
        });
    let line = Msg::new("cli.visits.due")
        .arg("when", when)
        .arg("enterprise", &follow_up.enterprise_name)
        .arg("action", format!("{}{owner}", follow_up.action))
        .arg("visit", follow_up.visit_id);
    line.render(lang)
}

pub async fn run(db: &DatabaseConnection, action: VisitAction, lang: Lang) -> Result<(), AppError> {
    let actor = Actor::cli();
    match action {
        VisitAction::List {
            from,
            to,
            township,
            enterprise,
            topic,
            open,
            q,
            archived,
            paged,
            json: as_json,
        } => {
            let filter = VisitFilter {
                from,
                to,
                township,
                enterprise: enterprise.into(),
                topic,
                open: open.then_some(true).into(),
                q,
                archived: archived.then_some(true).into(),
                page: paged.page.into(),
                per_page: paged.per_page.into(),
            };
            let page = query::list(db, &filter).await?;
            if as_json {
                return super::import::json(&page, lang);
            }
            for item in &page.items {
                say!("{}", line(&item.visit, lang));
            }
            let totals = &page.totals;
            let msg = Msg::new("visits.totals")
                .count("visits", totals.visits)
                .count("enterprises", totals.effect.visited_enterprises)
                .count("materials", totals.materials_count);
            say!("{}", msg.render(lang));
            // What the visits led to, as the web's list says under its totals.
            if let Some(share) = totals.effect.share_percent {
                let effect = Msg::new("visits.effect")
                    .count("filed", totals.effect.filed_enterprises)
                    .count("enterprises", totals.effect.visited_enterprises)
                    .arg("share", format!("{share:.1}"));
                say!("{}", effect.render(lang));
            }
            let shown = Shown::of(page.page, page.per_page, page.items.len(), page.total);
            super::pager::print(shown, lang);
            Ok(())
        }
        VisitAction::Show { id, json: as_json } => {
            show_detail(&query::detail(db, id).await?, as_json, lang)
        }
        VisitAction::Due { json: as_json } => {
            let due = query::due_today(db).await?;
            if as_json {
                return super::import::json(&due, lang);
            }
            if due.is_empty() {
                say!("{}", t(lang, "cli.visits.nothing_due"));
            }
            for follow_up in &due {
                say!("{}", due_line(follow_up, lang));
            }
            // The list stops at its cap; the open visits' list has every one.
            if due.len() as u64 >= query::DUE_LISTED {
                say!(
                    "{}",
                    Msg::new("cli.visits.due_capped")
                        .count("count", query::DUE_LISTED)
                        .render(lang)
                );
            }
            Ok(())
        }
        VisitAction::Add {
            fields,
            json: as_json,
        } => {
            let input = fields.over(VisitInput::default());
            show(
                &service::create(db, &actor, &input).await?.visit,
                as_json,
                lang,
            )
        }
        VisitAction::Edit {
            id,
            fields,
            json: as_json,
        } => {
            let current = service::view(db, id).await?;
            let input = fields.over(as_input(&current));
            let recorded = service::update(db, &actor, id, current.version, &input).await?;
            show(&recorded.visit, as_json, lang)
        }
        VisitAction::Archive { id } => set_archived(db, &actor, id, true, lang).await,
        VisitAction::Restore { id } => set_archived(db, &actor, id, false, lang).await,
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
        "visits.archived"
    } else {
        "visits.restored"
    };
    let msg = Msg::new(key).arg("enterprise", &view.enterprise_name);
    say!("{}", msg.render(lang));
    Ok(())
}
