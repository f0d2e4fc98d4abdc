using System.Diagnostics;
using System.Globalization;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Tests.Transcription.Whisper;
using CallSentiment.Analysis.Transcription;
using CallSentiment.Analysis.Transcription.Whisper;
using CallSentiment.Analysis.Vad;
using CallSentiment.Cli;

namespace CallSentiment.Benchmarks.Transcription;

/// <summary>
/// whisper: x real time and peak memory of Whisper models with the real dimensions of tiny.en and base.en (random
/// weights, written here in the ggml format) beside pocketsphinx, on the same two-channel call built from real read
/// speech. A random model would stop or loop at random, so decoding is held to a stated number of tokens per speech
/// second (end and timestamp tokens suppressed, a cap per decoded piece). Each engine runs in a child process of its
/// own, so its peak RSS (VmHWM) is its own. A real model (--real FILE) runs unconstrained beside them.
/// --memory-hours H measures instead how the Whisper engine's peak RSS grows with the length of the call: the same call
/// repeated to H/12, H/4, H/2 and H hours (10 min, 30 min, 1 h and 2 h for H = 2), decoded with a model of the tests'
/// small dimensions (or --memory-size tiny.en|base.en) so that hours of audio take minutes.
/// </summary>
internal static class WhisperBenchCommand
{
    // Conversational English: ~160 words a minute at ~1.3 tokens per word.
    private const double RealisticTokensPerSecond = 3.5;

    public static async Task<int> RunAsync(Args args)
    {
        if (args.Get("run") is { } engine) return await RunOneAsync(engine, args);
        var seconds = args.Double("seconds", 300, 20, 7200);
        var cores = args.Int("cores", 2, 1, 64);
        var sizes = (args.Get("sizes") ?? "tiny.en,base.en").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var real = args.Get("real");
        var vadModel = args.Get("vad-model") ?? Path.Combine(Paths.Shared, "models", "silero-vad", "silero_vad.onnx");
        var speech = args.Get("speech") ?? Paths.Dataset("asr/speech");
        var memoryHours = args.Double("memory-hours", 0, 0, 4);
        var memorySize = args.Get("memory-size") ?? "test";
        args.EnsureAllUsed();
        var ci = CultureInfo.InvariantCulture;

        var dir = Directory.CreateTempSubdirectory("callsentiment-whisper-bench-");
        try
        {
            var call = Path.Combine(dir.FullName, "call.wav");
            var (speechSeconds, pieces) = BuildCall(call, seconds, speech, vadModel);
            var cap = Math.Max(8, (int)Math.Round(RealisticTokensPerSecond * speechSeconds / Math.Max(1, pieces)));
            Console.WriteLine(string.Create(ci, $"call: {seconds:0} s, two channels (8 kHz µ-law, telephone band), {speechSeconds:0} s of speech in {pieces} VAD pieces"));
            Console.WriteLine(string.Create(ci, $"random-weight Whisper models decode {cap} tokens per piece = {RealisticTokensPerSecond} tokens per speech second (~160 words/min)"));
            Console.WriteLine(string.Create(ci, $"{cores} cores: one decoder per channel, {Math.Max(1, cores / 2)} thread(s) each; machine: {Environment.ProcessorCount} cores, load average {LoadAverage():0.00}"));
            if (memoryHours > 0) return MemoryByDuration(dir.FullName, call, seconds, memoryHours, memorySize, vadModel, cores, cap);

            var runs = new List<(string Label, string Engine, string? Model)> { ("pocketsphinx", "pocketsphinx", null) };
            foreach (var size in sizes)
            {
                var dims = size switch
                {
                    "tiny.en" => GgmlWhisperDimensions.TinyEn,
                    "base.en" => GgmlWhisperDimensions.BaseEn,
                    _ => throw new UsageException($"--sizes: tiny.en or base.en, not '{size}'"),
                };
                var model = Path.Combine(dir.FullName, $"ggml-{size}-random.bin");
                GgmlWhisperModelWriter.Write(model, dims);
                runs.Add(($"whisper {size}-sized (random)", "whisper", model));
            }
            if (real is not null) runs.Add(($"whisper {Path.GetFileName(real)}", "whisper-real", real));

            // Wall-clock x real time is what a quiet 2-core machine would see only when nothing else runs; the CPU-time
            // figure (audio seconds / (CPU seconds / cores)) holds up on a shared, busy machine.
            Console.WriteLine(string.Create(ci, $"{"engine",-34} {"model MB",9} {"wall s",8} {"x RT wall",10} {"CPU s",8} {"x RT on cores (CPU)",20} {"peak RSS MB",12} {"tokens/piece",13}"));
            foreach (var (label, kind, model) in runs)
            {
                var result = RunChild(kind, model, call, vadModel, cores, cap);
                var mb = model is null ? 0 : new FileInfo(model).Length / 1e6;
                Console.WriteLine(string.Create(ci,
                    $"{label,-34} {(model is null ? "-" : mb.ToString("0", ci)),9} {result.Wall,8:0.0} {seconds / result.Wall,10:0.00} {result.Cpu,8:0.0} {seconds / (result.Cpu / cores),20:0.00} {result.PeakRssMb,12:0} {(result.Pieces > 0 ? (result.Tokens / (double)result.Pieces).ToString("0.0", ci) : "-"),13}"));
            }
            Console.WriteLine(string.Create(ci, $"load average after: {LoadAverage():0.00} (figures on a busy machine are pessimistic)"));
            return 0;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Peak RSS of the Whisper engine on the call repeated to longer and longer recordings, and the growth per hour.</summary>
    private static int MemoryByDuration(string dir, string call, double callSeconds, double hours, string size, string vadModel, int cores, int cap)
    {
        var ci = CultureInfo.InvariantCulture;
        var dims = size switch
        {
            "test" => GgmlWhisperDimensions.Small,
            "tiny.en" => GgmlWhisperDimensions.TinyEn,
            "base.en" => GgmlWhisperDimensions.BaseEn,
            _ => throw new UsageException($"--memory-size: test, tiny.en or base.en, not '{size}'"),
        };
        var model = Path.Combine(dir, $"ggml-{size}-random.bin");
        GgmlWhisperModelWriter.Write(model, dims);
        Console.WriteLine(string.Create(ci, $"memory: the {callSeconds:0} s call repeated to each length, Whisper {size}-sized random model ({new FileInfo(model).Length / 1e6:0.0} MB), {cap} tokens per piece"));
        Console.WriteLine(string.Create(ci, $"{"recording",10} {"wav MB",8} {"wall s",8} {"RSS loaded MB",14} {"peak RSS MB",12} {"peak - loaded",14} {"pieces",7} {"words",7}"));
        var rows = new List<(double Hours, double Peak)>();
        foreach (var h in new[] { hours / 12, hours / 4, hours / 2, hours })
        {
            var wav = Path.Combine(dir, "long.wav");
            var bytes = RepeatWav(call, wav, h * 3600);
            var r = RunChild("whisper", model, wav, vadModel, cores, cap);
            File.Delete(wav);
            rows.Add((h, r.PeakRssMb));
            var label = h < 1 ? string.Create(ci, $"{h * 60:0} min") : string.Create(ci, $"{h:0.##} h");
            Console.WriteLine(string.Create(ci,
                $"{label,10} {bytes / 1e6,8:0} {r.Wall,8:0.0} {r.LoadedRssMb,14:0} {r.PeakRssMb,12:0} {r.PeakRssMb - r.LoadedRssMb,14:0} {r.Pieces,7} {r.Words,7}"));
        }
        var growth = (rows[^1].Peak - rows[0].Peak) / (rows[^1].Hours - rows[0].Hours);
        Console.WriteLine(string.Create(ci, $"peak RSS growth: {growth:0} MB per hour of recording ({rows[0].Hours * 60:0} min -> {rows[^1].Hours:0.##} h)"));
        return 0;
    }

    /// <summary>The call's samples repeated to <paramref name="seconds"/>, written as it goes (the file never sits in memory whole).</summary>
    private static long RepeatWav(string source, string destination, double seconds)
    {
        var call = File.ReadAllBytes(source);
        const int Header = 44; // WavWriter's plain RIFF layout: RIFF, WAVE, fmt (16 bytes), data
        var rate = BitConverter.ToInt32(call, 24);
        var blockAlign = BitConverter.ToInt16(call, 32);
        var data = call.AsSpan(Header, BitConverter.ToInt32(call, 40));
        var total = (long)Math.Round(seconds * rate) * blockAlign;
        var header = call[..Header];
        BitConverter.TryWriteBytes(header.AsSpan(4), (uint)(total + Header - 8));
        BitConverter.TryWriteBytes(header.AsSpan(40), (uint)total);
        using var output = File.Create(destination);
        output.Write(header);
        for (long written = 0; written < total;)
        {
            var n = (int)Math.Min(data.Length, total - written);
            output.Write(data[..n]);
            written += n;
        }
        return total + Header;
    }

    private sealed record ChildResult(double Wall, double Cpu, double PeakRssMb, long Tokens, long Pieces, double LoadedRssMb, long Words);

    private static ChildResult RunChild(string engine, string? model, string call, string vadModel, int cores, int cap)
    {
        var self = Environment.GetCommandLineArgs()[0];
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        // Run as `dotnet callsentiment-bench.dll` the host needs the dll; run by its apphost, args[0] is still the dll.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") psi.ArgumentList.Add(self);
        foreach (var a in new[] { "whisper", "--run", engine, "--audio", call, "--vad-model", vadModel, "--cores", cores.ToString(CultureInfo.InvariantCulture),
                     "--tokens", cap.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        if (model is not null)
        {
            psi.ArgumentList.Add("--model");
            psi.ArgumentList.Add(model);
        }
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{engine} run failed (exit {p.ExitCode}):\n{output}");
        var f = line[7..].Split(' ').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture));
        return new ChildResult(f["wall"], f["cpu"], f["rss"], (long)f["tokens"], (long)f["pieces"], f.GetValueOrDefault("loaded"), (long)f.GetValueOrDefault("words"));
    }

    private static async Task<int> RunOneAsync(string engine, Args args)
    {
        var audio = args.Required("audio");
        var vadModel = args.Required("vad-model");
        var cores = args.Int("cores", 2, 1, 64);
        var cap = args.Int("tokens", 24, 1, 224);
        var model = args.Get("model");
        args.EnsureAllUsed();
        var request = new TranscriptionRequest(audio, "bench");
        double wall;
        var cpu0 = TimeSpan.Zero;
        long tokens = 0, pieces = 0;
        double loaded;
        int words;
        if (engine == "pocketsphinx")
        {
            using var t = OfflineTranscriber.Load(new OfflineTranscriberOptions { VadModelPath = vadModel, MaxDecoders = 2 });
            t.WarmUp();
            loaded = RssMb();
            cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            words = (await t.TranscribeAsync(request, CancellationToken.None)).Words.Count;
            wall = sw.Elapsed.TotalSeconds;
        }
        else
        {
            var random = engine == "whisper";
            using var t = WhisperTranscriber.Load(new WhisperSettings
            {
                ModelPath = model ?? throw new UsageException("--model is required"),
                VadModelPath = vadModel,
                Threads = Math.Max(1, cores / 2),
                MaxDecoders = 2,
                MaxTokensPerSegment = random ? cap : 0,
                SuppressRegex = random ? @"\[_(EOT_|BEG_|TT_[0-9]+)\]" : null,
            });
            t.WarmUp();
            loaded = RssMb();
            cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            words = (await t.TranscribeAsync(request, CancellationToken.None)).Words.Count;
            wall = sw.Elapsed.TotalSeconds;
            (pieces, tokens) = t.Decoded;
        }
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(ci, $"RESULT wall={wall:0.000} cpu={(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds:0.000} rss={PeakRssMb():0.0} tokens={tokens} pieces={pieces} loaded={loaded:0.0} words={words}"));
        return 0;
    }

    /// <summary>Agent and customer turns from real read speech, alternating with 0.4–1.5 s pauses, telephone band, 8 kHz µ-law.</summary>
    private static (double SpeechSeconds, int Pieces) BuildCall(string path, double seconds, string speechFolder, string vadModel)
    {
        const int Rate = 16000;
        var clips = Directory.GetFiles(speechFolder, "*.wav").Order(StringComparer.Ordinal).Select(f => AudioLoader.LoadMono(f, Rate)).ToList();
        if (clips.Count < 2) throw new UsageException($"fewer than two .wav clips in {speechFolder}");
        var rng = new Random(7);
        var target = (int)(seconds * Rate);
        var channels = new[] { new float[target], new float[target] };
        var pos = Rate / 2;
        var speaker = 0;
        while (pos < target)
        {
            var clip = clips[rng.Next(clips.Count)];
            var len = Math.Min(clip.Length, target - pos);
            clip.AsSpan(0, len).CopyTo(channels[speaker].AsSpan(pos));
            pos += len + (int)(Rate * (0.4 + 1.1 * rng.NextDouble()));
            if (rng.NextDouble() < 0.7) speaker = 1 - speaker;
        }
        foreach (var c in channels)
            for (var i = 0; i < c.Length; i++) c[i] += (float)((rng.NextDouble() - 0.5) * 6e-4);
        var line = channels.Select(c => Resampler.ResampleAll(TelephoneChannel.Apply(c, Rate), Rate, 8000)).ToArray();
        File.WriteAllBytes(path, WavWriter.Build(line, 8000, SampleEncoding.MuLaw));

        // The pieces Whisper will decode: the same VAD rules and cuts as the transcriber's.
        using var vad = SileroVad.Load(vadModel);
        var settings = new WhisperSettings { ModelPath = "", VadModelPath = vadModel };
        double speech = 0;
        var pieces = 0;
        foreach (var c in line)
        {
            var x = Resampler.ResampleAll(c, 8000, Rate);
            var p = vad.Probabilities(x);
            foreach (var r in SileroVad.Segment(p, (double)x.Length / Rate, settings.Vad))
            {
                speech += r.End - r.Start;
                // Longer runs are cut into pieces of half to all of MaxSegmentSeconds; the count is close enough for a mean.
                pieces += (int)Math.Ceiling((r.End - r.Start) / settings.MaxSegmentSeconds);
            }
        }
        return (speech, pieces);
    }

    private static double PeakRssMb() => StatusMb("VmHWM:");

    private static double RssMb() => StatusMb("VmRSS:");

    private static double StatusMb(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    private static double LoadAverage() => double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
}
