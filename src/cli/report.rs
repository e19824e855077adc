//! `ipdesk report ytd` and `ipdesk target set|clear|list`.

use clap::Subcommand;
use sea_orm::DatabaseConnection;

use crate::audit::Actor;
use crate::error::AppError;
use crate::i18n::{Lang, Msg, t};
use crate::reports::targets::{self, Metric, TargetInput};
use crate::reports::ytd::{self, Counts, YtdReport};
use crate::reports::{excel, summary};

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
        period: Option<String>,
        #[arg(long)]
        year: Option<i32>,
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
    match action {
        ReportAction::Ytd {
            year,
            as_of,
            output: Some(path),
            ..
        } => {
            let as_of = crate::dates::parse_given(as_of.as_deref())?;
            let (bytes, _) = excel::report_workbook(db, year, as_of, lang).await?;
            crate::export::service::write_file(&path, &bytes)?;
            say!(
                "{}",
                Msg::new("cli.report.written")
                    .arg("path", path.display())
                    .render(lang)
            );
            Ok(())
        }
        ReportAction::Ytd {
            year, as_of, json, ..
        } => {
            let report =
                ytd::report(db, year, crate::dates::parse_given(as_of.as_deref())?).await?;
            if json {
                return super::import::json(&report, lang);
            }
            print_report(&report, lang);
            Ok(())
        }
        ReportAction::Summary {
            from,
            to,
            period,
            year,
            lang: asked,
            json,
        } => {
            let lang = summary::language(asked.as_deref(), lang)?;
            let asked = summary::Asked {
                from: crate::dates::parse_given(from.as_deref())?,
                to: crate::dates::parse_given(to.as_deref())?,
                period: period.as_deref(),
                year,
            };
            let summary = summary::summary(db, asked, lang).await?;
            if json {
                return super::import::json(&summary, lang);
            }
            say!("{}", summary.text);
            Ok(())
        }
    }
}

/// The report as a few lines: the figures, last year, each target.
fn print_report(report: &YtdReport, lang: Lang) {
    let counts = |c: &Counts| {
        Msg::new("cli.report.counts")
            .count("total", c.total)
            .count("invention", c.invention)
            .count("utility_model", c.utility_model)
            .count("design", c.design)
            .render(lang)
    };
    // No change reads as the web's card reads it ("持平"), not as a signed zero.
    let percent = |p: Option<f64>, sign: bool| match (p, sign) {
        (Some(0.0), true) => t(lang, "reports.flat"),
        (Some(p), true) => format!("{p:+.1}%"),
        (Some(p), false) => format!("{p:.1}%"),
        (None, _) => t(lang, "cli.report.none"),
    };
    let last = &report.same_period_last_year;
    let heading = Msg::new("cli.report.heading")
        .arg("county", report.county.as_deref().unwrap_or_default())
        .arg("from", format!("{}-01-01", report.year))
        .arg("to", report.as_of);
    say!("{}", heading.render(lang));
    for (label, counted) in [
        ("reports.metric.grants", &report.grants),
        ("reports.metric.applications", &report.applications),
    ] {
        let line = Msg::new("cli.card.line")
            .arg("label", t(lang, label))
            .arg("value", counts(counted));
        say!("{}", line.render(lang));
    }
    let last_year = Msg::new("cli.report.last_year")
        .arg("from", last.from)
        .arg("to", last.to)
        .arg("grants", last.grants.total)
        .arg("applications", last.applications.total)
        .arg("grants_growth", percent(report.growth_percent.grants, true))
        .arg(
            "applications_growth",
            percent(report.growth_percent.applications, true),
        );
    say!("{}", last_year.render(lang));
    for (metric, progress) in &report.targets {
        let line = Msg::new("cli.report.target")
            .arg("metric", Metric::label_of(metric, lang))
            .arg("done", progress.done)
            .arg("target", progress.target)
            .arg("percent", percent(progress.percent, false));
        say!("{}", line.render(lang));
    }
    if report.targets.is_empty() {
        let line = Msg::new("cli.report.no_target").arg("year", report.year);
        say!("{}", line.render(lang));
    }
}

pub async fn target(
    db: &DatabaseConnection,
    action: TargetAction,
    lang: Lang,
) -> Result<(), AppError> {
    let input = match action {
        TargetAction::List { year, json } => return list_targets(db, year, json, lang).await,
        TargetAction::Set {
            year,
            metric,
            value,
            township,
        } => TargetInput {
            year: Some(year),
            metric,
            township,
            value: Some(value),
        },
        TargetAction::Clear {
            year,
            metric,
            township,
        } => TargetInput {
            year: Some(year),
            metric,
            township,
            value: None,
        },
    };
    let result = targets::set(db, &Actor::cli(), &input).await?;
    let scope = input
        .township
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| t(lang, "reports.target.county"));
    let msg = match result {
        Some(target) => Msg::new("cli.target.set").arg("value", target.value),
        None => Msg::new("cli.target.cleared"),
    };
    let msg = msg
        .arg("year", input.year.unwrap_or_default())
        .arg("scope", scope)
        .arg("metric", Metric::label_of(&input.metric, lang));
    say!("{}", msg.render(lang));
    Ok(())
}

async fn list_targets(
    db: &DatabaseConnection,
    year: i32,
    json: bool,
    lang: Lang,
) -> Result<(), AppError> {
    let listed = targets::list(db, year).await?;
    if json {
        return super::import::json(&listed, lang);
    }
    if listed.is_empty() {
        say!(
            "{}",
            Msg::new("reports.target.none")
                .arg("year", year)
                .render(lang)
        );
    }
    for target in listed {
        let scope = target
            .township
            .unwrap_or_else(|| t(lang, "reports.target.county"));
        let metric = Metric::label_of(&target.metric, lang);
        say!("{} {scope} {metric} {}", target.year, target.value);
    }
    Ok(())
}
