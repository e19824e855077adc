//! The statutory time limits of a case (DESIGN.md §7), worked out from its dated steps: each rule
//! starts at a step, is met by another, runs in days, months or working days, may be extended once
//! with approval, and stands still while the case is suspended.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::domain::CaseKind;
use super::workflow::{Step, Taken};
use crate::calendar::domain::{Calendar, Pause, Period, Unit, due};
use crate::i18n::{Lang, Msg, t};

/// A time limit: which cases it binds, the step that starts it, the steps that meet it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub code: String,
    /// The kinds it binds; every kind when empty.
    pub kinds: Vec<CaseKind>,
    /// Kinds it does not bind (a kind with a rule of its own for the same step).
    pub except: Vec<CaseKind>,
    pub starts: Step,
    pub met_by: Vec<Step>,
    pub period: Period,
    pub extension: Option<Period>,
    /// Only after a decision that imposes a penalty (a fine or confiscated gains).
    pub penalty_only: bool,
}

impl Rule {
    fn binds(&self, kind: CaseKind, penalty: bool) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&kind))
            && !self.except.contains(&kind)
            && (!self.penalty_only || penalty)
    }
}

fn rule(
    code: &str,
    kinds: &[CaseKind],
    except: &[CaseKind],
    (starts, met_by): (Step, &[Step]),
    period: Period,
    extension: Option<Period>,
) -> Rule {
    Rule {
        code: code.to_owned(),
        kinds: kinds.to_vec(),
        except: except.to_vec(),
        starts,
        met_by: met_by.to_vec(),
        period,
        extension,
        penalty_only: false,
    }
}

/// The defaults of DESIGN.md §7 (专利法, 行政处罚法, 专利行政执法办法).
pub fn default_rules() -> Vec<Rule> {
    use CaseKind::*;
    let answered: &[Step] = &[Step::Accepted, Step::Declined, Step::Referred];
    let wd = |n| Period::new(n, Unit::WorkingDays);
    let mut rules = vec![
        rule(
            "acceptance",
            &[],
            &[InfringementDispute],
            (Step::Received, answered),
            wd(15),
            Some(wd(15)),
        ),
        rule(
            "dispute_acceptance",
            &[InfringementDispute],
            &[],
            (Step::Received, answered),
            wd(5),
            None,
        ),
        rule(
            "counterfeiting_decision",
            &[Counterfeiting, PassingOff],
            &[],
            (Step::Accepted, &[Step::Decided, Step::Referred]),
            Period::new(90, Unit::Days),
            Some(Period::new(30, Unit::Days)),
        ),
        rule(
            "dispute_closing",
            &[InfringementDispute],
            &[],
            (Step::Accepted, &[Step::Closed, Step::Referred]),
            Period::new(3, Unit::Months),
            Some(Period::new(1, Unit::Months)),
        ),
        rule(
            "service",
            &[],
            &[],
            (Step::Decided, &[Step::Served]),
            Period::new(7, Unit::Days),
            None,
        ),
        rule(
            "publication",
            &[],
            &[],
            (Step::Decided, &[Step::Published]),
            wd(20),
            None,
        ),
    ];
    for penalty in rules.iter_mut().filter(|r| r.starts == Step::Decided) {
        penalty.penalty_only = true;
    }
    rules
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    Open,
    Met,
    Overdue,
}

impl DeadlineStatus {
    /// The code, as the JSON gives it (`cases.deadline_status.<code>` words it).
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineStatus::Open => "open",
            DeadlineStatus::Met => "met",
            DeadlineStatus::Overdue => "overdue",
        }
    }
}

/// A time limit of a case as it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub rule: String,
    /// None while the case is suspended (the clock stands still).
    pub due_on: Option<NaiveDate>,
    pub status: DeadlineStatus,
    /// Calendar days from today to the due day (negative when overdue); none once met.
    pub days_left: Option<i64>,
    /// Working days left, for "due within 5 working days".
    pub working_days_left: Option<i64>,
    pub met_on: Option<NaiveDate>,
    pub extended: bool,
    /// Years the period reaches into whose holidays are not loaded.
    pub unknown_years: Vec<i32>,
}

impl Deadline {
    /// The rule in words ("假冒专利案件立案后作出处理决定").
    pub fn rule_words(&self, lang: Lang) -> String {
        t(lang, &format!("cases.rule.{}", self.rule))
    }

    /// The day it falls due, or that the clock stands still while the case is suspended.
    pub fn due_words(&self, lang: Lang) -> String {
        self.due_on.map_or_else(
            || t(lang, "cases.deadline.suspended"),
            |day| day.to_string(),
        )
    }

    /// The days left to the due day in words, or how long it is overdue; none once met.
    pub fn left_words(&self, lang: Lang) -> Option<String> {
        self.days_left.map(|days| days_left_words(days, lang))
    }
}

/// Calendar days to a due day in words: "剩3天" / "3 days left", or "超期2天" / "2 days
/// overdue" once past it (`days` negative).
pub fn days_left_words(days: i64, lang: Lang) -> String {
    let (key, days) = if days < 0 {
        ("cases.deadline.overdue_by", -days)
    } else {
        ("cases.deadline.days_left", days)
    };
    Msg::new(key).arg("days", days).render(lang)
}

/// The pauses of a case: each suspension until its resumption.
pub fn pauses(steps: &[Taken]) -> Vec<Pause> {
    let mut pauses: Vec<Pause> = Vec::new();
    for taken in steps {
        match taken.step {
            Step::Suspended => pauses.push(Pause {
                from: taken.on,
                until: None,
            }),
            Step::Resumed => {
                if let Some(open) = pauses.last_mut().filter(|p| p.until.is_none()) {
                    open.until = Some(taken.on);
                }
            }
            _ => {}
        }
    }
    pauses
}

/// Every time limit the case's steps have started, as of `today`.
pub fn deadlines(
    rules: &[Rule],
    calendar: &Calendar,
    kind: CaseKind,
    penalty: bool,
    steps: &[Taken],
    today: NaiveDate,
) -> Vec<Deadline> {
    let pauses = pauses(steps);
    rules
        .iter()
        .filter(|rule| rule.binds(kind, penalty))
        .filter_map(|rule| {
            let start = steps.iter().position(|t| t.step == rule.starts)?;
            let after = &steps[start + 1..];
            let met_on = after
                .iter()
                .find(|t| rule.met_by.contains(&t.step))
                .map(|t| t.on);
            let until = met_on.unwrap_or(NaiveDate::MAX);
            let extended = rule.extension.is_some()
                && after
                    .iter()
                    .any(|t| t.step == Step::Extended && t.on <= until);
            let extensions: Vec<Period> = rule.extension.filter(|_| extended).into_iter().collect();
            let computed = due(calendar, steps[start].on, rule.period, &extensions, &pauses);
            let in_time_whatever_the_notices = met_on.is_some_and(|met_on| {
                due(
                    &calendar.at_its_earliest(),
                    steps[start].on,
                    rule.period,
                    &extensions,
                    &pauses,
                )
                .is_some_and(|earliest| met_on <= earliest.on)
            });
            let due_on = computed.as_ref().map(|d| d.on);
            let status = match (met_on, due_on) {
                (Some(_), _) => DeadlineStatus::Met,
                (None, Some(due_on)) if today > due_on => DeadlineStatus::Overdue,
                _ => DeadlineStatus::Open,
            };
            let left = |f: &dyn Fn(NaiveDate) -> i64| due_on.filter(|_| met_on.is_none()).map(f);
            Some(Deadline {
                rule: rule.code.clone(),
                due_on,
                status,
                days_left: left(&|d| (d - today).num_days()),
                working_days_left: left(&|d| calendar.working_days_between(today, d)),
                met_on,
                extended,
                // A deadline met before the earliest day it could fall due is met whatever the
                // holidays of the years not loaded: nothing left to warn of.
                unknown_years: computed
                    .filter(|_| !in_time_whatever_the_notices)
                    .map(|d| d.unknown_years)
                    .unwrap_or_default(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::domain::DayKind;

    #[test]
    fn a_deadline_in_words() {
        let mut deadline = Deadline {
            rule: "service".into(),
            due_on: Some(day(2026, 12, 7)),
            status: DeadlineStatus::Open,
            days_left: Some(2),
            working_days_left: Some(2),
            met_on: None,
            extended: false,
            unknown_years: Vec::new(),
        };
        assert_eq!(deadline.rule_words(Lang::ZhCn), "处罚决定作出后送达");
        assert_eq!(deadline.due_words(Lang::En), "2026-12-07");
        assert_eq!(deadline.left_words(Lang::ZhCn).as_deref(), Some("剩2天"));
        for (days, lang, words) in [
            (0, Lang::ZhCn, "剩0天"),
            (1, Lang::En, "1 day left"),
            (-1, Lang::ZhCn, "超期1天"),
            (-3, Lang::En, "3 days overdue"),
        ] {
            assert_eq!(days_left_words(days, lang), words, "{days}");
        }
        deadline.days_left = None;
        assert_eq!(
            deadline.left_words(Lang::En),
            None,
            "met: nothing left to count"
        );
        // Suspended, the clock stands still: no day, and the words say why.
        deadline.due_on = None;
        assert_eq!(deadline.due_words(Lang::ZhCn), "中止中，暂停计时");
    }

    #[test]
    fn a_status_code_is_what_the_json_says() {
        for status in [
            DeadlineStatus::Open,
            DeadlineStatus::Met,
            DeadlineStatus::Overdue,
        ] {
            assert_eq!(
                serde_json::to_value(status).ok(),
                Some(serde_json::Value::from(status.as_str()))
            );
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn calendar() -> Calendar {
        let mut days: Vec<(NaiveDate, DayKind)> = (1..=8)
            .map(|d| (day(2025, 10, d), DayKind::Holiday))
            .collect();
        days.push((day(2025, 9, 28), DayKind::Workday));
        days.push((day(2025, 10, 11), DayKind::Workday));
        days.push((day(2026, 1, 1), DayKind::Holiday));
        Calendar::new(days)
    }

    fn taken(list: &[(Step, NaiveDate)]) -> Vec<Taken> {
        list.iter()
            .map(|(step, on)| Taken {
                step: *step,
                on: *on,
            })
            .collect()
    }

    fn find<'a>(all: &'a [Deadline], rule: &str) -> &'a Deadline {
        all.iter().find(|d| d.rule == rule).unwrap_or(&all[0])
    }

    #[test]
    fn a_clue_must_be_answered_within_fifteen_working_days_across_the_holiday() {
        let steps = taken(&[(Step::Received, day(2025, 9, 26))]);
        let all = deadlines(
            &default_rules(),
            &calendar(),
            CaseKind::Counterfeiting,
            false,
            &steps,
            day(2025, 10, 20),
        );
        assert_eq!(all.len(), 1);
        let acceptance = &all[0];
        assert_eq!(acceptance.due_on, Some(day(2025, 10, 23)));
        assert_eq!(acceptance.status, DeadlineStatus::Open);
        assert_eq!(acceptance.days_left, Some(3));
        assert_eq!(acceptance.working_days_left, Some(3));
        // An infringement dispute has five working days instead.
        let dispute = deadlines(
            &default_rules(),
            &calendar(),
            CaseKind::InfringementDispute,
            false,
            &steps,
            day(2025, 10, 20),
        );
        assert_eq!(dispute.len(), 1);
        assert_eq!(dispute[0].rule, "dispute_acceptance");
        assert_eq!(dispute[0].due_on, Some(day(2025, 10, 10)));
        assert_eq!(dispute[0].status, DeadlineStatus::Overdue);
    }

    #[test]
    fn the_decision_clock_stops_while_suspended_and_takes_an_extension() {
        let steps = taken(&[
            (Step::Received, day(2026, 2, 27)),
            (Step::Accepted, day(2026, 3, 2)),
            (Step::Suspended, day(2026, 4, 1)),
            (Step::Resumed, day(2026, 4, 11)),
            (Step::Extended, day(2026, 6, 1)),
        ]);
        let all = deadlines(
            &default_rules(),
            &calendar(),
            CaseKind::Counterfeiting,
            false,
            &steps,
            day(2026, 6, 2),
        );
        let acceptance = find(&all, "acceptance");
        assert_eq!(
            (acceptance.status, acceptance.met_on),
            (DeadlineStatus::Met, Some(day(2026, 3, 2)))
        );
        let decision = find(&all, "counterfeiting_decision");
        // 90 days from 2 March is 31 May; ten days suspended; thirty more approved: 10 July.
        assert_eq!(decision.due_on, Some(day(2026, 7, 10)));
        assert!(decision.extended);
        assert_eq!(decision.status, DeadlineStatus::Open);
        // Suspended again and not resumed: no date while the clock stands still.
        let mut stopped = steps.clone();
        stopped.push(Taken {
            step: Step::Suspended,
            on: day(2026, 6, 5),
        });
        let all = deadlines(
            &default_rules(),
            &calendar(),
            CaseKind::Counterfeiting,
            false,
            &stopped,
            day(2026, 8, 1),
        );
        let decision = find(&all, "counterfeiting_decision");
        assert_eq!(
            (decision.due_on, decision.status),
            (None, DeadlineStatus::Open)
        );
    }

    #[test]
    fn a_penalty_decision_must_be_served_and_published() {
        let steps = taken(&[
            (Step::Received, day(2026, 3, 2)),
            (Step::Accepted, day(2026, 3, 3)),
            (Step::Decided, day(2026, 4, 30)),
            (Step::Served, day(2026, 5, 6)),
        ]);
        let rules = default_rules();
        let with_penalty = deadlines(
            &rules,
            &calendar(),
            CaseKind::Counterfeiting,
            true,
            &steps,
            day(2026, 6, 1),
        );
        let service = find(&with_penalty, "service");
        assert_eq!(
            (service.due_on, service.status),
            (Some(day(2026, 5, 7)), DeadlineStatus::Met)
        );
        let publication = find(&with_penalty, "publication");
        // 20 working days from Thursday 30 April 2026 (no May Day in this calendar): 28 May.
        assert_eq!(publication.due_on, Some(day(2026, 5, 28)));
        assert_eq!(publication.status, DeadlineStatus::Overdue);
        let without = deadlines(
            &rules,
            &calendar(),
            CaseKind::Counterfeiting,
            false,
            &steps,
            day(2026, 6, 1),
        );
        assert!(
            without
                .iter()
                .all(|d| d.rule != "publication" && d.rule != "service")
        );
    }

    #[test]
    fn a_dispute_is_closed_within_three_months_and_warns_of_an_unknown_year() {
        let steps = taken(&[
            (Step::Received, day(2026, 11, 2)),
            (Step::Accepted, day(2026, 11, 5)),
        ]);
        let all = deadlines(
            &default_rules(),
            &calendar(),
            CaseKind::InfringementDispute,
            false,
            &steps,
            day(2026, 11, 28),
        );
        let closing = find(&all, "dispute_closing");
        assert_eq!(closing.due_on, Some(day(2027, 2, 5)));
        assert_eq!(closing.unknown_years, vec![2027]);
    }

    #[test]
    fn a_deadline_met_before_it_could_fall_due_warns_no_more() {
        let received = day(2026, 11, 2);
        let cases = [
            // (the closing step's day, the unknown years still warned of)
            (None, vec![2027]),
            (Some(day(2026, 12, 20)), vec![]),
            // In the unknown year, but before any notice for it could bring the due day.
            (Some(day(2027, 1, 10)), vec![]),
            (Some(day(2027, 2, 5)), vec![]),
            // After the due day as counted: a holiday of 2027 could have made it in time.
            (Some(day(2027, 2, 8)), vec![2027]),
        ];
        for (closed_on, warned) in cases {
            let mut steps = vec![
                (Step::Received, received),
                (Step::Accepted, day(2026, 11, 5)),
            ];
            steps.extend(closed_on.map(|on| (Step::Closed, on)));
            let all = deadlines(
                &default_rules(),
                &calendar(),
                CaseKind::InfringementDispute,
                false,
                &taken(&steps),
                day(2027, 1, 20),
            );
            let closing = find(&all, "dispute_closing");
            assert_eq!(closing.unknown_years, warned, "closed on {closed_on:?}");
        }
    }
}
