//! `ipdesk import FILE`, `ipdesk import undo BATCH_ID`, `ipdesk import list`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use sea_orm::DatabaseConnection;

use crate::audit::Actor;
use crate::error::AppError;
use crate::i18n::{Lang, Msg, t};
use crate::import::mapping::Choices;
use crate::import::plan::Problem;
use crate::import::reader::ChildReader;
use crate::import::service::{self, Policy, Request};
use crate::import::spec::Register;
use crate::import::undo;

use super::pager::{PageArgs, Shown};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ImportArgs {
    #[command(subcommand)]
    action: Option<ImportAction>,
    file: Option<PathBuf>,
    #[arg(long, default_value = "patents")]
    register: String,
    #[arg(long)]
    sheet: Option<String>,
    #[arg(long)]
    header_row: Option<u32>,
    #[arg(long)]
    dry_run: bool,
    #[arg(long, default_value = "valid-rows")]
    policy: String,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand, Debug)]
pub enum ImportAction {
    Undo {
        batch_id: i64,
        #[arg(long)]
        json: bool,
    },
    List(ListArgs),
    Errors {
        batch_id: i64,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

/// `ipdesk import list`: a page of the history.
#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    paged: PageArgs,
    #[arg(long)]
    json: bool,
}

/// Prints `value` as JSON, its messages in the reader's language.
pub fn json<T: serde::Serialize>(value: &T, lang: Lang) -> Result<(), AppError> {
    let text = crate::i18n::answer_json(value, lang, true)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    say!("{text}");
    Ok(())
}

pub async fn run(db: &DatabaseConnection, args: ImportArgs, lang: Lang) -> Result<(), AppError> {
    match args.action {
        Some(ImportAction::Undo {
            batch_id,
            json: as_json,
        }) => {
            let result = undo::undo(db, &Actor::cli(), batch_id).await?;
            if as_json {
                return json(&result, lang);
            }
            say!(
                "{}",
                Msg::new("import.undo.done")
                    .arg("batch", batch_id)
                    .arg("deleted", result.deleted)
                    .arg("restored", result.restored)
                    .render(lang)
            );
            for conflict in &result.conflicts {
                say!("  {}", conflict.msg.render(lang));
            }
            Ok(())
        }
        Some(ImportAction::List(asked)) => list(db, asked, lang).await,
        Some(ImportAction::Errors { batch_id, output }) => {
            let reader = ChildReader::current();
            let (name, bytes) =
                crate::import::report::for_batch(db, &reader, batch_id, lang).await?;
            // The download's own name, in the current folder, unless told where.
            let path = output.unwrap_or_else(|| PathBuf::from(name));
            crate::export::service::write_file(&path, &bytes)?;
            let written = Msg::new("import.cli.errors_written").arg("path", path.display());
            say!("{}", written.render(lang));
            Ok(())
        }
        None => import(db, args, lang).await,
    }
}

async fn list(db: &DatabaseConnection, asked: ListArgs, lang: Lang) -> Result<(), AppError> {
    let request = asked.paged.request();
    if asked.json {
        return json(&crate::import::api::history(db, request).await?, lang);
    }
    let (batches, total) = service::history(db, request).await?;
    if total == 0 {
        say!("{}", t(lang, "import.history.empty"));
        return Ok(());
    }
    // Times as the officer reads them (the desk's time zone), counts as a sentence.
    let timezone = crate::settings::service::load(db).await?.timezone;
    for batch in &batches {
        let counts: crate::import::plan::Counts =
            serde_json::from_str(&batch.counts).unwrap_or_default();
        say!(
            "{:>5}  {}  {}  {}  {}  {}\n       {}",
            batch.id,
            crate::clock::display(batch.created_at, timezone),
            t(lang, &format!("import.state.{}", batch.state)),
            t(lang, &format!("import.register.{}", batch.register)),
            batch.actor,
            batch.file_name,
            counts.line(lang)
        );
    }
    let shown = Shown::of(request.page, request.per_page, batches.len(), total);
    super::pager::print(shown, lang);
    Ok(())
}

async fn import(db: &DatabaseConnection, args: ImportArgs, lang: Lang) -> Result<(), AppError> {
    let Some(file) = args.file else {
        return Err(AppError::BadRequest(Msg::new("import.cli.file_required")));
    };
    let register = Register::parse(&args.register)
        .ok_or_else(|| AppError::BadRequest(Register::unknown(&args.register)))?;
    let policy = Policy::parse(&args.policy).ok_or_else(|| {
        AppError::BadRequest(Msg::new("import.cli.bad_policy").arg("policy", &args.policy))
    })?;
    let bytes = super::file::read(&file)?;
    let request = Request {
        file_name: file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes,
        register,
        sheet: args.sheet,
        header_row: args.header_row,
        choices: Choices::new(),
        dry_run: args.dry_run,
        policy,
    };
    let bar = (!args.json && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let on_progress = |phase: &str, done: u64, total: u64| {
        if let Some(bar) = &bar {
            bar.set_message(t(lang, &format!("import.phase.{phase}")));
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let report = service::run(
        db,
        &ChildReader::current(),
        &Actor::cli(),
        request,
        &on_progress,
    )
    .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = report?;
    let unkept = crate::db::stamp::Kept::unkept();
    let to_fill =
        service::townships_to_fill(db, &unkept, report.register, report.committed).await?;
    if args.json {
        json(&report.to_json(lang, to_fill), lang)?;
    } else {
        summary(&report, lang);
        if let Some(same) = &report.same_file {
            let timezone = crate::settings::service::load(db).await?.timezone;
            say!("{}", same.sentence(timezone, lang));
        }
        super::enterprises::mention_townships(to_fill.unwrap_or(0), lang);
    }
    if report.refused {
        return Err(AppError::Refused(
            Msg::new("import.refused").arg("invalid", report.counts.invalid),
        ));
    }
    Ok(())
}

/// The readable account of one import: where the table was, the counts, the problems.
pub fn summary(report: &service::Report, lang: Lang) {
    let c = report.counts;
    say!(
        "{}",
        Msg::new("import.cli.table")
            .arg("file", &report.file)
            .arg("sheet", &report.sheet)
            .arg("row", report.header_row)
            .render(lang)
    );
    say!("{}", c.line(lang));
    let errors = report.rows.iter().flat_map(|r| &r.errors);
    let warnings = report.rows.iter().flat_map(|r| &r.warnings);
    let listed = list_problems("✗", errors, 50, lang) + list_problems("!", warnings, 20, lang);
    // The whole list, cell by cell, is the error report: fixed in Excel, it imports as it is.
    if listed > 0 {
        let hint = Msg::new("import.cli.report_hint").arg("batch", report.batch_id);
        say!("{}", hint.render(lang));
    }
    list_changes(report.rows.iter().flat_map(|r| &r.changes), 20, lang);
    let key = if report.dry_run {
        "import.cli.dry_run"
    } else if report.committed {
        "import.cli.committed"
    } else {
        "import.cli.not_committed"
    };
    say!(
        "{}",
        Msg::new(key).arg("batch", report.batch_id).render(lang)
    );
}

/// Prints the first `shown` cells of updated rows that change a record, each with its new value
/// and the value it replaces.
fn list_changes<'a>(changes: impl Iterator<Item = &'a Problem>, shown: usize, lang: Lang) {
    list_first(changes, shown, lang, |change| {
        Msg::new("import.cli.change")
            .arg("cell", format!("{}{}", change.column, change.row))
            .arg("header", &change.header)
            .arg("value", &change.value)
            .arg("message", change.msg.render(lang))
            .render(lang)
    });
}

/// Prints the first `shown` problems, one a line behind `mark`, and how many more there are;
/// returns how many there are in all.
fn list_problems<'a>(
    mark: &str,
    problems: impl Iterator<Item = &'a Problem>,
    shown: usize,
    lang: Lang,
) -> usize {
    list_first(problems, shown, lang, |problem| {
        let (column, row, header) = (&problem.column, problem.row, &problem.header);
        format!(
            "  {mark} {column}{row} {header}: {}",
            problem.msg.render(lang)
        )
    })
}

/// Prints the first `shown` items as `line` writes them, then how many more there are; returns
/// how many there are in all.
fn list_first<'a>(
    items: impl Iterator<Item = &'a Problem>,
    shown: usize,
    lang: Lang,
    line: impl Fn(&Problem) -> String,
) -> usize {
    let mut count = 0;
    for item in items {
        count += 1;
        if count <= shown {
            say!("{}", line(item));
        }
    }
    if count > shown {
        let more = Msg::new("import.cli.more").arg("more", count - shown);
        say!("{}", more.render(lang));
    }
    count
}
