using CallSentiment.Analysis.Onnx;

namespace CallSentiment.Analysis.Vad;

/// <summary>Hysteresis and duration rules that turn per-window speech probabilities into speech segments.</summary>
public sealed record VadSettings
{
    /// <summary>A window at or above this probability starts (or continues) speech.</summary>
    public float Threshold { get; init; } = 0.5f;

    /// <summary>Speech ends only after the probability falls below this (hysteresis); defaults to Threshold − 0.15.</summary>
    public float? EndThreshold { get; init; }

    /// <summary>Shorter speech bursts (clicks, breaths) are dropped.</summary>
    public double MinSpeechSeconds { get; init; } = 0.25;

    /// <summary>A pause must last this long to split a segment.</summary>
    public double MinSilenceSeconds { get; init; } = 0.3;

    /// <summary>Padding added on both sides of every segment (clipped to its neighbours and the signal).</summary>
    public double PadSeconds { get; init; } = 0.05;
}

/// <summary>
/// Silero VAD v5 (16 kHz) through ONNX Runtime. The model is thread-safe; every <see cref="Detect"/> call carries its own
/// recurrent state, so several channels or recordings can be scanned at once with one instance.
/// </summary>
public sealed class SileroVad : IDisposable
{
    public const int SampleRate = 16000;
    public const int WindowSamples = 512;
    public const int ContextSamples = 64;
    public const double WindowSeconds = (double)WindowSamples / SampleRate;

    private const int StateSize = 2 * 1 * 128;
    private readonly OnnxSession _session;

    private SileroVad(OnnxSession session) => _session = session;

    /// <exception cref="OnnxRuntimeException">The model or ONNX Runtime is missing or the model is not Silero VAD v5.</exception>
    public static SileroVad Load(string modelPath, OnnxSessionOptions? options = null)
    {
        var session = OnnxSession.Load(modelPath, options);
        string[] expected = ["input", "state", "sr"];
        if (!expected.All(n => session.Inputs.Any(i => i.Name == n)))
        {
            session.Dispose();
            throw new OnnxRuntimeException($"{modelPath} is not a Silero VAD v5 model (inputs input, state, sr expected)");
        }
        return new SileroVad(session);
    }

    /// <summary>Speech probability of each 32 ms window of a 16 kHz signal (the last partial window is zero-padded).</summary>
    public float[] Probabilities(ReadOnlySpan<float> samples, CancellationToken cancellationToken = default)
    {
        var windows = (samples.Length + WindowSamples - 1) / WindowSamples;
        var result = new float[windows];
        var state = new float[StateSize];
        var sr = NamedTensor.Int64("sr", [SampleRate]);
        for (var w = 0; w < windows; w++)
        {
            if ((w & 255) == 0) cancellationToken.ThrowIfCancellationRequested();
            // Each window is preceded by the last 64 samples of the previous one, as the v5 model was trained.
            var input = new float[ContextSamples + WindowSamples];
            var start = w * WindowSamples;
            var from = Math.Max(0, start - ContextSamples);
            var count = Math.Min(samples.Length, start + WindowSamples) - from;
            samples.Slice(from, count).CopyTo(input.AsSpan(ContextSamples - (start - from)));
            var outputs = _session.Run(
            [
                NamedTensor.Float("input", input, 1, input.Length),
                NamedTensor.Float("state", state, 2, 1, 128),
                sr,
            ]);
            result[w] = outputs["output"].Floats[0];
            state = outputs["stateN"].Floats;
        }
        return result;
    }

    /// <summary>Speech segments (seconds) of a 16 kHz signal.</summary>
    public IReadOnlyList<(double Start, double End)> Detect(ReadOnlySpan<float> samples, VadSettings? settings = null,
        CancellationToken cancellationToken = default) =>
        Segment(Probabilities(samples, cancellationToken), (double)samples.Length / SampleRate, settings ?? new VadSettings());

    /// <summary>Hysteresis over window probabilities, then the minimum speech/silence and padding rules.</summary>
    public static IReadOnlyList<(double Start, double End)> Segment(ReadOnlySpan<float> probabilities, double durationSeconds, VadSettings settings)
    {
        var end = settings.EndThreshold ?? Math.Max(0.01f, settings.Threshold - 0.15f);
        var raw = new List<(double Start, double End)>();
        var inSpeech = false;
        double segStart = 0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            var p = probabilities[i];
            var t = i * WindowSeconds;
            if (!inSpeech && p >= settings.Threshold) { inSpeech = true; segStart = t; }
            else if (inSpeech && p < end) { inSpeech = false; raw.Add((segStart, t)); }
        }
        if (inSpeech) raw.Add((segStart, Math.Min(durationSeconds, probabilities.Length * WindowSeconds)));

        // Pauses shorter than MinSilence join their neighbours; then short bursts go.
        var merged = new List<(double Start, double End)>();
        foreach (var s in raw)
        {
            if (merged.Count > 0 && s.Start - merged[^1].End < settings.MinSilenceSeconds) merged[^1] = (merged[^1].Start, s.End);
            else merged.Add(s);
        }
        merged.RemoveAll(s => s.End - s.Start < settings.MinSpeechSeconds);

        for (var i = 0; i < merged.Count; i++)
        {
            var lo = i == 0 ? 0 : (merged[i - 1].End + merged[i].Start) / 2;
            var hi = i == merged.Count - 1 ? durationSeconds : (merged[i].End + merged[i + 1].Start) / 2;
            merged[i] = (Math.Max(lo, merged[i].Start - settings.PadSeconds), Math.Min(hi, merged[i].End + settings.PadSeconds));
        }
        return merged;
    }

    public void Dispose() => _session.Dispose();
}
