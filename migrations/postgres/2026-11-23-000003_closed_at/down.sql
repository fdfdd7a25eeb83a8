DROP INDEX actions_committee_closed;
ALTER TABLE actions DROP COLUMN closed_at;
