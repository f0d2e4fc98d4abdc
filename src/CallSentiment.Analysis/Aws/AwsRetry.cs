using System.Net;
using Polly;
using Polly.Retry;

namespace CallSentiment.Analysis.Aws;

/// <summary>How often and how patiently a failed AWS call is tried again (the SDKs' "standard" retry mode).</summary>
public sealed record AwsRetryOptions
{
    public static AwsRetryOptions Default { get; } = new();

    /// <summary>Attempts in all, the first included (standard mode: 3).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The base of the exponential back-off (standard mode: 1 s, doubling per retry).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The cap on any one wait (standard mode: 20 s).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);
}

/// <summary>
/// The AWS SDKs' standard retry classification (AWS SDKs and Tools reference guide, "Retry behavior"; botocore's
/// <c>retries/standard.py</c>), run by a Polly retry strategy with full-jitter exponential back-off: a random wait in
/// [0, min(max, base·2^(n−1))] before retry n.
/// </summary>
internal static class AwsRetry
{
    /// <summary>Throttling codes: the service asks the caller to slow down.</summary>
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "EC2ThrottledException",
    };

    /// <summary>Transient codes: the request may well succeed as it is when sent again.</summary>
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
    };

    /// <summary>Status codes retried whatever the error code says (standard mode: 500, 502, 503, 504).</summary>
    private static bool IsTransientStatus(HttpStatusCode status) =>
        status is HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    public static bool IsThrottlingCode(string code) => ThrottlingCodes.Contains(code);

    /// <summary>
    /// LimitExceededException (and BadRequestException) also mean "your input file is too long" (Transcribe's model
    /// documents both meanings under one code); only the message tells them apart, and a too-long file never passes.
    /// A message naming the request rate or concurrent jobs is the quota, whatever else it says.
    /// </summary>
    public static bool MeansInputTooLong(string code, string message) =>
        code is "LimitExceededException" or "BadRequestException"
        && !message.Contains("concurrent", StringComparison.OrdinalIgnoreCase)
        && !message.Contains("too many requests", StringComparison.OrdinalIgnoreCase)
        && (message.Contains("too long", StringComparison.OrdinalIgnoreCase)
            || message.Contains("too large", StringComparison.OrdinalIgnoreCase)
            || message.Contains("maximum duration", StringComparison.OrdinalIgnoreCase)
            || message.Contains("maximum length", StringComparison.OrdinalIgnoreCase));

    public static bool IsRetryableCode(string code) => ThrottlingCodes.Contains(code) || TransientCodes.Contains(code);

    /// <summary>An error answer worth sending again: a throttling or transient code, or a transient status.</summary>
    public static bool IsRetryable(string code, HttpStatusCode status) => IsRetryableCode(code) || IsTransientStatus(status);

    public static bool IsRetryable(Exception e, CancellationToken cancellationToken) => e switch
    {
        AwsServiceException s => s.IsRetryable,
        // No status: the connection failed or broke. With a status (a plain GET of a presigned URL): the transient
        // statuses, and 429, the throttling answer of services that give no code.
        HttpRequestException h => h.StatusCode is not { } status || IsTransientStatus(status) || status == HttpStatusCode.TooManyRequests,
        IOException => true,
        // HttpClient's own timeout surfaces as a cancellation the caller did not ask for.
        TaskCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    public static TimeSpan Backoff(AwsRetryOptions options, int retry)
    {
        var ceiling = Math.Min(options.MaxDelay.TotalMilliseconds, options.BaseDelay.TotalMilliseconds * Math.Pow(2, retry - 1));
#pragma warning disable CA5394 // jitter only spreads retries apart; it guards nothing
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
#pragma warning restore CA5394
    }

    /// <summary>A timeout costs the quota more than other transient failures (standard mode: 10 against 5).</summary>
    public static bool IsTimeout(Exception e, CancellationToken cancellationToken) =>
        (e is TaskCanceledException && !cancellationToken.IsCancellationRequested) || e.InnerException is TimeoutException;
}

/// <summary>
/// The standard retry mode's retry quota (AWS SDKs and Tools reference guide, "Retry behavior"): a client holds 500
/// tokens; every retry takes 5 (10 after a timeout) and a call that then succeeds gives them back; a call that
/// succeeds at the first attempt adds 1. When the tokens run out, failures are no longer retried: in an outage the
/// client stops multiplying its load on the service and fails fast, and recovers as calls succeed again.
/// </summary>
public sealed class AwsRetryQuota
{
    public const int Capacity = 500;
    public const int RetryCost = 5;
    public const int TimeoutRetryCost = 10;
    public const int NoRetryIncrement = 1;

    private readonly object _gate = new();
    private int _available = Capacity;

    public int Available
    {
        get { lock (_gate) return _available; }
    }

    /// <summary>Takes the cost of one retry; false (nothing taken) when the quota cannot pay for it.</summary>
    public bool TryAcquire(int cost)
    {
        lock (_gate)
        {
            if (_available < cost) return false;
            _available -= cost;
            return true;
        }
    }

    /// <summary>A call succeeded: it returns what its last retry took, or adds one token after a first-attempt success.</summary>
    public void Release(int cost)
    {
        lock (_gate) _available = Math.Min(Capacity, _available + (cost > 0 ? cost : NoRetryIncrement));
    }
}

/// <summary>
/// Runs an AWS call with the standard mode: <see cref="AwsRetry"/>'s classification, full-jitter back-off and a
/// <see cref="AwsRetryQuota"/> of its own (one per client, as the SDKs keep one per client).
/// </summary>
internal sealed class AwsRetrier
{
    private static readonly ResiliencePropertyKey<int> LastCost = new("aws.retry-cost");

    private readonly ResiliencePipeline _pipeline;

    public AwsRetrier(AwsRetryOptions options, TimeProvider time, AwsRetryQuota? quota = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxAttempts must be at least 1");
        Quota = quota ?? new AwsRetryQuota();
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        _pipeline = options.MaxAttempts == 1 ? builder.Build() : builder.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = options.MaxAttempts - 1,
            // Polly asks after the last attempt too; only a retry that will happen may take tokens.
            ShouldHandle = args => ValueTask.FromResult(args.AttemptNumber < options.MaxAttempts - 1 && ShouldRetry(args.Outcome.Exception, args.Context)),
            // AttemptNumber is 0 for the wait before the first retry.
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(AwsRetry.Backoff(options, args.AttemptNumber + 1)),
        }).Build();
    }

    public AwsRetryQuota Quota { get; }

    private bool ShouldRetry(Exception? e, ResilienceContext context)
    {
        if (e is null || !AwsRetry.IsRetryable(e, context.CancellationToken)) return false;
        var cost = AwsRetry.IsTimeout(e, context.CancellationToken) ? AwsRetryQuota.TimeoutRetryCost : AwsRetryQuota.RetryCost;
        if (!Quota.TryAcquire(cost)) return false;
        context.Properties.Set(LastCost, cost);
        return true;
    }

    /// <summary>
    /// Runs <paramref name="attempt"/>; when the retries (or the quota) run out, the last error is rethrown with the
    /// number of attempts in its message.
    /// </summary>
    public async Task<T> RunAsync<T>(string what, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var attempts = 0;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            var result = await _pipeline.ExecuteAsync(async ctx =>
            {
                attempts++;
                return await attempt(ctx.CancellationToken).ConfigureAwait(false);
            }, context).ConfigureAwait(false);
            Quota.Release(attempts > 1 && context.Properties.TryGetValue(LastCost, out var cost) ? cost : 0);
            return result;
        }
        catch (Exception e) when (attempts > 1 && AwsRetry.IsRetryable(e, cancellationToken))
        {
            if (e is AwsServiceException s)
                throw new AwsServiceException(s.ErrorCode, s.ServiceMessage, s.StatusCode, s.RequestId, attempts, s);
            throw new HttpRequestException($"{what}: no usable answer after {attempts} attempts: {e.Message}", e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
