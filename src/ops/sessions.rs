//! Browser sessions for the web pages: sign-in with the same password check
//! and throttling as the API's tokens, then a random secret in a cookie. A
//! session ends at sign-out, after its idle or absolute timeout, and at once
//! when its user is deactivated or their password changes (both bump the
//! user's token generation, which the session recorded when it began).

use std::net::IpAddr;

use chrono::{Duration, NaiveDateTime};
use sha2::{Digest, Sha256};

use super::{sign_in, AppState};
use crate::auth::policy::Requirement;
use crate::auth::{Caller, Identity};
use crate::config::SessionSettings;
use crate::domain::{Error, Role};
use crate::store::{self, web_sessions};

/// Only this often is a session's last use written, so reading pages does
/// not turn into a write per request.
const TOUCH_EVERY_SECS: i64 = 60;

/// A signed-in browser. Its `Debug` leaves the CSRF token out.
#[derive(Clone)]
pub struct BrowserSession {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The token every form of this session carries.
    pub csrf_token: String,
}

impl std::fmt::Debug for BrowserSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserSession")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl BrowserSession {
    fn new(session: web_sessions::WebSession, user: crate::store::users::User) -> BrowserSession {
        BrowserSession {
            id: session.id,
            user_id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            csrf_token: session.csrf_token,
        }
    }

    pub fn identity(&self) -> Identity {
        Identity::User { id: self.user_id, username: self.username.clone() }
    }

    /// The caller for an operation that needs `R`, if the policy table allows it.
    pub fn caller<R: Requirement>(&self) -> Result<Caller<R>, Error> {
        Caller::authorise(self.identity(), self.role)
    }

    /// Whether the policy table lets this session's role do what `R` needs.
    pub fn may<R: Requirement>(&self) -> bool {
        self.caller::<R>().is_ok()
    }
}

/// 32 random bytes as URL-safe text.
pub fn random_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Checks the password (throttled like the API) and begins a session.
/// Returns the cookie's secret, which is kept nowhere else.
pub async fn begin(
    state: &AppState,
    username: String,
    password: String,
    address: Option<IpAddr>,
) -> Result<(String, BrowserSession), Error> {
    let user = sign_in::check_password(state, username, password, address).await?;
    let secret = random_token();
    let now = store::now();
    let new = web_sessions::NewWebSession {
        secret_hash: hash(&secret),
        user_id: user.id,
        token_generation: user.token_generation,
        csrf_token: random_token(),
        created_at: now,
        last_seen_at: now,
    };
    let settings = state.sessions;
    let session = state
        .db(move |conn| {
            // Expired sessions are cleared as new ones begin, so the table
            // stays the size of the people signed in.
            let (idle_before, started_before) = limits(&settings, now);
            web_sessions::delete_expired(conn, idle_before, started_before)?;
            web_sessions::create(conn, &new)
        })
        .await?;
    Ok((secret, BrowserSession::new(session, user)))
}

fn limits(settings: &SessionSettings, now: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
    let idle = Duration::from_std(settings.idle).unwrap_or(Duration::MAX);
    let absolute = Duration::from_std(settings.absolute).unwrap_or(Duration::MAX);
    (now - idle, now - absolute)
}

/// The live session a cookie's secret names, or `None` (and the row gone)
/// when it has timed out or its user was deactivated or changed password.
pub async fn resolve(state: &AppState, secret: String) -> Result<Option<BrowserSession>, Error> {
    let now = store::now();
    let settings = state.sessions;
    state
        .db(move |conn| {
            let Some((session, user)) = web_sessions::find(conn, &hash(&secret))? else {
                return Ok(None);
            };
            let (idle_before, started_before) = limits(&settings, now);
            let live = user.active
                && user.token_generation == session.token_generation
                && session.last_seen_at >= idle_before
                && session.created_at >= started_before;
            if !live {
                web_sessions::delete(conn, session.id)?;
                return Ok(None);
            }
            if (now - session.last_seen_at).num_seconds() >= TOUCH_EVERY_SECS {
                web_sessions::touch(conn, session.id, now)?;
            }
            Ok(Some(BrowserSession::new(session, user)))
        })
        .await
}

/// Signs a browser out: the session is gone on every instance.
pub async fn end(state: &AppState, session: &BrowserSession) -> Result<(), Error> {
    let id = session.id;
    state.db(move |conn| web_sessions::delete(conn, id)).await
}
