//! The year so far, kept between requests while nothing is committed. The dashboard is every
//! officer's first page, and its report asks some thirty statements of a register that may hold a
//! million patents; asked again with nothing changed, it is answered from memory. Each answer is
//! kept for its question (year, as-of day, today) against the database's stamp, read before the
//! report is computed: a commit anywhere — this instance, another one, a CLI import — changes the
//! stamp, and the next request computes the report again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use super::chart;
use super::ytd::{self, YtdReport};
use crate::db::stamp::{Stamp, Stamps};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::settings;

/// What a report was asked: the year and the as-of day as given, and today, which the defaults
/// follow.
type Question = (Option<i32>, Option<NaiveDate>, NaiveDate);

/// Questions kept for one stamp; more are rare (other years looked at), and then all are dropped.
const KEPT: usize = 16;

pub struct ReportCache {
    stamps: Stamps,
    held: Mutex<Held>,
    /// Held while a report is computed: after a commit, the requests that find nothing kept wait
    /// for the first one's answer instead of all computing it at once (with 32 connections, a
    /// second of CPU each time a token's last use was recorded).
    computing: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Held {
    stamp: Option<Stamp>,
    answers: HashMap<Question, Answer>,
}

#[derive(Clone)]
struct Answer {
    report: YtdReport,
    /// The chart, per language it was drawn in (shared, not copied, by each request).
    charts: HashMap<Lang, Arc<str>>,
}

impl ReportCache {
    /// A cache for the database `url` names.
    pub fn for_url(url: &str) -> ReportCache {
        ReportCache {
            stamps: Stamps::for_url(url),
            held: Mutex::new(Held::default()),
            computing: tokio::sync::Mutex::new(()),
        }
    }

    /// The report of `year` as of `as_of`, as `ytd::report` answers it.
    pub async fn report(
        &self,
        db: &DatabaseConnection,
        year: Option<i32>,
        as_of: Option<NaiveDate>,
    ) -> Result<YtdReport, AppError> {
        Ok(self.answer(db, year, as_of, None).await?.report)
    }

    /// The report and its chart drawn in `lang`.
    pub async fn report_with_chart(
        &self,
        db: &DatabaseConnection,
        year: Option<i32>,
        as_of: Option<NaiveDate>,
        lang: Lang,
    ) -> Result<(YtdReport, String), AppError> {
        let answer = self.answer(db, year, as_of, Some(lang)).await?;
        let chart = answer
            .charts
            .get(&lang)
            .map(|chart| chart.to_string())
            .ok_or_else(|| AppError::Internal("the report's chart was not drawn".into()))?;
        Ok((answer.report, chart))
    }

    /// The answer to the question, with its chart in `lang` when one is asked for: the one kept,
    /// or computed — by one request at a time — and kept.
    async fn answer(
        &self,
        db: &DatabaseConnection,
        year: Option<i32>,
        as_of: Option<NaiveDate>,
        lang: Option<Lang>,
    ) -> Result<Answer, AppError> {
        let (stamp, question, kept) = self.look_up(db, year, as_of).await?;
        if let Some(answer) = kept.filter(|answer| answer.drawn_in(lang)) {
            return Ok(answer);
        }
        let _computing = self.computing.lock().await;
        let mut answer = match self.kept(&stamp, &question) {
            Some(answer) => answer,
            None => Answer::of(ytd::report(db, year, as_of).await?),
        };
        if let Some(lang) = lang
            && !answer.drawn_in(Some(lang))
        {
            let chart = chart::cumulative_grants(&answer.report, lang)?;
            answer.charts.insert(lang, Arc::from(chart));
        }
        self.keep(stamp, question, answer.clone());
        Ok(answer)
    }

    /// The stamp (read first), the question, and the answer kept for both.
    async fn look_up(
        &self,
        db: &DatabaseConnection,
        year: Option<i32>,
        as_of: Option<NaiveDate>,
    ) -> Result<(Option<Stamp>, Question, Option<Answer>), AppError> {
        let stamp = self.stamps.current(db).await;
        let today = settings::service::today(db).await?;
        let question = (year, as_of, today);
        let kept = self.kept(&stamp, &question);
        Ok((stamp, question, kept))
    }

    /// The answer kept for `question` under `stamp`, if any.
    fn kept(&self, stamp: &Option<Stamp>, question: &Question) -> Option<Answer> {
        match (stamp, self.held.lock()) {
            (Some(stamp), Ok(held)) if held.stamp.as_ref() == Some(stamp) => {
                held.answers.get(question).cloned()
            }
            _ => None,
        }
    }

    /// Keeps `answer` for `question`, unless the database has no stamp.
    fn keep(&self, stamp: Option<Stamp>, question: Question, answer: Answer) {
        let (Some(stamp), Ok(mut held)) = (stamp, self.held.lock()) else {
            return;
        };
        if held.stamp.as_ref() != Some(&stamp) || held.answers.len() >= KEPT {
            held.answers.clear();
            held.stamp = Some(stamp);
        }
        held.answers.insert(question, answer);
    }
}

impl Answer {
    fn of(report: YtdReport) -> Answer {
        Answer {
            report,
            charts: HashMap::new(),
        }
    }

    /// Whether it holds the chart in `lang` (any answer will do when none is asked for).
    fn drawn_in(&self, lang: Option<Lang>) -> bool {
        lang.is_none_or(|lang| self.charts.contains_key(&lang))
    }
}
