using System.Net;

namespace CallSentiment.Analysis.Aws;

/// <summary>How often and how patiently a failed AWS call is tried again.</summary>
public sealed record AwsRetryOptions
{
    public static AwsRetryOptions Default { get; } = new();

    /// <summary>Attempts in all, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);
}

/// <summary>Bounded retries with full-jitter exponential back-off (a random wait in [0, min(max, base·2^n)]).</summary>
internal static class AwsRetry
{
    private static readonly HashSet<string> RetryableCodes = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "Throttling", "ThrottledException", "TooManyRequestsException", "LimitExceededException",
        "RequestLimitExceeded", "ProvisionedThroughputExceeded", "ProvisionedThroughputExceededException",
        "RequestThrottled", "RequestThrottledException", "SlowDown",
        "InternalServerException", "InternalServerError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException",
    };

    public static bool IsRetryableCode(string code) => RetryableCodes.Contains(code);

    public static bool IsRetryable(Exception e, CancellationToken cancellationToken) => e switch
    {
        AwsServiceException s => s.IsRetryable,
        HttpRequestException h => h.StatusCode is null || (int)h.StatusCode >= 500 || h.StatusCode == HttpStatusCode.TooManyRequests,
        IOException => true,
        // HttpClient's own timeout surfaces as a cancellation the caller did not ask for.
        TaskCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    public static TimeSpan Backoff(AwsRetryOptions options, int attempt)
    {
        var ceiling = Math.Min(options.MaxDelay.TotalMilliseconds, options.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
#pragma warning disable CA5394 // jitter only spreads retries apart; it guards nothing
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
#pragma warning restore CA5394
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds, fails with a non-retryable error, or the attempts run out;
    /// the last error is then rethrown with the number of attempts in its message.
    /// </summary>
    public static async Task<T> RunAsync<T>(string what, Func<CancellationToken, Task<T>> attempt, AwsRetryOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var n = 1; ; n++)
        {
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsRetryable(e, cancellationToken))
            {
                if (n >= options.MaxAttempts)
                {
                    if (e is AwsServiceException s)
                        throw new AwsServiceException(s.ErrorCode, s.ServiceMessage, s.StatusCode, s.RequestId, n, s);
                    throw new HttpRequestException($"{what}: no usable answer after {n} attempts: {e.Message}", e);
                }
                await Task.Delay(Backoff(options, n), time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
