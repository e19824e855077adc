//! The home page. Until the dashboard arrives it shows the jurisdiction and what the desk holds.

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
    let view = HomeView {
        aliases: page.settings.jurisdiction.aliases.clone(),
        townships,
        agencies,
        timezone: timezone.name(),
        today: clock::today(timezone).to_string(),
        empty_desk: crate::demo::desk_is_empty(&state.db).await?,
    };
    Ok(page.render("home", view))
}
