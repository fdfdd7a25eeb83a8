-- The panel's statutory work (#15): processes with the steps the law sets,
-- the panel's reports with their recommendations, and a timeline for each.

-- A precept, a Police and Crime Plan or variation, an annual report, a chief
-- constable appointment or a confirmation hearing for a senior post.
CREATE TABLE statutory_processes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    -- The financial year (beginning 1 April) of a precept or annual report.
    financial_year INTEGER,
    -- The post and candidate of an appointment or confirmation hearing.
    post TEXT,
    candidate TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX statutory_processes_committee ON statutory_processes (committee_id, id);

-- One row per step the law sets for the process's kind, written when the
-- process is created. The due date the law sets is computed from the rules
-- (domain::statutory); due_on holds a date the panel set where the law sets none.
CREATE TABLE statutory_steps (
    process_id BIGINT NOT NULL REFERENCES statutory_processes(id),
    step TEXT NOT NULL,
    due_on DATE,
    happened_on DATE,
    meeting_id BIGINT REFERENCES meetings(id),
    veto BOOLEAN NOT NULL DEFAULT 0,
    votes_for INTEGER,
    members INTEGER,
    document_url TEXT,
    notes TEXT,
    recorded_at TIMESTAMP,
    recorded_by TEXT,
    PRIMARY KEY (process_id, step)
);

-- A report of the panel (on the precept, the plan, the annual report, an
-- appointment, or any decision under s.28(6)) and the PCC's published response.
CREATE TABLE panel_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    process_id BIGINT REFERENCES statutory_processes(id),
    subject TEXT NOT NULL,
    title TEXT NOT NULL,
    meeting_id BIGINT REFERENCES meetings(id),
    reported_on DATE NOT NULL,
    published_url TEXT,
    response_due_on DATE,
    response_published_on DATE,
    response_url TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX panel_reports_committee ON panel_reports (committee_id, id);

-- Each recommendation, tracked until the PCC responds, with its own reference
-- (CODE/R/YEAR/NNN, numbered per committee and year like actions').
CREATE TABLE recommendations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id BIGINT NOT NULL REFERENCES panel_reports(id),
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    reference TEXT NOT NULL,
    reference_year INTEGER NOT NULL,
    reference_number INTEGER NOT NULL,
    body TEXT NOT NULL,
    due_on DATE,
    response TEXT,
    response_text TEXT,
    responded_on DATE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (committee_id, reference_year, reference_number)
);
CREATE INDEX recommendations_report ON recommendations (report_id, id);
CREATE INDEX recommendations_unanswered ON recommendations (committee_id, due_on) WHERE response IS NULL;

-- The hash-chained timeline of each process, report and recommendation,
-- chained like an action's (domain::chain).
CREATE TABLE statutory_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_type TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    sequence INTEGER NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    changes TEXT NOT NULL,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (subject_type, subject_id, sequence)
);

-- The timelines are evidence: refuse edits and deletions at the database too.
CREATE TRIGGER statutory_events_no_update BEFORE UPDATE ON statutory_events
BEGIN
    SELECT RAISE(ABORT, 'statutory_events is append-only');
END;
CREATE TRIGGER statutory_events_no_delete BEFORE DELETE ON statutory_events
BEGIN
    SELECT RAISE(ABORT, 'statutory_events is append-only');
END;

-- The secret in each person's calendar (.ics) address: only its hash is kept.
ALTER TABLE users ADD COLUMN calendar_token_hash TEXT;
CREATE UNIQUE INDEX users_calendar_token ON users (calendar_token_hash);
