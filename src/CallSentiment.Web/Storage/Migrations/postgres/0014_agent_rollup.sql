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
    change_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
    change_count BIGINT NOT NULL DEFAULT 0,
    conversation_calls BIGINT NOT NULL DEFAULT 0,
    conversation_ms BIGINT NOT NULL DEFAULT 0,
    silence_ms BIGINT NOT NULL DEFAULT 0,
    long_silences BIGINT NOT NULL DEFAULT 0,
    agent_talk_ms BIGINT NOT NULL DEFAULT 0,
    customer_talk_ms BIGINT NOT NULL DEFAULT 0,
    agent_interruptions BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day_start, agent_id)
);

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
    change_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
    change_count BIGINT NOT NULL DEFAULT 0,
    conversation_calls BIGINT NOT NULL DEFAULT 0,
    conversation_ms BIGINT NOT NULL DEFAULT 0,
    silence_ms BIGINT NOT NULL DEFAULT 0,
    long_silences BIGINT NOT NULL DEFAULT 0,
    agent_talk_ms BIGINT NOT NULL DEFAULT 0,
    customer_talk_ms BIGINT NOT NULL DEFAULT 0,
    agent_interruptions BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (week_start, agent_id)
);

CREATE FUNCTION agent_weeks_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO agent_weeks AS w (week_start, agent_id, call_count, duration_ms, positives, negatives, change_sum, change_count, conversation_calls, conversation_ms, silence_ms, long_silences, agent_talk_ms, customer_talk_ms, agent_interruptions)
        VALUES (NEW.day_start - (NEW.day_start - 345600000) % 604800000, NEW.agent_id, NEW.call_count, NEW.duration_ms, NEW.positives, NEW.negatives, NEW.change_sum, NEW.change_count, NEW.conversation_calls, NEW.conversation_ms, NEW.silence_ms, NEW.long_silences, NEW.agent_talk_ms, NEW.customer_talk_ms, NEW.agent_interruptions)
        ON CONFLICT (week_start, agent_id) DO UPDATE SET
            call_count = w.call_count + excluded.call_count, duration_ms = w.duration_ms + excluded.duration_ms, positives = w.positives + excluded.positives,
            negatives = w.negatives + excluded.negatives, change_sum = w.change_sum + excluded.change_sum, change_count = w.change_count + excluded.change_count,
            conversation_calls = w.conversation_calls + excluded.conversation_calls, conversation_ms = w.conversation_ms + excluded.conversation_ms, silence_ms = w.silence_ms + excluded.silence_ms,
            long_silences = w.long_silences + excluded.long_silences, agent_talk_ms = w.agent_talk_ms + excluded.agent_talk_ms, customer_talk_ms = w.customer_talk_ms + excluded.customer_talk_ms,
            agent_interruptions = w.agent_interruptions + excluded.agent_interruptions;
    ELSE
        INSERT INTO agent_weeks AS w (week_start, agent_id, call_count, duration_ms, positives, negatives, change_sum, change_count, conversation_calls, conversation_ms, silence_ms, long_silences, agent_talk_ms, customer_talk_ms, agent_interruptions)
        VALUES (NEW.day_start - (NEW.day_start - 345600000) % 604800000, NEW.agent_id, NEW.call_count - OLD.call_count, NEW.duration_ms - OLD.duration_ms, NEW.positives - OLD.positives, NEW.negatives - OLD.negatives, NEW.change_sum - OLD.change_sum, NEW.change_count - OLD.change_count, NEW.conversation_calls - OLD.conversation_calls, NEW.conversation_ms - OLD.conversation_ms, NEW.silence_ms - OLD.silence_ms, NEW.long_silences - OLD.long_silences, NEW.agent_talk_ms - OLD.agent_talk_ms, NEW.customer_talk_ms - OLD.customer_talk_ms, NEW.agent_interruptions - OLD.agent_interruptions)
        ON CONFLICT (week_start, agent_id) DO UPDATE SET
            call_count = w.call_count + excluded.call_count, duration_ms = w.duration_ms + excluded.duration_ms, positives = w.positives + excluded.positives,
            negatives = w.negatives + excluded.negatives, change_sum = w.change_sum + excluded.change_sum, change_count = w.change_count + excluded.change_count,
            conversation_calls = w.conversation_calls + excluded.conversation_calls, conversation_ms = w.conversation_ms + excluded.conversation_ms, silence_ms = w.silence_ms + excluded.silence_ms,
            long_silences = w.long_silences + excluded.long_silences, agent_talk_ms = w.agent_talk_ms + excluded.agent_talk_ms, customer_talk_ms = w.customer_talk_ms + excluded.customer_talk_ms,
            agent_interruptions = w.agent_interruptions + excluded.agent_interruptions;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER agent_weeks_track AFTER INSERT OR UPDATE ON agent_days FOR EACH ROW EXECUTE FUNCTION agent_weeks_track();

INSERT INTO agent_days (day_start, agent_id, call_count, duration_ms, positives, negatives, change_sum, change_count, conversation_calls,
                        conversation_ms, silence_ms, long_silences, agent_talk_ms, customer_talk_ms, agent_interruptions)
SELECT c.started_at - c.started_at % 86400000, c.agent_id, COUNT(*), SUM(c.duration_ms),
       COUNT(*) FILTER (WHERE c.sentiment = 'POSITIVE'), COUNT(*) FILTER (WHERE c.sentiment = 'NEGATIVE'),
       COALESCE(SUM(c.sentiment_change), 0), COUNT(c.sentiment_change),
       COUNT(c.silence_ms), COALESCE(SUM(c.duration_ms) FILTER (WHERE c.silence_ms IS NOT NULL), 0), COALESCE(SUM(c.silence_ms), 0),
       COUNT(*) FILTER (WHERE c.longest_silence_ms >= 30000),
       COALESCE(SUM(s.agent_talk_ms), 0), COALESCE(SUM(s.customer_talk_ms), 0), COALESCE(SUM(s.agent_interruptions), 0)
FROM calls c
LEFT JOIN (SELECT call_id, SUM(CASE WHEN role = 'agent' THEN talk_ms ELSE 0 END) AS agent_talk_ms,
                  SUM(CASE WHEN role = 'customer' THEN talk_ms ELSE 0 END) AS customer_talk_ms,
                  SUM(CASE WHEN role = 'agent' THEN interruptions ELSE 0 END) AS agent_interruptions
           FROM call_speakers GROUP BY call_id) s ON s.call_id = c.id
GROUP BY c.started_at - c.started_at % 86400000, c.agent_id;

-- A call adds its own figures and those of the speakers it has (none when inserted: they are written after it and add
-- theirs, agent_days_speaker). A changed call moves out of its old day and employee and into the new ones. A deleted call
-- is taken out BEFORE the delete, while its speakers are still there; the cascade that then deletes them finds no call
-- (agent_days_speaker changes nothing), so they are not taken out twice.
CREATE FUNCTION agent_days_call() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE agent_days SET
            call_count = call_count - 1, duration_ms = duration_ms - OLD.duration_ms,
            positives = positives - (OLD.sentiment = 'POSITIVE')::int, negatives = negatives - (OLD.sentiment = 'NEGATIVE')::int,
            change_sum = change_sum - COALESCE(OLD.sentiment_change, 0), change_count = change_count - (OLD.sentiment_change IS NOT NULL)::int,
            conversation_calls = conversation_calls - (OLD.silence_ms IS NOT NULL)::int,
            conversation_ms = conversation_ms - CASE WHEN OLD.silence_ms IS NOT NULL THEN OLD.duration_ms ELSE 0 END,
            silence_ms = silence_ms - COALESCE(OLD.silence_ms, 0), long_silences = long_silences - (COALESCE(OLD.longest_silence_ms, 0) >= 30000)::int,
            agent_talk_ms = agent_talk_ms - COALESCE((SELECT SUM(talk_ms) FROM call_speakers WHERE call_id = OLD.id AND role = 'agent'), 0),
            customer_talk_ms = customer_talk_ms - COALESCE((SELECT SUM(talk_ms) FROM call_speakers WHERE call_id = OLD.id AND role = 'customer'), 0),
            agent_interruptions = agent_interruptions - COALESCE((SELECT SUM(interruptions) FROM call_speakers WHERE call_id = OLD.id AND role = 'agent'), 0)
        WHERE day_start = OLD.started_at - OLD.started_at % 86400000 AND agent_id = OLD.agent_id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    INSERT INTO agent_days AS d (day_start, agent_id, call_count, duration_ms, positives, negatives, change_sum, change_count, conversation_calls,
                                 conversation_ms, silence_ms, long_silences, agent_talk_ms, customer_talk_ms, agent_interruptions)
    VALUES (NEW.started_at - NEW.started_at % 86400000, NEW.agent_id, 1, NEW.duration_ms, (NEW.sentiment = 'POSITIVE')::int, (NEW.sentiment = 'NEGATIVE')::int,
            COALESCE(NEW.sentiment_change, 0), (NEW.sentiment_change IS NOT NULL)::int, (NEW.silence_ms IS NOT NULL)::int,
            CASE WHEN NEW.silence_ms IS NOT NULL THEN NEW.duration_ms ELSE 0 END, COALESCE(NEW.silence_ms, 0),
            (COALESCE(NEW.longest_silence_ms, 0) >= 30000)::int,
            COALESCE((SELECT SUM(talk_ms) FROM call_speakers WHERE call_id = NEW.id AND role = 'agent'), 0),
            COALESCE((SELECT SUM(talk_ms) FROM call_speakers WHERE call_id = NEW.id AND role = 'customer'), 0),
            COALESCE((SELECT SUM(interruptions) FROM call_speakers WHERE call_id = NEW.id AND role = 'agent'), 0))
    ON CONFLICT (day_start, agent_id) DO UPDATE SET
        call_count = d.call_count + 1, duration_ms = d.duration_ms + excluded.duration_ms,
        positives = d.positives + excluded.positives, negatives = d.negatives + excluded.negatives,
        change_sum = d.change_sum + excluded.change_sum, change_count = d.change_count + excluded.change_count,
        conversation_calls = d.conversation_calls + excluded.conversation_calls, conversation_ms = d.conversation_ms + excluded.conversation_ms,
        silence_ms = d.silence_ms + excluded.silence_ms, long_silences = d.long_silences + excluded.long_silences,
        agent_talk_ms = d.agent_talk_ms + excluded.agent_talk_ms, customer_talk_ms = d.customer_talk_ms + excluded.customer_talk_ms,
        agent_interruptions = d.agent_interruptions + excluded.agent_interruptions;
    RETURN NULL;
END
$$;

CREATE TRIGGER agent_days_call AFTER INSERT OR UPDATE OF agent_id, started_at, duration_ms, sentiment, sentiment_change, silence_ms, longest_silence_ms ON calls
    FOR EACH ROW EXECUTE FUNCTION agent_days_call();
CREATE TRIGGER agent_days_call_delete BEFORE DELETE ON calls
    FOR EACH ROW EXECUTE FUNCTION agent_days_call();

CREATE FUNCTION agent_days_speaker() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.role IN ('agent', 'customer') THEN
        UPDATE agent_days d SET
            agent_talk_ms = d.agent_talk_ms - CASE WHEN OLD.role = 'agent' THEN OLD.talk_ms ELSE 0 END,
            customer_talk_ms = d.customer_talk_ms - CASE WHEN OLD.role = 'customer' THEN OLD.talk_ms ELSE 0 END,
            agent_interruptions = d.agent_interruptions - CASE WHEN OLD.role = 'agent' THEN OLD.interruptions ELSE 0 END
        FROM calls c
        WHERE c.id = OLD.call_id AND d.day_start = c.started_at - c.started_at % 86400000 AND d.agent_id = c.agent_id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.role IN ('agent', 'customer') THEN
        UPDATE agent_days d SET
            agent_talk_ms = d.agent_talk_ms + CASE WHEN NEW.role = 'agent' THEN NEW.talk_ms ELSE 0 END,
            customer_talk_ms = d.customer_talk_ms + CASE WHEN NEW.role = 'customer' THEN NEW.talk_ms ELSE 0 END,
            agent_interruptions = d.agent_interruptions + CASE WHEN NEW.role = 'agent' THEN NEW.interruptions ELSE 0 END
        FROM calls c
        WHERE c.id = NEW.call_id AND d.day_start = c.started_at - c.started_at % 86400000 AND d.agent_id = c.agent_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER agent_days_speaker AFTER INSERT OR DELETE OR UPDATE OF call_id, role, talk_ms, interruptions ON call_speakers
    FOR EACH ROW EXECUTE FUNCTION agent_days_speaker();
