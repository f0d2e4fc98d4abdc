-- Issue 17: transcript search by speaker. One contentless FTS5 index per role instead of one for all chunks, so a
-- search for what the customer said asks only the customer's index: a phrase the agent says in every call ("thank
-- you for calling") has an empty list there instead of a million entries to read and drop (a column per role in one
-- table, with a {customer}: filter, still reads every entry of the word's list and only then checks the column).
-- A search for either speaker asks both. Same rowid as before (call_id * 65536 + seq), same tokenizer; the triggers
-- follow a chunk's role too. Roles are 'agent' and 'customer' (SpeakerRoles.Label); a chunk of another role would
-- only be found by the scan of the newest calls.
DROP TRIGGER transcript_search_insert;
DROP TRIGGER transcript_search_delete;
DROP TRIGGER transcript_search_update;
DROP TABLE transcript_search;

CREATE VIRTUAL TABLE transcript_search_customer USING fts5 (text, content='', tokenize='unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE transcript_search_agent USING fts5 (text, content='', tokenize='unicode61 remove_diacritics 0');

CREATE TRIGGER transcript_search_insert AFTER INSERT ON transcript_chunks BEGIN
    INSERT INTO transcript_search_customer (rowid, text) SELECT NEW.call_id * 65536 + NEW.seq, NEW.text WHERE NEW.role = 'customer';
    INSERT INTO transcript_search_agent (rowid, text) SELECT NEW.call_id * 65536 + NEW.seq, NEW.text WHERE NEW.role = 'agent';
END;

-- A contentless index forgets a row only when told its old words.
CREATE TRIGGER transcript_search_delete AFTER DELETE ON transcript_chunks BEGIN
    INSERT INTO transcript_search_customer (transcript_search_customer, rowid, text)
        SELECT 'delete', OLD.call_id * 65536 + OLD.seq, OLD.text WHERE OLD.role = 'customer';
    INSERT INTO transcript_search_agent (transcript_search_agent, rowid, text)
        SELECT 'delete', OLD.call_id * 65536 + OLD.seq, OLD.text WHERE OLD.role = 'agent';
END;

CREATE TRIGGER transcript_search_update AFTER UPDATE OF call_id, seq, role, text ON transcript_chunks BEGIN
    INSERT INTO transcript_search_customer (transcript_search_customer, rowid, text)
        SELECT 'delete', OLD.call_id * 65536 + OLD.seq, OLD.text WHERE OLD.role = 'customer';
    INSERT INTO transcript_search_agent (transcript_search_agent, rowid, text)
        SELECT 'delete', OLD.call_id * 65536 + OLD.seq, OLD.text WHERE OLD.role = 'agent';
    INSERT INTO transcript_search_customer (rowid, text) SELECT NEW.call_id * 65536 + NEW.seq, NEW.text WHERE NEW.role = 'customer';
    INSERT INTO transcript_search_agent (rowid, text) SELECT NEW.call_id * 65536 + NEW.seq, NEW.text WHERE NEW.role = 'agent';
END;

-- Transcripts stored before this migration.
INSERT INTO transcript_search_customer (rowid, text) SELECT call_id * 65536 + seq, text FROM transcript_chunks WHERE role = 'customer';
INSERT INTO transcript_search_agent (rowid, text) SELECT call_id * 65536 + seq, text FROM transcript_chunks WHERE role = 'agent';
