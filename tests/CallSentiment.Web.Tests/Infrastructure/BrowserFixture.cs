using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>One call as planned by the fixture: written as a recording before the app starts.</summary>
public sealed record PlannedCall(string Agent, DateTime Start, string CallId, CustomerMood Mood, int Turns);

/// <summary>One analysed call as the app stored it, read straight from its database: the oracle for the browser tests.</summary>
public sealed record StoredCall(long Id, string Agent, string CallRef, long StartedAt, long DurationMs, string Sentiment,
    double Positive, double Negative, double Neutral, double Mixed)
{
    public DateTimeOffset Started => DateTimeOffset.FromUnixTimeMilliseconds(StartedAt);

    public string IsoWeek => string.Create(CultureInfo.InvariantCulture,
        $"{System.Globalization.ISOWeek.GetYear(Started.UtcDateTime)}-W{System.Globalization.ISOWeek.GetWeekOfYear(Started.UtcDateTime):00}");
}

/// <summary>One app and one browser for every browser test class (analysing the calls once is the expensive part).</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

/// <summary>
/// The built app as a separate process (as deployed) on a temporary SQLite file and recordings folder holding 14 real
/// calls by two employees over ISO weeks 2026-W10..W12, analysed before any test runs; page size 5. Plus one headless
/// Debian Chromium driven by Playwright (no browser download: the driver ships with the NuGet package).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const int PageSize = 5;

    /// <summary>Moods and lengths vary so verdicts and durations differ; times are UTC (the app's zones are UTC too).</summary>
    public static IReadOnlyList<PlannedCall> Plan { get; } =
    [
        // 2026-W10
        new("alice", new DateTime(2026, 3, 2, 9, 0, 0), "a01", CustomerMood.Angry, 3),
        new("alice", new DateTime(2026, 3, 3, 10, 30, 0), "a02", CustomerMood.Happy, 5),
        new("alice", new DateTime(2026, 3, 5, 14, 15, 0), "a03", CustomerMood.Calm, 2),
        new("bob", new DateTime(2026, 3, 4, 11, 0, 0), "b01", CustomerMood.Angry, 4),
        new("bob", new DateTime(2026, 3, 6, 16, 0, 0), "b02", CustomerMood.Happy, 3),
        // 2026-W11
        new("alice", new DateTime(2026, 3, 9, 9, 30, 0), "a04", CustomerMood.Happy, 4),
        new("alice", new DateTime(2026, 3, 11, 13, 0, 0), "a05", CustomerMood.Angry, 6),
        new("bob", new DateTime(2026, 3, 10, 10, 0, 0), "b03", CustomerMood.Calm, 5),
        new("bob", new DateTime(2026, 3, 12, 15, 45, 0), "b04", CustomerMood.Angry, 2),
        new("bob", new DateTime(2026, 3, 13, 9, 15, 0), "b05", CustomerMood.Happy, 4),
        // 2026-W12
        new("alice", new DateTime(2026, 3, 17, 11, 20, 0), "a06", CustomerMood.Calm, 4),
        new("alice", new DateTime(2026, 3, 19, 16, 30, 0), "a07", CustomerMood.Angry, 5),
        new("alice", new DateTime(2026, 3, 20, 10, 10, 0), "a08", CustomerMood.Happy, 3),
        new("bob", new DateTime(2026, 3, 18, 12, 0, 0), "b06", CustomerMood.Angry, 3),
    ];

    private string _root = null!;
    private AppProcess? _app;
    private Dictionary<string, string> _settings = [];
    private IPlaywright? _playwright;

    public AppProcess App => _app ?? throw new InvalidOperationException("not started");

    public IBrowser Browser { get; private set; } = null!;

    public IReadOnlyList<StoredCall> Calls { get; private set; } = [];

    public const string SpokenCallRef = "s01";

    /// <summary>The scripted call with real words (an angry customer), stored apart from <see cref="Calls"/>.</summary>
    public StoredCall SpokenCall { get; private set; } = null!;

    /// <summary>Screenshots for a person to look at, under the test output (bin/…/screenshots); not part of any assertion.</summary>
    public static string ScreenshotFolder => Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>Saves the whole page as <paramref name="name"/>.png in <see cref="ScreenshotFolder"/>.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });
    }

    public async Task InitializeAsync()
    {
        _root = Path.Combine(Path.GetTempPath(), "callsentiment-browser-" + Guid.NewGuid().ToString("N")[..10]);
        var recordings = Path.Combine(_root, "recordings");
        var database = Path.Combine(_root, "callsentiment.db");
        Directory.CreateDirectory(recordings);
        foreach (var c in Plan) TestCalls.Write(recordings, c.Agent, c.Start, c.CallId, c.Mood, c.Turns);
        // A call with real words (April, outside the March views the other tests count) for the transcript.
        SpokenCalls.Write(recordings, "carla", new DateTime(2026, 4, 6, 9, 0, 0), SpokenCallRef, SpokenCalls.AngryCustomer);

        _settings = new Dictionary<string, string>
        {
            ["Storage:Provider"] = "Sqlite",
            ["Storage:ConnectionString"] = $"Data Source={database}",
            ["Recordings:Folder"] = recordings,
            ["Recordings:TimeZone"] = "UTC",
            ["Dashboard:TimeZone"] = "UTC",
            ["Dashboard:PageSize"] = PageSize.ToString(CultureInfo.InvariantCulture),
            ["Ingestion:PollInterval"] = "00:00:01",
            ["Ingestion:SettleTime"] = "00:00:00",
            ["Ingestion:RetryDelay"] = "00:00:01",
            ["Ingestion:Concurrency"] = "2",
            ["DataProtection:KeysFolder"] = Path.Combine(_root, "keys"),
            ["Access:BootstrapAdmin:UserName"] = UserName,
            ["Access:BootstrapAdmin:Password"] = SignIn.Password,
        };
        _app = await AppProcess.StartAsync(_settings);

        // The browser starts while the calls are analysed.
        var browser = StartBrowserAsync();
        await WaitForAnalysisAsync(Plan.Count + 1, TimeSpan.FromMinutes(10));
        var all = await ReadCallsAsync(database);
        SpokenCall = all.Single(c => c.CallRef == SpokenCallRef);
        Calls = [.. all.Where(c => c != SpokenCall)];
        Browser = await browser;
        if (Calls.Count != Plan.Count) throw new InvalidOperationException($"{Calls.Count} calls stored, {Plan.Count} written");
    }

    private async Task<IBrowser> StartBrowserAsync()
    {
        _playwright = await Playwright.CreateAsync();
        return await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
        });
    }

    /// <summary>Polls the status endpoint the status page itself uses until every recording is done.</summary>
    private async Task WaitForAnalysisAsync(int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using var http = await SignIn.ClientAsync(App.BaseAddress, UserName);
        var last = "";
        while (clock.Elapsed < timeout)
        {
            if (App.HasExited) throw new InvalidOperationException($"the app exited:\n{App.Output}");
            using (var json = JsonDocument.Parse(await http.GetStringAsync(new Uri("status/progress", UriKind.Relative))))
            {
                var counts = json.RootElement.GetProperty("counts");
                long N(string name) => counts.GetProperty(name).GetInt64();
                last = counts.GetRawText();
                if (N("failed") > 0) throw new InvalidOperationException($"analysis failed: {last}\n{App.Output}");
                if (N("done") >= count && N("queued") + N("running") + N("retrying") == 0) return;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"analysis did not finish in {timeout}: {last}\n{App.Output}");
    }

    private static async Task<IReadOnlyList<StoredCall>> ReadCallsAsync(string database)
    {
        const string Sql = """
            SELECT c.id AS Id, a.name AS Agent, c.call_ref AS CallRef, c.started_at AS StartedAt, c.duration_ms AS DurationMs,
                   c.sentiment AS Sentiment, c.positive AS Positive, c.negative AS Negative, c.neutral AS Neutral, c.mixed AS Mixed
            FROM calls c JOIN agents a ON a.id = c.agent_id
            ORDER BY c.started_at
            """;
        await using var c = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await c.OpenAsync();
        return [.. await c.QueryAsync<StoredCall>(Sql)];
    }

    /// <summary>The administrator the app creates at start (Access:BootstrapAdmin); every page opens signed in as them.</summary>
    public const string UserName = "browser-admin";

    /// <summary>Adds a user the way an operator does: <c>CallSentiment.Web users add</c> on the app's database, password on stdin.</summary>
    public async Task CreateUserAsync(string name, string role)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(AppProcess.AppDll)!,
        };
        foreach (var a in new[] { AppProcess.AppDll, "users", "add", "--name", name, "--role", role }) psi.ArgumentList.Add(a);
        foreach (var (k, v) in _settings) psi.Environment[k.Replace(":", "__", StringComparison.Ordinal)] = v;
        using var process = Process.Start(psi)!;
        await process.StandardInput.WriteLineAsync(SignIn.Password);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"users add {name} exited with {process.ExitCode}: {output}");
    }

    /// <summary>A fresh browser context (own cookies and cache) with one page on the app, signed in as <paramref name="userName"/>.</summary>
    public async Task<BrowserPage> OpenAsync(string path, string userName = UserName)
    {
        var context = await Browser.NewContextAsync(new()
        {
            BaseURL = App.BaseAddress.ToString(),
            ViewportSize = new() { Width = 1280, Height = 900 },
            Locale = "en-GB",
        });
        var page = new BrowserPage(context, await context.NewPageAsync());
        // Signed in through the form, which then sends the browser on to the page asked for (its return URL).
        await page.GotoAsync("/login?returnUrl=" + Uri.EscapeDataString(path));
        await page.Page.FillAsync("input[name=userName]", userName);
        await page.Page.FillAsync("input[name=password]", SignIn.Password);
        await page.Page.ClickAsync("form.login-form button[type=submit]");
        await page.Page.WaitForURLAsync(url => new Uri(url).PathAndQuery == path, new() { Timeout = 15_000 });
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// A page that records what a person would see go wrong: script errors, console errors and failed responses.
/// Tests call <see cref="AssertNoProblems"/> once they are done.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _problems = [];
    private readonly List<IResponse> _responses = [];

    public BrowserPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.PageError += (_, e) => { lock (_problems) _problems.Add($"script error: {e}"); };
        page.Console += (_, m) => { if (m.Type == "error") lock (_problems) _problems.Add($"console: {m.Text} ({m.Location})"); };
        page.Response += (_, r) =>
        {
            lock (_responses) _responses.Add(r);
            if (r.Status >= 400) lock (_problems) _problems.Add($"{r.Status} for {r.Url}");
        };
    }

    public IPage Page { get; }

    public IReadOnlyList<IResponse> Responses
    {
        get { lock (_responses) return [.. _responses]; }
    }

    public async Task GotoAsync(string path)
    {
        var response = await Page.GotoAsync(path);
        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
    }

    /// <summary>
    /// Does what a person does (click, submit) and waits for the page it leads to: the document's response, then the
    /// new URL loaded. Returns the document's HTTP status.
    /// </summary>
    public async Task<int> NavigateAsync(Func<Task> action, Func<Uri, bool> arrivedAt)
    {
        Assert.False(arrivedAt(new Uri(Page.Url)), $"already at {Page.Url}");
        var response = await Page.RunAndWaitForResponseAsync(action, r => r.Request.IsNavigationRequest && r.Request.Frame == Page.MainFrame);
        await Page.WaitForURLAsync(url => arrivedAt(new Uri(url)));
        return response.Status;
    }

    /// <summary>The query string of the current URL, decoded.</summary>
    public Dictionary<string, string> Query()
    {
        var query = new Uri(Page.Url).Query.TrimStart('?');
        return query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "", StringComparer.Ordinal);
    }

    public void AssertNoProblems()
    {
        lock (_problems) Assert.True(_problems.Count == 0, "the page had problems:\n" + string.Join('\n', _problems));
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}
