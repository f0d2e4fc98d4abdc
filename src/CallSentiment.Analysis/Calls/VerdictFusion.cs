using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Analysis.Calls;

/// <summary>
/// The call verdict from the verdicts of the enabled stages. With one stage (voice emotion) it is that stage's
/// verdict; with several, scores are averaged and the label is the largest score. No stage verdict (nothing was
/// heard) is a NEUTRAL call with full neutral confidence, so silent recordings do not skew NPS either way.
/// </summary>
public static class VerdictFusion
{
    public static Verdict Combine(IReadOnlyList<Verdict> verdicts)
    {
        if (verdicts.Count == 0) return new Verdict(Sentiment.Neutral, new SentimentScores(0, 0, 1, 0));
        if (verdicts.Count == 1) return verdicts[0];
        var s = new SentimentScores(
            verdicts.Average(v => v.Scores.Positive), verdicts.Average(v => v.Scores.Negative),
            verdicts.Average(v => v.Scores.Neutral), verdicts.Average(v => v.Scores.Mixed));
        Sentiment[] order = [Sentiment.Negative, Sentiment.Mixed, Sentiment.Positive, Sentiment.Neutral];
        return new Verdict(order.MaxBy(l => s[l]), s);
    }
}
