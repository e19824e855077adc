//! The `ipdesk` command line. Commands parse their arguments, call one service, and print the
//! result in the user's language. Exit status: 0 done, 2 bad input, 1 anything else.

/// Prints a line to stdout; a closed pipe (`ipdesk user list | head -1`) is not an error.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod accounts;
mod arg_error;
mod audit;
mod calendar;
mod card;
mod cases;
mod deadlines;
mod enterprises;
mod events;
mod export;
mod file;
mod help;
mod import;
mod inspections;
mod lists;
mod log;
mod pager;
mod patents;
mod report;
mod serve;
mod table;
mod visits;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, Args, FromArgMatches, Parser, Subcommand};

use crate::audit::Actor;
use crate::error::AppError;
use crate::i18n::{Lang, Msg, t};
use crate::settings::{JurisdictionInput, ListKind, service};
use crate::{db, text};

/// Where the options every command takes stand in its help: after the command's own.
pub const GLOBAL_OPTIONS_ORDER: usize = 1000;

#[derive(Parser, Debug)]
#[command(name = "ipdesk", version)]
pub struct Cli {
    // Every command's help lists these after its own options (clap would otherwise interleave
    // them by declaration order: --database-url first, --lang among the command's third).
    #[arg(
        long,
        env = "DATABASE_URL",
        global = true,
        value_name = "URL",
        display_order = GLOBAL_OPTIONS_ORDER
    )]
    pub database_url: Option<String>,
    #[arg(
        long,
        global = true,
        value_name = "zh-CN|en",
        display_order = GLOBAL_OPTIONS_ORDER + 1
    )]
    pub lang: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// A list flag of `edit`: the values given replace the record's; none given keeps them.
fn or_list<T>(given: Vec<T>, base: Vec<T>) -> Vec<T> {
    if given.is_empty() { base } else { given }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    Serve(ServeArgs),
    Migrate,
    Jurisdiction {
        #[command(subcommand)]
        action: JurisdictionAction,
    },
    Settings {
        #[command(subcommand)]
        action: SettingsAction,
    },
    Township {
        #[command(subcommand)]
        action: lists::ListAction,
    },
    Agency {
        #[command(subcommand)]
        action: lists::ListAction,
    },
    Backup {
        file: PathBuf,
    },
    Restore {
        file: PathBuf,
        #[arg(long)]
        force: bool,
    },
    User {
        #[command(subcommand)]
        action: accounts::UserAction,
    },
    Token {
        #[command(subcommand)]
        action: accounts::TokenAction,
    },
    Patents {
        #[command(subcommand)]
        action: patents::PatentAction,
    },
    Enterprises {
        #[command(subcommand)]
        action: enterprises::EnterpriseAction,
    },
    Events {
        #[command(subcommand)]
        action: events::EventAction,
    },
    Visits {
        #[command(subcommand)]
        action: visits::VisitAction,
    },
    Inspections {
        #[command(subcommand)]
        action: inspections::InspectionAction,
    },
    Cases {
        #[command(subcommand)]
        action: cases::CaseAction,
    },
    Calendar {
        #[command(subcommand)]
        action: calendar::CalendarAction,
    },
    Deadlines {
        #[command(subcommand)]
        action: deadlines::DeadlineAction,
    },
    Import(import::ImportArgs),
    Audit(audit::AuditArgs),
    Export(export::ExportArgs),
    Report {
        #[command(subcommand)]
        action: report::ReportAction,
    },
    Target {
        #[command(subcommand)]
        action: report::TargetAction,
    },
    Demo {
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long)]
        json: bool,
    },
    #[command(hide = true)]
    Dev {
        #[command(subcommand)]
        action: DevAction,
    },
}

impl Command {
    /// The commands a new desk begins with, which make its SQLite file when there is none:
    /// serving it, migrating it, loading the samples, adding its first user, and the developer's
    /// tools. Every other command works on a desk that exists (see `db::require_sqlite_file`).
    fn may_begin_a_desk(&self) -> bool {
        matches!(
            self,
            Command::Serve(_)
                | Command::Migrate
                | Command::Demo { .. }
                | Command::Dev { .. }
                | Command::User {
                    action: accounts::UserAction::Add { .. }
                }
        )
    }
}

#[derive(Subcommand, Debug)]
pub enum DevAction {
    /// The reading child: parses one workbook and streams its cells (see import::reader).
    ReadWorkbook {
        path: PathBuf,
        #[arg(long)]
        sheet: Option<String>,
        #[arg(long)]
        last_row: Option<u32>,
        #[arg(long)]
        without_merges: bool,
    },
    Seed {
        #[arg(long, default_value_t = 10_000)]
        patents: u64,
        #[arg(long, default_value_t = 500)]
        enterprises: u64,
    },
    /// Writes the sample workbooks (the repository keeps them in import/samples).
    Samples { dir: PathBuf },
}

#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long)]
    pub port: Option<u16>,
}

#[derive(Subcommand, Debug)]
pub enum JurisdictionAction {
    Set {
        #[arg(long)]
        county: String,
        #[arg(long = "alias", value_name = "NAME")]
        aliases: Vec<String>,
        #[arg(long)]
        case_prefix: Option<String>,
        #[arg(long, value_name = "A,B,C")]
        townships: Option<String>,
    },
    Show {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum SettingsAction {
    Set {
        key: String,
        value: String,
    },
    Show {
        #[arg(long)]
        json: bool,
    },
}

/// The language of the command line: `--lang`, then `IPDESK_LANG`, then the locale variables,
/// then Simplified Chinese.
pub fn detect_lang(args: &[String]) -> Lang {
    let from_flag = args.iter().enumerate().find_map(|(i, arg)| {
        if let Some(value) = arg.strip_prefix("--lang=") {
            Some(value.to_owned())
        } else if arg == "--lang" {
            args.get(i + 1).cloned()
        } else {
            None
        }
    });
    let from_env = ["IPDESK_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .filter(|value| !value.is_empty());
    from_flag
        .into_iter()
        .chain(from_env)
        .find_map(|value| Lang::parse(&value))
        .unwrap_or_default()
}

/// Runs the command line with the process's arguments.
pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let lang = detect_lang(&args);
    let matches = match help::localized_command(lang).try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(error) => {
            match arg_error::render(&error, lang, &args) {
                Some(text) => eprint!("{text}"),
                None => {
                    let _ = error.print();
                }
            }
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(2);
        }
    };
    // The reading child touches no database and needs no runtime: it limits its memory first
    // thing, before any worker thread maps a stack.
    if let Some(Command::Dev {
        action:
            DevAction::ReadWorkbook {
                path,
                sheet,
                last_row,
                without_merges,
            },
    }) = &cli.command
    {
        let scope = crate::import::reader::Scope {
            sheet: sheet.clone(),
            last_row: *last_row,
            without_merges: *without_merges,
        };
        crate::import::reader::child_main(path, &scope);
        return ExitCode::SUCCESS;
    }
    // Serving logs as a service does; any other command holds its error lines back, to print them
    // under the sentence that says what failed.
    let serving = matches!(cli.command, None | Some(Command::Serve(_)));
    let held = (!serving).then(log::Held::default);
    log::init(held.clone());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(1);
        }
    };
    let code = match runtime.block_on(run(cli, lang, &matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => report(&error, lang),
    };
    if let Some(held) = held {
        held.print(lang);
    }
    code
}

fn report(error: &AppError, lang: Lang) -> ExitCode {
    let prefix = t(lang, "cli.error_prefix");
    match error.fields() {
        // Each field's own sentence says it all; the page-oriented summary would not fit here.
        Some(fields) => {
            for (_, msg) in fields.iter() {
                eprintln!("{prefix}{}", msg.render(lang));
            }
        }
        None => eprintln!("{prefix}{}", error.message().render(lang)),
    }
    let code = match error {
        // The file was read; a rule refused to import it.
        AppError::Refused(_) => 1,
        _ if error.is_bad_input() => 2,
        _ => 1,
    };
    ExitCode::from(code)
}

/// The database's first opening, said on stderr to be waited for once it has taken a few seconds:
/// a stopped PostgreSQL server is waited for 30 s (it may be starting), which was 30 s of silence.
/// Only the opening: a long migration is work, not a wait.
async fn patiently<T>(opening: impl std::future::Future<Output = T>, lang: Lang) -> T {
    tokio::pin!(opening);
    tokio::select! {
        opened = &mut opening => return opened,
        () = tokio::time::sleep(std::time::Duration::from_secs(3)) => {
            eprintln!("{}", t(lang, "cli.waiting_for_database"));
        }
    }
    opening.await
}

async fn run(cli: Cli, lang: Lang, _matches: &ArgMatches) -> Result<(), AppError> {
    let url = cli
        .database_url
        .clone()
        .unwrap_or_else(|| db::DEFAULT_DATABASE_URL.to_owned());
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs::default()));
    if let Command::Dev {
        action: DevAction::Samples { dir },
    } = &command
    {
        for path in crate::dev::samples::write(dir)? {
            say!("{}", path.display());
        }
        return Ok(());
    }
    // A restore replaces the file before anything opens it.
    if let Command::Restore { file, force } = &command {
        return restore(&url, file, *force, lang).await;
    }
    if !command.may_begin_a_desk() {
        db::require_sqlite_file(&url)?;
    }
    let migration = patiently(db::open_for_migration(&url), lang).await?;
    let migrations = migration.run().await?;
    if let Command::Migrate = command {
        print_migrations(&migrations, lang);
        return Ok(());
    }
    if let Command::Serve(args) = command {
        return serve::serve(&url, args, lang).await;
    }
    let db = db::connect(&url).await?;
    match command {
        Command::Jurisdiction { action } => jurisdiction(&db, action, lang).await,
        Command::Settings { action } => settings(&db, action, lang).await,
        Command::Township { action } => lists::run(&db, ListKind::Townships, action, lang).await,
        Command::Agency { action } => lists::run(&db, ListKind::Agencies, action, lang).await,
        Command::Backup { file } => backup(&db, &file, lang).await,
        Command::User { action } => accounts::user(&db, action, lang).await,
        Command::Token { action } => accounts::token(&db, action, lang).await,
        Command::Patents { action } => patents::run(&db, action, lang).await,
        Command::Enterprises { action } => enterprises::run(&db, action, lang).await,
        Command::Events { action } => events::run(&db, action, lang).await,
        Command::Visits { action } => visits::run(&db, action, lang).await,
        Command::Inspections { action } => inspections::run(&db, action, lang).await,
        Command::Cases { action } => cases::run(&db, action, lang).await,
        Command::Calendar { action } => calendar::run(&db, action, lang).await,
        Command::Deadlines { action } => deadlines::run(&db, action, lang).await,
        Command::Export(args) => export::run(&db, args, lang).await,
        Command::Report { action } => report::report(&db, action, lang).await,
        Command::Target { action } => report::target(&db, action, lang).await,
        Command::Dev {
            action:
                DevAction::Seed {
                    patents,
                    enterprises,
                },
        } => {
            let report = crate::dev::seed::seed(
                &db,
                crate::dev::seed::Plan {
                    patents,
                    enterprises,
                },
            )
            .await?;
            say!(
                "{}",
                Msg::new("cli.dev.seeded")
                    .count("patents", report.patents)
                    .count("enterprises", report.enterprises)
                    .count("applicants", report.applicants)
                    .count("events", report.events)
                    .count("visits", report.registers.visits)
                    .count("publicity", report.registers.events)
                    .count("inspections", report.registers.inspections)
                    .count("cases", report.registers.cases)
                    .count("steps", report.registers.case_steps)
                    .arg("seconds", format!("{:.1}", report.seconds))
                    .render(lang)
            );
            Ok(())
        }
        Command::Import(args) => import::run(&db, args, lang).await,
        Command::Audit(args) => audit::run(&db, args, lang).await,
        Command::Demo { as_of, json } => demo(&db, as_of.as_deref(), json, lang).await,
        // Handled above, before the database is opened.
        Command::Serve(_)
        | Command::Migrate
        | Command::Restore { .. }
        | Command::Dev {
            action: DevAction::ReadWorkbook { .. } | DevAction::Samples { .. },
        } => Ok(()),
    }
}

async fn demo(
    db: &sea_orm::DatabaseConnection,
    as_of: Option<&str>,
    json: bool,
    lang: Lang,
) -> Result<(), AppError> {
    let as_of = crate::dates::parse_given(as_of)?;
    let reader = crate::import::reader::ChildReader::current();
    let unkept = crate::db::stamp::Kept::unkept();
    let actor = crate::audit::Actor::cli();
    let loaded = crate::demo::load(db, &reader, &actor, as_of, &unkept).await?;
    if json {
        let all: Vec<_> = loaded.samples.iter().map(|l| l.to_json(lang)).collect();
        return import::json(&all, lang);
    }
    for sample in &loaded.samples {
        import::summary(&sample.report, lang);
    }
    enterprises::mention_townships(loaded.townships_to_fill, lang);
    say!("{}", t(lang, "demo.cli_done"));
    Ok(())
}

fn print_migrations(migrations: &[db::MigrationState], lang: Lang) {
    for migration in migrations {
        let key = if migration.applied_before {
            "cli.migrate.already"
        } else {
            "cli.migrate.applied"
        };
        say!(
            "{}",
            Msg::new(key).arg("name", &migration.name).render(lang)
        );
    }
    say!(
        "{}",
        Msg::new("cli.migrate.done")
            .arg("count", migrations.len())
            .render(lang)
    );
}

async fn jurisdiction(
    db: &sea_orm::DatabaseConnection,
    action: JurisdictionAction,
    lang: Lang,
) -> Result<(), AppError> {
    match action {
        JurisdictionAction::Set {
            county,
            aliases,
            case_prefix,
            townships,
        } => {
            let current = service::load(db).await?.jurisdiction;
            let input = JurisdictionInput {
                county,
                aliases: if aliases.is_empty() {
                    current.aliases
                } else {
                    aliases
                },
                case_prefix: case_prefix.unwrap_or(current.case_prefix),
            };
            let townships = townships.map(|list| text::split_list(&list));
            service::set_jurisdiction_and_townships(db, &Actor::cli(), input, townships).await?;
            say!("{}", t(lang, "cli.jurisdiction.saved"));
            show_jurisdiction(db, false, lang).await
        }
        JurisdictionAction::Show { json } => show_jurisdiction(db, json, lang).await,
    }
}

async fn show_jurisdiction(
    db: &sea_orm::DatabaseConnection,
    json: bool,
    lang: Lang,
) -> Result<(), AppError> {
    let jurisdiction = service::load(db).await?.jurisdiction;
    let townships: Vec<String> = crate::settings::lists::list(db, ListKind::Townships, false)
        .await?
        .into_iter()
        .map(|item| item.name)
        .collect();
    if json {
        let value = serde_json::json!({
            "county": jurisdiction.county,
            "aliases": jurisdiction.aliases,
            "case_prefix": jurisdiction.case_prefix,
            "townships": townships,
        });
        say!("{value}");
        return Ok(());
    }
    let none = t(lang, "common.none");
    let or_none = |text: String| if text.is_empty() { none.clone() } else { text };
    let sep = t(lang, "common.list_separator");
    say!(
        "{}{}",
        t(lang, "cli.jurisdiction.county"),
        or_none(jurisdiction.county.unwrap_or_default())
    );
    say!(
        "{}{}",
        t(lang, "cli.jurisdiction.aliases"),
        or_none(jurisdiction.aliases.join(&sep))
    );
    say!(
        "{}{}",
        t(lang, "cli.jurisdiction.case_prefix"),
        or_none(jurisdiction.case_prefix)
    );
    say!(
        "{}{}",
        t(lang, "cli.jurisdiction.townships"),
        or_none(townships.join(&sep))
    );
    Ok(())
}

async fn settings(
    db: &sea_orm::DatabaseConnection,
    action: SettingsAction,
    lang: Lang,
) -> Result<(), AppError> {
    match action {
        SettingsAction::Set { key, value } => {
            let stored = service::set_by_key(db, &Actor::cli(), &key, &value).await?;
            say!(
                "{}",
                Msg::new("cli.settings.saved")
                    .arg("key", &key)
                    .arg("value", stored)
                    .render(lang)
            );
        }
        SettingsAction::Show { json } => {
            let settings = service::load(db).await?;
            let settable = service::settable(&settings);
            if json {
                let object: serde_json::Map<String, serde_json::Value> = settable
                    .into_iter()
                    .map(|(key, value)| (key.to_owned(), value))
                    .collect();
                say!("{}", serde_json::Value::Object(object));
            } else {
                for (key, value) in settable {
                    let value = value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_owned);
                    say!("{key} = {value}");
                }
            }
        }
    }
    Ok(())
}

async fn restore(
    url: &str,
    file: &std::path::Path,
    force: bool,
    lang: Lang,
) -> Result<(), AppError> {
    let restored = db::restore::restore(url, file, force).await?;
    say!(
        "{}",
        Msg::new("cli.restore.done")
            .arg("path", restored.database.display())
            .arg("records", restored.records)
            .render(lang)
    );
    Ok(())
}

async fn backup(
    db: &sea_orm::DatabaseConnection,
    file: &std::path::Path,
    lang: Lang,
) -> Result<(), AppError> {
    crate::settings::backup::copy_to_file(db, &Actor::cli(), file).await?;
    say!(
        "{}",
        Msg::new("cli.backup.done")
            .arg("path", file.display())
            .render(lang)
    );
    Ok(())
}
