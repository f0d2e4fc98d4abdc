using System.Globalization;
using System.Text;
using System.Text.Json;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Features;
using CallSentiment.Analysis.SpeechEmotion;

namespace CallSentiment.Cli.Training;

/// <summary>
/// export-features: computes the product's own features (and augmented variants) for a dataset manifest, so the
/// model is trained on exactly what the product computes. Writes features.f32 (float32 frames, row-major),
/// index.csv (one row per clip variant: offset and frame count) and feature-config.json. <c>--first-variant 8</c>
/// exports only the stronger variants (see <see cref="Augmenter"/>), to add them to an earlier export;
/// <c>--babble DIR</c> names a folder of speech recordings (*.wav, *.flac) from speakers outside the training data
/// that the strong variants mix in as babble noise.
/// </summary>
internal static class ExportFeaturesCommand
{
    public static int Run(Args args)
    {
        var manifests = args.Required("manifest").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var outDir = args.Required("out");
        var variants = args.Int("variants", 6, 1, 64);
        var firstVariant = args.Int("first-variant", 0, 0, 63);
        var babbleDir = args.Get("babble");
        var configPath = args.Get("config");
        var threads = args.Int("threads", Environment.ProcessorCount, 1, 256);
        args.EnsureAllUsed();

        var config = configPath is null ? new FeatureConfig() : JsonSerializer.Deserialize<FeatureConfig>(File.ReadAllText(configPath), Json.Options)!;
        config.Validate();
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "feature-config.json"), JsonSerializer.Serialize(config, Json.Options));

        List<float[]> babble = babbleDir is null ? [] : Directory.EnumerateFiles(babbleDir)
            .Where(f => f.EndsWith(".wav", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".flac", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).Select(f => AudioLoader.LoadMono(f, config.SampleRate)).ToList();
        if (babbleDir is not null && babble.Count == 0) throw new UsageException($"--babble {babbleDir}: no .wav or .flac files");
        var augmenter = new Augmenter(babble);
        var rows = manifests.SelectMany(m => Manifest.Read(m).Select(r => (Row: r, Dir: Path.GetDirectoryName(Path.GetFullPath(m))!))).ToList();
        using var data = new FileStream(Path.Combine(outDir, "features.f32"), FileMode.Create);
        using var index = new StreamWriter(Path.Combine(outDir, "index.csv"), false, new UTF8Encoding(false));
        index.WriteLine("path,speaker,emotion,corpus,variant,offset,frames");
        long offsetFrames = 0;
        var gate = new object();
        var done = 0;
        var failures = new List<string>();
        Parallel.ForEach(rows, new ParallelOptions { MaxDegreeOfParallelism = threads }, item =>
        {
            var (row, dir) = item;
            float[] clean;
            try
            {
                clean = AudioLoader.LoadMono(Path.Combine(dir, row.Path), config.SampleRate);
            }
            catch (AudioFormatException e)
            {
                lock (gate) failures.Add(e.Message);
                return;
            }
            var extractor = new FeatureExtractor(config);
            for (var v = firstVariant; v < firstVariant + variants; v++)
            {
                var augmented = augmenter.Apply(clean, config.SampleRate, v, StableSeed(row.Path, v));
                var frames = extractor.ComputeAll(augmented.Audio);
                var (start, count) = VoicedSpan.Find(frames, config.FramesPerSecond);
                ReadOnlySpan<float> span = frames.Rows(start, count);
                if (augmented.TimeStretch != 1.0)
                {
                    span = Augmenter.Stretch(span, config.Dim, augmented.TimeStretch);
                    count = span.Length / config.Dim;
                }
                var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(span);
                lock (gate)
                {
                    data.Write(bytes);
                    index.WriteLine(string.Join(',', row.Path, row.Speaker, row.Emotion, row.Corpus,
                        v.ToString(CultureInfo.InvariantCulture), offsetFrames.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture)));
                    offsetFrames += count;
                }
            }
            var n = Interlocked.Increment(ref done);
            if (n % 100 == 0) Console.Error.WriteLine($"  {n}/{rows.Count} clips");
        });
        foreach (var f in failures) Console.Error.WriteLine($"skipped: {f}");
        Console.WriteLine($"exported {done} clips x {variants} variants = {offsetFrames} frames of dim {config.Dim} to {outDir}");
        return failures.Count == rows.Count ? 1 : 0;
    }

    private static int StableSeed(string path, int variant)
    {
        var h = 2166136261u;
        foreach (var c in path) h = (h ^ c) * 16777619u;
        return (int)((h ^ (uint)variant * 0x9E3779B9u) & 0x7FFFFFFF);
    }
}
