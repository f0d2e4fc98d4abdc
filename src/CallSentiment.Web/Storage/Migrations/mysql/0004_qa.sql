-- The service-recovery queue: one item per recording whose customer came out NEGATIVE, created in the same
-- transaction as the analysis. Keyed by the recording's key, so re-analysis (which replaces the call row) keeps
-- the item, its notes and its history; call_id follows the newest analysis.
CREATE TABLE qa_items (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    source_key VARCHAR(512) NOT NULL UNIQUE,
    call_id BIGINT NULL,
    agent_id BIGINT NOT NULL,
    call_started_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    status VARCHAR(16) NOT NULL CHECK (status IN ('open', 'claimed', 'resolved')),
    claimed_by TEXT NULL,
    claimed_at BIGINT NULL,
    resolved_by TEXT NULL,
    resolved_at BIGINT NULL,
    recovery_action TEXT NULL,
    reason MEDIUMTEXT NOT NULL,
    FOREIGN KEY (call_id) REFERENCES calls (id) ON DELETE SET NULL,
    FOREIGN KEY (agent_id) REFERENCES agents (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX ix_qa_items_status_started ON qa_items (status, call_started_at);
CREATE INDEX ix_qa_items_agent_started ON qa_items (agent_id, call_started_at);
CREATE INDEX ix_qa_items_call ON qa_items (call_id);

CREATE TABLE qa_notes (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    item_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    user_name TEXT NOT NULL,
    text TEXT NOT NULL,
    FOREIGN KEY (item_id) REFERENCES qa_items (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX ix_qa_notes_item ON qa_notes (item_id, at);
