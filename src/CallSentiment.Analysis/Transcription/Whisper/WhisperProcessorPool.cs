using System.Collections.Concurrent;
using Whisper.net;

namespace CallSentiment.Analysis.Transcription.Whisper;

/// <summary>
/// One loaded model (weights shared) and a bounded set of processors over it, shared by all jobs: each processor holds
/// its own decoding state (KV caches and work buffers) and serves one thread at a time. Processors are built on first need.
/// </summary>
internal sealed class WhisperProcessorPool : IDisposable
{
    private readonly WhisperFactory _factory;
    private readonly Func<WhisperFactory, WhisperProcessor> _build;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<WhisperProcessor> _idle = [];
    private readonly ConcurrentBag<WhisperProcessor> _all = [];
    private bool _disposed;

    public WhisperProcessorPool(WhisperFactory factory, Func<WhisperFactory, WhisperProcessor> build, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _factory = factory;
        _build = build;
        Capacity = capacity;
        _slots = new SemaphoreSlim(capacity, capacity);
    }

    public int Capacity { get; }

    /// <summary>Processors built so far.</summary>
    public int Built => _all.Count;

    public async Task<Lease> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_idle.TryTake(out var processor))
            {
                processor = _build(_factory);
                _all.Add(processor);
            }
            return new Lease(this, processor);
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    private void Return(WhisperProcessor processor)
    {
        _idle.Add(processor);
        _slots.Release();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var p in _all) p.Dispose();
        _factory.Dispose();
        _slots.Dispose();
    }

    public sealed class Lease(WhisperProcessorPool pool, WhisperProcessor processor) : IDisposable
    {
        private WhisperProcessor? _processor = processor;

        public WhisperProcessor Processor => _processor ?? throw new ObjectDisposedException(nameof(Lease));

        public void Dispose()
        {
            var p = Interlocked.Exchange(ref _processor, null);
            if (p is not null) pool.Return(p);
        }
    }
}
