namespace CallSentiment.Analysis.Visualization;

/// <summary>
/// Assigns a stream of items (audio frames, STFT frames) to image columns while seeing one block at a time.
/// With a known item count, bin = column (or item, when there are fewer items than columns). Without one (a piped
/// decode), items go into fine bins of <c>span</c> items; when the bins are full, the owner merges neighbours
/// pairwise and the span doubles. Memory stays bounded for a stream of any length while the resolution stays at
/// or above <c>capacity / 2</c> bins, several per column; <see cref="Column"/> then resamples the bins to the width.
/// </summary>
internal sealed class ColumnBins
{
    private readonly int _width;
    private readonly long? _total;
    private readonly int _knownBins; // min(width, total) when the total is known
    private long _index; // items seen so far
    private long _span = 1; // items per bin when the total is unknown

    public ColumnBins(int width, long? totalItems, int unknownCapacityPerColumn)
    {
        _width = width;
        _total = totalItems is > 0 ? totalItems : null;
        _knownBins = (int)Math.Min(width, _total ?? width);
        // Even, so that merging pairs empties exactly the upper half.
        Capacity = _total is null ? 2 * Math.Max(1, width * unknownCapacityPerColumn / 2) : _knownBins;
    }

    /// <summary>Bins the owner must hold.</summary>
    public int Capacity { get; }

    /// <summary>Bins that have received items.</summary>
    public int Used { get; private set; }

    /// <summary>
    /// The bin of the next item and how many of the next <paramref name="available"/> items share it. Returns
    /// <c>compact = true</c> (and no bin) when the owner must first merge bins 2i and 2i+1 into i and clear the
    /// upper half.
    /// </summary>
    public (int Bin, int Run) Next(int available, out bool compact)
    {
        compact = false;
        long bin, end;
        if (_total is { } total)
        {
            var n = _knownBins;
            bin = Math.Min(n - 1, _index * n / total);
            // First item of the next bin: ceil((bin + 1) * total / n). Surplus items stay in the last bin.
            end = bin == n - 1 ? long.MaxValue : ((bin + 1) * total + n - 1) / n;
        }
        else
        {
            bin = _index / _span;
            if (bin == Capacity)
            {
                compact = true;
                _span *= 2;
                Used = Capacity / 2;
                return (-1, 0);
            }
            end = (bin + 1) * _span;
        }
        var run = (int)Math.Min(available, end - _index);
        _index += run;
        Used = Math.Max(Used, (int)bin + 1);
        return ((int)bin, run);
    }

    /// <summary>The bins [From, To) that make up image column <paramref name="x"/>; empty when nothing reached it.</summary>
    public (int From, int To) Column(int x)
    {
        // A known total maps onto all its bins even if the stream ends early (the rest stays empty); an unknown
        // one stretches what arrived over the width. A column never falls between two bins.
        var n = _total is null ? Used : _knownBins;
        var from = (int)((long)x * n / _width);
        if (from >= Used) return (0, 0);
        var to = (int)Math.Min(Used, (long)(x + 1) * n / _width);
        return (from, Math.Max(to, from + 1));
    }
}
