//! `ipdesk export REGISTER -o FILE [--year Y | --from D --to D] [filters]`.

use std::path::PathBuf;

use clap::Args;
use sea_orm::DatabaseConnection;

use crate::cases::query::CaseFilter;
use crate::enterprises::query::EnterpriseFilter;
use crate::error::AppError;
use crate::events::query::EventFilter;
use crate::export::service::{self, Target};
use crate::export::{Period, Register, Request};
use crate::i18n::{Lang, Msg};
use crate::inspections::query::InspectionFilter;
use crate::patents::query::PatentFilter;
use crate::visits::query::VisitFilter;

#[derive(Args, Debug)]
pub struct ExportArgs {
    register: String,
    #[arg(short, long)]
    output: PathBuf,
    #[arg(long, conflicts_with_all = ["from", "to"])]
    year: Option<i32>,
    #[arg(long)]
    from: Option<String>,
    #[arg(long)]
    to: Option<String>,
    #[arg(long = "type")]
    patent_type: Option<String>,
    #[arg(long)]
    status: Option<String>,
    /// The kind of event (events).
    #[arg(long)]
    kind: Option<String>,
    /// A visit topic (visits).
    #[arg(long)]
    topic: Option<String>,
    /// Only visits with open follow-ups (visits).
    #[arg(long)]
    open: bool,
    /// A deadline status (cases): overdue, due_soon, open, none.
    #[arg(long)]
    deadline: Option<String>,
    #[arg(long)]
    filed_year: Option<i32>,
    #[arg(long)]
    granted_year: Option<i32>,
    #[arg(long)]
    township: Option<String>,
    #[arg(long)]
    q: Option<String>,
    #[arg(long)]
    archived: bool,
    #[arg(long)]
    high_tech: bool,
    #[arg(long)]
    tech_sme: bool,
    #[arg(long)]
    json: bool,
}

impl ExportArgs {
    fn request(&self, register: Register) -> Request {
        let patents = || PatentFilter {
            patent_type: self.patent_type.clone(),
            status: self.status.clone(),
            filed_year: self.filed_year.into(),
            granted_year: self.granted_year.into(),
            township: self.township.clone(),
            archived: self.archived.then_some(true).into(),
            q: self.q.clone(),
            ..PatentFilter::default()
        };
        match register {
            Register::Patents => Request::Patents(patents()),
            Register::Grants => Request::Grants(
                patents(),
                Period {
                    year: self.year.into(),
                    from: self.from.clone(),
                    to: self.to.clone(),
                },
            ),
            Register::Events => Request::Events(EventFilter {
                from: self.from.clone(),
                to: self.to.clone(),
                kind: self.kind.clone(),
                q: self.q.clone(),
                archived: self.archived.then_some(true).into(),
                ..EventFilter::default()
            }),
            Register::Visits => Request::Visits(VisitFilter {
                from: self.from.clone(),
                to: self.to.clone(),
                township: self.township.clone(),
                topic: self.topic.clone(),
                open: self.open.then_some(true).into(),
                q: self.q.clone(),
                archived: self.archived.then_some(true).into(),
                ..VisitFilter::default()
            }),
            Register::Inspections => Request::Inspections(InspectionFilter {
                from: self.from.clone(),
                to: self.to.clone(),
                q: self.q.clone(),
                archived: self.archived.then_some(true).into(),
                ..InspectionFilter::default()
            }),
            Register::Cases => Request::Cases(CaseFilter {
                from: self.from.clone(),
                to: self.to.clone(),
                kind: self.kind.clone(),
                status: self.status.clone(),
                deadline: self.deadline.clone(),
                q: self.q.clone(),
                archived: self.archived.then_some(true).into(),
                ..CaseFilter::default()
            }),
            Register::Enterprises => Request::Enterprises(EnterpriseFilter {
                q: self.q.clone(),
                township: self.township.clone(),
                high_tech: self.high_tech.then_some(true).into(),
                tech_sme: self.tech_sme.then_some(true).into(),
                archived: self.archived.then_some(true).into(),
                ..EnterpriseFilter::default()
            }),
        }
    }
}

pub async fn run(db: &DatabaseConnection, args: ExportArgs, lang: Lang) -> Result<(), AppError> {
    let register = Register::parse(&args.register)
        .ok_or_else(|| AppError::BadRequest(Msg::new("export.unknown_register")))?;
    let request = args.request(register);
    let export = service::export(db, &request, lang, Target::File(args.output.clone())).await?;
    if args.json {
        return super::import::json(
            &serde_json::json!({
                "register": register.as_str(),
                "path": args.output.display().to_string(),
                "rows": export.rows,
                "suggested_name": export.file_name,
            }),
            lang,
        );
    }
    say!(
        "{}",
        Msg::new("cli.export.done")
            .count("rows", export.rows)
            .arg("path", args.output.display())
            .render(lang)
    );
    Ok(())
}
