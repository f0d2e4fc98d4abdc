using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Web.Ingestion;

public sealed record StatusCounts(long Queued, long Running, long Retrying, long Done, long Failed)
{
    public long Total => Queued + Running + Retrying + Done + Failed;
}

public sealed record JobRow(long Id, string SourceKey, string Status, long Attempts, double Progress, string? LastError, string? LeaseOwner, long UpdatedAt, long RunAfter)
{
    public DateTimeOffset Updated => DateTimeOffset.FromUnixTimeMilliseconds(UpdatedAt);

    public DateTimeOffset NextRun => DateTimeOffset.FromUnixTimeMilliseconds(RunAfter);

    /// <summary>The "in progress" table's note (the page and its refresh show the same words), times in <paramref name="zone"/>.</summary>
    public string Note(TimeZoneInfo zone) => Status == "retrying"
        ? $"next try {TimeZoneInfo.ConvertTime(NextRun, zone).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)}: {LastError}"
        : "";
}

public sealed record ProblemRow(string SourceKey, string Reason, long LastSeen)
{
    public DateTimeOffset Seen => DateTimeOffset.FromUnixTimeMilliseconds(LastSeen);
}

public sealed record HeartbeatRow(string Instance, long BeatAt)
{
    public DateTimeOffset Beat => DateTimeOffset.FromUnixTimeMilliseconds(BeatAt);
}

public sealed record IngestionStatus(StatusCounts Counts, IReadOnlyList<JobRow> Active, IReadOnlyList<JobRow> Failed,
    IReadOnlyList<ProblemRow> Problems, IReadOnlyList<HeartbeatRow> Workers, long DoneLastHour, double AudioHoursLastHour);

public sealed class StatusQueries(Db db, TimeProvider clock)
{
    public async Task<StatusCounts> CountsAsync(CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT COUNT(CASE WHEN status = 'queued' THEN 1 END) AS Queued,
                   COUNT(CASE WHEN status = 'running' THEN 1 END) AS Running,
                   COUNT(CASE WHEN status = 'retrying' THEN 1 END) AS Retrying,
                   COUNT(CASE WHEN status = 'done' THEN 1 END) AS Done,
                   COUNT(CASE WHEN status = 'failed' THEN 1 END) AS Failed
            FROM jobs
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.QuerySingleAsync<StatusCounts>(new CommandDefinition(Sql, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IngestionStatus> GetAsync(CancellationToken cancellationToken)
    {
        const string Jobs = """
            SELECT j.id AS Id, r.source_key AS SourceKey, j.status AS Status, j.attempts AS Attempts, j.progress AS Progress,
                   j.last_error AS LastError, j.lease_owner AS LeaseOwner, j.updated_at AS UpdatedAt, j.run_after AS RunAfter
            FROM jobs j JOIN recordings r ON r.id = j.recording_id
            """;
        const string ActiveSql = Jobs + " WHERE j.status IN ('running', 'retrying') ORDER BY j.status, j.updated_at DESC LIMIT 50";
        const string FailedSql = Jobs + " WHERE j.status = 'failed' ORDER BY j.updated_at DESC LIMIT 100";
        const string ProblemsSql = "SELECT source_key AS SourceKey, reason AS Reason, last_seen AS LastSeen FROM source_problems ORDER BY last_seen DESC, source_key LIMIT 100";
        const string WorkersSql = "SELECT instance AS Instance, beat_at AS BeatAt FROM worker_heartbeats WHERE beat_at >= @since ORDER BY instance";
        const string ThroughputSql = """
            SELECT COUNT(*) AS Done, CAST(COALESCE(SUM(c.duration_ms), 0) AS BIGINT) AS AudioMs
            FROM jobs j JOIN calls c ON c.recording_id = j.recording_id
            WHERE j.status = 'done' AND j.finished_at >= @since
            """;
        // MySQL sums integers as DECIMAL and casts to SIGNED (BIGINT), a type name PostgreSQL does not know.
        const string MySqlThroughputSql = """
            SELECT COUNT(*) AS Done, CAST(COALESCE(SUM(c.duration_ms), 0) AS SIGNED) AS AudioMs
            FROM jobs j JOIN calls c ON c.recording_id = j.recording_id
            WHERE j.status = 'done' AND j.finished_at >= @since
            """;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var counts = await CountsAsync(cancellationToken).ConfigureAwait(false);
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var active = await c.QueryAsync<JobRow>(new CommandDefinition(ActiveSql, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var failed = await c.QueryAsync<JobRow>(new CommandDefinition(FailedSql, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var problems = await c.QueryAsync<ProblemRow>(new CommandDefinition(ProblemsSql, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var workers = await c.QueryAsync<HeartbeatRow>(new CommandDefinition(WorkersSql, new { since = now - 24 * 3600_000L }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var (done, audioMs) = await c.QuerySingleAsync<(long, long)>(new CommandDefinition(db.IsMySql ? MySqlThroughputSql : ThroughputSql, new { since = now - 3600_000L }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new IngestionStatus(counts, active.ToList(), failed.ToList(), problems.ToList(), workers.ToList(), done, audioMs / 3_600_000.0);
    }

    /// <summary>Newest heartbeat of any worker instance, for the readiness check.</summary>
    public async Task<DateTimeOffset?> LastHeartbeatAsync(CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var ms = await c.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT MAX(beat_at) FROM worker_heartbeats", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;
    }
}
