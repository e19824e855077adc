//! The rules of a joint inspection: a title and its days (the end not before the start, neither
//! more than a year ahead), whole-number counts — patent-marked goods among the goods checked,
//! so never more — and each problem found described.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::auth::domain::optional_text;
use crate::error::{AppError, FieldErrors};
use crate::fields::{CountInput, day_not_far, names};
use crate::i18n::Msg;

/// A problem as typed or sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProblemInput {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub party: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
}

impl ProblemInput {
    fn is_blank(&self) -> bool {
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        self.description.trim().is_empty() && blank(&self.party) && blank(&self.product)
    }
}

/// An inspection as typed in a form or sent to the API.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct InspectionInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub starts_on: String,
    /// The start day when empty (a one-day inspection).
    #[serde(default)]
    pub ends_on: Option<String>,
    #[serde(default)]
    pub lead_agency: Option<String>,
    #[serde(default)]
    pub partner_agencies: Vec<String>,
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub places: Option<String>,
    #[serde(default)]
    pub staff_count: CountInput,
    #[serde(default)]
    pub premises_inspected: CountInput,
    #[serde(default)]
    pub goods_checked: CountInput,
    #[serde(default)]
    pub marked_goods_checked: CountInput,
    #[serde(default)]
    pub problems: Vec<ProblemInput>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// A problem that satisfies the rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub description: String,
    pub party: Option<String>,
    pub product: Option<String>,
}

/// An inspection that satisfies every rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidInspection {
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub lead_agency: Option<String>,
    pub partner_agencies: Vec<String>,
    pub area: Option<String>,
    pub places: Option<String>,
    pub staff_count: Option<i64>,
    pub premises_inspected: Option<i64>,
    pub goods_checked: Option<i64>,
    pub marked_goods_checked: Option<i64>,
    pub problems: Vec<Problem>,
    pub notes: Option<String>,
}

impl InspectionInput {
    /// Checks every field against the rules, `today` being the county's day.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidInspection, AppError> {
        let mut errors = FieldErrors::new();
        let title = optional_text(&self.title, 200, "title", &mut errors);
        if title.is_none() {
            errors.add("title", Msg::new("inspections.error.title_required"));
        }
        let starts_on = day_not_far(&self.starts_on, "starts_on", today, &mut errors);
        if starts_on.is_none() && self.starts_on.trim().is_empty() {
            errors.add(
                "starts_on",
                Msg::new("inspections.error.starts_on_required"),
            );
        }
        let ends_on = day_not_far(
            self.ends_on.as_deref().unwrap_or_default(),
            "ends_on",
            today,
            &mut errors,
        );
        if let (Some(start), Some(end)) = (starts_on, ends_on)
            && end < start
        {
            errors.add(
                "ends_on",
                Msg::new("events.error.ends_before_start").arg("starts_on", start),
            );
        }
        let text = |raw: &Option<String>, max, field, errors: &mut FieldErrors| {
            optional_text(raw.as_deref().unwrap_or_default(), max, field, errors)
        };
        let goods_checked = self.goods_checked.validate("goods_checked", &mut errors);
        let marked = self
            .marked_goods_checked
            .validate("marked_goods_checked", &mut errors);
        if let (Some(goods), Some(marked)) = (goods_checked, marked)
            && marked > goods
        {
            errors.add(
                "marked_goods_checked",
                Msg::new("inspections.error.more_marked_than_goods").arg("goods", goods),
            );
        }
        let valid = ValidInspection {
            title: title.unwrap_or_default(),
            starts_on: starts_on.unwrap_or(today),
            ends_on: ends_on.or(starts_on).unwrap_or(today),
            lead_agency: text(&self.lead_agency, 200, "lead_agency", &mut errors),
            partner_agencies: names(&self.partner_agencies, "partner_agencies", &mut errors),
            area: text(&self.area, 200, "area", &mut errors),
            places: text(&self.places, 2000, "places", &mut errors),
            staff_count: self.staff_count.validate("staff_count", &mut errors),
            premises_inspected: self
                .premises_inspected
                .validate("premises_inspected", &mut errors),
            goods_checked,
            marked_goods_checked: marked,
            problems: self.problems(&mut errors),
            notes: text(&self.notes, 2000, "notes", &mut errors),
        };
        errors.into_result()?;
        Ok(valid)
    }

    /// The problems that say anything, each described.
    fn problems(&self, errors: &mut FieldErrors) -> Vec<Problem> {
        let mut problems = Vec::new();
        for (n, input) in self.problems.iter().enumerate() {
            if input.is_blank() {
                continue;
            }
            let field = |name: &str| format!("problems.{n}.{name}");
            let description =
                optional_text(&input.description, 1000, &field("description"), errors);
            if description.is_none() {
                errors.add(
                    &field("description"),
                    Msg::new("inspections.error.problem_description_required"),
                );
            }
            let text = |raw: &Option<String>, name: &str, errors: &mut FieldErrors| {
                optional_text(
                    raw.as_deref().unwrap_or_default(),
                    200,
                    &field(name),
                    errors,
                )
            };
            problems.push(Problem {
                description: description.unwrap_or_default(),
                party: text(&input.party, "party", errors),
                product: text(&input.product, "product", errors),
            });
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn input() -> InspectionInput {
        InspectionInput {
            title: "元旦春节期间专利执法检查".into(),
            starts_on: "2026-01-12".into(),
            goods_checked: CountInput::Text("1200".into()),
            marked_goods_checked: CountInput::Text("85".into()),
            ..InspectionInput::default()
        }
    }

    fn fields(result: Result<ValidInspection, AppError>) -> Vec<String> {
        match result {
            Err(AppError::Validation(errors)) => errors.iter().map(|(f, _)| f.clone()).collect(),
            Ok(_) => vec![],
            other => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn the_rules_of_an_inspection() {
        let today = day(2026, 11, 28);
        let problem = |description: &str| ProblemInput {
            description: description.into(),
            party: Some("某超市".into()),
            product: None,
        };
        let cases: [(InspectionInput, &[&str]); 7] = [
            (input(), &[]),
            (
                InspectionInput {
                    title: " ".into(),
                    ..input()
                },
                &["title"],
            ),
            (
                InspectionInput {
                    starts_on: "".into(),
                    ..input()
                },
                &["starts_on"],
            ),
            (
                InspectionInput {
                    ends_on: Some("2026-01-11".into()),
                    ..input()
                },
                &["ends_on"],
            ),
            (
                InspectionInput {
                    marked_goods_checked: CountInput::Text("1201".into()),
                    ..input()
                },
                &["marked_goods_checked"],
            ),
            (
                InspectionInput {
                    staff_count: CountInput::Text("-2".into()),
                    ..input()
                },
                &["staff_count"],
            ),
            (
                InspectionInput {
                    problems: vec![
                        problem("标注已失效专利号"),
                        problem(""),
                        ProblemInput::default(),
                    ],
                    ..input()
                },
                &["problems.1.description"],
            ),
        ];
        for (inspection, expected) in cases {
            assert_eq!(
                fields(inspection.validate(today)),
                expected,
                "{inspection:?}"
            );
        }
        let valid = input().validate(today);
        assert_eq!(valid.map(|v| v.ends_on).ok(), Some(day(2026, 1, 12)));
    }
}
