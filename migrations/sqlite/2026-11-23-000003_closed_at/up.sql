-- When an action was completed or withdrawn (cleared on reopening): what the
-- action log's "closed since the previous meeting" section is drawn from.
ALTER TABLE actions ADD COLUMN closed_at TIMESTAMP;
UPDATE actions SET closed_at = completed_at WHERE status = 'completed';
UPDATE actions SET closed_at = updated_at WHERE status = 'withdrawn';
CREATE INDEX actions_committee_closed ON actions (committee_id, closed_at);
