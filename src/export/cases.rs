//! The cases register as an export, oldest clue first (a ledger's order): the particulars, where
//! each case stands and its next deadline, and every step one a line as officers write them —
//! "2026-03-10 调查：现场检查（执法人员：张三、李四）". It imports back.

use sea_orm::ConnectionTrait;

use super::writer::{Column, Kind, Total, Value};
use crate::cases::penalty;
use crate::cases::query::{self, CaseFilter};
use crate::cases::service::{CaseView, StepView};
use crate::error::AppError;
use crate::i18n::{Lang, t};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Number,
    CaseNumber,
    ReceivedOn,
    Kind,
    Source,
    Respondent,
    RespondentCreditCode,
    RespondentAddress,
    Complainant,
    ComplainantCreditCode,
    ComplainantAddress,
    Product,
    ClaimedPatentNumber,
    Facts,
    Status,
    IllegalGains,
    Fine,
    NextDeadline,
    Steps,
}

const FIELDS: [Field; 19] = [
    Field::Number,
    Field::CaseNumber,
    Field::ReceivedOn,
    Field::Kind,
    Field::Source,
    Field::Respondent,
    Field::RespondentCreditCode,
    Field::RespondentAddress,
    Field::Complainant,
    Field::ComplainantCreditCode,
    Field::ComplainantAddress,
    Field::Product,
    Field::ClaimedPatentNumber,
    Field::Facts,
    Field::Status,
    Field::IllegalGains,
    Field::Fine,
    Field::NextDeadline,
    Field::Steps,
];

impl Field {
    fn header(self, lang: Lang) -> String {
        let key = match self {
            Field::Number => "export.field.number",
            Field::CaseNumber => "cases.export.case_number",
            Field::ReceivedOn => "cases.export.received_on",
            Field::Kind => "cases.export.kind",
            Field::Source => "cases.export.source",
            Field::Respondent => "cases.export.respondent_name",
            Field::RespondentCreditCode => "cases.export.respondent_credit_code",
            Field::RespondentAddress => "cases.export.respondent_address",
            Field::Complainant => "cases.export.complainant_name",
            Field::ComplainantCreditCode => "cases.export.complainant_credit_code",
            Field::ComplainantAddress => "cases.export.complainant_address",
            Field::Product => "cases.export.product",
            Field::ClaimedPatentNumber => "cases.export.claimed_patent_number",
            Field::Facts => "cases.export.facts",
            Field::Status => "cases.export.status",
            Field::IllegalGains => "cases.export.illegal_gains",
            Field::Fine => "cases.export.fine",
            Field::NextDeadline => "cases.export.next_deadline",
            Field::Steps => "cases.export.steps",
        };
        t(lang, key)
    }

    fn kind(self) -> Kind {
        match self {
            Field::Number => Kind::Integer,
            Field::ReceivedOn => Kind::Date,
            Field::RespondentCreditCode | Field::ComplainantCreditCode => Kind::Identifier,
            Field::IllegalGains | Field::Fine => Kind::Money,
            Field::Facts | Field::Steps | Field::NextDeadline => Kind::Wrap,
            _ => Kind::Text,
        }
    }
}

fn part(label: &str, value: &str, lang: Lang) -> String {
    format!(
        "{}{}{value}",
        t(lang, &format!("cases.step_part.{label}")),
        t(lang, "export.label_separator")
    )
}

/// A step as one line of a cell: "2026-04-30 决定：没收违法所得并处罚款（执法人员：张三、李四；处理
/// 结果：行政处罚；罚款：24000）".
pub fn step_line(step: &StepView, lang: Lang) -> String {
    let mut line = format!(
        "{} {}",
        step.on,
        t(lang, &format!("cases.step_name.{}", step.step.as_str()))
    );
    if let Some(note) = &step.note {
        line.push_str(&t(lang, "export.label_separator"));
        line.push_str(note);
    }
    let mut parts: Vec<String> = Vec::new();
    if !step.officer_names.is_empty() {
        let names = step.officer_names.join(&t(lang, "common.list_separator"));
        parts.push(part("officers", &names, lang));
    }
    if let Some(outcome) = step.outcome {
        let words = t(lang, &format!("cases.outcome.{}", outcome.as_str()));
        parts.push(part("outcome", &words, lang));
    }
    let money = penalty::yuan_text;
    if let Some(gains) = step.illegal_gains {
        parts.push(part("illegal_gains", &money(gains), lang));
    }
    if let Some(fine) = step.fine {
        parts.push(part("fine", &money(fine), lang));
    }
    if let Some(approver) = &step.approver {
        parts.push(part("approver", approver, lang));
    }
    if let Some(hearing) = step.hearing_requested {
        let words = t(lang, if hearing { "common.yes" } else { "common.no" });
        parts.push(part("hearing_requested", &words, lang));
    }
    if !parts.is_empty() {
        line.push_str(&t(lang, "export.open_bracket"));
        line.push_str(&parts.join(&t(lang, "export.part_separator")));
        line.push_str(&t(lang, "export.close_bracket"));
    }
    line
}

pub struct CaseExport {
    pub filter: CaseFilter,
    pub lang: Lang,
}

impl CaseExport {
    pub fn columns(&self) -> Vec<Column> {
        FIELDS
            .iter()
            .map(|field| Column::new(field.header(self.lang), field.kind()))
            .collect()
    }

    /// The totals row: how many cases.
    pub fn totals(&self) -> Vec<Total> {
        let at = FIELDS
            .iter()
            .position(|f| *f == Field::CaseNumber)
            .unwrap_or(0);
        vec![Total::Count(at)]
    }

    /// Every case the filters select, oldest clue first.
    pub async fn cases(&self, db: &impl ConnectionTrait) -> Result<Vec<CaseView>, AppError> {
        let mut cases = query::all(db, &self.filter).await?;
        cases.reverse();
        Ok(cases)
    }

    fn next_deadline(&self, case: &CaseView) -> Value {
        let Some(next) = &case.next_deadline else {
            return Value::Empty;
        };
        let lang = self.lang;
        let rule = next.deadline.rule_words(lang);
        let state = t(
            lang,
            &format!("cases.deadline_state.{}", case.deadline_status.as_str()),
        );
        let due = next.deadline.due_words(lang);
        let separator = t(lang, "export.label_separator");
        Value::Text(format!("{state}{separator}{rule} {due}"))
    }

    pub fn row(&self, case: &CaseView, number: usize) -> Vec<Value> {
        let lang = self.lang;
        let text = |v: &Option<String>| Value::text(v.as_deref());
        let word = |key: String| Value::Text(t(lang, &key));
        FIELDS
            .iter()
            .map(|field| match field {
                Field::Number => Value::number(number),
                Field::CaseNumber => Value::Text(case.case_number.clone()),
                Field::ReceivedOn => Value::from(case.received_on),
                Field::Kind => word(format!("cases.kind.{}", case.kind.as_str())),
                Field::Source => word(format!("cases.source.{}", case.source.as_str())),
                Field::Respondent => text(&case.respondent.name),
                Field::RespondentCreditCode => text(&case.respondent.credit_code),
                Field::RespondentAddress => text(&case.respondent.address),
                Field::Complainant => text(&case.complainant.name),
                Field::ComplainantCreditCode => text(&case.complainant.credit_code),
                Field::ComplainantAddress => text(&case.complainant.address),
                Field::Product => text(&case.product),
                Field::ClaimedPatentNumber => text(&case.claimed_patent_number),
                Field::Facts => text(&case.facts),
                Field::Status => word(format!(
                    "cases.status.{}",
                    case.status.map_or("none", |s| s.as_str())
                )),
                Field::IllegalGains => case.illegal_gains.map_or(Value::Empty, Value::Number),
                Field::Fine => case.fine.map_or(Value::Empty, Value::Number),
                Field::NextDeadline => self.next_deadline(case),
                Field::Steps => Value::joined(case.steps.iter().map(|s| step_line(s, lang)), "\n"),
            })
            .collect()
    }
}
