-- Search within one committee without touching the others' matches: the
-- index holds each action's committee as a token (`c<id>`) in a column of
-- its own, so "these words in committee 7" intersects two posting lists in
-- FTS5 instead of ranking every match in every committee and then looking
-- each up (a common word across 100,000 actions took 300 ms; see
-- bench/RESULTS-public.md). The committee is not a column of `actions`, so
-- the index keeps no content of its own and is kept by the triggers
-- (contentless, with deletes by rowid).
DROP TRIGGER actions_fts_insert;
DROP TRIGGER actions_fts_delete;
DROP TRIGGER actions_fts_update;
DROP TABLE actions_fts;
CREATE VIRTUAL TABLE actions_fts USING fts5(
    reference, description, response, source_sentence, committee,
    content = '', contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER actions_fts_insert AFTER INSERT ON actions BEGIN
    INSERT INTO actions_fts (rowid, reference, description, response, source_sentence, committee)
    VALUES (new.id, new.reference, new.description, new.response, new.source_sentence, 'c' || new.committee_id);
END;
CREATE TRIGGER actions_fts_delete AFTER DELETE ON actions BEGIN
    DELETE FROM actions_fts WHERE rowid = old.id;
END;
CREATE TRIGGER actions_fts_update AFTER UPDATE OF reference, description, response, source_sentence, committee_id ON actions BEGIN
    DELETE FROM actions_fts WHERE rowid = old.id;
    INSERT INTO actions_fts (rowid, reference, description, response, source_sentence, committee)
    VALUES (new.id, new.reference, new.description, new.response, new.source_sentence, 'c' || new.committee_id);
END;
INSERT INTO actions_fts (rowid, reference, description, response, source_sentence, committee)
SELECT id, reference, description, response, source_sentence, 'c' || committee_id FROM actions;
