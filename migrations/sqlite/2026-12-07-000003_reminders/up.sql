-- Where a person's reminders go, and whether they want them by email.
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN reminder_emails BOOLEAN NOT NULL DEFAULT 1;

-- One digest per owner per round of reminders: the actions it lists, and
-- the email sent for it (an outbox, like the webhooks': a reminder is
-- recorded and its email queued in one transaction, then sent).
CREATE TABLE reminder_digests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    -- none (no SMTP, no address, or emails turned off), pending, sent or failed.
    email_status TEXT NOT NULL,
    email_to TEXT,
    email_subject TEXT NOT NULL,
    email_body TEXT NOT NULL,
    email_attempts INTEGER NOT NULL DEFAULT 0,
    email_next_attempt_at TIMESTAMP NOT NULL,
    email_claimed_until TIMESTAMP,
    email_claim_token TEXT,
    email_error TEXT,
    email_sent_at TIMESTAMP
);
CREATE INDEX reminder_digests_email_due ON reminder_digests (email_next_attempt_at, id) WHERE email_status = 'pending';

-- Each reminder once per action, meeting and lead time, however many
-- instances run: the primary key refuses a second.
CREATE TABLE reminders_sent (
    action_id BIGINT NOT NULL REFERENCES actions(id),
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    lead_days INTEGER NOT NULL,
    digest_id BIGINT NOT NULL REFERENCES reminder_digests(id),
    PRIMARY KEY (action_id, meeting_id, lead_days)
);
