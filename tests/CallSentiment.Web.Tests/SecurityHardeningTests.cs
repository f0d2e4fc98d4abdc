using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AngleSharp.Html.Parser;
using CallSentiment.Web.Access;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CallSentiment.Web.Tests;

/// <summary>
/// Issue 15, the web layer: sign-out ends the session on the server, one answer for a locked and an unknown name,
/// return URLs with any characters, redirects that ignore the Host header, no caching of data, HTTP semantics of the
/// audio endpoint. The real Kestrel parts (413, host filtering, header encoding) are in <see cref="SecurityHardeningProcessTests"/>.
/// </summary>
public sealed class SecurityHardeningTests(SecurityHardeningTests.App fixture) : IClassFixture<SecurityHardeningTests.App>
{
    private readonly CallSentimentApp _app = fixture.Instance;
    private readonly long _callId = fixture.CallId;

    /// <summary>One app with one analysed call, shared by the tests (each signs in as its own user where it changes state).</summary>
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
        }

        public async Task DisposeAsync() => await Instance.DisposeAsync();
    }

    private HttpClient Anon() => _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    [Fact]
    public async Task SignOut_CopiedCookieReplayed_IsRefusedOnPagesAndApi()
    {
        await _app.EnsureUserAsync("sec-signout", AppRoles.Admin);
        using var browser = Anon();
        var cookie = await SessionCookie.SignInAsync(browser, "sec-signout");
        using var thief = SessionCookie.Replayer(_app);
        Assert.Equal(HttpStatusCode.OK, (await SessionCookie.GetAsync(thief, "/", cookie)).StatusCode);

        await SessionCookie.SignOutAsync(browser);

        var page = await SessionCookie.GetAsync(thief, "/", cookie);
        Assert.True(page.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Unauthorized, $"page after sign-out: {(int)page.StatusCode}");
        var api = await SessionCookie.GetAsync(thief, "/api/v1/agents", cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        // The browser that signed out signs in again without trouble: a new session.
        await SignIn.AsAsync(browser, "sec-signout");
        using (var again = await browser.GetAsync("/")) Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task Login_LockedAccountAndUnknownName_GetTheSameAnswer()
    {
        await _app.EnsureUserAsync("sec-locked", AppRoles.Supervisor);
        using var http = Anon();
        for (var i = 0; i < 6; i++)
        {
            using var wrong = await SignIn.PostAsync(http, "sec-locked", "wrong password " + i);
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }
        using var locked = await SignIn.PostAsync(http, "sec-locked", "another wrong one");
        using var unknown = await SignIn.PostAsync(http, "sec-nobody-at-all", "another wrong one");
        Assert.Equal(locked.StatusCode, unknown.StatusCode);
        var lockedText = await ErrorTextAsync(locked);
        Assert.False(string.IsNullOrWhiteSpace(lockedText));
        Assert.Equal(lockedText, await ErrorTextAsync(unknown));
        // The account is locked all the same (the right password is refused), and the audit log says so.
        using var right = await SignIn.PostAsync(http, "sec-locked", SignIn.Password);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        var audit = await _app.Services.GetRequiredService<AuditLog>().ListAsync("sec-locked", AuditLog.Actions.LockedOut, null, 50, CancellationToken.None);
        Assert.NotEmpty(audit);
    }

    private static async Task<string?> ErrorTextAsync(HttpResponseMessage response)
    {
        var doc = await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
        return doc.QuerySelector("#login-error")?.TextContent.Trim();
    }

    [Theory]
    [InlineData("/café", "/caf%C3%A9")]
    [InlineData("/?agent=josé", "/?agent=jos%C3%A9")]
    [InlineData("/?agent=a b", "/?agent=a%20b")]
    public async Task Login_NonAsciiReturnUrl_RedirectsToItEncoded(string returnUrl, string expected)
    {
        using var http = Anon();
        using var posted = await SignIn.PostAsync(http, "test-admin", SignIn.Password, returnUrl);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal(expected, posted.Headers.Location!.OriginalString);
        // Already signed in: the sign-in page sends the person on at once.
        using var get = await http.GetAsync("/login?ReturnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.Equal(HttpStatusCode.Redirect, get.StatusCode);
        Assert.Equal(expected, get.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task SignInRedirect_ForeignHostHeader_StaysRelative()
    {
        using var http = Anon();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/calls/{_callId}");
        request.Headers.Host = "evil.example";
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/login?returnUrl=", location, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example", location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataResponses_JsonAudioCsvImages_AreNotStored()
    {
        using var http = await _app.SignedInClientAsync();
        foreach (var path in new[]
                 {
                     "/api/v1/agents", "/api/v1/calls", $"/api/v1/calls/{_callId}", "/status/progress", $"/calls/{_callId}/audio",
                     $"/calls/{_callId}/waveform.png", "/?handler=Csv", "/qa/labels.csv",
                 })
        {
            using var r = await http.GetAsync(path);
            Assert.True(r.IsSuccessStatusCode, $"{path}: {(int)r.StatusCode}");
            var cc = r.Headers.CacheControl;
            Assert.True(cc is not null && (cc.NoStore || cc.Private), $"{path}: Cache-Control {cc}");
        }
    }

    private async Task<HttpResponseMessage> AudioAsync(HttpClient http, HttpMethod method, Action<HttpRequestMessage> headers)
    {
        using var request = new HttpRequestMessage(method, $"/calls/{_callId}/audio");
        headers(request);
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task Audio_RangeUnitInAnotherCase_IsServedAsARange()
    {
        using var http = await _app.SignedInClientAsync(AppRoles.Supervisor);
        using var r = await AudioAsync(http, HttpMethod.Get, q => q.Headers.TryAddWithoutValidation("Range", "Bytes=0-99"));
        Assert.Equal(HttpStatusCode.PartialContent, r.StatusCode);
        Assert.Equal(100, (await r.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Audio_IfRange_RangeOnlyWhileTheVersionMatches()
    {
        using var http = await _app.SignedInClientAsync(AppRoles.Supervisor);
        using var full = await http.GetAsync($"/calls/{_callId}/audio");
        var size = full.Content.Headers.ContentLength!.Value;
        var etag = full.Headers.ETag!.ToString();
        using (var stale = await AudioAsync(http, HttpMethod.Get, q =>
               {
                   q.Headers.TryAddWithoutValidation("Range", "bytes=0-99");
                   q.Headers.TryAddWithoutValidation("If-Range", "\"an-older-version\"");
               }))
        {
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
            Assert.Equal(size, (await stale.Content.ReadAsByteArrayAsync()).Length);
        }
        using (var current = await AudioAsync(http, HttpMethod.Get, q =>
               {
                   q.Headers.TryAddWithoutValidation("Range", "bytes=0-99");
                   q.Headers.TryAddWithoutValidation("If-Range", etag);
               }))
            Assert.Equal(HttpStatusCode.PartialContent, current.StatusCode);
        var lastModified = full.Content.Headers.LastModified!.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        using (var byDate = await AudioAsync(http, HttpMethod.Get, q =>
               {
                   q.Headers.TryAddWithoutValidation("Range", "bytes=0-99");
                   q.Headers.TryAddWithoutValidation("If-Range", lastModified);
               }))
            Assert.Equal(HttpStatusCode.PartialContent, byDate.StatusCode);
    }

    [Fact]
    public async Task Audio_Head_AnswersHeadersWithoutBodyOrAudit()
    {
        await _app.EnsureUserAsync("sec-head", AppRoles.QA);
        using var http = Anon();
        await SignIn.AsAsync(http, "sec-head");
        using var full = await http.GetAsync($"/calls/{_callId}/audio");
        using var head = await AudioAsync(http, HttpMethod.Head, _ => { });
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(full.Content.Headers.ContentLength, head.Content.Headers.ContentLength);
        Assert.Equal(full.Headers.ETag, head.Headers.ETag);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        var audit = await _app.Services.GetRequiredService<AuditLog>().ListAsync("sec-head", AuditLog.Actions.Listen, null, 50, CancellationToken.None);
        Assert.Single(audit); // the GET, not the HEAD
    }

    [Fact]
    public async Task Audio_IfNoneMatchCurrentVersion_Is304WithoutBody()
    {
        using var http = await _app.SignedInClientAsync(AppRoles.Supervisor);
        using var full = await http.GetAsync($"/calls/{_callId}/audio");
        var etag = full.Headers.ETag!.ToString();
        using var cached = await AudioAsync(http, HttpMethod.Get, q => q.Headers.TryAddWithoutValidation("If-None-Match", $"\"something-else\", {etag}"));
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
        Assert.Empty(await cached.Content.ReadAsByteArrayAsync());
        using var changed = await AudioAsync(http, HttpMethod.Get, q => q.Headers.TryAddWithoutValidation("If-None-Match", "\"something-else\""));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
    }
}

/// <summary>Sign-in cookies taken from one client and replayed by another, as a thief with a copy would.</summary>
internal static class SessionCookie
{
    /// <summary>Signs in and returns the sign-in cookie as a Cookie header value.</summary>
    public static async Task<string> SignInAsync(HttpClient http, string userName)
    {
        using var response = await SignIn.PostAsync(http, userName, SignIn.Password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var pairs = response.Headers.GetValues("Set-Cookie").Select(v => v.Split(';')[0]).Where(p => p.StartsWith(AccessExtensions.CookieName, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(pairs);
        return string.Join("; ", pairs);
    }

    public static HttpClient Replayer(CallSentimentApp app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    /// <summary>A GET with the cookie; pages as a browser asks for them, the API as a JSON client does.</summary>
    public static async Task<HttpResponseMessage> GetAsync(HttpClient http, string path, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        request.Headers.Accept.ParseAdd(path.StartsWith("/api/", StringComparison.Ordinal) ? "application/json" : "text/html");
        return await http.SendAsync(request);
    }

    /// <summary>Signs out the way the browser does: the sign-out form with its antiforgery token.</summary>
    public static async Task SignOutAsync(HttpClient http)
    {
        var token = SignIn.TokenOf(await http.GetStringAsync("/logout"));
        using var response = await http.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }
}

/// <summary>
/// Sign-out revokes the session in the database: a copy of the cookie is refused by another instance on the same
/// database and after a restart, on each engine (the subclasses).
/// </summary>
public abstract class SessionRevocationTests
{
    protected abstract Task<(string Provider, string ConnectionString)> DatabaseAsync();

    [Fact]
    public async Task SignOut_OnOneInstance_CopiedCookieRefusedByAnotherAndAfterRestart()
    {
        var (provider, connectionString) = await DatabaseAsync();
        var keys = Path.Combine(Path.GetTempPath(), "callsentiment-keys-" + Guid.NewGuid().ToString("N")[..8]);
        var shared = new Dictionary<string, string?> { ["DataProtection:KeysFolder"] = keys };
        try
        {
            await using var first = new CallSentimentApp(provider, connectionString, shared);
            await using var second = new CallSentimentApp(provider, connectionString, shared);
            await first.EnsureUserAsync("sec-instances", AppRoles.Supervisor);
            using var browser = first.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
            var cookie = await SessionCookie.SignInAsync(browser, "sec-instances");
            using var other = SessionCookie.Replayer(second);
            Assert.Equal(HttpStatusCode.OK, (await SessionCookie.GetAsync(other, "/", cookie)).StatusCode);

            await SessionCookie.SignOutAsync(browser);

            Assert.Equal(HttpStatusCode.Unauthorized, (await SessionCookie.GetAsync(other, "/api/v1/agents", cookie)).StatusCode);
            await using var restarted = new CallSentimentApp(provider, connectionString, shared);
            using var afterRestart = SessionCookie.Replayer(restarted);
            var page = await SessionCookie.GetAsync(afterRestart, "/", cookie);
            Assert.True(page.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Unauthorized, $"after a restart: {(int)page.StatusCode}");
        }
        finally
        {
            try { Directory.Delete(keys, recursive: true); } catch (IOException) { }
        }
    }
}

public sealed class SqliteSessionRevocationTests : SessionRevocationTests, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "callsentiment-sessions-" + Guid.NewGuid().ToString("N")[..8]);

    protected override Task<(string Provider, string ConnectionString)> DatabaseAsync() =>
        Task.FromResult(("Sqlite", $"Data Source={Path.Combine(_folder, "shared.db")}"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSessionRevocationTests(PostgresCluster cluster) : SessionRevocationTests
{
    protected override async Task<(string Provider, string ConnectionString)> DatabaseAsync() => ("Postgres", await cluster.CreateDatabaseAsync());
}

public sealed class MySqlSessionRevocationTests(MariaDbServer server) : SessionRevocationTests, IClassFixture<MariaDbServer>
{
    protected override async Task<(string Provider, string ConnectionString)> DatabaseAsync() => ("MySql", await server.CreateDatabaseAsync());
}

/// <summary>The parts only a real Kestrel shows: header encoding, the body size limit, host filtering.</summary>
public sealed class SecurityHardeningProcessTests(SecurityHardeningProcessTests.Server fixture) : IClassFixture<SecurityHardeningProcessTests.Server>
{
    public const int BodyLimit = 64 * 1024;

    /// <summary>The app as a process on SQLite, with a small body limit and the allowed hosts set.</summary>
    public sealed class Server : IAsyncLifetime
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "callsentiment-sec-" + Guid.NewGuid().ToString("N")[..8]);

        public AppProcess App { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(Path.Combine(_root, "recordings"));
            App = await AppProcess.StartAsync(new Dictionary<string, string>
            {
                ["Storage:Provider"] = "Sqlite",
                ["Storage:ConnectionString"] = $"Data Source={Path.Combine(_root, "app.db")}",
                ["Recordings:Folder"] = Path.Combine(_root, "recordings"),
                ["DataProtection:KeysFolder"] = Path.Combine(_root, "keys"),
                ["Access:BootstrapAdmin:UserName"] = "sec-admin",
                ["Access:BootstrapAdmin:Password"] = SignIn.Password,
                ["Kestrel:Limits:MaxRequestBodySize"] = BodyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["AllowedHosts"] = "127.0.0.1;localhost",
            });
        }

        public async Task DisposeAsync()
        {
            await App.DisposeAsync();
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
        }
    }

    private HttpClient Client() => new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
    {
        BaseAddress = fixture.App.BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    [Theory]
    [InlineData(9 * 1024)]  // over the app's limit, within the line Kestrel now takes
    [InlineData(40 * 1024)]
    public async Task LongAddress_Is414WithTheSecurityHeadersAndAMessage(int length)
    {
        using var http = Client();

        using var response = await http.GetAsync("/login?q=" + new string('a', length));

        Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
        Assert.True(response.Headers.Contains("X-Frame-Options"), "no security headers on the 414");
        Assert.Contains("Content-Security-Policy", response.Headers.Select(h => h.Key).Concat(response.Content.Headers.Select(h => h.Key)));
        Assert.Contains("address is too long", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var ok = await http.GetAsync("/login?q=" + new string('a', 4 * 1024));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Theory]
    [InlineData("/café", "/caf%C3%A9")]
    [InlineData("/?agent=josé", "/?agent=jos%C3%A9")]
    public async Task Login_NonAsciiReturnUrl_IsARedirectNotAServerError(string returnUrl, string expected)
    {
        using var http = Client();
        using var posted = await SignIn.PostAsync(http, "sec-admin", SignIn.Password, returnUrl);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal(expected, posted.Headers.Location!.OriginalString);
        using var get = await http.GetAsync("/login?ReturnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.Equal(HttpStatusCode.Redirect, get.StatusCode);
    }

    [Fact]
    public async Task OversizedBody_FormAndApi_Are413WithAMessage()
    {
        using var http = Client();
        var token = SignIn.TokenOf(await http.GetStringAsync("/login"));
        using (var form = await http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
               {
                   ["userName"] = "sec-admin", ["password"] = new string('x', BodyLimit * 2), ["__RequestVerificationToken"] = token,
               })))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, form.StatusCode);
            Assert.Contains("too large", await form.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.True(form.Headers.Contains("X-Content-Type-Options"));
        }
        using (var api = await http.PostAsync("/api/v1/qa/1/notes", new StringContent(
                   "{\"text\":\"" + new string('x', BodyLimit * 2) + "\"}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, api.StatusCode);
            Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
            Assert.Contains("too large", await api.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.DoesNotContain("BadHttpRequestException", fixture.App.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedBody_WithoutContentLength_Is413()
    {
        using var http = Client();
        await SignIn.AsAsync(http, "sec-admin");
        var token = SignIn.TokenOf(await http.GetStringAsync("/logout"));
        var body = "__RequestVerificationToken=" + Uri.EscapeDataString(token) + "&padding=" + new string('x', BodyLimit * 2);
        using var content = new StreamContent(new MemoryStream(Encoding.ASCII.GetBytes(body)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/logout") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{(int)response.StatusCode}\n{fixture.App.Output}");
        Assert.Contains("too large", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForeignHost_IsRefusedWithTheSecurityHeaders()
    {
        using var http = Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/login");
        request.Headers.Host = "evil.example";
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }
}
