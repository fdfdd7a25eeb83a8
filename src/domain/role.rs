//! Roles: what a person or system is to the panel. The policy table that
//! says what each role may do is `auth::policy`.

use std::fmt;
use std::str::FromStr;

use diesel::deserialize::FromSqlRow;
use diesel::expression::AsExpression;
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::sql_text::text_enum;

/// What a person or system is to the panel.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema, AsExpression, FromSqlRow,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Other council systems: read only.
    Reader,
    /// Panel members: read everything.
    Member,
    /// OPCC staff: record progress and submit responses.
    Opcc,
    /// The panel secretariat: runs meetings and the action log.
    Secretariat,
    /// Manages users and service credentials, and can do everything else.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Secretariat, Role::Opcc, Role::Member, Role::Reader];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Secretariat => "secretariat",
            Role::Opcc => "opcc",
            Role::Member => "member",
            Role::Reader => "reader",
        }
    }

    /// Whether a user with this role can own actions: the roles that record
    /// progress and submit responses (the policy table's `RecordProgress`,
    /// which `auth::policy`'s tests check this agrees with). Members and
    /// readers cannot.
    pub fn can_own_actions(self) -> bool {
        matches!(self, Role::Admin | Role::Secretariat | Role::Opcc)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| format!("unknown role `{s}`"))
    }
}

text_enum!(Role);
