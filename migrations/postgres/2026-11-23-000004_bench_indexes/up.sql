-- Lists filtered by a status and an owner or a committee, in id order: each
-- status is one ordered range of these indexes (see store::actions::list),
-- so a page costs the same at a million actions as at a thousand.
CREATE INDEX actions_owner_status ON actions (owner, status, id);
CREATE INDEX actions_committee_status ON actions (committee_id, status, id);
