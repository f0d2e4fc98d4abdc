using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;

namespace CallSentiment.Web.Tests;

/// <summary>
/// The webhook sender's retries against a real local receiver that answers from a script: transient answers (5xx, 429
/// with Retry-After) are retried at once by the Polly pipeline, an answer that is not transient (400) goes back to the
/// durable outbox, a dead receiver is given up after Webhook:MaxAttempts; the counts show on the scrape endpoint.
/// Events are put straight into the outbox, as the analysis transaction does.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class WebhookRetryTests : IAsyncDisposable
{
    private const string Token = "ops-scrape-token-0123456789abcdef0123";
    private CallSentimentApp? _app;
    private ScriptedReceiver? _receiver;

    /// <summary>In a script: answer only after the sender's per-POST timeout has passed.</summary>
    private const int Hang = -1;

    private async Task<CallSentimentApp> StartAsync(int[] script, string retryDelay = "00:00:00.200", int maxAttempts = 10, string? retryAfter = null)
    {
        _receiver = new ScriptedReceiver(script, retryAfter, OutboxRowAsync);
        _app = new CallSentimentApp(settings: new Dictionary<string, string?>
        {
            ["Ingestion:Enabled"] = "false",
            ["Webhook:Url"] = _receiver.Url,
            ["Webhook:Secret"] = "a-webhook-secret-for-tests",
            ["Webhook:RetryDelay"] = retryDelay,
            ["Webhook:MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Webhook:PollInterval"] = "00:00:00.100",
            ["Webhook:Timeout"] = "00:00:01",
            ["Observability:MetricsToken"] = Token,
        });
        _ = _app.Server;
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await c.ExecuteAsync("""
            INSERT INTO webhook_deliveries (qa_item_id, event, payload, status, attempts, next_attempt_at, created_at)
            VALUES (NULL, 'negative-call', '{"event":"negative-call"}', 'pending', 0, @now, @now)
            """, new { now });
        return _app;
    }

    private async Task<(string Status, long Attempts, string? LastError)> OutboxRowAsync()
    {
        await using var c = await _app!.Db.OpenAsync(CancellationToken.None);
        return await c.QuerySingleAsync<(string, long, string?)>("SELECT status, attempts, last_error FROM webhook_deliveries");
    }

    private async Task<(string Status, long Attempts, string? LastError)> WaitUntilSettledAsync()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var row = await OutboxRowAsync();
            if (row.Status != "pending") return row;
            await Task.Delay(50);
        }
        throw new TimeoutException("the webhook event is still pending");
    }

    private async Task<string> ScrapeAsync()
    {
        using var client = _app!.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task ServerErrors_RetriedAtOnceByThePipeline_ThenDelivered()
    {
        await StartAsync([503, 502, 204]);

        var row = await WaitUntilSettledAsync();

        Assert.Equal(("delivered", 3L), (row.Status, row.Attempts));
        var seen = _receiver!.Requests.ToArray();
        Assert.Equal(3, seen.Length);
        // Retried inside one round: the outbox row was not touched between the POSTs.
        Assert.All(seen, r => Assert.Equal(0, r.OutboxAttemptsThen));
        Assert.Single(seen.Select(r => r.DeliveryId).Distinct());
        Assert.All(seen.Skip(1), r => Assert.StartsWith("t=", r.Signature, StringComparison.Ordinal));
        var scrape = await ScrapeAsync();
        Assert.Equal(1, PrometheusText.Value(scrape, "callsentiment_webhook_deliveries_total", ("outcome", "delivered")));
        Assert.Equal(2, PrometheusText.Value(scrape, "callsentiment_webhook_failed_attempts_total", ("kind", "http_5xx")));
    }

    [Fact]
    public async Task BadRequest_NotRetriedAtOnce_BackToTheOutboxThenDelivered()
    {
        await StartAsync([400, 204]);

        var row = await WaitUntilSettledAsync();

        Assert.Equal(("delivered", 2L), (row.Status, row.Attempts));
        var seen = _receiver!.Requests.ToArray();
        Assert.Equal(2, seen.Length);
        // The 400 ended the round: its failure was written to the outbox before the next POST.
        Assert.Equal(1, seen[1].OutboxAttemptsThen);
        Assert.Equal("HTTP 400 Bad Request", seen[1].OutboxErrorThen);
        // ... and the outbox's schedule (RetryDelay 0.2 s, jittered) brought it back soon.
        Assert.InRange(seen[1].At - seen[0].At, TimeSpan.FromSeconds(0.1), TimeSpan.FromSeconds(3));
        Assert.Equal(1, PrometheusText.Value(await ScrapeAsync(), "callsentiment_webhook_failed_attempts_total", ("kind", "http_4xx")));
    }

    [Fact]
    public async Task TooManyRequests_RetryAfterHonoured()
    {
        await StartAsync([429, 204], retryDelay: "00:00:00.050", retryAfter: "2");

        var row = await WaitUntilSettledAsync();

        Assert.Equal(("delivered", 2L), (row.Status, row.Attempts));
        var seen = _receiver!.Requests.ToArray();
        Assert.Equal(0, seen[1].OutboxAttemptsThen);
        var gap = seen[1].At - seen[0].At;
        Assert.True(gap >= TimeSpan.FromSeconds(1.9), $"second POST {gap.TotalMilliseconds:0} ms after the 429 that asked for 2 s");
    }

    [Fact]
    public async Task ReceiverAlwaysFailing_GivesUpAfterMaxAttempts()
    {
        await StartAsync([500, 500, 500, 500, 500, 500], maxAttempts: 4);

        var row = await WaitUntilSettledAsync();

        Assert.Equal(("failed", 4L), (row.Status, row.Attempts));
        Assert.Equal("HTTP 500 Internal Server Error", row.LastError);
        await Task.Delay(500); // nothing more may arrive
        Assert.Equal(4, _receiver!.Requests.Count);
        var scrape = await ScrapeAsync();
        Assert.Equal(1, PrometheusText.Value(scrape, "callsentiment_webhook_deliveries_total", ("outcome", "failed")));
        Assert.Equal(4, PrometheusText.Value(scrape, "callsentiment_webhook_failed_attempts_total", ("kind", "http_5xx")));
        Assert.Equal(0, PrometheusText.Value(scrape, "callsentiment_webhook_pending"));
    }

    [Fact]
    public async Task NoAnswerWithinTimeout_CountedAsTimeoutAndRetriedAtOnce()
    {
        await StartAsync([Hang, 204]);

        var row = await WaitUntilSettledAsync();

        Assert.Equal(("delivered", 2L), (row.Status, row.Attempts));
        var seen = _receiver!.Requests.ToArray();
        Assert.Equal(0, seen[1].OutboxAttemptsThen);
        Assert.Equal(1, PrometheusText.Value(await ScrapeAsync(), "callsentiment_webhook_failed_attempts_total", ("kind", "timeout")));
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        _receiver?.Dispose();
    }

    private sealed record Seen(DateTimeOffset At, string DeliveryId, string Signature, long OutboxAttemptsThen, string? OutboxErrorThen);

    /// <summary>A real HTTP server on a loopback port answering each POST with the next status of its script.</summary>
    private sealed class ScriptedReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly int[] _script;
        private readonly string? _retryAfter;
        private int _count;
        private readonly Func<Task<(string Status, long Attempts, string? LastError)>> _outbox;

        public ScriptedReceiver(int[] script, string? retryAfter, Func<Task<(string, long, string?)>> outbox)
        {
            _script = script;
            _retryAfter = retryAfter;
            _outbox = outbox;
            Url = $"http://127.0.0.1:{PostgresCluster.FreePort()}/hooks/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public ConcurrentQueue<Seen> Requests { get; } = new();

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                _ = Task.Run(() => AnswerAsync(ctx)); // one at a time would let a hanging answer hold up the next POST
            }
        }

        private async Task AnswerAsync(HttpListenerContext ctx)
        {
            var at = DateTimeOffset.UtcNow;
            var n = Interlocked.Increment(ref _count) - 1;
            var row = await _outbox();
            Requests.Enqueue(new Seen(at, ctx.Request.Headers["X-CallSentiment-Delivery"] ?? "", ctx.Request.Headers["X-CallSentiment-Signature"] ?? "", row.Attempts, row.LastError));
            var status = n < _script.Length ? _script[n] : 204;
            if (status == Hang)
            {
                await Task.Delay(TimeSpan.FromSeconds(3));
                status = 204;
            }
            ctx.Response.StatusCode = status;
            if (status == 429 && _retryAfter is not null) ctx.Response.Headers["Retry-After"] = _retryAfter;
            try { ctx.Response.Close(); }
            catch (HttpListenerException) { } // the sender gave up on this POST and closed the connection
        }

        public void Dispose() => _listener.Close();
    }
}
