using CallSentiment.Analysis.Calls;
using CallSentiment.Cli.Calls;

namespace CallSentiment.Analysis.Tests.Calls;

public class FusionFitterTests
{
    private static FusionEvidence Evidence(double tn, double tu, double tp, double textWeight, double vn, double vu, double vp, double voiceWeight) =>
        new(tn, tu, tp, 10, textWeight, 0.8, vn, vu, vp, 10, voiceWeight);

    /// <summary>
    /// Calls where the voice model cries wolf: it reads every customer as fairly angry, while the words tell the truth.
    /// The prior trusts both equally and raises false alarms; the fitted combiner learns to lean on the words.
    /// </summary>
    private static List<FusionExample> CryingWolf(int count, int seed)
    {
        var random = new Random(seed);
        var examples = new List<FusionExample>();
        for (var i = 0; i < count; i++)
        {
            var label = (CallLabel)(i % 3);
            var noise = 0.1 * random.NextDouble();
            var (tn, tu, tp) = label switch
            {
                CallLabel.Negative => (0.7 + noise, 0.2, 0.1 - noise / 2),
                CallLabel.Positive => (0.1 - noise / 2, 0.2, 0.7 + noise),
                _ => (0.15, 0.7 + noise, 0.15 - noise),
            };
            var vn = 0.55 + 0.3 * random.NextDouble();
            examples.Add(new FusionExample(Evidence(tn, tu, tp, 0.5 + 0.5 * random.NextDouble(), vn, 1 - vn - 0.05, 0.05, 1), label, $"speaker{i % 12}"));
        }
        return examples;
    }

    private static double Accuracy(FusionModel model, IEnumerable<FusionExample> examples) => examples.Average(e =>
        model.Fuse(e.Evidence)!.Verdict.Sentiment.ToString() == e.Label.ToString() ? 1.0 : 0.0);

    [Fact]
    public void Fit_VoiceThatCriesWolf_LearnsToTrustTheWords_OnCallsItHasNotSeen()
    {
        var prior = new FusionModel();
        var fitted = FusionFitter.Fit(prior, CryingWolf(90, 1), lambda: 1);
        var unseen = CryingWolf(60, 2);

        Assert.True(Accuracy(prior, unseen) < 0.7, $"the prior should be fooled by the voice: {Accuracy(prior, unseen)}");
        Assert.True(Accuracy(fitted, unseen) > 0.9, $"fitted accuracy {Accuracy(fitted, unseen)}");
        Assert.True(fitted.NegativeWeights[4] < prior.NegativeWeights[4], "the voice's negative log-odds should count for less");
        Assert.Equal(prior.TrustedAbove, fitted.TrustedAbove); // thresholds are not fitted
    }

    [Fact]
    public void Fit_StrongPull_StaysAtTheModelItStartsFrom()
    {
        var prior = new FusionModel();
        var fitted = FusionFitter.Fit(prior, CryingWolf(30, 3), lambda: 1e7);
        for (var i = 0; i < prior.NegativeWeights.Length; i++) Assert.Equal(prior.NegativeWeights[i], fitted.NegativeWeights[i], 3);
        Assert.Equal(0, fitted.NegativeBias, 3);
    }

    [Fact]
    public void ChooseLambda_PicksFromTheGridByGroupedFolds()
    {
        var (lambda, curve) = FusionFitter.ChooseLambda(new FusionModel(), CryingWolf(90, 4));
        Assert.Contains(lambda, FusionFitter.Lambdas);
        Assert.Equal(FusionFitter.Lambdas.Length, curve.Count);
        Assert.Equal(curve.Min(c => c.LogLoss), curve.Single(c => c.Lambda == lambda).LogLoss);
    }

    /// <summary>
    /// Calls whose complaints were misheard as the opposite: the recogniser's words read negative on customers who
    /// were in fact happy (and the voice says so). An unconstrained fit learns "negative words mean a happy customer".
    /// </summary>
    private static List<FusionExample> Misheard(int count, int seed)
    {
        var random = new Random(seed);
        var examples = new List<FusionExample>();
        for (var i = 0; i < count; i++)
        {
            var label = (CallLabel)(i % 3);
            var noise = 0.1 * random.NextDouble();
            var (vn, vu, vp) = label switch
            {
                CallLabel.Negative => (0.7 + noise, 0.2, 0.1 - noise / 2),
                CallLabel.Positive => (0.1 - noise / 2, 0.2, 0.7 + noise),
                _ => (0.15, 0.7 + noise, 0.15 - noise),
            };
            var (tn, tu, tp) = label == CallLabel.Positive ? (0.8, 0.15, 0.05) : (0.2, 0.6, 0.2);
            examples.Add(new FusionExample(Evidence(tn, tu, tp, 1, vn, vu, vp, 1), label, $"speaker{i % 12}"));
        }
        return examples;
    }

    [Fact]
    public void Fit_MisheardComplaintsOnHappyCustomers_NegativeWordsNeverRaiseThePositiveOdds()
    {
        var fitted = FusionFitter.Fit(new FusionModel(), Misheard(90, 5), lambda: 0.1);

        Assert.True(fitted.PositiveWeights[0] <= 0, $"text negative evidence raised the positive odds: {fitted.PositiveWeights[0]}");
        Assert.True(fitted.NegativeWeights[0] >= 0, $"text negative evidence lowered the negative odds: {fitted.NegativeWeights[0]}");
        // the evidence that does tell the truth is still learnt from
        Assert.True(fitted.PositiveWeights[6] > 1, $"voice positive weight {fitted.PositiveWeights[6]}");
    }

    [Fact]
    public void Fit_AnyData_EveryWeightWithinItsSignBounds_AndTheFitIsNoWorseThanTheStart()
    {
        var (lower, upper) = FusionFitter.Bounds();
        foreach (var examples in new[] { CryingWolf(90, 6), Misheard(90, 7) })
        {
            var prior = new FusionModel();
            var fitted = FusionFitter.Fit(prior, examples, lambda: 0.3);
            double[] theta = [fitted.NegativeBias, .. fitted.NegativeWeights, fitted.PositiveBias, .. fitted.PositiveWeights];
            for (var i = 0; i < theta.Length; i++)
                Assert.InRange(theta[i], lower[i], upper[i]);
            Assert.True(examples.Sum(e => FusionFitter.LogLoss(fitted, e)) < examples.Sum(e => FusionFitter.LogLoss(prior, e)));
        }
    }
}
