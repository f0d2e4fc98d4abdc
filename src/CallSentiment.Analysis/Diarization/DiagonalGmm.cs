namespace CallSentiment.Analysis.Diarization;

/// <summary>A diagonal-covariance Gaussian mixture trained by EM; the per-speaker model of the resegmentation.</summary>
internal sealed class DiagonalGmm
{
    private const double VarianceFloor = 1e-3;
    private readonly double[] _logWeights;
    private readonly double[][] _means;
    private readonly double[][] _inverseVariances;
    private readonly double[] _logNorms;

    private DiagonalGmm(double[] logWeights, double[][] means, double[][] inverseVariances, double[] logNorms)
    {
        _logWeights = logWeights;
        _means = means;
        _inverseVariances = inverseVariances;
        _logNorms = logNorms;
    }

    /// <summary>Trains on the given rows of <paramref name="data"/> (row-major, <paramref name="dim"/> wide).</summary>
    public static DiagonalGmm Train(float[] data, int dim, IReadOnlyList<int> rows, int components, int iterations)
    {
        components = Math.Max(1, Math.Min(components, rows.Count / (4 * dim) + 1));
        var n = rows.Count;
        // Deterministic start: components seeded from evenly spaced frames, global variance.
        var globalMean = new double[dim];
        var globalVar = new double[dim];
        foreach (var r in rows)
            for (var d = 0; d < dim; d++) globalMean[d] += data[r * dim + d];
        for (var d = 0; d < dim; d++) globalMean[d] /= Math.Max(1, n);
        foreach (var r in rows)
            for (var d = 0; d < dim; d++) { var x = data[r * dim + d] - globalMean[d]; globalVar[d] += x * x; }
        for (var d = 0; d < dim; d++) globalVar[d] = Math.Max(VarianceFloor, globalVar[d] / Math.Max(1, n));

        var means = new double[components][];
        var vars = new double[components][];
        var weights = new double[components];
        for (var c = 0; c < components; c++)
        {
            means[c] = new double[dim];
            var r = rows[(int)((c + 0.5) * n / components)];
            for (var d = 0; d < dim; d++) means[c][d] = components == 1 ? globalMean[d] : data[r * dim + d];
            vars[c] = (double[])globalVar.Clone();
            weights[c] = 1.0 / components;
        }

        var gmm = Build(weights, means, vars);
        var post = new double[components];
        for (var iter = 0; iter < iterations && n > 0; iter++)
        {
            var sumW = new double[components];
            var sumX = new double[components][];
            var sumXX = new double[components][];
            for (var c = 0; c < components; c++) { sumX[c] = new double[dim]; sumXX[c] = new double[dim]; }
            foreach (var r in rows)
            {
                var x = data.AsSpan(r * dim, dim);
                gmm.Posteriors(x, post);
                for (var c = 0; c < components; c++)
                {
                    var p = post[c];
                    if (p < 1e-8) continue;
                    sumW[c] += p;
                    for (var d = 0; d < dim; d++) { sumX[c][d] += p * x[d]; sumXX[c][d] += p * x[d] * x[d]; }
                }
            }
            for (var c = 0; c < components; c++)
            {
                if (sumW[c] < 1e-3)
                {
                    // A starved component: restart it on the global statistics rather than leave it dead.
                    means[c] = (double[])globalMean.Clone();
                    vars[c] = (double[])globalVar.Clone();
                    weights[c] = 1e-3;
                    continue;
                }
                weights[c] = sumW[c] / n;
                for (var d = 0; d < dim; d++)
                {
                    means[c][d] = sumX[c][d] / sumW[c];
                    vars[c][d] = Math.Max(VarianceFloor, sumXX[c][d] / sumW[c] - means[c][d] * means[c][d]);
                }
            }
            gmm = Build(weights, means, vars);
        }
        return gmm;
    }

    /// <summary>
    /// Maximum-a-posteriori adaptation of the means to the given rows (relevance factor <paramref name="relevance"/>):
    /// components the rows hardly touch keep this model's means, so a speaker with little speech still gets a usable
    /// model. Weights and variances are this model's.
    /// </summary>
    public DiagonalGmm AdaptMeans(float[] data, int dim, IReadOnlyList<int> rows, double relevance)
    {
        var components = _means.Length;
        var sumW = new double[components];
        var sumX = new double[components][];
        for (var c = 0; c < components; c++) sumX[c] = new double[dim];
        var post = new double[components];
        foreach (var r in rows)
        {
            var x = data.AsSpan(r * dim, dim);
            Posteriors(x, post);
            for (var c = 0; c < components; c++)
            {
                var p = post[c];
                if (p < 1e-8) continue;
                sumW[c] += p;
                for (var d = 0; d < dim; d++) sumX[c][d] += p * x[d];
            }
        }
        var means = new double[components][];
        for (var c = 0; c < components; c++)
        {
            var alpha = sumW[c] / (sumW[c] + relevance);
            means[c] = new double[dim];
            for (var d = 0; d < dim; d++)
            {
                var observed = sumW[c] > 0 ? sumX[c][d] / sumW[c] : _means[c][d];
                means[c][d] = alpha * observed + (1 - alpha) * _means[c][d];
            }
        }
        return new DiagonalGmm(_logWeights, means, _inverseVariances, _logNorms);
    }

    private static DiagonalGmm Build(double[] weights, double[][] means, double[][] vars)
    {
        var k = weights.Length;
        var total = weights.Sum();
        var logWeights = weights.Select(w => Math.Log(w / total)).ToArray();
        var inv = vars.Select(v => v.Select(x => 1 / x).ToArray()).ToArray();
        var logNorms = vars.Select(v => -0.5 * (v.Length * Math.Log(2 * Math.PI) + v.Sum(Math.Log))).ToArray();
        return new DiagonalGmm(logWeights, means.Select(m => (double[])m.Clone()).ToArray(), inv, logNorms);
    }

    private void ComponentLogs(ReadOnlySpan<float> x, Span<double> logs)
    {
        for (var c = 0; c < _means.Length; c++)
        {
            var m = _means[c];
            var iv = _inverseVariances[c];
            double q = 0;
            for (var d = 0; d < x.Length; d++) { var z = x[d] - m[d]; q += z * z * iv[d]; }
            logs[c] = _logWeights[c] + _logNorms[c] - 0.5 * q;
        }
    }

    public double LogLikelihood(ReadOnlySpan<float> x)
    {
        Span<double> logs = stackalloc double[_means.Length];
        ComponentLogs(x, logs);
        var max = double.NegativeInfinity;
        foreach (var l in logs) max = Math.Max(max, l);
        double s = 0;
        foreach (var l in logs) s += Math.Exp(l - max);
        return max + Math.Log(s);
    }

    private void Posteriors(ReadOnlySpan<float> x, double[] post)
    {
        ComponentLogs(x, post);
        var max = post.Max();
        double s = 0;
        for (var c = 0; c < post.Length; c++) { post[c] = Math.Exp(post[c] - max); s += post[c]; }
        for (var c = 0; c < post.Length; c++) post[c] /= s;
    }
}
