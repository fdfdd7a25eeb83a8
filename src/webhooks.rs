//! The webhook worker: each instance runs one. It claims due deliveries from
//! the outbox (`store::webhooks`), sends each change as the Standard
//! Webhooks specification says, and records the attempt.
//!
//! Safe to point at the internet: only the destinations the settings allow
//! (`https`, public addresses), no redirect followed, a short timeout. A
//! name is resolved by [`GuardedResolver`], which refuses it when any of its
//! addresses is internal; the connection is made only to the addresses it
//! returns, so a name that resolves differently later (DNS rebinding) is
//! checked again on every attempt. An address written as the host is
//! checked here, as the resolver is not asked about it.

use std::error::Error as StdError;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use actix_tls::connect::{Resolve, Resolver};
use actix_web::web;
use futures_util::future::LocalBoxFuture;
use serde::Serialize;

use crate::api::changes::Change;
use crate::config::WebhookSettings;
use crate::domain::change::ChangeType;
use crate::domain::webhook::{self, is_internal, WebhookUrl};
use crate::domain::Error;
use crate::ops::AppState;
use crate::store::{self, webhooks};

/// How many deliveries one worker sends at once.
const BATCH: i64 = 20;
/// How much of a receiver's answer is read.
const READ_LIMIT: usize = 4096;

/// What is posted: the Standard Webhooks payload shape.
#[derive(Debug, Serialize)]
pub struct Payload {
    #[serde(rename = "type")]
    pub change_type: ChangeType,
    /// When the change happened.
    pub timestamp: chrono::DateTime<chrono::Utc>,
    /// The change, as the change feed shows it.
    pub data: Change,
}

/// Resolves names, refusing any that has an internal address unless allowed.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> LocalBoxFuture<'a, Result<Vec<SocketAddr>, Box<dyn StdError>>> {
        let allow_private = self.allow_private;
        let name = host.trim_start_matches('[').trim_end_matches(']').to_string();
        Box::pin(async move {
            let lookup = name.clone();
            let addresses: Vec<SocketAddr> = web::block(move || (lookup.as_str(), port).to_socket_addrs())
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("cannot resolve {name}: {e}"))?
                .collect();
            if !allow_private {
                // Which address is not said: the log must not map the council's network.
                if addresses.iter().any(|a| is_internal(a.ip())) {
                    return Err(format!("refused: {name} resolves to an internal address").into());
                }
            }
            Ok(addresses)
        })
    }
}

/// The HTTP client deliveries are sent with: the guarded resolver, TLS from
/// OpenSSL, the timeout, and no redirects.
fn client(settings: &WebhookSettings) -> awc::Client {
    let resolver = Resolver::custom(GuardedResolver { allow_private: settings.destinations.allow_private });
    let connector = awc::Connector::new()
        .connector(actix_tls::connect::Connector::new(resolver).service())
        .timeout(settings.timeout.min(Duration::from_secs(5)));
    awc::ClientBuilder::new()
        .connector(connector)
        .timeout(settings.timeout)
        .disable_redirects()
        .add_default_header(("User-Agent", "panel-tracker-webhooks/1"))
        .finish()
}

/// Runs until the server stops: claims what is due and sends it, then
/// waits for the poll interval when nothing was due.
pub async fn run(state: web::Data<AppState>) {
    let settings = state.webhooks.clone();
    let client = client(&settings);
    loop {
        let sent = match tick(&state, &client, &settings).await {
            Ok(sent) => sent,
            Err(e) => {
                log::warn!("webhook worker: {e}");
                0
            }
        };
        if sent == 0 {
            actix_web::rt::time::sleep(settings.poll_interval).await;
        }
    }
}

/// One round: the due deliveries this worker could claim, sent together.
async fn tick(state: &web::Data<AppState>, client: &awc::Client, settings: &WebhookSettings) -> Result<usize, Error> {
    let now = store::now();
    if !state.db(move |conn| webhooks::any_due(conn, now)).await? {
        return Ok(0);
    }
    // Long enough for an attempt to finish; a worker that died lets go then.
    let lease = chrono::Duration::from_std(settings.timeout * 2 + Duration::from_secs(5)).map_err(Error::internal)?;
    let claimed = state.db(move |conn| webhooks::claim(conn, now, now + lease, BATCH)).await?;
    let count = claimed.len();
    let sends = claimed.into_iter().map(|claimed| deliver(state, client, settings, claimed));
    futures_util::future::join_all(sends).await;
    Ok(count)
}

async fn deliver(
    state: &web::Data<AppState>,
    client: &awc::Client,
    settings: &WebhookSettings,
    claimed: webhooks::Claimed,
) {
    let delivery_id = claimed.delivery.id;
    let recorded = match attempt(state, client, settings, &claimed).await {
        Ok(outcome) => {
            let schedule = settings.retry_schedule.clone();
            let jitter = jitter();
            state.db(move |conn| webhooks::record(conn, &claimed, &outcome, &schedule, jitter)).await
        }
        // Our failure (the database busy, say), not the receiver's: no attempt
        // is counted against it, and the delivery is tried again shortly.
        Err(e) => {
            log::warn!("webhook delivery {delivery_id}: not sent: {e}");
            let retry_at = store::now() + chrono::Duration::seconds(5);
            state.db(move |conn| webhooks::release(conn, &claimed, retry_at)).await
        }
    };
    if let Err(e) = recorded {
        log::warn!("webhook delivery {delivery_id}: the attempt could not be recorded: {e}");
    }
}

/// A number in [0, 1) for the retry's jitter.
fn jitter() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// One attempt: the payload built now, signed, posted.
async fn attempt(
    state: &web::Data<AppState>,
    client: &awc::Client,
    settings: &WebhookSettings,
    claimed: &webhooks::Claimed,
) -> Result<webhooks::Outcome, Error> {
    let attempted_at = store::now();
    let started = Instant::now();
    let failed = |error: String| webhooks::Outcome {
        attempted_at,
        duration_ms: started.elapsed().as_millis() as i64,
        status_code: None,
        error: Some(error),
        response_body: None,
        delivered: false,
    };
    let webhook = &claimed.webhook;
    // The settings may have changed since the webhook was made.
    let url = match WebhookUrl::parse("url", &webhook.url, settings.destinations) {
        Ok(url) => url,
        Err(e) => return Ok(failed(format!("refused: the url {}", e.message))),
    };
    let uri: awc::http::Uri = match url.as_str().parse() {
        Ok(uri) => uri,
        Err(e) => return Ok(failed(format!("refused: {e}"))),
    };
    if let Some(ip) = uri.host().and_then(webhook::ip_literal) {
        if !settings.destinations.allow_private && is_internal(ip) {
            return Ok(failed(format!("refused: {ip} is an internal address")));
        }
    }
    let body = match (&claimed.delivery.payload, claimed.position) {
        // An event that is not a change (a reminder) was written whole.
        (Some(body), _) => body.clone().into_bytes(),
        (None, Some(position)) => payload(state, position).await?,
        (None, None) => return Err(Error::internal(format!("delivery {} names no change", claimed.delivery.id))),
    };
    let id = format!("msg_{}", claimed.delivery.id);
    let timestamp = chrono::Utc::now().timestamp();
    let signatures: Vec<String> = webhook
        .signing_secrets(attempted_at)
        .into_iter()
        .filter_map(|secret| webhook::sign(secret, &id, timestamp, &body))
        .collect();
    let sent = client
        .post(uri)
        .insert_header(("Content-Type", "application/json"))
        .insert_header(("webhook-id", id.as_str()))
        .insert_header(("webhook-timestamp", timestamp.to_string()))
        .insert_header(("webhook-signature", signatures.join(" ")))
        .send_body(body)
        .await;
    Ok(match sent {
        Ok(mut response) => {
            let status = response.status();
            let text = response.body().limit(READ_LIMIT).await.ok().map(|b| String::from_utf8_lossy(&b).into_owned());
            webhooks::Outcome {
                attempted_at,
                duration_ms: started.elapsed().as_millis() as i64,
                status_code: Some(i32::from(status.as_u16())),
                error: status.is_redirection().then(|| "redirects are not followed".to_string()),
                response_body: text.filter(|t| !t.is_empty()),
                delivered: status.is_success(),
            }
        }
        Err(e) => failed(e.to_string()),
    })
}

/// The body of a delivery: the change at that position as the feed shows it now.
async fn payload(state: &web::Data<AppState>, position: i64) -> Result<Vec<u8>, Error> {
    let now = store::now();
    let Some((row, resource)) = crate::ops::changes::at(state, position, now).await? else {
        return Err(Error::internal(format!("no change at position {position}")));
    };
    let data = Change::new(row, resource, store::utc(now))?;
    let payload = Payload { change_type: data.change_type, timestamp: data.occurred_at, data };
    serde_json::to_vec(&payload).map_err(Error::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_is_a_fraction() {
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }

    #[actix_web::test]
    async fn the_resolver_refuses_internal_addresses() {
        let guarded = GuardedResolver { allow_private: false };
        let refused = guarded.lookup("localhost", 443).await.unwrap_err().to_string();
        assert!(refused.starts_with("refused: localhost resolves to"), "{refused}");
        let open = GuardedResolver { allow_private: true };
        assert!(!open.lookup("localhost", 443).await.unwrap().is_empty());
    }
}
