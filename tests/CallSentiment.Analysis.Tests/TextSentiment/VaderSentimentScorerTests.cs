using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Analysis.Tests.TextSentiment;

public class VaderSentimentScorerTests
{
    private static readonly VaderSentimentScorer Vader = VaderSentimentScorer.Load(Paths.Dataset("text/vader/vader_lexicon.txt"));

    // Compound scores VADER's README documents for its own example sentences.
    [Theory]
    [InlineData("VADER is smart, handsome, and funny.", 0.8316)]
    [InlineData("VADER is smart, handsome, and funny!", 0.8439)]
    [InlineData("VADER is very smart, handsome, and funny.", 0.8545)]
    [InlineData("VADER is VERY SMART, handsome, and FUNNY.", 0.9227)]
    [InlineData("VADER is not smart, handsome, nor funny.", -0.7424)]
    [InlineData("The book was good.", 0.4404)]
    [InlineData("At least it isn't a horrible book.", 0.431)]
    public void PolarityScores_DocumentedExample_MatchesPublishedCompound(string text, double compound)
    {
        Assert.Equal(compound, Vader.PolarityScores(text).Compound, 0.0006);
    }

    [Fact]
    public void PolarityScores_ButClause_WeighsTheSecondHalfMore()
    {
        var plain = Vader.PolarityScores("The food was great, the service was terrible.").Compound;
        var but = Vader.PolarityScores("The food was great, but the service was terrible.").Compound;
        Assert.True(but < plain, $"'but' should shift towards the second clause ({but} vs {plain})");
        Assert.True(but < -0.05);
    }

    [Fact]
    public void Score_ThresholdsAndProportions_GiveLabelsAndScoresSummingToOne()
    {
        var positive = Vader.Score("I love this, thank you so much!");
        var negative = Vader.Score("This is awful and I hate waiting.");
        var neutral = Vader.Score("The meeting is on Tuesday at ten.");
        Assert.Equal(Sentiment.Positive, positive.Sentiment);
        Assert.Equal(Sentiment.Negative, negative.Sentiment);
        Assert.Equal(Sentiment.Neutral, neutral.Sentiment);
        foreach (var v in new[] { positive, negative, neutral })
            Assert.Equal(1.0, v.Scores.Positive + v.Scores.Negative + v.Scores.Neutral + v.Scores.Mixed, 9);
    }
}
