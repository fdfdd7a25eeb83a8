-- The change feed: one row per committed change to a committee, meeting,
-- agenda item or action, written in the change's own transaction. A row is
-- inserted with no position; just before the transaction commits it takes
-- the next positions (MAX + 1, gapless) while holding a transaction-level
-- lock (on PostgreSQL an advisory lock, on SQLite the single writer lock)
-- that is released only once the commit is visible. So positions are given
-- in commit order: when a reader sees position p, every position below p
-- is already visible, and a reader that asks for after=p misses nothing.
CREATE TABLE changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    position BIGINT UNIQUE,
    occurred_at TIMESTAMP NOT NULL,
    event_type TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id BIGINT NOT NULL,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    version BIGINT NOT NULL
);
-- The rows of the committing transaction, found without a scan.
CREATE INDEX changes_pending ON changes (id) WHERE position IS NULL;
CREATE INDEX changes_committee ON changes (committee_id, position);
CREATE INDEX changes_resource_type ON changes (resource_type, position);

-- What existed before the feed: one created change per resource at its
-- current version, in the order they were created, so a reader starting
-- from the beginning can build everything.
INSERT INTO changes (position, occurred_at, event_type, resource_type, resource_id, committee_id, version)
SELECT row_number() OVER (ORDER BY created_at, kind_order, resource_id), created_at,
       resource_type || '.created', resource_type, resource_id, committee_id, version
FROM (
    SELECT created_at, 0 AS kind_order, id AS resource_id, 'committee' AS resource_type, id AS committee_id, version
    FROM committees
    UNION ALL
    SELECT created_at, 1, id, 'meeting', committee_id, version FROM meetings
    UNION ALL
    SELECT a.created_at, 2, a.id, 'agenda_item', m.committee_id, a.version
    FROM agenda_items a JOIN meetings m ON m.id = a.meeting_id
    UNION ALL
    SELECT created_at, 3, id, 'action', committee_id, version FROM actions
) AS existing;
