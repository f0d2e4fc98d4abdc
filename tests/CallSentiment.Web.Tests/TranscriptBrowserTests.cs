using CallSentiment.Web.Tests.Infrastructure;

namespace CallSentiment.Web.Tests;

/// <summary>The call page's transcript in real headless Chromium: click-to-play from a word, the playing chunk marked, the swap action.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TranscriptBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Transcript_ClickOnAWord_PlaysFromThatWordAndMarksItsChunk()
    {
        var call = fixture.SpokenCall;
        await using var p = await fixture.OpenAsync($"/calls/{call.Id}");
        var customerChunk = p.Page.Locator("#transcript li.chunk.customer.NEGATIVE").First;
        Assert.True(await customerChunk.IsVisibleAsync(), "no negative customer chunk is shown");
        var word = customerChunk.Locator("span.w").Nth(2);
        var t = double.Parse((await word.GetAttributeAsync("data-t"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(t > 1, $"the word starts at {t} s");

        await word.ClickAsync();
        await p.Page.WaitForFunctionAsync("t => { const a = document.getElementById('player'); return !a.paused && a.currentTime >= t; }", t);
        var now = await p.Page.EvaluateAsync<double>("() => document.getElementById('player').currentTime");
        Assert.InRange(now, t, t + 2);
        await p.Page.WaitForFunctionAsync("() => document.querySelector('#transcript li.chunk.playing') !== null");
        Assert.Contains("playing", await customerChunk.GetAttributeAsync("class") ?? "", StringComparison.Ordinal);

        // The time button of the first chunk seeks back to the start of the call.
        await p.Page.Locator("#transcript li.chunk button.seek").First.ClickAsync();
        await p.Page.WaitForFunctionAsync("() => document.getElementById('player').currentTime < 2");
        Assert.Equal("NEGATIVE", await p.Page.Locator("#customer-sentiment").TextContentAsync());
        p.AssertNoProblems();
    }
}
