using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CallSentiment.Cli;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CallSentiment.Benchmarks.Ingestion;

/// <summary>
/// latency: the app runs on a folder with default ingestion settings (poll every 10 s, 2 s settle time); once it is
/// ready, one call with an angry customer that has just ended is dropped in (moved in whole, as a recorder
/// finishing a file would), and the negative-calls view is polled until the call is listed. Reports seconds from
/// drop to visible, split into waiting for discovery, analysis and showing; and says so if the call was not judged
/// NEGATIVE (it then never appears in that view).
/// </summary>
internal static partial class LatencyCommand
{
    private const string ZoneId = "Europe/London";
    private const double TargetSeconds = 60;

    public static async Task<int> RunAsync(Args args)
    {
        var minutes = args.Double("minutes", 5, 0.1, 120);
        var repeat = args.Int("repeat", 1, 1, 100);
        var timeout = TimeSpan.FromSeconds(args.Int("timeout", 300, 10, 36_000));
        var seed = args.Int("seed", 7);
        args.EnsureAllUsed();
        var zone = TimeZoneInfo.FindSystemTimeZoneById(ZoneId);
        var work = Directory.CreateTempSubdirectory("callsentiment-bench-latency-");
        try
        {
            var recordings = Path.Combine(work.FullName, "recordings");
            var staging = Directory.CreateDirectory(Path.Combine(work.FullName, "staging")).FullName;
            var dbFile = Path.Combine(work.FullName, "latency.db");
            var wav = CallFiles.Build(CustomerMood.Angry, minutes * 60, seed);
            var seconds = CallFiles.DurationSeconds(wav);
            Print($"call: {seconds:0.0} s, angry customer (TestCalls.Build(Angry, seed {seed}))");

            // Only paths are set; ingestion keeps its defaults. The zones are the shipped defaults, stated so the
            // benchmark knows which local date the key and the dashboard filter use.
            var settings = new Dictionary<string, string>
            {
                ["Storage:Provider"] = "Sqlite",
                ["Storage:ConnectionString"] = $"Data Source={dbFile}",
                ["Recordings:Folder"] = recordings,
                ["Recordings:TimeZone"] = ZoneId,
                ["Dashboard:TimeZone"] = ZoneId,
                ["DataProtection:KeysFolder"] = Path.Combine(work.FullName, "keys"),
                ["Access:BootstrapAdmin:UserName"] = "bench-admin",
                ["Access:BootstrapAdmin:Password"] = SignIn.Password,
            };
            var clock = Stopwatch.StartNew();
            await using var app = await AppProcess.StartAsync(settings);
            using (var probe = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(30) })
                while (!(await probe.GetAsync(new Uri("health/ready", UriKind.Relative))).IsSuccessStatusCode)
                {
                    if (clock.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException($"the app did not become ready:\n{app.Output}");
                    await Task.Delay(200);
                }
            using var http = await SignIn.ClientAsync(app.BaseAddress, "bench-admin", timeout: TimeSpan.FromSeconds(30));
            Print($"app ready after {clock.Elapsed.TotalSeconds:0.0} s (default ingestion settings: poll every 10 s, settle 2 s)");
            await using var db = new SqliteDb($"Data Source={dbFile}");
            var rng = new Random(seed);
            var results = new List<double>();
            for (var n = 1; n <= repeat; n++)
            {
                // A random moment in the poll cycle: the wait for discovery depends on it.
                await Task.Delay(TimeSpan.FromSeconds(10 * rng.NextDouble()));
                var now = TimeProvider.System.GetUtcNow();
                var localStart = TimeZoneInfo.ConvertTime(now, zone).DateTime.AddSeconds(-seconds);
                var key = CallFiles.Key("latency.agent", localStart, $"angry{n:000}");
                var staged = Path.Combine(staging, $"angry{n:000}.wav");
                await File.WriteAllBytesAsync(staged, wav);
                var target = Path.Combine(recordings, key);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Move(staged, target);
                var dropped = Stopwatch.StartNew();
                var droppedAt = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
                var day = DateOnly.FromDateTime(localStart);
                var url = string.Create(CultureInfo.InvariantCulture, $"/?negative=true&from={day.AddDays(-1):yyyy-MM-dd}&to={day.AddDays(1):yyyy-MM-dd}");
                Stored? stored = null;
                double? visible = null;
                while (dropped.Elapsed < timeout)
                {
                    var html = await http.GetStringAsync(new Uri(url, UriKind.Relative));
                    var t = dropped.Elapsed.TotalSeconds;
                    stored ??= await FindAsync(db, key);
                    var ids = CallLink().Matches(html).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToHashSet();
                    if (stored is not null && ids.Contains(stored.Id))
                    {
                        visible = t;
                        break;
                    }
                    if (stored is { Sentiment: not "NEGATIVE" }) break;
                    await Task.Delay(250);
                }
                if (stored is null)
                {
                    Print($"drop {n}: not analysed within {timeout.TotalSeconds:0} s");
                    continue;
                }
                var split = string.Create(CultureInfo.InvariantCulture,
                    $"discovered after {(stored.DiscoveredAt - droppedAt) / 1000.0:0.0} s, analysed in {(stored.FinishedAt - stored.DiscoveredAt) / 1000.0:0.0} s (voice stage {stored.StageMs / 1000.0:0.0} s)");
                Print($"drop {n}: verdict {stored.Sentiment} (confidence {stored.Confidence:0.00}; negative {stored.Negative:0.00}, positive {stored.Positive:0.00}, neutral {stored.Neutral:0.00}, mixed {stored.Mixed:0.00})");
                if (visible is { } v)
                {
                    results.Add(v);
                    Print($"drop {n}: seconds from drop to visible in /?negative=true: {v:0.0} ({split}); target <= {TargetSeconds:0} s {(v <= TargetSeconds ? "met" : "MISSED")}");
                }
                else if (stored.Sentiment != "NEGATIVE")
                    Print($"drop {n}: NOT judged NEGATIVE, so it never shows in the negative-calls view; stored after {(stored.FinishedAt - droppedAt) / 1000.0:0.0} s ({split})");
                else
                    Print($"drop {n}: judged NEGATIVE but not listed within {timeout.TotalSeconds:0} s ({split})");
            }
            if (results.Count > 1) Print($"drop to visible over {results.Count} drops: {new Stats(results).Summary("s")}");
            return results.Count == repeat ? 0 : 1;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            work.Delete(recursive: true);
        }
    }

    private sealed record Stored(long Id, string Sentiment, double Confidence, double Positive, double Negative, double Neutral, double Mixed,
        long DiscoveredAt, long FinishedAt, long StageMs);

    private static async Task<Stored?> FindAsync(Db db, string key)
    {
        await using var c = await db.OpenAsync(CancellationToken.None);
        return await c.QuerySingleOrDefaultAsync<Stored>("""
            SELECT c.id AS Id, c.sentiment AS Sentiment, c.confidence AS Confidence, c.positive AS Positive, c.negative AS Negative,
                   c.neutral AS Neutral, c.mixed AS Mixed, r.discovered_at AS DiscoveredAt, j.finished_at AS FinishedAt,
                   COALESCE((SELECT SUM(s.elapsed_ms) FROM stage_results s WHERE s.call_id = c.id), 0) AS StageMs
            FROM calls c JOIN recordings r ON r.id = c.recording_id JOIN jobs j ON j.recording_id = r.id
            WHERE c.source_key = @key
            """, new { key });
    }

    private static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));

    [GeneratedRegex(@"href=""/calls/([0-9]+)""")]
    private static partial Regex CallLink();
}
