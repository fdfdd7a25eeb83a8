-- Committees: a panel hosted by a council, known by a short code (e.g. KMPCP).
CREATE TABLE committees (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    -- Serialises reference allocation: every action create bumps this row first,
    -- which takes the row lock, so references are gapless and unique per committee.
    actions_raised BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    title TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    location TEXT,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'held', 'cancelled')),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX meetings_committee_starts ON meetings (committee_id, starts_at, id);
CREATE INDEX meetings_starts ON meetings (starts_at, id);

CREATE TABLE agenda_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (meeting_id, number)
);
CREATE INDEX agenda_items_meeting ON agenda_items (meeting_id, id);

CREATE TABLE actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    reference TEXT NOT NULL UNIQUE,
    reference_year INTEGER NOT NULL,
    reference_number INTEGER NOT NULL,
    raised_at_meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    agenda_item_id BIGINT REFERENCES agenda_items(id),
    minute_paragraph TEXT,
    committed_by TEXT,
    owed_to TEXT,
    source_sentence TEXT,
    description TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('report_back', 'check', 'look_into', 'provide_information', 'publish', 'other')),
    owner TEXT,
    due_meeting_id BIGINT REFERENCES meetings(id),
    due_date DATE,
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'response_submitted', 'completed', 'withdrawn')),
    response TEXT,
    status_reason TEXT,
    times_carried_forward INTEGER NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    UNIQUE (committee_id, reference_year, reference_number)
);
CREATE INDEX actions_status ON actions (status, id);
CREATE INDEX actions_committee ON actions (committee_id, id);
CREATE INDEX actions_raised_at ON actions (raised_at_meeting_id, id);
CREATE INDEX actions_due_meeting ON actions (due_meeting_id, id);
CREATE INDEX actions_owner ON actions (owner, id);
CREATE INDEX actions_updated ON actions (updated_at, id);

-- Append-only, hash-chained timeline of every change to an action.
CREATE TABLE action_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    action_id BIGINT NOT NULL REFERENCES actions(id),
    sequence INTEGER NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    changes TEXT NOT NULL,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (action_id, sequence)
);

-- Stored first responses of creating POSTs, so a retried request is answered, not redone.
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    location TEXT,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
);

-- The timeline is evidence: refuse edits and deletions at the database too.
CREATE TRIGGER action_events_no_update BEFORE UPDATE ON action_events
BEGIN
    SELECT RAISE(ABORT, 'action_events is append-only');
END;
CREATE TRIGGER action_events_no_delete BEFORE DELETE ON action_events
BEGIN
    SELECT RAISE(ABORT, 'action_events is append-only');
END;
