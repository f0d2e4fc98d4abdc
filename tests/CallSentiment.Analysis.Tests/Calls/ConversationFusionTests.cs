using CallSentiment.Analysis.Calls;
using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Analysis.Tests.Calls;

public class ConversationFusionTests
{
    private static MoodSpan Span(double start, double end, double p, double n, double u, double m = 0) => new(start, end, new SentimentScores(p, n, u, m));

    [Fact]
    public void TextVerdict_AThirdOfTheTimeAngry_IsNegativeEvenWhenPoliteOtherwise()
    {
        // 20 s neutral, 10 s clearly negative: mean negative 0.3, but a third of the customer's talk was negative.
        var v = ConversationFusion.TextVerdict([Span(0, 20, 0.05, 0.05, 0.9), Span(20, 30, 0.05, 0.9, 0.05)]);
        Assert.NotNull(v);
        Assert.Equal(Sentiment.Negative, v.Sentiment);
        Assert.Equal((20 * 0.05 + 10 * 0.9) / 30, v.Scores.Negative, 10);
        Assert.Equal(1.0, v.Scores.Positive + v.Scores.Negative + v.Scores.Neutral + v.Scores.Mixed, 10);
    }

    [Fact]
    public void TextVerdict_ChunksWeightedByDuration_LongNeutralOutweighsShortPositive()
    {
        var v = ConversationFusion.TextVerdict([Span(0, 2, 0.9, 0.05, 0.05), Span(2, 30, 0.1, 0.1, 0.8)]);
        Assert.Equal(Sentiment.Neutral, v!.Sentiment);
        Assert.Equal((2 * 0.9 + 28 * 0.1) / 30, v.Scores.Positive, 10);
    }

    [Fact]
    public void TextVerdict_BothMoodsHeld_IsMixed()
    {
        var v = ConversationFusion.TextVerdict([Span(0, 10, 0.9, 0.05, 0.05), Span(10, 20, 0.05, 0.9, 0.05), Span(20, 25, 0.1, 0.1, 0.8)]);
        Assert.Equal(Sentiment.Mixed, v!.Sentiment);
        Assert.Null(ConversationFusion.TextVerdict([]));
    }

    [Fact]
    public void Combine_OppositeConfidentSignals_IsMixed_AndScoresAreTheWeightedMean()
    {
        var text = new Verdict(Sentiment.Negative, new SentimentScores(0.1, 0.8, 0.1, 0));
        var voice = new Verdict(Sentiment.Positive, new SentimentScores(0.7, 0.1, 0.2, 0));
        var f = ConversationFusion.Combine(text, 0.65, voice, 0.35)!;
        Assert.Equal(Sentiment.Mixed, f.Sentiment);
        Assert.Equal(0.65 * 0.8 + 0.35 * 0.1, f.Scores.Negative, 10);
        Assert.Equal(1.0, f.Scores.Positive + f.Scores.Negative + f.Scores.Neutral + f.Scores.Mixed, 10);
    }

    [Fact]
    public void Combine_Disagreement_LargerWeightTimesConfidenceWins()
    {
        var text = new Verdict(Sentiment.Negative, new SentimentScores(0.1, 0.6, 0.3, 0));
        var voice = new Verdict(Sentiment.Neutral, new SentimentScores(0.1, 0.2, 0.7, 0));
        Assert.Equal(Sentiment.Negative, ConversationFusion.Combine(text, 0.65, voice, 0.35)!.Sentiment); // 0.39 > 0.245
        Assert.Equal(Sentiment.Neutral, ConversationFusion.Combine(text, 0.2, voice, 0.35)!.Sentiment);   // 0.12 < 0.245
        Assert.Same(voice, ConversationFusion.Combine(null, 0, voice, 0.35));
        Assert.Same(text, ConversationFusion.Combine(text, 0.65, null, 0));
    }

    [Fact]
    public void Fuse_CustomerCalmsDown_QuartersRiseAndChangeIsPositive()
    {
        // A 40 s call: angry words in the first quarter, thankful in the last; the voice agrees.
        var text = new[] { Span(1, 9, 0.0, 1.0, 0.0), Span(31, 39, 1.0, 0.0, 0.0) };
        var voice = new[] { Span(1, 4, 0.1, 0.8, 0.1), Span(32, 35, 0.8, 0.1, 0.1) };
        var mood = ConversationFusion.Fuse(text, voice, 40);
        Assert.Null(mood.Quarters[1]);
        Assert.Null(mood.Quarters[2]);
        Assert.True(mood.Quarters[0] < -0.7, $"Q1 {mood.Quarters[0]}");
        Assert.True(mood.Quarters[3] > 0.7, $"Q4 {mood.Quarters[3]}");
        Assert.Equal(mood.Quarters[3] - mood.Quarters[0], mood.Change);
        Assert.Equal(Sentiment.Mixed, mood.Text!.Sentiment);
    }

    [Fact]
    public void Fuse_NoEvidence_NoVerdictAndNoTrend()
    {
        var mood = ConversationFusion.Fuse([], [], 30);
        Assert.Null(mood.Fused);
        Assert.Null(mood.Change);
        Assert.All(mood.Quarters, q => Assert.Null(q));
    }
}
