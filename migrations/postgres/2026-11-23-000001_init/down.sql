DROP TRIGGER action_events_append_only ON action_events;
DROP FUNCTION action_events_append_only();
DROP TABLE idempotency_keys;
DROP TABLE action_events;
DROP TABLE actions;
DROP TABLE agenda_items;
DROP TABLE meetings;
DROP TABLE committees;
