//! Browser sessions: one row per signed-in browser, found by the SHA-256 of
//! the cookie's secret. Kept in the database so every instance serves every
//! session and signing out ends it everywhere.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::users::User;
use crate::db::AnyConnection;
use crate::domain::Error;
use crate::schema::{users, web_sessions};

/// A session as stored. No `Debug`: it holds the CSRF token and the secret's hash.
#[derive(Clone, Queryable)]
pub struct WebSession {
    pub id: i64,
    pub secret_hash: String,
    pub user_id: i64,
    pub token_generation: i32,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

#[derive(Clone, Insertable)]
#[diesel(table_name = web_sessions)]
pub struct NewWebSession {
    pub secret_hash: String,
    pub user_id: i64,
    pub token_generation: i32,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

pub fn create(conn: &mut AnyConnection, new: &NewWebSession) -> Result<WebSession, Error> {
    Ok(diesel::insert_into(web_sessions::table).values(new).returning(web_sessions::all_columns).get_result(conn)?)
}

/// The session with this secret's hash, with its user.
pub fn find(conn: &mut AnyConnection, secret_hash: &str) -> Result<Option<(WebSession, User)>, Error> {
    Ok(web_sessions::table
        .inner_join(users::table)
        .filter(web_sessions::secret_hash.eq(secret_hash))
        .select((web_sessions::all_columns, users::all_columns))
        .first(conn)
        .optional()?)
}

pub fn touch(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> Result<(), Error> {
    diesel::update(web_sessions::table.find(id)).set(web_sessions::last_seen_at.eq(now)).execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    diesel::delete(web_sessions::table.find(id)).execute(conn)?;
    Ok(())
}

/// Removes sessions unused since `idle_before` or begun before `started_before`.
pub fn delete_expired(
    conn: &mut AnyConnection,
    idle_before: NaiveDateTime,
    started_before: NaiveDateTime,
) -> Result<usize, Error> {
    Ok(diesel::delete(
        web_sessions::table
            .filter(web_sessions::last_seen_at.lt(idle_before).or(web_sessions::created_at.lt(started_before))),
    )
    .execute(conn)?)
}
