using System.Text;

namespace CallSentiment.Analysis.TextSentiment;

/// <summary>Sparse features of one text: ascending unique indices and their values.</summary>
public sealed record TextFeatures(long[] Indices, float[] Values);

/// <summary>
/// Turns text into the sparse vector the text-sentiment model reads. The same code exports training features
/// (callsentiment export-text-features) and featurises at serving time, so the two cannot drift.
/// Features: word n-grams (negation-marked with NEG_) and character n-grams inside word boundaries, hashed with
/// FNV-1a into 2^HashBits slots, each group sub-linearly weighted (1 + ln tf) and L2-normalised; then a few dense
/// lexicon features. Thread-safe.
/// </summary>
public sealed class TextFeaturizer
{
    public static readonly IReadOnlyList<string> DenseFeatureNames =
    [
        "lexPositive", "lexNegative", "lexCompound", "lexPositiveShare", "lexNegativeShare", "exclamation", "question", "capsShare",
    ];

    private readonly SentimentLexicon _lexicon;

    public TextFeaturizer(TextFeatureConfig config, SentimentLexicon lexicon)
    {
        config.Validate("text feature config");
        if (config.LexiconSha256 is { } expected && !string.Equals(expected, lexicon.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"the lexicon's SHA-256 {lexicon.Sha256} differs from the one the model was trained with ({expected})");
        Config = config;
        _lexicon = lexicon;
    }

    public TextFeatureConfig Config { get; }

    /// <summary>Loads the config and the lexicon it names (relative to the config's folder).</summary>
    public static TextFeaturizer Load(string configPath)
    {
        var config = TextFeatureConfig.Read(configPath);
        var lexicon = SentimentLexicon.Load(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath))!, config.Lexicon));
        return new TextFeaturizer(config, lexicon);
    }

    /// <summary>32-bit FNV-1a over UTF-8 bytes: stable across processes and platforms, unlike string.GetHashCode.</summary>
    public static uint Fnv1a(ReadOnlySpan<byte> bytes)
    {
        var h = 2166136261u;
        foreach (var b in bytes)
        {
            h ^= b;
            h *= 16777619u;
        }
        return h;
    }

    /// <summary>The slot of a feature string: FNV-1a, high bits folded into the low ones, masked to the hash space.</summary>
    public int Slot(string feature)
    {
        var max = Encoding.UTF8.GetMaxByteCount(feature.Length);
        Span<byte> buffer = max <= 512 ? stackalloc byte[max] : new byte[max];
        var n = Encoding.UTF8.GetBytes(feature, buffer);
        var h = Fnv1a(buffer[..n]);
        var bits = Config.HashBits;
        return (int)((h ^ (h >> bits)) & (uint)(Config.HashSize - 1));
    }

    /// <summary>The token stream features are made from, as strings ("NEG_good", "&lt;user&gt;", "!"); for tests and diagnostics.</summary>
    public IReadOnlyList<string> Terms(string text) => [.. TextTokenizer.Tokenize(text, _lexicon).Select(Term)];

    private static string Term(TextToken t) => t.Negated && t.Kind == TokenKind.Word ? "NEG_" + t.Text : t.Text;

    public TextFeatures Featurize(string text) => Featurize(TextTokenizer.Tokenize(text, _lexicon));

    /// <summary>The sparse features and the token stream (<see cref="Terms"/>) of one text, tokenised once.</summary>
    public (TextFeatures Features, string[] Terms) FeaturizeWithTerms(string text)
    {
        var tokens = TextTokenizer.Tokenize(text, _lexicon);
        return (Featurize(tokens), [.. tokens.Select(Term)]);
    }

    private TextFeatures Featurize(List<TextToken> tokens)
    {
        var slots = new Dictionary<int, float>();
        AddGroup(slots, WordFeatures(tokens));
        AddGroup(slots, CharFeatures(tokens));
        var dense = Dense(tokens);
        var indices = new long[slots.Count + dense.Length];
        var values = new float[indices.Length];
        var k = 0;
        foreach (var (slot, value) in slots.OrderBy(p => p.Key))
        {
            indices[k] = slot;
            values[k++] = value;
        }
        for (var d = 0; d < dense.Length; d++)
        {
            indices[k] = Config.HashSize + d;
            values[k++] = dense[d];
        }
        return new TextFeatures(indices, values);
    }

    private IEnumerable<string> WordFeatures(List<TextToken> tokens)
    {
        var terms = new List<string>(tokens.Count);
        foreach (var t in tokens)
        {
            terms.Add(Term(t));
            if (t.Caps) yield return "w:<caps>";
            if (t.Elongated) yield return "w:<elong>";
        }
        var (from, to) = (Config.WordNgrams[0], Config.WordNgrams[1]);
        for (var n = from; n <= to; n++)
        {
            for (var i = 0; i + n <= terms.Count; i++)
                yield return (n == 1 ? "w:" : "w" + n + ":") + string.Join(' ', terms.GetRange(i, n));
        }
    }

    private IEnumerable<string> CharFeatures(List<TextToken> tokens)
    {
        var (from, to) = (Config.CharNgrams[0], Config.CharNgrams[1]);
        foreach (var t in tokens)
        {
            if (t.Kind != TokenKind.Word) continue;
            var padded = " " + t.Text + " ";
            for (var n = from; n <= to; n++)
                for (var i = 0; i + n <= padded.Length; i++)
                    yield return string.Concat("c:", padded.AsSpan(i, n));
        }
    }

    private void AddGroup(Dictionary<int, float> slots, IEnumerable<string> features)
    {
        var counts = new Dictionary<int, int>();
        foreach (var f in features)
        {
            var s = Slot(f);
            counts[s] = counts.GetValueOrDefault(s) + 1;
        }
        if (counts.Count == 0) return;
        double norm = 0;
        foreach (var c in counts.Values)
        {
            var w = 1 + Math.Log(c);
            norm += w * w;
        }
        var scale = 1 / Math.Sqrt(norm);
        foreach (var (s, c) in counts)
            slots[s] = slots.GetValueOrDefault(s) + (float)((1 + Math.Log(c)) * scale);
    }

    /// <summary>Lexicon valence summed VADER-style (negated words flipped and damped), plus punctuation and caps cues.</summary>
    private float[] Dense(List<TextToken> tokens)
    {
        double pos = 0, neg = 0, sum = 0;
        int nPos = 0, nNeg = 0, words = 0, caps = 0, exclaim = 0, question = 0;
        foreach (var t in tokens)
        {
            if (t.Kind == TokenKind.Punctuation)
            {
                if (t.Text == "!") exclaim += t.Repeat;
                if (t.Text == "?") question += t.Repeat;
                continue;
            }
            if (t.Kind is TokenKind.Word) words++;
            if (t.Caps) caps++;
            if (!Valence(t, out var v)) continue;
            if (t.Negated) v *= -0.74;
            if (t.Caps) v += Math.Sign(v) * 0.733;
            sum += v;
            if (v > 0)
            {
                pos += v;
                nPos++;
            }
            else if (v < 0)
            {
                neg -= v;
                nNeg++;
            }
        }
        var n = Math.Max(1, tokens.Count(t => t.Kind != TokenKind.Punctuation));
        return
        [
            (float)Math.Tanh(pos / 4),
            (float)Math.Tanh(neg / 4),
            (float)(sum / Math.Sqrt(sum * sum + 15)),
            (float)nPos / n,
            (float)nNeg / n,
            Math.Min(exclaim, 4) / 4f,
            Math.Min(question, 3) / 3f,
            words == 0 ? 0 : (float)caps / words,
        ];
    }

    private bool Valence(TextToken t, out double v)
    {
        if (_lexicon.TryGet(t.Text, out v)) return true;
        // "baaad" was squeezed to "baad": an elongated word may need its doubled letters single as well
        if (!t.Elongated) return false;
        var single = new StringBuilder(t.Text.Length);
        foreach (var c in t.Text)
            if (single.Length == 0 || single[^1] != c) single.Append(c);
        return _lexicon.TryGet(single.ToString(), out v);
    }
}
