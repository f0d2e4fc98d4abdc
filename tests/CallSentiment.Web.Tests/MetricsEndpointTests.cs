using System.Net;
using System.Net.Http.Headers;
using CallSentiment.Web.Ingestion;
using CallSentiment.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CallSentiment.Web.Tests;

/// <summary>
/// OpenTelemetry meters are process-wide: instruments of another app running beside this one would land in this
/// app's scrape. These tests run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics (alone)";
}

/// <summary>
/// The Prometheus scrape endpoint through HTTP against the real app: ops' bearer token only, and the named metrics
/// move when a recording is analysed.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsEndpointTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Token = "ops-scrape-token-0123456789abcdef0123";
    private CallSentimentApp _app = null!;

    public Task InitializeAsync()
    {
        _app = new CallSentimentApp(settings: new Dictionary<string, string?>
        {
            ["Transcription:Engine"] = "None",
            ["Observability:MetricsToken"] = Token,
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<HttpResponseMessage> ScrapeAsync(string? token, HttpClient? client = null)
    {
        client ??= _app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    private async Task<string> ScrapeTextAsync()
    {
        using var response = await ScrapeAsync(Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static double? Value(string exposition, string name, params (string Label, string Value)[] labels) =>
        PrometheusText.Value(exposition, name, labels);

    [Fact]
    public async Task Scrape_WithoutOrWithWrongToken_Unauthorized()
    {
        using (var anonymous = await ScrapeAsync(null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.ToString());
            Assert.DoesNotContain("callsentiment_", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var wrong = await ScrapeAsync(Token[..^1] + "X"))
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        // A signed-in administrator is a person, not a scraper: the cookie opens nothing here.
        using var admin = await _app.SignedInClientAsync();
        using (var cookie = await ScrapeAsync(null, admin))
            Assert.Equal(HttpStatusCode.Unauthorized, cookie.StatusCode);
        using var ok = await ScrapeAsync(Token, admin);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Scrape_NoTokenConfigured_NoEndpoint()
    {
        await using var app = new CallSentimentApp(settings: new Dictionary<string, string?> { ["Transcription:Engine"] = "None", ["Ingestion:Enabled"] = "false" });
        using var admin = await app.SignedInClientAsync();

        using var response = await ScrapeAsync(Token, admin);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Scrape_AfterRecordingsAnalysed_NamedMetricsMove()
    {
        var before = await ScrapeTextAsync();
        Assert.Equal(0, Value(before, "callsentiment_queue_jobs", ("state", "done")));
        Assert.Equal(0, Value(before, "callsentiment_queue_jobs", ("state", "queued")));
        Assert.Null(Value(before, "callsentiment_analyses_total", ("outcome", "done")));

        var start = new DateTime(2026, 3, 2, 9, 0, 0);
        TestCalls.Write(_app.Recordings, "alice", start, "m1", CustomerMood.Angry);
        TestCalls.Write(_app.Recordings, "alice", start.AddHours(1), "m2", CustomerMood.Happy);
        Directory.CreateDirectory(Path.Combine(_app.Recordings, "alice", "2026-03-02"));
        var broken = Path.Combine(_app.Recordings, "alice", "2026-03-02", "120000_broken.wav");
        await File.WriteAllTextAsync(broken, "this is not audio");
        File.SetLastWriteTimeUtc(broken, DateTime.UnixEpoch.AddSeconds(1_700_000_000));
        // They arrive after the app started, dated in the past: "analyse now" lists the whole folder.
        _app.Services.GetRequiredService<IngestionSignal>().DiscoverNow();
        await _app.WaitForJobsAsync(3, TimeSpan.FromMinutes(3));

        var after = await ScrapeTextAsync();
        foreach (var line in after.Split('\n').Where(l => l.StartsWith("callsentiment_", StringComparison.Ordinal) && !l.Contains("_bucket", StringComparison.Ordinal)))
            output.WriteLine(line);
        Assert.Equal(2, Value(after, "callsentiment_queue_jobs", ("state", "done")));
        Assert.Equal(1, Value(after, "callsentiment_queue_jobs", ("state", "failed")));
        Assert.Equal(0, Value(after, "callsentiment_queue_jobs", ("state", "queued")));
        Assert.Equal(0, Value(after, "callsentiment_queue_oldest_age_seconds", ("state", "queued")));
        Assert.Equal(2, Value(after, "callsentiment_analyses_total", ("outcome", "done")));
        Assert.Equal(1, Value(after, "callsentiment_analyses_total", ("outcome", "failed")));

        // Two calls of a few seconds each: the audio counter holds their length, and every stage was timed.
        var audio = Value(after, "callsentiment_analysis_audio_seconds_total");
        Assert.InRange(audio ?? 0, 4, 120);
        Assert.Equal(2, Value(after, "callsentiment_analysis_stage_duration_seconds_count", ("stage", "voice-emotion")));
        Assert.True(Value(after, "callsentiment_analysis_stage_duration_seconds_sum", ("stage", "voice-emotion")) > 0);
        Assert.Equal(2, Value(after, "callsentiment_analysis_duration_seconds_count"));
        Assert.Equal(2, Value(after, "callsentiment_analysis_speed_count"));
        var speedSum = Value(after, "callsentiment_analysis_speed_sum");
        Assert.True(speedSum > 0, $"x real time summed over two calls: {speedSum}");

        // ASP.NET Core's request metrics come along (the earlier scrape was a request).
        Assert.True(Value(after, "http_server_request_duration_seconds_count") >= 1);

        // The webhook's outbox is read at scrape time too (no webhook configured here: nothing pending).
        Assert.Equal(0, Value(after, "callsentiment_webhook_pending"));
    }
}
