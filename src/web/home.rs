//! The home page: the dashboard — the year so far against the plan and last year, its chart,
//! the cases whose deadlines are overdue or near, the visits' follow-ups coming due, the recent imports — and the jurisdiction.

use chrono::{Datelike, NaiveDate};
use rocket::{State, get};
use serde::Serialize;

use crate::auth::Viewer;
use crate::error::AppError;
use crate::settings::lists::{self, ListItem, ListKind};
use crate::{AppState, clock};

use super::layout::PageContext;

#[derive(Serialize)]
struct HomeView {
    aliases: Vec<String>,
    townships: Vec<ListItem>,
    agencies: Vec<ListItem>,
    timezone: &'static str,
    today: String,
    /// Nothing recorded yet: the page offers the sample data.
    empty_desk: bool,
    report: crate::reports::ytd::YtdReport,
    chart: String,
    imports: Vec<RecentImport>,
    /// Visits' follow-ups overdue or due within a week.
    follow_ups: Vec<crate::visits::query::DueFollowUp>,
    /// Open cases overdue or due within 5 working days, the most pressing first.
    cases: Vec<crate::cases::service::CaseView>,
    /// From December: next year, when its holidays are not loaded yet.
    calendar_missing: Option<i32>,
}

#[derive(Serialize)]
struct RecentImport {
    id: i64,
    file: String,
    at: String,
    state: String,
}

/// Next year, when it is December and next year's holidays are not loaded: deadlines of cases
/// opened now reach into it.
async fn calendar_missing(state: &AppState, today: NaiveDate) -> Result<Option<i32>, AppError> {
    if today.month() != 12 {
        return Ok(None);
    }
    let loaded = crate::calendar::service::loaded_years(&state.db).await?;
    Ok(year_to_load(today, &loaded))
}

fn year_to_load(today: NaiveDate, loaded: &std::collections::BTreeSet<i32>) -> Option<i32> {
    let next = today.year() + 1;
    (today.month() == 12 && !loaded.contains(&next)).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_december_next_year_s_holidays_are_asked_for() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
        let none = std::collections::BTreeSet::new();
        let next = std::collections::BTreeSet::from([2027]);
        assert_eq!(year_to_load(day(11, 30), &none), None);
        assert_eq!(year_to_load(day(12, 1), &none), Some(2027));
        assert_eq!(year_to_load(day(12, 31), &next), None);
    }
}

#[get("/")]
pub async fn index(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
) -> Result<rocket_dyn_templates::Template, AppError> {
    let townships = lists::list(&state.db, ListKind::Townships, false).await?;
    let agencies = lists::list(&state.db, ListKind::Agencies, false).await?;
    let timezone = page.settings.timezone;
    let (report, chart) = crate::reports::routes::view_of(state, &page, None, None).await?;
    let today = clock::today(timezone);
    let view = HomeView {
        aliases: page.settings.jurisdiction.aliases.clone(),
        townships,
        agencies,
        timezone: timezone.name(),
        today: today.to_string(),
        follow_ups: crate::visits::query::follow_ups_due(&state.db, today).await?,
        cases: crate::cases::query::pressing(&state.db).await?,
        calendar_missing: calendar_missing(state, today).await?,
        empty_desk: crate::demo::desk_is_empty(&state.db).await?,
        report,
        chart,
        imports: crate::import::service::list(&state.db, 5)
            .await?
            .into_iter()
            .map(|batch| RecentImport {
                id: batch.id,
                file: batch.file_name,
                at: clock::display(batch.created_at, timezone),
                state: batch.state,
            })
            .collect(),
    };
    Ok(page.render("home", view))
}
