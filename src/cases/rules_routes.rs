//! The time limits' page under the settings and their JSON under `/api/v1`: everyone reads the
//! limits in force beside the statutory defaults; admins change a length or bring the default back.

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{Route, State, delete, get, post, put, routes};
use rocket_dyn_templates::Template;
use serde::{Deserialize, Serialize};

use super::rules::{self, RuleInput, RuleView};
use crate::AppState;
use crate::auth::{Admin, Viewer};
use crate::error::{AppError, field_error};
use crate::fields::CountInput;
use crate::i18n::Msg;
use crate::web::forms::{FailedForm, FormResponse};
use crate::web::json::{Body, accepts, body};
use crate::web::layout::{self, PageContext};

pub fn routes() -> Vec<Route> {
    routes![page, save, reset]
}

pub fn api_routes() -> Vec<Route> {
    routes![list_json, set_json, reset_json]
}

#[derive(Serialize)]
struct RulesView {
    rules: Vec<RuleView>,
    units: [&'static str; 3],
    failed: Option<FailedForm>,
}

const UNITS: [&str; 3] = ["days", "months", "working_days"];

async fn render(
    state: &AppState,
    page: &PageContext,
    failed: Option<FailedForm>,
) -> Result<Template, AppError> {
    let view = RulesView {
        rules: rules::views(&state.db).await?,
        units: UNITS,
        failed,
    };
    Ok(page.render("settings/deadlines", view))
}

#[get("/settings/deadlines")]
async fn page(
    _user: Viewer,
    page: PageContext,
    state: &State<AppState>,
) -> Result<Template, AppError> {
    render(state, &page, None).await
}

#[derive(Debug, Default, FromForm, Serialize)]
struct RuleForm {
    #[field(default = String::new())]
    amount: String,
    #[field(default = String::new())]
    unit: String,
    #[field(default = String::new())]
    extension_amount: String,
    #[field(default = String::new())]
    extension_unit: String,
}

#[post("/settings/deadlines/<code>", data = "<form>")]
async fn save(
    admin: Admin,
    page: PageContext,
    state: &State<AppState>,
    code: &str,
    form: Form<RuleForm>,
) -> FormResponse {
    let form = form.into_inner();
    let input = RuleInput {
        amount: form.amount.clone(),
        unit: form.unit.clone(),
        extension_amount: form.extension_amount.clone(),
        extension_unit: form.extension_unit.clone(),
    };
    match rules::set(&state.db, &admin.actor(), code, &input).await {
        Ok(_) => FormResponse::Done(layout::success(
            "/settings/deadlines".to_owned(),
            Msg::new("cases.rules.saved").arg("rule", format!("@cases.rule.{code}")),
        )),
        Err(error) => {
            let values = crate::web::forms::values_of(&form);
            let failed = FailedForm::new(code, None, values).with_error(&error, page.lang);
            let Some(failed) = failed else {
                return FormResponse::Failed(error);
            };
            match render(state, &page, Some(failed)).await {
                Ok(template) => FormResponse::Again(error.status(), template),
                Err(error) => FormResponse::Failed(error),
            }
        }
    }
}

#[post("/settings/deadlines/<code>/reset")]
async fn reset(admin: Admin, state: &State<AppState>, code: &str) -> FormResponse {
    match rules::reset(&state.db, &admin.actor(), code).await {
        Ok(_) => FormResponse::Done(layout::success(
            "/settings/deadlines".to_owned(),
            Msg::new("cases.rules.reset").arg("rule", format!("@cases.rule.{code}")),
        )),
        Err(error) => FormResponse::Failed(error),
    }
}

#[get("/deadline-rules")]
async fn list_json(
    _user: Viewer,
    state: &State<AppState>,
) -> Result<Json<Vec<RuleView>>, AppError> {
    Ok(Json(rules::views(&state.db).await?))
}

/// A rule as the API takes it: in the shape it answers, so that a rule read can be sent back with
/// a change. No extension (`null` or left out) means none.
#[derive(Deserialize)]
struct RuleJson {
    /// The rule as its answer names it; the path names it too, and a body of another rule is
    /// refused rather than written to the path's.
    #[serde(default)]
    code: Option<String>,
    period: PeriodJson,
    #[serde(default)]
    extension: Option<PeriodJson>,
}

/// A length: its amount as a number (as answered) or as text, and its unit.
#[derive(Deserialize)]
struct PeriodJson {
    #[serde(default)]
    amount: CountInput,
    #[serde(default)]
    unit: String,
}

// The answer's other fields say what the rule is and was.
accepts!(
    RuleJson,
    ["default_period", "default_extension", "changed", "version"]
);

/// Where the body holds each field of the form's [`RuleInput`].
const BODY_FIELDS: [(&str, &str); 4] = [
    ("amount", "period.amount"),
    ("unit", "period.unit"),
    ("extension_amount", "extension.amount"),
    ("extension_unit", "extension.unit"),
];

impl PeriodJson {
    fn amount_text(&self) -> String {
        match &self.amount {
            CountInput::None => String::new(),
            CountInput::Number(n) => n.to_string(),
            CountInput::Text(text) => text.clone(),
        }
    }
}

impl From<RuleJson> for RuleInput {
    fn from(json: RuleJson) -> RuleInput {
        let extension = json.extension.as_ref();
        RuleInput {
            amount: json.period.amount_text(),
            unit: json.period.unit.clone(),
            extension_amount: extension.map(PeriodJson::amount_text).unwrap_or_default(),
            extension_unit: extension.map(|e| e.unit.clone()).unwrap_or_default(),
        }
    }
}

#[put("/deadline-rules/<code>", data = "<input>")]
async fn set_json(
    admin: Admin,
    state: &State<AppState>,
    code: &str,
    input: Result<Body<RuleJson>, AppError>,
) -> Result<Json<RuleView>, AppError> {
    let input = body(input)?;
    if let Some(sent) = input.code.as_deref().filter(|sent| sent.trim() != code) {
        let msg = Msg::new("cases.rules.other_rule")
            .arg("sent", sent)
            .arg("code", code);
        return Err(field_error("code", msg));
    }
    let input = RuleInput::from(input);
    let set = rules::set(&state.db, &admin.actor(), code, &input).await;
    let set = set.map_err(|error| {
        BODY_FIELDS
            .iter()
            .fold(error, |error, (from, to)| error.renamed_field(from, to))
    })?;
    Ok(Json(set))
}

#[delete("/deadline-rules/<code>")]
async fn reset_json(
    admin: Admin,
    state: &State<AppState>,
    code: &str,
) -> Result<(Status, Json<RuleView>), AppError> {
    let view = rules::reset(&state.db, &admin.actor(), code).await?;
    Ok((Status::Ok, Json(view)))
}
