using System.Globalization;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Diarization;
using CallSentiment.Analysis.Transcription;
using CallSentiment.Analysis.Vad;

namespace CallSentiment.Cli.Diarization;

/// <summary><c>diarize FILE [--max-speakers 2] [--rttm OUT] [--vad-model PATH] [--agent-rule first-speaker]</c></summary>
internal static class DiarizeCommand
{
    public static int Run(Args args)
    {
        var file = args.Positional.Count == 1 ? args.Positional[0] : throw new UsageException("diarize needs exactly one audio FILE");
        var maxSpeakers = args.Int("max-speakers", 2, 1, 10);
        var rttmOut = args.Get("rttm");
        var vadModel = DiarizationTools.VadModelPath(args.Get("vad-model"));
        var ruleText = args.Get("agent-rule");
        var rule = ruleText is null ? AgentRule.FirstSpeaker : DiarizationTools.ParseRule(ruleText);
        args.EnsureAllUsed();

        var samples = AudioLoader.LoadMono(file, Diarizer.SampleRate, maxSeconds: 4 * 3600);
        using var vad = SileroVad.Load(vadModel);
        var segments = DiarizationTools.Diarize(vad, samples, maxSpeakers);
        var duration = (double)samples.Length / Diarizer.SampleRate;
        var roles = SpeakerRoles.Assign(segments, rule);

        foreach (var s in segments)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Start,8:0.00} {s.End,8:0.00}  spk{s.Speaker} ({roles[s.Speaker].Label()})"));
        DiarizationTools.PrintStats(ConversationStats.Compute(segments, duration, roles));

        if (rttmOut is not null)
        {
            File.WriteAllText(rttmOut, Rttm.Format(DiarizationTools.FileId(file), Rttm.FromSegments(segments)));
            Console.WriteLine($"wrote {rttmOut}");
        }
        return 0;
    }
}

/// <summary><c>evaluate-diarization --audio WAV --rttm REF.rttm [--collar 0.25] [--skip-overlap] [--max-speakers 2] [--vad-model PATH] [--hyp OUT.rttm]</c>
/// (and the diarizer settings of bench-diarization, for development)</summary>
internal static class EvaluateDiarizationCommand
{
    public static int Run(Args args)
    {
        var audio = args.Required("audio");
        var refPath = args.Required("rttm");
        var collar = args.Double("collar", 0.25, 0, 5);
        var skipOverlap = args.Flag("skip-overlap");
        var maxSpeakers = args.Int("max-speakers", 2, 1, 10);
        var vadModel = DiarizationTools.VadModelPath(args.Get("vad-model"));
        var hypOut = args.Get("hyp");
        var diarizer = DiarizationTools.DiarizerFromArgs(args);
        args.EnsureAllUsed();
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument '{args.Positional[0]}'");

        IReadOnlyList<SpeakerTurn> reference;
        try
        {
            reference = Rttm.Load(refPath);
        }
        catch (FormatException e)
        {
            throw new UsageException($"{refPath}: {e.Message}");
        }
        if (reference.Count == 0) throw new UsageException($"{refPath} has no SPEAKER lines");

        var samples = AudioLoader.LoadMono(audio, Diarizer.SampleRate, maxSeconds: 4 * 3600);
        using var vad = SileroVad.Load(vadModel);
        var hypothesis = Rttm.FromSegments(DiarizationTools.Diarize(vad, samples, maxSpeakers, diarizer));
        if (hypOut is not null) File.WriteAllText(hypOut, Rttm.Format(DiarizationTools.FileId(audio), hypothesis));

        var result = DiarizationError.Compute(reference, hypothesis, collar, skipOverlap);
        DiarizationTools.PrintResult(result, collar);
        return 0;
    }
}

/// <summary>
/// <c>bench-diarization [--actors 1-24] [--pairing mixed|same] [--conversations 6] [--turns 16] [--seed 1] [--clean]
/// [--collar 0.25] [--emotions neutral,calm,happy,sad] [--all-intensities] [--save DIR]</c> (and the diarizer settings --window, --hop, --keep, --no-resegment, --gmm,
/// --switch-penalty, for development): synthetic two-speaker conversations from RAVDESS actors, through the telephone
/// line unless --clean, scored against the turns they were built from.
/// </summary>
internal static class BenchDiarizationCommand
{
    public static int Run(Args args)
    {
        var ravdess = args.Get("ravdess") ?? DiarizationTools.SharedPath(Path.Combine("datasets", "ser", "ravdess"));
        var actors = DiarizationTools.ParseRange(args.Get("actors") ?? "1-24");
        var pairing = args.Get("pairing") ?? "mixed";
        var conversations = args.Int("conversations", 6, 1, 100);
        var turns = args.Int("turns", 16, 2, 200);
        var seed = args.Int("seed", 1);
        var clean = args.Flag("clean");
        var collar = args.Double("collar", 0.25, 0, 5);
        var maxSpeakers = args.Int("max-speakers", 2, 1, 10);
        var vadModel = DiarizationTools.VadModelPath(args.Get("vad-model"));
        var save = args.Get("save");
        var diarizer = DiarizationTools.DiarizerFromArgs(args);

        var rows = Manifest.Read(Path.Combine(ravdess, "MANIFEST.csv"));
        // Call-like speech only: RAVDESS also has shouted anger, fear and disgust, which are rare on a service line and
        // shift a voice more than the change of speaker does.
        var emotions = (args.Get("emotions") ?? "neutral,calm,happy,sad").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var normalIntensityOnly = !args.Flag("all-intensities");
        args.EnsureAllUsed();
        rows = rows.Where(r => emotions.Contains(r.Emotion, StringComparer.Ordinal)
            && (!normalIntensityOnly || Path.GetFileName(r.Path).Split('-')[3] == "01")).ToList();
        var byActor = rows.GroupBy(r => int.Parse(r.Speaker.Split('_')[^1], CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.Select(r => Path.Combine(ravdess, r.Path)).ToList());
        var pairs = DiarizationTools.Pairs(actors.Where(byActor.ContainsKey).ToList(), pairing).Take(conversations).ToList();
        if (pairs.Count == 0) throw new UsageException($"no actor pairs for --actors with --pairing {pairing}");
        if (save is not null) Directory.CreateDirectory(save);

        using var vad = SileroVad.Load(vadModel);
        double missed = 0, fa = 0, confusion = 0, speech = 0;
        var n = 0;
        foreach (var (a, b) in pairs)
        {
            var random = new Random(seed * 1000 + a * 31 + b);
            var clipsA = byActor[a].OrderBy(_ => random.Next()).ToList();
            var clipsB = byActor[b].OrderBy(_ => random.Next()).ToList();
            var conversation = ConversationSynthesizer.Build(clipsA, clipsB, turns, seed * 1000 + n, telephone: !clean);
            var hypothesis = Rttm.FromSegments(DiarizationTools.Diarize(vad, conversation.Samples, maxSpeakers, diarizer));
            var r = DiarizationError.Compute(conversation.Reference, hypothesis, collar);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"actors {a:00}+{b:00}  {conversation.DurationSeconds,5:0.0}s  speakers={hypothesis.Select(h => h.Speaker).Distinct().Count()}  DER={r.Der:0.0000} miss={r.Missed:0.00} fa={r.FalseAlarm:0.00} confusion={r.Confusion:0.00}"));
            if (save is not null)
            {
                var id = $"ravdess_{a:00}_{b:00}";
                using (var wav = new PcmWavWriter(Path.Combine(save, id + ".wav"), ConversationSynthesizer.SampleRate, 1)) wav.Write(conversation.Samples);
                File.WriteAllText(Path.Combine(save, id + ".rttm"), Rttm.Format(id, conversation.Reference));
                File.WriteAllText(Path.Combine(save, id + ".hyp.rttm"), Rttm.Format(id, hypothesis));
            }
            missed += r.Missed;
            fa += r.FalseAlarm;
            confusion += r.Confusion;
            speech += r.ReferenceSpeech;
            n++;
        }
        Console.WriteLine($"{n} conversations, {(clean ? "clean" : "telephone")}, collar {collar.ToString(CultureInfo.InvariantCulture)} s (errors summed over all conversations)");
        DiarizationTools.PrintResult(new DiarizationErrorResult(missed, fa, confusion, speech, 0, new Dictionary<string, string>()), collar);
        return 0;
    }
}

internal static class DiarizationTools
{
    /// <summary>The diarizer settings for development (--window, --hop, --keep, --no-resegment, --gmm, --switch-penalty).</summary>
    public static Diarizer DiarizerFromArgs(Args args)
    {
        var defaults = new DiarizerOptions();
        try
        {
            return new Diarizer(new DiarizerOptions
            {
                WindowSeconds = args.Double("window", defaults.WindowSeconds, 0.3, 10),
                HopSeconds = args.Double("hop", defaults.HopSeconds, 0.05, 10),
                KeepFraction = args.Double("keep", defaults.KeepFraction, 0.01, 1),
                Resegment = !args.Flag("no-resegment"),
                GmmComponents = args.Int("gmm", defaults.GmmComponents, 1, 256),
                SwitchPenalty = args.Double("switch-penalty", defaults.SwitchPenalty, 0, 1e6),
            });
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    public static IReadOnlyList<SpeechSegment> Diarize(SileroVad vad, float[] samples, int maxSpeakers, Diarizer? diarizer = null)
    {
        var speech = vad.Detect(samples);
        return (diarizer ?? new Diarizer()).Segment(samples, speech, maxSpeakers, CancellationToken.None);
    }

    public static void PrintResult(DiarizationErrorResult r, double collar)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"collar            {collar:0.00} s"));
        Console.WriteLine(string.Create(inv, $"reference speech  {r.ReferenceSpeech:0.000} s"));
        Console.WriteLine(string.Create(inv, $"missed speech     {r.Missed:0.000} s ({Share(r.Missed, r.ReferenceSpeech)})"));
        Console.WriteLine(string.Create(inv, $"false alarm       {r.FalseAlarm:0.000} s ({Share(r.FalseAlarm, r.ReferenceSpeech)})"));
        Console.WriteLine(string.Create(inv, $"speaker confusion {r.Confusion:0.000} s ({Share(r.Confusion, r.ReferenceSpeech)})"));
        foreach (var (refSpeaker, hypSpeaker) in r.Mapping) Console.WriteLine($"mapping           {refSpeaker} -> {hypSpeaker}");
        Console.WriteLine(string.Create(inv, $"DER={r.Der:0.0000} miss={r.Missed:0.000} fa={r.FalseAlarm:0.000} confusion={r.Confusion:0.000} speech={r.ReferenceSpeech:0.000}"));
    }

    private static string Share(double part, double total) =>
        total > 0 ? (part / total).ToString("P1", CultureInfo.InvariantCulture) : "n/a";

    public static void PrintStats(ConversationStats stats)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"duration {stats.DurationSeconds:0.00} s, speech {stats.SpeechSeconds:0.00} s, silence {stats.SilenceSeconds:0.00} s, longest silence {stats.LongestSilenceSeconds:0.00} s at {stats.LongestSilenceStart:0.00} s"));
        Console.WriteLine(string.Create(inv, $"overlap {stats.OverlapSeconds:0.00} s, interruptions {stats.Interruptions}, agent/customer talk ratio {(stats.AgentTalkRatio is { } ratio ? ratio.ToString("0.00", inv) : "n/a")}"));
        foreach (var s in stats.Speakers)
            Console.WriteLine(string.Create(inv, $"spk{s.Speaker} {s.Role?.Label() ?? "-",-8} talk {s.TalkSeconds:0.00} s ({s.TalkShare:P0}), {s.Turns} turns, interrupted others {s.InterruptionsMade}x, was interrupted {s.TimesInterrupted}x"));
    }

    public static AgentRule ParseRule(string text)
    {
        try
        {
            return SpeakerRoles.ParseRule(text);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message.Split(" (Parameter", StringSplitOptions.None)[0]);
        }
    }

    public static string FileId(string path) => string.Concat(Path.GetFileNameWithoutExtension(path).Select(c => char.IsWhiteSpace(c) ? '_' : c));

    /// <summary>--vad-model, else models/silero-vad/silero_vad.onnx or ../shared/models/silero-vad/silero_vad.onnx found upwards.</summary>
    public static string VadModelPath(string? explicitPath)
    {
        if (explicitPath is not null)
            return File.Exists(explicitPath) ? explicitPath : throw new UsageException($"--vad-model {explicitPath} does not exist");
        var relative = Path.Combine("models", "silero-vad", "silero_vad.onnx");
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                foreach (var candidate in new[] { Path.Combine(dir.FullName, relative), Path.Combine(dir.FullName, "..", "shared", relative) })
                    if (File.Exists(candidate)) return Path.GetFullPath(candidate);
            }
        }
        throw new UsageException($"{relative} not found (looked in models/ and ../shared/models/ upwards); pass --vad-model PATH");
    }

    public static string SharedPath(string relative)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "..", "shared", relative);
                if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
            }
        }
        throw new UsageException($"../shared/{relative} not found; pass its folder explicitly");
    }

    public static List<int> ParseRange(string text)
    {
        var result = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = part.Split('-');
            if (ends.Length > 2 || !ends.All(e => int.TryParse(e, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
                throw new UsageException($"--actors '{text}': expected numbers and ranges like 1-12,15");
            var lo = int.Parse(ends[0], CultureInfo.InvariantCulture);
            var hi = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            for (var i = lo; i <= hi; i++) result.Add(i);
        }
        return result;
    }

    /// <summary>
    /// RAVDESS actors with odd numbers are men, even numbers women: "mixed" pairs each man with the next woman
    /// (1+2, 3+4, ...), "same" pairs actors of one sex (1+3, 2+4, 5+7, 6+8, ...), the harder case.
    /// </summary>
    public static IEnumerable<(int A, int B)> Pairs(List<int> actors, string pairing)
    {
        var set = actors.ToHashSet();
        return pairing switch
        {
            "mixed" => actors.Where(a => a % 2 == 1 && set.Contains(a + 1)).Select(a => (a, a + 1)),
            "same" => actors.Where(a => (a - 1) % 4 < 2 && set.Contains(a + 2)).Select(a => (a, a + 2)),
            _ => throw new UsageException($"--pairing must be mixed or same (got '{pairing}')"),
        };
    }
}
