-- The service-recovery queue: one item per recording whose customer came out NEGATIVE, created in the same
-- transaction as the analysis. Keyed by the recording's key, so re-analysis (which replaces the call row) keeps
-- the item, its notes and its history; call_id follows the newest analysis.
CREATE TABLE qa_items (
    id INTEGER PRIMARY KEY,
    source_key TEXT NOT NULL UNIQUE,
    call_id BIGINT NULL REFERENCES calls (id) ON DELETE SET NULL,
    agent_id BIGINT NOT NULL REFERENCES agents (id),
    call_started_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'claimed', 'resolved')),
    claimed_by TEXT NULL,
    claimed_at BIGINT NULL,
    resolved_by TEXT NULL,
    resolved_at BIGINT NULL,
    recovery_action TEXT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX ix_qa_items_status_started ON qa_items (status, call_started_at);
CREATE INDEX ix_qa_items_agent_started ON qa_items (agent_id, call_started_at);
CREATE INDEX ix_qa_items_call ON qa_items (call_id);

CREATE TABLE qa_notes (
    id INTEGER PRIMARY KEY,
    item_id BIGINT NOT NULL REFERENCES qa_items (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    user_name TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX ix_qa_notes_item ON qa_notes (item_id, at);
