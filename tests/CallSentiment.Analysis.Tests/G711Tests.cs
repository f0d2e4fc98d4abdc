using System.Diagnostics;
using CallSentiment.Analysis.Audio;

namespace CallSentiment.Analysis.Tests;

/// <summary>
/// The project's G.711 decoders against sox, an independent implementation, over all 256 codes. (NAudio's decoders
/// were checked the same way and differ on µ-law 0x7F: see src/CallSentiment.Analysis/Audio/README.md.)
/// </summary>
public class G711Tests
{
    [Fact]
    public void Decoders_All256Codes_MatchSox()
    {
        var codes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var soxMu = Sox(codes, "-e mu-law -b 8");
        var soxA = Sox(codes, "-e a-law -b 8");
        var mismatches = new List<string>();
        foreach (var b in codes)
        {
            if (G711.MuLawToLinear(b) != soxMu[b] || G711.DecodeMuLaw(b) != soxMu[b] / 32768f)
                mismatches.Add($"mu-law 0x{b:X2}: {G711.MuLawToLinear(b)}, sox {soxMu[b]}");
            if (G711.ALawToLinear(b) != soxA[b] || G711.DecodeALaw(b) != soxA[b] / 32768f)
                mismatches.Add($"A-law 0x{b:X2}: {G711.ALawToLinear(b)}, sox {soxA[b]}");
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} mismatches: {string.Join("; ", mismatches)}");
    }

    /// <summary>Decodes raw 8 kHz mono G.711 bytes to 16-bit samples with sox (Debian's package; CI installs it with
    /// scripts/setup --test).</summary>
    private static short[] Sox(byte[] input, string encoding)
    {
        using var dir = new TempDir();
        var inPath = Path.Combine(dir.Path, "in.raw");
        var outPath = Path.Combine(dir.Path, "out.raw");
        File.WriteAllBytes(inPath, input);
        var psi = new ProcessStartInfo("sox") { RedirectStandardError = true };
        foreach (var a in $"-t raw -r 8000 -c 1 {encoding} {inPath} -t raw -e signed-integer -b 16 {outPath}".Split(' ')) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"sox failed: {stderr}");
        var bytes = File.ReadAllBytes(outPath);
        var result = new short[bytes.Length / 2];
        Buffer.BlockCopy(bytes, 0, result, 0, result.Length * 2);
        return result;
    }
}
