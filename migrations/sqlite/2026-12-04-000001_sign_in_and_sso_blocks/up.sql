-- Expired throttling rows are purged by the start of their window.
CREATE INDEX sign_in_failures_window ON sign_in_failures (window_started_at);

-- Single sign-on subjects an admin has blocked here, whatever the identity
-- provider says: a leaver whose council account is not yet closed, a
-- compromised account. Unblocking deletes the row (the log keeps who did it).
CREATE TABLE sso_blocks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL UNIQUE,
    reason TEXT NOT NULL,
    blocked_by TEXT NOT NULL,
    blocked_at TIMESTAMP NOT NULL
);
