-- People who may sign in. user_name is stored lower-case (sign-in is case-insensitive).
CREATE TABLE users (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_name VARCHAR(255) NOT NULL UNIQUE,
    display_name TEXT NULL,
    role TEXT NOT NULL CHECK (role IN ('Supervisor', 'QA', 'Admin')),
    password_hash TEXT NOT NULL,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    -- Changes on password, role or disable: cookies issued before it are refused.
    security_stamp TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_login_at BIGINT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Who listened to or downloaded which recording, who changed what, sign-ins. Append-only.
CREATE TABLE audit_log (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at BIGINT NOT NULL,
    user_name TEXT NULL,
    action TEXT NOT NULL,
    target VARCHAR(700) NULL,
    detail TEXT NULL,
    remote_ip TEXT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX ix_audit_log_at ON audit_log (at);
CREATE INDEX ix_audit_log_target ON audit_log (target, at);
