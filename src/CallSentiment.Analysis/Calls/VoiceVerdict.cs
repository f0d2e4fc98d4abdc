using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Analysis.Calls;

/// <summary>
/// Turns voice-emotion windows (valence mass per window, from the model's documented mapping) into a verdict with
/// Comprehend's four labels. Rules (see Calls/README.md):
/// <list type="bullet">
/// <item>Mean valence over the windows, weighted by window duration: n, u, p.</item>
/// <item>Window shares: a window counts as negative when its negative mass is at least 0.5 (the rule evaluate-emotion's
/// binaryNeg scores), positive when positive mass is its largest, else neutral.</item>
/// <item>MIXED evidence m = 2·min(share negative, share positive): both moods held for a real part of the call.
/// Scores are (1 − m)·(p, n, u) and m, so they sum to 1.</item>
/// <item>Label: MIXED when both shares reach <see cref="MixedShare"/>; else NEGATIVE when n ≥ 0.5; else the larger
/// of positive/neutral/negative.</item>
/// </list>
/// </summary>
public static class VoiceVerdict
{
    public const double MixedShare = 0.25;

    /// <summary>The verdict over a channel's stored timeline windows.</summary>
    public static Verdict? FromTimeline(IEnumerable<WindowResult> windows) => FromWindows(windows
        .Select(w => new ValenceWindow((w.EndMs - w.StartMs) / 1000.0, w.Negative, w.Neutral, w.Positive)).ToList());

    public static Verdict? FromWindows(IReadOnlyList<ValenceWindow> windows)
    {
        double total = 0, n = 0, u = 0, p = 0, negShare = 0, posShare = 0;
        foreach (var w in windows)
        {
            var d = Math.Max(w.Seconds, 1e-6);
            total += d;
            n += d * w.Negative;
            u += d * w.Neutral;
            p += d * w.Positive;
            if (w.Negative >= 0.5) negShare += d;
            else if (w.Positive > w.Neutral && w.Positive > w.Negative) posShare += d;
        }
        if (total <= 0) return null;
        n /= total; u /= total; p /= total; negShare /= total; posShare /= total;
        var sum = n + u + p;
        if (sum > 0) { n /= sum; u /= sum; p /= sum; }
        var m = 2 * Math.Min(negShare, posShare);
        var scores = new SentimentScores((1 - m) * p, (1 - m) * n, (1 - m) * u, m);
        Sentiment label;
        if (negShare >= MixedShare && posShare >= MixedShare) label = Sentiment.Mixed;
        else if (n >= 0.5) label = Sentiment.Negative;
        else if (p >= u && p >= n) label = Sentiment.Positive;
        else if (u >= n) label = Sentiment.Neutral;
        else label = Sentiment.Negative;
        return new Verdict(label, scores);
    }
}

/// <summary>One timeline window's duration and valence mass.</summary>
public readonly record struct ValenceWindow(double Seconds, double Negative, double Neutral, double Positive);
