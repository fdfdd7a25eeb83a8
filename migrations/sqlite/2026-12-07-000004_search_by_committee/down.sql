DROP TRIGGER actions_fts_insert;
DROP TRIGGER actions_fts_delete;
DROP TRIGGER actions_fts_update;
DROP TABLE actions_fts;
CREATE VIRTUAL TABLE actions_fts USING fts5(
    reference, description, response, source_sentence,
    content = 'actions', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER actions_fts_insert AFTER INSERT ON actions BEGIN
    INSERT INTO actions_fts (rowid, reference, description, response, source_sentence)
    VALUES (new.id, new.reference, new.description, new.response, new.source_sentence);
END;
CREATE TRIGGER actions_fts_delete AFTER DELETE ON actions BEGIN
    INSERT INTO actions_fts (actions_fts, rowid, reference, description, response, source_sentence)
    VALUES ('delete', old.id, old.reference, old.description, old.response, old.source_sentence);
END;
CREATE TRIGGER actions_fts_update AFTER UPDATE OF reference, description, response, source_sentence ON actions BEGIN
    INSERT INTO actions_fts (actions_fts, rowid, reference, description, response, source_sentence)
    VALUES ('delete', old.id, old.reference, old.description, old.response, old.source_sentence);
    INSERT INTO actions_fts (rowid, reference, description, response, source_sentence)
    VALUES (new.id, new.reference, new.description, new.response, new.source_sentence);
END;
INSERT INTO actions_fts (actions_fts) VALUES ('rebuild');
