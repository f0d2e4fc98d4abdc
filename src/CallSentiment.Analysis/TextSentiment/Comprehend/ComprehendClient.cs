using Amazon.Runtime;
using CallSentiment.Analysis.Aws;

namespace CallSentiment.Analysis.TextSentiment.Comprehend;

public sealed record ComprehendSentimentScore(double Positive, double Negative, double Neutral, double Mixed);

public sealed record DetectSentimentResponse(string Sentiment, ComprehendSentimentScore SentimentScore);

public sealed record BatchDetectSentimentItemResult(int Index, string Sentiment, ComprehendSentimentScore SentimentScore);

public sealed record BatchItemError(int Index, string ErrorCode, string? ErrorMessage);

public sealed record BatchDetectSentimentResponse(IReadOnlyList<BatchDetectSentimentItemResult>? ResultList, IReadOnlyList<BatchItemError>? ErrorList);

/// <summary>Amazon Comprehend's sentiment operations over AWS JSON 1.1 (target prefix <c>Comprehend_20171127</c>).</summary>
public sealed class ComprehendClient
{
    public const string TargetPrefix = "Comprehend_20171127";
    public const string SigningName = "comprehend";

    /// <summary>Most texts one BatchDetectSentiment call takes.</summary>
    public const int MaxBatchSize = 25;

    /// <summary>Most UTF-8 bytes one text may have.</summary>
    public const int MaxTextBytes = 5000;

    private readonly AwsJsonClient _json;

    public ComprehendClient(AwsJsonClient json)
    {
        ArgumentNullException.ThrowIfNull(json);
        _json = json;
    }

    public ComprehendClient(HttpClient http, string region, Uri? serviceUrl = null, AWSCredentials? credentials = null, TimeProvider? time = null, bool useFips = false, AwsRetryOptions? retry = null)
        : this(new AwsJsonClient(http, new AwsServiceEndpoint(SigningName, TargetPrefix, region, serviceUrl, useFips), credentials, time, retry))
    {
    }

    public Task<DetectSentimentResponse> DetectSentimentAsync(string text, string languageCode, CancellationToken cancellationToken) =>
        _json.SendAsync<object, DetectSentimentResponse>("DetectSentiment", new { Text = text, LanguageCode = languageCode }, cancellationToken);

    public Task<BatchDetectSentimentResponse> BatchDetectSentimentAsync(IReadOnlyList<string> texts, string languageCode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count is 0 or > MaxBatchSize)
            throw new ArgumentOutOfRangeException(nameof(texts), texts.Count, $"BatchDetectSentiment takes 1 to {MaxBatchSize} texts");
        return _json.SendAsync<object, BatchDetectSentimentResponse>("BatchDetectSentiment", new { TextList = texts, LanguageCode = languageCode }, cancellationToken);
    }
}
