-- Keys for machine clients of the JSON API (Authorization: Bearer <key>). Only a SHA-256 of the key is stored: the
-- key itself is shown once, when it is made. key_prefix (the key's public part) finds the row; a revoked or expired
-- key is refused.
CREATE TABLE api_keys (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name TEXT NOT NULL,
    key_prefix VARCHAR(64) NOT NULL UNIQUE,
    key_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('Supervisor', 'QA', 'Admin')),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NULL,
    last_used_at BIGINT NULL,
    revoked_at BIGINT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
