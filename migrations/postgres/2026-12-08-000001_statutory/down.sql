DROP INDEX users_calendar_token;
ALTER TABLE users DROP COLUMN calendar_token_hash;
DROP TRIGGER statutory_events_append_only ON statutory_events;
DROP FUNCTION statutory_events_append_only();
DROP TABLE statutory_events;
DROP TABLE recommendations;
DROP TABLE panel_reports;
DROP TABLE statutory_steps;
DROP TABLE statutory_processes;
