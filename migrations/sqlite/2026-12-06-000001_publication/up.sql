-- Publishing is a choice per committee, off by default: NULL is unpublished,
-- otherwise when it was (last) published.
ALTER TABLE committees ADD COLUMN published_at TIMESTAMP;
-- An action can be exempt from publication under a paragraph of Schedule 12A
-- to the Local Government Act 1972; the public then sees only that it exists.
-- Both set or both NULL: checked in the domain (and by a CHECK on PostgreSQL).
ALTER TABLE actions ADD COLUMN exempt_paragraph INTEGER;
ALTER TABLE actions ADD COLUMN exempt_reason TEXT;

-- Full-text search over actions: an external-content FTS5 index kept in step
-- with the table by triggers, so a search reads the same committed rows as a
-- list. Porter stemming, so "report" finds "reporting" as PostgreSQL's
-- english configuration does.
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
-- Only when an indexed column changes: status changes and carry-forwards
-- leave the index alone.
CREATE TRIGGER actions_fts_update AFTER UPDATE OF reference, description, response, source_sentence ON actions BEGIN
    INSERT INTO actions_fts (actions_fts, rowid, reference, description, response, source_sentence)
    VALUES ('delete', old.id, old.reference, old.description, old.response, old.source_sentence);
    INSERT INTO actions_fts (rowid, reference, description, response, source_sentence)
    VALUES (new.id, new.reference, new.description, new.response, new.source_sentence);
END;
INSERT INTO actions_fts (actions_fts) VALUES ('rebuild');
