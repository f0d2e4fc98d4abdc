using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Qa;

/// <summary>
/// Sends the webhook outbox: each due event is claimed (so several instances never send it twice at once), POSTed
/// with an HMAC-SHA256 signature, and retried with doubling, jittered delays until delivered or out of attempts.
/// Headers: X-CallSentiment-Event, X-CallSentiment-Delivery (id, stable across retries), X-CallSentiment-Signature
/// "t=unix-seconds,v1=hex(HMAC-SHA256(secret, t + "." + body))".
/// </summary>
public sealed partial class WebhookSender(Db db, IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookSender> logger) : BackgroundService
{
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    private sealed record Due(long Id, string Event, string Payload, long Attempts);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await SendOneAsync(o, stoppingToken).ConfigureAwait(false)) { }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogOutboxError(logger, e);
            }
            try
            {
                await Task.Delay(o.PollInterval, clock, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Claims and sends one due event; false when none is due.</summary>
    private async Task<bool> SendOneAsync(WebhookOptions o, CancellationToken cancellationToken)
    {
        const string Next = """
            SELECT id AS Id, event AS Event, payload AS Payload, attempts AS Attempts FROM webhook_deliveries
            WHERE status = 'pending' AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT 1
            """;
        // The claim pushes the due time past the send's own timeout: another instance leaves it alone meanwhile.
        const string Claim = "UPDATE webhook_deliveries SET next_attempt_at = @until WHERE id = @id AND status = 'pending' AND next_attempt_at <= @now";
        const string Delivered = "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = @now, last_error = NULL WHERE id = @id";
        const string Failed = """
            UPDATE webhook_deliveries SET status = @status, attempts = attempts + 1, next_attempt_at = @next, last_error = @error WHERE id = @id
            """;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        Due? due;
        await using (var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            due = await c.QuerySingleOrDefaultAsync<Due>(new CommandDefinition(Next, new { now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (due is null) return false;
            var until = now + (long)o.Timeout.TotalMilliseconds + 5000;
            if (await c.ExecuteAsync(new CommandDefinition(Claim, new { id = due.Id, now, until }, cancellationToken: cancellationToken)).ConfigureAwait(false) != 1)
                return true;
        }

        string? error = null;
        try
        {
            using var request = Sign(o, due, clock.GetUtcNow());
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(o.Timeout);
            using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) error = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (HttpRequestException e)
        {
            error = e.Message;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = $"no answer within {o.Timeout.TotalSeconds:0} s";
        }

        var after = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var c2 = await db.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        if (error is null)
        {
            await c2.ExecuteAsync(new CommandDefinition(Delivered, new { id = due.Id, now = after }, cancellationToken: CancellationToken.None)).ConfigureAwait(false);
            LogDelivered(logger, due.Id, due.Attempts + 1);
            return true;
        }
        var attempt = due.Attempts + 1;
        var final = attempt >= o.MaxAttempts;
        var delay = Math.Min(o.MaxRetryDelay.TotalMilliseconds, o.RetryDelay.TotalMilliseconds * Math.Pow(2, attempt - 1)) * (0.75 + 0.5 * Random.Shared.NextDouble());
        await c2.ExecuteAsync(new CommandDefinition(Failed, new
        {
            id = due.Id, status = final ? "failed" : "pending", next = after + (long)delay, error = error.Length > 500 ? error[..500] : error,
        }, cancellationToken: CancellationToken.None)).ConfigureAwait(false);
        LogFailed(logger, due.Id, attempt, final, error);
        return true;
    }

    private static HttpRequestMessage Sign(WebhookOptions o, Due due, DateTimeOffset now)
    {
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Signature(o.Secret!, timestamp, due.Payload);
        var request = new HttpRequestMessage(HttpMethod.Post, o.Url) { Content = new StringContent(due.Payload, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-CallSentiment-Event", due.Event);
        request.Headers.Add("X-CallSentiment-Delivery", due.Id.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("X-CallSentiment-Signature", $"t={timestamp},v1={signature}");
        return request;
    }

    /// <summary>hex(HMAC-SHA256(secret, timestamp + "." + body)): what a receiver recomputes to trust an event.</summary>
    public static string Signature(string secret, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook event {Id} delivered (attempt {Attempt})")]
    private static partial void LogDelivered(ILogger logger, long id, long attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook event {Id} attempt {Attempt} failed (final: {Final}): {Error}")]
    private static partial void LogFailed(ILogger logger, long id, long attempt, bool final, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook outbox could not be read")]
    private static partial void LogOutboxError(ILogger logger, Exception e);
}
