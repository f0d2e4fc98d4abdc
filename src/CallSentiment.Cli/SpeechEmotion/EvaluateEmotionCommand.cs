using System.Globalization;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.SpeechEmotion;

namespace CallSentiment.Cli.SpeechEmotion;

/// <summary>
/// evaluate-emotion: runs the committed model through the product's own pipeline (decode → 16 kHz → optional
/// telephone channel → features → voiced span → windows → ONNX) on any manifest with path,speaker,emotion columns.
/// Dataset labels the model folds into its own (model.json aliases, e.g. calm → neutral) are scored as that label;
/// negative-vs-rest uses the model's valence mapping.
/// </summary>
internal static class EvaluateEmotionCommand
{
    public static int Run(Args args)
    {
        var manifest = args.Required("manifest");
        var data = args.Get("data") ?? Path.GetDirectoryName(Path.GetFullPath(manifest))!;
        var telephone = args.Flag("telephone");
        var modelDir = ModelLocator.SpeechEmotionFolder(args.Get("model"));
        var threads = args.Int("threads", Environment.ProcessorCount, 1, 256);
        var every = args.Int("every", 1, 1, 1000);
        using var condition = Diagnostics.NoiseCondition.FromArgs(args);
        args.EnsureAllUsed();

        using var model = SpeechEmotionModel.Load(modelDir);
        var rows = Manifest.Read(manifest).Where((_, i) => i % every == 0).ToList();
        var labels = model.Labels;
        var negative = labels.Where((_, i) => model.ValenceOf(i) == Valence.Negative).ToHashSet();
        var excluded = rows.Where(r => model.IndexOfLabel(r.Emotion) < 0).GroupBy(r => r.Emotion).ToList();
        var usable = rows.Where(r => model.IndexOfLabel(r.Emotion) >= 0).ToList();
        var pairs = new (int Truth, int Predicted)[usable.Count];
        var saidNegative = new bool[usable.Count];
        var failed = new List<string>();
        var rate = model.Features.SampleRate;
        Parallel.For(0, usable.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            var row = usable[i];
            try
            {
                var audio = AudioLoader.LoadMono(Path.Combine(data, row.Path), rate);
                if (condition is not null)
                    audio = condition.Apply(audio, rate, row.Path, telephone ? a => TelephoneChannel.Apply(a, rate) : null);
                else if (telephone)
                    audio = TelephoneChannel.Apply(audio, rate);
                var probabilities = new EmotionAnalyzer(model).AnalyzeClip(audio);
                pairs[i] = (model.IndexOfLabel(row.Emotion), Array.IndexOf(probabilities, probabilities.Max()));
                saidNegative[i] = ValenceScores.From(probabilities, model).Negative >= 0.5;
            }
            catch (Exception e) when (e is AudioFormatException or FileNotFoundException)
            {
                lock (failed) failed.Add($"{row.Path}: {e.Message}");
                pairs[i] = (-1, -1);
            }
        });

        var keep = Enumerable.Range(0, pairs.Length).Where(i => pairs[i].Truth >= 0).ToList();
        var scored = keep.Select(i => pairs[i]).ToList();
        var report = new ClassificationReport(labels, scored, negative, [.. keep.Select(i => saidNegative[i])]);
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(ci, $"model: {modelDir} (ONNX Runtime {Analysis.Onnx.OnnxSession.RuntimeVersion})"));
        Console.WriteLine(string.Create(ci, $"manifest: {manifest}{(every > 1 ? $" (every {every}th row: {rows.Count})" : "")}; channel: {(telephone ? "telephone (300-3400 Hz, 8 kHz, mu-law)" : "wideband")}"));
        if (condition is not null) Console.WriteLine($"condition: {condition.Describe()}");
        foreach (var (from, to) in model.Card.Aliases.Where(a => rows.Any(r => r.Emotion == a.Key)))
            Console.WriteLine(string.Create(ci, $"scored as '{to}': clips labelled '{from}' (model.json aliases)"));
        foreach (var g in excluded)
            Console.WriteLine(string.Create(ci, $"excluded: {g.Count()} clips labelled '{g.Key}' (not one of the model's labels)"));
        foreach (var f in failed) Console.WriteLine($"failed: {f}");
        Console.WriteLine();
        Console.Write(report.Format());
        Console.WriteLine();
        Console.WriteLine(string.Create(ci, $"unweighted accuracy (mean per-class recall): {report.UnweightedAccuracy:0.0000}"));
        Console.WriteLine(string.Create(ci, $"weighted accuracy: {report.WeightedAccuracy:0.0000}"));
        Console.WriteLine(string.Create(ci, $"macro-F1: {report.MacroF1:0.0000}"));
        Console.WriteLine(string.Create(ci,
            $"binary negative ({string.Join('/', negative)}) vs rest accuracy: {report.BinaryNegative:0.0000} (negative = those labels hold >= 0.5 of the probability, as the call verdict uses it)"));
        Console.WriteLine(report.SummaryLine());
        return scored.Count == 0 ? 1 : 0;
    }
}
