//! `ipdesk demo`: an empty desk filled with the sample workbooks (those of `import/samples/`,
//! made afresh), imported the ordinary way (so they show in the history and can be undone), for
//! 秭归县 and its townships, so a new user sees a living desk at once. Their dates are moved to
//! end in the week before the day they are loaded (or a day the user names), so the desk is
//! alive in any year: this year's grants, a case registered this week with its deadline ahead.
//! The samples to download are dated the same way.

pub mod routes;

use chrono::{Datelike, NaiveDate};
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::audit::Actor;
use crate::db::stamp::Kept;
use crate::dev::ledger_samples::{CASES_SAMPLE, EVENTS_SAMPLE, INSPECTIONS_SAMPLE, VISITS_SAMPLE};
use crate::dev::samples::{CASE_PREFIX, COUNTY, ENTERPRISES_SAMPLE, PATENTS_SAMPLE, TOWNSHIPS};
use crate::dev::shift::Shift;
use crate::enterprises::query::TownshipSuggestion;
use crate::entities::{
    enforcement_case, enterprise, event, import_batch, inspection, patent, visit,
};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::import::mapping::Choices;
use crate::import::reader::ChildReader;
use crate::import::service::{self, Policy, Report, ReportJson, Request};
use crate::import::spec::Register;
use crate::settings::Settings;
use crate::settings::domain::JurisdictionInput;

/// The samples in the order they load: enterprises first, so patents, visits, events and cases
/// link to them.
const SAMPLES: [(&str, Register); 6] = [
    (ENTERPRISES_SAMPLE, Register::Enterprises),
    (PATENTS_SAMPLE, Register::Patents),
    (VISITS_SAMPLE, Register::Visits),
    (EVENTS_SAMPLE, Register::Events),
    (INSPECTIONS_SAMPLE, Register::Inspections),
    (CASES_SAMPLE, Register::Cases),
];

/// A sample workbook by its file name, to download from the import page and try an import by
/// hand: dated like the demo, up to the week before today.
pub async fn sample(db: &DatabaseConnection, name: &str) -> Result<Vec<u8>, AppError> {
    if !SAMPLES.iter().any(|(file, _)| *file == name) {
        return Err(AppError::no_such_address());
    }
    let today = crate::cases::service::today(db).await?;
    crate::dev::samples::workbook(name, shift_for(today, None)?)
}

pub fn sample_names() -> Vec<&'static str> {
    SAMPLES.iter().map(|(name, _)| *name).collect()
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

/// One sample's import, with what its result tells as every import's does: how many enterprises
/// without a township their patents could then give one (on the imports that concern enterprises).
pub struct LoadedSample {
    pub report: Report,
    pub townships_to_fill: Option<usize>,
}

impl LoadedSample {
    pub fn to_json(&self, lang: crate::i18n::Lang) -> ReportJson {
        self.report.to_json(lang, self.townships_to_fill)
    }
}

/// What the demo loaded: each sample's import, and how many enterprises without a township
/// their patents could give one once all are in (the samples leave some, for the officer to see
/// how; the visits ledger fills others, so this is counted at the end).
pub struct Loaded {
    pub samples: Vec<LoadedSample>,
    pub townships_to_fill: usize,
}

/// What the samples brought: the new records of each register, and the enterprises whose
/// township their patents could fill.
pub fn loaded(loaded: &Loaded) -> Msg {
    let to_fill = loaded.townships_to_fill;
    let key = if to_fill > 0 {
        "demo.loaded_townships"
    } else {
        "demo.loaded"
    };
    Register::ALL
        .into_iter()
        .fold(Msg::new(key), |msg, register| {
            let new: u64 = loaded
                .samples
                .iter()
                .filter(|l| l.report.register == register)
                .map(|l| l.report.counts.new)
                .sum();
            msg.arg(register.as_str(), new)
        })
        .count("townships", to_fill)
}

/// The State Council's holidays of the years the sample cases run in (from the first case's
/// registration to the year after the last, where deadlines may fall), so their deadlines skip
/// them: each year ipdesk knows the notice of and the calendar does not hold yet; a year the
/// calendar holds is left as the admin made it.
async fn load_sample_calendars(
    db: &DatabaseConnection,
    actor: &Actor,
    shift: Shift,
) -> Result<(), AppError> {
    // The cases in the order they were registered.
    let first = crate::dev::ledger_samples::case_registrations(shift)[0].year();
    let last = shift.last_day().year() + 1;
    let loaded = crate::calendar::service::loaded_years(db).await?;
    for year in crate::calendar::notices::years() {
        if (first..=last).contains(&year) && !loaded.contains(&year) {
            crate::calendar::service::load_notice(db, actor, year).await?;
        }
    }
    Ok(())
}

/// The earliest day the samples may be dated up to: before it their earliest applications would
/// predate the twelve-digit application numbers (2003) they are written in.
const EARLIEST_AS_OF: NaiveDate = match NaiveDate::from_ymd_opt(2010, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// The shift for samples loaded on `as_of`, or today: a day after today is refused, since the
/// samples would then record what has not happened.
fn shift_for(today: NaiveDate, as_of: Option<NaiveDate>) -> Result<Shift, AppError> {
    match as_of {
        Some(day) if day < EARLIEST_AS_OF => Err(AppError::BadRequest(
            Msg::new("demo.as_of_early")
                .arg("as_of", day.to_string())
                .arg("earliest", EARLIEST_AS_OF.to_string()),
        )),
        Some(day) if day > today => Err(AppError::BadRequest(
            Msg::new("demo.as_of_future")
                .arg("as_of", day.to_string())
                .arg("today", today.to_string()),
        )),
        Some(day) => Ok(Shift::to(day)),
        None => Ok(Shift::to(today)),
    }
}

/// Whether the samples' county is to be set: refuses a desk set for another county.
fn sample_county_needed(settings: &Settings) -> Result<bool, AppError> {
    match settings.jurisdiction.county.as_deref() {
        Some(county) if county != COUNTY => Err(AppError::Conflict(
            Msg::new("demo.other_county")
                .arg("county", county)
                .arg("sample", COUNTY),
        )),
        Some(_) => Ok(false),
        None => Ok(true),
    }
}

/// The samples' county and its townships.
async fn set_sample_jurisdiction(db: &DatabaseConnection, actor: &Actor) -> Result<(), AppError> {
    let input = JurisdictionInput {
        county: COUNTY.to_owned(),
        case_prefix: CASE_PREFIX.to_owned(),
        ..JurisdictionInput::default()
    };
    let townships = TOWNSHIPS.iter().map(|t| (*t).to_owned()).collect();
    crate::settings::service::set_jurisdiction_and_townships(db, actor, input, Some(townships))
        .await?;
    Ok(())
}

/// Loads the samples, their dates moved to end by `as_of` (today when not given), into an
/// empty desk; refuses a desk that holds records or another county. The township suggestions are
/// counted from `kept` (the server's, so that the next view finds them counted).
pub async fn load(
    db: &DatabaseConnection,
    reader: &ChildReader,
    actor: &Actor,
    as_of: Option<NaiveDate>,
    kept: &Kept<Vec<TownshipSuggestion>>,
) -> Result<Loaded, AppError> {
    if !desk_is_empty(db).await? {
        return Err(AppError::Conflict(Msg::new("demo.not_empty")));
    }
    let settings = crate::settings::service::load(db).await?;
    let shift = shift_for(crate::clock::today(settings.timezone), as_of)?;
    let set_county = sample_county_needed(&settings)?;
    // Nothing is written until the desk, the county and the day have all been checked.
    if set_county {
        set_sample_jurisdiction(db, actor).await?;
    }
    load_sample_calendars(db, actor, shift).await?;
    let mut samples = Vec::new();
    for (name, register) in SAMPLES {
        let request = Request {
            file_name: name.to_owned(),
            bytes: crate::dev::samples::workbook(name, shift)?,
            register,
            sheet: None,
            header_row: None,
            choices: Choices::new(),
            dry_run: false,
            policy: Policy::ValidRows,
        };
        let report = service::run(db, reader, actor, request, &|_, _, _| {}).await?;
        let townships_to_fill =
            service::townships_to_fill(db, kept, report.register, report.committed).await?;
        samples.push(LoadedSample {
            report,
            townships_to_fill,
        });
    }
    let townships_to_fill = crate::enterprises::query::kept_suggestions(db, kept)
        .await?
        .len();
    Ok(Loaded {
        samples,
        townships_to_fill,
    })
}
