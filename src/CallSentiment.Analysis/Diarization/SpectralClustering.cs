namespace CallSentiment.Analysis.Diarization;

/// <summary>
/// Spectral clustering of L2-normalised embeddings by cosine affinity, with the number of clusters taken from the
/// largest eigengap of the normalised affinity (bounded by maxClusters). Each row keeps only its strongest
/// neighbours (p-pruning) so that a few noisy windows cannot bridge two speakers.
/// </summary>
internal static class SpectralClustering
{
    public static int[] Cluster(float[][] embeddings, int maxClusters, double keepFraction, out double[] eigenvalues)
    {
        var n = embeddings.Length;
        eigenvalues = [];
        if (n == 0) return [];
        if (n == 1 || maxClusters <= 1) return new int[n];

        var keep = Math.Clamp((int)Math.Ceiling(keepFraction * n), 2, n);
        var affinity = new double[n, n];
        var row = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++) row[j] = Dot(embeddings[i], embeddings[j]);
            var threshold = row.OrderDescending().ElementAt(keep - 1);
            for (var j = 0; j < n; j++) affinity[i, j] = row[j] >= threshold ? Math.Max(0, row[j]) : 0;
        }
        for (var i = 0; i < n; i++)
            for (var j = i + 1; j < n; j++) affinity[i, j] = affinity[j, i] = (affinity[i, j] + affinity[j, i]) / 2;

        var degree = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++) degree[i] += affinity[i, j];
            degree[i] = 1 / Math.Sqrt(Math.Max(degree[i], 1e-12));
        }
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++) affinity[i, j] *= degree[i] * degree[j];

        var block = Math.Min(n, maxClusters + 2);
        var (values, vectors) = TopEigen(affinity, block);
        eigenvalues = values;

        var k = 1;
        var bestGap = double.NegativeInfinity;
        for (var c = 1; c <= Math.Min(maxClusters, values.Length - 1); c++)
        {
            var gap = values[c - 1] - values[c];
            if (gap > bestGap) { bestGap = gap; k = c; }
        }
        if (k == 1) return new int[n];

        var points = new double[n][];
        for (var i = 0; i < n; i++)
        {
            points[i] = new double[k];
            double norm = 0;
            for (var c = 0; c < k; c++) { points[i][c] = vectors[c][i]; norm += points[i][c] * points[i][c]; }
            norm = Math.Sqrt(Math.Max(norm, 1e-24));
            for (var c = 0; c < k; c++) points[i][c] /= norm;
        }
        return KMeans(points, k);
    }

    private static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>
    /// The <paramref name="count"/> largest eigenpairs of a symmetric matrix whose eigenvalues lie in [−1, 1], by
    /// orthogonal iteration on (M + I) (so the largest algebraic eigenvalues are the dominant ones) with a
    /// Rayleigh–Ritz step; values in descending order.
    /// </summary>
    internal static (double[] Values, double[][] Vectors) TopEigen(double[,] m, int count, int maxIterations = 500)
    {
        var n = m.GetLength(0);
        var q = new double[count][];
        for (var c = 0; c < count; c++)
        {
            q[c] = new double[n];
            // Deterministic start: smooth and rough patterns, so no component is orthogonal to every start vector.
            for (var i = 0; i < n; i++) q[c][i] = Math.Cos((c + 1) * (i + 0.5) * 1.618) + (c == 0 ? 1 : 0);
        }
        Orthonormalise(q);
        var previous = new double[count];
        var values = new double[count];
        for (var iter = 0; iter < maxIterations; iter++)
        {
            var z = new double[count][];
            for (var c = 0; c < count; c++) z[c] = ShiftedProduct(m, q[c]);
            // Rayleigh quotients of the current basis, to see when the subspace has settled.
            for (var c = 0; c < count; c++) values[c] = DotD(q[c], z[c]) - 1;
            q = z;
            Orthonormalise(q);
            if (iter > 10 && values.Zip(previous).All(p => Math.Abs(p.First - p.Second) < 1e-10)) break;
            Array.Copy(values, previous, count);
        }

        // Rayleigh–Ritz: diagonalise the small projected matrix and rotate the basis.
        var projected = new double[count, count];
        var mq = q.Select(v => ShiftedProduct(m, v)).ToArray();
        for (var a = 0; a < count; a++)
            for (var b = 0; b < count; b++) projected[a, b] = DotD(q[a], mq[b]) - (a == b ? 1 : 0);
        var (ritzValues, ritzVectors) = JacobiEigen(projected);
        var order = Enumerable.Range(0, count).OrderByDescending(i => ritzValues[i]).ToArray();
        var vectors = new double[count][];
        for (var r = 0; r < count; r++)
        {
            var col = order[r];
            vectors[r] = new double[n];
            for (var a = 0; a < count; a++)
                for (var i = 0; i < n; i++) vectors[r][i] += ritzVectors[a, col] * q[a][i];
        }
        return (order.Select(i => ritzValues[i]).ToArray(), vectors);
    }

    private static double[] ShiftedProduct(double[,] m, double[] v)
    {
        var n = v.Length;
        var r = new double[n];
        for (var i = 0; i < n; i++)
        {
            double s = v[i];
            for (var j = 0; j < n; j++) s += m[i, j] * v[j];
            r[i] = s;
        }
        return r;
    }

    private static double DotD(double[] a, double[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static void Orthonormalise(double[][] q)
    {
        for (var c = 0; c < q.Length; c++)
        {
            for (var p = 0; p < c; p++)
            {
                var d = DotD(q[c], q[p]);
                for (var i = 0; i < q[c].Length; i++) q[c][i] -= d * q[p][i];
            }
            var norm = Math.Sqrt(DotD(q[c], q[c]));
            if (norm < 1e-12)
            {
                // A collapsed vector (rank-deficient matrix): restart it from a unit vector, then re-orthogonalise.
                Array.Clear(q[c]);
                q[c][c % q[c].Length] = 1;
                c--;
                continue;
            }
            for (var i = 0; i < q[c].Length; i++) q[c][i] /= norm;
        }
    }

    /// <summary>Cyclic Jacobi eigen-decomposition of a small symmetric matrix; eigenvectors are the columns.</summary>
    internal static (double[] Values, double[,] Vectors) JacobiEigen(double[,] input)
    {
        var n = input.GetLength(0);
        var a = (double[,])input.Clone();
        var v = new double[n, n];
        for (var i = 0; i < n; i++) v[i, i] = 1;
        for (var sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (var p = 0; p < n; p++)
                for (var r = p + 1; r < n; r++) off += a[p, r] * a[p, r];
            if (off < 1e-22) break;
            for (var p = 0; p < n; p++)
            {
                for (var r = p + 1; r < n; r++)
                {
                    if (Math.Abs(a[p, r]) < 1e-300) continue;
                    var theta = (a[r, r] - a[p, p]) / (2 * a[p, r]);
                    var t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    var c = 1 / Math.Sqrt(t * t + 1);
                    var s = t * c;
                    for (var k = 0; k < n; k++)
                    {
                        var akp = a[k, p];
                        var akr = a[k, r];
                        a[k, p] = c * akp - s * akr;
                        a[k, r] = s * akp + c * akr;
                    }
                    for (var k = 0; k < n; k++)
                    {
                        var apk = a[p, k];
                        var ark = a[r, k];
                        a[p, k] = c * apk - s * ark;
                        a[r, k] = s * apk + c * ark;
                    }
                    for (var k = 0; k < n; k++)
                    {
                        var vkp = v[k, p];
                        var vkr = v[k, r];
                        v[k, p] = c * vkp - s * vkr;
                        v[k, r] = s * vkp + c * vkr;
                    }
                }
            }
        }
        var values = new double[n];
        for (var i = 0; i < n; i++) values[i] = a[i, i];
        return (values, v);
    }

    /// <summary>k-means with deterministic farthest-point seeding (the result must not change from run to run).</summary>
    internal static int[] KMeans(double[][] points, int k, int iterations = 100)
    {
        var n = points.Length;
        var dim = points[0].Length;
        var centres = new double[k][];
        centres[0] = (double[])points[0].Clone();
        var nearest = Enumerable.Repeat(double.PositiveInfinity, n).ToArray();
        for (var c = 1; c < k; c++)
        {
            var far = 0;
            for (var i = 0; i < n; i++)
            {
                nearest[i] = Math.Min(nearest[i], Distance2(points[i], centres[c - 1]));
                if (nearest[i] > nearest[far]) far = i;
            }
            centres[c] = (double[])points[far].Clone();
        }
        var labels = new int[n];
        for (var iter = 0; iter < iterations; iter++)
        {
            var changed = false;
            for (var i = 0; i < n; i++)
            {
                var best = 0;
                for (var c = 1; c < k; c++)
                    if (Distance2(points[i], centres[c]) < Distance2(points[i], centres[best])) best = c;
                if (best != labels[i] || iter == 0) { changed |= best != labels[i]; labels[i] = best; }
            }
            if (!changed && iter > 0) break;
            for (var c = 0; c < k; c++)
            {
                var members = Enumerable.Range(0, n).Where(i => labels[i] == c).ToList();
                if (members.Count == 0) continue;
                for (var d = 0; d < dim; d++) centres[c][d] = members.Average(i => points[i][d]);
            }
        }
        return labels;
    }

    private static double Distance2(double[] a, double[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return s;
    }
}
