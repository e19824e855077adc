//! A patent as submitted by a form, the API, the CLI or an import row, and the rules it must meet
//! before it is stored.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::number::{ApplicationNumber, PatentType, PublicationNumber};
use crate::dates;
use crate::enterprises::domain::name_key;
use crate::error::{AppError, FieldErrors};
use crate::i18n::Msg;
use crate::text;

const MAX_TITLE: usize = 500;
const MAX_NAME: usize = 200;
const MAX_APPLICANTS: usize = 30;
const MAX_INVENTORS: usize = 60;

/// An applicant as sent: a plain name, or a name with the enterprise it is.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ApplicantInput {
    Name(String),
    Linked {
        name: String,
        #[serde(default)]
        enterprise_id: Option<i64>,
    },
}

impl ApplicantInput {
    fn parts(&self) -> (&str, Option<i64>) {
        match self {
            ApplicantInput::Name(name) => (name, None),
            ApplicantInput::Linked {
                name,
                enterprise_id,
            } => (name, *enterprise_id),
        }
    }
}

/// The fields of a patent before validation. Dates are text so every spelling gets a clear message.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PatentInput {
    #[serde(default)]
    pub application_number: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub applicants: Vec<ApplicantInput>,
    #[serde(default)]
    pub inventors: Vec<String>,
    #[serde(default)]
    pub filed_on: Option<String>,
    #[serde(default)]
    pub granted_on: Option<String>,
    #[serde(default)]
    pub grant_publication_number: Option<String>,
    #[serde(default)]
    pub agency: Option<String>,
    #[serde(default)]
    pub ipc_main: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub township: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// One applicant, cleaned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applicant {
    pub name: String,
    pub name_key: String,
    pub enterprise_id: Option<i64>,
}

/// A patent that satisfies every rule (the township is resolved by the service).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidPatent {
    pub number: ApplicationNumber,
    /// The check character was missing and has been computed: worth telling the person.
    pub check_added: bool,
    pub patent_type: PatentType,
    pub title: String,
    pub applicants: Vec<Applicant>,
    pub inventors: Vec<String>,
    pub filed_on: Option<NaiveDate>,
    pub granted_on: Option<NaiveDate>,
    pub grant_publication_number: Option<PublicationNumber>,
    pub agency: Option<String>,
    pub ipc_main: Option<String>,
    pub address: Option<String>,
    pub township: Option<String>,
    pub notes: Option<String>,
}

fn optional(
    raw: &Option<String>,
    max: usize,
    field: &str,
    errors: &mut FieldErrors,
) -> Option<String> {
    let value = text::clean(raw.as_deref().unwrap_or_default());
    if text::char_len(&value) > max {
        errors.add(
            field,
            Msg::new("errors.validation.too_long").arg("max", max),
        );
    }
    (!value.is_empty()).then_some(value)
}

fn date(
    raw: &Option<String>,
    field: &str,
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    match dates::parse_optional(raw.as_deref().unwrap_or_default()) {
        Ok(Some(day)) if day > today => {
            errors.add(field, Msg::new("patents.date.future").arg("date", day));
            None
        }
        Ok(day) => day,
        Err(msg) => {
            errors.add(field, msg);
            None
        }
    }
}

impl PatentInput {
    /// Checks every field against the rules, reporting all problems at once. `today` is the
    /// configured time zone's date: nothing can be filed or granted after it.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidPatent, AppError> {
        let mut errors = FieldErrors::new();
        let parsed = ApplicationNumber::parse(&self.application_number)
            .map_err(|msg| errors.add("application_number", msg))
            .ok();
        let title = text::clean(&self.title);
        if title.is_empty() {
            errors.add("title", Msg::new("patents.title_required"));
        } else if text::char_len(&title) > MAX_TITLE {
            errors.add(
                "title",
                Msg::new("errors.validation.too_long").arg("max", MAX_TITLE),
            );
        }
        let applicants = self.applicants(&mut errors);
        let inventors = self.inventors(&mut errors);
        let filed_on = date(&self.filed_on, "filed_on", today, &mut errors);
        let granted_on = date(&self.granted_on, "granted_on", today, &mut errors);
        if let (Some(filed), Some(granted)) = (filed_on, granted_on)
            && granted < filed
        {
            errors.add(
                "granted_on",
                Msg::new("patents.lifecycle.grant_before_filing")
                    .arg("on", granted)
                    .arg("filed_on", filed),
            );
        }
        if let (Some(parsed), Some(filed)) = (&parsed, filed_on) {
            check_filing_year(&parsed.number, filed, &mut errors);
        }
        let grant_publication_number = self.publication(
            parsed.as_ref().map(|p| p.number.patent_type()),
            granted_on,
            &mut errors,
        );
        let agency = optional(&self.agency, MAX_NAME, "agency", &mut errors);
        let ipc_main = optional(&self.ipc_main, 32, "ipc_main", &mut errors);
        let address = optional(&self.address, 300, "address", &mut errors);
        let township = optional(&self.township, 50, "township", &mut errors);
        let notes = optional(&self.notes, 2000, "notes", &mut errors);
        errors.into_result()?;
        let Some(parsed) = parsed else {
            return Err(AppError::Internal("number vanished".into()));
        };
        Ok(ValidPatent {
            patent_type: parsed.number.patent_type(),
            number: parsed.number,
            check_added: parsed.check_added,
            title,
            applicants,
            inventors,
            filed_on,
            granted_on,
            grant_publication_number,
            agency,
            ipc_main,
            address,
            township,
            notes,
        })
    }

    fn applicants(&self, errors: &mut FieldErrors) -> Vec<Applicant> {
        let mut applicants: Vec<Applicant> = Vec::new();
        for input in &self.applicants {
            let (raw, enterprise_id) = input.parts();
            // One form field may list several, separated as people do.
            for name in text::split_list(raw) {
                if text::char_len(&name) > MAX_NAME {
                    errors.add(
                        "applicants",
                        Msg::new("errors.validation.too_long").arg("max", MAX_NAME),
                    );
                    continue;
                }
                let key = name_key(&name);
                if applicants.iter().any(|a| a.name_key == key) {
                    errors.add(
                        "applicants",
                        Msg::new("patents.applicants.duplicate").arg("name", &name),
                    );
                    continue;
                }
                applicants.push(Applicant {
                    name,
                    name_key: key,
                    enterprise_id,
                });
            }
        }
        if applicants.is_empty() {
            errors.add("applicants", Msg::new("patents.applicants.required"));
        } else if applicants.len() > MAX_APPLICANTS {
            errors.add(
                "applicants",
                Msg::new("patents.applicants.too_many").arg("max", MAX_APPLICANTS),
            );
        }
        applicants
    }

    fn inventors(&self, errors: &mut FieldErrors) -> Vec<String> {
        let inventors: Vec<String> = self
            .inventors
            .iter()
            .flat_map(|raw| text::split_list(raw))
            .collect();
        if inventors.len() > MAX_INVENTORS {
            errors.add(
                "inventors",
                Msg::new("patents.inventors.too_many").arg("max", MAX_INVENTORS),
            );
        }
        if inventors.iter().any(|name| text::char_len(name) > 64) {
            errors.add(
                "inventors",
                Msg::new("errors.validation.too_long").arg("max", 64),
            );
        }
        inventors
    }

    fn publication(
        &self,
        patent_type: Option<PatentType>,
        granted_on: Option<NaiveDate>,
        errors: &mut FieldErrors,
    ) -> Option<PublicationNumber> {
        let field = "grant_publication_number";
        let raw = text::clean(self.grant_publication_number.as_deref().unwrap_or_default());
        if raw.is_empty() {
            return None;
        }
        let number = PublicationNumber::parse(&raw)
            .map_err(|msg| errors.add(field, msg))
            .ok()?;
        if granted_on.is_none() {
            errors.add(field, Msg::new("patents.grant.needs_date"));
        }
        if let Some(patent_type) = patent_type
            && !number.fits_grant_of(patent_type)
        {
            errors.add(
                field,
                Msg::new("patents.lifecycle.kind_mismatch")
                    .arg("number", &number)
                    .arg("kind", format!("@{}", number.kind().label_key()))
                    .arg("type", format!("@{}", patent_type.label_key())),
            );
        }
        Some(number)
    }
}

/// The year in a (non-PCT, post-2003) number is the filing year. PCT numbers carry the year the
/// application entered China, which may follow the international filing date.
fn check_filing_year(number: &ApplicationNumber, filed_on: NaiveDate, errors: &mut FieldErrors) {
    if number.is_pct() || number.digits().len() != 12 {
        return;
    }
    let year: i32 = number.digits()[..4].parse().unwrap_or(filed_on.year());
    if year != filed_on.year() {
        errors.add(
            "filed_on",
            Msg::new("patents.date.year_mismatch")
                .arg("date", filed_on)
                .arg("year", year),
        );
    }
}

/// The text searched by the register: title, applicants, inventors and number, lower-cased.
pub fn search_text(valid: &ValidPatent) -> String {
    search_text_of(
        valid.number.stored(),
        &valid.title,
        valid.applicants.iter().map(|a| a.name.as_str()),
        valid.inventors.iter().map(String::as_str),
    )
}

/// The register's search text from a patent's parts: the forms' and the importer's alike.
pub fn search_text_of<'a>(
    number: &'a str,
    title: &'a str,
    applicants: impl IntoIterator<Item = &'a str>,
    inventors: impl IntoIterator<Item = &'a str>,
) -> String {
    [number, title]
        .into_iter()
        .chain(applicants)
        .chain(inventors)
        .map(crate::text::lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    fn input() -> PatentInput {
        PatentInput {
            application_number: "201710601862.3".into(),
            title: " 一种茶叶揉捻装置 ".into(),
            applicants: vec![ApplicantInput::Name("秭归县屈原茶业有限公司、张三".into())],
            inventors: vec!["张三，李四".into()],
            filed_on: Some("2017-07-21".into()),
            granted_on: Some("2019/3/1".into()),
            grant_publication_number: Some("CN107300001B".into()),
            ..PatentInput::default()
        }
    }

    fn fields(result: Result<ValidPatent, AppError>) -> Vec<String> {
        match result {
            Err(AppError::Validation(errors)) => errors.iter().map(|(f, _)| f.clone()).collect(),
            other => panic!("expected validation errors, got {other:?}"),
        }
    }

    #[test]
    fn a_complete_patent_is_cleaned() {
        let valid = input().validate(today()).unwrap();
        assert_eq!(valid.number.stored(), "2017106018623");
        assert_eq!(valid.patent_type, PatentType::Invention);
        assert_eq!(valid.title, "一种茶叶揉捻装置");
        let names: Vec<&str> = valid.applicants.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["秭归县屈原茶业有限公司", "张三"]);
        assert_eq!(valid.inventors, ["张三", "李四"]);
        assert_eq!(valid.granted_on, NaiveDate::from_ymd_opt(2019, 3, 1));
        assert!(search_text(&valid).contains("茶叶揉捻"));
    }

    #[test]
    fn every_problem_is_named() {
        let mut bad = input();
        bad.application_number = "201710601862.4".into();
        bad.title = "".into();
        bad.applicants = vec![];
        bad.filed_on = Some("2017-13-01".into());
        bad.granted_on = Some("2030-01-01".into());
        assert_eq!(
            fields(bad.validate(today())),
            // In the form's order, as the command line lists them.
            [
                "application_number",
                "title",
                "applicants",
                "filed_on",
                "granted_on",
                "grant_publication_number",
            ]
        );
    }

    #[test]
    fn dates_must_make_sense() {
        let mut early = input();
        early.granted_on = Some("2017-01-01".into());
        assert_eq!(fields(early.validate(today())), ["granted_on"]);
        let mut wrong_year = input();
        wrong_year.filed_on = Some("2016-12-30".into());
        assert_eq!(fields(wrong_year.validate(today())), ["filed_on"]);
        // A PCT number's year is when it entered China: an earlier international date is fine.
        let mut pct = input();
        pct.application_number = "200480002090.2".into();
        pct.filed_on = Some("2003-02-10".into());
        pct.granted_on = None;
        pct.grant_publication_number = None;
        assert!(pct.validate(today()).is_ok());
    }

    #[test]
    fn grant_numbers_must_fit_the_type() {
        let mut utility = input();
        utility.application_number = "201720601862".into();
        utility.filed_on = Some("2017-07-21".into());
        let result = utility.validate(today());
        assert_eq!(fields(result), ["grant_publication_number"]);
        utility.grant_publication_number = Some("CN206123456U".into());
        let valid = utility.validate(today()).unwrap();
        assert!(valid.check_added);
        assert_eq!(valid.patent_type, PatentType::UtilityModel);
    }

    #[test]
    fn applicants_named_twice_are_refused() {
        let mut twice = input();
        twice.applicants = vec![
            ApplicantInput::Name("秭归县 屈原茶业有限公司".into()),
            ApplicantInput::Linked {
                name: "秭归县屈原茶业有限公司".into(),
                enterprise_id: Some(3),
            },
        ];
        assert_eq!(fields(twice.validate(today())), ["applicants"]);
    }

    #[test]
    fn applicants_come_as_names_or_objects() {
        let parsed: PatentInput = serde_json::from_str(
            r#"{"applicants": ["甲公司", {"name": "乙公司", "enterprise_id": 7}]}"#,
        )
        .unwrap();
        assert_eq!(
            parsed.applicants[1],
            ApplicantInput::Linked {
                name: "乙公司".into(),
                enterprise_id: Some(7)
            }
        );
    }
}
