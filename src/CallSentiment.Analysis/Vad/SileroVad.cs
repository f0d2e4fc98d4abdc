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
        var scanner = new Scanner(this);
        scanner.Push(samples, cancellationToken);
        return [.. scanner.Finish()];
    }

    /// <summary>
    /// Window probabilities of a signal fed block by block: the same values as <see cref="Probabilities"/> on the whole
    /// signal, in memory that does not grow with its length (but for the probabilities, 4 bytes per 32 ms). One per signal.
    /// </summary>
    public sealed class Scanner(SileroVad vad)
    {
        private readonly List<float> _probabilities = [];
        private readonly NamedTensor _sr = NamedTensor.Int64("sr", [SampleRate]);
        private float[] _state = new float[StateSize];
        // Each window is preceded by the last 64 samples of the previous one, as the v5 model was trained (zeros at the start).
        private readonly float[] _input = new float[ContextSamples + WindowSamples];
        private int _filled;

        public IReadOnlyList<float> Probabilities => _probabilities;

        public void Push(ReadOnlySpan<float> samples, CancellationToken cancellationToken = default)
        {
            while (samples.Length > 0)
            {
                var take = Math.Min(samples.Length, WindowSamples - _filled);
                samples[..take].CopyTo(_input.AsSpan(ContextSamples + _filled));
                _filled += take;
                samples = samples[take..];
                if (_filled < WindowSamples) return;
                if ((_probabilities.Count & 255) == 0) cancellationToken.ThrowIfCancellationRequested();
                Run();
                _input.AsSpan(WindowSamples, ContextSamples).CopyTo(_input);
                _filled = 0;
            }
        }

        /// <summary>Scores the last partial window (zero-padded) and returns every window's probability.</summary>
        public List<float> Finish()
        {
            if (_filled > 0)
            {
                _input.AsSpan(ContextSamples + _filled).Clear();
                Run();
                _filled = 0;
            }
            return _probabilities;
        }

        private void Run()
        {
            var outputs = vad._session.Run(
            [
                NamedTensor.Float("input", [.. _input], 1, _input.Length),
                NamedTensor.Float("state", _state, 2, 1, 128),
                _sr,
            ]);
            _probabilities.Add(outputs["output"].Floats[0]);
            _state = outputs["stateN"].Floats;
        }
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
