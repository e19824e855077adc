//! What the settings are and what makes them valid.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldErrors};
use crate::i18n::Msg;
use crate::text;

pub const MAX_NAME_CHARS: usize = 50;
pub const MAX_ALIASES: usize = 10;
pub const MAX_CASE_PREFIX_CHARS: usize = 20;
pub const DEFAULT_TIMEZONE: Tz = chrono_tz::Asia::Shanghai;

/// The county the desk serves: its name, the other names rosters use for it (区/县 spellings, old
/// names), and the prefix of its enforcement case numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jurisdiction {
    /// `None` until someone sets it.
    pub county: Option<String>,
    pub aliases: Vec<String>,
    pub case_prefix: String,
}

/// The jurisdiction as submitted by a form, the API or the CLI, before validation.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct JurisdictionInput {
    #[serde(default)]
    pub county: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub case_prefix: String,
}

impl JurisdictionInput {
    /// Cleans every value and checks the rules; all problems are reported at once.
    pub fn validate(self) -> Result<Jurisdiction, AppError> {
        let mut errors = FieldErrors::new();
        let county = text::clean(&self.county);
        if county.is_empty() {
            errors.add("county", Msg::new("settings.county.required"));
        } else if text::char_len(&county) > MAX_NAME_CHARS {
            errors.add("county", too_long(MAX_NAME_CHARS));
        }
        let aliases = validate_aliases(&county, &self.aliases, &mut errors);
        let case_prefix = text::clean(&self.case_prefix);
        if text::char_len(&case_prefix) > MAX_CASE_PREFIX_CHARS {
            errors.add("case_prefix", too_long(MAX_CASE_PREFIX_CHARS));
        } else if case_prefix.contains(' ') {
            errors.add("case_prefix", Msg::new("settings.case_prefix.no_spaces"));
        }
        errors.into_result()?;
        Ok(Jurisdiction {
            county: Some(county),
            aliases,
            case_prefix,
        })
    }
}

fn validate_aliases(county: &str, raw: &[String], errors: &mut FieldErrors) -> Vec<String> {
    let mut aliases: Vec<String> = Vec::new();
    for alias in raw.iter().flat_map(|a| text::split_list(a)) {
        if text::char_len(&alias) > MAX_NAME_CHARS {
            errors.add("aliases", too_long(MAX_NAME_CHARS));
        } else if alias == county {
            errors.add(
                "aliases",
                Msg::new("settings.aliases.same_as_county").arg("name", &alias),
            );
        } else if aliases.contains(&alias) {
            errors.add(
                "aliases",
                Msg::new("settings.aliases.duplicate").arg("name", &alias),
            );
        } else {
            aliases.push(alias);
        }
    }
    if aliases.len() > MAX_ALIASES {
        errors.add(
            "aliases",
            Msg::new("settings.aliases.too_many").arg("max", MAX_ALIASES),
        );
    }
    aliases
}

pub fn too_long(max: usize) -> Msg {
    Msg::new("errors.validation.too_long").arg("max", max)
}

/// An IANA time zone such as `Asia/Shanghai`; it decides "today", deadlines and file names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timezone(pub Tz);

impl Timezone {
    pub fn parse(raw: &str) -> Result<Timezone, AppError> {
        let name = text::clean(raw);
        if name.is_empty() {
            return Err(crate::error::field_error(
                "timezone",
                Msg::new("settings.timezone.required"),
            ));
        }
        name.parse::<Tz>().map(Timezone).map_err(|_| {
            crate::error::field_error(
                "timezone",
                Msg::new("settings.timezone.unknown").arg("name", &name),
            )
        })
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl Default for Timezone {
    fn default() -> Timezone {
        Timezone(DEFAULT_TIMEZONE)
    }
}

/// Every setting, read together once per request.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub jurisdiction: Jurisdiction,
    pub timezone: Timezone,
    /// Marks the session cookie Secure; turn on when the desk is served over HTTPS.
    pub secure_cookies: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(county: &str, aliases: &[&str], prefix: &str) -> JurisdictionInput {
        JurisdictionInput {
            county: county.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            case_prefix: prefix.into(),
        }
    }

    fn error_fields(result: Result<Jurisdiction, AppError>) -> Vec<String> {
        match result {
            Err(AppError::Validation(fields)) => fields.iter().map(|(f, _)| f.clone()).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn valid_jurisdictions_are_cleaned() {
        let j = input("\u{3000}秭归县 ", &["秭归，归州", " 归州县"], " 秭 ").validate();
        let j = j.unwrap_or_default();
        assert_eq!(j.county.as_deref(), Some("秭归县"));
        assert_eq!(j.aliases, vec!["秭归", "归州", "归州县"]);
        assert_eq!(j.case_prefix, "秭");
    }

    #[test]
    fn invalid_jurisdictions_name_each_field() {
        let cases: [(JurisdictionInput, &[&str]); 6] = [
            (input("", &[], ""), &["county"]),
            (input(" \u{3000} ", &[], ""), &["county"]),
            (input(&"县".repeat(51), &[], ""), &["county"]),
            (input("秭归县", &["秭归县"], ""), &["aliases"]),
            (input("秭归县", &["秭归", "秭归"], ""), &["aliases"]),
            (input("", &[], "a b"), &["county", "case_prefix"]),
        ];
        for (input, fields) in cases {
            assert_eq!(error_fields(input.validate()), fields.to_vec());
        }
    }

    #[test]
    fn timezones() {
        assert_eq!(
            Timezone::parse(" Asia/Shanghai ").ok(),
            Some(Timezone(chrono_tz::Asia::Shanghai))
        );
        assert!(Timezone::parse("Asia/Beijing").is_err());
        assert!(Timezone::parse("").is_err());
        assert_eq!(Timezone::default().name(), "Asia/Shanghai");
    }
}
