//! Accounts: users (people who sign in), service credentials (other
//! council systems) and blocks on single sign-on subjects. Only an admin,
//! and only a person, may do any of this (`auth::policy::people_only`).

use actix_web::web;

use super::sign_in::{issue_token, new_jti};
use super::AppState;
use crate::auth::policy::ManageUsers;
use crate::auth::token::TokenKind;
use crate::auth::{password, Caller, Identity};
use crate::db::{write_transaction, AnyConnection};
use crate::domain::text::{self, Checks};
use crate::domain::username::Username;
use crate::domain::{Actor, CredentialId, Error, FieldError, Role, SsoBlockId, UserId, Version};
use crate::store::users::{NewServiceCredential, NewSsoBlock, NewUser, ServiceCredential, SsoBlock, User, UserChanges};
use crate::store::{self, users};

/// A new user as asked for; checked by [`create`].
#[derive(Debug, Clone)]
pub struct NewUserInput {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Generated (and returned, to show once) when left out.
    pub password: Option<String>,
}

/// The username and display name checked, as every way of creating a user checks them.
fn checked_names(username: &str, display_name: &str) -> Result<(Username, String), Error> {
    let mut checks = Checks::new();
    let name = checks.check(Username::parse(username).map_err(|rule| FieldError::new("username", rule)));
    let display_name = checks.check(text::required("display_name", display_name, text::SHORT));
    checks.finish().map_err(Error::Invalid)?;
    Ok((name, display_name))
}

/// The given password checked, or a generated one (returned to show once).
fn chosen_password(given: Option<String>) -> Result<(String, Option<String>), Error> {
    match given {
        Some(p) => {
            password::check_new(&p).map_err(|m| Error::invalid("password", m))?;
            Ok((p, None))
        }
        None => {
            let p = password::generate();
            Ok((p.clone(), Some(p)))
        }
    }
}

fn insert(
    conn: &mut AnyConnection,
    username: &Username,
    display_name: &str,
    role: Role,
    hash: String,
) -> Result<User, Error> {
    let now = store::now();
    write_transaction(conn, |conn| {
        users::create(
            conn,
            &NewUser {
                username: username.to_string(),
                display_name: display_name.to_string(),
                role,
                active: true,
                password_hash: hash,
                token_generation: 0,
                created_at: now,
                updated_at: now,
            },
        )
    })
}

/// Creates a user from the command line or the demo, with the API's rules.
/// Hashes the password on this thread: not for the async workers.
pub fn create_user_record(
    conn: &mut AnyConnection,
    username: &str,
    display_name: &str,
    role: Role,
    password: &str,
) -> Result<User, Error> {
    let (name, display_name) = checked_names(username, display_name)?;
    password::check_new(password).map_err(|m| Error::invalid("password", m))?;
    let hash = password::hash(password).map_err(Error::internal)?;
    insert(conn, &name, &display_name, role, hash)
}

/// Creates a user; returns the generated password when none was given.
pub async fn create(
    state: &AppState,
    _: &Caller<ManageUsers>,
    new: NewUserInput,
) -> Result<(User, Option<String>), Error> {
    let (name, display_name) = checked_names(&new.username, &new.display_name)?;
    let (password, generated) = chosen_password(new.password)?;
    let role = new.role;
    // Hashing takes a while: not while holding a database connection.
    let hash =
        web::block(move || password::hash(&password)).await.map_err(Error::internal)?.map_err(Error::internal)?;
    let user = state.db(move |conn| insert(conn, &name, &display_name, role, hash)).await?;
    Ok((user, generated))
}

pub async fn list(
    state: &AppState,
    _: &Caller<ManageUsers>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<User>, Error> {
    state.db(move |conn| users::list(conn, after, limit)).await
}

/// Who actions can be assigned to: for whoever logs and edits actions,
/// which is why it needs that capability rather than managing users.
pub async fn assignable(
    state: &AppState,
    _: &Caller<crate::auth::policy::ManageActions>,
) -> Result<Vec<users::Assignable>, Error> {
    state.db(users::assignable).await
}

pub async fn get(state: &AppState, _: &Caller<ManageUsers>, id: UserId) -> Result<User, Error> {
    let id = id.0;
    state.db(move |conn| users::get(conn, id)).await
}

fn is_self(caller: &Caller<ManageUsers>, id: i64) -> bool {
    matches!(caller.identity, Identity::User { id: own, .. } if own == id)
}

/// Edits a user's name or role, or deactivates them (ending their tokens and
/// revoking the service credentials they issued). Admins cannot deactivate
/// or demote themselves, and nobody the last active admin (`store::users::update`).
pub async fn update(
    state: &AppState,
    caller: &Caller<ManageUsers>,
    id: UserId,
    expected: Version,
    changes: UserChanges,
) -> Result<User, Error> {
    let id = id.0;
    if is_self(caller, id) && (changes.active == Some(false) || changes.role.is_some_and(|r| r != Role::Admin)) {
        // An admin who could do this could leave the service with no admin at all.
        return Err(Error::Conflict(
            "admins cannot deactivate themselves or give up their own admin role; ask another admin".into(),
        ));
    }
    let now = store::now();
    state.db(move |conn| write_transaction(conn, |conn| users::update(conn, id, expected, &changes, now))).await
}

/// Sets another user's password (given, or generated and returned) and ends their tokens.
pub async fn reset_password(
    state: &AppState,
    caller: &Caller<ManageUsers>,
    id: UserId,
    given: Option<String>,
) -> Result<(User, Option<String>), Error> {
    let id = id.0;
    if is_self(caller, id) {
        // Resetting without the current password is for other people's
        // accounts; a stolen admin token must not be able to take over its own.
        return Err(Error::Conflict(
            "change your own password with POST /api/v1/me/password, which asks for the current one".into(),
        ));
    }
    let (password, generated) = chosen_password(given)?;
    let now = store::now();
    let hash =
        web::block(move || password::hash(&password)).await.map_err(Error::internal)?.map_err(Error::internal)?;
    let user = state.db(move |conn| write_transaction(conn, |conn| users::set_password(conn, id, &hash, now))).await?;
    Ok((user, generated))
}

pub async fn list_credentials(
    state: &AppState,
    _: &Caller<ManageUsers>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<ServiceCredential>, Error> {
    state.db(move |conn| users::list_credentials(conn, after, limit)).await
}

/// Issues a credential to another council system; its token is returned
/// once and never stored. Never with the admin role ([`ServiceRole`](crate::domain::Role)).
pub async fn issue_credential(
    state: &AppState,
    caller: &Caller<ManageUsers>,
    name: &str,
    role: Role,
    expires_in_days: Option<i64>,
) -> Result<(ServiceCredential, String), Error> {
    let mut checks = Checks::new();
    let name = checks.check(text::required("name", name, text::SHORT));
    let days = expires_in_days.unwrap_or(state.auth.service_token_ttl_days);
    if !(1..=3650).contains(&days) {
        checks.push("expires_in_days", "must be from 1 to 3650");
    }
    if role == Role::Admin {
        checks.push("role", "service credentials cannot be admins");
    }
    checks.finish().map_err(Error::Invalid)?;
    let now = store::now();
    let jti = new_jti();
    let new = NewServiceCredential {
        name: name.clone(),
        role,
        jti: jti.clone(),
        created_by: caller.actor().0,
        created_at: now,
        expires_at: now + chrono::Duration::days(days),
    };
    let credential = state.db(move |conn| write_transaction(conn, |conn| users::create_credential(conn, &new))).await?;
    let subject = Actor::service(&name).0;
    let token = issue_token(&state.auth.keys, subject, role, TokenKind::Service, 0, jti, now, credential.expires_at)?;
    Ok((credential, token))
}

pub async fn revoke_credential(
    state: &AppState,
    _: &Caller<ManageUsers>,
    id: CredentialId,
) -> Result<ServiceCredential, Error> {
    let id = id.0;
    let now = store::now();
    state.db(move |conn| write_transaction(conn, |conn| users::revoke_credential(conn, id, now))).await
}

pub async fn list_sso_blocks(
    state: &AppState,
    _: &Caller<ManageUsers>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<SsoBlock>, Error> {
    state.db(move |conn| users::list_sso_blocks(conn, after, limit)).await
}

/// Refuses a single sign-on subject whatever its provider says, and revokes
/// the credentials it issued. Admins cannot block themselves.
pub async fn block_sso_subject(
    state: &AppState,
    caller: &Caller<ManageUsers>,
    subject: String,
    reason: &str,
) -> Result<SsoBlock, Error> {
    let mut checks = Checks::new();
    // The subject is compared exactly as the provider sends it: not trimmed.
    let subject = checks.check(text::required("subject", &subject, text::SHORT).map(|_| subject.clone()));
    let reason = checks.check(text::required("reason", reason, text::SHORT));
    checks.finish().map_err(Error::Invalid)?;
    if matches!(&caller.identity, Identity::Sso { subject: own } if *own == subject) {
        return Err(Error::Conflict("admins cannot block their own single sign-on identity".into()));
    }
    let new = NewSsoBlock { subject, reason, blocked_by: caller.actor().0, blocked_at: store::now() };
    let block = state.db(move |conn| write_transaction(conn, |conn| users::create_sso_block(conn, &new))).await?;
    log::info!("single sign-on subject {} blocked by {}", block.subject, block.blocked_by);
    Ok(block)
}

pub async fn unblock_sso_subject(state: &AppState, caller: &Caller<ManageUsers>, id: SsoBlockId) -> Result<(), Error> {
    let id = id.0;
    let block = state.db(move |conn| write_transaction(conn, |conn| users::delete_sso_block(conn, id))).await?;
    log::info!("single sign-on subject {} unblocked by {}", block.subject, caller.actor().0);
    Ok(())
}
