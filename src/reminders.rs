//! Reminders before each meeting: the owners of actions due at it that have
//! no response yet are reminded a set number of days before it (by default
//! 10 and 2), one digest per owner listing the actions with links, as a
//! `reminder.due` webhook event and, when SMTP is configured, by email.
//!
//! Each instance runs the job. Each reminder is sent once per action,
//! meeting and lead time however many run: a round is one transaction that
//! records every reminder it sends in `reminders_sent` (whose primary key
//! refuses a second), with its webhook deliveries and its email in outboxes;
//! on PostgreSQL rounds also take turns under an advisory lock.

use std::time::Duration;

use actix_web::web;
use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::config::ReminderSettings;
use crate::db::{write_transaction, AnyConnection};
use crate::domain::reminder::{self, Reminder};
use crate::domain::webhook::EventType;
use crate::domain::Error;
use crate::ops::AppState;
use crate::store::{self, reminders, webhooks};

/// An arbitrary constant naming the reminder round's lock in PostgreSQL.
const ROUND_LOCK: i64 = 0x5041_4e45_4c52_4d44;

/// The waits after a failed email: 1 min, 5 min, 30 min, 2 h; then it has failed.
const EMAIL_SCHEDULE: [u64; 4] = [60, 300, 1800, 7200];

/// Runs until the server stops.
pub async fn run(state: web::Data<AppState>) {
    let settings = state.reminders.clone();
    let mailer = match settings.smtp_url.as_deref().map(lettre::SmtpTransport::from_url) {
        None => None,
        Some(Ok(builder)) => Some(builder.timeout(Some(Duration::from_secs(30))).build()),
        Some(Err(e)) => {
            log::error!("SMTP_URL is not usable, reminder emails are off: {e}");
            None
        }
    };
    loop {
        let now = store::now();
        let settings_now = settings.clone();
        let has_mailer = mailer.is_some();
        if let Err(e) = state.db(move |conn| round(conn, &settings_now, has_mailer, now)).await {
            log::warn!("reminders: {e}");
        }
        if let Some(mailer) = &mailer {
            if let Err(e) = send_emails(&state, mailer, &settings).await {
                log::warn!("reminder emails: {e}");
            }
        }
        actix_web::rt::time::sleep(settings.poll_interval).await;
    }
}

/// One round: every reminder that has come, recorded, with its webhook
/// deliveries and its email queued, in one transaction. Returns how many
/// digests were made.
pub fn round(
    conn: &mut AnyConnection,
    settings: &ReminderSettings,
    email: bool,
    now: NaiveDateTime,
) -> Result<usize, Error> {
    let Some(&longest) = settings.lead_days.iter().max() else { return Ok(0) };
    write_transaction(conn, |conn| {
        if let AnyConnection::Postgresql(c) = conn {
            c.batch_execute(&format!("SELECT pg_advisory_xact_lock({ROUND_LOCK})"))?;
        }
        let candidates = reminders::candidates(conn, now, longest)?;
        if candidates.is_empty() {
            return Ok(0);
        }
        let ids: Vec<i64> = candidates.iter().map(|c| c.action_id).collect();
        let sent = reminders::sent(conn, &ids)?;
        let digests = reminder::plan(&candidates, &sent, &settings.lead_days, now);
        for (owner_id, items) in &digests {
            let owner = reminders::owner(conn, *owner_id)?;
            let (subject, body) = email_text(&owner, items, settings.public_url.as_deref());
            let email_to = owner.email.clone().filter(|_| email && owner.reminder_emails);
            let digest = reminders::NewDigest { owner_id: owner.id, email_to, subject, body };
            let recorded: Vec<(i64, i64, u32)> = items
                .iter()
                .flat_map(|r| r.leads_reached.iter().map(|lead| (r.candidate.action_id, r.candidate.meeting_id, *lead)))
                .collect();
            let digest_id = reminders::insert_digest(conn, &digest, &recorded, now)?;
            webhooks::enqueue_event(conn, EventType::ReminderDue, now, |wants| {
                let items: Vec<&Reminder> = items
                    .iter()
                    .filter(|r| {
                        wants.committee_ids.is_empty() || wants.committee_ids.contains(&r.candidate.committee_id)
                    })
                    .collect();
                (!items.is_empty()).then(|| payload(digest_id, &owner, &items, settings.public_url.as_deref(), now))
            })?;
        }
        Ok(digests.len())
    })
}

fn link(public_url: Option<&str>, action_id: i64) -> String {
    format!("{}/actions/{action_id}", public_url.unwrap_or(""))
}

fn when(starts_at: NaiveDateTime) -> String {
    starts_at.format("%A %-d %B %Y, %H:%M UTC").to_string()
}

/// The digest as an email: plain text, one paragraph per action.
fn email_text(owner: &reminders::Owner, items: &[Reminder], public_url: Option<&str>) -> (String, String) {
    let count = items.len();
    let subject = match count {
        1 => format!("Reminder: a response is due for {}", items[0].candidate.reference),
        n => format!("Reminder: responses are due for {n} actions"),
    };
    let mut body = format!(
        "Dear {},\n\nThese actions you own are due at a coming meeting and have no response yet:\n\n",
        owner.display_name
    );
    for r in items {
        let c = &r.candidate;
        body.push_str(&format!(
            "{}: {}\nDue at: {}, {}\n{}\n\n",
            c.reference,
            c.description,
            c.meeting_title,
            when(c.meeting_starts_at),
            link(public_url, c.action_id)
        ));
    }
    body.push_str(
        "To stop these emails, turn reminder emails off for your account \
         (PATCH /api/v1/me with {\"reminder_emails\": false}).\n",
    );
    (subject, body)
}

/// The digest as a `reminder.due` webhook body (Standard Webhooks shape).
fn payload(
    digest_id: i64,
    owner: &reminders::Owner,
    items: &[&Reminder],
    public_url: Option<&str>,
    now: NaiveDateTime,
) -> String {
    let actions: Vec<_> = items
        .iter()
        .map(|r| {
            let c = &r.candidate;
            json!({
                "id": c.action_id,
                "reference": c.reference,
                "description": c.description,
                "committee_id": c.committee_id,
                "due_meeting": {"id": c.meeting_id, "title": c.meeting_title, "starts_at": store::utc(c.meeting_starts_at)},
                "lead_days": r.lead_days,
                "url": link(public_url, c.action_id),
            })
        })
        .collect();
    json!({
        "type": EventType::ReminderDue,
        "timestamp": store::utc(now),
        "data": {
            "digest_id": digest_id,
            "owner": {"id": owner.id, "display_name": owner.display_name},
            "actions": actions,
        }
    })
    .to_string()
}

/// Sends the digest emails that are due, one at a time, off the async workers.
async fn send_emails(
    state: &web::Data<AppState>,
    mailer: &lettre::SmtpTransport,
    settings: &ReminderSettings,
) -> Result<(), Error> {
    let now = store::now();
    let lease = now + chrono::Duration::minutes(5);
    let claimed = state.db(move |conn| reminders::claim_emails(conn, now, lease, 20)).await?;
    for email in claimed {
        let message = message(&settings.smtp_from, &email);
        let mailer = mailer.clone();
        let sent = match message {
            Ok(message) => web::block(move || {
                use lettre::Transport;
                mailer.send(&message).map(|_| ()).map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r),
            Err(e) => Err(e),
        };
        let error = sent.err();
        if let Some(error) = &error {
            log::warn!("reminder email {}: not sent: {error}", email.id);
        }
        let schedule: Vec<Duration> = EMAIL_SCHEDULE.iter().map(|s| Duration::from_secs(*s)).collect();
        state.db(move |conn| reminders::record_email(conn, &email, error, store::now(), &schedule)).await?;
    }
    Ok(())
}

fn message(from: &str, email: &reminders::ClaimedEmail) -> Result<lettre::Message, String> {
    lettre::Message::builder()
        .from(from.parse().map_err(|e| format!("SMTP_FROM: {e}"))?)
        .to(email.to.parse().map_err(|e| format!("the address: {e}"))?)
        .subject(&email.subject)
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(email.body.clone())
        .map_err(|e| e.to_string())
}
