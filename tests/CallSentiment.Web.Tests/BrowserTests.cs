using System.Globalization;
using System.Text.Json;
using CallSentiment.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CallSentiment.Web.Tests;

/// <summary>
/// The dashboard and the call page in real headless Chromium against the app as a process, with the app's own
/// database as the oracle: what a person clicks, types and sees — form submission, charts drawn, paging, sorting,
/// audio playback with seeking, and validation messages.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserTests(BrowserFixture fixture)
{
    private const string March = "/?from=2026-03-01&to=2026-03-31";
    private const string RowLinks = "#calls-table tbody tr td:first-child a";

    [Fact]
    public async Task Filter_AgentAndWeekChosenInForm_UrlCarriesFilterAndTotalsFollow()
    {
        await using var p = await fixture.OpenAsync(March);
        Assert.Equal(fixture.Calls.Count.ToString(CultureInfo.InvariantCulture), await p.Page.Locator("#total-calls").TextContentAsync());

        await p.Page.Locator("#agent").SelectOptionAsync("alice");
        await p.Page.Locator("#from").FillAsync("2026-03-09");
        await p.Page.Locator("#to").FillAsync("2026-03-15");
        var status = await p.NavigateAsync(() => p.Page.Locator("#filter button[type=submit]").ClickAsync(), u => u.Query.Contains("from=2026-03-09", StringComparison.Ordinal));

        Assert.Equal(200, status);
        var query = p.Query();
        Assert.Equal("alice", query["agent"]);
        Assert.Equal("2026-03-09", query["from"]);
        Assert.Equal("2026-03-15", query["to"]);
        var expected = fixture.Calls.Where(c => c.Agent == "alice" && c.IsoWeek == "2026-W11").ToList();
        Assert.InRange(expected.Count, 1, fixture.Calls.Count - 1);
        Assert.Equal(expected.Count.ToString(CultureInfo.InvariantCulture), await p.Page.Locator("#total-calls").TextContentAsync());
        Assert.Equal(Nps(expected), await p.Page.Locator("#nps").TextContentAsync());
        Assert.Equal(expected.Select(c => c.Id).Order(), (await RowIdsAsync(p.Page)).Order());
        Assert.All(await p.Page.Locator("#calls-table tbody tr td:nth-child(2)").AllTextContentsAsync(), a => Assert.Equal("alice", a));
        // No category is defined here: the table has no empty Categories column.
        Assert.DoesNotContain("Categories", await p.Page.Locator("#calls-table thead th").AllTextContentsAsync());
        Assert.Equal(0, await p.Page.Locator("#calls-table td.categories").CountAsync());
        // The form shows the filter it applied.
        Assert.Equal("alice", await p.Page.Locator("#agent").InputValueAsync());
        Assert.Equal("2026-03-09", await p.Page.Locator("#from").InputValueAsync());
        p.AssertNoProblems();
    }

    [Fact]
    public async Task Charts_RangeWithAnEmptyWeek_DrawnWithTheDatabasesWeeklyFigures()
    {
        await using var p = await fixture.OpenAsync("/?from=2026-02-23&to=2026-03-22");
        var weeks = new[] { "2026-W09", "2026-W10", "2026-W11", "2026-W12" };

        var scores = await ChartAsync(p.Page, "scores-chart");
        Assert.Equal(weeks, scores.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        var series = new Dictionary<string, Func<StoredCall, double>>
        {
            ["Positive"] = c => c.Positive, ["Negative"] = c => c.Negative, ["Neutral"] = c => c.Neutral, ["Mixed"] = c => c.Mixed,
        };
        var datasets = scores.GetProperty("datasets").EnumerateArray().ToList();
        Assert.Equal(series.Keys, datasets.Select(d => d.GetProperty("label").GetString()));
        foreach (var d in datasets)
        {
            var score = series[d.GetProperty("label").GetString()!];
            var data = d.GetProperty("data").EnumerateArray().ToList();
            var points = d.GetProperty("points").EnumerateArray().ToList();
            for (var w = 0; w < weeks.Length; w++)
            {
                var inWeek = fixture.Calls.Where(c => c.IsoWeek == weeks[w]).ToList();
                if (inWeek.Count == 0)
                {
                    Assert.Equal(JsonValueKind.Null, data[w].ValueKind);
                    continue;
                }
                Assert.Equal(inWeek.Average(score), data[w].GetDouble(), 1e-3);
                // Something is painted where the chart put this point that is not there without the data (another
                // series' point may lie on top of it, so not necessarily in this series' colour).
                Assert.True(Differs(Pixel(points[w], "rgba"), Pixel(points[w], "bare")),
                    $"{d.GetProperty("label")} {weeks[w]}: nothing drawn at the point ({string.Join(',', Pixel(points[w], "rgba"))})");
            }
        }
        AssertPainted(scores);

        var nps = await ChartAsync(p.Page, "nps-chart");
        var bars = nps.GetProperty("datasets")[0];
        var values = bars.GetProperty("data").EnumerateArray().ToList();
        var barPoints = bars.GetProperty("points").EnumerateArray().ToList();
        var barsSeen = 0;
        for (var w = 0; w < weeks.Length; w++)
        {
            var inWeek = fixture.Calls.Where(c => c.IsoWeek == weeks[w]).ToList();
            if (inWeek.Count == 0)
            {
                Assert.Equal(JsonValueKind.Null, values[w].ValueKind);
                continue;
            }
            var expected = NpsValue(inWeek);
            Assert.Equal(expected, values[w].GetDouble(), 0.01);
            if (barPoints[w].GetProperty("height").GetDouble() < 4) continue; // a bar near 0 has no inside to sample
            var colour = Rgb(expected < 0 ? "#d2453d" : "#2e9d5b");
            Assert.True(Near(Pixel(barPoints[w]), colour), $"NPS bar {weeks[w]} ({expected:0.00}) is {string.Join(',', Pixel(barPoints[w]))}");
            barsSeen++;
        }
        Assert.True(barsSeen > 0, "no week has an NPS bar tall enough to see");
        AssertPainted(nps);

        Directory.CreateDirectory(BrowserFixture.ScreenshotFolder);
        await p.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "dashboard.png"), FullPage = true });
        p.AssertNoProblems();
    }

    [Fact]
    public async Task Table_NextPageThenSortByDuration_ShowsTheRightRowsInOrder()
    {
        var march = fixture.Calls.Where(c => c.Started.Month == 3).ToList();
        var byTime = march.OrderByDescending(c => c.StartedAt).Select(c => c.Id).ToList();
        var pages = (march.Count + BrowserFixture.PageSize - 1) / BrowserFixture.PageSize;
        await using var p = await fixture.OpenAsync(March);
        Assert.Equal($"Page 1 of {pages}", await p.Page.Locator("#page-info").TextContentAsync());
        var first = await RowIdsAsync(p.Page);
        Assert.Equal(byTime.Take(BrowserFixture.PageSize), first);
        Assert.Equal(0, await p.Page.Locator("#prev-page").CountAsync());

        await p.NavigateAsync(() => p.Page.Locator("#next-page").ClickAsync(), u => u.Query.Contains("page=2", StringComparison.Ordinal));
        Assert.Equal($"Page 2 of {pages}", await p.Page.Locator("#page-info").TextContentAsync());
        var second = await RowIdsAsync(p.Page);
        Assert.Empty(second.Intersect(first));
        Assert.Equal(byTime.Skip(BrowserFixture.PageSize).Take(BrowserFixture.PageSize), second);
        Assert.Equal(1, await p.Page.Locator("#prev-page").CountAsync());

        // Durations first longest; a second click turns the order round. Sorting starts again at page 1.
        var duration = p.Page.Locator("#calls-table thead th a", new() { HasTextString = "Duration" });
        await p.NavigateAsync(() => duration.ClickAsync(), u => u.Query.Contains("sort=duration", StringComparison.Ordinal));
        Assert.Equal("desc", p.Query()["dir"]);
        Assert.Contains("▼", await duration.TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal($"Page 1 of {pages}", await p.Page.Locator("#page-info").TextContentAsync());
        Assert.Equal(march.Select(c => c.DurationMs).OrderDescending().Take(BrowserFixture.PageSize), await RowDurationsAsync(p.Page));

        await p.NavigateAsync(() => duration.ClickAsync(), u => u.Query.Contains("dir=asc", StringComparison.Ordinal));
        Assert.Contains("▲", await duration.TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(march.Select(c => c.DurationMs).Order().Take(BrowserFixture.PageSize), await RowDurationsAsync(p.Page));
        p.AssertNoProblems();
    }

    [Fact]
    public async Task CallPage_OpenedFromTable_ShowsTimelinesImagesAndPlaysAndSeeksAudio()
    {
        await using var p = await fixture.OpenAsync(March);
        var id = (await RowIdsAsync(p.Page))[0];
        var call = fixture.Calls.Single(c => c.Id == id);
        await p.NavigateAsync(() => p.Page.Locator(RowLinks).First.ClickAsync(), u => u.AbsolutePath == $"/calls/{id}");
        Assert.Contains(call.CallRef, await p.Page.Locator("h1").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(call.Sentiment, await p.Page.Locator("#verdict").TextContentAsync());

        // One timeline per channel, each with emotion windows drawn.
        var timelines = p.Page.Locator(".timeline svg");
        Assert.Equal(2, await timelines.CountAsync());
        for (var i = 0; i < 2; i++)
        {
            Assert.True(await timelines.Nth(i).Locator("rect:not(.bg)").CountAsync() > 0, $"timeline {i} has no windows");
            Assert.True((await timelines.Nth(i).BoundingBoxAsync())!.Height > 20, $"timeline {i} is not visible");
        }
        Assert.Contains("voice-emotion", await p.Page.Locator("#stages").TextContentAsync(), StringComparison.Ordinal);

        await p.Page.WaitForFunctionAsync("() => ['waveform', 'spectrogram'].every(id => document.getElementById(id).complete)");
        foreach (var image in new[] { "waveform", "spectrogram" })
        {
            var size = await p.Page.EvaluateAsync<int[]>("id => { const i = document.getElementById(id); return [i.naturalWidth, i.naturalHeight]; }", image);
            Assert.True(size[0] > 0 && size[1] > 0, $"#{image} did not load ({size[0]}x{size[1]})");
        }

        // Plays, then seeks to 3 s and plays on from there.
        await p.Page.EvaluateAsync("() => document.getElementById('player').play()");
        await p.Page.WaitForFunctionAsync("() => document.getElementById('player').currentTime > 0.5");
        Assert.Equal(call.DurationMs / 1000.0, await p.Page.EvaluateAsync<double>("() => document.getElementById('player').duration"), 0.1);
        var seekedTo = await p.Page.EvaluateAsync<double>("""
            () => new Promise((resolve, reject) => {
                const player = document.getElementById('player');
                player.addEventListener('seeked', () => resolve(player.currentTime), { once: true });
                player.addEventListener('error', () => reject(new Error('media error ' + player.error.code)), { once: true });
                player.currentTime = 3;
            })
            """);
        Assert.InRange(seekedTo, 2.95, 3.5);
        await p.Page.WaitForFunctionAsync("() => { const p = document.getElementById('player'); return !p.paused && p.currentTime > 3.3; }");
        Assert.True(await p.Page.EvaluateAsync<bool>("() => { const s = document.getElementById('player').seekable; return s.length === 1 && s.start(0) === 0 && s.end(0) > 3; }"),
            "the whole recording should be seekable");

        // The audio element fetched with Range requests and the server answered them with 206 and a Content-Range.
        var audio = p.Responses.Where(r => r.Url.EndsWith($"/calls/{id}/audio", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(audio);
        var ranged = 0;
        foreach (var r in audio)
        {
            if (await r.Request.HeaderValueAsync("range") is not { } range) continue;
            Assert.Equal(206, r.Status);
            Assert.StartsWith("bytes ", await r.HeaderValueAsync("content-range"), StringComparison.Ordinal);
            Assert.StartsWith("bytes=", range, StringComparison.Ordinal);
            ranged++;
        }
        Assert.True(ranged > 0, "the browser made no Range request for the audio");

        Directory.CreateDirectory(BrowserFixture.ScreenshotFolder);
        await p.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "call.png"), FullPage = true });
        p.AssertNoProblems();
    }

    [Fact]
    public async Task NegativeFilter_Ticked_EveryPageShowsOnlyTheNegativeCalls()
    {
        var negatives = fixture.Calls.Where(c => c.Started.Month == 3 && c.Sentiment == "NEGATIVE").Select(c => c.Id).Order().ToList();
        Assert.True(negatives.Count > 0, "no call came out NEGATIVE: the test would prove nothing");
        Assert.True(negatives.Count < fixture.Calls.Count, "every call came out NEGATIVE: the test would prove nothing");
        await using var p = await fixture.OpenAsync(March);

        await p.Page.Locator("#negative").CheckAsync();
        await p.NavigateAsync(() => p.Page.Locator("#filter button[type=submit]").ClickAsync(), u => u.Query.Contains("negative=true", StringComparison.Ordinal));
        Assert.True(await p.Page.Locator("#negative").IsCheckedAsync());
        Assert.Equal($"{negatives.Count} rows", await p.Page.Locator("#row-count").TextContentAsync());

        var seen = new List<long>();
        for (var page = 1; ; page++)
        {
            var verdicts = await p.Page.Locator("#calls-table tbody .sentiment.verdict").AllTextContentsAsync();
            Assert.NotEmpty(verdicts);
            Assert.All(verdicts, v => Assert.Equal("NEGATIVE", v));
            seen.AddRange(await RowIdsAsync(p.Page));
            if (await p.Page.Locator("#next-page").CountAsync() == 0) break;
            var next = page + 1;
            await p.NavigateAsync(() => p.Page.Locator("#next-page").ClickAsync(),
                u => u.Query.Contains(string.Create(CultureInfo.InvariantCulture, $"page={next}"), StringComparison.Ordinal));
            Assert.Equal("true", p.Query()["negative"]);
        }
        Assert.Equal(negatives, seen.Order());
        p.AssertNoProblems();
    }

    [Fact]
    public async Task Filter_EndBeforeBeginInForm_ShowsValidationMessageNotErrorPage()
    {
        await using var p = await fixture.OpenAsync(March);
        await p.Page.Locator("#from").FillAsync("2026-03-20");
        await p.Page.Locator("#to").FillAsync("2026-03-10");
        var status = await p.NavigateAsync(() => p.Page.Locator("#filter button[type=submit]").ClickAsync(), u => u.Query.Contains("from=2026-03-20", StringComparison.Ordinal));

        Assert.Equal(200, status);
        var errors = p.Page.Locator("#filter-errors");
        Assert.True(await errors.IsVisibleAsync());
        Assert.Contains("The end must be after the begin.", await errors.TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await p.Page.Locator("#summary").CountAsync());
        Assert.Equal(0, await p.Page.Locator("#calls-table").CountAsync());
        Assert.DoesNotContain("went wrong", await p.Page.ContentAsync(), StringComparison.Ordinal);
        // What was typed stays in the form, to be corrected.
        Assert.Equal("2026-03-20", await p.Page.Locator("#from").InputValueAsync());
        Assert.Equal("2026-03-10", await p.Page.Locator("#to").InputValueAsync());
        p.AssertNoProblems();
    }

    [Fact]
    public async Task Charts_EachWeek_ShowsItsCallCountAndThinWeeksArePale()
    {
        await using var p = await fixture.OpenAsync("/?agent=bob&from=2026-03-02&to=2026-03-22");
        var weeks = new[] { "2026-W10", "2026-W11", "2026-W12" };
        var counts = weeks.Select(w => fixture.Calls.Count(c => c.Agent == "bob" && c.IsoWeek == w)).ToList();
        Assert.Contains(counts, n => n is > 0 and < 3);
        Assert.Contains(counts, n => n >= 3);

        foreach (var chart in new[] { "scores-chart", "nps-chart" })
        {
            var ticks = await p.Page.EvaluateAsync<string[][]>("id => Chart.getChart(document.getElementById(id)).scales.x.ticks.map(t => [].concat(t.label))", chart);
            Assert.Equal(weeks.Select((w, i) => new[] { w, counts[i] == 1 ? "1 call" : string.Create(CultureInfo.InvariantCulture, $"{counts[i]} calls") }), ticks);
        }
        var colours = await p.Page.EvaluateAsync<string[]>("() => Chart.getChart(document.getElementById('nps-chart')).data.datasets[0].backgroundColor");
        for (var i = 0; i < weeks.Length; i++)
        {
            // #rrggbb for a week with enough calls; #rrggbbaa, see-through, for one with too few to read a trend from.
            Assert.Equal(counts[i] < 3 ? 9 : 7, colours[i].Length);
        }
        await BrowserFixture.ScreenshotAsync(p.Page, "dashboard-one-employee");
        p.AssertNoProblems();
    }

    [Fact]
    public async Task Layout_SignedInName_ReadableOnTheHeader()
    {
        await using var p = await fixture.OpenAsync(March);
        var name = p.Page.Locator("#signed-in-as");
        Assert.True(await name.IsVisibleAsync());
        Assert.Equal(BrowserFixture.UserName, await name.TextContentAsync());
        var colours = await p.Page.EvaluateAsync<string[]>(
            "() => [getComputedStyle(document.getElementById('signed-in-as')).color, getComputedStyle(document.querySelector('header.top')).backgroundColor]");
        var contrast = Contrast(Rgba(colours[0]), Rgba(colours[1]));
        Assert.True(contrast >= 4.5, $"the name is {colours[0]} on {colours[1]}: contrast {contrast:0.0}, WCAG AA needs 4.5");
    }

    [Fact]
    public async Task UnknownPage_ShowsTheAppsOwnNotFoundPageWithNavigation()
    {
        await using var p = await fixture.OpenAsync(March);
        var response = await p.Page.GotoAsync("/calls/987654");
        Assert.Equal(404, response!.Status);
        Assert.True(await p.Page.Locator("#not-found").IsVisibleAsync());
        Assert.True(await p.Page.Locator("header.top nav a[href='/']").IsVisibleAsync());
        await BrowserFixture.ScreenshotAsync(p.Page, "not-found");
    }

    /// <summary>"rgb(r, g, b)" or "rgba(r, g, b, a)" as numbers.</summary>
    private static double[] Rgba(string css) =>
        [.. css[(css.IndexOf('(', StringComparison.Ordinal) + 1)..css.IndexOf(')', StringComparison.Ordinal)].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture))];

    /// <summary>WCAG contrast ratio of two opaque colours.</summary>
    private static double Contrast(double[] a, double[] b)
    {
        static double Luminance(double[] c)
        {
            static double Channel(double v) => (v /= 255) <= 0.03928 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
            return 0.2126 * Channel(c[0]) + 0.7152 * Channel(c[1]) + 0.0722 * Channel(c[2]);
        }
        var (la, lb) = (Luminance(a), Luminance(b));
        return (Math.Max(la, lb) + 0.05) / (Math.Min(la, lb) + 0.05);
    }

    private static async Task<List<long>> RowIdsAsync(IPage page)
    {
        var hrefs = await page.Locator(RowLinks).EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))");
        return [.. hrefs.Select(h => long.Parse(h["/calls/".Length..], CultureInfo.InvariantCulture))];
    }

    private async Task<List<long>> RowDurationsAsync(IPage page) =>
        [.. (await RowIdsAsync(page)).Select(id => fixture.Calls.Single(c => c.Id == id).DurationMs)];

    private static double NpsValue(IReadOnlyCollection<StoredCall> calls) =>
        (calls.Count(c => c.Sentiment == "POSITIVE") - calls.Count(c => c.Sentiment == "NEGATIVE")) * 100.0 / calls.Count;

    private static string Nps(IReadOnlyCollection<StoredCall> calls) => NpsValue(calls).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    /// <summary>
    /// The Chart.js chart on a canvas as the page holds it: labels, each dataset's values and colour, where each point
    /// or bar was drawn and the canvas pixel there, and how many pixels are painted at all.
    /// </summary>
    private static async Task<JsonElement> ChartAsync(IPage page, string canvasId)
    {
        var chart = await page.EvaluateAsync<JsonElement?>("""
            id => {
                const canvas = document.getElementById(id);
                const chart = Chart.getChart(canvas);
                if (!chart) return null;
                const pixels = () => canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
                const drawn = pixels();
                // The same chart with every dataset hidden (axes are fixed, so nothing else moves), then as it was.
                chart.data.datasets.forEach((_, n) => chart.setDatasetVisibility(n, false));
                chart.update('none');
                const bare = pixels();
                chart.data.datasets.forEach((_, n) => chart.setDatasetVisibility(n, true));
                chart.update('none');
                let painted = 0;
                for (let i = 3; i < drawn.length; i += 4) if (drawn[i] > 0) painted++;
                const scale = canvas.width / chart.width;
                // A point on the plot's edge (a score of 0, the last week) is half clipped: sample its inner half.
                const area = chart.chartArea;
                const inside = (v, low, high) => Math.min(Math.max(v, low + 1), high - 1);
                const at = (x, y) => {
                    const i = (Math.floor(y * scale) * canvas.width + Math.floor(x * scale)) * 4; // the pixel holding (x, y)
                    return { rgba: [drawn[i], drawn[i + 1], drawn[i + 2], drawn[i + 3]], bare: [bare[i], bare[i + 1], bare[i + 2], bare[i + 3]] };
                };
                return {
                    labels: chart.data.labels,
                    painted,
                    area: canvas.width * canvas.height,
                    datasets: chart.data.datasets.map((d, n) => ({
                        label: d.label,
                        data: d.data,
                        points: chart.getDatasetMeta(n).data.map(e => e.base === undefined
                            ? { height: 0, ...at(inside(e.x, area.left, area.right), inside(e.y, area.top, area.bottom)) }
                            : { height: Math.abs(e.base - e.y), ...at(e.x, (e.y + e.base) / 2) }),
                    })),
                };
            }
            """, canvasId);
        Assert.True(chart.HasValue && chart.Value.ValueKind == JsonValueKind.Object, $"no Chart.js chart on #{canvasId}");
        return chart.Value;
    }

    private static void AssertPainted(JsonElement chart)
    {
        var painted = chart.GetProperty("painted").GetInt64();
        var area = chart.GetProperty("area").GetInt64();
        Assert.True(area > 0 && painted > area / 100, $"{painted} of {area} pixels painted");
    }

    private static int[] Pixel(JsonElement point, string which = "rgba") => [.. point.GetProperty(which).EnumerateArray().Select(v => v.GetInt32())];

    private static bool Differs(int[] a, int[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Sum() > 96;

    private static int[] Rgb(string hex) =>
        [int.Parse(hex[1..3], NumberStyles.HexNumber, CultureInfo.InvariantCulture), int.Parse(hex[3..5], NumberStyles.HexNumber, CultureInfo.InvariantCulture), int.Parse(hex[5..7], NumberStyles.HexNumber, CultureInfo.InvariantCulture)];

    private static bool Near(int[] rgba, int[] rgb) =>
        rgba[3] >= 128 && Math.Abs(rgba[0] - rgb[0]) <= 24 && Math.Abs(rgba[1] - rgb[1]) <= 24 && Math.Abs(rgba[2] - rgb[2]) <= 24;
}
