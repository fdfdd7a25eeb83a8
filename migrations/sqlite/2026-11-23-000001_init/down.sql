DROP TRIGGER action_events_no_update;
DROP TRIGGER action_events_no_delete;
DROP TABLE idempotency_keys;
DROP TABLE action_events;
DROP TABLE actions;
DROP TABLE agenda_items;
DROP TABLE meetings;
DROP TABLE committees;
