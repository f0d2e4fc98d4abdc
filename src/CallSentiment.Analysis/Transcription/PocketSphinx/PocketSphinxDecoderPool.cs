namespace CallSentiment.Analysis.Transcription.PocketSphinx;

/// <summary>
/// A bounded set of decoders shared by threads: each decoder holds its own copy of the model (about 60 MB with the
/// en-us LM) and is used by one thread at a time. Decoders are created on first need, up to <see cref="Capacity"/>.
/// Disposing frees the idle decoders at once and a leased one when its lease ends, so a job still recognising a channel
/// (a host that gave up waiting for it) finishes with its decoder instead of losing it mid-channel.
/// </summary>
public sealed class PocketSphinxDecoderPool : IDisposable
{
    private readonly PocketSphinxSettings _settings;
    private readonly SemaphoreSlim _slots;
    private readonly Lock _lock = new();
    private readonly Stack<PocketSphinxDecoder> _idle = [];
    private bool _disposed;

    public PocketSphinxDecoderPool(PocketSphinxSettings settings, int capacity)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _settings = settings;
        Capacity = capacity;
        _slots = new SemaphoreSlim(capacity, capacity);
    }

    public int Capacity { get; }

    public PocketSphinxSettings Settings => _settings;

    /// <summary>Waits for a free decoder; dispose the lease to give it back.</summary>
    public async Task<Lease> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            PocketSphinxDecoder? decoder;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                _idle.TryPop(out decoder);
            }
            // A decoder made while the pool is being disposed is the lease's, and freed when it ends.
            return new Lease(this, decoder ?? new PocketSphinxDecoder(_settings));
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    /// <summary>Loads every decoder now (about a second each) instead of on first use, so timings exclude model loading.</summary>
    /// <summary>Creates up to <paramref name="decoders"/> decoders now (all by default), so model problems surface at once.</summary>
    public void WarmUp(int decoders = int.MaxValue)
    {
        // Holding every slot at once forces each decoder into existence without racing concurrent renters.
        var leases = new List<Lease>();
        try
        {
            for (var i = 0; i < Math.Min(Capacity, decoders); i++) leases.Add(RentAsync(CancellationToken.None).GetAwaiter().GetResult());
        }
        finally
        {
            foreach (var l in leases) l.Dispose();
        }
    }

    private void Return(PocketSphinxDecoder decoder)
    {
        bool free;
        lock (_lock)
        {
            free = _disposed;
            if (!free) _idle.Push(decoder);
        }
        if (free) decoder.Dispose();
        // Also after Dispose: a renter still waiting for a slot then wakes up to an ObjectDisposedException.
        _slots.Release();
    }

    /// <summary>Refuses new leases and frees the idle decoders now; each leased one is freed when its lease ends.</summary>
    public void Dispose()
    {
        PocketSphinxDecoder[] idle;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }
        foreach (var d in idle) d.Dispose();
    }

    public sealed class Lease : IDisposable
    {
        private readonly PocketSphinxDecoderPool _pool;
        private PocketSphinxDecoder? _decoder;

        internal Lease(PocketSphinxDecoderPool pool, PocketSphinxDecoder decoder)
        {
            _pool = pool;
            _decoder = decoder;
        }

        public PocketSphinxDecoder Decoder => _decoder ?? throw new ObjectDisposedException(nameof(Lease));

        public void Dispose()
        {
            var d = Interlocked.Exchange(ref _decoder, null);
            if (d is not null) _pool.Return(d);
        }
    }
}
