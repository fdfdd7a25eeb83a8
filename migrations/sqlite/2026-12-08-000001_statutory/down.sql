DROP INDEX users_calendar_token;
ALTER TABLE users DROP COLUMN calendar_token_hash;
DROP TRIGGER statutory_events_no_update;
DROP TRIGGER statutory_events_no_delete;
DROP TABLE statutory_events;
DROP TABLE recommendations;
DROP TABLE panel_reports;
DROP TABLE statutory_steps;
DROP TABLE statutory_processes;
