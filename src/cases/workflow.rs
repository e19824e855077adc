//! The enforcement workflow as dated steps: which step may follow which, that no step is dated
//! before the one it follows, and that investigation entries and the decision name at least two
//! officers holding enforcement certificates (行政处罚法 第四十二条).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::domain::MoneyInput;
use super::penalty;
use crate::auth::domain::optional_text;
use crate::error::{AppError, FieldErrors};
use crate::i18n::Msg;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 线索登记
    Received,
    /// 立案
    Accepted,
    /// 不予立案
    Declined,
    /// 调查 (evidence, site checks, interviews), as many as there are
    Investigation,
    /// 告知 of the intended decision
    NoticeServed,
    /// 决定
    Decided,
    /// 送达
    Served,
    /// 公示
    Published,
    /// 结案
    Closed,
    /// 中止: the clock stops
    Suspended,
    /// 恢复: the clock runs again
    Resumed,
    /// 延期, with approval
    Extended,
    /// 移送, to another authority
    Referred,
}

impl Step {
    pub const ALL: [Step; 13] = [
        Step::Received,
        Step::Accepted,
        Step::Declined,
        Step::Investigation,
        Step::NoticeServed,
        Step::Decided,
        Step::Served,
        Step::Published,
        Step::Closed,
        Step::Suspended,
        Step::Resumed,
        Step::Extended,
        Step::Referred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Received => "received",
            Step::Accepted => "accepted",
            Step::Declined => "declined",
            Step::Investigation => "investigation",
            Step::NoticeServed => "notice_served",
            Step::Decided => "decided",
            Step::Served => "served",
            Step::Published => "published",
            Step::Closed => "closed",
            Step::Suspended => "suspended",
            Step::Resumed => "resumed",
            Step::Extended => "extended",
            Step::Referred => "referred",
        }
    }

    pub fn parse(raw: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.as_str() == raw.trim())
    }

    /// Steps that record what officers did and so must name two who hold certificates.
    pub fn needs_two_officers(self) -> bool {
        matches!(self, Step::Investigation | Step::Decided)
    }
}

/// Where a case stands, from its steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A clue, not yet decided whether to open.
    Received,
    /// Opened; under investigation, toward a notice and a decision.
    Open,
    NoticeServed,
    Decided,
    Served,
    Published,
    /// The clock stands still until it is resumed.
    Suspended,
    Declined,
    Referred,
    Closed,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Received,
        Status::Open,
        Status::NoticeServed,
        Status::Decided,
        Status::Served,
        Status::Published,
        Status::Suspended,
        Status::Declined,
        Status::Referred,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Open => "open",
            Status::NoticeServed => "notice_served",
            Status::Decided => "decided",
            Status::Served => "served",
            Status::Published => "published",
            Status::Suspended => "suspended",
            Status::Declined => "declined",
            Status::Referred => "referred",
            Status::Closed => "closed",
        }
    }

    /// No step follows: the case is finished.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Declined | Status::Referred | Status::Closed)
    }
}

/// A step as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taken {
    pub step: Step,
    pub on: NaiveDate,
}

/// The status the steps lead to, and the status before a suspension (to resume into).
fn walk(steps: &[Taken]) -> (Option<Status>, Option<Status>) {
    let mut status = None;
    let mut before_pause = None;
    for taken in steps {
        let next = after(status, before_pause, taken.step);
        if taken.step == Step::Suspended {
            before_pause = status;
        }
        status = next.or(status);
    }
    (status, before_pause)
}

/// The status after `step`, when `step` may follow `status`.
fn after(status: Option<Status>, before_pause: Option<Status>, step: Step) -> Option<Status> {
    use Status as S;
    use Step as T;
    match (status, step) {
        (None, T::Received) => Some(S::Received),
        (Some(S::Received), T::Accepted) => Some(S::Open),
        (Some(S::Received), T::Declined) => Some(S::Declined),
        (Some(S::Received | S::Open | S::NoticeServed), T::Referred) => Some(S::Referred),
        (Some(S::Open), T::Investigation) => Some(S::Open),
        (Some(S::Open), T::NoticeServed) => Some(S::NoticeServed),
        // A dispute settled by mediation is decided without a notice of penalty.
        (Some(S::Open | S::NoticeServed), T::Decided) => Some(S::Decided),
        (Some(S::NoticeServed), T::Investigation) => Some(S::NoticeServed),
        (Some(S::Decided), T::Served) => Some(S::Served),
        (Some(S::Served), T::Published) => Some(S::Published),
        (Some(S::Decided | S::Served | S::Published), T::Closed) => Some(S::Closed),
        (Some(s @ (S::Received | S::Open | S::NoticeServed)), T::Extended) => Some(s),
        (Some(S::Received | S::Open | S::NoticeServed), T::Suspended) => Some(S::Suspended),
        (Some(S::Suspended), T::Resumed) => before_pause,
        _ => None,
    }
}

/// The status of a case with these steps (in the order taken); none before the first.
pub fn status(steps: &[Taken]) -> Option<Status> {
    walk(steps).0
}

/// A step's officers: how many were named, and how many of them hold a certificate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Officers {
    pub named: usize,
    pub certified: usize,
}

/// Whether `step` on `on` may follow `steps`; the reason when not.
pub fn check(steps: &[Taken], step: Step, on: NaiveDate, officers: Officers) -> Result<(), Msg> {
    let (current, before_pause) = walk(steps);
    if after(current, before_pause, step).is_none() {
        let status = current.map_or("none", Status::as_str);
        return Err(Msg::new("cases.step.not_now")
            .arg("step", format!("@cases.step_name.{}", step.as_str()))
            .arg("status", format!("@cases.status.{status}")));
    }
    if let Some(last) = steps.last()
        && on < last.on
    {
        return Err(Msg::new("cases.step.before_previous")
            .arg(
                "previous",
                format!("@cases.step_name.{}", last.step.as_str()),
            )
            .arg("date", last.on));
    }
    if step.needs_two_officers() && officers.certified < 2 {
        return Err(Msg::new("cases.step.two_officers")
            .arg("step", format!("@cases.step_name.{}", step.as_str()))
            .arg("certified", officers.certified));
    }
    Ok(())
}

/// What a decision decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 行政处罚: confiscated gains and a fine
    Penalty,
    /// 责令停止侵权 / 改正
    OrderToStop,
    /// 调解协议
    Mediation,
    /// 违法事实不成立
    NotEstablished,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Penalty,
        Outcome::OrderToStop,
        Outcome::Mediation,
        Outcome::NotEstablished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Penalty => "penalty",
            Outcome::OrderToStop => "order_to_stop",
            Outcome::Mediation => "mediation",
            Outcome::NotEstablished => "not_established",
        }
    }

    pub fn parse(raw: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == raw.trim())
    }
}

/// A step as typed in a form or sent to `POST /api/v1/cases/{id}/steps`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct StepInput {
    #[serde(default)]
    pub step: String,
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub note: Option<String>,
    /// Usernames (or real names) of the officers who acted.
    #[serde(default)]
    pub officers: Vec<String>,
    /// Who approved an extension.
    #[serde(default)]
    pub approver: Option<String>,
    /// On a notice: whether the party asked for a hearing.
    #[serde(default)]
    pub hearing_requested: Option<bool>,
    /// On a decision.
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub illegal_gains: MoneyInput,
    #[serde(default)]
    pub fine: MoneyInput,
}

/// A step whose fields satisfy the rules; whether it fits the case is [`check`]'s to say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidStep {
    pub step: Step,
    pub on: NaiveDate,
    pub note: Option<String>,
    pub officers: Vec<String>,
    pub approver: Option<String>,
    pub hearing_requested: Option<bool>,
    pub outcome: Option<Outcome>,
    /// In fen.
    pub illegal_gains: Option<i64>,
    /// In fen.
    pub fine: Option<i64>,
}

/// Whether a decision imposed a penalty (so the service and publication limits run): said so, or
/// a fine or confiscated gains.
pub fn imposes_penalty(outcome: Option<Outcome>, fine: Option<i64>, gains: Option<i64>) -> bool {
    outcome == Some(Outcome::Penalty) || fine.is_some_and(|f| f > 0) || gains.is_some_and(|g| g > 0)
}

impl StepInput {
    /// Checks the fields of the step, `today` being the county's day (a step is recorded once
    /// taken, never ahead).
    pub fn validate(&self, today: NaiveDate) -> Result<ValidStep, AppError> {
        let mut errors = FieldErrors::new();
        let step = Step::parse(&self.step);
        if step.is_none() {
            errors.add("step", Msg::new("cases.error.step"));
        }
        let on = crate::dates::parse_optional(&self.on)
            .map_err(|msg| errors.add("on", msg))
            .ok()
            .flatten();
        match on {
            None if self.on.trim().is_empty() => {
                errors.add("on", Msg::new("cases.error.on_required"))
            }
            Some(day) if day > today => errors.add("on", Msg::new("cases.error.in_future")),
            _ => {}
        }
        let text = |raw: &Option<String>, max, field: &str, errors: &mut FieldErrors| {
            optional_text(raw.as_deref().unwrap_or_default(), max, field, errors)
        };
        let note = text(&self.note, 5000, "note", &mut errors);
        let approver = text(&self.approver, 200, "approver", &mut errors);
        let outcome = text(&self.outcome, 40, "outcome", &mut errors).and_then(|raw| {
            Outcome::parse(&raw).or_else(|| {
                errors.add("outcome", Msg::new("cases.error.outcome"));
                None
            })
        });
        let illegal_gains = self.illegal_gains.validate("illegal_gains", &mut errors);
        let fine = self.fine.validate("fine", &mut errors);
        if let Some(step) = step {
            step_fields(step, (&note, &approver, outcome), &mut errors);
            if step != Step::Decided && (illegal_gains.is_some() || fine.is_some()) {
                errors.add("fine", Msg::new("cases.error.money_only_on_decision"));
            }
        }
        if let Err(msg) = penalty::check_fine(fine, illegal_gains) {
            errors.add("fine", msg);
        }
        let officers = crate::fields::names(&self.officers, "officers", &mut errors);
        errors.into_result()?;
        Ok(ValidStep {
            step: step.unwrap_or(Step::Investigation),
            on: on.unwrap_or(today),
            note,
            officers,
            approver,
            // Only a notice asks whether the party wants a hearing.
            hearing_requested: self
                .hearing_requested
                .filter(|_| step == Some(Step::NoticeServed)),
            outcome,
            illegal_gains,
            fine,
        })
    }
}

/// What a step must say: why a case is declined, suspended, resumed or referred; who approved an
/// extension; what a decision decided.
fn step_fields(
    step: Step,
    (note, approver, outcome): (&Option<String>, &Option<String>, Option<Outcome>),
    errors: &mut FieldErrors,
) {
    let needs_reason = matches!(
        step,
        Step::Declined | Step::Suspended | Step::Resumed | Step::Referred | Step::Extended
    );
    if needs_reason && note.is_none() {
        errors.add("note", Msg::new("cases.error.reason_required"));
    }
    if step == Step::Extended && approver.is_none() {
        errors.add("approver", Msg::new("cases.error.approver_required"));
    }
    if step == Step::Decided && outcome.is_none() {
        errors.add("outcome", Msg::new("cases.error.outcome_required"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
    }

    fn steps(list: &[(Step, u32, u32)]) -> Vec<Taken> {
        list.iter()
            .map(|(step, m, d)| Taken {
                step: *step,
                on: day(*m, *d),
            })
            .collect()
    }

    const TWO: Officers = Officers {
        named: 2,
        certified: 2,
    };

    #[test]
    fn a_counterfeiting_case_goes_from_clue_to_closed() {
        use Step::*;
        let path = [
            (Received, 3, 2),
            (Accepted, 3, 5),
            (Investigation, 3, 10),
            (Suspended, 3, 20),
            (Resumed, 4, 1),
            (Investigation, 4, 2),
            (NoticeServed, 4, 10),
            (Decided, 4, 30),
            (Served, 5, 6),
            (Published, 5, 20),
            (Closed, 5, 25),
        ];
        let mut taken: Vec<Taken> = Vec::new();
        for (step, m, d) in path {
            assert_eq!(check(&taken, step, day(m, d), TWO), Ok(()), "{step:?}");
            taken.push(Taken {
                step,
                on: day(m, d),
            });
        }
        assert_eq!(status(&taken), Some(Status::Closed));
    }

    #[test]
    fn steps_out_of_place_are_refused_with_the_reason() {
        use Step::*;
        let opened = steps(&[(Received, 3, 2), (Accepted, 3, 5)]);
        // (steps so far, the step, its day, its officers, the refusal expected)
        type Case<'a> = (&'a [Taken], Step, NaiveDate, Officers, Option<&'a str>);
        let cases: [Case; 8] = [
            (&[], Accepted, day(3, 5), TWO, Some("cases.step.not_now")),
            (&opened, Served, day(3, 6), TWO, Some("cases.step.not_now")),
            (&opened, Closed, day(3, 6), TWO, Some("cases.step.not_now")),
            (
                &opened,
                Investigation,
                day(3, 4),
                TWO,
                Some("cases.step.before_previous"),
            ),
            (
                &opened,
                Investigation,
                day(3, 6),
                Officers {
                    named: 2,
                    certified: 1,
                },
                Some("cases.step.two_officers"),
            ),
            (
                &opened,
                Decided,
                day(3, 6),
                Officers::default(),
                Some("cases.step.two_officers"),
            ),
            (&opened, Investigation, day(3, 6), TWO, None),
            (&opened, Resumed, day(3, 6), TWO, Some("cases.step.not_now")),
        ];
        for (taken, step, on, officers, expected) in cases {
            let got = check(taken, step, on, officers).err().map(|m| m.key);
            assert_eq!(got.as_deref(), expected, "{step:?} after {taken:?}");
        }
    }

    #[test]
    fn a_suspended_case_takes_only_a_resumption_and_resumes_where_it_was() {
        use Step::*;
        let taken = steps(&[
            (Received, 3, 2),
            (Accepted, 3, 5),
            (NoticeServed, 3, 9),
            (Suspended, 3, 10),
        ]);
        assert_eq!(status(&taken), Some(Status::Suspended));
        assert!(check(&taken, Decided, day(3, 11), TWO).is_err());
        let mut resumed = taken.clone();
        resumed.push(Taken {
            step: Resumed,
            on: day(3, 20),
        });
        assert_eq!(status(&resumed), Some(Status::NoticeServed));
        assert!(check(&resumed, Decided, day(3, 21), TWO).is_ok());
    }

    #[test]
    fn finished_cases_take_no_more_steps() {
        use Step::*;
        for end in [Declined, Referred] {
            let taken = steps(&[(Received, 3, 2)]);
            assert!(check(&taken, end, day(3, 3), TWO).is_ok());
            let mut done = taken.clone();
            done.push(Taken {
                step: end,
                on: day(3, 3),
            });
            assert!(status(&done).is_some_and(Status::is_final));
            for step in Step::ALL {
                assert!(
                    check(&done, step, day(3, 4), TWO).is_err(),
                    "{step:?} after {end:?}"
                );
            }
        }
    }

    #[test]
    fn every_step_reads_back_from_its_name() {
        for step in Step::ALL {
            assert_eq!(Step::parse(step.as_str()), Some(step));
        }
    }
}
