using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Cli.Demo;

internal sealed record DemoDataOptions(
    string OutDir,
    int Agents,
    int Weeks,
    int CallsPerWeek,
    int Seed,
    DateOnly End,
    TimeZoneInfo TimeZone,
    bool Force = false,
    string? Manifest = null);

internal sealed record DemoDataResult(int Written, int Skipped, double AudioMinutes, TimeSpan Elapsed);

/// <summary>
/// demo-data: a realistic demo set of two-channel call recordings, voiced by Festival, laid out under the product's
/// default key pattern with a JSON sidecar per call. Existing recordings are skipped, so the quick start can run it
/// every time. <c>--describe</c> prints what the plan was designed to show (NPS per agent and over the team) instead.
/// </summary>
internal static class DemoDataCommand
{
    public static int Run(Args args, TimeProvider clock)
    {
        var zoneId = args.Get("time-zone") ?? "Europe/London";
        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new UsageException($"--time-zone '{zoneId}' is not a known IANA time zone (e.g. Europe/London)");
        }
        var endText = args.Get("end");
        DateOnly end;
        if (endText is null)
            end = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime).AddDays(-1);
        else if (!DateOnly.TryParseExact(endText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out end))
            throw new UsageException($"--end must be a date yyyy-MM-dd (got '{endText}')");
        var options = new DemoDataOptions(
            args.Get("out") ?? Path.Combine("data", "recordings"),
            args.Int("agents", 6, 1, DemoPlan.MaxAgents),
            args.Int("weeks", 8, 1, 520),
            args.Int("calls-per-week", 3, 1, DemoPlan.MaxWeeklyCalls),
            args.Int("seed", 1, 0),
            end,
            zone,
            args.Flag("force"),
            args.Get("manifest"));
        var describe = args.Flag("describe");
        args.EnsureAllUsed();

        if (describe)
        {
            Console.Write(DemoDesign.Describe(options, DemoPlan.Calls(options)));
            return 0;
        }
        var r = DemoData.Generate(options, FestivalSynthesiser.Find(Environment.GetEnvironmentVariable("PATH")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"demo-data: {r.Written + r.Skipped} calls in {options.OutDir} ({r.Written} written, {r.Skipped} skipped), {r.AudioMinutes:0.0} min of audio, {r.Elapsed.TotalSeconds:0.0} s"));
        return 0;
    }
}

internal static class DemoData
{
    private static readonly JsonSerializerOptions SidecarJson = new(JsonSerializerDefaults.Web);

    public static DemoDataResult Generate(DemoDataOptions options, string festivalPath)
    {
        var clock = Stopwatch.StartNew();
        var calls = DemoPlan.Calls(options);
        int written = 0, skipped = 0;
        long frames = 0;
        var festival = new FestivalSynthesiser(festivalPath);
        try
        {
            // One call per core; each call is one festival run.
            Parallel.ForEach(calls, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, call =>
            {
                var (wrote, callFrames) = Produce(call, options, festival);
                Interlocked.Increment(ref wrote ? ref written : ref skipped);
                Interlocked.Add(ref frames, callFrames);
            });
        }
        catch (AggregateException e)
        {
            // Report the first failure itself (a missing tool, a full disk): the CLI maps exception types to exit codes.
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        if (options.Manifest is not null) WriteManifest(options.Manifest, options.OutDir, calls);
        return new DemoDataResult(written, skipped, frames / (double)CallAudio.Rate / 60, clock.Elapsed);
    }

    /// <summary>Writes one call unless it exists already; returns whether it was written and its length in frames.</summary>
    private static (bool Written, long Frames) Produce(PlannedCall call, DemoDataOptions options, FestivalSynthesiser festival)
    {
        var wav = Path.Combine(options.OutDir, call.Key);
        var sidecar = Path.ChangeExtension(wav, ".json");
        if (!options.Force && File.Exists(wav))
        {
            if (!File.Exists(sidecar)) File.WriteAllText(sidecar, Sidecar(call, options.TimeZone));
            using var existing = AudioReader.Open(wav);
            return (false, existing.Info.TotalFrames ?? 0);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(wav)!);
        // The sidecar goes first and the recording appears whole (renamed into place), so a watcher that picks up
        // the .wav always finds its metadata and never reads a half-written file.
        File.WriteAllText(sidecar, Sidecar(call, options.TimeZone));
        var channels = Render(call, festival);
        var partial = wav + ".partial";
        File.WriteAllBytes(partial, WavWriter.Build(channels, CallAudio.Rate, SampleEncoding.Pcm16));
        File.Move(partial, wav, overwrite: true);
        return (true, channels[0].Length);
    }

    private static float[][] Render(PlannedCall call, FestivalSynthesiser festival)
    {
        var rng = new Random(call.AudioSeed);
        var utterances = new List<Utterance>();
        foreach (var turn in call.Turns)
        {
            var speaker = turn.Party == Party.Agent ? call.Agent.Voice : call.CustomerVoice;
            utterances.Add(new Utterance(speaker, turn.Tone.Shape(rng), turn.Text));
            if (turn.AfterHold is not null) utterances.Add(new Utterance(speaker, turn.Tone.Shape(rng), turn.AfterHold));
        }
        var clips = festival.Say(utterances);
        var next = 0;
        float[] Next()
        {
            var audio = CallAudio.Voice(clips[next], utterances[next].Prosody, rng);
            next++;
            return audio;
        }
        var spoken = new List<SpokenTurn>();
        foreach (var turn in call.Turns)
        {
            var audio = Next();
            if (turn.AfterHold is not null)
            {
                spoken.Add(new SpokenTurn(turn.Party, audio));
                spoken.Add(new SpokenTurn(turn.Party, Next(), LookupPause: 4 + 11 * rng.NextDouble()));
                continue;
            }
            var bargesIn = turn.Party == Party.Customer && turn.Tone.Emotion == Emotion.Angry && rng.NextDouble() < 0.35;
            spoken.Add(new SpokenTurn(turn.Party, audio, bargesIn, turn.LooksUp ? 1.5 * rng.NextDouble() : null));
        }
        return CallAudio.Mix(spoken, rng);
    }

    private static string Sidecar(PlannedCall call, TimeZoneInfo zone) => JsonSerializer.Serialize(new
    {
        agent = call.Agent.Slug,
        agentName = call.Agent.Name,
        callId = call.CallId,
        customerId = call.CustomerId,
        startedAt = call.StartedAt,
        timeZone = zone.Id,
        channels = new { agent = 0, customer = 1 },
    }, SidecarJson);

    /// <summary>
    /// Ground truth for evaluating the engine on the demo set, as an <c>evaluate-calls</c> manifest: paths relative to
    /// the manifest's folder (evaluate-calls' default --data), the designed customer label and the agent's (polite by
    /// design: neutral), then the product's designed verdict (<see cref="DemoDesign.Verdict"/>), persona, topic and who.
    /// evaluate-calls has no MIXED label, so a mixed call's customer label is how it ends: positive.
    /// </summary>
    private static void WriteManifest(string path, string outDir, List<PlannedCall> calls)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var csv = new StringBuilder("path,customer,agent,designed,persona,topic,employee,customerId\n");
        foreach (var c in calls.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var recording = Path.GetRelativePath(folder, Path.GetFullPath(Path.Combine(outDir, c.Key))).Replace('\\', '/');
            var designed = DemoDesign.Verdict(c.Persona);
            var label = designed == Sentiment.Mixed ? "positive" : designed.ToLabel().ToLowerInvariant();
            csv.Append(CultureInfo.InvariantCulture,
                $"{recording},{label},neutral,{designed.ToLabel()},{c.Persona.ToString().ToLowerInvariant()},{c.Topic.ToString().ToLowerInvariant()},{c.Agent.Slug},{c.CustomerId}\n");
        }
        Directory.CreateDirectory(folder);
        File.WriteAllText(path, csv.ToString());
    }
}
