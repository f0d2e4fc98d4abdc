-- Issue 17: transcript search. A FULLTEXT index (InnoDB, the built-in parser: the ngram parser is MySQL-only) over the
-- chunk's words; creating it indexes the existing rows. The words compare case-insensitively (utf8mb4_general_ci) so
-- the index finds "Cancel" for "cancel"; nothing else compares or sorts by this column. InnoDB leaves out words
-- shorter than innodb_ft_min_token_size (3) and its stopwords (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD): the
-- search asks the index only for the words it holds and checks the rest (and phrases) on the chunks it returns.
ALTER TABLE transcript_chunks MODIFY text TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL;
CREATE FULLTEXT INDEX ix_transcript_chunks_text ON transcript_chunks (text);
