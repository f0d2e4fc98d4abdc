using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.Runtime;

namespace CallSentiment.Analysis.Aws;

/// <summary>
/// POSTs signed AWS JSON 1.1 requests (<c>X-Amz-Target: Prefix.Operation</c>) and turns error answers into
/// <see cref="AwsServiceException"/>; throttling, server faults and transport errors are retried (see README).
/// </summary>
public sealed class AwsJsonClient
{
    public const string ContentType = "application/x-amz-json-1.1";

    internal static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNameCaseInsensitive = true,
    };

    private readonly HttpClient _http;
    private readonly AWSCredentials? _credentials;
    private readonly TimeProvider _time;
    private readonly AwsRetrier _retry;

    // Server time minus ours, learnt from the Date of an answer that rejected our signature's time (ticks, atomic).
    private long _clockOffsetTicks;

    /// <summary>An offset smaller than this is left alone: AWS accepts signatures up to 5 minutes off.</summary>
    private static readonly TimeSpan SkewThreshold = TimeSpan.FromMinutes(1);

    /// <summary>Codes with which services reject a signature whose time is off (botocore and the .NET SDK use these).</summary>
    private static readonly HashSet<string> ClockSkewCodes = new(StringComparer.Ordinal)
    {
        "RequestTimeTooSkewed", "RequestExpired", "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure", "RequestInTheFuture",
    };

    /// <summary>A client of one service; <paramref name="credentials"/> null means AWSSDK.Core's standard chain.</summary>
    public AwsJsonClient(HttpClient http, AwsServiceEndpoint endpoint, AWSCredentials? credentials = null, TimeProvider? time = null, AwsRetryOptions? retry = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (string.IsNullOrWhiteSpace(endpoint.Region)) throw new ArgumentException("the AWS region is not set", nameof(endpoint));
        _ = endpoint.Url; // an endpoint the service's rules refuse (FIPS where the partition has none) fails here, not on the first call
        _http = http;
        Endpoint = endpoint;
        _credentials = credentials;
        _time = time ?? TimeProvider.System;
        retry ??= AwsRetryOptions.Default;
        if (retry.MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(retry), "MaxAttempts must be at least 1");
        _retry = new AwsRetrier(retry, _time);
    }

    public AwsServiceEndpoint Endpoint { get; }

    /// <summary>This client's retry quota (standard mode): what is left for retries.</summary>
    public AwsRetryQuota RetryQuota => _retry.Quota;

    /// <summary>The correction applied to our clock when signing (zero until a server said our time is off).</summary>
    public TimeSpan ClockOffset => TimeSpan.FromTicks(Interlocked.Read(ref _clockOffsetTicks));

    public async Task<TResponse> SendAsync<TRequest, TResponse>(string operation, TRequest request, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, Json);
        var answer = await SendAsync(operation, body, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<TResponse>(answer, Json)
                ?? throw new InvalidDataException($"{Endpoint.TargetPrefix}.{operation}: the answer is JSON null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{Endpoint.TargetPrefix}.{operation}: the answer is not the expected JSON: {e.Message}", e);
        }
    }

    /// <summary>Sends a JSON body (UTF-8) and returns the successful answer's body.</summary>
    public Task<byte[]> SendAsync(string operation, byte[] body, CancellationToken cancellationToken) =>
        _retry.RunAsync($"{Endpoint.TargetPrefix}.{operation}", ct => SendCorrectingClockAsync(operation, body, ct), cancellationToken);

    /// <summary>
    /// A signature rejected for its time, by a server whose <c>Date</c> differs from our clock, is signed again at
    /// once with the server's time (and every later request too): a host with a drifting clock keeps working.
    /// </summary>
    private async Task<byte[]> SendCorrectingClockAsync(string operation, byte[] body, CancellationToken cancellationToken)
    {
        try
        {
            return await SendOnceAsync(operation, body, cancellationToken).ConfigureAwait(false);
        }
        catch (ClockSkewException skew)
        {
            Interlocked.Exchange(ref _clockOffsetTicks, skew.Offset.Ticks);
            try
            {
                return await SendOnceAsync(operation, body, cancellationToken).ConfigureAwait(false);
            }
            catch (ClockSkewException again)
            {
                Interlocked.Exchange(ref _clockOffsetTicks, again.Offset.Ticks);
                throw again.Error;
            }
        }
    }

    private sealed class ClockSkewException(AwsServiceException error, TimeSpan offset) : Exception(error.Message, error)
    {
        public AwsServiceException Error { get; } = error;

        public TimeSpan Offset { get; } = offset;
    }

    private async Task<byte[]> SendOnceAsync(string operation, byte[] body, CancellationToken cancellationToken)
    {
        // Signed afresh on every attempt: the timestamp must be current and the credentials may have rotated.
        var credentials = await AwsCredentialChain.ResolveAsync(_credentials, cancellationToken).ConfigureAwait(false);
        var url = Endpoint.Url;
        var target = $"{Endpoint.TargetPrefix}.{operation}";
        using var message = new HttpRequestMessage(HttpMethod.Post, url);
        message.Content = new ByteArrayContent(body);
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        message.Headers.TryAddWithoutValidation("X-Amz-Target", target);

        var toSign = new List<KeyValuePair<string, string>>
        {
            new("Host", url.Authority),
            new("Content-Type", ContentType),
            new("X-Amz-Target", target),
        };
        var signed = SigV4Signer.SignHeaders(
            new SigV4Request("POST", url.AbsolutePath, [], toSign, SigV4Request.HashPayload(body)),
            credentials, new SigV4Scope(Endpoint.Region, Endpoint.SigningName), _time.GetUtcNow() + ClockOffset);
        foreach (var (name, value) in signed.AddedHeaders)
            message.Headers.TryAddWithoutValidation(name, value);

        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode) return answer;
        var error = ParseError(response, answer);
        if (ClockSkewCodes.Contains(error.ErrorCode) && response.Headers.Date is { } serverTime)
        {
            var offset = serverTime - _time.GetUtcNow();
            if ((offset - ClockOffset).Duration() > SkewThreshold) throw new ClockSkewException(error, offset);
        }
        throw error;
    }

    /// <summary>
    /// The error code comes from <c>x-amzn-ErrorType</c> when present, else the body's <c>__type</c> (else <c>code</c>);
    /// either may carry a namespace prefix and/or a <c>:</c>-suffix ("com.amazonaws.transcribe#LimitExceededException:http://...")
    /// and is cut as the SDKs do (<see cref="SanitizeErrorCode"/>). The message comes from <c>message</c> or <c>Message</c>.
    /// </summary>
    internal static AwsServiceException ParseError(HttpResponseMessage response, byte[] body)
    {
        string? headerCode = null, typeCode = null, codeField = null, text = null;
        if (response.Headers.TryGetValues("x-amzn-ErrorType", out var types))
            headerCode = SanitizeErrorCode(types.FirstOrDefault());
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (p.Value.ValueKind != JsonValueKind.String) continue;
                    if (p.NameEquals("__type"))
                        typeCode ??= SanitizeErrorCode(p.Value.GetString());
                    else if (p.Name.Equals("code", StringComparison.OrdinalIgnoreCase))
                        codeField ??= SanitizeErrorCode(p.Value.GetString());
                    else if (p.Name.Equals("message", StringComparison.OrdinalIgnoreCase) || p.NameEquals("errorMessage"))
                        text ??= p.Value.GetString();
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: a proxy or load balancer answered; the status code says enough.
            text = System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 200))).Trim();
        }
        var code = headerCode ?? typeCode ?? codeField ?? FromStatus(response.StatusCode);
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault()
            : response.Headers.TryGetValues("x-amz-request-id", out var ids2) ? ids2.FirstOrDefault() : null;
        return new AwsServiceException(code, text ?? "", response.StatusCode, requestId);
    }

    /// <summary>
    /// An error code as the SDKs and the awsJson1_1 protocol read it: the part before the first <c>:</c> (a URL
    /// suffix such as <c>:http://internal.amazon.com/coral/...</c>), then the part after the <c>#</c> (a Smithy
    /// namespace such as <c>com.amazonaws.transcribe#</c>). Null when nothing is left.
    /// </summary>
    internal static string? SanitizeErrorCode(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        var code = raw.AsSpan();
        if (code.IndexOf(':') is var colon and >= 0) code = code[..colon];
        if (code.IndexOf('#') is var hash and >= 0) code = code[(hash + 1)..];
        code = code.Trim();
        return code.IsEmpty ? null : code.ToString();
    }

    private static string FromStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.TooManyRequests => "TooManyRequestsException",
        HttpStatusCode.ServiceUnavailable => "ServiceUnavailable",
        HttpStatusCode.InternalServerError => "InternalFailure",
        _ => $"Http{(int)status}",
    };
}
