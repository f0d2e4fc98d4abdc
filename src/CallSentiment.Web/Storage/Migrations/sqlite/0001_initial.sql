-- Times are Unix epoch milliseconds, UTC. Scores are 0..1.
CREATE TABLE agents (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NULL
);

CREATE TABLE recordings (
    id INTEGER PRIMARY KEY,
    source_key TEXT NOT NULL,
    version TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    agent_id INTEGER NOT NULL REFERENCES agents (id),
    call_ref TEXT NOT NULL,
    customer_ref TEXT NULL,
    started_at INTEGER NOT NULL,
    agent_channel INTEGER NOT NULL,
    customer_channel INTEGER NOT NULL,
    discovered_at INTEGER NOT NULL,
    UNIQUE (source_key, version)
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL UNIQUE REFERENCES recordings (id),
    status TEXT NOT NULL,
    -- Newest calls are analysed first, so a fresh negative call is not stuck behind a backfill.
    call_started_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    run_after INTEGER NOT NULL,
    lease_owner TEXT NULL,
    lease_until INTEGER NULL,
    progress REAL NOT NULL DEFAULT 0,
    last_error TEXT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER NULL
);
CREATE INDEX ix_jobs_status ON jobs (status, call_started_at);

CREATE TABLE job_attempts (
    job_id INTEGER NOT NULL REFERENCES jobs (id),
    attempt INTEGER NOT NULL,
    instance TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NULL,
    outcome TEXT NULL,
    error TEXT NULL,
    PRIMARY KEY (job_id, attempt)
);

CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    source_key TEXT NOT NULL UNIQUE,
    recording_id INTEGER NOT NULL REFERENCES recordings (id),
    agent_id INTEGER NOT NULL REFERENCES agents (id),
    call_ref TEXT NOT NULL,
    customer_ref TEXT NULL,
    started_at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    sentiment TEXT NOT NULL,
    confidence REAL NOT NULL,
    positive REAL NOT NULL,
    negative REAL NOT NULL,
    neutral REAL NOT NULL,
    mixed REAL NOT NULL,
    dominant_emotion TEXT NULL,
    channel_count INTEGER NOT NULL,
    sample_rate INTEGER NOT NULL,
    agent_channel INTEGER NOT NULL,
    customer_channel INTEGER NOT NULL,
    analyzed_at INTEGER NOT NULL
);
-- Covering indexes: the dashboard's sums read the index alone (SQLite has no INCLUDE, so the columns are keys).
CREATE INDEX ix_calls_time ON calls (started_at, sentiment, duration_ms, positive, negative, neutral, mixed);
CREATE INDEX ix_calls_agent_time ON calls (agent_id, started_at, sentiment, duration_ms, positive, negative, neutral, mixed);
CREATE INDEX ix_calls_sentiment_time ON calls (sentiment, started_at);

-- Totals of all calls per UTC hour (hour_start: Unix ms of the hour), kept by the triggers below whichever code writes
-- calls. The all-employees dashboard sums a year from ~3,000 of these rows instead of reading ~500,000 calls; a range
-- edge that is not on a whole hour (a begin/end time, a zone with a half-hour offset) is summed from calls.
CREATE TABLE call_hours (
    hour_start INTEGER PRIMARY KEY,
    call_count INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    positive REAL NOT NULL,
    negative REAL NOT NULL,
    neutral REAL NOT NULL,
    mixed REAL NOT NULL,
    positives INTEGER NOT NULL,
    negatives INTEGER NOT NULL,
    neutrals INTEGER NOT NULL,
    mixeds INTEGER NOT NULL
);

CREATE TRIGGER call_hours_insert AFTER INSERT ON calls BEGIN
    INSERT INTO call_hours (hour_start, call_count, duration_ms, positive, negative, neutral, mixed, positives, negatives, neutrals, mixeds)
    VALUES (NEW.started_at - NEW.started_at % 3600000, 1, NEW.duration_ms, NEW.positive, NEW.negative, NEW.neutral, NEW.mixed,
            NEW.sentiment = 'POSITIVE', NEW.sentiment = 'NEGATIVE', NEW.sentiment = 'NEUTRAL', NEW.sentiment = 'MIXED')
    ON CONFLICT (hour_start) DO UPDATE SET
        call_count = call_count + 1, duration_ms = duration_ms + excluded.duration_ms,
        positive = positive + excluded.positive, negative = negative + excluded.negative,
        neutral = neutral + excluded.neutral, mixed = mixed + excluded.mixed,
        positives = positives + excluded.positives, negatives = negatives + excluded.negatives,
        neutrals = neutrals + excluded.neutrals, mixeds = mixeds + excluded.mixeds;
END;

CREATE TRIGGER call_hours_delete AFTER DELETE ON calls BEGIN
    UPDATE call_hours SET
        call_count = call_count - 1, duration_ms = duration_ms - OLD.duration_ms,
        positive = positive - OLD.positive, negative = negative - OLD.negative,
        neutral = neutral - OLD.neutral, mixed = mixed - OLD.mixed,
        positives = positives - (OLD.sentiment = 'POSITIVE'), negatives = negatives - (OLD.sentiment = 'NEGATIVE'),
        neutrals = neutrals - (OLD.sentiment = 'NEUTRAL'), mixeds = mixeds - (OLD.sentiment = 'MIXED')
    WHERE hour_start = OLD.started_at - OLD.started_at % 3600000;
END;

CREATE TRIGGER call_hours_update AFTER UPDATE OF started_at, duration_ms, sentiment, positive, negative, neutral, mixed ON calls BEGIN
    UPDATE call_hours SET
        call_count = call_count - 1, duration_ms = duration_ms - OLD.duration_ms,
        positive = positive - OLD.positive, negative = negative - OLD.negative,
        neutral = neutral - OLD.neutral, mixed = mixed - OLD.mixed,
        positives = positives - (OLD.sentiment = 'POSITIVE'), negatives = negatives - (OLD.sentiment = 'NEGATIVE'),
        neutrals = neutrals - (OLD.sentiment = 'NEUTRAL'), mixeds = mixeds - (OLD.sentiment = 'MIXED')
    WHERE hour_start = OLD.started_at - OLD.started_at % 3600000;
    INSERT INTO call_hours (hour_start, call_count, duration_ms, positive, negative, neutral, mixed, positives, negatives, neutrals, mixeds)
    VALUES (NEW.started_at - NEW.started_at % 3600000, 1, NEW.duration_ms, NEW.positive, NEW.negative, NEW.neutral, NEW.mixed,
            NEW.sentiment = 'POSITIVE', NEW.sentiment = 'NEGATIVE', NEW.sentiment = 'NEUTRAL', NEW.sentiment = 'MIXED')
    ON CONFLICT (hour_start) DO UPDATE SET
        call_count = call_count + 1, duration_ms = duration_ms + excluded.duration_ms,
        positive = positive + excluded.positive, negative = negative + excluded.negative,
        neutral = neutral + excluded.neutral, mixed = mixed + excluded.mixed,
        positives = positives + excluded.positives, negatives = negatives + excluded.negatives,
        neutrals = neutrals + excluded.neutrals, mixeds = mixeds + excluded.mixeds;
END;

CREATE TABLE call_channels (
    call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    channel INTEGER NOT NULL,
    role TEXT NOT NULL,
    voiced_seconds REAL NOT NULL,
    dominant_emotion TEXT NULL,
    negative REAL NOT NULL,
    neutral REAL NOT NULL,
    positive REAL NOT NULL,
    PRIMARY KEY (call_id, channel)
);

CREATE TABLE emotion_windows (
    call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    channel INTEGER NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    emotion TEXT NOT NULL,
    negative REAL NOT NULL,
    neutral REAL NOT NULL,
    positive REAL NOT NULL,
    probabilities TEXT NOT NULL,
    PRIMARY KEY (call_id, channel, start_ms)
);

CREATE TABLE stage_results (
    call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    sentiment TEXT NULL,
    positive REAL NULL,
    negative REAL NULL,
    neutral REAL NULL,
    mixed REAL NULL,
    detail TEXT NULL,
    elapsed_ms INTEGER NOT NULL,
    PRIMARY KEY (call_id, stage)
);

CREATE TABLE source_problems (
    source_key TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);

CREATE TABLE worker_heartbeats (
    instance TEXT PRIMARY KEY,
    beat_at INTEGER NOT NULL
);
