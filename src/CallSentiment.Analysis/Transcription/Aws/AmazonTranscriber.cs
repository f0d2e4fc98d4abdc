using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Aws;

namespace CallSentiment.Analysis.Transcription.Aws;

/// <summary>
/// Transcribe refused the job for good (unsupported or corrupt media, audio too long, ...): trying again will not
/// help, so the recording should be marked failed with <see cref="FailureReason"/>.
/// </summary>
public sealed class TranscriptionJobFailedException : Exception
{
    public TranscriptionJobFailedException(string jobName, string failureReason)
        : base($"Amazon Transcribe job {jobName} failed: {failureReason}")
    {
        JobName = jobName;
        FailureReason = failureReason;
    }

    public TranscriptionJobFailedException()
        : this("(unknown)", "(no reason)")
    {
    }

    public TranscriptionJobFailedException(string message)
        : this("(unknown)", message)
    {
    }

    public TranscriptionJobFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        JobName = "(unknown)";
        FailureReason = message;
    }

    public string JobName { get; }

    public string FailureReason { get; }
}

/// <summary>
/// Transcripts by Amazon Transcribe batch jobs: uploads the recording to S3 when it is not there yet, starts a job
/// named after the call and the content (so a retry finds its earlier job instead of paying twice), polls it, and
/// reads the transcript JSON into the shared model. Stereo recordings use channel identification, mono ones
/// speaker diarization.
/// </summary>
public sealed partial class AmazonTranscriber : ITranscriber
{
    private const int MaxJobNameLength = 200;

    private readonly AmazonTranscribeSettings _settings;
    private readonly TranscribeClient _client;
    private readonly IAmazonS3 _s3;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly AwsRetrier _retry;

    public AmazonTranscriber(AmazonTranscribeSettings settings, TranscribeClient client, IAmazonS3 s3, HttpClient http, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(time);
        settings.ValidateOrThrow();
        _settings = settings;
        _client = client;
        _s3 = s3;
        _http = http;
        _time = time;
        _retry = new AwsRetrier(AwsRetryOptions.Default with { MaxAttempts = settings.MaxAttempts }, time);
    }

    /// <summary>The usual wiring: <paramref name="credentials"/> null means AWSSDK.Core's standard chain.</summary>
    public AmazonTranscriber(AmazonTranscribeSettings settings, HttpClient http, IAmazonS3 s3, TimeProvider time, AWSCredentials? credentials = null)
        : this(settings, CreateClient(settings, http, credentials, time), s3, http, time)
    {
    }

    public string Name => AmazonTranscriptParser.EngineName;

    private static TranscribeClient CreateClient(AmazonTranscribeSettings settings, HttpClient http, AWSCredentials? credentials, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.ValidateOrThrow();
        return new TranscribeClient(http, settings.Region, settings.ServiceUrl, credentials, time, settings.UseFips,
            AwsRetryOptions.Default with { MaxAttempts = settings.MaxAttempts });
    }

    public async Task<Transcript> TranscribeAsync(TranscriptionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.CallId, nameof(request));
        if (request.S3Uri is not null && !request.S3Uri.StartsWith("s3://", StringComparison.Ordinal) && !request.S3Uri.StartsWith("https://", StringComparison.Ordinal))
            throw new ArgumentException($"S3Uri '{request.S3Uri}' is neither s3://bucket/key nor an https S3 URL", nameof(request));
        var (channels, duration) = ReadAudioInfo(request.AudioPath);
        var stereo = channels == 2;
        // Language identification, when configured (AmazonTranscribe:LanguageOptions), wins over the request's language:
        // the pipeline always passes Transcription:LanguageCode, which would otherwise switch identification off.
        var language = _settings.IdentifiesLanguage ? null : request.LanguageCode ?? _settings.LanguageCode;
        var maxSpeakers = Math.Clamp(request.MaxSpeakers, 2, _settings.MaxSpeakers);

        var mediaName = request.S3Uri is { } given ? new Uri(given).AbsolutePath : request.AudioPath;
        var format = MediaFormat(mediaName);
        // Redaction is part of the job's identity: a job from before it was switched on holds the unredacted words.
        var redaction = _settings.RedactPii.Count == 0 ? "" : $"|redact:{string.Join(',', _settings.RedactPii)}";
        var hash = await ContentHashAsync(request.AudioPath, $"{(stereo ? "channels" : $"speakers{maxSpeakers}")}|{language}|{string.Join(',', _settings.LanguageOptions)}{redaction}", cancellationToken).ConfigureAwait(false);
        var baseName = JobName(request.CallId, hash);
        var mediaUri = request.S3Uri ?? await UploadAsync(request.AudioPath, baseName, cancellationToken).ConfigureAwait(false);

        var job = await StartOrReuseAsync(baseName, mediaUri, format, language, stereo, maxSpeakers, cancellationToken).ConfigureAwait(false);
        job = await WaitAsync(job, cancellationToken).ConfigureAwait(false);
        var json = await FetchTranscriptAsync(job, cancellationToken).ConfigureAwait(false);
        return AmazonTranscriptParser.Parse(json, duration, job.LanguageCode ?? language);
    }

    /// <summary>Call id cut to Transcribe's alphabet ([0-9a-zA-Z._-]) and length, plus the content hash.</summary>
    public static string JobName(string callId, string hash)
    {
        var safe = UnsafeJobChars().Replace(callId, "-").Trim('-');
        if (safe.Length == 0) safe = "call";
        var room = MaxJobNameLength - hash.Length - 1 - 3; // -3 leaves room for a "-NN" suffix after a name conflict
        if (safe.Length > room) safe = safe[..room];
        return $"{safe}-{hash}";
    }

    public static string MediaFormat(string fileName)
    {
        var ext = Path.GetExtension(fileName).TrimStart('.').ToLowerInvariant();
        return ext switch
        {
            // Transcribe's MediaFormat enum has m4a of its own.
            "wav" or "mp3" or "mp4" or "m4a" or "flac" or "ogg" or "webm" or "amr" => ext,
            "opus" or "oga" => "ogg",
            _ => throw new ArgumentException($"'{Path.GetFileName(fileName)}': Transcribe takes wav, mp3, mp4, m4a, flac, ogg, webm or amr, not '{ext}'", nameof(fileName)),
        };
    }

    private static (int Channels, double Duration) ReadAudioInfo(string path)
    {
        using var reader = AudioReader.Open(path);
        var info = reader.Info;
        if (info.Duration is { } d) return (info.Channels, d.TotalSeconds);
        // Compressed formats decoded by ffmpeg do not declare their length: count the frames.
        var buffer = new float[4096 * info.Channels];
        long frames = 0;
        int n;
        while ((n = reader.Read(buffer)) > 0) frames += n;
        return (info.Channels, (double)frames / info.SampleRate);
    }

    private static async Task<string> ContentHashAsync(string path, string options, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
        {
            var buffer = new byte[1 << 16];
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0) sha.AppendData(buffer, 0, n);
        }
        sha.AppendData(Encoding.UTF8.GetBytes(options));
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..12];
    }

    private async Task<string> UploadAsync(string path, string jobName, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(_settings.Bucket))
            throw new InvalidOperationException("AmazonTranscribe:Bucket is not set, and the recording is not in S3 already: nowhere to upload it for Transcribe");
        var key = _settings.Prefix + jobName + Path.GetExtension(path).ToLowerInvariant();
        await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _settings.Bucket,
            Key = key,
            FilePath = path,
            // A whole signed body works with S3 and with S3-compatible servers alike (aws-chunked does not everywhere).
            UseChunkEncoding = false,
        }, cancellationToken).ConfigureAwait(false);
        return $"s3://{_settings.Bucket}/{key}";
    }

    private async Task<TranscriptionJob> StartOrReuseAsync(string baseName, string mediaUri, string format, string? language, bool stereo, int maxSpeakers, CancellationToken cancellationToken)
    {
        for (var suffix = 1; suffix <= 20; suffix++)
        {
            var name = suffix == 1 ? baseName : $"{baseName}-{suffix}";
            var start = new StartTranscriptionJobRequest
            {
                TranscriptionJobName = name,
                Media = new TranscribeMedia(mediaUri),
                MediaFormat = format,
                LanguageCode = language,
                IdentifyLanguage = language is null ? true : null,
                LanguageOptions = language is null && _settings.LanguageOptions.Count > 0 ? [.. _settings.LanguageOptions] : null,
                OutputBucketName = _settings.OutputBucket,
                OutputKey = _settings.OutputBucket is null ? null : OutputKey(name),
                Settings = stereo
                    ? new TranscriptionJobSettings { ChannelIdentification = true }
                    : new TranscriptionJobSettings { ShowSpeakerLabels = true, MaxSpeakerLabels = maxSpeakers },
                // Only the redacted transcript is written: no copy of the personal data is left in S3.
                ContentRedaction = _settings.RedactPii.Count == 0 ? null
                    : new ContentRedaction { RedactionOutput = "redacted", PiiEntityTypes = [.. _settings.RedactPii] },
            };
            try
            {
                return await StartWithinQuotaAsync(start, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException e) when (e.ErrorCode == "ConflictException")
            {
                // The name is taken: ours from an earlier attempt (same media) is reused, unless it ended FAILED: the
                // cause (a bucket policy, a re-uploaded file) may have been fixed since, and a failed job stays failed
                // under its name, so the next suffix starts afresh. Anyone else's job is left alone.
                var existing = await _client.GetTranscriptionJobAsync(name, cancellationToken).ConfigureAwait(false);
                if (existing.Media?.MediaFileUri == mediaUri && existing.TranscriptionJobStatus != "FAILED") return existing;
            }
        }
        throw new InvalidOperationException($"Transcribe job names {baseName} to {baseName}-20 are all taken by jobs on other media");
    }

    /// <summary>
    /// Starts a job, waiting minutes (jittered, doubling) while the account's concurrent-job quota is full, within
    /// <see cref="AmazonTranscribeSettings.Timeout"/>; a file refused as too long fails for good at once.
    /// </summary>
    private async Task<TranscriptionJob> StartWithinQuotaAsync(StartTranscriptionJobRequest start, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _settings.Timeout;
        for (var refusal = 1; ; refusal++)
        {
            try
            {
                return await _client.StartTranscriptionJobAsync(start, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException e) when (e.IsInputTooLong)
            {
                throw new TranscriptionJobFailedException(start.TranscriptionJobName, $"{e.ErrorCode}: {e.ServiceMessage}");
            }
            catch (AwsServiceException e) when (e.ErrorCode == "LimitExceededException")
            {
                var wait = QuotaBackoff(_settings.QuotaBackoff, refusal);
                if (_time.GetUtcNow() + wait > deadline) throw;
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The wait after the n-th quota refusal: half to all of first·2^(n−1), capped at 15 minutes. Equal rather than
    /// full jitter: a near-zero wait would only meet the same full quota again.
    /// </summary>
    public static TimeSpan QuotaBackoff(TimeSpan first, int refusal)
    {
        var ceiling = Math.Min(TimeSpan.FromMinutes(15).TotalMilliseconds, first.TotalMilliseconds * Math.Pow(2, Math.Min(refusal, 30) - 1));
#pragma warning disable CA5394 // jitter only spreads workers apart; it guards nothing
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() * 0.5)));
#pragma warning restore CA5394
    }

    private string OutputKey(string jobName) => $"{_settings.Prefix}transcripts/{jobName}.json";

    /// <summary>Where Transcribe writes the redacted transcript in the output bucket: "redacted-" before the file name.</summary>
    private string RedactedOutputKey(string jobName) => $"{_settings.Prefix}transcripts/redacted-{jobName}.json";

    private bool Redacts => _settings.RedactPii.Count > 0;

    private async Task<TranscriptionJob> WaitAsync(TranscriptionJob job, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _settings.Timeout;
        var delay = _settings.PollInitial;
        while (true)
        {
            switch (job.TranscriptionJobStatus)
            {
                case "COMPLETED":
                    return job;
                case "FAILED":
                    throw new TranscriptionJobFailedException(job.TranscriptionJobName, job.FailureReason ?? "(Transcribe gave no reason)");
                case "QUEUED" or "IN_PROGRESS":
                    break;
                default:
                    throw new InvalidDataException($"Transcribe job {job.TranscriptionJobName} has the unknown status '{job.TranscriptionJobStatus}'");
            }
            if (_time.GetUtcNow() + delay > deadline)
                throw new TimeoutException($"Transcribe job {job.TranscriptionJobName} is still {job.TranscriptionJobStatus} after {_settings.Timeout}");
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(_settings.PollMax.Ticks, (long)(delay.Ticks * 1.5)));
            job = await _client.GetTranscriptionJobAsync(job.TranscriptionJobName, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<byte[]> FetchTranscriptAsync(TranscriptionJob job, CancellationToken cancellationToken)
    {
        if (_settings.OutputBucket is { } bucket)
        {
            using var response = await _s3.GetObjectAsync(bucket, Redacts ? RedactedOutputKey(job.TranscriptionJobName) : OutputKey(job.TranscriptionJobName),
                cancellationToken).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
        // A presigned URL, valid for 15 minutes: a plain GET, no signature of ours. A 403 means it expired (a slow
        // queue, a worker paused between polling and reading): GetTranscriptionJob presigns a fresh one.
        for (var refresh = 0; ; refresh++)
        {
            var uri = (Redacts ? job.Transcript?.RedactedTranscriptFileUri : job.Transcript?.TranscriptFileUri)
                ?? throw new InvalidDataException($"Transcribe job {job.TranscriptionJobName} is COMPLETED but names no {(Redacts ? "RedactedTranscriptFileUri" : "TranscriptFileUri")}");
            try
            {
                return await _retry.RunAsync($"transcript of {job.TranscriptionJobName}", async ct =>
                {
                    using var response = await _http.GetAsync(new Uri(uri), ct).ConfigureAwait(false);
                    response.EnsureSuccessStatusCode();
                    return await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.Forbidden && refresh < MaxTranscriptUrlRefreshes)
            {
                job = await _client.GetTranscriptionJobAsync(job.TranscriptionJobName, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private const int MaxTranscriptUrlRefreshes = 2;

    [GeneratedRegex("[^0-9a-zA-Z._-]+")]
    private static partial Regex UnsafeJobChars();
}
