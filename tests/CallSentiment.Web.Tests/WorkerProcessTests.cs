using System.Data.Common;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;
using MySqlConnector;
using Npgsql;

namespace CallSentiment.Web.Tests;

/// <summary>
/// Real worker processes sharing one database (PostgreSQL or MariaDB, the subclasses below) and one recordings folder:
/// every recording is analysed exactly once with two instances racing for jobs, and a worker killed mid-batch loses
/// and doubles nothing.
/// </summary>
public abstract class WorkerProcessTests : IAsyncLifetime
{
    protected abstract string Provider { get; }

    protected abstract Task<string> CreateDatabaseAsync();

    protected abstract DbConnection Connect(string connectionString);

    /// <summary>The schema is not there yet (the workers have not migrated).</summary>
    protected abstract bool IsMissingTable(DbException e);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "cs-workers-" + Guid.NewGuid().ToString("N")[..8]);
    private string Recordings => Path.Combine(_root, "recordings");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Recordings);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    private void WriteCalls(int count, int turns)
    {
        var start = new DateTime(2026, 4, 6, 8, 0, 0);
        Parallel.For(0, count, i =>
            TestCalls.Write(Recordings, $"agent{i % 3}", start.AddMinutes(7 * i), $"w{i:000}", (CustomerMood)(i % 3), turns));
    }

    private Dictionary<string, string> Settings(string connectionString, string instance, string lease = "00:00:30") => new()
    {
        ["Storage:Provider"] = Provider,
        ["Storage:ConnectionString"] = connectionString,
        ["Recordings:Folder"] = Recordings,
        ["Recordings:TimeZone"] = "UTC",
        ["Ingestion:PollInterval"] = "00:00:01",
        ["Ingestion:SettleTime"] = "00:00:00",
        ["Ingestion:Concurrency"] = "1",
        ["Ingestion:LeaseDuration"] = lease,
        ["Ingestion:InstanceName"] = instance,
        ["DataProtection:KeysFolder"] = Path.Combine(_root, "keys"),
        // These tests are about claims, leases and crashes across processes: voice-only analysis keeps a batch short
        // enough to run many calls (the transcript path has its own tests, ConversationTests).
        ["Transcription:Engine"] = "None",
    };

    private static async Task<(AppProcess, AppProcess)> StartBothAsync(Dictionary<string, string> first, Dictionary<string, string> second)
    {
        var starting = new[] { AppProcess.StartAsync(first), AppProcess.StartAsync(second) };
        try
        {
            var started = await Task.WhenAll(starting);
            return (started[0], started[1]);
        }
        catch
        {
            foreach (var t in starting.Where(t => t.IsCompletedSuccessfully))
                await (await t).DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task TwoWorkerProcesses_OneDatabase_EveryRecordingAnalysedExactlyOnce()
    {
        const int Count = 24;
        WriteCalls(Count, turns: 6);
        var db = await CreateDatabaseAsync();
        // worker-b runs worker-only: no pages, no endpoints but health.
        var workerOnly = Settings(db, "worker-b");
        workerOnly["Web:Enabled"] = "false";
        // Both start at once: started one after the other on a busy machine, the first could finish every call
        // before the second claims one, and the race this test is about would not happen.
        var (a, b) = await StartBothAsync(Settings(db, "worker-a"), workerOnly);
        await using var _a = a;
        await using var _b = b;
        using (var probe = new HttpClient { BaseAddress = b.BaseAddress })
        {
            // Nothing is mapped, so nothing answers (the fallback policy refuses the unknown paths; the sign-in page is not there).
            foreach (var path in new[] { "login", "status/progress", "" })
                Assert.NotEqual(System.Net.HttpStatusCode.OK, (await probe.GetAsync(new Uri(path, UriKind.Relative))).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await probe.GetAsync(new Uri("health/live", UriKind.Relative))).StatusCode);
        }
        await WaitAsync(db, c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE status = 'done'"), Count, TimeSpan.FromMinutes(3));

        await using var c = Connect(db);
        Assert.Equal(Count, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM recordings"));
        Assert.Equal(Count, await c.ExecuteScalarAsync<long>("SELECT COUNT(DISTINCT source_key) FROM calls"));
        Assert.Equal(Count, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM calls"));
        // Each job was claimed and run once: one attempt per job, none abandoned or repeated.
        Assert.Equal(Count, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM job_attempts"));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE attempts <> 1"));
        // Both instances did real work, so the claims genuinely raced.
        var perInstance = (await c.QueryAsync<(string Instance, long N)>("SELECT instance, COUNT(*) FROM job_attempts GROUP BY instance")).ToDictionary(r => r.Instance, r => r.N);
        Assert.True(perInstance.GetValueOrDefault("worker-a") > 0 && perInstance.GetValueOrDefault("worker-b") > 0, string.Join(", ", perInstance));
    }

    [Fact]
    public async Task WorkerKilledMidBatch_Restarted_NothingLostNothingDoubled()
    {
        const int Count = 16;
        WriteCalls(Count, turns: 60); // ~3.5 min calls, so a batch takes long enough to interrupt
        var db = await CreateDatabaseAsync();
        var first = await AppProcess.StartAsync(Settings(db, "worker-1", lease: "00:00:03"));
        await WaitAsync(db, c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE status = 'done'"), 3, TimeSpan.FromMinutes(2));
        // Kill while a job is running (wait for one to be claimed after the third finished).
        await WaitAsync(db, c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE status = 'running'"), 1, TimeSpan.FromMinutes(1));
        first.Kill();
        await first.DisposeAsync();

        long doneAtKill, runningAtKill;
        await using (var c = Connect(db))
        {
            doneAtKill = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE status = 'done'");
            runningAtKill = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE status = 'running'");
        }
        Assert.True(doneAtKill < Count, "the batch finished before the kill; the test proves nothing");
        Assert.Equal(1, runningAtKill);

        await using var second = await AppProcess.StartAsync(Settings(db, "worker-2", lease: "00:00:03"));
        await WaitAsync(db, c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE status = 'done'"), Count, TimeSpan.FromMinutes(4));

        await using var check = Connect(db);
        Assert.Equal(Count, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM calls"));
        Assert.Equal(Count, await check.ExecuteScalarAsync<long>("SELECT COUNT(DISTINCT source_key) FROM calls"));
        Assert.Equal(0, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE status <> 'done'"));
        // The job in flight at the kill was abandoned by worker-1 and finished by worker-2, once.
        var abandoned = (await check.QueryAsync<(long Job, string Instance)>("SELECT job_id, instance FROM job_attempts WHERE outcome = 'abandoned'")).ToList();
        var lost = Assert.Single(abandoned);
        Assert.Equal("worker-1", lost.Instance);
        Assert.Equal("done", await check.ExecuteScalarAsync<string>("SELECT outcome FROM job_attempts WHERE job_id = @Job AND instance = 'worker-2'", new { lost.Job }));
        Assert.Equal(Count, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM job_attempts WHERE outcome = 'done'"));
    }

    private async Task WaitAsync(string db, Func<DbConnection, Task<long>> probe, long target, TimeSpan limit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long value = 0;
        while (clock.Elapsed < limit)
        {
            await using (var c = Connect(db))
            {
                try { value = await probe(c); }
                catch (DbException e) when (IsMissingTable(e)) { value = 0; } // not migrated yet
            }
            if (value >= target) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"reached {value} of {target} in {limit}");
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresWorkerProcessTests(PostgresCluster cluster) : WorkerProcessTests
{
    protected override string Provider => "Postgres";

    protected override Task<string> CreateDatabaseAsync() => cluster.CreateDatabaseAsync();

    protected override DbConnection Connect(string connectionString) => new NpgsqlConnection(connectionString);

    protected override bool IsMissingTable(DbException e) => e is PostgresException { SqlState: "42P01" };
}

public sealed class MySqlWorkerProcessTests(MariaDbServer server) : WorkerProcessTests, IClassFixture<MariaDbServer>
{
    protected override string Provider => "MySql";

    protected override Task<string> CreateDatabaseAsync() => server.CreateDatabaseAsync();

    protected override DbConnection Connect(string connectionString) => new MySqlConnection(connectionString);

    protected override bool IsMissingTable(DbException e) => e is MySqlException { ErrorCode: MySqlErrorCode.NoSuchTable };
}
