-- Issue 4: transcripts, text sentiment per chunk, per-speaker sentiment and the conversation's shape.

-- A supervisor's "swap agent and customer": the channel roles (stereo) or the diarization rule's roles (mono) are swapped.
ALTER TABLE recordings ADD COLUMN roles_swapped BIGINT NOT NULL DEFAULT 0;

-- What each side felt (fused text + voice per speaker), for the dashboard's "customer felt / agent did" filters.
ALTER TABLE calls ADD COLUMN customer_sentiment VARCHAR(16) NULL;
ALTER TABLE calls ADD COLUMN agent_sentiment VARCHAR(16) NULL;
-- The customer's sentiment score (positive - negative) in the last quarter of the call minus the first.
ALTER TABLE calls ADD COLUMN sentiment_change DOUBLE NULL;
ALTER TABLE calls ADD COLUMN silence_ms BIGINT NULL;
ALTER TABLE calls ADD COLUMN longest_silence_ms BIGINT NULL;
ALTER TABLE calls ADD COLUMN overlap_ms BIGINT NULL;
ALTER TABLE calls ADD COLUMN interruptions BIGINT NULL;
ALTER TABLE calls ADD COLUMN speaker_separation TEXT NULL;
CREATE INDEX ix_calls_customer_time ON calls (customer_sentiment, started_at);
CREATE INDEX ix_calls_agent_sentiment_time ON calls (agent_sentiment, started_at);

-- One row per speaker of a call: talk time and sentiment from the words (text) and the voice, fused, and by quarter.
-- CHANGE is a reserved word in MySQL: the column is quoted here and in the MySQL versions of the queries that name it.
CREATE TABLE call_speakers (
    call_id BIGINT NOT NULL,
    speaker BIGINT NOT NULL,
    role TEXT NOT NULL,
    channel BIGINT NULL,
    talk_ms BIGINT NOT NULL,
    words BIGINT NOT NULL,
    interruptions BIGINT NOT NULL,
    sentiment TEXT NULL,
    positive DOUBLE NULL,
    negative DOUBLE NULL,
    neutral DOUBLE NULL,
    mixed DOUBLE NULL,
    text_sentiment TEXT NULL,
    voice_sentiment TEXT NULL,
    q1 DOUBLE NULL,
    q2 DOUBLE NULL,
    q3 DOUBLE NULL,
    q4 DOUBLE NULL,
    `change` DOUBLE NULL,
    PRIMARY KEY (call_id, speaker),
    FOREIGN KEY (call_id) REFERENCES calls (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The transcript as chunks of speaker turns (never above Comprehend's 5,000 bytes). Short turns are kept for reading
-- but carry no sentiment. words: JSON [[text, start_ms, end_ms, confidence], ...] for click-to-play.
CREATE TABLE transcript_chunks (
    call_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    speaker BIGINT NOT NULL,
    role TEXT NOT NULL,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    text TEXT NOT NULL,
    words MEDIUMTEXT NOT NULL,
    sentiment TEXT NULL,
    positive DOUBLE NULL,
    negative DOUBLE NULL,
    neutral DOUBLE NULL,
    mixed DOUBLE NULL,
    note TEXT NULL,
    PRIMARY KEY (call_id, seq),
    FOREIGN KEY (call_id) REFERENCES calls (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
