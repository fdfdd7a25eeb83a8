//! Reminders before meetings: who is owed one, what was sent, and the
//! outbox of digest emails.

use std::collections::HashSet;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{write_transaction, AnyConnection};
use crate::domain::reminder::Candidate;
use crate::domain::{ActionStatus, Error, MeetingStatus};
use crate::schema::{actions, meetings, reminder_digests, reminders_sent, users};

/// The owner of a digest, as it is sent.
#[derive(Debug, Clone)]
pub struct Owner {
    pub id: i64,
    pub display_name: String,
    pub email: Option<String>,
    pub reminder_emails: bool,
}

/// (action, reference, description, committee, meeting, title, start, owner)
type CandidateRow = (i64, String, String, i64, i64, String, NaiveDateTime, i64);

/// Actions awaiting a response from an active account that owns them, due
/// at a scheduled meeting that starts after `now` and within `within` days.
pub fn candidates(conn: &mut AnyConnection, now: NaiveDateTime, within_days: u32) -> Result<Vec<Candidate>, Error> {
    let until = now + chrono::Duration::days(i64::from(within_days));
    let awaiting: Vec<ActionStatus> = ActionStatus::ALL.into_iter().filter(|s| s.awaits_response()).collect();
    let rows: Vec<CandidateRow> = actions::table
        .inner_join(meetings::table.on(meetings::id.nullable().eq(actions::due_meeting_id)))
        .inner_join(users::table.on(users::id.nullable().eq(actions::owner_id)))
        .filter(actions::status.eq_any(awaiting))
        .filter(meetings::status.eq(MeetingStatus::Scheduled))
        .filter(meetings::starts_at.gt(now))
        .filter(meetings::starts_at.le(until))
        .filter(users::active.eq(true))
        .order(actions::id)
        .select((
            actions::id,
            actions::reference,
            actions::description,
            actions::committee_id,
            meetings::id,
            meetings::title,
            meetings::starts_at,
            users::id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(action_id, reference, description, committee_id, meeting_id, meeting_title, starts, owner_id)| {
            Candidate {
                action_id,
                reference,
                description,
                committee_id,
                meeting_id,
                meeting_title,
                meeting_starts_at: starts,
                owner_id,
            }
        })
        .collect())
}

/// The reminders already sent for these actions: (action, meeting, lead days).
pub fn sent(conn: &mut AnyConnection, action_ids: &[i64]) -> Result<HashSet<(i64, i64, u32)>, Error> {
    let rows: Vec<(i64, i64, i32)> = reminders_sent::table
        .filter(reminders_sent::action_id.eq_any(action_ids))
        .select((reminders_sent::action_id, reminders_sent::meeting_id, reminders_sent::lead_days))
        .load(conn)?;
    Ok(rows.into_iter().map(|(a, m, l)| (a, m, l as u32)).collect())
}

pub fn owner(conn: &mut AnyConnection, id: i64) -> Result<Owner, Error> {
    let (id, display_name, email, reminder_emails) = users::table
        .find(id)
        .select((users::id, users::display_name, users::email, users::reminder_emails))
        .first(conn)?;
    Ok(Owner { id, display_name, email, reminder_emails })
}

/// A digest and its email, as written.
#[derive(Debug, Clone)]
pub struct NewDigest {
    pub owner_id: i64,
    pub email_to: Option<String>,
    pub subject: String,
    pub body: String,
}

/// Records a digest and each reminder in it as sent; the primary key of
/// `reminders_sent` refuses a reminder sent twice (the caller's
/// transaction then rolls back).
pub fn insert_digest(
    conn: &mut AnyConnection,
    digest: &NewDigest,
    reminders: &[(i64, i64, u32)],
    now: NaiveDateTime,
) -> Result<i64, Error> {
    let status = if digest.email_to.is_some() { "pending" } else { "none" };
    let id: i64 = diesel::insert_into(reminder_digests::table)
        .values((
            reminder_digests::owner_id.eq(digest.owner_id),
            reminder_digests::created_at.eq(now),
            reminder_digests::email_status.eq(status),
            reminder_digests::email_to.eq(&digest.email_to),
            reminder_digests::email_subject.eq(&digest.subject),
            reminder_digests::email_body.eq(&digest.body),
            reminder_digests::email_next_attempt_at.eq(now),
        ))
        .returning(reminder_digests::id)
        .get_result(conn)?;
    for (action_id, meeting_id, lead_days) in reminders {
        diesel::insert_into(reminders_sent::table)
            .values((
                reminders_sent::action_id.eq(action_id),
                reminders_sent::meeting_id.eq(meeting_id),
                reminders_sent::lead_days.eq(*lead_days as i32),
                reminders_sent::digest_id.eq(id),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

/// A digest email a worker holds.
#[derive(Debug, Clone)]
pub struct ClaimedEmail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub token: String,
}

/// Takes up to `limit` digest emails that are due, until `lease_until`.
pub fn claim_emails(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<ClaimedEmail>, Error> {
    use reminder_digests as r;
    write_transaction(conn, |conn| {
        let due = r::table
            .filter(r::email_status.eq("pending"))
            .filter(r::email_next_attempt_at.le(now))
            .filter(r::email_claimed_until.is_null().or(r::email_claimed_until.lt(now)))
            .order(r::id)
            .limit(limit)
            .select(r::id);
        let ids: Vec<i64> = match conn {
            AnyConnection::Postgresql(c) => due.for_update().skip_locked().load(c)?,
            AnyConnection::Sqlite(c) => due.load(c)?,
        };
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let token = crate::ops::sessions::random_token();
        diesel::update(r::table.filter(r::id.eq_any(&ids)))
            .set((r::email_claimed_until.eq(lease_until), r::email_claim_token.eq(&token)))
            .execute(conn)?;
        let rows: Vec<(i64, Option<String>, String, String)> = r::table
            .filter(r::id.eq_any(&ids))
            .order(r::id)
            .select((r::id, r::email_to, r::email_subject, r::email_body))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, to, subject, body)| {
                Some(ClaimedEmail { id, to: to?, subject, body, token: token.clone() })
            })
            .collect())
    })
}

/// Records how sending a claimed email went: sent; or due again after the
/// schedule's next wait; or, the schedule spent, failed.
pub fn record_email(
    conn: &mut AnyConnection,
    email: &ClaimedEmail,
    error: Option<String>,
    now: NaiveDateTime,
    schedule: &[Duration],
) -> Result<(), Error> {
    use reminder_digests as r;
    write_transaction(conn, |conn| {
        let held = diesel::update(r::table.find(email.id).filter(r::email_claim_token.eq(&email.token)))
            .set((
                r::email_attempts.eq(r::email_attempts + 1),
                r::email_claimed_until.eq(None::<NaiveDateTime>),
                r::email_claim_token.eq(None::<String>),
                r::email_error.eq(&error),
            ))
            .execute(conn)?;
        if held == 0 {
            return Ok(());
        }
        if error.is_none() {
            diesel::update(r::table.find(email.id))
                .set((r::email_status.eq("sent"), r::email_sent_at.eq(now)))
                .execute(conn)?;
            return Ok(());
        }
        let attempts: i32 = r::table.find(email.id).select(r::email_attempts).first(conn)?;
        match crate::domain::webhook::next_wait(schedule, attempts as usize, 0.0) {
            Some(wait) => {
                let next = now + chrono::Duration::from_std(wait).map_err(Error::internal)?;
                diesel::update(r::table.find(email.id)).set(r::email_next_attempt_at.eq(next)).execute(conn)?;
            }
            None => {
                diesel::update(r::table.find(email.id)).set(r::email_status.eq("failed")).execute(conn)?;
            }
        }
        Ok(())
    })
}
