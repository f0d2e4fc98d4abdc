using System.ComponentModel.DataAnnotations;
using System.Text;
using Amazon.Runtime;
using CallSentiment.Analysis.Aws;

namespace CallSentiment.Analysis.TextSentiment.Comprehend;

/// <summary>Where Comprehend is reached. Credentials come from AWSSDK.Core's standard chain, never from settings.</summary>
public sealed class ComprehendSettings : IValidatableObject
{
    /// <summary>
    /// The partitions Comprehend is offered in (its endpoints list commercial regions and us-gov-west-1 only); in the
    /// others (China, the isolated and sovereign partitions) there is no Comprehend to call.
    /// </summary>
    public static IReadOnlySet<string> Partitions { get; } = new HashSet<string>(StringComparer.Ordinal) { "aws", "aws-us-gov" };

    [Required(ErrorMessage = "Comprehend:Region is required (e.g. eu-west-2)")]
    public string Region { get; set; } = "";

    /// <summary>An explicit endpoint (VPC endpoint, tests); null for the region's public endpoint.</summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>Call the region's FIPS 140 endpoint (comprehend-fips.&lt;region&gt;.amazonaws.com).</summary>
    public bool UseFips { get; set; }

    [Range(1, 10, ErrorMessage = "Comprehend:MaxAttempts must be 1..10")]
    public int MaxAttempts { get; set; } = 3;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Region)) yield break; // [Required] says so
        string? problem = null;
        try
        {
            var partition = AwsServiceEndpoint.PartitionOf(Region);
            if (ServiceUrl is null && !Partitions.Contains(partition))
                problem = $"Comprehend:Region {Region}: Amazon Comprehend is not offered in the {partition} partition (only in commercial regions and AWS GovCloud); set Comprehend:ServiceUrl to an endpoint you can reach, or use Transcription:TextEngine=Offline";
            else
                _ = new AwsServiceEndpoint(ComprehendClient.SigningName, ComprehendClient.TargetPrefix, Region, ServiceUrl, UseFips).Url;
        }
        catch (ArgumentException e)
        {
            problem = $"Comprehend: {e.Message}";
        }
        if (problem is not null) yield return new ValidationResult(problem, [nameof(Region)]);
    }

    /// <summary>Throws with every problem, each naming its setting.</summary>
    public void Validate()
    {
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), errors, validateAllProperties: true))
            throw new ArgumentException(string.Join("; ", errors.Select(e => e.ErrorMessage)));
    }
}

/// <summary>
/// Text sentiment by Amazon Comprehend: batches of 25, per-item errors mapped back by index (throttled or
/// internally failed items are tried once more in a later batch), scores renormalised to sum to 1.
/// </summary>
public sealed class ComprehendSentimentScorer : ITextSentimentScorer
{
    private static readonly HashSet<string> Supported = new(StringComparer.Ordinal)
    {
        "en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW",
    };

    private readonly ComprehendClient _client;

    public ComprehendSentimentScorer(ComprehendClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
    }

    public ComprehendSentimentScorer(ComprehendSettings settings, HttpClient http, AWSCredentials? credentials = null, TimeProvider? time = null)
        : this(Create(settings, http, credentials, time))
    {
    }

    public string Name => "amazon-comprehend";

    private static ComprehendClient Create(ComprehendSettings settings, HttpClient http, AWSCredentials? credentials, TimeProvider? time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        return new ComprehendClient(http, settings.Region, settings.ServiceUrl, credentials, time, settings.UseFips,
            AwsRetryOptions.Default with { MaxAttempts = settings.MaxAttempts });
    }

    /// <summary>Maps a BCP-47 tag to Comprehend's code ("en-US" → "en", "zh-TW" stays); throws for other languages.</summary>
    public static string ToComprehendLanguage(string languageCode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(languageCode);
        return TryComprehendLanguage(languageCode)
            ?? throw new ArgumentException($"language '{languageCode}' is not one Comprehend scores for sentiment ({string.Join(", ", Supported)})", nameof(languageCode));
    }

    /// <summary>Comprehend's code for a BCP-47 tag, or null when Comprehend does not score sentiment in that language.</summary>
    private static string? TryComprehendLanguage(string languageCode)
    {
        var tag = languageCode.Trim().Replace('_', '-');
        if (tag.Equals("zh-TW", StringComparison.OrdinalIgnoreCase) || tag.Equals("zh-Hant", StringComparison.OrdinalIgnoreCase))
            return "zh-TW";
        var primary = tag.Split('-')[0].ToLowerInvariant();
        return Supported.Contains(primary) ? primary : null;
    }

    public bool Reads(string languageCode) => !string.IsNullOrWhiteSpace(languageCode) && TryComprehendLanguage(languageCode) is not null;

    /// <summary>Comprehend has no notion of who speaks: every speaker's words are read alike.</summary>
    public async Task<IReadOnlyList<TextSentimentResult>> ScoreAsync(IReadOnlyList<string> texts, string languageCode, TextSpeaker speaker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var language = ToComprehendLanguage(languageCode);
        var results = new TextSentimentResult?[texts.Count];
        var pending = new List<int>();
        for (var i = 0; i < texts.Count; i++)
        {
            var text = texts[i] ?? throw new ArgumentException($"text {i} is null", nameof(texts));
            var bytes = Encoding.UTF8.GetByteCount(text);
            if (bytes > ComprehendClient.MaxTextBytes)
                throw new ArgumentException($"text {i} is {bytes} UTF-8 bytes; Comprehend takes at most {ComprehendClient.MaxTextBytes} (split it first)", nameof(texts));
            if (string.IsNullOrWhiteSpace(text)) results[i] = TextSentimentResult.Failed("empty text");
            else pending.Add(i);
        }

        // Items that failed for a passing reason get one more try, in a batch of their own after the first round.
        for (var round = 0; round < 2 && pending.Count > 0; round++)
        {
            var again = new List<int>();
            foreach (var batch in pending.Chunk(ComprehendClient.MaxBatchSize))
            {
                var response = await _client.BatchDetectSentimentAsync(batch.Select(i => texts[i]).ToArray(), language, cancellationToken).ConfigureAwait(false);
                var answered = new bool[batch.Length];
                foreach (var r in response.ResultList ?? [])
                {
                    var original = BatchIndex(batch, r.Index, "ResultList");
                    answered[r.Index] = true;
                    results[original] = ToResult(r.Sentiment, r.SentimentScore);
                }
                foreach (var e in response.ErrorList ?? [])
                {
                    var original = BatchIndex(batch, e.Index, "ErrorList");
                    answered[e.Index] = true;
                    if (round == 0 && IsPassingItemError(e.ErrorCode)) again.Add(original);
                    else results[original] = TextSentimentResult.Failed($"{e.ErrorCode}: {e.ErrorMessage}");
                }
                for (var k = 0; k < batch.Length; k++)
                    if (!answered[k]) results[batch[k]] = TextSentimentResult.Failed("Comprehend returned neither a result nor an error for this text");
            }
            pending = again;
        }
        return results.Select(r => r!).ToArray();
    }

    /// <summary>Scores one text with DetectSentiment (no batching).</summary>
    public async Task<TextSentimentResult> ScoreOneAsync(string text, string languageCode, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > ComprehendClient.MaxTextBytes)
            throw new ArgumentException($"the text is {bytes} UTF-8 bytes; Comprehend takes at most {ComprehendClient.MaxTextBytes}", nameof(text));
        var response = await _client.DetectSentimentAsync(text, ToComprehendLanguage(languageCode), cancellationToken).ConfigureAwait(false);
        return ToResult(response.Sentiment, response.SentimentScore);
    }

    /// <summary>
    /// An item error carries a code but no HTTP status, so the service's own server-fault code counts beside the
    /// standard throttling and transient codes.
    /// </summary>
    private static bool IsPassingItemError(string code) => AwsRetry.IsRetryableCode(code) || code == "InternalServerException";

    private static int BatchIndex(int[] batch, int index, string list) =>
        index >= 0 && index < batch.Length
            ? batch[index]
            : throw new InvalidDataException($"Comprehend's {list} names index {index}, but the batch had {batch.Length} texts");

    private static TextSentimentResult ToResult(string label, ComprehendSentimentScore? score)
    {
        Sentiment sentiment;
        try
        {
            sentiment = SentimentNames.Parse(label);
        }
        catch (FormatException e)
        {
            return TextSentimentResult.Failed(e.Message);
        }
        if (score is null) return TextSentimentResult.Failed("Comprehend returned no SentimentScore");
        double[] parts = [score.Positive, score.Negative, score.Neutral, score.Mixed];
        if (parts.Any(p => !double.IsFinite(p) || p < 0)) return TextSentimentResult.Failed("Comprehend returned a score outside 0..1");
        var sum = parts.Sum();
        if (sum <= 0) return TextSentimentResult.Failed("Comprehend returned all-zero scores");
        return new TextSentimentResult(new Verdict(sentiment, new SentimentScores(parts[0] / sum, parts[1] / sum, parts[2] / sum, parts[3] / sum)));
    }
}
