using CallSentiment.Web.Metrics;

namespace CallSentiment.Web.Tests;

public class MetricsTests
{
    private static Verdict V(Sentiment s, double p, double n, double u, double m) => new(s, new SentimentScores(p, n, u, m));

    [Fact]
    public void Aggregate_HandComputedCase_AveragesCountsNpsAndMajority()
    {
        // 5 calls: 2 positive, 1 negative, 1 neutral, 1 mixed.
        var a = CallAggregate.Of([
            (V(Sentiment.Positive, 0.8, 0.1, 0.1, 0.0), 60_000),
            (V(Sentiment.Positive, 0.6, 0.2, 0.1, 0.1), 120_000),
            (V(Sentiment.Negative, 0.1, 0.7, 0.1, 0.1), 30_000),
            (V(Sentiment.Neutral, 0.2, 0.1, 0.7, 0.0), 45_000),
            (V(Sentiment.Mixed, 0.3, 0.3, 0.0, 0.4), 15_000),
        ]);
        Assert.Equal(5, a.Count);
        Assert.Equal(270_000, a.DurationMs);
        Assert.Equal(2.0 / 5, a.AveragePositive!.Value, 10);
        Assert.Equal(1.4 / 5, a.AverageNegative!.Value, 10);
        Assert.Equal(1.0 / 5, a.AverageNeutral!.Value, 10);
        Assert.Equal(0.6 / 5, a.AverageMixed!.Value, 10);
        Assert.Equal((2, 1, 1, 1), (a.Positives, a.Negatives, a.Neutrals, a.Mixeds));
        Assert.Equal(20.0, a.Nps!.Value, 10); // (2/5 − 1/5) × 100
        Assert.Equal("20.00%", MetricFormat.Nps(a.Nps));
        Assert.Equal(Sentiment.Positive, a.Majority);
        Assert.Equal("0:04:30", MetricFormat.Duration(a.DurationMs));
    }

    [Fact]
    public void Nps_NoCalls_IsNotApplicable()
    {
        Assert.Null(CallAggregate.Empty.Nps);
        Assert.Equal("N/A", MetricFormat.Nps(CallAggregate.Empty.Nps));
        Assert.Null(CallAggregate.Empty.Majority);
        Assert.Null(CallAggregate.Empty.AveragePositive);
    }

    [Theory]
    [InlineData(1, 2, 0, "-33.33%")]   // (1/3 − 2/3) × 100
    [InlineData(2, 1, 0, "33.33%")]
    [InlineData(0, 0, 3, "0.00%")]
    [InlineData(3, 0, 0, "100.00%")]
    [InlineData(1, 0, 6, "14.29%")]    // 1/7 = 14.2857…
    public void Nps_TwoDecimalsAndPercent(int positives, int negatives, int neutrals, string expected)
    {
        var calls = Enumerable.Repeat((V(Sentiment.Positive, 1, 0, 0, 0), 1L), positives)
            .Concat(Enumerable.Repeat((V(Sentiment.Negative, 0, 1, 0, 0), 1L), negatives))
            .Concat(Enumerable.Repeat((V(Sentiment.Neutral, 0, 0, 1, 0), 1L), neutrals));
        Assert.Equal(expected, MetricFormat.Nps(CallAggregate.Of(calls).Nps));
    }

    [Fact]
    public void Nps_FormatIsCultureInvariant()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            // A culture writing decimal commas, as de-DE does (the app runs with invariant globalization, so it is built by hand).
            var comma = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            comma.NumberFormat.PercentDecimalSeparator = ",";
            System.Globalization.CultureInfo.CurrentCulture = comma;
            Assert.Equal("1,5", 1.5.ToString(System.Globalization.CultureInfo.CurrentCulture));
            Assert.Equal("-12.50%", MetricFormat.Nps(-12.5));
            Assert.Equal("0.125", MetricFormat.Score(0.125));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Majority_Tie_GoesToLargerSummedConfidence()
    {
        var a = CallAggregate.Of([(V(Sentiment.Positive, 0.9, 0, 0.1, 0), 1), (V(Sentiment.Negative, 0, 0.6, 0.4, 0), 1)]);
        Assert.Equal(Sentiment.Positive, a.Majority);
        var b = CallAggregate.Of([(V(Sentiment.Positive, 0.55, 0, 0.45, 0), 1), (V(Sentiment.Negative, 0, 0.8, 0.2, 0), 1)]);
        Assert.Equal(Sentiment.Negative, b.Majority);
    }

    [Fact]
    public void Aggregates_AddUpLikeTheWhole()
    {
        var x = CallAggregate.Of([(V(Sentiment.Positive, 0.8, 0.1, 0.1, 0), 10)]);
        var y = CallAggregate.Of([(V(Sentiment.Negative, 0.1, 0.8, 0.1, 0), 20), (V(Sentiment.Mixed, 0.3, 0.3, 0, 0.4), 5)]);
        var whole = CallAggregate.Of([(V(Sentiment.Positive, 0.8, 0.1, 0.1, 0), 10), (V(Sentiment.Negative, 0.1, 0.8, 0.1, 0), 20), (V(Sentiment.Mixed, 0.3, 0.3, 0, 0.4), 5)]);
        var sum = x + y;
        Assert.Equal((whole.Count, whole.DurationMs, whole.Positives, whole.Negatives, whole.Neutrals, whole.Mixeds),
            (sum.Count, sum.DurationMs, sum.Positives, sum.Negatives, sum.Neutrals, sum.Mixeds));
        Assert.Equal(whole.SumPositive, sum.SumPositive, 12);
        Assert.Equal(whole.SumNegative, sum.SumNegative, 12);
        Assert.Equal(whole.SumMixed, sum.SumMixed, 12);
    }

    [Fact]
    public void WeekBuckets_UtcRange_IsoWeeksClippedToRange()
    {
        // Wed 2025-12-31 12:00 → Tue 2026-01-13 00:00. 2025-12-31 is in ISO week 2026-W01.
        var from = new DateTimeOffset(2025, 12, 31, 12, 0, 0, TimeSpan.Zero);
        var to = new DateTimeOffset(2026, 1, 13, 0, 0, 0, TimeSpan.Zero);
        var weeks = WeekBuckets.Between(from, to, TimeZoneInfo.Utc);
        Assert.Equal(["2026-W01", "2026-W02", "2026-W03"], weeks.Select(w => w.Label));
        Assert.Equal(from, weeks[0].StartUtc);
        Assert.Equal(new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero), weeks[0].EndUtc);
        Assert.Equal(to, weeks[^1].EndUtc);
        for (var i = 1; i < weeks.Count; i++) Assert.Equal(weeks[i - 1].EndUtc, weeks[i].StartUtc);
    }

    [Fact]
    public void WeekBuckets_YearWith53Weeks_LabelsW53()
    {
        var weeks = WeekBuckets.Between(new DateTimeOffset(2026, 12, 28, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 5, 0, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc);
        Assert.Equal(["2026-W53", "2027-W01"], weeks.Select(w => w.Label));
    }

    [Fact]
    public void WeekBuckets_LocalZoneAcrossDst_WeeksStartAtLocalMidnight()
    {
        var london = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        // Clocks go forward on Sunday 2026-03-29: that week is 167 hours long.
        var weeks = WeekBuckets.Between(new DateTimeOffset(2026, 3, 23, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 4, 6, 0, 0, 0, TimeSpan.FromHours(1)), london);
        Assert.Equal(["2026-W13", "2026-W14"], weeks.Select(w => w.Label));
        Assert.Equal(TimeSpan.FromHours(167), weeks[0].EndUtc - weeks[0].StartUtc);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 23, 0, 0, TimeSpan.Zero), weeks[1].StartUtc); // Monday 00:00 BST
    }

    [Fact]
    public void VoiceVerdict_AngryWindows_Negative()
    {
        var v = VoiceVerdict.FromWindows([new(3, 0.8, 0.1, 0.1), new(3, 0.7, 0.2, 0.1)])!;
        Assert.Equal(Sentiment.Negative, v.Sentiment);
        Assert.Equal(1.0, v.Scores.Positive + v.Scores.Negative + v.Scores.Neutral + v.Scores.Mixed, 10);
        Assert.Equal(0.75, v.Confidence, 10);
    }

    [Fact]
    public void VoiceVerdict_HalfAngryHalfHappy_Mixed()
    {
        var v = VoiceVerdict.FromWindows([new(3, 0.8, 0.1, 0.1), new(3, 0.1, 0.1, 0.8)])!;
        Assert.Equal(Sentiment.Mixed, v.Sentiment);
        Assert.Equal(1.0, v.Scores.Mixed, 10); // 2 × min(0.5, 0.5)
    }

    [Fact]
    public void VoiceVerdict_WeightsByDuration_AndNoSpeechIsNull()
    {
        var v = VoiceVerdict.FromWindows([new(1, 0.9, 0.05, 0.05), new(9, 0.1, 0.7, 0.2)])!;
        Assert.Equal(Sentiment.Neutral, v.Sentiment);
        Assert.Null(VoiceVerdict.FromWindows([]));
        Assert.Equal(Sentiment.Neutral, VerdictFusion.Combine([]).Sentiment);
    }
}
