using CallSentiment.Web.Tests.Infrastructure;

namespace CallSentiment.Web.Tests;

/// <summary>The service-recovery flow in real headless Chromium, as a QA person works it: sign in, claim, note, resolve.</summary>
[Collection(BrowserCollection.Name)]
public sealed class QaBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public async Task QaPerson_ClaimsNotesAndResolvesANegativeCall()
    {
        await fixture.CreateUserAsync("qa-browser", "QA");
        await using var p = await fixture.OpenAsync("/qa?agent=carla", "qa-browser");
        var row = p.Page.Locator("#qa-items tbody tr").First;
        Assert.Equal("open", await row.GetAttributeAsync("data-status"));
        Assert.StartsWith("The customer came across as", await row.Locator("td.reason").TextContentAsync() ?? "", StringComparison.Ordinal);

        await p.NavigateAsync(() => row.Locator("a", new() { HasText = "Open" }).ClickAsync(), u => u.AbsolutePath.StartsWith("/qa/", StringComparison.Ordinal));
        Assert.True(await p.Page.Locator("#qa-chunks li").CountAsync() > 0, "no negative words are shown as the reason");
        // The item has its own player: QA listens without leaving the page.
        await p.Page.EvaluateAsync("() => document.getElementById('qa-player').play()");
        await p.Page.WaitForFunctionAsync("() => document.getElementById('qa-player').currentTime > 0.3");
        await p.Page.EvaluateAsync("() => document.getElementById('qa-player').pause()");
        await BrowserFixture.ScreenshotAsync(p.Page, "qa-item-open");
        await p.Page.ClickAsync("#claim-form button");
        await p.Page.WaitForSelectorAsync("#qa-status:has-text('claimed')");
        Assert.Equal("claimed", await p.Page.Locator("#qa-status").TextContentAsync());
        Assert.Equal("qa-browser", await p.Page.Locator("#qa-claimed-by").TextContentAsync());

        await p.Page.FillAsync("#note-form textarea", "Customer was charged twice; calling back at 3 pm.");
        await p.Page.ClickAsync("#note-form button");
        await p.Page.WaitForSelectorAsync("#qa-notes li:has-text('charged twice')");
        // A long value without spaces (a pasted reference) wraps instead of widening the page.
        await p.Page.FillAsync("#note-form textarea", "Ref:" + string.Concat(Enumerable.Repeat("AB12CD34EF", 30)));
        await p.Page.ClickAsync("#note-form button");
        await p.Page.WaitForSelectorAsync("#qa-notes li:has-text('Ref:AB12')");
        Assert.True(await p.Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways");

        await p.Page.FillAsync("#resolve-form textarea", "Refunded the second charge and apologised; customer satisfied.");
        await p.Page.ClickAsync("#resolve-form button");
        await p.Page.WaitForSelectorAsync("#qa-status:has-text('resolved')");
        Assert.Contains("Refunded the second charge", await p.Page.Locator("#qa-action").TextContentAsync() ?? "", StringComparison.Ordinal);
        Assert.Equal(0, await p.Page.Locator("#claim-form, #resolve-form").CountAsync());
        Assert.Contains("by qa-browser", await p.Page.Locator("#qa-resolved").TextContentAsync() ?? "", StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(p.Page, "qa-item-resolved");

        // The call page, as QA sees it: no dashboard link, no role swap (supervisors' actions).
        await p.NavigateAsync(() => p.Page.Locator("#qa-call-link").ClickAsync(), u => u.AbsolutePath.StartsWith("/calls/", StringComparison.Ordinal));
        Assert.Equal(0, await p.Page.Locator("#swap-form, #agent-calls").CountAsync());
        await BrowserFixture.ScreenshotAsync(p.Page, "call-as-qa");

        // Back in the queue it has left the unresolved list and shows under "resolved".
        await p.GotoAsync("/qa?agent=carla");
        Assert.Equal(0, await p.Page.Locator("#qa-items tbody tr[data-status=open], #qa-items tbody tr[data-status=claimed]").CountAsync());
        await p.GotoAsync("/qa?agent=carla&status=resolved");
        Assert.Equal("resolved", await p.Page.Locator("#qa-items tbody tr").First.GetAttributeAsync("data-status"));
        Assert.StartsWith("resolved ", await p.Page.Locator("#qa-items tbody tr td.waited").First.TextContentAsync() ?? "", StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(p.Page, "qa-queue-resolved");
        p.AssertNoProblems();
    }
}
