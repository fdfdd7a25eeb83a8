-- Expired throttling rows are purged by the start of their window.
CREATE INDEX sign_in_failures_window ON sign_in_failures (window_started_at);

-- Where each user has signed in successfully ('<address>/<username>'), until
-- when it counts as familiar: a username locked by guessing elsewhere still
-- signs in from these. Written only by successful sign-ins.
CREATE TABLE sign_in_familiar (
    subject TEXT PRIMARY KEY,
    familiar_until TIMESTAMP NOT NULL
);
CREATE INDEX sign_in_familiar_until ON sign_in_familiar (familiar_until);

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
