-- Issue 17: transcript search by speaker. InnoDB has no partial FULLTEXT index, and none on a VIRTUAL generated
-- column (MariaDB 10.11: "not yet supported for generated columns"), so each role gets a PERSISTENT generated column
-- holding the chunk's words when that role spoke (NULL otherwise) and a FULLTEXT index over it, replacing the index
-- over all chunks: a search for what the customer said reads only the customer's index, so a phrase the agent says
-- in every call ("thank you for calling") finds nothing there instead of a million rows to fetch and drop. A search
-- for either speaker asks both. The words are stored a second time (the price of the split); re-analysis, retention's
-- clearing and deletion keep the columns and their indexes right, as for the text itself. Roles are 'agent' and
-- 'customer' (SpeakerRoles.Label); a chunk of another role would only be found by the scan of the newest calls.
ALTER TABLE transcript_chunks
    ADD COLUMN customer_text TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci AS (IF(role = 'customer', text, NULL)) PERSISTENT,
    ADD COLUMN agent_text TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci AS (IF(role = 'agent', text, NULL)) PERSISTENT;
CREATE FULLTEXT INDEX ix_transcript_chunks_customer_text ON transcript_chunks (customer_text);
CREATE FULLTEXT INDEX ix_transcript_chunks_agent_text ON transcript_chunks (agent_text);
DROP INDEX ix_transcript_chunks_text ON transcript_chunks;
