using System.Runtime.Intrinsics;

namespace CallSentiment.Analysis.Features;

/// <summary>
/// Power spectrum (or real part) of a real frame of power-of-two length N: an N/2-point complex radix-2 FFT on the packed
/// even/odd samples, then the split step that recovers the N/2 + 1 one-sided bins. Stages with eight or more
/// butterflies per group run on 256-bit vectors; twiddles are stored per stage, contiguously.
/// </summary>
internal sealed unsafe class RealFft
{
    private readonly int _half;
    private readonly int[] _bitReverse;
    private readonly float[] _twRe; // stage by stage: for group size 2h, w_k = e^{-2πik/2h}, k < h
    private readonly float[] _twIm;
    private readonly float[] _splitRe; // e^{-2πik/N}
    private readonly float[] _splitIm;
    private readonly float[] _re;
    private readonly float[] _im;

    public RealFft(int n)
    {
        if (n < 4 || (n & (n - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(n), "FFT size must be a power of two >= 4");
        _half = n / 2;
        _bitReverse = new int[_half];
        var bits = (int)Math.Log2(_half);
        for (var i = 0; i < _half; i++)
        {
            var r = 0;
            for (var b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
            _bitReverse[i] = r;
        }
        _twRe = new float[Math.Max(1, _half)];
        _twIm = new float[_twRe.Length];
        for (int h = 1, offset = 0; h < _half; offset += h, h <<= 1)
        {
            for (var k = 0; k < h; k++)
            {
                _twRe[offset + k] = (float)Math.Cos(-Math.PI * k / h);
                _twIm[offset + k] = (float)Math.Sin(-Math.PI * k / h);
            }
        }
        _splitRe = new float[_half + 1];
        _splitIm = new float[_half + 1];
        for (var k = 0; k <= _half; k++)
        {
            _splitRe[k] = (float)Math.Cos(-2 * Math.PI * k / n);
            _splitIm[k] = (float)Math.Sin(-2 * Math.PI * k / n);
        }
        _re = new float[_half];
        _im = new float[_half];
    }

    public int Bins => _half + 1;

    /// <summary>Writes |X[k]|² for k = 0..N/2 into <paramref name="power"/>.</summary>
    public void PowerSpectrum(ReadOnlySpan<float> frame, Span<float> power) => Transform(frame, power, squared: true);

    /// <summary>
    /// Writes Re X[k] for k = 0..N/2 into <paramref name="real"/>. For an even sequence (x[n] = x[N − n]) that is
    /// the whole transform: the real cepstrum of a log spectrum, for one.
    /// </summary>
    public void RealPart(ReadOnlySpan<float> frame, Span<float> real) => Transform(frame, real, squared: false);

    // Hot loop: compile fully optimised at once instead of starting in tier 0.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Transform(ReadOnlySpan<float> frame, Span<float> output, bool squared)
    {
        if (frame.Length < 2 * _half || output.Length < _half + 1) throw new ArgumentException("frame or output too short");
        var half = _half;
        fixed (float* re = _re, im = _im, twRe = _twRe, twIm = _twIm, sRe = _splitRe, sIm = _splitIm, x = frame, pw = output)
        fixed (int* rev = _bitReverse)
        {
            for (var i = 0; i < half; i++)
            {
                var j = rev[i];
                re[j] = x[2 * i];
                im[j] = x[2 * i + 1];
            }
            // Stage h = 1: w = 1.
            for (var a = 0; a < half; a += 2)
            {
                float ar = re[a], ai = im[a], br = re[a + 1], bi = im[a + 1];
                re[a] = ar + br;
                im[a] = ai + bi;
                re[a + 1] = ar - br;
                im[a + 1] = ai - bi;
            }
            for (int h = 2, offset = 1; h < half; offset += h, h <<= 1)
            {
                var size = h << 1;
                var wr = twRe + offset;
                var wi = twIm + offset;
                if (h >= 8 && Vector256.IsHardwareAccelerated)
                {
                    for (var start = 0; start < half; start += size)
                    {
                        float* pr = re + start, pi = im + start, qr = pr + h, qi = pi + h;
                        for (var k = 0; k < h; k += 8)
                        {
                            var vwr = Vector256.Load(wr + k);
                            var vwi = Vector256.Load(wi + k);
                            var br = Vector256.Load(qr + k);
                            var bi = Vector256.Load(qi + k);
                            var tr = br * vwr - bi * vwi;
                            var ti = br * vwi + bi * vwr;
                            var ar = Vector256.Load(pr + k);
                            var ai = Vector256.Load(pi + k);
                            (ar - tr).Store(qr + k);
                            (ai - ti).Store(qi + k);
                            (ar + tr).Store(pr + k);
                            (ai + ti).Store(pi + k);
                        }
                    }
                }
                else
                {
                    for (var start = 0; start < half; start += size)
                    {
                        for (var k = 0; k < h; k++)
                        {
                            var a = start + k;
                            var b = a + h;
                            var tr = re[b] * wr[k] - im[b] * wi[k];
                            var ti = re[b] * wi[k] + im[b] * wr[k];
                            re[b] = re[a] - tr;
                            im[b] = im[a] - ti;
                            re[a] += tr;
                            im[a] += ti;
                        }
                    }
                }
            }
            // Split: X[k] = E[k] + W^k O[k], E/O recovered from Z[k] and conj(Z[N/2-k]).
            for (var k = 0; k <= half; k++)
            {
                var k1 = k == half ? 0 : k;
                var k2 = k == 0 ? 0 : half - k;
                float zr = re[k1], zi = im[k1], cr = re[k2], ci = -im[k2];
                var er = 0.5f * (zr + cr);
                var ei = 0.5f * (zi + ci);
                var or = 0.5f * (zi - ci);
                var oi = -0.5f * (zr - cr);
                var xr = er + (or * sRe[k] - oi * sIm[k]);
                var xi = ei + (or * sIm[k] + oi * sRe[k]);
                pw[k] = squared ? xr * xr + xi * xi : xr;
            }
        }
    }
}
