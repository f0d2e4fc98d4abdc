-- Issue 17: transcript search. An FTS5 index over transcript_chunks.text, kept by the triggers below whichever code
-- writes chunks (analysis, re-analysis, retention's clearing, deletion by cascade). It is contentless (the words live
-- in transcript_chunks only) and its rowid is the chunk's key, call_id * 65536 + seq: stable across VACUUM (which may
-- renumber the implicit rowids of transcript_chunks) and readable without a lookup table. Tokens are runs of letters
-- and digits, case-folded, diacritics kept (as the app's own matcher and the other engines' 'simple' parsers do).
CREATE VIRTUAL TABLE transcript_search USING fts5 (text, content='', tokenize='unicode61 remove_diacritics 0');

CREATE TRIGGER transcript_search_insert AFTER INSERT ON transcript_chunks BEGIN
    INSERT INTO transcript_search (rowid, text) VALUES (NEW.call_id * 65536 + NEW.seq, NEW.text);
END;

-- A contentless index forgets a row only when told its old words.
CREATE TRIGGER transcript_search_delete AFTER DELETE ON transcript_chunks BEGIN
    INSERT INTO transcript_search (transcript_search, rowid, text) VALUES ('delete', OLD.call_id * 65536 + OLD.seq, OLD.text);
END;

CREATE TRIGGER transcript_search_update AFTER UPDATE OF call_id, seq, text ON transcript_chunks BEGIN
    INSERT INTO transcript_search (transcript_search, rowid, text) VALUES ('delete', OLD.call_id * 65536 + OLD.seq, OLD.text);
    INSERT INTO transcript_search (rowid, text) VALUES (NEW.call_id * 65536 + NEW.seq, NEW.text);
END;

-- Transcripts stored before this migration.
INSERT INTO transcript_search (rowid, text) SELECT call_id * 65536 + seq, text FROM transcript_chunks;
