//! Exempt information: an action whose subject may not be published, under a
//! paragraph of Schedule 12A to the Local Government Act 1972 (the categories
//! councils use to take an item in private). Part 1 (paragraphs 1 to 7)
//! applies in England; Part 4 (paragraphs 12 to 18) is the same list as
//! varied for Wales. The public sees that an exempt action exists, its
//! reference, status, dates and paragraph, and nothing else.

use super::text;
use super::FieldError;

/// A paragraph of Schedule 12A.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExemptParagraph(u8);

/// The paragraphs and what each covers, in the Schedule's words (shortened).
const PARAGRAPHS: &[(u8, &str)] = &[
    (1, "Information relating to any individual"),
    (2, "Information which is likely to reveal the identity of an individual"),
    (3, "Information relating to the financial or business affairs of any particular person"),
    (4, "Information relating to consultations or negotiations on a labour relations matter"),
    (5, "Information in respect of which a claim to legal professional privilege could be maintained"),
    (6, "Information which reveals that the authority proposes to give a notice or make an order or direction"),
    (7, "Information relating to the prevention, investigation or prosecution of crime"),
    (12, "Information relating to a particular individual (Wales)"),
    (13, "Information which is likely to reveal the identity of an individual (Wales)"),
    (14, "Information relating to the financial or business affairs of any particular person (Wales)"),
    (15, "Information relating to consultations or negotiations on a labour relations matter (Wales)"),
    (16, "Information in respect of which a claim to legal professional privilege could be maintained (Wales)"),
    (
        17,
        "Information which reveals that the authority proposes to give a notice or make an order or direction (Wales)",
    ),
    (18, "Information relating to the prevention, investigation or prosecution of crime (Wales)"),
];

impl ExemptParagraph {
    pub fn parse(field: &str, number: i64) -> Result<Self, FieldError> {
        PARAGRAPHS.iter().find(|(n, _)| i64::from(*n) == number).map(|(n, _)| ExemptParagraph(*n)).ok_or_else(|| {
            FieldError::new(
                field,
                "must be a paragraph of Schedule 12A to the Local Government Act 1972: 1 to 7 (England) or 12 to 18 (Wales)",
            )
        })
    }

    /// A paragraph read back from the database, which only ever holds parsed ones.
    pub fn from_stored(number: i32) -> Option<Self> {
        Self::parse("exempt_paragraph", i64::from(number)).ok()
    }

    pub fn number(self) -> u8 {
        self.0
    }

    /// What the paragraph covers, for the public to read.
    pub fn description(self) -> &'static str {
        PARAGRAPHS.iter().find(|(n, _)| *n == self.0).map_or("", |(_, d)| d)
    }

    pub fn all() -> impl Iterator<Item = ExemptParagraph> {
        PARAGRAPHS.iter().map(|(n, _)| ExemptParagraph(*n))
    }
}

/// Why an action is kept from the public: the paragraph, and the reason
/// (for staff; the reason itself is not published).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exemption {
    pub paragraph: ExemptParagraph,
    pub reason: String,
}

impl Exemption {
    pub fn parse(paragraph: i64, reason: &str) -> Result<Self, Vec<FieldError>> {
        let paragraph = ExemptParagraph::parse("exempt.paragraph", paragraph);
        let reason = text::required("exempt.reason", reason, text::LONG);
        match (paragraph, reason) {
            (Ok(paragraph), Ok(reason)) => Ok(Exemption { paragraph, reason }),
            (p, r) => Err(p.err().into_iter().chain(r.err()).collect()),
        }
    }

    /// The two stored columns as an exemption (both set) or none.
    pub fn from_columns(paragraph: Option<i32>, reason: Option<&str>) -> Option<Self> {
        Some(Exemption { paragraph: ExemptParagraph::from_stored(paragraph?)?, reason: reason?.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_schedules_paragraphs_parse() {
        for n in (1..=7).chain(12..=18) {
            assert_eq!(ExemptParagraph::parse("p", n).unwrap().number() as i64, n);
            assert!(!ExemptParagraph::parse("p", n).unwrap().description().is_empty());
        }
        for n in [0, 8, 11, 19, -3, 1_000_000_000_000] {
            assert!(ExemptParagraph::parse("p", n).is_err(), "{n}");
        }
        assert_eq!(ExemptParagraph::all().count(), 14);
    }

    #[test]
    fn an_exemption_needs_a_paragraph_and_a_reason() {
        let e = Exemption::parse(3, "  Contract negotiations  ").unwrap();
        assert_eq!((e.paragraph.number(), e.reason.as_str()), (3, "Contract negotiations"));
        let errors = Exemption::parse(9, " ").unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(Exemption::from_columns(Some(7), Some("x")).unwrap().paragraph.number(), 7);
        assert!(Exemption::from_columns(Some(7), None).is_none());
        assert!(Exemption::from_columns(None, None).is_none());
    }
}
