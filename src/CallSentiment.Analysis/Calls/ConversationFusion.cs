using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Analysis.Calls;

/// <summary>
/// A stretch of evidence about one speaker's mood: a scored transcript chunk or a voice-emotion window.
/// <paramref name="Reliability"/> (0..1) scales how much it counts: for a chunk, the recogniser's mean word confidence,
/// so words the recogniser was unsure of (noise, a poor line) do not outvote the voice.
/// </summary>
public readonly record struct MoodSpan(double Start, double End, SentimentScores Scores, double Reliability = 1)
{
    public double Seconds => Math.Max(End - Start, 1e-6);

    /// <summary>Seconds times reliability: the weight of this span in averages and coverage.</summary>
    public double Weight => Seconds * Math.Clamp(Reliability, 0.01, 1);

    /// <summary>Position on the sentiment axis, −1 (all negative) … +1 (all positive); MIXED counts as neither.</summary>
    public double Valence => Scores.Positive - Scores.Negative;
}

/// <summary>One speaker's sentiment: from the words, from the voice, and the two fused; plus the course over the call.</summary>
public sealed record SpeakerMood(Verdict? Text, Verdict? Voice, Verdict? Fused, double?[] Quarters)
{
    /// <summary>Last quarter minus first (positive: the speaker ended happier than they started); null when either is empty.</summary>
    public double? Change => Quarters[0] is { } first && Quarters[3] is { } last ? last - first : null;
}

/// <summary>
/// How the words (text sentiment per transcript chunk) and the voice (speech-emotion windows) of one speaker become
/// that speaker's verdict, and how it moves over the call. The rules are in Metrics/README.md; in short:
/// <list type="bullet">
/// <item>Text: chunks weighted by duration (<see cref="TextVerdict"/>); voice: <see cref="VoiceVerdict"/>.</item>
/// <item>Weights: text <see cref="TextWeight"/>·coverage, voice <see cref="VoiceWeight"/>·coverage, where coverage grows
/// with the seconds of evidence (full at <see cref="FullTextSeconds"/> and <see cref="FullVoiceSeconds"/>), each chunk's
/// seconds scaled by the recogniser's confidence in its words: a customer who said one sentence, or whose words were
/// barely recognised, is not judged by the words alone.</item>
/// <item>Scores: the weighted mean of the two verdicts' scores (still summing to 1).</item>
/// <item>Label: one signal → its label; both agree → that label; NEGATIVE against POSITIVE with both confidences at least
/// 0.5 → MIXED; otherwise the larger weight × confidence wins.</item>
/// <item>Quarters: the call's duration in four equal parts; per part the duration-weighted valence (positive − negative)
/// of the speaker's chunks and windows overlapping it, text and voice weighted as above.</item>
/// </list>
/// </summary>
public static class ConversationFusion
{
    public const double TextWeight = 0.65;
    public const double VoiceWeight = 0.35;
    public const double FullTextSeconds = 10;
    public const double FullVoiceSeconds = 6;

    public static SpeakerMood Fuse(IReadOnlyList<MoodSpan> text, IReadOnlyList<MoodSpan> voice, double callSeconds)
    {
        var t = TextVerdict(text);
        var v = voice.Count == 0 ? null : VoiceVerdict.FromWindows(voice
            .Select(w => new ValenceWindow(w.Seconds, w.Scores.Negative, w.Scores.Neutral, w.Scores.Positive)).ToList());
        var wt = t is null ? 0 : TextWeight * Coverage(text, FullTextSeconds);
        var wv = v is null ? 0 : VoiceWeight * Coverage(voice, FullVoiceSeconds);
        return new SpeakerMood(t, v, Combine(t, wt, v, wv), Quarters(text, voice, callSeconds));
    }

    /// <summary>
    /// Duration-weighted chunk scores. A chunk counts towards the negative share when NEGATIVE is its largest score,
    /// towards the positive share when POSITIVE is, half to each when MIXED is. MIXED when both shares reach 25 %;
    /// NEGATIVE when the mean negative score reaches 0.5 or a third of the time was negative (and under a quarter
    /// positive) — a customer angry for a third of the call is a service-recovery case even if polite otherwise;
    /// POSITIVE by the mirror rule; else the largest mean score.
    /// </summary>
    public static Verdict? TextVerdict(IReadOnlyList<MoodSpan> chunks)
    {
        double total = 0, p = 0, n = 0, u = 0, m = 0, negShare = 0, posShare = 0;
        foreach (var c in chunks)
        {
            var d = c.Weight;
            var s = c.Scores;
            total += d;
            p += d * s.Positive; n += d * s.Negative; u += d * s.Neutral; m += d * s.Mixed;
            var top = Largest(s);
            if (top == Sentiment.Negative) negShare += d;
            else if (top == Sentiment.Positive) posShare += d;
            else if (top == Sentiment.Mixed) { negShare += d / 2; posShare += d / 2; }
        }
        if (total <= 0) return null;
        p /= total; n /= total; u /= total; m /= total; negShare /= total; posShare /= total;
        var scores = Normalise(new SentimentScores(p, n, u, m));
        Sentiment label;
        if (negShare >= VoiceVerdict.MixedShare && posShare >= VoiceVerdict.MixedShare) label = Sentiment.Mixed;
        else if (scores.Negative >= 0.5 || (negShare >= 1.0 / 3 && posShare < VoiceVerdict.MixedShare)) label = Sentiment.Negative;
        else if (scores.Positive >= 0.5 || (posShare >= 1.0 / 3 && negShare < VoiceVerdict.MixedShare)) label = Sentiment.Positive;
        else label = Largest(scores);
        return new Verdict(label, scores);
    }

    public static Verdict? Combine(Verdict? text, double textWeight, Verdict? voice, double voiceWeight)
    {
        if (text is null || textWeight <= 0) return voice;
        if (voice is null || voiceWeight <= 0) return text;
        var w = textWeight + voiceWeight;
        var s = new SentimentScores(
            (textWeight * text.Scores.Positive + voiceWeight * voice.Scores.Positive) / w,
            (textWeight * text.Scores.Negative + voiceWeight * voice.Scores.Negative) / w,
            (textWeight * text.Scores.Neutral + voiceWeight * voice.Scores.Neutral) / w,
            (textWeight * text.Scores.Mixed + voiceWeight * voice.Scores.Mixed) / w);
        Sentiment label;
        if (text.Sentiment == voice.Sentiment) label = text.Sentiment;
        else if (IsOpposite(text.Sentiment, voice.Sentiment) && text.Confidence >= 0.5 && voice.Confidence >= 0.5) label = Sentiment.Mixed;
        else label = textWeight * text.Confidence >= voiceWeight * voice.Confidence ? text.Sentiment : voice.Sentiment;
        return new Verdict(label, s);
    }

    /// <summary>Valence per quarter of the call (null where the speaker gave no evidence in that quarter).</summary>
    public static double?[] Quarters(IReadOnlyList<MoodSpan> text, IReadOnlyList<MoodSpan> voice, double callSeconds)
    {
        var result = new double?[4];
        if (callSeconds <= 0) return result;
        var q = callSeconds / 4;
        for (var i = 0; i < 4; i++)
        {
            double from = i * q, to = i == 3 ? double.MaxValue : (i + 1) * q;
            var (tv, ts) = Weighted(text, from, to);
            var (vv, vs) = Weighted(voice, from, to);
            var wt = ts > 0 ? TextWeight * Math.Min(1, ts / (FullTextSeconds / 4)) : 0;
            var wv = vs > 0 ? VoiceWeight * Math.Min(1, vs / (FullVoiceSeconds / 4)) : 0;
            if (wt + wv > 0) result[i] = (wt * tv + wv * vv) / (wt + wv);
        }
        return result;
    }

    private static (double Valence, double Seconds) Weighted(IReadOnlyList<MoodSpan> spans, double from, double to)
    {
        double seconds = 0, sum = 0;
        foreach (var s in spans)
        {
            var overlap = Math.Min(s.End, to) - Math.Max(s.Start, from);
            if (overlap <= 0) continue;
            var w = overlap * Math.Clamp(s.Reliability, 0.01, 1);
            seconds += w;
            sum += w * s.Valence;
        }
        return seconds > 0 ? (sum / seconds, seconds) : (0, 0);
    }

    private static double Coverage(IReadOnlyList<MoodSpan> spans, double full) => Math.Min(1, spans.Sum(s => s.Weight) / full);

    private static bool IsOpposite(Sentiment a, Sentiment b) =>
        (a == Sentiment.Negative && b == Sentiment.Positive) || (a == Sentiment.Positive && b == Sentiment.Negative);

    /// <summary>The largest score; ties go NEGATIVE, MIXED, POSITIVE, NEUTRAL (a tie should not hide a complaint).</summary>
    public static Sentiment Largest(SentimentScores s)
    {
        Sentiment[] order = [Sentiment.Negative, Sentiment.Mixed, Sentiment.Positive, Sentiment.Neutral];
        return order.MaxBy(l => s[l]);
    }

    private static SentimentScores Normalise(SentimentScores s)
    {
        var sum = s.Positive + s.Negative + s.Neutral + s.Mixed;
        return sum > 0 ? new SentimentScores(s.Positive / sum, s.Negative / sum, s.Neutral / sum, s.Mixed / sum) : new SentimentScores(0, 0, 1, 0);
    }
}
