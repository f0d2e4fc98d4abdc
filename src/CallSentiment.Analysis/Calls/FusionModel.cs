using System.Globalization;
using System.Text.Json;
using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Analysis.Calls;

/// <summary>
/// What one speaker's words and voice say, reduced to what the combiner reads: each stage's three-way distribution
/// (negative, neutral, positive) and how much of it there is that can be trusted. Words count by their seconds times
/// how far the recogniser trusts them (nothing below <see cref="FusionModel.DoubtedBelow"/>, fully above
/// <see cref="FusionModel.TrustedAbove"/>); the voice by the seconds of the call its windows cover (overlapping windows count once).
/// </summary>
public sealed record FusionEvidence(
    double TextNegative, double TextNeutral, double TextPositive, double TextSeconds, double TextWeight, double WordConfidence,
    double VoiceNegative, double VoiceNeutral, double VoicePositive, double VoiceSeconds, double VoiceWeight)
{
    public static readonly string[] FeatureNames =
    [
        "text log(neg/neu) > 0", "text log(neg/neu) < 0", "text log(pos/neu) > 0", "text log(pos/neu) < 0",
        "voice log(neg/neu) > 0", "voice log(neg/neu) < 0", "voice log(pos/neu) > 0", "voice log(pos/neu) < 0",
    ];

    /// <summary>
    /// The combiner's inputs: each stage's log-odds against neutral, scaled by how much trusted evidence it has, and
    /// split by sign. An angry voice or a complaint in the words is evidence; a flat voice or a neutral sentence is
    /// mostly the absence of it (a calm telephone voice says little about a complaint in the words, and "I would like
    /// to change my address" said in a furious voice is still a complaint), so the two directions get their own weights.
    /// </summary>
    public double[] Features(double floor)
    {
        static double Log(double a, double b, double f) => Math.Log(Math.Max(a, f) / Math.Max(b, f));
        var tn = TextWeight > 0 ? Log(TextNegative, TextNeutral, floor) : 0;
        var tp = TextWeight > 0 ? Log(TextPositive, TextNeutral, floor) : 0;
        var vn = VoiceWeight > 0 ? Log(VoiceNegative, VoiceNeutral, floor) : 0;
        var vp = VoiceWeight > 0 ? Log(VoicePositive, VoiceNeutral, floor) : 0;
        return
        [
            TextWeight * Math.Max(0, tn), TextWeight * Math.Min(0, tn), TextWeight * Math.Max(0, tp), TextWeight * Math.Min(0, tp),
            VoiceWeight * Math.Max(0, vn), VoiceWeight * Math.Min(0, vn), VoiceWeight * Math.Max(0, vp), VoiceWeight * Math.Min(0, vp),
        ];
    }
}

/// <summary>
/// The fused judgement of one speaker: the verdict, its three-way probabilities and whether to trust it.
/// <paramref name="NegativeEvidence"/>: what the stages' evidence (without the biases) adds to the negative log-odds.
/// </summary>
public sealed record FusedMood(Verdict Verdict, double Negative, double Neutral, double Positive, bool LowConfidence, string? Why,
    double NegativeEvidence = 0);

/// <summary>
/// The combiner that fuses words and voice per speaker (<c>models/fusion/fusion.json</c>, with its card): a
/// three-way logistic model over <see cref="FusionEvidence.Features"/>, negative and positive against neutral.
/// With no trusted evidence it falls back on its biases (the prior) and says the call is low-confidence. Weights start
/// from a product of experts (each stage's emotional log-odds counted once, its neutral-ward log-odds at 0.3).
/// </summary>
public sealed record FusionModel
{
    public const string FileName = "fusion.json";

    /// <summary>Identifies the fitted parameters (stored with every analysis made with them).</summary>
    public string Version { get; init; } = "prior";

    /// <summary>Words the recogniser is less sure of than this count for nothing (its doubts are often right).</summary>
    public double DoubtedBelow { get; init; } = 0.35;

    /// <summary>Words at least this sure count fully; in between, in proportion.</summary>
    public double TrustedAbove { get; init; } = 0.65;

    /// <summary>Seconds of fully trusted words at which the words count in full.</summary>
    public double FullTextSeconds { get; init; } = 8;

    /// <summary>Seconds covered by voiced windows at which the voice counts in full.</summary>
    public double FullVoiceSeconds { get; init; } = 6;

    /// <summary>Smallest probability used in a log-odds (a model's 0.001 is not a thousand times surer than its 0.1).</summary>
    public double Floor { get; init; } = 0.03;

    public double NegativeBias { get; init; }

    public double PositiveBias { get; init; }

    /// <summary>Weights of <see cref="FusionEvidence.Features"/> in the negative-vs-neutral log-odds.</summary>
    public double[] NegativeWeights { get; init; } = [1, 0.3, 0, 0, 1, 0.3, 0, 0];

    /// <summary>Weights of <see cref="FusionEvidence.Features"/> in the positive-vs-neutral log-odds.</summary>
    public double[] PositiveWeights { get; init; } = [0, 0, 1, 0.3, 0, 0, 1, 0.3];

    /// <summary>A verdict whose probability is under this is low-confidence.</summary>
    public double LowConfidenceBelow { get; init; } = 0.6;

    /// <summary>Trusted evidence (text weight + voice weight, each 0..1) under this is too little to judge by: low-confidence.</summary>
    public double MinEvidence { get; init; } = 0.3;

    /// <summary>A low-confidence NEGATIVE still goes to QA when its negative probability reaches this.</summary>
    public double StrongNegative { get; init; } = 0.8;

    /// <summary>MIXED when negative and positive both reach this probability.</summary>
    public double MixedFrom { get; init; } = 0.35;

    /// <summary>
    /// A prior shift for the agent's words (absent: none). The text model learnt from complaints (tweets, reviews), where
    /// "sorry", "refund" and "that must be frustrating" mean trouble; from an agent they are routine courtesy.
    /// </summary>
    public TextOffsets? AgentText { get; init; }

    /// <summary>What the parameters were fitted on and how they did (written by calibrate; informational).</summary>
    public JsonElement? Training { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Reads <paramref name="folder"/>/fusion.json (or another file name); a missing or malformed file is an error naming it.</summary>
    public static FusionModel Load(string folder, string fileName = FileName)
    {
        var path = Path.Combine(folder, fileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"Fusion model not found: {Path.GetFullPath(path)}", path);
        FusionModel? model;
        try
        {
            model = JsonSerializer.Deserialize<FusionModel>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a fusion model ({e.Message})", e);
        }
        return (model ?? throw new InvalidDataException($"{path} is empty")).Validated(path);
    }

    private FusionModel Validated(string source)
    {
        var n = FusionEvidence.FeatureNames.Length;
        if (NegativeWeights.Length != n || PositiveWeights.Length != n)
            throw new InvalidDataException($"{source}: negativeWeights and positiveWeights need {n} values each ({string.Join(", ", FusionEvidence.FeatureNames)})");
        if (!(DoubtedBelow >= 0 && DoubtedBelow < TrustedAbove && TrustedAbove <= 1))
            throw new InvalidDataException($"{source}: need 0 <= doubtedBelow < trustedAbove <= 1");
        if (!(FullTextSeconds > 0 && FullVoiceSeconds > 0 && Floor is > 0 and < 0.5))
            throw new InvalidDataException($"{source}: fullTextSeconds and fullVoiceSeconds must be positive, floor in (0, 0.5)");
        if (AgentText is { } a && !(Math.Abs(a.Negative) <= TextOffsets.Limit && Math.Abs(a.Positive) <= TextOffsets.Limit))
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{source}: agentText.negative and agentText.positive must be log-odds within ±{TextOffsets.Limit} (got {a.Negative}, {a.Positive})"));
        return this;
    }

    /// <summary>How much a chunk's words count per second, from the recogniser's confidence in them (0..1).</summary>
    public double WordTrust(double confidence) => Math.Clamp((confidence - DoubtedBelow) / (TrustedAbove - DoubtedBelow), 0, 1);

    /// <summary>Words the recogniser trusts at least half (confidence halfway between doubted and trusted or more): the only ones quoted as a reason.</summary>
    public bool ConfidentWords(double confidence) => confidence >= ConfidentFrom;

    /// <summary>The recogniser confidence from which words are quoted: halfway between doubted and trusted.</summary>
    public double ConfidentFrom => (DoubtedBelow + TrustedAbove) / 2;

    /// <summary>Negative, neutral and positive probabilities for the evidence.</summary>
    public (double Negative, double Neutral, double Positive) Probabilities(FusionEvidence evidence)
    {
        var f = evidence.Features(Floor);
        double zn = NegativeBias, zp = PositiveBias;
        for (var i = 0; i < f.Length; i++)
        {
            zn += NegativeWeights[i] * f[i];
            zp += PositiveWeights[i] * f[i];
        }
        var m = Math.Max(0, Math.Max(zn, zp));
        double en = Math.Exp(zn - m), eu = Math.Exp(-m), ep = Math.Exp(zp - m), sum = en + eu + ep;
        return (en / sum, eu / sum, ep / sum);
    }

    /// <summary>The fused verdict, or null when neither stage heard anything from this speaker.</summary>
    public FusedMood? Fuse(FusionEvidence evidence)
    {
        if (evidence.TextSeconds <= 0 && evidence.VoiceSeconds <= 0) return null;
        var (n, u, p) = Probabilities(evidence);
        var features = evidence.Features(Floor);
        var negativeEvidence = 0.0;
        for (var i = 0; i < features.Length; i++) negativeEvidence += NegativeWeights[i] * features[i];
        SentimentScores scores;
        Sentiment label;
        if (n >= MixedFrom && p >= MixedFrom)
        {
            var m = 2 * Math.Min(n, p);
            scores = new SentimentScores((1 - m) * p, (1 - m) * n, (1 - m) * u, m);
            label = Sentiment.Mixed;
        }
        else
        {
            scores = new SentimentScores(p, n, u, 0);
            // Ties go to NEUTRAL: only with no evidence at all are the three equal, and then nothing was said either way.
            label = n > u && n >= p ? Sentiment.Negative : p > u ? Sentiment.Positive : Sentiment.Neutral;
        }
        var verdict = new Verdict(label, scores);
        string? why = null;
        if (evidence.TextWeight + evidence.VoiceWeight < MinEvidence)
            why = evidence.TextSeconds > 0 && evidence.TextWeight < 0.1
                ? $"the recogniser doubts the words (mean word confidence {evidence.WordConfidence:0.00}) and there is little voice ({evidence.VoiceSeconds:0} s)"
                : $"little to judge by ({evidence.TextSeconds:0} s of words, {evidence.VoiceSeconds:0} s of voice)";
        else if (verdict.Confidence < LowConfidenceBelow)
            why = $"the evidence is split ({label.ToLabel()} at {verdict.Confidence:0.00})";
        return new FusedMood(verdict, n, u, p, why is not null, why, negativeEvidence);
    }

    /// <summary>
    /// Whether a customer's fused mood sends the call to the service-recovery queue: NEGATIVE, and when low-confidence
    /// only with strong negative evidence: P(negative) at least <see cref="StrongNegative"/> and something actually
    /// heard pointing that way (never a fitted bias alone).
    /// </summary>
    public bool ForRecovery(FusedMood mood) =>
        mood.Verdict.Sentiment == Sentiment.Negative && (!mood.LowConfidence || (mood.Negative >= StrongNegative && mood.NegativeEvidence > 0));
}

/// <summary>
/// Log-odds added to a chunk's NEGATIVE:NEUTRAL and POSITIVE:NEUTRAL (a prior shift for one role's words, fitted by
/// <c>models/training/fit_agent_calibration.py</c>). MIXED, which the fusion reads as half negative and half positive,
/// moves by the mean of the two factors; the scores are renormalised to sum to 1.
/// </summary>
public sealed record TextOffsets(double Negative, double Positive)
{
    /// <summary>Largest offset accepted (e³ ≈ 20 times the odds): beyond it the text model, not a prior, needs fixing.</summary>
    public const double Limit = 3;

    public SentimentScores Shift(SentimentScores s)
    {
        double en = Math.Exp(Negative), ep = Math.Exp(Positive);
        double n = s.Negative * en, p = s.Positive * ep, m = s.Mixed * (en + ep) / 2, sum = n + p + m + s.Neutral;
        return sum > 0 ? new SentimentScores(p / sum, n / sum, s.Neutral / sum, m / sum) : s;
    }
}
