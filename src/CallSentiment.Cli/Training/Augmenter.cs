using CallSentiment.Analysis.Audio;

namespace CallSentiment.Cli.Training;

/// <summary>An augmented clip: its audio, and how much its feature frames must be stretched in time afterwards.</summary>
internal sealed record Augmented(float[] Audio, double TimeStretch = 1.0);

/// <summary>
/// Training-time corruptions that make the model hold up on call audio and on voices it has not heard. Variant 0 is
/// the clean clip and variant 1 exactly the evaluation telephone channel (300–3400 Hz, 8 kHz, µ-law). Variants 2–7
/// draw the original chain: speed perturbation (pitch, formants and tempo together), white/pink/brown noise, gain
/// with clipping, telephone channel. Variants 8 and up draw the stronger "other speaker, other room" chain:
/// vocal-tract-length/pitch warp without a tempo change (the audio is resampled, which scales every frequency,
/// and the feature frames are stretched back to the original tempo), an independent tempo change, babble made from
/// speakers outside the training corpora, gain, telephone channel. Each variant's chain is drawn from a seed derived
/// from the clip and the variant, so exports are reproducible.
/// </summary>
internal sealed class Augmenter(IReadOnlyList<float[]> babbleSources)
{
    public const int FirstStrongVariant = 8;
    private static readonly double[] SpeedFactors = [0.9, 0.95, 1.05, 1.1];

    public Augmented Apply(float[] clean, int rate, int variant, int seed)
    {
        if (variant == 0) return new Augmented(clean);
        if (variant == 1) return new Augmented(TelephoneChannel.Apply(clean, rate));
        var rng = new Random(seed);
        return variant < FirstStrongVariant ? new Augmented(Basic(clean, rate, rng)) : Strong(clean, rate, rng);
    }

    private static float[] Basic(float[] clean, int rate, Random rng)
    {
        var x = clean;
        if (rng.NextDouble() < 0.6)
        {
            var f = SpeedFactors[rng.Next(SpeedFactors.Length)];
            x = Warp(x, rate, f); // played back at `rate`: faster and higher when f > 1
        }
        else
        {
            x = (float[])x.Clone();
        }
        if (rng.NextDouble() < 0.7)
        {
            var snrDb = 5 + 20 * rng.NextDouble(); // drawn before the noise, as the exports so far did
            AddNoise(x, ColouredNoise(x.Length, rng), snrDb);
        }
        ApplyGain(x, rng);
        if (rng.NextDouble() < 0.6) x = TelephoneChannel.Apply(x, rate);
        return x;
    }

    private Augmented Strong(float[] clean, int rate, Random rng)
    {
        var x = clean;
        var stretch = 1.0;
        if (rng.NextDouble() < 0.8)
        {
            // Every frequency (F0 and formants) scaled by alpha: a shorter or longer vocal tract. The resampling
            // also shortens the clip by alpha; stretching the frames by alpha restores the tempo.
            var alpha = 0.85 + 0.3 * rng.NextDouble();
            x = Warp(x, rate, alpha);
            stretch *= alpha;
        }
        else
        {
            x = (float[])x.Clone();
        }
        if (rng.NextDouble() < 0.5) stretch /= 0.85 + 0.3 * rng.NextDouble(); // speaking rate, independently
        if (rng.NextDouble() < 0.8)
        {
            var babble = babbleSources.Count > 0 && rng.NextDouble() < 0.6;
            var snrDb = babble ? 20 * rng.NextDouble() : 5 + 20 * rng.NextDouble();
            AddNoise(x, babble ? Babble(x.Length, rng) : ColouredNoise(x.Length, rng), snrDb);
        }
        ApplyGain(x, rng);
        if (rng.NextDouble() < 0.5) x = TelephoneChannel.Apply(x, rate);
        return new Augmented(x, stretch);
    }

    /// <summary>Resamples so that, played back at <paramref name="rate"/>, every frequency is scaled by <paramref name="factor"/>.</summary>
    private static float[] Warp(float[] x, int rate, double factor)
    {
        var stretchedRate = (int)Math.Round(rate / factor / 100) * 100;
        return Resampler.ResampleAll(x, rate, stretchedRate);
    }

    private static void ApplyGain(float[] x, Random rng)
    {
        var gain = (float)Math.Pow(10, (-15 + 21 * rng.NextDouble()) / 20);
        for (var i = 0; i < x.Length; i++) x[i] = Math.Clamp(x[i] * gain, -1f, 1f);
    }

    /// <summary>
    /// Linear interpolation of feature frames (frames × dim, row-major) to round(frames × factor) frames: a tempo
    /// change of log-mel frames, which carry no phase.
    /// </summary>
    public static float[] Stretch(ReadOnlySpan<float> rows, int dim, double factor)
    {
        var frames = rows.Length / dim;
        var outFrames = Math.Max(1, (int)Math.Round(frames * factor));
        var output = new float[outFrames * dim];
        for (var j = 0; j < outFrames; j++)
        {
            var src = Math.Min(j / factor, frames - 1);
            var i0 = (int)src;
            var i1 = Math.Min(i0 + 1, frames - 1);
            var w = (float)(src - i0);
            for (var d = 0; d < dim; d++) output[j * dim + d] = (1 - w) * rows[i0 * dim + d] + w * rows[i1 * dim + d];
        }
        return output;
    }

    /// <summary>Three to six talkers at equal level, each from a random point of a random source, looped as needed.</summary>
    private float[] Babble(int length, Random rng)
    {
        var babble = new float[length];
        var talkers = 3 + rng.Next(4);
        for (var t = 0; t < talkers; t++)
        {
            var source = babbleSources[rng.Next(babbleSources.Count)];
            var offset = rng.Next(source.Length);
            double power = 0;
            for (var i = 0; i < length; i++) power += (double)source[(offset + i) % source.Length] * source[(offset + i) % source.Length];
            var k = (float)(1 / Math.Sqrt(Math.Max(power / length, 1e-10)));
            for (var i = 0; i < length; i++) babble[i] += k * source[(offset + i) % source.Length];
        }
        return babble;
    }

    private static float[] ColouredNoise(int length, Random rng)
    {
        var noise = new float[length];
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
        return noise;
    }

    private static void AddNoise(float[] x, float[] noise, double snrDb)
    {
        // Signal power over the louder half of the samples, so leading silence does not inflate the SNR.
        var squares = x.Select(v => (double)v * v).OrderDescending().Take(Math.Max(1, x.Length / 2)).ToArray();
        var signalPower = squares.Average();
        if (signalPower <= 0) return;
        var noisePower = noise.Average(v => (double)v * v);
        if (noisePower <= 0) return;
        var k = (float)Math.Sqrt(signalPower / noisePower / Math.Pow(10, snrDb / 10));
        for (var i = 0; i < x.Length; i++) x[i] += k * noise[i];
    }
}
