//! The patent number marked on a product, checked as an officer would at a market stall: a number
//! that is no number (a wrong check character), an application publication (A) marked as a patent,
//! or a type that does not fit the claim (an "invention patent" with a utility-model number) is
//! itself evidence of counterfeiting (专利法实施细则 第八十四条). Whether a valid number is a local
//! patent is the service's to say: goods on sale carry patents from everywhere.

use serde::Serialize;

use crate::i18n::Msg;
use crate::patents::number::{ApplicationNumber, PatentType, PublicationKind, PublicationNumber};

/// What the check found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClaimCheck {
    /// No problem found in the number itself.
    pub valid: bool,
    /// The number as read: the application number with its dot, or the publication number.
    pub number: Option<String>,
    /// The stored form of an application number, to look it up in the register.
    #[serde(skip)]
    pub stored: Option<String>,
    pub patent_type: Option<PatentType>,
    pub problems: Vec<Msg>,
}

/// The type the words of a mark claim: 发明专利, 实用新型专利, 外观设计专利.
pub fn claimed_type(words: &str) -> Option<PatentType> {
    let words = crate::enterprises::domain::name_key(words);
    if words.contains("实用新型") || words.contains("utilitymodel") {
        Some(PatentType::UtilityModel)
    } else if words.contains("外观") || words.contains("design") {
        Some(PatentType::Design)
    } else if words.contains("发明") || words.contains("invention") {
        Some(PatentType::Invention)
    } else {
        None
    }
}

/// The number in a mark's text: from the first `ZL`, `CN` or digit on ("专利号：ZL 2017 1 …").
fn number_part(text: &str) -> &str {
    let upper = text.to_uppercase();
    let at = ["ZL", "CN"]
        .iter()
        .filter_map(|p| upper.find(p))
        .chain(text.find(|c: char| c.is_ascii_digit()))
        .min()
        .unwrap_or(0);
    text.get(at..).unwrap_or(text)
}

fn type_of(kind: PublicationKind) -> Option<PatentType> {
    match kind {
        PublicationKind::InventionGrant => Some(PatentType::Invention),
        PublicationKind::UtilityModelGrant => Some(PatentType::UtilityModel),
        PublicationKind::DesignGrant => Some(PatentType::Design),
        PublicationKind::InventionApplication => None,
    }
}

/// Checks a mark: the number (an application or a publication number, in any spelling), and the
/// type it claims (given, or read from the mark's words).
pub fn check(mark: &str, claimed: Option<PatentType>) -> Option<ClaimCheck> {
    let text = crate::text::clean(mark);
    if text.is_empty() {
        return None;
    }
    let claimed = claimed.or_else(|| claimed_type(&text));
    let part = number_part(&text);
    let mut check = ClaimCheck {
        valid: true,
        number: None,
        stored: None,
        patent_type: None,
        problems: Vec::new(),
    };
    let publication = PublicationNumber::parse(part).ok();
    match publication {
        Some(publication) => {
            check.number = Some(publication.to_string());
            check.patent_type = type_of(publication.kind());
            if publication.kind() == PublicationKind::InventionApplication {
                check
                    .problems
                    .push(Msg::new("cases.claim.not_granted").arg("number", publication.as_str()));
            }
        }
        None => match ApplicationNumber::parse(part) {
            Ok(parsed) => {
                check.number = Some(parsed.number.to_string());
                check.stored = Some(parsed.number.stored().to_owned());
                check.patent_type = Some(parsed.number.patent_type());
            }
            Err(msg) => check.problems.push(msg),
        },
    }
    if let (Some(claimed), Some(actual)) = (claimed, check.patent_type)
        && claimed != actual
    {
        check.problems.push(
            Msg::new("cases.claim.type_mismatch")
                .arg("claimed", format!("@patent_type.{}", claimed.as_str()))
                .arg("actual", format!("@patent_type.{}", actual.as_str())),
        );
    }
    check.valid = check.problems.is_empty();
    Some(check)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(mark: &str, claimed: Option<PatentType>) -> (bool, Vec<String>) {
        let got = check(mark, claimed);
        let got = got.unwrap_or(ClaimCheck {
            valid: false,
            number: None,
            stored: None,
            patent_type: None,
            problems: vec![],
        });
        (got.valid, got.problems.into_iter().map(|m| m.key).collect())
    }

    #[test]
    fn marks_are_read_and_judged() {
        let none: Vec<String> = vec![];
        // (the mark, the type claimed besides its words, (valid, the problems' keys))
        type Case<'a> = (&'a str, Option<PatentType>, (bool, Vec<&'a str>));
        let cases: [Case; 8] = [
            ("专利号：ZL 2017 1 0601862.3", None, (true, vec![])),
            ("发明专利 ZL201710601862.3", None, (true, vec![])),
            (
                "实用新型专利 ZL201710601862.3",
                None,
                (false, vec!["cases.claim.type_mismatch"]),
            ),
            (
                "ZL201710601862.3",
                Some(PatentType::Design),
                (false, vec!["cases.claim.type_mismatch"]),
            ),
            (
                "专利号 201710601862.4",
                None,
                (false, vec!["patents.number.wrong_check"]),
            ),
            (
                "专利产品 CN107123456A",
                None,
                (false, vec!["cases.claim.not_granted"]),
            ),
            ("发明专利 CN107123456B", None, (true, vec![])),
            ("外观设计专利 CN307123456S", None, (true, vec![])),
        ];
        for (mark, claimed, (valid, problems)) in cases {
            let got = keys(mark, claimed);
            assert_eq!(got.0, valid, "{mark}");
            assert_eq!(got.1, problems, "{mark}");
        }
        assert_eq!(check("  ", None), None);
        assert_eq!(keys("201710601862.3", None).1, none);
    }

    #[test]
    fn claimed_types_read_from_words() {
        let cases = [
            ("发明专利", Some(PatentType::Invention)),
            ("实用新型专利号", Some(PatentType::UtilityModel)),
            ("外观设计", Some(PatentType::Design)),
            ("专利产品", None),
        ];
        for (words, expected) in cases {
            assert_eq!(claimed_type(words), expected, "{words}");
        }
    }
}
