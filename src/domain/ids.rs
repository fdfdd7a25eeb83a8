//! Record ids as types of their own, so an operation cannot be handed a
//! meeting's id where it needs an action's. The JSON API reads them from
//! paths as plain numbers (`#[serde(transparent)]`).

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident,)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

ids! {
    /// A committee (a panel).
    CommitteeId,
    /// A meeting of a committee.
    MeetingId,
    /// An item on a meeting's agenda.
    AgendaItemId,
    /// An action (a commitment).
    ActionId,
    /// A person's account.
    UserId,
    /// A service credential.
    CredentialId,
    /// A block on a single sign-on subject.
    SsoBlockId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_and_print_as_numbers() {
        let id: MeetingId = serde_json::from_str("7").unwrap();
        assert_eq!(id, MeetingId(7));
        assert_eq!(ActionId(42).to_string(), "42");
        assert_eq!(serde_json::to_string(&CommitteeId(3)).unwrap(), "3");
    }
}
