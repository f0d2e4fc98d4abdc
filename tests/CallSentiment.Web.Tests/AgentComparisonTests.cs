using System.Globalization;
using System.Net;
using System.Text.Json;
using AngleSharp.Html.Parser;
using CallSentiment.Web.Access;
using CallSentiment.Web.Metrics;
using CallSentiment.Web.Storage;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallSentiment.Web.Tests;

/// <summary>
/// The agent comparison (issue 17 item 4) through HTTP on SQLite, PostgreSQL and MariaDB: nine employees' calls with
/// chosen figures over four weeks in New York time (so week boundaries are not UTC midnights and some days are summed
/// from calls), checked against the same figures worked out here from the calls themselves; the rollup the page reads
/// kept equal to the calls through re-analysis, edits and deletion by the triggers; its backfill; bad input.
/// </summary>
public abstract class AgentComparisonTests(AgentComparisonTests.App fixture)
{
    private const string Zone = "America/New_York";
    private static readonly TimeZoneInfo TimeZone = TimeZoneInfo.FindSystemTimeZoneById(Zone);
    private const string Period = "from=2026-06-01&to=2026-06-28";
    private static readonly DateTimeOffset PeriodFrom = WeekBuckets.LocalToUtc(new DateTime(2026, 6, 1), TimeZone);
    private static readonly DateTimeOffset PeriodTo = WeekBuckets.LocalToUtc(new DateTime(2026, 6, 29), TimeZone);

    private readonly App _fixture = fixture;
    private CallSentimentApp Instance => _fixture.Instance;

    /// <summary>(name, positives, negatives, agent interruptions per call, agent / customer talk s, silence s, calls with a long silence, change).</summary>
    private static readonly (string Name, int Positives, int Negatives, int Interruptions, int AgentTalk, int CustomerTalk, int Silence, int LongSilences, double Change)[] Profiles =
    [
        ("ann", 8, 1, 0, 120, 180, 20, 0, 0.2),
        ("ben", 7, 2, 1, 150, 150, 25, 1, 0.1),
        ("cat", 6, 2, 1, 140, 160, 30, 1, 0.0),
        ("dan", 6, 3, 1, 160, 140, 30, 2, 0.05),
        ("eve", 5, 3, 2, 170, 130, 35, 2, -0.05),
        ("fay", 7, 1, 0, 130, 170, 20, 0, 0.15),
        ("gus", 5, 2, 1, 150, 150, 28, 1, 0.0),
        ("ivy", 2, 7, 4, 220, 80, 60, 6, -0.4),
    ];

    public static IReadOnlyList<SeedCall> Seeds { get; } = BuildSeeds();

    private static List<SeedCall> BuildSeeds()
    {
        var list = new List<SeedCall>();
        var monday = new DateTimeOffset(2026, 6, 1, 14, 0, 0, TimeSpan.Zero);
        for (var k = 0; k < Profiles.Length; k++)
        {
            var p = Profiles[k];
            for (var j = 0; j < 12; j++)
            {
                var sentiment = j < p.Positives ? "POSITIVE" : j < p.Positives + p.Negatives ? "NEGATIVE" : "NEUTRAL";
                list.Add(new SeedCall(p.Name, monday.AddDays(7 * (j % 4) + j / 4).AddMinutes(k * 7 + j), sentiment, 300_000 + 1000 * j,
                    p.Change + (j % 3 - 1) * 0.1, p.Silence * 1000L, j < p.LongSilences ? 45_000 : 8_000, p.AgentTalk * 1000L + j, p.CustomerTalk * 1000L,
                    p.Interruptions, j % 3));
            }
        }
        // Around the week boundary at New York midnight (04:00 UTC in June) and the period's ends.
        list.Add(new SeedCall("gus", new DateTimeOffset(2026, 6, 8, 2, 0, 0, TimeSpan.Zero), "NEGATIVE", 200_000, -0.3, 50_000, 40_000, 100_000, 50_000, 3));  // Sun 22:00: week 1
        list.Add(new SeedCall("gus", new DateTimeOffset(2026, 6, 8, 5, 0, 0, TimeSpan.Zero), "POSITIVE", 200_000, 0.3, 5_000, 2_000, 60_000, 90_000, 0));     // Mon 01:00: week 2
        list.Add(new SeedCall("gus", new DateTimeOffset(2026, 6, 29, 3, 30, 0, TimeSpan.Zero), "POSITIVE", 250_000, 0.1, 9_000, 3_000, 70_000, 80_000, 1));  // Sun 23:30: last week
        list.Add(new SeedCall("gus", new DateTimeOffset(2026, 6, 1, 3, 0, 0, TimeSpan.Zero), "NEGATIVE", 250_000));                                          // May 31: before
        list.Add(new SeedCall("gus", new DateTimeOffset(2026, 6, 29, 4, 30, 0, TimeSpan.Zero), "NEGATIVE", 250_000));                                        // Jun 29: after
        // A call without conversation facts (analysed without a transcript) counts for NPS only.
        list.Add(new SeedCall("fay", new DateTimeOffset(2026, 6, 17, 15, 0, 0, TimeSpan.Zero), "POSITIVE", 120_000));
        // Too few calls to be ranked.
        for (var j = 0; j < 3; j++)
            list.Add(new SeedCall("zed", new DateTimeOffset(2026, 6, 2 + j, 16, 0, 0, TimeSpan.Zero), "NEGATIVE", 300_000, -0.5, 90_000, 60_000, 200_000, 10_000, 5));
        return list;
    }

    /// <summary>The figures worked out here from <see cref="Seeds"/>: per employee and week of the period.</summary>
    private static Dictionary<string, AgentSumsOracle[]> Expected()
    {
        var weeks = WeekBuckets.Between(PeriodFrom, PeriodTo, TimeZone);
        var result = new Dictionary<string, AgentSumsOracle[]>();
        foreach (var s in Seeds.Where(s => s.Start >= PeriodFrom && s.Start < PeriodTo))
        {
            var w = weeks.Select((b, i) => (b, i)).Single(x => s.Start >= x.b.StartUtc && s.Start < x.b.EndUtc).i;
            if (!result.TryGetValue(s.Agent, out var a)) result[s.Agent] = a = Enumerable.Range(0, weeks.Count).Select(_ => new AgentSumsOracle()).ToArray();
            a[w].Add(s);
        }
        return result;
    }

    private sealed class AgentSumsOracle
    {
        public long Calls, Positives, Negatives, ChangeCount, ConversationCalls, LongSilences;
        public double ChangeSum, ConversationMs, SilenceMs, AgentTalk, CustomerTalk, Interruptions;

        public void Add(SeedCall s)
        {
            Calls++;
            if (s.Sentiment == "POSITIVE") Positives++;
            if (s.Sentiment == "NEGATIVE") Negatives++;
            if (s.Change is { } ch) { ChangeSum += ch; ChangeCount++; }
            if (s.AgentTalkMs is { } talk)
            {
                ConversationCalls++;
                ConversationMs += s.DurationMs;
                SilenceMs += s.SilenceMs ?? 0;
                if ((s.LongestSilenceMs ?? 0) >= 30_000) LongSilences++;
                AgentTalk += talk;
                CustomerTalk += s.CustomerTalkMs ?? 0;
                Interruptions += s.AgentInterruptions;
            }
        }

        public static AgentSumsOracle Sum(IEnumerable<AgentSumsOracle> all)
        {
            var t = new AgentSumsOracle();
            foreach (var a in all)
            {
                t.Calls += a.Calls; t.Positives += a.Positives; t.Negatives += a.Negatives; t.ChangeCount += a.ChangeCount; t.ChangeSum += a.ChangeSum;
                t.ConversationCalls += a.ConversationCalls; t.ConversationMs += a.ConversationMs; t.SilenceMs += a.SilenceMs; t.LongSilences += a.LongSilences;
                t.AgentTalk += a.AgentTalk; t.CustomerTalk += a.CustomerTalk; t.Interruptions += a.Interruptions;
            }
            return t;
        }

        public Dictionary<string, double?> Figures() => new()
        {
            ["nps"] = Calls == 0 ? null : ((double)Positives / Calls - (double)Negatives / Calls) * 100,
            ["change"] = ChangeCount == 0 ? null : ChangeSum / ChangeCount,
            ["talk"] = AgentTalk + CustomerTalk == 0 ? null : 100 * AgentTalk / (AgentTalk + CustomerTalk),
            ["interruptions"] = ConversationCalls == 0 ? null : Interruptions / ConversationCalls,
            ["silence"] = ConversationMs == 0 ? null : 100 * SilenceMs / ConversationMs,
            ["longSilences"] = ConversationCalls == 0 ? null : 100.0 * LongSilences / ConversationCalls,
        };
    }

    /// <summary>One app (Dashboard:TimeZone New York) with the seeded calls and one real spoken call, shared by the tests.</summary>
    public abstract class App : IAsyncLifetime
    {
        public CallSentimentApp Instance { get; private set; } = null!;

        public IReadOnlyList<long> SeedIds { get; private set; } = [];

        protected static Dictionary<string, string?> Settings => new()
        {
            ["Dashboard:TimeZone"] = Zone, ["Agents:MinCalls"] = "10", ["Categories:PollInterval"] = "00:00:00.100", ["Categories:RetagBatchSize"] = "10",
        };

        protected abstract Task<CallSentimentApp> CreateAsync();

        /// <summary>A database of the same engine with no schema (for the backfill test).</summary>
        public abstract Task<Db> EmptyDatabaseAsync();

        public async Task InitializeAsync()
        {
            Instance = await CreateAsync();
            // A real analysed call (words, speakers, conversation facts) before the seeded ones, in April.
            SpokenCalls.Write(Instance.Recordings, "carla", new DateTime(2026, 4, 6, 9, 0, 0), "spoken", SpokenCalls.AngryCustomer);
            using (await Instance.SignedInClientAsync()) { }
            await Instance.WaitForJobsAsync(1, TimeSpan.FromMinutes(6));
            SeedIds = await AgentCalls.InsertAsync(Instance.Db, Seeds);
        }

        public virtual async Task DisposeAsync() => await Instance.DisposeAsync();
    }

    public sealed class SqliteApp : App
    {
        protected override Task<CallSentimentApp> CreateAsync() => Task.FromResult(new CallSentimentApp("Sqlite", null, Settings));

        public override Task<Db> EmptyDatabaseAsync() =>
            Task.FromResult<Db>(new SqliteDb($"Data Source={Path.Combine(Instance.Root, "backfill-" + Guid.NewGuid().ToString("N")[..8] + ".db")}"));
    }

    public sealed class PostgresApp : App
    {
        private readonly PostgresCluster _cluster = new();

        protected override async Task<CallSentimentApp> CreateAsync()
        {
            await _cluster.InitializeAsync();
            return new CallSentimentApp("Postgres", await _cluster.CreateDatabaseAsync(), Settings);
        }

        public override async Task<Db> EmptyDatabaseAsync() => new PostgresDb(await _cluster.CreateDatabaseAsync());

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            await _cluster.DisposeAsync();
        }
    }

    public sealed class MySqlApp : App
    {
        private readonly MariaDbServer _server = new();

        protected override async Task<CallSentimentApp> CreateAsync()
        {
            await _server.InitializeAsync();
            return new CallSentimentApp("MySql", await _server.CreateDatabaseAsync(), Settings);
        }

        public override async Task<Db> EmptyDatabaseAsync() => new MySqlDb(await _server.CreateDatabaseAsync());

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            await _server.DisposeAsync();
        }
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task ComparisonApi_SeededPeriod_FiguresPerEmployeeAndWeekMatchTheCalls()
    {
        using var http = await Instance.SignedInClientAsync(AppRoles.Supervisor);
        var json = await JsonAsync(await http.GetAsync($"/api/v1/agents/comparison?{Period}"), HttpStatusCode.OK);
        var expected = Expected();
        var agents = json.GetProperty("agents").EnumerateArray().ToDictionary(a => a.GetProperty("agent").GetString()!);
        Assert.Equal(expected.Keys.Order(), agents.Keys.Order());
        foreach (var (name, weeks) in expected)
        {
            var a = agents[name];
            var total = AgentSumsOracle.Sum(weeks);
            Assert.Equal(total.Calls, a.GetProperty("calls").GetInt64());
            foreach (var (key, value) in total.Figures())
            {
                var shown = a.GetProperty("metrics").GetProperty(key).GetProperty("value");
                if (value is null) Assert.Equal(JsonValueKind.Null, shown.ValueKind);
                else Assert.True(Math.Abs(value.Value - shown.GetDouble()) < 1e-3, $"{name} {key}: {shown} shown, {value} from the calls");
            }
            var shownWeeks = a.GetProperty("weeks").EnumerateArray().ToList();
            Assert.Equal(weeks.Length, shownWeeks.Count);
            for (var w = 0; w < weeks.Length; w++)
            {
                Assert.True(weeks[w].Calls == shownWeeks[w].GetProperty("calls").GetInt64(), $"{name} week {w}: {shownWeeks[w]}");
                var nps = weeks[w].Figures()["nps"];
                var shownNps = shownWeeks[w].GetProperty("metrics").GetProperty("nps");
                Assert.Equal(nps is null, shownNps.ValueKind == JsonValueKind.Null);
                if (nps is not null) Assert.Equal(nps.Value, shownNps.GetDouble(), 3);
            }
        }
        // gus: the Sunday-evening call (Monday 02:00 UTC) is in his first week, the Monday 01:00 one in the second, the
        // Sunday 23:30 one on the last day in the fourth; the calls just outside the period are not counted.
        var gus = agents["gus"].GetProperty("weeks").EnumerateArray().Select(w => w.GetProperty("calls").GetInt64()).ToList();
        Assert.Equal(new long[] { 4, 4, 3, 4 }, gus);

        // Ranks and coaching points: ivy is the weakest on every figure, ann on none; zed has too few calls to be ranked.
        Assert.False(agents["zed"].GetProperty("ranked").GetBoolean());
        Assert.Equal(JsonValueKind.Null, agents["zed"].GetProperty("metrics").GetProperty("nps").GetProperty("rank").ValueKind);
        var ivy = agents["ivy"];
        Assert.Equal(8, ivy.GetProperty("metrics").GetProperty("nps").GetProperty("rank").GetInt32());
        Assert.Equal(8, ivy.GetProperty("metrics").GetProperty("nps").GetProperty("ranked").GetInt32());
        Assert.Contains("nps", ivy.GetProperty("coachOn").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("interruptions", ivy.GetProperty("coachOn").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(agents["ann"].GetProperty("coachOn").EnumerateArray());
        Assert.Equal(1, agents["ann"].GetProperty("metrics").GetProperty("nps").GetProperty("rank").GetInt32());
        // The team median is the middle of the eight ranked employees' NPS.
        var ranked = expected.Where(e => e.Key != "zed").Select(e => AgentSumsOracle.Sum(e.Value).Figures()["nps"]!.Value).Order().ToList();
        Assert.Equal((ranked[3] + ranked[4]) / 2, json.GetProperty("team").GetProperty("nps").GetProperty("median").GetDouble(), 3);
    }

    [Fact]
    public async Task RankingPage_SortedByInterruptions_WeakestLastAndFlagged()
    {
        using var http = await Instance.SignedInClientAsync(AppRoles.Supervisor);
        using var response = await http.GetAsync($"/agents?{Period}&sort=interruptions");
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        var doc = await new HtmlParser().ParseDocumentAsync(html);
        Assert.Null(doc.QuerySelector("#filter-errors"));
        var rows = doc.QuerySelectorAll("#agents-table tbody tr").ToList();
        var order = rows.Select(r => r.GetAttribute("data-agent")).ToList();
        // Fewest interruptions first (lower is better), the unranked employee after everyone ranked.
        Assert.Equal("zed", order[^1]);
        Assert.Equal("ivy", order[^2]);
        Assert.Contains(order[0], new[] { "ann", "fay" });
        var ivy = rows.Single(r => r.GetAttribute("data-agent") == "ivy");
        var cell = ivy.QuerySelector("td[data-metric=interruptions]")!;
        Assert.Contains("weak", cell.ClassList);
        Assert.StartsWith("4.00", cell.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Equal("/agents/detail?from=2026-06-01&to=2026-06-28&agent=ivy#drivers-interruptions", cell.QuerySelector("a")!.GetAttribute("href"));
        Assert.Contains("Interruptions", ivy.QuerySelector("td.coach")!.TextContent, StringComparison.Ordinal);
        var ann = rows.Single(r => r.GetAttribute("data-agent") == "ann");
        Assert.Empty(ann.QuerySelectorAll("td.weak"));
        // Each row's sparkline is its weekly NPS (to 0.1, empty for a week without calls) for wwwroot/js/agents.js to draw.
        foreach (var (name, weeks) in Expected())
        {
            var want = string.Join(',', weeks.Select(w => w.Figures()["nps"] is { } nps ? nps.ToString("0.#", CultureInfo.InvariantCulture) : ""));
            Assert.Equal(want, rows.Single(r => r.GetAttribute("data-agent") == name).QuerySelector("svg.sparkline")!.GetAttribute("data-nps"));
        }
        Assert.Equal("1.00", doc.QuerySelector("#median-interruptions")!.TextContent.Trim());

        var csv = await http.GetStringAsync($"/agents?handler=Csv&{Period}");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("employee,agent,calls,ranked,nps,nps_rank,nps_team_median,nps_coaching_point,change,", lines[0], StringComparison.Ordinal);
        Assert.Equal(10, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("Ivy Test,ivy,12,true,-41.6667,8,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DetailPage_WeakEmployee_CoachingPointsAndTheCallsBehindThem()
    {
        using var http = await Instance.SignedInClientAsync(AppRoles.Supervisor);
        var html = await http.GetStringAsync($"/agents/detail?agent=ivy&{Period}");
        var doc = await new HtmlParser().ParseDocumentAsync(html);
        Assert.Null(doc.QuerySelector("#filter-errors"));
        Assert.Contains("Interruptions", doc.QuerySelector("#coach-on")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("weak", doc.QuerySelector("#card-nps")!.ClassList);
        Assert.Contains("8th of 8", doc.QuerySelector("#card-nps")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("/?agent=ivy&negative=true&from=2026-06-01&to=2026-06-28", doc.QuerySelector("#negative-calls")!.GetAttribute("href"));
        // Her seven negative calls and her six long silences are the lists' rows, each linking to the call.
        var ivyIds = Seeds.Select((s, i) => (s, Id: _fixture.SeedIds[i])).Where(x => x.s.Agent == "ivy").ToList();
        string[] Links(string metric) => doc.QuerySelectorAll($"#drivers-{metric} tbody tr a").Select(a => a.GetAttribute("href")!).Order().ToArray();
        Assert.Equal(ivyIds.Where(x => x.s.Sentiment == "NEGATIVE").Select(x => $"/calls/{x.Id}").Order().ToArray(), Links("nps"));
        Assert.Equal(ivyIds.Where(x => x.s.LongestSilenceMs >= 30_000).Select(x => $"/calls/{x.Id}").Order().ToArray(), Links("longSilences"));
        Assert.Equal(10, doc.QuerySelectorAll("#drivers-interruptions tbody tr").Length);
        Assert.NotNull(doc.QuerySelector("#agent-trend-data"));
    }

    [Fact]
    public async Task Pages_BadValues_MessagesNeverErrors()
    {
        using var http = await Instance.SignedInClientAsync(AppRoles.Supervisor);
        foreach (var (url, message) in new[]
        {
            ("/agents?from=2026-13-01", "is not a date"),
            ("/agents?sort=shoe-size", "Cannot sort by 'shoe-size'"),
            ("/agents?dir=sideways", "asc or desc"),
            ("/agents?from=2026-06-28&to=2026-06-01", "after the begin"),
            ("/agents?handler=Csv&from=yesterday", "is not a date"),
            ("/agents/detail?agent=nobody", "There is no employee 'nobody'"),
            ("/agents/detail", "Choose an employee"),
            ("/agents?category=shoe-size", "There is no category 'shoe-size'"),
            ("/agents?sort=category", "Choose a category to sort by it"),
            ("/agents/detail?agent=ann&category=shoe-size", "There is no category 'shoe-size'"),
        })
        {
            using var response = await http.GetAsync(url);
            var html = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode}");
            var errors = (await new HtmlParser().ParseDocumentAsync(html)).QuerySelector("#filter-errors");
            Assert.True(errors is not null && errors.TextContent.Contains(message, StringComparison.Ordinal), $"{url}: {errors?.TextContent}");
        }
        var problem = await JsonAsync(await http.GetAsync("/api/v1/agents/comparison?from=2026-02-30&sort=x"), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("from", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("sort", out _));
        var unknown = await JsonAsync(await http.GetAsync("/api/v1/agents/comparison?category=shoe-size"), HttpStatusCode.BadRequest);
        Assert.True(unknown.GetProperty("errors").TryGetProperty("category", out _));
        // An employee without calls in the period: a notice, not an error.
        var quiet = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync("/agents/detail?agent=ann&from=2025-01-01&to=2025-01-31"));
        Assert.NotNull(quiet.QuerySelector("#no-calls"));
    }

    /// <summary>Per employee and week of the period: how many of the seeded calls a rule on conversation facts tags.</summary>
    private static Dictionary<string, long[]> Tagged(Func<SeedCall, bool> rule)
    {
        var weeks = WeekBuckets.Between(PeriodFrom, PeriodTo, TimeZone);
        var result = new Dictionary<string, long[]>();
        foreach (var s in Seeds.Where(s => s.Start >= PeriodFrom && s.Start < PeriodTo))
        {
            var w = weeks.Select((b, i) => (b, i)).Single(x => s.Start >= x.b.StartUtc && s.Start < x.b.EndUtc).i;
            if (!result.TryGetValue(s.Agent, out var a)) result[s.Agent] = a = new long[weeks.Count];
            if (rule(s)) a[w]++;
        }
        return result;
    }

    /// <summary>
    /// Saves a category as an admin does (a new rule, or a changed one, re-tags every stored call) and waits for the re-tagging.
    /// <paramref name="polarity"/>: the form's value ("avoid", "encourage"); null sends none, as a form from before polarities did.
    /// </summary>
    private async Task<long> SaveCategoryAsync(long? id, string name, string rule, string? polarity = null)
    {
        using var admin = await Instance.SignedInClientAsync(allowAutoRedirect: false);
        var page = await new HtmlParser().ParseDocumentAsync(await admin.GetStringAsync("/admin/categories"));
        var form = new Dictionary<string, string>
        {
            ["Name"] = name, ["Rule"] = rule,
            ["__RequestVerificationToken"] = page.QuerySelector("#category-form input[name=__RequestVerificationToken]")!.GetAttribute("value")!,
        };
        if (id is not null) form["Id"] = id.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (polarity is not null) form["Polarity"] = polarity;
        using (var response = await admin.PostAsync("/admin/categories?handler=Save", new FormUrlEncodedContent(form)))
            Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"save answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using (var c = await Instance.Db.OpenAsync(CancellationToken.None))
            {
                var (saved, status) = await c.QuerySingleAsync<(long, string)>("SELECT id, retag_status FROM categories WHERE name = @name", new { name });
                if (status == "done") return saved;
                Assert.NotEqual("failed", status);
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"category {name} was not re-tagged");
            await Task.Delay(100);
        }
    }

    /// <summary>The API's category figure per employee and week equals the share of their calls that the rule tags.</summary>
    private static async Task<JsonElement> AssertCategoryFiguresAsync(HttpClient http, string name, Func<SeedCall, bool> rule)
    {
        var json = await JsonAsync(await http.GetAsync($"/api/v1/agents/comparison?{Period}&category={Uri.EscapeDataString(name)}"), HttpStatusCode.OK);
        Assert.Equal(name, json.GetProperty("category").GetString());
        Assert.Equal(name, json.GetProperty("team").GetProperty("category").GetProperty("title").GetString());
        var calls = Expected();
        var tagged = Tagged(rule);
        foreach (var a in json.GetProperty("agents").EnumerateArray())
        {
            var agent = a.GetProperty("agent").GetString()!;
            var total = AgentSumsOracle.Sum(calls[agent]).Calls;
            Assert.Equal(100.0 * tagged[agent].Sum() / total, a.GetProperty("metrics").GetProperty("category").GetProperty("value").GetDouble(), 3);
            var weeks = a.GetProperty("weeks").EnumerateArray().ToList();
            for (var w = 0; w < weeks.Count; w++)
            {
                var shown = weeks[w].GetProperty("metrics").GetProperty("category");
                if (calls[agent][w].Calls == 0) Assert.Equal(JsonValueKind.Null, shown.ValueKind);
                else Assert.True(Math.Abs(100.0 * tagged[agent][w] / calls[agent][w].Calls - shown.GetDouble()) < 1e-3, $"{agent} week {w}: {shown}");
            }
        }
        return json;
    }

    [Fact]
    public async Task CategoryColumn_RuleChangedAndCallsRetagged_SharePerEmployeeAndWeekStaysEqualToTheTags()
    {
        using var http = await Instance.SignedInClientAsync(AppRoles.Supervisor);
        var id = await SaveCategoryAsync(null, "Talks over the customer", "agent.interruptions >= 2");
        var json = await AssertCategoryFiguresAsync(http, "Talks over the customer", s => s.AgentTalkMs is not null && s.AgentInterruptions >= 2);
        var agents = json.GetProperty("agents").EnumerateArray().ToDictionary(a => a.GetProperty("agent").GetString()!);
        // Fewer is better: eve and ivy (every call) are the weakest and coached on it; gus (one call of 16) is not.
        Assert.Contains("category", agents["ivy"].GetProperty("coachOn").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("category", agents["eve"].GetProperty("coachOn").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain("category", agents["gus"].GetProperty("coachOn").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, agents["ann"].GetProperty("metrics").GetProperty("category").GetProperty("rank").GetInt32());

        // The rule changed: the stored calls are re-tagged in the background and the figures follow the new tags.
        Assert.Equal(id, await SaveCategoryAsync(id, "Talks over the customer", "agent.interruptions >= 4"));
        json = await AssertCategoryFiguresAsync(http, "Talks over the customer", s => s.AgentTalkMs is not null && s.AgentInterruptions >= 4);
        agents = json.GetProperty("agents").EnumerateArray().ToDictionary(a => a.GetProperty("agent").GetString()!);
        Assert.Equal(0, agents["eve"].GetProperty("metrics").GetProperty("category").GetProperty("value").GetDouble());
        Assert.DoesNotContain("category", agents["eve"].GetProperty("coachOn").EnumerateArray().Select(e => e.GetString()));
        // Without a category the column is not there.
        var plain = await JsonAsync(await http.GetAsync($"/api/v1/agents/comparison?{Period}"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("category").ValueKind);
        Assert.False(plain.GetProperty("team").TryGetProperty("category", out _));
    }

    [Fact]
    public async Task CategoryColumn_PageCsvAndDetail_RankedCountedAndDrilledDownToTheTaggedCalls()
    {
        await SaveCategoryAsync(null, "Long silence", "longest_silence >= 30s");
        using var http = await Instance.SignedInClientAsync(AppRoles.Supervisor);
        var html = await http.GetStringAsync($"/agents?{Period}&category=Long+silence&sort=category");
        var doc = await new HtmlParser().ParseDocumentAsync(html);
        Assert.Null(doc.QuerySelector("#filter-errors"));
        Assert.Equal("Long silence ▲", doc.QuerySelector("#sort-category")!.TextContent.Trim());
        var tagged = Tagged(s => s.AgentTalkMs is not null && s.LongestSilenceMs >= 30_000);
        Assert.Equal(tagged.Values.Sum(w => w.Sum()).ToString(System.Globalization.CultureInfo.InvariantCulture), doc.QuerySelector("#team-category-calls")!.TextContent);
        // Fewest long silences first; ivy (6 of 12) last of the ranked and flagged; links keep the category.
        var order = doc.QuerySelectorAll("#agents-table tbody tr").Select(r => r.GetAttribute("data-agent")).ToList();
        Assert.Equal(["ivy", "zed"], order.TakeLast(2));
        var ivy = doc.QuerySelector("#agents-table tr[data-agent=ivy] td[data-metric=category]")!;
        Assert.Contains("weak", ivy.ClassList);
        Assert.StartsWith("50.0%", ivy.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Equal("/agents/detail?from=2026-06-01&to=2026-06-28&category=Long%20silence&agent=ivy#drivers-category", ivy.QuerySelector("a")!.GetAttribute("href"));

        var csv = (await http.GetStringAsync($"/agents?handler=Csv&{Period}&category=Long+silence")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",category,category_rank,category_team_median,category_coaching_point,coach_on", csv[0], StringComparison.Ordinal);
        Assert.Contains(csv, l => l.StartsWith("Ivy Test,ivy,12,true,Long silence,", StringComparison.Ordinal) && l.Contains(",50,8,", StringComparison.Ordinal));

        // The detail page: the figure against the team, its weekly trend, and the calls tagged (each a link), newest first.
        var detail = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync($"/agents/detail?agent=ivy&{Period}&category=Long+silence"));
        Assert.Null(detail.QuerySelector("#filter-errors"));
        Assert.Contains("weak", detail.QuerySelector("#card-category")!.ClassList);
        Assert.NotNull(detail.QuerySelector("canvas#trend-category"));
        Assert.Equal("/?agent=ivy&category=Long%20silence&from=2026-06-01&to=2026-06-28", detail.QuerySelector("#category-calls")!.GetAttribute("href"));
        var ivyIds = Seeds.Select((s, i) => (s, Id: _fixture.SeedIds[i])).Where(x => x.s.Agent == "ivy" && x.s.LongestSilenceMs >= 30_000)
            .OrderByDescending(x => x.s.Start).Select(x => $"/calls/{x.Id}").ToArray();
        Assert.Equal(ivyIds, detail.QuerySelectorAll("#drivers-category tbody tr a").Select(a => a.GetAttribute("href")!).ToArray());
    }

    [Fact]
    public async Task CategoryColumn_ToEncourage_HighestShareFirstAndLowestCoachedOnPageCsvDetailAndApi()
    {
        const string Name = "No long silence";
        await SaveCategoryAsync(null, Name, "longest_silence < 30s", "encourage");
        using var http = await Instance.SignedInClientAsync(AppRoles.Supervisor);
        var json = await AssertCategoryFiguresAsync(http, Name, s => s.AgentTalkMs is not null && s.LongestSilenceMs < 30_000);
        Assert.Equal("encourage", json.GetProperty("categoryPolarity").GetString());
        Assert.True(json.GetProperty("team").GetProperty("category").GetProperty("higherIsBetter").GetBoolean());
        var agents = json.GetProperty("agents").EnumerateArray().ToDictionary(a => a.GetProperty("agent").GetString()!);
        int Rank(string agent) => agents[agent].GetProperty("metrics").GetProperty("category").GetProperty("rank").GetInt32();
        IEnumerable<string?> CoachOn(string agent) => agents[agent].GetProperty("coachOn").EnumerateArray().Select(e => e.GetString());
        // More is better: ann (no long silence in 12 calls) first, ivy (6 of 12) last; ivy, dan and eve (10 of 12) are in the
        // weakest quarter and under the median, so coached on it; ann and fay (12 of 13) are not.
        Assert.Equal(1, Rank("ann"));
        Assert.Equal(2, Rank("fay"));
        Assert.Equal(8, Rank("ivy"));
        foreach (var weak in new[] { "ivy", "dan", "eve" }) Assert.Contains("category", CoachOn(weak));
        foreach (var strong in new[] { "ann", "fay", "ben" }) Assert.DoesNotContain("category", CoachOn(strong));
        // The median is the middle of the eight ranked shares, as for any figure.
        var tagged = Tagged(s => s.AgentTalkMs is not null && s.LongestSilenceMs < 30_000);
        var shares = Expected().Where(e => e.Key != "zed").Select(e => 100.0 * tagged[e.Key].Sum() / AgentSumsOracle.Sum(e.Value).Calls).Order().ToList();
        Assert.Equal((shares[3] + shares[4]) / 2, json.GetProperty("team").GetProperty("category").GetProperty("median").GetDouble(), 3);

        // The page: sorted by the category, the highest share first by default, the column saying which way is better.
        var doc = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync($"/agents?{Period}&category=No+long+silence&sort=category"));
        Assert.Null(doc.QuerySelector("#filter-errors"));
        Assert.Equal("No long silence ▼", doc.QuerySelector("#sort-category")!.TextContent.Trim());
        Assert.Contains("to encourage", doc.QuerySelector("#agents-table th small.category-label")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("higher is better", doc.QuerySelector("#sort-category")!.ParentElement!.GetAttribute("title"), StringComparison.Ordinal);
        var order = doc.QuerySelectorAll("#agents-table tbody tr").Select(r => r.GetAttribute("data-agent")).ToList();
        Assert.Equal("ann", order[0]);
        Assert.Equal(["ivy", "zed"], order.TakeLast(2));
        var ivy = doc.QuerySelector("#agents-table tr[data-agent=ivy]")!;
        Assert.Contains("weak", ivy.QuerySelector("td[data-metric=category]")!.ClassList);
        Assert.StartsWith("50.0%", ivy.QuerySelector("td[data-metric=category]")!.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Contains("No long silence (too rarely)", ivy.QuerySelector("td.coach")!.TextContent, StringComparison.Ordinal);
        Assert.Empty(doc.QuerySelectorAll("#agents-table tr[data-agent=ann] td.weak[data-metric=category]"));

        // The CSV says which way the category counts, and flags the same employees.
        var csv = (await http.GetStringAsync($"/agents?handler=Csv&{Period}&category=No+long+silence")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("employee,agent,calls,ranked,category_name,category_polarity,nps,", csv[0], StringComparison.Ordinal);
        var ivyLine = Assert.Single(csv, l => l.StartsWith("Ivy Test,ivy,12,true,No long silence,encourage,", StringComparison.Ordinal));
        Assert.Contains(",50,8,", ivyLine, StringComparison.Ordinal);
        var header = csv[0].Split(',');
        Assert.Equal("true", ivyLine.Split(',')[Array.IndexOf(header, "category_coaching_point")]);
        Assert.Equal("false", csv.Single(l => l.StartsWith("Ann Test,ann,", StringComparison.Ordinal)).Split(',')[Array.IndexOf(header, "category_coaching_point")]);

        // The detail page: the calls behind a low share are the employee's calls NOT tagged (ivy's six long silences), newest first.
        var detail = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync($"/agents/detail?agent=ivy&{Period}&category=No+long+silence"));
        Assert.Null(detail.QuerySelector("#filter-errors"));
        Assert.Contains("weak", detail.QuerySelector("#card-category")!.ClassList);
        Assert.Contains("Calls not tagged No long silence", detail.QuerySelector("#drivers-category h3")!.TextContent, StringComparison.Ordinal);
        var untagged = Seeds.Select((s, i) => (s, Id: _fixture.SeedIds[i])).Where(x => x.s.Agent == "ivy" && x.s.LongestSilenceMs >= 30_000)
            .OrderByDescending(x => x.s.Start).Select(x => $"/calls/{x.Id}").ToArray();
        Assert.Equal(6, untagged.Length);
        Assert.Equal(untagged, detail.QuerySelectorAll("#drivers-category tbody tr a").Select(a => a.GetAttribute("href")!).ToArray());
    }

    [Fact]
    public async Task CategoryColumn_PolarityChanged_ReRankedAtOnceWithoutRetagging()
    {
        const string Name = "Interrupts at most once";
        // Saved without a polarity (as before there were any): to avoid, fewer is better.
        var id = await SaveCategoryAsync(null, Name, "agent.interruptions <= 1");
        using var http = await Instance.SignedInClientAsync(AppRoles.Supervisor);
        var url = $"/api/v1/agents/comparison?{Period}&category={Uri.EscapeDataString(Name)}";
        var json = await JsonAsync(await http.GetAsync(url), HttpStatusCode.OK);
        Assert.Equal("avoid", json.GetProperty("categoryPolarity").GetString());
        var agents = json.GetProperty("agents").EnumerateArray().ToDictionary(a => a.GetProperty("agent").GetString()!);
        // eve and ivy (interrupting twice or more in every call) have the lowest share: best when it is to avoid.
        Assert.Equal(1, agents["ivy"].GetProperty("metrics").GetProperty("category").GetProperty("rank").GetInt32());
        Assert.Contains("category", agents["ann"].GetProperty("coachOn").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain("category", agents["ivy"].GetProperty("coachOn").EnumerateArray().Select(e => e.GetString()));
        long version;
        await using (var c = await Instance.Db.OpenAsync(CancellationToken.None))
            version = await c.ExecuteScalarAsync<long>("SELECT version FROM categories WHERE id = @id", new { id });

        // The admin makes it a category to encourage: the next request ranks the other way round, nothing is re-tagged.
        Assert.Equal(id, await SaveCategoryAsync(id, Name, "agent.interruptions <= 1", "encourage"));
        json = await JsonAsync(await http.GetAsync(url), HttpStatusCode.OK);
        Assert.Equal("encourage", json.GetProperty("categoryPolarity").GetString());
        agents = json.GetProperty("agents").EnumerateArray().ToDictionary(a => a.GetProperty("agent").GetString()!);
        Assert.Equal(1, agents["ann"].GetProperty("metrics").GetProperty("category").GetProperty("rank").GetInt32());
        Assert.Equal(7, agents["ivy"].GetProperty("metrics").GetProperty("category").GetProperty("rank").GetInt32());
        Assert.Contains("category", agents["ivy"].GetProperty("coachOn").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("category", agents["eve"].GetProperty("coachOn").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain("category", agents["ann"].GetProperty("coachOn").EnumerateArray().Select(e => e.GetString()));
        await using (var c = await Instance.Db.OpenAsync(CancellationToken.None))
            Assert.Equal((version, "done"), await c.QuerySingleAsync<(long, string)>("SELECT version, retag_status FROM categories WHERE id = @id", new { id }));
        var page = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync($"/agents?{Period}&category={Uri.EscapeDataString(Name)}&sort=category"));
        Assert.Equal("ann", page.QuerySelector("#agents-table tbody tr")!.GetAttribute("data-agent"));
    }

    [Fact]
    public async Task Comparison_PeriodFromMidWeekOverTheEndOfSummerTime_EveryWeekTotalAndTeamFigureMatchesTheCalls()
    {
        // New York (west of UTC): the period begins on a Wednesday and ends on a Thursday, and summer time ends on 1 November,
        // so the local week boundary moves from 04:00 to 05:00 UTC; calls around local and UTC midnight every day.
        var seeds = EveryDay(["oli", "pia"], new DateOnly(2026, 10, 5), 48, TimeZone);
        await AgentCalls.InsertAsync(Instance.Db, seeds);
        await SaveCategoryAsync(null, "Long hold (every day)", "longest_silence >= 30s");
        using var http = await Instance.SignedInClientAsync(AppRoles.Supervisor);
        await AssertFiguresMatchTheCallsAsync(http, TimeZone, new DateOnly(2026, 10, 7), new DateOnly(2026, 11, 19), seeds,
            ("Long hold (every day)", s => s.AgentTalkMs is not null && s.LongestSilenceMs >= 30_000));
    }

    /// <summary>
    /// Calls of each employee on every day from <paramref name="first"/> for <paramref name="days"/> days, just after and
    /// just before local midnight, at local noon and just after UTC midnight, with figures that vary from call to call
    /// (every fifth call without conversation facts).
    /// </summary>
    internal static List<SeedCall> EveryDay(string[] agents, DateOnly first, int days, TimeZoneInfo zone)
    {
        string[] moods = ["POSITIVE", "NEGATIVE", "NEUTRAL", "POSITIVE", "MIXED", "NEGATIVE", "POSITIVE"];
        var list = new List<SeedCall>();
        var n = 0;
        for (var d = 0; d < days; d++)
        {
            var day = first.AddDays(d);
            for (var k = 0; k < agents.Length; k++)
            {
                DateTimeOffset[] times =
                [
                    WeekBuckets.LocalToUtc(day.ToDateTime(new TimeOnly(0, 10 + k)), zone),
                    WeekBuckets.LocalToUtc(day.ToDateTime(new TimeOnly(12, k)), zone),
                    WeekBuckets.LocalToUtc(day.ToDateTime(new TimeOnly(23, 50 + k)), zone),
                    new DateTimeOffset(day.ToDateTime(new TimeOnly(0, 5 + k)), TimeSpan.Zero),
                ];
                foreach (var t in times)
                {
                    n++;
                    var mood = moods[(n * 3 + d) % moods.Length];
                    list.Add(n % 5 == 0
                        ? new SeedCall(agents[k], t, mood, 100_000 + n)
                        : new SeedCall(agents[k], t, mood, 200_000 + 1000 * (n % 50), (n % 9 - 4) * 0.1, 1000L * (n % 40), n % 3 == 0 ? 35_000 : 5_000,
                            60_000 + 500L * (n % 30), 70_000, n % 4, n % 2));
                }
            }
        }
        return list;
    }

    /// <summary>
    /// The API (every figure of every employee and week, the team's weeks), the ranking page (each row's weekly NPS) and each
    /// employee's detail page (their weeks and the team's, every figure) over the period, against the same figures worked out
    /// here from <paramref name="seeds"/> (the only calls in the period); with a category, its share too.
    /// </summary>
    internal static async Task AssertFiguresMatchTheCallsAsync(HttpClient http, TimeZoneInfo zone, DateOnly from, DateOnly to, IReadOnlyList<SeedCall> seeds,
        (string Name, Func<SeedCall, bool> Rule)? category = null)
    {
        var periodFrom = WeekBuckets.LocalToUtc(from.ToDateTime(TimeOnly.MinValue), zone);
        var periodTo = WeekBuckets.LocalToUtc(to.AddDays(1).ToDateTime(TimeOnly.MinValue), zone);
        var weeks = WeekBuckets.Between(periodFrom, periodTo, zone);
        var expected = new Dictionary<string, AgentSumsOracle[]>();
        var tagged = new Dictionary<string, long[]>();
        foreach (var s in seeds.Where(s => s.Start >= periodFrom && s.Start < periodTo))
        {
            var w = weeks.Select((b, i) => (b, i)).Single(x => s.Start >= x.b.StartUtc && s.Start < x.b.EndUtc).i;
            if (!expected.TryGetValue(s.Agent, out var a))
            {
                expected[s.Agent] = a = Enumerable.Range(0, weeks.Count).Select(_ => new AgentSumsOracle()).ToArray();
                tagged[s.Agent] = new long[weeks.Count];
            }
            a[w].Add(s);
            if (category is { } k && k.Rule(s)) tagged[s.Agent][w]++;
        }
        var team = Enumerable.Range(0, weeks.Count).Select(w => AgentSumsOracle.Sum(expected.Values.Select(a => a[w]))).ToArray();
        var teamTagged = Enumerable.Range(0, weeks.Count).Select(w => tagged.Values.Sum(a => a[w])).ToArray();
        Dictionary<string, double?> Figures(AgentSumsOracle o, long tags)
        {
            var f = o.Figures();
            if (category is not null) f["category"] = o.Calls == 0 ? null : 100.0 * tags / o.Calls;
            return f;
        }
        void Near(double? want, JsonElement shown, double tolerance, string what)
        {
            if (want is null) Assert.True(shown.ValueKind == JsonValueKind.Null, $"{what}: {shown} shown, none from the calls");
            else Assert.True(shown.ValueKind == JsonValueKind.Number && Math.Abs(want.Value - shown.GetDouble()) < tolerance, $"{what}: {shown} shown, {want} from the calls");
        }
        var query = string.Create(CultureInfo.InvariantCulture, $"from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}")
            + (category is { } c ? "&category=" + Uri.EscapeDataString(c.Name) : "");

        var json = await JsonAsync(await http.GetAsync($"/api/v1/agents/comparison?{query}"), HttpStatusCode.OK);
        var agents = json.GetProperty("agents").EnumerateArray().ToDictionary(a => a.GetProperty("agent").GetString()!);
        Assert.Equal(expected.Keys.Order(), agents.Keys.Order());
        foreach (var (name, perWeek) in expected)
        {
            Assert.Equal(perWeek.Sum(w => w.Calls), agents[name].GetProperty("calls").GetInt64());
            foreach (var (key, value) in Figures(AgentSumsOracle.Sum(perWeek), tagged[name].Sum()))
                Near(value, agents[name].GetProperty("metrics").GetProperty(key).GetProperty("value"), 1e-3, $"{name} {key}");
            var shownWeeks = agents[name].GetProperty("weeks").EnumerateArray().ToList();
            Assert.Equal(weeks.Count, shownWeeks.Count);
            for (var w = 0; w < weeks.Count; w++)
            {
                Assert.True(perWeek[w].Calls == shownWeeks[w].GetProperty("calls").GetInt64(), $"{name} week {w}: {shownWeeks[w]}");
                foreach (var (key, value) in Figures(perWeek[w], tagged[name][w]))
                    Near(value, shownWeeks[w].GetProperty("metrics").GetProperty(key), 1e-3, $"{name} week {w} {key}");
            }
        }
        var teamWeeks = json.GetProperty("teamWeeks").EnumerateArray().ToList();
        Assert.Equal(team.Select(t => t.Calls), teamWeeks.Select(t => t.GetProperty("calls").GetInt64()));
        for (var w = 0; w < weeks.Count; w++)
            foreach (var (key, value) in Figures(team[w], teamTagged[w]))
                Near(value, teamWeeks[w].GetProperty("metrics").GetProperty(key), 1e-3, $"team week {w} {key}");

        // The ranking page: each row's sparkline is the employee's weekly NPS (to 0.1, empty for a week without calls).
        var page = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync($"/agents?{query}"));
        Assert.Null(page.QuerySelector("#filter-errors"));
        foreach (var (name, perWeek) in expected)
        {
            var want = string.Join(',', perWeek.Select(w => w.Figures()["nps"] is { } nps ? nps.ToString("0.#", CultureInfo.InvariantCulture) : ""));
            Assert.Equal(want, page.QuerySelector($"#agents-table tr[data-agent={name}] svg.sparkline")!.GetAttribute("data-nps"));
        }

        // Each employee's detail page: their weeks and the team's, every figure.
        foreach (var (name, perWeek) in expected)
        {
            var detail = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync($"/agents/detail?agent={name}&{query}"));
            Assert.Null(detail.QuerySelector("#filter-errors"));
            var trend = JsonDocument.Parse(detail.QuerySelector("#agent-trend-data")!.TextContent).RootElement;
            Assert.Equal(perWeek.Select(w => w.Calls), trend.GetProperty("calls").EnumerateArray().Select(e => e.GetInt64()));
            foreach (var m in trend.GetProperty("metrics").EnumerateArray())
            {
                var key = m.GetProperty("key").GetString()!;
                List<JsonElement> agentWeeks = [.. m.GetProperty("agent").EnumerateArray()], teamTrend = [.. m.GetProperty("team").EnumerateArray()];
                for (var w = 0; w < weeks.Count; w++)
                {
                    Near(Figures(perWeek[w], tagged[name][w])[key], agentWeeks[w], 2e-3, $"{name}'s page, week {w} {key}");
                    Near(Figures(team[w], teamTagged[w])[key], teamTrend[w], 2e-3, $"{name}'s page, team week {w} {key}");
                }
            }
        }
    }

    [Fact]
    public async Task Rollup_ReanalysisEditsAndDeletion_StaysEqualToTheCalls()
    {
        Assert.Empty(await AgentCalls.RollupDifferencesAsync(Instance.Db));
        // Calls in 2025, outside every other test's period.
        var ids = await AgentCalls.InsertAsync(Instance.Db,
        [
            new SeedCall("mia", new DateTimeOffset(2025, 3, 3, 10, 0, 0, TimeSpan.Zero), "NEGATIVE", 200_000, -0.2, 30_000, 31_000, 90_000, 60_000, 2, 1),
            new SeedCall("mia", new DateTimeOffset(2025, 3, 3, 11, 0, 0, TimeSpan.Zero), "POSITIVE", 250_000, 0.4, 10_000, 5_000, 80_000, 70_000, 1),
            new SeedCall("mia", new DateTimeOffset(2025, 3, 4, 9, 0, 0, TimeSpan.Zero), "NEUTRAL", 260_000, 0.0, 12_000, 6_000, 70_000, 75_000),
        ]);
        Assert.Empty(await AgentCalls.RollupDifferencesAsync(Instance.Db));
        await using (var c = await Instance.Db.OpenAsync(CancellationToken.None))
        {
            // A re-analysis as the worker stores it: derived rows deleted, the call updated in place (another employee
            // and day after a corrected sidecar), new speakers written — in one transaction.
            await using (var tx = await Migrator.BeginAsync(c, CancellationToken.None))
            {
                await c.ExecuteAsync("DELETE FROM call_speakers WHERE call_id = @id", new { id = ids[0] }, tx);
                var ben = await c.ExecuteScalarAsync<long>("SELECT id FROM agents WHERE name = 'ben'", transaction: tx);
                await c.ExecuteAsync("""
                    UPDATE calls SET agent_id = @ben, started_at = @startedAt, duration_ms = 210000, sentiment = 'MIXED', sentiment_change = 0.1,
                        silence_ms = 40000, longest_silence_ms = 20000 WHERE id = @id
                    """, new { ben, startedAt = new DateTimeOffset(2025, 3, 5, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), id = ids[0] }, tx);
                await c.ExecuteAsync("""
                    INSERT INTO call_speakers (call_id, speaker, role, channel, talk_ms, words, interruptions)
                    VALUES (@id, 0, 'agent', 0, 95000, 10, 3), (@id, 1, 'customer', 1, 55000, 10, 0), (@id, 2, 'unknown', NULL, 5000, 1, 0)
                    """, new { id = ids[0] }, tx);
                await tx.CommitAsync();
            }
            // An edit of one figure, of a column the rollup does not sum, and of a speaker.
            await c.ExecuteAsync("UPDATE calls SET sentiment = 'NEGATIVE' WHERE id = @id", new { id = ids[2] });
            await c.ExecuteAsync("UPDATE calls SET confidence = 0.2 WHERE id = @id", new { id = ids[2] });
            await c.ExecuteAsync("UPDATE call_speakers SET talk_ms = talk_ms + 500, interruptions = 4 WHERE call_id = @id AND role = 'agent'", new { id = ids[2] });
            // Deletion: the speakers go by cascade.
            await c.ExecuteAsync("DELETE FROM calls WHERE id = @id", new { id = ids[1] });
        }
        Assert.Empty(await AgentCalls.RollupDifferencesAsync(Instance.Db));
    }

    [Fact]
    public async Task Rollup_RealCallAnalysedAndReanalysedAfterSwap_StaysEqualToTheCalls()
    {
        await using (var c = await Instance.Db.OpenAsync(CancellationToken.None))
            Assert.True(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM call_speakers s JOIN calls k ON k.id = s.call_id WHERE k.call_ref = 'spoken'") >= 2);
        Assert.Empty(await AgentCalls.RollupDifferencesAsync(Instance.Db));
        using var http = await Instance.SignedInClientAsync(AppRoles.Supervisor);
        var before = await JsonAsync(await http.GetAsync("/api/v1/agents/comparison?from=2026-04-06&to=2026-04-06"), HttpStatusCode.OK);
        var carla = Assert.Single(before.GetProperty("agents").EnumerateArray());
        var talk = carla.GetProperty("metrics").GetProperty("talk").GetProperty("value").GetDouble();
        Assert.InRange(talk, 1, 99);

        long id;
        await using (var c = await Instance.Db.OpenAsync(CancellationToken.None))
            id = await c.ExecuteScalarAsync<long>("SELECT id FROM calls WHERE call_ref = 'spoken'");
        using var admin = await Instance.SignedInClientAsync(allowAutoRedirect: false);
        var token = SignIn.TokenOf(await admin.GetStringAsync($"/calls/{id}"));
        using (var swap = await admin.PostAsync($"/calls/{id}?handler=Swap", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token })))
            Assert.Equal(HttpStatusCode.Redirect, swap.StatusCode);
        await Instance.WaitForJobsAsync(1, TimeSpan.FromMinutes(6));
        Assert.Empty(await AgentCalls.RollupDifferencesAsync(Instance.Db));
        var after = await JsonAsync(await http.GetAsync("/api/v1/agents/comparison?from=2026-04-06&to=2026-04-06"), HttpStatusCode.OK);
        var swapped = Assert.Single(after.GetProperty("agents").EnumerateArray()).GetProperty("metrics").GetProperty("talk").GetProperty("value").GetDouble();
        // The agent's and the customer's talk time changed places.
        Assert.InRange(swapped, 100 - talk - 0.5, 100 - talk + 0.5);
    }

    [Fact]
    public async Task Migration_ExistingCalls_BackfilledIntoTheRollup()
    {
        await using var db = await _fixture.EmptyDatabaseAsync();
        var migrations = Migrator.Migrations(db.Provider);
        await using (var c = await db.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            foreach (var (version, name, sql) in migrations.Where(m => m.Version < 14))
            {
                await c.ExecuteAsync(sql);
                await c.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, 0)", new { version, name });
            }
        }
        await AgentCalls.InsertAsync(db, Seeds.Take(40));
        await new Migrator(db, NullLogger<Migrator>.Instance, TimeProvider.System).MigrateAsync(CancellationToken.None);
        await using (var c = await db.OpenAsync(CancellationToken.None))
            Assert.Equal(40, await c.ExecuteScalarAsync<long>("SELECT CAST(SUM(call_count) AS " + (db.IsMySql ? "SIGNED" : "BIGINT") + ") FROM agent_days"));
        Assert.Empty(await AgentCalls.RollupDifferencesAsync(db));
    }

    [Fact]
    public async Task Migration_ExistingCategories_KeepTheirMeaningToAvoid()
    {
        await using var db = await _fixture.EmptyDatabaseAsync();
        var migrations = Migrator.Migrations(db.Provider);
        await using (var c = await db.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            foreach (var (version, name, sql) in migrations.Where(m => m.Version < 17))
            {
                await c.ExecuteAsync(sql);
                await c.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, 0)", new { version, name });
            }
            await c.ExecuteAsync("""
                INSERT INTO categories (name, rule_text, alert, version, created_by, created_at, updated_by, updated_at)
                VALUES ('Agent did not greet', 'not agent says "hello"', 0, 1, 'admin', 0, 'admin', 0)
                """);
        }
        await new Migrator(db, NullLogger<Migrator>.Instance, TimeProvider.System).MigrateAsync(CancellationToken.None);
        await using (var c = await db.OpenAsync(CancellationToken.None))
        {
            Assert.Equal("avoid", await c.ExecuteScalarAsync<string>("SELECT polarity FROM categories WHERE name = 'Agent did not greet'"));
            // Only the two polarities can be stored.
            await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => c.ExecuteAsync("UPDATE categories SET polarity = 'sideways'"));
        }
    }
}

public sealed class SqliteAgentComparisonTests(AgentComparisonTests.SqliteApp fixture) : AgentComparisonTests(fixture), IClassFixture<AgentComparisonTests.SqliteApp>;

public sealed class PostgresAgentComparisonTests(AgentComparisonTests.PostgresApp fixture) : AgentComparisonTests(fixture), IClassFixture<AgentComparisonTests.PostgresApp>;

public sealed class MySqlAgentComparisonTests(AgentComparisonTests.MySqlApp fixture) : AgentComparisonTests(fixture), IClassFixture<AgentComparisonTests.MySqlApp>;

/// <summary>
/// A zone east of UTC: London's summer weeks start on Sunday 23:00 UTC, so the UTC Sundays are the days a week boundary
/// cuts, and one of them can fall in the whole days before the period's first whole UTC week.
/// </summary>
public sealed class AgentComparisonEastOfUtcTests
{
    [Fact]
    public async Task Comparison_PeriodFromMidWeekInKolkata_EveryWeekTotalAndTeamFigureMatchesTheCalls()
    {
        // Kolkata (UTC+05:30): local weeks begin on Sunday 18:30 UTC, so every UTC Sunday is cut in two; the period begins on a
        // Wednesday and ends on a Thursday.
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        await using var app = new CallSentimentApp("Sqlite", null, new Dictionary<string, string?> { ["Dashboard:TimeZone"] = "Asia/Kolkata" });
        using var http = await app.SignedInClientAsync(AppRoles.Supervisor);
        var seeds = AgentComparisonTests.EveryDay(["uma", "vic"], new DateOnly(2026, 10, 5), 48, zone);
        await AgentCalls.InsertAsync(app.Db, seeds);
        await AgentComparisonTests.AssertFiguresMatchTheCallsAsync(http, zone, new DateOnly(2026, 10, 7), new DateOnly(2026, 11, 19), seeds);
    }

    [Fact]
    public async Task ComparisonApi_SundayCallBeforeTheFirstWholeWeekInLondonSummer_CountedOnceInItsWeek()
    {
        await using var app = new CallSentimentApp("Sqlite", null, new Dictionary<string, string?> { ["Dashboard:TimeZone"] = "Europe/London" });
        using var http = await app.SignedInClientAsync(AppRoles.Supervisor);
        // July 2026 begins on a Wednesday and ends on a Friday: whole days before the first whole UTC week (Wed 1 – Sun 5)
        // and after the last (Mon 27 – Thu 30). Sunday the 5th is cut by the local week boundary at 23:00 UTC.
        await AgentCalls.InsertAsync(app.Db,
        [
            new SeedCall("sam", new DateTimeOffset(2026, 7, 5, 12, 0, 0, TimeSpan.Zero), "POSITIVE"),
            new SeedCall("sam", new DateTimeOffset(2026, 7, 5, 23, 30, 0, TimeSpan.Zero), "NEGATIVE"),  // Monday 00:30 in London: the next week
            new SeedCall("sam", new DateTimeOffset(2026, 7, 15, 10, 0, 0, TimeSpan.Zero), "NEUTRAL"),
        ]);
        using var response = await http.GetAsync("/api/v1/agents/comparison?from=2026-07-01&to=2026-07-31");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var sam = Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("agents").EnumerateArray());
        Assert.Equal(3, sam.GetProperty("calls").GetInt64());
        Assert.Equal(new long[] { 1, 1, 1, 0, 0 }, sam.GetProperty("weeks").EnumerateArray().Select(w => w.GetProperty("calls").GetInt64()).ToArray());
    }
}
