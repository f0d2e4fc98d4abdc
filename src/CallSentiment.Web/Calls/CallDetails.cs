using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Web.Calls;

public sealed record CallDetail(long Id, string SourceKey, string Agent, string? AgentName, string CallRef, string? CustomerRef, long StartedAt,
    long DurationMs, string Sentiment, double Confidence, double Positive, double Negative, double Neutral, double Mixed,
    string? DominantEmotion, long ChannelCount, long SampleRate, long AgentChannel, long CustomerChannel, long AnalyzedAt,
    string? CustomerSentiment, string? AgentSentiment, double? SentimentChange, long? SilenceMs, long? LongestSilenceMs, long? OverlapMs,
    long? Interruptions, string? SpeakerSeparation, long RolesSwapped, long LowConfidence, string? ConfidenceNote, string? FusionVersion)
{
    public DateTimeOffset Started => DateTimeOffset.FromUnixTimeMilliseconds(StartedAt);
}

public sealed record ChannelRow(long Channel, string Role, double VoicedSeconds, string? DominantEmotion, double Negative, double Neutral, double Positive);

public sealed record WindowRow(long Channel, long StartMs, long EndMs, string Emotion, double Negative, double Neutral, double Positive);

public sealed record StageRow(string Stage, string? Sentiment, double? Positive, double? Negative, double? Neutral, double? Mixed, string? Detail, long ElapsedMs);

public sealed record SpeakerRow(long Speaker, string Role, long? Channel, long TalkMs, long Words, long Interruptions, string? Sentiment,
    double? Positive, double? Negative, double? Neutral, double? Mixed, string? TextSentiment, string? VoiceSentiment,
    double? Q1, double? Q2, double? Q3, double? Q4, double? Change, long? LowConfidence, string? Evidence)
{
    public double?[] Quarters => [Q1, Q2, Q3, Q4];

    /// <summary>What the fused verdict rested on, in words ("words 12 s, recogniser confidence 0.58; voice 9 s"), or null.</summary>
    public string? EvidenceText
    {
        get
        {
            if (Evidence is null) return null;
            using var doc = System.Text.Json.JsonDocument.Parse(Evidence);
            var e = doc.RootElement;
            double D(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number ? v.GetDouble() : 0;
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"words {D("textSeconds"):0} s (recogniser confidence {D("wordConfidence"):0.00}, weight {D("textWeight"):0.00}); voice {D("voiceSeconds"):0} s (weight {D("voiceWeight"):0.00})");
        }
    }
}

public sealed record ChunkRow(long Seq, long Speaker, string Role, long StartMs, long EndMs, string Text, string Words, string? Sentiment,
    double? Positive, double? Negative, double? Neutral, double? Mixed, string? Note);

public sealed record CallView(CallDetail Call, IReadOnlyList<ChannelRow> Channels, IReadOnlyList<WindowRow> Windows, IReadOnlyList<StageRow> Stages,
    IReadOnlyList<SpeakerRow> Speakers, IReadOnlyList<ChunkRow> Chunks);

public sealed class CallDetails(Db db)
{
    public async Task<CallView?> GetAsync(long id, CancellationToken cancellationToken)
    {
        const string CallSql = """
            SELECT c.id AS Id, c.source_key AS SourceKey, a.name AS Agent, a.display_name AS AgentName, c.call_ref AS CallRef,
                   c.customer_ref AS CustomerRef, c.started_at AS StartedAt, c.duration_ms AS DurationMs, c.sentiment AS Sentiment,
                   c.confidence AS Confidence, c.positive AS Positive, c.negative AS Negative, c.neutral AS Neutral, c.mixed AS Mixed,
                   c.dominant_emotion AS DominantEmotion, c.channel_count AS ChannelCount, c.sample_rate AS SampleRate,
                   c.agent_channel AS AgentChannel, c.customer_channel AS CustomerChannel, c.analyzed_at AS AnalyzedAt,
                   c.customer_sentiment AS CustomerSentiment, c.agent_sentiment AS AgentSentiment, c.sentiment_change AS SentimentChange,
                   c.silence_ms AS SilenceMs, c.longest_silence_ms AS LongestSilenceMs, c.overlap_ms AS OverlapMs, c.interruptions AS Interruptions,
                   c.speaker_separation AS SpeakerSeparation, r.roles_swapped AS RolesSwapped, c.low_confidence AS LowConfidence,
                   c.confidence_note AS ConfidenceNote, c.fusion_version AS FusionVersion
            FROM calls c JOIN agents a ON a.id = c.agent_id JOIN recordings r ON r.id = c.recording_id WHERE c.id = @id
            """;
        const string ChannelsSql = """
            SELECT channel AS Channel, role AS Role, voiced_seconds AS VoicedSeconds, dominant_emotion AS DominantEmotion,
                   negative AS Negative, neutral AS Neutral, positive AS Positive
            FROM call_channels WHERE call_id = @id ORDER BY channel
            """;
        const string WindowsSql = """
            SELECT channel AS Channel, start_ms AS StartMs, end_ms AS EndMs, emotion AS Emotion, negative AS Negative, neutral AS Neutral, positive AS Positive
            FROM emotion_windows WHERE call_id = @id ORDER BY channel, start_ms
            """;
        const string StagesSql = """
            SELECT stage AS Stage, sentiment AS Sentiment, positive AS Positive, negative AS Negative, neutral AS Neutral, mixed AS Mixed,
                   detail AS Detail, elapsed_ms AS ElapsedMs
            FROM stage_results WHERE call_id = @id ORDER BY stage
            """;
        const string SpeakersSql = """
            SELECT speaker AS Speaker, role AS Role, channel AS Channel, talk_ms AS TalkMs, words AS Words, interruptions AS Interruptions,
                   sentiment AS Sentiment, positive AS Positive, negative AS Negative, neutral AS Neutral, mixed AS Mixed,
                   text_sentiment AS TextSentiment, voice_sentiment AS VoiceSentiment, q1 AS Q1, q2 AS Q2, q3 AS Q3, q4 AS Q4, change AS Change,
                   low_confidence AS LowConfidence, evidence AS Evidence
            FROM call_speakers WHERE call_id = @id ORDER BY speaker
            """;
        // CHANGE is a reserved word in MySQL: quoted there (and PostgreSQL has no backquotes).
        const string MySqlSpeakersSql = """
            SELECT speaker AS Speaker, role AS Role, channel AS Channel, talk_ms AS TalkMs, words AS Words, interruptions AS Interruptions,
                   sentiment AS Sentiment, positive AS Positive, negative AS Negative, neutral AS Neutral, mixed AS Mixed,
                   text_sentiment AS TextSentiment, voice_sentiment AS VoiceSentiment, q1 AS Q1, q2 AS Q2, q3 AS Q3, q4 AS Q4, `change` AS `Change`,
                   low_confidence AS LowConfidence, evidence AS Evidence
            FROM call_speakers WHERE call_id = @id ORDER BY speaker
            """;
        const string ChunksSql = """
            SELECT seq AS Seq, speaker AS Speaker, role AS Role, start_ms AS StartMs, end_ms AS EndMs, text AS Text, words AS Words,
                   sentiment AS Sentiment, positive AS Positive, negative AS Negative, neutral AS Neutral, mixed AS Mixed, note AS Note
            FROM transcript_chunks WHERE call_id = @id ORDER BY seq
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var call = await c.QuerySingleOrDefaultAsync<CallDetail>(new CommandDefinition(CallSql, new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (call is null) return null;
        var channels = await c.QueryAsync<ChannelRow>(new CommandDefinition(ChannelsSql, new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var windows = await c.QueryAsync<WindowRow>(new CommandDefinition(WindowsSql, new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var stages = await c.QueryAsync<StageRow>(new CommandDefinition(StagesSql, new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var speakers = await c.QueryAsync<SpeakerRow>(new CommandDefinition(db.IsMySql ? MySqlSpeakersSql : SpeakersSql, new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var chunks = await c.QueryAsync<ChunkRow>(new CommandDefinition(ChunksSql, new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new CallView(call, channels.ToList(), windows.ToList(), stages.ToList(), speakers.ToList(), chunks.ToList());
    }

    /// <summary>
    /// Swaps who is the agent and who the customer on a call's recording and queues the recording for analysis again,
    /// so every figure (verdict, per-speaker sentiment, dashboard filters) follows the corrected roles. False when the
    /// call does not exist.
    /// </summary>
    public async Task<bool> SwapRolesAsync(long id, long now, CancellationToken cancellationToken)
    {
        const string Swap = """
            UPDATE recordings SET roles_swapped = 1 - roles_swapped
            WHERE id = (SELECT recording_id FROM calls WHERE id = @id)
            """;
        const string Requeue = """
            UPDATE jobs SET status = 'queued', attempts = 0, run_after = @now, progress = 0, last_error = NULL, updated_at = @now, finished_at = NULL
            WHERE recording_id = (SELECT recording_id FROM calls WHERE id = @id) AND status <> 'running'
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await Migrator.BeginAsync(c, cancellationToken).ConfigureAwait(false);
        var changed = await c.ExecuteAsync(new CommandDefinition(Swap, new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 1) await c.ExecuteAsync(new CommandDefinition(Requeue, new { id, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed == 1;
    }

    public async Task<string?> SourceKeyAsync(long id, CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT source_key FROM calls WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
