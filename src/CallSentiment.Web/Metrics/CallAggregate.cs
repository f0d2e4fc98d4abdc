using System.Globalization;

namespace CallSentiment.Web.Metrics;

/// <summary>
/// Sums over a set of calls, mergeable: the database returns one per week and the totals are their sum, so the
/// dashboard reads every row once. Averages and NPS are derived, never stored.
/// </summary>
public sealed record CallAggregate
{
    public long Count { get; init; }
    public long DurationMs { get; init; }
    public double SumPositive { get; init; }
    public double SumNegative { get; init; }
    public double SumNeutral { get; init; }
    public double SumMixed { get; init; }
    public long Positives { get; init; }
    public long Negatives { get; init; }
    public long Neutrals { get; init; }
    public long Mixeds { get; init; }

    public static CallAggregate Empty { get; } = new();

    public static CallAggregate Of(IEnumerable<(Verdict Verdict, long DurationMs)> calls)
    {
        var a = Empty;
        foreach (var (v, d) in calls)
        {
            a += new CallAggregate
            {
                Count = 1,
                DurationMs = d,
                SumPositive = v.Scores.Positive,
                SumNegative = v.Scores.Negative,
                SumNeutral = v.Scores.Neutral,
                SumMixed = v.Scores.Mixed,
                Positives = v.Sentiment == Sentiment.Positive ? 1 : 0,
                Negatives = v.Sentiment == Sentiment.Negative ? 1 : 0,
                Neutrals = v.Sentiment == Sentiment.Neutral ? 1 : 0,
                Mixeds = v.Sentiment == Sentiment.Mixed ? 1 : 0,
            };
        }
        return a;
    }

    public static CallAggregate operator +(CallAggregate a, CallAggregate b) => new()
    {
        Count = a.Count + b.Count,
        DurationMs = a.DurationMs + b.DurationMs,
        SumPositive = a.SumPositive + b.SumPositive,
        SumNegative = a.SumNegative + b.SumNegative,
        SumNeutral = a.SumNeutral + b.SumNeutral,
        SumMixed = a.SumMixed + b.SumMixed,
        Positives = a.Positives + b.Positives,
        Negatives = a.Negatives + b.Negatives,
        Neutrals = a.Neutrals + b.Neutrals,
        Mixeds = a.Mixeds + b.Mixeds,
    };

    public static CallAggregate Add(CallAggregate a, CallAggregate b) => a + b;

    public double? AveragePositive => Count == 0 ? null : SumPositive / Count;
    public double? AverageNegative => Count == 0 ? null : SumNegative / Count;
    public double? AverageNeutral => Count == 0 ? null : SumNeutral / Count;
    public double? AverageMixed => Count == 0 ? null : SumMixed / Count;

    public long CountOf(Sentiment s) => s switch
    {
        Sentiment.Positive => Positives,
        Sentiment.Negative => Negatives,
        Sentiment.Neutral => Neutrals,
        _ => Mixeds,
    };

    /// <summary>NPS = (positives/total − negatives/total) × 100; null when there are no calls.</summary>
    public double? Nps => Count == 0 ? null : ((double)Positives / Count - (double)Negatives / Count) * 100;

    /// <summary>
    /// The label most calls got; null when there are none. Ties go to the label with the larger summed confidence,
    /// then to the more actionable label (NEGATIVE, MIXED, NEUTRAL, POSITIVE) so the result never depends on order.
    /// </summary>
    public Sentiment? Majority
    {
        get
        {
            if (Count == 0) return null;
            Sentiment[] order = [Sentiment.Negative, Sentiment.Mixed, Sentiment.Neutral, Sentiment.Positive];
            return order
                .OrderByDescending(CountOf)
                .ThenByDescending(s => s switch
                {
                    Sentiment.Positive => SumPositive,
                    Sentiment.Negative => SumNegative,
                    Sentiment.Neutral => SumNeutral,
                    _ => SumMixed,
                })
                .ThenBy(s => Array.IndexOf(order, s))
                .First();
        }
    }
}

/// <summary>Culture-invariant display of the figures: the same string on every server and in every export.</summary>
public static class MetricFormat
{
    /// <summary>Two decimals and a percent sign, or N/A when there are no calls.</summary>
    public static string Nps(double? nps) => nps is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) + "%" : "N/A";

    public static string Score(double? score) => score is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "–";

    /// <summary>How long something has waited: "2 d 3 h", "5 h 12 min", "7 min".</summary>
    public static string Age(long milliseconds)
    {
        var t = TimeSpan.FromMilliseconds(Math.Max(0, milliseconds));
        return t.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalDays} d {t.Hours} h")
            : t.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours} h {t.Minutes} min")
            : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes} min");
    }

    /// <summary>
    /// A stretch within a call (a silence, an overlap): under a minute in seconds with a tenth ("0.4 s", "12.0 s"), so a
    /// sub-second pause does not read as 0:00:00; longer ones as <see cref="Duration"/>.
    /// </summary>
    public static string Span(long milliseconds) =>
        milliseconds < 59_950 ? string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, milliseconds) / 1000.0:0.0} s") : Duration(milliseconds);

    /// <summary>Call time as h:mm:ss (hours unbounded, so a quarter's total reads naturally).</summary>
    public static string Duration(long milliseconds)
    {
        var total = (long)Math.Round(milliseconds / 1000.0);
        return string.Create(CultureInfo.InvariantCulture, $"{total / 3600}:{total / 60 % 60:00}:{total % 60:00}");
    }
}
