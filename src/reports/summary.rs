//! The summary paragraph: the IP section of the bureau's work summary for a period, written from
//! the report's numbers (never typed by hand) in Chinese or English — for example
//! "今年以来，共申报专利4项，其中发明专利1项、实用新型3项；获得国家专利授权8项，完成年度计划任务的80%，
//! 比去年同期增长21%。"

use chrono::{Datelike, NaiveDate};
use sea_orm::ConnectionTrait;
use serde::Serialize;

use super::targets::{self, Metric};
use super::ytd::{self, Counts, Dated};
use crate::cases::query::CaseFigures;
use crate::error::AppError;
use crate::events::query::EventTotals;
use crate::i18n::{Lang, Msg, t};
use crate::inspections::query::InspectionTotals;
use crate::visits::query::VisitTotals;
use crate::{clock, settings};

/// The figures a summary is written from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryFigures {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub applications: Counts,
    pub grants: Counts,
    pub grants_last_year: i64,
    /// The county's grants target for the year of `to`, when one is set.
    pub grants_target: Option<i64>,
    /// The publicity events that began in the period.
    pub events: EventTotals,
    /// The visits made in the period, and their effect so far.
    pub visits: VisitTotals,
    /// The joint inspections that began in the period.
    pub inspections: InspectionTotals,
    /// The cases opened, closed and fined in the period.
    pub cases: CaseFigures,
}

/// A summary as the API answers it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub lang: &'static str,
    pub text: String,
    pub figures: SummaryFigures,
}

/// A named period of a year: what the bureau's summaries are written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// 1 January to the report's as-of day: today (今年以来) unless another day is chosen.
    SoFar,
    FirstHalf,
    Quarter(u32),
    /// One month, 1 to 12: the monthly work summary's (11月份).
    Month(u32),
    Year,
}

/// The months' names in the `period` field.
const MONTH_NAMES: [&str; 12] = [
    "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10", "m11", "m12",
];

impl Period {
    /// Every period, in the order the report page offers them.
    pub fn all() -> impl Iterator<Item = Period> {
        let named = [
            Period::SoFar,
            Period::FirstHalf,
            Period::Quarter(1),
            Period::Quarter(2),
            Period::Quarter(3),
            Period::Quarter(4),
        ];
        named
            .into_iter()
            .chain((1..=12).map(Period::Month))
            .chain([Period::Year])
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::SoFar => "so_far",
            Period::FirstHalf => "h1",
            Period::Quarter(1) => "q1",
            Period::Quarter(2) => "q2",
            Period::Quarter(3) => "q3",
            Period::Quarter(_) => "q4",
            Period::Month(m) => MONTH_NAMES[(m.clamp(1, 12) - 1) as usize],
            Period::Year => "year",
        }
    }

    pub fn parse(raw: &str) -> Option<Period> {
        Period::all().find(|p| p.as_str() == raw.trim())
    }

    /// A period as asked for in the `period` field, or its sentence naming the ones there are.
    pub fn read(raw: &str) -> Result<Period, AppError> {
        Period::parse(raw).ok_or_else(|| {
            let msg = Msg::new("reports.summary.unknown_period").arg("period", raw);
            crate::error::field_error("period", msg)
        })
    }

    /// The period asked for in the `period` field (refused when it is none), or when none is
    /// asked the one a report as of `as_of` is summed up for ([`Period::default_for`]).
    pub fn chosen(
        raw: Option<&str>,
        as_of: NaiveDate,
        today: NaiveDate,
    ) -> Result<Period, AppError> {
        match raw.map(str::trim).filter(|p| !p.is_empty()) {
            Some(raw) => Period::read(raw),
            None => Ok(Period::default_for(as_of, today)),
        }
    }

    /// The period a report as of `as_of` is summed up for unless another is chosen: the days its
    /// cards count, 1 January to `as_of` — named the whole year or the first half when it ends on
    /// 31 December or 30 June. (It once was the whole year for any day but today, so the
    /// half-year report's paragraph told the whole year's figures beside the half year's cards.)
    pub fn default_for(as_of: NaiveDate, today: NaiveDate) -> Period {
        if as_of == today {
            Period::SoFar
        } else {
            Period::ending_on(as_of)
        }
    }

    /// The period from 1 January that ends on `day` by name: the year on 31 December, the first
    /// half on 30 June, else the days so far.
    fn ending_on(day: NaiveDate) -> Period {
        match (day.month(), day.day()) {
            (12, 31) => Period::Year,
            (6, 30) => Period::FirstHalf,
            _ => Period::SoFar,
        }
    }

    /// Its days in `year` (today for the year so far).
    pub fn dates(self, year: i32, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        let day = |m, d| NaiveDate::from_ymd_opt(year, m, d);
        match self {
            Period::SoFar => Some((day(1, 1)?, today)),
            Period::FirstHalf => Some((day(1, 1)?, day(6, 30)?)),
            Period::Quarter(q) => {
                let first = 3 * (q - 1) + 1;
                let end = if q == 4 {
                    day(12, 31)?
                } else {
                    day(first + 3, 1)?.pred_opt()?
                };
                Some((day(first, 1)?, end))
            }
            Period::Month(m) => {
                let first = day(m, 1)?;
                let end = match m {
                    12 => day(12, 31)?,
                    _ => day(m + 1, 1)?.pred_opt()?,
                };
                Some((first, end))
            }
            Period::Year => Some((day(1, 1)?, day(12, 31)?)),
        }
    }
}

/// The days a bureau reports as of, the latest first: the end of last month (the monthly
/// report), 30 June once the half year is over (the half-year report) and 31 December of last
/// year (the annual one), each once — what /reports offers beside its date field.
pub fn report_days(today: NaiveDate) -> Vec<NaiveDate> {
    let candidates = [
        today.with_day(1).and_then(|first| first.pred_opt()),
        NaiveDate::from_ymd_opt(today.year(), 6, 30).filter(|end| *end < today),
        NaiveDate::from_ymd_opt(today.year() - 1, 12, 31),
    ];
    let mut days: Vec<NaiveDate> = Vec::new();
    for day in candidates.into_iter().flatten() {
        if !days.contains(&day) {
            days.push(day);
        }
    }
    days
}

/// A report day as its link names it: 2026年1—11月, 2026年上半年, 2025年全年.
pub fn report_day_words(day: NaiveDate, lang: Lang) -> String {
    let key = match Period::ending_on(day) {
        Period::Year => "reports.report_day.year",
        Period::FirstHalf => "reports.report_day.half",
        _ if day.month() == 1 => "reports.report_day.january",
        _ => "reports.report_day.months",
    };
    Msg::new(key)
        .arg("year", day.year())
        .arg("month", format!("@months.{}", day.month()))
        .render(lang)
}

/// The figures of [from, to] and of the same days a year earlier.
pub async fn figures(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<SummaryFigures, AppError> {
    if to < from {
        return Err(AppError::BadRequest(
            Msg::new("export.period.bad_order")
                .arg("from", from)
                .arg("to", to),
        ));
    }
    let last = (ytd::a_year_earlier(from), ytd::a_year_earlier(to));
    // A plan exists only for the years targets may be set for.
    let planned = if targets::YEARS.contains(&to.year()) {
        targets::list(db, to.year()).await?
    } else {
        Vec::new()
    };
    let target = planned
        .into_iter()
        .find(|t| t.township.is_none() && t.metric == Metric::Grants.as_str())
        .map(|t| t.value);
    Ok(SummaryFigures {
        from,
        to,
        applications: ytd::counts(db, Dated::Filed, from, to).await?,
        grants: ytd::counts(db, Dated::Granted, from, to).await?,
        grants_last_year: ytd::counts(db, Dated::Granted, last.0, last.1).await?.total,
        grants_target: target,
        events: crate::events::query::started_between(db, from, to).await?,
        visits: crate::visits::query::made_between(db, from, to).await?,
        inspections: crate::inspections::query::started_between(db, from, to).await?,
        cases: crate::cases::query::figures(db, from, to).await?,
    })
}

/// How the paragraph names its period: 今年以来, 上半年, 第一季度, 全年, 1—11月, else its months or
/// its days as a document writes them ([`span_words`]).
fn period_words(from: NaiveDate, to: NaiveDate, today: NaiveDate, lang: Lang) -> String {
    let same_year = from.year() == to.year();
    // The year so far is told by its end (today), not by its dates.
    let named = Period::all()
        .filter(|p| *p != Period::SoFar)
        .find(|p| p.dates(from.year(), today) == Some((from, to)));
    let key = match named {
        _ if same_year && from.ordinal() == 1 && to == today => {
            "reports.summary.period.so_far".to_owned()
        }
        // 上半年 and 第一季度 are this year's; another year's are named with it (2025年上半年).
        Some(Period::FirstHalf) => format!("reports.summary.{}.h1", of_year(from, today)),
        Some(Period::Quarter(q)) => format!("reports.summary.{}.q{q}", of_year(from, today)),
        // This year's month alone (11月份); another year's with its year (2025年11月).
        Some(Period::Month(m)) if from.year() == today.year() => {
            return Msg::new("reports.summary.period.this_month")
                .arg("month", format!("@months.full.{m}"))
                .render(lang);
        }
        Some(Period::Year) => "reports.summary.period.year".to_owned(),
        // The way reports name a year's first months: 2026年1—11月.
        _ if same_year && from.ordinal() == 1 && is_month_end(to) && to.month() > 1 => {
            return Msg::new("reports.summary.period.months")
                .arg("year", to.year())
                .arg("month", to.month())
                .render(lang);
        }
        _ => return span_words(from, to, lang),
    };
    Msg::new(&key).arg("year", from.year()).render(lang)
}

/// A period no report names, as a work summary writes it: whole months by their months
/// (2026年3月, 2026年3月至5月, 2025年11月至2026年2月), other periods by their days, the year and
/// month said once where both ends share them (2026年3月5日至20日, 2026年3月5日至4月20日).
fn span_words(from: NaiveDate, to: NaiveDate, lang: Lang) -> String {
    let same_year = from.year() == to.year();
    let same_month = same_year && from.month() == to.month();
    let key = if from.day() == 1 && is_month_end(to) {
        match (same_year, same_month) {
            (_, true) => "reports.summary.period.month",
            (true, false) => "reports.summary.period.month_span",
            (false, _) => "reports.summary.period.month_span_years",
        }
    } else {
        match (same_year, same_month) {
            _ if from == to => "reports.summary.period.day",
            (_, true) => "reports.summary.period.days_in_month",
            (true, false) => "reports.summary.period.days",
            (false, _) => "reports.summary.period.days_years",
        }
    };
    let mut msg = Msg::new(key);
    for (end, date) in [("from", from), ("to", to)] {
        msg = msg
            .arg(&format!("{end}_year"), date.year())
            .arg(
                &format!("{end}_month"),
                format!("@months.full.{}", date.month()),
            )
            .arg(&format!("{end}_day"), date.day());
    }
    msg.render(lang)
}

/// The catalogue's table for a part of `from`'s year: named alone this year, with its year else.
fn of_year(from: NaiveDate, today: NaiveDate) -> &'static str {
    if from.year() == today.year() {
        "period"
    } else {
        "period_of_year"
    }
}

fn is_month_end(day: NaiveDate) -> bool {
    day.succ_opt()
        .is_some_and(|next| next.month() != day.month())
}

/// "其中发明专利1项、实用新型3项": the types with any, in the language's list.
fn of_which(counts: &Counts, lang: Lang) -> Option<String> {
    let parts: Vec<String> = [
        ("invention", counts.invention),
        ("utility_model", counts.utility_model),
        ("design", counts.design),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(kind, n)| {
        Msg::new(format!("reports.summary.kind.{kind}"))
            .count("count", n)
            .render(lang)
    })
    .collect();
    (!parts.is_empty()).then(|| {
        Msg::new("reports.summary.of_which")
            .arg(
                "parts",
                parts.join(&t(lang, "reports.summary.list_separator")),
            )
            .render(lang)
    })
}

/// The paragraph for the figures. Percentages are whole numbers; a growth with no base last
/// year is left out rather than invented.
pub fn paragraph(figures: &SummaryFigures, today: NaiveDate, lang: Lang) -> String {
    let mut applications = Msg::new("reports.summary.applications")
        .count("count", figures.applications.total)
        .render(lang);
    if let Some(parts) = of_which(&figures.applications, lang) {
        applications.push_str(&parts);
    }
    let mut grants = Msg::new("reports.summary.grants")
        .count("count", figures.grants.total)
        .render(lang);
    if let Some(target) = figures.grants_target.filter(|t| *t > 0) {
        let percent = (figures.grants.total as f64 * 100.0 / target as f64).round();
        grants.push_str(
            &Msg::new("reports.summary.target")
                .arg("percent", percent)
                .render(lang),
        );
    }
    if figures.grants_last_year > 0 {
        let change = ((figures.grants.total - figures.grants_last_year) as f64 * 100.0
            / figures.grants_last_year as f64)
            .round();
        let key = if change > 0.0 {
            "reports.summary.up"
        } else if change < 0.0 {
            "reports.summary.down"
        } else {
            "reports.summary.level"
        };
        grants.push_str(&Msg::new(key).arg("percent", change.abs()).render(lang));
    }
    Msg::new("reports.summary.text")
        .arg(
            "period",
            period_words(figures.from, figures.to, today, lang),
        )
        .arg("applications", applications)
        .arg("grants", grants)
        .arg(
            "activities",
            activities(&figures.events, lang)
                + &visits(&figures.visits, lang)
                + &inspections(&figures.inspections, lang)
                + &cases(&figures.cases, lang),
        )
        .render(lang)
}

/// "；开展知识产权宣传活动3次，发放宣传资料1100份，接受群众咨询30人次", or nothing when no event was held.
fn activities(events: &EventTotals, lang: Lang) -> String {
    if events.events == 0 {
        return String::new();
    }
    Msg::new("reports.summary.events")
        .count("events", events.events)
        .count("materials", events.materials_count)
        .count("consultations", events.consultations)
        .render(lang)
}

/// "；深入企业走访12家次，发放政策资料60份，走访后已有3家企业提交专利申请", or nothing when no
/// visit was made.
fn visits(visits: &VisitTotals, lang: Lang) -> String {
    if visits.visits == 0 {
        return String::new();
    }
    let mut text = Msg::new("reports.summary.visits")
        .count("visits", visits.visits)
        .render(lang);
    if visits.materials_count > 0 {
        let materials = Msg::new("reports.summary.visit_materials");
        text.push_str(
            &materials
                .count("materials", visits.materials_count)
                .render(lang),
        );
    }
    if visits.effect.filed_enterprises > 0 {
        let filed = Msg::new("reports.summary.visit_effect");
        text.push_str(
            &filed
                .count("filed", visits.effect.filed_enterprises)
                .render(lang),
        );
    }
    text
}

/// "；联合开展专利执法检查4次，检查经营场所120家次、商品3000件", or nothing without inspections.
fn inspections(inspections: &InspectionTotals, lang: Lang) -> String {
    if inspections.inspections == 0 {
        return String::new();
    }
    Msg::new("reports.summary.inspections")
        .count("inspections", inspections.inspections)
        .count("premises", inspections.premises_inspected)
        .count("goods", inspections.goods_checked)
        .render(lang)
}

/// "；立案查处专利违法案件3件（其中假冒专利2件、专利侵权纠纷1件），结案2件，罚款2.4万元", or
/// nothing when no case was opened or closed.
fn cases(cases: &CaseFigures, lang: Lang) -> String {
    if cases.opened == 0 && cases.closed == 0 {
        return String::new();
    }
    let mut text = Msg::new("reports.summary.cases")
        .count("opened", cases.opened)
        .render(lang);
    if !cases.by_kind.is_empty() {
        let separator = crate::i18n::t(lang, "reports.summary.list_separator");
        let parts: Vec<String> = cases
            .by_kind
            .iter()
            .map(|(kind, count)| {
                Msg::new("reports.summary.case_kind")
                    // The kind's name as it reads inside a sentence ("1 patent counterfeiting case").
                    .arg("kind", format!("@reports.summary.case_kind_name.{kind}"))
                    .count("count", *count)
                    .render(lang)
            })
            .collect();
        text.push_str(
            &Msg::new("reports.summary.case_kinds")
                .arg("parts", parts.join(&separator))
                .render(lang),
        );
    }
    if cases.closed > 0 {
        let closed = Msg::new("reports.summary.cases_closed").count("closed", cases.closed);
        text.push_str(&closed.render(lang));
    }
    if cases.fines > 0.0 {
        let fined = Msg::new("reports.summary.case_fines").amount("fines", &cases.fines_text);
        text.push_str(&fined.render(lang));
    }
    text
}

/// The language a summary is asked in (`zh`, `en`), else `default`.
pub fn language(asked: Option<&str>, default: Lang) -> Result<Lang, AppError> {
    match asked.map(str::trim).filter(|l| !l.is_empty()) {
        None => Ok(default),
        Some(code) => Lang::parse(code).ok_or_else(|| {
            crate::error::field_error(
                "lang",
                Msg::new("reports.summary.bad_lang").arg("lang", code),
            )
        }),
    }
}

/// The summary of a report's own period (1 January to its as-of day), from its figures: no
/// query is run again.
pub fn of_report(report: &ytd::YtdReport, today: NaiveDate, lang: Lang) -> Summary {
    let figures = SummaryFigures {
        from: NaiveDate::from_ymd_opt(report.year, 1, 1).unwrap_or(report.as_of),
        to: report.as_of,
        applications: report.applications,
        grants: report.grants,
        grants_last_year: report.same_period_last_year.grants.total,
        grants_target: report
            .targets
            .get(Metric::Grants.as_str())
            .map(|p| p.target),
        events: report.events.clone(),
        visits: report.visits.clone(),
        inspections: report.inspections.clone(),
        cases: report.cases.clone(),
    };
    Summary {
        from: figures.from,
        to: figures.to,
        lang: lang.code(),
        text: paragraph(&figures, today, lang),
        figures,
    }
}

/// The summary of [from, to] (this year so far by default) in `lang`.
pub async fn summary(
    db: &impl ConnectionTrait,
    asked: Asked<'_>,
    lang: Lang,
) -> Result<Summary, AppError> {
    let settings = settings::service::load(db).await?;
    let today = clock::today(settings.timezone);
    let (from, to) = asked.days(today)?;
    let figures = figures(db, from, to).await?;
    Ok(Summary {
        from,
        to,
        lang: lang.code(),
        text: paragraph(&figures, today, lang),
        figures,
    })
}

/// What a summary is asked for: dates (1 January of the end's year to today when left out), or
/// a named period (so_far, h1, q1…q4, year) of a year (this year when left out) — not both.
#[derive(Debug, Default)]
pub struct Asked<'a> {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub period: Option<&'a str>,
    pub year: Option<i32>,
}

impl Asked<'_> {
    /// The dates asked for. A year without a period is summed up as its report is: so far this
    /// year, the whole of a year gone by.
    pub fn days(&self, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), AppError> {
        let period = self.period.map(str::trim).filter(|p| !p.is_empty());
        if period.is_none() && self.year.is_none() {
            let to = self.to.unwrap_or(today);
            let from = self.from.unwrap_or_else(|| ytd::new_year(to));
            return Ok((from, to));
        }
        if self.from.is_some() || self.to.is_some() {
            let msg = Msg::new("reports.summary.period_and_dates");
            return Err(crate::error::field_error("period", msg));
        }
        let end = ytd::period_end(Some(self.year.unwrap_or(today.year())), None, today)?;
        let chosen = Period::chosen(period, end, today)?;
        Ok(chosen
            .dates(end.year(), end)
            .unwrap_or((ytd::new_year(end), end)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of case has its name for the inside of a sentence, in both languages.
    #[test]
    fn every_case_kind_has_its_name_in_the_paragraph() {
        for lang in Lang::ALL {
            for kind in crate::cases::domain::CaseKind::ALL {
                let key = format!("reports.summary.case_kind_name.{}", kind.as_str());
                assert!(
                    crate::i18n::CATALOG.get(lang, &key).is_some(),
                    "{key} ({lang:?})"
                );
            }
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn counts(invention: i64, utility_model: i64, design: i64) -> Counts {
        Counts {
            invention,
            utility_model,
            design,
            total: invention + utility_model + design,
        }
    }

    #[test]
    fn the_bureau_s_sentence_from_the_numbers() {
        let today = day(2026, 11, 28);
        let figures = SummaryFigures {
            from: day(2026, 1, 1),
            to: today,
            applications: counts(1, 3, 0),
            grants: counts(2, 6, 0),
            grants_last_year: 6,
            grants_target: Some(10),
            events: EventTotals::default(),
            visits: VisitTotals::default(),
            inspections: InspectionTotals::default(),
            cases: CaseFigures::default(),
        };
        assert_eq!(
            paragraph(&figures, today, Lang::ZhCn),
            "今年以来，共申报专利4项，其中发明专利1项、实用新型3项；获得国家专利授权8项，完成年度计划任务的80%，比去年同期增长33%。"
        );
        let english = paragraph(&figures, today, Lang::En);
        assert!(
            english.starts_with(
                "So far this year, 4 patent applications were filed (1 invention, 3 utility models)"
            ),
            "{english}"
        );
        assert!(
            english.contains("80% of the annual target") && english.contains("up 33%"),
            "{english}"
        );
    }

    #[test]
    fn what_has_no_base_is_left_out_and_periods_are_named() {
        let today = day(2026, 11, 28);
        let figures = SummaryFigures {
            from: day(2026, 1, 1),
            to: day(2026, 6, 30),
            applications: counts(0, 0, 0),
            grants: counts(0, 2, 0),
            grants_last_year: 0,
            grants_target: None,
            events: EventTotals::default(),
            visits: VisitTotals::default(),
            inspections: InspectionTotals::default(),
            cases: CaseFigures::default(),
        };
        assert_eq!(
            paragraph(&figures, today, Lang::ZhCn),
            "上半年，共申报专利0项；获得国家专利授权2项。"
        );
        let fewer = SummaryFigures {
            from: day(2026, 4, 1),
            to: day(2026, 6, 30),
            grants_last_year: 4,
            ..figures.clone()
        };
        assert_eq!(
            paragraph(&fewer, today, Lang::ZhCn),
            "第二季度，共申报专利0项；获得国家专利授权2项，比去年同期下降50%。"
        );
        let odd = SummaryFigures {
            from: day(2026, 3, 5),
            to: day(2026, 3, 20),
            ..figures
        };
        assert!(paragraph(&odd, today, Lang::ZhCn).starts_with("2026年3月5日至20日，"));
    }

    #[test]
    fn a_report_looking_back_is_summed_up_for_the_days_its_cards_count() {
        let today = day(2026, 11, 28);
        // (as-of day) → the paragraph's default period, which counts 1 January to that day
        let cases = [
            (today, Period::SoFar),
            (day(2026, 6, 30), Period::FirstHalf),
            (day(2025, 12, 31), Period::Year),
            (day(2026, 10, 31), Period::SoFar),
            (day(2026, 3, 15), Period::SoFar),
            (day(2026, 12, 31), Period::Year),
        ];
        for (as_of, period) in cases {
            let chosen = Period::default_for(as_of, today);
            assert_eq!(chosen, period, "{as_of}");
            let new_year = day(as_of.year(), 1, 1);
            assert_eq!(chosen.dates(as_of.year(), as_of), Some((new_year, as_of)));
        }
    }

    #[test]
    fn a_year_s_first_months_are_named_as_reports_name_them() {
        let today = day(2026, 11, 28);
        // (from, to) → the period's words in Chinese and in English
        let cases = [
            (
                (1, 1),
                (10, 31),
                "2026年1—10月",
                "In the first 10 months of 2026",
            ),
            ((1, 1), (1, 31), "1月份", "In January"),
            (
                (1, 1),
                (2, 28),
                "2026年1—2月",
                "In the first 2 months of 2026",
            ),
            ((1, 1), (3, 31), "第一季度", "In the first quarter"),
            ((1, 1), (6, 30), "上半年", "In the first half of the year"),
            ((1, 1), (11, 28), "今年以来", "So far this year"),
            (
                (1, 1),
                (10, 30),
                "2026年1月1日至10月30日",
                "From 1 January to 30 October 2026",
            ),
            (
                (2, 1),
                (10, 31),
                "2026年2月至10月",
                "From February to October 2026",
            ),
            ((3, 1), (3, 31), "3月份", "In March"),
            (
                (3, 5),
                (3, 20),
                "2026年3月5日至20日",
                "From 5 to 20 March 2026",
            ),
            (
                (3, 5),
                (4, 20),
                "2026年3月5日至4月20日",
                "From 5 March to 20 April 2026",
            ),
            ((12, 7), (12, 7), "2026年12月7日", "On 7 December 2026"),
            // A month's first days are not the month.
            (
                (2, 1),
                (2, 27),
                "2026年2月1日至27日",
                "From 1 to 27 February 2026",
            ),
        ];
        for ((fm, fd), (tm, td), zh, en) in cases {
            let (from, to) = (day(2026, fm, fd), day(2026, tm, td));
            assert_eq!(period_words(from, to, today, Lang::ZhCn), zh, "{from}–{to}");
            assert_eq!(period_words(from, to, today, Lang::En), en, "{from}–{to}");
        }
        // Another year's half and quarters are named with their year.
        let words = |from, to| period_words(from, to, today, Lang::ZhCn);
        assert_eq!(words(day(2025, 1, 1), day(2025, 6, 30)), "2025年上半年");
        assert_eq!(words(day(2025, 10, 1), day(2025, 12, 31)), "2025年第四季度");
        let english = period_words(day(2025, 4, 1), day(2025, 6, 30), today, Lang::En);
        assert_eq!(english, "In the second quarter of 2025");
        let leap = (day(2028, 1, 1), day(2028, 2, 29));
        assert_eq!(
            period_words(leap.0, leap.1, today, Lang::ZhCn),
            "2028年1—2月"
        );
        // Another year's month is named with its year.
        let (first, last) = (day(2025, 11, 1), day(2025, 11, 30));
        assert_eq!(words(first, last), "2025年11月");
        let english = period_words(first, last, today, Lang::En);
        assert_eq!(english, "In November 2025");
        // Across a new year, each end says its year.
        let across = |from, to, lang| period_words(from, to, today, lang);
        let (nov, feb) = (day(2025, 11, 1), day(2026, 2, 28));
        assert_eq!(across(nov, feb, Lang::ZhCn), "2025年11月至2026年2月");
        assert_eq!(
            across(nov, feb, Lang::En),
            "From November 2025 to February 2026"
        );
        let (late, early) = (day(2025, 12, 15), day(2026, 1, 10));
        assert_eq!(
            across(late, early, Lang::ZhCn),
            "2025年12月15日至2026年1月10日"
        );
        assert_eq!(
            across(late, early, Lang::En),
            "From 15 December 2025 to 10 January 2026"
        );
    }

    #[test]
    fn a_summary_is_asked_for_by_dates_or_by_a_period_of_a_year() {
        let today = day(2026, 11, 28);
        let dates = |from, to| Asked {
            from,
            to,
            ..Asked::default()
        };
        let period = |period, year| Asked {
            period,
            year,
            ..Asked::default()
        };
        // (what was asked) → its days
        let cases = [
            (dates(None, None), (day(2026, 1, 1), today)),
            (
                dates(None, Some(day(2025, 5, 31))),
                (day(2025, 1, 1), day(2025, 5, 31)),
            ),
            (dates(Some(day(2026, 3, 1)), None), (day(2026, 3, 1), today)),
            (
                period(Some("h1"), None),
                (day(2026, 1, 1), day(2026, 6, 30)),
            ),
            (
                period(Some(" q3 "), Some(2025)),
                (day(2025, 7, 1), day(2025, 9, 30)),
            ),
            (period(Some("so_far"), None), (day(2026, 1, 1), today)),
            (
                period(Some("so_far"), Some(2024)),
                (day(2024, 1, 1), day(2024, 12, 31)),
            ),
            (
                period(None, Some(2025)),
                (day(2025, 1, 1), day(2025, 12, 31)),
            ),
            (period(None, Some(2026)), (day(2026, 1, 1), today)),
            (period(Some(""), Some(2026)), (day(2026, 1, 1), today)),
        ];
        for (asked, days) in cases {
            assert_eq!(asked.days(today).ok(), Some(days), "{asked:?}");
        }
        let refused = [
            Asked {
                period: Some("h3"),
                ..Asked::default()
            },
            Asked {
                period: Some("h1"),
                from: Some(day(2026, 1, 1)),
                ..Asked::default()
            },
            Asked {
                year: Some(2025),
                to: Some(day(2025, 3, 1)),
                ..Asked::default()
            },
            period(Some("year"), Some(1899)),
        ];
        for asked in refused {
            assert!(asked.days(today).is_err(), "{asked:?}");
        }
    }

    #[test]
    fn the_days_a_bureau_reports_as_of_are_offered_latest_first() {
        // (today) → the report days offered
        let cases = [
            (
                day(2026, 12, 7),
                vec![day(2026, 11, 30), day(2026, 6, 30), day(2025, 12, 31)],
            ),
            (day(2026, 7, 3), vec![day(2026, 6, 30), day(2025, 12, 31)]),
            (day(2026, 6, 30), vec![day(2026, 5, 31), day(2025, 12, 31)]),
            (day(2026, 1, 15), vec![day(2025, 12, 31)]),
            (day(2028, 3, 1), vec![day(2028, 2, 29), day(2027, 12, 31)]),
        ];
        for (today, days) in cases {
            assert_eq!(report_days(today), days, "{today}");
        }
        // (report day) → its link's words in Chinese and in English
        let words = [
            (day(2026, 11, 30), "2026年1—11月", "Jan–Nov 2026"),
            (day(2026, 1, 31), "2026年1月", "Jan 2026"),
            (day(2026, 6, 30), "2026年上半年", "First half of 2026"),
            (day(2025, 12, 31), "2025年全年", "All of 2025"),
        ];
        for (day, zh, en) in words {
            assert_eq!(report_day_words(day, Lang::ZhCn), zh, "{day}");
            assert_eq!(report_day_words(day, Lang::En), en, "{day}");
        }
    }

    #[test]
    fn publicity_events_join_the_sentence_when_there_were_any() {
        let today = day(2026, 11, 28);
        let figures = SummaryFigures {
            from: day(2026, 1, 1),
            to: day(2026, 6, 30),
            applications: counts(0, 0, 0),
            grants: counts(0, 2, 0),
            grants_last_year: 0,
            grants_target: None,
            events: EventTotals {
                events: 3,
                attendees: 550,
                materials_count: 1100,
                consultations: 30,
            },
            visits: VisitTotals::default(),
            inspections: InspectionTotals::default(),
            cases: CaseFigures::default(),
        };
        assert_eq!(
            paragraph(&figures, today, Lang::ZhCn),
            "上半年，共申报专利0项；获得国家专利授权2项；开展知识产权宣传活动3次，发放宣传资料1100份，接受群众咨询30人次。"
        );
        let english = paragraph(&figures, today, Lang::En);
        assert!(
            english.ends_with("; 3 IP publicity events were held, handing out 1,100 materials and answering 30 consultations."),
            "{english}"
        );
    }

    #[test]
    fn visits_follow_the_events_with_what_came_of_them() {
        let today = day(2026, 11, 28);
        let visits = |visits, materials_count, filed_enterprises| VisitTotals {
            visits,
            materials_count,
            effect: crate::visits::query::Effect {
                visited_enterprises: 9,
                filed_enterprises,
                share_percent: None,
            },
        };
        let mut figures = SummaryFigures {
            from: day(2026, 1, 1),
            to: day(2026, 6, 30),
            applications: counts(0, 0, 0),
            grants: counts(0, 2, 0),
            grants_last_year: 0,
            grants_target: None,
            events: EventTotals {
                events: 1,
                attendees: 50,
                materials_count: 100,
                consultations: 5,
            },
            visits: visits(12, 60, 3),
            inspections: InspectionTotals::default(),
            cases: CaseFigures::default(),
        };
        assert!(
            paragraph(&figures, today, Lang::ZhCn).ends_with(
                "接受群众咨询5人次；深入企业走访12家次，发放政策资料60份，走访后已有3家企业提交专利申请。"
            ),
            "{}",
            paragraph(&figures, today, Lang::ZhCn)
        );
        figures.visits = visits(4, 0, 0);
        assert!(
            paragraph(&figures, today, Lang::ZhCn)
                .ends_with("接受群众咨询5人次；深入企业走访4家次。")
        );
        let english = paragraph(&figures, today, Lang::En);
        assert!(
            english.ends_with("; officers made 4 visits to enterprises."),
            "{english}"
        );
    }

    #[test]
    fn named_periods_have_their_days() {
        let today = day(2026, 11, 28);
        assert_eq!(
            Period::Quarter(1).dates(2026, today),
            Some((day(2026, 1, 1), day(2026, 3, 31)))
        );
        assert_eq!(
            Period::Quarter(4).dates(2026, today),
            Some((day(2026, 10, 1), day(2026, 12, 31)))
        );
        assert_eq!(
            Period::FirstHalf.dates(2026, today),
            Some((day(2026, 1, 1), day(2026, 6, 30)))
        );
        assert_eq!(
            Period::SoFar.dates(2026, today),
            Some((day(2026, 1, 1), today))
        );
        assert_eq!(Period::parse("q3"), Some(Period::Quarter(3)));
        assert_eq!(Period::parse("q5"), None);
        // (the month's name, the year, its days)
        let months = [
            ("m2", 2028, (day(2028, 2, 1), day(2028, 2, 29))),
            ("m2", 2026, (day(2026, 2, 1), day(2026, 2, 28))),
            ("m11", 2026, (day(2026, 11, 1), day(2026, 11, 30))),
            ("m12", 2026, (day(2026, 12, 1), day(2026, 12, 31))),
        ];
        for (name, year, days) in months {
            let month = Period::parse(name);
            assert_eq!(month.map(Period::as_str), Some(name));
            assert_eq!(
                month.and_then(|m| m.dates(year, today)),
                Some(days),
                "{name}"
            );
        }
        for name in ["m0", "m13", "m"] {
            assert_eq!(Period::parse(name), None, "{name}");
        }
        // The period chosen: the one named, else the report's own; a name that is none refused.
        let half = day(2026, 6, 30);
        assert_eq!(
            Period::chosen(Some(" m3 "), half, today).ok(),
            Some(Period::Month(3))
        );
        assert_eq!(
            Period::chosen(Some(""), half, today).ok(),
            Some(Period::FirstHalf)
        );
        assert_eq!(Period::chosen(None, today, today).ok(), Some(Period::SoFar));
        assert!(Period::chosen(Some("h3"), half, today).is_err());
        // Every period's name reads back as it.
        for period in Period::all() {
            assert_eq!(Period::parse(period.as_str()), Some(period));
        }
    }
}
