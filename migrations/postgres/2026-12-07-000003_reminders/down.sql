DROP TABLE reminders_sent;
DROP TABLE reminder_digests;
ALTER TABLE users DROP COLUMN reminder_emails;
ALTER TABLE users DROP COLUMN email;
