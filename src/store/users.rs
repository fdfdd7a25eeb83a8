use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::policy::Role;
use crate::auth::throttle::{self, Failures};
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::schema::{service_credentials, sign_in_failures, users};

#[derive(Debug, Clone, Queryable)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub active: bool,
    /// Never leaves the service: not in any response, not in any log.
    pub password_hash: String,
    pub token_generation: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl User {
    pub fn role(&self) -> Role {
        // The CHECK constraint admits only known roles; fall back to the least.
        self.role.parse().unwrap_or(Role::Reader)
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub active: bool,
    pub password_hash: String,
    pub token_generation: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
}

pub fn create(conn: &mut AnyConnection, new: &NewUser) -> Result<User, ApiError> {
    if find_by_username(conn, &new.username)?.is_some() {
        return Err(ApiError::Conflict(format!("the username {} is taken", new.username)));
    }
    Ok(diesel::insert_into(users::table).values(new).returning(users::all_columns).get_result(conn)?)
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<User, ApiError> {
    users::table.find(id).first(conn).optional()?.ok_or_else(|| ApiError::not_found("user", id))
}

pub fn find_by_username(conn: &mut AnyConnection, username: &str) -> Result<Option<User>, ApiError> {
    Ok(users::table.filter(users::username.eq(username)).first(conn).optional()?)
}

pub fn list(conn: &mut AnyConnection, after: Option<i64>, limit: i64) -> Result<Vec<User>, ApiError> {
    let mut query = users::table.order(users::id).limit(limit + 1).into_boxed();
    if let Some(after) = after {
        query = query.filter(users::id.gt(after));
    }
    Ok(query.load(conn)?)
}

/// Applies changes; deactivation ends every token issued before it.
pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    expected_version: i64,
    changes: &UserChanges,
    now: NaiveDateTime,
) -> Result<User, ApiError> {
    let current = get(conn, id)?;
    crate::http::etag::IfMatch(expected_version).check(current.version)?;
    if changes.display_name.is_none() && changes.role.is_none() && changes.active.is_none() {
        return Ok(current);
    }
    let bump = i32::from(changes.active == Some(false) && current.active);
    let updated = diesel::update(users::table.find(id).filter(users::version.eq(expected_version)))
        .set((
            changes,
            users::token_generation.eq(users::token_generation + bump),
            users::version.eq(users::version + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    if updated == 0 {
        return Err(ApiError::PreconditionFailed { current: current.version + 1, given: expected_version.to_string() });
    }
    get(conn, id)
}

/// Sets a new password hash and ends every token issued before.
pub fn set_password(
    conn: &mut AnyConnection,
    id: i64,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<User, ApiError> {
    let updated = diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::token_generation.eq(users::token_generation + 1),
            users::version.eq(users::version + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    if updated == 0 {
        return Err(ApiError::not_found("user", id));
    }
    get(conn, id)
}

// ---- service credentials ----------------------------------------------

#[derive(Debug, Clone, Queryable)]
pub struct ServiceCredential {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub jti: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = service_credentials)]
pub struct NewServiceCredential {
    pub name: String,
    pub role: String,
    pub jti: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn create_credential(conn: &mut AnyConnection, new: &NewServiceCredential) -> Result<ServiceCredential, ApiError> {
    let taken = service_credentials::table
        .filter(service_credentials::name.eq(&new.name))
        .select(service_credentials::id)
        .first::<i64>(conn)
        .optional()?;
    if taken.is_some() {
        return Err(ApiError::Conflict(format!("a service credential named {} exists", new.name)));
    }
    Ok(diesel::insert_into(service_credentials::table)
        .values(new)
        .returning(service_credentials::all_columns)
        .get_result(conn)?)
}

pub fn list_credentials(
    conn: &mut AnyConnection,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<ServiceCredential>, ApiError> {
    let mut query = service_credentials::table.order(service_credentials::id).limit(limit + 1).into_boxed();
    if let Some(after) = after {
        query = query.filter(service_credentials::id.gt(after));
    }
    Ok(query.load(conn)?)
}

pub fn find_credential_by_jti(conn: &mut AnyConnection, jti: &str) -> Result<Option<ServiceCredential>, ApiError> {
    Ok(service_credentials::table.filter(service_credentials::jti.eq(jti)).first(conn).optional()?)
}

pub fn revoke_credential(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> Result<ServiceCredential, ApiError> {
    diesel::update(service_credentials::table.find(id).filter(service_credentials::revoked_at.is_null()))
        .set(service_credentials::revoked_at.eq(now))
        .execute(conn)?;
    service_credentials::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("service credential", id))
}

/// Records use, at most once a minute per credential so reads stay reads.
pub fn touch_credential(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> Result<(), ApiError> {
    let stale = now - chrono::Duration::minutes(1);
    diesel::update(
        service_credentials::table
            .find(id)
            .filter(service_credentials::last_used_at.is_null().or(service_credentials::last_used_at.lt(stale))),
    )
    .set(service_credentials::last_used_at.eq(now))
    .execute(conn)?;
    Ok(())
}

// ---- sign-in attempts ---------------------------------------------------

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    failures: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    locked_until: Option<NaiveDateTime>,
}

/// Counts a sign-in attempt for `subject` before its password is checked, in
/// one atomic statement, so parallel attempts cannot slip past the limit: the
/// count restarts after a quiet window, and passing `limit` locks the subject.
/// Returns the attempts in the window and, when locked, the seconds left.
pub fn count_attempt(
    conn: &mut AnyConnection,
    subject: &str,
    limit: i32,
    now: NaiveDateTime,
) -> Result<(i32, Option<i64>), ApiError> {
    use diesel::sql_types::{Integer, Text, Timestamp};
    // $1 subject, $2 now, $3 start of the current window, $4 limit, $5 end of a new lock.
    const UPSERT: &str = "INSERT INTO sign_in_failures (subject, failures, window_started_at, locked_until) \
        VALUES ($1, 1, $2, NULL) \
        ON CONFLICT (subject) DO UPDATE SET \
        failures = CASE WHEN sign_in_failures.window_started_at < $3 \
                         AND (sign_in_failures.locked_until IS NULL OR sign_in_failures.locked_until <= $2) \
                        THEN 1 ELSE sign_in_failures.failures + 1 END, \
        window_started_at = CASE WHEN sign_in_failures.window_started_at < $3 \
                         AND (sign_in_failures.locked_until IS NULL OR sign_in_failures.locked_until <= $2) \
                        THEN $2 ELSE sign_in_failures.window_started_at END, \
        locked_until = CASE WHEN sign_in_failures.locked_until > $2 THEN sign_in_failures.locked_until \
                            WHEN sign_in_failures.window_started_at >= $3 AND sign_in_failures.failures + 1 > $4 THEN $5 \
                            ELSE NULL END \
        RETURNING failures, locked_until";
    let window_start = now - throttle::WINDOW;
    let lock_end = now + throttle::LOCKOUT;
    macro_rules! run {
        ($conn:expr, $sql:expr) => {
            diesel::sql_query($sql)
                .bind::<Text, _>(subject)
                .bind::<Timestamp, _>(now)
                .bind::<Timestamp, _>(window_start)
                .bind::<Integer, _>(limit)
                .bind::<Timestamp, _>(lock_end)
                .get_result::<Counted>($conn)?
        };
    }
    let counted = match conn {
        AnyConnection::Postgresql(c) => run!(c, UPSERT),
        // SQLite numbers its parameters ?1, ?2...: the same binds in the same order.
        AnyConnection::Sqlite(c) => run!(c, UPSERT.replace('$', "?")),
    };
    let locked = throttle::locked_for(
        Some(&Failures { failures: counted.failures, window_started_at: now, locked_until: counted.locked_until }),
        now,
    );
    Ok((counted.failures, locked))
}

/// After a successful sign-in: the username starts afresh, and the address
/// gets back the attempt that was counted for it.
pub fn attempt_succeeded(conn: &mut AnyConnection, user_subject: &str, address_subject: &str) -> Result<(), ApiError> {
    diesel::delete(sign_in_failures::table.find(user_subject)).execute(conn)?;
    diesel::update(sign_in_failures::table.find(address_subject).filter(sign_in_failures::failures.gt(0)))
        .set(sign_in_failures::failures.eq(sign_in_failures::failures - 1))
        .execute(conn)?;
    Ok(())
}
