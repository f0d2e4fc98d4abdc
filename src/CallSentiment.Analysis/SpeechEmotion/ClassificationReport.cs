using System.Globalization;
using System.Text;

namespace CallSentiment.Analysis.SpeechEmotion;

/// <summary>
/// Scores of a labelled evaluation: unweighted accuracy (mean recall over the classes present), weighted accuracy
/// (plain accuracy), macro-F1 over the classes present, per-class precision/recall/F1, the confusion matrix, and
/// binary negative-vs-rest accuracy. The binary call is <c>predictedNegative</c> when given (the product
/// calls a voice negative when the negative labels together hold at least half the probability), else the
/// predicted label's side.
/// </summary>
public sealed class ClassificationReport
{
    private readonly int[,] _confusion;

    public ClassificationReport(IReadOnlyList<string> labels, IReadOnlyList<(int Truth, int Predicted)> pairs, ISet<string> negative,
        IReadOnlyList<bool>? predictedNegative = null)
    {
        if (predictedNegative is not null && predictedNegative.Count != pairs.Count)
            throw new ArgumentException("one binary prediction per pair", nameof(predictedNegative));
        Labels = labels;
        var k = labels.Count;
        _confusion = new int[k, k];
        var binaryCorrect = 0;
        for (var i = 0; i < pairs.Count; i++)
        {
            var (t, p) = pairs[i];
            _confusion[t, p]++;
            var saidNegative = predictedNegative?[i] ?? negative.Contains(labels[p]);
            if (negative.Contains(labels[t]) == saidNegative) binaryCorrect++;
        }
        Count = pairs.Count;
        Precision = new double[k];
        Recall = new double[k];
        F1 = new double[k];
        Support = new int[k];
        var present = new List<int>();
        var correct = 0;
        for (var c = 0; c < k; c++)
        {
            int tp = _confusion[c, c], rowSum = 0, colSum = 0;
            for (var j = 0; j < k; j++)
            {
                rowSum += _confusion[c, j];
                colSum += _confusion[j, c];
            }
            correct += tp;
            Support[c] = rowSum;
            Precision[c] = colSum == 0 ? 0 : (double)tp / colSum;
            Recall[c] = rowSum == 0 ? 0 : (double)tp / rowSum;
            F1[c] = Precision[c] + Recall[c] == 0 ? 0 : 2 * Precision[c] * Recall[c] / (Precision[c] + Recall[c]);
            if (rowSum > 0) present.Add(c);
        }
        UnweightedAccuracy = present.Count == 0 ? 0 : present.Average(c => Recall[c]);
        WeightedAccuracy = Count == 0 ? 0 : (double)correct / Count;
        MacroF1 = present.Count == 0 ? 0 : present.Average(c => F1[c]);
        BinaryNegative = Count == 0 ? 0 : (double)binaryCorrect / Count;
    }

    public IReadOnlyList<string> Labels { get; }
    public int Count { get; }
    public double[] Precision { get; }
    public double[] Recall { get; }
    public double[] F1 { get; }
    public int[] Support { get; }
    public double UnweightedAccuracy { get; }
    public double WeightedAccuracy { get; }
    public double MacroF1 { get; }
    public double BinaryNegative { get; }

    public int Confusion(int truth, int predicted) => _confusion[truth, predicted];

    /// <summary>The machine-readable summary line: <c>UA=.. WA=.. macroF1=.. binaryNeg=.. n=..</c>.</summary>
    public string SummaryLine() => string.Create(CultureInfo.InvariantCulture,
        $"UA={UnweightedAccuracy:0.0000} WA={WeightedAccuracy:0.0000} macroF1={MacroF1:0.0000} binaryNeg={BinaryNegative:0.0000} n={Count}");

    public string Format()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ci, $"{"class",-10} {"precision",9} {"recall",9} {"f1",9} {"support",8}");
        for (var c = 0; c < Labels.Count; c++)
            sb.AppendLine(ci, $"{Labels[c],-10} {Precision[c],9:0.000} {Recall[c],9:0.000} {F1[c],9:0.000} {Support[c],8}");
        sb.AppendLine();
        sb.AppendLine("confusion matrix (rows = truth, columns = predicted):");
        sb.Append(ci, $"{"",-10}");
        foreach (var l in Labels) sb.Append(ci, $" {l[..Math.Min(4, l.Length)],5}");
        sb.AppendLine();
        for (var t = 0; t < Labels.Count; t++)
        {
            sb.Append(ci, $"{Labels[t],-10}");
            for (var p = 0; p < Labels.Count; p++) sb.Append(ci, $" {_confusion[t, p],5}");
            sb.AppendLine();
        }
        return sb.ToString();
    }
}
