using System.Diagnostics;
using System.Globalization;
using CallSentiment.Benchmarks.Dashboard;
using CallSentiment.Cli;
using CallSentiment.Web.Categories;
using CallSentiment.Web.Ingestion;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CallSentiment.Benchmarks.Categories;

/// <summary>
/// categories, per database engine: (a) what a rule costs per call, evaluated in memory on calls read from the
/// database, each call's words read from its stored JSON as when a call is tagged (the first evaluation) and
/// evaluated again once read; (b) how fast the re-tagging job runs over the stored history (<see cref="CategoryCalls"/>),
/// with the app's own job, for a phrase rule (reads every transcript) and a rule on conversation facts (reads the
/// calls alone), next to how fast the job's batches are read alone (the database's share).
/// </summary>
internal static class CategoriesCommand
{
    private static readonly (string Name, string Rule)[] Rules =
    [
        ("phrase", "customer says \"cancel*\""),
        ("near", "customer says \"cancel*\" near/5 \"contract\""),
        ("not greeted", "not agent says \"thank* you for calling\" in first 30s"),
        ("facts", "customer.sentiment = NEGATIVE and (silence > 30s or agent.talk_ratio > 70%)"),
        ("combined", "customer.sentiment = NEGATIVE and customer says \"cancel*\" near/5 \"contract\" and not agent says \"sorry\""),
    ];

    public static async Task<int> RunAsync(Args args)
    {
        var which = args.Get("db") ?? "sqlite";
        var callCount = args.Int("calls", 100_000, 100, 10_000_000);
        var sample = args.Int("sample", 10_000, 100, 1_000_000);
        var batch = args.Int("batch", 1000, 10, 10_000);
        var reuse = args.Flag("reuse");
        var dir = args.Get("dir") ?? Path.Combine(Path.GetTempPath(), "callsentiment-bench");
        args.EnsureAllUsed();
        var engines = which switch
        {
            "sqlite" => new[] { "sqlite" },
            "postgres" => ["postgres"],
            "mysql" => ["mysql"],
            "all" => ["sqlite", "postgres", "mysql"],
            _ => throw new UsageException($"--db must be sqlite, postgres, mysql or all (got '{which}')"),
        };
        Directory.CreateDirectory(dir);
        foreach (var engine in engines)
        {
            var provider = engine switch { "postgres" => DbProvider.Postgres, "mysql" => DbProvider.MySql, _ => DbProvider.Sqlite };
            // A changed migration makes a new database: a reused one always has the schema under test.
            var name = string.Create(CultureInfo.InvariantCulture, $"categories_{callCount}_schema{SchemaTag(provider)}");
            if (engine == "sqlite")
            {
                var file = Path.Combine(dir, name + ".db");
                if (reuse && File.Exists(file)) Print($"sqlite: reusing {file}");
                else
                {
                    var clock = Stopwatch.StartNew();
                    await CategoryCalls.LoadSqliteAsync(file, callCount);
                    Print($"sqlite: wrote {callCount} calls with transcripts to {file} ({new FileInfo(file).Length / 1_048_576.0:0} MB) in {clock.Elapsed.TotalSeconds:0.0} s");
                }
                await using var db = new SqliteDb($"Data Source={file}");
                await MeasureAsync(engine, db, callCount, sample, batch);
            }
            else if (engine == "postgres")
            {
                // Its own cluster folder: the dashboard and search benches keep theirs in --dir/pg.
                var cluster = new PostgresCluster { Folder = Path.Combine(dir, "categories-pg"), Keep = true };
                await cluster.InitializeAsync();
                try
                {
                    if (reuse && await DatasetLoader.PostgresDatabaseExistsAsync(cluster, name)) Print($"postgres: reusing database {name} in {cluster.Folder}");
                    else
                    {
                        var clock = Stopwatch.StartNew();
                        await CategoryCalls.LoadPostgresAsync(cluster, name, callCount);
                        Print($"postgres: loaded {callCount} calls with transcripts into {name} in {clock.Elapsed.TotalSeconds:0.0} s (COPY, index build, VACUUM ANALYZE)");
                    }
                    await using var db = new PostgresDb(cluster.ConnectionString(name));
                    await MeasureAsync(engine, db, callCount, sample, batch);
                }
                finally
                {
                    await cluster.DisposeAsync();
                }
            }
            else
            {
                var server = new MariaDbServer { Folder = Path.Combine(dir, "categories-my"), Keep = true, Options = ["--innodb-buffer-pool-size=1G"] };
                await server.InitializeAsync();
                try
                {
                    if (reuse && await DatasetLoader.MySqlDatabaseLoadedAsync(server, name)) Print($"mysql: reusing database {name} in {server.Folder}");
                    else
                    {
                        var clock = Stopwatch.StartNew();
                        await CategoryCalls.LoadMySqlAsync(server, name, callCount);
                        Print($"mysql: loaded {callCount} calls with transcripts into {name} in {clock.Elapsed.TotalSeconds:0.0} s (multi-row INSERT, indexes on, ANALYZE)");
                    }
                    await using var db = new MySqlDb(server.ConnectionString(name));
                    await MeasureAsync(engine, db, callCount, sample, batch);
                }
                finally
                {
                    await server.DisposeAsync();
                }
            }
        }
        return 0;
    }

    private static async Task MeasureAsync(string engine, Db db, int callCount, int sample, int batch)
    {
        await new Migrator(db, NullLogger<Migrator>.Instance, TimeProvider.System).MigrateAsync(CancellationToken.None);
        Print($"{engine}: load average {LoadAverage()}");

        // (a) evaluation per call. Each call is a fresh copy of its facts (as the tagger and the job build them), so its
        // first evaluation reads the words from the stored JSON; the second shows the rule alone. A warm-up first, so the
        // figures are the optimised code's, not the JIT's first tier; then the fastest of several passes, the one least
        // disturbed by whatever else the machine runs.
        await using (var c = await db.OpenAsync(CancellationToken.None))
        {
            var ids = (await c.QueryAsync<long>("SELECT id FROM calls ORDER BY id LIMIT @sample", new { sample = (long)sample })).ToList();
            var facts = await CategoryStore.LoadFactsAsync(c, null, ids, transcript: true, CancellationToken.None);
            var rules = Rules.Select(r => (r.Name, r.Rule, Parsed: CategoryRule.Parse(r.Rule))).ToList();
            for (var pass = 0; pass < 3; pass++)
                foreach (var f in facts.Take(2000))
                    foreach (var r in rules) r.Parsed.Matches(Copy(f), []);
            Print($"{engine}: evaluation per call over {facts.Count} calls, fastest of {Passes} passes (first: words read from the stored JSON, as when a call is tagged; again: the rule alone):");
            foreach (var (name, text, rule) in rules)
            {
                double bestFirst = double.MaxValue, bestAgain = double.MaxValue;
                var matched = 0;
                for (var pass = 0; pass < Passes; pass++)
                {
                    long first = 0, again = 0;
                    matched = 0;
                    foreach (var f in facts)
                    {
                        var fresh = Copy(f);
                        var t0 = Stopwatch.GetTimestamp();
                        if (rule.Matches(fresh, [])) matched++;
                        var t1 = Stopwatch.GetTimestamp();
                        rule.Matches(fresh, []);
                        var t2 = Stopwatch.GetTimestamp();
                        first += t1 - t0;
                        again += t2 - t1;
                    }
                    bestFirst = Math.Min(bestFirst, Micro(first, facts.Count));
                    bestAgain = Math.Min(bestAgain, Micro(again, facts.Count));
                }
                Print($"  {name,-12} {bestFirst,7:0.00} µs/call first ({bestAgain:0.00} again), {matched} matched   {text}");
            }
            var all = double.MaxValue;
            for (var pass = 0; pass < Passes; pass++)
            {
                long ticks = 0;
                foreach (var f in facts)
                {
                    var fresh = Copy(f);
                    var t0 = Stopwatch.GetTimestamp();
                    foreach (var r in rules) r.Parsed.Matches(fresh, []);
                    ticks += Stopwatch.GetTimestamp() - t0;
                }
                all = Math.Min(all, Micro(ticks, facts.Count));
            }
            Print($"  all five rules on one fresh call (tagging a call with these five categories): {all:0.00} µs/call");
        }

        // (b) the re-tagging job over every stored call (each rule twice: the faster run is shown, the other in brackets),
        // and the same batches read without evaluating anything.
        var options = Options.Create(new CategoryOptions { RetagBatchSize = batch });
        var store = new CategoryStore(db, TimeProvider.System, options);
        var retagger = new CategoryRetagger(db, TimeProvider.System, options, Options.Create(new IngestionOptions()), NullLogger<CategoryRetagger>.Instance);
        await using (var c = await db.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync("DELETE FROM call_categories");
            await c.ExecuteAsync("DELETE FROM categories");
            foreach (var (what, speakers) in new[] { ("every chunk", new[] { CallFacts.Anyone }), ("the customer's chunks", new[] { Roles.Customer }) })
            {
                var rates = new List<double>();
                for (var run = 0; run < 2; run++)
                {
                    var read = Stopwatch.StartNew();
                    long after = 0, calls = 0;
                    while (true)
                    {
                        var (loaded, _) = await CategoryStore.LoadBatchAsync(c, after, batch, speakers, CancellationToken.None);
                        if (loaded.Count == 0) break;
                        calls += loaded.Count;
                        after = loaded[^1].CallId;
                    }
                    rates.Add(calls / read.Elapsed.TotalSeconds);
                }
                Print($"{engine}: reading the job's batches alone with {what} (nothing evaluated): {rates.Max():0} calls/s ({rates.Min():0})");
            }
        }
        Print($"{engine}: re-tagging {callCount} stored calls (batches of {batch}):");
        foreach (var (name, text) in new[] { Rules[1], Rules[3], Rules[2] })
        {
            var (saved, problems) = await store.SaveAsync(null, name, text, alert: false, polarity: null, "bench", CancellationToken.None);
            if (saved is not { } id) throw new InvalidOperationException(string.Join("; ", problems.Select(p => p.Message)));
            var rates = new List<double>();
            for (var run = 0; run < 2; run++)
            {
                if (run > 0) await store.RetagAsync(id, CancellationToken.None);
                var clock = Stopwatch.StartNew();
                await retagger.RunAllAsync("bench", CancellationToken.None);
                var seconds = clock.Elapsed.TotalSeconds;
                await using var c = await db.OpenAsync(CancellationToken.None);
                var (status, done, matched) = await c.QuerySingleAsync<(string, long, long)>(
                    "SELECT retag_status, retag_done, retag_matched FROM categories WHERE id = @id", new { id });
                if (status != "done" || done != callCount) throw new InvalidOperationException($"re-tagging ended {status} after {done} calls");
                rates.Add(done / seconds);
                if (run == 1) Print($"  {name,-12} {rates.Max():0} calls/s ({rates.Min():0}): {done} calls in {done / rates.Max():0.0} s, {matched} tagged   {text}");
            }
        }
        Print($"{engine}: load average {LoadAverage()}");
    }

    private const int Passes = 5;

    private static double Micro(long ticks, int calls) => ticks * 1_000_000.0 / Stopwatch.Frequency / calls;

    private static CallFacts Copy(CallFacts f) => new(f.CallId, f.DurationMs, f.Sentiment, f.CustomerSentiment, f.AgentSentiment, f.SentimentChange, f.SilenceMs,
        f.LongestSilenceMs, f.OverlapMs, f.Interruptions, f.Speakers, f.Chunks);

    private static string SchemaTag(DbProvider provider)
    {
        var sql = string.Concat(Migrator.Migrations(provider).Select(m => m.Sql));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sql)))[..8];
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));
}
