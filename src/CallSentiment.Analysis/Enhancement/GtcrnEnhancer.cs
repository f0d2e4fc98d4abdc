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
    private static readonly float[] Window = [.. Enumerable.Range(0, FftSize).Select(n => (float)Math.Sqrt(0.5 - 0.5 * Math.Cos(2 * Math.PI * n / FftSize)))];

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
        var conv = new float[2 * 16 * 16 * 33];
        var tra = new float[2 * 3 * 16];
        var inter = new float[2 * 33 * 16];
        return Process(samples, mix =>
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

    /// <summary>
    /// The STFT / overlap-add frame loop around <paramref name="frame"/>, which maps one frame's spectrum (bins
    /// interleaved re, im: the model's [257, 2] layout) to the enhanced spectrum. The signal is framed as if 256
    /// zeros preceded it (torch.stft's centring, with zeros), so output sample n is rebuilt from the two frames
    /// that cover it.
    /// </summary>
    internal static float[] Process(ReadOnlySpan<float> samples, Func<float[], float[]> frame)
    {
        var output = new float[samples.Length];
        if (samples.Length == 0) return output;
        var frames = (samples.Length + Hop - 1) / Hop + 1;
        var buffer = new float[FftSize + 2]; // MathNet's real transform works in place with 2 spare values
        var overlap = new float[FftSize];    // the synthesis of the frames so far, from this frame's start
        for (var t = 0; t < frames; t++)
        {
            var start = t * Hop - Hop; // position of the frame's first sample in the signal
            for (var i = 0; i < FftSize; i++)
            {
                var n = start + i;
                buffer[i] = n >= 0 && n < samples.Length ? samples[n] * Window[i] : 0f;
            }
            buffer[FftSize] = buffer[FftSize + 1] = 0f;
            // Matlab convention: no scaling forward, 1/N inverse (as torch.stft / istft).
            Fourier.ForwardReal(buffer, FftSize, FourierOptions.Matlab);
            var mix = new float[2 * Bins];
            Array.Copy(buffer, mix, 2 * Bins);
            var enhanced = frame(mix);
            if (enhanced.Length != 2 * Bins) throw new InvalidOperationException($"a frame of {enhanced.Length} values came back, {2 * Bins} expected");
            Array.Copy(enhanced, buffer, 2 * Bins);
            buffer[1] = 0f;            // the DC and Nyquist bins of a real signal have no imaginary part
            buffer[2 * Bins - 1] = 0f;
            Fourier.InverseReal(buffer, FftSize, FourierOptions.Matlab);
            for (var i = 0; i < FftSize; i++) overlap[i] += buffer[i] * Window[i];
            // The first hop of the overlap is complete: no later frame reaches it.
            for (var i = 0; i < Hop; i++)
            {
                var n = start + i;
                if (n >= 0 && n < output.Length) output[n] = overlap[i];
            }
            Array.Copy(overlap, Hop, overlap, 0, Hop);
            Array.Clear(overlap, Hop, Hop);
        }
        return output;
    }

    public void Dispose() => _session.Dispose();
}
