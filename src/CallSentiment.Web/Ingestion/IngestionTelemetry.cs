using System.Diagnostics.Metrics;
using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Web.Ingestion;

/// <summary>
/// Operational metrics of ingestion (for ops' Prometheus, not the dashboard's call figures in Metrics/): analyses by
/// outcome, time per stage and per recording, audio analysed and its speed against real time, and the job queue's
/// depth and oldest age by state. The queue gauges report the snapshot <see cref="RefreshQueueAsync"/> read last,
/// which the scrape endpoint refreshes just before each scrape: one grouped query, no blocking call in a callback.
/// </summary>
public sealed class IngestionTelemetry
{
    public const string MeterName = "CallSentiment.Ingestion";

    /// <summary>The job states, in the order the queue moves a job through them.</summary>
    public static readonly IReadOnlyList<string> States = ["queued", "running", "retrying", "done", "failed"];

    private static readonly string[] WaitingStates = ["queued", "running", "retrying"];

    private readonly Counter<long> _analyses;
    private readonly Counter<double> _audioSeconds;
    private readonly Histogram<double> _analysisSeconds;
    private readonly Histogram<double> _stageSeconds;
    private readonly Histogram<double> _realTimeFactor;
    private readonly Db _db;
    private readonly TimeProvider _clock;
    private volatile QueueSnapshot _queue = new([], 0);

    // A class, not a positional record: SQLite reports no column types for an empty result, which Dapper's
    // constructor matching needs.
    private sealed class QueueRow
    {
        public string Status { get; init; } = "";

        public long Jobs { get; init; }

        public long OldestCreatedAt { get; init; }
    }

    private sealed record QueueSnapshot(IReadOnlyList<QueueRow> Rows, long ReadAt);

    public IngestionTelemetry(IMeterFactory meters, Db db, TimeProvider clock)
    {
        _db = db;
        _clock = clock;
        var meter = meters.Create(MeterName);
        _analyses = meter.CreateCounter<long>("callsentiment.analyses", "{analysis}",
            "Analyses of recordings by outcome: done, retrying (a transient failure, tried again later), failed, lease_lost, released (given back on shutdown)");
        _audioSeconds = meter.CreateCounter<double>("callsentiment.analysis.audio", "s", "Seconds of audio analysed (recordings whose analysis was stored)");
        _analysisSeconds = meter.CreateHistogram("callsentiment.analysis.duration", "s", "Wall time of one recording's analysis, all stages",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _stageSeconds = meter.CreateHistogram("callsentiment.analysis.stage.duration", "s", "Wall time of one analysis stage on one recording",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _realTimeFactor = meter.CreateHistogram("callsentiment.analysis.speed", "{x_real_time}",
            "Seconds of audio per second of analysis wall time (x real time), per recording",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2, 4, 8, 16, 32, 64, 128] });
        meter.CreateObservableGauge("callsentiment.queue.jobs", ObserveDepth, "{job}", "Jobs in the analysis queue by state");
        meter.CreateObservableGauge("callsentiment.queue.oldest_age", ObserveAge, "s",
            "Age (since it was queued) of the oldest job in each waiting state: queued, running, retrying");
    }

    private static readonly double[] SecondsBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000];

    public void RecordOutcome(string outcome) => _analyses.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>A stored analysis: its outcome, audio seconds, speed and the time each stage took.</summary>
    public void RecordAnalysed(CallAnalysis analysis, TimeSpan wall)
    {
        RecordOutcome("done");
        var audio = analysis.DurationMs / 1000.0;
        _audioSeconds.Add(audio);
        _analysisSeconds.Record(wall.TotalSeconds);
        if (wall > TimeSpan.Zero && audio > 0) _realTimeFactor.Record(audio / wall.TotalSeconds);
        foreach (var stage in analysis.Stages)
            _stageSeconds.Record(stage.ElapsedMs / 1000.0, new KeyValuePair<string, object?>("stage", stage.Stage));
    }

    /// <summary>Reads the queue's depth and oldest job per state (served by ix_jobs_status).</summary>
    public async Task RefreshQueueAsync(CancellationToken cancellationToken)
    {
        const string Sql = "SELECT status AS Status, COUNT(*) AS Jobs, MIN(created_at) AS OldestCreatedAt FROM jobs GROUP BY status";
        await using var c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await c.QueryAsync<QueueRow>(new CommandDefinition(Sql, cancellationToken: cancellationToken)).ConfigureAwait(false);
        _queue = new QueueSnapshot(rows.ToList(), _clock.GetUtcNow().ToUnixTimeMilliseconds());
    }

    private IEnumerable<Measurement<long>> ObserveDepth()
    {
        var q = _queue;
        // Every state is reported, 0 included, so a drained queue reads 0 rather than vanishing from the scrape.
        foreach (var state in States)
            yield return new Measurement<long>(q.Rows.FirstOrDefault(r => r.Status == state)?.Jobs ?? 0, new KeyValuePair<string, object?>("state", state));
    }

    private IEnumerable<Measurement<double>> ObserveAge()
    {
        var q = _queue;
        foreach (var state in WaitingStates)
        {
            var row = q.Rows.FirstOrDefault(r => r.Status == state);
            var age = row is null ? 0 : Math.Max(0, q.ReadAt - row.OldestCreatedAt) / 1000.0;
            yield return new Measurement<double>(age, new KeyValuePair<string, object?>("state", state));
        }
    }
}
