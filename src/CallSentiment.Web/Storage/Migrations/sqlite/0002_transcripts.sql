-- Issue 4: transcripts, text sentiment per chunk, per-speaker sentiment and the conversation's shape.

-- A supervisor's "swap agent and customer": the channel roles (stereo) or the diarization rule's roles (mono) are swapped.
ALTER TABLE recordings ADD COLUMN roles_swapped INTEGER NOT NULL DEFAULT 0;

-- What each side felt (fused text + voice per speaker), for the dashboard's "customer felt / agent did" filters.
ALTER TABLE calls ADD COLUMN customer_sentiment TEXT NULL;
ALTER TABLE calls ADD COLUMN agent_sentiment TEXT NULL;
-- The customer's sentiment score (positive − negative) in the last quarter of the call minus the first.
ALTER TABLE calls ADD COLUMN sentiment_change REAL NULL;
ALTER TABLE calls ADD COLUMN silence_ms INTEGER NULL;
ALTER TABLE calls ADD COLUMN longest_silence_ms INTEGER NULL;
ALTER TABLE calls ADD COLUMN overlap_ms INTEGER NULL;
ALTER TABLE calls ADD COLUMN interruptions INTEGER NULL;
ALTER TABLE calls ADD COLUMN speaker_separation TEXT NULL;
CREATE INDEX ix_calls_customer_time ON calls (customer_sentiment, started_at);
CREATE INDEX ix_calls_agent_sentiment_time ON calls (agent_sentiment, started_at);

-- One row per speaker of a call: talk time and sentiment from the words (text) and the voice, fused, and by quarter.
CREATE TABLE call_speakers (
    call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    speaker INTEGER NOT NULL,
    role TEXT NOT NULL,
    channel INTEGER NULL,
    talk_ms INTEGER NOT NULL,
    words INTEGER NOT NULL,
    interruptions INTEGER NOT NULL,
    sentiment TEXT NULL,
    positive REAL NULL,
    negative REAL NULL,
    neutral REAL NULL,
    mixed REAL NULL,
    text_sentiment TEXT NULL,
    voice_sentiment TEXT NULL,
    q1 REAL NULL,
    q2 REAL NULL,
    q3 REAL NULL,
    q4 REAL NULL,
    change REAL NULL,
    PRIMARY KEY (call_id, speaker)
);

-- The transcript as chunks of speaker turns (never above Comprehend's 5,000 bytes). Short turns are kept for reading
-- but carry no sentiment. words: JSON [[text, start_ms, end_ms, confidence], ...] for click-to-play.
CREATE TABLE transcript_chunks (
    call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    speaker INTEGER NOT NULL,
    role TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    text TEXT NOT NULL,
    words TEXT NOT NULL,
    sentiment TEXT NULL,
    positive REAL NULL,
    negative REAL NULL,
    neutral REAL NULL,
    mixed REAL NULL,
    note TEXT NULL,
    PRIMARY KEY (call_id, seq)
);
