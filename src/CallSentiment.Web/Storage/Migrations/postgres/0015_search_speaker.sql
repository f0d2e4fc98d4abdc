-- Issue 17: transcript search by speaker. Two partial GIN indexes, one per role, instead of one over all chunks: a
-- search for what the customer said reads only the customer's index, so a phrase the agent says in every call ("thank
-- you for calling") finds nothing there instead of a million heap rows to fetch and drop. (A role-weighted tsvector
-- with :A/:B labels would not do: GIN keeps no weights, so the index would still return every chunk with the words
-- and each would be fetched to recheck its label.) A search for either speaker asks both. The queries name the role
-- as a literal, which the planner needs to choose a partial index. Roles are 'agent' and 'customer'
-- (SpeakerRoles.Label); a chunk of another role would only be found by the scan of the newest calls.
DROP INDEX ix_transcript_chunks_search;
CREATE INDEX ix_transcript_chunks_search_customer ON transcript_chunks USING gin (search) WHERE role = 'customer';
CREATE INDEX ix_transcript_chunks_search_agent ON transcript_chunks USING gin (search) WHERE role = 'agent';
