//! Recording enforcement cases: open one (numbered, unique even when two officers open cases at
//! the same moment), change its particulars at the version last read, record its steps in the
//! workflow's order, archive it — each in one transaction with its audit entry.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use super::claim::{self, ClaimCheck};
use super::deadlines::{Deadline, DeadlineStatus, Rule, deadlines};
use super::domain::{CaseInput, CaseKind, Party, Source, ValidCase};
use super::numbering::{self, DEFAULT_PATTERN};
use super::workflow::{self, Officers, Outcome, Status, Step, StepInput, Taken, ValidStep};
use super::{attachments, rules};
use crate::audit::edit::Edit;
use crate::audit::{self, Actor, Changes, Event};
use crate::auth::users;
use crate::calendar::domain::Calendar;
use crate::enterprises::domain::name_key;
use crate::entities::{
    case_event, enforcement_case, enterprise, enterprise_name, inspection, inspection_problem,
    patent,
};
use crate::error::{AppError, field_error};
use crate::i18n::Msg;
use crate::{calendar, db, settings};

/// How often opening a case tries again after another officer took the same number meanwhile.
const NUMBER_ATTEMPTS: usize = 8;

/// The id in a path; anything but a number is no such record.
pub fn parse_id(raw: &str) -> Result<i64, AppError> {
    crate::error::record_id(raw, "cases.not_found")
}

/// A party as shown, with the enterprise it is when the register knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyView {
    pub name: Option<String>,
    pub credit_code: Option<String>,
    pub address: Option<String>,
    pub enterprise_id: Option<i64>,
}

/// The check of the patent number claimed on the product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClaimView {
    pub valid: bool,
    pub number: Option<String>,
    /// What is wrong with the number itself: evidence of counterfeiting.
    pub problems: Vec<Msg>,
    /// A neutral note: a valid number that is not in the local register.
    pub note: Option<Msg>,
    /// The local patent the number is, when it is one.
    pub patent_id: Option<i64>,
}

/// A step as shown.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepView {
    pub id: i64,
    pub step: Step,
    pub on: NaiveDate,
    /// Who recorded it, as stored (a username, or the command line's account).
    pub by: String,
    /// The recorder's real name, when a user with one recorded it: a printed case file names
    /// people, not accounts.
    pub by_name: Option<String>,
    pub officers: Vec<String>,
    pub officer_names: Vec<String>,
    pub note: Option<String>,
    pub approver: Option<String>,
    pub hearing_requested: Option<bool>,
    pub outcome: Option<Outcome>,
    /// In yuan.
    pub illegal_gains: Option<f64>,
    /// In yuan.
    pub fine: Option<f64>,
}

/// A time limit as shown: the computed deadline and, when a year's holidays are missing, why
/// the day may move.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeadlineView {
    #[serde(flatten)]
    pub deadline: Deadline,
    pub warning: Option<Msg>,
}

/// An attachment as listed (its bytes are fetched on their own).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AttachmentView {
    pub id: i64,
    pub step_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: String,
    /// The uploader's real name, when they are a user (the case's page says it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploaded_by_name: Option<String>,
}

/// A case as the pages and the API show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseView {
    pub id: i64,
    pub case_number: String,
    pub kind: CaseKind,
    pub source: Source,
    pub inspection_id: Option<i64>,
    pub inspection_title: Option<String>,
    pub complainant: PartyView,
    pub respondent: PartyView,
    pub product: Option<String>,
    pub claimed_patent_number: Option<String>,
    pub claimed_patent_check: Option<ClaimView>,
    pub facts: Option<String>,
    /// None only for an imported case without steps.
    pub status: Option<Status>,
    pub received_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub steps: Vec<StepView>,
    pub deadlines: Vec<DeadlineView>,
    /// The open deadline due first.
    pub next_deadline: Option<DeadlineView>,
    /// overdue, due_soon (within 5 working days), open, none.
    pub deadline_status: DeadlineState,
    /// In yuan.
    pub illegal_gains: Option<f64>,
    /// In yuan.
    pub fine: Option<f64>,
    pub attachments: Vec<AttachmentView>,
    pub archived: bool,
    pub version: i32,
}

/// Where a case stands against its time limits, for the register's filter and the dashboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    Overdue,
    DueSoon,
    Open,
    None,
}

impl DeadlineState {
    pub const ALL: [DeadlineState; 4] = [
        DeadlineState::Overdue,
        DeadlineState::DueSoon,
        DeadlineState::Open,
        DeadlineState::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineState::Overdue => "overdue",
            DeadlineState::DueSoon => "due_soon",
            DeadlineState::Open => "open",
            DeadlineState::None => "none",
        }
    }

    pub fn parse(raw: &str) -> Option<DeadlineState> {
        DeadlineState::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
    }
}

/// Due within this many working days counts as due soon.
pub const DUE_SOON_WORKING_DAYS: i64 = 5;

/// What working out deadlines needs: the rules in force, the calendar and the county's today.
pub struct Clock {
    pub rules: Vec<Rule>,
    pub calendar: Calendar,
    pub today: NaiveDate,
}

impl Clock {
    pub async fn load(db: &impl ConnectionTrait) -> Result<Clock, AppError> {
        Ok(Clock {
            rules: rules::in_force(db).await?,
            calendar: calendar::service::load(db).await?,
            today: today(db).await?,
        })
    }
}

/// The county's today.
pub async fn today(db: &impl ConnectionTrait) -> Result<NaiveDate, AppError> {
    settings::service::today(db).await
}

pub fn yuan(fen: Option<i64>) -> Option<f64> {
    // Exact for every amount in fen below 2^53.
    fen.map(|f| f as f64 / 100.0)
}

fn list_of(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

fn step_view(row: &case_event::Model, names: &HashMap<String, String>) -> Option<StepView> {
    let officers = list_of(&row.officers);
    Some(StepView {
        id: row.id,
        step: Step::parse(&row.step)?,
        on: row.happened_on,
        by: row.recorded_by.clone(),
        by_name: names
            .get(&row.recorded_by)
            .filter(|name| !name.trim().is_empty())
            .cloned(),
        officer_names: officers
            .iter()
            .map(|o| names.get(o).cloned().unwrap_or_else(|| o.clone()))
            .collect(),
        officers,
        note: row.note.clone(),
        approver: row.approver.clone(),
        hearing_requested: row.hearing_requested,
        outcome: row.outcome.as_deref().and_then(Outcome::parse),
        illegal_gains: yuan(row.illegal_gains),
        fine: yuan(row.fine),
    })
}

fn deadline_view(deadline: Deadline) -> DeadlineView {
    let warning = (!deadline.unknown_years.is_empty()).then(|| {
        Msg::new("cases.deadline.unknown_year").list_arg("years", &deadline.unknown_years)
    });
    DeadlineView { deadline, warning }
}

/// The open deadline due first, and where the case stands against it.
fn next_deadline(
    all: &[DeadlineView],
    status: Option<Status>,
) -> (Option<DeadlineView>, DeadlineState) {
    if status.is_some_and(Status::is_final) {
        return (None, DeadlineState::None);
    }
    let next = all
        .iter()
        .filter(|d| d.deadline.status != DeadlineStatus::Met)
        .min_by_key(|d| d.deadline.due_on.unwrap_or(NaiveDate::MAX))
        .cloned();
    let state = match &next {
        None => DeadlineState::None,
        Some(d) if d.deadline.status == DeadlineStatus::Overdue => DeadlineState::Overdue,
        Some(d)
            if d.deadline
                .working_days_left
                .is_some_and(|left| left <= DUE_SOON_WORKING_DAYS) =>
        {
            DeadlineState::DueSoon
        }
        Some(_) => DeadlineState::Open,
    };
    (next, state)
}

fn party(
    name: &Option<String>,
    credit_code: &Option<String>,
    address: &Option<String>,
    enterprise_id: Option<i64>,
) -> PartyView {
    PartyView {
        name: name.clone(),
        credit_code: credit_code.clone(),
        address: address.clone(),
        enterprise_id,
    }
}

/// What the views of some cases need besides their rows, each read in one query.
struct Related {
    steps: HashMap<i64, Vec<case_event::Model>>,
    names: HashMap<String, String>,
    inspections: HashMap<i64, String>,
    local_patents: HashMap<String, i64>,
    attachments: HashMap<i64, Vec<AttachmentView>>,
}

async fn related(
    db: &impl ConnectionTrait,
    rows: &[enforcement_case::Model],
) -> Result<Related, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut steps: HashMap<i64, Vec<case_event::Model>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found = case_event::Entity::find()
            .filter(case_event::Column::CaseId.is_in(chunk.iter().copied()))
            .order_by_asc(case_event::Column::CaseId)
            .order_by_asc(case_event::Column::Position)
            .all(db)
            .await?;
        for row in found {
            steps.entry(row.case_id).or_default().push(row);
        }
    }
    let mut attachments = attachments::listed(db, &ids).await?;
    // The officers of every step, who recorded it and who uploaded each file, named by one read
    // of the users.
    let people: Vec<String> = steps
        .values()
        .flatten()
        .flat_map(|s| {
            list_of(&s.officers)
                .into_iter()
                .chain([s.recorded_by.clone()])
        })
        .chain(
            attachments
                .values()
                .flatten()
                .map(|a| a.uploaded_by.clone()),
        )
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let inspection_ids: Vec<i64> = rows.iter().filter_map(|r| r.inspection_id).collect();
    let inspections: HashMap<i64, String> = if inspection_ids.is_empty() {
        HashMap::new()
    } else {
        inspection::Entity::find()
            .select_only()
            .column(inspection::Column::Id)
            .column(inspection::Column::Title)
            .filter(inspection::Column::Id.is_in(inspection_ids))
            .into_tuple::<(i64, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    let numbers: Vec<String> = rows
        .iter()
        .filter_map(|r| r.claimed_patent_number.as_deref())
        .filter_map(|mark| claim::check(mark, None)?.stored)
        .collect();
    let local_patents = if numbers.is_empty() {
        HashMap::new()
    } else {
        patent::Entity::find()
            .select_only()
            .column(patent::Column::ApplicationNumber)
            .column(patent::Column::Id)
            .filter(patent::Column::ApplicationNumber.is_in(numbers))
            .into_tuple::<(String, i64)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    let names = users::real_names(db, &people).await?;
    for attachment in attachments.values_mut().flatten() {
        attachment.uploaded_by_name = names
            .get(&attachment.uploaded_by)
            .filter(|name| !name.trim().is_empty())
            .cloned();
    }
    Ok(Related {
        steps,
        names,
        inspections,
        local_patents,
        attachments,
    })
}

fn claim_view(mark: &str, local_patents: &HashMap<String, i64>) -> Option<ClaimView> {
    let ClaimCheck {
        valid,
        number,
        stored,
        problems,
        ..
    } = claim::check(mark, None)?;
    let patent_id = stored.as_ref().and_then(|s| local_patents.get(s).copied());
    // Goods on sale carry patents from everywhere: a valid number elsewhere is no offence.
    let note = (valid && patent_id.is_none()).then(|| Msg::new("cases.claim.not_local"));
    Some(ClaimView {
        valid,
        number,
        problems,
        note,
        patent_id,
    })
}

fn taken(steps: &[case_event::Model]) -> Vec<Taken> {
    steps
        .iter()
        .filter_map(|s| {
            Some(Taken {
                step: Step::parse(&s.step)?,
                on: s.happened_on,
            })
        })
        .collect()
}

fn first_on(steps: &[StepView], step: Step) -> Option<NaiveDate> {
    steps.iter().find(|s| s.step == step).map(|s| s.on)
}

fn case_view(row: &enforcement_case::Model, related: &mut Related, clock: &Clock) -> CaseView {
    let rows = related.steps.remove(&row.id).unwrap_or_default();
    let steps: Vec<StepView> = rows
        .iter()
        .filter_map(|s| step_view(s, &related.names))
        .collect();
    let taken = taken(&rows);
    let status = workflow::status(&taken);
    let kind = CaseKind::parse(&row.kind).unwrap_or(CaseKind::Counterfeiting);
    let penalty = rows.iter().any(|s| {
        let outcome = s.outcome.as_deref().and_then(Outcome::parse);
        workflow::imposes_penalty(outcome, s.fine, s.illegal_gains)
    });
    let all: Vec<DeadlineView> = deadlines(
        &clock.rules,
        &clock.calendar,
        kind,
        penalty,
        &taken,
        clock.today,
    )
    .into_iter()
    .map(deadline_view)
    .collect();
    let (next, deadline_status) = next_deadline(&all, status);
    CaseView {
        id: row.id,
        case_number: row.case_number.clone(),
        kind,
        source: Source::parse(&row.source).unwrap_or(Source::Other),
        inspection_id: row.inspection_id,
        inspection_title: row
            .inspection_id
            .and_then(|id| related.inspections.get(&id).cloned()),
        complainant: party(
            &row.complainant_name,
            &row.complainant_credit_code,
            &row.complainant_address,
            row.complainant_enterprise_id,
        ),
        respondent: party(
            &row.respondent_name,
            &row.respondent_credit_code,
            &row.respondent_address,
            row.respondent_enterprise_id,
        ),
        product: row.product.clone(),
        claimed_patent_number: row.claimed_patent_number.clone(),
        claimed_patent_check: row
            .claimed_patent_number
            .as_deref()
            .and_then(|mark| claim_view(mark, &related.local_patents)),
        facts: row.facts.clone(),
        status,
        received_on: first_on(&steps, Step::Received),
        accepted_on: first_on(&steps, Step::Accepted),
        closed_on: first_on(&steps, Step::Closed)
            .or_else(|| first_on(&steps, Step::Declined))
            .or_else(|| first_on(&steps, Step::Referred)),
        steps,
        deadlines: all,
        next_deadline: next,
        deadline_status,
        illegal_gains: yuan(row.illegal_gains),
        fine: yuan(row.fine),
        attachments: related.attachments.remove(&row.id).unwrap_or_default(),
        archived: row.archived_at.is_some(),
        version: row.version,
    }
}

impl CaseView {
    /// The case's particulars as input again (an import's comparison, its undo).
    pub fn valid(&self) -> ValidCase {
        let party = |p: &PartyView| Party {
            name: p.name.clone(),
            credit_code: p.credit_code.clone(),
            address: p.address.clone(),
        };
        ValidCase {
            case_number: Some(self.case_number.clone()),
            kind: self.kind,
            source: self.source,
            inspection_id: self.inspection_id,
            problem: None,
            received_on: None,
            complainant: party(&self.complainant),
            respondent: party(&self.respondent),
            product: self.product.clone(),
            claimed_patent_number: self.claimed_patent_number.clone(),
            facts: self.facts.clone(),
        }
    }
}

/// The cases of these rows as shown, as of the clock's today.
pub async fn views(
    db: &impl ConnectionTrait,
    rows: &[enforcement_case::Model],
    clock: &Clock,
) -> Result<Vec<CaseView>, AppError> {
    let mut related = related(db, rows).await?;
    Ok(rows
        .iter()
        .map(|row| case_view(row, &mut related, clock))
        .collect())
}

async fn row(db: &impl ConnectionTrait, id: i64) -> Result<enforcement_case::Model, AppError> {
    enforcement_case::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("cases.not_found")))
}

pub async fn view(db: &impl ConnectionTrait, id: i64) -> Result<CaseView, AppError> {
    let clock = Clock::load(db).await?;
    let row = row(db, id).await?;
    let mut views = views(db, std::slice::from_ref(&row), &clock).await?;
    views
        .pop()
        .ok_or_else(|| AppError::NotFound(Msg::new("cases.not_found")))
}

/// The enterprise a party is: by credit code, else by any name the register knows it by.
async fn enterprise_of(db: &impl ConnectionTrait, party: &Party) -> Result<Option<i64>, AppError> {
    if let Some(code) = &party.credit_code {
        let found = enterprise::Entity::find()
            .filter(enterprise::Column::CreditCode.eq(code.as_str()))
            .one(db)
            .await?;
        if let Some(found) = found {
            return Ok(Some(found.id));
        }
    }
    let Some(name) = &party.name else {
        return Ok(None);
    };
    Ok(enterprise_name::Entity::find()
        .filter(enterprise_name::Column::NameKey.eq(name_key(name)))
        .one(db)
        .await?
        .map(|n| n.enterprise_id))
}

async fn fill(
    db: &impl ConnectionTrait,
    active: &mut enforcement_case::ActiveModel,
    valid: &ValidCase,
) -> Result<(), AppError> {
    if let Some(id) = valid.inspection_id
        && inspection::Entity::find_by_id(id).one(db).await?.is_none()
    {
        return Err(field_error(
            "inspection_id",
            Msg::new("cases.error.no_inspection").arg("id", id),
        ));
    }
    let complainant = enterprise_of(db, &valid.complainant).await?;
    let respondent = enterprise_of(db, &valid.respondent).await?;
    active.kind = Set(valid.kind.as_str().to_owned());
    active.source = Set(valid.source.as_str().to_owned());
    active.inspection_id = Set(valid.inspection_id);
    active.complainant_name = Set(valid.complainant.name.clone());
    active.complainant_credit_code = Set(valid.complainant.credit_code.clone());
    active.complainant_address = Set(valid.complainant.address.clone());
    active.complainant_enterprise_id = Set(complainant);
    active.respondent_name = Set(valid.respondent.name.clone());
    active.respondent_credit_code = Set(valid.respondent.credit_code.clone());
    active.respondent_address = Set(valid.respondent.address.clone());
    active.respondent_enterprise_id = Set(respondent);
    active.product = Set(valid.product.clone());
    active.claimed_patent_number = Set(valid.claimed_patent_number.clone());
    active.facts = Set(valid.facts.clone());
    Ok(())
}

/// The next number of `year` within the caller's transaction.
async fn next_number(db: &impl ConnectionTrait, year: i32) -> Result<String, AppError> {
    let prefix = settings::service::load(db).await?.jurisdiction.case_prefix;
    let existing: Vec<String> = enforcement_case::Entity::find()
        .select_only()
        .column(enforcement_case::Column::CaseNumber)
        .filter(enforcement_case::Column::CaseNumber.contains(year.to_string()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(numbering::next(DEFAULT_PATTERN, &prefix, year, &existing))
}

/// Opens a case: numbered, its clue recorded as the first step, the problem of an inspection it
/// came from linked to it.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &CaseInput,
) -> Result<CaseView, AppError> {
    let valid = input.validate(true, today(db).await?)?;
    for attempt in 1..=NUMBER_ATTEMPTS {
        let txn = db::begin_write(db).await?;
        match insert(&txn, actor, &valid, None).await {
            Ok(id) => {
                txn.commit().await?;
                return view(db, id).await;
            }
            // Another officer took the number meanwhile: the unique index refused the second;
            // the next attempt reads the new highest.
            Err(AppError::Conflict(_))
                if valid.case_number.is_none() && attempt < NUMBER_ATTEMPTS =>
            {
                txn.rollback().await?;
            }
            Err(error) => return Err(error),
        }
    }
    Err(AppError::Conflict(Msg::new("errors.conflict.duplicate")))
}

/// Inserts a validated case within the caller's transaction; `batch` is the import that made it.
/// Returns its id.
pub async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor,
    valid: &ValidCase,
    batch: Option<i64>,
) -> Result<i64, AppError> {
    let received_on = match valid.received_on {
        Some(day) => day,
        None => today(db).await?,
    };
    let case_number = match &valid.case_number {
        Some(number) => {
            number_free(db, number, None).await?;
            number.clone()
        }
        None => next_number(db, received_on.year()).await?,
    };
    let now = Utc::now();
    let mut active = enforcement_case::ActiveModel {
        case_number: Set(case_number),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        archived_at: Set(None),
        import_batch_id: Set(batch),
        ..Default::default()
    };
    fill(db, &mut active, valid).await?;
    let row = active.insert(db).await?;
    if valid.received_on.is_some() {
        let clue = ValidStep {
            step: Step::Received,
            on: received_on,
            note: None,
            officers: Vec::new(),
            approver: None,
            hearing_requested: None,
            outcome: None,
            illegal_gains: None,
            fine: None,
        };
        write_step(db, actor, row.id, 0, &clue).await?;
    }
    if let (Some(inspection_id), Some(problem)) = (valid.inspection_id, valid.problem) {
        link_problem(db, inspection_id, problem, row.id).await?;
    }
    let view = view(db, row.id).await?;
    audit::record(
        db,
        actor,
        Event::new("create", "case", row.id).with(Changes::created(&view)),
    )
    .await?;
    Ok(row.id)
}

/// Inserts a case from an old ledger or an export with the steps it lists (checked as the
/// register checks them when the plan was made), within the caller's transaction; without steps,
/// its clue's day starts it. The case stays at version 1, so that undoing the import finds it
/// unchanged.
pub async fn insert_imported(
    db: &impl ConnectionTrait,
    actor: &Actor,
    valid: &ValidCase,
    steps: &[ValidStep],
    batch: i64,
) -> Result<i64, AppError> {
    if steps.is_empty() {
        return insert(db, actor, valid, Some(batch)).await;
    }
    let without_clue = ValidCase {
        received_on: None,
        ..valid.clone()
    };
    let id = insert(db, actor, &without_clue, Some(batch)).await?;
    for (position, step) in (0..).zip(steps) {
        write_step(db, actor, id, position, step).await?;
    }
    if let Some(decision) = steps.iter().rev().find(|s| s.step == Step::Decided) {
        enforcement_case::ActiveModel {
            id: Set(id),
            illegal_gains: Set(decision.illegal_gains),
            fine: Set(decision.fine),
            ..Default::default()
        }
        .update(db)
        .await?;
    }
    Ok(id)
}

/// A number given by hand (an old ledger's) must be no other case's.
async fn number_free(
    db: &impl ConnectionTrait,
    number: &str,
    except: Option<i64>,
) -> Result<(), AppError> {
    let taken = enforcement_case::Entity::find()
        .filter(enforcement_case::Column::CaseNumber.eq(number))
        .one(db)
        .await?;
    match taken {
        Some(other) if Some(other.id) != except => Err(field_error(
            "case_number",
            Msg::new("cases.error.number_taken").arg("number", number),
        )),
        _ => Ok(()),
    }
}

/// Marks the problem at `position` of the inspection as having led to the case.
async fn link_problem(
    db: &impl ConnectionTrait,
    inspection_id: i64,
    position: usize,
    case_id: i64,
) -> Result<(), AppError> {
    let position = i32::try_from(position).unwrap_or(i32::MAX);
    let problem = inspection_problem::Entity::find()
        .filter(inspection_problem::Column::InspectionId.eq(inspection_id))
        .filter(inspection_problem::Column::Position.eq(position))
        .one(db)
        .await?
        .ok_or_else(|| field_error("problem", Msg::new("cases.error.no_problem")))?;
    if let Some(other) = problem.case_id {
        return Err(field_error(
            "problem",
            Msg::new("cases.error.problem_has_case").arg("id", other),
        ));
    }
    let mut active = problem.into_active_model();
    active.case_id = Set(Some(case_id));
    active.update(db).await?;
    Ok(())
}

async fn write_step(
    db: &impl ConnectionTrait,
    actor: &Actor,
    case_id: i64,
    position: i32,
    step: &ValidStep,
) -> Result<case_event::Model, AppError> {
    let row = case_event::ActiveModel {
        case_id: Set(case_id),
        position: Set(position),
        step: Set(step.step.as_str().to_owned()),
        happened_on: Set(step.on),
        note: Set(step.note.clone()),
        officers: Set(serde_json::to_string(&step.officers).unwrap_or_else(|_| "[]".into())),
        approver: Set(step.approver.clone()),
        hearing_requested: Set(step.hearing_requested),
        outcome: Set(step.outcome.map(|o| o.as_str().to_owned())),
        illegal_gains: Set(step.illegal_gains),
        fine: Set(step.fine),
        recorded_by: Set(actor.name.clone()),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

/// Changes a case's particulars, last read at `version` (its steps are recorded one by one).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    version: i32,
    input: &CaseInput,
) -> Result<CaseView, AppError> {
    let valid = input.validate(false, today(db).await?)?;
    let edit = Edit::begin(db).await?;
    let mut after = replace(&edit.txn, actor, (id, version), &valid).await?;
    edit.finish_at(&mut after.version, version).await?;
    Ok(after)
}

/// Gives the case `id`, last read at `version`, the particulars of `valid`, within the caller's
/// transaction (the importer's updates come here too).
pub async fn replace(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    (id, version): (i64, i32),
    valid: &ValidCase,
) -> Result<CaseView, AppError> {
    let (before, mut active) = locked(txn, id, version).await?;
    if let Some(number) = &valid.case_number {
        number_free(txn, number, Some(id)).await?;
        active.case_number = Set(number.clone());
    }
    fill(txn, &mut active, valid).await?;
    finish(txn, actor, active, before, "update").await
}

/// The case `id` locked for a change, if it is still at `version`.
async fn locked(
    txn: &impl ConnectionTrait,
    id: i64,
    version: i32,
) -> Result<(CaseView, enforcement_case::ActiveModel), AppError> {
    let old = enforcement_case::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("cases.not_found")))?;
    // The version last read must still be the stored one: else someone changed it meanwhile.
    if old.version != version {
        return Err(AppError::Conflict(
            Msg::new("cases.changed_by_someone_else").arg("number", &old.case_number),
        ));
    }
    let before = view(txn, id).await?;
    Ok((before, old.into_active_model()))
}

/// Writes a changed case with its next version and audits the change as `action`.
async fn finish(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    mut active: enforcement_case::ActiveModel,
    before: CaseView,
    action: &str,
) -> Result<CaseView, AppError> {
    active.version = Set(before.version + 1);
    active.updated_at = Set(Utc::now());
    active.update(txn).await?;
    let after = view(txn, before.id).await?;
    let changes = Changes::diff(&before, &after);
    audit::record(
        txn,
        actor,
        Event::new(action, "case", before.id).with(changes),
    )
    .await?;
    Ok(after)
}

/// Records a step of the case: it must fit where the case stands, be dated no earlier than the
/// step before, and — for investigation and decision — name two officers holding certificates.
/// A decision's gains and fine become the case's.
pub async fn add_step(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: &StepInput,
) -> Result<CaseView, AppError> {
    let valid = input.validate(today(db).await?)?;
    let txn = db::begin_write(db).await?;
    let current = row(&txn, id).await?.version;
    let after = record_step(&txn, actor, (id, current), &valid).await?;
    txn.commit().await?;
    Ok(after)
}

/// Records a validated step on the case `id` at `version`, within the caller's transaction.
pub async fn record_step(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    (id, version): (i64, i32),
    valid: &ValidStep,
) -> Result<CaseView, AppError> {
    let (before, mut active) = locked(txn, id, version).await?;
    let rows = case_event::Entity::find()
        .filter(case_event::Column::CaseId.eq(id))
        .order_by_asc(case_event::Column::Position)
        .all(txn)
        .await?;
    let officers = users::officer_keys(txn, &valid.officers).await?;
    let counted = Officers {
        named: officers.len(),
        certified: users::certified(txn, &officers).await?,
    };
    workflow::check(&taken(&rows), valid.step, valid.on, counted)
        .map_err(|msg| field_error(step_field(valid.step, &msg), msg))?;
    let step = ValidStep {
        officers,
        ..valid.clone()
    };
    let position = rows.last().map_or(0, |r| r.position + 1);
    write_step(txn, actor, id, position, &step).await?;
    if step.step == Step::Decided {
        active.illegal_gains = Set(step.illegal_gains);
        active.fine = Set(step.fine);
    }
    finish(txn, actor, active, before, "step").await
}

/// The field a refused step is told on.
fn step_field(step: Step, msg: &Msg) -> &'static str {
    match msg.key.as_str() {
        "cases.step.before_previous" => "on",
        "cases.step.two_officers" if step.needs_two_officers() => "officers",
        _ => "step",
    }
}

/// Archives or restores a case last read at `version`; archived ones count nowhere.
pub async fn set_archived(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    version: i32,
    archived: bool,
) -> Result<CaseView, AppError> {
    let txn = db::begin_write(db).await?;
    let (before, mut active) = locked(&txn, id, version).await?;
    active.archived_at = Set(archived.then(Utc::now));
    let action = if archived { "archive" } else { "restore" };
    let after = finish(&txn, actor, active, before, action).await?;
    txn.commit().await?;
    Ok(after)
}
