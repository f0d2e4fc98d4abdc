using System.Numerics.Tensors;

namespace CallSentiment.Analysis.Audio;

/// <summary>
/// Streaming rational resampler (polyphase windowed sinc, Kaiser window). The low-pass sits at 0.95 × the lower
/// Nyquist frequency with about 80 dB stop-band rejection, so downsampling does not alias and upsampling
/// (8 kHz telephone audio to 16 kHz) does not image. One instance per channel; not thread-safe.
/// </summary>
public sealed class Resampler
{
    private const int ZeroCrossings = 16;
    private const double Rolloff = 0.95;
    private const double KaiserBeta = 8.0;

    private readonly int _up;
    private readonly int _down;
    private readonly int _half; // taps each side of the centre, in input samples
    private readonly float[] _filters; // [phase][2*_half]
    private readonly int _taps;
    private float[] _history;
    private int _historyCount;
    private long _inputConsumedBase; // absolute index of _history[0]
    private long _nextOutput; // absolute index of the next output sample
    private long _inputTotal;

    public Resampler(int inputRate, int outputRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputRate, 1);
        var g = Gcd(inputRate, outputRate);
        _up = outputRate / g;
        _down = inputRate / g;
        InputRate = inputRate;
        OutputRate = outputRate;
        var scale = Math.Min(1.0, (double)_up / _down); // cutoff relative to the input Nyquist
        var cutoff = 0.5 * scale * Rolloff; // cycles per input sample
        _half = (int)Math.Ceiling(ZeroCrossings / scale);
        _taps = 2 * _half;
        _filters = new float[_up * _taps];
        var i0Beta = BesselI0(KaiserBeta);
        for (var p = 0; p < _up; p++)
        {
            var frac = (double)p / _up;
            for (var k = 0; k < _taps; k++)
            {
                // tap k multiplies x[floor(t) - (_half - 1) + k]; its distance from t is:
                var d = frac + (_half - 1) - k;
                var x = 2 * cutoff * d;
                var sinc = Math.Abs(x) < 1e-12 ? 1.0 : Math.Sin(Math.PI * x) / (Math.PI * x);
                var w = Math.Abs(d) >= _half ? 0.0 : BesselI0(KaiserBeta * Math.Sqrt(1 - (d / _half) * (d / _half))) / i0Beta;
                _filters[p * _taps + k] = (float)(2 * cutoff * sinc * w);
            }
        }
        _history = new float[4096 + _taps];
        // The signal before the first sample is silence.
        _historyCount = _half - 1;
        _inputConsumedBase = -(_half - 1);
    }

    public int InputRate { get; }

    public int OutputRate { get; }

    public bool IsIdentity => _up == _down;

    /// <summary>Upper bound of the samples <see cref="Process"/> writes for <paramref name="inputCount"/> more input.</summary>
    public int MaxOutput(int inputCount) => (int)((long)(inputCount + _taps + 2) * _up / _down) + 2;

    /// <summary>Feeds samples and writes all output that is now fully determined. Returns the count written.</summary>
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        Append(input);
        _inputTotal += input.Length;
        return Produce(output, flushing: false);
    }

    /// <summary>Ends the stream: writes the remaining output (the tail filtered against silence).</summary>
    public int Flush(Span<float> output)
    {
        Span<float> zeros = stackalloc float[256];
        var remaining = _half + 1;
        while (remaining > 0)
        {
            var n = Math.Min(remaining, zeros.Length);
            Append(zeros[..n]);
            remaining -= n;
        }
        return Produce(output, flushing: true);
    }

    private void Append(ReadOnlySpan<float> input)
    {
        if (_historyCount + input.Length > _history.Length)
        {
            // Drop what no future output needs, then grow if still short.
            var firstNeeded = _nextOutput * _down / _up - (_half - 1);
            var drop = (int)Math.Clamp(firstNeeded - _inputConsumedBase, 0, _historyCount);
            if (drop > 0)
            {
                _history.AsSpan(drop, _historyCount - drop).CopyTo(_history);
                _historyCount -= drop;
                _inputConsumedBase += drop;
            }
            if (_historyCount + input.Length > _history.Length)
                Array.Resize(ref _history, Math.Max(_history.Length * 2, _historyCount + input.Length));
        }
        input.CopyTo(_history.AsSpan(_historyCount));
        _historyCount += input.Length;
    }

    // Hot loop: compile fully optimised at once instead of starting in tier 0.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private int Produce(Span<float> output, bool flushing)
    {
        var written = 0;
        var totalOutput = (_inputTotal * _up + _down - 1) / _down;
        while (written < output.Length)
        {
            if (flushing && _nextOutput >= totalOutput) break;
            var num = _nextOutput * _down;
            var baseIndex = num / _up; // floor(t)
            var phase = (int)(num - baseIndex * _up);
            var start = baseIndex - (_half - 1) - _inputConsumedBase;
            if (start + _taps > _historyCount) break;
            output[written++] = TensorPrimitives.Dot(_filters.AsSpan(phase * _taps, _taps), _history.AsSpan((int)start, _taps));
            _nextOutput++;
        }
        return written;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    private static double BesselI0(double x)
    {
        double sum = 1, term = 1, q = x * x / 4;
        for (var k = 1; k < 64; k++)
        {
            term *= q / ((double)k * k);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        return sum;
    }

    /// <summary>Resamples a whole buffer (for short clips and tests).</summary>
    public static float[] ResampleAll(ReadOnlySpan<float> input, int inputRate, int outputRate)
    {
        if (inputRate == outputRate) return input.ToArray();
        var r = new Resampler(inputRate, outputRate);
        var output = new float[r.MaxOutput(input.Length)];
        var n = r.Process(input, output);
        n += r.Flush(output.AsSpan(n));
        return output[..n];
    }
}
