-- Issue 17 item 4: per-employee totals per UTC day (day_start: Unix ms of the day's midnight UTC) for the agent
-- comparison page, kept by the triggers below whichever code writes calls or their speakers. A year of 500 employees
-- is ~150,000 of these rows instead of ~500,000 calls and ~1,000,000 speaker rows; a range edge or week boundary that
-- is not a UTC midnight is summed from calls (see Agents/AgentQueries.cs). Every figure is a sum, so any set of days
-- adds up; averages and shares are derived when read.
--   change_sum / change_count: the customer's sentiment change (last quarter minus first) of calls that have one.
--   conversation_*: calls with conversation facts (silence_ms set), their call time, silence and long silences (>= 30 s).
--   agent_talk_ms / customer_talk_ms / agent_interruptions: from call_speakers by role.
CREATE TABLE agent_days (
    day_start INTEGER NOT NULL,
    agent_id INTEGER NOT NULL,
    call_count INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    positives INTEGER NOT NULL DEFAULT 0,
    negatives INTEGER NOT NULL DEFAULT 0,
    change_sum REAL NOT NULL DEFAULT 0,
    change_count INTEGER NOT NULL DEFAULT 0,
    conversation_calls INTEGER NOT NULL DEFAULT 0,
    conversation_ms INTEGER NOT NULL DEFAULT 0,
    silence_ms INTEGER NOT NULL DEFAULT 0,
    long_silences INTEGER NOT NULL DEFAULT 0,
    agent_talk_ms INTEGER NOT NULL DEFAULT 0,
    customer_talk_ms INTEGER NOT NULL DEFAULT 0,
    agent_interruptions INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day_start, agent_id)
) WITHOUT ROWID;

-- The same sums per employee and UTC week (week_start: Unix ms of the week's Monday 00:00 UTC), kept from agent_days by
-- the triggers below: a year of 500 employees is ~26,000 of these rows. A local week (in Dashboard:TimeZone) is read as
-- its UTC week, less the days a week boundary cuts, plus the pieces of those days that belong to it (AgentQueries).
CREATE TABLE agent_weeks (
    week_start INTEGER NOT NULL,
    agent_id INTEGER NOT NULL,
    call_count INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    positives INTEGER NOT NULL DEFAULT 0,
    negatives INTEGER NOT NULL DEFAULT 0,
    change_sum REAL NOT NULL DEFAULT 0,
    change_count INTEGER NOT NULL DEFAULT 0,
    conversation_calls INTEGER NOT NULL DEFAULT 0,
    conversation_ms INTEGER NOT NULL DEFAULT 0,
    silence_ms INTEGER NOT NULL DEFAULT 0,
    long_silences INTEGER NOT NULL DEFAULT 0,
    agent_talk_ms INTEGER NOT NULL DEFAULT 0,
    customer_talk_ms INTEGER NOT NULL DEFAULT 0,
    agent_interruptions INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (week_start, agent_id)
) WITHOUT ROWID;

CREATE TRIGGER agent_weeks_insert AFTER INSERT ON agent_days BEGIN
    INSERT INTO agent_weeks (week_start, agent_id, call_count, duration_ms, positives, negatives, change_sum, change_count, conversation_calls, conversation_ms, silence_ms, long_silences, agent_talk_ms, customer_talk_ms, agent_interruptions)
    VALUES (NEW.day_start - (NEW.day_start - 345600000) % 604800000, NEW.agent_id, NEW.call_count, NEW.duration_ms, NEW.positives, NEW.negatives, NEW.change_sum, NEW.change_count, NEW.conversation_calls, NEW.conversation_ms, NEW.silence_ms, NEW.long_silences, NEW.agent_talk_ms, NEW.customer_talk_ms, NEW.agent_interruptions)
    ON CONFLICT (week_start, agent_id) DO UPDATE SET
        call_count = call_count + excluded.call_count, duration_ms = duration_ms + excluded.duration_ms, positives = positives + excluded.positives,
        negatives = negatives + excluded.negatives, change_sum = change_sum + excluded.change_sum, change_count = change_count + excluded.change_count,
        conversation_calls = conversation_calls + excluded.conversation_calls, conversation_ms = conversation_ms + excluded.conversation_ms, silence_ms = silence_ms + excluded.silence_ms,
        long_silences = long_silences + excluded.long_silences, agent_talk_ms = agent_talk_ms + excluded.agent_talk_ms, customer_talk_ms = customer_talk_ms + excluded.customer_talk_ms,
        agent_interruptions = agent_interruptions + excluded.agent_interruptions;
END;

CREATE TRIGGER agent_weeks_update AFTER UPDATE ON agent_days BEGIN
    INSERT INTO agent_weeks (week_start, agent_id, call_count, duration_ms, positives, negatives, change_sum, change_count, conversation_calls, conversation_ms, silence_ms, long_silences, agent_talk_ms, customer_talk_ms, agent_interruptions)
    VALUES (NEW.day_start - (NEW.day_start - 345600000) % 604800000, NEW.agent_id, NEW.call_count - OLD.call_count, NEW.duration_ms - OLD.duration_ms, NEW.positives - OLD.positives, NEW.negatives - OLD.negatives, NEW.change_sum - OLD.change_sum, NEW.change_count - OLD.change_count, NEW.conversation_calls - OLD.conversation_calls, NEW.conversation_ms - OLD.conversation_ms, NEW.silence_ms - OLD.silence_ms, NEW.long_silences - OLD.long_silences, NEW.agent_talk_ms - OLD.agent_talk_ms, NEW.customer_talk_ms - OLD.customer_talk_ms, NEW.agent_interruptions - OLD.agent_interruptions)
    ON CONFLICT (week_start, agent_id) DO UPDATE SET
        call_count = call_count + excluded.call_count, duration_ms = duration_ms + excluded.duration_ms, positives = positives + excluded.positives,
        negatives = negatives + excluded.negatives, change_sum = change_sum + excluded.change_sum, change_count = change_count + excluded.change_count,
        conversation_calls = conversation_calls + excluded.conversation_calls, conversation_ms = conversation_ms + excluded.conversation_ms, silence_ms = silence_ms + excluded.silence_ms,
        long_silences = long_silences + excluded.long_silences, agent_talk_ms = agent_talk_ms + excluded.agent_talk_ms, customer_talk_ms = customer_talk_ms + excluded.customer_talk_ms,
        agent_interruptions = agent_interruptions + excluded.agent_interruptions;
END;

INSERT INTO agent_days (day_start, agent_id, call_count, duration_ms, positives, negatives, change_sum, change_count, conversation_calls,
                        conversation_ms, silence_ms, long_silences, agent_talk_ms, customer_talk_ms, agent_interruptions)
SELECT c.started_at - c.started_at % 86400000, c.agent_id, COUNT(*), SUM(c.duration_ms),
       SUM(c.sentiment = 'POSITIVE'), SUM(c.sentiment = 'NEGATIVE'),
       COALESCE(SUM(c.sentiment_change), 0), COUNT(c.sentiment_change),
       COUNT(c.silence_ms), SUM(CASE WHEN c.silence_ms IS NOT NULL THEN c.duration_ms ELSE 0 END), COALESCE(SUM(c.silence_ms), 0),
       SUM(COALESCE(c.longest_silence_ms, 0) >= 30000),
       COALESCE(SUM(s.agent_talk_ms), 0), COALESCE(SUM(s.customer_talk_ms), 0), COALESCE(SUM(s.agent_interruptions), 0)
FROM calls c
LEFT JOIN (SELECT call_id, SUM(CASE WHEN role = 'agent' THEN talk_ms ELSE 0 END) AS agent_talk_ms,
                  SUM(CASE WHEN role = 'customer' THEN talk_ms ELSE 0 END) AS customer_talk_ms,
                  SUM(CASE WHEN role = 'agent' THEN interruptions ELSE 0 END) AS agent_interruptions
           FROM call_speakers GROUP BY call_id) s ON s.call_id = c.id
GROUP BY c.started_at - c.started_at % 86400000, c.agent_id;

-- A call adds its own figures; its speakers are written after it and add theirs (agent_days_speaker_insert).
CREATE TRIGGER agent_days_call_insert AFTER INSERT ON calls BEGIN
    INSERT INTO agent_days (day_start, agent_id, call_count, duration_ms, positives, negatives, change_sum, change_count, conversation_calls,
                            conversation_ms, silence_ms, long_silences)
    VALUES (NEW.started_at - NEW.started_at % 86400000, NEW.agent_id, 1, NEW.duration_ms, NEW.sentiment = 'POSITIVE', NEW.sentiment = 'NEGATIVE',
            COALESCE(NEW.sentiment_change, 0), NEW.sentiment_change IS NOT NULL, NEW.silence_ms IS NOT NULL,
            CASE WHEN NEW.silence_ms IS NOT NULL THEN NEW.duration_ms ELSE 0 END, COALESCE(NEW.silence_ms, 0),
            COALESCE(NEW.longest_silence_ms, 0) >= 30000)
    ON CONFLICT (day_start, agent_id) DO UPDATE SET
        call_count = call_count + 1, duration_ms = duration_ms + excluded.duration_ms,
        positives = positives + excluded.positives, negatives = negatives + excluded.negatives,
        change_sum = change_sum + excluded.change_sum, change_count = change_count + excluded.change_count,
        conversation_calls = conversation_calls + excluded.conversation_calls, conversation_ms = conversation_ms + excluded.conversation_ms,
        silence_ms = silence_ms + excluded.silence_ms, long_silences = long_silences + excluded.long_silences;
END;

-- A changed call moves out of its old day and employee and into the new ones, with the speakers it has at that moment
-- (a re-analysis deletes them first and writes new ones after).
CREATE TRIGGER agent_days_call_update AFTER UPDATE OF agent_id, started_at, duration_ms, sentiment, sentiment_change, silence_ms, longest_silence_ms ON calls BEGIN
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
    INSERT INTO agent_days (day_start, agent_id, call_count, duration_ms, positives, negatives, change_sum, change_count, conversation_calls,
                            conversation_ms, silence_ms, long_silences, agent_talk_ms, customer_talk_ms, agent_interruptions)
    VALUES (NEW.started_at - NEW.started_at % 86400000, NEW.agent_id, 1, NEW.duration_ms, NEW.sentiment = 'POSITIVE', NEW.sentiment = 'NEGATIVE',
            COALESCE(NEW.sentiment_change, 0), NEW.sentiment_change IS NOT NULL, NEW.silence_ms IS NOT NULL,
            CASE WHEN NEW.silence_ms IS NOT NULL THEN NEW.duration_ms ELSE 0 END, COALESCE(NEW.silence_ms, 0),
            COALESCE(NEW.longest_silence_ms, 0) >= 30000,
            COALESCE((SELECT SUM(talk_ms) FROM call_speakers WHERE call_id = NEW.id AND role = 'agent'), 0),
            COALESCE((SELECT SUM(talk_ms) FROM call_speakers WHERE call_id = NEW.id AND role = 'customer'), 0),
            COALESCE((SELECT SUM(interruptions) FROM call_speakers WHERE call_id = NEW.id AND role = 'agent'), 0))
    ON CONFLICT (day_start, agent_id) DO UPDATE SET
        call_count = call_count + 1, duration_ms = duration_ms + excluded.duration_ms,
        positives = positives + excluded.positives, negatives = negatives + excluded.negatives,
        change_sum = change_sum + excluded.change_sum, change_count = change_count + excluded.change_count,
        conversation_calls = conversation_calls + excluded.conversation_calls, conversation_ms = conversation_ms + excluded.conversation_ms,
        silence_ms = silence_ms + excluded.silence_ms, long_silences = long_silences + excluded.long_silences,
        agent_talk_ms = agent_talk_ms + excluded.agent_talk_ms, customer_talk_ms = customer_talk_ms + excluded.customer_talk_ms,
        agent_interruptions = agent_interruptions + excluded.agent_interruptions;
END;

-- BEFORE: the call's speakers are still there to be taken out with it. The cascade that then deletes them finds no call
-- (agent_days_speaker_delete changes nothing), so they are not taken out twice.
CREATE TRIGGER agent_days_call_delete BEFORE DELETE ON calls BEGIN
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
END;

CREATE TRIGGER agent_days_speaker_insert AFTER INSERT ON call_speakers WHEN NEW.role IN ('agent', 'customer') BEGIN
    UPDATE agent_days SET
        agent_talk_ms = agent_talk_ms + CASE WHEN NEW.role = 'agent' THEN NEW.talk_ms ELSE 0 END,
        customer_talk_ms = customer_talk_ms + CASE WHEN NEW.role = 'customer' THEN NEW.talk_ms ELSE 0 END,
        agent_interruptions = agent_interruptions + CASE WHEN NEW.role = 'agent' THEN NEW.interruptions ELSE 0 END
    WHERE (day_start, agent_id) = (SELECT c.started_at - c.started_at % 86400000, c.agent_id FROM calls c WHERE c.id = NEW.call_id);
END;

CREATE TRIGGER agent_days_speaker_delete AFTER DELETE ON call_speakers WHEN OLD.role IN ('agent', 'customer') BEGIN
    UPDATE agent_days SET
        agent_talk_ms = agent_talk_ms - CASE WHEN OLD.role = 'agent' THEN OLD.talk_ms ELSE 0 END,
        customer_talk_ms = customer_talk_ms - CASE WHEN OLD.role = 'customer' THEN OLD.talk_ms ELSE 0 END,
        agent_interruptions = agent_interruptions - CASE WHEN OLD.role = 'agent' THEN OLD.interruptions ELSE 0 END
    WHERE (day_start, agent_id) = (SELECT c.started_at - c.started_at % 86400000, c.agent_id FROM calls c WHERE c.id = OLD.call_id);
END;

CREATE TRIGGER agent_days_speaker_update AFTER UPDATE OF call_id, role, talk_ms, interruptions ON call_speakers BEGIN
    UPDATE agent_days SET
        agent_talk_ms = agent_talk_ms - CASE WHEN OLD.role = 'agent' THEN OLD.talk_ms ELSE 0 END,
        customer_talk_ms = customer_talk_ms - CASE WHEN OLD.role = 'customer' THEN OLD.talk_ms ELSE 0 END,
        agent_interruptions = agent_interruptions - CASE WHEN OLD.role = 'agent' THEN OLD.interruptions ELSE 0 END
    WHERE (day_start, agent_id) = (SELECT c.started_at - c.started_at % 86400000, c.agent_id FROM calls c WHERE c.id = OLD.call_id);
    UPDATE agent_days SET
        agent_talk_ms = agent_talk_ms + CASE WHEN NEW.role = 'agent' THEN NEW.talk_ms ELSE 0 END,
        customer_talk_ms = customer_talk_ms + CASE WHEN NEW.role = 'customer' THEN NEW.talk_ms ELSE 0 END,
        agent_interruptions = agent_interruptions + CASE WHEN NEW.role = 'agent' THEN NEW.interruptions ELSE 0 END
    WHERE (day_start, agent_id) = (SELECT c.started_at - c.started_at % 86400000, c.agent_id FROM calls c WHERE c.id = NEW.call_id);
END;
