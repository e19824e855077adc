//! What identifies an enterprise: its unified social credit code, and its name as rosters spell it.

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::i18n::Msg;

/// The 31 characters of GB 32100-2015, in value order (no I, O, Z, S, V).
const CODE_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CODE_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A unified social credit code (统一社会信用代码): 18 characters, the last a check character.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

fn code_value(ch: char) -> Option<u32> {
    CODE_CHARS.find(ch).and_then(|i| u32::try_from(i).ok())
}

/// The check character the first 17 characters imply.
pub fn credit_check_character(first17: &str) -> Option<char> {
    let mut sum = 0;
    for (ch, weight) in first17.chars().zip(CODE_WEIGHTS) {
        sum += code_value(ch)? * weight;
    }
    let value = (31 - sum % 31) % 31;
    CODE_CHARS.chars().nth(usize::try_from(value).ok()?)
}

impl CreditCode {
    /// Reads a code typed or pasted in any width and case; a wrong check character is an error
    /// naming the expected one.
    pub fn parse(raw: &str) -> Result<CreditCode, Msg> {
        let text: String = raw
            .nfkc()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_uppercase();
        let shape = || Msg::new("enterprises.credit_code.shape").arg("code", raw.trim());
        if text.chars().count() != 18 || !text.chars().all(|c| code_value(c).is_some()) {
            return Err(shape());
        }
        let (first17, given) = text.split_at(17);
        let expected = credit_check_character(first17).ok_or_else(shape)?;
        if !given.starts_with(expected) {
            return Err(Msg::new("enterprises.credit_code.wrong_check")
                .arg("code", raw.trim())
                .arg("given", given)
                .arg("expected", expected));
        }
        Ok(CreditCode(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CreditCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The key two spellings of one enterprise's name share: NFKC (full-width letters and brackets
/// become ASCII), every space gone, every kind of bracket made round, Latin letters lower-cased.
/// `秭归县 （屈原）茶业有限公司` and `秭归县(屈原)茶业有限公司` have one key.
pub fn name_key(name: &str) -> String {
    // Most names are already keys (no spaces, brackets or capitals; normalised): a quick check
    // saves the normalisation, which an import of a hundred thousand rows would feel.
    if is_key_already(name) {
        return name.to_owned();
    }
    name_key_slow(name)
}

fn is_key_already(name: &str) -> bool {
    name.chars()
        .all(|c| !is_dropped(c) && round_bracket(c).is_none() && is_lower_case_already(c))
        && crate::text::is_nfkc(name)
}

/// Spaces and zero-width characters are not part of a name's key.
fn is_dropped(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}')
}

/// Every kind of bracket, as the round one it stands for in a key.
fn round_bracket(c: char) -> Option<char> {
    match c {
        '[' | '【' | '〔' | '［' | '{' | '〖' => Some('('),
        ']' | '】' | '〕' | '］' | '}' | '〗' => Some(')'),
        _ => None,
    }
}

fn is_lower_case_already(c: char) -> bool {
    if crate::text::is_plain(c) {
        return !c.is_ascii_uppercase();
    }
    let mut lower = c.to_lowercase();
    lower.next() == Some(c) && lower.next().is_none()
}

fn name_key_slow(name: &str) -> String {
    let unified: String = crate::text::nfkc(name)
        .chars()
        .filter(|c| !is_dropped(*c))
        .map(|c| round_bracket(c).unwrap_or(c))
        .flat_map(char::to_lowercase)
        .collect();
    // Removing a space can leave a combining mark next to a letter (´ is a space and a mark):
    // normalise again so the key is stable.
    unified.nfkc().collect()
}

/// A key that sorts names in pinyin order, as officers expect: each Chinese character becomes its
/// toneless pinyin (then the character itself, to keep homophones apart), other characters stay.
pub fn pinyin_sort_key(name: &str) -> String {
    use pinyin::ToPinyin;
    let mut key = String::new();
    for ch in name.nfkc() {
        match ch.to_pinyin() {
            Some(pinyin) => {
                key.push_str(pinyin.plain());
                key.push(ch);
                key.push(' ');
            }
            None => key.extend(ch.to_lowercase()),
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_credit_codes() {
        for code in [
            "91350100M000100Y43",
            "91110000802100433B",
            "91440300708461136T",
        ] {
            assert_eq!(CreditCode::parse(code).unwrap().as_str(), code);
        }
        // Lower case, full width and spaces are tidied.
        assert_eq!(
            CreditCode::parse(" 91350100m000100y43 ").unwrap().as_str(),
            "91350100M000100Y43"
        );
        assert_eq!(
            CreditCode::parse("９１３５０１００Ｍ０００１００Ｙ４３")
                .unwrap()
                .as_str(),
            "91350100M000100Y43"
        );
    }

    #[test]
    fn wrong_check_characters_name_the_expected_one() {
        let error = CreditCode::parse("91350100M000100Y44").unwrap_err();
        assert_eq!(error.key, "enterprises.credit_code.wrong_check");
        assert!(error.args.contains(&("expected".into(), "3".into())));
        let error = CreditCode::parse("913100001332835390").unwrap_err();
        assert!(error.args.contains(&("expected".into(), "4".into())));
    }

    #[test]
    fn shapes_that_are_not_codes() {
        for raw in [
            "",
            "9135010",
            "91350100M000100Y4",
            "91350100M000100Y433",
            "91350100I000100Y43",
            "9135010OM000100Y43",
            "中文中文中文中文中文中文中文中文中文",
        ] {
            assert_eq!(
                CreditCode::parse(raw).unwrap_err().key,
                "enterprises.credit_code.shape",
                "{raw}"
            );
        }
    }

    #[test]
    fn check_characters_are_always_in_the_alphabet() {
        for first17 in [
            "00000000000000000",
            "YYYYYYYYYYYYYYYYY",
            "91350100M000100Y4",
        ] {
            let check = credit_check_character(first17).unwrap();
            assert!(CODE_CHARS.contains(check));
        }
    }

    #[test]
    fn name_keys_unify_spellings() {
        let same = [
            "秭归县屈原茶业有限公司",
            "秭归县 屈原茶业有限公司",
            "秭归县\u{3000}屈原茶业有限公司 ",
        ];
        for name in same {
            assert_eq!(name_key(name), "秭归县屈原茶业有限公司");
        }
        assert_eq!(
            name_key("宜昌（秭归）电子有限公司"),
            name_key("宜昌(秭归)电子有限公司")
        );
        assert_eq!(name_key("宜昌【秭归】电子"), name_key("宜昌(秭归)电子"));
        assert_eq!(name_key("ＡＢＣ科技"), "abc科技");
        assert_ne!(name_key("秭归茶业"), name_key("秭归茶叶"));
    }

    #[test]
    fn pinyin_order() {
        let mut names = vec!["张三科技", "安琪酵母", "宜昌电子", "北京公司", "ABC"];
        names.sort_by_key(|n| pinyin_sort_key(n));
        assert_eq!(
            names,
            ["ABC", "安琪酵母", "北京公司", "宜昌电子", "张三科技"]
        );
    }

    proptest::proptest! {
        #[test]
        fn the_quick_key_is_the_full_one(name in "[a-zA-Z0-9 ()\\[\\]{}\u{3000}\u{FF21}\u{301}\u{4E00}-\u{4E10}【】]{0,10}") {
            proptest::prop_assert_eq!(name_key(&name), name_key_slow(&name));
        }

        #[test]
        fn name_keys_are_idempotent(name in "\\PC{0,20}") {
            proptest::prop_assert_eq!(name_key(&name_key(&name)), name_key(&name));
            proptest::prop_assert_eq!(name_key(&name), name_key_slow(&name));
        }

        #[test]
        fn any_text_gets_an_answer(text in "\\PC{0,25}") {
            let _ = CreditCode::parse(&text);
            let _ = pinyin_sort_key(&text);
        }
    }
}

/// The fields of an enterprise before validation.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct EnterpriseInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub credit_code: Option<String>,
    #[serde(default)]
    pub township: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    /// `{"certificate_number", "issued_on", "expires_on"}`, or null when not certified.
    #[serde(default)]
    pub high_tech: Option<HighTechInput>,
    #[serde(default)]
    pub tech_sme: bool,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct HighTechInput {
    #[serde(default)]
    pub certificate_number: Option<String>,
    #[serde(default)]
    pub issued_on: Option<String>,
    #[serde(default)]
    pub expires_on: Option<String>,
}

/// Provincial high-tech enterprise certification (省级高新技术企业).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HighTech {
    pub certificate_number: Option<String>,
    pub issued_on: Option<chrono::NaiveDate>,
    pub expires_on: Option<chrono::NaiveDate>,
}

/// An enterprise that satisfies every rule (the township is resolved by the service).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidEnterprise {
    pub name: String,
    pub name_key: String,
    pub credit_code: Option<CreditCode>,
    pub township: Option<String>,
    pub address: Option<String>,
    pub industry: Option<String>,
    pub high_tech: Option<HighTech>,
    pub tech_sme: bool,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub notes: Option<String>,
}

fn optional_field(
    raw: &Option<String>,
    max: usize,
    field: &str,
    errors: &mut crate::error::FieldErrors,
) -> Option<String> {
    crate::auth::domain::optional_text(raw.as_deref().unwrap_or_default(), max, field, errors)
}

impl EnterpriseInput {
    pub fn validate(&self) -> Result<ValidEnterprise, crate::error::AppError> {
        let mut errors = crate::error::FieldErrors::new();
        let name = crate::text::clean(&self.name);
        if name.is_empty() {
            errors.add("name", Msg::new("enterprises.name.required"));
        } else if crate::text::char_len(&name) > 200 {
            errors.add(
                "name",
                Msg::new("errors.validation.too_long").arg("max", 200),
            );
        }
        let raw_code = crate::text::clean(self.credit_code.as_deref().unwrap_or_default());
        let credit_code = if raw_code.is_empty() {
            None
        } else {
            CreditCode::parse(&raw_code)
                .map_err(|msg| errors.add("credit_code", msg))
                .ok()
        };
        let high_tech = self
            .high_tech
            .as_ref()
            .and_then(|h| h.validate(&mut errors));
        let valid = ValidEnterprise {
            name_key: name_key(&name),
            name,
            credit_code,
            township: optional_field(&self.township, 50, "township", &mut errors),
            address: optional_field(&self.address, 300, "address", &mut errors),
            industry: optional_field(&self.industry, 100, "industry", &mut errors),
            high_tech,
            tech_sme: self.tech_sme,
            contact_name: optional_field(&self.contact_name, 64, "contact_name", &mut errors),
            contact_phone: optional_field(&self.contact_phone, 64, "contact_phone", &mut errors),
            notes: optional_field(&self.notes, 2000, "notes", &mut errors),
        };
        errors.into_result()?;
        Ok(valid)
    }
}

impl HighTechInput {
    /// `None` when every field is empty (not certified).
    fn validate(&self, errors: &mut crate::error::FieldErrors) -> Option<HighTech> {
        let certificate_number = optional_field(
            &self.certificate_number,
            64,
            "high_tech.certificate_number",
            errors,
        );
        let date = |raw: &Option<String>, field: &str, errors: &mut crate::error::FieldErrors| {
            crate::dates::parse_optional(raw.as_deref().unwrap_or_default())
                .map_err(|msg| errors.add(field, msg))
                .ok()
                .flatten()
        };
        let issued_on = date(&self.issued_on, "high_tech.issued_on", errors);
        let expires_on = date(&self.expires_on, "high_tech.expires_on", errors);
        if let (Some(issued), Some(expires)) = (issued_on, expires_on)
            && expires <= issued
        {
            errors.add(
                "high_tech.expires_on",
                Msg::new("enterprises.high_tech.expires_before_issue"),
            );
        }
        (certificate_number.is_some() || issued_on.is_some() || expires_on.is_some()).then_some(
            HighTech {
                certificate_number,
                issued_on,
                expires_on,
            },
        )
    }
}

#[cfg(test)]
mod input_tests {
    use super::*;

    #[test]
    fn enterprises_are_cleaned_and_checked() {
        let input = EnterpriseInput {
            name: " 秭归县 屈原茶业有限公司 ".into(),
            credit_code: Some("91350100m000100y43".into()),
            high_tech: Some(HighTechInput {
                certificate_number: Some("GR202442000123".into()),
                issued_on: Some("2024-12-01".into()),
                expires_on: Some("2027-11-30".into()),
            }),
            ..EnterpriseInput::default()
        };
        let valid = input.validate().unwrap();
        assert_eq!(valid.name, "秭归县 屈原茶业有限公司");
        assert_eq!(valid.name_key, "秭归县屈原茶业有限公司");
        assert_eq!(valid.credit_code.unwrap().as_str(), "91350100M000100Y43");
        assert!(valid.high_tech.is_some());

        let bad = EnterpriseInput {
            name: "".into(),
            credit_code: Some("91350100M000100Y44".into()),
            high_tech: Some(HighTechInput {
                certificate_number: None,
                issued_on: Some("2024-12-01".into()),
                expires_on: Some("2023-01-01".into()),
            }),
            ..EnterpriseInput::default()
        };
        let Err(crate::error::AppError::Validation(errors)) = bad.validate() else {
            panic!("expected errors")
        };
        let fields: Vec<&String> = errors.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["name", "credit_code", "high_tech.expires_on"]);
    }

    #[test]
    fn empty_certification_is_none() {
        let input = EnterpriseInput {
            name: "甲".into(),
            high_tech: Some(HighTechInput::default()),
            ..EnterpriseInput::default()
        };
        assert_eq!(input.validate().unwrap().high_tech, None);
    }
}
