//! The home page: the dashboard — the year so far against the plan and last year, its chart,
//! the cases whose deadlines are overdue or near, the visits' follow-ups coming due, the
//! enterprises without a township, the recent imports — and the jurisdiction.

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
    /// This year, when its holidays are not loaded yet; from December, next year too.
    calendar_missing: Option<MissingYear>,
    /// An administrator of an SQLite desk is asked for a copy of it when none is recent.
    backup_due: Option<BackupDue>,
    /// Active enterprises with no township, to be filled in.
    without_township: u64,
}

#[derive(Serialize)]
struct BackupDue {
    /// The sentence that says so.
    message: &'static str,
    days: i64,
}

/// The dashboard's backup notice, when [`backup::reminder_for`] asks for one.
async fn backup_due(
    state: &AppState,
    page: &PageContext,
    empty_desk: bool,
) -> Result<Option<BackupDue>, AppError> {
    use crate::settings::backup::{self, Reminder};
    let role = page.user.as_ref().map(|u| u.role);
    let due = backup::reminder_for(&state.db, role, empty_desk).await?;
    Ok(due.map(|due| match due {
        Reminder::Never => BackupDue {
            message: "settings.backup.never",
            days: 0,
        },
        Reminder::DaysAgo(days) => BackupDue {
            message: "settings.backup.days_ago",
            days,
        },
    }))
}

#[derive(Serialize)]
struct RecentImport {
    id: i64,
    file: String,
    at: String,
    state: String,
}

/// A year whose holidays the dashboard asks for: this year while it is not loaded (deadlines
/// would count its holidays as working days), and from December next year too, since deadlines of
/// cases opened now reach into it.
#[derive(Debug, PartialEq, Serialize)]
struct MissingYear {
    year: i32,
    /// The sentence that says so.
    message: &'static str,
}

async fn calendar_missing(
    state: &AppState,
    today: NaiveDate,
) -> Result<Option<MissingYear>, AppError> {
    let loaded = crate::calendar::service::loaded_years(&state.db).await?;
    Ok(year_to_load(today, &loaded))
}

fn year_to_load(today: NaiveDate, loaded: &std::collections::BTreeSet<i32>) -> Option<MissingYear> {
    let this = today.year();
    if !loaded.contains(&this) {
        return Some(MissingYear {
            year: this,
            message: "calendar.this_year_missing",
        });
    }
    (today.month() == 12 && !loaded.contains(&(this + 1))).then_some(MissingYear {
        year: this + 1,
        message: "calendar.next_year_missing",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_year_s_holidays_and_from_december_next_year_s_are_asked_for() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
        let years = |years: &[i32]| years.iter().copied().collect();
        let asked = |today, loaded: &[i32]| year_to_load(today, &years(loaded)).map(|m| m.year);
        // (today, years loaded) → the year asked for
        let cases = [
            (day(3, 1), &[][..], Some(2026)),
            (day(11, 30), &[2025][..], Some(2026)),
            (day(11, 30), &[2026][..], None),
            (day(12, 1), &[2026][..], Some(2027)),
            (day(12, 1), &[2027][..], Some(2026)),
            (day(12, 31), &[2026, 2027][..], None),
        ];
        for (today, loaded, year) in cases {
            assert_eq!(asked(today, loaded), year, "{today} with {loaded:?}");
        }
        assert_eq!(
            year_to_load(day(12, 1), &years(&[2026])).map(|m| m.message),
            Some("calendar.next_year_missing")
        );
        assert_eq!(
            year_to_load(day(5, 1), &years(&[])).map(|m| m.message),
            Some("calendar.this_year_missing")
        );
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
    let empty_desk = crate::demo::desk_is_empty(&state.db).await?;
    let view = HomeView {
        aliases: page.settings.jurisdiction.aliases.clone(),
        townships,
        agencies,
        timezone: timezone.name(),
        today: today.to_string(),
        follow_ups: crate::visits::query::follow_ups_due(&state.db, today).await?,
        cases: crate::cases::query::pressing(&state.db).await?,
        calendar_missing: calendar_missing(state, today).await?,
        backup_due: backup_due(state, &page, empty_desk).await?,
        without_township: crate::enterprises::query::without_township(&state.db).await?,
        empty_desk,
        report,
        chart,
        imports: crate::import::service::latest(&state.db, 5)
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
