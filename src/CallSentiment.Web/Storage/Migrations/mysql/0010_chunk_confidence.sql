-- Issue 13: the recogniser's mean word confidence per transcript chunk, so the QA page quotes as "what the customer
-- said" only words the recogniser was sure of (NULL: analysed before this was kept).
ALTER TABLE transcript_chunks ADD COLUMN confidence DOUBLE NULL;
