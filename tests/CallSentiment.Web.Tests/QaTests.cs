using System.Net;
using AngleSharp.Html.Parser;
using CallSentiment.Web.Access;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;

namespace CallSentiment.Web.Tests;

/// <summary>
/// The service-recovery queue through HTTP: negative customers enter it with the analysis; claim, note, resolve. Runs
/// on SQLite and on MariaDB (the subclasses below).
/// </summary>
public abstract class QaTests : IAsyncLifetime
{
    private CallSentimentApp _app = null!;

    protected abstract Task<CallSentimentApp> CreateAppAsync();

    public async Task InitializeAsync()
    {
        _app = await CreateAppAsync();
        var start = new DateTime(2026, 6, 1, 9, 0, 0);
        SpokenCalls.Write(_app.Recordings, "carla", start, "angry", SpokenCalls.AngryCustomer);
        SpokenCalls.Write(_app.Recordings, "carla", start.AddHours(1), "happy", SpokenCalls.HappyCustomer);
        using (await _app.SignedInClientAsync()) { }
        await _app.WaitForJobsAsync(2, TimeSpan.FromMinutes(6));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string page, string handler, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = SignIn.TokenOf(await http.GetStringAsync(page));
        return await http.PostAsync($"{page}?handler={handler}", new FormUrlEncodedContent(fields));
    }

    [Fact]
    public async Task NegativeCustomer_EntersQueueWithReason_AndIsWorkedToResolution()
    {
        await using (var c = await _app.Db.OpenAsync(CancellationToken.None))
        {
            var items = (await c.QueryAsync<(string Key, string Status, string Reason)>("SELECT source_key, status, reason FROM qa_items")).ToList();
            var item = Assert.Single(items);
            Assert.Contains("angry", item.Key, StringComparison.Ordinal);
            Assert.Equal("open", item.Status);
            Assert.StartsWith("The customer came across as", item.Reason, StringComparison.Ordinal);
        }
        using var qa = await _app.SignedInClientAsync(AppRoles.QA, allowAutoRedirect: false);
        var list = await new HtmlParser().ParseDocumentAsync(await qa.GetStringAsync("/qa"));
        var link = list.QuerySelector("#qa-items tbody tr a")!.GetAttribute("href")!;
        var item1 = await new HtmlParser().ParseDocumentAsync(await qa.GetStringAsync(link));
        Assert.NotEmpty(item1.QuerySelectorAll("#qa-chunks li"));

        // Someone else cannot resolve an item they did not claim.
        await _app.EnsureUserAsync("qa-two", AppRoles.QA);
        using var other = _app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        await SignIn.AsAsync(other, "qa-two");

        using (var r = await PostAsync(qa, link, "Claim", [])) Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
        using (var r = await PostAsync(other, link, "Claim", [])) Assert.Equal(HttpStatusCode.Redirect, r.StatusCode); // refused: already claimed
        using (var r = await PostAsync(other, link, "Resolve", new() { ["action"] = "not mine" })) Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
        using (var r = await PostAsync(qa, link, "Note", new() { ["text"] = "<b>called</b> back" })) Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
        using (var r = await PostAsync(qa, link, "Resolve", new() { ["action"] = "Refund issued", ["customerLabel"] = "furious" }))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode); // refused: not a label (the message says so), nothing changes
            Assert.Contains("must be negative, neutral or positive", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var r = await PostAsync(qa, link, "Resolve", new() { ["action"] = "Refund issued", ["customerLabel"] = "negative" }))
            Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);

        await using (var c = await _app.Db.OpenAsync(CancellationToken.None))
        {
            var row = await c.QuerySingleAsync<(string Status, string ClaimedBy, string ResolvedBy, string Action)>(
                "SELECT status, claimed_by, resolved_by, recovery_action FROM qa_items");
            Assert.Equal(("resolved", "test-qa", "test-qa", "Refund issued"), row);
            Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM qa_notes"));
            var actions = (await c.QueryAsync<string>("SELECT action FROM audit_log WHERE target LIKE 'qa:%' ORDER BY id")).ToList();
            Assert.Equal(["qa-claim", "qa-note", "qa-resolve"], actions);
        }
        var page = await qa.GetStringAsync(link);
        Assert.Contains("&lt;b&gt;called&lt;/b&gt; back", page, StringComparison.Ordinal);
        Assert.Contains("Right: the customer was negative", page, StringComparison.Ordinal);

        // The happy call never entered the queue; QA listens anyway and records what the customer felt on its page.
        long happyId;
        string happyVerdict;
        await using (var c = await _app.Db.OpenAsync(CancellationToken.None))
            (happyId, happyVerdict) = await c.QuerySingleAsync<(long, string)>("SELECT id, customer_sentiment FROM calls WHERE source_key LIKE '%happy%'");
        using (var r = await PostAsync(qa, $"/calls/{happyId}", "Label", new() { ["customerLabel"] = "neutral" })) Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
        var callPage = await new HtmlParser().ParseDocumentAsync(await qa.GetStringAsync($"/calls/{happyId}"));
        Assert.Equal("neutral", callPage.QuerySelector("#customer-label option[selected]")!.GetAttribute("value"));
        Assert.Contains("by test-qa", callPage.QuerySelector("#label-recorded")!.TextContent, StringComparison.Ordinal);

        // Both labels come out as an evaluate-calls manifest, each with the evidence the fusion was given.
        using var export = await qa.GetAsync("/qa/labels.csv");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("text/csv", export.Content.Headers.ContentType!.MediaType);
        var lines = (await export.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
        Assert.StartsWith("path,customer,agent,", lines[0], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length);
        var angry = lines.Single(l => l.Contains("angry", StringComparison.Ordinal));
        var happy = lines.Single(l => l.Contains("happy", StringComparison.Ordinal));
        Assert.Contains(",negative,,", angry, StringComparison.Ordinal);
        Assert.Contains(",negative,yes,", angry, StringComparison.Ordinal); // verdict then, right
        Assert.Contains(",neutral,,", happy, StringComparison.Ordinal);
        Assert.Contains(happyVerdict == "NEUTRAL" ? ",neutral,yes," : $",{happyVerdict.ToLowerInvariant()},no,", happy, StringComparison.Ordinal);
        var evidenceJson = angry[(angry.IndexOf("\"{", StringComparison.Ordinal) + 1)..^1].Replace("\"\"", "\"", StringComparison.Ordinal);
        var evidence = System.Text.Json.JsonSerializer.Deserialize<FusionEvidence>(evidenceJson, FusionModel.Json)!;
        Assert.True(evidence.VoiceSeconds > 0 && evidence.TextSeconds > 0, evidenceJson);
        Assert.InRange(evidence.TextNegative + evidence.TextNeutral + evidence.TextPositive, 0.99, 1.01);

        // The dashboard counts the queue.
        using var supervisor = await _app.SignedInClientAsync(AppRoles.Supervisor);
        var dash = await new HtmlParser().ParseDocumentAsync(await supervisor.GetStringAsync("/?agent=carla&from=2026-06-01&to=2026-06-01"));
        Assert.Equal("0", dash.QuerySelector("#qa-open")!.TextContent);
        Assert.Contains("1 resolved in the last 7 days", dash.QuerySelector("#qa-summary")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reanalysis_KeepsTheItemAndItsNotes()
    {
        using var qa = await _app.SignedInClientAsync(AppRoles.QA, allowAutoRedirect: false);
        var list = await new HtmlParser().ParseDocumentAsync(await qa.GetStringAsync("/qa"));
        var link = list.QuerySelector("#qa-items tbody tr a")!.GetAttribute("href")!;
        using (var r = await PostAsync(qa, link, "Note", new() { ["text"] = "first look" })) Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
        long oldCall;
        await using (var c = await _app.Db.OpenAsync(CancellationToken.None))
            oldCall = await c.ExecuteScalarAsync<long>("SELECT call_id FROM qa_items");

        // A supervisor swaps the roles: the recording is analysed again and its call row replaced.
        using var admin = await _app.SignedInClientAsync(AppRoles.Admin, allowAutoRedirect: false);
        using (var r = await PostAsync(admin, $"/calls/{oldCall}", "Swap", [])) Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
        await _app.WaitForJobsAsync(2, TimeSpan.FromMinutes(6));
        await using (var c = await _app.Db.OpenAsync(CancellationToken.None))
        {
            var (items, notes) = (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM qa_items"), await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM qa_notes"));
            Assert.Equal((1L, 1L), (items, notes));
            // The item follows the new analysis (the call row was replaced; SQLite may hand out the same id again).
            var newCall = await c.ExecuteScalarAsync<long?>("SELECT call_id FROM qa_items");
            Assert.Equal(await c.ExecuteScalarAsync<long>("SELECT id FROM calls WHERE call_ref = 'angry'"), newCall);
            Assert.Equal(2, await c.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM job_attempts a JOIN jobs j ON j.id = a.job_id JOIN calls k ON k.recording_id = j.recording_id WHERE k.call_ref = 'angry'"));
            Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT roles_swapped FROM recordings WHERE call_ref = 'angry'"));
        }
    }

    [Fact]
    public async Task QueueFilter_BadValues_AreValidationMessages()
    {
        (string Url, string Message)[] cases =
        [
            ("/qa?status=gone", "is not a status"), ("/qa?from=yesterday", "is not a date"),
            ("/qa?from=2026-06-02&to=2026-06-01", "The end must be after the begin."), ("/qa?page=-1", "is not a page number"),
        ];
        using var qa = await _app.SignedInClientAsync(AppRoles.QA);
        foreach (var (url, message) in cases)
        {
            using var r = await qa.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Contains(message, await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using var injected = await qa.GetAsync($"/qa?agent={Uri.EscapeDataString("carla' OR '1'='1")}&status=all");
        var doc = await new HtmlParser().ParseDocumentAsync(await injected.Content.ReadAsStringAsync());
        Assert.Equal("0 item(s)", doc.QuerySelector("#qa-total")!.TextContent.Trim());
    }
}

public sealed class SqliteQaTests : QaTests
{
    protected override Task<CallSentimentApp> CreateAppAsync() => Task.FromResult(new CallSentimentApp());
}

public sealed class MySqlQaTests(MariaDbServer server) : QaTests, IClassFixture<MariaDbServer>
{
    protected override async Task<CallSentimentApp> CreateAppAsync() => new("MySql", await server.CreateDatabaseAsync());
}
