-- The owner as a person with an account, where there is one (so OPCC staff
-- see what is owed by them); `owner` stays the free-text label readers see.
-- Nullable: actions logged before, and owners without an account, have none.
-- Users are never deleted (a leaver is deactivated), so the reference holds.
ALTER TABLE actions ADD COLUMN owner_id BIGINT REFERENCES users(id);
-- Lists by owner in id order, as for the free-text owner: with no status
-- filter one ordered range of the first index, with one or several statuses
-- one ordered range of the second per status (see store::actions::list).
CREATE INDEX actions_owner_id ON actions (owner_id, id);
CREATE INDEX actions_owner_id_status ON actions (owner_id, status, id);
