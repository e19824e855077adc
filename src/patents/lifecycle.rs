//! A patent's life as dated events: filed → (invention only) published → substantive
//! examination → granted | rejected | withdrawn | deemed withdrawn; granted → lapsed | invalidated
//! | expired. The steps in between are optional (rosters report a grant straight after filing);
//! what cannot happen is refused with the reason.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::number::{PatentType, PublicationKind, PublicationNumber};
use crate::i18n::Msg;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sea_orm::DeriveValueType,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    value_type = "String",
    from_str = "PatentStatus::from_db",
    to_str = "PatentStatus::as_str"
)]
pub enum PatentStatus {
    Filed,
    Published,
    Examination,
    Granted,
    Rejected,
    Withdrawn,
    DeemedWithdrawn,
    Lapsed,
    Invalidated,
    Expired,
}

impl PatentStatus {
    pub const ALL: [PatentStatus; 10] = [
        PatentStatus::Filed,
        PatentStatus::Published,
        PatentStatus::Examination,
        PatentStatus::Granted,
        PatentStatus::Rejected,
        PatentStatus::Withdrawn,
        PatentStatus::DeemedWithdrawn,
        PatentStatus::Lapsed,
        PatentStatus::Invalidated,
        PatentStatus::Expired,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            PatentStatus::Filed => "filed",
            PatentStatus::Published => "published",
            PatentStatus::Examination => "examination",
            PatentStatus::Granted => "granted",
            PatentStatus::Rejected => "rejected",
            PatentStatus::Withdrawn => "withdrawn",
            PatentStatus::DeemedWithdrawn => "deemed_withdrawn",
            PatentStatus::Lapsed => "lapsed",
            PatentStatus::Invalidated => "invalidated",
            PatentStatus::Expired => "expired",
        }
    }

    pub fn parse(raw: &str) -> Option<PatentStatus> {
        PatentStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
    }

    fn from_db(raw: &str) -> Result<PatentStatus, sea_orm::sea_query::ValueTypeErr> {
        PatentStatus::parse(raw).ok_or(sea_orm::sea_query::ValueTypeErr)
    }

    pub fn label_key(self) -> String {
        format!("patent_status.{}", self.as_str())
    }

    /// Applied for and not yet decided: filed, published or under substantive examination.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            PatentStatus::Filed | PatentStatus::Published | PatentStatus::Examination
        )
    }

    /// Nothing can follow these.
    pub fn is_terminal(self) -> bool {
        !matches!(
            self,
            PatentStatus::Filed
                | PatentStatus::Published
                | PatentStatus::Examination
                | PatentStatus::Granted
        )
    }

    fn is_before_grant(self) -> bool {
        matches!(
            self,
            PatentStatus::Filed | PatentStatus::Published | PatentStatus::Examination
        )
    }

    /// The statuses that may directly follow this one (for any type).
    fn may_follow(self, previous: PatentStatus) -> bool {
        use PatentStatus::*;
        match self {
            Filed => false,
            Published => previous == Filed,
            Examination => matches!(previous, Filed | Published),
            Granted | Rejected | Withdrawn | DeemedWithdrawn => previous.is_before_grant(),
            Lapsed | Invalidated | Expired => previous == Granted,
        }
    }

    /// Statuses a person may record next, for the form's choices.
    pub fn next_choices(self, patent_type: PatentType) -> Vec<PatentStatus> {
        PatentStatus::ALL
            .into_iter()
            .filter(|next| {
                next.may_follow(self)
                    && (patent_type == PatentType::Invention || !next.is_invention_only())
            })
            .collect()
    }

    fn is_invention_only(self) -> bool {
        matches!(self, PatentStatus::Published | PatentStatus::Examination)
    }
}

/// A step to record: the new status, its date, and for a publication or a grant its number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub status: PatentStatus,
    pub on: NaiveDate,
    pub publication_number: Option<PublicationNumber>,
}

/// Where a patent stands before the step.
#[derive(Clone, Copy, Debug)]
pub struct Standing {
    pub patent_type: PatentType,
    pub filed_on: Option<NaiveDate>,
    pub status: PatentStatus,
    /// The date of the latest recorded event, if any.
    pub last_on: Option<NaiveDate>,
}

fn status_arg(status: PatentStatus) -> String {
    format!("@{}", status.label_key())
}

/// Whether `step` may be recorded now; the refusal names the field at fault and why.
pub fn check_step(standing: &Standing, step: &Step) -> Result<(), (&'static str, Msg)> {
    let status = step.status;
    if standing.status.is_terminal() {
        return Err((
            "status",
            Msg::new("patents.lifecycle.after_terminal").arg("status", status_arg(standing.status)),
        ));
    }
    if status.is_invention_only() && standing.patent_type != PatentType::Invention {
        return Err((
            "status",
            Msg::new("patents.lifecycle.invention_only")
                .arg("status", status_arg(status))
                .arg("type", format!("@{}", standing.patent_type.label_key())),
        ));
    }
    if !status.may_follow(standing.status) {
        return Err((
            "status",
            Msg::new("patents.lifecycle.out_of_order")
                .arg("status", status_arg(status))
                .arg("current", status_arg(standing.status)),
        ));
    }
    if let Some(filed_on) = standing.filed_on
        && step.on < filed_on
    {
        let key = if status == PatentStatus::Granted {
            "patents.lifecycle.grant_before_filing"
        } else {
            "patents.lifecycle.before_filing"
        };
        return Err((
            "on",
            Msg::new(key).arg("on", step.on).arg("filed_on", filed_on),
        ));
    }
    if let Some(last_on) = standing.last_on
        && step.on < last_on
    {
        return Err((
            "on",
            Msg::new("patents.lifecycle.before_previous")
                .arg("on", step.on)
                .arg("last_on", last_on),
        ));
    }
    check_publication(standing.patent_type, step)
}

fn check_publication(patent_type: PatentType, step: &Step) -> Result<(), (&'static str, Msg)> {
    let field = "grant_publication_number";
    let Some(number) = &step.publication_number else {
        return Ok(());
    };
    let fits = match step.status {
        PatentStatus::Granted => number.fits_grant_of(patent_type),
        PatentStatus::Published => number.kind() == PublicationKind::InventionApplication,
        _ => {
            return Err((
                field,
                Msg::new("patents.lifecycle.number_not_expected")
                    .arg("status", status_arg(step.status)),
            ));
        }
    };
    if fits {
        Ok(())
    } else {
        Err((
            field,
            Msg::new("patents.lifecycle.kind_mismatch")
                .arg("number", number)
                .arg("kind", format!("@{}", number.kind().label_key()))
                .arg("type", format!("@{}", patent_type.label_key())),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PatentStatus::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn standing(patent_type: PatentType, status: PatentStatus) -> Standing {
        Standing {
            patent_type,
            filed_on: Some(day("2025-03-01")),
            status,
            last_on: None,
        }
    }

    fn step(status: PatentStatus, on: &str, number: Option<&str>) -> Step {
        Step {
            status,
            on: day(on),
            publication_number: number.map(|n| PublicationNumber::parse(n).unwrap()),
        }
    }

    fn refusal(standing: &Standing, step: &Step) -> Option<String> {
        check_step(standing, step).err().map(|(_, msg)| msg.key)
    }

    #[test]
    fn the_usual_paths_are_accepted() {
        let cases = [
            (
                PatentType::Invention,
                Filed,
                Published,
                Some("CN107123456A"),
            ),
            (PatentType::Invention, Published, Examination, None),
            (
                PatentType::Invention,
                Examination,
                Granted,
                Some("CN107123456B"),
            ),
            (PatentType::Invention, Filed, Granted, None),
            (
                PatentType::UtilityModel,
                Filed,
                Granted,
                Some("CN206123456U"),
            ),
            (PatentType::Design, Filed, Granted, Some("CN304123456S")),
            (PatentType::Invention, Examination, Rejected, None),
            (PatentType::UtilityModel, Filed, Withdrawn, None),
            (PatentType::Invention, Published, DeemedWithdrawn, None),
            (PatentType::UtilityModel, Granted, Lapsed, None),
            (PatentType::Invention, Granted, Invalidated, None),
            (PatentType::Design, Granted, Expired, None),
        ];
        for (patent_type, from, to, number) in cases {
            let result = check_step(
                &standing(patent_type, from),
                &step(to, "2026-01-10", number),
            );
            assert!(
                result.is_ok(),
                "{patent_type:?} {from:?} → {to:?}: {result:?}"
            );
        }
    }

    #[test]
    fn what_cannot_happen_is_refused_with_a_reason() {
        let cases = [
            (
                standing(PatentType::UtilityModel, Filed),
                step(Published, "2026-01-10", None),
                "patents.lifecycle.invention_only",
            ),
            (
                standing(PatentType::Design, Filed),
                step(Examination, "2026-01-10", None),
                "patents.lifecycle.invention_only",
            ),
            (
                standing(PatentType::Invention, Filed),
                step(Granted, "2025-02-01", None),
                "patents.lifecycle.grant_before_filing",
            ),
            (
                standing(PatentType::Invention, Filed),
                step(Published, "2025-02-01", None),
                "patents.lifecycle.before_filing",
            ),
            (
                standing(PatentType::Invention, Rejected),
                step(Granted, "2026-01-10", None),
                "patents.lifecycle.after_terminal",
            ),
            (
                standing(PatentType::UtilityModel, Lapsed),
                step(Expired, "2026-01-10", None),
                "patents.lifecycle.after_terminal",
            ),
            (
                standing(PatentType::Invention, Examination),
                step(Published, "2026-01-10", None),
                "patents.lifecycle.out_of_order",
            ),
            (
                standing(PatentType::Invention, Filed),
                step(Lapsed, "2026-01-10", None),
                "patents.lifecycle.out_of_order",
            ),
            (
                standing(PatentType::Invention, Granted),
                step(Granted, "2026-01-10", None),
                "patents.lifecycle.out_of_order",
            ),
            (
                standing(PatentType::Invention, Granted),
                step(Rejected, "2026-01-10", None),
                "patents.lifecycle.out_of_order",
            ),
            (
                standing(PatentType::Invention, Filed),
                step(Filed, "2026-01-10", None),
                "patents.lifecycle.out_of_order",
            ),
            (
                standing(PatentType::UtilityModel, Filed),
                step(Granted, "2026-01-10", Some("CN107123456B")),
                "patents.lifecycle.kind_mismatch",
            ),
            (
                standing(PatentType::Invention, Filed),
                step(Granted, "2026-01-10", Some("CN107123456A")),
                "patents.lifecycle.kind_mismatch",
            ),
            (
                standing(PatentType::Invention, Filed),
                step(Published, "2026-01-10", Some("CN107123456B")),
                "patents.lifecycle.kind_mismatch",
            ),
            (
                standing(PatentType::Invention, Granted),
                step(Lapsed, "2026-01-10", Some("CN107123456B")),
                "patents.lifecycle.number_not_expected",
            ),
        ];
        for (standing, step, key) in cases {
            assert_eq!(
                refusal(&standing, &step).as_deref(),
                Some(key),
                "{standing:?} {step:?}"
            );
        }
    }

    #[test]
    fn steps_cannot_go_back_in_time() {
        let mut s = standing(PatentType::Invention, Published);
        s.last_on = Some(day("2025-09-01"));
        assert_eq!(
            refusal(&s, &step(Examination, "2025-08-01", None)).as_deref(),
            Some("patents.lifecycle.before_previous")
        );
        assert!(check_step(&s, &step(Examination, "2025-09-01", None)).is_ok());
    }

    #[test]
    fn choices_offered_next() {
        assert_eq!(
            Filed.next_choices(PatentType::UtilityModel),
            [Granted, Rejected, Withdrawn, DeemedWithdrawn]
        );
        assert_eq!(
            Filed.next_choices(PatentType::Invention),
            [
                Published,
                Examination,
                Granted,
                Rejected,
                Withdrawn,
                DeemedWithdrawn
            ]
        );
        assert_eq!(
            Granted.next_choices(PatentType::Design),
            [Lapsed, Invalidated, Expired]
        );
        assert!(Expired.next_choices(PatentType::Design).is_empty());
    }
}
