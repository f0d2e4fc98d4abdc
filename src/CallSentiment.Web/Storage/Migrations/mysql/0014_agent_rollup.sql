-- Issue 17 item 4: per-employee totals per UTC day (day_start: Unix ms of the day's midnight UTC) for the agent
-- comparison page, kept by the triggers below whichever code writes calls or their speakers. A year of 500 employees
-- is ~150,000 of these rows instead of ~500,000 calls and ~1,000,000 speaker rows; a range edge or week boundary that
-- is not a UTC midnight is summed from calls (see Agents/AgentQueries.cs). Every figure is a sum, so any set of days
-- adds up; averages and shares are derived when read.
--   change_sum / change_count: the customer's sentiment change (last quarter minus first) of calls that have one.
--   conversation_*: calls with conversation facts (silence_ms set), their call time, silence and long silences (>= 30 s).
--   agent_talk_ms / customer_talk_ms / agent_interruptions: from call_speakers by role.
CREATE TABLE agent_days (
    day_start BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    call_count BIGINT NOT NULL DEFAULT 0,
    duration_ms BIGINT NOT NULL DEFAULT 0,
    positives BIGINT NOT NULL DEFAULT 0,
    negatives BIGINT NOT NULL DEFAULT 0,
    change_sum DOUBLE NOT NULL DEFAULT 0,
    change_count BIGINT NOT NULL DEFAULT 0,
    conversation_calls BIGINT NOT NULL DEFAULT 0,
    conversation_ms BIGINT NOT NULL DEFAULT 0,
    silence_ms BIGINT NOT NULL DEFAULT 0,
    long_silences BIGINT NOT NULL DEFAULT 0,
    agent_talk_ms BIGINT NOT NULL DEFAULT 0,
    customer_talk_ms BIGINT NOT NULL DEFAULT 0,
    agent_interruptions BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day_start, agent_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The same sums per employee and UTC week (week_start: Unix ms of the week's Monday 00:00 UTC), kept from agent_days by
-- the triggers below: a year of 500 employees is ~26,000 of these rows. A local week (in Dashboard:TimeZone) is read as
-- its UTC week, less the days a week boundary cuts, plus the pieces of those days that belong to it (AgentQueries).
CREATE TABLE agent_weeks (
    week_start BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    call_count BIGINT NOT NULL DEFAULT 0,
    duration_ms BIGINT NOT NULL DEFAULT 0,
    positives BIGINT NOT NULL DEFAULT 0,
    negatives BIGINT NOT NULL DEFAULT 0,
    change_sum DOUBLE NOT NULL DEFAULT 0,
    change_count BIGINT NOT NULL DEFAULT 0,
    conversation_calls BIGINT NOT NULL DEFAULT 0,
    conversation_ms BIGINT NOT NULL DEFAULT 0,
    silence_ms BIGINT NOT NULL DEFAULT 0,
    long_silences BIGINT NOT NULL DEFAULT 0,
    agent_talk_ms BIGINT NOT NULL DEFAULT 0,
    customer_talk_ms BIGINT NOT NULL DEFAULT 0,
    agent_interruptions BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (week_start, agent_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TRIGGER agent_weeks_insert AFTER INSERT ON agent_days FOR EACH ROW
    INSERT INTO agent_weeks (week_start, agent_id, call_count, duration_ms, positives, negatives, change_sum, change_count, conversation_calls, conversation_ms, silence_ms, long_silences, agent_talk_ms, customer_talk_ms, agent_interruptions)
    VALUES (NEW.day_start - (NEW.day_start - 345600000) % 604800000, NEW.agent_id, NEW.call_count, NEW.duration_ms, NEW.positives, NEW.negatives, NEW.change_sum, NEW.change_count, NEW.conversation_calls, NEW.conversation_ms, NEW.silence_ms, NEW.long_silences, NEW.agent_talk_ms, NEW.customer_talk_ms, NEW.agent_interruptions)
    ON DUPLICATE KEY UPDATE
        call_count = call_count + NEW.call_count, duration_ms = duration_ms + NEW.duration_ms, positives = positives + NEW.positives,
        negatives = negatives + NEW.negatives, change_sum = change_sum + NEW.change_sum, change_count = change_count + NEW.change_count,
        conversation_calls = conversation_calls + NEW.conversation_calls, conversation_ms = conversation_ms + NEW.conversation_ms, silence_ms = silence_ms + NEW.silence_ms,
        long_silences = long_silences + NEW.long_silences, agent_talk_ms = agent_talk_ms + NEW.agent_talk_ms, customer_talk_ms = customer_talk_ms + NEW.customer_talk_ms,
        agent_interruptions = agent_interruptions + NEW.agent_interruptions;

CREATE TRIGGER agent_weeks_update AFTER UPDATE ON agent_days FOR EACH ROW
    INSERT INTO agent_weeks (week_start, agent_id, call_count, duration_ms, positives, negatives, change_sum, change_count, conversation_calls, conversation_ms, silence_ms, long_silences, agent_talk_ms, customer_talk_ms, agent_interruptions)
    VALUES (NEW.day_start - (NEW.day_start - 345600000) % 604800000, NEW.agent_id, NEW.call_count - OLD.call_count, NEW.duration_ms - OLD.duration_ms, NEW.positives - OLD.positives, NEW.negatives - OLD.negatives, NEW.change_sum - OLD.change_sum, NEW.change_count - OLD.change_count, NEW.conversation_calls - OLD.conversation_calls, NEW.conversation_ms - OLD.conversation_ms, NEW.silence_ms - OLD.silence_ms, NEW.long_silences - OLD.long_silences, NEW.agent_talk_ms - OLD.agent_talk_ms, NEW.customer_talk_ms - OLD.customer_talk_ms, NEW.agent_interruptions - OLD.agent_interruptions)
    ON DUPLICATE KEY UPDATE
        call_count = call_count + (NEW.call_count - OLD.call_count), duration_ms = duration_ms + (NEW.duration_ms - OLD.duration_ms), positives = positives + (NEW.positives - OLD.positives),
        negatives = negatives + (NEW.negatives - OLD.negatives), change_sum = change_sum + (NEW.change_sum - OLD.change_sum), change_count = change_count + (NEW.change_count - OLD.change_count),
        conversation_calls = conversation_calls + (NEW.conversation_calls - OLD.conversation_calls), conversation_ms = conversation_ms + (NEW.conversation_ms - OLD.conversation_ms), silence_ms = silence_ms + (NEW.silence_ms - OLD.silence_ms),
        long_silences = long_silences + (NEW.long_silences - OLD.long_silences), agent_talk_ms = agent_talk_ms + (NEW.agent_talk_ms - OLD.agent_talk_ms), customer_talk_ms = customer_talk_ms + (NEW.customer_talk_ms - OLD.customer_talk_ms),
        agent_interruptions = agent_interruptions + (NEW.agent_interruptions - OLD.agent_interruptions);

INSERT INTO agent_days (day_start, agent_id, call_count, duration_ms, positives, negatives, change_sum, change_count, conversation_calls,
                        conversation_ms, silence_ms, long_silences, agent_talk_ms, customer_talk_ms, agent_interruptions)
SELECT x.day_start, x.agent_id, COUNT(*), SUM(x.duration_ms), SUM(x.sentiment = 'POSITIVE'), SUM(x.sentiment = 'NEGATIVE'),
       COALESCE(SUM(x.sentiment_change), 0), COUNT(x.sentiment_change),
       COUNT(x.silence_ms), SUM(CASE WHEN x.silence_ms IS NOT NULL THEN x.duration_ms ELSE 0 END), COALESCE(SUM(x.silence_ms), 0),
       SUM(COALESCE(x.longest_silence_ms, 0) >= 30000),
       COALESCE(SUM(x.agent_talk_ms), 0), COALESCE(SUM(x.customer_talk_ms), 0), COALESCE(SUM(x.agent_interruptions), 0)
FROM (SELECT c.started_at - c.started_at % 86400000 AS day_start, c.agent_id, c.duration_ms, c.sentiment, c.sentiment_change, c.silence_ms,
             c.longest_silence_ms, s.agent_talk_ms, s.customer_talk_ms, s.agent_interruptions
      FROM calls c
      LEFT JOIN (SELECT call_id, SUM(CASE WHEN role = 'agent' THEN talk_ms ELSE 0 END) AS agent_talk_ms,
                        SUM(CASE WHEN role = 'customer' THEN talk_ms ELSE 0 END) AS customer_talk_ms,
                        SUM(CASE WHEN role = 'agent' THEN interruptions ELSE 0 END) AS agent_interruptions
                 FROM call_speakers GROUP BY call_id) s ON s.call_id = c.id) x
GROUP BY x.day_start, x.agent_id;

-- A call adds its own figures; its speakers are written after it and add theirs (agent_days_speaker_insert).
CREATE TRIGGER agent_days_call_insert AFTER INSERT ON calls FOR EACH ROW
    INSERT INTO agent_days (day_start, agent_id, call_count, duration_ms, positives, negatives, change_sum, change_count, conversation_calls,
                            conversation_ms, silence_ms, long_silences)
    VALUES (NEW.started_at - NEW.started_at % 86400000, NEW.agent_id, 1, NEW.duration_ms, NEW.sentiment = 'POSITIVE', NEW.sentiment = 'NEGATIVE',
            COALESCE(NEW.sentiment_change, 0), NEW.sentiment_change IS NOT NULL, NEW.silence_ms IS NOT NULL,
            CASE WHEN NEW.silence_ms IS NOT NULL THEN NEW.duration_ms ELSE 0 END, COALESCE(NEW.silence_ms, 0),
            COALESCE(NEW.longest_silence_ms, 0) >= 30000)
    ON DUPLICATE KEY UPDATE
        call_count = call_count + 1, duration_ms = duration_ms + NEW.duration_ms,
        positives = positives + (NEW.sentiment = 'POSITIVE'), negatives = negatives + (NEW.sentiment = 'NEGATIVE'),
        change_sum = change_sum + COALESCE(NEW.sentiment_change, 0), change_count = change_count + (NEW.sentiment_change IS NOT NULL),
        conversation_calls = conversation_calls + (NEW.silence_ms IS NOT NULL),
        conversation_ms = conversation_ms + CASE WHEN NEW.silence_ms IS NOT NULL THEN NEW.duration_ms ELSE 0 END,
        silence_ms = silence_ms + COALESCE(NEW.silence_ms, 0), long_silences = long_silences + (COALESCE(NEW.longest_silence_ms, 0) >= 30000);

-- A changed call moves out of its old day and employee and into the new ones, with the speakers it has at that moment
-- (a re-analysis deletes them first and writes new ones after). No UPDATE OF column list in MySQL: it acts only when
-- a summed column changed.
CREATE TRIGGER agent_days_call_update AFTER UPDATE ON calls FOR EACH ROW
BEGIN
    DECLARE agent_talk BIGINT;
    DECLARE customer_talk BIGINT;
    DECLARE agent_interrupts BIGINT;
    IF NOT (OLD.agent_id <=> NEW.agent_id AND OLD.started_at <=> NEW.started_at AND OLD.duration_ms <=> NEW.duration_ms
            AND OLD.sentiment <=> NEW.sentiment AND OLD.sentiment_change <=> NEW.sentiment_change AND OLD.silence_ms <=> NEW.silence_ms
            AND OLD.longest_silence_ms <=> NEW.longest_silence_ms) THEN
        SELECT COALESCE(SUM(CASE WHEN role = 'agent' THEN talk_ms ELSE 0 END), 0), COALESCE(SUM(CASE WHEN role = 'customer' THEN talk_ms ELSE 0 END), 0),
               COALESCE(SUM(CASE WHEN role = 'agent' THEN interruptions ELSE 0 END), 0)
        INTO agent_talk, customer_talk, agent_interrupts
        FROM call_speakers WHERE call_id = NEW.id;
        UPDATE agent_days SET
            call_count = call_count - 1, duration_ms = duration_ms - OLD.duration_ms,
            positives = positives - (OLD.sentiment = 'POSITIVE'), negatives = negatives - (OLD.sentiment = 'NEGATIVE'),
            change_sum = change_sum - COALESCE(OLD.sentiment_change, 0), change_count = change_count - (OLD.sentiment_change IS NOT NULL),
            conversation_calls = conversation_calls - (OLD.silence_ms IS NOT NULL),
            conversation_ms = conversation_ms - CASE WHEN OLD.silence_ms IS NOT NULL THEN OLD.duration_ms ELSE 0 END,
            silence_ms = silence_ms - COALESCE(OLD.silence_ms, 0), long_silences = long_silences - (COALESCE(OLD.longest_silence_ms, 0) >= 30000),
            agent_talk_ms = agent_talk_ms - agent_talk, customer_talk_ms = customer_talk_ms - customer_talk,
            agent_interruptions = agent_interruptions - agent_interrupts
        WHERE day_start = OLD.started_at - OLD.started_at % 86400000 AND agent_id = OLD.agent_id;
        INSERT INTO agent_days (day_start, agent_id, call_count, duration_ms, positives, negatives, change_sum, change_count, conversation_calls,
                                conversation_ms, silence_ms, long_silences, agent_talk_ms, customer_talk_ms, agent_interruptions)
        VALUES (NEW.started_at - NEW.started_at % 86400000, NEW.agent_id, 1, NEW.duration_ms, NEW.sentiment = 'POSITIVE', NEW.sentiment = 'NEGATIVE',
                COALESCE(NEW.sentiment_change, 0), NEW.sentiment_change IS NOT NULL, NEW.silence_ms IS NOT NULL,
                CASE WHEN NEW.silence_ms IS NOT NULL THEN NEW.duration_ms ELSE 0 END, COALESCE(NEW.silence_ms, 0),
                COALESCE(NEW.longest_silence_ms, 0) >= 30000, agent_talk, customer_talk, agent_interrupts)
        ON DUPLICATE KEY UPDATE
            call_count = call_count + 1, duration_ms = duration_ms + NEW.duration_ms,
            positives = positives + (NEW.sentiment = 'POSITIVE'), negatives = negatives + (NEW.sentiment = 'NEGATIVE'),
            change_sum = change_sum + COALESCE(NEW.sentiment_change, 0), change_count = change_count + (NEW.sentiment_change IS NOT NULL),
            conversation_calls = conversation_calls + (NEW.silence_ms IS NOT NULL),
            conversation_ms = conversation_ms + CASE WHEN NEW.silence_ms IS NOT NULL THEN NEW.duration_ms ELSE 0 END,
            silence_ms = silence_ms + COALESCE(NEW.silence_ms, 0), long_silences = long_silences + (COALESCE(NEW.longest_silence_ms, 0) >= 30000),
            agent_talk_ms = agent_talk_ms + agent_talk, customer_talk_ms = customer_talk_ms + customer_talk,
            agent_interruptions = agent_interruptions + agent_interrupts;
    END IF;
END;

-- BEFORE: the call's speakers are still there to be taken out with it (InnoDB's cascade that then deletes them fires
-- no triggers).
CREATE TRIGGER agent_days_call_delete BEFORE DELETE ON calls FOR EACH ROW
    UPDATE agent_days SET
        call_count = call_count - 1, duration_ms = duration_ms - OLD.duration_ms,
        positives = positives - (OLD.sentiment = 'POSITIVE'), negatives = negatives - (OLD.sentiment = 'NEGATIVE'),
        change_sum = change_sum - COALESCE(OLD.sentiment_change, 0), change_count = change_count - (OLD.sentiment_change IS NOT NULL),
        conversation_calls = conversation_calls - (OLD.silence_ms IS NOT NULL),
        conversation_ms = conversation_ms - CASE WHEN OLD.silence_ms IS NOT NULL THEN OLD.duration_ms ELSE 0 END,
        silence_ms = silence_ms - COALESCE(OLD.silence_ms, 0), long_silences = long_silences - (COALESCE(OLD.longest_silence_ms, 0) >= 30000),
        agent_talk_ms = agent_talk_ms - COALESCE((SELECT SUM(talk_ms) FROM call_speakers WHERE call_id = OLD.id AND role = 'agent'), 0),
        customer_talk_ms = customer_talk_ms - COALESCE((SELECT SUM(talk_ms) FROM call_speakers WHERE call_id = OLD.id AND role = 'customer'), 0),
        agent_interruptions = agent_interruptions - COALESCE((SELECT SUM(interruptions) FROM call_speakers WHERE call_id = OLD.id AND role = 'agent'), 0)
    WHERE day_start = OLD.started_at - OLD.started_at % 86400000 AND agent_id = OLD.agent_id;

CREATE TRIGGER agent_days_speaker_insert AFTER INSERT ON call_speakers FOR EACH ROW
    UPDATE agent_days d JOIN calls c ON c.id = NEW.call_id AND d.day_start = c.started_at - c.started_at % 86400000 AND d.agent_id = c.agent_id
    SET d.agent_talk_ms = d.agent_talk_ms + CASE WHEN NEW.role = 'agent' THEN NEW.talk_ms ELSE 0 END,
        d.customer_talk_ms = d.customer_talk_ms + CASE WHEN NEW.role = 'customer' THEN NEW.talk_ms ELSE 0 END,
        d.agent_interruptions = d.agent_interruptions + CASE WHEN NEW.role = 'agent' THEN NEW.interruptions ELSE 0 END;

CREATE TRIGGER agent_days_speaker_delete AFTER DELETE ON call_speakers FOR EACH ROW
    UPDATE agent_days d JOIN calls c ON c.id = OLD.call_id AND d.day_start = c.started_at - c.started_at % 86400000 AND d.agent_id = c.agent_id
    SET d.agent_talk_ms = d.agent_talk_ms - CASE WHEN OLD.role = 'agent' THEN OLD.talk_ms ELSE 0 END,
        d.customer_talk_ms = d.customer_talk_ms - CASE WHEN OLD.role = 'customer' THEN OLD.talk_ms ELSE 0 END,
        d.agent_interruptions = d.agent_interruptions - CASE WHEN OLD.role = 'agent' THEN OLD.interruptions ELSE 0 END;

CREATE TRIGGER agent_days_speaker_update AFTER UPDATE ON call_speakers FOR EACH ROW
BEGIN
    UPDATE agent_days d JOIN calls c ON c.id = OLD.call_id AND d.day_start = c.started_at - c.started_at % 86400000 AND d.agent_id = c.agent_id
    SET d.agent_talk_ms = d.agent_talk_ms - CASE WHEN OLD.role = 'agent' THEN OLD.talk_ms ELSE 0 END,
        d.customer_talk_ms = d.customer_talk_ms - CASE WHEN OLD.role = 'customer' THEN OLD.talk_ms ELSE 0 END,
        d.agent_interruptions = d.agent_interruptions - CASE WHEN OLD.role = 'agent' THEN OLD.interruptions ELSE 0 END;
    UPDATE agent_days d JOIN calls c ON c.id = NEW.call_id AND d.day_start = c.started_at - c.started_at % 86400000 AND d.agent_id = c.agent_id
    SET d.agent_talk_ms = d.agent_talk_ms + CASE WHEN NEW.role = 'agent' THEN NEW.talk_ms ELSE 0 END,
        d.customer_talk_ms = d.customer_talk_ms + CASE WHEN NEW.role = 'customer' THEN NEW.talk_ms ELSE 0 END,
        d.agent_interruptions = d.agent_interruptions + CASE WHEN NEW.role = 'agent' THEN NEW.interruptions ELSE 0 END;
END;
