//! `ipdesk inspections …`: the inspections register from the terminal, with the API's field names
//! as flags; a problem is written as the export writes it: "标注已失效的专利号（当事人：某超市）".

use super::pager::{PageArgs, Shown};
use clap::{Args, Subcommand};
use sea_orm::DatabaseConnection;

use super::{card, or_list};
use crate::audit::Actor;
use crate::error::AppError;
use crate::fields::CountInput;
use crate::i18n::{Lang, Msg};
use crate::import::ledger_rows::problem;
use crate::inspections::domain::{InspectionInput, ProblemInput};
use crate::inspections::query::{self, InspectionFilter};
use crate::inspections::service::{self, InspectionView};

#[derive(Subcommand, Debug)]
pub enum InspectionAction {
    List {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
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

/// The inspection's fields; on `edit`, only those given change (a list given replaces the list).
#[derive(Args, Debug, Default)]
pub struct Fields {
    #[arg(long)]
    title: Option<String>,
    #[arg(long)]
    starts_on: Option<String>,
    #[arg(long)]
    ends_on: Option<String>,
    #[arg(long)]
    lead_agency: Option<String>,
    #[arg(long = "partner-agency")]
    partner_agencies: Vec<String>,
    #[arg(long)]
    area: Option<String>,
    #[arg(long)]
    places: Option<String>,
    #[arg(long)]
    staff_count: Option<i64>,
    #[arg(long)]
    premises_inspected: Option<i64>,
    #[arg(long)]
    goods_checked: Option<i64>,
    #[arg(long)]
    marked_goods_checked: Option<i64>,
    #[arg(long = "problem")]
    problems: Vec<String>,
    #[arg(long)]
    notes: Option<String>,
}

fn or_count(given: Option<i64>, base: CountInput) -> CountInput {
    given.map_or(base, |n| CountInput::from(Some(n)))
}

impl Fields {
    fn over(self, base: InspectionInput) -> InspectionInput {
        let problems: Vec<ProblemInput> = self.problems.iter().map(|l| problem(l)).collect();
        InspectionInput {
            title: self.title.unwrap_or(base.title),
            starts_on: self.starts_on.unwrap_or(base.starts_on),
            ends_on: self.ends_on.or(base.ends_on),
            lead_agency: self.lead_agency.or(base.lead_agency),
            partner_agencies: or_list(self.partner_agencies, base.partner_agencies),
            area: self.area.or(base.area),
            places: self.places.or(base.places),
            staff_count: or_count(self.staff_count, base.staff_count),
            premises_inspected: or_count(self.premises_inspected, base.premises_inspected),
            goods_checked: or_count(self.goods_checked, base.goods_checked),
            marked_goods_checked: or_count(self.marked_goods_checked, base.marked_goods_checked),
            problems: or_list(problems, base.problems),
            notes: self.notes.or(base.notes),
        }
    }
}

fn as_input(view: &InspectionView) -> InspectionInput {
    InspectionInput {
        title: view.title.clone(),
        starts_on: view.starts_on.to_string(),
        ends_on: Some(view.ends_on.to_string()),
        lead_agency: view.lead_agency.clone(),
        partner_agencies: view.partner_agencies.clone(),
        area: view.area.clone(),
        places: view.places.clone(),
        staff_count: view.staff_count.into(),
        premises_inspected: view.premises_inspected.into(),
        goods_checked: view.goods_checked.into(),
        marked_goods_checked: view.marked_goods_checked.into(),
        problems: view
            .problems
            .iter()
            .map(|p| ProblemInput {
                description: p.description.clone(),
                party: p.party.clone(),
                product: p.product.clone(),
            })
            .collect(),
        notes: view.notes.clone(),
    }
}

fn line(i: &InspectionView, lang: Lang) -> String {
    let problems = Msg::new("inspections.problems_found").count("count", i.problems.len());
    format!(
        "{:>6}  {}  {}  {}",
        i.id,
        i.starts_on,
        i.title,
        problems.render(lang)
    )
}

/// The fields `show`, `add` and `edit` print under the list's line, which names the rest.
pub(super) const CARD: [&str; 12] = [
    "ends_on",
    "lead_agency",
    "partner_agencies",
    "area",
    "places",
    "staff_count",
    "premises_inspected",
    "goods_checked",
    "marked_goods_checked",
    "problems",
    "notes",
    "archived",
];

fn show(i: &InspectionView, as_json: bool, lang: Lang) -> Result<(), AppError> {
    if as_json {
        return super::import::json(i, lang);
    }
    card::print(&line(i, lang), i, "inspections.field.", &CARD, lang);
    Ok(())
}

pub async fn run(
    db: &DatabaseConnection,
    action: InspectionAction,
    lang: Lang,
) -> Result<(), AppError> {
    let actor = Actor::cli();
    match action {
        InspectionAction::List {
            from,
            to,
            q,
            archived,
            paged,
            json: as_json,
        } => {
            let filter = InspectionFilter {
                from,
                to,
                q,
                archived: archived.then_some(true).into(),
                page: paged.page.into(),
                per_page: paged.per_page.into(),
            };
            let page = query::list(db, &filter).await?;
            if as_json {
                return super::import::json(&page, lang);
            }
            for i in &page.items {
                say!("{}", line(i, lang));
            }
            let totals = &page.totals;
            let msg = Msg::new("inspections.totals")
                .count("inspections", totals.inspections)
                .count("premises", totals.premises_inspected)
                .count("goods", totals.goods_checked)
                .count("marked", totals.marked_goods_checked)
                .count("problems", totals.problems);
            say!("{}", msg.render(lang));
            let shown = Shown::of(page.page, page.per_page, page.items.len(), page.total);
            super::pager::print(shown, lang);
            Ok(())
        }
        InspectionAction::Show { id, json: as_json } => {
            show(&service::view(db, id).await?, as_json, lang)
        }
        InspectionAction::Add {
            fields,
            json: as_json,
        } => {
            let input = fields.over(InspectionInput::default());
            show(&service::create(db, &actor, &input).await?, as_json, lang)
        }
        InspectionAction::Edit {
            id,
            fields,
            json: as_json,
        } => {
            let current = service::view(db, id).await?;
            let input = fields.over(as_input(&current));
            let view = service::update(db, &actor, id, current.version, &input).await?;
            show(&view, as_json, lang)
        }
        InspectionAction::Archive { id } => set_archived(db, &actor, id, true, lang).await,
        InspectionAction::Restore { id } => set_archived(db, &actor, id, false, lang).await,
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
        "inspections.archived"
    } else {
        "inspections.restored"
    };
    say!("{}", Msg::new(key).arg("title", &view.title).render(lang));
    Ok(())
}
