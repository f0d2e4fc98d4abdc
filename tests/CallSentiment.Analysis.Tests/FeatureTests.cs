using System.Diagnostics;
using System.Text.Json;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Features;

namespace CallSentiment.Analysis.Tests;

public class FeatureTests
{
    private const string Python = "/usr/bin/python3";

    public static TheoryData<string, FeatureConfig> Configs() => new()
    {
        { "ser/ravdess/Actor_01/03-01-05-01-01-01-01.flac", new FeatureConfig() },
        { "ser/emodb/03a01Fa.flac", new FeatureConfig { Kind = FeatureKind.Mfcc, NMels = 40, NMfcc = 20 } },
        { "asr/speech/" + FirstAsrWav(), new FeatureConfig { NFft = 1024, WinLength = 1024, HopLength = 256, NMels = 64, FMin = 0, FMax = 8000, PreEmphasis = 0, MelNorm = MelNorm.Slaney } },
        { "asr/speech/" + FirstAsrWav(), new FeatureConfig { Kind = FeatureKind.Mfcc, NFft = 512, WinLength = 512, HopLength = 128, NMels = 80, NMfcc = 13, FMin = 20, FMax = 7600 } },
    };

    private static string FirstAsrWav() =>
        Path.GetFileName(Directory.GetFiles(Paths.Dataset("asr/speech"), "*.wav").Order(StringComparer.Ordinal).First());

    [Theory]
    [MemberData(nameof(Configs))]
    public void ComputeAll_RealSpeech_MatchesTorchaudioWithin1e3(string relative, FeatureConfig config)
    {
        var samples = AudioLoader.LoadMono(Paths.Dataset(relative), config.SampleRate);
        var ours = new FeatureExtractor(config).ComputeAll(samples);
        var reference = Reference(samples, config);

        Assert.Equal(reference.Length, ours.Count * ours.Dim);
        var mine = ours.ToArray();
        var maxDiff = 0.0;
        for (var i = 0; i < mine.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(mine[i] - reference[i]));
        Assert.True(maxDiff < 1e-3, $"max |ours - torchaudio| = {maxDiff} over {ours.Count} frames");
        // Not trivially equal: real speech spans a wide range of values.
        Assert.True(mine.Max() - mine.Min() > 5);
    }

    /// <summary>The independent reference's frames (torchaudio, plus numpy's cepstrum for the pitch values), frames × dim.</summary>
    internal static float[] Reference(float[] samples, FeatureConfig config)
    {
        using var dir = new TempDir();
        var signal = Path.Combine(dir.Path, "signal.f32");
        File.WriteAllBytes(signal, System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples.AsSpan()).ToArray());
        var configPath = Path.Combine(dir.Path, "config.json");
        File.WriteAllText(configPath, JsonSerializer.Serialize(config, Cli.Json.Options));
        var output = Path.Combine(dir.Path, "reference.f32");
        RunPython(Path.Combine(Paths.Root, "tests", "CallSentiment.Analysis.Tests", "Reference", "torchaudio_features.py"), signal, configPath, output);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(output)).ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Process_InOddSizedBlocks_EqualsWholeSignal(bool pitch)
    {
        var config = pitch ? new FeatureConfig { Pitch = true } : new FeatureConfig { Kind = FeatureKind.Mfcc };
        var samples = AudioLoader.LoadMono(Paths.Dataset("ser/emodb/03a01Wa.flac"), 16000);
        var whole = new FeatureExtractor(config).ComputeAll(samples).ToArray();
        var streaming = new FeatureExtractor(config);
        var output = new FrameBuffer(config.Dim);
        var rng = new Random(3);
        for (var i = 0; i < samples.Length;)
        {
            var n = Math.Min(samples.Length - i, 1 + rng.Next(700));
            streaming.Process(samples.AsSpan(i, n), output);
            i += n;
        }
        streaming.Flush(output);
        Assert.Equal(whole, output.ToArray());
    }

    [Fact]
    public void FrameCount_MatchesTorchaudioCentrePadding()
    {
        var fx = new FeatureExtractor(new FeatureConfig());
        Assert.Equal(1, fx.ComputeAll(new float[100]).Count);
        Assert.Equal(2, fx.ComputeAll(new float[300]).Count);
        Assert.Equal(101, fx.ComputeAll(new float[16000]).Count);
        Assert.Equal(0, fx.ComputeAll([]).Count);
    }

    [Fact]
    public void Validate_BadSetting_NamesIt()
    {
        var e = Assert.Throws<ArgumentException>(() => new FeatureConfig { NFft = 500 }.Validate());
        Assert.Contains("NFft", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => new FeatureConfig { FMax = 9000 }.Validate());
        Assert.Contains("FMax", e.Message, StringComparison.Ordinal);
    }

    internal static void RunPython(string script, params string[] args)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{script} failed: {stderr.GetAwaiter().GetResult()}");
    }
}

internal sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("callsentiment-test-").FullName;

    public string Path { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
