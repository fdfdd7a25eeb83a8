-- Browser sessions for the web pages. The cookie holds a random secret; only
-- its SHA-256 is kept, so a copy of the database cannot sign anyone in. A
-- session carries the user's token generation when it began: deactivation
-- and every password change bump it, which ends the session on every instance.
CREATE TABLE web_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    secret_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    token_generation INTEGER NOT NULL,
    -- Every form carries it; a POST without it is refused.
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen_at);
