//! A person's username, checked the same way on every path that makes one
//! (the API, the CLI, the demo, the tests).

use std::fmt;

/// 2 to 64 lower-case ASCII letters, digits, dots, hyphens or underscores.
/// No `:`, so a person's name in a timeline or an idempotency scope can never
/// be mistaken for a service credential's (`service:<name>`) or a single
/// sign-on subject's (`sso:<subject>`).
/// (`Default` only so that `text::Checks` can collect every field's error
/// before any value is used; an empty one never reaches the store.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Username(String);

/// What a username must be, in the words shown to whoever chose it.
pub const RULE: &str = "must be 2 to 64 lower-case letters, digits, dots, hyphens or underscores";

impl Username {
    pub fn parse(value: &str) -> Result<Username, &'static str> {
        let ok = (2..=64).contains(&value.len())
            && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'));
        if ok {
            Ok(Username(value.to_string()))
        } else {
            Err(RULE)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Username;

    #[test]
    fn plain_names_pass_and_anything_that_could_pose_as_another_actor_fails() {
        for ok in ["clerk", "a.smith", "opcc_2", "demo-admin"] {
            assert_eq!(Username::parse(ok).unwrap().as_str(), ok);
        }
        for bad in ["service:backup-sync", "sso:abc", "Clerk", "a", "", "x y", "clérk", &"a".repeat(65)] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }
}
