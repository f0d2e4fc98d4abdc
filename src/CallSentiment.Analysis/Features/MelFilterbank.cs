using System.Numerics.Tensors;

namespace CallSentiment.Analysis.Features;

/// <summary>Triangular HTK-scale mel filters (torchaudio's melscale_fbanks), stored sparsely: a start bin and weights per filter.</summary>
internal sealed class MelFilterbank
{
    private readonly int[] _start;
    private readonly float[][] _weights;

    public MelFilterbank(int nFreqs, double fMin, double fMax, int nMels, int sampleRate, MelNorm norm)
    {
        var allFreqs = new double[nFreqs];
        var nyquist = sampleRate / 2; // integer division, as torchaudio does
        for (var i = 0; i < nFreqs; i++) allFreqs[i] = nFreqs == 1 ? 0 : (double)nyquist * i / (nFreqs - 1);
        double mMin = HzToMel(fMin), mMax = HzToMel(fMax);
        var fPts = new double[nMels + 2];
        for (var i = 0; i < nMels + 2; i++) fPts[i] = MelToHz(mMin + (mMax - mMin) * i / (nMels + 1));

        _start = new int[nMels];
        _weights = new float[nMels][];
        Dense = new float[nMels, nFreqs];
        for (var m = 0; m < nMels; m++)
        {
            double lower = fPts[m], centre = fPts[m + 1], upper = fPts[m + 2];
            var enorm = norm == MelNorm.Slaney ? 2.0 / (upper - lower) : 1.0;
            var row = new double[nFreqs];
            int first = -1, last = -1;
            for (var f = 0; f < nFreqs; f++)
            {
                var down = (allFreqs[f] - lower) / (centre - lower);
                var up = (upper - allFreqs[f]) / (upper - centre);
                var w = Math.Max(0, Math.Min(down, up)) * enorm;
                row[f] = w;
                Dense[m, f] = (float)w;
                if (w > 0)
                {
                    if (first < 0) first = f;
                    last = f;
                }
            }
            if (first < 0)
            {
                _start[m] = 0;
                _weights[m] = [];
                continue;
            }
            _start[m] = first;
            _weights[m] = new float[last - first + 1];
            for (var f = first; f <= last; f++) _weights[m][f - first] = (float)row[f];
        }
    }

    public float[,] Dense { get; }

    public int EmptyFilters => _weights.Count(w => w.Length == 0);

    // Hot loop: compile fully optimised at once instead of starting in tier 0.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Apply(ReadOnlySpan<float> power, Span<float> mel)
    {
        for (var m = 0; m < _start.Length; m++)
        {
            var w = _weights[m];
            mel[m] = w.Length == 0 ? 0f : TensorPrimitives.Dot(w, power.Slice(_start[m], w.Length));
        }
    }

    public static double HzToMel(double hz) => 2595.0 * Math.Log10(1.0 + hz / 700.0);

    public static double MelToHz(double mel) => 700.0 * (Math.Pow(10, mel / 2595.0) - 1.0);
}
