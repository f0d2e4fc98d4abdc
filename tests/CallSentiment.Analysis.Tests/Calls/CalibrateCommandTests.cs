using System.Globalization;
using System.Text;
using System.Text.Json;
using CallSentiment.Analysis.Calls;

namespace CallSentiment.Analysis.Tests.Calls;

/// <summary>calibrate on a manifest of QA corrections that carries each call's stored evidence (no audio needed).</summary>
public sealed class CalibrateCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("calibrate-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>
    /// Corrections as /qa/labels.csv exports them: the voice model reads everyone as fairly angry (the centre's line is
    /// noisy), the words tell the truth. Neutral customers were judged NEGATIVE and QA said so.
    /// </summary>
    private string Manifest(int count, int flatWordsFrom = int.MaxValue)
    {
        var random = new Random(7);
        var sb = new StringBuilder("path,customer,agent,call_id,employee,verdict_then,part,customer_evidence\n");
        string[] labels = ["negative", "neutral", "positive"];
        for (var i = 0; i < count; i++)
        {
            var label = labels[i % 3];
            var vn0 = 0.0;
            var (tn, tu, tp) = label switch { "negative" => (0.75, 0.2, 0.05), "positive" => (0.05, 0.2, 0.75), _ => (0.1, 0.8, 0.1) };
            var later = i >= flatWordsFrom;
            if (later) (tn, tu, tp) = (0.1, 0.8, 0.1); // later calls: the recogniser hears nothing useful, the voice tells
            if (later) vn0 = label switch { "negative" => 0.8, "positive" => 0.05, _ => 0.1 };
            var vn = later ? vn0 : 0.6 + 0.25 * random.NextDouble();
            var vp = later && label == "positive" ? 0.8 : 0.05;
            var evidence = JsonSerializer.Serialize(new
            {
                negative = 0.5, neutral = 0.3, positive = 0.2, why = (string?)null,
                textNegative = tn, textNeutral = tu, textPositive = tp, textSeconds = 12.0, textWeight = 0.6 + 0.4 * random.NextDouble(), wordConfidence = 0.7,
                voiceNegative = vn, voiceNeutral = 1 - vn - vp, voicePositive = vp, voiceSeconds = 20.0, voiceWeight = 1.0,
            });
            sb.Append(CultureInfo.InvariantCulture, $"agent-{i % 4}/2026-11-0{1 + i % 9}/10{i:0000}_c{i}.wav,{label},,{i},agent-{i % 4},negative,{(i >= flatWordsFrom ? "later" : "earlier")},\"{evidence.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n");
        }
        var path = Path.Combine(_dir.FullName, "labels.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Fact]
    public void Calibrate_StoredEvidence_RefitsAndReportsHeldOutBeforeAndAfter()
    {
        var manifest = Manifest(120);
        var output = Path.Combine(_dir.FullName, "fitted", FusionModel.FileName);

        var (code, stdout, stderr) = CallCorpusTests.Cli("calibrate", "--manifest", manifest, "--holdout", "0.3", "--out", output);

        Assert.True(code == 0, stderr + stdout);
        var before = Figure(stdout, "before: customerAcc=");
        var after = Figure(stdout, "after: customerAcc=");
        Assert.True(after > before + 0.2, stdout);
        var model = FusionModel.Load(Path.GetDirectoryName(output)!);
        Assert.StartsWith("calibrated-", model.Version, StringComparison.Ordinal);
        Assert.Equal(new FusionModel().TrustedAbove, model.TrustedAbove);
        Assert.Equal("labels.csv", model.Training!.Value.GetProperty("fittedOn").GetString());
        Assert.True(model.Training.Value.GetProperty("heldOut").GetInt32() > 0);
    }

    [Fact]
    public void Calibrate_TooFewCorrections_RefusesAndWritesNothing()
    {
        var output = Path.Combine(_dir.FullName, "fitted.json");
        var (code, _, stderr) = CallCorpusTests.Cli("calibrate", "--manifest", Manifest(12), "--out", output);
        Assert.Equal(1, code);
        Assert.Contains("needs at least", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Calibrate_RefitWorseOnHeldOutCalls_IsNotWrittenUnlessForced()
    {
        // Fitted on calls where the voice cries wolf, tested on calls where only the voice tells: the refit learnt to
        // ignore the voice, which is wrong on the held-out calls.
        var manifest = Manifest(150, flatWordsFrom: 100);
        var output = Path.Combine(_dir.FullName, "worse.json");

        var (code, stdout, stderr) = CallCorpusTests.Cli("calibrate", "--manifest", manifest, "--test-where", "part=later", "--out", output);
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("does worse than the current model", stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(output));

        (code, stdout, stderr) = CallCorpusTests.Cli("calibrate", "--manifest", manifest, "--test-where", "part=later", "--out", output, "--force");
        Assert.True(code == 0, stderr + stdout);
        Assert.True(File.Exists(output));
    }

    private static double Figure(string stdout, string prefix)
    {
        var line = stdout.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return double.Parse(line[prefix.Length..].Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
