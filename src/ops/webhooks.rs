//! Webhooks: an admin points other council systems at the changes they want.

use std::time::Duration;

use diesel::prelude::*;

use super::AppState;
use crate::auth::policy::ManageWebhooks;
use crate::auth::Caller;
use crate::db::write_transaction;
use crate::domain::webhook::{self, EventType, Subscription, WebhookUrl};
use crate::domain::{Error, Version};
use crate::store::webhooks::{self, LoggedDelivery, NewWebhook, WebhookChanges, WebhookRow};

/// At most this many committees per webhook (more is every committee).
pub const MAX_COMMITTEES: usize = 100;

/// A subscription as asked for: the committees are checked here.
#[derive(Debug, Clone)]
pub struct WebhookInput {
    pub url: WebhookUrl,
    pub description: Option<String>,
    pub event_types: Vec<EventType>,
    pub committee_ids: Vec<i64>,
}

/// Changes to a webhook, each `None` to leave alone.
#[derive(Debug, Clone, Default)]
pub struct WebhookEdit {
    pub url: Option<WebhookUrl>,
    pub description: Option<Option<String>>,
    pub event_types: Option<Vec<EventType>>,
    pub committee_ids: Option<Vec<i64>>,
    pub active: Option<bool>,
}

fn subscription(event_types: &[EventType], committee_ids: &[i64]) -> Subscription {
    let mut subscription = Subscription { event_types: event_types.to_vec(), committee_ids: committee_ids.to_vec() };
    subscription.event_types.sort_by_key(|t| t.as_str());
    subscription.event_types.dedup();
    subscription.committee_ids.sort_unstable();
    subscription.committee_ids.dedup();
    subscription
}

/// Every committee named must exist.
fn check_committees(conn: &mut crate::db::AnyConnection, ids: &[i64]) -> Result<(), Error> {
    use crate::schema::committees;
    if ids.len() > MAX_COMMITTEES {
        return Err(Error::Invalid(vec![crate::domain::FieldError::new(
            "committee_ids",
            format!("names more than {MAX_COMMITTEES} committees: leave it empty for every committee"),
        )]));
    }
    let found: i64 = committees::table.filter(committees::id.eq_any(ids)).count().get_result(conn)?;
    if found as usize != ids.len() {
        return Err(Error::unknown("committee_ids", "names a committee that does not exist"));
    }
    Ok(())
}

pub async fn list(
    state: &AppState,
    _: &Caller<ManageWebhooks>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<WebhookRow>, Error> {
    state.db(move |conn| webhooks::list(conn, after, limit)).await
}

pub async fn get(state: &AppState, _: &Caller<ManageWebhooks>, id: i64) -> Result<WebhookRow, Error> {
    state.db(move |conn| webhooks::get(conn, id)).await
}

/// Creates a webhook with a new secret, which is given back this once.
pub async fn create(
    state: &AppState,
    _: &Caller<ManageWebhooks>,
    input: WebhookInput,
) -> Result<(WebhookRow, String), Error> {
    let secret = webhook::new_secret();
    let now = crate::store::now();
    let wanted = subscription(&input.event_types, &input.committee_ids);
    let new = NewWebhook {
        url: input.url.as_str().to_string(),
        description: input.description,
        event_types: wanted.event_types_text(),
        committee_ids: wanted.committee_ids_text(),
        secret: secret.clone(),
        created_at: now,
        updated_at: now,
    };
    let row = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                check_committees(conn, &wanted.committee_ids)?;
                webhooks::create(conn, &new)
            })
        })
        .await?;
    Ok((row, secret))
}

pub async fn update(
    state: &AppState,
    _: &Caller<ManageWebhooks>,
    id: i64,
    expected: Version,
    edit: WebhookEdit,
) -> Result<WebhookRow, Error> {
    let now = crate::store::now();
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let current = webhooks::get(conn, id)?;
                let was = current.subscription();
                let event_types = edit.event_types.as_deref().unwrap_or(&was.event_types);
                let committee_ids = edit.committee_ids.as_deref().unwrap_or(&was.committee_ids);
                let wanted = subscription(event_types, committee_ids);
                if edit.committee_ids.is_some() {
                    check_committees(conn, &wanted.committee_ids)?;
                }
                let changes = WebhookChanges {
                    url: edit.url.map(|u| u.as_str().to_string()),
                    description: edit.description,
                    event_types: edit.event_types.map(|_| wanted.event_types_text()),
                    committee_ids: edit.committee_ids.map(|_| wanted.committee_ids_text()),
                    active: edit.active,
                    ..Default::default()
                };
                webhooks::update(conn, id, expected, &changes, now)
            })
        })
        .await
}

pub async fn delete(state: &AppState, _: &Caller<ManageWebhooks>, id: i64, expected: Version) -> Result<(), Error> {
    state.db(move |conn| write_transaction(conn, |conn| webhooks::delete(conn, id, expected))).await
}

/// A new secret, given back this once; the old one keeps signing (as a
/// second signature) for `overlap`, so receivers can switch without a gap.
pub async fn rotate_secret(
    state: &AppState,
    _: &Caller<ManageWebhooks>,
    id: i64,
    expected: Version,
    overlap: Duration,
) -> Result<(WebhookRow, String), Error> {
    let secret = webhook::new_secret();
    let now = crate::store::now();
    let until = now + chrono::Duration::from_std(overlap).map_err(Error::internal)?;
    let new_secret = secret.clone();
    let row = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let current = webhooks::get(conn, id)?;
                let changes = WebhookChanges {
                    secret: Some(new_secret),
                    previous_secret: Some((!overlap.is_zero()).then_some(current.secret)),
                    previous_secret_expires_at: Some((!overlap.is_zero()).then_some(until)),
                    ..Default::default()
                };
                webhooks::update(conn, id, expected, &changes, now)
            })
        })
        .await?;
    Ok((row, secret))
}

/// A page of a webhook's deliveries, newest first, each with its attempts.
pub async fn deliveries(
    state: &AppState,
    _: &Caller<ManageWebhooks>,
    id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<LoggedDelivery>, Error> {
    state
        .db(move |conn| {
            crate::db::snapshot(conn, |conn| {
                webhooks::get(conn, id)?;
                webhooks::deliveries(conn, id, before, limit)
            })
        })
        .await
}

/// Sends a delivery again, at once, with a fresh schedule.
pub async fn redeliver(
    state: &AppState,
    _: &Caller<ManageWebhooks>,
    id: i64,
    delivery_id: i64,
) -> Result<LoggedDelivery, Error> {
    let now = crate::store::now();
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                webhooks::get(conn, id)?;
                webhooks::redeliver(conn, id, delivery_id, now)
            })
        })
        .await
}
