//! What an updated ledger row changes: each of its cells that writes over the register's value,
//! told with the value it replaces, as an updated patent or enterprise is (see
//! [`RowReader::tell_changes`]). The fields are read as a person reads them in the register.

use super::plan::{FieldTexts, RowReader, joined};
use crate::cases::domain::{Party, ValidCase};
use crate::events::domain::ValidEvent;
use crate::events::service::EventView;
use crate::inspections::domain::{Problem, ValidInspection};
use crate::inspections::service::InspectionView;
use crate::visits::domain::{FollowUp, ValidVisit};

/// Tells what an event row changes of the stored event.
pub fn tell_event(reader: &mut RowReader<'_>, before: &EventView, after: &ValidEvent) {
    let stored = before.valid();
    reader.tell_changes(event_texts(&stored), event_texts(after));
    if !stored.same_enterprises(after) {
        let names = before.enterprises.iter().map(|e| e.name.as_str());
        reader.replaces("enterprises", joined(names));
    }
}

/// Tells what an inspection row changes of the stored inspection.
pub fn tell_inspection(
    reader: &mut RowReader<'_>,
    before: &InspectionView,
    after: &ValidInspection,
) {
    reader.tell_changes(inspection_texts(&before.valid()), inspection_texts(after));
}

/// Tells what a visit row changes of the stored visit (whose enterprise and day it shares). The
/// township an enterprise gains from a visit is told on its own (see `visit_township`).
pub fn tell_visit(reader: &mut RowReader<'_>, before: &ValidVisit, after: &ValidVisit) {
    reader.tell_changes(visit_texts(before), visit_texts(after));
}

/// Tells what a case row changes of the stored case's particulars (whose number it shares).
pub fn tell_case(reader: &mut RowReader<'_>, before: &ValidCase, after: &ValidCase) {
    reader.tell_changes(case_texts(before), case_texts(after));
}

fn event_texts(event: &ValidEvent) -> FieldTexts {
    vec![
        ("kind", Some(format!("@{}", event.kind.label_key()))),
        ("title", Some(event.title.clone())),
        ("starts_on", Some(event.starts_on.to_string())),
        ("ends_on", Some(event.ends_on.to_string())),
        ("location", event.location.clone()),
        ("lead_unit", event.lead_unit.clone()),
        (
            "co_organisers",
            joined(event.co_organisers.iter().map(String::as_str)),
        ),
        ("audience", event.audience.clone()),
        ("attendees", figure(event.attendees)),
        ("materials_count", figure(event.materials_count)),
        ("consultations", figure(event.consultations)),
        ("summary", event.summary.clone()),
        ("notes", event.notes.clone()),
    ]
}

fn inspection_texts(inspection: &ValidInspection) -> FieldTexts {
    let agencies = inspection.partner_agencies.iter().map(String::as_str);
    let problems: Vec<String> = inspection.problems.iter().map(problem_text).collect();
    vec![
        ("title", Some(inspection.title.clone())),
        ("starts_on", Some(inspection.starts_on.to_string())),
        ("ends_on", Some(inspection.ends_on.to_string())),
        ("lead_agency", inspection.lead_agency.clone()),
        ("partner_agencies", joined(agencies)),
        ("area", inspection.area.clone()),
        ("places", inspection.places.clone()),
        ("staff_count", figure(inspection.staff_count)),
        ("premises_inspected", figure(inspection.premises_inspected)),
        ("goods_checked", figure(inspection.goods_checked)),
        (
            "marked_goods_checked",
            figure(inspection.marked_goods_checked),
        ),
        ("problems", joined(problems.iter().map(String::as_str))),
        ("notes", inspection.notes.clone()),
    ]
}

fn visit_texts(visit: &ValidVisit) -> FieldTexts {
    let follow_ups: Vec<String> = visit.follow_ups.iter().map(follow_up_text).collect();
    let topics = visit
        .topics
        .iter()
        .map(|topic| format!("@{}", topic.label_key()));
    vec![
        (
            "officers",
            joined(visit.officers.iter().map(String::as_str)),
        ),
        (
            "agencies",
            joined(visit.agencies.iter().map(String::as_str)),
        ),
        (
            "topics",
            (!visit.topics.is_empty()).then(|| crate::i18n::list_text(topics)),
        ),
        ("materials_count", figure(visit.materials_count)),
        ("needs", visit.needs.clone()),
        ("follow_ups", joined(follow_ups.iter().map(String::as_str))),
        ("notes", visit.notes.clone()),
    ]
}

fn case_texts(case: &ValidCase) -> FieldTexts {
    let party = |party: &Party| {
        [
            party.name.clone(),
            party.credit_code.clone(),
            party.address.clone(),
        ]
    };
    let [complainant, complainant_code, complainant_address] = party(&case.complainant);
    let [respondent, respondent_code, respondent_address] = party(&case.respondent);
    vec![
        ("kind", Some(format!("@cases.kind.{}", case.kind.as_str()))),
        (
            "source",
            Some(format!("@cases.source.{}", case.source.as_str())),
        ),
        ("complainant_name", complainant),
        ("complainant_credit_code", complainant_code),
        ("complainant_address", complainant_address),
        ("respondent_name", respondent),
        ("respondent_credit_code", respondent_code),
        ("respondent_address", respondent_address),
        ("product", case.product.clone()),
        ("claimed_patent_number", case.claimed_patent_number.clone()),
        ("facts", case.facts.clone()),
    ]
}

/// A follow-up as one text: the action, then who does it, by when and when it was done.
fn follow_up_text(follow_up: &FollowUp) -> String {
    let days = [follow_up.due_on, follow_up.done_on].map(|day| day.map(|d| d.to_string()));
    let parts: Vec<&str> = std::iter::once(follow_up.owner.as_deref())
        .chain(days.iter().map(Option::as_deref))
        .flatten()
        .collect();
    with_parts(&follow_up.action, &parts)
}

/// A problem found as one text: what was found, then the party and the product it concerns.
fn problem_text(problem: &Problem) -> String {
    let parts: Vec<&str> = [problem.party.as_deref(), problem.product.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    with_parts(&problem.description, &parts)
}

/// `what（part，part）`, or `what` alone when there are no parts.
fn with_parts(what: &str, parts: &[&str]) -> String {
    if parts.is_empty() {
        what.to_owned()
    } else {
        format!("{what}（{}）", parts.join("，"))
    }
}

fn figure(count: Option<i64>) -> Option<String> {
    count.map(|n| n.to_string())
}
