//! `ipdesk report ytd` and `ipdesk target set|clear|list`.

use clap::Subcommand;
use sea_orm::DatabaseConnection;

use crate::audit::Actor;
use crate::error::AppError;
use crate::i18n::{Lang, Msg, t};
use crate::reports::targets::{self, Metric, TargetInput};
use crate::reports::ytd::{self, Counts};

#[derive(Subcommand, Debug)]
pub enum ReportAction {
    Ytd {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long)]
        json: bool,
        #[arg(short, long)]
        output: Option<std::path::PathBuf>,
    },
    Summary {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        lang: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TargetAction {
    Set {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        metric: String,
        #[arg(long)]
        value: i64,
        #[arg(long)]
        township: Option<String>,
    },
    Clear {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        metric: String,
        #[arg(long)]
        township: Option<String>,
    },
    List {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        json: bool,
    },
}

pub async fn report(
    db: &DatabaseConnection,
    action: ReportAction,
    lang: Lang,
) -> Result<(), AppError> {
    let (year, as_of, json) = match action {
        ReportAction::Ytd {
            year,
            as_of,
            output: Some(path),
            ..
        } => {
            let (bytes, _) =
                crate::reports::routes::workbook_of(db, year, date(as_of.as_deref())?, lang)
                    .await?;
            crate::export::service::write_file(&path, &bytes)?;
            say!(
                "{}",
                Msg::new("cli.report.written")
                    .arg("path", path.display())
                    .render(lang)
            );
            return Ok(());
        }
        ReportAction::Ytd {
            year, as_of, json, ..
        } => (year, as_of, json),
        ReportAction::Summary {
            from,
            to,
            lang: asked,
            json,
        } => {
            let lang = crate::reports::api::summary_lang(asked.as_deref(), lang)?;
            let (from, to) = (date(from.as_deref())?, date(to.as_deref())?);
            let summary = crate::reports::summary::summary(db, from, to, lang).await?;
            if json {
                return super::import::json(&summary);
            }
            say!("{}", summary.text);
            return Ok(());
        }
    };
    let as_of = date(as_of.as_deref())?;
    let report = ytd::report(db, year, as_of).await?;
    if json {
        return super::import::json(&report);
    }
    let counts = |c: &Counts| {
        Msg::new("cli.report.counts")
            .arg("total", c.total)
            .arg("invention", c.invention)
            .arg("utility_model", c.utility_model)
            .arg("design", c.design)
            .render(lang)
    };
    let growth = |g: Option<f64>| g.map_or_else(|| "—".to_owned(), |g| format!("{g:+.1}%"));
    let last = &report.same_period_last_year;
    say!(
        "{}",
        Msg::new("cli.report.heading")
            .arg("county", report.county.as_deref().unwrap_or_default())
            .arg("from", format!("{}-01-01", report.year))
            .arg("to", report.as_of)
            .render(lang)
    );
    say!(
        "{}: {}",
        t(lang, "reports.metric.grants"),
        counts(&report.grants)
    );
    say!(
        "{}: {}",
        t(lang, "reports.metric.applications"),
        counts(&report.applications)
    );
    say!(
        "{}",
        Msg::new("cli.report.last_year")
            .arg("from", last.from)
            .arg("to", last.to)
            .arg("grants", last.grants.total)
            .arg("applications", last.applications.total)
            .arg("grants_growth", growth(report.growth_percent.grants))
            .arg(
                "applications_growth",
                growth(report.growth_percent.applications)
            )
            .render(lang)
    );
    for (metric, progress) in &report.targets {
        let label =
            Metric::parse(metric).map_or_else(|| metric.clone(), |m| t(lang, &m.label_key()));
        say!(
            "{}",
            Msg::new("cli.report.target")
                .arg("metric", label)
                .arg("done", progress.done)
                .arg("target", progress.target)
                .arg(
                    "percent",
                    progress
                        .percent
                        .map_or_else(|| "—".to_owned(), |p| format!("{p:.1}%"))
                )
                .render(lang)
        );
    }
    Ok(())
}

fn date(raw: Option<&str>) -> Result<Option<chrono::NaiveDate>, AppError> {
    crate::dates::parse_optional(raw.unwrap_or_default()).map_err(AppError::BadRequest)
}

pub async fn target(
    db: &DatabaseConnection,
    action: TargetAction,
    lang: Lang,
) -> Result<(), AppError> {
    let (input, list_year, as_json) = match action {
        TargetAction::Set {
            year,
            metric,
            value,
            township,
        } => (
            TargetInput {
                year: Some(year),
                metric,
                township,
                value: Some(value),
            },
            None,
            false,
        ),
        TargetAction::Clear {
            year,
            metric,
            township,
        } => (
            TargetInput {
                year: Some(year),
                metric,
                township,
                value: None,
            },
            None,
            false,
        ),
        TargetAction::List { year, json } => (TargetInput::default(), Some(year), json),
    };
    if let Some(year) = list_year {
        let listed = targets::list(db, year).await?;
        if as_json {
            return super::import::json(&listed);
        }
        for target in listed {
            let metric = Metric::parse(&target.metric)
                .map_or_else(|| target.metric.clone(), |m| t(lang, &m.label_key()));
            let scope = target
                .township
                .unwrap_or_else(|| t(lang, "reports.target.county"));
            say!("{} {scope} {metric} {}", target.year, target.value);
        }
        return Ok(());
    }
    let result = targets::set(db, &Actor::cli(), &input).await?;
    let scope = input
        .township
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| t(lang, "reports.target.county"));
    let metric =
        Metric::parse(&input.metric).map_or(input.metric.clone(), |m| t(lang, &m.label_key()));
    let msg = match result {
        Some(target) => Msg::new("cli.target.set").arg("value", target.value),
        None => Msg::new("cli.target.cleared"),
    };
    say!(
        "{}",
        msg.arg("year", input.year.unwrap_or_default())
            .arg("scope", scope)
            .arg("metric", metric)
            .render(lang)
    );
    Ok(())
}
