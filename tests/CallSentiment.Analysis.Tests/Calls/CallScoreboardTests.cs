using CallSentiment.Analysis.TextSentiment;
using CallSentiment.Cli.Calls;

namespace CallSentiment.Analysis.Tests.Calls;

public class CallScoreboardTests
{
    [Fact]
    public void Figures_KnownConfusion_MatchHandComputedValues()
    {
        var b = new CallScoreboard();
        // 4 negative customers: 3 judged NEGATIVE, 1 MIXED. 4 neutral: 3 NEUTRAL, 1 NEGATIVE. 2 positive: 1 POSITIVE, 1 NEUTRAL.
        Add(b, CallLabel.Negative, Sentiment.Negative, 3);
        Add(b, CallLabel.Negative, Sentiment.Mixed, 1);
        Add(b, CallLabel.Neutral, Sentiment.Neutral, 3);
        Add(b, CallLabel.Neutral, Sentiment.Negative, 1, agentVerdict: Sentiment.Negative);
        Add(b, CallLabel.Positive, Sentiment.Positive, 1);
        Add(b, CallLabel.Positive, Sentiment.Neutral, 1);

        Assert.Equal(10, b.Count);
        Assert.Equal(7 / 10.0, b.Accuracy, 10);
        Assert.Equal(3 / 4.0, b.NegativeRecall, 10);
        Assert.Equal(3 / 4.0, b.NegativePrecision, 10);
        Assert.Equal(1 / 6.0, b.FalseAlarm, 10);
        // F1: negative 2·3/(4+4), neutral 2·3/(4+4), positive 2·1/(2+1).
        Assert.Equal((0.75 + 0.75 + 2.0 / 3) / 3, b.MacroF1, 10);
        Assert.Equal(1 / 10.0, b.AgentNegative, 10);
        Assert.Equal(9 / 10.0, b.AgentAccuracy, 10);
        Assert.Contains("negative                 3         0         0         1", b.ConfusionTable(""), StringComparison.Ordinal);
    }

    [Fact]
    public void Figures_NoNegativeCustomers_RecallIsNotANumberRatherThanZero()
    {
        var b = new CallScoreboard();
        Add(b, CallLabel.Neutral, Sentiment.Neutral, 2);
        Assert.True(double.IsNaN(b.NegativeRecall));
        Assert.Equal(0, b.FalseAlarm);
        Assert.Equal(1, b.Accuracy);
    }

    private static void Add(CallScoreboard b, CallLabel label, Sentiment verdict, int times, Sentiment agentVerdict = Sentiment.Neutral)
    {
        for (var i = 0; i < times; i++) b.Add(label, verdict, CallLabel.Neutral, agentVerdict);
    }
}
