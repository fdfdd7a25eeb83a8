DROP TRIGGER actions_fts_update;
DROP TRIGGER actions_fts_delete;
DROP TRIGGER actions_fts_insert;
DROP TABLE actions_fts;
ALTER TABLE actions DROP COLUMN exempt_reason;
ALTER TABLE actions DROP COLUMN exempt_paragraph;
ALTER TABLE committees DROP COLUMN published_at;
