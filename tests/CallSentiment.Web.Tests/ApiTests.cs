using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AngleSharp.Html.Parser;
using CallSentiment.Web.Access;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CallSentiment.Web.Tests;

/// <summary>
/// The JSON API through HTTP with real API keys, on two spoken calls (an angry and a happy customer) analysed by the
/// whole offline pipeline: a call in full, the QA workflow done by machine clients, key revocation and expiry, and the
/// OpenAPI description of every route. (The numbers against the dashboard's are checked in IngestionAndDashboardTests,
/// on SQLite, PostgreSQL and MariaDB; every route's roles in AccessTests.) Runs on SQLite and on MariaDB (the subclasses below).
/// </summary>
public abstract class ApiTests(CallSentimentApp app)
{
    private readonly CallSentimentApp _app = app;

    public abstract class App : IAsyncLifetime
    {
        public CallSentimentApp Instance { get; private set; } = null!;

        protected abstract Task<CallSentimentApp> CreateAsync();

        public async Task InitializeAsync()
        {
            Instance = await CreateAsync();
            var start = new DateTime(2026, 6, 1, 9, 0, 0);
            SpokenCalls.Write(Instance.Recordings, "carla", start, "angry", SpokenCalls.AngryCustomer);
            SpokenCalls.Write(Instance.Recordings, "carla", start.AddHours(1), "happy", SpokenCalls.HappyCustomer);
            using (await Instance.SignedInClientAsync()) { }
            await Instance.WaitForJobsAsync(2, TimeSpan.FromMinutes(6));
        }

        public virtual async Task DisposeAsync() => await Instance.DisposeAsync();
    }

    public sealed class SqliteApp : App
    {
        protected override Task<CallSentimentApp> CreateAsync() => Task.FromResult(new CallSentimentApp());
    }

    /// <summary>The app on a database of its own MariaDB server, which it stops after the app.</summary>
    public sealed class MySqlApp : App
    {
        private readonly MariaDbServer _server = new();

        protected override async Task<CallSentimentApp> CreateAsync()
        {
            await _server.InitializeAsync();
            return new CallSentimentApp("MySql", await _server.CreateDatabaseAsync());
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            await _server.DisposeAsync();
        }
    }

    private async Task<(HttpClient Client, string Key, string Name)> KeyClientAsync(string role, string name)
    {
        var (key, row) = await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync(name, role, null, "test", CancellationToken.None);
        var http = _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return (http, key, "key:" + row.KeyPrefix);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task CallDetail_HasTranscriptBySpeakerAndPerSpeakerSentiment()
    {
        var (api, _, _) = await KeyClientAsync(AppRoles.Supervisor, "reporting");
        using var reportingClient = api;
        var calls = await JsonAsync(await api.GetAsync("/api/v1/calls?agent=carla&from=2026-06-01&to=2026-06-01&customer=NEGATIVE"), HttpStatusCode.OK);
        var angry = Assert.Single(calls.GetProperty("items").EnumerateArray());
        Assert.Equal("angry", angry.GetProperty("callRef").GetString());
        var id = angry.GetProperty("id").GetInt64();

        var call = await JsonAsync(await api.GetAsync($"/api/v1/calls/{id}"), HttpStatusCode.OK);
        Assert.Equal("NEGATIVE", call.GetProperty("call").GetProperty("customerSentiment").GetString());
        var transcript = call.GetProperty("transcript").EnumerateArray().ToList();
        Assert.Contains(transcript, t => t.GetProperty("role").GetString() == "customer");
        Assert.Contains(transcript, t => t.GetProperty("role").GetString() == "agent");
        Assert.All(transcript, t => Assert.True(t.GetProperty("endSeconds").GetDouble() > t.GetProperty("startSeconds").GetDouble()));
        Assert.Contains(transcript, t => t.GetProperty("sentiment").GetString() == "NEGATIVE");
        var customer = call.GetProperty("speakers").EnumerateArray().Single(s => s.GetProperty("role").GetString() == "customer");
        Assert.Equal(4, customer.GetProperty("negativeByQuarter").GetArrayLength());
        var s = customer.GetProperty("scores");
        Assert.Equal(1.0, s.GetProperty("positive").GetDouble() + s.GetProperty("negative").GetDouble() + s.GetProperty("neutral").GetDouble() + s.GetProperty("mixed").GetDouble(), 3);

        using var missing = await api.GetAsync("/api/v1/calls/999999");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("There is no call 999999", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task QaQueue_WorkedByKeys_ClaimNoteResolve_AndAudited()
    {
        var (qa, _, qaName) = await KeyClientAsync(AppRoles.QA, "recovery bot");
        var (other, _, _) = await KeyClientAsync(AppRoles.QA, "another bot");
        using var _1 = qa;
        using var _2 = other;
        var list = await JsonAsync(await qa.GetAsync("/api/v1/qa?agent=carla"), HttpStatusCode.OK);
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal("open", item.GetProperty("status").GetString());
        Assert.StartsWith("The customer came across as", item.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var id = item.GetProperty("id").GetInt64();
        var detail = await JsonAsync(await qa.GetAsync($"/api/v1/qa/{id}"), HttpStatusCode.OK);
        Assert.NotEmpty(detail.GetProperty("negativeQuotes").EnumerateArray());

        var claimed = await JsonAsync(await qa.PostAsJsonAsync($"/api/v1/qa/{id}/claim", new { }), HttpStatusCode.OK);
        Assert.Equal(("claimed", qaName), (claimed.GetProperty("item").GetProperty("status").GetString(), claimed.GetProperty("item").GetProperty("claimedBy").GetString()));
        await JsonAsync(await other.PostAsJsonAsync($"/api/v1/qa/{id}/claim", new { }), HttpStatusCode.Conflict);
        await JsonAsync(await other.PostAsJsonAsync($"/api/v1/qa/{id}/resolve", new { action = "not mine" }), HttpStatusCode.Conflict);
        var invalid = await JsonAsync(await qa.PostAsJsonAsync($"/api/v1/qa/{id}/notes", new { text = "  " }), HttpStatusCode.BadRequest);
        Assert.True(invalid.GetProperty("errors").TryGetProperty("text", out _));
        var noted = await JsonAsync(await qa.PostAsJsonAsync($"/api/v1/qa/{id}/notes", new { text = "Called back, <b>apologised</b>" }), HttpStatusCode.OK);
        Assert.Equal("Called back, <b>apologised</b>", Assert.Single(noted.GetProperty("notes").EnumerateArray()).GetProperty("text").GetString());
        var resolved = await JsonAsync(await qa.PostAsJsonAsync($"/api/v1/qa/{id}/resolve", new { action = "Refund issued" }), HttpStatusCode.OK);
        Assert.Equal(("resolved", "Refund issued"),
            (resolved.GetProperty("item").GetProperty("status").GetString(), resolved.GetProperty("item").GetProperty("recoveryAction").GetString()));
        await JsonAsync(await qa.PostAsJsonAsync($"/api/v1/qa/999999/claim", new { }), HttpStatusCode.NotFound);

        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var actions = (await c.QueryAsync<string>("SELECT action FROM audit_log WHERE user_name = @qaName AND target = @target ORDER BY id",
            new { qaName, target = $"qa:{id}" })).ToList();
        Assert.Equal(["qa-claim", "qa-note", "qa-resolve"], actions);
        // What QA staff see on the page is what the key did.
        using var person = await _app.SignedInClientAsync(AppRoles.QA);
        var page = await person.GetStringAsync($"/qa/{id}");
        Assert.Contains("Refund issued", page, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;apologised&lt;/b&gt;", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changes_NeedJsonBodies_SoACrossSiteFormPostChangesNothing()
    {
        // A signed-in QA person's cookie alone: what a forged form on another site would send.
        using var person = await _app.SignedInClientAsync(AppRoles.QA, allowAutoRedirect: false);
        var items = await JsonAsync(await person.GetAsync("/api/v1/qa?status=all"), HttpStatusCode.OK);
        var id = items.GetProperty("items")[0].GetProperty("id").GetInt64();
        var before = (await JsonAsync(await person.GetAsync($"/api/v1/qa/{id}"), HttpStatusCode.OK)).GetProperty("notes").GetArrayLength();
        using (var form = await person.PostAsync($"/api/v1/qa/{id}/notes", new FormUrlEncodedContent(new Dictionary<string, string> { ["text"] = "forged" })))
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        using (var plain = await person.PostAsync($"/api/v1/qa/{id}/notes", new StringContent("{\"text\":\"forged\"}", Encoding.UTF8, "text/plain")))
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        using (var empty = await person.PostAsync($"/api/v1/qa/{id}/claim", null))
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, empty.StatusCode);
        // A body of the wrong shape is a problem that says what it could not read.
        using (var wrong = await person.PostAsync($"/api/v1/qa/{id}/notes", new StringContent("{\"text\":5}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
            Assert.Contains("$.text", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(before, (await JsonAsync(await person.GetAsync($"/api/v1/qa/{id}"), HttpStatusCode.OK)).GetProperty("notes").GetArrayLength());
    }

    [Fact]
    public async Task Keys_MadeOnTheAdminPage_WorkUntilRevokedOrExpired_AndOpenNoPage()
    {
        using var admin = await _app.SignedInClientAsync(AppRoles.Admin, allowAutoRedirect: false);
        var form = await admin.GetStringAsync("/admin/api-keys");
        using var made = await admin.PostAsync("/admin/api-keys?handler=Create", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = SignIn.TokenOf(form), ["name"] = "wallboard", ["role"] = AppRoles.Supervisor, ["days"] = "30",
        }));
        Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        Assert.Contains("no-store", made.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        var doc = await new HtmlParser().ParseDocumentAsync(await made.Content.ReadAsStringAsync());
        var key = doc.QuerySelector("#new-key-value")!.TextContent;
        var prefix = key[..14];
        // Shown once: the list shows only the public prefix.
        Assert.DoesNotContain(key, await admin.GetStringAsync("/admin/api-keys"), StringComparison.Ordinal);

        using var api = _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/agents")).StatusCode);
        // A key is for the API: on a page it counts for nothing, whatever its role.
        using (var pageWithKey = await api.GetAsync("/"))
            Assert.NotEqual(HttpStatusCode.OK, pageWithKey.StatusCode);

        // A key with one character changed is refused, and says so.
        using (var tampered = _app.CreateClient())
        {
            tampered.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key[..^1] + (key[^1] == 'A' ? 'B' : 'A'));
            using var r = await tampered.GetAsync("/api/v1/agents");
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Contains("invalid_token", r.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        using var revoke = await admin.PostAsync("/admin/api-keys?handler=Revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = SignIn.TokenOf(await admin.GetStringAsync("/admin/api-keys")), ["prefix"] = prefix,
        }));
        Assert.Equal(HttpStatusCode.Redirect, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/agents")).StatusCode);

        var (expiring, _, _) = await KeyClientAsync(AppRoles.Supervisor, "expiring");
        using var _e = expiring;
        Assert.Equal(HttpStatusCode.OK, (await expiring.GetAsync("/api/v1/agents")).StatusCode);
        await using (var c = await _app.Db.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync("UPDATE api_keys SET expires_at = 1 WHERE name = 'expiring'");
            var audit = (await c.QueryAsync<string>("SELECT action FROM audit_log WHERE target = @t ORDER BY id", new { t = $"api-key:{prefix}" })).ToList();
            Assert.Equal(["api-key-created", "api-key-revoked"], audit);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await expiring.GetAsync("/api/v1/agents")).StatusCode);
    }

    [Fact]
    public async Task KeysCommand_PrintsOnlyTheKey_WhichWorks()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(0, await ApiKeysCommand.RunAsync(_app.Services, ["add", "--name", "nightly export", "--role", AppRoles.Supervisor, "--days", "7"], output, error));
        var key = output.ToString().Trim();
        Assert.Matches("^csk_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$", key);
        using var api = _app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/metrics")).StatusCode);
        Assert.Equal(2, await ApiKeysCommand.RunAsync(_app.Services, ["add", "--name", "x", "--role", "Root"], output, error));
        Assert.Contains("Role 'Root' is not one of", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_DescribesEveryApiRoute_WithTheKeyScheme()
    {
        using var anonymous = _app.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/openapi.json")).StatusCode);
        var (api, _, _) = await KeyClientAsync(AppRoles.QA, "docs");
        using var docsClient = api;
        var doc = await JsonAsync(await api.GetAsync("/api/v1/openapi.json"), HttpStatusCode.OK);
        Assert.StartsWith("3.1", doc.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var scheme = doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal(("http", "bearer"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("scheme").GetString()));
        Assert.True(doc.GetProperty("security")[0].TryGetProperty("ApiKey", out _));

        var paths = doc.GetProperty("paths");
        var routes = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/v1/", StringComparison.Ordinal) && !e.RoutePattern.RawText.EndsWith(".json", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods
                .Select(m => (Path: e.RoutePattern.RawText!.Replace("{id:long}", "{id}", StringComparison.Ordinal), Method: m.ToLowerInvariant())))
            .ToList();
        Assert.True(routes.Count >= 10, $"{routes.Count} API routes");
        foreach (var (path, method) in routes)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is not described");
            Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} is not described");
            var responses = operation.GetProperty("responses");
            Assert.True(responses.TryGetProperty("200", out _) && responses.TryGetProperty("401", out _) && responses.TryGetProperty("403", out _), $"{method} {path}: {responses}");
        }
        Assert.Equal(routes.Select(r => r.Path).Distinct().Count(), paths.EnumerateObject().Count());
        // Response shapes are described, not left as "any".
        Assert.True(doc.GetProperty("components").GetProperty("schemas").TryGetProperty("CallDetailReport", out _));
    }
}

public sealed class SqliteApiTests(ApiTests.SqliteApp fixture) : ApiTests(fixture.Instance), IClassFixture<ApiTests.SqliteApp>;

public sealed class MySqlApiTests(ApiTests.MySqlApp fixture) : ApiTests(fixture.Instance), IClassFixture<ApiTests.MySqlApp>;
