using CallSentiment.Web.Recordings;
using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Web.Retention;

/// <summary>
/// Deletes a recording and everything derived from it: the object in the source, the call with its channels, emotion
/// windows, speakers, transcript, stage results and categories, its QA item with notes and webhook events (category alerts too), the jobs and their
/// attempts, and the recording rows of every version; the key is kept as a tombstone so it is never analysed again.
/// The audit log keeps who did it (it is the record of the deletion, so it names the key and nothing else).
/// </summary>
public sealed class CallDeletion(Db db, IRecordingSource source, TimeProvider clock)
{
    public async Task<string?> SourceKeyOfCallAsync(long callId, CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT source_key FROM calls WHERE id = @callId", new { callId },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// The object goes first: when the source refuses (permissions, network) nothing in the database changes and the
    /// caller gets the error. Then one transaction removes the rows and writes the tombstone.
    /// </summary>
    public async Task DeleteAsync(string sourceKey, string deletedBy, string reason, CancellationToken cancellationToken)
    {
        const string Tombstone = """
            INSERT INTO deleted_recordings (source_key, deleted_at, deleted_by, reason) VALUES (@key, @now, @deletedBy, @reason)
            ON CONFLICT (source_key) DO UPDATE SET deleted_at = excluded.deleted_at, deleted_by = excluded.deleted_by, reason = excluded.reason
            """;
        const string MySqlTombstone = """
            INSERT INTO deleted_recordings (source_key, deleted_at, deleted_by, reason) VALUES (@key, @now, @deletedBy, @reason)
            ON DUPLICATE KEY UPDATE deleted_at = @now, deleted_by = @deletedBy, reason = @reason
            """;
        string[] statements =
        [
            "DELETE FROM verdict_labels WHERE source_key = @key",
            "DELETE FROM qa_items WHERE source_key = @key",
            "DELETE FROM webhook_deliveries WHERE call_id IN (SELECT id FROM calls WHERE source_key = @key)",
            "DELETE FROM calls WHERE source_key = @key",
            "DELETE FROM job_attempts WHERE job_id IN (SELECT j.id FROM jobs j JOIN recordings r ON r.id = j.recording_id WHERE r.source_key = @key)",
            "DELETE FROM jobs WHERE recording_id IN (SELECT id FROM recordings WHERE source_key = @key)",
            "DELETE FROM recordings WHERE source_key = @key",
            "DELETE FROM source_problems WHERE source_key = @key",
        ];
        await source.DeleteAsync(sourceKey, cancellationToken).ConfigureAwait(false);
        await source.DeleteAsync(RecordingKey.SidecarOf(sourceKey), cancellationToken).ConfigureAwait(false);
        await Redaction.RedactedAudio.DeleteCopyAsync(source, sourceKey, cancellationToken).ConfigureAwait(false);
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await Migrator.BeginAsync(c, cancellationToken).ConfigureAwait(false);
        foreach (var sql in statements)
            await c.ExecuteAsync(new CommandDefinition(sql, new { key = sourceKey }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(db.IsMySql ? MySqlTombstone : Tombstone, new { key = sourceKey, now = clock.GetUtcNow().ToUnixTimeMilliseconds(), deletedBy, reason }, tx,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
