using System.Collections.Concurrent;
using System.Globalization;
using CallSentiment.Analysis.Audio;

namespace CallSentiment.Web.Tests.Infrastructure;

public enum CustomerMood { Calm, Angry, Happy }

/// <summary>
/// Real two-channel call recordings for tests, made from RAVDESS speech (../shared/datasets): agent on channel 0,
/// customer on channel 1, turn by turn with pauses, 8 kHz 16-bit PCM, stored under the default key pattern.
/// </summary>
public static class TestCalls
{
    public const int Rate = 8000;
    private static readonly ConcurrentDictionary<string, float[]> Clips = new();

    /// <summary>Writes one call; returns its key. <paramref name="turns"/> controls the length (~3.5 s per turn pair).</summary>
    public static string Write(string root, string agent, DateTime localStart, string callId, CustomerMood mood, int turns = 4, string ext = "wav")
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{agent}/{localStart:yyyy-MM-dd}/{localStart:HHmmss}_{callId}.{ext}");
        var path = Path.Combine(root, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // A stable seed (string hashes differ per process), so a call id always gives the same recording.
        File.WriteAllBytes(path, Build(mood, turns, callId.Aggregate(17, (h, ch) => unchecked(h * 31 + ch))));
        // Discovery waits for files to settle; tests make them old enough at once.
        File.SetLastWriteTimeUtc(path, DateTime.UnixEpoch.AddSeconds(1_700_000_000));
        return key;
    }

    public static byte[] Build(CustomerMood mood, int turns, int seed)
    {
        var rng = new Random(seed);
        var agentClips = new[] { "02-01-01-01", "01-01-02-01", "02-02-01-01", "02-01-02-02" };
        var customerClips = mood switch
        {
            CustomerMood.Angry => new[] { "05-02-01-01", "05-02-02-01", "05-02-01-02", "05-02-02-02" },
            CustomerMood.Happy => new[] { "03-02-01-01", "03-02-02-01", "03-02-01-02", "03-02-02-02" },
            _ => new[] { "01-01-01-01", "02-01-02-01", "01-01-02-01", "02-01-01-02" },
        };
        var left = new List<float>();
        var right = new List<float>();
        for (var t = 0; t < turns; t++)
        {
            Say(left, right, Clip(2, agentClips[t % agentClips.Length]), rng);
            Say(right, left, Clip(mood == CustomerMood.Angry ? 13 : 5, customerClips[t % customerClips.Length]), rng);
        }
        return WavWriter.Build([[.. left], [.. right]], Rate, SampleEncoding.Pcm16);
    }

    private static void Say(List<float> speaker, List<float> other, float[] clip, Random rng)
    {
        foreach (var s in clip) speaker.Add(s + Noise(rng));
        for (var i = 0; i < clip.Length; i++) other.Add(Noise(rng));
        var pause = (int)(Rate * (0.4 + 0.6 * rng.NextDouble()));
        for (var i = 0; i < pause; i++)
        {
            speaker.Add(Noise(rng));
            other.Add(Noise(rng));
        }
    }

    private static float Noise(Random rng) => (float)((rng.NextDouble() - 0.5) * 1e-3);

    private static float[] Clip(int actor, string code) => Clips.GetOrAdd($"{actor}:{code}", _ =>
    {
        var file = Paths.Dataset(string.Create(CultureInfo.InvariantCulture, $"ser/ravdess/Actor_{actor:00}/03-01-{code}-{actor:00}.flac"));
        var x = AudioLoader.LoadMono(file, Rate);
        // Telephone speech level: peak-normalise to -6 dBFS.
        var peak = x.Max(MathF.Abs);
        if (peak > 0) for (var i = 0; i < x.Length; i++) x[i] *= 0.5f / peak;
        return x;
    });
}
