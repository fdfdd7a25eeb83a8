//! Credentials and access control, with no I/O: tokens, passwords, secrets,
//! sign-in throttling rules and the policy table. [`Caller`] is the proof
//! that the policy table let a caller exercise a capability; the operations
//! (the `ops` module) take it, so no front end can call one without the check.

pub mod network;
pub mod password;
pub mod policy;
pub mod secret;
pub mod throttle;
pub mod token;

use std::marker::PhantomData;

use crate::domain::{Actor, Error, UserId};
use policy::{Requirement, Role};
use token::{SsoKeys, TokenKeys};

/// Everything needed to check credentials; the same on every instance.
#[derive(Clone)]
pub struct AuthConfig {
    pub keys: TokenKeys,
    /// Lifetime of a person's token, in seconds.
    pub token_ttl_secs: i64,
    /// Lifetime of a service credential, in days, unless the admin names another.
    pub service_token_ttl_days: i64,
    pub sso: Option<SsoKeys>,
    /// Load balancers whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<network::Network>,
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    User { id: i64, username: String },
    Service { id: i64, name: String },
    Sso { subject: String },
}

/// An authenticated caller whose role allows `R`'s capability. Made only by
/// [`Caller::authorise`], which applies the policy table.
#[derive(Debug)]
pub struct Caller<R: Requirement> {
    pub identity: Identity,
    pub role: Role,
    _requirement: PhantomData<R>,
}

impl<R: Requirement> Caller<R> {
    /// Forbidden unless the policy table lets `role` exercise `R`'s capability
    /// (and, for capabilities only people have, the caller is a person).
    pub fn authorise(identity: Identity, role: Role) -> Result<Self, Error> {
        if !policy::allows(R::CAPABILITY, role) {
            return Err(Error::Forbidden(format!("the {role} role may not do this")));
        }
        if matches!(identity, Identity::Service { .. }) && policy::people_only(R::CAPABILITY) {
            return Err(Error::Forbidden("service credentials cannot manage users or service credentials".into()));
        }
        Ok(Caller { identity, role, _requirement: PhantomData })
    }

    /// The caller's user account: `None` for a service credential or a
    /// single sign-on caller, which have none here.
    pub fn user_id(&self) -> Option<UserId> {
        match &self.identity {
            Identity::User { id, .. } => Some(UserId(*id)),
            Identity::Service { .. } | Identity::Sso { .. } => None,
        }
    }

    /// The name recorded in timelines.
    pub fn actor(&self) -> Actor {
        match &self.identity {
            Identity::User { username, .. } => Actor::user(username),
            Identity::Service { name, .. } => Actor::service(name),
            Identity::Sso { subject } => Actor::sso(subject),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callers_are_made_only_through_the_policy_table() {
        let user = Identity::User { id: 1, username: "ann".into() };
        assert!(Caller::<policy::ManageActions>::authorise(user.clone(), Role::Secretariat).is_ok());
        assert!(matches!(
            Caller::<policy::ManageActions>::authorise(user.clone(), Role::Opcc),
            Err(Error::Forbidden(_))
        ));
        let service = Identity::Service { id: 2, name: "sync".into() };
        assert!(matches!(Caller::<policy::ManageUsers>::authorise(service, Role::Admin), Err(Error::Forbidden(_))));
        let caller = Caller::<policy::Read>::authorise(Identity::Sso { subject: "x".into() }, Role::Reader).unwrap();
        assert_eq!(caller.actor(), Actor::sso("x"));
    }
}
