//! What a case is: its kind, where it came from, its parties, and the rules of a case as typed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::penalty;
use crate::auth::domain::optional_text;
use crate::enterprises::domain::CreditCode;
use crate::error::{AppError, FieldErrors};
use crate::fields::day_not_far;
use crate::i18n::Msg;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// 假冒专利
    Counterfeiting,
    /// 专利侵权纠纷
    InfringementDispute,
    /// 专利标识不规范
    IrregularMarking,
    /// 其他专利纠纷, handled by mediation
    OtherDispute,
    /// 冒充专利: only as a legacy value from imports (the 2008 law merged it into counterfeiting).
    PassingOff,
}

impl CaseKind {
    pub const ALL: [CaseKind; 5] = [
        CaseKind::Counterfeiting,
        CaseKind::InfringementDispute,
        CaseKind::IrregularMarking,
        CaseKind::OtherDispute,
        CaseKind::PassingOff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Counterfeiting => "counterfeiting",
            CaseKind::InfringementDispute => "infringement_dispute",
            CaseKind::IrregularMarking => "irregular_marking",
            CaseKind::OtherDispute => "other_dispute",
            CaseKind::PassingOff => "passing_off",
        }
    }

    pub fn parse(raw: &str) -> Option<CaseKind> {
        CaseKind::ALL.into_iter().find(|k| k.as_str() == raw.trim())
    }

    /// Kinds a new case may take (冒充专利 only comes from old ledgers).
    pub fn for_new_cases(self) -> bool {
        self != CaseKind::PassingOff
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Inspection,
    /// 投诉举报
    Complaint,
    /// 其他部门移送
    Referral,
    /// 网络监测
    Online,
    Other,
}

impl Source {
    pub const ALL: [Source; 5] = [
        Source::Inspection,
        Source::Complaint,
        Source::Referral,
        Source::Online,
        Source::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Inspection => "inspection",
            Source::Complaint => "complaint",
            Source::Referral => "referral",
            Source::Online => "online",
            Source::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == raw.trim())
    }
}

/// A party as typed or sent: complainant or respondent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PartyInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub credit_code: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

/// A party that satisfies the rules; the credit code, when given, is a valid one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: Option<String>,
    pub credit_code: Option<String>,
    pub address: Option<String>,
}

impl Party {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.credit_code.is_none() && self.address.is_none()
    }
}

/// An amount of money as it arrives: a JSON number of yuan, or text ("1.2万", "¥3,500.50").
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum MoneyInput {
    #[default]
    None,
    Number(serde_json::Number),
    Text(String),
}

impl MoneyInput {
    /// The amount in fen, nothing when empty; else an error on `field`.
    pub fn validate(&self, field: &str, errors: &mut FieldErrors) -> Option<i64> {
        let text = match self {
            MoneyInput::None => return None,
            MoneyInput::Number(n) => n.to_string(),
            MoneyInput::Text(text) => text.clone(),
        };
        penalty::parse_yuan(&text)
            .map_err(|msg| errors.add(field, msg))
            .ok()
            .flatten()
    }
}

/// A case as typed in a form or sent to the API.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CaseInput {
    /// Given only for a case from an old ledger; a new case is numbered.
    #[serde(default)]
    pub case_number: Option<String>,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub inspection_id: Option<i64>,
    /// The problem of that inspection the case comes from (its place in the list, from 0).
    #[serde(default)]
    pub problem: Option<usize>,
    /// The day the clue came in: the case's first step.
    #[serde(default)]
    pub received_on: String,
    #[serde(default)]
    pub complainant: PartyInput,
    #[serde(default)]
    pub respondent: PartyInput,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub claimed_patent_number: Option<String>,
    #[serde(default)]
    pub facts: Option<String>,
}

/// A case that satisfies every rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidCase {
    pub case_number: Option<String>,
    pub kind: CaseKind,
    pub source: Source,
    pub inspection_id: Option<i64>,
    pub problem: Option<usize>,
    pub received_on: Option<NaiveDate>,
    pub complainant: Party,
    pub respondent: Party,
    pub product: Option<String>,
    pub claimed_patent_number: Option<String>,
    pub facts: Option<String>,
}

impl ValidCase {
    /// The same particulars as `other` (what a ledger row can say: not the inspection it came
    /// from, nor the day of its clue, which is a step).
    pub fn same_particulars(&self, other: &ValidCase) -> bool {
        let particulars = |c: &ValidCase| ValidCase {
            inspection_id: None,
            problem: None,
            received_on: None,
            ..c.clone()
        };
        particulars(self) == particulars(other)
    }
}

impl CaseInput {
    /// Checks every field; `new` when the case is being opened (a new case needs the day the clue
    /// came in, and may not take the legacy kind), `today` being the county's day.
    pub fn validate(&self, new: bool, today: NaiveDate) -> Result<ValidCase, AppError> {
        let mut errors = FieldErrors::new();
        let kind = match CaseKind::parse(&self.kind) {
            Some(kind) if kind.for_new_cases() || !new => Some(kind),
            Some(_) => {
                errors.add("kind", Msg::new("cases.error.legacy_kind"));
                None
            }
            None => {
                errors.add("kind", Msg::new("cases.error.kind"));
                None
            }
        };
        let source = Source::parse(&self.source);
        if source.is_none() {
            errors.add("source", Msg::new("cases.error.source"));
        }
        let received_on = day_not_far(&self.received_on, "received_on", today, &mut errors);
        if new && received_on.is_none() && self.received_on.trim().is_empty() {
            errors.add("received_on", Msg::new("cases.error.received_on_required"));
        }
        if received_on.is_some_and(|day| day > today) {
            errors.add("received_on", Msg::new("cases.error.in_future"));
        }
        if self.problem.is_some() && self.inspection_id.is_none() {
            errors.add(
                "inspection_id",
                Msg::new("cases.error.problem_without_inspection"),
            );
        }
        let text = |raw: &Option<String>, max, field: &str, errors: &mut FieldErrors| {
            optional_text(raw.as_deref().unwrap_or_default(), max, field, errors)
        };
        let valid = ValidCase {
            case_number: text(&self.case_number, 100, "case_number", &mut errors),
            kind: kind.unwrap_or(CaseKind::Counterfeiting),
            source: source.unwrap_or(Source::Other),
            inspection_id: self.inspection_id,
            problem: self.problem,
            received_on,
            complainant: party(&self.complainant, "complainant", &mut errors),
            respondent: party(&self.respondent, "respondent", &mut errors),
            product: text(&self.product, 200, "product", &mut errors),
            claimed_patent_number: text(
                &self.claimed_patent_number,
                200,
                "claimed_patent_number",
                &mut errors,
            ),
            facts: text(&self.facts, 5000, "facts", &mut errors),
        };
        if valid.respondent.name.is_none() && valid.kind != CaseKind::OtherDispute {
            errors.add(
                "respondent.name",
                Msg::new("cases.error.respondent_required"),
            );
        }
        errors.into_result()?;
        Ok(valid)
    }
}

/// The names the parties' errors carry in the API, and in flat forms and ledgers.
const PARTY_FIELDS: [(&str, &str); 6] = [
    ("complainant.name", "complainant_name"),
    ("complainant.credit_code", "complainant_credit_code"),
    ("complainant.address", "complainant_address"),
    ("respondent.name", "respondent_name"),
    ("respondent.credit_code", "respondent_credit_code"),
    ("respondent.address", "respondent_address"),
];

/// The error with each party's fields named flat (`respondent_name`), as forms and ledgers name
/// their columns.
pub fn flat_party_fields(error: AppError) -> AppError {
    PARTY_FIELDS
        .iter()
        .fold(error, |error, (from, to)| error.renamed_field(from, to))
}

fn party(input: &PartyInput, field: &str, errors: &mut FieldErrors) -> Party {
    let text = |raw: &Option<String>, max, name: &str, errors: &mut FieldErrors| {
        optional_text(
            raw.as_deref().unwrap_or_default(),
            max,
            &format!("{field}.{name}"),
            errors,
        )
    };
    let credit_code = text(&input.credit_code, 40, "credit_code", errors).and_then(|raw| {
        CreditCode::parse(&raw)
            .map_err(|msg| errors.add(&format!("{field}.credit_code"), msg))
            .ok()
            .map(|code| code.as_str().to_owned())
    });
    Party {
        name: text(&input.name, 200, "name", errors),
        credit_code,
        address: text(&input.address, 500, "address", errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> CaseInput {
        CaseInput {
            kind: "counterfeiting".into(),
            source: "inspection".into(),
            received_on: "2026-10-09".into(),
            respondent: PartyInput {
                name: Some("某五金店".into()),
                ..PartyInput::default()
            },
            ..CaseInput::default()
        }
    }

    fn fields(result: Result<ValidCase, AppError>) -> Vec<String> {
        match result {
            Err(AppError::Validation(errors)) => errors.iter().map(|(f, _)| f.clone()).collect(),
            Ok(_) => vec![],
            other => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn the_rules_of_a_case() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default();
        let cases: [(CaseInput, bool, &[&str]); 9] = [
            (input(), true, &[]),
            (
                CaseInput {
                    kind: "theft".into(),
                    ..input()
                },
                true,
                &["kind"],
            ),
            (
                CaseInput {
                    kind: "passing_off".into(),
                    ..input()
                },
                true,
                &["kind"],
            ),
            (
                CaseInput {
                    kind: "passing_off".into(),
                    ..input()
                },
                false,
                &[],
            ),
            (
                CaseInput {
                    source: "".into(),
                    ..input()
                },
                true,
                &["source"],
            ),
            (
                CaseInput {
                    received_on: "".into(),
                    ..input()
                },
                true,
                &["received_on"],
            ),
            (
                CaseInput {
                    received_on: "2026-12-01".into(),
                    ..input()
                },
                true,
                &["received_on"],
            ),
            (
                CaseInput {
                    respondent: PartyInput {
                        credit_code: Some("91420527MA4901234X".into()),
                        ..PartyInput::default()
                    },
                    ..input()
                },
                true,
                &["respondent.credit_code", "respondent.name"],
            ),
            (
                CaseInput {
                    problem: Some(0),
                    ..input()
                },
                true,
                &["inspection_id"],
            ),
        ];
        for (case, new, expected) in cases {
            assert_eq!(fields(case.validate(new, today)), expected, "{case:?}");
        }
    }

    #[test]
    fn money_reads_as_people_write_it() {
        let mut errors = FieldErrors::new();
        let number = MoneyInput::Number(serde_json::Number::from(12000));
        assert_eq!(number.validate("fine", &mut errors), Some(1_200_000));
        let text = MoneyInput::Text("1.5万".into());
        assert_eq!(text.validate("fine", &mut errors), Some(1_500_000));
        assert!(errors.is_empty());
        assert_eq!(
            MoneyInput::Text("很多".into()).validate("fine", &mut errors),
            None
        );
        assert!(errors.get("fine").is_some());
    }
}
