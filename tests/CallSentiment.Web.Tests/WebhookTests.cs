using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using CallSentiment.Web.Qa;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;
using Xunit.Abstractions;

namespace CallSentiment.Web.Tests;

/// <summary>
/// The webhook against a real local HTTP receiver that fails twice before it accepts: one signed event per negative
/// call, retried with backoff, delivered once; analysis never waits for it.
/// </summary>
public sealed class WebhookTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Secret = "a-webhook-secret-for-tests";
    private readonly Receiver _receiver = new(failFirst: 2);
    private CallSentimentApp _app = null!;

    public Task InitializeAsync()
    {
        _app = new CallSentimentApp(settings: new Dictionary<string, string?>
        {
            ["Webhook:Url"] = _receiver.Url,
            ["Webhook:Secret"] = Secret,
            ["Webhook:RetryDelay"] = "00:00:00.300",
            ["Webhook:PollInterval"] = "00:00:00.100",
            ["Webhook:PublicBaseUrl"] = "https://calls.example.com",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _receiver.Dispose();
    }

    [Fact]
    public async Task NegativeCall_SignedEventDeliveredOnceAfterRetries()
    {
        var start = new DateTime(2026, 6, 1, 9, 0, 0);
        SpokenCalls.Write(_app.Recordings, "carla", start, "angry", SpokenCalls.AngryCustomer);
        SpokenCalls.Write(_app.Recordings, "carla", start.AddHours(1), "happy", SpokenCalls.HappyCustomer);
        using (await _app.SignedInClientAsync()) { }
        await _app.WaitForJobsAsync(2, TimeSpan.FromMinutes(6));

        var clock = Stopwatch.StartNew();
        while (_receiver.Accepted.Count == 0 && clock.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(50);
        await Task.Delay(1000); // nothing more may arrive
        var accepted = Assert.Single(_receiver.Accepted);
        Assert.Equal(3, _receiver.Attempts);

        // The signature is what a receiver recomputes from the shared secret.
        var parts = accepted.Signature.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(WebhookSender.Signature(Secret, parts["t"], accepted.Body), parts["v1"]);
        Assert.NotEqual(WebhookSender.Signature("another secret!!", parts["t"], accepted.Body), parts["v1"]);
        Assert.Equal("negative-call", accepted.Event);

        using var json = JsonDocument.Parse(accepted.Body);
        var e = json.RootElement;
        Assert.Equal("carla", e.GetProperty("agent").GetString());
        Assert.Equal("angry", e.GetProperty("callRef").GetString());
        Assert.Equal("NEGATIVE", e.GetProperty("customerSentiment").GetString());
        Assert.StartsWith("https://calls.example.com/qa/", e.GetProperty("queueUrl").GetString(), StringComparison.Ordinal);

        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var row = await c.QuerySingleAsync<(string Status, long Attempts, long CreatedAt, long DeliveredAt)>(
            "SELECT status, attempts, created_at, delivered_at FROM webhook_deliveries");
        Assert.Equal(("delivered", 3L), (row.Status, row.Attempts));
        var analysedAt = await c.ExecuteScalarAsync<long>("SELECT analyzed_at FROM calls WHERE call_ref = 'angry'");
        output.WriteLine($"analysis stored → webhook delivered: {row.DeliveredAt - analysedAt} ms (two failed attempts and their backoff included); " +
                         $"first attempt after {accepted.FirstAttemptAtMs - analysedAt} ms");
    }

    private sealed record Received(string Event, string Signature, string Body, long FirstAttemptAtMs);

    /// <summary>A real HTTP server on a loopback port that answers 500 to the first requests, then 204.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly int _failFirst;
        private long _firstAttemptAt;
        private int _attempts;

        public Receiver(int failFirst)
        {
            _failFirst = failFirst;
            var port = PostgresCluster.FreePort();
            Url = $"http://127.0.0.1:{port}/hooks/callsentiment/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public int Attempts => Volatile.Read(ref _attempts);

        public List<Received> Accepted { get; } = [];

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                var n = Interlocked.Increment(ref _attempts);
                if (n == 1) Interlocked.Exchange(ref _firstAttemptAt, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                if (n <= _failFirst)
                {
                    ctx.Response.StatusCode = 500;
                }
                else
                {
                    lock (Accepted) Accepted.Add(new Received(ctx.Request.Headers["X-CallSentiment-Event"] ?? "", ctx.Request.Headers["X-CallSentiment-Signature"] ?? "",
                        body, Interlocked.Read(ref _firstAttemptAt)));
                    ctx.Response.StatusCode = 204;
                }
                ctx.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}
