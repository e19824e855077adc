//! `ipdesk user …` and `ipdesk token …`: accounts and API tokens from the terminal.

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;
use sea_orm::DatabaseConnection;

use crate::audit::Actor;
use crate::auth::domain::NewUser;
use crate::auth::tokens;
use crate::auth::users::{self, UserChange};
use crate::error::AppError;
use crate::i18n::{Lang, Msg, t};

#[derive(Subcommand, Debug)]
pub enum UserAction {
    Add {
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        real_name: Option<String>,
        #[arg(long)]
        certificate_number: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    Disable {
        name: String,
    },
    Enable {
        name: String,
    },
    Unlock {
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenAction {
    Create {
        name: String,
        #[arg(long)]
        label: Option<String>,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    Revoke {
        id: i64,
    },
}

/// The new password: one line from standard input, or typed twice at a hidden prompt.
fn read_password(from_stdin: bool, lang: Lang) -> Result<String, AppError> {
    let unreadable = |_| AppError::BadRequest(Msg::new("cli.user.password_unreadable"));
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(unreadable)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first =
        rpassword::prompt_password(t(lang, "cli.user.password_prompt")).map_err(unreadable)?;
    let second =
        rpassword::prompt_password(t(lang, "cli.user.password_again")).map_err(unreadable)?;
    if first != second {
        return Err(crate::error::field_error(
            "password",
            Msg::new("users.password.mismatch"),
        ));
    }
    Ok(first)
}

pub async fn user(db: &DatabaseConnection, action: UserAction, lang: Lang) -> Result<(), AppError> {
    let actor = Actor::cli();
    match action {
        UserAction::Add {
            name,
            role,
            real_name,
            certificate_number,
            password_stdin,
        } => {
            // Checked before asking for a password, so a typo costs nothing.
            crate::auth::Role::parse_input(&role)?;
            let password = read_password(password_stdin, lang)?;
            let input = NewUser {
                username: name,
                real_name: real_name.unwrap_or_default(),
                role,
                certificate_number: certificate_number.unwrap_or_default(),
                password,
                password_confirmation: None,
            };
            let user = users::create(db, &actor, input).await?;
            say!(
                "{}",
                Msg::new("users.added")
                    .arg("name", &user.username)
                    .render(lang)
            );
        }
        UserAction::List { json } => print_users(db, json, lang).await?,
        UserAction::Passwd {
            name,
            password_stdin,
        } => {
            let row = users::find(db, &name).await?;
            let password = read_password(password_stdin, lang)?;
            let change = UserChange {
                version: row.version,
                password: Some(password),
                ..UserChange::default()
            };
            users::change(db, &actor, row.id, change).await?;
            say!(
                "{}",
                Msg::new("users.password_reset")
                    .arg("name", &row.username)
                    .render(lang)
            );
        }
        UserAction::Disable { name } => set_active(db, &actor, &name, false, lang).await?,
        UserAction::Enable { name } => set_active(db, &actor, &name, true, lang).await?,
        UserAction::Unlock { name } => {
            let cleared = users::unlock(db, &actor, &name).await?;
            say!(
                "{}",
                Msg::new("cli.user.unlocked")
                    .arg("name", &name)
                    .arg("count", cleared)
                    .render(lang)
            );
        }
    }
    Ok(())
}

async fn set_active(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    active: bool,
    lang: Lang,
) -> Result<(), AppError> {
    let row = users::find(db, name).await?;
    let change = UserChange {
        version: row.version,
        active: Some(active),
        ..UserChange::default()
    };
    users::change(db, actor, row.id, change).await?;
    let key = if active {
        "users.enabled"
    } else {
        "users.disabled"
    };
    say!("{}", Msg::new(key).arg("name", &row.username).render(lang));
    Ok(())
}

async fn print_users(db: &DatabaseConnection, json: bool, lang: Lang) -> Result<(), AppError> {
    let list = users::list(db).await?;
    if json {
        let text =
            serde_json::to_string_pretty(&list).map_err(|e| AppError::Internal(e.to_string()))?;
        say!("{text}");
        return Ok(());
    }
    let disabled = t(lang, "users.disabled_mark");
    let rows: Vec<Vec<String>> = list
        .into_iter()
        .map(|user| {
            let mark = if user.active { "" } else { disabled.as_str() };
            let certificate = user.certificate_number.unwrap_or_default();
            vec![
                user.username,
                user.real_name,
                t(lang, &user.role.label_key()),
                format!("{certificate}{mark}"),
            ]
        })
        .collect();
    for line in super::table::lines(&rows) {
        say!("{line}");
    }
    Ok(())
}

pub async fn token(
    db: &DatabaseConnection,
    action: TokenAction,
    lang: Lang,
) -> Result<(), AppError> {
    let actor = Actor::cli();
    match action {
        TokenAction::Create { name, label } => {
            let created =
                tokens::create(db, &actor, &name, label.as_deref().unwrap_or_default()).await?;
            say!("{}", t(lang, "cli.token.created"));
            say!("{}", created.token);
        }
        TokenAction::List { json } => {
            let list = tokens::list(db).await?;
            if json {
                let text = serde_json::to_string_pretty(&list)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                say!("{text}");
                return Ok(());
            }
            if list.is_empty() {
                say!("{}", t(lang, "tokens.empty"));
            }
            let timezone = crate::settings::service::load(db).await?.timezone;
            for token in list {
                say!("{}", token_line(&token, timezone, lang));
            }
        }
        TokenAction::Revoke { id } => {
            let token = tokens::revoke(db, &actor, id).await?;
            say!(
                "{}",
                Msg::new("tokens.revoked")
                    .arg("prefix", &token.prefix)
                    .render(lang)
            );
        }
    }
    Ok(())
}

/// One token as 'token list' shows it: who holds it and what for, and when it was last used, so
/// that the one to revoke is found.
fn token_line(
    token: &tokens::TokenView,
    timezone: crate::settings::Timezone,
    lang: Lang,
) -> String {
    let when = |at: chrono::DateTime<chrono::Utc>| crate::clock::display(at, timezone);
    let used = token.last_used_at.map_or_else(
        || t(lang, "cli.token.never_used"),
        |at| Msg::new("cli.token.used").arg("at", when(at)).render(lang),
    );
    let mark = match token.revoked_at {
        Some(at) => Msg::new("cli.token.revoked")
            .arg("at", when(at))
            .render(lang),
        None => String::new(),
    };
    let dates = Msg::new("cli.token.dates")
        .arg("created", when(token.created_at))
        .arg("used", used)
        .render(lang);
    let label = if token.label.is_empty() {
        String::new()
    } else {
        format!("{}  ", token.label)
    };
    format!(
        "{:>4}  {}…  {}  {label}{dates}{mark}",
        token.id, token.prefix, token.username
    )
}
