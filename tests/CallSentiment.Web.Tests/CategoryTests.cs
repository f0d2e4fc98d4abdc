using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;

namespace CallSentiment.Web.Tests;

/// <summary>
/// Categories through HTTP on each database: an admin defines them (the rule checked on save, tried on the latest calls
/// first), calls are tagged when analysed (with the matching words highlighted on the call page and listed in the API,
/// and a webhook event for alerting categories), a new or changed rule re-tags the stored calls in the background, and
/// the dashboard, its CSV and the API filter and count by category.
/// </summary>
public abstract class CategoryTests : IAsyncLifetime
{
    private static readonly DateTime Day = new(2026, 6, 1, 9, 0, 0);
    private CallSentimentApp _app = null!;
    private HttpClient _http = null!;

    protected abstract Task<CallSentimentApp> CreateAppAsync(Dictionary<string, string?> settings);

    public async Task InitializeAsync()
    {
        _app = await CreateAppAsync(new Dictionary<string, string?>
        {
            // Calls are stored by the tests through the app's job queue, not analysed from recordings.
            ["Ingestion:Enabled"] = "false",
            ["Categories:PollInterval"] = "00:00:00.100",
            ["Categories:RetagBatchSize"] = "10",
            ["Webhook:Url"] = "http://127.0.0.1:9/hooks",
            ["Webhook:Secret"] = "a-webhook-secret-for-tests",
            ["Webhook:PollInterval"] = "01:00:00",
            ["Webhook:PublicBaseUrl"] = "https://calls.example.com",
        });
        _http = await _app.SignedInClientAsync(allowAutoRedirect: false);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    private static readonly (bool, string)[] Cancelling =
    [
        (true, "thank you for calling how can I help"),
        (false, "I want to cancel my contract today"),
        (true, "I am sorry to hear that"),
    ];

    private static readonly (bool, string)[] Happy =
    [
        (true, "thank you for calling how can I help"),
        (false, "everything works I just wanted to say thanks"),
    ];

    private Task<long> StoreAsync(string callRef, int hour, Sentiment customer, long silenceMs, (bool, string)[] lines) =>
        AnalysedCalls.StoreAsync(_app.Services, "carla", Day.AddHours(hour), callRef, customer, silenceMs, lines);

    private async Task<IHtmlDocument> PageAsync(string path) => await new HtmlParser().ParseDocumentAsync(await _http.GetStringAsync(path));

    private async Task<HttpResponseMessage> PostFormAsync(string handler, Dictionary<string, string> form)
    {
        var page = await PageAsync("/admin/categories");
        form["__RequestVerificationToken"] = page.QuerySelector("#category-form input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        return await _http.PostAsync($"/admin/categories?handler={handler}", new FormUrlEncodedContent(form));
    }

    private async Task<long> CreateAsync(string name, string rule, bool alert = false, string? polarity = null)
    {
        var form = new Dictionary<string, string> { ["Name"] = name, ["Rule"] = rule };
        if (alert) form["Alert"] = "true";
        if (polarity is not null) form["Polarity"] = polarity;
        using var response = await PostFormAsync("Save", form);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"save answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        return await c.ExecuteScalarAsync<long>("SELECT id FROM categories WHERE name = @name", new { name });
    }

    private async Task WaitForRetagAsync(long id, long version)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await using (var c = await _app.Db.OpenAsync(CancellationToken.None))
            {
                var (status, v) = await c.QuerySingleAsync<(string, long)>("SELECT retag_status, version FROM categories WHERE id = @id", new { id });
                if (status == "done" && v == version) return;
                Assert.NotEqual("failed", status);
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"category {id} was not re-tagged");
            await Task.Delay(100);
        }
    }

    private async Task<List<string>> TaggedAsync(long categoryId)
    {
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        return (await c.QueryAsync<string>("""
            SELECT k.call_ref FROM call_categories cc JOIN calls k ON k.id = cc.call_id WHERE cc.category_id = @categoryId ORDER BY k.call_ref
            """, new { categoryId })).ToList();
    }

    [Fact]
    public async Task Save_InvalidRule_ClearMessageWithPositionAndNothingSaved()
    {
        using var response = await PostFormAsync("Save", new() { ["Name"] = "Cancellation", ["Rule"] = "customer says cancel near/5 \"contract\"" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
        Assert.Equal("The rule is not valid at character 15: expected a quoted phrase after 'says' (customer says \"cancel my contract\"), found 'cancel'.",
            doc.QuerySelector("#category-errors li[data-field=rule]")!.TextContent);
        Assert.EndsWith("\n" + new string(' ', 14) + "^", doc.QuerySelector("#rule-error")!.TextContent, StringComparison.Ordinal);
        // What was typed stays in the form, to be corrected.
        Assert.Equal("customer says cancel near/5 \"contract\"", doc.QuerySelector("#category-rule")!.TextContent);
        Assert.Equal("Cancellation", doc.QuerySelector("#category-name")!.GetAttribute("value"));
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM categories"));

        using var duplicate = await PostFormAsync("Save", new() { ["Name"] = "", ["Rule"] = "silence > 30" });
        var errors = (await new HtmlParser().ParseDocumentAsync(await duplicate.Content.ReadAsStringAsync())).QuerySelector("#category-errors")!.TextContent;
        Assert.Contains("Give the category a name.", errors, StringComparison.Ordinal);
        Assert.Contains("'30' needs a unit: 30s, 30m or 30ms", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnalysedCall_MatchingRule_TaggedWithHighlightedWordsApiAndWebhookEvent()
    {
        var categoryId = await CreateAsync("Cancellation risk", "customer says \"cancel*\" near/3 \"contract\"", alert: true);
        await WaitForRetagAsync(categoryId, 1);
        var matching = await StoreAsync("cancel", 0, Sentiment.Negative, 2_000, Cancelling);
        var other = await StoreAsync("happy", 1, Sentiment.Positive, 2_000, Happy);
        Assert.Equal(["cancel"], await TaggedAsync(categoryId));

        var page = await PageAsync($"/calls/{matching}");
        Assert.Equal("Cancellation risk", page.QuerySelector("#call-categories a.category")!.TextContent);
        Assert.Equal(["cancel", "contract"], page.QuerySelectorAll("#transcript span.w.hit").Select(w => w.TextContent));
        Assert.Contains("category: Cancellation risk", page.QuerySelector("#transcript span.w.hit")!.GetAttribute("title"), StringComparison.Ordinal);
        Assert.Empty((await PageAsync($"/calls/{other}")).QuerySelectorAll("#transcript span.w.hit"));

        using (var json = JsonDocument.Parse(await _http.GetStringAsync($"/api/v1/calls/{matching}")))
        {
            var category = Assert.Single(json.RootElement.GetProperty("categories").EnumerateArray());
            Assert.Equal("Cancellation risk", category.GetProperty("name").GetString());
            var spans = category.GetProperty("spans").EnumerateArray().Select(s => (s.GetProperty("text").GetString()!, s.GetProperty("role").GetString()!)).ToList();
            Assert.Equal([("cancel", "customer"), ("contract", "customer")], spans);
            Assert.Equal(["Cancellation risk"], json.RootElement.GetProperty("call").GetProperty("categories").EnumerateArray().Select(n => n.GetString()));
        }

        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var events = (await c.QueryAsync<(long? CallId, string Payload)>("SELECT call_id, payload FROM webhook_deliveries WHERE event = 'category-match'")).ToList();
        var (callId, payload) = Assert.Single(events);
        Assert.Equal(matching, callId);
        using var e = JsonDocument.Parse(payload);
        Assert.Equal("Cancellation risk", e.RootElement.GetProperty("category").GetString());
        Assert.Equal("cancel", e.RootElement.GetProperty("callRef").GetString());
        Assert.Equal($"https://calls.example.com/calls/{matching}", e.RootElement.GetProperty("callUrl").GetString());
        Assert.Equal(["cancel", "contract"], e.RootElement.GetProperty("matches").EnumerateArray().Select(m => m.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task NewAndChangedRule_StoredCallsRetaggedInTheBackground_ProgressShown()
    {
        await StoreAsync("quiet", 0, Sentiment.Neutral, 45_000, Happy);
        await StoreAsync("pause", 1, Sentiment.Neutral, 12_000, Happy);
        for (var i = 0; i < 23; i++) await StoreAsync($"n{i:00}", 2 + (i % 8), Sentiment.Positive, 1_000, Happy);

        var id = await CreateAsync("Long silence", "silence > 30s");
        await WaitForRetagAsync(id, 1);
        Assert.Equal(["quiet"], await TaggedAsync(id));
        var row = (await PageAsync("/admin/categories")).QuerySelector($"#categories tr[data-id='{id}']")!;
        Assert.Equal("done", row.QuerySelector("td.retag")!.GetAttribute("data-status"));
        Assert.StartsWith("done: 1 of 25 matched", row.QuerySelector("td.retag")!.TextContent.Trim(), StringComparison.Ordinal);

        // Edited: the rule's new version re-tags every stored call again (25 calls in batches of 10).
        var form = new Dictionary<string, string> { ["Id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Name"] = "Long silence", ["Rule"] = "silence >= 10s" };
        using (var response = await PostFormAsync("Save", form)) Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        await WaitForRetagAsync(id, 2);
        Assert.Equal(["pause", "quiet"], await TaggedAsync(id));
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        Assert.Equal((25L, 25L, 2L), await c.QuerySingleAsync<(long, long, long)>("SELECT retag_total, retag_done, retag_matched FROM categories WHERE id = @id", new { id }));
    }

    [Fact]
    public async Task Retag_PhraseRule_CustomerSaidItInAnyCaseOrWithAccentsTaggedOthersNot()
    {
        // Stored as the worker stores words: JSON with non-ASCII letters escaped (Café → Caf\u00E9).
        await StoreAsync("accented", 0, Sentiment.Negative, 2_000, [(true, "thank you for calling"), (false, "the Café charged me twice")]);
        await StoreAsync("shouted", 1, Sentiment.Negative, 2_000, [(true, "thank you for calling"), (false, "CAFÉ, again")]);
        await StoreAsync("cancelling", 2, Sentiment.Negative, 2_000, [(true, "thank you for calling"), (false, "I will CANCEL. Today")]);
        await StoreAsync("agent", 3, Sentiment.Neutral, 2_000, [(true, "our café will cancel it"), (false, "okay")]);
        await StoreAsync("happy", 4, Sentiment.Positive, 2_000, Happy);
        var id = await CreateAsync("Cafe or cancel", "customer says \"café\" or customer says \"cancel*\"");
        await WaitForRetagAsync(id, 1);
        Assert.Equal(["accented", "cancelling", "shouted"], await TaggedAsync(id));
    }

    [Fact]
    public async Task RetagRun_LiveLeaseLeftAlone_ExpiredLeaseResumedAfterTheLastBatchWritten()
    {
        // Silent calls in the first batch (n00, n01) and after it (n20..n24).
        for (var i = 0; i < 25; i++) await StoreAsync($"n{i:00}", i % 8, Sentiment.Neutral, i is < 2 or >= 20 ? 45_000 : 1_000, Happy);
        var id = await CreateAsync("Long silence", "silence > 30s");
        await WaitForRetagAsync(id, 1);
        Assert.Equal(["n00", "n01", "n20", "n21", "n22", "n23", "n24"], await TaggedAsync(id));

        // What an instance leaves that wrote its first batch (up to the 10th call) and then stopped answering; the first
        // batch's tags are removed here to see that it is not redone.
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var tenth = await c.ExecuteScalarAsync<long>("SELECT id FROM calls ORDER BY id LIMIT 1 OFFSET 9");
        await c.ExecuteAsync("DELETE FROM call_categories WHERE category_id = @id", new { id });
        await c.ExecuteAsync("""
            UPDATE categories SET retag_status = 'running', retag_owner = 'elsewhere', retag_lease_until = @until, retag_after = @tenth,
                retag_done = 10, retag_matched = 0, retag_finished_at = NULL
            WHERE id = @id
            """, new { id, tenth, until = long.MaxValue / 2 });
        await Task.Delay(1500);
        Assert.Equal(("running", 10L), await c.QuerySingleAsync<(string, long)>("SELECT retag_status, retag_done FROM categories WHERE id = @id", new { id }));
        Assert.Empty(await TaggedAsync(id));

        await c.ExecuteAsync("UPDATE categories SET retag_lease_until = 0 WHERE id = @id", new { id });
        await WaitForRetagAsync(id, 1);
        Assert.Equal(["n20", "n21", "n22", "n23", "n24"], await TaggedAsync(id));
        Assert.Equal((25L, 5L), await c.QuerySingleAsync<(long, long)>("SELECT retag_done, retag_matched FROM categories WHERE id = @id", new { id }));
    }

    [Fact]
    public async Task TryRule_OnTheLatestCalls_ShowsMatchesAndSavesNothing()
    {
        await StoreAsync("cancel", 0, Sentiment.Negative, 2_000, Cancelling);
        await StoreAsync("happy", 1, Sentiment.Positive, 2_000, Happy);
        using var response = await PostFormAsync("Try", new() { ["Name"] = "", ["Rule"] = "customer says \"cancel*\" and customer.sentiment = NEGATIVE", ["Last"] = "50" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
        Assert.Equal("1", doc.QuerySelector("#try-matched")!.TextContent);
        Assert.Contains("of 2 matched", doc.QuerySelector("#try-summary")!.TextContent, StringComparison.Ordinal);
        var match = Assert.Single(doc.QuerySelectorAll("#try-matches tbody tr"));
        Assert.Contains("“cancel”", match.TextContent, StringComparison.Ordinal);
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM categories"));

        using var bad = await PostFormAsync("Try", new() { ["Rule"] = "silence > 30s", ["Last"] = "many" });
        Assert.Contains("Try it on 1 to", (await new HtmlParser().ParseDocumentAsync(await bad.Content.ReadAsStringAsync())).QuerySelector("#category-errors")!.TextContent,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_CategoryFilter_CountsRowsCsvAndApiAgree()
    {
        var id = await CreateAsync("Cancellation risk", "customer says \"cancel*\"");
        await WaitForRetagAsync(id, 1);
        await StoreAsync("cancel1", 0, Sentiment.Negative, 2_000, Cancelling);
        await StoreAsync("cancel2", 2, Sentiment.Negative, 2_000, Cancelling);
        await StoreAsync("happy", 1, Sentiment.Positive, 2_000, Happy);
        const string Range = "from=2026-06-01&to=2026-06-01";

        var all = await PageAsync($"/?{Range}");
        Assert.Equal("3", all.QuerySelector("#total-calls")!.TextContent);
        Assert.Equal("2", all.QuerySelector("#category-counts a[data-category='Cancellation risk'] .n")!.TextContent);
        var filtered = await PageAsync($"/?{Range}&category=Cancellation%20risk");
        Assert.Equal("2", filtered.QuerySelector("#total-calls")!.TextContent);
        var rows = filtered.QuerySelectorAll("#calls-table tbody tr").ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal("Cancellation risk", r.QuerySelector("td.categories")!.TextContent.Trim()));

        var csv = (await _http.GetStringAsync($"/?handler=Csv&{Range}&category=Cancellation%20risk")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",categories,categories_to_avoid,categories_to_encourage", csv[0], StringComparison.Ordinal);
        Assert.Equal(3, csv.Length);
        Assert.All(csv.Skip(1), line => Assert.EndsWith(",Cancellation risk,Cancellation risk,", line, StringComparison.Ordinal));

        using (var json = JsonDocument.Parse(await _http.GetStringAsync($"/api/v1/calls?{Range}&category=Cancellation%20risk")))
        {
            Assert.Equal(2, json.RootElement.GetProperty("total").GetInt64());
            Assert.Equal(["cancel2", "cancel1"], json.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("callRef").GetString()));
        }
        using (var json = JsonDocument.Parse(await _http.GetStringAsync($"/api/v1/categories?{Range}")))
        {
            var k = Assert.Single(json.RootElement.GetProperty("categories").EnumerateArray());
            Assert.Equal(("Cancellation risk", 2L), (k.GetProperty("name").GetString(), k.GetProperty("calls").GetInt64()));
        }

        var unknown = await _http.GetAsync($"/?{Range}&category=Nope");
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        Assert.Contains("There is no category 'Nope'.", (await new HtmlParser().ParseDocumentAsync(await unknown.Content.ReadAsStringAsync())).QuerySelector("#filter-errors")!.TextContent,
            StringComparison.Ordinal);
        using var problem = await _http.GetAsync($"/api/v1/calls?{Range}&category=Nope");
        Assert.Equal(HttpStatusCode.BadRequest, problem.StatusCode);
    }

    [Fact]
    public async Task Save_BadPolarity_ClearMessageAndNothingSavedOrChanged()
    {
        using (var response = await PostFormAsync("Save", new() { ["Name"] = "Offered a callback", ["Rule"] = "agent says \"call you back\"", ["Polarity"] = "sideways" }))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var doc = await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
            Assert.Equal("Choose whether the category is to avoid or to encourage ('sideways' is neither).",
                doc.QuerySelector("#category-errors li[data-field=polarity]")!.TextContent);
            Assert.Equal("Offered a callback", doc.QuerySelector("#category-name")!.GetAttribute("value"));
            await using var c = await _app.Db.OpenAsync(CancellationToken.None);
            Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM categories"));
        }
        var id = await CreateAsync("Offered a callback", "agent says \"call you back\"", polarity: "encourage");
        using (var response = await PostFormAsync("Save", new()
               {
                   ["Id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Name"] = "Offered a callback",
                   ["Rule"] = "agent says \"call you back\"", ["Polarity"] = "<script>",
               }))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var doc = await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
            Assert.Contains("('<script>' is neither)", doc.QuerySelector("#category-errors li[data-field=polarity]")!.TextContent, StringComparison.Ordinal);
        }
        await using (var c = await _app.Db.OpenAsync(CancellationToken.None))
            Assert.Equal("encourage", await c.ExecuteScalarAsync<string>("SELECT polarity FROM categories WHERE id = @id", new { id }));
    }

    [Fact]
    public async Task ToEncourageCategory_AdminDashboardCallPageApiCsvAndWebhook_ShownAsSuch()
    {
        var avoid = await CreateAsync("Cancellation risk", "customer says \"cancel*\"");
        var encourage = await CreateAsync("Thanked for calling", "agent says \"thank you for calling\"", alert: true, polarity: "encourage");
        await WaitForRetagAsync(avoid, 1);
        await WaitForRetagAsync(encourage, 1);
        var call = await StoreAsync("cancel", 0, Sentiment.Negative, 2_000, Cancelling);
        const string Range = "from=2026-06-01&to=2026-06-01";

        // The admin page lists each category's goal, and the form shows it when editing.
        var admin = await PageAsync("/admin/categories");
        Assert.Equal("to encourage", admin.QuerySelector($"#categories tr[data-id='{encourage}'] td.polarity")!.TextContent.Trim());
        Assert.Equal("to avoid", admin.QuerySelector($"#categories tr[data-id='{avoid}'] td.polarity")!.TextContent.Trim());
        Assert.True(admin.QuerySelector("#category-polarity-avoid")!.HasAttribute("checked"));
        var edit = await PageAsync($"/admin/categories?edit={encourage}");
        Assert.True(edit.QuerySelector("#category-polarity-encourage")!.HasAttribute("checked"));
        Assert.False(edit.QuerySelector("#category-polarity-avoid")!.HasAttribute("checked"));

        // The dashboard's counts and rows and the call page tell a category to encourage from one to avoid.
        var dashboard = await PageAsync($"/?{Range}");
        Assert.Contains("encourage", dashboard.QuerySelector("#category-counts a[data-category='Thanked for calling']")!.ClassList);
        Assert.Contains("avoid", dashboard.QuerySelector("#category-counts a[data-category='Cancellation risk']")!.ClassList);
        Assert.Equal(["Thanked for calling"], dashboard.QuerySelectorAll("#calls-table td.categories .category.encourage").Select(e => e.TextContent));
        Assert.Equal(["Cancellation risk"], dashboard.QuerySelectorAll("#calls-table td.categories .category.avoid").Select(e => e.TextContent));
        var page = await PageAsync($"/calls/{call}");
        Assert.Equal("Thanked for calling", page.QuerySelector("#call-categories .category.encourage")!.TextContent);
        Assert.Equal("Cancellation risk", page.QuerySelector("#call-categories .category.avoid")!.TextContent);
        Assert.Equal(["thank", "you", "for", "calling"], page.QuerySelectorAll("#transcript span.w.hit.encourage").Select(w => w.TextContent));
        Assert.Equal(["cancel"], page.QuerySelectorAll("#transcript span.w.hit:not(.encourage)").Select(w => w.TextContent));

        // The API and the CSV name it.
        using (var json = JsonDocument.Parse(await _http.GetStringAsync($"/api/v1/categories?{Range}")))
            Assert.Equal([("Cancellation risk", "avoid"), ("Thanked for calling", "encourage")], json.RootElement.GetProperty("categories").EnumerateArray()
                .Select(k => (k.GetProperty("name").GetString(), k.GetProperty("polarity").GetString())));
        using (var json = JsonDocument.Parse(await _http.GetStringAsync($"/api/v1/calls/{call}")))
            Assert.Equal([("Cancellation risk", "avoid"), ("Thanked for calling", "encourage")], json.RootElement.GetProperty("categories").EnumerateArray()
                .Select(k => (k.GetProperty("name").GetString(), k.GetProperty("polarity").GetString())));
        var csv = (await _http.GetStringAsync($"/?handler=Csv&{Range}")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",Cancellation risk; Thanked for calling,Cancellation risk,Thanked for calling", Assert.Single(csv.Skip(1)), StringComparison.Ordinal);

        // Its alert (ticked by the admin) goes out like any other, saying which way the category counts.
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var payload = Assert.Single(await c.QueryAsync<string>("SELECT payload FROM webhook_deliveries WHERE event = 'category-match'"));
        using var e = JsonDocument.Parse(payload);
        Assert.Equal(("Thanked for calling", "encourage"), (e.RootElement.GetProperty("category").GetString(), e.RootElement.GetProperty("polarity").GetString()));
    }

    [Fact]
    public async Task DeleteCategory_TagsGoneAndCallsStay()
    {
        var id = await CreateAsync("Cancellation risk", "customer says \"cancel*\"");
        await WaitForRetagAsync(id, 1);
        await StoreAsync("cancel", 0, Sentiment.Negative, 2_000, Cancelling);
        using (var response = await PostFormAsync("Delete", new() { ["id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture) }))
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        Assert.Equal((0L, 0L, 1L), await c.QuerySingleAsync<(long, long, long)>(
            "SELECT (SELECT COUNT(*) FROM categories), (SELECT COUNT(*) FROM call_categories), (SELECT COUNT(*) FROM calls)"));
    }
}

public sealed class SqliteCategoryTests : CategoryTests
{
    protected override Task<CallSentimentApp> CreateAppAsync(Dictionary<string, string?> settings) => Task.FromResult(new CallSentimentApp(settings: settings));
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresCategoryTests(PostgresCluster cluster) : CategoryTests
{
    protected override async Task<CallSentimentApp> CreateAppAsync(Dictionary<string, string?> settings) => new(await cluster.CreateDatabaseAsync(), settings);
}

public sealed class MySqlCategoryTests(MariaDbServer server) : CategoryTests, IClassFixture<MariaDbServer>
{
    protected override async Task<CallSentimentApp> CreateAppAsync(Dictionary<string, string?> settings) => new("MySql", await server.CreateDatabaseAsync(), settings);
}
