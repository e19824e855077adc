//! The holiday calendar's page under the settings: a year's holidays and make-up working days;
//! admins add or remove a day, or load a year from the State Council's notice copied into a sheet.

use rocket::form::{Form, FromForm};
use rocket::{Route, State, get, post, routes};
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::api::{self, CalendarUpload, YearJson};
use super::service::{self, DayInput};
use crate::AppState;
use crate::auth::{Admin, Viewer};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::web::forms::{FailedForm, FormResponse};
use crate::web::given::{Given, refused};
use crate::web::layout::{self, PageContext};

pub fn routes() -> Vec<Route> {
    routes![show, set, remove, import, load_notice]
}

#[derive(Serialize)]
struct CalendarView {
    calendar: YearJson,
    failed: Option<FailedForm>,
}

async fn page_of(
    state: &AppState,
    page: &PageContext,
    year: Option<i32>,
    failed: Option<FailedForm>,
) -> Result<Template, AppError> {
    let mut calendar = api::year_of(state, year).await?;
    for day in &mut calendar.days {
        day.name = super::domain::day_name(&day.name, page.lang);
    }
    let view = CalendarView { calendar, failed };
    Ok(page.render("settings/calendar", view))
}

#[get("/settings/calendar?<year>")]
async fn show(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
    year: rocket::form::Result<'_, Given<i32>>,
) -> Result<Template, AppError> {
    let year = year.map_err(refused)?;
    page_of(state, &page, *year, None).await
}

#[derive(Debug, Default, FromForm, Serialize)]
struct DayForm {
    #[field(default = String::new())]
    day: String,
    #[field(default = String::new())]
    kind: String,
    #[field(default = String::new())]
    name: String,
}

fn year_link(day: &str) -> String {
    match crate::dates::parse_optional(day) {
        Ok(Some(d)) => format!("/settings/calendar?year={}", chrono::Datelike::year(&d)),
        _ => "/settings/calendar".to_owned(),
    }
}

/// Shows the page again with the error on the form, or as an error page when it is not the form's.
async fn again(
    state: &AppState,
    page: &PageContext,
    form: FailedForm,
    error: AppError,
) -> FormResponse {
    let status = error.status();
    let Some(failed) = form.with_error(&error, page.lang) else {
        return FormResponse::Failed(error);
    };
    match page_of(state, page, None, Some(failed)).await {
        Ok(template) => FormResponse::Again(status, template),
        Err(error) => FormResponse::Failed(error),
    }
}

#[post("/settings/calendar", data = "<form>")]
async fn set(
    admin: Admin,
    page: PageContext,
    state: &State<AppState>,
    form: Form<DayForm>,
) -> FormResponse {
    let input = DayInput {
        day: form.day.clone(),
        kind: form.kind.clone(),
        name: form.name.clone(),
    };
    match service::set_day(&state.db, &admin.actor(), &input).await {
        Ok(day) => FormResponse::Done(layout::success(
            year_link(&form.day),
            Msg::new("calendar.saved").arg("day", day.day),
        )),
        Err(error) => {
            let values = crate::web::forms::values_of(&form.into_inner());
            again(state, &page, FailedForm::new("day", None, values), error).await
        }
    }
}

#[post("/settings/calendar/<day>/remove")]
async fn remove(admin: Admin, state: &State<AppState>, day: &str) -> FormResponse {
    match service::remove_day(&state.db, &admin.actor(), day).await {
        Ok(()) => FormResponse::Done(layout::success(
            year_link(day),
            Msg::new("calendar.removed").arg("day", day),
        )),
        Err(error) => FormResponse::Failed(error),
    }
}

#[post("/settings/calendar/<year>/notice")]
async fn load_notice(admin: Admin, state: &State<AppState>, year: i32) -> FormResponse {
    match service::load_notice(&state.db, &admin.actor(), year).await {
        Ok(replaced) => FormResponse::Done(layout::success(
            format!("/settings/calendar?year={year}"),
            replaced.message(),
        )),
        Err(error) => FormResponse::Failed(error),
    }
}

#[post("/settings/calendar/import", data = "<form>")]
async fn import(
    admin: Admin,
    page: PageContext,
    state: &State<AppState>,
    mut form: Form<CalendarUpload<'_>>,
) -> FormResponse {
    match api::import_upload(state, &admin, &mut form).await {
        Ok(replaced) => {
            let link = match replaced.years.first() {
                Some(year) => format!("/settings/calendar?year={year}"),
                None => "/settings/calendar".to_owned(),
            };
            FormResponse::Done(layout::success(link, replaced.message()))
        }
        Err(error) => {
            let mut failed = FailedForm::new("calendar_import", None, Default::default());
            failed.message = Some(error.message().render(page.lang));
            let status = error.status();
            if status.code >= 500 {
                return FormResponse::Failed(error);
            }
            match page_of(state, &page, None, Some(failed)).await {
                Ok(template) => FormResponse::Again(status, template),
                Err(error) => FormResponse::Failed(error),
            }
        }
    }
}
