//! `ipdesk cases …`: the cases register from the terminal, with the API's field names as flags
//! (a party's fields as `--respondent-name` and so on); steps recorded as the API records them.

use super::card;
use super::pager::{PageArgs, Shown};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use sea_orm::DatabaseConnection;

use crate::audit::Actor;
use crate::cases::attachments::{self, Upload};
use crate::cases::deadlines::Deadline;
use crate::cases::domain::{CaseInput, MoneyInput, PartyInput};
use crate::cases::query::{self, CaseFilter};
use crate::cases::service::{self, CaseView, StepView};
use crate::cases::workflow::StepInput;
use crate::error::AppError;
use crate::i18n::{Lang, Msg, t};

#[derive(Subcommand, Debug)]
pub enum CaseAction {
    List {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        deadline: Option<String>,
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
    Step {
        id: i64,
        #[command(flatten)]
        step: StepFields,
        #[arg(long)]
        json: bool,
    },
    Attach {
        id: i64,
        file: PathBuf,
        #[arg(long)]
        step_id: Option<i64>,
    },
    Fetch {
        id: i64,
        attachment: i64,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    Archive {
        id: i64,
    },
    Restore {
        id: i64,
    },
}

/// The case's particulars; on `edit`, only those given change.
#[derive(Args, Debug, Default)]
pub struct Fields {
    #[arg(long)]
    case_number: Option<String>,
    #[arg(long)]
    kind: Option<String>,
    #[arg(long)]
    source: Option<String>,
    #[arg(long)]
    inspection_id: Option<i64>,
    #[arg(long)]
    problem: Option<usize>,
    #[arg(long)]
    received_on: Option<String>,
    #[arg(long)]
    complainant_name: Option<String>,
    #[arg(long)]
    complainant_credit_code: Option<String>,
    #[arg(long)]
    complainant_address: Option<String>,
    #[arg(long)]
    respondent_name: Option<String>,
    #[arg(long)]
    respondent_credit_code: Option<String>,
    #[arg(long)]
    respondent_address: Option<String>,
    #[arg(long)]
    product: Option<String>,
    #[arg(long)]
    claimed_patent_number: Option<String>,
    #[arg(long)]
    facts: Option<String>,
}

impl Fields {
    fn over(self, base: CaseInput) -> CaseInput {
        let party = |name: Option<String>,
                     code: Option<String>,
                     address: Option<String>,
                     base: PartyInput| PartyInput {
            name: name.or(base.name),
            credit_code: code.or(base.credit_code),
            address: address.or(base.address),
        };
        CaseInput {
            case_number: self.case_number.or(base.case_number),
            kind: self.kind.unwrap_or(base.kind),
            source: self.source.unwrap_or(base.source),
            inspection_id: self.inspection_id.or(base.inspection_id),
            problem: self.problem.or(base.problem),
            received_on: self.received_on.unwrap_or(base.received_on),
            complainant: party(
                self.complainant_name,
                self.complainant_credit_code,
                self.complainant_address,
                base.complainant,
            ),
            respondent: party(
                self.respondent_name,
                self.respondent_credit_code,
                self.respondent_address,
                base.respondent,
            ),
            product: self.product.or(base.product),
            claimed_patent_number: self.claimed_patent_number.or(base.claimed_patent_number),
            facts: self.facts.or(base.facts),
        }
    }
}

/// A step, as `POST /api/v1/cases/{id}/steps` takes it.
#[derive(Args, Debug, Default)]
pub struct StepFields {
    #[arg(long)]
    step: String,
    #[arg(long)]
    on: String,
    #[arg(long)]
    note: Option<String>,
    #[arg(long = "officer")]
    officers: Vec<String>,
    #[arg(long)]
    approver: Option<String>,
    #[arg(long)]
    hearing_requested: Option<bool>,
    #[arg(long)]
    outcome: Option<String>,
    #[arg(long)]
    illegal_gains: Option<String>,
    #[arg(long)]
    fine: Option<String>,
}

impl StepFields {
    fn input(self) -> StepInput {
        let money = |m: Option<String>| m.map_or(MoneyInput::None, MoneyInput::Text);
        StepInput {
            step: self.step,
            on: self.on,
            note: self.note,
            officers: self.officers,
            approver: self.approver,
            hearing_requested: self.hearing_requested,
            outcome: self.outcome,
            illegal_gains: money(self.illegal_gains),
            fine: money(self.fine),
        }
    }
}

fn as_input(view: &CaseView) -> CaseInput {
    let party = |p: &service::PartyView| PartyInput {
        name: p.name.clone(),
        credit_code: p.credit_code.clone(),
        address: p.address.clone(),
    };
    CaseInput {
        case_number: Some(view.case_number.clone()),
        kind: view.kind.as_str().to_owned(),
        source: view.source.as_str().to_owned(),
        inspection_id: view.inspection_id,
        problem: None,
        received_on: view.received_on.map(|d| d.to_string()).unwrap_or_default(),
        complainant: party(&view.complainant),
        respondent: party(&view.respondent),
        product: view.product.clone(),
        claimed_patent_number: view.claimed_patent_number.clone(),
        facts: view.facts.clone(),
    }
}

fn line(c: &CaseView, lang: Lang) -> String {
    let status = c.status.map_or("none", |s| s.as_str());
    let next = c.next_deadline.as_ref().map_or_else(String::new, |d| {
        let due = d.deadline.due_words(lang);
        let state = Msg::new(format!(
            "cases.deadline_state.{}",
            c.deadline_status.as_str()
        ));
        format!("{} {due}", state.render(lang))
    });
    format!(
        "{:>6}  {}  {}  {}  {}  {next}",
        c.id,
        c.case_number,
        c.respondent.name.as_deref().unwrap_or(""),
        Msg::new(format!("cases.kind.{}", c.kind.as_str())).render(lang),
        Msg::new(format!("cases.status.{status}")).render(lang),
    )
    .trim_end()
    .to_owned()
}

/// The fields `show`, `add` and `edit` print under the list's line, which names the rest.
pub(super) const CARD: [&str; 12] = [
    "source",
    "inspection_title",
    "complainant",
    "product",
    "claimed_patent_number",
    "facts",
    "received_on",
    "accepted_on",
    "closed_on",
    "illegal_gains",
    "fine",
    "archived",
];

fn show(c: &CaseView, as_json: bool, lang: Lang) -> Result<(), AppError> {
    if as_json {
        return super::import::json(c, lang);
    }
    card::print(&line(c, lang), c, "cases.field.", &CARD, lang);
    let mut deadlines = Vec::new();
    for deadline in &c.deadlines {
        deadlines.push(deadline_line(&deadline.deadline, lang));
        if let Some(warning) = &deadline.warning {
            deadlines.push(format!("  {}", warning.render(lang)));
        }
    }
    card::section(&Msg::new("cases.field.deadlines"), &deadlines, lang);
    let steps: Vec<String> = c.steps.iter().map(|step| step_line(step, lang)).collect();
    card::section(&Msg::new("cases.field.steps"), &steps, lang);
    let files: Vec<String> = c
        .attachments
        .iter()
        .map(|a| {
            let size = kilobytes(usize::try_from(a.size).unwrap_or(0));
            // By name, as the card names the steps' officers.
            let by = a.uploaded_by_name.as_deref().unwrap_or(&a.uploaded_by);
            format!("{}  {}  {size} KB  {by}", a.id, a.file_name)
        })
        .collect();
    card::section(&Msg::new("cases.field.attachments"), &files, lang);
    Ok(())
}

/// A step as the case page's table shows it: day, step, officers and note.
fn step_line(step: &StepView, lang: Lang) -> String {
    let name = Msg::new(format!("cases.step_name.{}", step.step.as_str())).render(lang);
    let officers = step.officer_names.join(&t(lang, "common.list_separator"));
    let note = step.note.as_deref().unwrap_or("");
    format!("{}  {name}  {officers}  {note}", step.on)
        .trim_end()
        .to_owned()
}

/// A time limit as the case page's table shows it: the rule, the day it falls due (or that the
/// clock stands still), how it stands and the day it was met.
fn deadline_line(deadline: &Deadline, lang: Lang) -> String {
    let mut rule = deadline.rule_words(lang);
    if deadline.extended {
        rule = format!(
            "{rule}{}",
            Msg::new("common.aside")
                .arg("text", t(lang, "cases.deadline.extended"))
                .render(lang)
        );
    }
    let due = deadline.due_words(lang);
    let mut state = t(
        lang,
        &format!("cases.deadline_status.{}", deadline.status.as_str()),
    );
    if let Some(left) = deadline.left_words(lang) {
        state = format!("{state} · {left}");
    }
    let met = deadline.met_on.map_or_else(String::new, |day| {
        format!(
            "  {}{}{day}",
            t(lang, "cases.field.met_on"),
            t(lang, "common.colon")
        )
    });
    format!("{rule}  {due}  {state}{met}")
}

pub async fn run(db: &DatabaseConnection, action: CaseAction, lang: Lang) -> Result<(), AppError> {
    let actor = Actor::cli();
    match action {
        CaseAction::List {
            from,
            to,
            kind,
            status,
            deadline,
            enterprise,
            q,
            archived,
            paged,
            json: as_json,
        } => {
            let filter = CaseFilter {
                from,
                to,
                kind,
                status,
                deadline,
                enterprise_id: enterprise.into(),
                q,
                archived: archived.then_some(true).into(),
                page: paged.page.into(),
                per_page: paged.per_page.into(),
            };
            let page = query::list(db, &filter).await?;
            if as_json {
                return super::import::json(&page, lang);
            }
            for c in &page.items {
                say!("{}", line(c, lang));
            }
            let t = &page.totals;
            let msg = Msg::new("cases.totals")
                .count("cases", t.cases)
                .count("active", t.active)
                .count("overdue", t.overdue)
                .count("due_soon", t.due_soon)
                .count("closed", t.closed)
                .amount("fines", &t.fines_text);
            say!("{}", msg.render(lang));
            let shown = Shown::of(page.page, page.per_page, page.items.len(), page.total);
            super::pager::print(shown, lang);
            Ok(())
        }
        CaseAction::Show { id, json: as_json } => {
            show(&service::view(db, id).await?, as_json, lang)
        }
        CaseAction::Add {
            fields,
            json: as_json,
        } => {
            let input = fields.over(CaseInput::default());
            show(&service::create(db, &actor, &input).await?, as_json, lang)
        }
        CaseAction::Edit {
            id,
            fields,
            json: as_json,
        } => {
            let current = service::view(db, id).await?;
            let input = fields.over(as_input(&current));
            let view = service::update(db, &actor, id, current.version, &input).await?;
            show(&view, as_json, lang)
        }
        CaseAction::Step {
            id,
            step,
            json: as_json,
        } => {
            let view = service::add_step(db, &actor, id, &step.input()).await?;
            show(&view, as_json, lang)
        }
        CaseAction::Attach { id, file, step_id } => {
            attach(db, &actor, id, &file, step_id, lang).await
        }
        CaseAction::Fetch {
            id,
            attachment,
            output,
        } => fetch(db, id, attachment, output, lang).await,
        CaseAction::Archive { id } => set_archived(db, &actor, id, true, lang).await,
        CaseAction::Restore { id } => set_archived(db, &actor, id, false, lang).await,
    }
}

/// Saves an attachment as it was uploaded: under its own name in this folder unless told where.
async fn fetch(
    db: &DatabaseConnection,
    id: i64,
    attachment: i64,
    output: Option<PathBuf>,
    lang: Lang,
) -> Result<(), AppError> {
    let found = attachments::fetch(db, id, attachment).await?;
    // Only the name's last part: a stored name never leads the file into another folder.
    let own_name = std::path::Path::new(&found.file_name)
        .file_name()
        .map_or_else(
            || PathBuf::from(format!("attachment-{attachment}")),
            PathBuf::from,
        );
    let path = output.unwrap_or(own_name);
    crate::export::service::write_as_is(&path, &found.bytes)?;
    say!(
        "{}",
        Msg::new("cli.cases.fetched")
            .arg("file", &found.file_name)
            .arg("size", kilobytes(found.bytes.len()))
            .arg("path", path.display())
            .render(lang)
    );
    Ok(())
}

/// A file's size as the case page shows it: kilobytes, one decimal.
fn kilobytes(bytes: usize) -> String {
    format!("{:.1}", bytes as f64 / 1024.0)
}

async fn attach(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    file: &std::path::Path,
    step_id: Option<i64>,
    lang: Lang,
) -> Result<(), AppError> {
    let bytes = super::file::read(file)?;
    let file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let content_type = attachments::content_type(&file_name, None);
    let upload = Upload {
        file_name,
        content_type,
        bytes,
    };
    let added = attachments::add(db, actor, id, step_id, upload).await?;
    let number = service::view(db, id).await?.case_number;
    let msg = Msg::new("cases.attached")
        .arg("number", number)
        .arg("file", added.file_name);
    say!("{}", msg.render(lang));
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
        "cases.archived"
    } else {
        "cases.restored"
    };
    say!(
        "{}",
        Msg::new(key).arg("number", &view.case_number).render(lang)
    );
    Ok(())
}
