use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{changes, write_versioned, Changes};
use crate::auth::throttle::{self, Failures, Subjects};
use crate::db::AnyConnection;
use crate::domain::{Error, Role, Version};
use crate::schema::{service_credentials, sign_in_failures, sign_in_familiar, sso_blocks, users};

#[derive(Debug, Clone, Queryable)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    /// Never leaves the service: not in any response, not in any log.
    pub password_hash: String,
    pub token_generation: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Where reminders are emailed, if anywhere.
    pub email: Option<String>,
    /// Whether they want reminder emails (they may turn them off).
    pub reminder_emails: bool,
    /// The hash of their calendar feed's secret, if they have one: never leaves the service.
    pub calendar_token_hash: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub password_hash: String,
    pub token_generation: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

changes! {
    #[derive(Debug, Clone, Default, AsChangeset)]
    #[diesel(table_name = users)]
    pub struct UserChanges {
        pub display_name: Option<String>,
        pub role: Option<Role>,
        pub active: Option<bool>,
        pub email: Option<Option<String>>,
        pub reminder_emails: Option<bool>,
    }
}

pub fn create(conn: &mut AnyConnection, new: &NewUser) -> Result<User, Error> {
    if find_by_username(conn, &new.username)?.is_some() {
        return Err(Error::Conflict(format!("the username {} is taken", new.username)));
    }
    Ok(diesel::insert_into(users::table).values(new).returning(users::all_columns).get_result(conn)?)
}

/// Someone an action can be assigned to.
#[derive(Debug, Clone, Queryable)]
pub struct Assignable {
    pub id: i64,
    pub display_name: String,
    pub role: Role,
}

/// Active users who can own actions (the OPCC, the secretariat, admins), by name.
pub fn assignable(conn: &mut AnyConnection) -> Result<Vec<Assignable>, Error> {
    Ok(users::table
        .filter(users::active.eq(true))
        .filter(users::role.eq_any([Role::Opcc, Role::Secretariat, Role::Admin]))
        .order((users::display_name, users::id))
        .select((users::id, users::display_name, users::role))
        .limit(1000)
        .load(conn)?)
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<User, Error> {
    users::table.find(id).first(conn).optional()?.ok_or_else(|| Error::not_found("user", id))
}

/// How many users, service credentials and committees the database holds.
pub fn population(conn: &mut AnyConnection) -> Result<(i64, i64, i64), Error> {
    use crate::schema::committees;
    Ok((
        users::table.count().get_result(conn)?,
        service_credentials::table.count().get_result(conn)?,
        committees::table.count().get_result(conn)?,
    ))
}

pub fn find_by_username(conn: &mut AnyConnection, username: &str) -> Result<Option<User>, Error> {
    Ok(users::table.filter(users::username.eq(username)).first(conn).optional()?)
}

pub fn list(conn: &mut AnyConnection, after: Option<i64>, limit: i64) -> Result<Vec<User>, Error> {
    let mut query = users::table.order(users::id).limit(limit + 1).into_boxed();
    if let Some(after) = after {
        query = query.filter(users::id.gt(after));
    }
    Ok(query.load(conn)?)
}

/// Applies changes (call it inside a write transaction). Deactivation ends
/// every token issued to the user and revokes the service credentials they
/// issued. The last active admin can be neither deactivated nor demoted, by
/// anyone: the service is never left with nobody who can manage it.
pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    expected_version: Version,
    changes: &UserChanges,
    now: NaiveDateTime,
) -> Result<User, Error> {
    let current = get(conn, id)?;
    expected_version.check(current.version)?;
    if changes.is_empty() {
        return Ok(current);
    }
    let deactivating = changes.active == Some(false) && current.active;
    let stays_admin = changes.role.is_none_or(|r| r == Role::Admin);
    if current.active && current.role == Role::Admin && (deactivating || !stays_admin) {
        let others = active_admins(conn)?.into_iter().filter(|other| *other != id).count();
        if others == 0 {
            return Err(Error::Conflict(format!(
                "{} is the last active admin: make another user an admin first",
                current.username
            )));
        }
    }
    if deactivating {
        let revoked = revoke_credentials_issued_by(conn, &current.username, now)?;
        if revoked > 0 {
            log::info!("deactivating {} revoked the {revoked} service credential(s) they issued", current.username);
        }
    }
    let bump = i32::from(deactivating);
    write_versioned!(
        conn,
        users,
        id,
        current.version,
        now,
        (changes, users::token_generation.eq(users::token_generation + bump))
    )?;
    if deactivating {
        // Their calendar feed address ends too: reactivating them must not bring it back.
        diesel::update(users::table.find(id)).set(users::calendar_token_hash.eq(None::<String>)).execute(conn)?;
    }
    get(conn, id)
}

/// The active admins' ids. On PostgreSQL their rows are locked (in id
/// order, so two such transactions take them in the same order) until the
/// transaction ends, so two admins demoting each other at once cannot both
/// see the other still active (the second waits, then sees the first's
/// change); SQLite's write transactions already run one at a time.
fn active_admins(conn: &mut AnyConnection) -> Result<Vec<i64>, Error> {
    let query = users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::active.eq(true))
        .order(users::id)
        .select(users::id);
    Ok(match conn {
        AnyConnection::Postgresql(c) => query.for_update().load(c)?,
        AnyConnection::Sqlite(c) => query.load(c)?,
    })
}

/// Revokes the unrevoked service credentials `actor` issued; returns how many.
pub fn revoke_credentials_issued_by(conn: &mut AnyConnection, actor: &str, now: NaiveDateTime) -> Result<usize, Error> {
    Ok(diesel::update(
        service_credentials::table
            .filter(service_credentials::created_by.eq(actor))
            .filter(service_credentials::revoked_at.is_null()),
    )
    .set(service_credentials::revoked_at.eq(now))
    .execute(conn)?)
}

/// Sets a new password hash and ends every token issued before.
pub fn set_password(conn: &mut AnyConnection, id: i64, password_hash: &str, now: NaiveDateTime) -> Result<User, Error> {
    let updated = diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::token_generation.eq(users::token_generation + 1),
            // A new password ends every secret the old one could have leaked, the calendar feed's too.
            users::calendar_token_hash.eq(None::<String>),
            users::version.eq(users::version + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    if updated == 0 {
        return Err(Error::not_found("user", id));
    }
    get(conn, id)
}

// ---- service credentials ----------------------------------------------

#[derive(Debug, Clone, Queryable)]
pub struct ServiceCredential {
    pub id: i64,
    pub name: String,
    pub role: Role,
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
    pub role: Role,
    pub jti: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn create_credential(conn: &mut AnyConnection, new: &NewServiceCredential) -> Result<ServiceCredential, Error> {
    let taken = service_credentials::table
        .filter(service_credentials::name.eq(&new.name))
        .select(service_credentials::id)
        .first::<i64>(conn)
        .optional()?;
    if taken.is_some() {
        return Err(Error::Conflict(format!("a service credential named {} exists", new.name)));
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
) -> Result<Vec<ServiceCredential>, Error> {
    let mut query = service_credentials::table.order(service_credentials::id).limit(limit + 1).into_boxed();
    if let Some(after) = after {
        query = query.filter(service_credentials::id.gt(after));
    }
    Ok(query.load(conn)?)
}

pub fn find_credential_by_jti(conn: &mut AnyConnection, jti: &str) -> Result<Option<ServiceCredential>, Error> {
    Ok(service_credentials::table.filter(service_credentials::jti.eq(jti)).first(conn).optional()?)
}

pub fn revoke_credential(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> Result<ServiceCredential, Error> {
    diesel::update(service_credentials::table.find(id).filter(service_credentials::revoked_at.is_null()))
        .set(service_credentials::revoked_at.eq(now))
        .execute(conn)?;
    service_credentials::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("service credential", id))
}

/// Records use, at most once a minute per credential so reads stay reads.
pub fn touch_credential(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> Result<(), Error> {
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
struct CountedRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    failures: i32,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    window_started_at: NaiveDateTime,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    locked_until: Option<NaiveDateTime>,
}

/// The seconds left on the address's lock, read without writing anything:
/// a locked-out address is refused before it can add a row or take a write lock.
pub fn address_locked_for(conn: &mut AnyConnection, address: &str, now: NaiveDateTime) -> Result<Option<i64>, Error> {
    let row = sign_in_failures::table
        .find(address)
        .select((sign_in_failures::failures, sign_in_failures::window_started_at, sign_in_failures::locked_until))
        .first::<(i32, NaiveDateTime, Option<NaiveDateTime>)>(conn)
        .optional()?
        .map(|(failures, window_started_at, locked_until)| Failures { failures, window_started_at, locked_until });
    Ok(throttle::locked_for(row.as_ref(), now))
}

/// Counts a sign-in attempt under its subjects before the password is
/// checked, so parallel attempts cannot slip past a limit, and says whether
/// the address is familiar for the user. Expired rows are purged first.
pub fn count_sign_in_attempt(
    conn: &mut AnyConnection,
    subjects: &Subjects,
    now: NaiveDateTime,
) -> Result<throttle::Counted, Error> {
    if let AnyConnection::Postgresql(c) = conn {
        purge_expired_postgres(c, now)?;
    }
    crate::db::write_transaction(conn, |conn| {
        if let AnyConnection::Sqlite(c) = conn {
            // SQLite's writers take turns anyway: the purge shares the
            // counting's one write transaction rather than taking a second.
            purge_expired_sqlite(c, now)?;
        }
        let network = match &subjects.network {
            Some(network) => Some(count_attempt(conn, network, throttle::NETWORK_LIMIT, now)?),
            None => None,
        };
        let familiar = sign_in_familiar::table
            .find(throttle::familiar_subject(subjects))
            .filter(sign_in_familiar::familiar_until.gt(now))
            .select(sign_in_familiar::subject)
            .first::<String>(conn)
            .optional()?
            .is_some();
        Ok(throttle::Counted {
            address: count_attempt(conn, &subjects.address, throttle::ADDRESS_LIMIT, now)?,
            network,
            pair: count_attempt(conn, &subjects.pair, throttle::PAIR_LIMIT, now)?,
            user: count_attempt(conn, &subjects.user, throttle::USER_LIMIT, now)?,
            familiar,
        })
    })
}

/// Deletes the throttling rows whose window and lock have both run out, and
/// familiar addresses past their time, so the tables hold only what can
/// still decide an answer. On PostgreSQL it runs outside the counting
/// transaction and skips rows another attempt holds, so it never waits on
/// (or deadlocks with) the counting.
fn purge_expired_postgres(conn: &mut diesel::PgConnection, now: NaiveDateTime) -> QueryResult<()> {
    use diesel::sql_types::Timestamp;
    const FAILURES: &str = "DELETE FROM sign_in_failures WHERE subject IN (SELECT subject FROM sign_in_failures \
        WHERE window_started_at < $1 AND (locked_until IS NULL OR locked_until <= $2) FOR UPDATE SKIP LOCKED)";
    const FAMILIAR: &str = "DELETE FROM sign_in_familiar WHERE subject IN (SELECT subject FROM sign_in_familiar \
        WHERE familiar_until <= $1 FOR UPDATE SKIP LOCKED)";
    diesel::sql_query(FAILURES).bind::<Timestamp, _>(now - throttle::WINDOW).bind::<Timestamp, _>(now).execute(conn)?;
    diesel::sql_query(FAMILIAR).bind::<Timestamp, _>(now).execute(conn)?;
    Ok(())
}

/// The same purge on SQLite, inside the caller's write transaction.
fn purge_expired_sqlite(conn: &mut diesel::SqliteConnection, now: NaiveDateTime) -> QueryResult<()> {
    diesel::delete(
        sign_in_failures::table.filter(
            sign_in_failures::window_started_at
                .lt(now - throttle::WINDOW)
                .and(sign_in_failures::locked_until.is_null().or(sign_in_failures::locked_until.le(now))),
        ),
    )
    .execute(conn)?;
    diesel::delete(sign_in_familiar::table.filter(sign_in_familiar::familiar_until.le(now))).execute(conn)?;
    Ok(())
}

/// Everything before a password is checked: a locked-out address is refused
/// with nothing written; otherwise the attempt is counted and refused when
/// a limit binds it ([`throttle::verdict`]). `Ok` carries the counts.
pub fn begin_sign_in_attempt(
    conn: &mut AnyConnection,
    subjects: &Subjects,
    now: NaiveDateTime,
) -> Result<throttle::Counted, Error> {
    if let Some(retry_after) = address_locked_for(conn, &subjects.address, now)? {
        return Err(Error::TooManyAttempts { retry_after });
    }
    let counted = count_sign_in_attempt(conn, subjects, now)?;
    throttle::verdict(&counted, now).map_err(|retry_after| Error::TooManyAttempts { retry_after })?;
    Ok(counted)
}

/// One subject's count, in one atomic statement: the count restarts after a
/// quiet window, and passing `limit` locks the subject.
fn count_attempt(
    conn: &mut AnyConnection,
    subject: &str,
    limit: i32,
    now: NaiveDateTime,
) -> Result<Failures, diesel::result::Error> {
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
        RETURNING failures, window_started_at, locked_until";
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
                .get_result::<CountedRow>($conn)?
        };
    }
    let counted = match conn {
        AnyConnection::Postgresql(c) => run!(c, UPSERT),
        // SQLite numbers its parameters ?1, ?2...: the same binds in the same order.
        AnyConnection::Sqlite(c) => run!(c, UPSERT.replace('$', "?")),
    };
    Ok(Failures {
        failures: counted.failures,
        window_started_at: counted.window_started_at,
        locked_until: counted.locked_until,
    })
}

/// After a successful sign-in: the username at this address starts afresh
/// and the address becomes familiar for the user, and the address and the
/// username get back the attempt counted for them (not more: the real user
/// signing in does not wipe out an attacker's count).
pub fn sign_in_succeeded(conn: &mut AnyConnection, subjects: &Subjects, now: NaiveDateTime) -> Result<(), Error> {
    crate::db::write_transaction(conn, |conn| {
        diesel::delete(sign_in_failures::table.find(&subjects.pair)).execute(conn)?;
        let familiar = throttle::familiar_subject(subjects);
        diesel::delete(sign_in_familiar::table.find(familiar)).execute(conn)?;
        diesel::insert_into(sign_in_familiar::table)
            .values((
                sign_in_familiar::subject.eq(familiar),
                sign_in_familiar::familiar_until.eq(now + throttle::FAMILIAR_FOR),
            ))
            .execute(conn)?;
        for subject in [Some(&subjects.address), subjects.network.as_ref(), Some(&subjects.user)].into_iter().flatten()
        {
            diesel::update(sign_in_failures::table.find(subject).filter(sign_in_failures::failures.gt(0)))
                .set(sign_in_failures::failures.eq(sign_in_failures::failures - 1))
                .execute(conn)?;
        }
        Ok(())
    })
}

// ---- single sign-on blocks ----------------------------------------------

#[derive(Debug, Clone, Queryable)]
pub struct SsoBlock {
    pub id: i64,
    pub subject: String,
    pub reason: String,
    pub blocked_by: String,
    pub blocked_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sso_blocks)]
pub struct NewSsoBlock {
    pub subject: String,
    pub reason: String,
    pub blocked_by: String,
    pub blocked_at: NaiveDateTime,
}

/// Blocks a subject (call it inside a write transaction) and revokes the
/// service credentials it issued, as deactivating a user does.
pub fn create_sso_block(conn: &mut AnyConnection, new: &NewSsoBlock) -> Result<SsoBlock, Error> {
    if sso_subject_blocked(conn, &new.subject)? {
        return Err(Error::Conflict(format!("the single sign-on subject {} is already blocked", new.subject)));
    }
    let block = diesel::insert_into(sso_blocks::table)
        .values(new)
        .returning(sso_blocks::all_columns)
        .get_result::<SsoBlock>(conn)?;
    revoke_credentials_issued_by(conn, &super::Actor::sso(&new.subject).0, new.blocked_at)?;
    Ok(block)
}

pub fn sso_subject_blocked(conn: &mut AnyConnection, subject: &str) -> Result<bool, Error> {
    let found = sso_blocks::table
        .filter(sso_blocks::subject.eq(subject))
        .select(sso_blocks::id)
        .first::<i64>(conn)
        .optional()?;
    Ok(found.is_some())
}

pub fn list_sso_blocks(conn: &mut AnyConnection, after: Option<i64>, limit: i64) -> Result<Vec<SsoBlock>, Error> {
    let mut query = sso_blocks::table.order(sso_blocks::id).limit(limit + 1).into_boxed();
    if let Some(after) = after {
        query = query.filter(sso_blocks::id.gt(after));
    }
    Ok(query.load(conn)?)
}

/// Lifts a block; returns it as it was.
pub fn delete_sso_block(conn: &mut AnyConnection, id: i64) -> Result<SsoBlock, Error> {
    let block = sso_blocks::table
        .find(id)
        .first::<SsoBlock>(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("single sign-on block", id))?;
    diesel::delete(sso_blocks::table.find(id)).execute(conn)?;
    Ok(block)
}
