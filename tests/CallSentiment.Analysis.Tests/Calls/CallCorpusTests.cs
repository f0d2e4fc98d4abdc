using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Calls;
using CallSentiment.Cli;
using CallSentiment.Cli.Calls;

namespace CallSentiment.Analysis.Tests.Calls;

/// <summary>A small development corpus, built once for the class by the command a user runs.</summary>
public sealed class SmallCallCorpus : IDisposable
{
    private readonly TempDir _dir = new();

    public SmallCallCorpus()
    {
        var (code, stdout, stderr) = CallCorpusTests.Cli("build-call-corpus", "--out", Folder, "--speakers-per-corpus", "1",
            "--voice-calls-per-speaker", "2", "--word-calls", "3", "--mixed-calls", "3", "--seed", "3");
        if (code != 0) throw new InvalidOperationException($"build-call-corpus failed ({code}): {stderr}\n{stdout}");
        Output = stdout;
    }

    public string Folder => _dir.Path;

    public string Manifest => Path.Combine(Folder, "calls.csv");

    public string Output { get; }

    public void Dispose() => _dir.Dispose();
}

public partial class CallCorpusTests(SmallCallCorpus corpus) : IClassFixture<SmallCallCorpus>
{
    internal static (int ExitCode, string Stdout, string Stderr) Cli(params string[] args)
        => CliProcess.Run(null, args);

    private List<Dictionary<string, string>> Rows()
    {
        var lines = File.ReadAllLines(corpus.Manifest);
        var header = lines[0].Split(',');
        // The last column (what the customer said) may hold commas inside quotes; the columns before it do not.
        return lines.Skip(1).Select(l => header.Zip(l.Split(',', header.Length)).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    [Fact]
    public void BuildCallCorpus_Small_WritesStereoTelephoneCallsOfEveryKindWithSidecars()
    {
        var rows = Rows();
        Assert.Equal(["mixed", "voice", "words"], rows.Select(r => r["kind"]).Distinct().Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Contains(r["customer"], new[] { "negative", "neutral", "positive" }));
        Assert.All(rows, r => Assert.Equal("neutral", r["agent"]));
        foreach (var r in rows)
        {
            var path = Path.Combine(corpus.Folder, r["path"]);
            using var reader = AudioReader.Open(path);
            Assert.Equal(8000, reader.Info.SampleRate);
            Assert.Equal(2, reader.Info.Channels);
            Assert.True(File.Exists(Path.ChangeExtension(path, ".json")), r["path"]);
        }
        // Voice-carried calls: acted clips only (no spoken lines); word-carried calls: spoken lines only.
        Assert.All(rows.Where(r => r["kind"] == "voice"), r => Assert.Equal("\"\"", r["customer_text"]));
        Assert.All(rows.Where(r => r["kind"] == "words"), r => Assert.True(r["customer_text"].Length > 20));
    }

    [Fact]
    public void BuildCallCorpus_Mono_WritesTheSameCallsMixedOnOneChannelWithoutChannelRoles()
    {
        using var dir = new TempDir();
        var (code, stdout, stderr) = Cli("build-call-corpus", "--out", dir.Path, "--speakers-per-corpus", "1",
            "--voice-calls-per-speaker", "2", "--word-calls", "3", "--mixed-calls", "3", "--seed", "3", "--mono");
        Assert.True(code == 0, stderr + stdout);

        Assert.Equal(File.ReadAllText(corpus.Manifest), File.ReadAllText(Path.Combine(dir.Path, "calls.csv")));
        foreach (var r in Rows())
        {
            var path = Path.Combine(dir.Path, r["path"]);
            using var sidecar = JsonDocument.Parse(File.ReadAllBytes(Path.ChangeExtension(path, ".json")));
            Assert.False(sidecar.RootElement.TryGetProperty("channels", out _), r["path"]);
            using var mono = AudioReader.Open(path);
            using var stereo = AudioReader.Open(Path.Combine(corpus.Folder, r["path"]));
            Assert.Equal((1, 8000), (mono.Info.Channels, mono.Info.SampleRate));
            var mixed = mono.ReadAllChannels()[0];
            var parts = stereo.ReadAllChannels();
            Assert.Equal(parts[0].Length, mixed.Length);
            // The two lines summed (each was µ-law coded on its own, so allow a few quantisation steps).
            var error = mixed.Select((m, i) => Math.Abs(m - (parts[0][i] + parts[1][i]))).Max();
            Assert.True(error < 0.05, $"{r["path"]}: mono differs from the sum of the stereo channels by up to {error}");
        }
    }

    [Fact]
    public async Task BuildCallCorpus_Echo_TheAgentsLineReturnsIntoTheCustomersAndTheAnalysisHearsOnlyTheCustomer()
    {
        using var dir = new TempDir();
        var (code, stdout, stderr) = Cli("build-call-corpus", "--out", dir.Path, "--speakers-per-corpus", "1",
            "--voice-calls-per-speaker", "2", "--word-calls", "3", "--mixed-calls", "3", "--seed", "3", "--echo", "15");
        Assert.True(code == 0, stderr + stdout);
        Assert.Equal(await File.ReadAllTextAsync(corpus.Manifest, CancellationToken.None), await File.ReadAllTextAsync(Path.Combine(dir.Path, "calls.csv"), CancellationToken.None));

        var voiceCall = Rows().First(r => r["kind"] == "voice")["path"];
        using var pipeline = CallPipeline.Load(new Args([]), withTranscript: false, parallelCalls: 1);
        foreach (var r in Rows())
        {
            using var echoed = AudioReader.Open(Path.Combine(dir.Path, r["path"]));
            using var plain = AudioReader.Open(Path.Combine(corpus.Folder, r["path"]));
            var e = echoed.ReadAllChannels();
            var p = plain.ReadAllChannels();
            // What was added to the customer's line is the agent's line 15 dB down (µ-law coding adds a little).
            var added = Db(e[1].Select((v, i) => v - p[1][i]));
            Assert.InRange(added - Db(p[0]), -16.5, -13.5);
            if (r["path"] != voiceCall) continue;

            // The worker's voice stage hears the customer's own voice only: as long, and as sure, as on the clean line.
            var withEcho = await pipeline.Analyzer.AnalyseAsync(new AnalysisContext(Path.Combine(dir.Path, r["path"]), r["path"], 0, 1), CancellationToken.None);
            var without = await pipeline.Analyzer.AnalyseAsync(new AnalysisContext(Path.Combine(corpus.Folder, r["path"]), r["path"], 0, 1), CancellationToken.None);
            var customerEcho = withEcho.Channels.Single(c => c.Role == "customer");
            var customerPlain = without.Channels.Single(c => c.Role == "customer");
            Assert.InRange(customerEcho.VoicedSeconds, 0.9 * customerPlain.VoicedSeconds, 1.1 * customerPlain.VoicedSeconds + 0.3);
            Assert.InRange(customerEcho.Negative - customerPlain.Negative, -0.1, 0.1);
        }
    }

    private static double Db(IEnumerable<float> x)
    {
        double s = 0;
        long n = 0;
        foreach (var v in x)
        {
            s += v * v;
            n++;
        }
        return 10 * Math.Log10(s / Math.Max(1, n) + 1e-20);
    }

    [Fact]
    public void BuildCallCorpus_Small_NoSpeakerIsInBothTheFittingAndTheReportingPart()
    {
        var rows = Rows();
        IEnumerable<string> Speakers(Dictionary<string, string> r) => r["customer_speaker"].Split('+').Append(r["agent_speaker"]);
        var fit = rows.Where(r => r["split"] == "fit").SelectMany(Speakers).ToHashSet();
        var report = rows.Where(r => r["split"] == "report").SelectMany(Speakers).ToHashSet();
        Assert.NotEmpty(fit);
        Assert.NotEmpty(report);
        Assert.Empty(fit.Intersect(report));
        var held = File.ReadAllLines(Path.Combine(Paths.Root, "models", "report-speakers.csv")).Skip(1).Select(l => l.Split(',')[0]).ToHashSet();
        Assert.All(report.Where(s => !s.StartsWith("tts_", StringComparison.Ordinal)), s => Assert.Contains(s, held));
    }

    [Fact]
    public void EvaluateCalls_VoiceStage_PrintsAReportPerKindAndTheExactSummaryLine()
    {
        using var dir = new TempDir();
        var predictions = Path.Combine(dir.Path, "predictions.csv");
        var (code, stdout, stderr) = Cli("evaluate-calls", "--manifest", corpus.Manifest, "--stages", "voice", "--by", "kind",
            "--where", "split=report", "--out", predictions);

        Assert.True(code == 0, stderr);
        var n = Rows().Count(r => r["split"] == "report");
        var lines = stdout.TrimEnd().Split('\n');
        Assert.Matches(SummaryLine(), lines[^1]);
        Assert.EndsWith($" n={n}", lines[^1], StringComparison.Ordinal);
        Assert.Contains("stage voice (the voice alone)", stdout, StringComparison.Ordinal);
        Assert.Contains("label \\ verdict", stdout, StringComparison.Ordinal);
        Assert.Contains("customer accuracy by kind", stdout, StringComparison.Ordinal);
        Assert.Equal(n + 1, File.ReadAllLines(predictions).Length);
    }

    [Fact]
    public void EvaluateCalls_BadLabel_IsAUsageErrorNamingTheLine()
    {
        using var dir = new TempDir();
        var manifest = Path.Combine(dir.Path, "bad.csv");
        File.WriteAllLines(manifest, ["path,customer,agent", "a.wav,furious,neutral"]);
        var (code, _, stderr) = Cli("evaluate-calls", "--manifest", manifest, "--stages", "voice");
        Assert.Equal(2, code);
        Assert.Contains("bad.csv:2: customer label 'furious' is not negative, neutral or positive", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analysis_SameCallsInAnotherOrderAndConcurrency_GivesIdenticalTranscriptsScoresAndVerdicts()
    {
        // The worker's analysis (same stages, pooled decoders, fusion) run over the same calls twice: one at a time in
        // manifest order, then two at a time in reverse order, so each pooled decoder sees other work before each call.
        var paths = Rows().Select(r => Path.Combine(corpus.Folder, r["path"])).Take(6).ToList();
        using var pipeline = CallPipeline.Load(new Args([]), withTranscript: true, parallelCalls: 2);
        var first = new Dictionary<string, string>();
        foreach (var p in paths) first[p] = await AnalyseAsync(pipeline, p);
        var second = new ConcurrentDictionary<string, string>();
        await Parallel.ForEachAsync(Enumerable.Reverse(paths), new ParallelOptions { MaxDegreeOfParallelism = 2 },
            async (p, _) => second[p] = await AnalyseAsync(pipeline, p));

        Assert.All(paths, p => Assert.Equal(first[p], second[p]));
        // Transcripts were made (the comparison covers the recogniser's words, not only the voice).
        Assert.All(first.Values, v => Assert.Contains("\"Chunks\":[{", v, StringComparison.Ordinal));
    }

    /// <summary>Everything the analysis stores except how long the stages took.</summary>
    private static async Task<string> AnalyseAsync(CallPipeline pipeline, string path)
    {
        var a = await pipeline.Analyzer.AnalyseAsync(new AnalysisContext(path, Path.GetFileName(path), 0, 1), CancellationToken.None);
        a = a with { Stages = a.Stages.Select(s => s with { ElapsedMs = 0, Detail = null }).ToList() };
        return JsonSerializer.Serialize(a, WithFields);
    }

    private static readonly JsonSerializerOptions WithFields = new() { IncludeFields = true };

    [GeneratedRegex(@"^customerAcc=(0|1)\.\d{3} negRecall=((0|1)\.\d{3}|n/a) falseAlarm=((0|1)\.\d{3}|n/a) agentNeg=((0|1)\.\d{3}|n/a) n=\d+$")]
    private static partial Regex SummaryLine();
}
