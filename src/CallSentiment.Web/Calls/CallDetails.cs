using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Web.Calls;

public sealed record CallDetail(long Id, string SourceKey, string Agent, string? AgentName, string CallRef, string? CustomerRef, long StartedAt,
    long DurationMs, string Sentiment, double Confidence, double Positive, double Negative, double Neutral, double Mixed,
    string? DominantEmotion, long ChannelCount, long SampleRate, long AgentChannel, long CustomerChannel, long AnalyzedAt)
{
    public DateTimeOffset Started => DateTimeOffset.FromUnixTimeMilliseconds(StartedAt);
}

public sealed record ChannelRow(long Channel, string Role, double VoicedSeconds, string? DominantEmotion, double Negative, double Neutral, double Positive);

public sealed record WindowRow(long Channel, long StartMs, long EndMs, string Emotion, double Negative, double Neutral, double Positive);

public sealed record StageRow(string Stage, string? Sentiment, double? Positive, double? Negative, double? Neutral, double? Mixed, string? Detail, long ElapsedMs);

public sealed record CallView(CallDetail Call, IReadOnlyList<ChannelRow> Channels, IReadOnlyList<WindowRow> Windows, IReadOnlyList<StageRow> Stages);

public sealed class CallDetails(Db db)
{
    public async Task<CallView?> GetAsync(long id, CancellationToken cancellationToken)
    {
        const string CallSql = """
            SELECT c.id AS Id, c.source_key AS SourceKey, a.name AS Agent, a.display_name AS AgentName, c.call_ref AS CallRef,
                   c.customer_ref AS CustomerRef, c.started_at AS StartedAt, c.duration_ms AS DurationMs, c.sentiment AS Sentiment,
                   c.confidence AS Confidence, c.positive AS Positive, c.negative AS Negative, c.neutral AS Neutral, c.mixed AS Mixed,
                   c.dominant_emotion AS DominantEmotion, c.channel_count AS ChannelCount, c.sample_rate AS SampleRate,
                   c.agent_channel AS AgentChannel, c.customer_channel AS CustomerChannel, c.analyzed_at AS AnalyzedAt
            FROM calls c JOIN agents a ON a.id = c.agent_id WHERE c.id = @id
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
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var call = await c.QuerySingleOrDefaultAsync<CallDetail>(new CommandDefinition(CallSql, new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (call is null) return null;
        var channels = await c.QueryAsync<ChannelRow>(new CommandDefinition(ChannelsSql, new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var windows = await c.QueryAsync<WindowRow>(new CommandDefinition(WindowsSql, new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var stages = await c.QueryAsync<StageRow>(new CommandDefinition(StagesSql, new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new CallView(call, channels.ToList(), windows.ToList(), stages.ToList());
    }

    public async Task<string?> SourceKeyAsync(long id, CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT source_key FROM calls WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
