//! Webhooks, their outbox of deliveries and the log of attempts.
//!
//! [`enqueue`] runs inside every write transaction, right after the change
//! feed numbers the transaction's changes, so a change is never committed
//! without its deliveries, nor a delivery kept for a change that rolled
//! back. Workers [`claim`] due deliveries for a lease (on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so each is held by one instance at a time) and
//! [`record`] each attempt.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{changes, write_versioned, Changes};
use crate::db::{write_transaction, AnyConnection};
use crate::domain::change::ChangeType;
use crate::domain::webhook::{self, Subscription};
use crate::domain::{Error, Version};
use crate::schema::{changes as changes_table, webhook_attempts, webhook_deliveries, webhooks};

/// How much of a receiver's answer the log keeps.
pub const LOGGED_RESPONSE_CHARS: usize = 1000;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub description: Option<String>,
    pub event_types: String,
    pub committee_ids: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<NaiveDateTime>,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl WebhookRow {
    pub fn subscription(&self) -> Subscription {
        Subscription::from_text(&self.event_types, &self.committee_ids)
    }

    /// The secrets that sign a delivery now: the current one, and the
    /// previous one until its overlap ends.
    pub fn signing_secrets(&self, now: NaiveDateTime) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_expires_at) {
            if until > now {
                secrets.push(previous);
            }
        }
        secrets
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhooks)]
pub struct NewWebhook {
    pub url: String,
    pub description: Option<String>,
    pub event_types: String,
    pub committee_ids: String,
    pub secret: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

changes! {
    /// Changes to a webhook; `None` leaves a field alone.
    #[derive(Debug, Clone, Default, AsChangeset)]
    #[diesel(table_name = webhooks)]
    pub struct WebhookChanges {
        pub url: Option<String>,
        pub description: Option<Option<String>>,
        pub event_types: Option<String>,
        pub committee_ids: Option<String>,
        pub active: Option<bool>,
        pub disabled_reason: Option<Option<String>>,
        pub disabled_at: Option<Option<NaiveDateTime>>,
        pub secret: Option<String>,
        pub previous_secret: Option<Option<String>>,
        pub previous_secret_expires_at: Option<Option<NaiveDateTime>>,
    }
}

pub fn create(conn: &mut AnyConnection, new: &NewWebhook) -> Result<WebhookRow, Error> {
    Ok(diesel::insert_into(webhooks::table).values(new).returning(webhooks::all_columns).get_result(conn)?)
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<WebhookRow, Error> {
    webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("webhook", id))
}

pub fn list(conn: &mut AnyConnection, after: Option<i64>, limit: i64) -> Result<Vec<WebhookRow>, Error> {
    let mut query = webhooks::table.order(webhooks::id).limit(limit + 1).select(WebhookRow::as_select()).into_boxed();
    if let Some(after) = after {
        query = query.filter(webhooks::id.gt(after));
    }
    Ok(query.load(conn)?)
}

/// Applies changes if `expected` is current. Turning a webhook on again
/// clears why it was turned off.
pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    expected: Version,
    changes: &WebhookChanges,
    now: NaiveDateTime,
) -> Result<WebhookRow, Error> {
    let current = get(conn, id)?;
    expected.check(current.version)?;
    let mut changes = changes.clone();
    if changes.active == Some(true) && !current.active {
        changes.disabled_reason = Some(None);
        changes.disabled_at = Some(None);
    }
    if changes.is_empty() {
        return Ok(current);
    }
    write_versioned!(conn, webhooks, id, current.version, now, &changes)?;
    get(conn, id)
}

pub fn delete(conn: &mut AnyConnection, id: i64, expected: Version) -> Result<(), Error> {
    let current = get(conn, id)?;
    expected.check(current.version)?;
    let ids = webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(id)).select(webhook_deliveries::id);
    diesel::delete(webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(ids))).execute(conn)?;
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(id))).execute(conn)?;
    let deleted =
        diesel::delete(webhooks::table.find(id).filter(webhooks::version.eq(current.version))).execute(conn)?;
    super::written(deleted, current.version)
}

/// Records a delivery for every active webhook that wants each change
/// (change id, type, committee). Runs in the change's transaction. While a
/// webhook is off nothing is queued for it (its receiver catches up from
/// the change feed).
pub fn enqueue(
    conn: &mut AnyConnection,
    pending: &[(i64, ChangeType, i64)],
    now: NaiveDateTime,
) -> Result<(), diesel::result::Error> {
    let query = webhooks::table.filter(webhooks::active.eq(true)).select((
        webhooks::id,
        webhooks::event_types,
        webhooks::committee_ids,
    ));
    let hooks: Vec<(i64, String, String)> = match conn {
        // A webhook being deleted meanwhile is waited for (then skipped),
        // so a delivery never names a webhook that is gone.
        AnyConnection::Postgresql(c) => query.for_key_share().load(c)?,
        AnyConnection::Sqlite(c) => query.load(c)?,
    };
    if hooks.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::new();
    for (id, event_types, committee_ids) in hooks {
        let wants = Subscription::from_text(&event_types, &committee_ids);
        for (change_id, change, committee_id) in pending {
            if wants.wants(*change, *committee_id) {
                rows.push((
                    webhook_deliveries::webhook_id.eq(id),
                    webhook_deliveries::change_id.eq(*change_id),
                    webhook_deliveries::event_type.eq(change.as_str()),
                    webhook_deliveries::next_attempt_at.eq(now),
                    webhook_deliveries::created_at.eq(now),
                ));
            }
        }
    }
    // One statement each: both backends take it (a batch insert is per backend).
    for row in rows {
        diesel::insert_into(webhook_deliveries::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// Records deliveries of an event that is not a change (a reminder): for
/// each active webhook that wants the event, the body `payload` builds for
/// what it wants (`None`: nothing for it). In the caller's transaction.
pub fn enqueue_event(
    conn: &mut AnyConnection,
    event: webhook::EventType,
    now: NaiveDateTime,
    payload: impl Fn(&Subscription) -> Option<String>,
) -> Result<(), Error> {
    let hooks: Vec<(i64, String, String)> = webhooks::table
        .filter(webhooks::active.eq(true))
        .select((webhooks::id, webhooks::event_types, webhooks::committee_ids))
        .load(conn)?;
    for (id, event_types, committee_ids) in hooks {
        let wants = Subscription::from_text(&event_types, &committee_ids);
        if !(wants.event_types.is_empty() || wants.event_types.contains(&event)) {
            continue;
        }
        let Some(body) = payload(&wants) else { continue };
        diesel::insert_into(webhook_deliveries::table)
            .values((
                webhook_deliveries::webhook_id.eq(id),
                webhook_deliveries::payload.eq(body),
                webhook_deliveries::event_type.eq(event.as_str()),
                webhook_deliveries::next_attempt_at.eq(now),
                webhook_deliveries::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub change_id: Option<i64>,
    pub payload: Option<String>,
    pub event_type: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub claim_token: Option<String>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    pub attempted_at: NaiveDateTime,
    pub duration_ms: i64,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub response_body: Option<String>,
}

/// A delivery a worker holds, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: DeliveryRow,
    pub webhook: WebhookRow,
    /// The change's position in the feed (none for a reminder).
    pub position: Option<i64>,
    /// This claim's token: only it may record the attempt.
    pub token: String,
}

/// Takes up to `limit` due deliveries of active webhooks for this worker
/// until `lease_until`. A worker that dies lets them go when the lease ends.
pub fn claim(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Claimed>, Error> {
    use webhook_deliveries as d;
    write_transaction(conn, |conn| {
        let active = webhooks::table.filter(webhooks::active.eq(true)).select(webhooks::id);
        let due = d::table
            .filter(d::status.eq("pending"))
            .filter(d::next_attempt_at.le(now))
            .filter(d::claimed_until.is_null().or(d::claimed_until.lt(now)))
            .filter(d::webhook_id.eq_any(active))
            .order((d::next_attempt_at, d::id))
            .limit(limit)
            .select(d::id);
        let ids: Vec<i64> = match conn {
            // Another instance's claims are skipped, not waited for.
            AnyConnection::Postgresql(c) => due.for_update().skip_locked().load(c)?,
            AnyConnection::Sqlite(c) => due.load(c)?,
        };
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let token = crate::ops::sessions::random_token();
        diesel::update(d::table.filter(d::id.eq_any(&ids)))
            .set((d::claimed_until.eq(lease_until), d::claim_token.eq(&token)))
            .execute(conn)?;
        let rows: Vec<(DeliveryRow, WebhookRow, Option<i64>)> = d::table
            .inner_join(webhooks::table)
            .left_join(changes_table::table)
            .filter(d::id.eq_any(&ids))
            .order(d::id)
            .select((DeliveryRow::as_select(), WebhookRow::as_select(), changes_table::position.nullable()))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(delivery, webhook, position)| Claimed { delivery, webhook, position, token: token.clone() })
            .collect())
    })
}

/// Whether any delivery is due: a cheap read before a worker claims.
pub fn any_due(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<bool, Error> {
    use webhook_deliveries as d;
    let due: Option<i64> = d::table
        .filter(d::status.eq("pending"))
        .filter(d::next_attempt_at.le(now))
        .filter(d::claimed_until.is_null().or(d::claimed_until.lt(now)))
        .filter(d::webhook_id.eq_any(webhooks::table.filter(webhooks::active.eq(true)).select(webhooks::id)))
        .select(d::id)
        .first(conn)
        .optional()?;
    Ok(due.is_some())
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub attempted_at: NaiveDateTime,
    pub duration_ms: i64,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub response_body: Option<String>,
    /// A 2xx answer.
    pub delivered: bool,
}

/// Logs an attempt and moves the delivery on: delivered; or due again after
/// the schedule's next wait; or, the schedule spent, failed, which turns the
/// webhook off with the reason.
pub fn record(
    conn: &mut AnyConnection,
    claimed: &Claimed,
    outcome: &Outcome,
    schedule: &[Duration],
    jitter: f64,
) -> Result<(), Error> {
    use webhook_deliveries as d;
    let delivery_id = claimed.delivery.id;
    write_transaction(conn, |conn| {
        let now = outcome.attempted_at;
        // Only the claim that sent it moves it on: a worker whose lease ran
        // out (another has claimed it since), or a delivery an admin sent
        // again meanwhile, keeps just the log line.
        let held = diesel::update(
            d::table.find(delivery_id).filter(d::claim_token.eq(&claimed.token)).filter(d::status.eq("pending")),
        )
        .set((
            d::attempts.eq(d::attempts + 1),
            d::claimed_until.eq(None::<NaiveDateTime>),
            d::claim_token.eq(None::<String>),
            d::last_status_code.eq(outcome.status_code),
            d::last_error.eq(&outcome.error),
        ))
        .execute(conn)?;
        // The log line, unless the delivery is gone (its webhook deleted meanwhile).
        let exists: i64 = d::table.find(delivery_id).count().get_result(conn)?;
        if exists > 0 {
            let body =
                outcome.response_body.as_ref().map(|b| b.chars().take(LOGGED_RESPONSE_CHARS).collect::<String>());
            diesel::insert_into(webhook_attempts::table)
                .values((
                    webhook_attempts::delivery_id.eq(delivery_id),
                    webhook_attempts::attempted_at.eq(outcome.attempted_at),
                    webhook_attempts::duration_ms.eq(outcome.duration_ms),
                    webhook_attempts::status_code.eq(outcome.status_code),
                    webhook_attempts::error.eq(&outcome.error),
                    webhook_attempts::response_body.eq(body),
                ))
                .execute(conn)?;
        }
        if held == 0 {
            return Ok(());
        }
        let delivery: DeliveryRow = d::table.find(delivery_id).select(DeliveryRow::as_select()).first(conn)?;
        let attempts = delivery.attempts;
        if outcome.delivered {
            diesel::update(d::table.find(delivery_id))
                .set((d::status.eq("delivered"), d::delivered_at.eq(now)))
                .execute(conn)?;
            return Ok(());
        }
        match webhook::next_wait(schedule, attempts as usize, jitter) {
            Some(wait) => {
                let next = now + chrono::Duration::from_std(wait).map_err(Error::internal)?;
                diesel::update(d::table.find(delivery_id)).set(d::next_attempt_at.eq(next)).execute(conn)?;
            }
            None => {
                diesel::update(d::table.find(delivery_id)).set(d::status.eq("failed")).execute(conn)?;
                let what = match (outcome.status_code, &outcome.error) {
                    (Some(code), _) => format!("HTTP {code}"),
                    (None, Some(error)) => error.clone(),
                    (None, None) => "no answer".into(),
                };
                let reason = format!(
                    "turned off at {} UTC: all {attempts} attempts to deliver change {} failed since {} UTC (the last: {what})",
                    now.format("%Y-%m-%d %H:%M"),
                    claimed.position.map_or_else(|| format!("event {}", claimed.delivery.id), |p| p.to_string()),
                    delivery.created_at.format("%Y-%m-%d %H:%M"),
                );
                diesel::update(webhooks::table.find(delivery.webhook_id).filter(webhooks::active.eq(true)))
                    .set((
                        webhooks::active.eq(false),
                        webhooks::disabled_reason.eq(reason),
                        webhooks::disabled_at.eq(now),
                        webhooks::version.eq(webhooks::version + 1),
                        webhooks::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
        }
        Ok(())
    })
}

/// Lets a claimed delivery go without counting an attempt (the failure was
/// ours, not the receiver's): it is tried again after `retry_at`.
pub fn release(conn: &mut AnyConnection, claimed: &Claimed, retry_at: NaiveDateTime) -> Result<(), Error> {
    use webhook_deliveries as d;
    diesel::update(d::table.find(claimed.delivery.id).filter(d::claim_token.eq(&claimed.token)))
        .set((d::claimed_until.eq(retry_at), d::claim_token.eq(None::<String>)))
        .execute(conn)?;
    Ok(())
}

/// A delivery in the log: with its change's position and its attempts.
pub type LoggedDelivery = (DeliveryRow, Option<i64>, Vec<AttemptRow>);

/// A page of a webhook's deliveries, newest first, with their attempts.
pub fn deliveries(
    conn: &mut AnyConnection,
    webhook_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<LoggedDelivery>, Error> {
    use webhook_deliveries as d;
    let mut query = d::table
        .left_join(changes_table::table)
        .filter(d::webhook_id.eq(webhook_id))
        .order(d::id.desc())
        .limit(limit + 1)
        .select((DeliveryRow::as_select(), changes_table::position.nullable()))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(d::id.lt(before));
    }
    let rows: Vec<(DeliveryRow, Option<i64>)> = query.load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|(r, _)| r.id).collect();
    let attempts: Vec<AttemptRow> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order(webhook_attempts::id)
        .select(AttemptRow::as_select())
        .load(conn)?;
    let mut by_delivery: std::collections::HashMap<i64, Vec<AttemptRow>> = std::collections::HashMap::new();
    for attempt in attempts {
        by_delivery.entry(attempt.delivery_id).or_default().push(attempt);
    }
    Ok(rows
        .into_iter()
        .map(|(r, position)| {
            let attempts = by_delivery.remove(&r.id).unwrap_or_default();
            (r, position, attempts)
        })
        .collect())
}

/// Sends a delivery again now (its attempts so far stay in the log).
pub fn redeliver(
    conn: &mut AnyConnection,
    webhook_id: i64,
    delivery_id: i64,
    now: NaiveDateTime,
) -> Result<LoggedDelivery, Error> {
    use webhook_deliveries as d;
    let found: Option<DeliveryRow> = d::table
        .filter(d::id.eq(delivery_id))
        .filter(d::webhook_id.eq(webhook_id))
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()?;
    if found.is_none() {
        return Err(Error::not_found("delivery", delivery_id));
    }
    // Its attempts start again, so a failed delivery gets the whole schedule.
    diesel::update(d::table.find(delivery_id))
        .set((
            d::status.eq("pending"),
            d::attempts.eq(0),
            d::next_attempt_at.eq(now),
            d::claimed_until.eq(None::<NaiveDateTime>),
            d::claim_token.eq(None::<String>),
            d::delivered_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    let (row, position): (DeliveryRow, Option<i64>) = d::table
        .left_join(changes_table::table)
        .filter(d::id.eq(delivery_id))
        .select((DeliveryRow::as_select(), changes_table::position.nullable()))
        .first(conn)?;
    Ok((row, position, vec![]))
}
