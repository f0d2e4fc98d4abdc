using Amazon.Runtime;
using CallSentiment.Analysis.Aws;

namespace CallSentiment.Analysis.Transcription.Aws;

public sealed record TranscribeMedia(string MediaFileUri);

public sealed record TranscriptionJobSettings
{
    public bool? ShowSpeakerLabels { get; init; }

    public int? MaxSpeakerLabels { get; init; }

    public bool? ChannelIdentification { get; init; }
}

/// <summary>Transcribe's own PII redaction: RedactionType PII, RedactionOutput redacted | redacted_and_unredacted, which PiiEntityTypes.</summary>
public sealed record ContentRedaction
{
    public string RedactionType { get; init; } = "PII";

    public required string RedactionOutput { get; init; }

    public IReadOnlyList<string>? PiiEntityTypes { get; init; }
}

public sealed record StartTranscriptionJobRequest
{
    public required string TranscriptionJobName { get; init; }

    public required TranscribeMedia Media { get; init; }

    public string? MediaFormat { get; init; }

    public string? LanguageCode { get; init; }

    public bool? IdentifyLanguage { get; init; }

    public IReadOnlyList<string>? LanguageOptions { get; init; }

    public string? OutputBucketName { get; init; }

    public string? OutputKey { get; init; }

    public TranscriptionJobSettings? Settings { get; init; }

    public ContentRedaction? ContentRedaction { get; init; }
}

/// <summary>Where the transcript is; with content redaction, the redacted one is at <paramref name="RedactedTranscriptFileUri"/>.</summary>
public sealed record TranscribeTranscript(string? TranscriptFileUri, string? RedactedTranscriptFileUri = null);

/// <summary>The parts of Transcribe's TranscriptionJob this project reads.</summary>
public sealed record TranscriptionJob
{
    public string TranscriptionJobName { get; init; } = "";

    /// <summary>QUEUED, IN_PROGRESS, FAILED or COMPLETED.</summary>
    public string TranscriptionJobStatus { get; init; } = "";

    public string? LanguageCode { get; init; }

    public string? MediaFormat { get; init; }

    public TranscribeMedia? Media { get; init; }

    public TranscribeTranscript? Transcript { get; init; }

    public string? FailureReason { get; init; }

    public ContentRedaction? ContentRedaction { get; init; }
}

public sealed record TranscriptionJobResponse(TranscriptionJob? TranscriptionJob);

/// <summary>Amazon Transcribe's batch job operations over AWS JSON 1.1 (target prefix <c>Transcribe</c>).</summary>
public sealed class TranscribeClient
{
    public const string TargetPrefix = "Transcribe";
    public const string SigningName = "transcribe";

    private readonly AwsJsonClient _json;

    public TranscribeClient(AwsJsonClient json)
    {
        ArgumentNullException.ThrowIfNull(json);
        _json = json;
    }

    public TranscribeClient(HttpClient http, string region, Uri? serviceUrl = null, AWSCredentials? credentials = null, TimeProvider? time = null, bool useFips = false, AwsRetryOptions? retry = null)
        : this(new AwsJsonClient(http, new AwsServiceEndpoint(SigningName, TargetPrefix, region, serviceUrl, useFips), credentials, time, retry))
    {
    }

    public async Task<TranscriptionJob> StartTranscriptionJobAsync(StartTranscriptionJobRequest request, CancellationToken cancellationToken)
    {
        var response = await _json.SendAsync<StartTranscriptionJobRequest, TranscriptionJobResponse>("StartTranscriptionJob", request, cancellationToken).ConfigureAwait(false);
        return response.TranscriptionJob ?? throw new InvalidDataException("StartTranscriptionJob answered without a TranscriptionJob");
    }

    public async Task<TranscriptionJob> GetTranscriptionJobAsync(string jobName, CancellationToken cancellationToken)
    {
        var response = await _json.SendAsync<object, TranscriptionJobResponse>("GetTranscriptionJob", new { TranscriptionJobName = jobName }, cancellationToken).ConfigureAwait(false);
        return response.TranscriptionJob ?? throw new InvalidDataException("GetTranscriptionJob answered without a TranscriptionJob");
    }
}
