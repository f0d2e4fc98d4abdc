using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
using CallSentiment.Analysis.Audio;

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
/// demo-data: a realistic demo set of two-channel call recordings, synthesised with espeak-ng, laid out under the
/// product's default key pattern with a JSON sidecar per call. Existing recordings are skipped, so the quick start
/// can run it every time.
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
        args.EnsureAllUsed();

        var r = DemoData.Generate(options, Espeak.Find(Environment.GetEnvironmentVariable("PATH")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"demo-data: {r.Written + r.Skipped} calls in {options.OutDir} ({r.Written} written, {r.Skipped} skipped), {r.AudioMinutes:0.0} min of audio, {r.Elapsed.TotalSeconds:0.0} s"));
        return 0;
    }
}

internal static class DemoData
{
    private static readonly JsonSerializerOptions SidecarJson = new(JsonSerializerDefaults.Web);

    public static DemoDataResult Generate(DemoDataOptions options, string espeakPath)
    {
        var clock = Stopwatch.StartNew();
        var calls = DemoPlan.Calls(options);
        int written = 0, skipped = 0;
        long frames = 0;
        var voiceFolder = Directory.CreateTempSubdirectory("callsentiment-voices-");
        var espeak = new Espeak(espeakPath, voiceFolder.FullName);
        try
        {
            // One call per core; each call runs its espeak-ng processes one after another.
            Parallel.ForEach(calls, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, call =>
            {
                var (wrote, callFrames) = Produce(call, options, espeak);
                Interlocked.Increment(ref wrote ? ref written : ref skipped);
                Interlocked.Add(ref frames, callFrames);
            });
        }
        catch (AggregateException e)
        {
            // Report the first failure itself (a missing tool, a full disk): the CLI maps exception types to exit codes.
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        finally
        {
            voiceFolder.Delete(recursive: true);
        }
        if (options.Manifest is not null) WriteManifest(options.Manifest, options.OutDir, calls);
        return new DemoDataResult(written, skipped, frames / (double)CallAudio.Rate / 60, clock.Elapsed);
    }

    /// <summary>Writes one call unless it exists already; returns whether it was written and its length in frames.</summary>
    private static (bool Written, long Frames) Produce(PlannedCall call, DemoDataOptions options, Espeak espeak)
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
        var channels = Render(call, espeak);
        var partial = wav + ".partial";
        File.WriteAllBytes(partial, WavWriter.Build(channels, CallAudio.Rate, SampleEncoding.Pcm16));
        File.Move(partial, wav, overwrite: true);
        return (true, channels[0].Length);
    }

    private static float[][] Render(PlannedCall call, Espeak espeak)
    {
        var rng = new Random(call.AudioSeed);
        var spoken = new List<SpokenTurn>();
        for (var i = 0; i < call.Turns.Count; i++)
        {
            var turn = call.Turns[i];
            var speaker = turn.Party == Party.Agent ? call.Agent.Voice : call.CustomerVoice;
            float[] Say(string text, string id)
            {
                var prosody = turn.Tone.Shape(rng);
                return CallAudio.Voice(espeak.Say(speaker, prosody, text, id), prosody);
            }
            var audio = Say(turn.Text, $"{call.CallId}-{i}");
            if (turn.AfterHold is not null)
            {
                spoken.Add(new SpokenTurn(turn.Party, audio));
                spoken.Add(new SpokenTurn(turn.Party, Say(turn.AfterHold, $"{call.CallId}-{i}-hold"), LookupPause: 4 + 11 * rng.NextDouble()));
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

    /// <summary>Ground truth for evaluating the engine on the demo set: what each call was scripted to be.</summary>
    private static void WriteManifest(string path, string outDir, List<PlannedCall> calls)
    {
        var csv = new StringBuilder("path,agent,persona,topic,customerId\n");
        foreach (var c in calls.OrderBy(c => c.Key, StringComparer.Ordinal))
            csv.Append(CultureInfo.InvariantCulture, $"{Path.Combine(outDir, c.Key)},{c.Agent.Slug},{c.Persona},{c.Topic},{c.CustomerId}\n");
        File.WriteAllText(path, csv.ToString());
    }
}
