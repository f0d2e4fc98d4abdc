using CallSentiment.Analysis.Audio;
using CallSentiment.Cli.Training;

namespace CallSentiment.Analysis.Tests;

public class AugmenterTests
{
    private static float[] Speech() => AudioLoader.LoadMono(Paths.Dataset("ser/emodb/03a01Wa.flac"), 16000);

    private static List<float[]> Babble() =>
        [.. Directory.GetFiles(Paths.Dataset("asr/speech"), "*.wav").Order(StringComparer.Ordinal).Take(3).Select(f => AudioLoader.LoadMono(f, 16000))];

    [Fact]
    public void Stretch_DoubleLength_KeepsEveryFrameAndInterpolatesBetween()
    {
        float[] rows = [0, 10, 1, 11, 2, 12]; // three frames of dim 2
        var stretched = Augmenter.Stretch(rows, 2, 2.0);
        Assert.Equal(12, stretched.Length);
        Assert.Equal([0f, 10f, 0.5f, 10.5f, 1f, 11f, 1.5f, 11.5f, 2f, 12f, 2f, 12f], stretched);
    }

    [Fact]
    public void Apply_StrongVariant_IsReproducibleAndChangesTheAudio()
    {
        var clean = Speech();
        var augmenter = new Augmenter(Babble());
        var a = augmenter.Apply(clean, 16000, Augmenter.FirstStrongVariant, seed: 1234);
        var b = augmenter.Apply(clean, 16000, Augmenter.FirstStrongVariant, seed: 1234);
        Assert.Equal(a.Audio, b.Audio);
        Assert.Equal(a.TimeStretch, b.TimeStretch);
        Assert.NotEqual(clean, a.Audio);
        // The vocal-tract warp shortens or lengthens the audio by alpha; the frame stretch puts the tempo back within
        // the independent speaking-rate change (0.85-1.15).
        var restored = a.Audio.Length * a.TimeStretch / clean.Length;
        Assert.InRange(restored, 0.85, 1 / 0.85);
        Assert.Same(clean, augmenter.Apply(clean, 16000, 0, seed: 1).Audio);
    }

    [Fact]
    public void Apply_ManyStrongVariants_DrawWarpsStretchesAndNoiseInTheirRanges()
    {
        var clean = Speech();
        var augmenter = new Augmenter(Babble());
        var results = Enumerable.Range(0, 24).Select(s => augmenter.Apply(clean, 16000, 8 + s % 4, seed: s)).ToList();
        Assert.All(results, r => Assert.InRange(r.TimeStretch, 0.85 / 1.15 - 1e-9, 1.15 / 0.85 + 1e-9));
        Assert.Contains(results, r => r.TimeStretch != 1.0);
        Assert.Contains(results, r => r.Audio.Length != clean.Length);
        Assert.All(results, r => Assert.True(r.Audio.All(float.IsFinite)));
    }
}
