using CallSentiment.Web.Ingestion;
using CallSentiment.Web.Recordings;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Tests;

/// <summary>The job queue's rules on a real SQLite file, with a clock the test moves.</summary>
public sealed class JobQueueTests : IAsyncLifetime
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"cs-queue-{Guid.NewGuid():N}.db");
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private Db _db = null!;
    private JobQueue _queue = null!;

    public async Task InitializeAsync()
    {
        _db = new SqliteDb($"Data Source={_file}");
        await new Migrator(_db, NullLogger<Migrator>.Instance, _clock).MigrateAsync(CancellationToken.None);
        _queue = new JobQueue(_db, _clock, Options.Create(new IngestionOptions
        {
            LeaseDuration = TimeSpan.FromSeconds(30), MaxAttempts = 3, RetryDelay = TimeSpan.FromSeconds(10),
        }), Options.Create(new CallSentiment.Web.Qa.WebhookOptions()), new FusionModel(),
            new CallSentiment.Web.Categories.CategoryTagger(Options.Create(new CallSentiment.Web.Qa.WebhookOptions())));
        var meta = new CallMetadata("gina", null, _clock.GetUtcNow().AddHours(-1), "g1", null, 0, 1);
        await _queue.EnqueueAsync([new DiscoveredRecording(new RecordingObject("gina/2026-06-01/110000_g1.wav", 10, "v1", _clock.GetUtcNow()), meta)], CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        foreach (var f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(_file) + "*")) File.Delete(f);
    }

    [Fact]
    public async Task Enqueue_SameKeyAndVersionTwice_QueuedOnce()
    {
        var meta = new CallMetadata("gina", null, _clock.GetUtcNow(), "g1", null, 0, 1);
        var again = await _queue.EnqueueAsync([new DiscoveredRecording(new RecordingObject("gina/2026-06-01/110000_g1.wav", 10, "v1", _clock.GetUtcNow()), meta)], CancellationToken.None);
        Assert.Equal(0, again);
        var changed = await _queue.EnqueueAsync([new DiscoveredRecording(new RecordingObject("gina/2026-06-01/110000_g1.wav", 12, "v2", _clock.GetUtcNow()), meta)], CancellationToken.None);
        Assert.Equal(1, changed);
    }

    [Fact]
    public async Task TransientFailure_RetriedWithGrowingBackoff_ThenFailedAfterMaxAttempts()
    {
        var delays = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var job = await _queue.ClaimAsync("w", CancellationToken.None);
            Assert.NotNull(job);
            Assert.Equal(attempt, job.Attempt);
            await _queue.FailAsync(job, "w", "database hiccup", permanent: false, CancellationToken.None);
            var (status, runAfter) = await StateAsync();
            if (attempt < 3)
            {
                Assert.Equal("retrying", status);
                delays.Add(DateTimeOffset.FromUnixTimeMilliseconds(runAfter) - _clock.GetUtcNow());
                Assert.Null(await _queue.ClaimAsync("w", CancellationToken.None)); // not due yet
                _clock.Advance(delays[^1] + TimeSpan.FromMilliseconds(1));
            }
            else
            {
                Assert.Equal("failed", status);
            }
        }
        Assert.InRange(delays[0].TotalSeconds, 7.5, 12.5);   // 10 s ± 25 % jitter
        Assert.InRange(delays[1].TotalSeconds, 15, 25);      // doubled
        Assert.Null(await _queue.ClaimAsync("w", CancellationToken.None));
    }

    [Fact]
    public async Task ExpiredLease_OtherInstanceTakesOver_FirstCannotComplete()
    {
        var first = await _queue.ClaimAsync("a", CancellationToken.None);
        Assert.NotNull(first);
        Assert.Null(await _queue.ClaimAsync("b", CancellationToken.None)); // leased
        _clock.Advance(TimeSpan.FromSeconds(31));
        var second = await _queue.ClaimAsync("b", CancellationToken.None);
        Assert.NotNull(second);
        Assert.False(await _queue.RenewAsync(first, "a", 0.5, CancellationToken.None));
        var analysis = new CallAnalysis(1000, 8000, 2, new Verdict(Sentiment.Neutral, new SentimentScores(0, 0, 1, 0)), null, [], []);
        Assert.Null(await _queue.CompleteAsync(first, "a", analysis, CancellationToken.None));
        Assert.NotNull(await _queue.CompleteAsync(second, "b", analysis, CancellationToken.None));
        await using var c = await _db.OpenAsync(CancellationToken.None);
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM calls"));
        Assert.Equal(["abandoned", "done"], await c.QueryAsync<string>("SELECT outcome FROM job_attempts ORDER BY attempt"));
    }

    private async Task<(string Status, long RunAfter)> StateAsync()
    {
        await using var c = await _db.OpenAsync(CancellationToken.None);
        return await c.QuerySingleAsync<(string, long)>("SELECT status, run_after FROM jobs");
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
