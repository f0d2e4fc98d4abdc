-- Issue 17: transcript search. A generated tsvector of each chunk's words (computed for the existing rows when the
-- column is added) and a GIN index over it. The 'simple' configuration lower-cases and keeps every word: no stemming
-- and no stopwords, because people search call transcripts for exact words and phrases ("cancel my account", a
-- product name) in any language, and the other engines (SQLite FTS5, the app's own matcher) do not stem either.
ALTER TABLE transcript_chunks ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED;
CREATE INDEX ix_transcript_chunks_search ON transcript_chunks USING gin (search);
