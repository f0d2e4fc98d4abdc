-- Outbox of webhook events: written in the analysis transaction, sent by WebhookSender with retries, so a slow
-- or dead receiver never holds up analysis and no event is lost when the app stops.
CREATE TABLE webhook_deliveries (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    qa_item_id BIGINT NULL,
    event TEXT NOT NULL,
    payload MEDIUMTEXT NOT NULL,
    status VARCHAR(16) NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT NULL,
    last_error TEXT NULL,
    FOREIGN KEY (qa_item_id) REFERENCES qa_items (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
