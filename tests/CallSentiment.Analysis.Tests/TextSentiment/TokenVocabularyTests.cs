using System.Security.Cryptography;
using System.Text;
using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Analysis.Tests.TextSentiment;

public sealed class TokenVocabularyTests
{
    private static (TempDir Dir, string Path, string Sha) Write(string content)
    {
        var dir = new TempDir();
        var path = System.IO.Path.Combine(dir.Path, "vocabulary.txt");
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return (dir, path, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content))));
    }

    [Fact]
    public void Ids_KnownUnknownAndNoTerms()
    {
        var (dir, path, sha) = Write("<pad>\n<unk>\n!\n<user>\nNEG_good\ngood\n");
        using var _ = dir;
        var vocabulary = TokenVocabulary.Load(path, sha);
        Assert.Equal(6, vocabulary.Count);
        Assert.Equal([3L, 5, 4, 1, 2], vocabulary.Ids(["<user>", "good", "NEG_good", "Good", "!"]));
        Assert.Equal([TokenVocabulary.UnknownId], vocabulary.Ids([]));
    }

    [Fact]
    public void Load_ChangedFile_IsRefusedWithBothHashes()
    {
        var (dir, path, sha) = Write("<pad>\n<unk>\ngood\n");
        using var _ = dir;
        File.AppendAllText(path, "bad\n");
        var e = Assert.Throws<InvalidDataException>(() => TokenVocabulary.Load(path, sha));
        Assert.Contains(sha, e.Message, StringComparison.Ordinal);
        Assert.Contains("differs from the one the model was trained with", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<unk>\n<pad>\ngood\n", "first two lines")]
    [InlineData("<pad>\n<unk>\ngood\ngood\n", "appears twice")]
    [InlineData("<pad>\n<unk>\ngood day\n", "contains a space")]
    public void Load_MalformedFile_SaysWhatIsWrong(string content, string expected)
    {
        var (dir, path, sha) = Write(content);
        using var _ = dir;
        var e = Assert.Throws<InvalidDataException>(() => TokenVocabulary.Load(path, sha));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_NamesIt()
    {
        using var dir = new TempDir();
        var path = System.IO.Path.Combine(dir.Path, "vocabulary.txt");
        var e = Assert.Throws<FileNotFoundException>(() => TokenVocabulary.Load(path, "00"));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }
}
