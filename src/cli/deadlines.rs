//! `ipdesk deadlines list|set|reset`: the enforcement time limits in force.

use clap::Subcommand;
use sea_orm::DatabaseConnection;

use crate::audit::Actor;
use crate::calendar::domain::Period;
use crate::cases::rules::{self, RuleInput, RuleView};
use crate::error::AppError;
use crate::i18n::{Lang, Msg, t};

#[derive(Subcommand, Debug)]
pub enum DeadlineAction {
    List {
        #[arg(long)]
        json: bool,
    },
    Set {
        code: String,
        #[arg(long)]
        amount: u32,
        #[arg(long)]
        unit: String,
        #[arg(long)]
        extension_amount: Option<u32>,
        #[arg(long, default_value = "days")]
        extension_unit: String,
    },
    Reset {
        code: String,
    },
}

fn length(period: Option<Period>, lang: Lang) -> String {
    match period {
        Some(p) => Msg::new(format!("cases.rules.length.{}", p.unit.as_str()))
            .arg("amount", p.amount)
            .render(lang),
        None => t(lang, "cases.rules.no_extension"),
    }
}

/// The rules as lines, their columns lined up.
fn lines(rules: &[RuleView], lang: Lang) -> Vec<String> {
    let rows: Vec<Vec<String>> = rules.iter().map(|rule| cells(rule, lang)).collect();
    super::table::lines(&rows)
}

fn cells(rule: &RuleView, lang: Lang) -> Vec<String> {
    // "+30日" beside the limit; a limit that cannot be extended says so rather than "+none".
    let extension = match rule.extension {
        Some(period) => format!("+{}", length(Some(period), lang)),
        None => t(lang, "cli.deadlines.no_extension"),
    };
    vec![
        rule.code.clone(),
        length(Some(rule.period), lang),
        extension,
        t(lang, &format!("cases.rule.{}", rule.code)),
    ]
}

pub async fn run(
    db: &DatabaseConnection,
    action: DeadlineAction,
    lang: Lang,
) -> Result<(), AppError> {
    let actor = Actor::cli();
    match action {
        DeadlineAction::List { json } => {
            let views = rules::views(db).await?;
            if json {
                return super::import::json(&views, lang);
            }
            for line in lines(&views, lang) {
                say!("{line}");
            }
            Ok(())
        }
        DeadlineAction::Set {
            code,
            amount,
            unit,
            extension_amount,
            extension_unit,
        } => {
            let input = RuleInput {
                amount: amount.to_string(),
                unit,
                extension_amount: extension_amount.map(|n| n.to_string()).unwrap_or_default(),
                extension_unit,
            };
            let view = rules::set(db, &actor, &code, &input).await?;
            say!("{}", lines(&[view], lang).join("\n"));
            Ok(())
        }
        DeadlineAction::Reset { code } => {
            let view = rules::reset(db, &actor, &code).await?;
            say!("{}", lines(&[view], lang).join("\n"));
            Ok(())
        }
    }
}
