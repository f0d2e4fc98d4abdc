using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.SpeechEmotion;

namespace CallSentiment.Cli.SpeechEmotion;

/// <summary>
/// bench-emotion: seconds of audio analysed (decode + features + inference) per CPU-second, on one thread and on
/// all cores, on real speech (dataset clips joined with pauses into one 16 kHz WAV), optionally against the
/// PyTorch/torchaudio reference script doing the same work, and the peak memory of a long recording.
/// </summary>
internal static partial class BenchEmotionCommand
{
    public static int Run(Args args)
    {
        var seconds = args.Double("seconds", 300, 10, 36_000);
        var reference = args.Flag("reference");
        var memoryHours = args.Double("memory-hours", 0, 0, 24);
        var modelDir = ModelLocator.SpeechEmotionFolder(args.Get("model"));
        var speech = args.Get("speech") ?? FindSpeechDataset();
        var python = args.Get("python") ?? "/usr/bin/python3";
        args.EnsureAllUsed();
        var ci = CultureInfo.InvariantCulture;

        using var model = SpeechEmotionModel.Load(modelDir);
        var dir = Directory.CreateTempSubdirectory("callsentiment-bench-");
        try
        {
            var wav = Path.Combine(dir.FullName, "speech.wav");
            var audioSeconds = WriteSpeechWav(wav, speech, seconds, model.Features.SampleRate);
            Console.WriteLine(string.Create(ci, $"benchmark audio: {audioSeconds:0} s of real speech (clips from {speech} joined with pauses), 16 kHz 16-bit mono WAV"));
            Console.WriteLine(string.Create(ci, $"machine: {Environment.ProcessorCount} cores; ONNX Runtime {Analysis.Onnx.OnnxSession.RuntimeVersion}, 1 intra-op thread per analysis"));

            // Warm-up until the runtime has settled (tiered JIT recompiles hot methods on a background thread whose
            // CPU time the process clock counts; the ONNX Runtime arena grows on first use), then each measurement
            // twice, keeping the faster. One pass of a short file was not enough: --seconds 60 read about 850 s of
            // audio per CPU-second for the three-seed ensemble where the settled code reads 1,260-1,350.
            WarmUp(() => DecodeOnly(wav));
            WarmUp(() => DecodeAndFeatures(wav, model));
            WarmUp(() => AnalyzeFile(model, wav));
            var cpuDecode = Math.Min(Measure(() => DecodeOnly(wav)).CpuSeconds, Measure(() => DecodeOnly(wav)).CpuSeconds);
            var cpuFeatures = Math.Min(Measure(() => DecodeAndFeatures(wav, model)).CpuSeconds, Measure(() => DecodeAndFeatures(wav, model)).CpuSeconds);
            var (cpu1, wall1) = new[] { Measure(() => AnalyzeFile(model, wav)), Measure(() => AnalyzeFile(model, wav)) }.MinBy(m => m.CpuSeconds);
            var single = audioSeconds / cpu1;
            Console.WriteLine(string.Create(ci, $"one thread:  {single,8:0} s of audio per CPU-second ({audioSeconds / wall1:0}x real time wall-clock)"));
            Console.WriteLine(string.Create(ci,
                $"  CPU split: decode {cpuDecode / cpu1:P0}, features {(cpuFeatures - cpuDecode) / cpu1:P0}, VAD + windows + inference {(cpu1 - cpuFeatures) / cpu1:P0}"));

            var n = Environment.ProcessorCount;
            var (cpuN, wallN) = Measure(() => Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = n }, _ => AnalyzeFile(model, wav)));
            Console.WriteLine(string.Create(ci,
                $"all {n} threads: {n * audioSeconds / cpuN,6:0} s of audio per CPU-second; {n * audioSeconds / wallN:0}x real time wall-clock in total"));

            if (reference)
            {
                var script = Path.Combine(modelDir, "..", "training", "reference_bench.py");
                var card = Path.Combine(modelDir, SpeechEmotionModel.CardFile);
                var (refAudio, refCpu) = RunReference(python, script, wav, card, batched: false);
                var refRate = refAudio / refCpu;
                var (batchAudio, batchCpu) = RunReference(python, script, wav, card, batched: true);
                Console.WriteLine(string.Create(ci, $"reference (PyTorch {ReferenceVersion} + torchaudio, 1 thread, same decode/features/VAD/windows/CNN): {refRate:0} s of audio per CPU-second"));
                Console.WriteLine(string.Create(ci, $"  (the reference with all windows batched into one call, offline only: {batchAudio / batchCpu:0} s per CPU-second)"));
                Console.WriteLine(string.Create(ci, $"speed-up over the reference: {single / refRate:0.0}x (over the batched reference: {single / (batchAudio / batchCpu):0.0}x)"));
            }

            if (memoryHours > 0)
            {
                var longWav = Path.Combine(dir.FullName, "long.wav");
                var longSeconds = RepeatWav(wav, longWav, memoryHours * 3600);
                var before = PeakRssMb();
                GC.Collect();
                var (cpuL, wallL) = Measure(() => AnalyzeFile(model, longWav));
                Console.WriteLine(string.Create(ci,
                    $"long recording: {longSeconds / 3600:0.00} h analysed in {wallL:0.0} s; process peak RSS {PeakRssMb():0} MB (before: {before:0} MB); managed heap now {GC.GetTotalMemory(false) / 1048576.0:0} MB"));
            }
            return 0;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string ReferenceVersion = "";

    private static RecordingEmotion AnalyzeFile(SpeechEmotionModel model, string path)
    {
        using var reader = AudioReader.Open(path);
        return new EmotionAnalyzer(model).Analyze(reader);
    }

    private static void DecodeOnly(string path)
    {
        using var reader = AudioReader.Open(path);
        var block = new float[8192 * reader.Info.Channels];
        while (reader.Read(block) > 0)
        {
        }
    }

    private static void DecodeAndFeatures(string path, SpeechEmotionModel model)
    {
        using var reader = AudioReader.Open(path);
        var block = new float[8192];
        var extractor = new Analysis.Features.FeatureExtractor(model.Features);
        var frames = new Analysis.Features.FrameBuffer(model.Features.Dim);
        int n;
        while ((n = reader.Read(block)) > 0)
        {
            extractor.Process(block.AsSpan(0, n), frames);
            frames.Clear();
        }
    }

    /// <summary>Runs <paramref name="action"/> at least three times and for at least two seconds.</summary>
    private static void WarmUp(Action action)
    {
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < 3 || sw.Elapsed < TimeSpan.FromSeconds(2); i++) action();
    }

    private static (double CpuSeconds, double WallSeconds) Measure(Action action)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        action();
        sw.Stop();
        process.Refresh();
        return ((process.TotalProcessorTime - cpu0).TotalSeconds, sw.Elapsed.TotalSeconds);
    }

    private static string FindSpeechDataset()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "datasets", "ser", "ravdess", "MANIFEST.csv");
            if (File.Exists(candidate)) return candidate;
        }
        throw new UsageException("no speech found for the benchmark: pass --speech MANIFEST.csv");
    }

    /// <summary>Joins manifest clips (with 0.3–1.5 s pauses, as between turns) into one 16-bit WAV of about <paramref name="seconds"/>.</summary>
    private static double WriteSpeechWav(string path, string manifest, double seconds, int rate)
    {
        var rows = Manifest.Read(manifest);
        var root = Path.GetDirectoryName(Path.GetFullPath(manifest))!;
        var rng = new Random(42);
        using var writer = new PcmWavWriter(path, rate, 1);
        long samples = 0;
        var target = (long)(seconds * rate);
        var i = 0;
        while (samples < target)
        {
            var clip = AudioLoader.LoadMono(Path.Combine(root, rows[i++ % rows.Count].Path), rate);
            writer.Write(clip);
            var pause = new float[(int)(rate * (0.3 + 1.2 * rng.NextDouble()))];
            for (var k = 0; k < pause.Length; k++) pause[k] = (float)((rng.NextDouble() - 0.5) * 2e-4); // line noise
            writer.Write(pause);
            samples += clip.Length + pause.Length;
        }
        return (double)samples / rate;
    }

    private static double RepeatWav(string source, string destination, double seconds)
    {
        using var reader = AudioReader.Open(source);
        var all = reader.ReadAllChannels()[0];
        using var writer = new PcmWavWriter(destination, reader.Info.SampleRate, 1);
        long written = 0;
        var target = (long)(seconds * reader.Info.SampleRate);
        while (written < target)
        {
            var n = (int)Math.Min(all.Length, target - written);
            writer.Write(all.AsSpan(0, n));
            written += n;
        }
        return (double)written / reader.Info.SampleRate;
    }

    private static (double Audio, double Cpu) RunReference(string python, string script, string wav, string card, bool batched)
    {
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.GetFullPath(script), "--wav", wav, "--model-json", card }) psi.ArgumentList.Add(a);
        if (batched) psi.ArgumentList.Add("--batched");
        using var p = Process.Start(psi) ?? throw new UsageException($"could not start {python}");
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        var m = ReferenceLine().Match(stdout);
        if (p.ExitCode != 0 || !m.Success)
            throw new UsageException($"reference script failed (exit {p.ExitCode}): {stderr.Trim()} {stdout.Trim()}");
        ReferenceVersion = m.Groups[3].Value;
        return (double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"audio_seconds=([0-9.]+) cpu_seconds=([0-9.]+) torch=(\S+)")]
    private static partial Regex ReferenceLine();

    private static double PeakRssMb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
        return double.NaN;
    }
}
