using Whisper.net;

namespace CallSentiment.Analysis.Transcription.Whisper;

/// <summary>
/// One loaded model (weights shared) and a bounded set of processors over it, shared by all jobs: each processor holds
/// its own decoding state (KV caches and work buffers) and serves one thread at a time. Processors are built on first need.
/// </summary>
/// <remarks>
/// A piece is decoded by whisper.net's blocking <c>Process</c> on a thread of our own, not by <c>ProcessAsync</c>: a
/// cancelled <c>ProcessAsync</c> returns while whisper.cpp still runs on the processor (and its handlers then serve whoever
/// uses the processor next; disposing it meanwhile throws, or, in the moment before the run takes the processor, lets the
/// run call back into a processor that no longer exists, which ends the process). Here the caller of a cancelled decode
/// returns at once, the piece under way runs to its end (whisper.cpp stops a run only before it encodes), and the
/// processor goes back to the pool only once that run has ended.
/// Disposing never frees a processor under a run either: idle processors are freed at once, a leased one when its lease
/// ends (after the piece it decodes), and the model with the last of them. A host that gives up waiting for a job and
/// disposes the engine thus cannot free memory whisper.cpp still uses.
/// </remarks>
internal sealed class WhisperProcessorPool : IDisposable
{
    private readonly WhisperFactory _factory;
    private readonly Func<WhisperFactory, WhisperProcessorBuilder> _builder;
    private readonly SemaphoreSlim _slots;
    private readonly Lock _lock = new();
    private readonly Stack<Decoder> _idle = [];
    private int _built;
    private int _leased;
    private bool _disposed;
    private volatile bool _released;

    public WhisperProcessorPool(WhisperFactory factory, Func<WhisperFactory, WhisperProcessorBuilder> builder, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _factory = factory;
        _builder = builder;
        Capacity = capacity;
        _slots = new SemaphoreSlim(capacity, capacity);
    }

    public int Capacity { get; }

    /// <summary>Processors built so far.</summary>
    public int Built => Volatile.Read(ref _built);

    /// <summary>Whether the model and every processor have been freed (disposed, and no lease left).</summary>
    internal bool IsReleased => _released;

    public async Task<Lease> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                // Built under the lock (a processor is quick to make), so Dispose never frees the model under a build.
                if (!_idle.TryPop(out var decoder))
                {
                    decoder = new Decoder(_builder(_factory));
                    _built++;
                }
                _leased++;
                return new Lease(this, decoder);
            }
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    private void Return(Decoder decoder)
    {
        bool free, last;
        lock (_lock)
        {
            free = _disposed;
            last = --_leased == 0;
            if (!free) _idle.Push(decoder);
        }
        if (free)
        {
            decoder.Processor.Dispose();
            if (last) Release();
        }
        // Also after Dispose: a renter still waiting for a slot then wakes up to an ObjectDisposedException.
        _slots.Release();
    }

    // The lease ended while its piece was still being decoded (the caller was cancelled): the processor is free when the run is.
    private void ReturnWhenDone(Decoder decoder, Task run) =>
        run.ContinueWith(_ => Return(decoder), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>
    /// Refuses new leases and frees the idle processors now; a processor still leased (a piece under way, or one a cancelled
    /// caller left running) is freed when its lease ends, and the model after the last of them. Returns at once.
    /// </summary>
    public void Dispose()
    {
        Decoder[] idle;
        bool last;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
            last = _leased == 0;
        }
        foreach (var d in idle) d.Processor.Dispose();
        if (last) Release();
    }

    private void Release()
    {
        _factory.Dispose();
        _released = true;
    }

    /// <summary>A processor and what its handlers report to: the segments of the piece it decodes, and whether to start it.</summary>
    internal sealed class Decoder
    {
        private List<SegmentData> _segments = [];
        private CancellationToken _stop;

        public Decoder(WhisperProcessorBuilder builder) =>
            Processor = builder
                .WithSegmentEventHandler(s => _segments.Add(s))
                // whisper.cpp asks before it encodes the piece: a cancelled caller's piece is not started.
                .WithEncoderBeginHandler(_ => !_stop.IsCancellationRequested)
                .Build();

        public WhisperProcessor Processor { get; }

        // On the decoding thread; whisper.cpp calls the handlers on it, synchronously.
        public List<SegmentData> Decode(ReadOnlyMemory<float> samples, CancellationToken stop)
        {
            _segments = [];
            _stop = stop;
            Processor.Process(samples.Span);
            return _segments;
        }
    }

    public sealed class Lease(WhisperProcessorPool pool, Decoder decoder) : IDisposable
    {
        private Decoder? _decoder = decoder;
        private Task? _run;

        /// <summary>
        /// Decodes one piece. Cancellation returns at once; the piece, if whisper.cpp had begun it, is finished on its own
        /// thread and the processor returns to the pool after it. <paramref name="samples"/> must not change until then.
        /// </summary>
        public async Task<IReadOnlyList<SegmentData>> DecodeAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken)
        {
            var d = _decoder ?? throw new ObjectDisposedException(nameof(Lease));
            if (_run is { IsCompleted: false }) throw new InvalidOperationException("the lease is still decoding a piece");
            cancellationToken.ThrowIfCancellationRequested();
            var run = Task.Factory.StartNew(() => d.Decode(samples, cancellationToken), CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);
            _run = run;
            return await run.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        public void Dispose()
        {
            var d = Interlocked.Exchange(ref _decoder, null);
            if (d is null) return;
            if (_run is { IsCompleted: false } run) pool.ReturnWhenDone(d, run);
            else pool.Return(d);
        }
    }
}
