using System.Net;
using AngleSharp.Html.Parser;
using CallSentiment.Web.Access;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CallSentiment.Web.Tests;

/// <summary>
/// Access control through HTTP on the real app: every route refuses anonymous callers and wrong roles, forms need
/// their antiforgery token, return URLs stay on the site, lockout, security headers, the audit trail, and hostile
/// text in transcripts and filters stays inert.
/// </summary>
public sealed class AccessTests(AccessTests.App fixture) : IClassFixture<AccessTests.App>
{
    private static readonly string[] Anonymous = ["/login", "/health/live", "/health/ready", "/Error", "/not-found"];

    /// <summary>Who each policy is for: the contract the route tests hold every endpoint to.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        [Policies.Dashboard] = [AppRoles.Supervisor, AppRoles.Admin],
        [Policies.Calls] = [AppRoles.Supervisor, AppRoles.QA, AppRoles.Admin],
        [Policies.Qa] = [AppRoles.QA, AppRoles.Admin],
        [Policies.Admin] = [AppRoles.Admin],
        [Policies.AnyRole] = [AppRoles.Supervisor, AppRoles.QA, AppRoles.Admin],
    };
    private readonly CallSentimentApp _app = fixture.Instance;
    private readonly long _callId = fixture.CallId;

    /// <summary>One app with one analysed call and a user per role, shared by the tests (each uses its own users).</summary>
    public sealed class App : IAsyncLifetime
    {
        public CallSentimentApp Instance { get; } = new();

        public long CallId { get; private set; }

        public async Task InitializeAsync()
        {
            TestCalls.Write(Instance.Recordings, "erin", new DateTime(2026, 5, 4, 10, 0, 0), "e1", CustomerMood.Angry);
            using (await Instance.SignedInClientAsync()) { }
            await Instance.WaitForJobsAsync(1);
            await using var c = await Instance.Db.OpenAsync(CancellationToken.None);
            CallId = await c.ExecuteScalarAsync<long>("SELECT id FROM calls");
            foreach (var role in AppRoles.All) await Instance.EnsureUserAsync($"test-{role.ToLowerInvariant()}", role);
        }

        public async Task DisposeAsync() => await Instance.DisposeAsync();
    }

    private HttpClient Anon() => _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>Every endpoint the app maps, as (method, concrete path, policy it declares).</summary>
    private List<(string Method, string Path, string? Policy, bool AllowsAnonymous)> Routes()
    {
        var list = new List<(string, string, string?, bool)>();
        foreach (var e in _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var raw = "/" + (e.RoutePattern.RawText ?? "").TrimStart('/');
            if (raw.Contains("{**", StringComparison.Ordinal)) continue;
            var path = raw.Replace("{id:long}", _callId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            Assert.DoesNotContain("{", path, StringComparison.Ordinal);
            var policy = e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);
            var anonymous = e.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var methods = e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"];
            foreach (var m in methods) list.Add((m, path, policy, anonymous));
        }
        return list.Distinct().ToList();
    }

    [Fact]
    public async Task EveryRoute_Anonymous_IsRefused()
    {
        using var http = Anon();
        var routes = Routes();
        Assert.Contains(routes, r => r.Path == "/status");
        Assert.Contains(routes, r => r.Path == $"/calls/{_callId}/audio");
        foreach (var (method, path, _, anonymous) in routes)
        {
            if (anonymous)
            {
                Assert.Contains(path, Anonymous);
                continue;
            }
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            request.Headers.Accept.ParseAdd("text/html");
            using var response = await http.SendAsync(request);
            var refused = response.StatusCode == HttpStatusCode.Unauthorized
                          || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains("/login?returnUrl=", StringComparison.Ordinal));
            Assert.True(refused, $"{method} {path} answered {(int)response.StatusCode} to an anonymous caller");
        }
    }

    [Fact]
    public async Task EveryRoute_WrongRole_IsForbidden()
    {
        var clients = new Dictionary<string, HttpClient>();
        foreach (var role in AppRoles.All) clients[role] = await _app.SignedInClientAsync(role, allowAutoRedirect: false);
        var checkedRoutes = 0;
        foreach (var (method, path, policy, anonymous) in Routes().Where(r => r.Method == "GET"))
        {
            if (anonymous || path == "/logout") continue;
            Assert.True(policy is not null, $"GET {path} declares no policy: every route must say which role it is for");
            foreach (var role in AppRoles.All)
            {
                // A route that needs a value to answer 200 gets one (without it, it names the missing field: a 400).
                using var response = await clients[role].GetAsync(path == "/api/v1/search" ? path + "?q=hello" : path);
                if (Allowed[policy!].Contains(role))
                    Assert.True((int)response.StatusCode < 400 || response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone,
                        $"{role} GET {path}: {(int)response.StatusCode}");
                else
                    Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{role} GET {path} answered {(int)response.StatusCode}, expected 403");
            }
            checkedRoutes++;
        }
        Assert.True(checkedRoutes >= 7, $"{checkedRoutes} routes checked");

        // A QA user may open a call but not change its roles.
        var qa = clients[AppRoles.QA];
        var token = SignIn.TokenOf(await qa.GetStringAsync($"/calls/{_callId}"));
        using var swap = await qa.PostAsync($"/calls/{_callId}?handler=Swap", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Forbidden, swap.StatusCode);
        foreach (var c in clients.Values) c.Dispose();
    }

    [Fact]
    public async Task EveryApiRoute_KeyOfEachRole_SameAccessAsThatRole()
    {
        var keys = _app.Services.GetRequiredService<ApiKeyStore>();
        var clients = new Dictionary<string, HttpClient>();
        foreach (var role in AppRoles.All)
        {
            var (key, _) = await keys.CreateAsync($"route test {role}", role, null, "test", CancellationToken.None);
            clients[role] = Anon();
            clients[role].DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }
        using var wrongKey = Anon();
        wrongKey.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "csk_0000000000_" + new string('A', 43));
        var api = Routes().Where(r => r.Path.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        Assert.True(api.Count >= 11, $"{api.Count} API routes");
        foreach (var (method, path, policy, anonymous) in api)
        {
            Assert.False(anonymous, $"{method} {path} allows anonymous callers");
            Assert.True(policy is not null, $"{method} {path} declares no policy");
            using (var refused = await wrongKey.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)))
                Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"a wrong key {method} {path}: {(int)refused.StatusCode}");
            foreach (var role in AppRoles.All)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method == "POST") request.Content = System.Net.Http.Json.JsonContent.Create(new { });
                using var response = await clients[role].SendAsync(request);
                if (Allowed[policy!].Contains(role))
                    Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)response.StatusCode < 500,
                        $"{role} key {method} {path}: {(int)response.StatusCode}");
                else
                    Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{role} key {method} {path} answered {(int)response.StatusCode}, expected 403");
            }
        }
        // An Admin key opens no page: keys are for the API.
        foreach (var path in new[] { "/", "/admin/users", $"/calls/{_callId}/audio" })
        {
            using var response = await clients[AppRoles.Admin].GetAsync(path);
            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Redirect, $"an Admin key GET {path}: {(int)response.StatusCode}");
        }
        foreach (var c in clients.Values) c.Dispose();
    }

    [Fact]
    public async Task Post_WithoutAntiforgeryToken_IsRejectedAndChangesNothing()
    {
        using var http = await _app.SignedInClientAsync(AppRoles.Admin, allowAutoRedirect: false);
        using var swap = await http.PostAsync($"/calls/{_callId}?handler=Swap", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, swap.StatusCode);
        using var create = await http.PostAsync("/admin/users?handler=Create", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["newUserName"] = "mallory", ["newRole"] = "Admin", ["password"] = "a long enough password",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT roles_swapped FROM recordings"));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users WHERE user_name = 'mallory'"));
    }

    [Theory]
    [InlineData("//evil.example/steal")]
    [InlineData("/\\evil.example/steal")]
    [InlineData("https://evil.example/steal")]
    [InlineData("javascript:alert(1)")]
    [InlineData("http:evil.example")]
    public async Task Login_ExternalReturnUrl_GoesHomeInstead(string returnUrl)
    {
        using var http = Anon();
        using var response = await SignIn.PostAsync(http, "test-supervisor", SignIn.Password, returnUrl);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Login_LocalReturnUrl_IsFollowed()
    {
        using var http = Anon();
        using var response = await SignIn.PostAsync(http, "test-supervisor", SignIn.Password, $"/calls/{_callId}");
        Assert.Equal($"/calls/{_callId}", response.Headers.Location!.OriginalString);
        using var qa = Anon();
        using var home = await SignIn.PostAsync(qa, "test-qa", SignIn.Password);
        Assert.Equal("/qa", home.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Login_RepeatedFailures_LockTheAccountEvenForTheRightPassword()
    {
        await _app.EnsureUserAsync("lock-me", AppRoles.Supervisor);
        using var http = Anon();
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await SignIn.PostAsync(http, "lock-me", "wrong password " + i);
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }
        using var right = await SignIn.PostAsync(http, "lock-me", SignIn.Password);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("locked", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var unknown = await SignIn.PostAsync(http, "nobody-at-all", "whatever it is");
        Assert.Contains("The user name or password is not right.", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // An administrator unlocks it; then the right password works.
        await _app.Services.GetRequiredService<UserStore>().UpdateAsync("lock-me", null, null, null, unlock: true, CancellationToken.None);
        using var again = await SignIn.PostAsync(http, "lock-me", SignIn.Password);
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        var audit = await _app.Services.GetRequiredService<AuditLog>().ListAsync("lock-me", null, null, 50, CancellationToken.None);
        // Four plain failures, the fifth locks the account, the right password during the lock is refused too.
        Assert.Equal(4, audit.Count(a => a.Action == AuditLog.Actions.SignInFailed));
        Assert.Equal(2, audit.Count(a => a.Action == AuditLog.Actions.LockedOut));
        Assert.Contains(audit, a => a.Action == AuditLog.Actions.SignIn);
    }

    [Fact]
    public async Task Responses_CarrySecurityHeaders()
    {
        using var http = await _app.SignedInClientAsync();
        foreach (var path in new[] { "/", "/login", $"/calls/{_callId}" })
        {
            using var r = await http.GetAsync(path);
            var csp = string.Join(";", r.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", r.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("same-origin", r.Headers.GetValues("Referrer-Policy").Single());
        }
    }

    [Fact]
    public async Task Audio_ListenAndDownload_AreAudited()
    {
        await _app.EnsureUserAsync("qa-listener", AppRoles.QA);
        using var http = _app.CreateClient();
        await SignIn.AsAsync(http, "qa-listener");
        using (var play = await http.GetAsync($"/calls/{_callId}/audio")) Assert.Equal(HttpStatusCode.OK, play.StatusCode);
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/calls/{_callId}/audio"))
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(1000, 1999);
            using var seek = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.PartialContent, seek.StatusCode);
        }
        using (var download = await http.GetAsync($"/calls/{_callId}/audio?download=true"))
            Assert.Contains("attachment", download.Content.Headers.ContentDisposition?.ToString() ?? "", StringComparison.Ordinal);
        var audit = await _app.Services.GetRequiredService<AuditLog>().ListAsync("qa-listener", null, $"call:{_callId}", 50, CancellationToken.None);
        Assert.Equal(1, audit.Count(a => a.Action == AuditLog.Actions.Listen)); // the seek within the same playback is not another listen
        Assert.Equal(1, audit.Count(a => a.Action == AuditLog.Actions.Download));

        using var admin = await _app.SignedInClientAsync();
        var page = await admin.GetStringAsync($"/admin/audit?target=call:{_callId}");
        Assert.Contains("qa-listener", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transcript_WithMarkup_RendersInert()
    {
        await using (var c = await _app.Db.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync("""
                INSERT INTO transcript_chunks (call_id, seq, speaker, role, start_ms, end_ms, text, words, sentiment, note)
                VALUES (@id, 999, 1, 'customer', 90000, 91000, @text, @words, NULL, 'planted')
                """, new
            {
                id = _callId,
                text = "<script>alert('x')</script><img src=x onerror=alert(1)>",
                words = """[["<script>alert('x')</script>",90000,90500,0.9],["<img src=x onerror=alert(1)>",90500,91000,0.9]]""",
            });
        }
        using var http = await _app.SignedInClientAsync();
        var html = await http.GetStringAsync($"/calls/{_callId}");
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
        var doc = await new HtmlParser().ParseDocumentAsync(html);
        Assert.Contains("<script>alert('x')</script>", doc.Body!.TextContent, StringComparison.Ordinal);
        Assert.All(doc.QuerySelectorAll("script"), s => Assert.False(string.IsNullOrEmpty(s.GetAttribute("src")) && s.GetAttribute("type") != "application/json",
            $"inline script: {s.OuterHtml}"));
    }

    [Theory]
    [InlineData("agent")]
    [InlineData("from")]
    [InlineData("fromTime")]
    [InlineData("to")]
    [InlineData("toTime")]
    [InlineData("negative")]
    [InlineData("customer")]
    [InlineData("agentTone")]
    [InlineData("sort")]
    [InlineData("dir")]
    [InlineData("page")]
    public async Task DashboardFilter_SqlInjection_IsAValidationMessageAndTouchesNothing(string parameter)
    {
        using var http = await _app.SignedInClientAsync();
        foreach (var attack in new[] { "' OR '1'='1", "1; DROP TABLE calls; --", "erin' UNION SELECT password_hash FROM users --" })
        {
            using var r = await http.GetAsync($"/?{parameter}={Uri.EscapeDataString(attack)}");
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            var body = await r.Content.ReadAsStringAsync();
            Assert.DoesNotContain("AQAAAA", body, StringComparison.Ordinal); // no password hash ever reaches a page
        }
        using (var csv = await http.GetAsync($"/?handler=Csv&agent={Uri.EscapeDataString("x' OR 1=1 --")}"))
            Assert.True(csv.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)csv.StatusCode}");
        using (var audit = await http.GetAsync($"/admin/audit?user={Uri.EscapeDataString("' OR 1=1 --")}&action=x&target=y"))
            Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM calls"));
    }

    [Fact]
    public async Task Users_AdminCreatesAndDisables_DisabledUserIsSignedOutEverywhere()
    {
        using var admin = await _app.SignedInClientAsync(AppRoles.Admin, allowAutoRedirect: false);
        var token = SignIn.TokenOf(await admin.GetStringAsync("/admin/users"));
        using (var create = await admin.PostAsync("/admin/users?handler=Create", new FormUrlEncodedContent(new Dictionary<string, string>
               {
                   ["newUserName"] = "Dana.Lee", ["displayName"] = "Dana Lee", ["newRole"] = "Supervisor", ["password"] = "dana's long password",
                   ["__RequestVerificationToken"] = token,
               })))
            Assert.Equal(HttpStatusCode.Redirect, create.StatusCode);
        using var dana = Anon();
        await SignIn.AsAsync(dana, "dana.lee", "dana's long password");
        using (var ok = await dana.GetAsync("/")) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        token = SignIn.TokenOf(await admin.GetStringAsync("/admin/users"));
        using (var disable = await admin.PostAsync("/admin/users?handler=Update", new FormUrlEncodedContent(new Dictionary<string, string>
               {
                   ["userName"] = "dana.lee", ["role"] = "Supervisor", ["disabled"] = "true", ["__RequestVerificationToken"] = token,
               })))
            Assert.Equal(HttpStatusCode.Redirect, disable.StatusCode);
        // The cookie Dana already has stops working at once, and she cannot sign in again.
        using (var after = await dana.GetAsync("/")) Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        using var again = await SignIn.PostAsync(Anon(), "dana.lee", "dana's long password");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var audit = await _app.Services.GetRequiredService<AuditLog>().ListAsync(null, AuditLog.Actions.UserChanged, "user:dana.lee", 10, CancellationToken.None);
        Assert.Contains(audit, a => a.Detail!.Contains("disabled", StringComparison.Ordinal) && a.UserName == "test-admin");
    }
}
