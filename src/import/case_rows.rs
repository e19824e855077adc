//! Cases from an officer's old ledger, or from the register's own export: the particulars as the
//! form takes them, the kind and source from the words ledgers use, and — for a new case — its
//! steps one a line, each checked as the case page checks it (order, dates, two officers holding
//! certificates, the penalty cap).

use std::collections::HashSet;

use chrono::NaiveDate;

use super::ledger_rows::{bracketed, officers, part_named};
use super::plan::RowReader;
use crate::cases::domain::{CaseInput, CaseKind, MoneyInput, PartyInput, Source};
use crate::cases::workflow::{self, Officers, Outcome, Step, StepInput, Taken, ValidStep};
use crate::enterprises::domain::name_key;
use crate::error::AppError;
use crate::fields::split_names;
use crate::i18n::{Lang, Msg, t};

/// A code (`counterfeiting`) or its name in either language, or the words of old ledgers.
fn kind_of(words: &str) -> Option<CaseKind> {
    let key = name_key(words);
    let named = CaseKind::ALL.into_iter().find(|kind| {
        key == kind.as_str()
            || Lang::ALL
                .iter()
                .any(|lang| name_key(&t(*lang, &format!("cases.kind.{}", kind.as_str()))) == key)
    });
    named.or_else(|| {
        [
            ("冒充", CaseKind::PassingOff),
            ("假冒", CaseKind::Counterfeiting),
            ("侵权", CaseKind::InfringementDispute),
            ("标识", CaseKind::IrregularMarking),
            ("标注", CaseKind::IrregularMarking),
            ("纠纷", CaseKind::OtherDispute),
        ]
        .into_iter()
        .find(|(word, _)| key.contains(word))
        .map(|(_, kind)| kind)
    })
}

fn source_of(words: &str) -> Option<Source> {
    let key = name_key(words);
    let named = Source::ALL.into_iter().find(|source| {
        key == source.as_str()
            || Lang::ALL.iter().any(|lang| {
                name_key(&t(*lang, &format!("cases.source.{}", source.as_str()))) == key
            })
    });
    named.or_else(|| {
        [
            ("检查", Source::Inspection),
            ("投诉", Source::Complaint),
            ("举报", Source::Complaint),
            ("移送", Source::Referral),
            ("交办", Source::Referral),
            ("网", Source::Online),
            ("监测", Source::Online),
        ]
        .into_iter()
        .find(|(word, _)| key.contains(word))
        .map(|(_, source)| source)
    })
}

/// The case a row describes, and its step lines.
pub fn case_input(reader: &mut RowReader<'_>) -> (CaseInput, Vec<String>) {
    let kind = match reader.text("kind") {
        Some(words) => kind_of(&words).map_or(words, |k| k.as_str().to_owned()),
        None => String::new(),
    };
    let source = match reader.text("source") {
        None => Source::Other.as_str().to_owned(),
        Some(words) => source_of(&words).map_or_else(
            || {
                let msg = Msg::new("import.ledger.source_other").arg("source", &words);
                reader.warn("source", &words, msg);
                Source::Other.as_str().to_owned()
            },
            |s| s.as_str().to_owned(),
        ),
    };
    let mut party = |prefix: &str| PartyInput {
        name: reader.text(&format!("{prefix}_name")),
        credit_code: reader.text(&format!("{prefix}_credit_code")),
        address: reader.text(&format!("{prefix}_address")),
    };
    let respondent = party("respondent");
    let complainant = party("complainant");
    let input = CaseInput {
        case_number: reader.text("case_number"),
        kind,
        source,
        inspection_id: None,
        problem: None,
        received_on: reader
            .date("received_on")
            .map(|d| d.to_string())
            .unwrap_or_default(),
        complainant,
        respondent,
        product: reader.text("product"),
        claimed_patent_number: reader.text("claimed_patent_number"),
        facts: reader.text("facts"),
    };
    (input, reader.lines("steps"))
}

fn step_of(words: &str) -> Option<Step> {
    let key = name_key(words);
    Step::ALL.into_iter().find(|step| {
        key == step.as_str()
            || Lang::ALL.iter().any(|lang| {
                name_key(&t(*lang, &format!("cases.step_name.{}", step.as_str()))) == key
            })
    })
}

fn outcome_of(words: &str) -> String {
    let key = name_key(words);
    Outcome::ALL
        .into_iter()
        .find(|o| {
            key == o.as_str()
                || Lang::ALL.iter().any(|lang| {
                    name_key(&t(*lang, &format!("cases.outcome.{}", o.as_str()))) == key
                })
        })
        .map_or_else(|| words.to_owned(), |o| o.as_str().to_owned())
}

fn yes(words: &str) -> bool {
    let key = name_key(words);
    ["是", "yes", "true", "1"].contains(&key.as_str())
}

/// A step as one line of a cell, as the export writes it: "2026-04-30 决定：没收违法所得并处罚款
/// （执法人员：张三、李四；处理结果：行政处罚；罚款：24000）".
pub fn step_input(line: &str, users: &[(String, String)]) -> StepInput {
    let part_of = |label: &str| {
        let parts = [
            "officers",
            "outcome",
            "illegal_gains",
            "fine",
            "approver",
            "hearing_requested",
        ];
        let extra = [
            ("办案人员", "officers"),
            ("承办人", "officers"),
            ("结果", "outcome"),
        ];
        part_named(label, "cases.step_part", &parts, &extra)
    };
    let (head, parts) = bracketed(line, part_of).unwrap_or_else(|| (line.to_owned(), Vec::new()));
    let head = head.trim();
    let (on, rest) = head.split_once(char::is_whitespace).unwrap_or((head, ""));
    let (step, note) = match rest.trim().split_once(['：', ':']) {
        Some((step, note)) => (step.trim(), Some(note.trim().to_owned())),
        None => (rest.trim(), None),
    };
    let mut input = StepInput {
        step: step_of(step).map_or_else(|| step.to_owned(), |s| s.as_str().to_owned()),
        on: on.to_owned(),
        note: note.filter(|n| !n.is_empty()),
        ..StepInput::default()
    };
    for (part, value) in parts {
        match part {
            "officers" => input.officers = officers(split_names(&value), users),
            "outcome" => input.outcome = Some(outcome_of(&value)),
            "illegal_gains" => input.illegal_gains = MoneyInput::Text(value),
            "fine" => input.fine = MoneyInput::Text(value),
            "approver" => input.approver = Some(value),
            _ => input.hearing_requested = Some(yes(&value)),
        }
    }
    input
}

/// The steps of a new case, each checked as the case page checks it; a line that fails is the
/// row's error, with the line and the reason.
pub fn case_steps(
    reader: &mut RowReader<'_>,
    lines: &[String],
    users: &[(String, String)],
    certified: &HashSet<String>,
    today: NaiveDate,
) -> Vec<ValidStep> {
    let mut steps: Vec<ValidStep> = Vec::new();
    for line in lines {
        let valid = match step_input(line, users).validate(today) {
            Ok(valid) => valid,
            Err(error) => {
                let msg = match error {
                    AppError::Validation(errors) => errors.iter().next().map(|(_, m)| m.clone()),
                    other => Some(other.message()),
                };
                reader.error(
                    "steps",
                    line,
                    msg.unwrap_or_else(|| Msg::new("cases.error.step")),
                );
                return steps;
            }
        };
        let taken: Vec<Taken> = steps
            .iter()
            .map(|s| Taken {
                step: s.step,
                on: s.on,
            })
            .collect();
        let counted = Officers {
            named: valid.officers.len(),
            certified: valid
                .officers
                .iter()
                .filter(|o| certified.contains(*o))
                .count(),
        };
        if let Err(msg) = workflow::check(&taken, valid.step, valid.on, counted) {
            reader.error("steps", line, msg);
            return steps;
        }
        steps.push(valid);
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_lines_read_back_in_either_language() {
        let users = [("zhang".to_owned(), "张三".to_owned())];
        let line = "2026-04-30 决定：没收违法所得并处罚款（执法人员：张三、李四；处理结果：行政处罚；违法所得：8000；罚款：24000）";
        let got = step_input(line, &users);
        assert_eq!(
            (got.step.as_str(), got.on.as_str()),
            ("decided", "2026-04-30")
        );
        assert_eq!(got.note.as_deref(), Some("没收违法所得并处罚款"));
        assert_eq!(got.officers, ["zhang", "李四"]);
        assert_eq!(got.outcome.as_deref(), Some("penalty"));
        assert_eq!(got.fine, MoneyInput::Text("24000".into()));
        let english = step_input(
            "2026-05-02 Extended: complex facts (Approved by: Director)",
            &users,
        );
        assert_eq!(english.step, "extended");
        assert_eq!(english.approver.as_deref(), Some("Director"));
        let plain = step_input("2026-03-05 立案", &users);
        assert_eq!((plain.step.as_str(), plain.note), ("accepted", None));
        let notice = step_input("2026-04-10 告知（要求听证：是）", &users);
        assert_eq!(notice.hearing_requested, Some(true));
    }

    #[test]
    fn kinds_and_sources_from_the_words_of_old_ledgers() {
        let kinds = [
            ("假冒专利", Some(CaseKind::Counterfeiting)),
            ("冒充专利行为", Some(CaseKind::PassingOff)),
            ("专利侵权纠纷案", Some(CaseKind::InfringementDispute)),
            ("Irregular patent marking", Some(CaseKind::IrregularMarking)),
            ("盗窃", None),
        ];
        for (words, kind) in kinds {
            assert_eq!(kind_of(words), kind, "{words}");
        }
        assert_eq!(source_of("群众举报"), Some(Source::Complaint));
        assert_eq!(source_of("市局交办"), Some(Source::Referral));
        assert_eq!(source_of("Online monitoring"), Some(Source::Online));
    }
}
