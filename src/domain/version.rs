//! Optimistic concurrency in domain terms: every record has a version, and a
//! change names the version it was based on.

use std::fmt;

use super::Error;

/// The version of a record a change is based on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Version(pub i64);

impl Version {
    /// A version this service never issued (versions start at 1): it matches
    /// no stored version, so every check against it fails as stale. The HTTP
    /// edge maps a well-formed entity-tag that is not one of ours to it.
    pub const FOREIGN: Version = Version(0);

    /// Stale unless the stored version is the one the change was based on.
    pub fn check(self, current: i64) -> Result<(), Error> {
        if self.0 == current {
            Ok(())
        } else {
            Err(Error::Stale { current, given: self })
        }
    }
}

/// The version as the change named it, for messages.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Self::FOREIGN {
            f.write_str("an entity-tag this service did not issue")
        } else {
            write!(f, "\"{}\"", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_current_version_passes() {
        assert!(Version(2).check(2).is_ok());
        assert!(matches!(Version(1).check(2), Err(Error::Stale { current: 2, given: Version(1) })));
        assert!(matches!(Version::FOREIGN.check(1), Err(Error::Stale { .. })));
        assert_eq!(Version(5).to_string(), "\"5\"");
    }
}
