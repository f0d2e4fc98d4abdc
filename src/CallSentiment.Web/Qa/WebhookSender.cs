using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CallSentiment.Web.Qa;

/// <summary>
/// Sends the webhook outbox: each due event is claimed (so several instances never send it twice at once) and POSTed
/// with an HMAC-SHA256 signature through a Polly pipeline: a timeout per POST and up to
/// <see cref="AttemptsPerRound"/> quick retries of transient failures (Microsoft.Extensions.Http.Resilience's
/// classification: connection errors, timeouts, 408, 429 and 5xx; Retry-After honoured). What a round does not
/// deliver — a longer wait, or an answer that is not transient, say a 400 from a misconfigured receiver — goes back to
/// the outbox with the same doubling, jittered schedule, so it survives a restart, until Webhook:MaxAttempts POSTs
/// have been made. Headers: X-CallSentiment-Event, X-CallSentiment-Delivery (id, stable across retries),
/// X-CallSentiment-Signature "t=unix-seconds,v1=hex(HMAC-SHA256(secret, t + "." + body))".
/// </summary>
public sealed partial class WebhookSender : BackgroundService
{
    /// <summary>POSTs per round (the first included) before the event goes back to the outbox.</summary>
    public const int AttemptsPerRound = 3;

    /// <summary>A retry that must wait longer than this is left to the outbox rather than holding the sender.</summary>
    public static readonly TimeSpan LongestWaitInRound = TimeSpan.FromSeconds(30);

    private static readonly ResiliencePropertyKey<Round> RoundKey = new("callsentiment.webhook.round");

    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly Db _db;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _clock;
    private readonly WebhookTelemetry _telemetry;
    private readonly ILogger<WebhookSender> _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public WebhookSender(Db db, IOptions<WebhookOptions> options, TimeProvider clock, WebhookTelemetry telemetry, ILogger<WebhookSender> logger)
    {
        _db = db;
        _options = options.Value;
        _clock = clock;
        _telemetry = telemetry;
        _logger = logger;
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = AttemptsPerRound - 1,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetryNow(args.Context, args.Outcome, args.AttemptNumber)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(args.Context.Properties.GetValue(RoundKey, null!).NextWait),
            })
            .AddTimeout(_options.Timeout)
            .Build();
    }

    private sealed record Due(long Id, string Event, string Payload, long Attempts);

    /// <summary>One round's state: the POSTs it may still make and the wait before the next one.</summary>
    private sealed class Round(long attemptsBefore, int budget)
    {
        public long AttemptsBefore { get; } = attemptsBefore;

        public int Budget { get; } = budget;

        public int Posts { get; set; }

        public TimeSpan NextWait { get; set; }
    }

    /// <summary>
    /// Transient (the library's predicate), within the round's budget, and the wait — the schedule's or the
    /// receiver's Retry-After, whichever is longer — short enough to wait for here.
    /// </summary>
    private bool ShouldRetryNow(ResilienceContext context, Outcome<HttpResponseMessage> outcome, int attemptNumber)
    {
        var round = context.Properties.GetValue(RoundKey, null!);
        if (attemptNumber + 1 >= round.Budget || !HttpClientResiliencePredicates.IsTransient(outcome)) return false;
        var wait = Backoff(_options, round.AttemptsBefore + attemptNumber + 1);
        if (RetryAfter(outcome.Result, _clock) is { } asked && asked > wait) wait = asked;
        round.NextWait = wait;
        return wait <= LongestWaitInRound;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await SendOneAsync(stoppingToken).ConfigureAwait(false)) { }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogOutboxError(_logger, e);
            }
            try
            {
                await Task.Delay(_options.PollInterval, _clock, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Claims and sends one due event; false when none is due.</summary>
    private async Task<bool> SendOneAsync(CancellationToken cancellationToken)
    {
        const string Next = """
            SELECT id AS Id, event AS Event, payload AS Payload, attempts AS Attempts FROM webhook_deliveries
            WHERE status = 'pending' AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT 1
            """;
        // The claim pushes the due time past the round's longest run: another instance leaves it alone meanwhile.
        const string Claim = "UPDATE webhook_deliveries SET next_attempt_at = @until WHERE id = @id AND status = 'pending' AND next_attempt_at <= @now";
        const string Delivered = "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + @posts, delivered_at = @now, last_error = NULL WHERE id = @id";
        const string Failed = """
            UPDATE webhook_deliveries SET status = @status, attempts = attempts + @posts, next_attempt_at = @next, last_error = @error WHERE id = @id
            """;
        var o = _options;
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        Due? due;
        Round round;
        await using (var c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            due = await c.QuerySingleOrDefaultAsync<Due>(new CommandDefinition(Next, new { now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (due is null) return false;
            round = new Round(due.Attempts, (int)Math.Clamp(o.MaxAttempts - due.Attempts, 1, AttemptsPerRound));
            var longest = (round.Budget * o.Timeout) + ((round.Budget - 1) * LongestWaitInRound) + TimeSpan.FromSeconds(5);
            var until = now + (long)longest.TotalMilliseconds;
            if (await c.ExecuteAsync(new CommandDefinition(Claim, new { id = due.Id, now, until }, cancellationToken: cancellationToken)).ConfigureAwait(false) != 1)
                return true;
        }

        string? error = null;
        TimeSpan? retryAfter = null;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RoundKey, round);
        try
        {
            using var response = await _pipeline.ExecuteAsync(ctx => PostAsync(due, round, ctx.CancellationToken, cancellationToken), context).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                error = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
                retryAfter = RetryAfter(response, _clock);
            }
        }
        catch (HttpRequestException e)
        {
            error = e.Message;
        }
        catch (TimeoutRejectedException)
        {
            error = $"no answer within {o.Timeout.TotalSeconds:0} s";
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        var after = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var posts = Math.Max(1, round.Posts);
        await using var c2 = await _db.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        if (error is null)
        {
            await c2.ExecuteAsync(new CommandDefinition(Delivered, new { id = due.Id, now = after, posts }, cancellationToken: CancellationToken.None)).ConfigureAwait(false);
            _telemetry.Delivered();
            LogDelivered(_logger, due.Id, due.Attempts + posts);
            return true;
        }
        var attempt = due.Attempts + posts;
        var final = attempt >= o.MaxAttempts;
        var delay = Backoff(o, attempt);
        if (retryAfter > delay) delay = retryAfter.Value;
        await c2.ExecuteAsync(new CommandDefinition(Failed, new
        {
            id = due.Id, status = final ? "failed" : "pending", posts, next = after + (long)delay.TotalMilliseconds, error = error.Length > 500 ? error[..500] : error,
        }, cancellationToken: CancellationToken.None)).ConfigureAwait(false);
        if (final) _telemetry.GaveUp();
        LogFailed(_logger, due.Id, attempt, final, error);
        return true;
    }

    /// <summary>One signed POST (signed afresh, so a retry carries a current timestamp); failures are counted by kind.</summary>
    private async ValueTask<HttpResponseMessage> PostAsync(Due due, Round round, CancellationToken attemptToken, CancellationToken stoppingToken)
    {
        round.Posts++;
        using var request = Sign(_options, due, _clock.GetUtcNow());
        try
        {
            var response = await _http.SendAsync(request, attemptToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                _telemetry.AttemptFailed(response.StatusCode switch
                {
                    HttpStatusCode.TooManyRequests => "http_429",
                    HttpStatusCode.RequestTimeout => "http_408",
                    >= HttpStatusCode.InternalServerError => "http_5xx",
                    _ => "http_4xx",
                });
            }
            return response;
        }
        catch (HttpRequestException)
        {
            _telemetry.AttemptFailed("connection");
            throw;
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            _telemetry.AttemptFailed("timeout");
            throw;
        }
    }

    /// <summary>The wait after the <paramref name="attempt"/>-th failed POST: doubling from RetryDelay, ±25 % jitter, capped.</summary>
    private static TimeSpan Backoff(WebhookOptions o, long attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(o.MaxRetryDelay.TotalMilliseconds, o.RetryDelay.TotalMilliseconds * Math.Pow(2, attempt - 1))
#pragma warning disable CA5394 // jitter only spreads retries apart; it guards nothing
            * (0.75 + (0.5 * Random.Shared.NextDouble())));
#pragma warning restore CA5394

    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider clock)
    {
        var header = response?.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - clock.GetUtcNow() is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        return null;
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
