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

    /// <summary>A pipeline that retries what <see cref="IsRetryable(Exception, CancellationToken)"/> accepts.</summary>
    public static ResiliencePipeline CreatePipeline(AwsRetryOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxAttempts must be at least 1");
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.MaxAttempts == 1) return builder.Build();
        return builder.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = options.MaxAttempts - 1,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsRetryable(e, args.Context.CancellationToken)),
            // AttemptNumber is 0 for the wait before the first retry.
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Backoff(options, args.AttemptNumber + 1)),
        }).Build();
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> through <paramref name="pipeline"/>; when the retries run out, the last error is
    /// rethrown with the number of attempts in its message.
    /// </summary>
    public static async Task<T> RunAsync<T>(ResiliencePipeline pipeline, string what, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var attempts = 0;
        try
        {
            return await pipeline.ExecuteAsync(async ct =>
            {
                attempts++;
                return await attempt(ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (attempts > 1 && IsRetryable(e, cancellationToken))
        {
            if (e is AwsServiceException s)
                throw new AwsServiceException(s.ErrorCode, s.ServiceMessage, s.StatusCode, s.RequestId, attempts, s);
            throw new HttpRequestException($"{what}: no usable answer after {attempts} attempts: {e.Message}", e);
        }
    }
}
