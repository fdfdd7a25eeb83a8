//! Validated text from clients: trimmed, not empty, bounded in length, free
//! of control characters (other than line breaks and tabs in long text).

use super::FieldError;

/// Short single-line text: names, titles, owners, paragraph numbers.
pub const SHORT: usize = 200;
/// Long text: descriptions, responses, source sentences, reasons.
pub const LONG: usize = 10_000;

/// Checks a required text field; returns the trimmed value. The length and
/// the characters are checked on the text as sent, so the rule is exactly
/// the one the OpenAPI document states ([`pattern`]).
pub fn required(field: &str, value: &str, max_chars: usize) -> Result<String, FieldError> {
    check_as_sent(field, value, max_chars)?;
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    Ok(trimmed.to_string())
}

fn check_as_sent(field: &str, value: &str, max_chars: usize) -> Result<(), FieldError> {
    let count = value.chars().count();
    if count > max_chars {
        return Err(FieldError::new(field, format!("must be at most {max_chars} characters (got {count})")));
    }
    let multiline = max_chars > SHORT;
    if value.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'))) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(())
}

/// Checks an optional text field; an empty or blank string counts as absent.
pub fn optional(field: &str, value: Option<&str>, max_chars: usize) -> Result<Option<String>, FieldError> {
    match value {
        None => Ok(None),
        Some(v) => {
            check_as_sent(field, v, max_chars)?;
            let trimmed = v.trim();
            Ok((!trimmed.is_empty()).then(|| trimmed.to_string()))
        }
    }
}

/// The longest email address taken (RFC 5321's path limit).
pub const EMAIL: usize = 254;

/// The shape of an email address the service will send to: one `@`, a
/// dotted domain, nothing that could end a mail header or hide another
/// address (spaces, control characters, angle brackets, commas, semicolons,
/// quotes).
pub const EMAIL_PATTERN: &str = concat!(
    "^[^\\s@<>,;\"\\u0000-\\u001f\\u007f-\\u009f]{1,64}",
    "@[^\\s@<>,;\".\\u0000-\\u001f\\u007f-\\u009f]+",
    "(\\.[^\\s@<>,;\".\\u0000-\\u001f\\u007f-\\u009f]+)+$"
);

/// An email address, as sent (no address is `null`, not blank).
pub fn email(field: &str, value: &str) -> Result<String, FieldError> {
    let refused = |c: char| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c);
    let valid = value.chars().count() <= EMAIL
        && !value.chars().any(refused)
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local.chars().count() <= 64
                && !domain.contains('@')
                && domain.split('.').count() >= 2
                && domain.split('.').all(|part| !part.is_empty())
        });
    if valid {
        Ok(value.to_string())
    } else {
        Err(FieldError::new(field, "must be an email address such as name@council.example"))
    }
}

/// The characters refused in text: Unicode's control characters (`char::is_control`),
/// less line breaks and tabs in long text. As a regular-expression class body.
fn refused(max_chars: usize) -> &'static str {
    if max_chars > SHORT {
        "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f"
    } else {
        "\\u0000-\\u001f\\u007f-\\u009f"
    }
}

/// The rule of [`required`] (or, with `required == false`, [`optional`]) as
/// a regular expression for the OpenAPI document: no refused characters and,
/// when required, at least one that is not white space.
pub fn pattern(max_chars: usize, required: bool) -> String {
    let r = refused(max_chars);
    if required {
        format!("^[^{r}]*[^{r}\\s][^{r}]*$")
    } else {
        format!("^[^{r}]*$")
    }
}

/// A committee's short code: 2 to 16 capital letters or digits, starting with a letter.
pub fn committee_code(value: &str) -> Result<String, FieldError> {
    let v = value;
    let ok = (2..=16).contains(&v.len())
        && v.starts_with(|c: char| c.is_ascii_uppercase())
        && v.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if ok {
        Ok(v.to_string())
    } else {
        Err(FieldError::new("code", "must be 2 to 16 capital letters or digits, starting with a letter"))
    }
}

/// The years the service accepts in any date: wide enough for any meeting
/// record, narrow enough that every database stores and orders them alike.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// Checks a date a client sent is within [`YEARS`].
pub fn plausible_date(field: &str, date: chrono::NaiveDate) -> Result<(), FieldError> {
    use chrono::Datelike;
    if YEARS.contains(&date.year()) {
        Ok(())
    } else {
        Err(FieldError::new(field, format!("must be a date between {} and {}", YEARS.start(), YEARS.end())))
    }
}

/// The longest web address kept (where a report or response was published).
pub const WEB_ADDRESS: usize = 2000;

/// [`web_address`] as a regular expression for the OpenAPI document: the
/// characters Rust calls white space or control, spelled out, so every
/// regular-expression engine reads it alike.
pub const WEB_ADDRESS_PATTERN: &str =
    r"^https?://[A-Za-z0-9\[][^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$";

/// An optional address of a published document: `http(s)://` and a host,
/// no spaces or control characters, at most [`WEB_ADDRESS`] characters.
pub fn web_address(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(v) = value else { return Ok(None) };
    let rest = v.strip_prefix("https://").or_else(|| v.strip_prefix("http://"));
    let ok = v.chars().count() <= WEB_ADDRESS
        && rest.is_some_and(|r| r.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '['))
        && !v.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(Some(v.to_string()))
    } else {
        Err(FieldError::new(field, format!("must be an http or https address of at most {WEB_ADDRESS} characters")))
    }
}

/// Collects field errors from many checks so a client hears of all of them at once.
#[derive(Default)]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value, or records the error and yields the fallback.
    pub fn check<T: Default>(&mut self, result: Result<T, FieldError>) -> T {
        match result {
            Ok(v) => v,
            Err(e) => {
                self.errors.push(e);
                T::default()
            }
        }
    }

    /// As [`Checks::check`], for a check that can find several things wrong.
    pub fn check_all<T>(&mut self, result: Result<T, Vec<FieldError>>) -> Option<T> {
        result.map_err(|e| self.errors.extend(e)).ok()
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn web_addresses() {
        for good in ["https://www.kent.gov.uk/pcp/report.pdf", "http://example.org/a?b=c#d"] {
            assert_eq!(super::web_address("url", Some(good)).unwrap().as_deref(), Some(good));
        }
        for bad in
            ["javascript:alert(1)", "https://", "ftp://x.org", "https://a b", "www.kent.gov.uk", "https://\u{7}x"]
        {
            assert!(super::web_address("url", Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(super::web_address("url", None), Ok(None));
    }

    #[test]
    fn email_addresses() {
        for good in ["anna.clerk@kent.gov.uk", "a@b.c", "x+tag@council.example"] {
            assert_eq!(super::email("email", good).as_deref(), Ok(good), "{good}");
        }
        for bad in
            ["", " a@b.c", "a@b", "a@@b.c", "@b.c", "a@.b", "a@b..c", "Anna <a@b.c>", "a@b.c, c@d.e", "a\u{1}@b.c"]
        {
            assert!(super::email("email", bad).is_err(), "{bad:?}");
        }
    }

    use super::*;

    #[test]
    fn required_text() {
        assert_eq!(required("name", "  Panel  ", SHORT).unwrap(), "Panel");
        assert_eq!(required("name", "", SHORT).unwrap_err().message, "must not be empty");
        assert!(required("name", "   ", SHORT).is_err());
        assert!(required("name", &"x".repeat(201), SHORT).is_err());
        assert!(required("name", &"é".repeat(200), SHORT).is_ok(), "counts characters, not bytes");
        assert!(required("name", "a\nb", SHORT).is_err());
        assert!(required("description", "a\nb\tc", LONG).is_ok());
        assert!(required("description", "a\u{0}b", LONG).is_err());
    }

    #[test]
    fn optional_text() {
        assert_eq!(optional("x", None, SHORT).unwrap(), None);
        assert_eq!(optional("x", Some("  "), SHORT).unwrap(), None);
        assert_eq!(optional("x", Some(" y "), SHORT).unwrap(), Some("y".into()));
        // Checked as sent, as the document's pattern is: a blank value with a
        // control character, or one too long before trimming, is refused.
        assert!(optional("x", Some(" \t "), SHORT).is_err());
        assert!(optional("x", Some(&format!("{} ", "y".repeat(200))), SHORT).is_err());
        assert!(required("x", &format!("{} ", "y".repeat(200)), SHORT).is_err());
    }

    #[test]
    fn patterns_state_the_same_rule() {
        assert_eq!(pattern(SHORT, false), "^[^\\u0000-\\u001f\\u007f-\\u009f]*$");
        let long = pattern(LONG, true);
        assert!(
            long.contains("\\u000b")
                && long.ends_with("\\s][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$")
        );
        // Every character the pattern refuses, the check refuses, and the other way round.
        for c in (0u32..=0xA0).filter_map(char::from_u32) {
            let short_refused = (c as u32) < 0x20 || (0x7f..=0x9f).contains(&(c as u32));
            assert_eq!(required("x", &format!("a{c}"), SHORT).is_err(), short_refused, "{c:?}");
            let long_refused = short_refused && !matches!(c, '\n' | '\r' | '\t');
            assert_eq!(required("x", &format!("a{c}"), LONG).is_err(), long_refused, "{c:?}");
        }
    }

    #[test]
    fn dates_outside_the_plausible_years_are_refused() {
        let d = |y| chrono::NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
        assert!(plausible_date("due_date", d(2018)).is_ok());
        assert!(plausible_date("due_date", d(1899)).is_err());
        assert!(plausible_date("due_date", d(10000)).is_err());
        assert!(plausible_date("due_date", d(-5000)).is_err());
    }

    #[test]
    fn committee_codes() {
        assert_eq!(committee_code("KMPCP").unwrap(), "KMPCP");
        assert!(committee_code("K").is_err());
        assert!(committee_code("kmpcp").is_err());
        assert!(committee_code("1PCP").is_err());
        assert!(committee_code("KM/PCP").is_err());
        assert!(committee_code("ABCDEFGHIJKLMNOPQ").is_err());
        assert!(committee_code(" KMPCP").is_err(), "as the documented pattern: no spaces");
    }

    #[test]
    fn checks_collect_every_error() {
        let mut checks = Checks::new();
        let a: String = checks.check(required("a", "", SHORT));
        let b: String = checks.check(required("b", "ok", SHORT));
        checks.push("c", "bad");
        assert_eq!(a, "");
        assert_eq!(b, "ok");
        let errors = checks.finish().unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["a", "c"]);
    }
}
