using System.Collections.Concurrent;
using Amazon.S3.Model;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Transcription;
using CallSentiment.Analysis.Transcription.Aws;

namespace CallSentiment.Analysis.Tests.Aws;

/// <summary>
/// Amazon Transcribe as the service behaves: job names are unique (ConflictException), jobs go QUEUED/IN_PROGRESS →
/// COMPLETED or FAILED over a few polls, and a completed job names a presigned transcript URL (served here too).
/// </summary>
internal sealed class FakeTranscribe
{
    private readonly ConcurrentDictionary<string, Job> _jobs = new();

    private static readonly HashSet<string> MediaFormats = ["mp3", "mp4", "wav", "flac", "ogg", "amr", "webm", "m4a"];

    /// <summary>PiiEntityType in botocore's transcribe service model (service-2.json).</summary>
    private static readonly HashSet<string> PiiEntityTypes =
        ["BANK_ACCOUNT_NUMBER", "BANK_ROUTING", "CREDIT_DEBIT_NUMBER", "CREDIT_DEBIT_CVV", "CREDIT_DEBIT_EXPIRY", "PIN", "EMAIL", "ADDRESS", "NAME", "PHONE", "SSN", "ALL"];

    public sealed class Job
    {
        public required string Name { get; init; }
        public required string MediaUri { get; init; }
        public string Transcript { get; init; } = TranscribeFixtures.Stereo;

        /// <summary>The ContentRedaction the job was started with (RedactionOutput), or null.</summary>
        public string? RedactionOutput { get; init; }
        public string RedactedTranscript { get; init; } = TranscribeFixtures.StereoRedacted;
        public object? ContentRedaction { get; init; }
        public string? FailureReason { get; init; }
        public int PollsBeforeDone { get; init; } = 2;
        public int Polls { get; set; }
        public bool Done => Polls >= PollsBeforeDone;
    }

    public string Transcript { get; set; } = TranscribeFixtures.Stereo;
    public string RedactedTranscript { get; set; } = TranscribeFixtures.StereoRedacted;
    public string? FailureReason { get; set; }
    public int ThrottleStarts { get; set; }

    /// <summary>When set, starts are refused with LimitExceededException and this message (the file-too-long meaning).</summary>
    public string? TooLongMessage { get; set; }

    /// <summary>Runs when a job completes (e.g. to write its output into an output bucket, as Transcribe does).</summary>
    public Func<Job, Task>? OnCompleted { get; set; }

    public Uri? BaseUrl { get; set; }

    /// <summary>How many of the transcript URLs handed out next are already expired when the client uses them.</summary>
    public int ExpireNextUrls { get; set; }

    private readonly ConcurrentDictionary<string, bool> _expiredSignatures = new();
    private int _signatures;

    public void AddExisting(Job job) => _jobs[job.Name] = job;

    public async Task<Reply> HandleAsync(ReceivedRequest r)
    {
        if (r.Method == "GET" && r.Path.StartsWith("/transcripts/", StringComparison.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(r.Path);
            // Presigned URLs expire (S3 answers 403 "Request has expired"); the expired ones are those listed here.
            if (_expiredSignatures.ContainsKey(r.Query))
                return new Reply(403, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>");
            // A redacted job's transcript is "redacted-" + its name; the unredacted one exists only with redacted_and_unredacted.
            var redacted = name.StartsWith("redacted-", StringComparison.Ordinal);
            if (redacted) name = name["redacted-".Length..];
            if (!_jobs.TryGetValue(name, out var j) || !j.Done || j.FailureReason is not null) return new Reply(403, "<Error><Code>AccessDenied</Code></Error>");
            if (redacted) return j.RedactionOutput is null ? new Reply(403, "<Error><Code>AccessDenied</Code></Error>") : new Reply(200, j.RedactedTranscript);
            return j.RedactionOutput is null or "redacted_and_unredacted" ? new Reply(200, j.Transcript) : new Reply(403, "<Error><Code>AccessDenied</Code></Error>");
        }
        Assert.Equal("application/x-amz-json-1.1", r.Headers["Content-Type"]);
        var body = r.Json;
        switch (r.Operation)
        {
            case "StartTranscriptionJob":
            {
                if (TooLongMessage is not null)
                    return Reply.Error(400, "LimitExceededException", TooLongMessage);
                if (ThrottleStarts > 0)
                {
                    ThrottleStarts--;
                    return Reply.Error(400, "LimitExceededException", "You have exceeded the maximum number of concurrent jobs.");
                }
                // The service's rule: exactly one of LanguageCode, IdentifyLanguage, IdentifyMultipleLanguages;
                // LanguageOptions only with identification.
                var hasCode = body.TryGetProperty("LanguageCode", out _);
                var identifies = body.TryGetProperty("IdentifyLanguage", out var il) && il.GetBoolean();
                if (hasCode == identifies)
                    return Reply.Error(400, "BadRequestException", "Specify exactly one of LanguageCode, IdentifyLanguage or IdentifyMultipleLanguages.");
                // LanguageCode and each LanguageOptions entry are members of the LanguageCode enum.
                if (body.TryGetProperty("LanguageCode", out var code) && !TranscribeLanguages.IsValid(code.GetString()))
                    return Reply.Error(400, "SerializationException", $"LanguageCode '{code.GetString()}' is not a member of the enum");
                if (body.TryGetProperty("LanguageOptions", out var listed) && listed.EnumerateArray().Any(o => !TranscribeLanguages.IsValid(o.GetString())))
                    return Reply.Error(400, "SerializationException", "a LanguageOptions entry is not a member of the LanguageCode enum");
                if (body.TryGetProperty("LanguageOptions", out var options) && (!identifies || options.GetArrayLength() < 2))
                    return Reply.Error(400, "BadRequestException", "LanguageOptions needs IdentifyLanguage and at least two languages.");
                // MediaFormat and OutputKey as the service model constrains them.
                if (body.TryGetProperty("MediaFormat", out var format) && !MediaFormats.Contains(format.GetString()!))
                    return Reply.Error(400, "SerializationException", $"MediaFormat '{format.GetString()}' is not a member of the enum");
                if (body.TryGetProperty("OutputKey", out var key) && !System.Text.RegularExpressions.Regex.IsMatch(key.GetString()!, "^[a-zA-Z0-9-_.!*'()/]{1,1024}$"))
                    return Reply.Error(400, "BadRequestException", "1 validation error detected: Value at 'outputKey' failed to satisfy constraint: Member must satisfy regular expression pattern");
                // ContentRedaction as the service model has it: RedactionType (PII) and RedactionOutput required, PiiEntityTypes
                // members of the enum (at most 11); redaction works in en-US and es-US only, never with language identification.
                string? redactionOutput = null;
                if (body.TryGetProperty("ContentRedaction", out var redaction))
                {
                    if (!redaction.TryGetProperty("RedactionType", out var rt) || rt.GetString() != "PII")
                        return Reply.Error(400, "SerializationException", "ContentRedaction.RedactionType is required and must be PII");
                    if (!redaction.TryGetProperty("RedactionOutput", out var ro) || ro.GetString() is not ("redacted" or "redacted_and_unredacted"))
                        return Reply.Error(400, "SerializationException", "ContentRedaction.RedactionOutput is required: redacted or redacted_and_unredacted");
                    if (redaction.TryGetProperty("PiiEntityTypes", out var types)
                        && (types.GetArrayLength() > 11 || types.EnumerateArray().Any(t => !PiiEntityTypes.Contains(t.GetString()!))))
                        return Reply.Error(400, "SerializationException", "a PiiEntityTypes entry is not a member of the PiiEntityType enum");
                    if (identifies || !hasCode || code.GetString() is not ("en-US" or "es-US"))
                        return Reply.Error(400, "BadRequestException", "Content redaction is available for en-US and es-US only and can't be used with language identification.");
                    redactionOutput = ro.GetString();
                }
                var name = body.GetProperty("TranscriptionJobName").GetString()!;
                var job = new Job
                {
                    Name = name, MediaUri = body.GetProperty("Media").GetProperty("MediaFileUri").GetString()!, Transcript = Transcript, FailureReason = FailureReason,
                    RedactionOutput = redactionOutput, RedactedTranscript = RedactedTranscript,
                    ContentRedaction = redactionOutput is null ? null : System.Text.Json.JsonSerializer.Deserialize<object>(redaction.GetRawText()),
                };
                if (!_jobs.TryAdd(name, job))
                    return Reply.Error(400, "ConflictException", "The requested job name already exists. Use a different job name.");
                return Reply.Ok(new { TranscriptionJob = Describe(job) });
            }
            case "GetTranscriptionJob":
            {
                var name = body.GetProperty("TranscriptionJobName").GetString()!;
                if (!_jobs.TryGetValue(name, out var job))
                    return Reply.Error(400, "BadRequestException", "The requested job couldn't be found. Check the job name and try your request again.");
                job.Polls++;
                if (job.Polls == job.PollsBeforeDone && job.FailureReason is null && OnCompleted is not null) await OnCompleted(job);
                return Reply.Ok(new { TranscriptionJob = Describe(job) });
            }
            default:
                return Reply.Error(400, "UnknownOperationException", r.Operation);
        }
    }

    private Dictionary<string, object?> Describe(Job job)
    {
        var status = !job.Done ? (job.Polls == 0 ? "QUEUED" : "IN_PROGRESS") : job.FailureReason is null ? "COMPLETED" : "FAILED";
        var d = new Dictionary<string, object?>
        {
            ["TranscriptionJobName"] = job.Name,
            ["TranscriptionJobStatus"] = status,
            ["LanguageCode"] = "en-US",
            ["MediaFormat"] = "wav",
            ["Media"] = new { MediaFileUri = job.MediaUri },
            ["CreationTime"] = 1.764590400123E9,
        };
        if (status == "COMPLETED")
        {
            // Each description presigns afresh, as Transcribe does (the URL is valid for 15 minutes).
            var query = $"?X-Amz-Signature=sig{Interlocked.Increment(ref _signatures)}";
            if (ExpireNextUrls > 0)
            {
                ExpireNextUrls--;
                _expiredSignatures[query] = true;
            }
            var transcript = new Dictionary<string, string>();
            if (job.RedactionOutput is null or "redacted_and_unredacted") transcript["TranscriptFileUri"] = $"{BaseUrl}transcripts/{job.Name}.json{query}";
            if (job.RedactionOutput is not null) transcript["RedactedTranscriptFileUri"] = $"{BaseUrl}transcripts/redacted-{job.Name}.json{query}";
            d["Transcript"] = transcript;
        }
        if (status == "FAILED") d["FailureReason"] = job.FailureReason;
        if (job.ContentRedaction is not null) d["ContentRedaction"] = job.ContentRedaction;
        return d;
    }
}

public sealed class AmazonTranscriberTests : IClassFixture<S3rver>, IDisposable
{
    private readonly S3rver _s3;
    private readonly string _dir = Directory.CreateTempSubdirectory("callsentiment-transcribe-").FullName;

    public AmazonTranscriberTests(S3rver s3) => _s3 = s3;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Wav(int channels, double seconds = 3.0, string name = "call.wav")
    {
        const int rate = 8000;
        var samples = (int)(seconds * rate);
        var data = Enumerable.Range(0, channels).Select(c => TestWav.Sine(300 + (100 * c), rate, samples)).ToArray();
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, TestWav.Build(data, rate, SampleEncoding.Pcm16));
        return path;
    }

    private static (LocalAwsServer Server, FakeTranscribe Fake) Start(FakeTranscribe? fake = null)
    {
        fake ??= new FakeTranscribe();
        var server = new LocalAwsServer("transcribe", fake.HandleAsync);
        fake.BaseUrl = server.Url;
        return (server, fake);
    }

    private AmazonTranscriber Transcriber(LocalAwsServer server, Action<AmazonTranscribeSettings>? configure = null)
    {
        var settings = new AmazonTranscribeSettings
        {
            Region = LocalAwsServer.Region,
            ServiceUrl = server.Url,
            Bucket = "unused-bucket",
            Prefix = "calls/",
            LanguageCode = "en-US",
            PollInitial = TimeSpan.FromMilliseconds(5),
            PollMax = TimeSpan.FromMilliseconds(20),
            Timeout = TimeSpan.FromSeconds(20),
        };
        configure?.Invoke(settings);
        return new AmazonTranscriber(settings, new HttpClient(), _s3.Client, TimeProvider.System, LocalAwsServer.Credentials);
    }

    [Fact]
    public async Task TranscribeAsync_StereoAlreadyInS3_ChannelIdentificationPolledAndParsed()
    {
        var (server, _) = Start();
        using var _server = server;
        var wav = Wav(2);

        var t = await Transcriber(server).TranscribeAsync(new TranscriptionRequest(wav, "call 42/äb", S3Uri: "s3://recordings/2026/call-42.wav"), CancellationToken.None);

        var start = Assert.Single(server.Calls("StartTranscriptionJob")).Json;
        var name = start.GetProperty("TranscriptionJobName").GetString()!;
        Assert.Matches("^call-42-b-[0-9a-f]{12}$", name);
        Assert.Equal("s3://recordings/2026/call-42.wav", start.GetProperty("Media").GetProperty("MediaFileUri").GetString());
        Assert.Equal("wav", start.GetProperty("MediaFormat").GetString());
        Assert.Equal("en-US", start.GetProperty("LanguageCode").GetString());
        Assert.False(start.TryGetProperty("IdentifyLanguage", out _));
        Assert.True(start.GetProperty("Settings").GetProperty("ChannelIdentification").GetBoolean());
        Assert.False(start.GetProperty("Settings").TryGetProperty("ShowSpeakerLabels", out _));
        Assert.False(start.TryGetProperty("OutputBucketName", out _));
        Assert.Equal(2, server.Calls("GetTranscriptionJob").Count);
        Assert.All(server.Requests.Where(r => r.Method == "POST"), r => Assert.Null(r.SignatureError));
        var download = Assert.Single(server.Requests, r => r.Method == "GET");
        Assert.False(download.Headers.ContainsKey("Authorization"));

        Assert.Equal(SpeakerSeparation.Channels, t.Separation);
        Assert.Equal("help?", t.Words[4].Text);
        Assert.Equal(3.0, t.DurationSeconds, 6);
        Assert.Equal(2, t.Speakers.Count);
    }

    [Fact]
    public async Task TranscribeAsync_RedactPii_AsksForTheRedactedTranscriptOnlyAndReadsTypedPlaceholders()
    {
        var (server, _) = Start();
        using var _server = server;
        var wav = Wav(2, 9.5);

        var t = await Transcriber(server, s => s.RedactPii = ["CREDIT_DEBIT_NUMBER", "PHONE"])
            .TranscribeAsync(new TranscriptionRequest(wav, "call-42", S3Uri: "s3://recordings/call-42.wav"), CancellationToken.None);

        var redaction = Assert.Single(server.Calls("StartTranscriptionJob")).Json.GetProperty("ContentRedaction");
        Assert.Equal("PII", redaction.GetProperty("RedactionType").GetString());
        Assert.Equal("redacted", redaction.GetProperty("RedactionOutput").GetString());
        Assert.Equal(["CREDIT_DEBIT_NUMBER", "PHONE"], redaction.GetProperty("PiiEntityTypes").EnumerateArray().Select(e => e.GetString()));
        var download = Assert.Single(server.Requests, r => r.Method == "GET");
        Assert.StartsWith("/transcripts/redacted-", download.Path, StringComparison.Ordinal);
        Assert.Equal(["It's", "[CARD].", "Call", "me", "on", "[PHONE]."], t.Words.Where(w => w.Speaker == 1).Select(w => w.Text));
        var card = t.Words.Single(w => w.Text == "[CARD].");
        Assert.Equal((1.8, 5.4), (card.Start, card.End));
    }

    [Fact]
    public async Task TranscribeAsync_RedactPiiOnByTheSettingsLater_DoesNotReuseTheUnredactedJob()
    {
        var (server, _) = Start();
        using var _server = server;
        var wav = Wav(2);
        var request = new TranscriptionRequest(wav, "call-42", S3Uri: "s3://recordings/call-42.wav");
        await Transcriber(server).TranscribeAsync(request, CancellationToken.None);

        await Transcriber(server, s => s.RedactPii = ["SSN"]).TranscribeAsync(request, CancellationToken.None);

        var starts = server.Calls("StartTranscriptionJob");
        Assert.Equal(2, starts.Select(c => c.Json.GetProperty("TranscriptionJobName").GetString()).Distinct().Count());
        Assert.Equal([false, true], starts.Select(c => c.Json.TryGetProperty("ContentRedaction", out _)));
    }

    [Theory]
    [InlineData(null, "en-GB", "en-US and es-US only")]
    [InlineData("en-US,en-GB", null, "language identification")]
    [InlineData(null, "en-US", "NATIONAL_INSURANCE")]
    public void Settings_RedactPiiTranscribeCannotDo_RejectedWithTheReason(string? languageOptions, string? language, string expected)
    {
        var settings = new AmazonTranscribeSettings
        {
            Region = "eu-west-2", LanguageCode = language, LanguageOptions = languageOptions?.Split(',') ?? [],
            RedactPii = expected == "NATIONAL_INSURANCE" ? ["NATIONAL_INSURANCE"] : ["SSN"],
        };

        var e = Assert.Throws<ArgumentException>(settings.ValidateOrThrow);

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TranscribeAsync_MonoLocalFile_UploadsToS3AndAsksForSpeakerLabels()
    {
        var bucket = await _s3.CreateBucketAsync();
        var (server, _) = Start(new FakeTranscribe { Transcript = TranscribeFixtures.Mono });
        using var _server = server;
        var wav = Wav(1, 2.5, "mono.wav");

        var t = await Transcriber(server, s =>
        {
            s.Bucket = bucket;
            s.LanguageCode = null;
            s.LanguageOptions = ["en-US", "en-GB", "es-US"];
            s.MaxSpeakers = 4;
        }).TranscribeAsync(new TranscriptionRequest(wav, "c-0007", MaxSpeakers: 3), CancellationToken.None);

        var start = Assert.Single(server.Calls("StartTranscriptionJob")).Json;
        var name = start.GetProperty("TranscriptionJobName").GetString()!;
        var uri = start.GetProperty("Media").GetProperty("MediaFileUri").GetString()!;
        Assert.Equal($"s3://{bucket}/calls/{name}.wav", uri);
        Assert.Equal(await File.ReadAllBytesAsync(wav), await _s3.GetAsync(bucket, $"calls/{name}.wav"));
        Assert.True(start.GetProperty("IdentifyLanguage").GetBoolean());
        Assert.False(start.TryGetProperty("LanguageCode", out _));
        Assert.Equal(["en-US", "en-GB", "es-US"], start.GetProperty("LanguageOptions").EnumerateArray().Select(e => e.GetString()));
        Assert.True(start.GetProperty("Settings").GetProperty("ShowSpeakerLabels").GetBoolean());
        Assert.Equal(3, start.GetProperty("Settings").GetProperty("MaxSpeakerLabels").GetInt32());
        Assert.False(start.GetProperty("Settings").TryGetProperty("ChannelIdentification", out _));

        Assert.Equal(SpeakerSeparation.Diarization, t.Separation);
        Assert.Equal("en-GB", t.LanguageCode);
        Assert.Equal(2.5, t.DurationSeconds, 6);
        Assert.Equal(["Thanks", "for", "calling.", "I", "want", "to", "cancel."], t.Words.Select(w => w.Text));
    }

    [Fact]
    public async Task TranscribeAsync_LanguageOptionsConfiguredAndRequestNamesALanguage_IdentifiesLanguageAmongTheOptions()
    {
        var (server, _) = Start(new FakeTranscribe { Transcript = TranscribeFixtures.Mono });
        using var _server = server;

        // The transcript stage always passes Transcription:LanguageCode (en-US by default).
        var t = await Transcriber(server, s =>
        {
            s.LanguageCode = null;
            s.LanguageOptions = ["en-GB", "es-US"];
        }).TranscribeAsync(new TranscriptionRequest(Wav(1), "c15", S3Uri: "s3://b/c15.wav", LanguageCode: "en-US"), CancellationToken.None);

        var start = Assert.Single(server.Calls("StartTranscriptionJob")).Json;
        Assert.True(start.GetProperty("IdentifyLanguage").GetBoolean());
        Assert.False(start.TryGetProperty("LanguageCode", out _));
        Assert.Equal(["en-GB", "es-US"], start.GetProperty("LanguageOptions").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("en-GB", t.LanguageCode);
    }

    [Fact]
    public async Task TranscribeAsync_M4aRecording_SentAsM4aMediaFormat()
    {
        var (server, _) = Start();
        using var _server = server;

        await Transcriber(server).TranscribeAsync(new TranscriptionRequest(Wav(2), "c16", S3Uri: "s3://b/in/c16.m4a"), CancellationToken.None);

        Assert.Equal("m4a", Assert.Single(server.Calls("StartTranscriptionJob")).Json.GetProperty("MediaFormat").GetString());
    }

    [Theory]
    [InlineData("calls/2026 q1/")]
    [InlineData("calls/é/")]
    [InlineData("calls:x/")]
    public void Settings_PrefixOutsideTheOutputKeyPattern_RejectedWhenTranscriptsGoToAnOutputBucket(string prefix)
    {
        var settings = new AmazonTranscribeSettings { Region = "eu-west-2", OutputBucket = "transcripts", Prefix = prefix };

        var e = Assert.Throws<ArgumentException>(settings.ValidateOrThrow);

        Assert.Contains("AmazonTranscribe:Prefix", e.Message, StringComparison.Ordinal);
        // Without an output bucket the prefix only names uploads, where S3 takes any key.
        new AmazonTranscribeSettings { Region = "eu-west-2", Prefix = prefix }.ValidateOrThrow();
        new AmazonTranscribeSettings { Region = "eu-west-2", OutputBucket = "transcripts", Prefix = "calls/(2026)/q1!/" }.ValidateOrThrow();
    }

    [Theory]
    [InlineData("en-UK", "en-AB, en-AU, en-GB")]
    [InlineData("EN-US", "en-AB")]
    [InlineData("xx-YY", null)]
    public void Settings_LanguageCodeOutsideTheServicesEnum_RejectedWithTheNearestCodes(string code, string? hint)
    {
        var e = Assert.Throws<ArgumentException>(new AmazonTranscribeSettings { Region = "eu-west-2", LanguageCode = code }.ValidateOrThrow);

        Assert.Contains($"AmazonTranscribe:LanguageCode '{code}' is not one of Amazon Transcribe's language codes", e.Message, StringComparison.Ordinal);
        if (hint is not null) Assert.Contains(hint, e.Message, StringComparison.Ordinal);
        var options = Assert.Throws<ArgumentException>(new AmazonTranscribeSettings { Region = "eu-west-2", LanguageOptions = ["en-US", code] }.ValidateOrThrow);
        Assert.Contains($"AmazonTranscribe:LanguageOptions entry '{code}'", options.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ckb-IQ")] // three-letter language codes, which a two-letter pattern refused
    [InlineData("mhr-RU")]
    [InlineData("en-AB")]
    [InlineData("zh-TW")]
    public void Settings_LanguageCodeInTheServicesEnum_Accepted(string code) =>
        new AmazonTranscribeSettings { Region = "eu-west-2", LanguageCode = code }.ValidateOrThrow();

    [Fact]
    public void Languages_MatchTheServiceModelsEnum() =>
        Assert.Equal(103, TranscribeLanguages.All.Count);

    [Fact]
    public void Settings_FipsWithAServiceUrl_Rejected()
    {
        var e = Assert.Throws<ArgumentException>(new AmazonTranscribeSettings { Region = "us-east-1", UseFips = true, ServiceUrl = new Uri("https://vpce.example/") }.ValidateOrThrow);

        Assert.Contains("AmazonTranscribe:", e.Message, StringComparison.Ordinal);
        Assert.Contains("FIPS", e.Message, StringComparison.Ordinal);
        new AmazonTranscribeSettings { Region = "us-gov-west-1", UseFips = true }.ValidateOrThrow();
    }

    [Fact]
    public async Task TranscribeAsync_Fips_CallsTheFipsHost()
    {
        // No FIPS host is reachable here: the request must go to fips.transcribe.<region>, which fails to resolve.
        var settings = new AmazonTranscribeSettings { Region = "us-east-1", UseFips = true, MaxAttempts = 1 };
        using var handler = new RecordingHandler();
        var transcriber = new AmazonTranscriber(settings, new HttpClient(handler), new Amazon.S3.AmazonS3Client(new Amazon.Runtime.AnonymousAWSCredentials(), Amazon.RegionEndpoint.USEast1), TimeProvider.System, LocalAwsServer.Credentials);

        await Assert.ThrowsAnyAsync<Exception>(() => transcriber.TranscribeAsync(new TranscriptionRequest(Wav(2), "c17", S3Uri: "s3://b/in/c17.wav"), CancellationToken.None));

        Assert.Equal("fips.transcribe.us-east-1.amazonaws.com", Assert.Single(handler.Hosts));
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public ConcurrentQueue<string> Hosts { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Hosts.Enqueue(request.RequestUri!.Host);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.Forbidden)
            {
                Content = new StringContent("""{"__type":"AccessDeniedException","message":"recorded"}"""),
            });
        }
    }

    [Fact]
    public void Settings_LanguageCodeWithLanguageOptions_RejectedAsExclusive()
    {
        var settings = new AmazonTranscribeSettings { Region = "eu-west-2", LanguageCode = "en-GB", LanguageOptions = ["en-GB", "en-US"] };

        var e = Assert.Throws<ArgumentException>(settings.ValidateOrThrow);

        Assert.Contains("exclude each other", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TranscribeAsync_OutputBucket_ReadsTranscriptThroughS3()
    {
        var bucket = await _s3.CreateBucketAsync();
        var fake = new FakeTranscribe();
        fake.OnCompleted = async job =>
        {
            // Transcribe writes the output object itself; here the fake does, at the key the request asked for.
            await _s3.Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"calls/transcripts/{job.Name}.json", ContentBody = fake.Transcript, UseChunkEncoding = false });
        };
        var (server, _) = Start(fake);
        using var _server = server;

        var t = await Transcriber(server, s => s.OutputBucket = bucket)
            .TranscribeAsync(new TranscriptionRequest(Wav(2), "c1", S3Uri: $"s3://{bucket}/in/c1.wav"), CancellationToken.None);

        var start = Assert.Single(server.Calls("StartTranscriptionJob")).Json;
        Assert.Equal(bucket, start.GetProperty("OutputBucketName").GetString());
        Assert.Equal($"calls/transcripts/{start.GetProperty("TranscriptionJobName").GetString()}.json", start.GetProperty("OutputKey").GetString());
        Assert.DoesNotContain(server.Requests, r => r.Method == "GET");
        Assert.Equal(9, t.Words.Count);
    }

    [Fact]
    public async Task TranscribeAsync_JobFailed_ThrowsPermanentFailureWithReason()
    {
        var (server, _) = Start(new FakeTranscribe { FailureReason = "Unsupported audio format: the media file could not be decoded." });
        using var _server = server;

        var e = await Assert.ThrowsAsync<TranscriptionJobFailedException>(() =>
            Transcriber(server).TranscribeAsync(new TranscriptionRequest(Wav(2), "c9", S3Uri: "s3://b/c9.wav"), CancellationToken.None));

        Assert.Equal("Unsupported audio format: the media file could not be decoded.", e.FailureReason);
        Assert.Contains("c9-", e.JobName, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Requests, r => r.Method == "GET");
    }

    [Fact]
    public async Task TranscribeAsync_NameTakenBySameMedia_ReusesEarlierJob()
    {
        var (server, _) = Start();
        using var _server = server;
        var wav = Wav(2);
        var request = new TranscriptionRequest(wav, "c5", S3Uri: "s3://b/c5.wav");
        await Transcriber(server).TranscribeAsync(request, CancellationToken.None);

        // A retry of the same call (e.g. after a worker restart) finds the finished job instead of paying again.
        var t = await Transcriber(server).TranscribeAsync(request, CancellationToken.None);

        var starts = server.Calls("StartTranscriptionJob");
        Assert.Equal(2, starts.Count);
        Assert.Equal(starts[0].Json.GetProperty("TranscriptionJobName").GetString(), starts[1].Json.GetProperty("TranscriptionJobName").GetString());
        Assert.Equal(9, t.Words.Count);
        Assert.Equal(2, server.Requests.Count(r => r.Method == "GET"));
    }

    [Fact]
    public async Task TranscribeAsync_NameTakenByOtherMedia_StartsSuffixedJob()
    {
        var (server, _) = Start();
        using var _server = server;
        var wav = Wav(2);
        var request = new TranscriptionRequest(wav, "c6", S3Uri: "s3://b/c6.wav");
        await Transcriber(server).TranscribeAsync(request, CancellationToken.None);
        var first = server.Calls("StartTranscriptionJob")[0].Json.GetProperty("TranscriptionJobName").GetString()!;

        var t = await Transcriber(server).TranscribeAsync(request with { S3Uri = "s3://other/c6.wav" }, CancellationToken.None);

        var starts = server.Calls("StartTranscriptionJob").Select(s => s.Json.GetProperty("TranscriptionJobName").GetString()).ToList();
        Assert.Equal([first, first, first + "-2"], starts);
        Assert.Equal(9, t.Words.Count);
    }

    [Fact]
    public async Task TranscribeAsync_EarlierJobFailedUnderTheSameName_StartsSuffixedJobOnceTheCauseIsFixed()
    {
        var fake = new FakeTranscribe { FailureReason = "The media file could not be read: access denied to s3://b/c10.wav." };
        var (server, _) = Start(fake);
        using var _server = server;
        var request = new TranscriptionRequest(Wav(2), "c10", S3Uri: "s3://b/c10.wav");
        await Assert.ThrowsAsync<TranscriptionJobFailedException>(() => Transcriber(server).TranscribeAsync(request, CancellationToken.None));

        // The bucket policy is fixed; the same call with the same media is analysed again.
        fake.FailureReason = null;
        var t = await Transcriber(server).TranscribeAsync(request, CancellationToken.None);

        var starts = server.Calls("StartTranscriptionJob").Select(s => s.Json.GetProperty("TranscriptionJobName").GetString()!).ToList();
        Assert.Equal(3, starts.Count);
        Assert.Equal(starts[0], starts[1]);
        Assert.Equal(starts[0] + "-2", starts[2]);
        Assert.Equal(9, t.Words.Count);
    }

    [Fact]
    public async Task TranscribeAsync_PresignedTranscriptUrlExpired_FetchesAFreshUrlThroughGetTranscriptionJob()
    {
        var (server, _) = Start(new FakeTranscribe { ExpireNextUrls = 2 });
        using var _server = server;

        var t = await Transcriber(server).TranscribeAsync(new TranscriptionRequest(Wav(2), "c11", S3Uri: "s3://b/c11.wav"), CancellationToken.None);

        Assert.Equal(9, t.Words.Count);
        var gets = server.Requests.Where(r => r.Method == "GET").Select(r => r.Query).ToList();
        Assert.Equal(3, gets.Count);
        Assert.Equal(3, gets.Distinct().Count());
        // Two polls to completion, then one fresh description per expired URL.
        Assert.Equal(4, server.Calls("GetTranscriptionJob").Count);
    }

    [Fact]
    public async Task TranscribeAsync_PresignedUrlAlwaysExpired_GivesUpWithClearError()
    {
        var (server, _) = Start(new FakeTranscribe { ExpireNextUrls = 100 });
        using var _server = server;

        var e = await Assert.ThrowsAsync<HttpRequestException>(() =>
            Transcriber(server).TranscribeAsync(new TranscriptionRequest(Wav(2), "c12", S3Uri: "s3://b/c12.wav"), CancellationToken.None));

        Assert.Contains("403", e.Message, StringComparison.Ordinal);
        Assert.InRange(server.Requests.Count(r => r.Method == "GET"), 2, 5);
    }

    [Fact]
    public async Task TranscribeAsync_StartThrottled_RetriedThenCompletes()
    {
        var (server, _) = Start(new FakeTranscribe { ThrottleStarts = 2 });
        using var _server = server;

        var t = await Transcriber(server).TranscribeAsync(new TranscriptionRequest(Wav(2), "c7", S3Uri: "s3://b/c7.wav"), CancellationToken.None);

        Assert.Equal(3, server.Calls("StartTranscriptionJob").Count);
        Assert.Equal(SpeakerSeparation.Channels, t.Separation);
    }

    [Fact]
    public async Task TranscribeAsync_ConcurrentJobQuotaFull_WaitsQuotaBackoffBetweenRefusalsThenStarts()
    {
        var (server, _) = Start(new FakeTranscribe { ThrottleStarts = 4 });
        using var _server = server;
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var t = await Transcriber(server, s =>
        {
            s.MaxAttempts = 1;
            s.QuotaBackoff = TimeSpan.FromMilliseconds(40);
        }).TranscribeAsync(new TranscriptionRequest(Wav(2), "c13", S3Uri: "s3://b/c13.wav"), CancellationToken.None);

        Assert.Equal(5, server.Calls("StartTranscriptionJob").Count);
        Assert.Equal(9, t.Words.Count);
        // At least half of 40 + 80 + 160 + 320 ms (equal jitter never waits near zero).
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(300), $"waited only {watch.Elapsed}");
    }

    [Fact]
    public async Task TranscribeAsync_LimitExceededForFileTooLong_NotRetriedAndFailsForGood()
    {
        const string message = "Your input file is too long. Use a smaller file and try your request again.";
        var (server, _) = Start(new FakeTranscribe { TooLongMessage = message });
        using var _server = server;

        var e = await Assert.ThrowsAsync<TranscriptionJobFailedException>(() =>
            Transcriber(server, s => s.MaxAttempts = 3).TranscribeAsync(new TranscriptionRequest(Wav(2), "c14", S3Uri: "s3://b/c14.wav"), CancellationToken.None));

        Assert.Contains(message, e.FailureReason, StringComparison.Ordinal);
        Assert.Single(server.Calls("StartTranscriptionJob"));
    }

    [Fact]
    public void QuotaBackoff_DefaultSetting_WaitsMinutesJitteredAndCapped()
    {
        var first = new AmazonTranscribeSettings().QuotaBackoff;
        var waits = Enumerable.Range(0, 200).Select(_ => AmazonTranscriber.QuotaBackoff(first, 1)).ToList();

        Assert.All(waits, w => Assert.InRange(w, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)));
        Assert.True(waits.Distinct().Count() > 100);
        Assert.All(Enumerable.Range(0, 50), _ => Assert.InRange(AmazonTranscriber.QuotaBackoff(first, 9), TimeSpan.FromMinutes(7.5), TimeSpan.FromMinutes(15)));
    }

    [Fact]
    public async Task TranscribeAsync_NeverCompletes_TimesOut()
    {
        var (server, _) = Start();
        using var _server = server;
        // The fake completes after 2 polls; a 30 ms budget with 20 ms polls allows one.
        var transcriber = Transcriber(server, s =>
        {
            s.PollInitial = TimeSpan.FromMilliseconds(20);
            s.PollMax = TimeSpan.FromMilliseconds(20);
            s.Timeout = TimeSpan.FromMilliseconds(30);
        });

        var e = await Assert.ThrowsAsync<TimeoutException>(() =>
            transcriber.TranscribeAsync(new TranscriptionRequest(Wav(2), "c8", S3Uri: "s3://b/c8.wav"), CancellationToken.None));

        Assert.Contains("still", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.WAV", "wav")]
    [InlineData("a.m4a", "m4a")]
    [InlineData("a.mp4", "mp4")]
    [InlineData("x/y.flac", "flac")]
    [InlineData("b.ogg", "ogg")]
    [InlineData("c.amr", "amr")]
    public void MediaFormat_Extension_MapsToTranscribeFormat(string file, string expected) =>
        Assert.Equal(expected, AmazonTranscriber.MediaFormat(file));

    [Fact]
    public void MediaFormat_Unknown_ThrowsNamingTheFile()
    {
        var e = Assert.Throws<ArgumentException>(() => AmazonTranscriber.MediaFormat("call.aiff"));
        Assert.Contains("call.aiff", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JobName_LongOrOddCallId_SanitisedAndBounded()
    {
        var name = AmazonTranscriber.JobName(new string('x', 300) + "/ü", "0123456789ab");
        Assert.True(name.Length <= 200 - 3);
        Assert.Matches("^[0-9a-zA-Z._-]+$", name);
        Assert.EndsWith("-0123456789ab", name, StringComparison.Ordinal);
        Assert.Equal("call-0123456789ab", AmazonTranscriber.JobName("///", "0123456789ab"));
    }

    [Fact]
    public void Settings_Invalid_RejectedNamingEachSetting()
    {
        var settings = new AmazonTranscribeSettings { Region = "", Bucket = "Bad_Bucket", MaxSpeakers = 1, PollInitial = TimeSpan.Zero };
        var e = Assert.Throws<ArgumentException>(settings.ValidateOrThrow);
        foreach (var name in new[] { "AmazonTranscribe:Region", "AmazonTranscribe:Bucket", "AmazonTranscribe:MaxSpeakers", "AmazonTranscribe:PollInitial" })
            Assert.Contains(name, e.Message, StringComparison.Ordinal);
    }
}
