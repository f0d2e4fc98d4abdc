using CallSentiment.Web.Categories;
using CallSentiment.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CallSentiment.Web.Tests;

/// <summary>
/// Categories in a real browser against the built app as a process: the admin page (list, progress, trying a rule) and
/// a call page whose matching words are highlighted. Saves screenshots for a person to look at.
/// </summary>
public sealed class CategoryBrowserTests : IAsyncLifetime
{
    private const string Admin = "category-admin";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "callsentiment-categories-" + Guid.NewGuid().ToString("N")[..10]);
    private Dictionary<string, string> _settings = [];
    private long _callId;

    public async Task InitializeAsync()
    {
        var recordings = Path.Combine(_root, "recordings");
        Directory.CreateDirectory(recordings);
        var start = new DateTime(2026, 6, 1, 9, 0, 0);
        // The audio the call page plays and draws (its analysis is the scripted one below).
        TestCalls.Write(recordings, "carla", start, "cancel", CustomerMood.Angry);
        _settings = new Dictionary<string, string>
        {
            ["Storage:Provider"] = "Sqlite",
            ["Storage:ConnectionString"] = $"Data Source={Path.Combine(_root, "callsentiment.db")}",
            ["Recordings:Folder"] = recordings,
            ["Recordings:TimeZone"] = "UTC",
            ["Dashboard:TimeZone"] = "UTC",
            ["Ingestion:Enabled"] = "false",
            ["DataProtection:KeysFolder"] = Path.Combine(_root, "keys"),
            ["Access:BootstrapAdmin:UserName"] = Admin,
            ["Access:BootstrapAdmin:Password"] = SignIn.Password,
        };
        // The data is made in-process (the app's own services); the built app re-tags it once it runs as a process.
        var seeding = _settings.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        seeding["Categories:RetagEnabled"] = "false";
        await using var app = new CallSentimentApp(settings: seeding);
        var store = app.Services.GetRequiredService<CategoryStore>();
        await store.SaveAsync(null, "Cancellation risk", "customer says \"cancel*\" near/5 \"contract\"", alert: true, polarity: null, "test", CancellationToken.None);
        await store.SaveAsync(null, "Unhappy, with silences", "customer.sentiment = NEGATIVE and silence > 3s", alert: false, polarity: null, "test", CancellationToken.None);
        await store.SaveAsync(null, "Thanked for calling", "agent says \"thank you for calling\"", alert: false, polarity: "encourage", "test", CancellationToken.None);
        _callId = await AnalysedCalls.StoreAsync(app.Services, "carla", start, "cancel", Sentiment.Negative, 4_000,
            (true, "thank you for calling how can I help"),
            (false, "I want to cancel my contract today because the price went up again"),
            (true, "I am sorry to hear that let me see what I can do"),
            (false, "please just cancel it I have waited long enough"));
        await AnalysedCalls.StoreAsync(app.Services, "carla", start.AddHours(1), "happy", Sentiment.Positive, 1_000,
            (true, "thank you for calling"), (false, "everything works I just wanted to say thanks"));
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task AdminPageAndCallPage_InTheBrowser_RuleTriedAndMatchingWordsHighlighted()
    {
        await using var app = await AppProcess.StartAsync(_settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        });
        var context = await browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString(), ViewportSize = new() { Width = 1280, Height = 900 }, Locale = "en-GB" });
        var p = new BrowserPage(context, await context.NewPageAsync());
        await p.GotoAsync("/login?returnUrl=" + Uri.EscapeDataString("/admin/categories"));
        await p.Page.FillAsync("input[name=userName]", Admin);
        await p.Page.FillAsync("input[name=password]", SignIn.Password);
        await p.Page.ClickAsync("form.login-form button[type=submit]");
        await p.Page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/admin/categories");

        // The re-tagging of the stored calls finishes in the background; the page shows it when reloaded.
        for (var i = 0; i < 50 && await p.Page.Locator("#categories td.retag[data-status=done]").CountAsync() < 3; i++)
        {
            await Task.Delay(200);
            await p.Page.ReloadAsync();
        }
        Assert.Equal(3, await p.Page.Locator("#categories td.retag[data-status=done]").CountAsync());
        await p.Page.FillAsync("#category-rule", "customer says \"cancel*\" and not agent says \"sorry\"");
        await p.NavigateAsync(() => p.Page.ClickAsync("#try-category"), u => u.Query.Contains("handler=Try", StringComparison.Ordinal));
        Assert.Equal("0", await p.Page.Locator("#try-matched").TextContentAsync());
        await p.Page.FillAsync("#category-rule", "customer says \"cancel*\" and silence < 30s");
        await p.Page.ClickAsync("#try-category");
        await p.Page.WaitForSelectorAsync("#try-matches");
        Assert.Equal("1", await p.Page.Locator("#try-matched").TextContentAsync());
        await BrowserFixture.ScreenshotAsync(p.Page, "categories-admin");

        await p.GotoAsync($"/calls/{_callId}");
        var hits = p.Page.Locator("#transcript span.w.hit:not(.encourage)");
        // The second "cancel" is 9 words from "contract": beyond near/5, so not highlighted.
        Assert.Equal(["cancel", "contract"], await hits.AllTextContentsAsync());
        Assert.True(await hits.First.IsVisibleAsync());
        Assert.Equal("rgb(255, 224, 102)", await hits.First.EvaluateAsync<string>("w => getComputedStyle(w).backgroundColor"));
        Assert.Equal(["Cancellation risk", "Thanked for calling", "Unhappy, with silences"], await p.Page.Locator("#call-categories a.category").AllTextContentsAsync());
        // A category to encourage is good news: its badge and its words are green, not amber.
        var thanked = p.Page.Locator("#transcript span.w.hit.encourage");
        Assert.Equal(["thank", "you", "for", "calling"], await thanked.AllTextContentsAsync());
        Assert.Equal("rgb(178, 242, 187)", await thanked.First.EvaluateAsync<string>("w => getComputedStyle(w).backgroundColor"));
        Assert.Equal("rgb(211, 249, 216)", await p.Page.Locator("#call-categories a.category.encourage").EvaluateAsync<string>("a => getComputedStyle(a).backgroundColor"));
        await hits.First.ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ScreenshotAsync(p.Page, "call-category-highlight");
        p.AssertNoProblems();
        await p.DisposeAsync();
    }
}
