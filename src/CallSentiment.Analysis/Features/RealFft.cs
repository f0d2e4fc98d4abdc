namespace CallSentiment.Analysis.Features;

/// <summary>
/// Power spectrum of a real frame of power-of-two length N: an N/2-point complex radix-2 FFT on the packed
/// even/odd samples, then the split step that recovers the N/2 + 1 one-sided bins.
/// </summary>
internal sealed class RealFft
{
    private readonly int _n;
    private readonly int _half;
    private readonly int[] _bitReverse;
    private readonly float[] _twRe; // complex FFT twiddles for size _half
    private readonly float[] _twIm;
    private readonly float[] _splitRe; // e^{-2πik/N}
    private readonly float[] _splitIm;
    private readonly float[] _re;
    private readonly float[] _im;

    public RealFft(int n)
    {
        _n = n;
        _half = n / 2;
        _bitReverse = new int[_half];
        var bits = (int)Math.Log2(_half);
        for (var i = 0; i < _half; i++)
        {
            var r = 0;
            for (var b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
            _bitReverse[i] = r;
        }
        _twRe = new float[Math.Max(1, _half / 2)];
        _twIm = new float[_twRe.Length];
        for (var k = 0; k < _half / 2; k++)
        {
            _twRe[k] = (float)Math.Cos(-2 * Math.PI * k / _half);
            _twIm[k] = (float)Math.Sin(-2 * Math.PI * k / _half);
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
    public void PowerSpectrum(ReadOnlySpan<float> frame, Span<float> power)
    {
        var re = _re;
        var im = _im;
        for (var i = 0; i < _half; i++)
        {
            var j = _bitReverse[i];
            re[j] = frame[2 * i];
            im[j] = frame[2 * i + 1];
        }
        for (var size = 2; size <= _half; size <<= 1)
        {
            var halfSize = size >> 1;
            var step = _half / size;
            for (var start = 0; start < _half; start += size)
            {
                for (int k = 0, t = 0; k < halfSize; k++, t += step)
                {
                    var a = start + k;
                    var b = a + halfSize;
                    var wr = _twRe[t];
                    var wi = _twIm[t];
                    var xr = re[b] * wr - im[b] * wi;
                    var xi = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - xr;
                    im[b] = im[a] - xi;
                    re[a] += xr;
                    im[a] += xi;
                }
            }
        }
        // Split: X[k] = E[k] + W^k O[k], with E/O from Z[k] and conj(Z[N/2-k]).
        for (var k = 0; k <= _half; k++)
        {
            var k1 = k == _half ? 0 : k;
            var k2 = k == 0 ? 0 : _half - k;
            var zr = re[k1];
            var zi = im[k1];
            var cr = re[k2];
            var ci = -im[k2];
            var er = 0.5f * (zr + cr);
            var ei = 0.5f * (zi + ci);
            // O = (Z - conj(Z[N/2-k])) / (2i)
            var dr = zr - cr;
            var di = zi - ci;
            var or = 0.5f * di;
            var oi = -0.5f * dr;
            var wr = _splitRe[k];
            var wi = _splitIm[k];
            var xr = er + (or * wr - oi * wi);
            var xi = ei + (or * wi + oi * wr);
            power[k] = xr * xr + xi * xi;
        }
    }
}
