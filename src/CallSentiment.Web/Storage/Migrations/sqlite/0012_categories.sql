-- Issue 17: categories. An admin's rule (phrases said per speaker, sentiment, conversation facts; see
-- Categories/README.md) tags every call when it is analysed. A changed rule is re-run over past calls by a durable
-- job kept on the category's own row: status, the last call id done (so it resumes after a restart), counts for the
-- progress bar, and a lease so that of several instances only one runs it. version goes up with every rule change;
-- a run whose version is no longer current stops writing.
CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    rule_text TEXT NOT NULL,
    alert INTEGER NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    retag_status TEXT NOT NULL DEFAULT 'done' CHECK (retag_status IN ('queued', 'running', 'done', 'failed')),
    retag_after BIGINT NOT NULL DEFAULT 0,
    retag_total BIGINT NOT NULL DEFAULT 0,
    retag_done BIGINT NOT NULL DEFAULT 0,
    retag_matched BIGINT NOT NULL DEFAULT 0,
    retag_owner TEXT NULL,
    retag_lease_until BIGINT NULL,
    retag_started_at BIGINT NULL,
    retag_finished_at BIGINT NULL,
    retag_error TEXT NULL
);

-- One row per call and category it matched; spans: JSON [{"seq":chunk,"from":word,"to":word,"ms":start}, ...] of
-- the words that matched (empty for rules on facts alone). started_at and agent_id are copied from the call so the
-- dashboard's category filter and counts are index range scans (category, [employee,] time), like its other filters.
CREATE TABLE call_categories (
    call_id BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    started_at BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    spans TEXT NULL,
    PRIMARY KEY (call_id, category_id)
);
CREATE INDEX ix_call_categories_time ON call_categories (category_id, started_at, call_id);
CREATE INDEX ix_call_categories_agent_time ON call_categories (category_id, agent_id, started_at, call_id);

-- Category alerts are webhook events about a call (not a QA item): deleting the call deletes its pending events.
ALTER TABLE webhook_deliveries ADD COLUMN call_id BIGINT NULL;
CREATE INDEX ix_webhook_deliveries_call ON webhook_deliveries (call_id);
