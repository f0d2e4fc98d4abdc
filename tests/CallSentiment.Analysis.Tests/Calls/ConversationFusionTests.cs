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

    private static readonly FusionModel Prior = new();

    private static MoodSpan Words(double start, double end, double p, double n, double u, double confidence) =>
        new(start, end, new SentimentScores(p, n, u, 0), confidence);

    [Fact]
    public void Fuse_ComplaintInTrustedWords_FlatVoice_IsNegative()
    {
        // The words carry the mood (a TTS-like flat voice reads mostly neutral): the flat voice must not overrule them.
        var mood = ConversationFusion.Fuse([Words(0, 10, 0.02, 0.9, 0.08, 0.8)], [Span(0, 9, 0.1, 0.2, 0.7)], 12, Prior);
        Assert.Equal(Sentiment.Negative, mood.Fused!.Sentiment);
        Assert.False(mood.LowConfidence);
    }

    [Fact]
    public void Fuse_PraiseInTrustedWords_FlatVoice_IsPositive()
    {
        var mood = ConversationFusion.Fuse([Words(0, 10, 0.88, 0.02, 0.1, 0.8)], [Span(0, 9, 0.1, 0.15, 0.75)], 12, Prior);
        Assert.Equal(Sentiment.Positive, mood.Fused!.Sentiment);
    }

    [Fact]
    public void Fuse_AngryVoice_NeutralWords_IsNegative()
    {
        // "I would like to change my address" in a furious voice is still a complaint.
        var mood = ConversationFusion.Fuse([Words(0, 10, 0.05, 0.05, 0.9, 0.8)], [Span(0, 9, 0.05, 0.8, 0.15)], 12, Prior);
        Assert.Equal(Sentiment.Negative, mood.Fused!.Sentiment);
    }

    [Fact]
    public void Fuse_WordsTheRecogniserDoubts_NeverMakeANegativeAlone()
    {
        // Misheard words that read as a complaint, a calm voice: the doubted words count for nothing.
        var doubted = ConversationFusion.Fuse([Words(0, 10, 0.02, 0.95, 0.03, 0.2)], [Span(0, 9, 0.1, 0.15, 0.75)], 12, Prior);
        Assert.NotEqual(Sentiment.Negative, doubted.Fused!.Sentiment);
        Assert.Equal(0, doubted.Evidence!.TextWeight);
        Assert.Equal(0.2, doubted.Evidence.WordConfidence, 10);
        // The same words with no voice at all: nothing to judge by, so low-confidence, and not NEGATIVE either.
        var alone = ConversationFusion.Fuse([Words(0, 10, 0.02, 0.95, 0.03, 0.2)], [], 12, Prior);
        Assert.NotEqual(Sentiment.Negative, alone.Fused!.Sentiment);
        Assert.True(alone.LowConfidence);
        Assert.Contains("doubts the words", alone.Fusion!.Why, StringComparison.Ordinal);
        Assert.False(Prior.ForRecovery(alone.Fusion));
    }

    [Fact]
    public void Fuse_ConfidenceOfWords_ScalesTheirWeightBetweenDoubtedAndTrusted()
    {
        Assert.Equal(0, Prior.WordTrust(0.3));
        Assert.Equal(0.5, Prior.WordTrust(0.5), 10);
        Assert.Equal(1, Prior.WordTrust(0.9));
        var half = ConversationFusion.Evidence([Words(0, 8, 0, 1, 0, 0.5)], [], Prior);
        Assert.Equal(0.5, half.TextWeight, 10); // 8 s at half trust of the 8 s that count in full
    }

    [Fact]
    public void ForRecovery_LowConfidenceNegativeFromABiasAlone_StaysOutOfTheQueue()
    {
        // A combiner fitted on complaint-heavy calls may lean negative; with nothing heard that is still no reason to call back.
        var leaning = new FusionModel { NegativeBias = 3 };
        var mood = leaning.Fuse(ConversationFusion.Evidence([Words(0, 10, 0.02, 0.95, 0.03, 0.2)], [], leaning))!;
        Assert.Equal(Sentiment.Negative, mood.Verdict.Sentiment);
        Assert.True(mood.LowConfidence);
        Assert.True(mood.Negative >= leaning.StrongNegative);
        Assert.False(leaning.ForRecovery(mood));
        // A short but furious voice on the same lean is heard: it goes to QA.
        var heard = leaning.Fuse(ConversationFusion.Evidence([], [Span(0, 1.5, 0.02, 0.95, 0.03)], leaning))!;
        Assert.True(heard.LowConfidence);
        Assert.True(leaning.ForRecovery(heard));
    }

    [Fact]
    public void Evidence_OverlappingVoiceWindows_CountEachSecondOnce()
    {
        // 3 s windows every 1.5 s over 0..6 s, and one more after a pause: 6 + 3 = 9 s of voice, not 15 s of windows.
        var voice = new[] { Span(0, 3, 0, 1, 0), Span(1.5, 4.5, 0, 1, 0), Span(3, 6, 0, 1, 0), Span(10, 13, 0, 1, 0) };
        var e = ConversationFusion.Evidence([], voice, Prior);
        Assert.Equal(9, e.VoiceSeconds, 10);
        Assert.Equal(1, e.VoiceWeight, 10);
        Assert.Equal(3, ConversationFusion.Evidence([], voice[..2].Select(w => w with { Start = 0, End = 3 }).ToArray(), Prior).VoiceSeconds, 10);
    }

    [Fact]
    public void Probabilities_NoEvidence_AreThePriorAndSumToOne()
    {
        var model = new FusionModel { NegativeBias = -1, PositiveBias = -0.5 };
        var (n, u, p) = model.Probabilities(ConversationFusion.Evidence([], [], model));
        Assert.Equal(1, n + u + p, 10);
        Assert.Equal(Math.Exp(-1) / (1 + Math.Exp(-1) + Math.Exp(-0.5)), n, 10);
    }

    [Fact]
    public void Fuse_OppositeStrongSignals_IsMixed_ScoresSumToOne()
    {
        var mood = ConversationFusion.Fuse([Words(0, 10, 0.02, 0.95, 0.03, 0.9)], [Span(0, 9, 0.95, 0.02, 0.03)], 12, Prior);
        Assert.Equal(Sentiment.Mixed, mood.Fused!.Sentiment);
        var s = mood.Fused.Scores;
        Assert.Equal(1.0, s.Positive + s.Negative + s.Neutral + s.Mixed, 10);
    }

    [Fact]
    public void Load_WrongNumberOfWeights_IsAnErrorNamingTheFeatures()
    {
        var dir = Directory.CreateTempSubdirectory("fusion-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, FusionModel.FileName), """{ "negativeWeights": [1, 0] }""");
            var e = Assert.Throws<InvalidDataException>(() => FusionModel.Load(dir.FullName));
            Assert.Contains("text log(neg/neu) > 0", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Load_TheCommittedModel_Loads()
    {
        var model = FusionModel.Load(Path.Combine(Paths.Root, "models", "fusion"));
        Assert.Equal(FusionEvidence.FeatureNames.Length, model.NegativeWeights.Length);
        // The offline text model reads an agent's words itself (text-agent.onnx); a constant shift on top would clear
        // every rude agent line again (models/fusion/MODEL_CARD.md).
        Assert.Null(model.AgentText);
    }

    [Fact]
    public void Fuse_CustomerCalmsDown_QuartersRiseAndChangeIsPositive()
    {
        // A 40 s call: angry words in the first quarter, thankful in the last; the voice agrees.
        var text = new[] { Span(1, 9, 0.0, 1.0, 0.0), Span(31, 39, 1.0, 0.0, 0.0) };
        var voice = new[] { Span(1, 4, 0.1, 0.8, 0.1), Span(32, 35, 0.8, 0.1, 0.1) };
        var mood = ConversationFusion.Fuse(text, voice, 40, Prior);
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
        var mood = ConversationFusion.Fuse([], [], 30, Prior);
        Assert.Null(mood.Fused);
        Assert.Null(mood.Change);
        Assert.All(mood.Quarters, q => Assert.Null(q));
    }
}
