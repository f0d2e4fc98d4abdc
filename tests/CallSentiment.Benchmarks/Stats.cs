using System.Globalization;

namespace CallSentiment.Benchmarks;

/// <summary>Order statistics of a set of timings (nearest-rank percentiles: every figure is a measured value).</summary>
internal sealed class Stats
{
    private readonly double[] _sorted;

    public Stats(IEnumerable<double> values)
    {
        _sorted = [.. values.Order()];
        if (_sorted.Length == 0) throw new ArgumentException("no values", nameof(values));
    }

    public int Count => _sorted.Length;

    public double Max => _sorted[^1];

    public double Percentile(double p) => _sorted[Math.Clamp((int)Math.Ceiling(p / 100 * _sorted.Length) - 1, 0, _sorted.Length - 1)];

    public string Summary(string unit) => string.Create(CultureInfo.InvariantCulture,
        $"p50={Percentile(50):0.0} {unit} p95={Percentile(95):0.0} {unit} max={Max:0.0} {unit} (n={Count})");
}
