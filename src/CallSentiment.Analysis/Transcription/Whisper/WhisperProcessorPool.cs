using System.Collections.Concurrent;
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
/// processor goes back to the pool, or is disposed, only once that run has ended.
/// </remarks>
internal sealed class WhisperProcessorPool : IDisposable
{
    private readonly WhisperFactory _factory;
    private readonly Func<WhisperFactory, WhisperProcessorBuilder> _builder;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<Decoder> _idle = [];
    private readonly ConcurrentBag<Decoder> _all = [];
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private volatile bool _disposed;

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
    public int Built => _all.Count;

    public async Task<Lease> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_idle.TryTake(out var decoder))
            {
                decoder = new Decoder(_builder(_factory));
                _all.Add(decoder);
            }
            return new Lease(this, decoder);
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    private void Return(Decoder decoder)
    {
        if (_disposed) return;
        _idle.Add(decoder);
        _slots.Release();
    }

    // The lease ended while its piece was still being decoded (the caller was cancelled): the processor is free when the run is.
    private void ReturnWhenDone(Decoder decoder, Task run)
    {
        _running.TryAdd(run, 0);
        run.ContinueWith(done =>
        {
            Return(decoder);
            _running.TryRemove(done, out _);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits for pieces still being decoded for cancelled callers (a piece at most each), then frees the processors and the model.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            Task.WaitAll([.. _running.Keys]);
        }
        catch (AggregateException)
        {
            // A failed piece of a caller that had gone: nothing is waiting for its error.
        }
        foreach (var d in _all) d.Processor.Dispose();
        _factory.Dispose();
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
