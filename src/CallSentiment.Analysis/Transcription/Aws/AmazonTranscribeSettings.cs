using System.ComponentModel.DataAnnotations;

namespace CallSentiment.Analysis.Transcription.Aws;

/// <summary>
/// Amazon Transcribe settings. Audio not yet in S3 is uploaded to <see cref="Bucket"/> under <see cref="Prefix"/>;
/// transcripts are fetched from Transcribe's own presigned URL, or from <see cref="OutputBucket"/> when set.
/// Credentials come from AWSSDK.Core's standard chain, never from settings.
/// </summary>
public sealed class AmazonTranscribeSettings : IValidatableObject
{
    [Required(ErrorMessage = "AmazonTranscribe:Region is required (e.g. eu-west-2)")]
    public string Region { get; set; } = "";

    /// <summary>An explicit Transcribe endpoint (VPC endpoint, tests); null for the region's public endpoint.</summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>
    /// Call the region's FIPS 140 endpoint (fips.transcribe.&lt;region&gt;.amazonaws.com in the commercial and GovCloud
    /// partitions, transcribe-fips.&lt;region&gt;.&lt;suffix&gt; elsewhere); the uploads to S3 use S3's FIPS endpoint too.
    /// </summary>
    public bool UseFips { get; set; }

    /// <summary>Bucket for uploads of recordings that are not in S3 already.</summary>
    public string? Bucket { get; set; }

    public string Prefix { get; set; } = "callsentiment/transcribe/";

    /// <summary>Keep transcripts in this bucket (under Prefix + "transcripts/") instead of Transcribe's service bucket.</summary>
    public string? OutputBucket { get; set; }

    /// <summary>The language of the calls, e.g. en-US; null lets Transcribe identify it among <see cref="LanguageOptions"/>.</summary>
    public string? LanguageCode { get; set; }

    /// <summary>
    /// Candidate languages: when set, Transcribe identifies each call's language among them (IdentifyLanguage) and
    /// <see cref="LanguageCode"/> and the app's Transcription:LanguageCode are not sent.
    /// </summary>
    public IList<string> LanguageOptions { get; set; } = [];

    /// <summary>Language identification is switched on (<see cref="LanguageOptions"/> names candidates).</summary>
    public bool IdentifiesLanguage => LanguageOptions.Count > 0;

    /// <summary>Upper bound on speakers for diarization of mono recordings (Transcribe allows 2..30).</summary>
    [Range(2, 30, ErrorMessage = "AmazonTranscribe:MaxSpeakers must be 2..30")]
    public int MaxSpeakers { get; set; } = 2;

    public TimeSpan PollInitial { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan PollMax { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one job may take, from start to transcript.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromHours(2);

    [Range(1, 10, ErrorMessage = "AmazonTranscribe:MaxAttempts must be 1..10")]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// The first wait when Transcribe refuses a job for the account's concurrent-job quota (LimitExceededException),
    /// doubled per refusal up to 15 minutes, jittered; jobs in flight take minutes to finish, so seconds would not do.
    /// </summary>
    public TimeSpan QuotaBackoff { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Transcribe's own PII redaction (ContentRedaction, redacted transcript only) for these PiiEntityType values; empty:
    /// off. The web app sets it from the Redaction section. Transcribe redacts only en-US and es-US, and never
    /// together with language identification.
    /// </summary>
    public IList<string> RedactPii { get; set; } = [];

    /// <summary>The PiiEntityType values Transcribe accepts (botocore's transcribe service model).</summary>
    public static IReadOnlySet<string> PiiEntityTypes { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "BANK_ACCOUNT_NUMBER", "BANK_ROUTING", "CREDIT_DEBIT_NUMBER", "CREDIT_DEBIT_CVV", "CREDIT_DEBIT_EXPIRY", "PIN", "EMAIL", "ADDRESS",
        "NAME", "PHONE", "SSN", "ALL",
    };

    /// <summary>The languages Transcribe redacts PII in (batch jobs).</summary>
    public static IReadOnlySet<string> RedactionLanguages { get; } = new HashSet<string>(StringComparer.Ordinal) { "en-US", "es-US" };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PollInitial <= TimeSpan.Zero)
            yield return new ValidationResult("AmazonTranscribe:PollInitial must be positive", [nameof(PollInitial)]);
        if (PollMax < PollInitial)
            yield return new ValidationResult("AmazonTranscribe:PollMax must be at least PollInitial", [nameof(PollMax)]);
        if (Timeout <= PollInitial)
            yield return new ValidationResult("AmazonTranscribe:Timeout must be longer than PollInitial", [nameof(Timeout)]);
        if (QuotaBackoff <= TimeSpan.Zero)
            yield return new ValidationResult("AmazonTranscribe:QuotaBackoff must be positive", [nameof(QuotaBackoff)]);
        if (Bucket is { } b && !IsBucketName(b))
            yield return new ValidationResult($"AmazonTranscribe:Bucket '{b}' is not a valid S3 bucket name", [nameof(Bucket)]);
        if (OutputBucket is { } o && !IsBucketName(o))
            yield return new ValidationResult($"AmazonTranscribe:OutputBucket '{o}' is not a valid S3 bucket name", [nameof(OutputBucket)]);
        // With an output bucket, Prefix starts the OutputKey, whose pattern in Transcribe's model is
        // [a-zA-Z0-9-_.!*'()/]{1,1024}; the rest of the key ("transcripts/", a job name, ".json") stays inside it.
        if (OutputBucket is not null && (Prefix.Any(c => !char.IsAsciiLetterOrDigit(c) && !"-_.!*'()/".Contains(c, StringComparison.Ordinal)) || Prefix.Length > MaxPrefixLength))
            yield return new ValidationResult($"AmazonTranscribe:Prefix '{Prefix}' cannot start a Transcribe OutputKey: letters, digits and - _ . ! * ' ( ) / only, at most {MaxPrefixLength} characters", [nameof(Prefix)]);
        if (Prefix.StartsWith('/'))
            yield return new ValidationResult("AmazonTranscribe:Prefix must not start with '/'", [nameof(Prefix)]);
        if (LanguageOptions.Count == 1)
            yield return new ValidationResult("AmazonTranscribe:LanguageOptions needs at least two languages (or set LanguageCode)", [nameof(LanguageOptions)]);
        if (LanguageCode is not null && LanguageOptions.Count > 0)
            yield return new ValidationResult("AmazonTranscribe:LanguageCode and AmazonTranscribe:LanguageOptions exclude each other: set LanguageOptions to identify the language, LanguageCode to fix it", [nameof(LanguageOptions)]);
        if (LanguageCode is { } code && !TranscribeLanguages.IsValid(code))
            yield return new ValidationResult(TranscribeLanguages.Problem("AmazonTranscribe:LanguageCode", code), [nameof(LanguageCode)]);
        foreach (var option in LanguageOptions.Where(o => !TranscribeLanguages.IsValid(o)))
            yield return new ValidationResult(TranscribeLanguages.Problem("AmazonTranscribe:LanguageOptions entry", option), [nameof(LanguageOptions)]);
        if (EndpointProblem() is { } endpoint)
            yield return new ValidationResult(endpoint, [nameof(UseFips)]);
        if (LanguageOptions.Distinct(StringComparer.Ordinal).Count() != LanguageOptions.Count)
            yield return new ValidationResult("AmazonTranscribe:LanguageOptions names a language twice", [nameof(LanguageOptions)]);
        foreach (var type in RedactPii.Where(t => !PiiEntityTypes.Contains(t)))
            yield return new ValidationResult($"AmazonTranscribe:RedactPii entry '{type}' is not one of Transcribe's PiiEntityType values ({string.Join(", ", PiiEntityTypes)})", [nameof(RedactPii)]);
        if (RedactPii.Count > 11)
            yield return new ValidationResult("AmazonTranscribe:RedactPii names more than the 11 types Transcribe takes", [nameof(RedactPii)]);
        if (RedactPii.Count > 0 && IdentifiesLanguage)
            yield return new ValidationResult("Amazon Transcribe's PII redaction does not work with language identification (AmazonTranscribe:LanguageOptions): " +
                "fix the language, or set Redaction:AmazonTranscribe=false to leave redaction to the app", [nameof(RedactPii)]);
        if (RedactPii.Count > 0 && LanguageCode is { } redactedLanguage && !RedactionLanguages.Contains(redactedLanguage))
            yield return new ValidationResult($"Amazon Transcribe redacts PII in en-US and es-US only, not {redactedLanguage}: " +
                "set Redaction:AmazonTranscribe=false to leave redaction to the app", [nameof(RedactPii)]);
    }

    private string? EndpointProblem()
    {
        if (string.IsNullOrWhiteSpace(Region)) return null; // [Required] says so
        try
        {
            _ = new CallSentiment.Analysis.Aws.AwsServiceEndpoint(TranscribeClient.SigningName, TranscribeClient.TargetPrefix, Region, ServiceUrl, UseFips).Url;
            return null;
        }
        catch (ArgumentException e)
        {
            return $"AmazonTranscribe: {e.Message}";
        }
    }

    /// <summary>Throws with every problem, each naming its setting.</summary>
    public void ValidateOrThrow()
    {
        var errors = new List<ValidationResult>();
        var context = new ValidationContext(this);
        // The validator skips Validate() once a property fails; run it anyway so every problem is named at once.
        if (!Validator.TryValidateObject(this, context, errors, validateAllProperties: true) && errors.Count > 0)
            errors.AddRange(Validate(context).Where(v => errors.All(e => e.ErrorMessage != v.ErrorMessage)));
        if (errors.Count > 0)
            throw new ArgumentException(string.Join("; ", errors.Select(e => e.ErrorMessage)));
    }

    // 1024 for the key, less "transcripts/", a 200-character job name and ".json".
    private const int MaxPrefixLength = 1024 - 12 - 200 - 5;

    private static bool IsBucketName(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.')
        && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]);
}
