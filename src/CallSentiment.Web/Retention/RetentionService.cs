using System.Globalization;
using CallSentiment.Web.Access;
using CallSentiment.Web.Recordings;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Retention;

/// <summary>Applies the retention rules (<see cref="RetentionOptions"/>) every interval, oldest calls first, in batches.</summary>
public sealed partial class RetentionService(Db db, IRecordingSource source, CallDeletion deletion, AuditLog audit, IOptions<RetentionOptions> options,
    TimeProvider clock, ILogger<RetentionService> logger) : BackgroundService
{
    private const int Batch = 500;
    public const string Actor = "(retention)";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
            try
            {
                await Task.Delay(options.Value.Interval, clock, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass of every rule; returns (calls deleted, recordings deleted, transcripts removed).</summary>
    public async Task<(int Calls, int Recordings, int Transcripts)> RunOnceAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        static long Cutoff(long now, int days) => now - days * 86_400_000L;
        int calls = 0, recordings = 0, transcripts = 0;

        if (o.CallDays is { } callDays)
        {
            foreach (var key in await KeysAsync("SELECT DISTINCT source_key FROM recordings WHERE started_at < @cutoff ORDER BY source_key LIMIT @limit",
                         Cutoff(now, callDays), cancellationToken).ConfigureAwait(false))
            {
                await deletion.DeleteAsync(key, Actor, $"retention: calls older than {callDays} days", cancellationToken).ConfigureAwait(false);
                calls++;
            }
        }
        if (o.RecordingDays is { } recordingDays)
        {
            const string Mark = "UPDATE recordings SET audio_deleted_at = @now WHERE source_key = @key";
            foreach (var key in await KeysAsync(
                         """
                         SELECT DISTINCT r.source_key FROM recordings r
                         WHERE r.started_at < @cutoff AND r.audio_deleted_at IS NULL
                           AND EXISTS (SELECT 1 FROM jobs j WHERE j.recording_id = r.id AND j.status IN ('done', 'failed', 'dismissed'))
                         ORDER BY r.source_key LIMIT @limit
                         """,
                         Cutoff(now, recordingDays), cancellationToken).ConfigureAwait(false))
            {
                await source.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
                await Redaction.RedactedAudio.DeleteCopyAsync(source, key, cancellationToken).ConfigureAwait(false);
                await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
                await c.ExecuteAsync(new CommandDefinition(Mark, new { key, now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
                recordings++;
            }
        }
        if (o.TranscriptDays is { } transcriptDays)
            transcripts = await RemoveTranscriptsAsync(Cutoff(now, transcriptDays), now, cancellationToken).ConfigureAwait(false);

        if (calls + recordings + transcripts > 0)
        {
            var detail = string.Create(CultureInfo.InvariantCulture, $"{calls} calls deleted, {recordings} recordings deleted, {transcripts} transcripts removed");
            await audit.WriteAsync(Actor, "retention", "retention", detail, null, cancellationToken).ConfigureAwait(false);
            LogApplied(logger, detail);
        }
        return (calls, recordings, transcripts);
    }

    private async Task<IReadOnlyList<string>> KeysAsync(string sql, long cutoff, CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await c.QueryAsync<string>(new CommandDefinition(sql, new { cutoff, limit = Batch }, cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
    }

    /// <summary>The words go (chunk text, word timings, the quotes in the QA reason); the scores and the verdict stay.</summary>
    private async Task<int> RemoveTranscriptsAsync(long cutoff, long now, CancellationToken cancellationToken)
    {
        const string Due = "SELECT id FROM calls WHERE started_at < @cutoff AND transcript_deleted_at IS NULL ORDER BY id LIMIT @limit";
        const string Clear = "UPDATE transcript_chunks SET text = '', words = '[]', note = 'words removed by retention' WHERE call_id = @id";
        const string Mark = "UPDATE calls SET transcript_deleted_at = @now WHERE id = @id";
        const string Reasons = "SELECT id AS Id, reason AS Reason FROM qa_items WHERE call_id = @id";
        const string SetReason = "UPDATE qa_items SET reason = @reason WHERE id = @id";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var ids = (await c.QueryAsync<long>(new CommandDefinition(Due, new { cutoff, limit = Batch }, cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
        foreach (var id in ids)
        {
            await using var tx = await Migrator.BeginAsync(c, cancellationToken).ConfigureAwait(false);
            await c.ExecuteAsync(new CommandDefinition(Clear, new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            foreach (var (itemId, reason) in await c.QueryAsync<(long Id, string Reason)>(new CommandDefinition(Reasons, new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
            {
                var kept = Qa.QaReason.WithoutQuotes(reason);
                if (kept != reason)
                    await c.ExecuteAsync(new CommandDefinition(SetReason, new { id = itemId, reason = kept }, tx,
                        cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
            await c.ExecuteAsync(new CommandDefinition(Mark, new { id, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        return ids.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: {Detail}")]
    private static partial void LogApplied(ILogger logger, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention pass failed; it runs again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
