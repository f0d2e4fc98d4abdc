using System.Diagnostics;
using System.Text.RegularExpressions;
using CallSentiment.Analysis.Audio;

namespace CallSentiment.Analysis.Tests;

/// <summary>The command-line tool as a user runs it: a separate process, real files.</summary>
public partial class CliTests
{
    private static (int ExitCode, string Stdout, string Stderr) Cli(IDictionary<string, string>? env, params string[] args)
        => CliProcess.Run(env, args);

    [Fact]
    public void EvaluateEmotion_Manifest_PrintsReportAndExactSummaryLine()
    {
        var emodb = Paths.Dataset("ser/emodb");
        var rows = File.ReadAllLines(Path.Combine(emodb, "MANIFEST.csv"));
        var picked = rows.Skip(1).Where(r => !r.Contains(",boredom,", StringComparison.Ordinal)).Take(16)
            .Append(rows.Skip(1).First(r => r.Contains(",boredom,", StringComparison.Ordinal)));
        using var dir = new TempDir();
        var manifest = Path.Combine(dir.Path, "subset.csv");
        File.WriteAllLines(manifest, [rows[0], .. picked]);

        var (code, stdout, stderr) = Cli(null, "evaluate-emotion", "--manifest", manifest, "--data", emodb, "--telephone");

        Assert.True(code == 0, stderr);
        var lines = stdout.TrimEnd().Split('\n');
        Assert.Matches(SummaryLine(), lines[^1]);
        Assert.EndsWith(" n=16", lines[^1], StringComparison.Ordinal);
        Assert.Contains("excluded: 1 clips labelled 'boredom'", stdout, StringComparison.Ordinal);
        Assert.Contains("confusion matrix", stdout, StringComparison.Ordinal);
        Assert.Contains("telephone", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void ExportFeatures_StrongVariantsWithBabble_AddsOnlyThoseVariantsForEveryClip()
    {
        var emodb = Paths.Dataset("ser/emodb");
        var rows = File.ReadAllLines(Path.Combine(emodb, "MANIFEST.csv"));
        using var dir = new TempDir();
        var manifest = Path.Combine(dir.Path, "two.csv");
        File.WriteAllLines(manifest, [rows[0], .. rows.Skip(1).Take(2).Select(r => Path.Combine(emodb, r))]);
        var outDir = Path.Combine(dir.Path, "features");

        var (code, stdout, stderr) = Cli(null, "export-features", "--manifest", manifest, "--out", outDir, "--variants", "3",
            "--first-variant", "8", "--babble", Paths.Dataset("asr/speech"), "--threads", "1");

        Assert.True(code == 0, stderr);
        Assert.Contains("exported 2 clips x 3 variants", stdout, StringComparison.Ordinal);
        var index = File.ReadAllLines(Path.Combine(outDir, "index.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(6, index.Count);
        Assert.Equal(["8", "9", "10"], index.Select(f => f[4]).Distinct().Order(StringComparer.Ordinal).OrderBy(v => v.Length));
        var frames = index.Sum(f => long.Parse(f[6], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(frames * 40 * sizeof(float), new FileInfo(Path.Combine(outDir, "features.f32")).Length);
    }

    [GeneratedRegex(@"^UA=(0|1)\.\d{4} WA=(0|1)\.\d{4} macroF1=(0|1)\.\d{4} binaryNeg=(0|1)\.\d{4} n=\d+$")]
    private static partial Regex SummaryLine();

    [Fact]
    public void Analyze_CorruptAndGoodFile_ReportsTheBadOneAndStillAnalysesTheGoodOne()
    {
        using var dir = new TempDir();
        var good = Path.Combine(dir.Path, "good.wav");
        var speech = AudioLoader.LoadMono(Paths.Dataset("ser/emodb/03a01Wa.flac"), 16000);
        File.WriteAllBytes(good, TestWav.Build([speech], 16000, SampleEncoding.Pcm16));
        var bad = Path.Combine(dir.Path, "bad.wav");
        File.WriteAllBytes(bad, File.ReadAllBytes(good)[..2000]);

        var (code, stdout, _) = Cli(null, "analyze", bad, good);

        Assert.Equal(1, code);
        Assert.Contains("bad.wav: FAILED (Truncated)", stdout, StringComparison.Ordinal);
        Assert.Matches(@"good\.wav: \d+\.\d s at 16000 Hz, 1 channel", stdout);
        Assert.Contains("channel 0: ", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_OnnxRuntimeNativeLibraryNotInOutput_SaysWhatToDo()
    {
        var wav = Directory.GetFiles(Paths.Dataset("asr/speech"), "*.wav")[0];
        var (code, _, stderr) = CliProcess.RunWithoutOnnxRuntimeNatives("analyze", wav);
        Assert.Equal(4, code);
        Assert.Contains("ONNX Runtime native library (libonnxruntime.so from the Microsoft.ML.OnnxRuntime package) could not be loaded", stderr, StringComparison.Ordinal);
        Assert.Contains("-p:OnnxRuntimeRid=", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_CompressedFormatWithoutFfmpeg_ThrowsToolMissing()
    {
        var e = Assert.Throws<AudioFormatException>(() => AudioReader.Open(Paths.Dataset("ser/emodb/03a01Wa.flac"), new AudioDecodeOptions { FfmpegPath = "/nonexistent/ffmpeg" }));
        Assert.Equal(AudioErrorKind.ToolMissing, e.Kind);
        Assert.Contains("needs ffmpeg", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_CorruptMp3_ThrowsDecoderFailedWithFfmpegsReason()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "broken.mp3");
        var bytes = new byte[4096];
        new Random(1).NextBytes(bytes);
        "ID3"u8.CopyTo(bytes);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<AudioFormatException>(() =>
        {
            using var reader = AudioReader.Open(path);
            reader.ReadAllChannels();
        });
        Assert.Equal(AudioErrorKind.DecoderFailed, e.Kind);
        Assert.StartsWith("broken.mp3: ffmpeg", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_Flac_DecodesThroughFfmpegStreaming()
    {
        using var reader = AudioReader.Open(Paths.Dataset("ser/emodb/03a01Wa.flac"));
        Assert.Equal(16000, reader.Info.SampleRate);
        Assert.Equal(SampleEncoding.External, reader.Info.Encoding);
        var samples = reader.ReadAllChannels()[0];
        Assert.True(samples.Length > 16000);
        Assert.True(samples.Max() > 0.05);
    }

    [Theory]
    [InlineData("mp3", "libmp3lame")]
    [InlineData("m4a", "aac")]
    [InlineData("ogg", "libvorbis")]
    [InlineData("flac", "flac")]
    public void Open_CompressedStereoRecording_DecodesBothChannelsThroughFfmpeg(string extension, string codec)
    {
        using var dir = new TempDir();
        var wav = Path.Combine(dir.Path, "call.wav");
        File.WriteAllBytes(wav, TestWav.Build([TestWav.Sine(440, 16000, 32000, 0.5), TestWav.Sine(1000, 16000, 32000, 0.1)], 16000, SampleEncoding.Pcm16));
        var encoded = Path.Combine(dir.Path, "call." + extension);
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true };
        foreach (var a in new[] { "-v", "error", "-i", wav, "-c:a", codec, encoded }) psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi)!)
        {
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
        }
        using var reader = AudioReader.Open(encoded);
        Assert.Equal(2, reader.Info.Channels);
        var ch = reader.ReadAllChannels();
        double Rms(float[] x) => Math.Sqrt(x.Skip(4000).Take(20000).Average(v => (double)v * v));
        // Channels stay apart: the left is the loud 440 Hz tone, the right the quiet 1 kHz one.
        Assert.InRange(Rms(ch[0]), 0.30, 0.40);
        Assert.InRange(Rms(ch[1]), 0.05, 0.09);
    }

    [Fact]
    public void Open_TextFile_ThrowsNotAudio()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "notes.wav");
        File.WriteAllText(path, "agent: hello, how can I help?");
        var e = Assert.Throws<AudioFormatException>(() => AudioReader.Open(path));
        Assert.Equal(AudioErrorKind.NotAudio, e.Kind);
    }
}
