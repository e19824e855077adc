//! `ipdesk demo`: an empty desk filled with the sample workbooks of `import/samples/`, imported
//! the ordinary way (so they show in the history and can be undone), for 秭归县 and its
//! townships, so a new user sees a living desk at once.

pub mod routes;

use sea_orm::{DatabaseConnection, EntityTrait};

use crate::audit::Actor;
use crate::dev::ledger_samples::{CASES_SAMPLE, EVENTS_SAMPLE, INSPECTIONS_SAMPLE, VISITS_SAMPLE};
use crate::dev::samples::{COUNTY, ENTERPRISES_SAMPLE, PATENTS_SAMPLE, SAMPLE_YEAR, TOWNSHIPS};
use crate::entities::{
    enforcement_case, enterprise, event, import_batch, inspection, patent, visit,
};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::import::mapping::Choices;
use crate::import::reader::ChildReader;
use crate::import::service::{self, Policy, Report, Request};
use crate::import::spec::Register;
use crate::settings::domain::JurisdictionInput;

/// The samples in the order they load: enterprises first, so patents, visits, events and cases
/// link to them.
const SAMPLES: [(&str, Register, &[u8]); 6] = [
    (
        ENTERPRISES_SAMPLE,
        Register::Enterprises,
        include_bytes!("../../import/samples/enterprises-high-tech-sample.xlsx"),
    ),
    (
        PATENTS_SAMPLE,
        Register::Patents,
        include_bytes!("../../import/samples/patents-grants-sample.xlsx"),
    ),
    (
        VISITS_SAMPLE,
        Register::Visits,
        include_bytes!("../../import/samples/visits-ledger-sample.xlsx"),
    ),
    (
        EVENTS_SAMPLE,
        Register::Events,
        include_bytes!("../../import/samples/events-ledger-sample.xlsx"),
    ),
    (
        INSPECTIONS_SAMPLE,
        Register::Inspections,
        include_bytes!("../../import/samples/inspections-ledger-sample.xlsx"),
    ),
    (
        CASES_SAMPLE,
        Register::Cases,
        include_bytes!("../../import/samples/cases-ledger-sample.xlsx"),
    ),
];

/// A sample workbook by its file name, to download from the import page.
pub fn sample(name: &str) -> Option<&'static [u8]> {
    SAMPLES
        .iter()
        .find(|(file, _, _)| *file == name)
        .map(|(_, _, bytes)| *bytes)
}

pub fn sample_names() -> Vec<&'static str> {
    SAMPLES.iter().map(|(name, _, _)| *name).collect()
}

/// Whether nothing has been recorded or imported yet. Asked on every view of the dashboard:
/// each table is asked for one row, not counted.
pub async fn desk_is_empty(db: &DatabaseConnection) -> Result<bool, AppError> {
    Ok(patent::Entity::find().one(db).await?.is_none()
        && enterprise::Entity::find().one(db).await?.is_none()
        && import_batch::Entity::find().one(db).await?.is_none()
        && visit::Entity::find().one(db).await?.is_none()
        && event::Entity::find().one(db).await?.is_none()
        && inspection::Entity::find().one(db).await?.is_none()
        && enforcement_case::Entity::find().one(db).await?.is_none())
}

/// What the samples brought: the new records of each register.
pub fn loaded(reports: &[Report]) -> Msg {
    Register::ALL
        .into_iter()
        .fold(Msg::new("demo.loaded"), |msg, register| {
            let new: u64 = reports
                .iter()
                .filter(|r| r.register == register)
                .map(|r| r.counts.new)
                .sum();
            msg.arg(register.as_str(), new)
        })
}

/// The State Council's holidays of the samples' year, so the sample cases' deadlines skip them;
/// a year the calendar already holds is left as the admin made it.
async fn load_sample_year_calendar(db: &DatabaseConnection, actor: &Actor) -> Result<(), AppError> {
    if crate::calendar::service::loaded_years(db)
        .await?
        .contains(&SAMPLE_YEAR)
    {
        return Ok(());
    }
    crate::calendar::service::load_notice(db, actor, SAMPLE_YEAR).await?;
    Ok(())
}

/// Loads the samples into an empty desk; refuses a desk that holds records or another county.
pub async fn load(
    db: &DatabaseConnection,
    reader: &ChildReader,
    actor: &Actor,
) -> Result<Vec<Report>, AppError> {
    if !desk_is_empty(db).await? {
        return Err(AppError::Conflict(Msg::new("demo.not_empty")));
    }
    let settings = crate::settings::service::load(db).await?;
    match settings.jurisdiction.county.as_deref() {
        Some(county) if county != COUNTY => {
            return Err(AppError::Conflict(
                Msg::new("demo.other_county")
                    .arg("county", county)
                    .arg("sample", COUNTY),
            ));
        }
        Some(_) => {}
        None => {
            let input = JurisdictionInput {
                county: COUNTY.to_owned(),
                ..JurisdictionInput::default()
            };
            let townships = TOWNSHIPS.iter().map(|t| (*t).to_owned()).collect();
            crate::settings::service::set_jurisdiction_and_townships(
                db,
                actor,
                input,
                Some(townships),
            )
            .await?;
        }
    }
    load_sample_year_calendar(db, actor).await?;
    let mut reports = Vec::new();
    for (name, register, bytes) in SAMPLES {
        let request = Request {
            file_name: name.to_owned(),
            bytes: bytes.to_vec(),
            register,
            sheet: None,
            header_row: None,
            choices: Choices::new(),
            dry_run: false,
            policy: Policy::ValidRows,
        };
        reports.push(service::run(db, reader, actor, request, &|_, _, _| {}).await?);
    }
    Ok(reports)
}
