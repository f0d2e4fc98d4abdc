namespace CallSentiment.Analysis.Audio;

/// <summary>
/// Simulates a narrow-band telephone line: 300–3400 Hz band-pass, 8 kHz sampling and G.711 µ-law quantisation,
/// then back to the caller's rate. Used to evaluate and to train the model for call audio.
/// </summary>
public static class TelephoneChannel
{
    public const int LineRate = 8000;

    public static float[] Apply(ReadOnlySpan<float> samples, int sampleRate, double lowHz = 300, double highHz = 3400)
    {
        var x = samples.ToArray();
        foreach (var f in Biquad.Butterworth4(sampleRate, lowHz, highPass: true)) f.Process(x);
        foreach (var f in Biquad.Butterworth4(sampleRate, highHz, highPass: false)) f.Process(x);
        var line = Resampler.ResampleAll(x, sampleRate, LineRate);
        for (var i = 0; i < line.Length; i++)
        {
            var pcm = (short)Math.Clamp(MathF.Round(line[i] * 32768f), short.MinValue, short.MaxValue);
            line[i] = G711.DecodeMuLaw(G711.LinearToMuLaw(pcm));
        }
        var back = Resampler.ResampleAll(line, LineRate, sampleRate);
        // Keep the length equal to the input so labels and timings line up.
        Array.Resize(ref back, samples.Length);
        return back;
    }
}
