using CallSentiment.Analysis.Audio;

namespace CallSentiment.Cli.Demo;

/// <summary>A rendered turn. <c>LookupPause</c> (seconds): the agent looks something up (or holds) before it.</summary>
internal sealed record SpokenTurn(Party Party, float[] Audio, bool BargesIn = false, double? LookupPause = null);

/// <summary>
/// Lays the turns of a call onto two channels the way a call recorder stores them: agent on channel 0, customer on
/// channel 1, pauses between turns, each channel with its own steady line noise, the whole through the telephone
/// channel (300–3400 Hz band, µ-law line coding).
/// </summary>
internal static class CallAudio
{
    public const int Rate = TelephoneChannel.LineRate;
    private const double SpeechLevelDb = -26; // active speech level of a plain talker on a telephone line
    private const double NoiseLevelDb = -59; // white noise; about -60 dBFS once band-limited
    private const double MinSeconds = 45;
    private const double MaxSeconds = 150;

    /// <summary>
    /// Brings an utterance to its speaking level; loud (angry) speech is soft-clipped as a handset would. A shaking
    /// voice (<see cref="Prosody.Flutter"/>: its pitch wavers by up to that fraction, a few times a second) and a
    /// trembling one (<see cref="Prosody.Tremolo"/>: its loudness wavers by up to that fraction) are added here,
    /// since Festival has no voice-quality controls.
    /// </summary>
    public static float[] Voice(float[] utterance, Prosody prosody, Random rng)
    {
        var x = prosody.Flutter > 0 ? Waver(utterance, prosody.Flutter, rng) : utterance;
        var gain = (float)(Math.Pow(10, (SpeechLevelDb + prosody.GainDb) / 20) / Math.Max(ActiveRms(x), 1e-9));
        var phase = 2 * Math.PI * rng.NextDouble();
        var y = new float[x.Length];
        for (var i = 0; i < y.Length; i++)
        {
            var v = x[i] * gain;
            if (prosody.Tremolo > 0) v *= (float)(1 - prosody.Tremolo * 0.5 * (1 + Math.Sin(phase + 2 * Math.PI * TremorHz * i / Rate)));
            y[i] = prosody.ClipCeiling is { } c ? c * MathF.Tanh(v / c) : v;
        }
        return y;
    }

    private const double TremorHz = 5.5; // the rate of a trembling voice

    // Flutter: reading the utterance through a delay that swings with three incommensurate slow sines moves its pitch
    // up and down irregularly (the delay's slope is the relative pitch change), without changing its length.
    private static readonly double[] FlutterHz = [4.3, 6.7, 10.1];

    private static float[] Waver(float[] x, double depth, Random rng)
    {
        var phases = FlutterHz.Select(_ => 2 * Math.PI * rng.NextDouble()).ToArray();
        // Each sine gets an equal share of the pitch swing: amplitude (samples) = share / (2π f) × rate.
        var amplitudes = FlutterHz.Select(f => depth / FlutterHz.Length / (2 * Math.PI * f) * Rate).ToArray();
        var maxDelay = amplitudes.Sum();
        var y = new float[x.Length];
        for (var i = 0; i < y.Length; i++)
        {
            var delay = maxDelay;
            for (var k = 0; k < FlutterHz.Length; k++) delay += amplitudes[k] * Math.Sin(phases[k] + 2 * Math.PI * FlutterHz[k] * i / Rate);
            var t = i - delay;
            var j = (int)Math.Floor(t);
            if (j < 0 || j + 1 >= x.Length) continue;
            var frac = (float)(t - j);
            y[i] = x[j] * (1 - frac) + x[j + 1] * frac;
        }
        return y;
    }

    public static float[][] Mix(IReadOnlyList<SpokenTurn> turns, Random rng)
    {
        var lead = Seconds(0.5 + 0.7 * rng.NextDouble()); // the recording starts as the line connects
        var tail = Seconds(0.8);
        // Gap before each turn; an upset customer sometimes talks over the end of the agent's sentence.
        var gaps = turns.Select(t => t.BargesIn
            ? -Seconds(0.3 + 0.6 * rng.NextDouble())
            : Seconds(0.3 + 1.2 * rng.NextDouble() + (t.LookupPause ?? 0))).ToArray();
        var (starts, end) = Place(turns, lead, gaps);
        // Calls last 45–150 s: the agent's look-up absorbs the difference (a longer or shorter hold).
        var lookup = turns.ToList().FindIndex(t => t.LookupPause is not null);
        var adjust = Math.Max(Seconds(MinSeconds) - (end + tail), 0) + Math.Min(Seconds(MaxSeconds) - (end + tail), 0);
        if (adjust != 0 && lookup >= 0)
        {
            gaps[lookup] = Math.Max(gaps[lookup] + adjust, Seconds(0.3));
            (starts, end) = Place(turns, lead, gaps);
        }
        var channels = new float[2][];
        for (var c = 0; c < 2; c++)
        {
            var x = LineNoise(rng, end + tail);
            for (var i = 0; i < turns.Count; i++)
            {
                if ((turns[i].Party == Party.Agent ? 0 : 1) != c) continue;
                var audio = turns[i].Audio;
                for (var k = 0; k < audio.Length; k++) x[starts[i] + k] += audio[k];
            }
            channels[c] = TelephoneChannel.Apply(x, Rate);
        }
        return channels;
    }

    private static (int[] Starts, int End) Place(IReadOnlyList<SpokenTurn> turns, int lead, int[] gaps)
    {
        var starts = new int[turns.Count];
        int end = lead, lastStart = 0;
        for (var i = 0; i < turns.Count; i++)
        {
            // A barge-in overlaps the end of the previous turn, never its beginning.
            starts[i] = lastStart = Math.Max(end + gaps[i], lastStart + Seconds(0.5));
            end = Math.Max(end, starts[i] + turns[i].Audio.Length);
        }
        return (starts, end);
    }

    private static int Seconds(double s) => (int)(s * Rate);

    private static float[] LineNoise(Random rng, int length)
    {
        var sigma = Math.Pow(10, NoiseLevelDb / 20);
        var x = new float[length];
        for (var i = 0; i < length; i++)
        {
            // Box–Muller: Gaussian noise from two uniform draws.
            var u = 1 - rng.NextDouble();
            x[i] = (float)(sigma * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        }
        return x;
    }

    /// <summary>RMS over the loudest 30 % of 20 ms frames: the level of the speech itself, not of its pauses.</summary>
    private static double ActiveRms(float[] x)
    {
        const int frame = Rate / 50;
        var energies = new List<double>();
        for (var i = 0; i + frame <= x.Length; i += frame)
        {
            double e = 0;
            for (var k = 0; k < frame; k++) e += (double)x[i + k] * x[i + k];
            energies.Add(e / frame);
        }
        if (energies.Count == 0) return 0;
        return Math.Sqrt(energies.OrderDescending().Take(Math.Max(1, energies.Count * 3 / 10)).Average());
    }
}
