-- Issue 15: one row per signed-in browser session; the sign-in cookie carries the row's id. Signing out deletes the
-- row, so a copy of the cookie stops working at once on every instance (and after a restart). last_seen_at is
-- refreshed every few minutes of use; rows idle longer than the session lifetime are pruned at sign-in.
CREATE TABLE user_sessions (
    id VARCHAR(64) NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX ix_user_sessions_user ON user_sessions (user_id);
CREATE INDEX ix_user_sessions_last_seen ON user_sessions (last_seen_at);
