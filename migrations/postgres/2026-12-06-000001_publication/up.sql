-- Publishing is a choice per committee, off by default: NULL is unpublished,
-- otherwise when it was (last) published.
ALTER TABLE committees ADD COLUMN published_at TIMESTAMP;
-- An action can be exempt from publication under a paragraph of Schedule 12A
-- to the Local Government Act 1972; the public then sees only that it exists.
ALTER TABLE actions ADD COLUMN exempt_paragraph INTEGER;
ALTER TABLE actions ADD COLUMN exempt_reason TEXT;
ALTER TABLE actions ADD CONSTRAINT actions_exempt_both
    CHECK ((exempt_paragraph IS NULL) = (exempt_reason IS NULL));

-- Full-text search over actions: a stored generated tsvector (english
-- stemming, as the SQLite index uses Porter) with the reference and the
-- description weighted above the response and the minutes' sentence.
ALTER TABLE actions ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(reference, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(description, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(response, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(source_sentence, '')), 'C')
) STORED;
CREATE INDEX actions_search ON actions USING GIN (search_vector);
