using System.Numerics.Tensors;

namespace CallSentiment.Analysis.Features;

/// <summary>
/// Streaming log-mel / MFCC extractor, optionally with pitch values (<see cref="FeatureConfig.Pitch"/>). Feed samples
/// in blocks of any size; frames come out as soon as their samples are in, and <see cref="Flush"/> finishes the
/// stream with torchaudio's centre reflect padding, so the frames equal torchaudio's on the whole signal. Memory is O(n_fft), whatever the length. Not thread-safe.
/// </summary>
public sealed class FeatureExtractor
{
    private readonly FeatureConfig _config;
    private readonly RealFft _fft;
    private readonly MelFilterbank _mel;
    private readonly float[] _window; // n_fft long, zero outside the centred win_length
    private readonly float[]? _dct; // [n_mfcc][n_mels]
    private readonly PitchFeatures? _pitch;
    private readonly int _pad;
    private readonly float[] _frame;
    private readonly float[] _power;
    private readonly float[] _melOut;
    private readonly float[] _head; // the first _pad + 1 samples, for the left reflection
    private float[] _signal;
    private int _signalCount;
    private long _signalBase; // absolute index of _signal[0]
    private long _total;
    private long _nextFrame;
    private float _lastRaw;

    public FeatureExtractor(FeatureConfig config)
    {
        config.Validate();
        _config = config;
        _fft = new RealFft(config.NFft);
        _mel = new MelFilterbank(_fft.Bins, config.FMin, config.FMax, config.NMels, config.SampleRate, config.MelNorm);
        _window = new float[config.NFft];
        var offset = (config.NFft - config.WinLength) / 2;
        for (var i = 0; i < config.WinLength; i++)
            _window[offset + i] = (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * i / config.WinLength));
        if (config.Kind == FeatureKind.Mfcc) _dct = BuildDct(config.NMfcc, config.NMels);
        if (config.Pitch) _pitch = new PitchFeatures(config);
        _pad = config.NFft / 2;
        _frame = new float[config.NFft];
        _power = new float[_fft.Bins];
        _melOut = new float[config.NMels];
        _head = new float[_pad + 1];
        _signal = new float[Math.Max(4 * config.NFft, 8192)];
    }

    public FeatureConfig Config => _config;

    public int Dim => _config.Dim;

    /// <summary>Mel filters that cover no FFT bin (too many mels for the n_fft): their output is constant.</summary>
    public int EmptyMelFilters => _mel.EmptyFilters;

    /// <summary>Frames torchaudio produces for a signal of this many samples.</summary>
    public static long FrameCount(long samples, int hop) => samples == 0 ? 0 : 1 + samples / hop;

    public void Process(ReadOnlySpan<float> samples, FrameBuffer output)
    {
        Append(samples);
        while (LastSampleNeeded(_nextFrame) < _total) Emit(output, length: -1);
        Compact();
    }

    // Frame t covers padded samples t*hop .. t*hop + n_fft - 1, i.e. signal t*hop - pad .. t*hop + pad - 1; on the
    // left edge the reflection reads up to signal index pad - t*hop.
    private long LastSampleNeeded(long t) => Math.Max(t * _config.HopLength + _pad - 1, _pad - t * _config.HopLength);

    /// <summary>Ends the stream: emits the remaining frames using the right-hand reflection. Then <see cref="Reset"/>.</summary>
    public void Flush(FrameBuffer output)
    {
        var frames = FrameCount(_total, _config.HopLength);
        while (_nextFrame < frames) Emit(output, _total);
    }

    public void Reset()
    {
        _signalCount = 0;
        _signalBase = 0;
        _total = 0;
        _nextFrame = 0;
        _lastRaw = 0;
    }

    /// <summary>All frames of a whole signal.</summary>
    public FrameBuffer ComputeAll(ReadOnlySpan<float> samples)
    {
        Reset();
        var output = new FrameBuffer(Dim, (int)FrameCount(samples.Length, _config.HopLength));
        Process(samples, output);
        Flush(output);
        Reset();
        return output;
    }

    // Hot loop: compile fully optimised at once instead of starting in tier 0.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Append(ReadOnlySpan<float> raw)
    {
        if (_signalCount + raw.Length > _signal.Length)
            Array.Resize(ref _signal, Math.Max(_signal.Length * 2, _signalCount + raw.Length));
        var dst = _signal.AsSpan(_signalCount, raw.Length);
        var c = (float)_config.PreEmphasis;
        if (c == 0f)
        {
            raw.CopyTo(dst);
        }
        else
        {
            var prev = _lastRaw;
            for (var i = 0; i < raw.Length; i++)
            {
                var x = raw[i];
                dst[i] = _total + i == 0 ? x : x - c * prev;
                prev = x;
            }
        }
        if (raw.Length > 0) _lastRaw = raw[^1];
        for (var i = 0; i < raw.Length && _total + i <= _pad; i++) _head[_total + i] = dst[i];
        _signalCount += raw.Length;
        _total += raw.Length;
    }

    private void Compact()
    {
        // Keep every sample a future frame (including its right reflection at flush time) may read.
        var firstNeeded = _nextFrame * _config.HopLength - _pad;
        var keepFrom = Math.Min(firstNeeded, _total - _config.NFft);
        var drop = (int)Math.Clamp(keepFrom - _signalBase, 0, _signalCount);
        if (drop < _signal.Length / 2) return;
        _signal.AsSpan(drop, _signalCount - drop).CopyTo(_signal);
        _signalCount -= drop;
        _signalBase += drop;
    }

    private float SampleAt(long i, long length)
    {
        if (length > 0)
        {
            if (length == 1) i = 0;
            var period = 2 * (length - 1);
            while (i < 0 || i >= length)
            {
                if (i < 0) i = -i;
                if (i >= length) i = period - i;
            }
        }
        else if (i < 0)
        {
            i = -i;
        }
        if (i <= _pad && i < _head.Length && i < _total) return _head[i];
        var rel = i - _signalBase;
        return rel >= 0 && rel < _signalCount ? _signal[rel] : 0f;
    }

    // Hot loop: compile fully optimised at once instead of starting in tier 0.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Emit(FrameBuffer output, long length)
    {
        var start = _nextFrame * _config.HopLength - _pad;
        var n = _config.NFft;
        var frame = _frame.AsSpan();
        var rel = start - _signalBase;
        var end = length > 0 ? length : _total;
        if (start >= 0 && start + n <= end && rel >= 0 && rel + n <= _signalCount)
        {
            _signal.AsSpan((int)rel, n).CopyTo(frame);
        }
        else
        {
            for (var i = 0; i < n; i++) frame[i] = SampleAt(start + i, length);
        }
        TensorPrimitives.Multiply(frame, _window, frame);
        _fft.PowerSpectrum(frame, _power);
        _mel.Apply(_power, _melOut);
        var energy = MathF.Log(TensorPrimitives.Sum(_melOut) + (float)_config.LogOffset);
        var row = output.AddFrame(energy);
        var dst = row[.._config.SpectralDim];
        var logTarget = _dct is null ? dst : _melOut;
        if (_dct is null) _melOut.CopyTo(dst);
        TensorPrimitives.Add(logTarget, (float)_config.LogOffset, logTarget);
        TensorPrimitives.Log(logTarget, logTarget);
        if (_dct is not null)
        {
            var nMels = _config.NMels;
            for (var k = 0; k < dst.Length; k++) dst[k] = TensorPrimitives.Dot(_dct.AsSpan(k * nMels, nMels), _melOut);
        }
        _pitch?.Compute(_power, row[_config.SpectralDim..]);
        _nextFrame++;
    }

    /// <summary>Orthonormal DCT-II rows (torchaudio create_dct with norm="ortho").</summary>
    private static float[] BuildDct(int nMfcc, int nMels)
    {
        var dct = new float[nMfcc * nMels];
        for (var k = 0; k < nMfcc; k++)
        {
            var scale = k == 0 ? Math.Sqrt(1.0 / nMels) : Math.Sqrt(2.0 / nMels);
            for (var n = 0; n < nMels; n++) dct[k * nMels + n] = (float)(scale * Math.Cos(Math.PI / nMels * (n + 0.5) * k));
        }
        return dct;
    }
}
