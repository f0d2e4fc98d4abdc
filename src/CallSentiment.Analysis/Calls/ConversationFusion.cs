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

/// <summary>
/// One speaker's sentiment: from the words, from the voice, and the two fused (with the combiner's probabilities and
/// whether to trust it, <see cref="Fusion"/>, and what it was given, <see cref="Evidence"/>); plus the course over the call.
/// </summary>
public sealed record SpeakerMood(Verdict? Text, Verdict? Voice, Verdict? Fused, double?[] Quarters, FusedMood? Fusion = null,
    FusionEvidence? Evidence = null)
{
    /// <summary>The fused verdict rests on too little or too split evidence to act on without a listen.</summary>
    public bool LowConfidence => Fusion?.LowConfidence ?? false;

    /// <summary>Last quarter minus first (positive: the speaker ended happier than they started); null when either is empty.</summary>
    public double? Change => Quarters[0] is { } first && Quarters[3] is { } last ? last - first : null;
}

/// <summary>
/// How the words (text sentiment per transcript chunk) and the voice (speech-emotion windows) of one speaker become
/// that speaker's verdict, and how it moves over the call. The rules are in Calls/README.md; in short:
/// <list type="bullet">
/// <item>Words alone: chunks weighted by duration and the recogniser's confidence (<see cref="TextVerdict"/>); voice alone:
/// <see cref="VoiceVerdict"/>. Both are kept and shown.</item>
/// <item>Fused: <see cref="FusionModel"/> over <see cref="Evidence"/>: each stage's negative/neutral/positive
/// distribution and how much trusted evidence it has (words the recogniser doubts count for nothing).</item>
/// <item>Quarters: the call's duration in four equal parts; per part the duration-weighted valence (positive − negative)
/// of the speaker's trusted chunks and windows overlapping it, text and voice weighted as below.</item>
/// </list>
/// </summary>
public static class ConversationFusion
{
    /// <summary>Relative weight of words and voice in the quarters' valence.</summary>
    public const double TextWeight = 0.65;
    public const double VoiceWeight = 0.35;

    public static SpeakerMood Fuse(IReadOnlyList<MoodSpan> text, IReadOnlyList<MoodSpan> voice, double callSeconds, FusionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var t = TextVerdict(text);
        var v = voice.Count == 0 ? null : VoiceVerdict.FromWindows(voice
            .Select(w => new ValenceWindow(w.Seconds, w.Scores.Negative, w.Scores.Neutral, w.Scores.Positive)).ToList());
        var evidence = Evidence(text, voice, model);
        var fused = model.Fuse(evidence);
        var trusted = text.Select(k => k with { Reliability = model.WordTrust(k.Reliability) }).ToList();
        return new SpeakerMood(t, v, fused?.Verdict, Quarters(trusted, voice, callSeconds, model), fused, evidence);
    }

    /// <summary>
    /// What the combiner reads: the words' distribution over trusted seconds (a chunk's MIXED score counts half to
    /// negative, half to positive), the voice's over its windows, and how much of each there is.
    /// </summary>
    public static FusionEvidence Evidence(IReadOnlyList<MoodSpan> text, IReadOnlyList<MoodSpan> voice, FusionModel model)
    {
        double ts = 0, tw = 0, conf = 0, tn = 0, tu = 0, tp = 0;
        foreach (var k in text)
        {
            var d = k.Seconds;
            ts += d;
            conf += d * k.Reliability;
            var w = d * model.WordTrust(k.Reliability);
            tw += w;
            tn += w * (k.Scores.Negative + k.Scores.Mixed / 2);
            tu += w * k.Scores.Neutral;
            tp += w * (k.Scores.Positive + k.Scores.Mixed / 2);
        }
        if (tw > 0) { tn /= tw; tu /= tw; tp /= tw; }
        else { tn = 0; tu = 1; tp = 0; }
        double vn = 0, vu = 0, vp = 0;
        foreach (var w in voice)
        {
            var d = w.Seconds;
            vn += d * w.Scores.Negative;
            vu += d * w.Scores.Neutral;
            vp += d * w.Scores.Positive;
        }
        var vs = Covered(voice);
        var vsum = vn + vu + vp;
        if (vsum > 0) { vn /= vsum; vu /= vsum; vp /= vsum; }
        else { vn = 0; vu = 1; vp = 0; }
        return new FusionEvidence(tn, tu, tp, ts, Math.Min(1, tw / model.FullTextSeconds), ts > 0 ? conf / ts : 0,
            vn, vu, vp, vs, Math.Min(1, vs / model.FullVoiceSeconds));
    }

    /// <summary>Seconds of the call the spans cover (analysis windows overlap: each second counts once).</summary>
    public static double Covered(IReadOnlyList<MoodSpan> spans)
    {
        double total = 0, end = double.NegativeInfinity;
        foreach (var s in spans.OrderBy(s => s.Start))
        {
            var from = Math.Max(s.Start, end);
            if (s.End > from) total += s.End - from;
            end = Math.Max(end, s.End);
        }
        return total;
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

    /// <summary>Valence per quarter of the call (null where the speaker gave no evidence in that quarter).</summary>
    public static double?[] Quarters(IReadOnlyList<MoodSpan> text, IReadOnlyList<MoodSpan> voice, double callSeconds, FusionModel model)
    {
        var result = new double?[4];
        if (callSeconds <= 0) return result;
        var q = callSeconds / 4;
        for (var i = 0; i < 4; i++)
        {
            double from = i * q, to = i == 3 ? double.MaxValue : (i + 1) * q;
            var (tv, ts) = Weighted(text, from, to);
            var (vv, vs) = Weighted(voice, from, to);
            var wt = ts > 0 ? TextWeight * Math.Min(1, ts / (model.FullTextSeconds / 4)) : 0;
            var wv = vs > 0 ? VoiceWeight * Math.Min(1, vs / (model.FullVoiceSeconds / 4)) : 0;
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
