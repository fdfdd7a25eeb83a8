//! Who did something, as timelines record it.

/// A username, `service:<name>` or `sso:<subject>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(pub String);

impl Actor {
    pub fn user(username: &str) -> Actor {
        Actor(username.to_string())
    }

    pub fn service(name: &str) -> Actor {
        Actor(format!("service:{name}"))
    }

    pub fn sso(subject: &str) -> Actor {
        Actor(format!("sso:{subject}"))
    }
}
