using System.Diagnostics;
using System.Globalization;
using CallSentiment.Benchmarks.Dashboard;
using CallSentiment.Cli;
using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Benchmarks.Search;

/// <summary>
/// search: the dashboard benchmark's call history with a transcript per call (<see cref="TranscriptDataset"/>), loaded
/// with the app's migrations (so with its full-text index), then the real app started on it and /search requested for
/// common words, medium and rare words, common and rare phrases, each for all employees over the default range (the
/// last Dashboard:MaxRangeDays) and for one employee in one calendar quarter. Reports p50/p95/max of the app's own time
/// (Server-Timing) and the client's wall time per kind.
/// </summary>
internal static class SearchCommand
{
    private const string ZoneId = "Europe/London";
    private const double TargetMs = 200;

    public static async Task<int> RunAsync(Args args)
    {
        var which = args.Get("db") ?? "sqlite";
        var callCount = args.Int("calls", 1_000_000, 1_000, 100_000_000);
        var agentCount = args.Int("agents", 500, 1, 100_000);
        var years = args.Int("years", 2, 1, 10);
        var chunks = args.Int("chunks", 8, 2, 200);
        var iterations = args.Int("iterations", 30, 1, 100_000);
        var warmup = args.Int("warmup", 5, 1, 1_000);
        var seed = args.Int("seed", 1);
        var reuse = args.Flag("reuse");
        var scanCalls = args.Get("scan-calls");
        var dir = args.Get("dir") ?? Path.Combine(Path.GetTempPath(), "callsentiment-search-bench");
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
        var zone = TimeZoneInfo.FindSystemTimeZoneById(ZoneId);
        var transcripts = new TranscriptDataset(chunks, seed);
        Print($"transcripts: {TranscriptDataset.Describe(chunks)}");
        var dataName = string.Create(CultureInfo.InvariantCulture, $"calls{callCount}_agents{agentCount}_{years}y_seed{seed}_chunks{chunks}");
        CallDataset? dataset = null;
        CallDataset Dataset()
        {
            if (dataset is not null) return dataset;
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(TimeProvider.System.GetUtcNow(), zone).DateTime);
            return dataset = CallDataset.Generate(callCount, agentCount, years, seed, zone, today.AddDays(-1));
        }

        foreach (var engine in engines)
        {
            var work = Directory.CreateTempSubdirectory("callsentiment-search-bench-app-");
            try
            {
                var settings = new Dictionary<string, string>
                {
                    ["Ingestion:Enabled"] = "false",
                    ["Dashboard:TimeZone"] = ZoneId,
                    ["Recordings:Folder"] = Path.Combine(work.FullName, "recordings"),
                    ["DataProtection:KeysFolder"] = Path.Combine(work.FullName, "keys"),
                    ["Access:BootstrapAdmin:UserName"] = "bench-admin",
                    ["Access:BootstrapAdmin:Password"] = SignIn.Password,
                };
                if (scanCalls is not null) settings["Search:ScanCalls"] = scanCalls;
                var provider = engine switch { "postgres" => DbProvider.Postgres, "mysql" => DbProvider.MySql, _ => DbProvider.Sqlite };
                var name = $"{dataName}_schema{SchemaTag(provider)}";
                var clock = Stopwatch.StartNew();
                if (engine == "sqlite")
                {
                    var file = Path.Combine(dir, name + ".db");
                    if (reuse && File.Exists(file)) Print($"sqlite: reusing {file}");
                    else
                    {
                        await DatasetLoader.LoadSqliteAsync(file, Dataset(), CancellationToken.None, transcripts);
                        Print($"sqlite: loaded {callCount} calls, {(long)callCount * chunks} chunks into {file} in {clock.Elapsed.TotalSeconds:0.0} s ({new FileInfo(file).Length / 1048576.0:0} MB)");
                    }
                    settings["Storage:Provider"] = "Sqlite";
                    settings["Storage:ConnectionString"] = $"Data Source={file}";
                    await using var db = new SqliteDb($"Data Source={file}");
                    await MeasureAsync("sqlite", settings, db, transcripts, zone, iterations, warmup, seed);
                }
                else if (engine == "mysql")
                {
                    var server = new MariaDbServer { Folder = Path.Combine(dir, "my"), Keep = true, Options = ["--innodb-buffer-pool-size=2G", "--max-connections=300",
                        // The FULLTEXT cache's largest size: the load's chunks are written to the indexes in
                        // ~10 times fewer, larger batches than with the 8 MB default (faster, less fragmented).
                        "--innodb-ft-cache-size=80000000", "--innodb-ft-total-cache-size=1600000000"] };
                    await server.InitializeAsync();
                    try
                    {
                        if (reuse && await DatasetLoader.MySqlDatabaseLoadedAsync(server, name)) Print($"mysql: reusing database {name}");
                        else
                        {
                            await DatasetLoader.LoadMySqlAsync(server, name, Dataset(), CancellationToken.None, transcripts);
                            Print($"mysql: loaded {callCount} calls, {(long)callCount * chunks} chunks in {clock.Elapsed.TotalSeconds:0.0} s (multi-row INSERT with the FULLTEXT indexes on, ANALYZE)");
                        }
                        settings["Storage:Provider"] = "MySql";
                        settings["Storage:ConnectionString"] = server.ConnectionString(name);
                        await using var db = new MySqlDb(server.ConnectionString(name));
                        await MeasureAsync("mysql", settings, db, transcripts, zone, iterations, warmup, seed);
                    }
                    finally
                    {
                        await server.DisposeAsync();
                    }
                }
                else
                {
                    var cluster = new PostgresCluster { Folder = Path.Combine(dir, "pg"), Keep = true };
                    await cluster.InitializeAsync();
                    try
                    {
                        if (reuse && await DatasetLoader.PostgresDatabaseExistsAsync(cluster, name)) Print($"postgres: reusing database {name}");
                        else
                        {
                            await DatasetLoader.LoadPostgresAsync(cluster, name, Dataset(), CancellationToken.None, transcripts);
                            Print($"postgres: loaded {callCount} calls, {(long)callCount * chunks} chunks in {clock.Elapsed.TotalSeconds:0.0} s (COPY, index build, VACUUM ANALYZE)");
                        }
                        settings["Storage:Provider"] = "Postgres";
                        settings["Storage:ConnectionString"] = cluster.ConnectionString(name);
                        await using var db = new PostgresDb(cluster.ConnectionString(name));
                        await MeasureAsync("postgres", settings, db, transcripts, zone, iterations, warmup, seed);
                    }
                    finally
                    {
                        await cluster.DisposeAsync();
                    }
                }
            }
            finally
            {
                work.Delete(recursive: true);
            }
        }
        return 0;
    }

    private static async Task MeasureAsync(string engine, Dictionary<string, string> settings, Db db, TranscriptDataset transcripts, TimeZoneInfo zone,
        int iterations, int warmup, int seed)
    {
        List<string> agents;
        DateOnly first, last;
        await using (var c = await db.OpenAsync(CancellationToken.None))
        {
            agents = (await c.QueryAsync<string>("SELECT name FROM agents ORDER BY id")).ToList();
            var (min, max) = await c.QuerySingleAsync<(long, long)>("SELECT MIN(started_at), MAX(started_at) FROM calls");
            first = LocalDay(min, zone);
            last = LocalDay(max, zone);
        }
        var quarters = new List<DateOnly>();
        for (var m = new DateOnly(first.Year, first.Month, 1).AddMonths(1); m.AddMonths(3).AddDays(-1) <= last; m = m.AddMonths(1))
            if ((m.Month - 1) % 3 == 0) quarters.Add(m);

        var rng = new Random(seed);
        // Common: everyday words of the top Zipf ranks; medium: ranks 500-5,000 (~750-7,500 chunks); rare: ranks
        // 50,000-200,000 (~20-75 chunks each, some none).
        string[] common = ["account", "payment", "refund", "delivery", "bill", "card", "order", "help"];
        Func<string> medium = () => transcripts.WordOfRank(500 + rng.Next(4_500));
        Func<string> rare = () => transcripts.WordOfRank(50_000 + rng.Next(150_000));
        string[] commonPhrases = ["\"thank you for calling\"", "\"cancel my account\"", "\"charged twice\"", "\"direct debit\""];
        string[] rarePhrases = ["\"left with a neighbour\"", "\"make a complaint\"", "\"allow three to five working days\"", "\"router keeps dropping\""];
        var kinds = new (string Label, Func<string> Query)[]
        {
            ("common word", () => common[rng.Next(common.Length)]),
            ("medium word", medium),
            ("rare word", rare),
            ("common phrase", () => commonPhrases[rng.Next(commonPhrases.Length)]),
            ("rare phrase", () => rarePhrases[rng.Next(rarePhrases.Length)]),
            ("phrase + rare word", () => commonPhrases[rng.Next(commonPhrases.Length)] + " " + rare()),
        };
        Func<string> everyone = () => "";
        Func<string> agentQuarter = () =>
        {
            var q = quarters[rng.Next(quarters.Count)];
            return $"&agent={Uri.EscapeDataString(agents[rng.Next(agents.Count)])}&from={q:yyyy-MM-dd}&to={q.AddMonths(3).AddDays(-1):yyyy-MM-dd}";
        };
        Func<string> customerMonth = () =>
        {
            var q = quarters[rng.Next(quarters.Count)];
            return $"&speaker=customer&from={q:yyyy-MM-dd}&to={q.AddMonths(1).AddDays(-1):yyyy-MM-dd}";
        };
        var filters = new (string Label, Func<string> Query)[] { ("all employees, default range", everyone), ("one employee x one quarter", agentQuarter), ("customer only x one month", customerMonth) };

        var started = Stopwatch.StartNew();
        await using var app = await AppProcess.StartAsync(settings, TimeSpan.FromMinutes(30));
        Print($"{engine}: app started in {started.Elapsed.TotalSeconds:0.0} s on {agents.Count} agents, calls {first:yyyy-MM-dd}..{last:yyyy-MM-dd} ({zone.Id})");
        using var http = await SignIn.ClientAsync(app.BaseAddress, "bench-admin", timeout: TimeSpan.FromMinutes(2));
        var all = new List<double>();
        foreach (var (filterLabel, filter) in filters)
        {
            foreach (var (kindLabel, kind) in kinds)
            {
                for (var i = 0; i < warmup; i++) await GetAsync(http, kind(), filter(), app);
                var server = new List<double>();
                var wall = new List<double>();
                var hits = 0;
                for (var i = 0; i < iterations; i++)
                {
                    var (s, w, n) = await GetAsync(http, kind(), filter(), app);
                    server.Add(s);
                    wall.Add(w);
                    hits += n;
                }
                all.AddRange(server);
                var stats = new Stats(server);
                Print($"{engine} {kindLabel} / {filterLabel}: server {stats.Summary("ms")}, wall p95={new Stats(wall).Percentile(95):0.0} ms, {hits / (double)iterations:0.0} hits per page; target p95 <= {TargetMs:0} ms {(stats.Percentile(95) <= TargetMs ? "met" : "MISSED")}");
            }
        }
        var overall = new Stats(all);
        Print($"{engine} all searches: server {overall.Summary("ms")}; target p95 <= {TargetMs:0} ms {(overall.Percentile(95) <= TargetMs ? "met" : "MISSED")}");
    }

    /// <summary>One search page: the app's own time (Server-Timing), the client's wall time and the hits shown.</summary>
    private static async Task<(double ServerMs, double WallMs, int Hits)> GetAsync(HttpClient http, string q, string filter, AppProcess app)
    {
        (double, double, string) response;
        try
        {
            response = await DashboardCommand.GetAsync(http, "/search?q=" + Uri.EscapeDataString(q) + filter);
        }
        catch (InvalidOperationException)
        {
            // The app's own account of the failure (its log), not only the status code.
            await Console.Error.WriteLineAsync(string.Join('\n', app.Output.Split('\n').TakeLast(60)));
            throw;
        }
        var (server, wall, html) = response;
        if (html.Contains("id=\"search-errors\"", StringComparison.Ordinal)) throw new InvalidOperationException($"search {q}{filter}: the page reports errors");
        var hits = 0;
        for (var at = html.IndexOf("<li class=\"hit", StringComparison.Ordinal); at >= 0; at = html.IndexOf("<li class=\"hit", at + 1, StringComparison.Ordinal)) hits++;
        return (server, wall, hits);
    }

    private static string SchemaTag(DbProvider provider)
    {
        var sql = string.Concat(Migrator.Migrations(provider).Select(m => m.Sql));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sql)))[..8];
    }

    private static DateOnly LocalDay(long unixMs, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(unixMs), zone).DateTime);

    private static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));
}
