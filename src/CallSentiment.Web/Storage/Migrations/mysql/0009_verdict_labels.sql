-- Issue 13: learning from QA. What a person who listened says the customer really felt, one label per recording (keyed
-- by its key, like qa_items, so a re-analysis keeps it). verdict and fusion_version record what the product said at
-- the time, so "was it right" stays answerable after a re-analysis. Exported as an evaluate-calls manifest (/qa/labels.csv)
-- for callsentiment calibrate.
CREATE TABLE verdict_labels (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    source_key VARCHAR(512) NOT NULL UNIQUE,
    customer_label TEXT NOT NULL CHECK (customer_label IN ('negative', 'neutral', 'positive')),
    verdict TEXT NULL,
    fusion_version TEXT NULL,
    qa_item_id BIGINT NULL,
    labelled_by TEXT NOT NULL,
    labelled_at BIGINT NOT NULL,
    FOREIGN KEY (qa_item_id) REFERENCES qa_items (id) ON DELETE SET NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX ix_verdict_labels_at ON verdict_labels (labelled_at);
