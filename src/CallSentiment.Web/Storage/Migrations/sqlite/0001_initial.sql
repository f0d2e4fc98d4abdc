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
