//! The rules of a publicity event: its kind, its dates (the end not before the start, and not
//! more than a year ahead), whole-number counts, and the names of the units that ran it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::auth::domain::optional_text;
use crate::error::{AppError, FieldErrors};
pub use crate::fields::CountInput;
use crate::fields::{day_not_far, names, unique};
use crate::i18n::Msg;

/// What kind of event, as officers' ledgers name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// 3.15 国际消费者权益日
    ConsumerRightsDay,
    /// 4.26 世界知识产权日
    WorldIpDay,
    /// 知识产权宣传周
    IpWeek,
    /// 科技活动周
    StWeek,
    /// 科技下乡
    StToCountryside,
    /// 讲座/培训
    Lecture,
    Other,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::ConsumerRightsDay,
        EventKind::WorldIpDay,
        EventKind::IpWeek,
        EventKind::StWeek,
        EventKind::StToCountryside,
        EventKind::Lecture,
        EventKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ConsumerRightsDay => "consumer_rights_day",
            EventKind::WorldIpDay => "world_ip_day",
            EventKind::IpWeek => "ip_week",
            EventKind::StWeek => "st_week",
            EventKind::StToCountryside => "st_to_countryside",
            EventKind::Lecture => "lecture",
            EventKind::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<EventKind> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
    }

    /// The kind a ledger's words name: its code, its name in either language, or the words old
    /// ledgers use (3.15, 世界知识产权日, 宣传周, 下乡, 培训 …); else none.
    pub fn from_words(raw: &str) -> Option<EventKind> {
        let words = crate::enterprises::domain::name_key(raw);
        if words.is_empty() {
            return None;
        }
        let named = EventKind::ALL.into_iter().find(|kind| {
            kind.as_str() == words
                || crate::i18n::Lang::ALL.iter().any(|lang| {
                    let label = crate::i18n::t(*lang, &kind.label_key());
                    crate::enterprises::domain::name_key(&label) == words
                })
        });
        // Most specific first: 科技活动周 before 宣传周, 4.26 before 知识产权.
        const WORDS: [(&str, EventKind); 11] = [
            ("3.15", EventKind::ConsumerRightsDay),
            ("消费者", EventKind::ConsumerRightsDay),
            ("4.26", EventKind::WorldIpDay),
            ("世界知识产权日", EventKind::WorldIpDay),
            ("科技活动周", EventKind::StWeek),
            ("科技周", EventKind::StWeek),
            ("宣传周", EventKind::IpWeek),
            ("下乡", EventKind::StToCountryside),
            ("讲座", EventKind::Lecture),
            ("培训", EventKind::Lecture),
            ("其他", EventKind::Other),
        ];
        named.or_else(|| {
            WORDS
                .iter()
                .find(|(word, _)| words.contains(word))
                .map(|(_, kind)| *kind)
        })
    }

    /// Locale key of the kind's name.
    pub fn label_key(self) -> String {
        format!("events.kind.{}", self.as_str())
    }
}

/// An event as typed in a form or sent to the API.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EventInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub starts_on: String,
    /// The start day when empty (a one-day event).
    #[serde(default)]
    pub ends_on: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub lead_unit: Option<String>,
    #[serde(default)]
    pub co_organisers: Vec<String>,
    #[serde(default)]
    pub audience: Option<String>,
    #[serde(default)]
    pub attendees: CountInput,
    #[serde(default)]
    pub materials_count: CountInput,
    #[serde(default)]
    pub consultations: CountInput,
    #[serde(default)]
    pub enterprise_ids: Vec<i64>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// An event that satisfies every rule (its enterprises' existence is the service's to check).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidEvent {
    pub kind: EventKind,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub location: Option<String>,
    pub lead_unit: Option<String>,
    pub co_organisers: Vec<String>,
    pub audience: Option<String>,
    pub attendees: Option<i64>,
    pub materials_count: Option<i64>,
    pub consultations: Option<i64>,
    pub enterprise_ids: Vec<i64>,
    pub summary: Option<String>,
    pub notes: Option<String>,
}

impl EventInput {
    /// Checks every field against the rules, `today` being the county's day.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidEvent, AppError> {
        let mut errors = FieldErrors::new();
        let kind = match self.kind.trim() {
            "" => {
                errors.add("kind", Msg::new("events.error.kind_required"));
                None
            }
            raw => EventKind::parse(raw).or_else(|| {
                errors.add(
                    "kind",
                    Msg::new("events.error.kind_unknown")
                        .arg("kind", raw)
                        .choices_arg("choices", EventKind::ALL.map(EventKind::as_str)),
                );
                None
            }),
        };
        let title = optional_text(&self.title, 200, "title", &mut errors);
        if title.is_none() {
            errors.add("title", Msg::new("events.error.title_required"));
        }
        let (starts_on, ends_on) = self.dates(today, &mut errors);
        let text = |raw: &Option<String>, max, field, errors: &mut FieldErrors| {
            optional_text(raw.as_deref().unwrap_or_default(), max, field, errors)
        };
        let valid = ValidEvent {
            kind: kind.unwrap_or(EventKind::Other),
            title: title.unwrap_or_default(),
            starts_on: starts_on.unwrap_or(today),
            ends_on: ends_on.or(starts_on).unwrap_or(today),
            location: text(&self.location, 200, "location", &mut errors),
            lead_unit: text(&self.lead_unit, 200, "lead_unit", &mut errors),
            co_organisers: names(&self.co_organisers, "co_organisers", &mut errors),
            audience: text(&self.audience, 200, "audience", &mut errors),
            attendees: self.attendees.validate("attendees", &mut errors),
            materials_count: self
                .materials_count
                .validate("materials_count", &mut errors),
            consultations: self.consultations.validate("consultations", &mut errors),
            enterprise_ids: unique(&self.enterprise_ids),
            summary: text(&self.summary, 5000, "summary", &mut errors),
            notes: text(&self.notes, 2000, "notes", &mut errors),
        };
        errors.into_result()?;
        Ok(valid)
    }

    /// The start and end days: the start required, the end not before it, neither more than a
    /// year after `today`.
    fn dates(
        &self,
        today: NaiveDate,
        errors: &mut FieldErrors,
    ) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let starts_on = day_not_far(&self.starts_on, "starts_on", today, errors);
        if starts_on.is_none() && self.starts_on.trim().is_empty() {
            errors.add("starts_on", Msg::new("events.error.starts_on_required"));
        }
        let ends_on = day_not_far(
            self.ends_on.as_deref().unwrap_or_default(),
            "ends_on",
            today,
            errors,
        );
        if let (Some(start), Some(end)) = (starts_on, ends_on)
            && end < start
        {
            errors.add(
                "ends_on",
                Msg::new("events.error.ends_before_start").arg("starts_on", start),
            );
        }
        (starts_on, ends_on)
    }
}

impl ValidEvent {
    /// Whether `other` says what this says of an event. Its enterprises are a set: the register
    /// lists them by name whatever order a form or a ledger's cell gave, so an order is no change
    /// (else the same ledger imported again would update the event and tell no cell).
    pub fn same_as(&self, other: &ValidEvent) -> bool {
        let without_enterprises = |event: &ValidEvent| ValidEvent {
            enterprise_ids: Vec::new(),
            ..event.clone()
        };
        self.same_enterprises(other) && without_enterprises(self) == without_enterprises(other)
    }

    /// Whether the two name the same enterprises, in whatever order.
    pub fn same_enterprises(&self, other: &ValidEvent) -> bool {
        let sorted = |ids: &[i64]| {
            let mut ids = ids.to_vec();
            ids.sort_unstable();
            ids
        };
        sorted(&self.enterprise_ids) == sorted(&other.enterprise_ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn input(starts: &str, ends: Option<&str>) -> EventInput {
        EventInput {
            kind: "world_ip_day".into(),
            title: "4.26知识产权进校园".into(),
            starts_on: starts.into(),
            ends_on: ends.map(Into::into),
            ..EventInput::default()
        }
    }

    fn fields(result: Result<ValidEvent, AppError>) -> Vec<String> {
        match result {
            Err(AppError::Validation(errors)) => errors.iter().map(|(f, _)| f.clone()).collect(),
            other => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::parse("party"), None);
    }

    #[test]
    fn ledger_words_name_kinds() {
        let cases = [
            ("world_ip_day", Some(EventKind::WorldIpDay)),
            ("4.26世界知识产权日", Some(EventKind::WorldIpDay)),
            (
                "3.15 Consumer Rights Day",
                Some(EventKind::ConsumerRightsDay),
            ),
            ("“3.15”宣传咨询活动", Some(EventKind::ConsumerRightsDay)),
            ("2026年科技活动周", Some(EventKind::StWeek)),
            ("知识产权宣传周", Some(EventKind::IpWeek)),
            ("科技下乡", Some(EventKind::StToCountryside)),
            ("专利知识培训", Some(EventKind::Lecture)),
            ("座谈会", None),
        ];
        for (words, expected) in cases {
            assert_eq!(EventKind::from_words(words), expected, "{words}");
        }
        for kind in EventKind::ALL {
            for lang in crate::i18n::Lang::ALL {
                let label = crate::i18n::t(lang, &kind.label_key());
                assert_eq!(EventKind::from_words(&label), Some(kind), "{label}");
            }
        }
    }

    #[test]
    fn an_order_of_enterprises_is_no_change() {
        let today = day(2026, 11, 28);
        let Ok(event) = input("2026-04-26", None).validate(today) else {
            panic!("a valid event");
        };
        let with = |ids: &[i64], attendees: Option<i64>| ValidEvent {
            enterprise_ids: ids.to_vec(),
            attendees,
            ..event.clone()
        };
        let stored = with(&[3, 1, 2], Some(40));
        let cases = [
            (with(&[3, 1, 2], Some(40)), true, true),
            (with(&[1, 2, 3], Some(40)), true, true),
            (with(&[1, 2], Some(40)), false, false),
            (with(&[1, 2, 3, 4], Some(40)), false, false),
            (with(&[2, 1, 3], Some(41)), false, true),
            (with(&[], None), false, false),
        ];
        for (other, same, same_enterprises) in cases {
            assert_eq!(stored.same_as(&other), same, "{other:?}");
            assert_eq!(other.same_as(&stored), same, "{other:?}");
            assert_eq!(stored.same_enterprises(&other), same_enterprises);
        }
    }

    #[test]
    fn dates_follow_the_rules() {
        let today = day(2026, 11, 28);
        let one_day = input("2026-04-26", None).validate(today);
        assert_eq!(
            one_day.as_ref().map(|e| e.ends_on).ok(),
            Some(day(2026, 4, 26))
        );
        let cases: [(&str, Option<&str>, &[&str]); 5] = [
            ("2026-04-26", Some("2026-04-28"), &[]),
            ("2026-04-26", Some("2026-04-25"), &["ends_on"]),
            ("", None, &["starts_on"]),
            ("2027-11-29", None, &[]),
            ("2027-11-30", None, &["starts_on"]),
        ];
        for (starts, ends, expected) in cases {
            let result = input(starts, ends).validate(today);
            let got = if result.is_ok() {
                vec![]
            } else {
                fields(result)
            };
            assert_eq!(got, expected, "{starts} {ends:?}");
        }
    }

    #[test]
    fn kind_and_title_are_required_and_known() {
        let today = day(2026, 11, 28);
        let mut event = input("2026-04-26", None);
        event.kind = "party".into();
        event.title = "  ".into();
        assert_eq!(fields(event.validate(today)), ["kind", "title"]);
    }
}
