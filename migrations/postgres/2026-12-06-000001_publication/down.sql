DROP INDEX actions_search;
ALTER TABLE actions DROP COLUMN search_vector;
ALTER TABLE actions DROP CONSTRAINT actions_exempt_both;
ALTER TABLE actions DROP COLUMN exempt_reason;
ALTER TABLE actions DROP COLUMN exempt_paragraph;
ALTER TABLE committees DROP COLUMN published_at;
