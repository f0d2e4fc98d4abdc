-- MySQL 8.0+ / MariaDB 10.6+ (only syntax both accept). Times are Unix epoch milliseconds, UTC. Scores are 0..1.
-- Every table compares text bytewise (utf8mb4_bin), as SQLite and PostgreSQL's "C" collation do, so a key prefix is
-- an index range and names are case-sensitive. Indexed text is VARCHAR (InnoDB keys are at most 3,072 bytes):
-- recording keys up to 512 characters. Foreign keys are table constraints: MySQL ignores a column's REFERENCES.
CREATE TABLE agents (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(255) NOT NULL UNIQUE,
    display_name TEXT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE recordings (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    source_key VARCHAR(512) NOT NULL,
    version VARCHAR(200) NOT NULL,
    size_bytes BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    call_ref TEXT NOT NULL,
    customer_ref TEXT NULL,
    started_at BIGINT NOT NULL,
    agent_channel BIGINT NOT NULL,
    customer_channel BIGINT NOT NULL,
    discovered_at BIGINT NOT NULL,
    UNIQUE (source_key, version),
    FOREIGN KEY (agent_id) REFERENCES agents (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE jobs (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    recording_id BIGINT NOT NULL UNIQUE,
    status VARCHAR(16) NOT NULL,
    -- Newest calls are analysed first, so a fresh negative call is not stuck behind a backfill.
    call_started_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    run_after BIGINT NOT NULL,
    lease_owner TEXT NULL,
    lease_until BIGINT NULL,
    progress DOUBLE NOT NULL DEFAULT 0,
    last_error TEXT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT NULL,
    FOREIGN KEY (recording_id) REFERENCES recordings (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX ix_jobs_status ON jobs (status, call_started_at);

CREATE TABLE job_attempts (
    job_id BIGINT NOT NULL,
    attempt BIGINT NOT NULL,
    instance TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NULL,
    outcome TEXT NULL,
    error TEXT NULL,
    PRIMARY KEY (job_id, attempt),
    FOREIGN KEY (job_id) REFERENCES jobs (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE calls (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    source_key VARCHAR(512) NOT NULL UNIQUE,
    recording_id BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    call_ref TEXT NOT NULL,
    customer_ref TEXT NULL,
    started_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    sentiment VARCHAR(16) NOT NULL,
    confidence DOUBLE NOT NULL,
    positive DOUBLE NOT NULL,
    negative DOUBLE NOT NULL,
    neutral DOUBLE NOT NULL,
    mixed DOUBLE NOT NULL,
    dominant_emotion TEXT NULL,
    channel_count BIGINT NOT NULL,
    sample_rate BIGINT NOT NULL,
    agent_channel BIGINT NOT NULL,
    customer_channel BIGINT NOT NULL,
    analyzed_at BIGINT NOT NULL,
    FOREIGN KEY (recording_id) REFERENCES recordings (id),
    FOREIGN KEY (agent_id) REFERENCES agents (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- Covering indexes: the dashboard's sums read the index alone (no INCLUDE in MySQL, so the columns are keys).
CREATE INDEX ix_calls_time ON calls (started_at, sentiment, duration_ms, positive, negative, neutral, mixed);
CREATE INDEX ix_calls_agent_time ON calls (agent_id, started_at, sentiment, duration_ms, positive, negative, neutral, mixed);
CREATE INDEX ix_calls_sentiment_time ON calls (sentiment, started_at);

-- Totals of all calls per UTC hour (hour_start: Unix ms of the hour), kept by the triggers below whichever code writes
-- calls. The all-employees dashboard sums a year from ~3,000 of these rows instead of reading ~500,000 calls; a range
-- edge that is not on a whole hour (a begin/end time, a zone with a half-hour offset) is summed from calls.
CREATE TABLE call_hours (
    hour_start BIGINT NOT NULL PRIMARY KEY,
    call_count BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    positive DOUBLE NOT NULL,
    negative DOUBLE NOT NULL,
    neutral DOUBLE NOT NULL,
    mixed DOUBLE NOT NULL,
    positives BIGINT NOT NULL,
    negatives BIGINT NOT NULL,
    neutrals BIGINT NOT NULL,
    mixeds BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Comparisons are 0 or 1 in MySQL, so (NEW.sentiment = 'POSITIVE') counts. A trigger sees NEW directly, so the
-- upsert needs neither VALUES() (deprecated in MySQL 8.0.20) nor MySQL 8's row alias (which MariaDB lacks).
CREATE TRIGGER call_hours_insert AFTER INSERT ON calls FOR EACH ROW
    INSERT INTO call_hours (hour_start, call_count, duration_ms, positive, negative, neutral, mixed, positives, negatives, neutrals, mixeds)
    VALUES (NEW.started_at - NEW.started_at % 3600000, 1, NEW.duration_ms, NEW.positive, NEW.negative, NEW.neutral, NEW.mixed,
            NEW.sentiment = 'POSITIVE', NEW.sentiment = 'NEGATIVE', NEW.sentiment = 'NEUTRAL', NEW.sentiment = 'MIXED')
    ON DUPLICATE KEY UPDATE
        call_count = call_count + 1, duration_ms = duration_ms + NEW.duration_ms,
        positive = positive + NEW.positive, negative = negative + NEW.negative,
        neutral = neutral + NEW.neutral, mixed = mixed + NEW.mixed,
        positives = positives + (NEW.sentiment = 'POSITIVE'), negatives = negatives + (NEW.sentiment = 'NEGATIVE'),
        neutrals = neutrals + (NEW.sentiment = 'NEUTRAL'), mixeds = mixeds + (NEW.sentiment = 'MIXED');

CREATE TRIGGER call_hours_delete AFTER DELETE ON calls FOR EACH ROW
    UPDATE call_hours SET
        call_count = call_count - 1, duration_ms = duration_ms - OLD.duration_ms,
        positive = positive - OLD.positive, negative = negative - OLD.negative,
        neutral = neutral - OLD.neutral, mixed = mixed - OLD.mixed,
        positives = positives - (OLD.sentiment = 'POSITIVE'), negatives = negatives - (OLD.sentiment = 'NEGATIVE'),
        neutrals = neutrals - (OLD.sentiment = 'NEUTRAL'), mixeds = mixeds - (OLD.sentiment = 'MIXED')
    WHERE hour_start = OLD.started_at - OLD.started_at % 3600000;

-- MySQL has no UPDATE OF column list: the trigger fires on every update and acts only when a summed column changed
-- (retention's transcript_deleted_at, say, changes nothing here).
CREATE TRIGGER call_hours_update AFTER UPDATE ON calls FOR EACH ROW
BEGIN
    IF NOT (OLD.started_at <=> NEW.started_at AND OLD.duration_ms <=> NEW.duration_ms AND OLD.sentiment <=> NEW.sentiment
            AND OLD.positive <=> NEW.positive AND OLD.negative <=> NEW.negative AND OLD.neutral <=> NEW.neutral AND OLD.mixed <=> NEW.mixed) THEN
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
        ON DUPLICATE KEY UPDATE
            call_count = call_count + 1, duration_ms = duration_ms + NEW.duration_ms,
            positive = positive + NEW.positive, negative = negative + NEW.negative,
            neutral = neutral + NEW.neutral, mixed = mixed + NEW.mixed,
            positives = positives + (NEW.sentiment = 'POSITIVE'), negatives = negatives + (NEW.sentiment = 'NEGATIVE'),
            neutrals = neutrals + (NEW.sentiment = 'NEUTRAL'), mixeds = mixeds + (NEW.sentiment = 'MIXED');
    END IF;
END;

CREATE TABLE call_channels (
    call_id BIGINT NOT NULL,
    channel BIGINT NOT NULL,
    role TEXT NOT NULL,
    voiced_seconds DOUBLE NOT NULL,
    dominant_emotion TEXT NULL,
    negative DOUBLE NOT NULL,
    neutral DOUBLE NOT NULL,
    positive DOUBLE NOT NULL,
    PRIMARY KEY (call_id, channel),
    FOREIGN KEY (call_id) REFERENCES calls (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE emotion_windows (
    call_id BIGINT NOT NULL,
    channel BIGINT NOT NULL,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    emotion TEXT NOT NULL,
    negative DOUBLE NOT NULL,
    neutral DOUBLE NOT NULL,
    positive DOUBLE NOT NULL,
    probabilities TEXT NOT NULL,
    PRIMARY KEY (call_id, channel, start_ms),
    FOREIGN KEY (call_id) REFERENCES calls (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE stage_results (
    call_id BIGINT NOT NULL,
    stage VARCHAR(64) NOT NULL,
    sentiment TEXT NULL,
    positive DOUBLE NULL,
    negative DOUBLE NULL,
    neutral DOUBLE NULL,
    mixed DOUBLE NULL,
    detail MEDIUMTEXT NULL,
    elapsed_ms BIGINT NOT NULL,
    PRIMARY KEY (call_id, stage),
    FOREIGN KEY (call_id) REFERENCES calls (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE source_problems (
    source_key VARCHAR(512) NOT NULL PRIMARY KEY,
    reason TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE worker_heartbeats (
    instance VARCHAR(255) NOT NULL PRIMARY KEY,
    beat_at BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
