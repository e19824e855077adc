//! `ipdesk calendar list|set|remove|import`: the working-day calendar from the terminal; a year's
//! holidays load from a sheet (`ipdesk calendar import 2027节假日.xlsx`).

use std::path::PathBuf;

use clap::Subcommand;
use sea_orm::DatabaseConnection;

use crate::audit::Actor;
use crate::calendar::service::{self, DayInput};
use crate::error::AppError;
use crate::i18n::{Lang, Msg, t};
use crate::import::reader::ChildReader;

#[derive(Subcommand, Debug)]
pub enum CalendarAction {
    List {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        json: bool,
    },
    Set {
        day: String,
        #[arg(long)]
        kind: String,
        #[arg(long, default_value = "")]
        name: String,
    },
    Remove {
        day: String,
    },
    Import {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(
    db: &DatabaseConnection,
    action: CalendarAction,
    lang: Lang,
) -> Result<(), AppError> {
    let actor = Actor::cli();
    match action {
        CalendarAction::List { year, json } => {
            let days = service::year(db, year).await?;
            if json {
                return super::import::json(&days);
            }
            for d in &days {
                let kind = t(lang, &format!("calendar.kind.{}", d.kind.as_str()));
                say!("{}  {kind}  {}", d.day, d.name);
            }
            if days.is_empty() {
                say!(
                    "{}",
                    Msg::new("calendar.not_loaded")
                        .arg("year", year)
                        .render(lang)
                );
            }
            Ok(())
        }
        CalendarAction::Set { day, kind, name } => {
            let input = DayInput { day, kind, name };
            let day = service::set_day(db, &actor, &input).await?;
            say!(
                "{}",
                Msg::new("calendar.saved").arg("day", day.day).render(lang)
            );
            Ok(())
        }
        CalendarAction::Remove { day } => {
            service::remove_day(db, &actor, &day).await?;
            say!(
                "{}",
                Msg::new("calendar.removed").arg("day", &day).render(lang)
            );
            Ok(())
        }
        CalendarAction::Import { file, json } => {
            let bytes = std::fs::read(&file).map_err(|_| {
                AppError::BadRequest(Msg::new("import.cli.unreadable").arg("path", file.display()))
            })?;
            let replaced =
                service::import_sheet(db, &ChildReader::current(), &actor, &bytes).await?;
            if json {
                return super::import::json(&replaced);
            }
            let years: Vec<String> = replaced.years.iter().map(i32::to_string).collect();
            let msg = Msg::new("calendar.imported")
                .arg("years", years.join(&t(lang, "common.list_separator")))
                .arg("holidays", replaced.holidays)
                .arg("workdays", replaced.workdays);
            say!("{}", msg.render(lang));
            Ok(())
        }
    }
}
