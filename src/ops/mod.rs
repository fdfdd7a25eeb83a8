//! The operations: one function for each thing a user does, under every
//! front end (the JSON API today; web pages, webhooks and public pages
//! later). Each takes the caller (a [`Caller`](crate::auth::Caller), which
//! only the policy table makes), typed input and, for changes, the version
//! it was based on; runs its transaction; writes its events; and returns a
//! domain result or a [`domain::Error`](crate::domain::Error). Front ends
//! parse, call one operation and render; the rules live here and below.

pub mod action_log;
pub mod actions;
pub mod agenda_items;
pub mod calendar;
pub mod changes;
pub mod committees;
pub mod extractions;
pub mod meetings;
pub mod public;
pub mod sessions;
pub mod sign_in;
pub mod statutory;
pub mod users;
pub mod webhooks;

use actix_web::web;

use crate::auth::AuthConfig;
use crate::db::{AnyConnection, DbPool};
use crate::domain::Error;
use crate::store::idempotency::Recorded;

/// How a front end records what it answered for a create, so a retry with
/// the same key gets the same answer (see `store::idempotency`).
pub type Record<T> = Box<dyn Fn(T) -> Result<Recorded, Error> + Send>;

/// What every operation shares. Holds nothing another instance would need:
/// all state is in the database, so instances scale out behind a balancer.
pub struct AppState {
    pub pool: DbPool,
    pub auth: AuthConfig,
    /// Timeouts of the web pages' sessions.
    pub sessions: crate::config::SessionSettings,
    /// Each client address's requests for public paths, in this instance.
    pub public_limiter: crate::http::rate_limit::Limiter,
    /// Where webhooks may point and how deliveries are retried.
    pub webhooks: crate::config::WebhookSettings,
    /// When owners are reminded before meetings, and how.
    pub reminders: crate::config::ReminderSettings,
}

impl AppState {
    /// Runs blocking database work on the blocking threads, never on the
    /// async workers; the pool bounds how many run at once.
    pub async fn db<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, Error> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(Error::internal)?
    }
}

/// Whether the database answers: readiness for a load balancer.
pub async fn ready(state: &AppState) -> Result<(), Error> {
    use diesel::connection::SimpleConnection;
    state.db(|conn| conn.batch_execute("SELECT 1").map_err(|e| Error::Busy(e.to_string()))).await
}
