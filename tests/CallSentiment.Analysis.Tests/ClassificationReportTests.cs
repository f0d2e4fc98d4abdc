using CallSentiment.Analysis.SpeechEmotion;

namespace CallSentiment.Analysis.Tests;

public class ClassificationReportTests
{
    [Fact]
    public void Scores_HandComputedCase()
    {
        string[] labels = ["neutral", "happy", "angry", "sad"];
        // truth/predicted: neutral 3 (2 right, 1 -> sad), happy 2 (1 right, 1 -> angry), angry 1 (right), sad 0.
        var pairs = new List<(int, int)> { (0, 0), (0, 0), (0, 3), (1, 1), (1, 2), (2, 2) };
        var r = new ClassificationReport(labels, pairs, new HashSet<string> { "angry", "sad" });
        // recalls: neutral 2/3, happy 1/2, angry 1/1; sad absent -> UA over 3 classes
        Assert.Equal((2.0 / 3 + 0.5 + 1) / 3, r.UnweightedAccuracy, 10);
        Assert.Equal(4.0 / 6, r.WeightedAccuracy, 10);
        // precisions: neutral 2/2, happy 1/1, angry 1/2; F1: neutral 0.8, happy 2/3, angry 2/3
        Assert.Equal((0.8 + 2.0 / 3 + 2.0 / 3) / 3, r.MacroF1, 10);
        // binary: (0,3) and (1,2) cross the negative line; 4 of 6 right
        Assert.Equal(4.0 / 6, r.BinaryNegative, 10);
        Assert.Equal("UA=0.7222 WA=0.6667 macroF1=0.7111 binaryNeg=0.6667 n=6", r.SummaryLine());
        Assert.Equal(1, r.Confusion(0, 3));

        // With the probability-mass call: say the (1,2) item was judged not negative overall -> 5 of 6.
        var mass = new ClassificationReport(labels, pairs, new HashSet<string> { "angry", "sad" }, [false, false, true, false, false, true]);
        Assert.Equal(5.0 / 6, mass.BinaryNegative, 10);
        Assert.Equal(r.UnweightedAccuracy, mass.UnweightedAccuracy);
    }
}
