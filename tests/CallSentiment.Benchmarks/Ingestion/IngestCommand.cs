using System.Diagnostics;
using System.Globalization;
using CallSentiment.Cli;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CallSentiment.Benchmarks.Ingestion;

/// <summary>
/// ingest: N real calls in a folder, the app started as a process on it with a new SQLite database and default
/// ingestion settings (concurrency = one recording per core); wall time from process start until every job has
/// finished, audio seconds analysed and the resulting multiple of real time.
/// </summary>
internal static class IngestCommand
{
    public static async Task<int> RunAsync(Args args)
    {
        var count = args.Int("calls", 40, 1, 10_000);
        var minutes = args.Double("minutes", 2, 0.1, 120);
        args.EnsureAllUsed();
        var work = Directory.CreateTempSubdirectory("callsentiment-bench-ingest-");
        try
        {
            var recordings = Path.Combine(work.FullName, "recordings");
            var dbFile = Path.Combine(work.FullName, "ingest.db");
            var moods = new[] { CustomerMood.Calm, CustomerMood.Angry, CustomerMood.Happy };
            var day = new DateTime(2026, 3, 2, 9, 0, 0);
            var settled = TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(-10);
            var fileSeconds = 0.0;
            for (var i = 0; i < count; i++)
            {
                var wav = CallFiles.Build(moods[i % moods.Length], minutes * 60, seed: i);
                fileSeconds += CallFiles.DurationSeconds(wav);
                var path = Path.Combine(recordings, CallFiles.Key($"agent{i % 8:00}", day.AddMinutes(15 * i), $"bench{i:0000}"));
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllBytesAsync(path, wav);
                // Already settled: discovery queues them on its first pass.
                File.SetLastWriteTimeUtc(path, settled);
            }
            Print($"wrote {count} calls, {fileSeconds:0} s of audio ({fileSeconds / count:0} s each; moods calm/angry/happy in turn) to {recordings}");

            var settings = new Dictionary<string, string>
            {
                ["Storage:Provider"] = "Sqlite",
                ["Storage:ConnectionString"] = $"Data Source={dbFile}",
                ["Recordings:Folder"] = recordings,
                ["Recordings:TimeZone"] = "UTC",
                ["Dashboard:TimeZone"] = "UTC",
                ["DataProtection:KeysFolder"] = Path.Combine(work.FullName, "keys"),
            };
            var clock = Stopwatch.StartNew();
            await using var app = await AppProcess.StartAsync(settings);
            var live = clock.Elapsed;
            await using var db = new SqliteDb($"Data Source={dbFile}");
            while (true)
            {
                if (app.HasExited) throw new InvalidOperationException($"the app exited:\n{app.Output}");
                var (finished, pending) = File.Exists(dbFile) ? await JobCountsAsync(db) : (0, 0);
                if (finished >= count && pending == 0) break;
                if (clock.Elapsed > TimeSpan.FromHours(2)) throw new TimeoutException($"{finished} of {count} jobs finished after 2 h");
                await Task.Delay(50);
            }
            var wall = clock.Elapsed.TotalSeconds;
            await using var c = await db.OpenAsync(CancellationToken.None);
            var r = await c.QuerySingleAsync<(long Calls, long AudioMs, long Failed, long FirstClaim, long LastDone, long StageMs)>("""
                SELECT (SELECT COUNT(*) FROM calls), (SELECT COALESCE(SUM(duration_ms), 0) FROM calls),
                       (SELECT COUNT(*) FROM jobs WHERE status = 'failed'),
                       (SELECT MIN(started_at) FROM job_attempts), (SELECT MAX(finished_at) FROM jobs),
                       (SELECT COALESCE(SUM(elapsed_ms), 0) FROM stage_results WHERE stage = 'voice-emotion')
                """);
            var audio = r.AudioMs / 1000.0;
            var busy = (r.LastDone - r.FirstClaim) / 1000.0;
            Print($"calls analysed: {r.Calls} of {count} ({r.Failed} failed); default concurrency: one recording per core, {Environment.ProcessorCount} cores");
            Print($"audio analysed: {audio:0.0} s");
            Print($"wall time from process start to all jobs done: {wall:0.0} s (app live after {live.TotalSeconds:0.0} s)");
            Print($"x real time (audio / wall from start): {audio / wall:0.0}");
            Print($"x real time while analysing (first claim to last job done, {busy:0.0} s): {audio / busy:0.0}");
            Print($"voice stage per recording (audio / summed stage time, one worker): {audio / (r.StageMs / 1000.0):0.0} x real time");
            var verdicts = (await c.QueryAsync<(string Key, string Sentiment)>("SELECT source_key, sentiment FROM calls")).ToList();
            foreach (var (mood, m) in moods.Select((mood, m) => (mood, m)))
            {
                var judged = verdicts.Where(v => MoodIndex(v.Key) % moods.Length == m).GroupBy(v => v.Sentiment).OrderByDescending(g => g.Count())
                    .Select(g => $"{g.Key} {g.Count()}");
                Print($"verdicts, {mood.ToString().ToLowerInvariant()} customers: {string.Join(", ", judged)}");
            }
            return r.Calls == count ? 0 : 1;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            work.Delete(recursive: true);
        }
    }

    /// <summary>Jobs finished (done or failed) and not finished; zero until the app has created the schema.</summary>
    private static async Task<(long Finished, long Pending)> JobCountsAsync(Db db)
    {
        try
        {
            await using var c = await db.OpenAsync(CancellationToken.None);
            return await c.QuerySingleAsync<(long, long)>("""
                SELECT COALESCE(SUM(CASE WHEN status IN ('done', 'failed') THEN 1 ELSE 0 END), 0),
                       COALESCE(SUM(CASE WHEN status IN ('done', 'failed') THEN 0 ELSE 1 END), 0)
                FROM jobs
                """);
        }
        catch (SqliteException)
        {
            return (0, 0);
        }
    }

    /// <summary>The call's number from its key (…_bench0007.wav), which chose its mood.</summary>
    private static int MoodIndex(string key) =>
        int.Parse(key.AsSpan(key.LastIndexOf("_bench", StringComparison.Ordinal) + 6, 4), CultureInfo.InvariantCulture);

    private static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));
}
