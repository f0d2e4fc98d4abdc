using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CallSentiment.Cli;
using CallSentiment.Web.Access;
using CallSentiment.Web.Metrics;
using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Benchmarks.Dashboard;

/// <summary>
/// dashboard: generates (or reuses) a large call history, starts the real app as a process on it (ingestion off)
/// and measures the dashboard over HTTP — server time from the app's Server-Timing header and wall time at the
/// client — for (a) one random agent × one random calendar quarter and (b) all agents × one random 12-month
/// window. Warm-up requests are not counted; they also check the page's counts against the calls table, including
/// for ranges whose ends are not on whole hours.
/// </summary>
internal static partial class DashboardCommand
{
    private const string ZoneId = "Europe/London";
    private const double TargetAgentQuarterMs = 100;
    private const double TargetAllYearMs = 300;

    /// <summary>The agent comparison's rollup (0014_agent_rollup) and later migrations run after the rows are loaded.</summary>
    private const int RollupsFrom = 14;

    public static async Task<int> RunAsync(Args args)
    {
        var which = args.Get("db") ?? "both";
        var callCount = args.Int("calls", 1_000_000, 1_000, 100_000_000);
        var agentCount = args.Int("agents", 500, 1, 100_000);
        var years = args.Int("years", 2, 1, 10);
        var iterations = args.Int("iterations", 50, 1, 100_000);
        var warmup = args.Int("warmup", 5, 1, 1_000);
        var seed = args.Int("seed", 1);
        var reuse = args.Flag("reuse");
        var users = args.Int("users", 0, 0, 1_000);
        var loadSeconds = args.Int("seconds", 300, 5, 86_400);
        var thinkMs = args.Int("think-ms", 1000, 0, 60_000);
        var apiClients = args.Int("api-clients", 0, 0, 1_000);
        var dir = args.Get("dir") ?? Path.Combine(Path.GetTempPath(), "callsentiment-bench");
        args.EnsureAllUsed();
        var engines = which switch
        {
            "sqlite" => new[] { "sqlite" },
            "postgres" => ["postgres"],
            "mysql" => ["mysql"],
            "both" => ["sqlite", "postgres"],
            "all" => ["sqlite", "postgres", "mysql"],
            _ => throw new UsageException($"--db must be sqlite, postgres, mysql, both (sqlite and postgres) or all (got '{which}')"),
        };
        Directory.CreateDirectory(dir);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(ZoneId);
        // _tags: the calls carry categories (call_categories), the comparison's category column measured with them.
        var dataName = string.Create(CultureInfo.InvariantCulture, $"calls{callCount}_agents{agentCount}_{years}y_seed{seed}_tags");
        CallDataset? dataset = null;
        CallDataset Dataset()
        {
            if (dataset is not null) return dataset;
            var clock = Stopwatch.StartNew();
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(TimeProvider.System.GetUtcNow(), zone).DateTime);
            dataset = CallDataset.Generate(callCount, agentCount, years, seed, zone, today.AddDays(-1));
            Print($"generated {callCount} calls of {agentCount} agents over {years} years in memory: {clock.Elapsed.TotalSeconds:0.0} s");
            return dataset;
        }

        foreach (var engine in engines)
        {
            var work = Directory.CreateTempSubdirectory("callsentiment-bench-app-");
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
                // A changed migration makes a new database: a reused one always has the schema under test.
                var provider = engine switch { "postgres" => DbProvider.Postgres, "mysql" => DbProvider.MySql, _ => DbProvider.Sqlite };
                var name = $"{dataName}_schema{SchemaTag(provider)}";
                if (engine == "sqlite")
                {
                    var file = Path.Combine(dir, name + ".db");
                    if (reuse && File.Exists(file)) Print($"sqlite: reusing {file}");
                    else
                    {
                        var data = Dataset();
                        var clock = Stopwatch.StartNew();
                        await DatasetLoader.LoadSqliteAsync(file, data, CancellationToken.None, categories: true, rollupsFrom: RollupsFrom);
                        Print($"sqlite: loaded {data.Count} calls into {file} in {clock.Elapsed.TotalSeconds:0.0} s ({new FileInfo(file).Length / 1048576.0:0} MB)");
                    }
                    settings["Storage:Provider"] = "Sqlite";
                    settings["Storage:ConnectionString"] = $"Data Source={file}";
                    await using var db = new SqliteDb($"Data Source={file}");
                    await MeasureAsync("sqlite", settings, db, zone, iterations, warmup, seed, new Load(users, loadSeconds, thinkMs, apiClients));
                }
                else if (engine == "mysql")
                {
                    // InnoDB's buffer pool holds the calls' indexes, as PostgreSQL's page cache does.
                    var server = new MariaDbServer { Folder = Path.Combine(dir, "my"), Keep = true, Options = ["--innodb-buffer-pool-size=2G", "--max-connections=300"] };
                    await server.InitializeAsync();
                    try
                    {
                        if (reuse && await DatasetLoader.MySqlDatabaseLoadedAsync(server, name)) Print($"mysql: reusing database {name} in {server.Folder}");
                        else
                        {
                            var data = Dataset();
                            var clock = Stopwatch.StartNew();
                            await DatasetLoader.LoadMySqlAsync(server, name, data, CancellationToken.None, categories: true, rollupsFrom: RollupsFrom);
                            Print($"mysql: loaded {data.Count} calls into database {name} in {clock.Elapsed.TotalSeconds:0.0} s (multi-row INSERT with the indexes and triggers on, ANALYZE)");
                        }
                        settings["Storage:Provider"] = "MySql";
                        settings["Storage:ConnectionString"] = server.ConnectionString(name);
                        await using var db = new MySqlDb(server.ConnectionString(name));
                        await MeasureAsync("mysql", settings, db, zone, iterations, warmup, seed, new Load(users, loadSeconds, thinkMs, apiClients));
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
                        if (reuse && await DatasetLoader.PostgresDatabaseExistsAsync(cluster, name)) Print($"postgres: reusing database {name} in {cluster.Folder}");
                        else
                        {
                            var data = Dataset();
                            var clock = Stopwatch.StartNew();
                            await DatasetLoader.LoadPostgresAsync(cluster, name, data, CancellationToken.None, categories: true, rollupsFrom: RollupsFrom);
                            Print($"postgres: loaded {data.Count} calls into database {name} in {clock.Elapsed.TotalSeconds:0.0} s (COPY, index build, VACUUM ANALYZE)");
                        }
                        settings["Storage:Provider"] = "Postgres";
                        settings["Storage:ConnectionString"] = cluster.ConnectionString(name);
                        await using var db = new PostgresDb(cluster.ConnectionString(name));
                        await MeasureAsync("postgres", settings, db, zone, iterations, warmup, seed, new Load(users, loadSeconds, thinkMs, apiClients));
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

    private static async Task MeasureAsync(string engine, Dictionary<string, string> settings, Db db, TimeZoneInfo zone, int iterations, int warmup, int seed, Load load)
    {
        List<(long Id, string Name)> agents;
        DateOnly first, last;
        await using (var c = await db.OpenAsync(CancellationToken.None))
        {
            agents = (await c.QueryAsync<(long, string)>("SELECT id, name FROM agents ORDER BY id")).ToList();
            var (min, max) = await c.QuerySingleAsync<(long, long)>("SELECT MIN(started_at), MAX(started_at) FROM calls");
            first = LocalDay(min, zone);
            last = LocalDay(max, zone);
        }
        // Calendar quarters and 12-month windows (from the first of a month) that lie wholly inside the data.
        var quarters = Months(first, last, 3).Where(m => (m.Month - 1) % 3 == 0).ToList();
        var years = Months(first, last, 12).ToList();
        if (quarters.Count == 0 || years.Count == 0) throw new UsageException("the data must cover at least a calendar quarter and 12 whole months (use --years 2)");

        var started = Stopwatch.StartNew();
        await using var app = await AppProcess.StartAsync(settings, TimeSpan.FromMinutes(15));
        Print($"{engine}: app started in {started.Elapsed.TotalSeconds:0.0} s on {agents.Count} agents, calls {first:yyyy-MM-dd}..{last:yyyy-MM-dd} ({zone.Id})");
        try
        {
            using var http = await SignIn.ClientAsync(app.BaseAddress, "bench-admin", timeout: TimeSpan.FromMinutes(2));
            var rng = new Random(seed);
            Func<Request> agentQuarter = () =>
            {
                var (id, name) = agents[rng.Next(agents.Count)];
                var q = quarters[rng.Next(quarters.Count)];
                return new Request($"/?agent={Uri.EscapeDataString(name)}&from={q:yyyy-MM-dd}&to={q.AddMonths(3).AddDays(-1):yyyy-MM-dd}", id, Midnight(q), Midnight(q.AddMonths(3)));
            };
            Func<Request> allYear = () =>
            {
                var y = years[rng.Next(years.Count)];
                return new Request($"/?from={y:yyyy-MM-dd}&to={y.AddMonths(12).AddDays(-1):yyyy-MM-dd}", null, Midnight(y), Midnight(y.AddMonths(12)));
            };
            // Checked only: a range whose ends are not on whole hours (sums part of its first and last week from calls).
            Func<Request> allMinutes = () =>
            {
                var from = Midnight(years[rng.Next(years.Count)]).AddDays(rng.Next(60)).AddMinutes(9 * 60 + 17);
                var to = from.AddDays(20 + rng.Next(60)).AddMinutes(7 * 60 + 29);
                return new Request($"/?from={from:yyyy-MM-dd}&fromTime={from:HH:mm}&to={to:yyyy-MM-dd}&toTime={to:HH:mm}", null, from, to.AddMinutes(1));
            };
            // Not a target of its own: the calls page sorted by a column other than time (longest calls first) has no
            // index in that order on any engine, so each database sorts the range's calls for the page.
            Func<Request> allYearByDuration = () =>
            {
                var r = allYear();
                return r with { Url = r.Url + "&sort=duration" };
            };
            // The agent comparison (issue 17 item 4): every employee ranked over a 12-month window, and one employee's coaching
            // page (their standing, weekly trends and the calls behind each figure) over the same kind of window.
            // Both with the category column a supervisor coaching on greetings would choose (its share per employee, ranked, its
            // weekly trend and the calls tagged with it).
            var category = "&category=" + Uri.EscapeDataString(CallDataset.Categories[0].Name);
            Func<Request> comparisonYear = () =>
            {
                var y = years[rng.Next(years.Count)];
                return new Request($"/agents?from={y:yyyy-MM-dd}&to={y.AddMonths(12).AddDays(-1):yyyy-MM-dd}{category}", null, Midnight(y), Midnight(y.AddMonths(12)));
            };
            Func<Request> agentYear = () =>
            {
                var (id, name) = agents[rng.Next(agents.Count)];
                var y = years[rng.Next(years.Count)];
                return new Request($"/agents/detail?agent={Uri.EscapeDataString(name)}&from={y:yyyy-MM-dd}&to={y.AddMonths(12).AddDays(-1):yyyy-MM-dd}{category}", id, Midnight(y), Midnight(y.AddMonths(12)));
            };
            var scenarios = new[]
            {
                ("(a) one agent x one quarter", agentQuarter, (double?)TargetAgentQuarterMs),
                ("(b) all agents x one year", allYear, TargetAllYearMs),
                ("(c) all agents x one year, calls sorted by duration", allYearByDuration, null),
                ("(d) agent comparison, all agents x one year", comparisonYear, TargetAllYearMs),
                ("(e) one agent's comparison page x one year", agentYear, TargetAllYearMs),
            };
            foreach (var next in scenarios.Where(s => s.Item3 is not null).Select(s => s.Item2).Append(allMinutes))
            {
                for (var i = 0; i < warmup; i++)
                {
                    var r = next();
                    var (_, _, html) = await GetAsync(http, r.Url);
                    if (r.Url.StartsWith("/agents", StringComparison.Ordinal)) await CheckComparisonAsync(db, zone, r, html);
                    else await CheckAsync(db, zone, r, html);
                }
            }
            foreach (var (label, next, target) in scenarios)
            {
                var server = new List<double>();
                var wall = new List<double>();
                for (var i = 0; i < iterations; i++)
                {
                    var (s, w, _) = await GetAsync(http, next().Url);
                    server.Add(s);
                    wall.Add(w);
                }
                var serverStats = new Stats(server);
                if (target is { } t) Print($"{engine} {label}: server {serverStats.Summary("ms")}; target p95 <= {t:0} ms {(serverStats.Percentile(95) <= t ? "met" : "MISSED")}");
                else Print($"{engine} {label}: server {serverStats.Summary("ms")} (no target)");
                Print($"{engine} {label}: wall   {new Stats(wall).Summary("ms")}");
            }
            if (load.Users + load.ApiClients > 0) await LoadAsync(engine, app.BaseAddress, db, load, agentQuarter, allYear, seed);
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TaskCanceledException)
        {
            // The app's own account of a failed request (its log: the exception behind a 500), not only the status code.
            await Console.Error.WriteLineAsync(string.Join('\n', app.Output.Split('\n').TakeLast(80)));
            throw;
        }
    }

    /// <summary>
    /// How many signed-in people use the dashboard at once, and how many machine clients use the JSON API with an API
    /// key beside them, for how long, pausing between requests.
    /// </summary>
    private sealed record Load(int Users, int Seconds, int ThinkMs, int ApiClients);

    /// <summary>
    /// Concurrent users: each signs in with its own session and loops for the whole time — a quarter of one employee
    /// (7 in 10 clicks) or a year of everyone — pausing <see cref="Load.ThinkMs"/> between clicks. Any answer other than
    /// 200, or any transport error, is an error. Latency is the client's wall time. API clients (sharing one API key) run
    /// beside them with the same ranges, and are reported on their own line.
    /// </summary>
    private static async Task LoadAsync(string engine, Uri baseAddress, Db db, Load load, Func<Request> agentQuarter, Func<Request> allYear, int seed)
    {
        var clients = new List<(HttpClient Http, bool Api)>();
        for (var i = 0; i < load.Users; i++) clients.Add((await SignIn.ClientAsync(baseAddress, "bench-admin", timeout: TimeSpan.FromSeconds(30)), false));
        if (load.ApiClients > 0)
        {
            var (key, _) = await new ApiKeyStore(db, TimeProvider.System).CreateAsync("bench", "Supervisor", null, "bench", CancellationToken.None);
            for (var i = 0; i < load.ApiClients; i++)
            {
                var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
                clients.Add((http, true));
            }
        }
        // API clients ask for the same ranges as people, as metrics, weekly trends or a page of calls.
        string[] apiPaths = ["/api/v1/metrics", "/api/v1/trends", "/api/v1/calls"];
        var gate = new object();
        var latencies = new Dictionary<bool, List<double>> { [false] = [], [true] = [] };
        var errors = new Dictionary<bool, long> { [false] = 0, [true] = 0 };
        var end = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(load.Seconds);
        var tasks = clients.Select((client, u) => Task.Run(async () =>
        {
            var rng = new Random(seed * 1000 + u);
            while (end.Elapsed < limit)
            {
                string url;
                lock (gate) url = (rng.Next(10) < 7 ? agentQuarter() : allYear()).Url;
                if (client.Api) url = apiPaths[rng.Next(apiPaths.Length)] + url[1..];
                var clock = Stopwatch.StartNew();
                var ok = false;
                try
                {
                    using var response = await client.Http.GetAsync(new Uri(url, UriKind.Relative));
                    _ = await response.Content.ReadAsByteArrayAsync();
                    ok = response.StatusCode == System.Net.HttpStatusCode.OK;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }
                lock (gate)
                {
                    latencies[client.Api].Add(clock.Elapsed.TotalMilliseconds);
                    if (!ok) errors[client.Api]++;
                }
                if (load.ThinkMs > 0) await Task.Delay(rng.Next(load.ThinkMs / 2, load.ThinkMs * 3 / 2 + 1));
            }
        })).ToList();
        await Task.WhenAll(tasks);
        foreach (var c in clients) c.Http.Dispose();
        foreach (var (api, label) in new[] { (false, $"{load.Users} signed-in users"), (true, $"{load.ApiClients} API clients (bearer key)") })
        {
            if (latencies[api].Count == 0) continue;
            var stats = new Stats(latencies[api]);
            var rate = latencies[api].Count / end.Elapsed.TotalSeconds;
            var verdict = stats.Percentile(95) <= 300 && errors[api] == 0 ? "met" : "MISSED";
            Print($"{engine} load: {label} for {load.Seconds} s (think {load.ThinkMs} ms): {latencies[api].Count} requests, {rate:0.0} req/s, {errors[api]} errors; wall {stats.Summary("ms")}; target p95 <= 300 ms and 0 errors {verdict}");
        }
    }

    /// <summary>A dashboard URL and the local begin and (exclusive) end it filters on.</summary>
    private sealed record Request(string Url, long? AgentId, DateTime From, DateTime To);

    /// <summary>One GET: the app's own time (Server-Timing) and the client's wall time including the body.</summary>
    internal static async Task<(double ServerMs, double WallMs, string Html)> GetAsync(HttpClient http, string url)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync(new Uri(url, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();
        var wall = clock.Elapsed.TotalMilliseconds;
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {url}: {(int)response.StatusCode}");
        var timing = response.Headers.TryGetValues("Server-Timing", out var values) ? values.FirstOrDefault() : null;
        var match = timing is null ? null : ServerTiming().Match(timing);
        if (match is not { Success: true }) throw new InvalidOperationException($"GET {url}: no Server-Timing app;dur=… header");
        return (double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), wall, html);
    }

    /// <summary>
    /// The page shows the numbers of calls (all, and per verdict) that the calls table holds for that filter, so a
    /// fast page is also a right one.
    /// </summary>
    private static async Task CheckAsync(Db db, TimeZoneInfo zone, Request r, string html)
    {
        if (html.Contains("id=\"filter-errors\"", StringComparison.Ordinal)) throw new InvalidOperationException($"GET {r.Url}: the page reports filter errors");
        var shown = Counts().Matches(html).ToDictionary(m => m.Groups[1].Value, m => long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        var from = WeekBuckets.LocalToUtc(r.From, zone).ToUnixTimeMilliseconds();
        var to = WeekBuckets.LocalToUtc(r.To, zone).ToUnixTimeMilliseconds();
        await using var c = await db.OpenAsync(CancellationToken.None);
        var expected = (await c.QueryAsync<(string, long)>(
            "SELECT sentiment, COUNT(*) FROM calls WHERE started_at >= @from AND started_at < @to AND (@agentId IS NULL OR agent_id = @agentId) GROUP BY sentiment",
            new { from, to, agentId = r.AgentId })).ToDictionary(x => "count-" + x.Item1.ToLowerInvariant(), x => x.Item2);
        expected["total-calls"] = expected.Values.Sum();
        foreach (var label in new[] { "positive", "negative", "neutral", "mixed" }) expected.TryAdd("count-" + label, 0);
        if (expected["total-calls"] == 0 || expected.Any(e => shown.GetValueOrDefault(e.Key, -1) != e.Value))
            throw new InvalidOperationException($"GET {r.Url}: the page shows {string.Join(", ", shown)}; the calls table has {string.Join(", ", expected)}");
    }

    /// <summary>The comparison pages show the number of calls (the team's, or the employee's) that the calls table holds.</summary>
    private static async Task CheckComparisonAsync(Db db, TimeZoneInfo zone, Request r, string html)
    {
        if (html.Contains("id=\"filter-errors\"", StringComparison.Ordinal)) throw new InvalidOperationException($"GET {r.Url}: the page reports filter errors");
        var shown = ComparisonCalls().Match(html) is { Success: true } m ? long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : -1;
        var from = WeekBuckets.LocalToUtc(r.From, zone).ToUnixTimeMilliseconds();
        var to = WeekBuckets.LocalToUtc(r.To, zone).ToUnixTimeMilliseconds();
        await using var c = await db.OpenAsync(CancellationToken.None);
        var expected = await c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM calls WHERE started_at >= @from AND started_at < @to AND (@agentId IS NULL OR agent_id = @agentId)", new { from, to, agentId = r.AgentId });
        if (expected == 0 || shown != expected)
            throw new InvalidOperationException($"GET {r.Url}: the page shows {shown} calls; the calls table has {expected}");
        // The ranking also shows how many of the team's calls carry the category: the tags of the period.
        if (r.AgentId is not null) return;
        var tagged = TaggedCalls().Match(html) is { Success: true } t ? long.Parse(t.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
        var expectedTagged = await c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM call_categories WHERE category_id = 1 AND started_at >= @from AND started_at < @to", new { from, to });
        if (tagged != expectedTagged)
            throw new InvalidOperationException($"GET {r.Url}: the page shows {tagged} calls tagged; call_categories has {expectedTagged}");
    }

    /// <summary>First days of the months whose <paramref name="months"/>-month span lies within [first, last].</summary>
    private static IEnumerable<DateOnly> Months(DateOnly first, DateOnly last, int months)
    {
        var m = new DateOnly(first.Year, first.Month, 1);
        if (m < first) m = m.AddMonths(1);
        for (; m.AddMonths(months).AddDays(-1) <= last; m = m.AddMonths(1)) yield return m;
    }

    private static string SchemaTag(DbProvider provider)
    {
        var sql = string.Concat(Migrator.Migrations(provider).Select(m => m.Sql));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sql)))[..8];
    }

    private static DateTime Midnight(DateOnly day) => day.ToDateTime(TimeOnly.MinValue);

    private static DateOnly LocalDay(long unixMs, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(unixMs), zone).DateTime);

    private static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));

    [GeneratedRegex(@"app;dur=([0-9.]+)")]
    private static partial Regex ServerTiming();

    [GeneratedRegex("id=\"(total-calls|count-[a-z]+)\">([0-9]+)<")]
    private static partial Regex Counts();

    [GeneratedRegex("id=\"(team-calls|employee-calls)\">([0-9]+)<")]
    private static partial Regex ComparisonCalls();

    [GeneratedRegex("id=\"team-category-calls\">([0-9]+)<")]
    private static partial Regex TaggedCalls();
}
