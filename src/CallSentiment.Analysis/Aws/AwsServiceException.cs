using System.Net;

namespace CallSentiment.Analysis.Aws;

/// <summary>
/// An error answer of an AWS JSON service: the error code from <c>x-amzn-ErrorType</c> or the body's <c>__type</c>
/// (namespace stripped, e.g. <c>ThrottlingException</c>), its message, the HTTP status and the request id.
/// </summary>
public sealed class AwsServiceException : Exception
{
    public AwsServiceException(string errorCode, string message, HttpStatusCode statusCode, string? requestId, int attempts = 1, Exception? inner = null)
        : base(Describe(errorCode, message, statusCode, requestId, attempts), inner)
    {
        ErrorCode = errorCode;
        ServiceMessage = message;
        StatusCode = statusCode;
        RequestId = requestId;
        Attempts = attempts;
    }

    public AwsServiceException()
        : this("Unknown", "", 0, null)
    {
    }

    public AwsServiceException(string message)
        : this("Unknown", message, 0, null)
    {
    }

    public AwsServiceException(string message, Exception innerException)
        : this("Unknown", message, 0, null, 1, innerException)
    {
    }

    public string ErrorCode { get; }

    /// <summary>The service's own message, without the code and status this exception's Message adds.</summary>
    public string ServiceMessage { get; }

    public HttpStatusCode StatusCode { get; }

    public string? RequestId { get; }

    /// <summary>How many attempts were made before giving up (more than 1 when retries were exhausted).</summary>
    public int Attempts { get; }

    /// <summary>Worth trying again (the SDKs' standard classification): a throttling or transient code, or HTTP 500/502/503/504.</summary>
    public bool IsRetryable => AwsRetry.IsRetryable(ErrorCode, StatusCode) && !IsInputTooLong;

    /// <summary>The input is over the service's limit (a LimitExceededException that is not the quota): never retried.</summary>
    public bool IsInputTooLong => AwsRetry.MeansInputTooLong(ErrorCode, ServiceMessage);

    /// <summary>The service asks the caller to slow down (ThrottlingException, LimitExceededException, SlowDown, ...).</summary>
    public bool IsThrottling => AwsRetry.IsThrottlingCode(ErrorCode);

    private static string Describe(string code, string message, HttpStatusCode status, string? requestId, int attempts)
    {
        var text = $"{code}: {(message.Length > 0 ? message : "(no message)")} (HTTP {(int)status}";
        if (requestId is not null) text += $", request {requestId}";
        text += ")";
        if (attempts > 1) text += $"; gave up after {attempts} attempts";
        return text;
    }
}
