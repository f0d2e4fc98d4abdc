using System.Globalization;
using System.Security.Cryptography;

namespace CallSentiment.Analysis.TextSentiment;

/// <summary>
/// Token → valence (−4..+4). Reads VADER's lexicon layout (token TAB mean TAB ...) and the project's derived
/// lexicon.tsv (token TAB mean, '#' comment lines). Tokens are matched in lower case.
/// </summary>
public sealed class SentimentLexicon
{
    private readonly Dictionary<string, double> _valence;

    private SentimentLexicon(Dictionary<string, double> valence, HashSet<string> emoticons, int longestEmoticon, string sha256)
    {
        _valence = valence;
        Emoticons = emoticons;
        LongestEmoticon = longestEmoticon;
        Sha256 = sha256;
    }

    /// <summary>Lexicon entries made of punctuation (":)", "&lt;3", ":-(") that the tokenizer keeps whole.</summary>
    internal HashSet<string> Emoticons { get; }

    internal int LongestEmoticon { get; }

    public string Sha256 { get; }

    public int Count => _valence.Count;

    public static SentimentLexicon Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Sentiment lexicon not found: {path}", path);
        var bytes = File.ReadAllBytes(path);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var valence = new Dictionary<string, double>(StringComparer.Ordinal);
        var emoticons = new HashSet<string>(StringComparer.Ordinal);
        var longest = 0;
        using var reader = new StringReader(System.Text.Encoding.UTF8.GetString(bytes));
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split('\t');
            if (parts.Length < 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                throw new InvalidDataException($"{path}:{lineNumber}: expected 'token<TAB>valence', got '{line}'");
            var token = parts[0].ToLowerInvariant();
            valence[token] = v;
            if (IsEmoticon(token))
            {
                emoticons.Add(token);
                longest = Math.Max(longest, token.Length);
            }
        }
        if (valence.Count == 0) throw new InvalidDataException($"{path} holds no lexicon entries");
        return new SentimentLexicon(valence, emoticons, longest, sha);
    }

    private static bool IsEmoticon(string token) =>
        token.Length is >= 2 and <= 8 && !token.Contains(' ') && !char.IsLetterOrDigit(token[0]) && token.Any(c => !char.IsLetterOrDigit(c) && c != '\'' && c != '-');

    public bool TryGet(string lowerToken, out double valence) => _valence.TryGetValue(lowerToken, out valence);
}
