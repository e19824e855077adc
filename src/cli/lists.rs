//! `ipdesk township …` and `ipdesk agency …`: the same list commands for both.

use clap::Subcommand;
use sea_orm::DatabaseConnection;

use crate::audit::Actor;
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::settings::lists::{self, ItemAction, ListKind};

#[derive(Subcommand, Debug)]
pub enum ListAction {
    List {
        #[arg(long)]
        archived: bool,
        #[arg(long)]
        json: bool,
    },
    Add {
        name: String,
    },
    Rename {
        name: String,
        new_name: String,
    },
    Move {
        name: String,
        #[arg(long)]
        position: usize,
    },
    Archive {
        name: String,
    },
    Restore {
        name: String,
    },
}

pub async fn run(
    db: &DatabaseConnection,
    kind: ListKind,
    action: ListAction,
    lang: Lang,
) -> Result<(), AppError> {
    let (name, action) = match action {
        ListAction::List { archived, json } => {
            return print_list(db, kind, archived, json, lang).await;
        }
        ListAction::Add { name } => {
            let item = lists::add(db, &Actor::cli(), kind, &name).await?;
            say!("{}", kind.msg("added").arg("name", &item.name).render(lang));
            return Ok(());
        }
        ListAction::Rename { name, new_name } => (name, ItemAction::Rename(new_name)),
        // People count from 1.
        ListAction::Move { name, position } => {
            (name, ItemAction::MoveTo(position.saturating_sub(1)))
        }
        ListAction::Archive { name } => (name, ItemAction::Archive),
        ListAction::Restore { name } => (name, ItemAction::Restore),
    };
    // The command acts on what is stored now, so it uses the current version.
    let item = lists::find(db, kind, &name).await?;
    let done_key = action.done_key();
    let item = lists::change(
        db,
        &Actor::cli(),
        kind,
        item.id,
        action.at_version(item.version),
    )
    .await?;
    say!(
        "{}",
        kind.msg(done_key).arg("name", &item.name).render(lang)
    );
    Ok(())
}

async fn print_list(
    db: &DatabaseConnection,
    kind: ListKind,
    archived: bool,
    json: bool,
    lang: Lang,
) -> Result<(), AppError> {
    let items = lists::list(db, kind, archived).await?;
    if json {
        let text =
            serde_json::to_string_pretty(&items).map_err(|e| AppError::Internal(e.to_string()))?;
        say!("{text}");
        return Ok(());
    }
    if items.is_empty() {
        say!("{}", kind.msg("empty").render(lang));
    }
    let archived_mark = t(lang, "common.archived_mark");
    for (number, item) in (1..).zip(&items) {
        let mark = if item.is_archived() {
            archived_mark.as_str()
        } else {
            ""
        };
        say!("{number:>3}  {}{mark}", item.name);
    }
    Ok(())
}
