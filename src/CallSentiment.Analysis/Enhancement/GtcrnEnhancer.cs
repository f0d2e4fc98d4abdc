using CallSentiment.Analysis.Onnx;
using MathNet.Numerics.IntegralTransforms;

namespace CallSentiment.Analysis.Enhancement;

/// <summary>
/// Speech enhancement (denoising) with GTCRN (Rong et al., ICASSP 2024), its streaming ONNX export: one STFT frame at
/// a time (16 kHz, 512-point FFT, hop 256, square-root Hann window) with three recurrent caches carried from frame to
/// frame, and the overlap-add of the enhanced frames. The model looks at the past only, so a channel is enhanced in
/// one pass with 32 ms of latency and memory that does not grow with its length beyond the output itself.
/// Thread-safe: each <see cref="Enhance"/> call carries its own caches, so channels and recordings may share one instance.
/// </summary>
public sealed class GtcrnEnhancer : IDisposable
{
    public const int SampleRate = 16000;
    public const int FftSize = 512;
    public const int Hop = FftSize / 2;
    public const int Bins = FftSize / 2 + 1;

    private static readonly long[] MixShape = [1, Bins, 1, 2];
    private static readonly long[] ConvCacheShape = [2, 1, 16, 16, 33];
    private static readonly long[] TraCacheShape = [2, 3, 1, 1, 16];
    private static readonly long[] InterCacheShape = [2, 1, 33, 16];

    /// <summary>Square-root periodic Hann: squared, frames a hop apart add up to exactly 1, so analysis + synthesis is identity.</summary>
    internal static readonly float[] Window = [.. Enumerable.Range(0, FftSize).Select(n => (float)Math.Sqrt(0.5 - 0.5 * Math.Cos(2 * Math.PI * n / FftSize)))];

    private readonly OnnxSession _session;

    private GtcrnEnhancer(OnnxSession session) => _session = session;

    public string ModelPath => _session.ModelPath;

    /// <exception cref="OnnxRuntimeException">The file is missing, is not an ONNX model, or is not GTCRN's streaming export.</exception>
    public static GtcrnEnhancer Load(string modelPath, OnnxSessionOptions? options = null)
    {
        var session = OnnxSession.Load(modelPath, options);
        var expected = new Dictionary<string, long[]>(StringComparer.Ordinal)
        {
            ["mix"] = MixShape, ["conv_cache"] = ConvCacheShape, ["tra_cache"] = TraCacheShape, ["inter_cache"] = InterCacheShape,
        };
        var fits = session.Inputs.Count == expected.Count && session.Inputs.All(i => expected.TryGetValue(i.Name, out var shape) && i.Shape.SequenceEqual(shape))
            && session.Outputs.Any(o => o.Name == "enh");
        if (!fits)
        {
            session.Dispose();
            throw new OnnxRuntimeException($"{modelPath} is not GTCRN's streaming model (inputs mix[1,257,1,2], conv_cache[2,1,16,16,33], tra_cache[2,3,1,1,16], inter_cache[2,1,33,16] and output enh expected)");
        }
        return new GtcrnEnhancer(session);
    }

    /// <summary>The enhanced signal, sample for sample aligned with <paramref name="samples"/> (16 kHz mono).</summary>
    public float[] Enhance(ReadOnlySpan<float> samples, CancellationToken cancellationToken = default)
    {
        var stream = CreateStream(cancellationToken);
        var output = new List<float>(samples.Length + FftSize);
        stream.Push(samples, output);
        stream.Flush(output);
        return [.. output];
    }

    /// <summary>A channel's own enhancement state: push 16 kHz samples as they are decoded, flush at the end.</summary>
    public GtcrnStream CreateStream(CancellationToken cancellationToken = default)
    {
        var conv = new float[2 * 16 * 16 * 33];
        var tra = new float[2 * 3 * 16];
        var inter = new float[2 * 33 * 16];
        return new GtcrnStream(mix =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var outputs = _session.Run(
            [
                NamedTensor.Float("mix", mix, MixShape),
                NamedTensor.Float("conv_cache", conv, ConvCacheShape),
                NamedTensor.Float("tra_cache", tra, TraCacheShape),
                NamedTensor.Float("inter_cache", inter, InterCacheShape),
            ]);
            conv = outputs["conv_cache_out"].Floats;
            tra = outputs["tra_cache_out"].Floats;
            inter = outputs["inter_cache_out"].Floats;
            return outputs["enh"].Floats;
        });
    }

    /// <summary>The frame loop with <paramref name="frame"/> as the model (tests check the loop alone is an identity).</summary>
    internal static float[] Process(ReadOnlySpan<float> samples, Func<float[], float[]> frame)
    {
        var stream = new GtcrnStream(frame);
        var output = new List<float>(samples.Length + FftSize);
        stream.Push(samples, output);
        stream.Flush(output);
        return [.. output];
    }

    public void Dispose() => _session.Dispose();
}

/// <summary>
/// The STFT / overlap-add loop of one channel. The signal is framed as if a hop of zeros preceded it (torch.stft's
/// centring, with zeros): frame k spans samples (k − 1)·256 … (k + 1)·256, and once it is added, samples
/// (k − 1)·256 … k·256 are final (no later frame reaches them) and are handed out. Output is therefore one hop
/// behind input, and <see cref="Flush"/> runs zero frames until every input sample has its output.
/// </summary>
public sealed class GtcrnStream
{
    private const int Hop = GtcrnEnhancer.Hop, Size = GtcrnEnhancer.FftSize, Bins = GtcrnEnhancer.Bins;
    private readonly Func<float[], float[]> _frame;
    private readonly float[] _previous = new float[Hop]; // the hop before the one being filled (zeros at first)
    private readonly float[] _pending = new float[Hop];
    private readonly float[] _overlap = new float[Size];
    private readonly float[] _buffer = new float[Size + 2]; // MathNet's real transform works in place with 2 spare values
    private int _pendingCount;
    private long _in;
    private long _out;
    private long _frames;

    internal GtcrnStream(Func<float[], float[]> frame) => _frame = frame;

    /// <summary>Takes samples; appends to <paramref name="output"/> every sample that is now final.</summary>
    public void Push(ReadOnlySpan<float> samples, ICollection<float> output)
    {
        while (!samples.IsEmpty)
        {
            var take = Math.Min(Hop - _pendingCount, samples.Length);
            samples[..take].CopyTo(_pending.AsSpan(_pendingCount));
            _pendingCount += take;
            _in += take;
            samples = samples[take..];
            if (_pendingCount == Hop) Step(output);
        }
    }

    /// <summary>Ends the channel: the remaining samples' output, so that output and input have the same length.</summary>
    public void Flush(ICollection<float> output)
    {
        while (_out < _in)
        {
            Array.Clear(_pending, _pendingCount, Hop - _pendingCount);
            _pendingCount = Hop;
            Step(output);
        }
    }

    private void Step(ICollection<float> output)
    {
        var window = GtcrnEnhancer.Window;
        for (var i = 0; i < Hop; i++)
        {
            _buffer[i] = _previous[i] * window[i];
            _buffer[Hop + i] = _pending[i] * window[Hop + i];
        }
        _buffer[Size] = _buffer[Size + 1] = 0f;
        // Matlab convention: no scaling forward, 1/N inverse (as torch.stft / istft).
        Fourier.ForwardReal(_buffer, Size, FourierOptions.Matlab);
        var mix = new float[2 * Bins];
        Array.Copy(_buffer, mix, 2 * Bins);
        var enhanced = _frame(mix);
        if (enhanced.Length != 2 * Bins) throw new InvalidOperationException($"a frame of {enhanced.Length} values came back, {2 * Bins} expected");
        Array.Copy(enhanced, _buffer, 2 * Bins);
        _buffer[1] = 0f;            // the DC and Nyquist bins of a real signal have no imaginary part
        _buffer[2 * Bins - 1] = 0f;
        Fourier.InverseReal(_buffer, Size, FourierOptions.Matlab);
        for (var i = 0; i < Size; i++) _overlap[i] += _buffer[i] * window[i];
        // The first frame's first hop is the zeros before the signal; after that each frame completes one hop.
        if (_frames++ > 0)
        {
            for (var i = 0; i < Hop && _out < _in; i++, _out++) output.Add(_overlap[i]);
        }
        Array.Copy(_overlap, Hop, _overlap, 0, Hop);
        Array.Clear(_overlap, Hop, Hop);
        Array.Copy(_pending, _previous, Hop);
        _pendingCount = 0;
    }
}
