//! `ipdesk calendar list|set|remove|import|notice`: the working-day calendar from the terminal; a
//! year's holidays load from a sheet (`ipdesk calendar import 2027节假日.xlsx`) or, for the years
//! built in, from the State Council's notice (`ipdesk calendar notice 2026`).

use std::path::PathBuf;

use clap::Subcommand;
use sea_orm::DatabaseConnection;

use crate::audit::Actor;
use crate::calendar::domain::day_name;
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
    Notice {
        year: i32,
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
                return super::import::json(&days, lang);
            }
            for d in &days {
                let kind = t(lang, &format!("calendar.kind.{}", d.kind.as_str()));
                say!("{}  {kind}  {}", d.day, day_name(&d.name, lang));
            }
            if days.is_empty() {
                let how = if crate::calendar::notices::days(year).is_some() {
                    "cli.calendar.load_notice"
                } else {
                    "cli.calendar.load_sheet"
                };
                say!(
                    "{}{}",
                    Msg::new("calendar.not_loaded")
                        .arg("year", year)
                        .render(lang),
                    Msg::new(how).arg("year", year).render(lang)
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
            let bytes = super::file::read(&file)?;
            let replaced =
                service::import_sheet(db, &ChildReader::current(), &actor, &bytes).await?;
            loaded(&replaced, json, lang)
        }
        CalendarAction::Notice { year, json } => {
            let replaced = service::load_notice(db, &actor, year).await?;
            loaded(&replaced, json, lang)
        }
    }
}

/// What loading years did, as JSON or a sentence.
fn loaded(replaced: &service::Replaced, json: bool, lang: Lang) -> Result<(), AppError> {
    if json {
        return super::import::json(replaced, lang);
    }
    say!("{}", replaced.message().render(lang));
    Ok(())
}
