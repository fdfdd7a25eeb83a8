DROP INDEX actions_owner_id_status;
DROP INDEX actions_owner_id;
ALTER TABLE actions DROP COLUMN owner_id;
