using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AngleSharp.Html.Parser;
using CallSentiment.Web.Access;
using CallSentiment.Web.Metrics;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CallSentiment.Web.Tests;

/// <summary>
/// Recordings dropped into the folder are found, analysed once and shown on the dashboard; bad input is reported,
/// never a 500. Runs on SQLite, PostgreSQL and MariaDB (the subclasses below).
/// </summary>
public abstract class IngestionAndDashboardTests : IAsyncLifetime
{
    private CallSentimentApp _app = null!;

    protected abstract Task<CallSentimentApp> CreateAppAsync();

    /// <summary>
    /// These tests are about ingestion and the dashboard, and each builds its own app: voice-only analysis keeps them
    /// quick. The transcript path is tested end to end by ConversationTests on both databases.
    /// </summary>
    protected static readonly Dictionary<string, string?> VoiceOnly = new() { ["Transcription:Engine"] = "None" };

    public async Task InitializeAsync()
    {
        _app = await CreateAppAsync();
        var start = new DateTime(2026, 3, 2, 9, 0, 0); // Monday of ISO week 2026-W10
        TestCalls.Write(_app.Recordings, "alice", start, "a1", CustomerMood.Angry);
        TestCalls.Write(_app.Recordings, "alice", start.AddDays(1), "a2", CustomerMood.Happy);
        TestCalls.Write(_app.Recordings, "bob", start.AddDays(8), "b1", CustomerMood.Calm);
        Directory.CreateDirectory(Path.Combine(_app.Recordings, "bob", "2026-03-10"));
        await File.WriteAllTextAsync(Path.Combine(_app.Recordings, "bob", "2026-03-10", "120000_broken.wav"), "this is not audio");
        File.SetLastWriteTimeUtc(Path.Combine(_app.Recordings, "bob", "2026-03-10", "120000_broken.wav"), DateTime.UnixEpoch.AddSeconds(1_700_000_000));
        await File.WriteAllTextAsync(Path.Combine(_app.Recordings, "stray.wav"), "x");
        File.SetLastWriteTimeUtc(Path.Combine(_app.Recordings, "stray.wav"), DateTime.UnixEpoch.AddSeconds(1_700_000_000));
        _ = _app.Server; // start the host (and its workers)
        await _app.WaitForJobsAsync(4);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Ingestion_FolderOfCalls_AnalysesEachOnceAndRecordsFailuresWithReasons()
    {
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var jobs = (await c.QueryAsync<(string Key, string Status, long Attempts, string? Error)>(
            "SELECT r.source_key, j.status, j.attempts, j.last_error FROM jobs j JOIN recordings r ON r.id = j.recording_id ORDER BY r.source_key")).ToList();
        Assert.Equal(4, jobs.Count);
        Assert.All(jobs.Where(j => !j.Key.Contains("broken")), j => Assert.Equal(("done", 1L), (j.Status, j.Attempts)));
        var broken = Assert.Single(jobs, j => j.Key.Contains("broken"));
        Assert.Equal("failed", broken.Status);
        Assert.Contains("not a recognised audio file", broken.Error);
        Assert.Equal(3, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM calls"));
        var problem = await c.QuerySingleAsync<(string Key, string Reason)>("SELECT source_key, reason FROM source_problems");
        Assert.Equal("stray.wav", problem.Key);
        Assert.Contains("does not match the key pattern", problem.Reason);
        var windows = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM emotion_windows");
        Assert.True(windows >= 6, $"{windows} emotion windows");
        var stages = await c.QueryAsync<string>("SELECT DISTINCT stage FROM stage_results ORDER BY stage");
        Assert.Equal(["voice-emotion"], stages); // Transcription:Engine=None

    }

    [Fact]
    public async Task Dashboard_OneAgentOneWeek_ShowsTotalsNpsAndRows()
    {
        using var http = await _app.SignedInClientAsync();
        var html = await http.GetStringAsync("/?agent=alice&from=2026-03-02&to=2026-03-08");
        var doc = await new HtmlParser().ParseDocumentAsync(html);
        Assert.Equal("2", doc.QuerySelector("#total-calls")!.TextContent);
        var counts = new[] { "positive", "negative", "neutral", "mixed" }.Sum(l => int.Parse(doc.QuerySelector($"#count-{l}")!.TextContent));
        Assert.Equal(2, counts);
        var pos = int.Parse(doc.QuerySelector("#count-positive")!.TextContent);
        var neg = int.Parse(doc.QuerySelector("#count-negative")!.TextContent);
        Assert.Equal(((pos / 2.0 - neg / 2.0) * 100).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + "%", doc.QuerySelector("#nps")!.TextContent);
        Assert.Equal(2, doc.QuerySelectorAll("#calls-table tbody tr").Length);
        Assert.Contains("2026-W10", doc.QuerySelector("#trend-data")!.TextContent);
    }

    [Fact]
    public async Task Dashboard_NoCallsInRange_ShowsNpsNotApplicable()
    {
        using var http = await _app.SignedInClientAsync();
        var doc = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync("/?from=2020-01-01&to=2020-01-31"));
        Assert.Equal("0", doc.QuerySelector("#total-calls")!.TextContent);
        Assert.Equal("N/A", doc.QuerySelector("#nps")!.TextContent);
    }

    [Theory]
    [InlineData("/?from=2026-03-10&to=2026-03-01", "The end must be after the begin.")]
    [InlineData("/?from=yesterday", "is not a date")]
    [InlineData("/?fromTime=25:00", "is not a time of day")]
    [InlineData("/?agent=nobody", "There is no employee")]
    [InlineData("/?page=-3", "is not a page number")]
    [InlineData("/?sort=drop%20table", "Cannot sort by")]
    public async Task Dashboard_BadFilter_ShowsValidationMessageNot500(string url, string message)
    {
        using var http = await _app.SignedInClientAsync();
        var response = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
        Assert.Contains(message, doc.QuerySelector("#filter-errors")!.TextContent);
    }

    [Fact]
    public async Task CsvExport_Filter_ReturnsEveryRowInvariantCulture()
    {
        using var http = await _app.SignedInClientAsync();
        var csv = await http.GetStringAsync("/?handler=Csv&from=2026-03-01&to=2026-03-31");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("started_at,employee,agent,call_id", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("2026-03-02T09:00:00+00:00,alice,alice,a1,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NegativeFilter_OnlyNegativeRows()
    {
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var negatives = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM calls WHERE sentiment = 'NEGATIVE'");
        using var http = await _app.SignedInClientAsync();
        var doc = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync("/?from=2026-03-01&to=2026-03-31&negative=true"));
        var rows = doc.QuerySelectorAll("#calls-table tbody tr").Where(r => r.QuerySelector("td.empty") is null).ToList();
        Assert.Equal(negatives, rows.Count);
        Assert.All(rows, r => Assert.Equal("NEGATIVE", r.QuerySelector(".sentiment.verdict")!.TextContent));
    }

    [Fact]
    public async Task CallPage_AudioSupportsRangesAndImagesRender()
    {
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var id = await c.ExecuteScalarAsync<long>("SELECT id FROM calls WHERE call_ref = 'a1'");
        using var http = await _app.SignedInClientAsync();
        var doc = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync($"/calls/{id}"));
        Assert.Equal(2, doc.QuerySelectorAll(".timeline").Length);
        Assert.Contains("voice-emotion", doc.QuerySelector("#stages")!.TextContent);

        var request = new HttpRequestMessage(HttpMethod.Get, $"/calls/{id}/audio");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(44, 143);
        var partial = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(100, (await partial.Content.ReadAsByteArrayAsync()).Length);
        var whole = await http.GetByteArrayAsync($"/calls/{id}/audio");
        Assert.Equal(whole.AsSpan(44, 100).ToArray(), await partial.Content.ReadAsByteArrayAsync());

        var png = await http.GetByteArrayAsync($"/calls/{id}/spectrogram.png");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/calls/999999")).StatusCode);
    }

    [Fact]
    public async Task Api_MetricsTrendsAndCalls_MatchTheDashboard()
    {
        var (key, _) = await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("dashboard test", AppRoles.Supervisor, null, "test", CancellationToken.None);
        using var api = _app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var http = await _app.SignedInClientAsync();
        const string Range = "from=2026-03-01&to=2026-03-31";
        var doc = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync("/?" + Range));

        using var metrics = JsonDocument.Parse(await api.GetStringAsync("/api/v1/metrics?" + Range));
        var totals = metrics.RootElement.GetProperty("totals");
        Assert.Equal(3, totals.GetProperty("calls").GetInt64());
        Assert.Equal(doc.QuerySelector("#total-calls")!.TextContent, totals.GetProperty("calls").GetInt64().ToString(CultureInfo.InvariantCulture));
        foreach (var (label, field) in new[] { ("positive", "positives"), ("negative", "negatives"), ("neutral", "neutrals"), ("mixed", "mixeds") })
            Assert.Equal(doc.QuerySelector($"#count-{label}")!.TextContent, totals.GetProperty(field).GetInt64().ToString(CultureInfo.InvariantCulture));
        Assert.Equal(doc.QuerySelector("#nps")!.TextContent, MetricFormat.Nps(totals.GetProperty("nps").GetDouble()));
        Assert.Equal(DateTimeOffset.Parse("2026-03-01T00:00:00Z", CultureInfo.InvariantCulture), metrics.RootElement.GetProperty("from").GetDateTimeOffset());

        using var trends = JsonDocument.Parse(await api.GetStringAsync("/api/v1/trends?" + Range));
        var weeks = trends.RootElement.GetProperty("weeks").EnumerateArray().ToList();
        Assert.Equal("2026-W09", weeks[0].GetProperty("week").GetString());
        Assert.Equal(3, weeks.Sum(w => w.GetProperty("metrics").GetProperty("calls").GetInt64()));
        Assert.Equal(2, weeks.Single(w => w.GetProperty("week").GetString() == "2026-W10").GetProperty("metrics").GetProperty("calls").GetInt64());

        using var calls = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/calls?{Range}&sort=time&dir=asc&pageSize=2"));
        Assert.Equal(3, calls.RootElement.GetProperty("total").GetInt64());
        var first = calls.RootElement.GetProperty("items")[0];
        Assert.Equal(("a1", "alice"), (first.GetProperty("callRef").GetString(), first.GetProperty("agent").GetString()));
        Assert.Equal(2, calls.RootElement.GetProperty("items").GetArrayLength());
        using (var page2 = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/calls?{Range}&sort=time&dir=asc&pageSize=2&page=2")))
            Assert.Equal("b1", Assert.Single(page2.RootElement.GetProperty("items").EnumerateArray()).GetProperty("callRef").GetString());
        using (var negative = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/calls?{Range}&negative=true")))
            Assert.Equal(totals.GetProperty("negatives").GetInt64(), negative.RootElement.GetProperty("total").GetInt64());
        // Totals from the hourly rollup plus the calls of partial hours at both ends (a1 and a2 start at 09:00).
        using (var partial = JsonDocument.Parse(await api.GetStringAsync("/api/v1/calls?from=2026-03-02&fromTime=08:30&to=2026-03-03&toTime=09:30")))
            Assert.Equal(2, partial.RootElement.GetProperty("total").GetInt64());
        using (var edge = JsonDocument.Parse(await api.GetStringAsync("/api/v1/calls?from=2026-03-02&fromTime=09:01&to=2026-03-03&toTime=08:59")))
            Assert.Equal(0, edge.RootElement.GetProperty("total").GetInt64());

        // Bad values are a validation problem naming each field, never a 500.
        using var bad = await api.GetAsync("/api/v1/calls?agent=nobody&sort=drop%20table&pageSize=9999&customer=angry");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.Equal(["agent", "customer", "pageSize", "sort"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Page by page, every sort in both directions gives the calls in the same order as one page of all of them: on
    /// MariaDB the pages by time, duration and confidence are cut at a bound read first (ties across it included).
    /// </summary>
    [Fact]
    public async Task Api_CallsPageByPage_SameOrderAsOnePageForEverySort()
    {
        var (key, _) = await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("paging test", AppRoles.Supervisor, null, "test", CancellationToken.None);
        using var api = _app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        const string Range = "from=2026-03-01&to=2026-03-31";
        foreach (var sort in new[] { "time", "agent", "duration", "verdict", "confidence", "emotion" })
        {
            foreach (var dir in new[] { "asc", "desc" })
            {
                using var all = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/calls?{Range}&sort={sort}&dir={dir}&pageSize=100"));
                var expected = all.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()).ToList();
                Assert.Equal(3, expected.Count);
                var paged = new List<long>();
                for (var page = 1; page <= 4; page++)
                {
                    using var one = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/calls?{Range}&sort={sort}&dir={dir}&pageSize=1&page={page}"));
                    paged.AddRange(one.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
                }
                Assert.True(expected.SequenceEqual(paged), $"sort={sort}&dir={dir}: one page {string.Join(",", expected)}, page by page {string.Join(",", paged)}");
            }
        }
    }

    [Fact]
    public async Task Health_Ready_ReportsDatabaseAndWorker()
    {
        using var http = await _app.SignedInClientAsync();
        var body = await http.GetStringAsync("/health/ready");
        Assert.Contains("\"status\":\"Healthy\"", body);
        Assert.Contains("migrations", body);
        Assert.Contains("heartbeat", body);
    }
}

public sealed class SqliteIngestionAndDashboardTests : IngestionAndDashboardTests
{
    protected override Task<CallSentimentApp> CreateAppAsync() => Task.FromResult(new CallSentimentApp(settings: VoiceOnly));
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresIngestionAndDashboardTests(PostgresCluster cluster) : IngestionAndDashboardTests
{
    protected override async Task<CallSentimentApp> CreateAppAsync() => new(await cluster.CreateDatabaseAsync(), VoiceOnly);
}

public sealed class MySqlIngestionAndDashboardTests(MariaDbServer server) : IngestionAndDashboardTests, IClassFixture<MariaDbServer>
{
    protected override async Task<CallSentimentApp> CreateAppAsync() => new("MySql", await server.CreateDatabaseAsync(), VoiceOnly);
}
