using System.Globalization;
using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using CallSentiment.Web.Access;
using CallSentiment.Web.Metrics;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;

namespace CallSentiment.Web.Tests;

/// <summary>
/// One analysed call by an employee with a display name (an angry customer, so it is in the QA queue), for the tests
/// of what people read every day: names, the call page, the QA pages and the app's own 404 page.
/// </summary>
public sealed class EverydayUseApp : IAsyncLifetime
{
    public const string AgentName = "Carla Jones";

    public CallSentimentApp App { get; } = new();

    public long CallId { get; private set; }

    public long QaItemId { get; private set; }

    public async Task InitializeAsync()
    {
        var key = SpokenCalls.Write(App.Recordings, "carla", new DateTime(2026, 6, 1, 9, 0, 0), "angry", SpokenCalls.AngryCustomer);
        var sidecar = Path.Combine(App.Recordings, Path.ChangeExtension(key, ".json"));
        await File.WriteAllTextAsync(sidecar, $$"""{ "agentName": "{{AgentName}}" }""");
        File.SetLastWriteTimeUtc(sidecar, DateTime.UnixEpoch.AddSeconds(1_700_000_000));
        using (await App.SignedInClientAsync()) { }
        await App.WaitForJobsAsync(1, TimeSpan.FromMinutes(6));
        await using var c = await App.Db.OpenAsync(CancellationToken.None);
        CallId = await c.ExecuteScalarAsync<long>("SELECT id FROM calls");
        QaItemId = await c.ExecuteScalarAsync<long>("SELECT id FROM qa_items");
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

public sealed class EverydayUseTests(EverydayUseApp fixture) : IClassFixture<EverydayUseApp>
{
    private CallSentimentApp App => fixture.App;

    private static async Task<IHtmlDocument> PageAsync(HttpClient http, string url) =>
        await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync(url));

    [Fact]
    public async Task Dashboard_EmployeeWithDisplayName_TableShowsTheName()
    {
        using var http = await App.SignedInClientAsync(AppRoles.Supervisor);
        var doc = await PageAsync(http, "/?from=2026-06-01&to=2026-06-07");

        var cell = doc.QuerySelector("#calls-table tbody td.employee");
        Assert.NotNull(cell);
        Assert.Equal(EverydayUseApp.AgentName, cell.TextContent);
        Assert.Equal("carla", cell.GetAttribute("title"));
    }

    [Fact]
    public async Task CsvExport_EmployeeWithDisplayName_HasTheNameAndEachSidesFeeling()
    {
        using var http = await App.SignedInClientAsync(AppRoles.Supervisor);
        var lines = (await http.GetStringAsync("/?handler=Csv&from=2026-06-01&to=2026-06-07")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await using var c = await App.Db.OpenAsync(CancellationToken.None);
        var (customer, agent) = await c.QuerySingleAsync<(string? Customer, string? Agent)>("SELECT customer_sentiment, agent_sentiment FROM calls");

        var header = lines[0].Split(',');
        var row = lines[1].Split(',');
        Assert.Equal(2, lines.Length);
        Assert.Equal(header.Length, row.Length);
        Assert.Equal(EverydayUseApp.AgentName, row[Array.IndexOf(header, "employee")]);
        Assert.Equal("carla", row[Array.IndexOf(header, "agent")]);
        Assert.NotNull(customer);
        Assert.Equal(customer, row[Array.IndexOf(header, "customer_felt")]);
        Assert.Equal(agent ?? "", row[Array.IndexOf(header, "agent_came_across")]);
    }

    [Fact]
    public async Task QaQueue_EmployeeFilter_IsTheDashboardsPickerAndRowsShowTheName()
    {
        using var qa = await App.SignedInClientAsync(AppRoles.QA);
        var doc = await PageAsync(qa, "/qa?agent=carla&status=all");

        var picker = doc.QuerySelector("#qa-filter select[name=agent]");
        Assert.NotNull(picker);
        var option = picker.QuerySelector("option[value=carla]");
        Assert.NotNull(option);
        Assert.Equal($"{EverydayUseApp.AgentName} (carla)", option.TextContent);
        Assert.True(option.HasAttribute("selected"));
        Assert.Equal(EverydayUseApp.AgentName, doc.QuerySelector("#qa-items tbody td.employee")!.TextContent);
    }

    [Fact]
    public async Task QaItem_WaitThenRefusedThenResolved_PlayerWaitFromTheCallInputKeptAndWhoResolvedShown()
    {
        using var qa = await App.SignedInClientAsync(AppRoles.QA, allowAutoRedirect: false);
        var link = $"/qa/{fixture.QaItemId}";
        var open = await PageAsync(qa, link);
        Assert.Contains(EverydayUseApp.AgentName, open.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        Assert.Equal($"/calls/{fixture.CallId}/audio", open.QuerySelector("audio#qa-player")?.GetAttribute("src"));
        // The call was on 2026-06-01, the item was queued moments ago: the customer has waited since the call.
        var waited = DateTimeOffset.UtcNow - new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);
        Assert.StartsWith(string.Create(CultureInfo.InvariantCulture, $"{(int)waited.TotalDays} d"), open.QuerySelector("#qa-waiting")!.TextContent, StringComparison.Ordinal);
        var queue = await PageAsync(qa, "/qa?agent=carla");
        Assert.StartsWith(string.Create(CultureInfo.InvariantCulture, $"{(int)waited.TotalDays} d"), queue.QuerySelector("#qa-items tbody td.waited")!.TextContent, StringComparison.Ordinal);

        using (var r = await PostAsync(qa, link, "Claim", [])) Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
        // A refused resolve shows the page again with what was written, not an empty form.
        using (var r = await PostAsync(qa, link, "Resolve", new() { ["action"] = "Called back and refunded the fee", ["customerLabel"] = "furious" }))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            var refused = await new HtmlParser().ParseDocumentAsync(await r.Content.ReadAsStringAsync());
            Assert.Contains("must be negative, neutral or positive", refused.QuerySelector("#qa-message")!.TextContent, StringComparison.Ordinal);
            Assert.Equal("Called back and refunded the fee", refused.QuerySelector("#resolve-form textarea")!.TextContent);
        }
        using (var r = await PostAsync(qa, link, "Resolve", new() { ["action"] = "Called back and refunded the fee", ["customerLabel"] = "negative" }))
            Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);

        var resolved = await PageAsync(qa, link);
        Assert.Null(resolved.QuerySelector("#qa-waiting"));
        var when = resolved.QuerySelector("#qa-resolved")!.TextContent;
        Assert.Contains("by test-qa", when, StringComparison.Ordinal);
        Assert.Contains(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), when, StringComparison.Ordinal);
        var row = (await PageAsync(qa, "/qa?agent=carla&status=resolved")).QuerySelector("#qa-items tbody td.waited")!.TextContent;
        Assert.StartsWith("resolved ", row, StringComparison.Ordinal);
        Assert.Contains("by test-qa", row, StringComparison.Ordinal);
        // The dashboard's median counts from the call too, in days and hours rather than thousands of hours.
        using var supervisor = await App.SignedInClientAsync(AppRoles.Supervisor);
        var summary = (await PageAsync(supervisor, "/?agent=carla")).QuerySelector("#qa-summary")!.TextContent;
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"(median {(int)waited.TotalDays} d "), summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallPage_Stages_ExplainedInWordsNotJson()
    {
        using var http = await App.SignedInClientAsync(AppRoles.Supervisor);
        var doc = await PageAsync(http, $"/calls/{fixture.CallId}");

        var details = doc.QuerySelectorAll("#stages td.detail").Select(d => d.TextContent.Trim()).ToList();
        Assert.Equal(2, details.Count);
        Assert.All(details, d => Assert.DoesNotContain("{", d, StringComparison.Ordinal));
        Assert.Contains(details, d => d.StartsWith("The emotion model listened to channel 1 (customer)", StringComparison.Ordinal));
        Assert.Contains(details, d => d.StartsWith("Transcribed by", StringComparison.Ordinal) && d.Contains("the verdict is the customer's words", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallPage_QuarterChart_HasAxesAndALegendPerSpeaker()
    {
        using var http = await App.SignedInClientAsync(AppRoles.Supervisor);
        var doc = await PageAsync(http, $"/calls/{fixture.CallId}");

        var chart = doc.QuerySelector("#quarter-trend")!;
        var ticks = chart.QuerySelectorAll("text").Select(t => t.TextContent).ToList();
        Assert.Equal(["+1", "0", "−1", "Q1", "Q2", "Q3", "Q4", "quarter of the call"], ticks);
        var legend = doc.QuerySelector("#quarter-legend")!;
        Assert.Equal(["customer", "agent"], legend.QuerySelectorAll(".key-item").Select(k => k.TextContent.Trim()).Order(StringComparer.Ordinal).Reverse());
    }

    [Fact]
    public async Task CallPage_QaUser_SeesNoDashboardLinkNorSwapButton()
    {
        using var qa = await App.SignedInClientAsync(AppRoles.QA);
        using var supervisor = await App.SignedInClientAsync(AppRoles.Supervisor);
        var url = $"/calls/{fixture.CallId}";

        var forQa = await PageAsync(qa, url);
        Assert.Null(forQa.QuerySelector("#swap-form"));
        Assert.Empty(forQa.QuerySelectorAll("main a[href^='/?']"));
        var forSupervisor = await PageAsync(supervisor, url);
        Assert.NotNull(forSupervisor.QuerySelector("#swap-form"));
        Assert.Equal($"← {EverydayUseApp.AgentName}'s calls", forSupervisor.QuerySelector("#agent-calls")!.TextContent);
    }

    [Theory]
    [InlineData("/no-such-page")]
    [InlineData("/calls/999999")]
    [InlineData("/qa/999999")]
    public async Task UnknownPageOrId_ShowsTheAppsNotFoundPageWithNavigation(string url)
    {
        using var http = await App.SignedInClientAsync();
        using var response = await http.GetAsync(url);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var doc = await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
        Assert.NotNull(doc.QuerySelector("#not-found"));
        Assert.NotNull(doc.QuerySelector("header.top nav a[href='/qa']"));
        Assert.Contains(url, doc.QuerySelector("main code")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownApiId_KeepsItsJsonProblemNotThePage()
    {
        using var http = await App.SignedInClientAsync();
        using var response = await http.GetAsync("/api/v1/calls/999999");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("not-found", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddUser_RefusedPassword_KeepsTheOtherInputs()
    {
        using var admin = await App.SignedInClientAsync(allowAutoRedirect: false);
        using var r = await PostAsync(admin, "/admin/users", "Create",
            new() { ["newUserName"] = "dora", ["displayName"] = "Dora Lane", ["newRole"] = AppRoles.QA, ["password"] = "x" });

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var doc = await new HtmlParser().ParseDocumentAsync(await r.Content.ReadAsStringAsync());
        Assert.Equal("dora", doc.QuerySelector("#add-user input[name=newUserName]")!.GetAttribute("value"));
        Assert.Equal("Dora Lane", doc.QuerySelector("#add-user input[name=displayName]")!.GetAttribute("value"));
        Assert.Equal(AppRoles.QA, doc.QuerySelector("#add-user select[name=newRole] option[selected]")!.GetAttribute("value"));
    }

    [Theory]
    [InlineData(0, "0.0 s")]
    [InlineData(400, "0.4 s")]
    [InlineData(12_340, "12.3 s")]
    [InlineData(95_000, "0:01:35")]
    public void Span_ShortStretches_ShownInSecondsNotAsZeroClock(long ms, string expected) =>
        Assert.Equal(expected, MetricFormat.Span(ms));

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string page, string handler, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = SignIn.TokenOf(await http.GetStringAsync(page));
        return await http.PostAsync($"{page}?handler={handler}", new FormUrlEncodedContent(fields));
    }
}
