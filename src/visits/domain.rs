//! The rules of an outreach visit: an enterprise and a day (not more than a year ahead), the
//! topics discussed from a fixed list, whole-number counts, and follow-up actions whose done date
//! is not before the visit.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::auth::domain::optional_text;
use crate::error::{AppError, FieldErrors};
use crate::fields::{CountInput, day_not_far, names};
use crate::i18n::Msg;

/// What a visit was about, as officers' ledgers name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// 专利申报
    PatentFiling,
    /// 知识产权保护
    IpProtection,
    /// 奖励/资助政策
    RewardPolicy,
    /// 高新技术企业认定
    HighTechCertification,
    /// 科技项目申报
    ProjectApplication,
    Other,
}

impl Topic {
    pub const ALL: [Topic; 6] = [
        Topic::PatentFiling,
        Topic::IpProtection,
        Topic::RewardPolicy,
        Topic::HighTechCertification,
        Topic::ProjectApplication,
        Topic::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::PatentFiling => "patent_filing",
            Topic::IpProtection => "ip_protection",
            Topic::RewardPolicy => "reward_policy",
            Topic::HighTechCertification => "high_tech_certification",
            Topic::ProjectApplication => "project_application",
            Topic::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == raw.trim())
    }

    /// The topic a ledger's words name: its code, its name in either language, or the words old
    /// ledgers use for it (专利, 奖补, 高企 …).
    pub fn from_words(raw: &str) -> Option<Topic> {
        let words = crate::enterprises::domain::name_key(raw);
        if words.is_empty() {
            return None;
        }
        if let Some(topic) = Topic::parse(&words) {
            return Some(topic);
        }
        let named = Topic::ALL.into_iter().find(|topic| {
            crate::i18n::Lang::ALL.iter().any(|lang| {
                crate::enterprises::domain::name_key(&crate::i18n::t(*lang, &topic.label_key()))
                    == words
            })
        });
        named.or_else(|| {
            // Words of old ledgers, most specific first: 专利保护 is protection, not filing.
            const WORDS: [(&str, Topic); 9] = [
                ("保护", Topic::IpProtection),
                ("维权", Topic::IpProtection),
                ("高新", Topic::HighTechCertification),
                ("高企", Topic::HighTechCertification),
                ("项目", Topic::ProjectApplication),
                ("奖励", Topic::RewardPolicy),
                ("资助", Topic::RewardPolicy),
                ("奖补", Topic::RewardPolicy),
                ("专利", Topic::PatentFiling),
            ];
            WORDS
                .iter()
                .find(|(word, _)| words.contains(word))
                .map(|(_, topic)| *topic)
        })
    }

    /// Locale key of the topic's name.
    pub fn label_key(self) -> String {
        format!("visits.topic.{}", self.as_str())
    }
}

/// A follow-up action as typed or sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FollowUpInput {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub due_on: Option<String>,
    #[serde(default)]
    pub done_on: Option<String>,
}

impl FollowUpInput {
    fn is_blank(&self) -> bool {
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        self.action.trim().is_empty()
            && blank(&self.owner)
            && blank(&self.due_on)
            && blank(&self.done_on)
    }
}

/// A visit as typed in a form or sent to the API. The enterprise is an id, or a name — an
/// enterprise not yet registered is created with the visit.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct VisitInput {
    #[serde(default)]
    pub enterprise_id: Option<i64>,
    #[serde(default)]
    pub enterprise_name: Option<String>,
    #[serde(default)]
    pub visited_on: String,
    #[serde(default)]
    pub officers: Vec<String>,
    #[serde(default)]
    pub agencies: Vec<String>,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default)]
    pub materials_count: CountInput,
    #[serde(default)]
    pub needs: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub follow_ups: Vec<FollowUpInput>,
    /// The township of an enterprise the visit registers, or of one registered without a
    /// township; an enterprise's township is not changed from here.
    #[serde(default)]
    pub township: Option<String>,
}

/// Which enterprise was visited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VisitedEnterprise {
    Id(i64),
    /// A name as typed: the enterprise of that name, or a new one.
    Named(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub action: String,
    pub owner: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
}

/// A visit that satisfies every rule (the enterprise's existence is the service's to check).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidVisit {
    pub enterprise: VisitedEnterprise,
    pub visited_on: NaiveDate,
    pub officers: Vec<String>,
    pub agencies: Vec<String>,
    pub topics: Vec<Topic>,
    pub materials_count: Option<i64>,
    pub needs: Option<String>,
    pub notes: Option<String>,
    pub follow_ups: Vec<FollowUp>,
    /// A township name as typed (the service finds it among the townships).
    pub township: Option<String>,
}

impl VisitInput {
    /// Checks every field against the rules, `today` being the county's day.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidVisit, AppError> {
        let mut errors = FieldErrors::new();
        let enterprise = self.enterprise(&mut errors);
        let visited_on = day_not_far(&self.visited_on, "visited_on", today, &mut errors);
        if visited_on.is_none() && self.visited_on.trim().is_empty() {
            errors.add("visited_on", Msg::new("visits.error.visited_on_required"));
        }
        let text = |raw: &Option<String>, max, field, errors: &mut FieldErrors| {
            optional_text(raw.as_deref().unwrap_or_default(), max, field, errors)
        };
        let valid = ValidVisit {
            enterprise: enterprise.unwrap_or(VisitedEnterprise::Id(0)),
            visited_on: visited_on.unwrap_or(today),
            officers: names(&self.officers, "officers", &mut errors),
            agencies: names(&self.agencies, "agencies", &mut errors),
            topics: self.topics(&mut errors),
            materials_count: self
                .materials_count
                .validate("materials_count", &mut errors),
            needs: text(&self.needs, 5000, "needs", &mut errors),
            notes: text(&self.notes, 2000, "notes", &mut errors),
            follow_ups: self.follow_ups(visited_on, today, &mut errors),
            township: text(&self.township, 50, "township", &mut errors),
        };
        errors.into_result()?;
        Ok(valid)
    }

    fn enterprise(&self, errors: &mut FieldErrors) -> Option<VisitedEnterprise> {
        if let Some(id) = self.enterprise_id {
            return Some(VisitedEnterprise::Id(id));
        }
        let name = optional_text(
            self.enterprise_name.as_deref().unwrap_or_default(),
            200,
            "enterprise_name",
            errors,
        );
        if name.is_none() {
            errors.add(
                "enterprise_name",
                Msg::new("visits.error.enterprise_required"),
            );
        }
        name.map(VisitedEnterprise::Named)
    }

    fn topics(&self, errors: &mut FieldErrors) -> Vec<Topic> {
        let mut topics: Vec<Topic> = Vec::new();
        for raw in self.topics.iter().filter(|t| !t.trim().is_empty()) {
            match Topic::parse(raw) {
                Some(topic) if !topics.contains(&topic) => topics.push(topic),
                Some(_) => {}
                None => errors.add(
                    "topics",
                    Msg::new("visits.error.topic_unknown")
                        .arg("topic", raw.trim())
                        .choices_arg("choices", Topic::ALL.map(Topic::as_str)),
                ),
            }
        }
        topics
    }

    /// The follow-ups that say anything, each with an action; a done date not before the visit.
    fn follow_ups(
        &self,
        visited_on: Option<NaiveDate>,
        today: NaiveDate,
        errors: &mut FieldErrors,
    ) -> Vec<FollowUp> {
        let mut follow_ups = Vec::new();
        for (n, input) in self.follow_ups.iter().enumerate() {
            if input.is_blank() {
                continue;
            }
            let field = |name: &str| format!("follow_ups.{n}.{name}");
            let action = optional_text(&input.action, 500, &field("action"), errors);
            if action.is_none() {
                errors.add(
                    &field("action"),
                    Msg::new("visits.error.follow_up_action_required"),
                );
            }
            let owner = optional_text(
                input.owner.as_deref().unwrap_or_default(),
                100,
                &field("owner"),
                errors,
            );
            let day = |raw: &Option<String>, name: &str, errors: &mut FieldErrors| {
                day_not_far(
                    raw.as_deref().unwrap_or_default(),
                    &field(name),
                    today,
                    errors,
                )
            };
            let due_on = day(&input.due_on, "due_on", errors);
            let done_on =
                crate::dates::parse_optional(input.done_on.as_deref().unwrap_or_default())
                    .map_err(|msg| errors.add(&field("done_on"), msg))
                    .ok()
                    .flatten();
            if let (Some(done), Some(visit)) = (done_on, visited_on)
                && done < visit
            {
                errors.add(
                    &field("done_on"),
                    Msg::new("visits.error.done_before_visit").arg("visited_on", visit),
                );
            }
            follow_ups.push(FollowUp {
                action: action.unwrap_or_default(),
                owner,
                due_on,
                done_on,
            });
        }
        follow_ups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn input(visited_on: &str) -> VisitInput {
        VisitInput {
            enterprise_name: Some("县机械厂".into()),
            visited_on: visited_on.into(),
            topics: vec!["patent_filing".into()],
            ..VisitInput::default()
        }
    }

    fn fields(result: Result<ValidVisit, AppError>) -> Vec<String> {
        match result {
            Err(AppError::Validation(errors)) => errors.iter().map(|(f, _)| f.clone()).collect(),
            Ok(_) => vec![],
            other => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn every_topic_reads_back_from_its_name() {
        for topic in Topic::ALL {
            assert_eq!(Topic::parse(topic.as_str()), Some(topic));
            assert_eq!(Topic::from_words(topic.as_str()), Some(topic));
        }
        assert_eq!(Topic::parse("lunch"), None);
    }

    #[test]
    fn ledger_words_name_topics() {
        let cases = [
            ("专利申报", Some(Topic::PatentFiling)),
            ("宣传专利奖补政策", Some(Topic::RewardPolicy)),
            ("知识产权保护", Some(Topic::IpProtection)),
            ("专利保护", Some(Topic::IpProtection)),
            ("高新技术企业认定", Some(Topic::HighTechCertification)),
            ("Patent filing", Some(Topic::PatentFiling)),
            ("其他", Some(Topic::Other)),
            ("喝茶", None),
            ("", None),
        ];
        for (words, expected) in cases {
            assert_eq!(Topic::from_words(words), expected, "{words}");
        }
    }

    #[test]
    fn the_rules_of_a_visit() {
        let today = day(2026, 11, 28);
        let follow_up = |due: &str, done: &str| FollowUpInput {
            action: "协助撰写专利申请".into(),
            owner: Some("张三".into()),
            due_on: Some(due.into()),
            done_on: Some(done.into()),
        };
        let cases: [(VisitInput, &[&str]); 7] = [
            (input("2026-05-12"), &[]),
            (input(""), &["visited_on"]),
            (input("2027-11-30"), &["visited_on"]),
            (
                VisitInput {
                    enterprise_name: None,
                    ..input("2026-05-12")
                },
                &["enterprise_name"],
            ),
            (
                VisitInput {
                    topics: vec!["lunch".into()],
                    ..input("2026-05-12")
                },
                &["topics"],
            ),
            (
                VisitInput {
                    follow_ups: vec![follow_up("2026-06-01", "2026-05-11")],
                    ..input("2026-05-12")
                },
                &["follow_ups.0.done_on"],
            ),
            (
                VisitInput {
                    follow_ups: vec![
                        follow_up("2026-06-01", "2026-05-12"),
                        FollowUpInput {
                            owner: Some("李四".into()),
                            ..FollowUpInput::default()
                        },
                        FollowUpInput::default(),
                    ],
                    ..input("2026-05-12")
                },
                &["follow_ups.1.action"],
            ),
        ];
        for (visit, expected) in cases {
            let got = fields(visit.validate(today));
            assert_eq!(got, expected, "{visit:?}");
        }
    }

    #[test]
    fn blank_follow_ups_are_dropped_and_counts_checked() {
        let today = day(2026, 11, 28);
        let mut visit = input("2026-05-12");
        visit.follow_ups = vec![FollowUpInput::default()];
        visit.materials_count = CountInput::Text("20".into());
        let valid = visit.validate(today);
        assert_eq!(valid.as_ref().map(|v| v.follow_ups.len()).ok(), Some(0));
        assert_eq!(valid.map(|v| v.materials_count).ok(), Some(Some(20)));
        visit.materials_count = CountInput::Text("-3".into());
        assert_eq!(fields(visit.validate(today)), ["materials_count"]);
    }
}
