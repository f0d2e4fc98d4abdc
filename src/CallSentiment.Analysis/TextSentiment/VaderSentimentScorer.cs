namespace CallSentiment.Analysis.TextSentiment;

/// <summary>VADER's output: proportions of positive/negative/neutral valence and the normalised compound −1..+1.</summary>
public readonly record struct VaderScores(double Positive, double Negative, double Neutral, double Compound);

/// <summary>
/// A re-implementation of the VADER rule-based scorer (Hutto &amp; Gilbert, ICWSM 2014), used only as the baseline the
/// trained model is compared with: lexicon valence, booster words (decaying with distance), negation (×−0.74),
/// "but" (before ×0.5, after ×1.5), "at least", ALL-CAPS emphasis when the text mixes cases, "!" and "?" emphasis,
/// compound = s / √(s² + 15), and the ±0.05 thresholds. Idiom rules are left out. Thread-safe.
/// </summary>
public sealed class VaderSentimentScorer : ITextSentimentScorer
{
    public const double Threshold = 0.05;
    private const double BoostIncrease = 0.293;
    private const double BoostDecrease = -0.293;
    private const double CapsBoost = 0.733;
    private const double NegationScalar = -0.74;

    private static readonly Dictionary<string, double> Boosters = BuildBoosters();

    private static readonly HashSet<string> Negations =
    [
        "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "dont", "hadnt", "hasnt", "havent",
        "isnt", "mightnt", "mustnt", "neither", "never", "none", "nope", "nor", "not", "nothing", "nowhere", "oughtnt",
        "shant", "shouldnt", "uhuh", "wasnt", "werent", "without", "wont", "wouldnt", "rarely", "seldom", "despite", "no",
    ];

    private readonly SentimentLexicon _lexicon;

    public VaderSentimentScorer(SentimentLexicon lexicon) => _lexicon = lexicon;

    public string Name => "vader";

    /// <summary>English only: the lexicon is English.</summary>
    public bool Reads(string languageCode) => TextLanguages.IsEnglish(languageCode);

    /// <summary>Reads VADER's vader_lexicon.txt (e.g. ../shared/datasets/text/vader/vader_lexicon.txt).</summary>
    public static VaderSentimentScorer Load(string lexiconPath) => new(SentimentLexicon.Load(lexiconPath));

    private static Dictionary<string, double> BuildBoosters()
    {
        string[] up =
        [
            "absolutely", "amazingly", "awfully", "completely", "considerably", "decidedly", "deeply", "effing", "enormously",
            "entirely", "especially", "exceptionally", "extremely", "fabulously", "flipping", "flippin", "fricking", "frickin",
            "frigging", "friggin", "fully", "fucking", "greatly", "hella", "highly", "hugely", "incredibly", "intensely",
            "majorly", "more", "most", "particularly", "purely", "quite", "really", "remarkably", "so", "substantially",
            "thoroughly", "totally", "tremendously", "uber", "unbelievably", "unusually", "utterly", "very",
        ];
        string[] down =
        [
            "almost", "barely", "hardly", "kind of", "kinda", "kindof", "kind-of", "less", "little", "marginally",
            "occasionally", "partly", "scarcely", "slightly", "somewhat", "sort of", "sorta", "sortof", "sort-of",
        ];
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var w in up) d[w] = BoostIncrease;
        foreach (var w in down) d[w] = BoostDecrease;
        return d;
    }

    /// <summary>The lexicon reads every speaker alike.</summary>
    public Task<IReadOnlyList<TextSentimentResult>> ScoreAsync(IReadOnlyList<string> texts, string languageCode, TextSpeaker speaker, CancellationToken cancellationToken)
    {
        var results = new TextSentimentResult[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results[i] = new TextSentimentResult(Score(texts[i]));
        }
        return Task.FromResult<IReadOnlyList<TextSentimentResult>>(results);
    }

    /// <summary>Compound ≥ 0.05 positive, ≤ −0.05 negative, else neutral; scores are VADER's proportions (never MIXED).</summary>
    public Verdict Score(string text)
    {
        var s = PolarityScores(text);
        var label = s.Compound >= Threshold ? Sentiment.Positive : s.Compound <= -Threshold ? Sentiment.Negative : Sentiment.Neutral;
        var total = s.Positive + s.Negative + s.Neutral;
        return total <= 0
            ? new Verdict(label, new SentimentScores(0, 0, 1, 0))
            : new Verdict(label, new SentimentScores(s.Positive / total, s.Negative / total, s.Neutral / total, 0));
    }

    public VaderScores PolarityScores(string text)
    {
        var words = Words(text);
        var hasUpper = words.Any(IsUpper);
        var capsDifferent = hasUpper && !words.All(IsUpper);
        var lower = words.Select(w => w.ToLowerInvariant()).ToArray();
        var sentiments = new List<double>(words.Length);
        for (var i = 0; i < words.Length; i++)
        {
            if (Boosters.ContainsKey(lower[i]) || (lower[i] == "kind" && i + 1 < words.Length && lower[i + 1] == "of"))
            {
                sentiments.Add(0);
                continue;
            }
            sentiments.Add(Valence(words, lower, i, capsDifferent));
        }
        ButRule(lower, sentiments);
        return Summarise(sentiments, text);
    }

    private double Valence(string[] words, string[] lower, int i, bool capsDifferent)
    {
        if (!_lexicon.TryGet(lower[i], out var valence)) return 0;
        // "no" before another sentiment word is a determiner ("no problems"), not a sentiment of its own
        if (lower[i] == "no" && i + 1 < words.Length && _lexicon.TryGet(lower[i + 1], out _)) return 0;
        if (capsDifferent && IsUpper(words[i])) valence += Math.Sign(valence) * CapsBoost;
        for (var back = 1; back <= 3; back++)
        {
            var j = i - back;
            if (j < 0 || _lexicon.TryGet(lower[j], out _)) continue;
            var s = Boost(words[j], lower[j], valence, capsDifferent);
            valence += back switch { 2 => s * 0.95, 3 => s * 0.9, _ => s };
            valence = Negation(lower, i, back, valence);
        }
        return LeastRule(lower, i, valence);
    }

    private static double Boost(string word, string lower, double valence, bool capsDifferent)
    {
        if (!Boosters.TryGetValue(lower, out var scalar)) return 0;
        if (valence < 0) scalar = -scalar;
        if (capsDifferent && IsUpper(word)) scalar += valence > 0 ? CapsBoost : -CapsBoost;
        return scalar;
    }

    private static double Negation(string[] lower, int i, int back, double valence)
    {
        var w = lower[i - back];
        if (back == 2 && w == "never" && lower[i - 1] is "so" or "this") return valence * 1.25;
        if (back == 2 && w == "without" && lower[i - 1] == "doubt") return valence;
        if (back == 3 && w == "never" && (lower[i - 2] is "so" or "this" || lower[i - 1] is "so" or "this")) return valence * 1.25;
        return IsNegation(w) ? valence * NegationScalar : valence;
    }

    private static bool IsNegation(string lower) => Negations.Contains(lower.Replace("'", "", StringComparison.Ordinal)) || lower.Contains("n't", StringComparison.Ordinal);

    private double LeastRule(string[] lower, int i, double valence)
    {
        if (i > 0 && lower[i - 1] == "least" && !_lexicon.TryGet("least", out _))
        {
            if (i == 1 || lower[i - 2] is not ("at" or "very")) return valence * NegationScalar;
        }
        return valence;
    }

    private static void ButRule(string[] lower, List<double> sentiments)
    {
        var but = Array.IndexOf(lower, "but");
        if (but < 0) return;
        for (var k = 0; k < sentiments.Count; k++)
        {
            if (k < but) sentiments[k] *= 0.5;
            else if (k > but) sentiments[k] *= 1.5;
        }
    }

    private static VaderScores Summarise(List<double> sentiments, string text)
    {
        if (sentiments.Count == 0) return new VaderScores(0, 0, 0, 0);
        var sum = sentiments.Sum();
        var exclamations = Math.Min(text.Count(c => c == '!'), 4) * 0.292;
        var questions = text.Count(c => c == '?');
        var questionEmphasis = questions > 1 ? (questions <= 3 ? questions * 0.18 : 0.96) : 0;
        var emphasis = exclamations + questionEmphasis;
        if (sum > 0) sum += emphasis;
        else if (sum < 0) sum -= emphasis;
        var compound = Math.Clamp(sum / Math.Sqrt(sum * sum + 15), -1, 1);

        double pos = 0, neg = 0, neu = 0;
        foreach (var s in sentiments)
        {
            if (s > 0) pos += s + 1;
            else if (s < 0) neg += s - 1;
            else neu += 1;
        }
        if (pos > Math.Abs(neg)) pos += emphasis;
        else if (pos < Math.Abs(neg)) neg -= emphasis;
        var total = pos + Math.Abs(neg) + neu;
        return total == 0 ? new VaderScores(0, 0, 0, compound) : new VaderScores(pos / total, Math.Abs(neg) / total, neu / total, compound);
    }

    /// <summary>Whitespace tokens with surrounding punctuation removed, unless that would leave two characters or fewer
    /// (keeps emoticons such as ":)" whole); one-character tokens are dropped.</summary>
    private static string[] Words(string text)
    {
        var list = new List<string>();
        foreach (var raw in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var stripped = raw.Trim(PunctuationChars);
            var w = stripped.Length <= 2 ? raw : stripped;
            if (w.Length > 1) list.Add(w);
        }
        return [.. list];
    }

    private static readonly char[] PunctuationChars = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".ToCharArray();

    private static bool IsUpper(string word) => word.Any(char.IsLetter) && !word.Any(char.IsLower);
}
