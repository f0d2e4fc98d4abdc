using System.Net;
using Amazon.Runtime;
using CallSentiment.Analysis.Aws;

namespace CallSentiment.Analysis.Tests.Aws;

public sealed class AwsJsonClientTests
{
    private static readonly AwsRetryOptions FastRetry = new() { MaxAttempts = 5, BaseDelay = TimeSpan.FromMilliseconds(2), MaxDelay = TimeSpan.FromMilliseconds(20) };

    private sealed record EchoRequest(string Name, int Count);

    private sealed record EchoResponse(string Echo);

    private static AwsJsonClient Client(LocalAwsServer server, AWSCredentials? credentials = null) =>
        new(new HttpClient(), new AwsServiceEndpoint("transcribe", "Transcribe", LocalAwsServer.Region, server.Url), credentials ?? LocalAwsServer.Credentials, TimeProvider.System, FastRetry);

    [Fact]
    public async Task SendAsync_ValidRequest_SendsSignedJson11WithTarget()
    {
        using var server = new LocalAwsServer("transcribe", r => Reply.Ok(new { Echo = r.Json.GetProperty("Name").GetString() }));

        var response = await Client(server).SendAsync<EchoRequest, EchoResponse>("StartTranscriptionJob", new EchoRequest("x", 3), CancellationToken.None);

        Assert.Equal("x", response.Echo);
        var request = Assert.Single(server.Requests);
        Assert.Null(request.SignatureError);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/", request.Path);
        Assert.Equal("Transcribe.StartTranscriptionJob", request.Target);
        Assert.Equal("application/x-amz-json-1.1", request.Headers["Content-Type"]);
        Assert.Equal(3, request.Json.GetProperty("Count").GetInt32());
        Assert.Contains("SignedHeaders=content-type;host;x-amz-date;x-amz-target,", request.Headers["Authorization"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_SessionCredentials_SignsAndSendsSecurityToken()
    {
        const string token = "FQoGZXIvYXdzEXAMPLEsessionTOKEN//+=";
        using var server = new LocalAwsServer("transcribe", _ => Reply.Ok(new { Echo = "ok" }), sessionToken: token);
        var session = new SessionAWSCredentials(LocalAwsServer.AccessKey, LocalAwsServer.SecretKey, token);

        var response = await Client(server, session).SendAsync<EchoRequest, EchoResponse>("GetTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None);

        Assert.Equal("ok", response.Echo);
        Assert.Null(Assert.Single(server.Requests).SignatureError);
    }

    [Fact]
    public async Task SendAsync_WrongSecretKey_RejectedAsInvalidSignatureWithoutRetry()
    {
        using var server = new LocalAwsServer("transcribe", _ => Reply.Ok(new { Echo = "never" }));
        var wrong = new BasicAWSCredentials(LocalAwsServer.AccessKey, "not-the-secret");

        var e = await Assert.ThrowsAsync<AwsServiceException>(() =>
            Client(server, wrong).SendAsync<EchoRequest, EchoResponse>("GetTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None));

        Assert.Equal("InvalidSignatureException", e.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task SendAsync_ThrottledThenOk_RetriesAndSucceeds()
    {
        var calls = 0;
        using var server = new LocalAwsServer("transcribe", _ => Interlocked.Increment(ref calls) == 1
            ? Reply.Error(400, "ThrottlingException", "Rate exceeded")
            : Reply.Ok(new { Echo = "second" }));

        var response = await Client(server).SendAsync<EchoRequest, EchoResponse>("GetTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None);

        Assert.Equal("second", response.Echo);
        Assert.Equal(2, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Null(r.SignatureError));
    }

    [Fact]
    public async Task SendAsync_InternalServerErrorThenOk_RetriesAndSucceeds()
    {
        var calls = 0;
        using var server = new LocalAwsServer("comprehend", _ => Interlocked.Increment(ref calls) == 1
            ? new Reply(500, "<html>upstream failure</html>")
            : Reply.Ok(new { Echo = "after 500" }));
        var client = new AwsJsonClient(new HttpClient(), new AwsServiceEndpoint("comprehend", "Comprehend_20171127", LocalAwsServer.Region, server.Url), LocalAwsServer.Credentials, TimeProvider.System, FastRetry);

        var response = await client.SendAsync<EchoRequest, EchoResponse>("DetectSentiment", new EchoRequest("x", 1), CancellationToken.None);

        Assert.Equal("after 500", response.Echo);
        Assert.Equal(2, server.Requests.Count);
    }

    [Theory]
    [InlineData(400, "ThrottlingException")]
    [InlineData(400, "LimitExceededException")]
    [InlineData(400, "TooManyRequestsException")]
    [InlineData(503, "SlowDown")]
    [InlineData(400, "RequestTimeout")]
    [InlineData(400, "PriorRequestNotComplete")]
    [InlineData(502, "")]
    [InlineData(504, "")]
    public async Task SendAsync_ThrottledOrTransientAnswer_RetriedAsTheSdksDo(int status, string code)
    {
        var calls = 0;
        using var server = new LocalAwsServer("transcribe", _ => Interlocked.Increment(ref calls) == 1
            ? (code.Length > 0 ? Reply.Error(status, code, "try again") : new Reply(status, "<html>bad gateway</html>"))
            : Reply.Ok(new { Echo = "retried" }));

        var response = await Client(server).SendAsync<EchoRequest, EchoResponse>("GetTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None);

        Assert.Equal("retried", response.Echo);
        Assert.Equal(2, server.Requests.Count);
    }

    [Theory]
    [InlineData(400, "ValidationException")]
    [InlineData(400, "BadRequestException")]
    [InlineData(400, "AccessDeniedException")]
    [InlineData(400, "TextSizeLimitExceededException")]
    [InlineData(404, "ResourceNotFoundException")]
    [InlineData(501, "NotImplemented")]
    public async Task SendAsync_ValidationOrOtherClientError_NotRetried(int status, string code)
    {
        using var server = new LocalAwsServer("transcribe", _ => Reply.Error(status, code, "will not change"));

        var e = await Assert.ThrowsAsync<AwsServiceException>(() =>
            Client(server).SendAsync<EchoRequest, EchoResponse>("StartTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None));

        Assert.Equal(code, e.ErrorCode);
        Assert.False(e.IsRetryable);
        Assert.Equal(1, e.Attempts);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task SendAsync_DefaultOptions_ThreeAttemptsAsInStandardMode()
    {
        using var server = new LocalAwsServer("transcribe", _ => Reply.Error(400, "ThrottlingException", "Rate exceeded"));
        // Only the base delay is shortened, so the test does not sleep; the attempt count is the default's.
        var client = new AwsJsonClient(new HttpClient(), new AwsServiceEndpoint("transcribe", "Transcribe", LocalAwsServer.Region, server.Url),
            LocalAwsServer.Credentials, TimeProvider.System, AwsRetryOptions.Default with { BaseDelay = TimeSpan.FromMilliseconds(5) });

        var e = await Assert.ThrowsAsync<AwsServiceException>(() =>
            client.SendAsync<EchoRequest, EchoResponse>("GetTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None));

        Assert.True(e.IsThrottling);
        Assert.Equal(3, e.Attempts);
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(3, AwsRetryOptions.Default.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(20), AwsRetryOptions.Default.MaxDelay);
    }

    [Fact]
    public void Backoff_FullJitterExponential_StaysUnderTheDoublingCeilingAndTheCap()
    {
        var o = AwsRetryOptions.Default;
        var waits = Enumerable.Range(1, 8).Select(n => Enumerable.Range(0, 500).Select(_ => AwsRetry.Backoff(o, n)).ToArray()).ToArray();

        for (var n = 1; n <= 8; n++)
        {
            var ceiling = TimeSpan.FromSeconds(Math.Min(20, Math.Pow(2, n - 1)));
            Assert.All(waits[n - 1], w => Assert.InRange(w, TimeSpan.Zero, ceiling));
            // Full jitter spreads waits over the whole range, not around the ceiling.
            Assert.Contains(waits[n - 1], w => w < ceiling / 4);
            Assert.Contains(waits[n - 1], w => w > ceiling * 3 / 4);
        }
    }

    [Fact]
    public async Task SendAsync_AlwaysThrottled_GivesUpAfterMaxAttempts()
    {
        using var server = new LocalAwsServer("transcribe", _ => Reply.Error(400, "LimitExceededException", "too many jobs"));

        var e = await Assert.ThrowsAsync<AwsServiceException>(() =>
            Client(server).SendAsync<EchoRequest, EchoResponse>("StartTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None));

        Assert.Equal("LimitExceededException", e.ErrorCode);
        Assert.Equal("too many jobs", e.ServiceMessage);
        Assert.Equal(5, e.Attempts);
        Assert.Contains("gave up after 5 attempts", e.Message, StringComparison.Ordinal);
        Assert.Equal(5, server.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_ValidationErrorInHeader_ThrowsTypedErrorWithoutRetry()
    {
        using var server = new LocalAwsServer("transcribe", _ => Reply.Error(400, "BadRequestException", "1 validation error detected", typeInHeader: true));

        var e = await Assert.ThrowsAsync<AwsServiceException>(() =>
            Client(server).SendAsync<EchoRequest, EchoResponse>("StartTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None));

        Assert.Equal("BadRequestException", e.ErrorCode);
        Assert.Equal("1 validation error detected", e.ServiceMessage);
        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        Assert.False(string.IsNullOrEmpty(e.RequestId));
        Assert.False(e.IsRetryable);
        Assert.Single(server.Requests);
    }

    [Theory]
    [InlineData("com.amazonaws.transcribe#LimitExceededException", null, "LimitExceededException")]
    [InlineData("LimitExceededException:http://internal.amazon.com/coral/com.amazon.coral.service/", null, "LimitExceededException")]
    [InlineData("com.amazonaws.transcribe#LimitExceededException:http://internal.amazon.com/coral/com.amazon.coral.service/", null, "LimitExceededException")]
    [InlineData("com.amazonaws.comprehend#BadRequestException", "com.amazonaws.comprehend#BadRequestException:http://internal.amazon.com/coral/", "BadRequestException")]
    [InlineData(null, "aws.protocoltests#ConflictException:http://internal.amazon.com/coral/", "ConflictException")]
    [InlineData("InternalFailure", "BadRequestException:http://internal.amazon.com/coral/", "BadRequestException")]
    [InlineData("  ConflictException  ", null, "ConflictException")]
    public async Task SendAsync_ErrorTypeWithNamespaceOrUrlSuffix_CodeReadAsTheSdksDo(string? bodyType, string? headerType, string expected)
    {
        var body = new Dictionary<string, string> { ["message"] = "cut me" };
        if (bodyType is not null) body["__type"] = bodyType;
        var headers = headerType is null ? null : new Dictionary<string, string> { ["x-amzn-ErrorType"] = headerType };
        using var server = new LocalAwsServer("transcribe", _ => new Reply(400, System.Text.Json.JsonSerializer.Serialize(body), headers));

        var e = await Assert.ThrowsAsync<AwsServiceException>(() =>
            Client(server).SendAsync<EchoRequest, EchoResponse>("StartTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None));

        Assert.Equal(expected, e.ErrorCode);
        Assert.Equal("cut me", e.ServiceMessage);
    }

    [Fact]
    public async Task SendAsync_ThrottlingCodeWithUrlSuffixInBody_StillRetried()
    {
        var calls = 0;
        using var server = new LocalAwsServer("transcribe", _ => Interlocked.Increment(ref calls) == 1
            ? new Reply(400, """{"__type":"com.amazonaws.transcribe#ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/","message":"Rate exceeded"}""")
            : Reply.Ok(new { Echo = "retried" }));

        var response = await Client(server).SendAsync<EchoRequest, EchoResponse>("GetTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None);

        Assert.Equal("retried", response.Echo);
        Assert.Equal(2, server.Requests.Count);
    }

    private sealed class DriftingClock(TimeSpan drift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + drift;
    }

    [Theory]
    [InlineData(-20)]
    [InlineData(15)]
    public async Task SendAsync_LocalClockOffByMinutes_CorrectedFromTheServersDateAndKept(int driftMinutes)
    {
        using var server = new LocalAwsServer("transcribe", _ => Reply.Ok(new { Echo = "ok" }));
        var client = new AwsJsonClient(new HttpClient(), new AwsServiceEndpoint("transcribe", "Transcribe", LocalAwsServer.Region, server.Url),
            LocalAwsServer.Credentials, new DriftingClock(TimeSpan.FromMinutes(driftMinutes)), FastRetry with { MaxAttempts = 1 });

        var first = await client.SendAsync<EchoRequest, EchoResponse>("GetTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None);
        var second = await client.SendAsync<EchoRequest, EchoResponse>("GetTranscriptionJob", new EchoRequest("y", 2), CancellationToken.None);

        Assert.Equal("ok", first.Echo);
        Assert.Equal("ok", second.Echo);
        // The fake rejected the first signature as expired; the re-signed one and the next request passed.
        var requests = server.Requests.ToList();
        Assert.Equal(3, requests.Count);
        Assert.Contains("expired", requests[0].SignatureError, StringComparison.Ordinal);
        Assert.Null(requests[1].SignatureError);
        Assert.Null(requests[2].SignatureError);
        Assert.InRange(client.ClockOffset.TotalMinutes, -driftMinutes - 0.1, -driftMinutes + 0.1);
    }

    [Fact]
    public async Task SendAsync_InvalidSignatureWithClockInStep_NotResent()
    {
        using var server = new LocalAwsServer("transcribe", _ => Reply.Ok(new { Echo = "never" }));
        var client = Client(server, new BasicAWSCredentials(LocalAwsServer.AccessKey, "wrong"));

        var e = await Assert.ThrowsAsync<AwsServiceException>(() =>
            client.SendAsync<EchoRequest, EchoResponse>("GetTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None));

        Assert.Equal("InvalidSignatureException", e.ErrorCode);
        Assert.Single(server.Requests);
        Assert.Equal(TimeSpan.Zero, client.ClockOffset);
    }

    [Theory]
    [InlineData("You have exceeded the maximum number of concurrent jobs.", true)]
    [InlineData("You've either sent too many requests or your input file is too long. Wait before retrying your request, or use a smaller file and try your request again.", true)]
    [InlineData("Your input file is too long. Use a smaller file and try your request again.", false)]
    public async Task SendAsync_LimitExceeded_RetriedForTheQuotaNotForAFileTooLong(string message, bool retried)
    {
        using var server = new LocalAwsServer("transcribe", _ => Reply.Error(400, "LimitExceededException", message));

        var e = await Assert.ThrowsAsync<AwsServiceException>(() =>
            Client(server).SendAsync<EchoRequest, EchoResponse>("StartTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None));

        Assert.Equal(retried, e.IsRetryable);
        Assert.Equal(!retried, e.IsInputTooLong);
        Assert.Equal(retried ? 5 : 1, server.Requests.Count);
    }

    [Theory]
    [InlineData("transcribe", "eu-west-2", "https://transcribe.eu-west-2.amazonaws.com/")]
    [InlineData("transcribe", "cn-north-1", "https://cn.transcribe.cn-north-1.amazonaws.com.cn/")]
    [InlineData("transcribe", "cn-northwest-1", "https://cn.transcribe.cn-northwest-1.amazonaws.com.cn/")]
    [InlineData("comprehend", "us-east-2", "https://comprehend.us-east-2.amazonaws.com/")]
    [InlineData("transcribe", "us-iso-east-1", "https://transcribe.us-iso-east-1.c2s.ic.gov/")]
    [InlineData("transcribe", "eu-isoe-west-1", "https://transcribe.eu-isoe-west-1.cloud.adc-e.uk/")]
    public void Url_RegionsPartition_UsesTheServicesOwnHostNames(string service, string region, string expected) =>
        Assert.Equal(expected, new AwsServiceEndpoint(service, "X", region).Url.ToString());

    // The FIPS rows of each service's endpoint rule set (botocore endpoint-rule-set-1.json).
    [Theory]
    [InlineData("transcribe", "us-east-1", "https://fips.transcribe.us-east-1.amazonaws.com/")]
    [InlineData("transcribe", "ca-central-1", "https://fips.transcribe.ca-central-1.amazonaws.com/")]
    [InlineData("transcribe", "us-gov-west-1", "https://fips.transcribe.us-gov-west-1.amazonaws.com/")]
    [InlineData("transcribe", "cn-north-1", "https://transcribe-fips.cn-north-1.amazonaws.com.cn/")]
    [InlineData("transcribe", "us-iso-east-1", "https://transcribe-fips.us-iso-east-1.c2s.ic.gov/")]
    [InlineData("comprehend", "us-east-2", "https://comprehend-fips.us-east-2.amazonaws.com/")]
    [InlineData("comprehend", "us-gov-west-1", "https://comprehend-fips.us-gov-west-1.amazonaws.com/")]
    public void Url_Fips_FollowsEachServicesRuleSet(string service, string region, string expected) =>
        Assert.Equal(expected, new AwsServiceEndpoint(service, "X", region, UseFips: true).Url.ToString());

    [Fact]
    public void Constructor_FipsWithAnExplicitServiceUrl_IsRefusedAsTheRuleSetsDo()
    {
        var e = Assert.Throws<ArgumentException>(() => new AwsJsonClient(new HttpClient(),
            new AwsServiceEndpoint("transcribe", "Transcribe", "us-east-1", new Uri("https://vpce.example/"), UseFips: true)));

        Assert.Contains("FIPS endpoint and an explicit service URL exclude each other", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eu-west-2/evil")]
    [InlineData("EU-WEST-2")]
    [InlineData("eu west 2")]
    [InlineData("")]
    public void Url_RegionThatIsNoHostLabel_IsRefused(string region)
    {
        var e = Assert.Throws<ArgumentException>(() => new AwsServiceEndpoint("transcribe", "Transcribe", region).Url);

        Assert.Contains("is not an AWS region name", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_RetryThenSuccess_GivesTheRetrysTokensBack()
    {
        var calls = 0;
        using var server = new LocalAwsServer("transcribe", _ => Interlocked.Increment(ref calls) == 1
            ? Reply.Error(500, "InternalFailure", "try again")
            : Reply.Ok(new { Echo = "ok" }));
        var client = Client(server);
        Assert.True(client.RetryQuota.TryAcquire(100));

        await client.SendAsync<EchoRequest, EchoResponse>("GetTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None);

        // The retry took 5 and the success gave them back; a first-attempt success adds 1.
        Assert.Equal(AwsRetryQuota.Capacity - 100, client.RetryQuota.Available);
        await client.SendAsync<EchoRequest, EchoResponse>("GetTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None);
        Assert.Equal(AwsRetryQuota.Capacity - 99, client.RetryQuota.Available);
    }

    [Fact]
    public async Task SendAsync_QuotaExhaustedInAnOutage_StopsRetryingAndFailsAtTheFirstAttempt()
    {
        using var server = new LocalAwsServer("transcribe", _ => Reply.Error(503, "ServiceUnavailable", "down"));
        var client = Client(server);

        // Every failed call spends 4 retries x 5 tokens: the quota pays for 25 such calls, then no more retries.
        for (var i = 0; i < 25; i++)
            await Assert.ThrowsAsync<AwsServiceException>(() => client.SendAsync<EchoRequest, EchoResponse>("GetTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None));
        Assert.Equal(0, client.RetryQuota.Available);
        var before = server.Requests.Count;

        var e = await Assert.ThrowsAsync<AwsServiceException>(() => client.SendAsync<EchoRequest, EchoResponse>("GetTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None));

        Assert.Equal("ServiceUnavailable", e.ErrorCode);
        Assert.Equal(before + 1, server.Requests.Count);
        Assert.Equal(25 * 5, before);
    }

    [Fact]
    public async Task SendAsync_NothingListening_RetriesThenFailsWithClearError()
    {
        var port = LocalAwsServer.FreePort();
        var client = new AwsJsonClient(new HttpClient(), new AwsServiceEndpoint("transcribe", "Transcribe", "us-east-1", new Uri($"http://127.0.0.1:{port}/")),
            LocalAwsServer.Credentials, TimeProvider.System, FastRetry with { MaxAttempts = 3 });

        var e = await Assert.ThrowsAsync<HttpRequestException>(() =>
            client.SendAsync<EchoRequest, EchoResponse>("GetTranscriptionJob", new EchoRequest("x", 1), CancellationToken.None));

        Assert.Contains("Transcribe.GetTranscriptionJob: no usable answer after 3 attempts", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_Cancelled_StopsRetrying()
    {
        using var server = new LocalAwsServer("transcribe", _ => Reply.Error(503, "ServiceUnavailable", "busy"));
        using var cts = new CancellationTokenSource();
        var client = new AwsJsonClient(new HttpClient(), new AwsServiceEndpoint("transcribe", "Transcribe", LocalAwsServer.Region, server.Url),
            LocalAwsServer.Credentials, TimeProvider.System, new AwsRetryOptions { MaxAttempts = 5, BaseDelay = TimeSpan.FromSeconds(30), MaxDelay = TimeSpan.FromSeconds(30) });

        var task = client.SendAsync<EchoRequest, EchoResponse>("GetTranscriptionJob", new EchoRequest("x", 1), cts.Token);
        while (server.Requests.IsEmpty) await Task.Delay(5);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.InRange(server.Requests.Count, 1, 2); // full jitter may, rarely, pick a near-zero first wait
    }
}
