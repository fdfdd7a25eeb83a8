//! Who a credential names: bearer tokens (ours and a single sign-on
//! provider's), checked against the database each time so a deactivated
//! user, a changed password or a revoked credential is refused at once.

use std::net::IpAddr;

use actix_web::web;
use chrono::NaiveDateTime;
use jsonwebtoken::Algorithm;

use super::AppState;
use crate::auth::policy::{Role, SignedIn};
use crate::auth::throttle::{self, Subjects};
use crate::auth::token::{self, Claims, TokenKeys, TokenKind, AUDIENCE, ISSUER};
use crate::auth::{password, Caller, Identity};
use crate::db::write_transaction;
use crate::domain::Error;
use crate::store::{self, users};

fn invalid_token() -> Error {
    Error::Unauthenticated("the token is invalid, expired or revoked; sign in again".into())
}

/// Checks a bearer token and finds who it names, with their current role.
pub async fn authenticate(state: &AppState, token: String) -> Result<(Identity, Role), Error> {
    let now = store::now();
    match token::algorithm(&token).map_err(|_| invalid_token())? {
        Algorithm::HS256 => {
            let claims = state.auth.keys.verify(&token, now.and_utc().timestamp()).map_err(|e| {
                log::info!("token refused: {e}");
                invalid_token()
            })?;
            state
                .db(move |conn| match claims.kind {
                    TokenKind::User => {
                        let user = users::find_by_username(conn, &claims.sub)?.ok_or_else(invalid_token)?;
                        if !user.active || user.token_generation != claims.generation {
                            return Err(invalid_token());
                        }
                        let role = user.role;
                        Ok((Identity::User { id: user.id, username: user.username }, role))
                    }
                    TokenKind::Service => {
                        let credential = users::find_credential_by_jti(conn, &claims.jti)?.ok_or_else(invalid_token)?;
                        if credential.revoked_at.is_some() || credential.expires_at <= now {
                            return Err(invalid_token());
                        }
                        users::touch_credential(conn, credential.id, now)?;
                        let role = credential.role;
                        Ok((Identity::Service { id: credential.id, name: credential.name }, role))
                    }
                })
                .await
        }
        Algorithm::RS256 => {
            let sso = state.auth.sso.as_ref().ok_or_else(invalid_token)?;
            let identity = sso.verify(&token).map_err(|e| {
                log::info!("single sign-on token refused: {e}");
                invalid_token()
            })?;
            let role = identity.role.ok_or_else(|| {
                Error::Forbidden("your identity provider's groups map to no panel-tracker role".into())
            })?;
            let subject = identity.subject;
            // An admin's local block outranks the identity provider.
            state
                .db(move |conn| match users::sso_subject_blocked(conn, &subject)? {
                    true => Err(invalid_token()),
                    false => Ok((Identity::Sso { subject }, role)),
                })
                .await
        }
        _ => Err(invalid_token()),
    }
}

/// A token issued to someone who signed in.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: i64,
}

/// A random token id (`jti`), hex.
pub(super) fn new_jti() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex::encode(bytes)
}

/// The one place a token is made: a person's at sign-in, a service's when
/// an admin issues a credential.
#[allow(clippy::too_many_arguments)]
pub(super) fn issue_token(
    keys: &TokenKeys,
    subject: String,
    role: Role,
    kind: TokenKind,
    generation: i32,
    jti: String,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<String, Error> {
    let claims = Claims {
        sub: subject,
        role,
        iat: now.and_utc().timestamp(),
        nbf: now.and_utc().timestamp(),
        exp: expires_at.and_utc().timestamp(),
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        jti,
        kind,
        generation,
    };
    keys.issue(&claims).map_err(Error::internal)
}

fn failed_sign_in() -> Error {
    Error::Unauthenticated("the username or password is wrong".into())
}

/// Signs someone in with a username and password and issues their bearer token.
pub async fn sign_in(
    state: &AppState,
    username: String,
    given_password: String,
    address: Option<IpAddr>,
) -> Result<IssuedToken, Error> {
    let user = check_password(state, username, given_password, address).await?;
    let now = store::now();
    let ttl = state.auth.token_ttl_secs;
    let token = issue_token(
        &state.auth.keys,
        user.username,
        user.role,
        TokenKind::User,
        user.token_generation,
        new_jti(),
        now,
        now + chrono::Duration::seconds(ttl),
    )?;
    Ok(IssuedToken { token, expires_in: ttl })
}

/// Checks a username and password, throttled per address, username and both
/// (`auth::throttle`): the one check behind the API's tokens and the web
/// pages' sessions. Failures are answered alike whether or not the user
/// exists, and held back longer as they grow.
pub async fn check_password(
    state: &AppState,
    username: String,
    given_password: String,
    address: Option<IpAddr>,
) -> Result<users::User, Error> {
    // A username that could never exist is refused like a wrong password,
    // before it reaches the database (PostgreSQL refuses NUL in text), and
    // nothing is written for it. Not the full username rule: accounts made
    // by the command line before it applied the rule must still sign in.
    let plausible = !username.is_empty()
        && username.len() <= 200
        && !username.chars().any(char::is_control)
        && given_password.len() <= password::MAX_LENGTH * 4;
    if !plausible {
        return Err(failed_sign_in());
    }
    let subjects = Subjects::new(&username, address);
    let now = store::now();
    let (subjects, counted, user) = state
        .db(move |conn| {
            // Counted before the password is checked, so parallel guesses count too.
            let counted = users::begin_sign_in_attempt(conn, &subjects, now)?;
            let user = users::find_by_username(conn, &username)?;
            Ok((subjects, counted, user))
        })
        .await?;
    // The hash is checked off the pool (it takes a while) and whether or not
    // the user exists, so the two failures take the same time.
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let matches = web::block(move || match hash {
        Some(hash) => password::verify(&given_password, &hash),
        None => {
            password::verify_dummy(&given_password);
            false
        }
    })
    .await
    .map_err(Error::internal)?;
    match user {
        Some(user) if matches && user.active => {
            state.db(move |conn| users::sign_in_succeeded(conn, &subjects, now)).await?;
            Ok(user)
        }
        _ => {
            actix_web::rt::time::sleep(throttle::delay(counted.most())).await;
            Err(failed_sign_in())
        }
    }
}

/// Who the caller is, as the service sees them.
#[derive(Debug, Clone)]
pub struct Me {
    /// `user`, `service` or `sso`.
    pub kind: &'static str,
    pub name: String,
    pub display_name: Option<String>,
    pub role: Role,
    /// For a person's account: where reminders go, and whether by email.
    pub email: Option<String>,
    pub reminder_emails: Option<bool>,
}

pub async fn me(state: &AppState, caller: &Caller<SignedIn>) -> Result<Me, Error> {
    let role = caller.role;
    Ok(match caller.identity.clone() {
        Identity::User { id, username } => {
            let user = state.db(move |conn| users::get(conn, id)).await?;
            Me::of(user, username, role)
        }
        Identity::Service { name, .. } => {
            Me { kind: "service", name, display_name: None, role, email: None, reminder_emails: None }
        }
        Identity::Sso { subject } => {
            Me { kind: "sso", name: subject, display_name: None, role, email: None, reminder_emails: None }
        }
    })
}

impl Me {
    fn of(user: users::User, username: String, role: Role) -> Me {
        Me {
            kind: "user",
            name: username,
            display_name: Some(user.display_name),
            role,
            email: user.email,
            reminder_emails: Some(user.reminder_emails),
        }
    }
}

/// A person changes their own email address or turns reminder emails off
/// (or on). Only accounts have these: a service or single sign-on caller
/// is refused.
pub async fn update_me(
    state: &AppState,
    caller: &Caller<SignedIn>,
    email: Option<Option<String>>,
    reminder_emails: Option<bool>,
) -> Result<Me, Error> {
    let Identity::User { id, username } = caller.identity.clone() else {
        return Err(Error::Forbidden("only people with an account have an email address and reminders here".into()));
    };
    let role = caller.role;
    let now = store::now();
    let changes = users::UserChanges { email, reminder_emails, ..Default::default() };
    let user = state
        .db(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let current = users::get(conn, id)?;
                users::update(conn, id, crate::domain::Version(current.version), &changes, now)
            })
        })
        .await?;
    Ok(Me::of(user, username, role))
}

/// Changes the caller's own password, given the current one. Guessing the
/// current password is throttled like signing in; a wrong one is forbidden.
pub async fn change_own_password(
    state: &AppState,
    caller: &Caller<SignedIn>,
    current_password: String,
    new_password: String,
    address: Option<IpAddr>,
) -> Result<(), Error> {
    let Identity::User { id, username } = caller.identity.clone() else {
        return Err(Error::Forbidden("only people who sign in with a password have one to change".into()));
    };
    password::check_new(&new_password).map_err(|m| Error::invalid("new_password", m))?;
    let now = store::now();
    let subjects = Subjects::new(&username, address);
    let (subjects, user) = state
        .db(move |conn| {
            users::begin_sign_in_attempt(conn, &subjects, now)?;
            Ok((subjects, users::get(conn, id)?))
        })
        .await?;
    let new_hash = web::block(move || {
        if !password::verify(&current_password, &user.password_hash) {
            // The request is well formed; the caller is not allowed to make
            // this change without the password, so forbidden (and the attempt counts).
            return Err(Error::Forbidden("the current password is wrong".into()));
        }
        password::hash(&new_password).map_err(Error::internal)
    })
    .await
    .map_err(Error::internal)??;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| users::set_password(conn, id, &new_hash, now))?;
            users::sign_in_succeeded(conn, &subjects, now)
        })
        .await
}
