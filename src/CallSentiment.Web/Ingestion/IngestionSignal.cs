namespace CallSentiment.Web.Ingestion;

/// <summary>Wakes the discovery loop ("analyse now", an upload) and the workers (new jobs) without waiting for the next poll.</summary>
public sealed class IngestionSignal
{
    private volatile TaskCompletionSource _discover = NewSource();
    private volatile TaskCompletionSource _work = NewSource();

    public DateTimeOffset? LastDiscovery { get; set; }

    public string? LastDiscoveryError { get; set; }

    public DateTimeOffset? LastWorkerBeat { get; set; }

    public void DiscoverNow() => Interlocked.Exchange(ref _discover, NewSource()).TrySetResult();

    public void WorkAvailable() => Interlocked.Exchange(ref _work, NewSource()).TrySetResult();

    public Task DiscoverRequested => _discover.Task;

    public Task WorkRequested => _work.Task;

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
