//! Events and visits from an officer's old ledgers, or from the registers' own exports. A row goes
//! through the same rules as the form and the API (its input validated as theirs is); an event is
//! known by its title and start day, a visit by its enterprise and day. Lists in a cell are split
//! as officers write them (、，；), follow-ups one a line as the export writes them; topics and
//! kinds are recognised from the words old ledgers use.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};

use super::mapping::Mapping;
use super::plan::{Jurisdiction, PlannedRow, RowReader, RowStatus};
use super::spec::Register;
use super::visit_township::{self, TownshipFill};
use super::workbook::Row;
use crate::audit::Actor;
use crate::cases::domain::ValidCase;
use crate::cases::service::CaseView;
use crate::cases::workflow::ValidStep;
use crate::enterprises::domain::name_key;
use crate::entities::{
    enforcement_case, enterprise, event, import_batch_row, inspection, user, visit,
};
use crate::error::AppError;
use crate::events::domain::{EventInput, EventKind, ValidEvent};
use crate::events::service::EventView;
use crate::fields::{CountInput, split_names};
use crate::i18n::{Lang, Msg, t};
use crate::inspections::domain::{InspectionInput, ProblemInput, ValidInspection};
use crate::inspections::service::InspectionView;
use crate::visits::domain::{FollowUpInput, Topic, ValidVisit, VisitInput, VisitedEnterprise};
use crate::visits::service::VisitView;

#[allow(clippy::large_enum_variant)] // a few hundred per import; boxing would only add noise
pub enum LedgerWrite {
    NewEvent(ValidEvent),
    UpdateEvent {
        row: u32,
        before: EventView,
        after: ValidEvent,
    },
    NewVisit(ValidVisit),
    UpdateVisit {
        row: u32,
        before: VisitView,
        after: ValidVisit,
    },
    /// A visited enterprise without a township given the one the row names.
    Township(TownshipFill),
    NewInspection(ValidInspection),
    UpdateInspection {
        row: u32,
        before: InspectionView,
        after: ValidInspection,
    },
    NewCase {
        valid: ValidCase,
        steps: Vec<ValidStep>,
    },
    UpdateCase {
        row: u32,
        at: (i64, i32),
        before: ValidCase,
        after: ValidCase,
    },
}

/// What the rows may name that is stored already.
#[derive(Default)]
pub struct Stored {
    /// Events by title key and start day.
    events: HashMap<(String, NaiveDate), EventView>,
    /// Visits by enterprise and day.
    visits: HashMap<(i64, NaiveDate), VisitView>,
    /// Inspections by title key and start day.
    inspections: HashMap<(String, NaiveDate), InspectionView>,
    /// Cases by number.
    cases: HashMap<String, CaseView>,
    /// Usernames of the users holding an enforcement certificate.
    certified: HashSet<String>,
    /// Enterprises by name key.
    enterprises: HashMap<String, i64>,
    /// The townships of those enterprises (visits only).
    townships: HashMap<i64, Option<i64>>,
    /// Users: username and real name, to keep officers who are users by username.
    users: Vec<(String, String)>,
}

/// The rows' days of `field`, for fetching the records they may match.
fn days(rows: &[&Row], mapping: &Mapping, field: &str, is_1904: bool) -> Vec<NaiveDate> {
    rows.iter()
        .filter_map(|row| RowReader::new(row, mapping, is_1904).date(field))
        .collect()
}

/// The names of enterprises the rows give in `field`.
fn enterprise_keys(rows: &[&Row], mapping: &Mapping, field: &str, is_1904: bool) -> Vec<String> {
    rows.iter()
        .filter_map(|row| RowReader::new(row, mapping, is_1904).peek(field))
        .flat_map(|cell| split_names(&cell))
        .map(|name| name_key(&name))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect()
}

pub async fn fetch(
    db: &impl ConnectionTrait,
    register: Register,
    rows: &[&Row],
    mapping: &Mapping,
    is_1904: bool,
) -> Result<Stored, AppError> {
    let (date_field, names_field) = match register {
        Register::Events => ("starts_on", "enterprises"),
        Register::Inspections => ("starts_on", ""),
        _ => ("visited_on", "enterprise"),
    };
    let keys = enterprise_keys(rows, mapping, names_field, is_1904);
    let mut stored = Stored {
        enterprises: crate::enterprises::service::ids_by_name_key_chunked(db, &keys).await?,
        users: user::Entity::find()
            .select_only()
            .column(user::Column::Username)
            .column(user::Column::RealName)
            .into_tuple()
            .all(db)
            .await?,
        ..Stored::default()
    };
    if register == Register::Cases {
        fetch_cases(db, rows, mapping, is_1904, &mut stored).await?;
        return Ok(stored);
    }
    let days = days(rows, mapping, date_field, is_1904);
    let (Some(first), Some(last)) = (days.iter().min(), days.iter().max()) else {
        return Ok(stored);
    };
    if register == Register::Inspections {
        let found = inspection::Entity::find()
            .filter(inspection::Column::StartsOn.gte(*first))
            .filter(inspection::Column::StartsOn.lte(*last))
            .all(db)
            .await?;
        for view in crate::inspections::service::views(db, &found).await? {
            stored
                .inspections
                .insert((name_key(&view.title), view.starts_on), view);
        }
    } else if register == Register::Events {
        let selected = event::Entity::find()
            .filter(event::Column::StartsOn.gte(*first))
            .filter(event::Column::StartsOn.lte(*last));
        for view in crate::events::query::views(db, selected).await? {
            stored
                .events
                .insert((name_key(&view.title), view.starts_on), view);
        }
    } else {
        let ids = stored.enterprises.values().copied();
        stored.townships = visit_township::fetch(db, ids).await?;
        let found = visit::Entity::find()
            .filter(visit::Column::VisitedOn.gte(*first))
            .filter(visit::Column::VisitedOn.lte(*last))
            .all(db)
            .await?;
        for view in crate::visits::service::views(db, &found).await? {
            stored
                .visits
                .insert((view.enterprise_id, view.visited_on), view);
        }
    }
    Ok(stored)
}

/// The cases the rows' numbers name, and who may act on them.
async fn fetch_cases(
    db: &impl ConnectionTrait,
    rows: &[&Row],
    mapping: &Mapping,
    is_1904: bool,
    stored: &mut Stored,
) -> Result<(), AppError> {
    let numbers: Vec<String> = rows
        .iter()
        .filter_map(|row| RowReader::new(row, mapping, is_1904).peek("case_number"))
        .map(|n| crate::text::clean(&n))
        .collect();
    let clock = crate::cases::service::Clock::load(db).await?;
    for chunk in numbers.chunks(500) {
        let found = enforcement_case::Entity::find()
            .filter(enforcement_case::Column::CaseNumber.is_in(chunk.iter().map(String::as_str)))
            .all(db)
            .await?;
        for view in crate::cases::service::views(db, &found, &clock).await? {
            stored.cases.insert(view.case_number.clone(), view);
        }
    }
    stored.certified = user::Entity::find()
        .filter(user::Column::CertificateNumber.is_not_null())
        .filter(user::Column::CertificateNumber.ne(""))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.username)
        .collect();
    Ok(())
}

/// A count as ledgers write it: "300", "约300人", "1,200份".
fn count(reader: &mut RowReader<'_>, field: &str) -> CountInput {
    let Some(text) = reader.text(field) else {
        return CountInput::None;
    };
    let trimmed = text
        .trim_start_matches('约')
        .trim_end_matches(['人', '次', '份', '册', '本', '张', '余', '多'])
        .replace([',', '，'], "");
    CountInput::Text(trimmed)
}

/// The day of a date field, as the form would send it; a cell that is no date is the reader's
/// error already.
fn day(reader: &mut RowReader<'_>, field: &str) -> String {
    reader
        .date(field)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// The rules' complaints, each on the column of its field.
fn report_invalid(reader: &mut RowReader<'_>, error: AppError, rename: &[(&str, &str)]) {
    match error {
        AppError::Validation(errors) => {
            for (field, msg) in errors.iter() {
                // `follow_ups.0.done_on` is the follow-ups column's.
                let field = field.split('.').next().unwrap_or(field);
                let field = rename
                    .iter()
                    .find(|(from, _)| *from == field)
                    .map_or(field, |(_, to)| *to);
                // A cell the reader refused already (a date that is none) says so once.
                if reader.errors.iter().any(|e| e.field == field) {
                    continue;
                }
                let value = reader.shown(field);
                reader.error(field, value, msg.clone());
            }
        }
        other => reader.error("", "", other.message()),
    }
}

fn event_input(reader: &mut RowReader<'_>, stored: &Stored) -> EventInput {
    let title = reader.text("title").unwrap_or_default();
    let kind = match reader.text("kind") {
        Some(words) => EventKind::from_words(&words).unwrap_or_else(|| {
            reader.warn(
                "kind",
                &words,
                Msg::new("import.ledger.kind_other").arg("kind", &words),
            );
            EventKind::Other
        }),
        // A ledger without a kind column: the title says it, often (4.26知识产权进校园).
        None => EventKind::from_words(&title).unwrap_or(EventKind::Other),
    };
    let mut enterprise_ids = Vec::new();
    for name in split_names(&reader.text("enterprises").unwrap_or_default()) {
        match stored.enterprises.get(&name_key(&name)) {
            Some(id) => enterprise_ids.push(*id),
            None => reader.warn(
                "enterprises",
                &name,
                Msg::new("import.ledger.enterprise_not_linked").arg("name", &name),
            ),
        }
    }
    EventInput {
        kind: kind.as_str().to_owned(),
        title,
        starts_on: day(reader, "starts_on"),
        ends_on: Some(day(reader, "ends_on")),
        location: reader.text("location"),
        lead_unit: reader.text("lead_unit"),
        co_organisers: split_names(&reader.text("co_organisers").unwrap_or_default()),
        audience: reader.text("audience"),
        attendees: count(reader, "attendees"),
        materials_count: count(reader, "materials_count"),
        consultations: count(reader, "consultations"),
        enterprise_ids,
        summary: reader.text("summary"),
        notes: reader.text("notes"),
    }
}

/// The officers as stored: users by username (named by username or real name), others by name.
pub(super) fn officers(names: Vec<String>, users: &[(String, String)]) -> Vec<String> {
    names
        .into_iter()
        .map(|name| {
            users
                .iter()
                .find(|(username, _)| *username == name)
                .or_else(|| users.iter().find(|(_, real)| *real == name))
                .map_or(name, |(username, _)| username.clone())
        })
        .collect()
}

/// Topics from the words of a cell; words that name none are kept in the notes, so that nothing
/// the officer wrote is lost, and the topic is "other".
fn topics(reader: &mut RowReader<'_>, notes: &mut Option<String>) -> Vec<String> {
    let mut topics = Vec::new();
    let mut unknown = Vec::new();
    for words in split_names(&reader.text("topics").unwrap_or_default()) {
        match Topic::from_words(&words) {
            Some(topic) => topics.push(topic.as_str().to_owned()),
            None => {
                topics.push(Topic::Other.as_str().to_owned());
                unknown.push(words);
            }
        }
    }
    if !unknown.is_empty() {
        let text = unknown.join("、");
        reader.warn(
            "topics",
            &text,
            Msg::new("import.ledger.topic_other").arg("words", &text),
        );
        let kept = format!("{}{text}", t(Lang::ZhCn, "import.ledger.topics_note"));
        *notes = Some(match notes.take() {
            Some(existing) => format!("{existing} {kept}"),
            None => kept,
        });
    }
    topics
}

/// A line "head（label：value；label：value）": the head and each labelled value, when every label
/// is one `part_of` knows; else none (a bracket that is part of the text).
pub(super) fn bracketed(
    line: &str,
    part_of: impl Fn(&str) -> Option<&'static str>,
) -> Option<(String, Vec<(&'static str, String)>)> {
    let inner_end = line.strip_suffix('）').or_else(|| line.strip_suffix(')'))?;
    let open = inner_end.rfind(['（', '('])?;
    let bracket_len = inner_end[open..].chars().next().map_or(1, char::len_utf8);
    let mut parts = Vec::new();
    for part in inner_end[open + bracket_len..].split(['；', ';']) {
        let (label, value) = part.split_once(['：', ':'])?;
        parts.push((part_of(label)?, value.trim().to_owned()));
    }
    Some((inner_end[..open].trim().to_owned(), parts))
}

/// The part a label names, in either language (the register's own labels) or in the words of
/// old ledgers (`extra`).
pub(super) fn part_named(
    label: &str,
    section: &str,
    parts: &[&'static str],
    extra: &[(&str, &'static str)],
) -> Option<&'static str> {
    let key = name_key(label);
    parts
        .iter()
        .copied()
        .find(|part| {
            Lang::ALL
                .iter()
                .any(|lang| name_key(&t(*lang, &format!("{section}.{part}"))) == key)
        })
        .or_else(|| {
            extra
                .iter()
                .find(|(word, _)| name_key(word) == key)
                .map(|(_, part)| *part)
        })
}

/// A follow-up as a line of a cell: "联系代理机构（责任人：张三；期限：2026-06-01）", or the action
/// alone. A bracket whose parts are not all known labels is part of the action.
pub fn follow_up(line: &str) -> FollowUpInput {
    let part_of = |label: &str| {
        let extra = [
            ("负责人", "owner"),
            ("责任单位", "owner"),
            ("截止日期", "due_on"),
            ("完成时限", "due_on"),
            ("完成", "done_on"),
            ("办结日期", "done_on"),
        ];
        part_named(
            label,
            "visits.follow_up",
            &["owner", "due_on", "done_on"],
            &extra,
        )
    };
    let Some((action, parts)) = bracketed(line, part_of) else {
        return FollowUpInput {
            action: line.to_owned(),
            ..FollowUpInput::default()
        };
    };
    let mut parsed = FollowUpInput {
        action,
        ..FollowUpInput::default()
    };
    for (part, value) in parts {
        match part {
            "owner" => parsed.owner = Some(value),
            "due_on" => parsed.due_on = Some(value),
            _ => parsed.done_on = Some(value),
        }
    }
    parsed
}

/// A problem an inspection found, as a line of a cell: "标注已失效的专利号（当事人：某超市；产品：
/// 电热水壶）", or the description alone.
pub fn problem(line: &str) -> ProblemInput {
    let part_of = |label: &str| {
        let extra = [
            ("经营者", "party"),
            ("商户", "party"),
            ("涉案单位", "party"),
            ("商品", "product"),
            ("涉案产品", "product"),
        ];
        part_named(label, "inspections.problem", &["party", "product"], &extra)
    };
    let Some((description, parts)) = bracketed(line, part_of) else {
        return ProblemInput {
            description: line.to_owned(),
            ..ProblemInput::default()
        };
    };
    let mut parsed = ProblemInput {
        description,
        ..ProblemInput::default()
    };
    for (part, value) in parts {
        match part {
            "party" => parsed.party = Some(value),
            _ => parsed.product = Some(value),
        }
    }
    parsed
}

fn visit_input(reader: &mut RowReader<'_>, stored: &Stored) -> VisitInput {
    let name = reader.text("enterprise");
    let enterprise_id = name
        .as_deref()
        .and_then(|n| stored.enterprises.get(&name_key(n)).copied());
    if let (Some(name), None) = (&name, enterprise_id) {
        reader.warn(
            "enterprise",
            name,
            Msg::new("import.ledger.new_enterprise").arg("name", name),
        );
    }
    let mut notes = reader.text("notes");
    let topics = topics(reader, &mut notes);
    let officer_names = split_names(&reader.text("officers").unwrap_or_default());
    VisitInput {
        enterprise_id,
        enterprise_name: name,
        visited_on: day(reader, "visited_on"),
        officers: officers(officer_names, &stored.users),
        agencies: split_names(&reader.text("agencies").unwrap_or_default()),
        topics,
        materials_count: count(reader, "materials_count"),
        needs: reader.text("needs"),
        notes,
        follow_ups: reader
            .lines("follow_ups")
            .iter()
            .map(|line| follow_up(line))
            .collect(),
        // The ledger's township is judged apart, with warnings (`visit_township`).
        township: None,
    }
}

/// Judges each row against the stored records: new, updated, unchanged, a duplicate of an
/// earlier row, or invalid with its reasons. Nothing is written.
pub fn plan(
    register: Register,
    rows: &[&Row],
    mapping: &Mapping,
    stored: &Stored,
    jurisdiction: &Jurisdiction,
    (is_1904, today): (bool, NaiveDate),
) -> (Vec<PlannedRow>, Vec<LedgerWrite>) {
    let mut planned = Vec::with_capacity(rows.len());
    let mut writes = Vec::new();
    let mut accepted: HashSet<(String, NaiveDate)> = HashSet::new();
    let mut townships = visit_township::Judge::new(jurisdiction, &stored.townships);
    for row in rows {
        let mut reader = RowReader::new(row, mapping, is_1904);
        let mut township = None;
        let judged = match register {
            Register::Events => {
                let input = event_input(&mut reader, stored);
                input
                    .validate(today)
                    .map_err(|e| {
                        report_invalid(&mut reader, e, &[("enterprise_ids", "enterprises")])
                    })
                    .ok()
                    .filter(|_| reader.errors.is_empty())
                    .map(|valid| judge_event(&mut reader, valid, stored))
            }
            Register::Cases => plan_case(&mut reader, stored, today),
            Register::Inspections => {
                let input = inspection_input(&mut reader);
                input
                    .validate(today)
                    .map_err(|e| report_invalid(&mut reader, e, &[]))
                    .ok()
                    .filter(|_| reader.errors.is_empty())
                    .map(|valid| judge_inspection(&mut reader, valid, stored))
            }
            _ => {
                let input = visit_input(&mut reader, stored);
                let rename = [
                    ("enterprise_name", "enterprise"),
                    ("enterprise_id", "enterprise"),
                ];
                input
                    .validate(today)
                    .map_err(|e| report_invalid(&mut reader, e, &rename))
                    .ok()
                    .filter(|_| reader.errors.is_empty())
                    .map(|valid| {
                        township = townships.judge(&mut reader, &valid.enterprise);
                        judge_visit(&mut reader, valid, stored)
                    })
            }
        };
        let status = match judged {
            None => RowStatus::Invalid,
            Some((key, _)) if !accepted.insert(key.clone()) => RowStatus::DuplicateInFile,
            Some((_, None)) => RowStatus::Unchanged,
            Some((_, Some(write))) => {
                let status = match write {
                    LedgerWrite::NewEvent(_)
                    | LedgerWrite::NewVisit(_)
                    | LedgerWrite::NewInspection(_)
                    | LedgerWrite::NewCase { .. } => RowStatus::New,
                    _ => RowStatus::Updated,
                };
                writes.push(write);
                status
            }
        };
        // After the visit, which registers an enterprise the row names anew; a visit stored
        // already still gives its enterprise the township it lacks, as the preview told.
        if matches!(
            status,
            RowStatus::New | RowStatus::Updated | RowStatus::Unchanged
        ) {
            writes.extend(township.map(LedgerWrite::Township));
        }
        planned.push(reader.done(status));
    }
    (planned, writes)
}

/// What a valid row asks for: nothing (it says what is stored), or a write.
type Judged = Option<LedgerWrite>;

fn judge_event(
    reader: &mut RowReader<'_>,
    valid: ValidEvent,
    stored: &Stored,
) -> ((String, NaiveDate), Judged) {
    let key = (name_key(&valid.title), valid.starts_on);
    let judged = match stored.events.get(&key) {
        None => Some(LedgerWrite::NewEvent(valid)),
        Some(before) => {
            if before.archived {
                reader.warn("title", &valid.title, Msg::new("import.row.archived"));
            }
            if before.valid().same_as(&valid) {
                None
            } else {
                super::ledger_changes::tell_event(reader, before, &valid);
                Some(LedgerWrite::UpdateEvent {
                    row: reader.number(),
                    before: before.clone(),
                    after: valid,
                })
            }
        }
    };
    (key, judged)
}

fn inspection_input(reader: &mut RowReader<'_>) -> InspectionInput {
    InspectionInput {
        title: reader.text("title").unwrap_or_default(),
        starts_on: day(reader, "starts_on"),
        ends_on: Some(day(reader, "ends_on")),
        lead_agency: reader.text("lead_agency"),
        partner_agencies: split_names(&reader.text("partner_agencies").unwrap_or_default()),
        area: reader.text("area"),
        places: reader.text("places"),
        staff_count: count(reader, "staff_count"),
        premises_inspected: count(reader, "premises_inspected"),
        goods_checked: count(reader, "goods_checked"),
        marked_goods_checked: count(reader, "marked_goods_checked"),
        problems: reader
            .lines("problems")
            .iter()
            .map(|line| problem(line))
            .collect(),
        notes: reader.text("notes"),
    }
}

fn judge_inspection(
    reader: &mut RowReader<'_>,
    valid: ValidInspection,
    stored: &Stored,
) -> ((String, NaiveDate), Judged) {
    let key = (name_key(&valid.title), valid.starts_on);
    let judged = match stored.inspections.get(&key) {
        None => Some(LedgerWrite::NewInspection(valid)),
        Some(before) => {
            if before.archived {
                reader.warn("title", &valid.title, Msg::new("import.row.archived"));
            }
            (before.valid() != valid).then(|| {
                super::ledger_changes::tell_inspection(reader, before, &valid);
                LedgerWrite::UpdateInspection {
                    row: reader.number(),
                    before: before.clone(),
                    after: valid,
                }
            })
        }
    };
    (key, judged)
}

/// A case row: its particulars checked as the form checks them; a new case's steps as the case
/// page does.
fn plan_case(
    reader: &mut RowReader<'_>,
    stored: &Stored,
    today: NaiveDate,
) -> Option<((String, NaiveDate), Judged)> {
    let (input, lines) = super::case_rows::case_input(reader);
    let number = input
        .case_number
        .as_deref()
        .map(crate::text::clean)
        .unwrap_or_default();
    let before = stored.cases.get(&number);
    // An old ledger's case may be of the legacy kind, and may list its clue among its steps.
    let valid = match input.validate(false, today) {
        Ok(valid) => valid,
        Err(error) => {
            let error = crate::cases::domain::flat_party_fields(error);
            report_invalid(reader, error, &[]);
            return None;
        }
    };
    let key = (number, NaiveDate::MIN);
    let Some(before) = before else {
        let (users, certified) = (&stored.users, &stored.certified);
        let steps = super::case_rows::case_steps(reader, &lines, users, certified, today);
        return reader
            .errors
            .is_empty()
            .then_some((key, Some(LedgerWrite::NewCase { valid, steps })));
    };
    if before.archived {
        reader.warn(
            "case_number",
            &before.case_number,
            Msg::new("import.row.archived"),
        );
    }
    let current = before.valid();
    // A ledger cannot name the inspection a case came from: the register's link stays.
    let after = ValidCase {
        inspection_id: before.inspection_id,
        ..valid
    };
    let judged = (!current.same_particulars(&after)).then(|| {
        super::ledger_changes::tell_case(reader, &current, &after);
        LedgerWrite::UpdateCase {
            row: reader.number(),
            at: (before.id, before.version),
            before: current,
            after,
        }
    });
    Some((key, judged))
}

fn judge_visit(
    reader: &mut RowReader<'_>,
    valid: ValidVisit,
    stored: &Stored,
) -> ((String, NaiveDate), Judged) {
    let id = match &valid.enterprise {
        VisitedEnterprise::Id(id) => Some(*id),
        VisitedEnterprise::Named(_) => None,
    };
    let key = match &valid.enterprise {
        VisitedEnterprise::Id(id) => (id.to_string(), valid.visited_on),
        VisitedEnterprise::Named(name) => (name_key(name), valid.visited_on),
    };
    let judged = match id.and_then(|id| stored.visits.get(&(id, valid.visited_on))) {
        None => Some(LedgerWrite::NewVisit(valid)),
        Some(before) => {
            if before.archived {
                let name = before.enterprise_name.clone();
                reader.warn("enterprise", name, Msg::new("import.row.archived"));
            }
            let current = before.valid();
            if current == valid {
                None
            } else {
                super::ledger_changes::tell_visit(reader, &current, &valid);
                Some(LedgerWrite::UpdateVisit {
                    row: reader.number(),
                    before: before.clone(),
                    after: valid,
                })
            }
        }
    };
    (key, judged)
}

pub(super) fn before_row<T: serde::Serialize>(
    batch: i64,
    entity: &str,
    id: i64,
    row: u32,
    before: &T,
    after_version: i32,
) -> import_batch_row::ActiveModel {
    import_batch_row::ActiveModel {
        batch_id: Set(batch),
        entity: Set(entity.to_owned()),
        entity_id: Set(id),
        excel_row: Set(i32::try_from(row).unwrap_or(i32::MAX)),
        before: Set(serde_json::to_string(before).unwrap_or_default()),
        after_version: Set(after_version),
        ..Default::default()
    }
}

/// Writes the plan's events or visits within the caller's transaction, each audited as the form
/// would; `tick` hears how many are done.
pub async fn commit(
    db: &impl ConnectionTrait,
    actor: &Actor,
    batch: i64,
    writes: Vec<LedgerWrite>,
    tick: &(dyn Fn(usize) -> Result<(), AppError> + Send + Sync),
) -> Result<(), AppError> {
    // The enterprise a named visit was recorded under, for the row's township that follows it.
    let mut visited: HashMap<String, i64> = HashMap::new();
    for (done, write) in writes.into_iter().enumerate() {
        tick(done)?;
        match write {
            LedgerWrite::NewEvent(valid) => {
                crate::events::service::insert(db, actor, &valid, Some(batch)).await?;
            }
            LedgerWrite::UpdateEvent { row, before, after } => {
                let at = (before.id, before.version);
                let view = crate::events::service::replace(db, actor, at, &after).await?;
                before_row(batch, "event", before.id, row, &before, view.version)
                    .insert(db)
                    .await?;
            }
            LedgerWrite::NewVisit(valid) => {
                let recorded =
                    crate::visits::service::insert(db, actor, &valid, Some(batch)).await?;
                if let VisitedEnterprise::Named(name) = &valid.enterprise {
                    visited.insert(name_key(name), recorded.visit.enterprise_id);
                }
                if recorded.new_enterprise {
                    // Registered for this import: undoing it removes the enterprise too.
                    enterprise::ActiveModel {
                        id: Set(recorded.visit.enterprise_id),
                        import_batch_id: Set(Some(batch)),
                        ..Default::default()
                    }
                    .update(db)
                    .await?;
                }
            }
            LedgerWrite::Township(fill) => {
                visit_township::commit(db, actor, batch, fill, &visited).await?;
            }
            LedgerWrite::NewInspection(valid) => {
                crate::inspections::service::insert(db, actor, &valid, Some(batch)).await?;
            }
            LedgerWrite::UpdateInspection { row, before, after } => {
                let at = (before.id, before.version);
                let view = crate::inspections::service::replace(db, actor, at, &after).await?;
                before_row(batch, "inspection", before.id, row, &before, view.version)
                    .insert(db)
                    .await?;
            }
            LedgerWrite::NewCase { valid, steps } => {
                crate::cases::service::insert_imported(db, actor, &valid, &steps, batch).await?;
            }
            LedgerWrite::UpdateCase {
                row,
                at,
                before,
                after,
            } => {
                let view = crate::cases::service::replace(db, actor, at, &after).await?;
                before_row(batch, "case", at.0, row, &before, view.version)
                    .insert(db)
                    .await?;
            }
            LedgerWrite::UpdateVisit { row, before, after } => {
                let at = (before.id, before.version);
                let recorded = crate::visits::service::replace(db, actor, at, &after).await?;
                let version = recorded.visit.version;
                before_row(batch, "visit", before.id, row, &before, version)
                    .insert(db)
                    .await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_up_lines_read_back_in_either_language() {
        let cases = [
            (
                "联系代理机构（责任人：张三；期限：2026-06-01；完成日期：2026-05-20）",
                (
                    "联系代理机构",
                    Some("张三"),
                    Some("2026-06-01"),
                    Some("2026-05-20"),
                ),
            ),
            (
                "Send the policy booklet (Owner: Li; Due: 2026-06-15)",
                (
                    "Send the policy booklet",
                    Some("Li"),
                    Some("2026-06-15"),
                    None,
                ),
            ),
            ("寄送政策汇编", ("寄送政策汇编", None, None, None)),
            (
                "走访（第二次）回访",
                ("走访（第二次）回访", None, None, None),
            ),
            (
                "协调律师（县司法局）",
                ("协调律师（县司法局）", None, None, None),
            ),
            ("回访（负责人：王五）", ("回访", Some("王五"), None, None)),
        ];
        for (line, (action, owner, due, done)) in cases {
            let got = follow_up(line);
            assert_eq!(got.action, action, "{line}");
            assert_eq!(got.owner.as_deref(), owner, "{line}");
            assert_eq!(got.due_on.as_deref(), due, "{line}");
            assert_eq!(got.done_on.as_deref(), done, "{line}");
        }
    }

    #[test]
    fn problem_lines_read_back() {
        let got = problem("标注已失效的专利号（当事人：某超市；产品：电热水壶）");
        assert_eq!(got.description, "标注已失效的专利号");
        assert_eq!(got.party.as_deref(), Some("某超市"));
        assert_eq!(got.product.as_deref(), Some("电热水壶"));
        let plain = problem("专利号无法核实（待查）");
        assert_eq!(plain.description, "专利号无法核实（待查）");
        let english = problem("Expired patent number (Party: A shop)");
        assert_eq!(english.party.as_deref(), Some("A shop"));
    }

    #[test]
    fn officers_who_are_users_are_kept_by_username() {
        let users = [("zhangsan".to_owned(), "张三".to_owned())];
        let names = vec!["张三".to_owned(), "zhangsan".to_owned(), "老王".to_owned()];
        assert_eq!(officers(names, &users), ["zhangsan", "zhangsan", "老王"]);
    }
}
