using System.Globalization;
using System.Text;

namespace CallSentiment.Analysis.TextSentiment;

/// <summary>
/// text-sentiment.json "encoder": the sentence-encoder branch reads the text as subword pieces of a unigram
/// SentencePiece vocabulary (the Universal Sentence Encoder Lite's 8,000 pieces).
/// </summary>
public sealed record EncoderBranch
{
    /// <summary>Name of the graph's int64 [m] input (piece ids).</summary>
    public string Input { get; init; } = "pieces";

    /// <summary>pieces.tsv: "piece TAB score" per line, id k on line k + 1; relative to the card's folder.</summary>
    public required string Pieces { get; init; }

    /// <summary>SHA-256 (hex) of the pieces file.</summary>
    public required string PiecesSha256 { get; init; }

    /// <summary>USE Lite was pretrained on at most 128 pieces.</summary>
    public const int DefaultMaxPieces = 128;

    /// <summary>The encoder reads at most this many pieces; the rest is cut.</summary>
    public int MaxPieces { get; init; } = DefaultMaxPieces;

    /// <summary>The frozen sentence encoder (pieces → unit sentence embedding), in a file of its own so that a
    /// retrain of the heads never rewrites it; relative to the card's folder.</summary>
    public string Model { get; init; } = "text-encoder.onnx";

    /// <summary>SHA-256 (hex) of <see cref="Model"/>: the heads were trained on this encoder's embeddings.</summary>
    public required string ModelSha256 { get; init; }

    /// <summary>Name of the encoder's float [512] output, which is also the heads' input.</summary>
    public string Output { get; init; } = "embedding";
}

/// <summary>
/// Unigram SentencePiece segmentation: runs of white space become one "▁" (and one is put in front), then the
/// segmentation with the highest total piece score (Viterbi). A character no piece covers becomes the unknown piece
/// (id 0, score = lowest score − 10); neighbouring unknowns are merged. Pieces 0..<see cref="ReservedPieces"/>−1 are
/// control symbols and never produced otherwise. No Unicode normalisation (NFKC) is applied: the product runs with
/// invariant globalization, where .NET has none, and segmenting the same way everywhere matters more than folding the
/// rare full-width character (the training data was segmented by this same code). Immutable and thread-safe.
/// </summary>
public sealed class SentencePieceTokenizer
{
    public const int UnknownId = 0;
    public const int ReservedPieces = 6;
    public const char WordBoundary = '\u2581';

    private readonly Dictionary<string, (int Id, float Score)> _pieces;
    private readonly int _maxPieceLength; // in UTF-16 code units
    private readonly float _unknownScore;

    private SentencePieceTokenizer(Dictionary<string, (int, float)> pieces, int maxPieceLength, float unknownScore, int count)
    {
        _pieces = pieces;
        _maxPieceLength = maxPieceLength;
        _unknownScore = unknownScore;
        Count = count;
    }

    /// <summary>Ids in the file, control symbols included.</summary>
    public int Count { get; }

    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">Its hash differs from <paramref name="expectedSha256"/>, or it is malformed.</exception>
    public static SentencePieceTokenizer Load(string path, string? expectedSha256)
    {
        var lines = VerifiedFile.ReadLines(path, expectedSha256, "SentencePiece vocabulary");
        var count = lines.Length;
        if (count <= ReservedPieces) throw new InvalidDataException($"{path}: {count} pieces, expected more than {ReservedPieces}");
        var pieces = new Dictionary<string, (int, float)>(count, StringComparer.Ordinal);
        var maxLength = 1;
        var minScore = 0f;
        for (var k = 0; k < count; k++)
        {
            var tab = lines[k].LastIndexOf('\t');
            if (tab <= 0 || !float.TryParse(lines[k].AsSpan(tab + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var score) || !float.IsFinite(score))
                throw new InvalidDataException($"{path}: line {k + 1} is not 'piece<TAB>score'");
            if (k < ReservedPieces) continue;
            var piece = lines[k][..tab];
            if (piece.Length == 0) throw new InvalidDataException($"{path}: line {k + 1} has an empty piece");
            // USE Lite's vocabulary lists one piece ("”5") three times; the first (highest-scoring) id is the one produced
            pieces.TryAdd(piece, (k, score));
            maxLength = Math.Max(maxLength, piece.Length);
            minScore = Math.Min(minScore, score);
        }
        return new SentencePieceTokenizer(pieces, maxLength, minScore - 10, count);
    }

    /// <summary>The normalised form the pieces are matched against ("▁hello▁world"); empty for a blank text.</summary>
    public static string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length + 1);
        var pendingSpace = true; // the leading "▁"
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                pendingSpace = sb.Length > 0 || pendingSpace;
                continue;
            }
            if (pendingSpace)
            {
                sb.Append(WordBoundary);
                pendingSpace = false;
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Piece ids of <paramref name="text"/>, at most <paramref name="maxPieces"/> (the first ones).</summary>
    public int[] Encode(string text, int maxPieces = int.MaxValue)
    {
        var s = Normalize(text);
        var n = s.Length;
        if (n == 0) return [];
        var best = new float[n + 1];
        var from = new int[n + 1];
        var id = new int[n + 1];
        Array.Fill(best, float.NegativeInfinity);
        best[0] = 0;
        var lookup = _pieces.GetAlternateLookup<ReadOnlySpan<char>>();
        for (var i = 0; i < n; i++)
        {
            if (float.IsNegativeInfinity(best[i])) continue;
            var covered = false;
            for (var len = 1; len <= _maxPieceLength && i + len <= n; len++)
            {
                if (!lookup.TryGetValue(s.AsSpan(i, len), out var p)) continue;
                covered |= len == 1 || (len == 2 && char.IsSurrogatePair(s[i], s[i + 1]));
                var score = best[i] + p.Score;
                if (score > best[i + len])
                {
                    best[i + len] = score;
                    from[i + len] = i;
                    id[i + len] = p.Id;
                }
            }
            if (covered) continue;
            // no piece for this character (a surrogate pair counts as one): the unknown piece covers it
            var charLength = i + 1 < n && char.IsSurrogatePair(s[i], s[i + 1]) ? 2 : 1;
            var unknown = best[i] + _unknownScore;
            if (unknown > best[i + charLength])
            {
                best[i + charLength] = unknown;
                from[i + charLength] = i;
                id[i + charLength] = UnknownId;
            }
        }
        var reversed = new List<int>();
        for (var end = n; end > 0; end = from[end])
        {
            if (id[end] == UnknownId && reversed.Count > 0 && reversed[^1] == UnknownId) continue;
            reversed.Add(id[end]);
        }
        reversed.Reverse();
        return reversed.Count > maxPieces ? reversed.GetRange(0, maxPieces).ToArray() : reversed.ToArray();
    }
}
