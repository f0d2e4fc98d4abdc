using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Analysis.Tests.TextSentiment;

public sealed class SentencePieceTokenizerTests
{
    private const string Control = "<unk>\t0\n<s>\t0\n</s>\t0\nx1\t0\nx2\t0\nx3\t0\n";

    private static (TempDir Dir, string Path, string Sha) Write(string pieces)
    {
        var dir = new TempDir();
        var path = System.IO.Path.Combine(dir.Path, "pieces.tsv");
        var content = Control + pieces;
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return (dir, path, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content))));
    }

    [Theory]
    [InlineData("hello world", "▁hello▁world")]
    [InlineData("  hello \t\n world  ", "▁hello▁world")]
    [InlineData("a\u00A0b\u3000c", "▁a▁b▁c")] // no-break and ideographic spaces are white space
    [InlineData("ＨＥＬＬＯ", "▁ＨＥＬＬＯ")] // no NFKC: full-width letters stay
    [InlineData(" \t ", "")]
    [InlineData("", "")]
    public void Normalize_CollapsesWhiteSpaceAndMarksWords(string text, string expected) =>
        Assert.Equal(expected, SentencePieceTokenizer.Normalize(text));

    [Fact]
    public void Encode_PicksTheSegmentationWithTheHighestTotalScore()
    {
        // ids: 6 ▁a, 7 b, 8 ▁ab, 9 ▁, 10 a, 11 c
        var (dir, path, sha) = Write("▁a\t-1\nb\t-1\n▁ab\t-1.5\n▁\t-3\na\t-2\nc\t-2\n");
        using var _ = dir;
        var tokenizer = SentencePieceTokenizer.Load(path, sha);
        Assert.Equal(12, tokenizer.Count);
        Assert.Equal([8], tokenizer.Encode("ab"));               // ▁ab (-1.5) beats ▁a + b (-2)
        Assert.Equal([8, 11], tokenizer.Encode("abc"));
        Assert.Equal([6, 9, 7], tokenizer.Encode("a b"));        // "▁b" is no piece: ▁ then b
        Assert.Equal([8, 8], tokenizer.Encode("ab ab", maxPieces: 2));
        Assert.Equal([8], tokenizer.Encode("ab ab ab", maxPieces: 1));
        Assert.Empty(tokenizer.Encode("   "));
    }

    [Fact]
    public void Encode_UncoveredCharactersBecomeOneUnknownPiece()
    {
        var (dir, path, sha) = Write("▁a\t-1\nb\t-1\n▁\t-3\n");
        using var _ = dir;
        var tokenizer = SentencePieceTokenizer.Load(path, sha);
        // "☃☃" (two uncovered characters) and "😀" (a surrogate pair) are unknown; neighbouring unknowns are merged
        Assert.Equal([6, 0, 7], tokenizer.Encode("a☃☃b"));
        Assert.Equal([6, 0], tokenizer.Encode("a😀"));
        Assert.Equal([8, 0, 8, 0, 7], tokenizer.Encode("☃ ☃b"));
    }

    [Fact]
    public void Load_DuplicatePiece_KeepsTheFirstId()
    {
        var (dir, path, sha) = Write("▁a\t-1\n▁a\t-0.5\n");
        using var _ = dir;
        Assert.Equal([6], SentencePieceTokenizer.Load(path, sha).Encode("a"));
    }

    [Fact]
    public void Load_ChangedFile_IsRefused()
    {
        var (dir, path, sha) = Write("▁a\t-1\n");
        using var _ = dir;
        File.AppendAllText(path, "b\t-2\n");
        var e = Assert.Throws<InvalidDataException>(() => SentencePieceTokenizer.Load(path, sha));
        Assert.Contains("differs from the one the model was trained with", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("▁a -1\n", "line 7")]          // no tab
    [InlineData("▁a\tmany\n", "line 7")]
    [InlineData("\t-1\n", "line 7")]
    public void Load_MalformedLine_NamesIt(string pieces, string expected)
    {
        var (dir, path, _) = Write(pieces);
        using var __ = dir;
        var e = Assert.Throws<InvalidDataException>(() => SentencePieceTokenizer.Load(path, expectedSha256: null));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The committed model's pieces segment text as the TF.js tokenizer the pretrained encoder ships with does
    /// (@energetic-ai/embeddings 0.2, an independent implementation; ids recorded from it on these texts).
    /// </summary>
    [Theory]
    [InlineData("hello world", new[] { 2002, 102, 311 })]
    [InlineData("@united my flight was cancelled and nobody helped. Terrible!", new[] { 2330, 5441, 703, 69, 3198, 33, 5233, 1149, 12, 4047, 1516, 6, 3729, 93, 1303, 78 })]
    [InlineData("Thanks so much, great service :)", new[] { 1604, 63, 165, 8, 318, 881, 658 })]
    [InlineData("I've been on hold for 45 minutes... unbelievable", new[] { 16, 13, 105, 118, 25, 974, 22, 3955, 1003, 91, 228, 2681, 349, 278, 268 })]
    [InlineData("Customer-service agent was very helpful", new[] { 2596, 7, 2810, 46, 24, 1720, 947, 3514, 33, 170, 4598 })]
    public void Encode_ModelPieces_MatchTheEncodersOwnTokenizer(string text, int[] expected)
    {
        var dir = Path.Combine(Paths.Root, "models", "text-sentiment");
        using var card = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, OfflineTextSentimentScorer.CardFile)));
        var encoder = card.RootElement.GetProperty("encoder");
        var tokenizer = SentencePieceTokenizer.Load(Path.Combine(dir, encoder.GetProperty("pieces").GetString()!),
            encoder.GetProperty("piecesSha256").GetString());
        Assert.Equal(expected, tokenizer.Encode(text));
    }
}
