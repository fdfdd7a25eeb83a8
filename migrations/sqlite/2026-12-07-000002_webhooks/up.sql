-- Webhooks: an admin's subscription of another system's URL to changes.
-- The secret signs deliveries (HMAC-SHA256, Standard Webhooks), so it is
-- kept as given, not hashed; after a rotation the previous secret also
-- signs until previous_secret_expires_at, so receivers can switch keys.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    description TEXT,
    -- Comma-separated change types wanted; empty for every type.
    event_types TEXT NOT NULL DEFAULT '',
    -- Comma-separated committee ids wanted; empty for every committee.
    committee_ids TEXT NOT NULL DEFAULT '',
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_expires_at TIMESTAMP,
    active BOOLEAN NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    disabled_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The outbox: one delivery per change and webhook that wants it, written in
-- the change's own transaction, sent by any instance's worker.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    -- The change (its position is given at commit, after this is written),
    -- or for an event that is not a change (a reminder) the body to send.
    change_id BIGINT REFERENCES changes(id),
    payload TEXT,
    event_type TEXT NOT NULL,
    -- pending, delivered or failed (every attempt of the schedule failed).
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- Held by a worker until then; a worker that died lets it go at that time.
    claimed_until TIMESTAMP,
    -- Which claim holds it: only that worker's attempt may move it on.
    claim_token TEXT,
    last_status_code INTEGER,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- Every attempt, for the delivery log.
CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempted_at TIMESTAMP NOT NULL,
    duration_ms BIGINT NOT NULL,
    status_code INTEGER,
    error TEXT,
    -- The start of the receiver's answer, for the log.
    response_body TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
