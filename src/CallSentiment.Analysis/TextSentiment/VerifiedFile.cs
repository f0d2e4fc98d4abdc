using System.Security.Cryptography;
using System.Text;

namespace CallSentiment.Analysis.TextSentiment;

/// <summary>A file a model was trained with, read only if it is byte for byte that file (its SHA-256 is in the card).</summary>
internal static class VerifiedFile
{
    /// <summary>The file's lines (a final empty line after the last newline dropped).</summary>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">Its SHA-256 differs from <paramref name="expectedSha256"/> (when given).</exception>
    public static string[] ReadLines(string path, string? expectedSha256, string what)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} not found: {path}", path);
        var bytes = File.ReadAllBytes(path);
        if (expectedSha256 is not null) Check(path, SHA256.HashData(bytes), expectedSha256);
        var lines = Encoding.UTF8.GetString(bytes).Split('\n');
        return lines.Length > 0 && lines[^1].Length == 0 ? lines[..^1] : lines;
    }

    /// <summary>Checks a file something else reads (e.g. an ONNX graph ONNX Runtime loads itself).</summary>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">Its SHA-256 differs from <paramref name="expectedSha256"/>.</exception>
    public static void Verify(string path, string expectedSha256, string what)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} not found: {path}", path);
        using var stream = File.OpenRead(path);
        Check(path, SHA256.HashData(stream), expectedSha256);
    }

    private static void Check(string path, byte[] hash, string expectedSha256)
    {
        var sha = Convert.ToHexStringLower(hash);
        if (!string.Equals(sha, expectedSha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{path}: SHA-256 {sha} differs from the one the model was trained with ({expectedSha256})");
    }
}
