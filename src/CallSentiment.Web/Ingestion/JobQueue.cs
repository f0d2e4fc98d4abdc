using CallSentiment.Web.Categories;
using CallSentiment.Web.Qa;
using CallSentiment.Web.Recordings;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Ingestion;

public sealed record DiscoveredRecording(RecordingObject Object, CallMetadata Metadata);

/// <summary>A key's past: when and by whom it was deleted on purpose (never analysed again), whether it was ever queued, its call.</summary>
public sealed record KeyHistory(DateTimeOffset? DeletedAt, string? DeletedBy, bool Known, long? CallId);

/// <summary>
/// A job this instance holds. <see cref="Attempt"/> counts towards MaxAttempts (reset by a manual retry);
/// <see cref="Run"/> numbers the job's runs in job_attempts and never repeats.
/// </summary>
public sealed record ClaimedJob(long JobId, long RecordingId, long Attempt, long Run, string SourceKey, CallMetadata Metadata);

/// <summary>
/// Durable analysis jobs: one per recording version, claimed under a lease that the worker renews. A job whose
/// lease runs out (its instance died) is claimed again; on PostgreSQL and MySQL instances skip rows another holds
/// (FOR UPDATE SKIP LOCKED), on SQLite the file's write lock serialises claims. Results are written in the same
/// transaction that marks the job done, and only while the lease is still the worker's: nothing is doubled.
/// </summary>
public sealed class JobQueue(Db db, TimeProvider clock, IOptions<IngestionOptions> options, IOptions<WebhookOptions> webhook, FusionModel fusion,
    CategoryTagger categories)
{
    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The versions already known under a key prefix, so a poll only touches the database for new files.</summary>
    public async Task<HashSet<(string Key, string Version)>> KnownVersionsAsync(string prefix, CancellationToken cancellationToken)
    {
        // Keys compare bytewise (SQLite; PostgreSQL column collation "C"; MySQL utf8mb4_bin), so a prefix is an index range.
        const string Sql = """
            SELECT source_key AS SourceKey, version AS Version FROM recordings
            WHERE source_key >= @from AND source_key < @to
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await c.QueryAsync<(string Key, string Version)>(new CommandDefinition(Sql,
            new { from = prefix, to = prefix + char.ConvertFromUtf32(0x10FFFF) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToHashSet();
    }

    /// <summary>Queues the recordings not seen before (same key and version = same recording); returns how many were new.</summary>
    public async Task<int> EnqueueAsync(IReadOnlyList<DiscoveredRecording> found, CancellationToken cancellationToken)
    {
        const string InsertAgent = "INSERT INTO agents (name, display_name) VALUES (@name, @display) ON CONFLICT (name) DO NOTHING";
        const string UpdateAgentName = "UPDATE agents SET display_name = @display WHERE name = @name AND (display_name IS NULL OR display_name <> @display)";
        const string InsertRecording = """
            INSERT INTO recordings (source_key, version, size_bytes, agent_id, call_ref, customer_ref, started_at, agent_channel, customer_channel, discovered_at)
            SELECT @key, @version, @size, a.id, @callRef, @customerRef, @startedAt, @agentChannel, @customerChannel, @now
            FROM agents a WHERE a.name = @agent
              AND NOT EXISTS (SELECT 1 FROM deleted_recordings d WHERE d.source_key = @key) -- deleted on purpose: never again
            ON CONFLICT (source_key, version) DO NOTHING
            RETURNING id
            """;
        const string InsertJob = """
            INSERT INTO jobs (recording_id, status, call_started_at, attempts, run_after, progress, created_at, updated_at)
            VALUES (@recordingId, 'queued', @startedAt, 0, @now, 0, @now, @now)
            """;
        // MySQL has neither ON CONFLICT nor INSERT … RETURNING: a duplicate (another instance's discovery got there first)
        // is a no-op update, and a recording is new when it has no job yet (its job is made in the same transaction).
        const string MySqlInsertAgent = "INSERT INTO agents (name, display_name) VALUES (@name, @display) ON DUPLICATE KEY UPDATE name = name";
        const string MySqlInsertRecording = """
            INSERT INTO recordings (source_key, version, size_bytes, agent_id, call_ref, customer_ref, started_at, agent_channel, customer_channel, discovered_at)
            SELECT @key, @version, @size, a.id, @callRef, @customerRef, @startedAt, @agentChannel, @customerChannel, @now
            FROM agents a WHERE a.name = @agent
              AND NOT EXISTS (SELECT 1 FROM deleted_recordings d WHERE d.source_key = @key)
            ON DUPLICATE KEY UPDATE recordings.id = recordings.id
            """;
        const string MySqlNewRecording = """
            SELECT r.id FROM recordings r
            WHERE r.source_key = @key AND r.version = @version AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.recording_id = r.id)
            """;
        const string ClearProblem = "DELETE FROM source_problems WHERE source_key = @key";
        if (found.Count == 0) return 0;
        var now = Now;
        var added = 0;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await Migrator.BeginAsync(c, cancellationToken).ConfigureAwait(false);
        foreach (var (o, m) in found)
        {
            await c.ExecuteAsync(new CommandDefinition(db.IsMySql ? MySqlInsertAgent : InsertAgent, new { name = m.Agent, display = m.AgentName }, tx,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (m.AgentName is not null)
                await c.ExecuteAsync(new CommandDefinition(UpdateAgentName, new { name = m.Agent, display = m.AgentName }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var startedAt = m.StartedAt.ToUnixTimeMilliseconds();
            var recording = new
            {
                key = o.Key, version = o.Version, size = o.Size, agent = m.Agent, callRef = m.CallId, customerRef = m.CustomerId,
                startedAt, agentChannel = (long)m.AgentChannel, customerChannel = (long)m.CustomerChannel, now,
            };
            long? id;
            if (db.IsMySql)
            {
                await c.ExecuteAsync(new CommandDefinition(MySqlInsertRecording, recording, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                id = await c.ExecuteScalarAsync<long?>(new CommandDefinition(MySqlNewRecording, new { key = o.Key, version = o.Version }, tx,
                    cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
            else
                id = await c.ExecuteScalarAsync<long?>(new CommandDefinition(InsertRecording, recording, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (id is not { } recordingId) continue;
            await c.ExecuteAsync(new CommandDefinition(InsertJob, new { recordingId, startedAt, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(new CommandDefinition(ClearProblem, new { key = o.Key }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            added++;
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return added;
    }

    /// <summary>What the database knows of a key before an upload writes it: deleted on purpose, and by whom; or analysed before.</summary>
    public async Task<KeyHistory> KeyHistoryAsync(string key, CancellationToken cancellationToken)
    {
        const string Deleted = "SELECT deleted_at AS DeletedAt, deleted_by AS DeletedBy FROM deleted_recordings WHERE source_key = @key";
        const string Known = "SELECT COUNT(*) FROM recordings WHERE source_key = @key";
        const string CallId = "SELECT id FROM calls WHERE source_key = @key";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var deleted = await c.QuerySingleOrDefaultAsync<DeletedRow>(new CommandDefinition(Deleted, new { key },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        var versions = await c.ExecuteScalarAsync<long>(new CommandDefinition(Known, new { key }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var callId = await c.ExecuteScalarAsync<long?>(new CommandDefinition(CallId, new { key }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new KeyHistory(deleted is { } d ? DateTimeOffset.FromUnixTimeMilliseconds(d.DeletedAt) : null, deleted?.DeletedBy, versions > 0, callId);
    }

    private sealed record DeletedRow(long DeletedAt, string DeletedBy);

    /// <summary>Hides a failed job from the status page and its counts; the recording stays known, so it is not queued again.</summary>
    public async Task<bool> DismissFailedAsync(long jobId, CancellationToken cancellationToken)
    {
        const string Sql = "UPDATE jobs SET status = 'dismissed', updated_at = @now WHERE id = @jobId AND status = 'failed'";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteAsync(new CommandDefinition(Sql, new { jobId, now = Now }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    public async Task RecordProblemAsync(string key, string reason, CancellationToken cancellationToken)
    {
        const string Sql = """
            INSERT INTO source_problems (source_key, reason, first_seen, last_seen) VALUES (@key, @reason, @now, @now)
            ON CONFLICT (source_key) DO UPDATE SET reason = excluded.reason, last_seen = excluded.last_seen
            """;
        const string MySql = """
            INSERT INTO source_problems (source_key, reason, first_seen, last_seen) VALUES (@key, @reason, @now, @now)
            ON DUPLICATE KEY UPDATE reason = @reason, last_seen = @now
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(db.IsMySql ? MySql : Sql, new { key, reason, now = Now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Takes the newest runnable job (queued, due for retry, or abandoned by a dead instance), or null.</summary>
    public async Task<ClaimedJob?> ClaimAsync(string instance, CancellationToken cancellationToken)
    {
        const string Candidates = """
            (status IN ('queued', 'retrying') AND run_after <= @now) OR (status = 'running' AND lease_until < @now)
            """;
        const string PostgresClaim = $"""
            WITH next AS (
                SELECT id FROM jobs WHERE {Candidates}
                ORDER BY call_started_at DESC, id LIMIT 1
                FOR UPDATE SKIP LOCKED)
            UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = @instance, lease_until = @until,
                progress = 0, updated_at = @now
            FROM next WHERE jobs.id = next.id
            RETURNING jobs.id AS JobId, jobs.recording_id AS RecordingId, jobs.attempts AS Attempt
            """;
        const string SqliteClaim = $"""
            UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = @instance, lease_until = @until,
                progress = 0, updated_at = @now
            WHERE id = (SELECT id FROM jobs WHERE {Candidates} ORDER BY call_started_at DESC, id LIMIT 1)
            RETURNING id AS JobId, recording_id AS RecordingId, attempts AS Attempt
            """;
        // MySQL: no UPDATE … RETURNING, so the row is locked (skipping rows other instances hold), updated, then read.
        const string MySqlPick = $"""
            SELECT id FROM jobs WHERE {Candidates}
            ORDER BY call_started_at DESC, id LIMIT 1
            FOR UPDATE SKIP LOCKED
            """;
        const string MySqlTake = """
            UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = @instance, lease_until = @until,
                progress = 0, updated_at = @now
            WHERE id = @id
            """;
        const string MySqlTaken = "SELECT id AS JobId, recording_id AS RecordingId, attempts AS Attempt FROM jobs WHERE id = @id";
        const string Abandon = """
            UPDATE job_attempts SET finished_at = @now, outcome = 'abandoned', error = 'lease expired: the instance stopped or died'
            WHERE job_id = @JobId AND finished_at IS NULL
            """;
        const string Attempt = """
            INSERT INTO job_attempts (job_id, attempt, instance, started_at)
            SELECT @JobId, COALESCE(MAX(attempt), 0) + 1, @instance, @now FROM job_attempts WHERE job_id = @JobId
            RETURNING attempt
            """;
        const string MySqlAttempt = """
            INSERT INTO job_attempts (job_id, attempt, instance, started_at)
            SELECT @JobId, COALESCE(MAX(attempt), 0) + 1, @instance, @now FROM job_attempts WHERE job_id = @JobId
            """;
        const string MySqlRun = "SELECT MAX(attempt) FROM job_attempts WHERE job_id = @JobId";
        const string Recording = """
            SELECT r.source_key AS SourceKey, a.name AS Agent, a.display_name AS AgentName, r.started_at AS StartedAt, r.call_ref AS CallRef,
                   r.customer_ref AS CustomerRef, r.agent_channel AS AgentChannel, r.customer_channel AS CustomerChannel,
                   r.roles_swapped AS RolesSwapped
            FROM recordings r JOIN agents a ON a.id = r.agent_id WHERE r.id = @RecordingId
            """;
        var now = Now;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await Migrator.BeginAsync(c, cancellationToken).ConfigureAwait(false);
        var until = now + (long)options.Value.LeaseDuration.TotalMilliseconds;
        ClaimRow? job;
        if (db.IsMySql)
        {
            job = null;
            if (await c.ExecuteScalarAsync<long?>(new CommandDefinition(MySqlPick, new { now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) is { } id)
            {
                await c.ExecuteAsync(new CommandDefinition(MySqlTake, new { id, instance, now, until }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                job = await c.QuerySingleAsync<ClaimRow>(new CommandDefinition(MySqlTaken, new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
        }
        else
            job = await c.QuerySingleOrDefaultAsync<ClaimRow>(new CommandDefinition(db.IsPostgres ? PostgresClaim : SqliteClaim,
                new { instance, now, until }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (job is null)
        {
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        await c.ExecuteAsync(new CommandDefinition(Abandon, new { job.JobId, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        long run;
        if (db.IsMySql)
        {
            await c.ExecuteAsync(new CommandDefinition(MySqlAttempt, new { job.JobId, instance, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            run = await c.ExecuteScalarAsync<long>(new CommandDefinition(MySqlRun, new { job.JobId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        else
            run = await c.ExecuteScalarAsync<long>(new CommandDefinition(Attempt, new { job.JobId, instance, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var r = await c.QuerySingleAsync<RecordingRow>(new CommandDefinition(Recording, new { job.RecordingId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        // A supervisor's swap exchanges the channel roles here, so every stage sees the corrected roles; the flag itself
        // tells the transcript stage to swap the roles its rule gives diarized speakers of a mono call.
        var swapped = r.RolesSwapped != 0;
        return new ClaimedJob(job.JobId, job.RecordingId, job.Attempt, run, r.SourceKey, new CallMetadata(
            r.Agent, r.AgentName, DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAt), r.CallRef, r.CustomerRef,
            (int)(swapped ? r.CustomerChannel : r.AgentChannel), (int)(swapped ? r.AgentChannel : r.CustomerChannel), swapped));
    }

    private sealed record ClaimRow(long JobId, long RecordingId, long Attempt);

    private sealed record CallRecordingRow(long AgentId, string CallRef, string? CustomerRef, long StartedAt);

    private sealed record RecordingRow(string SourceKey, string Agent, string? AgentName, long StartedAt, string CallRef, string? CustomerRef,
        long AgentChannel, long CustomerChannel, long RolesSwapped);

    /// <summary>Extends the lease and records progress; false when the lease was lost (another instance took the job).</summary>
    public async Task<bool> RenewAsync(ClaimedJob job, string instance, double progress, CancellationToken cancellationToken)
    {
        const string Sql = """
            UPDATE jobs SET lease_until = @until, progress = @progress, updated_at = @now
            WHERE id = @JobId AND status = 'running' AND lease_owner = @instance
            """;
        var now = Now;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteAsync(new CommandDefinition(Sql, new
        {
            job.JobId, instance, progress, now, until = now + (long)options.Value.LeaseDuration.TotalMilliseconds,
        }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Stores the analysis and marks the job done, atomically, if the lease is still ours. A re-analysed version of
    /// the same key replaces the call's previous results. Returns the call id, or null when the lease was lost.
    /// </summary>
    public async Task<long?> CompleteAsync(ClaimedJob job, string instance, CallAnalysis a, CancellationToken cancellationToken)
    {
        const string Done = """
            UPDATE jobs SET status = 'done', progress = 1, lease_owner = NULL, lease_until = NULL, last_error = NULL,
                finished_at = @now, updated_at = @now
            WHERE id = @JobId AND status = 'running' AND lease_owner = @instance
            """;
        const string AttemptDone = "UPDATE job_attempts SET finished_at = @now, outcome = 'done' WHERE job_id = @JobId AND attempt = @Run";
        // A call keeps its id across re-analyses (swapped roles, a new version of the file): links, audit targets and API
        // clients name calls by id. Its row is updated in place and its derived rows are written afresh.
        const string ExistingCall = "SELECT id FROM calls WHERE source_key = @SourceKey";
        const string UpdateCall = """
            UPDATE calls SET recording_id = @RecordingId, agent_id = @agentId, call_ref = @callRef, customer_ref = @customerRef, started_at = @startedAt,
                duration_ms = @durationMs, sentiment = @sentiment, confidence = @confidence, positive = @positive, negative = @negative,
                neutral = @neutral, mixed = @mixed, dominant_emotion = @dominant, channel_count = @channelCount, sample_rate = @sampleRate,
                agent_channel = @agentChannel, customer_channel = @customerChannel, analyzed_at = @now, customer_sentiment = @customerSentiment,
                agent_sentiment = @agentSentiment, sentiment_change = @change, silence_ms = @silenceMs, longest_silence_ms = @longestSilenceMs,
                overlap_ms = @overlapMs, interruptions = @interruptions, speaker_separation = @separation, low_confidence = @lowConfidence,
                confidence_note = @confidenceNote, fusion_version = @fusionVersion, transcript_deleted_at = NULL
            WHERE id = @callId
            """;
        const string RecordingFields = """
            SELECT agent_id AS AgentId, call_ref AS CallRef, customer_ref AS CustomerRef, started_at AS StartedAt FROM recordings WHERE id = @RecordingId
            """;
        string[] deleteDerived =
        [
            "DELETE FROM call_channels WHERE call_id = @callId", "DELETE FROM emotion_windows WHERE call_id = @callId",
            "DELETE FROM stage_results WHERE call_id = @callId", "DELETE FROM call_speakers WHERE call_id = @callId",
            "DELETE FROM transcript_chunks WHERE call_id = @callId",
        ];
        const string InsertCallRow = """
            INSERT INTO calls (source_key, recording_id, agent_id, call_ref, customer_ref, started_at, duration_ms, sentiment, confidence,
                               positive, negative, neutral, mixed, dominant_emotion, channel_count, sample_rate, agent_channel, customer_channel, analyzed_at,
                               customer_sentiment, agent_sentiment, sentiment_change, silence_ms, longest_silence_ms, overlap_ms, interruptions,
                               speaker_separation, low_confidence, confidence_note, fusion_version)
            SELECT r.source_key, r.id, r.agent_id, r.call_ref, r.customer_ref, r.started_at, @durationMs, @sentiment, @confidence,
                   @positive, @negative, @neutral, @mixed, @dominant, @channelCount, @sampleRate, @agentChannel, @customerChannel, @now,
                   @customerSentiment, @agentSentiment, @change, @silenceMs, @longestSilenceMs, @overlapMs, @interruptions, @separation,
                   @lowConfidence, @confidenceNote, @fusionVersion
            FROM recordings r WHERE r.id = @RecordingId
            """;
        const string InsertCall = InsertCallRow + " RETURNING id";
        // MySQL: the same inserts without RETURNING; the new id is LAST_INSERT_ID() of this connection.
        const string LastId = "SELECT CAST(LAST_INSERT_ID() AS SIGNED)";
        const string MySqlInsertSpeaker = """
            INSERT INTO call_speakers (call_id, speaker, role, channel, talk_ms, words, interruptions, sentiment, positive, negative, neutral, mixed,
                                       text_sentiment, voice_sentiment, q1, q2, q3, q4, `change`, low_confidence, evidence)
            VALUES (@callId, @speaker, @role, @channel, @talkMs, @words, @interruptions, @sentiment, @positive, @negative, @neutral, @mixed,
                    @textSentiment, @voiceSentiment, @q1, @q2, @q3, @q4, @change, @lowConfidence, @evidence)
            """;
        const string LinkQa = "UPDATE qa_items SET call_id = @callId WHERE source_key = @SourceKey";
        const string InsertQaRow = """
            INSERT INTO qa_items (source_key, call_id, agent_id, call_started_at, created_at, status, reason)
            SELECT r.source_key, @callId, r.agent_id, r.started_at, @now, 'open', @reason FROM recordings r
            WHERE r.id = @RecordingId AND NOT EXISTS (SELECT 1 FROM qa_items q WHERE q.source_key = r.source_key)
            """;
        const string InsertQa = InsertQaRow + " RETURNING id";
        const string InsertEvent = """
            INSERT INTO webhook_deliveries (qa_item_id, event, payload, status, attempts, next_attempt_at, created_at)
            VALUES (@itemId, 'negative-call', @payload, 'pending', 0, @now, @now)
            """;
        const string InsertChannel = """
            INSERT INTO call_channels (call_id, channel, role, voiced_seconds, dominant_emotion, negative, neutral, positive)
            VALUES (@callId, @Channel, @Role, @VoicedSeconds, @DominantEmotion, @Negative, @Neutral, @Positive)
            """;
        const string InsertWindow = """
            INSERT INTO emotion_windows (call_id, channel, start_ms, end_ms, emotion, negative, neutral, positive, probabilities)
            VALUES (@callId, @channel, @StartMs, @EndMs, @Emotion, @Negative, @Neutral, @Positive, @Probabilities)
            """;
        const string InsertSpeaker = """
            INSERT INTO call_speakers (call_id, speaker, role, channel, talk_ms, words, interruptions, sentiment, positive, negative, neutral, mixed,
                                       text_sentiment, voice_sentiment, q1, q2, q3, q4, change, low_confidence, evidence)
            VALUES (@callId, @speaker, @role, @channel, @talkMs, @words, @interruptions, @sentiment, @positive, @negative, @neutral, @mixed,
                    @textSentiment, @voiceSentiment, @q1, @q2, @q3, @q4, @change, @lowConfidence, @evidence)
            """;
        const string InsertChunk = """
            INSERT INTO transcript_chunks (call_id, seq, speaker, role, start_ms, end_ms, text, words, sentiment, positive, negative, neutral, mixed, note, confidence)
            VALUES (@callId, @seq, @speaker, @role, @startMs, @endMs, @text, @words, @sentiment, @positive, @negative, @neutral, @mixed, @note, @confidence)
            """;
        const string InsertStage = """
            INSERT INTO stage_results (call_id, stage, sentiment, positive, negative, neutral, mixed, detail, elapsed_ms)
            VALUES (@callId, @stage, @sentiment, @positive, @negative, @neutral, @mixed, @detail, @elapsed)
            """;
        var now = Now;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await Migrator.BeginAsync(c, cancellationToken).ConfigureAwait(false);
        if (await c.ExecuteAsync(new CommandDefinition(Done, new { job.JobId, instance, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) != 1)
        {
            await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        await c.ExecuteAsync(new CommandDefinition(AttemptDone, new { job.JobId, job.Run, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var s = a.Verdict.Scores;
        var conv = a.Conversation;
        var call = new
        {
            job.RecordingId, durationMs = a.DurationMs, sentiment = a.Verdict.Sentiment.ToLabel(), confidence = a.Verdict.Confidence,
            positive = s.Positive, negative = s.Negative, neutral = s.Neutral, mixed = s.Mixed, dominant = a.DominantEmotion,
            channelCount = (long)a.ChannelCount, sampleRate = (long)a.SampleRate, now,
            agentChannel = (long)job.Metadata.AgentChannel, customerChannel = (long)job.Metadata.CustomerChannel,
            customerSentiment = conv?.Customer?.Mood?.Fused?.Sentiment.ToLabel(), agentSentiment = conv?.Agent?.Mood?.Fused?.Sentiment.ToLabel(),
            change = conv?.Customer?.Mood?.Change, silenceMs = conv?.SilenceMs, longestSilenceMs = conv?.LongestSilenceMs,
            overlapMs = conv?.OverlapMs, interruptions = (long?)conv?.Interruptions, separation = conv?.Separation,
            lowConfidence = a.LowConfidence ? 1L : 0L, confidenceNote = conv?.Customer?.Mood?.Fusion?.Why,
            fusionVersion = a.FusionVersion,
        };
        long callId;
        if (await c.ExecuteScalarAsync<long?>(new CommandDefinition(ExistingCall, new { job.SourceKey }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) is { } existing)
        {
            callId = existing;
            var r = await c.QuerySingleAsync<CallRecordingRow>(new CommandDefinition(RecordingFields, new { job.RecordingId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            foreach (var delete in deleteDerived)
                await c.ExecuteAsync(new CommandDefinition(delete, new { callId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(new CommandDefinition(UpdateCall, new
            {
                callId, job.RecordingId, agentId = r.AgentId, callRef = r.CallRef, customerRef = r.CustomerRef, startedAt = r.StartedAt, call.durationMs, call.sentiment, call.confidence,
                call.positive, call.negative, call.neutral, call.mixed, call.dominant, call.channelCount, call.sampleRate, call.agentChannel,
                call.customerChannel, now, call.customerSentiment, call.agentSentiment, call.change, call.silenceMs, call.longestSilenceMs,
                call.overlapMs, call.interruptions, call.separation, call.lowConfidence, call.confidenceNote, call.fusionVersion,
            }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        else if (db.IsMySql)
        {
            await c.ExecuteAsync(new CommandDefinition(InsertCallRow, call, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            callId = await c.ExecuteScalarAsync<long>(new CommandDefinition(LastId, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        else
            callId = await c.ExecuteScalarAsync<long>(new CommandDefinition(InsertCall, call, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        // The service-recovery queue learns of a negative customer in the same transaction: no negative call is missed.
        await c.ExecuteAsync(new CommandDefinition(LinkQa, new { callId, job.SourceKey }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (QaReason.IsNegative(a))
        {
            var reason = QaReason.Describe(a, fusion);
            long? itemId;
            if (db.IsMySql)
                itemId = await c.ExecuteAsync(new CommandDefinition(InsertQaRow, new { callId, job.RecordingId, now, reason }, tx,
                    cancellationToken: cancellationToken)).ConfigureAwait(false) == 1
                    ? await c.ExecuteScalarAsync<long>(new CommandDefinition(LastId, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false)
                    : null;
            else
                itemId = await c.ExecuteScalarAsync<long?>(new CommandDefinition(InsertQa, new { callId, job.RecordingId, now, reason }, tx,
                    cancellationToken: cancellationToken)).ConfigureAwait(false);
            // A new queue item is an event for the webhook, in the same transaction (the outbox): sent later, never lost.
            if (itemId is { } id && webhook.Value.Enabled)
                await c.ExecuteAsync(new CommandDefinition(InsertEvent, new { itemId = id, payload = QaReason.EventJson(id, callId, job.Metadata, a, reason, now, webhook.Value.PublicBaseUrl), now },
                    tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        if (conv is not null)
        {
            await c.ExecuteAsync(new CommandDefinition(db.IsMySql ? MySqlInsertSpeaker : InsertSpeaker, conv.Speakers.Select(sp =>
            {
                var f = sp.Mood?.Fused;
                var q = sp.Mood?.Quarters ?? new double?[4];
                return new
                {
                    callId, speaker = (long)sp.Speaker, role = sp.Role, channel = (long?)sp.Channel, talkMs = sp.TalkMs, words = (long)sp.Words,
                    interruptions = (long)sp.Interruptions, sentiment = f?.Sentiment.ToLabel(), positive = f?.Scores.Positive,
                    negative = f?.Scores.Negative, neutral = f?.Scores.Neutral, mixed = f?.Scores.Mixed,
                    textSentiment = sp.Mood?.Text?.Sentiment.ToLabel(), voiceSentiment = sp.Mood?.Voice?.Sentiment.ToLabel(),
                    q1 = q[0], q2 = q[1], q3 = q[2], q4 = q[3], change = sp.Mood?.Change,
                    lowConfidence = sp.Mood?.Fusion is { } fm ? (fm.LowConfidence ? 1L : 0L) : (long?)null, evidence = EvidenceJson(sp.Mood),
                };
            }), tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(new CommandDefinition(InsertChunk, conv.Chunks.Select((k, i) => new
            {
                callId, seq = (long)i, speaker = (long)k.Speaker, role = k.Role, startMs = k.StartMs, endMs = k.EndMs, text = k.Text, words = k.WordsJson,
                sentiment = k.Verdict?.Sentiment.ToLabel(), positive = k.Verdict?.Scores.Positive, negative = k.Verdict?.Scores.Negative,
                neutral = k.Verdict?.Scores.Neutral, mixed = k.Verdict?.Scores.Mixed, note = k.Note, confidence = Math.Round(k.Confidence, 4),
            }), tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        foreach (var ch in a.Channels)
        {
            await c.ExecuteAsync(new CommandDefinition(InsertChannel, new
            {
                callId, Channel = (long)ch.Channel, ch.Role, ch.VoicedSeconds, ch.DominantEmotion, ch.Negative, ch.Neutral, ch.Positive,
            }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(new CommandDefinition(InsertWindow, ch.Windows.Select(w => new
            {
                callId, channel = (long)ch.Channel, w.StartMs, w.EndMs, w.Emotion, w.Negative, w.Neutral, w.Positive, w.Probabilities,
            }), tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        foreach (var st in a.Stages)
        {
            var v = st.Verdict;
            await c.ExecuteAsync(new CommandDefinition(InsertStage, new
            {
                callId, stage = st.Stage, sentiment = v?.Sentiment.ToLabel(), positive = v?.Scores.Positive, negative = v?.Scores.Negative,
                neutral = v?.Scores.Neutral, mixed = v?.Scores.Mixed, detail = st.Detail, elapsed = st.ElapsedMs,
            }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        // Categories in the same transaction: a call is never visible untagged, and a category alert is never lost.
        await categories.TagAsync(c, tx, callId, a, job.Metadata, now, cancellationToken).ConfigureAwait(false);
        await Redaction.RedactionAudit.WriteAsync(c, tx, callId, a, now, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return callId;
    }

    /// <summary>The fused probabilities and each stage's trusted evidence, as the call page shows them.</summary>
    /// <summary>
    /// What the combiner was given and what it concluded, per speaker: everything <see cref="FusionEvidence"/> holds
    /// (so QA corrections can refit the combiner without the audio, <c>callsentiment calibrate</c>) and the fused
    /// probabilities with the reason for low confidence.
    /// </summary>
    private static string? EvidenceJson(SpeakerMood? mood) => mood?.Evidence is not { } e || mood.Fusion is not { } f ? null :
        System.Text.Json.JsonSerializer.Serialize(new
        {
            negative = Math.Round(f.Negative, 4), neutral = Math.Round(f.Neutral, 4), positive = Math.Round(f.Positive, 4), why = f.Why,
            textNegative = Math.Round(e.TextNegative, 4), textNeutral = Math.Round(e.TextNeutral, 4), textPositive = Math.Round(e.TextPositive, 4),
            textSeconds = Math.Round(e.TextSeconds, 2), textWeight = Math.Round(e.TextWeight, 4), wordConfidence = Math.Round(e.WordConfidence, 4),
            voiceNegative = Math.Round(e.VoiceNegative, 4), voiceNeutral = Math.Round(e.VoiceNeutral, 4), voicePositive = Math.Round(e.VoicePositive, 4),
            voiceSeconds = Math.Round(e.VoiceSeconds, 2), voiceWeight = Math.Round(e.VoiceWeight, 4),
        });

    /// <summary>
    /// Records a failure: a permanent one (the file is not audio, …) or the last allowed attempt fails the job with
    /// the reason; otherwise it is retried after a doubling, jittered delay. True when the job is now failed for good.
    /// </summary>
    public async Task<bool> FailAsync(ClaimedJob job, string instance, string reason, bool permanent, CancellationToken cancellationToken)
    {
        const string Sql = """
            UPDATE jobs SET status = @status, run_after = @runAfter, last_error = @reason, lease_owner = NULL, lease_until = NULL,
                updated_at = @now, finished_at = CASE WHEN @status = 'failed' THEN @now ELSE NULL END
            WHERE id = @JobId AND lease_owner = @instance
            """;
        const string AttemptFailed = "UPDATE job_attempts SET finished_at = @now, outcome = @status, error = @reason WHERE job_id = @JobId AND attempt = @Run";
        var o = options.Value;
        var now = Now;
        var final = permanent || job.Attempt >= o.MaxAttempts;
        var delay = o.RetryDelay.TotalMilliseconds * Math.Pow(2, job.Attempt - 1) * (0.75 + 0.5 * Random.Shared.NextDouble());
        var status = final ? "failed" : "retrying";
        if (reason.Length > 2000) reason = reason[..2000];
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await Migrator.BeginAsync(c, cancellationToken).ConfigureAwait(false);
        var p = new { job.JobId, job.Run, instance, reason, now, status, runAfter = now + (long)delay };
        if (await c.ExecuteAsync(new CommandDefinition(Sql, p, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1)
            await c.ExecuteAsync(new CommandDefinition(AttemptFailed, p, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return final;
    }

    /// <summary>Gives a job back on shutdown so another instance takes it at once; the attempt does not count.</summary>
    public async Task ReleaseAsync(ClaimedJob job, string instance, CancellationToken cancellationToken)
    {
        const string Sql = """
            UPDATE jobs SET status = 'queued', attempts = attempts - 1, lease_owner = NULL, lease_until = NULL, progress = 0, updated_at = @now
            WHERE id = @JobId AND lease_owner = @instance AND status = 'running'
            """;
        const string AttemptReleased = "DELETE FROM job_attempts WHERE job_id = @JobId AND attempt = @Run";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await Migrator.BeginAsync(c, cancellationToken).ConfigureAwait(false);
        if (await c.ExecuteAsync(new CommandDefinition(Sql, new { job.JobId, instance, now = Now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1)
            await c.ExecuteAsync(new CommandDefinition(AttemptReleased, new { job.JobId, job.Run }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Puts failed jobs (one, or all when <paramref name="jobId"/> is null) back in the queue with fresh attempts.</summary>
    public async Task<int> RetryFailedAsync(long? jobId, CancellationToken cancellationToken)
    {
        const string Sql = """
            UPDATE jobs SET status = 'queued', attempts = 0, run_after = @now, updated_at = @now, finished_at = NULL
            WHERE status = 'failed' AND (@jobId IS NULL OR id = @jobId)
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteAsync(new CommandDefinition(Sql, new { jobId, now = Now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task HeartbeatAsync(string instance, CancellationToken cancellationToken)
    {
        const string Sql = """
            INSERT INTO worker_heartbeats (instance, beat_at) VALUES (@instance, @now)
            ON CONFLICT (instance) DO UPDATE SET beat_at = excluded.beat_at
            """;
        const string MySql = "INSERT INTO worker_heartbeats (instance, beat_at) VALUES (@instance, @now) ON DUPLICATE KEY UPDATE beat_at = @now";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(db.IsMySql ? MySql : Sql, new { instance, now = Now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
