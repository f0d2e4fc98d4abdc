namespace CallSentiment.Analysis.TextSentiment;

/// <summary>
/// text-sentiment.json "tokens": the word-embedding branch of the model reads the featuriser's token stream
/// (<see cref="TextFeaturizer.Terms"/>) as row numbers of its embedding table.
/// </summary>
public sealed record TokenBranch
{
    /// <summary>Name of the graph's int64 [m] input.</summary>
    public string Input { get; init; } = "tokens";

    /// <summary>One term per line, row k of the embedding table on line k + 1; relative to the card's folder.</summary>
    public required string Vocabulary { get; init; }

    /// <summary>SHA-256 (hex) of the vocabulary file: a changed file would silently shift every row.</summary>
    public required string VocabularySha256 { get; init; }
}

/// <summary>
/// Term → row of the embedding table. Row 0 is padding (never produced here) and row 1 stands for every term the
/// training data did not have often enough. Immutable and thread-safe.
/// </summary>
public sealed class TokenVocabulary
{
    public const string Padding = "<pad>";
    public const string Unknown = "<unk>";
    public const long UnknownId = 1;

    private readonly Dictionary<string, long> _ids;

    private TokenVocabulary(Dictionary<string, long> ids) => _ids = ids;

    public int Count => _ids.Count;

    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">Its hash differs from <paramref name="expectedSha256"/>, or it is malformed.</exception>
    public static TokenVocabulary Load(string path, string expectedSha256)
    {
        var lines = VerifiedFile.ReadLines(path, expectedSha256, "Token vocabulary");
        var count = lines.Length;
        if (count < 2 || lines[0] != Padding || lines[1] != Unknown)
            throw new InvalidDataException($"{path}: the first two lines must be {Padding} and {Unknown}");
        var ids = new Dictionary<string, long>(count, StringComparer.Ordinal);
        for (var k = 0; k < count; k++)
        {
            if (lines[k].Length == 0 || lines[k].Contains(' ', StringComparison.Ordinal))
                throw new InvalidDataException($"{path}: line {k + 1} is empty or contains a space");
            if (!ids.TryAdd(lines[k], k)) throw new InvalidDataException($"{path}: '{lines[k]}' appears twice (line {k + 1})");
        }
        return new TokenVocabulary(ids);
    }

    /// <summary>The rows of <paramref name="terms"/>; a text without tokens is one unknown token, so the graph always
    /// has something to pool.</summary>
    public long[] Ids(IReadOnlyList<string> terms)
    {
        if (terms.Count == 0) return [UnknownId];
        var ids = new long[terms.Count];
        for (var i = 0; i < terms.Count; i++)
            ids[i] = _ids.GetValueOrDefault(terms[i], UnknownId);
        return ids;
    }
}
