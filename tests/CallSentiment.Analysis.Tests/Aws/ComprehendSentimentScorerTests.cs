using System.Text.Json;
using CallSentiment.Analysis.TextSentiment;
using CallSentiment.Analysis.TextSentiment.Comprehend;

namespace CallSentiment.Analysis.Tests.Aws;

public sealed class ComprehendSentimentScorerTests
{
    private static ComprehendSentimentScorer Scorer(LocalAwsServer server) =>
        new(new ComprehendSettings { Region = LocalAwsServer.Region, ServiceUrl = server.Url, MaxAttempts = 3 }, new HttpClient(), LocalAwsServer.Credentials, TimeProvider.System);

    private static object Score(double p, double n, double neu, double m) => new { Positive = p, Negative = n, Neutral = neu, Mixed = m };

    private static void AssertComprehendRequest(ReceivedRequest r, string operation)
    {
        Assert.Null(r.SignatureError);
        Assert.Equal("Comprehend_20171127." + operation, r.Target);
        Assert.Equal("application/x-amz-json-1.1", r.Headers["Content-Type"]);
        Assert.Equal("en", r.Json.GetProperty("LanguageCode").GetString());
    }

    [Fact]
    public async Task ScoreAsync_ThirtyTextsWithItemErrors_MapsResultsByIndexAndRetriesPassingErrorsOnce()
    {
        // Texts say what the server should do with them: "neg …" negative, "bad …" a permanent item error,
        // "flaky …" an internal error the first time it is seen.
        var seenFlaky = 0;
        using var server = new LocalAwsServer("comprehend", r =>
        {
            AssertComprehendRequest(r, "BatchDetectSentiment");
            var texts = r.Json.GetProperty("TextList").EnumerateArray().Select(t => t.GetString()!).ToArray();
            Assert.InRange(texts.Length, 1, 25);
            var results = new List<object>();
            var errors = new List<object>();
            for (var i = 0; i < texts.Length; i++)
            {
                if (texts[i].StartsWith("bad", StringComparison.Ordinal))
                    errors.Add(new { Index = i, ErrorCode = "InvalidRequestException", ErrorMessage = "Invalid text" });
                else if (texts[i].StartsWith("flaky", StringComparison.Ordinal) && Interlocked.Increment(ref seenFlaky) == 1)
                    errors.Add(new { Index = i, ErrorCode = "InternalServerException", ErrorMessage = "try again" });
                else if (texts[i].StartsWith("neg", StringComparison.Ordinal))
                    results.Add(new { Index = i, Sentiment = "NEGATIVE", SentimentScore = Score(0.02, 0.9, 0.05, 0.01) });
                else
                    results.Add(new { Index = i, Sentiment = "POSITIVE", SentimentScore = Score(0.8, 0.1, 0.1, 0.0) });
            }
            return Reply.Ok(new { ResultList = results, ErrorList = errors });
        });
        var texts = Enumerable.Range(0, 30).Select(i => i switch
        {
            3 => "neg the agent never called back",
            7 => "bad input",
            27 => "flaky text that fails once",
            _ => $"thank you so much for your help {i}",
        }).ToArray();

        var results = await Scorer(server).ScoreAsync(texts, "en-US", TextSpeaker.Unknown, CancellationToken.None);

        Assert.Equal(30, results.Count);
        var batches = server.Calls("BatchDetectSentiment");
        Assert.Equal([25, 5, 1], batches.Select(b => b.Json.GetProperty("TextList").GetArrayLength()));
        Assert.Equal(texts[27], batches[2].Json.GetProperty("TextList")[0].GetString());
        Assert.Equal(Sentiment.Negative, results[3].Verdict!.Sentiment);
        Assert.Equal(0.9 / 0.98, results[3].Verdict!.Scores.Negative, 9);
        Assert.Null(results[7].Verdict);
        Assert.Equal("InvalidRequestException: Invalid text", results[7].Error);
        Assert.Equal(Sentiment.Positive, results[27].Verdict!.Sentiment);
        foreach (var r in results.Where(r => r.Verdict is not null))
        {
            var s = r.Verdict!.Scores;
            Assert.Equal(1.0, s.Positive + s.Negative + s.Neutral + s.Mixed, 12);
        }
        Assert.Equal(29, results.Count(r => r.Verdict is not null));
    }

    [Fact]
    public async Task ScoreAsync_ItemThrottledTwice_FailsThatItemOnly()
    {
        using var server = new LocalAwsServer("comprehend", r =>
        {
            var n = r.Json.GetProperty("TextList").GetArrayLength();
            return Reply.Ok(new
            {
                ResultList = Enumerable.Range(0, n).Where(i => i != n - 1).Select(i => new { Index = i, Sentiment = "NEUTRAL", SentimentScore = Score(0.1, 0.1, 0.7, 0.1) }),
                ErrorList = new[] { new { Index = n - 1, ErrorCode = "ThrottlingException", ErrorMessage = "Rate exceeded" } },
            });
        });

        var results = await Scorer(server).ScoreAsync(["fine", "also fine", "throttled"], "en", TextSpeaker.Unknown, CancellationToken.None);

        Assert.Equal(Sentiment.Neutral, results[0].Verdict!.Sentiment);
        Assert.Equal(Sentiment.Neutral, results[1].Verdict!.Sentiment);
        Assert.Equal("ThrottlingException: Rate exceeded", results[2].Error);
        Assert.Equal(2, server.Calls("BatchDetectSentiment").Count);
    }

    [Fact]
    public async Task ScoreAsync_WholeCallThrottled_RetriedThenScored()
    {
        var calls = 0;
        using var server = new LocalAwsServer("comprehend", r => Interlocked.Increment(ref calls) <= 2
            ? Reply.Error(400, "ThrottlingException", "Rate exceeded")
            : Reply.Ok(new { ResultList = new[] { new { Index = 0, Sentiment = "MIXED", SentimentScore = Score(0.3, 0.3, 0.1, 0.4) } }, ErrorList = Array.Empty<object>() }));

        var results = await Scorer(server).ScoreAsync(["good and bad"], "en-GB", TextSpeaker.Unknown, CancellationToken.None);

        Assert.Equal(Sentiment.Mixed, Assert.Single(results).Verdict!.Sentiment);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task ScoreAsync_TextOver5000Bytes_RejectedBeforeSending()
    {
        using var server = new LocalAwsServer("comprehend", _ => Reply.Ok(new { ResultList = Array.Empty<object>(), ErrorList = Array.Empty<object>() }));
        var big = new string('é', 2501); // 5002 UTF-8 bytes, 2501 characters

        var e = await Assert.ThrowsAsync<ArgumentException>(() => Scorer(server).ScoreAsync(["ok", big], "en", TextSpeaker.Unknown, CancellationToken.None));

        Assert.Contains("text 1 is 5002 UTF-8 bytes", e.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task ScoreOneAsync_DetectSentiment_ReturnsRenormalisedVerdict()
    {
        using var server = new LocalAwsServer("comprehend", r =>
        {
            AssertComprehendRequest(r, "DetectSentiment");
            Assert.Equal("I want to cancel my contract", r.Json.GetProperty("Text").GetString());
            return Reply.Ok(new { Sentiment = "NEGATIVE", SentimentScore = Score(0.01, 0.97, 0.019, 0.0009) });
        });

        var result = await Scorer(server).ScoreOneAsync("I want to cancel my contract", "en-US", CancellationToken.None);

        Assert.Equal(Sentiment.Negative, result.Verdict!.Sentiment);
        Assert.Equal(0.97 / 0.9999, result.Verdict.Scores.Negative, 9);
        Assert.Single(server.Requests);
    }

    [Theory]
    [InlineData("en-US", "en")]
    [InlineData("EN", "en")]
    [InlineData("pt-BR", "pt")]
    [InlineData("zh-TW", "zh-TW")]
    [InlineData("zh_tw", "zh-TW")]
    [InlineData("zh-CN", "zh")]
    [InlineData("de-DE", "de")]
    public void ToComprehendLanguage_Tag_MapsToSupportedCode(string tag, string expected) =>
        Assert.Equal(expected, ComprehendSentimentScorer.ToComprehendLanguage(tag));

    [Fact]
    public void ToComprehendLanguage_Unsupported_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => ComprehendSentimentScorer.ToComprehendLanguage("nl-NL"));
        Assert.Contains("'nl-NL'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("en-US", true)]
    [InlineData("de", true)]
    [InlineData("zh_tw", true)]
    [InlineData("tr", false)]
    [InlineData("sv-SE", false)]
    [InlineData("und", false)]
    [InlineData("", false)]
    public void Reads_Language_OnlyThoseComprehendScoresForSentiment(string tag, bool expected) =>
        Assert.Equal(expected, new ComprehendSentimentScorer(new ComprehendSettings { Region = LocalAwsServer.Region, ServiceUrl = new Uri("http://127.0.0.1:9") },
            new HttpClient(), LocalAwsServer.Credentials, TimeProvider.System).Reads(tag));

    [Fact]
    public void Settings_MissingRegion_RejectedNamingTheSetting()
    {
        var e = Assert.Throws<ArgumentException>(() => new ComprehendSentimentScorer(new ComprehendSettings(), new HttpClient()));
        Assert.Contains("Comprehend:Region", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cn-north-1", "aws-cn")]
    [InlineData("us-iso-east-1", "aws-iso")]
    [InlineData("us-isob-east-1", "aws-iso-b")]
    [InlineData("eusc-de-east-1", "aws-eusc")]
    public void Settings_PartitionWithoutComprehend_RejectedAtStart(string region, string partition)
    {
        var e = Assert.Throws<ArgumentException>(() => new ComprehendSentimentScorer(new ComprehendSettings { Region = region }, new HttpClient()));

        Assert.Contains($"Comprehend:Region {region}: Amazon Comprehend is not offered in the {partition} partition", e.Message, StringComparison.Ordinal);
        // A reachable endpoint of one's own (a proxy, a test server) is the caller's choice.
        _ = new ComprehendSentimentScorer(new ComprehendSettings { Region = region, ServiceUrl = new Uri("https://comprehend.internal.example/") }, new HttpClient());
    }

    [Theory]
    [InlineData("us-east-1", false)]
    [InlineData("us-gov-west-1", false)]
    [InlineData("us-gov-west-1", true)]
    [InlineData("eu-west-2", true)]
    public void Settings_PartitionsWithComprehend_Accepted(string region, bool fips) =>
        _ = new ComprehendSentimentScorer(new ComprehendSettings { Region = region, UseFips = fips }, new HttpClient());

    [Fact]
    public void BatchResponse_RealShape_Deserialises()
    {
        const string json = """
            {"ErrorList":[{"ErrorCode":"InternalServerException","ErrorMessage":"x","Index":1}],
             "ResultList":[{"Index":0,"Sentiment":"POSITIVE","SentimentScore":{"Mixed":0.0001,"Negative":0.0002,"Neutral":0.01,"Positive":0.98}}]}
            """;
        var r = JsonSerializer.Deserialize<BatchDetectSentimentResponse>(json)!;
        Assert.Equal(0.98, r.ResultList![0].SentimentScore.Positive);
        Assert.Equal(1, r.ErrorList![0].Index);
    }
}
