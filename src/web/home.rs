//! The home page: the dashboard — the year so far against the plan and last year, its chart,
//! the visits' follow-ups coming due, the recent imports — and the jurisdiction.

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
}

#[derive(Serialize)]
struct RecentImport {
    id: i64,
    file: String,
    at: String,
    state: String,
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
