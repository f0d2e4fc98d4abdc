using System.Diagnostics.Metrics;
using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Web.Qa;

/// <summary>
/// Operational metrics of the webhook: events delivered or given up, every failed POST by kind, and the outbox's
/// pending events and the oldest one's age (a snapshot refreshed just before each scrape, as for the job queue).
/// </summary>
public sealed class WebhookTelemetry
{
    public const string MeterName = "CallSentiment.Webhook";

    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _failedAttempts;
    private readonly Db _db;
    private readonly TimeProvider _clock;
    private volatile Snapshot _outbox = new(0, null, 0);

    private sealed record Snapshot(long Pending, long? OldestCreatedAt, long ReadAt);

    public WebhookTelemetry(IMeterFactory meters, Db db, TimeProvider clock)
    {
        _db = db;
        _clock = clock;
        var meter = meters.Create(MeterName);
        _deliveries = meter.CreateCounter<long>("callsentiment.webhook.deliveries", "{event}",
            "Webhook events by final outcome: delivered, or failed (out of attempts)");
        _failedAttempts = meter.CreateCounter<long>("callsentiment.webhook.failed_attempts", "{attempt}",
            "Webhook POSTs that failed, by kind: http_5xx, http_429, http_408, http_4xx (not retried at once), timeout, connection");
        meter.CreateObservableGauge("callsentiment.webhook.pending", () => _outbox.Pending, "{event}", "Webhook events waiting in the outbox");
        meter.CreateObservableGauge("callsentiment.webhook.oldest_pending_age", () =>
        {
            var s = _outbox;
            return s.OldestCreatedAt is { } t ? Math.Max(0, s.ReadAt - t) / 1000.0 : 0;
        }, "s", "Age of the oldest webhook event waiting in the outbox");
    }

    public void Delivered() => _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "delivered"));

    public void GaveUp() => _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));

    public void AttemptFailed(string kind) => _failedAttempts.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public async Task RefreshOutboxAsync(CancellationToken cancellationToken)
    {
        const string Sql = "SELECT COUNT(*) AS Pending, MIN(created_at) AS OldestCreatedAt FROM webhook_deliveries WHERE status = 'pending'";
        await using var c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var (pending, oldest) = await c.QuerySingleAsync<(long, long?)>(new CommandDefinition(Sql, cancellationToken: cancellationToken)).ConfigureAwait(false);
        _outbox = new Snapshot(pending, oldest, _clock.GetUtcNow().ToUnixTimeMilliseconds());
    }
}
