using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Features;

namespace CallSentiment.Analysis.Tests;

public class PitchFeaturesTests
{
    private static readonly FeatureConfig PitchConfig = new() { Pitch = true };

    // A voiced vowel stand-in: harmonics of f0 up to 3.9 kHz, falling 6 dB per octave, with a little noise.
    private static float[] HarmonicTone(double f0, int seconds = 1, int seed = 1)
    {
        var x = new float[16000 * seconds];
        for (var h = 1; h * f0 < 3900; h++)
        {
            var phase = h * 0.7;
            for (var i = 0; i < x.Length; i++) x[i] += (float)(0.1 / h * Math.Sin(2 * Math.PI * h * f0 * i / 16000 + phase));
        }
        var noise = TestNoise.Pink(x.Length, seed);
        return TestNoise.Mix(x, noise, x, 30);
    }

    private static (double F0, double Prominence) Medians(float[] samples)
    {
        var frames = new FeatureExtractor(PitchConfig).ComputeAll(samples);
        var f0 = new List<double>();
        var prominence = new List<double>();
        for (var t = 5; t < frames.Count - 5; t++) // away from the reflected edges
        {
            var row = frames.Frame(t);
            f0.Add(100 * Math.Exp(row[PitchConfig.SpectralDim]));
            prominence.Add(row[PitchConfig.SpectralDim + 1]);
        }
        f0.Sort();
        prominence.Sort();
        return (f0[f0.Count / 2], prominence[prominence.Count / 2]);
    }

    [Theory]
    [InlineData(110)]
    [InlineData(160)]
    [InlineData(230)]
    [InlineData(330)]
    public void Compute_HarmonicTone_FindsItsF0OnWidebandAndTelephoneLines(double f0)
    {
        var tone = HarmonicTone(f0);
        var (wide, wideProminence) = Medians(tone);
        // The telephone band (300-3400 Hz) removes the fundamental of every tone here but the last: the harmonics'
        // spacing still gives it.
        var (phone, phoneProminence) = Medians(TelephoneChannel.Apply(tone, 16000));
        Assert.InRange(wide / f0, 0.97, 1.03);
        Assert.InRange(phone / f0, 0.97, 1.03);
        Assert.True(wideProminence > 0.1, $"prominence {wideProminence}");
        Assert.True(phoneProminence > 0.1, $"prominence {phoneProminence}");
    }

    [Fact]
    public void Compute_Noise_HasLittleProminence()
    {
        var (_, noise) = Medians(TestNoise.Pink(16000, 5));
        var (_, voiced) = Medians(HarmonicTone(160));
        Assert.True(noise < voiced / 4, $"noise {noise} vs voiced {voiced}");
    }

    [Fact]
    public void Compute_Silence_GivesFiniteValues()
    {
        var frames = new FeatureExtractor(PitchConfig).ComputeAll(new float[8000]);
        Assert.All(frames.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Validate_PitchWithTooFewBandBins_NamesIt()
    {
        var e = Assert.Throws<ArgumentException>(() => new FeatureConfig { Pitch = true, NFft = 64, WinLength = 64, HopLength = 32 }.Validate());
        Assert.Contains("Pitch", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ComputeAll_RealSpeech_MatchesNumpyCepstrum()
    {
        var samples = AudioLoader.LoadMono(Paths.Dataset("ser/ravdess/Actor_01/03-01-05-01-01-01-01.flac"), 16000);
        var ours = new FeatureExtractor(PitchConfig).ComputeAll(samples);
        var reference = FeatureTests.Reference(samples, PitchConfig);

        var dim = PitchConfig.Dim;
        Assert.Equal(reference.Length, ours.Count * dim);
        int voiced = 0, f0Agree = 0;
        var maxSpectral = 0.0;
        var maxProminence = 0.0;
        for (var t = 0; t < ours.Count; t++)
        {
            var row = ours.Frame(t);
            var want = reference.AsSpan(t * dim, dim);
            for (var d = 0; d < PitchConfig.SpectralDim; d++) maxSpectral = Math.Max(maxSpectral, Math.Abs(row[d] - want[d]));
            var p = PitchConfig.SpectralDim;
            maxProminence = Math.Max(maxProminence, Math.Abs(row[p + 1] - want[p + 1]));
            if (want[p + 1] < 0.1) continue;
            voiced++;
            if (Math.Abs(row[p] - want[p]) < 0.005) f0Agree++;
        }
        Assert.True(maxSpectral < 1e-3, $"spectral max diff {maxSpectral}");
        Assert.True(maxProminence < 2e-3, $"prominence max diff {maxProminence}");
        // Real speech has voiced frames, and on them the peak is the reference's (a near-tie may rarely differ).
        Assert.True(voiced > 50, $"{voiced} voiced frames");
        Assert.True(f0Agree >= voiced * 0.98, $"F0 agrees on {f0Agree} of {voiced} voiced frames");
    }
}
