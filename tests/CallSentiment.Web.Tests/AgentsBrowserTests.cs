using System.Diagnostics;
using CallSentiment.Web.Storage;
using CallSentiment.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CallSentiment.Web.Tests;

/// <summary>
/// The agent comparison in headless Chromium on the built app (a process, as deployed) over the seeded calls of
/// <see cref="AgentComparisonTests"/>: the charts are drawn, every row has its sparkline, a figure leads to the calls
/// behind it. Screenshots for a person to look at go to bin/…/screenshots (agents.png, agent-detail.png).
/// </summary>
public sealed class AgentsBrowserTests : IAsyncLifetime
{
    private const string UserName = "agents-admin";
    private const string Period = "from=2026-06-01&to=2026-06-28";
    private string _root = null!;
    private AppProcess _app = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _root = Path.Combine(Path.GetTempPath(), "callsentiment-agents-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path.Combine(_root, "recordings"));
        var database = Path.Combine(_root, "callsentiment.db");
        _app = await AppProcess.StartAsync(new Dictionary<string, string>
        {
            ["Storage:Provider"] = "Sqlite",
            ["Storage:ConnectionString"] = $"Data Source={database}",
            ["Recordings:Folder"] = Path.Combine(_root, "recordings"),
            ["Dashboard:TimeZone"] = "America/New_York",
            ["DataProtection:KeysFolder"] = Path.Combine(_root, "keys"),
            ["Access:BootstrapAdmin:UserName"] = UserName,
            ["Access:BootstrapAdmin:Password"] = SignIn.Password,
            ["Categories:PollInterval"] = "00:00:00.100",
        });
        using (var http = new HttpClient { BaseAddress = _app.BaseAddress })
        {
            var clock = Stopwatch.StartNew();
            while (!(await http.GetAsync(new Uri("health/ready", UriKind.Relative))).IsSuccessStatusCode && clock.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(200);
        }
        await using (var db = new SqliteDb($"Data Source={database}"))
            await AgentCalls.InsertAsync(db, AgentComparisonTests.Seeds);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private async Task<BrowserPage> OpenAsync(string path)
    {
        var context = await _browser.NewContextAsync(new() { BaseURL = _app.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 900 }, Locale = "en-GB" });
        var page = new BrowserPage(context, await context.NewPageAsync());
        await page.GotoAsync("/login?returnUrl=" + Uri.EscapeDataString(path));
        await page.Page.FillAsync("input[name=userName]", UserName);
        await page.Page.FillAsync("input[name=password]", SignIn.Password);
        await page.Page.ClickAsync("form.login-form button[type=submit]");
        await page.Page.WaitForURLAsync(url => new Uri(url).PathAndQuery == path, new() { Timeout = 15_000 });
        return page;
    }

    [Fact]
    public async Task AgentsPage_InBrowser_ChartsSparklinesCategoryColumnAndDrillDownToTheCalls()
    {
        // An admin defines a category to avoid and one to encourage; the stored calls are tagged in the background.
        await using (var admin = await OpenAsync("/admin/categories"))
        {
            await admin.Page.FillAsync("#category-name", "Talks over the customer");
            await admin.Page.FillAsync("#category-rule", "agent.interruptions >= 2");
            await admin.Page.ClickAsync("#save-category");
            await admin.Page.WaitForSelectorAsync("#categories tr:has-text('Talks over the customer')");
            await admin.Page.FillAsync("#category-name", "No long silence");
            await admin.Page.FillAsync("#category-rule", "longest_silence < 30s");
            await admin.Page.CheckAsync("#category-polarity-encourage");
            await admin.Page.ClickAsync("#save-category");
            await admin.Page.WaitForSelectorAsync("#categories tr:has-text('No long silence')");
            var clock = Stopwatch.StartNew();
            while (await admin.Page.Locator("#categories td.retag[data-status=done]").CountAsync() < 2 && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
                await admin.Page.ReloadAsync();
            }
            Assert.Equal(2, await admin.Page.Locator("#categories td.retag[data-status=done]").CountAsync());
            Assert.Equal(["to encourage", "to avoid"], (await admin.Page.Locator("#categories td.polarity").AllTextContentsAsync()).Select(t => t.Trim()));
            await BrowserFixture.ScreenshotAsync(admin.Page, "categories-polarity");
        }

        // The category to encourage: the highest share first, the lowest (ivy) marked as the coaching point.
        await using (var encourage = await OpenAsync($"/agents?{Period}&category=No%20long%20silence&sort=category"))
        {
            Assert.Equal("ann", await encourage.Page.Locator("#agents-table tbody tr").First.GetAttributeAsync("data-agent"));
            Assert.Contains("weak", await encourage.Page.Locator("#agents-table tr[data-agent=ivy] td[data-metric=category]").GetAttributeAsync("class"), StringComparison.Ordinal);
            Assert.Contains("to encourage", await encourage.Page.Locator("#category-polarity").TextContentAsync(), StringComparison.Ordinal);
            await BrowserFixture.ScreenshotAsync(encourage.Page, "agents-encourage");
            await encourage.Page.ClickAsync("#agents-table tr[data-agent=ivy] td[data-metric=category] a");
            await encourage.Page.WaitForURLAsync(url => url.Contains("/agents/detail", StringComparison.Ordinal));
            Assert.Equal(6, await encourage.Page.Locator("#drivers-category tbody tr").CountAsync());
            await BrowserFixture.ScreenshotAsync(encourage.Page, "agent-detail-encourage");
            encourage.AssertNoProblems();
        }
        await using var p = await OpenAsync($"/agents?{Period}&category=Talks%20over%20the%20customer");
        Assert.Equal(2, await p.Page.EvaluateAsync<int>("Object.keys(Chart.instances).length"));
        Assert.Equal("Talks over the customer", (await p.Page.Locator("#sort-category").TextContentAsync())?.Trim());
        Assert.Equal("100.0%", (await p.Page.Locator("#agents-table tr[data-agent=ivy] td[data-metric=category] a").TextContentAsync())?.Trim());
        Assert.Equal(9, await p.Page.Locator("#agents-table tbody tr").CountAsync());
        Assert.Equal(9, await p.Page.Locator("#agents-table tbody svg.sparkline:has(polyline)").CountAsync());
        Assert.Equal("Agents", (await p.Page.Locator("header.top nav a[href='/agents']").TextContentAsync())?.Trim());
        await BrowserFixture.ScreenshotAsync(p.Page, "agents");

        // Sorting by a figure is a link; the weakest on it ends the ranked list.
        await p.Page.ClickAsync("#sort-interruptions");
        await p.Page.WaitForURLAsync(url => url.Contains("sort=interruptions", StringComparison.Ordinal));
        Assert.Equal("ivy", await p.Page.Locator("#agents-table tbody tr").Nth(7).GetAttributeAsync("data-agent"));

        await p.Page.ClickAsync("#agents-table tr[data-agent=ivy] td[data-metric=interruptions] a");
        await p.Page.WaitForURLAsync(url => url.Contains("/agents/detail", StringComparison.Ordinal));
        Assert.Equal(7, await p.Page.EvaluateAsync<int>("Object.keys(Chart.instances).length"));
        Assert.Equal(10, await p.Page.Locator("#drivers-category tbody tr").CountAsync());
        Assert.Equal(10, await p.Page.Locator("#drivers-interruptions tbody tr").CountAsync());
        await BrowserFixture.ScreenshotAsync(p.Page, "agent-detail");

        // A call of the list opens its page (seeded calls have no audio: only the link is checked).
        var href = await p.Page.Locator("#drivers-interruptions tbody tr a").First.GetAttributeAsync("href");
        Assert.Matches("^/calls/[0-9]+$", href);
        p.AssertNoProblems();
    }
}
