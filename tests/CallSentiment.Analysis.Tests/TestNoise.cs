namespace CallSentiment.Analysis.Tests;

/// <summary>Reproducible noise for enhancement tests.</summary>
internal static class TestNoise
{
    /// <summary>Pink (1/f) noise, Paul Kellett's economical filter of seeded white noise.</summary>
    public static float[] Pink(int length, int seed)
    {
        var random = new Random(seed);
        var noise = new float[length];
        double b0 = 0, b1 = 0, b2 = 0;
        for (var i = 0; i < length; i++)
        {
            var white = random.NextDouble() * 2 - 1;
            b0 = 0.99765 * b0 + white * 0.0990460;
            b1 = 0.96300 * b1 + white * 0.2965164;
            b2 = 0.57000 * b2 + white * 1.0526913;
            noise[i] = (float)(b0 + b1 + b2 + white * 0.1848);
        }
        return noise;
    }

    /// <summary><paramref name="signal"/> with <paramref name="noise"/> added at <paramref name="snrDb"/> against <paramref name="reference"/>'s level.</summary>
    public static float[] Mix(float[] signal, float[] noise, float[] reference, double snrDb)
    {
        var gain = Rms(reference) / Rms(noise) / Math.Pow(10, snrDb / 20);
        return [.. signal.Select((v, i) => Math.Clamp((float)(v + gain * noise[i]), -1f, 1f))];
    }

    public static double Rms(float[] x) => Math.Sqrt(x.Sum(v => (double)v * v) / x.Length);
}
