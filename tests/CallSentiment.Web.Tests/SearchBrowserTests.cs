using System.Globalization;
using CallSentiment.Web.Tests.Infrastructure;

namespace CallSentiment.Web.Tests;

/// <summary>Transcript search in real headless Chromium: a result opens the call with the player at that moment and the chunk marked.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SearchBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public async Task SearchResult_Click_OpensTheCallAtThatMoment()
    {
        var call = fixture.SpokenCall;
        string word;
        double start;
        await using (var callPage = await fixture.OpenAsync($"/calls/{call.Id}"))
        {
            // A word the recogniser heard from the customer after the call's first seconds.
            var chunk = callPage.Page.Locator("#transcript li.chunk.customer").Last;
            start = double.Parse((await chunk.GetAttributeAsync("data-start"))!, CultureInfo.InvariantCulture);
            var words = await chunk.Locator("span.w").AllTextContentsAsync();
            word = words.Select(w => w.Trim().ToLowerInvariant()).First(w => w.Length >= 4 && w.All(char.IsLetter));
            Assert.True(start > 1, $"the customer's last chunk starts at {start} s");
        }

        await using var p = await fixture.OpenAsync($"/search?q={Uri.EscapeDataString(word)}&speaker=customer&from=2026-04-01&to=2026-04-30");
        var hits = p.Page.Locator("#search-results li.hit");
        Assert.True(await hits.CountAsync() >= 1, $"no result for '{word}'");
        Assert.True(await p.Page.Locator("#search-results mark").CountAsync() >= 1, "no word is marked");
        await BrowserFixture.ScreenshotAsync(p.Page, "search");
        var link = hits.Locator("a.when").Last;
        var href = (await link.GetAttributeAsync("href"))!;
        Assert.StartsWith($"/calls/{call.Id}?t=", href, StringComparison.Ordinal);

        await link.ClickAsync();
        await p.Page.WaitForURLAsync(new System.Text.RegularExpressions.Regex($"/calls/{call.Id}\\?t="));
        var t = double.Parse(href[(href.IndexOf("?t=", StringComparison.Ordinal) + 3)..href.IndexOf('#', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
        await p.Page.WaitForFunctionAsync("t => Math.abs(document.getElementById('player').currentTime - t) < 0.5", t);
        var found = p.Page.Locator("#transcript li.chunk.found");
        Assert.Equal(1, await found.CountAsync());
        Assert.Equal(t.ToString("0.###", CultureInfo.InvariantCulture), await found.GetAttributeAsync("data-start"));
        Assert.Contains(word, (await found.TextContentAsync() ?? "").ToLowerInvariant(), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(p.Page, "search-opened-call");
        p.AssertNoProblems();
    }
}
