DROP INDEX actions_committee_status;
DROP INDEX actions_owner_status;
