using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CallSentiment.Analysis.Calls;
using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Cli.Calls;

/// <summary>
/// calibrate: refits the fusion combiner (<see cref="FusionModel"/>) on labelled calls — the development corpus, or a
/// centre's own QA corrections exported from the QA page — and reports, on a part held out from the fitting, the
/// customer verdicts before and after. Writes the refitted model (a new version, with what it was fitted on) only
/// when asked to (--out), so a centre can read the report first.
/// </summary>
internal static class CalibrateCommand
{
    /// <summary>Fewer labelled customers than this cannot move a combiner anywhere useful.</summary>
    public const int MinimumExamples = 20;

    public static int Run(Args args, TimeProvider clock)
    {
        var manifestPath = args.Required("manifest");
        var data = args.Get("data") ?? Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        var where = EvaluateCallsCommand.ParseWhere(args.Get("where"));
        var testWhere = EvaluateCallsCommand.ParseWhere(args.Get("test-where"));
        var holdout = args.Double("holdout", 0.25, 0.05, 0.9);
        var groupColumn = args.Get("group");
        var fixedLambda = args.Double("lambda", double.NaN, 1e-6, 1e6);
        var parallel = args.Int("parallel", 2, 1, 16);
        var cacheDir = args.Get("cache");
        var outPath = args.Get("out");
        var version = args.Get("version");
        var force = args.Flag("force");
        var start = CallPipeline.LoadFusion(args.Get("fusion"));

        var calls = LabelledCall.Read(manifestPath, where, groupColumn);
        if (calls.Count == 0) throw new UsageException($"{manifestPath}: no labelled calls{(where.Count > 0 ? " match --where" : "")}");
        var evidence = new FusionEvidence?[calls.Count];
        var pending = new List<int>();
        for (var i = 0; i < calls.Count; i++)
        {
            if (calls[i].Evidence is { } json) evidence[i] = ParseEvidence(json, manifestPath, calls[i].Path);
            else pending.Add(i);
        }
        if (pending.Count > 0)
        {
            // Rows without stored evidence: run the worker's stages on the recordings (through the cache when given).
            using var pipeline = CallPipeline.Load(args, withTranscript: true, parallel, cacheDir);
            args.EnsureAllUsed();
            var subset = pending.Select(i => calls[i]).ToList();
            var (analyses, failures) = CallBatch.Analyse(pipeline, cacheDir, subset, data, parallel,
                (_, a) => $"customer {a.Verdict.Sentiment.ToLabel()}");
            for (var j = 0; j < subset.Count; j++)
            {
                if (failures[j] is { } f) Console.WriteLine($"  skipped (failed): {subset[j].Path}: {f}");
                evidence[pending[j]] = analyses[j]?.Conversation?.Customer?.Mood?.Evidence;
            }
        }
        else
        {
            args.EnsureAllUsed();
        }

        var testPaths = testWhere.Count == 0 ? null
            : LabelledCall.Read(manifestPath, Merge(where, testWhere), groupColumn).Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        var fit = new List<FusionExample>();
        var test = new List<FusionExample>();
        var skipped = 0;
        for (var i = 0; i < calls.Count; i++)
        {
            if (evidence[i] is not { } e)
            {
                skipped++;
                continue;
            }
            var group = calls[i].Group is { Length: > 0 } g ? g : calls[i].Path;
            var example = new FusionExample(e, calls[i].Customer, group);
            var heldOut = testPaths is not null ? testPaths.Contains(calls[i].Path) : Fraction(group) < holdout;
            (heldOut ? test : fit).Add(example);
        }

        var ci = CultureInfo.InvariantCulture;
        var without = skipped > 0 ? string.Create(ci, $", {skipped} without a customer to judge") : "";
        Console.WriteLine(string.Create(ci,
            $"{calls.Count} labelled call(s) from {manifestPath}: {fit.Count} to fit, {test.Count} held out for the report{without} (groups by {groupColumn ?? "recording"})"));
        Console.WriteLine($"  to fit:   {Counts(fit)}");
        Console.WriteLine($"  held out: {Counts(test)}");
        if (fit.Count < MinimumExamples)
        {
            Console.Error.WriteLine($"error: {fit.Count} labelled customer(s) to fit; calibrate needs at least {MinimumExamples} (record more QA corrections first)");
            return 1;
        }

        var lambda = fixedLambda;
        if (double.IsNaN(lambda))
        {
            var (best, curve) = FusionFitter.ChooseLambda(start, fit);
            lambda = best;
            Console.WriteLine("  pull towards the current model (λ), chosen by grouped 5-fold cross-validation on the calls to fit (mean log-loss):");
            foreach (var (l, loss) in curve) Console.WriteLine(string.Create(ci, $"    λ {l,6:0.###}  {loss:0.000}{(l == best ? "  <" : "")}"));
        }
        var fitted = FusionFitter.Fit(start, fit, lambda);
        fitted = fitted with { Version = version ?? $"calibrated-{clock.GetUtcNow():yyyyMMdd}-{Fingerprint(fitted)}" };

        Console.WriteLine();
        Console.WriteLine($"customer verdicts on the held-out part (n={test.Count}): before ({start.Version}) → after ({fitted.Version})");
        var before = Score(start, test);
        var after = Score(fitted, test);
        Console.WriteLine(string.Create(ci, $"  {"",-30}{"before",10}{"after",10}"));
        foreach (var (name, b, a) in Rows(before, after)) Console.WriteLine(string.Create(ci, $"  {name,-30}{F(b),10}{F(a),10}"));
        var onFit = Score(fitted, fit);
        Console.WriteLine(string.Create(ci, $"  (on the calls it was fitted on: accuracy {F(onFit.Board.Accuracy)}, negative recall {F(onFit.Board.NegativeRecall)}, false alarms {F(onFit.Board.FalseAlarm)})"));
        Console.WriteLine();
        Console.WriteLine("weights (negative, positive) per feature:");
        Console.WriteLine(string.Create(ci, $"  {"bias",-28}{fitted.NegativeBias,8:0.000}{fitted.PositiveBias,8:0.000}"));
        for (var i = 0; i < FusionEvidence.FeatureNames.Length; i++)
            Console.WriteLine(string.Create(ci, $"  {FusionEvidence.FeatureNames[i],-28}{fitted.NegativeWeights[i],8:0.000}{fitted.PositiveWeights[i],8:0.000}"));

        // A refit that does worse than the current model on calls it has not seen must not replace it by accident.
        var worse = test.Count > 0 && (after.LogLoss > before.LogLoss || after.Board.Accuracy < before.Board.Accuracy);
        if (worse)
            Console.WriteLine("the refit does worse than the current model on the held-out part (accuracy or log-loss): keep the current model" +
                (outPath is null ? "" : force ? "; writing it anyway (--force)" : "; not written (--force writes it anyway)"));
        if (outPath is not null && (!worse || force))
        {
            var training = new
            {
                fittedOn = Path.GetFileName(manifestPath),
                where = args.Get("where"),
                startedFrom = start.Version,
                examples = fit.Count,
                heldOut = test.Count,
                lambda,
                fittedAt = clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", ci),
                before = Summary(before),
                after = Summary(after),
            };
            var model = fitted with { Training = JsonSerializer.SerializeToElement(training, FusionModel.Json) };
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
            File.WriteAllText(outPath, JsonSerializer.Serialize(model, FusionModel.Json) + "\n");
            Console.WriteLine($"wrote {outPath} ({fitted.Version}); point Fusion:ModelFolder at its folder to use it");
        }
        Console.WriteLine();
        Console.WriteLine(string.Create(ci,
            $"before: customerAcc={F(before.Board.Accuracy)} negRecall={F(before.Board.NegativeRecall)} falseAlarm={F(before.Board.FalseAlarm)} n={test.Count}"));
        Console.WriteLine(string.Create(ci,
            $"after: customerAcc={F(after.Board.Accuracy)} negRecall={F(after.Board.NegativeRecall)} falseAlarm={F(after.Board.FalseAlarm)} n={test.Count}"));
        return 0;
    }

    private sealed record Scores(CallScoreboard Board, CallScoreboard Queue, int LowConfidence, double LogLoss);

    private static Scores Score(FusionModel model, List<FusionExample> examples)
    {
        var board = new CallScoreboard();
        var queue = new CallScoreboard();
        var low = 0;
        double loss = 0;
        foreach (var e in examples)
        {
            if (model.Fuse(e.Evidence) is not { } mood) continue;
            board.Add(e.Label, mood.Verdict.Sentiment, null, null);
            queue.Add(e.Label, model.ForRecovery(mood) ? Sentiment.Negative : Sentiment.Neutral, null, null);
            if (mood.LowConfidence) low++;
            loss += FusionFitter.LogLoss(model, e);
        }
        return new Scores(board, queue, low, examples.Count == 0 ? double.NaN : loss / examples.Count);
    }

    private static IEnumerable<(string, double, double)> Rows(Scores b, Scores a) =>
    [
        ("accuracy", b.Board.Accuracy, a.Board.Accuracy),
        ("macro-F1", b.Board.MacroF1, a.Board.MacroF1),
        ("negative recall", b.Board.NegativeRecall, a.Board.NegativeRecall),
        ("false alarms", b.Board.FalseAlarm, a.Board.FalseAlarm),
        ("QA queue negative recall", b.Queue.NegativeRecall, a.Queue.NegativeRecall),
        ("QA queue false alarms", b.Queue.FalseAlarm, a.Queue.FalseAlarm),
        ("low-confidence share", Share(b.LowConfidence, b.Board.Count), Share(a.LowConfidence, a.Board.Count)),
        ("log-loss", b.LogLoss, a.LogLoss),
    ];

    private static object Summary(Scores s) => new
    {
        accuracy = Round(s.Board.Accuracy), macroF1 = Round(s.Board.MacroF1), negativeRecall = Round(s.Board.NegativeRecall),
        falseAlarm = Round(s.Board.FalseAlarm), queueRecall = Round(s.Queue.NegativeRecall), queueFalseAlarm = Round(s.Queue.FalseAlarm),
        lowConfidence = s.LowConfidence, logLoss = Round(s.LogLoss),
    };

    private static double? Round(double v) => double.IsNaN(v) ? null : Math.Round(v, 4);

    private static double Share(int a, int n) => n == 0 ? double.NaN : (double)a / n;

    private static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Counts(List<FusionExample> e) =>
        $"{e.Count} customers ({e.Count(x => x.Label == CallLabel.Negative)} negative, {e.Count(x => x.Label == CallLabel.Neutral)} neutral, {e.Count(x => x.Label == CallLabel.Positive)} positive)";

    /// <summary>Where a group falls in [0, 1): a stable hash, so the held-out part is the same on every run and a group is never split.</summary>
    private static double Fraction(string group) =>
        BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(group)), 0) / (double)uint.MaxValue;

    private static Dictionary<string, string> Merge(Dictionary<string, string> a, Dictionary<string, string> b)
    {
        var m = new Dictionary<string, string>(a, StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in b) m[k] = v;
        return m;
    }

    private static string Fingerprint(FusionModel m) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        string.Join(',', new[] { m.NegativeBias, m.PositiveBias }.Concat(m.NegativeWeights).Concat(m.PositiveWeights)
            .Concat(m.AgentText is { } a ? [a.Negative, a.Positive] : []).Select(v => v.ToString("R", CultureInfo.InvariantCulture))))))[..8];

    private static FusionEvidence ParseEvidence(string json, string manifest, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<FusionEvidence>(json, FusionModel.Json) ?? throw new InvalidDataException("empty");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new UsageException($"{manifest}: {path}: customer_evidence is not evidence JSON ({e.Message})");
        }
    }
}
