using System.Globalization;
using CallSentiment.Analysis.Audio;

namespace CallSentiment.Cli.SpeechEmotion;

/// <summary>
/// demo-call: assembles two-channel call recordings the way call recorders store them (8 kHz G.711 µ-law WAV,
/// agent on the left channel, customer on the right) from acted emotional speech, with turn-taking pauses: one
/// call where the customer stays calm and one where the customer grows angry. Input for `analyze` until the
/// product's own demo generator lands.
/// </summary>
internal static class DemoCallCommand
{
    private const int Rate = 8000;

    public static int Run(Args args)
    {
        var outDir = args.Get("out") ?? Path.Combine("data", "recordings", "demo");
        var ravdess = args.Get("ravdess") ?? FindRavdess();
        args.EnsureAllUsed();
        Directory.CreateDirectory(outDir);
        // RAVDESS file names: modality-channel-emotion-intensity-statement-repetition-actor; 01 neutral, 02 calm,
        // 03 happy, 05 angry, 06 fearful, 07 disgust.
        var agentTurns = new[] { "02-01-01-01", "01-01-02-01", "02-02-01-01", "02-01-02-02", "03-01-01-01" };
        var calmCustomer = new[] { "01-01-01-01", "02-01-02-01", "03-01-01-02", "03-02-02-01" };
        var angryCustomer = new[] { "01-01-01-02", "05-01-01-01", "05-02-02-01", "07-02-01-01", "05-02-01-02" };
        var ci = CultureInfo.InvariantCulture;
        var calm = Write(Path.Combine(outDir, "demo-calm-customer.wav"), ravdess, agent: 2, customer: 5, agentTurns, calmCustomer);
        var angry = Write(Path.Combine(outDir, "demo-angry-customer.wav"), ravdess, agent: 4, customer: 13, agentTurns, angryCustomer);
        Console.WriteLine(string.Create(ci, $"wrote {calm:0.0} s and {angry:0.0} s stereo 8 kHz mu-law calls to {outDir}"));
        return 0;
    }

    private static double Write(string path, string ravdess, int agent, int customer, string[] agentTurns, string[] customerTurns)
    {
        var left = new List<float>();
        var right = new List<float>();
        var rng = new Random(agent * 100 + customer);
        for (var turn = 0; turn < Math.Max(agentTurns.Length, customerTurns.Length); turn++)
        {
            if (turn < agentTurns.Length) Say(left, right, Load(ravdess, agent, agentTurns[turn]), rng);
            if (turn < customerTurns.Length) Say(right, left, Load(ravdess, customer, customerTurns[turn]), rng);
        }
        File.WriteAllBytes(path, WavWriter.Build([[.. left], [.. right]], Rate, SampleEncoding.MuLaw));
        return (double)left.Count / Rate;
    }

    // The speaker's channel gets the utterance at telephone speech level; the other channel is quiet; then a pause.
    // Both channels carry the same steady line noise throughout, as a real line does.
    private static void Say(List<float> speaker, List<float> other, float[] utterance, Random rng)
    {
        var pause = (int)(Rate * (0.4 + 0.8 * rng.NextDouble()));
        var gain = SpeechGain(utterance);
        foreach (var s in utterance) speaker.Add(s * gain + Noise(rng));
        for (var i = 0; i < utterance.Length; i++) other.Add(Noise(rng));
        for (var i = 0; i < pause; i++)
        {
            speaker.Add(Noise(rng));
            other.Add(Noise(rng));
        }
    }

    /// <summary>Gain that brings the loudest 30 % of 20 ms frames to an RMS of -26 dBFS (a usual telephone level).</summary>
    private static float SpeechGain(float[] x)
    {
        const int frame = Rate / 50;
        var energies = new List<double>();
        for (var i = 0; i + frame <= x.Length; i += frame)
        {
            double e = 0;
            for (var k = 0; k < frame; k++) e += (double)x[i + k] * x[i + k];
            energies.Add(e / frame);
        }
        var loud = energies.OrderDescending().Take(Math.Max(1, energies.Count * 3 / 10)).Average();
        return loud <= 0 ? 1f : (float)(0.05 / Math.Sqrt(loud));
    }

    private static float Noise(Random rng) => (float)((rng.NextDouble() - 0.5) * 1e-3); // about -71 dBFS RMS

    private static float[] Load(string ravdess, int actor, string emotionIntensityStatementRepetition)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"Actor_{actor:00}/03-01-{emotionIntensityStatementRepetition}-{actor:00}.flac");
        return AudioLoader.LoadMono(Path.Combine(ravdess, name), Rate);
    }

    private static string FindRavdess()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "datasets", "ser", "ravdess");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new UsageException("the RAVDESS folder was not found (../shared/datasets/ser/ravdess); pass --ravdess DIR");
    }
}
