-- Issue 13: fusion that knows what it doesn't know. A verdict resting on too little or too split evidence (words the
-- recogniser doubts, a few seconds of voice, stages that disagree) is marked low-confidence, with the reason in words;
-- the fusion model's version is kept so a verdict can be traced to the parameters that made it.
ALTER TABLE calls ADD COLUMN low_confidence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN confidence_note TEXT NULL;
ALTER TABLE calls ADD COLUMN fusion_version TEXT NULL;
-- Per speaker: the fused probabilities and how much trusted evidence each stage had (the page shows them).
ALTER TABLE call_speakers ADD COLUMN low_confidence BIGINT NULL;
ALTER TABLE call_speakers ADD COLUMN evidence TEXT NULL;
