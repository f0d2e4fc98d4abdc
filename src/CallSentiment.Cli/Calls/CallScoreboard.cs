using System.Globalization;
using System.Text;
using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Cli.Calls;

/// <summary>The three labels a labelled call carries (a person judges negative, neutral or positive; never "mixed").</summary>
internal enum CallLabel
{
    Negative,
    Neutral,
    Positive,
}

/// <summary>
/// Verdicts of one stage against the labels: the customer's (3 labels × the product's 4 verdicts) and the agent's.
/// A MIXED verdict is never right (nobody labels a call mixed) and never a negative: only NEGATIVE sends a call to QA.
/// </summary>
internal sealed class CallScoreboard
{
    private static readonly Sentiment[] Columns = [Sentiment.Negative, Sentiment.Neutral, Sentiment.Positive, Sentiment.Mixed];
    private readonly int[,] _customer = new int[3, 4];
    private readonly int[,] _agent = new int[3, 4];
    private int _agentsJudged;
    private int _agentsNegative;

    public void Add(CallLabel customer, Sentiment customerVerdict, CallLabel? agent, Sentiment? agentVerdict)
    {
        _customer[(int)customer, Array.IndexOf(Columns, customerVerdict)]++;
        if (agentVerdict is { } av)
        {
            _agentsJudged++;
            if (av == Sentiment.Negative) _agentsNegative++;
            if (agent is { } a) _agent[(int)a, Array.IndexOf(Columns, av)]++;
        }
    }

    public int Count => Sum(_customer);

    public double Accuracy => Ratio(Correct(_customer), Count);

    public double AgentAccuracy => Ratio(Correct(_agent), Sum(_agent));

    /// <summary>Mean F1 over the three labels; a label nobody has and nobody was judged scores as absent (left out).</summary>
    public double MacroF1
    {
        get
        {
            var f1s = new List<double>();
            for (var k = 0; k < 3; k++)
            {
                var tp = _customer[k, k];
                var labelled = Enumerable.Range(0, 4).Sum(j => _customer[k, j]);
                var judged = Enumerable.Range(0, 3).Sum(i => _customer[i, k]);
                if (labelled == 0 && judged == 0) continue;
                f1s.Add(labelled + judged == 0 ? 0 : 2.0 * tp / (labelled + judged));
            }
            return f1s.Count == 0 ? double.NaN : f1s.Average();
        }
    }

    /// <summary>Negative customers judged NEGATIVE.</summary>
    public double NegativeRecall => Ratio(_customer[0, 0], Enumerable.Range(0, 4).Sum(j => _customer[0, j]));

    /// <summary>Customers judged NEGATIVE who were negative.</summary>
    public double NegativePrecision => Ratio(_customer[0, 0], _customer[0, 0] + _customer[1, 0] + _customer[2, 0]);

    /// <summary>Neutral or positive customers judged NEGATIVE: calls QA would be sent to for nothing.</summary>
    public double FalseAlarm => Ratio(_customer[1, 0] + _customer[2, 0],
        Enumerable.Range(0, 4).Sum(j => _customer[1, j] + _customer[2, j]));

    /// <summary>Agents judged NEGATIVE, of all agents judged.</summary>
    public double AgentNegative => Ratio(_agentsNegative, _agentsJudged);

    public int AgentsJudged => _agentsJudged;

    public string ConfusionTable(string indent)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(ci, $"{indent}{"label \\ verdict",-16}{"NEGATIVE",10}{"NEUTRAL",10}{"POSITIVE",10}{"MIXED",10}\n");
        string[] names = ["negative", "neutral", "positive"];
        for (var i = 0; i < 3; i++)
        {
            sb.Append(ci, $"{indent}{names[i],-16}");
            for (var j = 0; j < 4; j++) sb.Append(ci, $"{_customer[i, j],10}");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static int Correct(int[,] m) => m[0, 0] + m[1, 1] + m[2, 2];

    private static int Sum(int[,] m)
    {
        var s = 0;
        foreach (var v in m) s += v;
        return s;
    }

    private static double Ratio(int a, int b) => b == 0 ? double.NaN : (double)a / b;
}
