using CallSentiment.Analysis.Audio;

namespace CallSentiment.Cli.Training;

/// <summary>
/// Training-time corruptions that make the model hold up on call audio: the telephone channel (300–3400 Hz,
/// 8 kHz, µ-law), additive noise at random SNR, gain with clipping, and speed perturbation (which shifts pitch
/// and tempo together). Variant 0 is the clean clip and variant 1 exactly the evaluation telephone channel;
/// higher variants draw a random chain from a seed derived from the clip and variant, so exports are reproducible.
/// </summary>
internal static class Augmenter
{
    private static readonly double[] SpeedFactors = [0.9, 0.95, 1.05, 1.1];

    public static float[] Apply(float[] clean, int rate, int variant, int seed)
    {
        if (variant == 0) return clean;
        if (variant == 1) return TelephoneChannel.Apply(clean, rate);
        var rng = new Random(seed);
        var x = clean;
        if (rng.NextDouble() < 0.6)
        {
            var f = SpeedFactors[rng.Next(SpeedFactors.Length)];
            var stretchedRate = (int)Math.Round(rate / f / 100) * 100;
            x = Resampler.ResampleAll(x, rate, stretchedRate); // played back at `rate`: faster and higher when f > 1
        }
        else
        {
            x = (float[])x.Clone();
        }
        if (rng.NextDouble() < 0.7) AddNoise(x, rng, snrDb: 5 + 20 * rng.NextDouble());
        var gainDb = -15 + 21 * rng.NextDouble();
        var gain = (float)Math.Pow(10, gainDb / 20);
        for (var i = 0; i < x.Length; i++) x[i] = Math.Clamp(x[i] * gain, -1f, 1f);
        if (rng.NextDouble() < 0.6) x = TelephoneChannel.Apply(x, rate);
        return x;
    }

    private static void AddNoise(float[] x, Random rng, double snrDb)
    {
        // Signal power over the louder half of the samples, so leading silence does not inflate the SNR.
        var squares = x.Select(v => (double)v * v).OrderDescending().Take(Math.Max(1, x.Length / 2)).ToArray();
        var signalPower = squares.Average();
        if (signalPower <= 0) return;
        var noise = new float[x.Length];
        var colour = rng.Next(3); // white, pink-ish, brown-ish
        double b0 = 0, b1 = 0, b2 = 0, brown = 0;
        for (var i = 0; i < noise.Length; i++)
        {
            var w = rng.NextDouble() * 2 - 1;
            noise[i] = colour switch
            {
                0 => (float)w,
                1 => (float)((b0 = 0.99765 * b0 + w * 0.0990460) + (b1 = 0.96300 * b1 + w * 0.2965164) + (b2 = 0.57000 * b2 + w * 1.0526913) + w * 0.1848),
                _ => (float)(brown = Math.Clamp(0.98 * brown + 0.1 * w, -1, 1)),
            };
        }
        var noisePower = noise.Average(v => (double)v * v);
        var k = (float)Math.Sqrt(signalPower / noisePower / Math.Pow(10, snrDb / 10));
        for (var i = 0; i < x.Length; i++) x[i] += k * noise[i];
    }
}
