using CallSentiment.Web.Recordings;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Ingestion;

/// <summary>
/// Finds new recordings and queues them. A full listing runs at start and every FullScanInterval; in between,
/// polls list only the recent days' prefixes of each agent (when the key pattern starts with agent and date), so
/// a large archive is not re-listed every few seconds. Sidecars are read once, when their recording is new.
/// </summary>
public sealed partial class DiscoveryService(
    IRecordingSource source, KeyPattern pattern, JobQueue queue, IngestionSignal signal, TimeProvider clock,
    IOptions<IngestionOptions> options, IOptions<RecordingSourceOptions> sourceOptions, ILogger<DiscoveryService> logger) : BackgroundService
{
    private DateTimeOffset _lastFullScan = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var forced = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            // Taken before the pass: an "analyse now" during the pass completes it and triggers another full pass.
            var wake = signal.DiscoverRequested;
            try
            {
                var now = clock.GetUtcNow();
                var full = forced || now - _lastFullScan >= options.Value.FullScanInterval;
                var added = await DiscoverAsync(full, stoppingToken).ConfigureAwait(false);
                if (full) _lastFullScan = now;
                signal.LastDiscovery = clock.GetUtcNow();
                signal.LastDiscoveryError = null;
                if (added > 0)
                {
                    LogQueued(logger, added, source.Description);
                    signal.WorkAvailable();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The source or database is unreachable: say so on the status page and try again next poll.
                signal.LastDiscoveryError = e.Message;
                LogFailed(logger, e, source.Description);
            }
            var delay = Task.Delay(options.Value.PollInterval, clock, stoppingToken);
            forced = await Task.WhenAny(delay, wake).ConfigureAwait(false) == wake;
            if (stoppingToken.IsCancellationRequested) return;
        }
    }

    /// <summary>One discovery pass; returns the number of recordings queued.</summary>
    public async Task<int> DiscoverAsync(bool full, CancellationToken cancellationToken)
    {
        var prefixes = full ? [""] : await RecentPrefixesAsync(cancellationToken).ConfigureAwait(false);
        var added = 0;
        foreach (var prefix in prefixes)
            added += await DiscoverPrefixAsync(prefix, cancellationToken).ConfigureAwait(false);
        return added;
    }

    private async Task<List<string>> RecentPrefixesAsync(CancellationToken cancellationToken)
    {
        var zone = sourceOptions.Value.Zone;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime);
        var prefixes = new List<string>();
        await foreach (var agent in source.ListTopLevelAsync(cancellationToken).ConfigureAwait(false))
        {
            for (var d = 0; d <= options.Value.LookbackDays; d++)
            {
                var prefix = pattern.PrefixFor(agent, today.AddDays(-d));
                if (prefix is null) return [""];
                prefixes.Add(prefix);
            }
        }
        return prefixes;
    }

    private async Task<int> DiscoverPrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        var known = await queue.KnownVersionsAsync(prefix, cancellationToken).ConfigureAwait(false);
        var listed = new List<RecordingObject>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var o in source.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            listed.Add(o);
            keys.Add(o.Key);
        }
        var settled = clock.GetUtcNow() - options.Value.SettleTime;
        var o2 = sourceOptions.Value;
        var zone = o2.Zone;
        var found = new List<DiscoveredRecording>();
        foreach (var o in listed)
        {
            if (!RecordingKey.IsAudio(o.Key) || known.Contains((o.Key, o.Version)) || o.LastModified > settled) continue;
            if (!RecordingKey.IsSafe(o.Key, out var unsafeReason))
            {
                await queue.RecordProblemAsync(o.Key, unsafeReason!, cancellationToken).ConfigureAwait(false);
                continue;
            }
            Sidecar? sidecar = null;
            var sidecarKey = RecordingKey.SidecarOf(o.Key);
            if (keys.Contains(sidecarKey))
            {
                try
                {
                    await using var stream = await source.OpenReadAsync(sidecarKey, 0, null, cancellationToken).ConfigureAwait(false);
                    using var buffer = new MemoryStream();
                    await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                    sidecar = Sidecar.Parse(buffer.ToArray());
                }
                catch (FormatException e)
                {
                    await queue.RecordProblemAsync(o.Key, $"{sidecarKey}: {e.Message}", cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }
            if (CallMetadataResolver.TryResolve(o.Key, pattern, sidecar, zone, o2.AgentChannel, o2.CustomerChannel, out var metadata, out var error))
                found.Add(new DiscoveredRecording(o, metadata!));
            else
                await queue.RecordProblemAsync(o.Key, error!, cancellationToken).ConfigureAwait(false);
        }
        var added = 0;
        foreach (var batch in found.Chunk(500))
            added += await queue.EnqueueAsync(batch, cancellationToken).ConfigureAwait(false);
        return added;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued {Count} new recordings from {Source}")]
    private static partial void LogQueued(ILogger logger, int count, string source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Discovery in {Source} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string source);
}
