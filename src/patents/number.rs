//! Chinese patent numbers as people and spreadsheets write them.
//!
//! An application number is `YYYY T NNNNNNN . C` since October 2003 (12 digits, a dot, a check
//! character) and `YY T NNNNN . C` before (8 digits). T is the type: 1 invention, 2 utility model,
//! 3 design, 8 PCT invention, 9 PCT utility model. The check character is the sum of the digits
//! weighted 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5 (left to right), modulo 11; 10 is written `X`.

use serde::{Deserialize, Serialize};

use crate::i18n::Msg;

const WEIGHTS: [u32; 8] = [2, 3, 4, 5, 6, 7, 8, 9];

/// The three kinds of Chinese patent.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    sea_orm::DeriveValueType,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    value_type = "String",
    from_str = "PatentType::from_db",
    to_str = "PatentType::as_str"
)]
pub enum PatentType {
    Invention,
    UtilityModel,
    Design,
}

impl PatentType {
    pub const ALL: [PatentType; 3] = [
        PatentType::Invention,
        PatentType::UtilityModel,
        PatentType::Design,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            PatentType::Invention => "invention",
            PatentType::UtilityModel => "utility_model",
            PatentType::Design => "design",
        }
    }

    pub fn parse(raw: &str) -> Option<PatentType> {
        PatentType::ALL
            .into_iter()
            .find(|t| t.as_str() == raw.trim())
    }

    fn from_db(raw: &str) -> Result<PatentType, sea_orm::sea_query::ValueTypeErr> {
        PatentType::parse(raw).ok_or(sea_orm::sea_query::ValueTypeErr)
    }

    /// Locale key of the type's name.
    pub fn label_key(self) -> String {
        format!("patent_type.{}", self.as_str())
    }

    fn from_digit(digit: u8) -> Option<PatentType> {
        match digit {
            b'1' | b'8' => Some(PatentType::Invention),
            b'2' | b'9' => Some(PatentType::UtilityModel),
            b'3' => Some(PatentType::Design),
            _ => None,
        }
    }
}

/// A valid application number, stored without the dot: `2017106018623`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApplicationNumber(String);

/// A number that parsed, and whether its check character had to be computed (a warning to show).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedNumber {
    pub number: ApplicationNumber,
    pub check_added: bool,
}

/// The check character for a string of digits.
pub fn check_character(digits: &str) -> Option<char> {
    let mut sum = 0;
    for (index, ch) in digits.chars().enumerate() {
        sum += ch.to_digit(10)? * WEIGHTS[index % WEIGHTS.len()];
    }
    Some(match sum % 11 {
        10 => 'X',
        n => char::from_digit(n, 10)?,
    })
}

/// Full-width characters made ASCII, letters upper-cased, spaces and the `CN`/`ZL` prefixes gone.
fn tidy(raw: &str) -> String {
    let text: String = crate::text::nfkc(raw)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let text = text.strip_prefix("ZL").unwrap_or(&text);
    let text = text.strip_prefix("CN").unwrap_or(text);
    text.strip_prefix("ZL").unwrap_or(text).to_owned()
}

/// `2.01710601862E+11`, as Excel shows a long number typed into a general cell. In a narrow
/// column Excel shows fewer digits (`2.01711E+11`), and a CSV saved from it keeps only those: the
/// digits left out are lost, and zeros in their place would make another patent's number.
fn expand_scientific(text: &str, raw: &str) -> Result<Option<String>, Msg> {
    let Some((mantissa, _)) = text.split_once('E') else {
        return Ok(None);
    };
    let Some(value) = text.parse::<f64>().ok().filter(|v| v.is_finite()) else {
        return Ok(None);
    };
    if !(0.0..1e13).contains(&value) {
        return Ok(None);
    }
    let whole = format!("{value:.0}");
    let given = mantissa
        .trim_start_matches(['0', '.'])
        .chars()
        .filter(char::is_ascii_digit)
        .count();
    if given < whole.len() {
        return Err(Msg::new("patents.number.shortened").arg("number", raw.trim()));
    }
    Ok(Some(whole))
}

impl ApplicationNumber {
    /// Reads a number in any spelling seen in rosters. A missing check character is computed (and
    /// `check_added` says so); a wrong one is an error naming the one the digits imply.
    pub fn parse(raw: &str) -> Result<ParsedNumber, Msg> {
        let text = tidy(raw);
        if text.is_empty() {
            return Err(Msg::new("patents.number.required"));
        }
        let text = expand_scientific(&text, raw)?.unwrap_or(text);
        let (digits, given) = split_check(&text)
            .ok_or_else(|| Msg::new("patents.number.shape").arg("number", raw.trim()))?;
        if !plausible(digits) {
            return Err(Msg::new("patents.number.shape").arg("number", raw.trim()));
        }
        let expected = check_character(digits)
            .ok_or_else(|| Msg::new("patents.number.shape").arg("number", raw.trim()))?;
        match given {
            Some(given) if given != expected => Err(Msg::new("patents.number.wrong_check")
                .arg("number", raw.trim())
                .arg("given", given)
                .arg("expected", expected)),
            _ => Ok(ParsedNumber {
                number: ApplicationNumber(format!("{digits}{expected}")),
                check_added: given.is_none(),
            }),
        }
    }

    /// Reads the stored form (digits and check character, no dot); `None` if it is not one.
    /// Exact, with no tidying: exports read a hundred thousand of these.
    pub fn from_stored(stored: &str) -> Option<ApplicationNumber> {
        let (digits, check) = match split_check(stored)? {
            (digits, Some(check)) if digits.len() + 1 == stored.len() => (digits, check),
            _ => return None,
        };
        (plausible(digits) && check_character(digits) == Some(check))
            .then(|| ApplicationNumber(stored.to_owned()))
    }

    /// The stored form: digits and check character, no dot.
    pub fn stored(&self) -> &str {
        &self.0
    }

    /// The digits before the check character.
    pub fn digits(&self) -> &str {
        &self.0[..self.0.len() - 1]
    }

    pub fn check(&self) -> char {
        self.0.chars().last().unwrap_or('0')
    }

    /// The type from the type digit: 1 and 8 invention, 2 and 9 utility model, 3 design.
    pub fn patent_type(&self) -> PatentType {
        let position = if self.digits().len() == 12 { 4 } else { 2 };
        self.0
            .as_bytes()
            .get(position)
            .and_then(|digit| PatentType::from_digit(*digit))
            .unwrap_or(PatentType::Invention)
    }

    /// Whether it entered China through the PCT route (type digit 8 or 9).
    pub fn is_pct(&self) -> bool {
        let position = if self.digits().len() == 12 { 4 } else { 2 };
        matches!(self.0.as_bytes().get(position), Some(b'8' | b'9'))
    }

    /// The patent number: `ZL` and the application number.
    pub fn patent_number(&self) -> String {
        format!("ZL{self}")
    }
}

impl std::fmt::Display for ApplicationNumber {
    /// `201710601862.3`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.digits(), self.check())
    }
}

impl Serialize for ApplicationNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Splits digits from the check character: `2017106018623`, `201710601862.3`, `201710601862`,
/// `201710601862.` and the 8-digit forms.
fn split_check(text: &str) -> Option<(&str, Option<char>)> {
    // Byte lengths below are character counts only for ASCII.
    if !text.is_ascii() {
        return None;
    }
    let (body, check) = match text.split_once('.') {
        Some((body, "")) => (body, None),
        Some((body, check)) if check.chars().count() == 1 => (body, check.chars().next()),
        Some(_) => return None,
        None => match text.len() {
            13 | 9 => (&text[..text.len() - 1], text.chars().last()),
            12 | 8 => (text, None),
            _ => return None,
        },
    };
    if !(body.len() == 12 || body.len() == 8) || !body.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    match check {
        Some(c) if !(c.is_ascii_digit() || c == 'X') => None,
        check => Some((body, check)),
    }
}

/// A year the office used that form in, and a known type digit.
fn plausible(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    let (year, type_digit) = if digits.len() == 12 {
        (digits[..4].parse::<u32>().unwrap_or(0), bytes[4])
    } else {
        let yy = digits[..2].parse::<u32>().unwrap_or(99);
        (if yy >= 85 { 1900 + yy } else { 2000 + yy }, bytes[2])
    };
    let year_ok = if digits.len() == 12 {
        (2003..=2100).contains(&year)
    } else {
        (1985..=2004).contains(&year)
    };
    year_ok && PatentType::from_digit(type_digit).is_some()
}

/// What the kind code of a publication number says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicationKind {
    /// A: an invention application published.
    InventionApplication,
    /// B (C before 2010): an invention granted.
    InventionGrant,
    /// U (Y before 2010): a utility model granted.
    UtilityModelGrant,
    /// S (D before 2010): a design granted.
    DesignGrant,
}

impl PublicationKind {
    fn from_code(code: char) -> Option<PublicationKind> {
        match code {
            'A' => Some(PublicationKind::InventionApplication),
            'B' | 'C' => Some(PublicationKind::InventionGrant),
            'U' | 'Y' => Some(PublicationKind::UtilityModelGrant),
            'S' | 'D' => Some(PublicationKind::DesignGrant),
            _ => None,
        }
    }

    /// The grant kind of a patent type.
    pub fn grant_of(patent_type: PatentType) -> PublicationKind {
        match patent_type {
            PatentType::Invention => PublicationKind::InventionGrant,
            PatentType::UtilityModel => PublicationKind::UtilityModelGrant,
            PatentType::Design => PublicationKind::DesignGrant,
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            PublicationKind::InventionApplication => "publication_kind.invention_application",
            PublicationKind::InventionGrant => "publication_kind.invention_grant",
            PublicationKind::UtilityModelGrant => "publication_kind.utility_model_grant",
            PublicationKind::DesignGrant => "publication_kind.design_grant",
        }
    }
}

/// A publication number such as `CN107123456B` or `CN1234567A`: `CN`, 7 (before 2007) or 9
/// digits, and a kind code, optionally followed by a digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PublicationNumber {
    text: String,
    kind: PublicationKind,
}

impl PublicationNumber {
    pub fn parse(raw: &str) -> Result<PublicationNumber, Msg> {
        let text: String = crate::text::nfkc(raw)
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.')
            .collect::<String>()
            .to_uppercase();
        let shape = || Msg::new("patents.publication.shape").arg("number", raw.trim());
        let rest = text.strip_prefix("CN").ok_or_else(shape)?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if digits.len() != 7 && digits.len() != 9 {
            return Err(shape());
        }
        let mut tail = rest[digits.len()..].chars();
        let code = tail.next().ok_or_else(shape)?;
        let kind = PublicationKind::from_code(code).ok_or_else(shape)?;
        match (tail.next(), tail.next()) {
            (None, None) => {}
            (Some(d), None) if d.is_ascii_digit() => {}
            _ => return Err(shape()),
        }
        Ok(PublicationNumber { text, kind })
    }

    pub fn kind(&self) -> PublicationKind {
        self.kind
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether this number can be the grant publication of a patent of `patent_type`.
    pub fn fits_grant_of(&self, patent_type: PatentType) -> bool {
        self.kind == PublicationKind::grant_of(patent_type)
    }
}

impl std::fmt::Display for PublicationNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Published numbers whose check characters were verified by hand.
    const REAL: [(&str, PatentType); 6] = [
        ("201710601862.3", PatentType::Invention),
        ("200710308494.X", PatentType::Invention),
        ("200480002090.2", PatentType::Invention),
        ("200710077832.3", PatentType::Invention),
        ("200930143483.0", PatentType::Design),
        ("97101765.4", PatentType::Invention),
    ];

    #[test]
    fn real_numbers_parse_with_their_types() {
        for (raw, patent_type) in REAL {
            let parsed = ApplicationNumber::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e:?}"));
            assert_eq!(parsed.number.to_string(), raw);
            assert_eq!(parsed.number.patent_type(), patent_type, "{raw}");
            assert!(!parsed.check_added);
        }
        let pct = ApplicationNumber::parse("200480002090.2").unwrap().number;
        assert!(pct.is_pct());
        assert_eq!(pct.patent_number(), "ZL200480002090.2");
    }

    #[test]
    fn every_spelling_seen_in_rosters() {
        let cases = [
            ("201710601862.3", "2017106018623", false),
            ("CN201710601862.3", "2017106018623", false),
            ("ZL201710601862.3", "2017106018623", false),
            ("ZL 2017 1 0601862.3", "2017106018623", false),
            ("zl201710601862.3", "2017106018623", false),
            ("2017106018623", "2017106018623", false),
            ("２０１７１０６０１８６２．３", "2017106018623", false),
            ("ＺＬ２０１７１０６０１８６２．３", "2017106018623", false),
            ("200710308494.x", "200710308494X", false),
            ("200710308494X", "200710308494X", false),
            (" 200710308494.X\u{3000}", "200710308494X", false),
            ("201710601862", "2017106018623", true),
            ("201710601862.", "2017106018623", true),
            ("2.01710601862E+11", "2017106018623", true),
            ("200930143483.0", "2009301434830", false),
            ("971017654", "971017654", false),
            ("97101765", "971017654", true),
        ];
        for (raw, stored, added) in cases {
            let parsed = ApplicationNumber::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e:?}"));
            assert_eq!(parsed.number.stored(), stored, "{raw}");
            assert_eq!(parsed.check_added, added, "{raw}");
        }
    }

    #[test]
    fn a_number_shortened_by_scientific_notation_is_not_made_up() {
        for raw in [
            "2.01711E+11",
            "2.0171060186E+11",
            "2.01711e+11",
            "9.71018E+07",
        ] {
            let error = ApplicationNumber::parse(raw).expect_err(raw);
            assert_eq!(error.key, "patents.number.shortened", "{raw}");
        }
        let whole = ApplicationNumber::parse("2.017106018623E+12").unwrap();
        assert_eq!(whole.number.stored(), "2017106018623");
    }

    #[test]
    fn a_wrong_check_character_names_the_right_one() {
        let cases = [
            ("201711469835.X", '1'),
            ("201710601862.4", '3'),
            ("200710308494.1", 'X'),
        ];
        for (raw, expected) in cases {
            let error = ApplicationNumber::parse(raw).expect_err(raw);
            assert_eq!(error.key, "patents.number.wrong_check");
            assert!(
                error
                    .args
                    .contains(&("expected".into(), expected.to_string())),
                "{raw}: {error:?}"
            );
        }
    }

    #[test]
    fn shapes_that_are_not_numbers() {
        for raw in [
            "",
            "   ",
            "abc",
            "20171060186",
            "2017106018623456",
            "201740601862.3",
            "199910601862.3",
            "2017106018A2.3",
            "201710601862.33",
            "201710601862.Y",
            "CN",
            "ZL.3",
        ] {
            assert!(
                ApplicationNumber::parse(raw).is_err(),
                "{raw:?} should be refused"
            );
        }
    }

    #[test]
    fn types_from_the_type_digit() {
        let cases = [
            ("201710601862", PatentType::Invention),
            ("201720601862", PatentType::UtilityModel),
            ("201730601862", PatentType::Design),
            ("201780601862", PatentType::Invention),
            ("201790601862", PatentType::UtilityModel),
            ("97201765", PatentType::UtilityModel),
        ];
        for (digits, patent_type) in cases {
            assert_eq!(
                ApplicationNumber::parse(digits)
                    .unwrap()
                    .number
                    .patent_type(),
                patent_type,
                "{digits}"
            );
        }
    }

    #[test]
    fn publication_numbers_and_their_kinds() {
        let cases = [
            ("CN107123456B", PublicationKind::InventionGrant),
            ("CN 107123456 A", PublicationKind::InventionApplication),
            ("cn1234567c", PublicationKind::InventionGrant),
            ("CN206123456U", PublicationKind::UtilityModelGrant),
            ("CN2812345Y", PublicationKind::UtilityModelGrant),
            ("CN304123456S", PublicationKind::DesignGrant),
            ("CN3512345D", PublicationKind::DesignGrant),
            ("CN107123456A8", PublicationKind::InventionApplication),
        ];
        for (raw, kind) in cases {
            assert_eq!(
                PublicationNumber::parse(raw)
                    .unwrap_or_else(|e| panic!("{raw}: {e:?}"))
                    .kind(),
                kind
            );
        }
        for raw in [
            "107123456B",
            "CN10712345B",
            "CN107123456",
            "CN107123456Q",
            "CN107123456BB",
            "CN107123456B12",
        ] {
            assert!(PublicationNumber::parse(raw).is_err(), "{raw}");
        }
        let grant = PublicationNumber::parse("CN206123456U").unwrap();
        assert!(grant.fits_grant_of(PatentType::UtilityModel));
        assert!(!grant.fits_grant_of(PatentType::Invention));
        assert_eq!(grant.to_string(), "CN206123456U");
    }

    fn valid_digits() -> impl Strategy<Value = String> {
        prop_oneof![
            (
                2003u32..=2099,
                prop::sample::select(vec![1u32, 2, 3, 8, 9]),
                0u32..10_000_000
            )
                .prop_map(|(y, t, n)| format!("{y}{t}{n:07}")),
            (
                prop::sample::select(vec![85u32, 90, 97, 99, 0, 1, 3]),
                prop::sample::select(vec![1u32, 2, 3, 8, 9]),
                0u32..100_000
            )
                .prop_map(|(y, t, n)| format!("{y:02}{t}{n:05}")),
        ]
    }

    proptest! {
        #[test]
        fn every_valid_number_round_trips(digits in valid_digits()) {
            let number = ApplicationNumber::parse(&digits).unwrap().number;
            let again = ApplicationNumber::parse(&number.to_string()).unwrap();
            prop_assert_eq!(&again.number, &number);
            prop_assert!(!again.check_added);
            prop_assert_eq!(ApplicationNumber::from_stored(number.stored()), Some(number));
        }

        #[test]
        fn every_single_digit_change_is_rejected(digits in valid_digits(), position in 0usize..12, delta in 1u32..10) {
            let number = ApplicationNumber::parse(&digits).unwrap().number;
            let position = position % number.digits().len();
            let mut changed: Vec<char> = number.digits().chars().collect();
            let old = changed[position].to_digit(10).unwrap();
            changed[position] = char::from_digit((old + delta) % 10, 10).unwrap();
            let typo: String = changed.into_iter().collect();
            let typed = format!("{typo}.{}", number.check());
            // The typo is refused: either its shape is impossible or its check character is wrong.
            prop_assert!(ApplicationNumber::parse(&typed).is_err(), "{} accepted", typed);
            prop_assert_eq!(ApplicationNumber::from_stored(&format!("{typo}{}", number.check())), None);
        }

        #[test]
        fn any_text_gets_an_answer_not_a_panic(text in "\\PC{0,30}") {
            let _ = ApplicationNumber::parse(&text);
            let _ = PublicationNumber::parse(&text);
            // The quick reading of the stored form accepts exactly what parsing keeps as it is.
            let kept = ApplicationNumber::parse(&text)
                .ok()
                .filter(|p| !p.check_added && p.number.stored() == text)
                .map(|p| p.number);
            prop_assert_eq!(ApplicationNumber::from_stored(&text), kept);
        }
    }
}
