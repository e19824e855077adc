//! Who may sign in and what they may do: roles, usernames and password rules.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldErrors};
use crate::i18n::Msg;
use crate::text;

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;
const MAX_USERNAME_CHARS: usize = 32;
const MAX_REAL_NAME_CHARS: usize = 32;
const MAX_CERTIFICATE_CHARS: usize = 32;

/// What a person may do. Each role may do everything the ones below it may.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    sea_orm::DeriveValueType,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    value_type = "String",
    from_str = "Role::from_db",
    to_str = "Role::as_str"
)]
pub enum Role {
    /// Reads and exports (a bureau leader).
    Viewer,
    /// Also records and changes (the IP officer).
    Officer,
    /// Also manages users, tokens and settings.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Officer, Role::Viewer];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Officer => "officer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == raw.trim().to_ascii_lowercase())
    }

    fn from_db(raw: &str) -> Result<Role, sea_orm::sea_query::ValueTypeErr> {
        Role::parse(raw).ok_or(sea_orm::sea_query::ValueTypeErr)
    }

    /// Parses a role typed by a person, with the error they should see.
    pub fn parse_input(raw: &str) -> Result<Role, AppError> {
        Role::parse(raw).ok_or_else(|| {
            crate::error::field_error(
                "role",
                Msg::new("users.role.unknown").arg("role", text::clean(raw)),
            )
        })
    }

    /// Whether this role may do what `required` may.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }

    /// Locale key of the role's name.
    pub fn label_key(self) -> String {
        format!("roles.{}", self.as_str())
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks a username: 2–32 lower-case letters, digits, dot, dash or underscore.
pub fn parse_username(raw: &str) -> Result<String, Msg> {
    let name = text::clean(raw).to_ascii_lowercase();
    if name.is_empty() {
        return Err(Msg::new("users.username.required"));
    }
    let allowed =
        |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_');
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if name.chars().count() < 2
        || name.chars().count() > MAX_USERNAME_CHARS
        || !name.chars().all(allowed)
        || !starts_well
    {
        return Err(Msg::new("users.username.invalid"));
    }
    Ok(name)
}

/// Checks a new password against the rules; returns it unchanged (spaces are allowed).
pub fn check_password(
    password: &str,
    confirmation: Option<&str>,
    username: &str,
) -> Result<(), Msg> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(Msg::new("users.password.too_short").arg("min", MIN_PASSWORD_CHARS));
    }
    if length > MAX_PASSWORD_CHARS {
        return Err(Msg::new("users.password.too_long").arg("max", MAX_PASSWORD_CHARS));
    }
    if password.trim().eq_ignore_ascii_case(username) {
        return Err(Msg::new("users.password.same_as_username"));
    }
    if confirmation.is_some_and(|c| c != password) {
        return Err(Msg::new("users.password.mismatch"));
    }
    Ok(())
}

/// A new user as submitted by the setup page, the admin page, the API or the CLI.
#[derive(Clone, Debug, Default, Deserialize, rocket::FromForm)]
pub struct NewUser {
    #[serde(default)]
    #[field(default = String::new())]
    pub username: String,
    #[serde(default)]
    #[field(default = String::new())]
    pub real_name: String,
    #[serde(default)]
    #[field(default = String::new())]
    pub role: String,
    #[serde(default)]
    #[field(default = String::new())]
    pub certificate_number: String,
    #[serde(default)]
    #[field(default = String::new())]
    pub password: String,
    /// Present on forms that ask twice; the API and CLI leave it out.
    #[serde(default)]
    pub password_confirmation: Option<String>,
}

impl NewUser {
    /// What a form shows again after a problem: everything but the passwords.
    pub fn form_values(&self) -> std::collections::BTreeMap<String, String> {
        [
            ("username", &self.username),
            ("real_name", &self.real_name),
            ("role", &self.role),
            ("certificate_number", &self.certificate_number),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.clone()))
        .collect()
    }
}

/// A new user that satisfies every rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidUser {
    pub username: String,
    pub real_name: String,
    pub role: Role,
    pub certificate_number: Option<String>,
    pub password: String,
}

impl NewUser {
    /// Cleans and checks every field, reporting all problems at once.
    pub fn validate(self) -> Result<ValidUser, AppError> {
        let mut errors = FieldErrors::new();
        let username = parse_username(&self.username)
            .map_err(|m| errors.add("username", m))
            .ok();
        let role = Role::parse(&self.role);
        if role.is_none() {
            let key = if self.role.trim().is_empty() {
                "users.role.required"
            } else {
                "users.role.unknown"
            };
            errors.add("role", Msg::new(key).arg("role", text::clean(&self.role)));
        }
        let real_name = optional_text(
            &self.real_name,
            MAX_REAL_NAME_CHARS,
            "real_name",
            &mut errors,
        );
        let certificate_number = optional_text(
            &self.certificate_number,
            MAX_CERTIFICATE_CHARS,
            "certificate_number",
            &mut errors,
        );
        let name_for_rules = username.clone().unwrap_or_default();
        if let Err(msg) = check_password(
            &self.password,
            self.password_confirmation.as_deref(),
            &name_for_rules,
        ) {
            let field = if msg.key == "users.password.mismatch" {
                "password_confirmation"
            } else {
                "password"
            };
            errors.add(field, msg);
        }
        errors.into_result()?;
        let username = username.unwrap_or_default();
        Ok(ValidUser {
            real_name: real_name.unwrap_or_else(|| username.clone()),
            username,
            role: role.unwrap_or(Role::Viewer),
            certificate_number,
            password: self.password,
        })
    }
}

/// A cleaned optional text field, `None` when empty.
pub fn optional_text(
    raw: &str,
    max: usize,
    field: &str,
    errors: &mut FieldErrors,
) -> Option<String> {
    let value = text::clean(raw);
    if text::char_len(&value) > max {
        errors.add(
            field,
            Msg::new("errors.validation.too_long").arg("max", max),
        );
    }
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_order_and_parse() {
        assert!(Role::Admin.allows(Role::Officer));
        assert!(Role::Officer.allows(Role::Viewer));
        assert!(!Role::Viewer.allows(Role::Officer));
        assert!(!Role::Officer.allows(Role::Admin));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse(" Admin "), Some(Role::Admin));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn usernames() {
        let cases = [
            ("zhangsan", Ok("zhangsan")),
            (" ZhangSan ", Ok("zhangsan")),
            ("li.si-2", Ok("li.si-2")),
            ("", Err("users.username.required")),
            ("a", Err("users.username.invalid")),
            ("张三", Err("users.username.invalid")),
            ("has space", Err("users.username.invalid")),
            ("-dash", Err("users.username.invalid")),
            (&"x".repeat(33), Err("users.username.invalid")),
        ];
        for (raw, expected) in cases {
            let got = parse_username(raw).map_err(|m| m.key);
            assert_eq!(got.as_deref().map_err(String::as_str), expected, "{raw}");
        }
    }

    #[test]
    fn passwords() {
        assert!(check_password("correct horse", None, "zhang").is_ok());
        let key = |r: Result<(), Msg>| r.err().map(|m| m.key).unwrap_or_default();
        assert_eq!(
            key(check_password("short", None, "zhang")),
            "users.password.too_short"
        );
        assert_eq!(
            key(check_password("九个汉字还不够长呀", None, "zhang")),
            "users.password.too_short"
        );
        assert!(check_password("十个汉字的密码正好够长", None, "zhang").is_ok());
        assert_eq!(
            key(check_password("zhangsan01", None, "zhangsan01")),
            "users.password.same_as_username"
        );
        assert_eq!(
            key(check_password("long enough 1", Some("long enough 2"), "x")),
            "users.password.mismatch"
        );
    }

    #[test]
    fn new_users_report_every_problem() {
        let input = NewUser {
            username: "".into(),
            role: "root".into(),
            password: "short".into(),
            ..NewUser::default()
        };
        let Err(AppError::Validation(errors)) = input.validate() else {
            panic!("expected errors")
        };
        let fields: Vec<&String> = errors.iter().map(|(f, _)| f).collect();
        // In the form's order.
        assert_eq!(fields, ["username", "role", "password"]);
    }

    #[test]
    fn real_name_defaults_to_the_username() {
        let input = NewUser {
            username: "wangwu".into(),
            role: "officer".into(),
            password: "a good long password".into(),
            ..NewUser::default()
        };
        let user = input.validate().unwrap();
        assert_eq!(user.real_name, "wangwu");
        assert_eq!(user.role, Role::Officer);
        assert_eq!(user.certificate_number, None);
    }
}
