-- Keys of recordings deleted on purpose (by an admin or by retention): discovery never queues them again, even if
-- a stale listing, a backup restore or S3 versioning brings the object back.
CREATE TABLE deleted_recordings (
    source_key VARCHAR(512) NOT NULL PRIMARY KEY,
    deleted_at BIGINT NOT NULL,
    deleted_by TEXT NOT NULL,
    reason TEXT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Retention may delete the audio but keep the analysis; and the transcript text but keep the scores.
ALTER TABLE recordings ADD COLUMN audio_deleted_at BIGINT NULL;
ALTER TABLE calls ADD COLUMN transcript_deleted_at BIGINT NULL;
